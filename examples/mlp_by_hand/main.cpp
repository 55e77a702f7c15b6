// A multilayer perceptron for MNIST designed without a framework, with nabla tensors only: He
// initialisation, the forward pass, the backward pass by the delta rule written out by hand, and
// online / mini-batch / batch gradient descent with momentum and weight decay. Autodiff appears
// once, at start, to check the hand-derived gradients; training never uses it.
#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <nabla/nabla.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "cli.hpp"

namespace fs = std::filesystem;
using namespace nabla;

namespace {

constexpr int kSkipReturnCode = 77;      // CTest's SKIP_RETURN_CODE for a run without the data
constexpr double kGradTolerance = 1e-5;  // float32: hand and autodiff gradients agree to ~1e-7
constexpr int64_t kClasses = 10;

const char* const kUsage = R"(usage: mlp_by_hand [options]
A 784-H-10 perceptron (ReLU hidden layer, softmax output, cross-entropy loss) trained on MNIST
with gradients derived by hand (the delta rule), checked once against autodiff.
  --mode M           online (one image per step) | minibatch | batch (all images per step)
                     [minibatch]
  --batch-size N     images per step in minibatch mode [64]
  --epochs N         passes over the training images [10]
  --lr X             learning rate [0.02]; online mode wants a smaller one (0.005), batch mode
                     a larger one (0.5) and many epochs
  --momentum X       velocity decay: v = momentum * v - lr * g; w += v [0.9]
  --weight-decay X   L2 penalty (X/2)|W|^2 on the weight matrices, not the biases [1e-4]
  --hidden N         hidden units [256]
  --seed N           seed of nabla::random (initial weights, shuffling) [0]
  --limit N          use only the first N training images (quick runs; 0 = all) [0]
  --data DIR         folder with the MNIST .gz files [$NABLA_DATA/mnist, else ../shared/data/mnist]
  --skip-if-no-data  exit with code 77 (CTest's "skipped") instead of 1 when the data is missing
  --help             this text
Relative paths (--data, NABLA_DATA) are resolved from the current directory.
)";

struct Options {
  std::string mode = "minibatch";
  int64_t batch_size = 64;
  int64_t epochs = 10;
  double lr = 0.02;
  double momentum = 0.9;
  double weight_decay = 1e-4;
  int64_t hidden = 256;
  uint64_t seed = 0;
  int64_t limit = 0;
  fs::path data;
  bool skip_if_no_data = false;
  bool help = false;
};

using example_cli::parse_number;
using example_cli::UsageError;

Options parse_options(int argc, char** argv) {
  Options o;
  const char* root = std::getenv("NABLA_DATA");
  o.data = fs::path(root != nullptr && *root != '\0' ? root : "../shared/data") / "mnist";
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help") {
      o.help = true;
      continue;
    }
    if (flag == "--skip-if-no-data") {
      o.skip_if_no_data = true;
      continue;
    }
    if (i + 1 >= argc) throw UsageError(std::string(flag) + " needs a value (or is unknown)");
    const std::string_view value = argv[++i];
    if (flag == "--mode") {
      o.mode = value;
    } else if (flag == "--batch-size") {
      o.batch_size = parse_number<int64_t>(flag, value);
    } else if (flag == "--epochs") {
      o.epochs = parse_number<int64_t>(flag, value);
    } else if (flag == "--lr") {
      o.lr = parse_number<double>(flag, value);
    } else if (flag == "--momentum") {
      o.momentum = parse_number<double>(flag, value);
    } else if (flag == "--weight-decay") {
      o.weight_decay = parse_number<double>(flag, value);
    } else if (flag == "--hidden") {
      o.hidden = parse_number<int64_t>(flag, value);
    } else if (flag == "--seed") {
      o.seed = parse_number<uint64_t>(flag, value);
    } else if (flag == "--limit") {
      o.limit = parse_number<int64_t>(flag, value);
    } else if (flag == "--data") {
      o.data = value;
    } else {
      throw UsageError("unknown option " + std::string(flag));
    }
  }
  if (o.mode != "online" && o.mode != "minibatch" && o.mode != "batch") {
    throw UsageError("--mode must be online, minibatch or batch, got '" + o.mode + "'");
  }
  if (o.batch_size < 1 || o.epochs < 0 || o.hidden < 1 || o.limit < 0 || !(o.lr > 0) ||
      !(o.momentum >= 0 && o.momentum < 1) || !(o.weight_decay >= 0)) {
    throw UsageError(
        "need --batch-size >= 1, --epochs >= 0, --hidden >= 1, --limit >= 0, --lr > 0, "
        "0 <= --momentum < 1, --weight-decay >= 0");
  }
  return o;
}

