// The layer registry (Keras's from_config / layers.deserialize): built-in layers with non-default
// options, configs as Keras 3 writes them, custom classes, initializer and regularizer
// (de)serialization, and the errors.
#include <gtest/gtest.h>

#include <algorithm>

#include "unit/layer_test_util.hpp"
#include "unit/tensor_test_util.hpp"

using namespace nabla;
using nabla::testing::expect_error;
using json = nlohmann::json;
namespace init = nn::initializers;
namespace reg = nn::regularizers;

namespace {

/// A custom layer with its own config key, registered under "TestScale".
class Scale : public nn::ClonableLayer<Scale> {
 public:
  explicit Scale(double factor) : ClonableLayer<Scale>("scale"), factor_(factor) {}
  Tensor call(const Tensor& x, bool) override { return x * factor_; }
  std::string class_name() const override { return "TestScale"; }
  json get_config() const override {
    json config = Layer::get_config();
    config["factor"] = factor_;
    return config;
  }
  static Scale from_config(const json& config) {
    Scale layer(config.at("factor").get<double>());
    nn::apply_base_config(layer, config);
    return layer;
  }

 private:
  double factor_;
};

void register_test_layers() {
  static const bool once = [] {
    nn::register_layer<Scale>("TestScale");
    nn::register_layer("TestIdentityBlock", [](const json& config) -> std::shared_ptr<nn::Layer> {
      auto layer = std::make_shared<nn::Activation>("linear");
      nn::apply_base_config(*layer, config);
      return layer;
    });
    return true;
  }();
  (void)once;
}

/// A round trip through JSON text keeps the config.
std::shared_ptr<nn::Layer> round_trip(const nn::Layer& layer) {
  const json config = json::parse(layer.get_config().dump());
  auto rebuilt = nn::layer_from_config(layer.class_name(), config);
  EXPECT_EQ(rebuilt->get_config(), layer.get_config());
  return rebuilt;
}

TEST(NnLayerRegistry, EveryBuiltInLayerIsRegistered) {
  for (const char* name :
       {"Dense", "Activation", "Dropout", "Flatten", "Reshape", "Permute", "RepeatVector", "Lambda",
        "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate"}) {
    EXPECT_TRUE(nn::is_registered_layer(name)) << name;
  }
  const std::vector<std::string> names = nn::registered_layers();
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_FALSE(nn::is_registered_layer("dense"));  // class names, as Keras
}

TEST(NnLayerRegistry, DenseWithEveryOptionRoundTrips) {
  nn::Dense dense(
      3, {.activation = "relu",
          .use_bias = true,
          .kernel_initializer = init::RandomNormal({.mean = 0.5, .stddev = 2.0, .seed = 3}),
          .bias_initializer = init::Constant(0.25),
          .kernel_regularizer = reg::L2(0.1),
          .bias_regularizer = reg::L1L2({.l1 = 0.01, .l2 = 0.02})});
  dense.set_trainable(false);
  const json config = dense.get_config();
  EXPECT_EQ(config["kernel_initializer"],
            json({{"module", "keras.initializers"},
                  {"class_name", "RandomNormal"},
                  {"config", {{"mean", 0.5}, {"stddev", 2.0}, {"seed", 3}}},
                  {"registered_name", nullptr}}));
  EXPECT_EQ(config["kernel_regularizer"]["class_name"], "L2");
  EXPECT_EQ(config["bias_regularizer"]["config"], json({{"l1", 0.01}, {"l2", 0.02}}));
  EXPECT_TRUE(config["kernel_constraint"].is_null());
  EXPECT_EQ(config["trainable"], false);

  const auto rebuilt = round_trip(dense);
  EXPECT_EQ(rebuilt->name(), dense.name());
  EXPECT_FALSE(rebuilt->trainable());
  // The seeded initializer and the constant give the rebuilt layer the very same weights.
  const Tensor x = random::normal({2, 4});
  EXPECT_EQ((*rebuilt)(x).to_vector<float>(), dense(x).to_vector<float>());
  // And the same penalties.
  ASSERT_EQ(rebuilt->losses().size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_FLOAT_EQ(rebuilt->losses()[i].item<float>(), dense.losses()[i].item<float>());
  }
}

TEST(NnLayerRegistry, ConfigsAsKeras3WritesThem) {
  // A Dense config from a Keras 3 model file (dtype as a DTypePolicy).
  const json keras_dense = json::parse(R"({
      "name": "dense_7", "trainable": true,
      "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
                "registered_name": null},
      "units": 4, "activation": "relu", "use_bias": true,
      "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform",
                             "config": {"seed": null}, "registered_name": null},
      "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {},
                           "registered_name": null},
      "kernel_regularizer": null, "bias_regularizer": null,
      "kernel_constraint": null, "bias_constraint": null})");
  const auto dense = nn::layer_from_config("Dense", keras_dense);
  EXPECT_EQ(dense->name(), "dense_7");
  EXPECT_EQ((*dense)(ones({2, 3})).shape(), (Shape{2, 4}));
  EXPECT_EQ(dense->get_config()["activation"], "relu");
  EXPECT_EQ(dense->get_config()["bias_initializer"]["class_name"], "Zeros");

  // Missing keys take the defaults, as Keras's from_config.
  const auto minimal = nn::layer_from_config("Dense", {{"units", 2}});
  EXPECT_EQ(minimal->get_config()["activation"], "linear");
  EXPECT_EQ(minimal->get_config()["use_bias"], true);
  EXPECT_EQ(minimal->get_config()["kernel_initializer"]["class_name"], "GlorotUniform");

  // An activation serialized as a Keras function object.
  const json tanh = {{"module", "keras.activations"},
                     {"class_name", "function"},
                     {"config", "tanh"},
                     {"registered_name", "function"}};
  EXPECT_EQ(nn::layer_from_config("Activation", {{"activation", tanh}})->get_config()["activation"],
            "tanh");

  // Keras writes None (null) in noise_shape where nabla has -1.
  const auto dropout =
      nn::layer_from_config("Dropout", {{"rate", 0.5}, {"noise_shape", {nullptr, 1}}, {"seed", 4}});
  EXPECT_EQ(dropout->get_config()["noise_shape"], json({-1, 1}));
  EXPECT_EQ(nn::layer_from_config("Flatten", {{"data_format", "channels_last"}})->class_name(),
            "Flatten");
  EXPECT_EQ(
      nn::layer_from_config("Reshape", {{"target_shape", {2, -1}}})->get_config()["target_shape"],
      json({2, -1}));
}

