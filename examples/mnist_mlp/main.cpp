// The seed's MNIST MLP in Keras style, three ways (the same 784-512-512-10 network):
//   --style sequential   nn::Sequential({...})
//   --style functional   nn::Input -> layers -> nn::Model(inputs, outputs)
//   --style subclass     a struct deriving from nn::Model that overrides call()
// compile, summary, fit (progress bar, validation split, ReduceLROnPlateau, EarlyStopping),
// evaluate; optional --plot history.svg. Ends with one JSON line of results. With the defaults
// (Adam 1e-3, batch 128, 10 epochs) each style reaches >= 98.0% MNIST test accuracy.
#include <chrono>
#include <iostream>
#include <nabla/nabla.hpp>
#include <string>

#include "cli.hpp"

using namespace nabla;
using example_cli::parse_number;
using example_cli::UsageError;

namespace {

constexpr const char* kUsage = R"(usage: mnist_mlp [options]
  --style S        sequential | functional | subclass             [sequential]
  --epochs N       training epochs                                [10]
  --batch-size N   samples per gradient step                      [128]
  --optimizer S    adam | sgd | rmsprop | adamw | adagrad          [adam]
  --plot FILE      write the loss/accuracy curves as SVG
  --data DIR       folder with the four MNIST-format IDX files (Fashion-MNIST works too)
                   [default: datasets::mnist::load_data(): $NABLA_DATA/mnist, ~/.nabla, download]
  --seed N         random seed                                    [0]
  --skip-if-no-data  exit 77 (a skipped test) when no local MNIST copy exists (no download)
  --help           this text
)";

struct Options {
  std::string style = "sequential";
  int64_t epochs = 10;
  int64_t batch_size = 128;
  std::string optimizer = "adam";
  std::string plot;
  std::string data;
  uint64_t seed = 0;
  bool skip_if_no_data = false;
  bool help = false;
};

Options parse_options(int argc, char** argv) {
  Options o;
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
    if (flag == "--style") {
      o.style = value;
    } else if (flag == "--epochs") {
      o.epochs = parse_number<int64_t>(flag, value);
    } else if (flag == "--batch-size") {
      o.batch_size = parse_number<int64_t>(flag, value);
    } else if (flag == "--optimizer") {
      o.optimizer = value;
    } else if (flag == "--plot") {
      o.plot = value;
    } else if (flag == "--data") {
      o.data = value;
    } else if (flag == "--seed") {
      o.seed = parse_number<uint64_t>(flag, value);
    } else {
      throw UsageError("unknown option " + std::string(flag));
    }
  }
  if (o.style != "sequential" && o.style != "functional" && o.style != "subclass") {
    throw UsageError("--style must be sequential, functional or subclass, got " + o.style);
  }
  return o;
}

// The subclassing style: layers are members, call() is the forward pass.
struct Mlp : nn::Model {
  nn::Dense hidden1 = track(nn::Dense(512, {.activation = "relu"}));
  nn::Dropout drop1 = track(nn::Dropout(0.2));
  nn::Dense hidden2 = track(nn::Dense(512, {.activation = "relu"}));
  nn::Dropout drop2 = track(nn::Dropout(0.2));
  nn::Dense classes = track(nn::Dense(10, {.activation = "softmax"}));
  Tensor call(const Tensor& x, bool training) override {
    return classes(drop2(hidden2(drop1(hidden1(x), training)), training));
  }
};

std::shared_ptr<nn::Model> make_model(const std::string& style) {
  if (style == "sequential") {
    return std::make_shared<nn::Sequential>(nn::Sequential({
        nn::Input({784}),
        nn::Dense(512, {.activation = "relu"}),
        nn::Dropout(0.2),
        nn::Dense(512, {.activation = "relu"}),
        nn::Dropout(0.2),
        nn::Dense(10, {.activation = "softmax"}),
    }));
  }
  if (style == "functional") {
    Tensor in = nn::Input({784});
    Tensor h = nn::Dropout(0.2)(nn::Dense(512, {.activation = "relu"})(in));
    h = nn::Dropout(0.2)(nn::Dense(512, {.activation = "relu"})(h));
    Tensor out = nn::Dense(10, {.activation = "softmax"})(h);
    return std::make_shared<nn::Model>(in, out);
  }
  return std::make_shared<Mlp>();
}

int run(const Options& options) {
  if (options.skip_if_no_data && example_cli::mnist_missing("mnist_mlp", options.data)) return 77;
  random::seed(options.seed);
  auto [train, test] =
      options.data.empty() ? datasets::mnist::load_data() : datasets::load_idx_folder(options.data);
  Tensor x_train = train.x.reshape({-1, 784}).astype(float32) / 255.0f, y_train = train.y;
  Tensor x_test = test.x.reshape({-1, 784}).astype(float32) / 255.0f, y_test = test.y;

  std::shared_ptr<nn::Model> model = make_model(options.style);
  model->compile({.optimizer = options.optimizer,
                  .loss = "sparse_categorical_crossentropy",
                  .metrics = {"accuracy"}});
  if (options.style == "subclass") (void)(*model)(x_train.slice(0, 0, 1));  // build, for summary
  model->summary();

  // Keras's recipe for a validation loss that plateaus: halve the learning rate after an epoch
  // without improvement (Adam at a constant 1e-3 stalls near 98.0% on this network), and stop
  // after three such epochs, keeping the best epoch's weights.
  const auto start = std::chrono::steady_clock::now();
  History history = model->fit(
      x_train, y_train,
      {.batch_size = options.batch_size,
       .epochs = options.epochs,
       .validation_split = 0.1,
       .callbacks = {callbacks::ReduceLROnPlateau(
                         {.monitor = "val_loss", .factor = 0.5, .patience = 1, .verbose = 1}),
                     callbacks::EarlyStopping({.monitor = "val_loss",
                                               .patience = 3,
                                               .verbose = 1,
                                               .restore_best_weights = true})}});
  const double train_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto scores = model->evaluate(x_test, y_test, {.batch_size = 256});
  std::cout << "test accuracy: " << scores["accuracy"] * 100 << "%, test loss: " << scores["loss"]
            << "\n";
  if (!options.plot.empty()) {
    history.plot(options.plot);
    std::cout << "wrote " << options.plot << "\n";
  }
  std::cout << "{\"example\": \"mnist_mlp\", \"style\": \"" << options.style
            << "\", \"test_accuracy\": " << scores["accuracy"]
            << ", \"test_loss\": " << scores["loss"] << ", \"epochs\": " << history.epochs().size()
            << ", \"train_seconds\": " << train_seconds << "}\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return example_cli::run_main("mnist_mlp", kUsage, argc, argv, parse_options, run);
}