// ---- Data ----

struct Split {
  Tensor images;   // [n, 784] float32 in [0, 1]
  Tensor labels;   // [n] uint8
  Tensor targets;  // [n, 10] float32 one-hot rows
};

const std::array<std::string, 2> kPrefixes = {"train", "t10k"};

/// The first missing MNIST file in `dir`, or an empty path when all four are there.
fs::path missing_file(const fs::path& dir) {
  for (const std::string& prefix : kPrefixes) {
    for (const char* kind : {"-images-idx3-ubyte.gz", "-labels-idx1-ubyte.gz"}) {
      const fs::path file = dir / (prefix + kind);
      if (!fs::is_regular_file(file)) return file;
    }
  }
  return {};
}

Split load_split(const fs::path& dir, const std::string& prefix, int64_t limit) {
  Tensor images = load_idx(dir / (prefix + "-images-idx3-ubyte.gz"));
  Tensor labels = load_idx(dir / (prefix + "-labels-idx1-ubyte.gz"));
  if (limit > 0 && limit < images.size(0)) {
    images = images.slice(0, 0, limit);
    labels = labels.slice(0, 0, limit).contiguous();
  }
  images = images.reshape({images.size(0), -1}).astype(float32) / 255.0f;
  return {images, labels, one_hot(labels, kClasses)};
}

// ---- The network ----

/// W1 [784, H], b1 [H], W2 [H, 10], b2 [10]: Keras's [in, out] kernels, so a layer is x @ W + b.
struct Params {
  Tensor w1, b1, w2, b2;
};
using Field = Tensor Params::*;
constexpr std::array<std::pair<Field, const char*>, 4> kFields = {
    {{&Params::w1, "W1"}, {&Params::b1, "b1"}, {&Params::w2, "W2"}, {&Params::b2, "b2"}}};

// Initialisation. The hidden layer is ReLU: its derivative is 0 or 1, so deltas pass back
// unshrunk (a sigmoid's derivative is at most 1/4 and saturates), and it is cheap. The layer
// feeding the ReLU takes He et al.'s (2015) N(0, 2 / fan_in): a ReLU zeroes about half of its
// inputs, and the factor 2 makes up for it, so the signal's variance neither grows nor fades from
// layer to layer. The output layer feeds a softmax, not a ReLU, so W2 takes Glorot's
// N(0, 2 / (fan_in + fan_out)), a compromise between the forward and the backward variances.
// Biases start at zero: the random weights already break the symmetry between units.
Params init_params(int64_t inputs, int64_t hidden) {
  const double he = std::sqrt(2.0 / static_cast<double>(inputs));
  const double glorot = std::sqrt(2.0 / static_cast<double>(hidden + kClasses));
  return {random::normal({inputs, hidden}, 0.0, he), zeros({hidden}),
          random::normal({hidden, kClasses}, 0.0, glorot), zeros({kClasses})};
}

struct Activations {
  Tensor z1;         // [B, H] hidden pre-activations
  Tensor a1;         // [B, H] relu(z1)
  Tensor log_probs;  // [B, 10] log softmax of the output pre-activations
};

/// x: [B, 784] -> the activations the backward pass needs.
Activations forward(const Params& p, const Tensor& x) {
  Tensor z1 = matmul(x, p.w1) + p.b1;
  Tensor a1 = relu(z1);
  Tensor z2 = matmul(a1, p.w2) + p.b2;
  // Stable log-softmax: subtracting each row's max leaves the softmax unchanged and keeps exp()
  // <= 1. The shift is a constant of the derivation (detach), as in the hand-written backward.
  Tensor shifted = z2 - max(z2, {1}, /*keepdims=*/true).detach();
  Tensor log_probs = shifted - log(sum(exp(shifted), {1}, /*keepdims=*/true));
  return {z1, a1, log_probs};
}

