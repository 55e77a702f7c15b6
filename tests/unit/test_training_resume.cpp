// Checkpoints that survive crashes: training interrupted after an epoch and resumed (from
// BackupAndRestore's backup, or from a ModelCheckpoint file) ends with exactly the weights of
// an uninterrupted run, bit for bit; and a process killed at random moments while saving always
// leaves a file that loads (the previous save or the new one, never a torn one).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nabla/nabla.hpp>
#include <random>
#include <stdexcept>
#include <thread>

#include "numpy_interop.hpp"

namespace nabla {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

/// A small classifier with the state resuming must restore: Adam's moments, BatchNormalization's
/// moving statistics, Dropout's random masks and the shuffled batch order.
nn::Model make_model() {
  nn::Model model = nn::Sequential({nn::Input({10}), nn::Dense(16, {.activation = "relu"}),
                                    nn::BatchNormalization(), nn::Dropout(0.3), nn::Dense(3)});
  model.compile({.optimizer = optim::Adam({.learning_rate = 0.01}),
                 .loss = nn::losses::SparseCategoricalCrossentropy({.from_logits = true})});
  return model;
}

struct Data {
  Tensor x, y;
};

Data make_data() {
  random::seed(123);
  return {random::normal({96, 10}), random::randint(0, 3, {96})};
}

nn::FitOptions fit_options(std::vector<callbacks::CallbackRef> cbs, int64_t initial_epoch = 0) {
  return {.batch_size = 16,
          .epochs = 5,
          .verbose = 0,
          .callbacks = std::move(cbs),
          .initial_epoch = initial_epoch};
}

void expect_bit_identical(const nn::Model& a, const nn::Model& b) {
  const auto wa = a.get_weights();
  const auto wb = b.get_weights();
  ASSERT_EQ(wa.size(), wb.size());
  for (size_t i = 0; i < wa.size(); ++i)
    EXPECT_EQ(wa[i].to_vector<float>(), wb[i].to_vector<float>()) << "weight " << i;
}

/// Thrown by a callback to simulate a crash at the end of an epoch.
struct Crash : std::runtime_error {
  Crash() : std::runtime_error("simulated crash") {}
};

nn::Model straight_run(const Data& data) {
  random::seed(7);
  nn::Model model = make_model();
  model.fit(data.x, data.y, fit_options({}));
  return model;
}

TEST(TrainingResume, BackupAndRestoreResumesBitForBit) {
  const Data data = make_data();
  const nn::Model reference = straight_run(data);

  TempDir dir;
  const std::string backup = (dir / "backup").string();
  random::seed(7);
  nn::Model interrupted = make_model();
  callbacks::LambdaCallback crash({.on_epoch_end = [](int64_t epoch, const callbacks::Logs&) {
    if (epoch == 1) throw Crash();
  }});
  EXPECT_THROW(
      interrupted.fit(data.x, data.y,
                      fit_options({callbacks::BackupAndRestore({.backup_dir = backup}), crash})),
      Crash);

  // A "new process": another seed, so other initial weights and random numbers, until the
  // backup restores them.
  random::seed(999);
  nn::Model resumed = make_model();
  auto restore = std::make_shared<callbacks::BackupAndRestore>(
      callbacks::BackupAndRestoreOptions{.backup_dir = backup});
  const History history = resumed.fit(data.x, data.y, fit_options({restore}));
  EXPECT_EQ(restore->resumed_at(), 2);
  EXPECT_EQ(history.epochs().size(), 3u);  // epochs 3 to 5
  expect_bit_identical(reference, resumed);
  EXPECT_TRUE(fs::is_empty(backup));  // removed once training completed
}

TEST(TrainingResume, ModelCheckpointFileResumesBitForBit) {
  const Data data = make_data();
  TempDir dir;
  random::seed(7);
  nn::Model reference = make_model();
  reference.fit(
      data.x, data.y,
      fit_options({callbacks::ModelCheckpoint({.filepath = (dir / "ckpt-{epoch}.keras").string()}),
                   callbacks::ModelCheckpoint({.filepath = (dir / "w-{epoch}.weights.h5").string(),
                                               .save_weights_only = true})}));
  for (const char* file : {"ckpt-2.keras", "w-2.weights.h5"}) {
    random::seed(31);
    nn::Model resumed = make_model();
    resumed.load_weights(dir / file);  // weights, Adam's state, the random state
    EXPECT_EQ(resumed.optimizer()->iterations(), 12) << file;  // 2 epochs of 6 batches
    resumed.fit(data.x, data.y, fit_options({}, /*initial_epoch=*/2));
    expect_bit_identical(reference, resumed);
  }
}

TEST(TrainingResume, OptimizerStateRoundTripsForEveryOptimizer) {
  const std::vector<optim::OptimizerRef> optimizers = {
      optim::SGD({.momentum = 0.9}), optim::Adam({.amsgrad = true}), optim::AdamW(),
      optim::RMSprop({.momentum = 0.5, .centered = true}), optim::Adagrad()};
  for (const auto& optimizer : optimizers) {
    SCOPED_TRACE(optimizer.get()->name());
    nn::Model model = nn::Sequential({nn::Input({4}), nn::Dense(3), nn::Dense(2)});
    model.compile({.optimizer = optimizer, .loss = "mse"});
    random::seed(1);
    const Tensor x = random::normal({8, 4});
    const Tensor y = random::normal({8, 2});
    model.fit(x, y, {.batch_size = 4, .epochs = 2, .verbose = 0});
    const auto weights = model.trainable_weights();
    const auto before = model.optimizer()->variables(weights);
    TempDir dir;
    model.save_weights(dir / "w.weights.h5");
    model.fit(x, y, {.batch_size = 4, .epochs = 1, .verbose = 0});  // the state moves on
    model.load_weights(dir / "w.weights.h5");
    const auto after = model.optimizer()->variables(weights);
    ASSERT_EQ(before.size(), after.size());
    for (size_t i = 0; i < before.size(); ++i) {
      EXPECT_EQ(before[i].shape(), after[i].shape()) << i;
      EXPECT_EQ(before[i].astype(float64).to_vector<double>(),
                after[i].astype(float64).to_vector<double>())
          << i;
    }
  }
}

/// Starts the save loop on `path`; returns its pid once the first save is complete.
pid_t start_save_loop(const fs::path& path) {
  int out[2];
  if (::pipe(out) != 0) {
    ADD_FAILURE() << "pipe: errno " << errno;
    return -1;
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    ADD_FAILURE() << "fork: errno " << errno;
    return -1;
  }
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    execl(NABLA_SAVE_LOOP, NABLA_SAVE_LOOP, path.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  // Wait for "ready" (read() may return it in pieces, or be interrupted).
  std::string ready;
  char buffer[16];
  while (ready.size() < 5) {
    const ssize_t n = read(out[0], buffer, sizeof buffer);
    if (n > 0) {
      ready.append(buffer, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  close(out[0]);
  if (ready.starts_with("ready")) return pid;
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ADD_FAILURE() << "the save loop said '" << ready << "', status " << status;
  return -1;
}

/// Kills the save loop on `path` `rounds` times at random moments; after each kill, `check`
/// loads the file. Returns how many kills landed while a new file was being written (a
/// temporary beside it).
template <class Check>
int kill_saves(const fs::path& path, int rounds, std::mt19937& rng, int max_sleep_us,
               const Check& check) {
  int interrupted = 0;
  for (int round = 0; round < rounds; ++round) {
    const pid_t pid = start_save_loop(path);
    if (pid <= 0) {
      ADD_FAILURE() << "could not start " << NABLA_SAVE_LOOP;
      return interrupted;
    }
    std::this_thread::sleep_for(
        std::chrono::microseconds(rng() % static_cast<unsigned>(max_sleep_us)));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFSIGNALED(status)) << "the save loop exited by itself";
    for (const auto& entry : fs::directory_iterator(path.parent_path()))
      interrupted += entry.path().filename().string().starts_with("." + path.filename().string());
    check();
  }
  return interrupted;
}

/// Every value of every tensor equal: one complete save, not a mix of two.
void expect_one_save(const std::vector<Tensor>& tensors, const std::string& what) {
  const float value = tensors.at(0).to_vector<float>().at(0);
  EXPECT_GE(value, 1.0f) << what;
  for (const Tensor& t : tensors) {
    const auto values = t.to_vector<float>();
    EXPECT_TRUE(std::all_of(values.begin(), values.end(), [&](float v) { return v == value; }))
        << what;
  }
}

TEST(TrainingResume, KillingASaveAtAnyMomentLeavesALoadableFile) {
  TempDir dir;
  std::mt19937 rng(2026);
  // Model files in every format: whatever the moment, the file loads whole.
  int model_kills = 0;
  int model_interrupted = 0;
  for (const char* name : {"m.keras", "m.h5", "w.weights.h5"}) {
    const fs::path path = dir / name;
    model_interrupted += kill_saves(path, 12, rng, 20000, [&] {
      nn::Model model = nn::Sequential({nn::Input({256}), nn::Dense(512), nn::Dense(256)});
      if (std::string(name) == "w.weights.h5") {
        model.load_weights(path);
      } else {
        model = nn::load_model(path);
      }
      expect_one_save(model.get_weights(), name);
    });
    model_kills += 12;
  }
  // A 32 MB file, whose writes take most of the loop: kills land mid-write, and the file is
  // still the previous complete save. Saves of every kind share this writer (temporary file,
  // fsync, rename).
  const fs::path big = dir / "big.npy";
  int torn = 0;
  int big_kills = 0;
  while (big_kills < 40 && torn < 3) {  // about half the kills land mid-write
    torn += kill_saves(big, 1, rng, 200000, [&] { expect_one_save({load_npy(big)}, "big.npy"); });
    ++big_kills;
  }
  EXPECT_GE(torn, 1) << "no kill landed during a write in " << big_kills << " tries";
  std::cout << model_kills << " kills during model saves (" << model_interrupted << " mid-write), "
            << big_kills << " during 32 MB saves (" << torn << " mid-write)\n";

  // The next save of a file removes what killed writers left beside it.
  nn::Model model = nn::Sequential({nn::Input({2}), nn::Dense(1)});
  model.save(dir / "m.keras");
  model.save(dir / "m.h5");
  model.save_weights(dir / "w.weights.h5");
  save_npy(dir / "big.npy", zeros({1}));
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    ++files;
    EXPECT_FALSE(entry.path().filename().string().starts_with(".")) << entry.path();
  }
  EXPECT_EQ(files, 4u);
}

}  // namespace
}  // namespace nabla