TEST(NnLayerRegistry, SerializeAndDeserializeLayer) {
  nn::Concatenate concat(1);
  const json serialized = nn::serialize_layer(concat);
  EXPECT_EQ(serialized["module"], "keras.layers");
  EXPECT_EQ(serialized["class_name"], "Concatenate");
  EXPECT_TRUE(serialized["registered_name"].is_null());
  const auto rebuilt = nn::deserialize_layer(json::parse(serialized.dump()));
  EXPECT_EQ(rebuilt->class_name(), "Concatenate");
  EXPECT_EQ(rebuilt->get_config(), concat.get_config());
  EXPECT_TRUE(rebuilt->multiple_inputs());
}

TEST(NnLayerRegistry, CustomLayers) {
  register_test_layers();
  EXPECT_TRUE(nn::is_registered_layer("TestScale"));
  const auto rebuilt = round_trip(Scale(2.5));
  EXPECT_EQ((*rebuilt)(tensor<float>({{1, 2}})).to_vector<float>(), (std::vector<float>{2.5, 5}));
  layer_test::run_layer_test([] { return Scale(-1.0); },
                             {.input_shape = {3}, .expected_output_shape = {3}});
  const auto block = nn::layer_from_config("TestIdentityBlock", {{"name", "block"}});
  EXPECT_EQ(block->name(), "block");
  expect_error<ValueError>([] { nn::register_layer<Scale>("TestScale"); },
                           {"TestScale", "already registered"});
  expect_error<ValueError>([] { nn::register_layer<nn::Dense>("Dense"); },
                           {"Dense", "already registered"});
}

TEST(NnLayerRegistry, Errors) {
  expect_error<ValueError>([] { (void)nn::layer_from_config("NoSuchLayer", json::object()); },
                           {"unknown layer class 'NoSuchLayer'", "Dense", "register_layer"});
  expect_error<ValueError>([] { (void)nn::layer_from_config("Dense", json::object()); },
                           {"Dense.from_config", "'units'"});
  expect_error<ValueError>(
      [] {
        (void)nn::layer_from_config("Dense", {{"units", "four"}});
      },
      {"Dense.from_config", "'units'", "integer", "\"four\""});
  expect_error<ValueError>(
      [] {
        (void)nn::layer_from_config("Dense", {{"units", 2.5}});
      },
      {"Dense.from_config", "'units'", "2.5"});
  expect_error<ValueError>([] { (void)nn::layer_from_config("Dense", json::array()); },
                           {"Dense.from_config", "JSON object"});
  expect_error<ValueError>(
      [] {
        (void)nn::layer_from_config("Dense", {{"units", 2}, {"dtype", "float16"}});
      },
      {"Dense.from_config", "float32", "float16"});
  expect_error<ValueError>(
      [] {
        (void)nn::layer_from_config("Dense", {{"units", 2}, {"kernel_constraint", "non_neg"}});
      },
      {"Dense.from_config", "kernel_constraint", "not supported"});
  expect_error<ValueError>(
      [] {
        (void)nn::layer_from_config(
            "Dense", {{"units", 2}, {"kernel_initializer", {{"class_name", "MyInit"}}}});
      },
      {"unknown initializer 'MyInit'"});
  expect_error<ValueError>([] { (void)nn::layer_from_config("Activation", json::object()); },
                           {"Activation.from_config", "'activation'"});
  expect_error<ValueError>(
      [] {
        (void)nn::layer_from_config("Activation", {{"activation", "no_such_fn"}});
      },
      {"no_such_fn"});
  expect_error<ValueError>(
      [] {
        (void)nn::layer_from_config("Flatten", {{"data_format", "channels_first"}});
      },
      {"Flatten.from_config", "channels_last"});
  expect_error<ValueError>(
      [] {
        (void)nn::layer_from_config("Reshape", {{"target_shape", 3}});
      },
      {"Reshape.from_config", "target_shape", "list of integers"});
  expect_error<ValueError>(
      [] {
        (void)nn::deserialize_layer({{"config", json::object()}});
      },
      {"deserialize_layer", "class_name"});
}

