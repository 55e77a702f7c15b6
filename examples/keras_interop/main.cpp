// Moving models between Keras and nabla: loads a .keras or .h5 file written by Keras, prints its
// summary, scores it on the MNIST test set when it takes 28x28 images and gives 10 classes,
// fine-tunes it for one epoch, saves it as .keras (a file Keras 3 loads) and loads that copy
// back to check it scores the same. One final JSON line with the accuracies.
//
//   keras_interop model.h5
//   keras_interop --shared mnist-cnn-kimthangg       # $NABLA_DATA/keras-models/<name>/model.*
//   keras_interop m.h5 --data ../shared/data/fashion-mnist --out tuned.keras
#include <filesystem>
#include <iostream>
#include <nabla/nabla.hpp>
#include <optional>
#include <string>

#include "cli.hpp"

using namespace nabla;
using example_cli::parse_number;
using example_cli::UsageError;
namespace fs = std::filesystem;

namespace {

constexpr const char* kUsage = R"(usage: keras_interop MODEL [options]
  MODEL            a .keras or .h5 file written by Keras (or by nabla)
  --shared NAME    MODEL = $NABLA_DATA/keras-models/NAME/model.keras or model.h5
  --out FILE       where to save the fine-tuned model          [<model stem>.nabla.keras]
  --epochs N       fine-tuning epochs                          [1]
  --lr X           Adam learning rate for fine-tuning          [1e-4]
  --limit N        fine-tune on the first N training images    [all]
  --data DIR       folder with the four MNIST-format IDX files (Fashion-MNIST for Fashion models)
                   [default: datasets::mnist::load_data()]
  --skip-if-no-data  exit 77 (a skipped test) when the model or MNIST is not available locally
  --help           this text
)";

struct Options {
  std::string model;
  std::string shared;
  std::string out;
  int64_t epochs = 1;
  double lr = 1e-4;
  int64_t limit = 0;
  std::string data;
  bool skip_if_no_data = false;
  bool help = false;
};

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "--skip-if-no-data") {
      (flag == "--help" ? o.help : o.skip_if_no_data) = true;
      continue;
    }
    if (!flag.starts_with("--")) {
      if (!o.model.empty()) throw UsageError("one model file only");
      o.model = flag;
      continue;
    }
    if (i + 1 >= argc) throw UsageError(std::string(flag) + " needs a value (or is unknown)");
    const std::string_view value = argv[++i];
    if (flag == "--shared") {
      o.shared = value;
    } else if (flag == "--out") {
      o.out = value;
    } else if (flag == "--epochs") {
      o.epochs = parse_number<int64_t>(flag, value);
    } else if (flag == "--lr") {
      o.lr = parse_number<double>(flag, value);
    } else if (flag == "--limit") {
      o.limit = parse_number<int64_t>(flag, value);
    } else if (flag == "--data") {
      o.data = value;
    } else {
      throw UsageError("unknown option " + std::string(flag));
    }
  }
  if (!o.help && o.model.empty() == o.shared.empty())
    throw UsageError("give a model file or --shared NAME");
  return o;
}

/// The file --shared names, if it exists.
std::optional<fs::path> shared_model(const std::string& name) {
  const char* root = std::getenv("NABLA_DATA");
  const fs::path folder =
      fs::path(root != nullptr ? root : "../shared/data") / "keras-models" / name;
  for (const char* file : {"model.keras", "model.h5"}) {
    if (fs::exists(folder / file)) return folder / file;
  }
  return std::nullopt;
}

/// The images reshaped to the model's input shape, when the model takes 28x28 images and gives
/// 10 classes; nullopt otherwise.
std::optional<Tensor> as_model_input(const nn::Model& model, const Tensor& images) {
  const auto inputs = model.inputs();
  if (inputs.size() != 1 || model.output_names().size() != 1) return std::nullopt;
  const Shape& shape = inputs[0].shape();  // [1, ...]: batch first
  std::vector<int64_t> dims{images.shape()[0]};
  int64_t per_sample = 1;
  for (int64_t d = 1; d < shape.rank(); ++d) {
    dims.push_back(shape[d]);
    per_sample *= shape[d];
  }
  if (per_sample != 28 * 28) return std::nullopt;
  return (images.astype(float32) / 255.0f).reshape(Shape(dims));
}

