// Training / inference throughput on MNIST-shaped synthetic data, following
// ../shared/bench/pytorch_reference.py's protocol exactly (same flags, models, data, warm-up,
// segments, scaling and JSON keys), so the two can be run one after the other and compared:
//
//   OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 pytorch_reference.py --model mlp512
//   build/release/bench/train_throughput --model mlp512
//
// Data: 60000 uniform [0,1) images [1, 28, 28] and uniform labels 0..9 (seed 0); each epoch is a
// fresh permutation gathered batch by batch (last partial batch included). Train: warm-up batches
// untimed, then --segments timed segments of --seg-frac epochs, each scaled to a 60000-sample
// epoch. Each segment is what a Keras user runs: one Model::fit over the segment's batches, in
// the stream's order (forward, cross-entropy from logits, backward, optimizer update per batch),
// run as a traced graph (compile's default; --eager runs it op by op). A batch that ends an epoch
// is partial; fit() regroups a segment's samples into full batches and one partial last batch,
// so a segment trains the same samples in the same number of steps. last_loss is the last segment's
// mean loss (fit logs running means). Infer: the model in inference mode on 10000 samples.
//
// On a GPU (--device cuda, issue 10's GPU benchmark; --tf32 allows TF32 matmuls): the model is
// compiled onto the device and the data made resident there once, so batches are gathered on
// the device, as bench/pytorch_gpu_reference.py does; no step waits for the device, and the
// segment's mean loss read at its end does, so a segment's time covers all of its work.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <nabla/cuda.hpp>
#include <nabla/nabla.hpp>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace nabla;

namespace {

struct Args {
  std::string model;
  std::string opt = "adam";
  int64_t batch = 128;
  int threads = 2;
  int segments = 3;
  double seg_frac = 1.0;
  int64_t warmup_batches = 50;
  bool infer = false;
  bool eager = false;  // --eager: compile({.run_eagerly = true}) instead of traced graphs
  Device device = Device::cpu();
  bool tf32 = false;
  // --loss-every-step: each step through train_on_batch, which reads its loss back (on a GPU, a
  // wait per step): the protocol before segments became fit() calls, to measure what that costs.
  bool loss_every_step = false;
};

Args parse_args(int argc, char** argv) {
  Args a;
  auto value = [&](int& i) -> std::string {
    if (i + 1 >= argc) throw std::invalid_argument(std::string(argv[i]) + " needs a value");
    return argv[++i];
  };
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--model") {
      a.model = value(i);
    } else if (flag == "--opt") {
      a.opt = value(i);
    } else if (flag == "--batch") {
      a.batch = std::stoll(value(i));
    } else if (flag == "--threads") {
      a.threads = std::stoi(value(i));
    } else if (flag == "--segments") {
      a.segments = std::stoi(value(i));
    } else if (flag == "--seg-frac") {
      a.seg_frac = std::stod(value(i));
    } else if (flag == "--warmup-batches") {
      a.warmup_batches = std::stoll(value(i));
    } else if (flag == "--eager") {
      a.eager = true;
    } else if (flag == "--infer") {
      a.infer = true;
    } else if (flag == "--device") {
      a.device = Device::parse(value(i));
    } else if (flag == "--tf32") {
      a.tf32 = true;
    } else if (flag == "--loss-every-step") {
      a.loss_every_step = true;
    } else if (flag == "--no-mkldnn") {
      // PyTorch's switch for its oneDNN convolutions; accepted so both take the same flags.
    } else {
      throw std::invalid_argument("unknown flag " + flag);
    }
  }
  if (a.opt != "adam" && a.opt != "sgd") throw std::invalid_argument("--opt must be sgd or adam");
  if (a.batch < 1 || a.segments < 1 || a.seg_frac <= 0 || a.threads < 1) {
    throw std::invalid_argument("--batch, --segments, --seg-frac and --threads must be positive");
  }
  return a;
}

nn::Sequential mlp(const std::vector<int64_t>& hidden) {
  nn::Sequential model({nn::Input({1, 28, 28}), nn::Flatten()});
  for (int64_t h : hidden) model.add(nn::Dense(h, {.activation = "relu"}));
  model.add(nn::Dense(10));
  return model;
}