/// Mean cross-entropy -1/B sum_i log p(label_i | x_i); targets: [B, 10] one-hot.
Tensor cross_entropy(const Activations& act, const Tensor& targets) {
  return -sum(targets * act.log_probs) / static_cast<double>(targets.size(0));
}

/// (decay / 2) (|W1|^2 + |W2|^2): weight decay as a term of the objective.
Tensor l2_penalty(const Params& p, double decay) {
  return 0.5 * decay * (sum(square(p.w1)) + sum(square(p.w2)));
}

// The delta rule. With E the objective, delta_l = dE/dz_l (z_l the pre-activations of layer l):
//   output:  E = -1/B sum_i y_i . log softmax(z2_i)  =>  delta2 = (softmax(z2) - y) / B
//   hidden:  delta1 = (delta2 W2^T) * relu'(z1),  relu'(z) = [z > 0]
//   weights: dE/dW_l = a_{l-1}^T delta_l + decay W_l,  dE/db_l = sum over the batch of delta_l
// (a_0 = x). Each is one matmul or reduction over the whole batch.
Params backward(const Params& p, const Tensor& x, const Tensor& targets, const Activations& act,
                double decay) {
  Tensor delta2 = (exp(act.log_probs) - targets) / static_cast<double>(x.size(0));  // [B, 10]
  Tensor delta1 = where(act.z1 > 0.0f, matmul(delta2, transpose(p.w2)), 0.0f);      // [B, H]
  return {matmul(transpose(x), delta1) + decay * p.w1, sum(delta1, {0}),
          matmul(transpose(act.a1), delta2) + decay * p.w2, sum(delta2, {0})};
}

/// Momentum (Rumelhart, Hinton, Williams 1986): v = momentum * v - lr * g; w += v. The velocity
/// averages the gradients of recent steps, damping the oscillation across narrow valleys.
void update(Params& p, Params& velocity, const Params& grads, const Options& o) {
  for (const auto& [field, name] : kFields) {
    velocity.*field = o.momentum * (velocity.*field) - o.lr * (grads.*field);
    p.*field = p.*field + velocity.*field;
  }
}

// ---- Checking the hand-derived gradients against autodiff ----

/// The largest relative difference over the parameters, where a parameter's difference is
/// max|g_hand - g_auto| / max|g_auto| (max over its elements).
double check_gradients(const Params& p, const Tensor& x, const Tensor& targets, double decay) {
  const Params hand = backward(p, x, targets, forward(p, x), decay);
  Params leaves;
  for (const auto& [field, name] : kFields) leaves.*field = (p.*field).clone().requires_grad_();
  const Tensor objective = cross_entropy(forward(leaves, x), targets) + l2_penalty(leaves, decay);
  objective.backward();

  double worst = 0.0;
  std::cout << "gradient check on " << x.size(0) << " images (hand vs autodiff):";
  for (const auto& [field, name] : kFields) {
    const Tensor automatic = (leaves.*field).grad();
    const double scale = max(abs(automatic)).item<double>();
    const double diff = max(abs(hand.*field - automatic)).item<double>();
    const double relative = diff / std::max(scale, 1e-30);
    std::cout << " " << name << " " << std::scientific << std::setprecision(2) << relative;
    worst = std::max(worst, relative);
  }
  std::cout << std::defaultfloat << "\n";
  return worst;
}

// ---- Training and evaluation ----

double accuracy(const Params& p, const Split& split) {
  const Tensor predicted = argmax(forward(p, split.images).log_probs, 1);
  return mean(equal(predicted, split.labels)).item<double>();
}