double accuracy(nn::Model& model, const Tensor& x, const Tensor& y) {
  const Tensor predicted = argmax(model.predict(x, {.batch_size = 256, .verbose = 0}), -1);
  return mean((predicted == y.astype(int64)).astype(float64)).item<double>();
}

int run(const Options& options) {
  fs::path path = options.model;
  if (!options.shared.empty()) {
    const auto found = shared_model(options.shared);
    if (!found) {
      if (options.skip_if_no_data) {
        std::cout << "keras_interop: skipped: no keras-models/" << options.shared
                  << " under NABLA_DATA\n";
        return 77;
      }
      throw IOError("no keras-models/" + options.shared + " under NABLA_DATA");
    }
    path = *found;
  }
  if (options.skip_if_no_data && example_cli::mnist_missing("keras_interop", options.data))
    return 77;

  nn::Model model = nn::load_model(path);
  std::cout << "loaded " << path.string() << "\n";
  model.summary();

  auto [train, test] =
      options.data.empty() ? datasets::mnist::load_data() : datasets::load_idx_folder(options.data);
  const std::optional<Tensor> x_test = as_model_input(model, test.x);
  const fs::path out =
      options.out.empty() ? fs::path(path.stem().string() + ".nabla.keras") : fs::path(options.out);
  if (!x_test) {
    // Not an MNIST model: the round trip alone.
    model.save(out);
    nn::Model copy = nn::load_model(out);
    std::cout << "the model does not take 28x28 images with 10 classes: no MNIST scores\n"
              << "{\"example\": \"keras_interop\", \"model\": \"" << path.string()
              << "\", \"saved\": \"" << out.string()
              << "\", \"reloaded_weights\": " << copy.get_weights().size() << "}\n";
    return 0;
  }
  const double loaded_accuracy = accuracy(model, *x_test, test.y);
  std::cout << "test accuracy as loaded: " << loaded_accuracy * 100 << "%\n";

  Tensor x_train = *as_model_input(model, train.x);
  Tensor y_train = train.y;
  if (options.limit > 0 && options.limit < x_train.shape()[0]) {
    x_train = x_train.slice(0, 0, options.limit);
    y_train = y_train.slice(0, 0, options.limit);
  }
  // The Keras files end in a softmax: the loss takes probabilities.
  model.compile({.optimizer = optim::Adam({.learning_rate = options.lr}),
                 .loss = "sparse_categorical_crossentropy",
                 .metrics = {"accuracy"}});
  model.fit(x_train, y_train, {.batch_size = 128, .epochs = options.epochs});
  const double tuned_accuracy = accuracy(model, *x_test, test.y);
  std::cout << "test accuracy after fine-tuning: " << tuned_accuracy * 100 << "%\n";

  model.save(out);
  nn::Model copy = nn::load_model(out);
  const double reloaded_accuracy = accuracy(copy, *x_test, test.y);
  std::cout << "saved " << out.string() << "; reloaded, it scores " << reloaded_accuracy * 100
            << "%\n";
  std::cout << "{\"example\": \"keras_interop\", \"model\": \"" << path.string()
            << "\", \"loaded_accuracy\": " << loaded_accuracy
            << ", \"finetuned_accuracy\": " << tuned_accuracy
            << ", \"reloaded_accuracy\": " << reloaded_accuracy << ", \"reload_identical\": "
            << (reloaded_accuracy == tuned_accuracy ? "true" : "false") << ", \"saved\": \""
            << out.string() << "\"}\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return example_cli::run_main("keras_interop", kUsage, argc, argv, parse_options, run);
}