TEST(NnLayerRegistry, CallablesCannotRoundTrip) {
  // A C++ callable has no config: from_config says so instead of building something else.
  nn::Activation custom([](const Tensor& x) { return x * 2.0; });
  expect_error<ValueError>([&] { (void)nn::layer_from_config("Activation", custom.get_config()); },
                           {"Activation.from_config", "C++ callable"});
  nn::Dense dense(2, {.activation = [](const Tensor& x) { return x; }});
  expect_error<ValueError>([&] { (void)nn::layer_from_config("Dense", dense.get_config()); },
                           {"Dense.from_config", "C++ callable"});

  // A custom initializer is written under its own name, which deserialize does not know.
  struct Twos : init::Initializer {
    Tensor operator()(const Shape& shape, DType dtype) const override {
      return full(shape, 2.0, dtype);
    }
    std::string name() const override { return "twos"; }
  };
  nn::Dense with_twos(2, {.kernel_initializer = Twos()});
  EXPECT_EQ(with_twos.get_config()["kernel_initializer"]["class_name"], "twos");
  expect_error<ValueError>([&] { (void)nn::layer_from_config("Dense", with_twos.get_config()); },
                           {"unknown initializer 'twos'"});
}

TEST(NnLayerRegistry, InitializersRoundTrip) {
  std::vector<init::InitializerRef> all;
  for (const std::string& name : init::names()) all.emplace_back(name);
  all.emplace_back(init::VarianceScaling(
      {.scale = 2.0, .mode = "fan_out", .distribution = "uniform", .seed = 5}));
  all.emplace_back(init::Orthogonal({.gain = 2.0, .seed = 1}));
  all.emplace_back(init::Constant(3.0));
  all.emplace_back(init::RandomUniform({.minval = -1.0, .maxval = 1.0, .seed = 4}));
  all.emplace_back(init::TruncatedNormal({.mean = 1.0, .stddev = 0.5, .seed = 2}));
  all.emplace_back(init::HeNormal({.seed = 9}));
  for (const auto& initializer : all) {
    const json serialized = init::serialize(initializer);
    const auto rebuilt = init::deserialize(json::parse(serialized.dump()));
    EXPECT_EQ(init::serialize(rebuilt), serialized);
    EXPECT_EQ(rebuilt->name(), initializer.get()->name());
  }
  // Seeded: the same values.
  const auto he = init::deserialize(init::serialize(init::HeNormal({.seed = 9})));
  EXPECT_EQ((*he)({3, 3}, float32).to_vector<float>(),
            init::HeNormal({.seed = 9})({3, 3}, float32).to_vector<float>());
  // Keras names, aliases and class names are accepted as strings; missing keys take defaults.
  EXPECT_EQ(init::deserialize("he_uniform")->name(), "he_uniform");
  EXPECT_EQ(init::deserialize({{"class_name", "RandomNormal"}})->get_config(),
            json({{"mean", 0.0}, {"stddev", 0.05}, {"seed", nullptr}}));
  expect_error<ValueError>(
      [] {
        (void)init::deserialize({{"class_name", "RandomNormal"}, {"config", {{"seed", -1}}}});
      },
      {"RandomNormal.from_config", "seed"});
  expect_error<ValueError>(
      [] {
        (void)init::deserialize({{"class_name", "Constant"}, {"config", {{"value", "x"}}}});
      },
      {"Constant.from_config", "'value'", "number"});
}

TEST(NnLayerRegistry, RegularizersRoundTrip) {
  for (const reg::RegularizerRef& r :
       {reg::RegularizerRef(reg::L1(0.3)), reg::RegularizerRef(reg::L2(0.2)),
        reg::RegularizerRef(reg::L1L2({.l1 = 0.1, .l2 = 0.4})), reg::RegularizerRef("l1_l2")}) {
    const json serialized = reg::serialize(r);
    EXPECT_EQ(serialized["module"], "keras.regularizers");
    const reg::RegularizerRef rebuilt = reg::deserialize(json::parse(serialized.dump()));
    EXPECT_EQ(reg::serialize(rebuilt), serialized);
  }
  EXPECT_TRUE(reg::serialize({}).is_null());
  EXPECT_FALSE(reg::deserialize(nullptr).defined());
  EXPECT_EQ(reg::deserialize("l2").get()->get_config(), json({{"l2", 0.01}}));
  EXPECT_EQ(reg::deserialize({{"class_name", "L1"}}).get()->get_config(), json({{"l1", 0.01}}));
  expect_error<ValueError>(
      [] {
        (void)reg::deserialize({{"class_name", "Orthogonal"}});
      },
      {"unknown regularizer 'Orthogonal'"});
}

}  // namespace
