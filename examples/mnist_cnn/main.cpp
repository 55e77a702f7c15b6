// The Keras MNIST convnets in C++:
//   --model classic   Keras's mnist_cnn.py: Conv2D 32 3x3 relu -> Conv2D 64 3x3 relu ->
//                     MaxPooling 2 -> Dropout .25 -> Flatten -> Dense 128 relu -> Dropout .5 ->
//                     Dense 10 softmax (>= 99.0% test accuracy after 3 epochs of Adam, batch 128)
//   --model simple    Keras's "Simple MNIST convnet": Conv2D 32 -> MaxPooling 2 -> Conv2D 64 ->
//                     MaxPooling 2 -> Flatten -> Dropout .5 -> Dense 10 softmax
//   --batchnorm       BatchNormalization after each convolution (before its ReLU)
// Same conventions as mnist_mlp: compile, summary, fit with a progress bar, evaluate, optional
// --plot, and one final JSON line of results.
#include <chrono>
#include <iostream>
#include <nabla/nabla.hpp>
#include <string>

#include "cli.hpp"

using namespace nabla;
using example_cli::parse_number;
using example_cli::UsageError;

namespace {

constexpr const char* kUsage = R"(usage: mnist_cnn [options]
  --model S        classic | simple                               [classic]
  --batchnorm      BatchNormalization after each convolution
  --epochs N       training epochs                                [3]
  --batch-size N   samples per gradient step                      [128]
  --plot FILE      write the loss/accuracy curves as SVG
  --data DIR       folder with the four MNIST-format IDX files (Fashion-MNIST works too)
                   [default: datasets::mnist::load_data(): $NABLA_DATA/mnist, ~/.nabla, download]
  --limit N        train on the first N images only (quick runs)  [all]
  --seed N         random seed                                    [0]
  --device D       cpu, cuda or cuda:N: where the model trains    [cpu]
  --skip-if-no-data  exit 77 (a skipped test) when no local MNIST copy exists (no download)
  --help           this text
)";

struct Options {
  std::string model = "classic";
  bool batchnorm = false;
  int64_t epochs = 3;
  int64_t batch_size = 128;
  std::string plot;
  std::string data;
  int64_t limit = 0;
  uint64_t seed = 0;
  Device device = Device::cpu();
  bool skip_if_no_data = false;
  bool help = false;
};

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "--batchnorm" || flag == "--skip-if-no-data") {
      (flag == "--help" ? o.help : flag == "--batchnorm" ? o.batchnorm : o.skip_if_no_data) = true;
      continue;
    }
    if (i + 1 >= argc) throw UsageError(std::string(flag) + " needs a value (or is unknown)");
    const std::string_view value = argv[++i];
    if (flag == "--model") {
      o.model = value;
    } else if (flag == "--epochs") {
      o.epochs = parse_number<int64_t>(flag, value);
    } else if (flag == "--batch-size") {
      o.batch_size = parse_number<int64_t>(flag, value);
    } else if (flag == "--plot") {
      o.plot = value;
    } else if (flag == "--data") {
      o.data = value;
    } else if (flag == "--limit") {
      o.limit = parse_number<int64_t>(flag, value);
    } else if (flag == "--seed") {
      o.seed = parse_number<uint64_t>(flag, value);
    } else if (flag == "--device") {
      try {
        o.device = Device::parse(value);
      } catch (const ValueError& e) {
        throw UsageError(e.what());
      }
    } else {
      throw UsageError("unknown option " + std::string(flag));
    }
  }
  if (o.model != "classic" && o.model != "simple") {
    throw UsageError("--model must be classic or simple, got " + o.model);
  }
  return o;
}

/// Conv2D(filters, 3x3) followed by ReLU; with --batchnorm, BatchNormalization in between (the
/// convolution then needs no bias: BN's beta takes its place).
void add_conv(nn::Sequential& model, int64_t filters, bool batchnorm) {
  if (!batchnorm) {
    model.add(nn::Conv2D(filters, 3, {.activation = "relu"}));
    return;
  }
  model.add(nn::Conv2D(filters, 3, {.use_bias = false}));
  model.add(nn::BatchNormalization());
  model.add(nn::Activation("relu"));
}

nn::Sequential make_model(const Options& o) {
  nn::Sequential model({nn::Input({28, 28, 1})});
  if (o.model == "classic") {
    add_conv(model, 32, o.batchnorm);
    add_conv(model, 64, o.batchnorm);
    model.add(nn::MaxPooling2D(2));
    model.add(nn::Dropout(0.25));
    model.add(nn::Flatten());
    model.add(nn::Dense(128, {.activation = "relu"}));
    model.add(nn::Dropout(0.5));
  } else {
    add_conv(model, 32, o.batchnorm);
    model.add(nn::MaxPooling2D(2));
    add_conv(model, 64, o.batchnorm);
    model.add(nn::MaxPooling2D(2));
    model.add(nn::Flatten());
    model.add(nn::Dropout(0.5));
  }
  model.add(nn::Dense(10, {.activation = "softmax"}));
  return model;
}

int run(const Options& options) {
  if (options.skip_if_no_data && example_cli::mnist_missing("mnist_cnn", options.data)) return 77;
  random::seed(options.seed);
  auto [train, test] =
      options.data.empty() ? datasets::mnist::load_data() : datasets::load_idx_folder(options.data);
  // Images as [N, 28, 28, 1] in [0, 1]: Keras's channels-last layout.
  Tensor x_train = train.x.reshape({-1, 28, 28, 1}).astype(float32) / 255.0f, y_train = train.y;
  Tensor x_test = test.x.reshape({-1, 28, 28, 1}).astype(float32) / 255.0f, y_test = test.y;
  if (options.limit > 0 && options.limit < x_train.shape()[0]) {
    x_train = x_train.slice(0, 0, options.limit);
    y_train = y_train.slice(0, 0, options.limit);
  }

  nn::Sequential model = make_model(options);
  model.compile({.optimizer = optim::Adam({.learning_rate = 1e-3}),
                 .loss = "sparse_categorical_crossentropy",
                 .metrics = {"accuracy"},
                 .device = options.device});
  model.summary();

  // As Keras's mnist_cnn.py: all 60000 images train, the test set is shown as validation (it
  // selects nothing: no callback watches it).
  const auto start = std::chrono::steady_clock::now();
  History history = model.fit(x_train, y_train,
                              {.batch_size = options.batch_size,
                               .epochs = options.epochs,
                               .validation_data = std::pair{x_test, y_test}});
  const double train_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto scores = model.evaluate(x_test, y_test, {.batch_size = 256});
  std::cout << "test accuracy: " << scores["accuracy"] * 100 << "%, test loss: " << scores["loss"]
            << "\n";
  if (!options.plot.empty()) {
    history.plot(options.plot);
    std::cout << "wrote " << options.plot << "\n";
  }
  std::cout << "{\"example\": \"mnist_cnn\", \"model\": \"" << options.model << "\", \"device\": \""
            << options.device << "\", \"batchnorm\": " << (options.batchnorm ? "true" : "false")
            << ", \"test_accuracy\": " << scores["accuracy"]
            << ", \"test_loss\": " << scores["loss"] << ", \"epochs\": " << history.epochs().size()
            << ", \"train_seconds\": " << train_seconds << "}\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return example_cli::run_main("mnist_cnn", kUsage, argc, argv, parse_options, run);
}