/// One pass over the training set; returns the mean cross-entropy of the steps' batches.
double train_epoch(Params& p, Params& velocity, const Split& train, int64_t batch_size,
                   const Options& o) {
  const int64_t n = train.images.size(0);
  Tensor images = train.images;
  Tensor targets = train.targets;
  if (batch_size < n) {  // stochastic modes visit the images in a new random order each epoch
    const Tensor order = random::permutation(n);
    images = take(images, order, 0);
    targets = take(targets, order, 0);
  }
  double loss_sum = 0.0;
  for (int64_t start = 0; start < n; start += batch_size) {
    const int64_t stop = std::min(n, start + batch_size);
    const Tensor x = images.slice(0, start, stop);
    const Tensor y = targets.slice(0, start, stop);
    const Activations act = forward(p, x);
    loss_sum += cross_entropy(act, y).item<double>() * static_cast<double>(stop - start);
    update(p, velocity, backward(p, x, y, act, o.weight_decay), o);
  }
  return loss_sum / static_cast<double>(n);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int run(const Options& o) {
  const auto start = std::chrono::steady_clock::now();
  if (const fs::path missing = missing_file(o.data); !missing.empty()) {
    std::cerr << "mlp_by_hand: MNIST not found: " << missing << " does not exist.\n"
              << "Pass --data DIR (the folder with the MNIST .gz files) or set NABLA_DATA.\n";
    if (o.skip_if_no_data) std::cout << "skipped: no MNIST data\n";
    return o.skip_if_no_data ? kSkipReturnCode : 1;
  }
  random::seed(o.seed);
  const Split train = load_split(o.data, "train", o.limit);
  const Split test = load_split(o.data, "t10k", 0);
  const int64_t n = train.images.size(0);
  const int64_t batch_size =
      o.mode == "online" ? 1 : (o.mode == "batch" ? n : std::min(o.batch_size, n));
  std::cout << "train " << train.images.shape() << ", test " << test.images.shape() << "; 784-"
            << o.hidden << "-10 ReLU/softmax, " << o.mode << " (" << batch_size
            << " images per step), lr " << o.lr << ", momentum " << o.momentum << ", weight decay "
            << o.weight_decay << ", " << num_threads() << " threads\n";

  Params p = init_params(train.images.size(1), o.hidden);
  Params velocity;
  for (const auto& [field, name] : kFields) velocity.*field = zeros_like(p.*field);

  const Tensor check_x = train.images.slice(0, 0, batch_size);
  const Tensor check_y = train.targets.slice(0, 0, batch_size);
  const double grad_diff = check_gradients(p, check_x, check_y, o.weight_decay);
  const bool grad_ok = grad_diff <= kGradTolerance;
  std::cout << "largest relative gradient difference " << std::scientific << std::setprecision(2)
            << grad_diff << std::defaultfloat << (grad_ok ? " <= " : " > ") << kGradTolerance
            << (grad_ok ? ": the hand-derived gradients are right\n" : ": gradient check FAILED\n");

  double test_accuracy = accuracy(p, test);
  for (int64_t epoch = 1; epoch <= o.epochs; ++epoch) {
    const auto epoch_start = std::chrono::steady_clock::now();
    const double loss = train_epoch(p, velocity, train, batch_size, o);
    test_accuracy = accuracy(p, test);
    std::cout << "epoch " << std::setw(2) << epoch << "/" << o.epochs << "  train cross-entropy "
              << std::fixed << std::setprecision(4) << loss << "  test accuracy "
              << std::setprecision(2) << test_accuracy * 100 << "%  " << std::setprecision(1)
              << seconds_since(epoch_start) << " s" << std::defaultfloat << std::endl;
  }
  const double seconds = seconds_since(start);
  std::cout << "test accuracy " << std::fixed << std::setprecision(2) << test_accuracy * 100
            << "% after " << o.epochs << " epochs (the seed's MLP: 95.8%)\n";
  std::cout << std::fixed
            << "{\"example\": \"mlp_by_hand\", \"test_accuracy\": " << std::setprecision(4)
            << test_accuracy << ", \"max_grad_diff\": " << std::scientific << std::setprecision(3)
            << grad_diff << ", \"grad_check\": \"" << (grad_ok ? "pass" : "fail")
            << "\", \"epochs\": " << o.epochs << std::fixed << std::setprecision(2)
            << ", \"seconds\": " << seconds << ", \"mode\": \"" << o.mode
            << "\", \"threads\": " << num_threads() << "}\n";
  return grad_ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  return example_cli::run_main("mlp_by_hand", kUsage, argc, argv, parse_options, run);
}