// The reference's convnets (Keras's mnist_cnn and "simple MNIST convnet"). The data is
// [N, 1, 28, 28] as the reference's; with one channel, reshaping it to channels-last
// [N, 28, 28, 1] moves nothing.
nn::Sequential cnn_a() {
  return nn::Sequential(
      {nn::Input({1, 28, 28}), nn::Reshape({28, 28, 1}), nn::Conv2D(32, 3, {.activation = "relu"}),
       nn::Conv2D(64, 3, {.activation = "relu"}), nn::MaxPooling2D(2), nn::Dropout(0.25),
       nn::Flatten(), nn::Dense(128, {.activation = "relu"}), nn::Dropout(0.5), nn::Dense(10)});
}

nn::Sequential cnn_b() {
  return nn::Sequential({nn::Input({1, 28, 28}), nn::Reshape({28, 28, 1}),
                         nn::Conv2D(32, 3, {.activation = "relu"}), nn::MaxPooling2D(2),
                         nn::Conv2D(64, 3, {.activation = "relu"}), nn::MaxPooling2D(2),
                         nn::Flatten(), nn::Dropout(0.5), nn::Dense(10)});
}

// The reference's row-wise MNIST recurrences: each image read as 28 steps of 28 features
// (reshaping [1, 28, 28] to [28, 28] moves nothing), LSTM or GRU(128), the last step's output
// -> Dense 10. nabla's GRU is Keras 3's (reset_after), the form of PyTorch's nn.GRU.
nn::Sequential rnn(const std::string& cell) {
  nn::Sequential model({nn::Input({1, 28, 28}), nn::Reshape({28, 28})});
  if (cell == "lstm") {
    model.add(nn::LSTM(128));
  } else {
    model.add(nn::GRU(128));
  }
  model.add(nn::Dense(10));
  return model;
}

nn::Sequential make_model(const std::string& name) {
  if (name == "mlp512") return mlp({512, 512});
  if (name == "mlp128") return mlp({128});
  if (name == "cnnA") return cnn_a();
  if (name == "cnnB") return cnn_b();
  if (name == "lstm" || name == "gru") return rnn(name);
  throw std::invalid_argument("--model must be mlp512, mlp128, cnnA, cnnB, lstm or gru");
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

constexpr int64_t kTrain = 60000, kTest = 10000;

nlohmann::json run_infer(const Args& a, nn::Sequential& model, nlohmann::json res) {
  const Tensor x = random::uniform({kTest, 1, 28, 28}).to(a.device);
  const Tensor zero = tensor(int64_t{0}).to(a.device);
  NoGradGuard no_grad;
  auto one_pass = [&] {
    int64_t correct = 0;
    for (int64_t i = 0; i < kTest; i += a.batch) {
      const Tensor out = model(x.slice(0, i, std::min(i + a.batch, kTest)), false);
      correct += sum(equal(argmax(out, 1), zero)).cpu().item<int64_t>();
    }
    return correct;
  };
  one_pass();
  std::vector<double> ts;
  for (int s = 0; s < a.segments; ++s) {
    const auto t0 = std::chrono::steady_clock::now();
    one_pass();
    ts.push_back(seconds_since(t0));
  }
  const double med = median(ts);
  const auto [lo, hi] = std::minmax_element(ts.begin(), ts.end());
  res.update({{"mode", "infer"},
              {"n_samples", kTest},
              {"runs", ts.size()},
              {"sec_per_10k_median", med},
              {"sec_min", *lo},
              {"sec_max", *hi},
              {"samples_per_s_median", kTest / med},
              {"samples_per_s_min", kTest / *hi},
              {"samples_per_s_max", kTest / *lo}});
  return res;
}

nlohmann::json run_train(const Args& a, nn::Sequential& model, nlohmann::json res) {
  const Tensor x = random::uniform({kTrain, 1, 28, 28}).to(a.device);
  const Tensor y = random::randint(0, 10, {kTrain}).to(a.device);
  if (a.opt == "sgd") {
    model.compile({.optimizer = optim::SGD({.learning_rate = 0.01, .momentum = 0.9}),
                   .loss = nn::losses::SparseCategoricalCrossentropy({.from_logits = true}),
                   .run_eagerly = a.eager,
                   .device = a.device});
  } else {
    model.compile({.optimizer = optim::Adam({.learning_rate = 1e-3}),
                   .loss = nn::losses::SparseCategoricalCrossentropy({.from_logits = true}),
                   .run_eagerly = a.eager,
                   .device = a.device});
  }
  // The endless stream of shuffled minibatches, epoch by epoch, as sample indices.
  Tensor perm;
  int64_t next = kTrain;
  auto next_indices = [&] {
    if (next >= kTrain) {
      perm = random::permutation(kTrain);
      next = 0;
    }
    const Tensor idx = perm.slice(0, next, std::min(next + a.batch, kTrain)).to(a.device);
    next += a.batch;
    return idx;
  };
  for (int64_t i = 0; i < a.warmup_batches; ++i) {
    const Tensor idx = next_indices();
    model.train_on_batch(take(x, idx, 0), take(y, idx, 0));
  }
  const int64_t nb_epoch = (kTrain + a.batch - 1) / a.batch;
  const int64_t seg_batches =
      std::max<int64_t>(1, std::llround(static_cast<double>(nb_epoch) * a.seg_frac));
  std::vector<double> ts;
  double last_loss = 0;
  for (int s = 0; s < a.segments; ++s) {
    const auto t0 = std::chrono::steady_clock::now();
    // A segment's batches, gathered at once and trained by one fit() call (unshuffled, so in
    // the stream's order): the loss stays on the device until the segment ends, as the reference
    // reads loss.item() once per segment.
    int64_t n = 0;
    if (a.loss_every_step) {
      for (int64_t b = 0; b < seg_batches; ++b) {
        const Tensor idx = next_indices();
        last_loss = model.train_on_batch(take(x, idx, 0), take(y, idx, 0)).at("loss");
        n += idx.shape()[0];
      }
    } else {
      std::vector<Tensor> batches;
      for (int64_t b = 0; b < seg_batches; ++b) batches.push_back(next_indices());
      const Tensor idx = concatenate(batches, 0);
      n = idx.shape()[0];
      const auto history = model.fit(take(x, idx, 0), take(y, idx, 0),
                                     {.batch_size = a.batch, .verbose = 0, .shuffle = false});
      last_loss = history["loss"].back();
    }
    ts.push_back(seconds_since(t0) * kTrain / static_cast<double>(n));
  }
  const double epoch = median(ts);
  const auto [lo, hi] = std::minmax_element(ts.begin(), ts.end());
  std::vector<double> rounded;
  for (double t : ts) rounded.push_back(std::round(t * 1000) / 1000);
  res.update({{"mode", "train"},
              {"graph", !a.eager},
              {"loss_every_step", a.loss_every_step},
              {"opt", a.opt},
              {"seg_frac", a.seg_frac},
              {"seg_batches", seg_batches},
              {"runs", ts.size()},
              {"sec_per_epoch_median", epoch},
              {"sec_per_epoch_min", *lo},
              {"sec_per_epoch_max", *hi},
              {"samples_per_s_median", kTrain / epoch},
              {"samples_per_s_min", kTrain / *hi},
              {"samples_per_s_max", kTrain / *lo},
              {"all_sec_per_epoch", rounded},
              {"last_loss", last_loss}});
  return res;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Args a = parse_args(argc, argv);
    set_num_threads(a.threads);
    cuda::set_allow_tf32(a.tf32);
    random::seed(0);
    nn::Sequential model = make_model(a.model);
    model.to(a.device);  // inference runs without compile
    nlohmann::json res = {{"framework", "nabla"},
                          {"model", a.model},
                          {"batch", a.batch},
                          {"threads", num_threads()},
                          {"device", (std::ostringstream() << a.device).str()},
                          {"tf32", a.tf32},
                          {"params", model.count_params()}};
    res = a.infer ? run_infer(a, model, res) : run_train(a, model, res);
    std::cout << res.dump() << std::endl;
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "train_throughput: " << e.what() << "\n";
    return 2;
  }
}
