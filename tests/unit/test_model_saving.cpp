// Model::save / load_model / save_weights / load_weights: exact round trips through .keras, .h5
// and .weights.h5 for Sequential and Functional models over the layer families; files that
// h5py and json read in Keras's layout; clear errors (unknown classes, shape mismatches, corrupt
// files); and a failed save never touching the previous file.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <nabla/nabla.hpp>

#include "file_test_util.hpp"
#include "io/file.hpp"
#include "io/hdf5.hpp"
#include "io/zip.hpp"
#include "numpy_interop.hpp"

namespace nabla {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

void expect_same_weights(const nn::Model& a, const nn::Model& b) {
  const auto wa = a.get_weights();
  const auto wb = b.get_weights();
  ASSERT_EQ(wa.size(), wb.size());
  for (size_t i = 0; i < wa.size(); ++i) {
    ASSERT_EQ(wa[i].shape(), wb[i].shape()) << i;
    EXPECT_EQ(wa[i].to_vector<float>(), wb[i].to_vector<float>()) << i;
  }
}

std::vector<float> predict(nn::Model& m, const nn::Tensors& x) {
  return m.predict(x, {.batch_size = 8, .verbose = 0}).to_vector<float>();
}

/// Saves to `name`, loads back, and checks the class, names, weights and outputs are identical.
nn::Model round_trip(nn::Model& model, const nn::Tensors& x, const TempDir& dir,
                     const std::string& name) {
  model.save(dir / name);
  nn::Model loaded = nn::load_model(dir / name);
  EXPECT_EQ(loaded.class_name(), model.class_name()) << name;
  EXPECT_EQ(loaded.name(), model.name()) << name;
  // Layer names are kept (a recurrent layer's cell is named anew, as in Keras).
  EXPECT_EQ(loaded.layers().size(), model.layers().size()) << name;
  for (size_t i = 0; i < std::min(model.layers().size(), loaded.layers().size()); ++i)
    EXPECT_EQ(loaded.layers()[i]->name(), model.layers()[i]->name()) << name;
  expect_same_weights(model, loaded);
  EXPECT_EQ(predict(loaded, x), predict(model, x)) << name;
  return loaded;
}

nn::Model mlp() {
  return nn::Sequential({nn::Input({6}), nn::Dense(16, {.activation = "relu"}),
                         nn::BatchNormalization(), nn::Dropout(0.3),
                         nn::Dense(3, {.activation = "softmax"})});
}

Tensor inputs(const Shape& shape, uint64_t seed = 1) {
  random::seed(seed);
  return random::normal(shape, 0.0, 1.0);
}

/// Gives BatchNormalization non-trivial moving statistics (they are weights too).
void train_briefly(nn::Model& model, const Tensor& x, const Tensor& y, const nn::LossSpec& loss) {
  model.compile({.optimizer = "adam", .loss = loss});
  model.fit(x, y, {.batch_size = 8, .epochs = 1, .verbose = 0});
}

TEST(ModelSaving, SequentialRoundTripsExactlyThroughKerasAndH5) {
  TempDir dir;
  nn::Model model = mlp();
  const Tensor x = inputs({16, 6});
  train_briefly(model, x, random::randint(0, 3, {16}), "sparse_categorical_crossentropy");
  for (const char* name : {"m.keras", "m.h5"}) {
    nn::Model loaded = round_trip(model, x, dir, name);
    EXPECT_TRUE(loaded.is_sequential());
    EXPECT_EQ(loaded.layers().size(), model.layers().size());
  }
}

TEST(ModelSaving, FunctionalWithSharedLayerAndSeveralInputsRoundTrips) {
  TempDir dir;
  Tensor a = nn::Input({5}, float32, "a");
  Tensor b = nn::Input({5}, float32, "b");
  nn::Dense shared(7, {.activation = "tanh"});
  Tensor ha = shared(a);
  Tensor hb = shared(b);
  Tensor sum = nn::Add()(std::vector<Tensor>{ha, hb})[0];
  Tensor merged = nn::Concatenate()(std::vector<Tensor>{sum, nn::Dense(3)(hb)})[0];
  nn::Model model({a, b}, {nn::Dense(2, {.activation = "sigmoid"})(merged)}, "two_inputs");
  const std::vector<Tensor> x = {inputs({8, 5}, 1), inputs({8, 5}, 2)};
  for (const char* name : {"f.keras", "f.h5"}) {
    nn::Model loaded = round_trip(model, x, dir, name);
    EXPECT_TRUE(loaded.is_functional());
    EXPECT_EQ(loaded.inputs().size(), 2u);
  }
}

TEST(ModelSaving, ConvolutionalModelRoundTrips) {
  TempDir dir;
  nn::Model model = nn::Sequential(
      {nn::Input({10, 10, 2}), nn::Conv2D(4, 3, {.padding = "same", .activation = "relu"}),
       nn::MaxPooling2D(2), nn::Conv2D(3, 3), nn::GlobalAveragePooling2D(), nn::Dense(2)});
  const Tensor x = inputs({4, 10, 10, 2});
  for (const char* name : {"c.keras", "c.h5"}) round_trip(model, x, dir, name);
}

TEST(ModelSaving, RecurrentModelsRoundTrip) {
  TempDir dir;
  nn::Model model = nn::Sequential({nn::Input({7, 3}), nn::LSTM(5, {.return_sequences = true}),
                                    nn::Bidirectional(nn::GRU(4, {.return_sequences = true})),
                                    nn::SimpleRNN(3), nn::Dense(2)});
  const Tensor x = inputs({4, 7, 3});
  for (const char* name : {"r.keras", "r.h5"}) round_trip(model, x, dir, name);

  nn::Model text =
      nn::Sequential({nn::Input({9}, int32), nn::Embedding(20, 4),
                      nn::GRU(3, {.reset_after = false}), nn::Dense(1, {.activation = "sigmoid"})});
  random::seed(3);
  const Tensor tokens = random::randint(0, 20, {4, 9}).astype(int32);
  for (const char* name : {"t.keras", "t.h5"}) round_trip(text, tokens, dir, name);
}

bool h5py_available() {
  static const bool available =
      testing::numpy_available() &&
      std::system(NABLA_PYTHON " -c \"import h5py\" > /dev/null 2>&1") == 0;
  return available;
}

/// A model over the layer families, its layers named as Keras names them in a fresh session
/// (so Keras 3's class-based weight keys and the layer names coincide, as in Keras's own files).
nn::Model keras_named_model() {
  std::vector<nn::LayerRef> layers = {nn::Input({5, 3}, float32, "input_layer"),
                                      nn::LSTM(4, {.return_sequences = true}),
                                      nn::Bidirectional(nn::GRU(2)),
                                      nn::Dense(3, {.activation = "relu"}),
                                      nn::BatchNormalization(),
                                      nn::Dense(2)};
  const char* names[] = {"lstm", "bidirectional", "dense", "batch_normalization", "dense_1"};
  for (size_t i = 1; i < layers.size(); ++i) layers[i].get()->set_name(names[i - 1]);
  return nn::Sequential(layers, "sequential");
}

TEST(ModelSaving, FilesFollowKerasLayoutForH5pyAndJsonReaders) {
  if (!h5py_available()) GTEST_SKIP() << NABLA_PYTHON " cannot import numpy and h5py";
  TempDir dir;
  nn::Model model = keras_named_model();
  const Tensor x = inputs({6, 5, 3});
  train_briefly(model, x, inputs({6, 2}, 4), "mse");
  model.save(dir / "m.keras");
  model.save(dir / "m.h5");
  // Every weight, in nabla's order, dumped raw; Python finds each at Keras's path.
  const std::vector<Tensor> ws = model.get_weights();
  ASSERT_EQ(ws.size(), 17u);
  std::string loads;
  for (size_t i = 0; i < ws.size(); ++i) {
    const fs::path raw = dir / ("w" + std::to_string(i) + ".raw");
    testing::write_raw(ws[i], raw);
    loads += testing::python_load_raw("w" + std::to_string(i), ws[i], raw);
  }
  const std::string script = "import h5py, io, json, zipfile\n" + loads + R"(
w = [w0, w1, w2, w3, w4, w5, w6, w7, w8, w9, w10, w11, w12, w13, w14, w15, w16]
z = zipfile.ZipFile(r')" + (dir / "m.keras").string() +
                             R"(')
assert sorted(z.namelist()) == ['config.json', 'metadata.json', 'model.weights.h5'], z.namelist()
cfg = json.loads(z.read('config.json'))
assert cfg['class_name'] == 'Sequential' and cfg['module'] == 'keras', cfg['class_name']
classes = [l['class_name'] for l in cfg['config']['layers']]
assert classes == ['InputLayer', 'LSTM', 'Bidirectional', 'Dense', 'BatchNormalization', 'Dense'], classes
assert cfg['config']['layers'][0]['config']['batch_shape'] == [None, 5, 3]
assert json.loads(z.read('metadata.json'))['keras_version'].startswith('3.')
f = h5py.File(io.BytesIO(z.read('model.weights.h5')), 'r')
paths = ['layers/lstm/cell/vars/%d' % i for i in range(3)] + \
        ['layers/bidirectional/forward_layer/cell/vars/%d' % i for i in range(3)] + \
        ['layers/bidirectional/backward_layer/cell/vars/%d' % i for i in range(3)] + \
        ['layers/dense/vars/0', 'layers/dense/vars/1',
         'layers/batch_normalization/vars/0', 'layers/batch_normalization/vars/1',
         'layers/dense_1/vars/0', 'layers/dense_1/vars/1',
         'layers/batch_normalization/vars/2', 'layers/batch_normalization/vars/3']
# nabla's get_weights(): trainable first (lstm 0-2, bidirectional 3-8, dense 9-10, gamma 11,
# beta 12, dense_1 13-14), then the moving statistics (15, 16).
order = list(range(11)) + [11, 12, 13, 14, 15, 16]
for p, i in zip(paths, order):
    assert np.array_equal(f[p][()], w[i]), p
assert 'vars' in f and 'vars' in f['layers/bidirectional']
h = h5py.File(r')" + (dir / "m.h5").string() +
                             R"(', 'r')
assert json.loads(h.attrs['model_config'])['class_name'] == 'Sequential'
g = h['model_weights']
names = [n.decode() if isinstance(n, bytes) else n for n in g.attrs['layer_names']]
assert names == ['lstm', 'bidirectional', 'dense', 'batch_normalization', 'dense_1'], names
flat = []
for n in names:
    for wn in g[n].attrs['weight_names']:
        flat.append(g[n][wn.decode() if isinstance(wn, bytes) else wn][()])
# Legacy files list each layer's weights in layer.weights order (trainable first per layer).
expected = [w[i] for i in list(range(13)) + [15, 16, 13, 14]]
assert len(flat) == len(expected), len(flat)
for a, b in zip(flat, expected):
    assert np.array_equal(a, b)
print('ok')
)";
  const auto result = testing::run_python(dir, script);
  EXPECT_EQ(result.status, 0) << result.output;
}

TEST(ModelSaving, IndependentNumpyForwardPassReadsOurFiles) {
  // The shared data's reference_forward.py (h5py + JSON + NumPy, no Keras) computed every
  // expected.npy of the Keras test files; here it computes our files' outputs.
  if (!h5py_available()) GTEST_SKIP() << NABLA_PYTHON " cannot import numpy and h5py";
  const char* data = std::getenv("NABLA_DATA");
  const fs::path reference =
      data != nullptr ? fs::path(data) / "keras-models" / "reference_forward.py" : fs::path();
  if (reference.empty() || !fs::exists(reference))
    GTEST_SKIP() << "no keras-models/reference_forward.py under $NABLA_DATA";
  TempDir dir;
  nn::Model model = keras_named_model();
  const Tensor x = inputs({6, 5, 3});
  train_briefly(model, x, inputs({6, 2}, 4), "mse");
  const std::vector<float> ours = predict(model, x);
  testing::write_raw(x, dir / "x.raw");
  for (const char* name : {"m.keras", "m.h5"}) {
    model.save(dir / name);
    const std::string script =
        "import sys\nsys.path.insert(0, r'" + reference.parent_path().string() + "')\n" +
        "import reference_forward as rf\n" + testing::python_load_raw("x", x, dir / "x.raw") +
        "y = rf.Model(r'" + (dir / name).string() + "')(x)\n" +
        "np.asarray(y, dtype='float32').tofile(r'" + (dir / "y.raw").string() + "')\n";
    const auto result = testing::run_python(dir, script);
    ASSERT_EQ(result.status, 0) << name << "\n" << result.output;
    const std::string bytes = testing::read_bytes(dir / "y.raw");
    ASSERT_EQ(bytes.size(), ours.size() * sizeof(float)) << name;
    std::vector<float> theirs(ours.size());
    std::memcpy(theirs.data(), bytes.data(), bytes.size());
    for (size_t i = 0; i < ours.size(); ++i)
      EXPECT_NEAR(ours[i], theirs[i], 1e-5 + 1e-4 * std::abs(theirs[i])) << name << " " << i;
  }
}

TEST(ModelSaving, KerasArchivesComeBackCompiledAndContinueTrainingExactly) {
  TempDir dir;
  nn::Model model = mlp();
  model.compile({.optimizer = optim::Adam({.learning_rate = 0.003, .amsgrad = true}),
                 .loss = nn::losses::SparseCategoricalCrossentropy({.from_logits = true}),
                 .metrics = {"accuracy"}});
  const Tensor x = inputs({16, 6});
  const Tensor y = random::randint(0, 3, {16});
  model.fit(x, y, {.batch_size = 8, .epochs = 1, .verbose = 0});
  model.save(dir / "m.keras");
  nn::Model loaded = nn::load_model(dir / "m.keras");
  ASSERT_NE(loaded.optimizer(), nullptr);
  EXPECT_EQ(loaded.get_compile_config(), model.get_compile_config());
  EXPECT_EQ(loaded.get_compile_config()["loss"]["config"]["from_logits"], true);
  EXPECT_EQ(loaded.optimizer()->iterations(), 2);
  // Both continue from the same state (the file's random state included): same weights.
  const random::GeneratorState state = random::get_state();
  model.fit(x, y, {.batch_size = 8, .epochs = 1, .verbose = 0});
  random::set_state(state);
  loaded.fit(x, y, {.batch_size = 8, .epochs = 1, .verbose = 0});
  expect_same_weights(model, loaded);
  EXPECT_EQ(loaded.evaluate(x, y, {.verbose = 0}), model.evaluate(x, y, {.verbose = 0}));
}

TEST(ModelSaving, OptimizersAndLossesRoundTripThroughKerasConfigs) {
  const std::vector<optim::OptimizerRef> optimizers = {
      optim::SGD({.learning_rate = 0.1, .momentum = 0.9, .nesterov = true}),
      optim::Adam({.beta_1 = 0.8, .clip = {.clipnorm = 1.0}}), optim::AdamW({.weight_decay = 0.01}),
      optim::RMSprop({.rho = 0.8, .centered = true}), optim::Adagrad({.epsilon = 1e-6})};
  for (const auto& ref : optimizers) {
    const nlohmann::json config = optim::serialize(*ref.get());
    const auto rebuilt = optim::deserialize(nlohmann::json::parse(config.dump()));
    EXPECT_EQ(rebuilt->name(), ref.get()->name());
    EXPECT_EQ(rebuilt->get_config(), ref.get()->get_config()) << config.dump();
  }
  EXPECT_THROW((void)optim::deserialize(nlohmann::json::parse(R"({"class_name": "Lion"})")),
               ValueError);
  // Keras 3's own spelling of a loss given by name.
  const auto keras = nn::losses::deserialize(nlohmann::json::parse(
      R"({"module": "builtins", "class_name": "function", "config": "categorical_crossentropy",
          "registered_name": "function"})"));
  EXPECT_EQ(keras.get()->name(), "categorical_crossentropy");
  const auto huber =
      nn::losses::deserialize(nn::losses::serialize(nn::losses::Huber({.delta = 2})));
  EXPECT_EQ(huber.get()->get_config()["delta"], 2.0);
  EXPECT_THROW((void)nn::losses::deserialize(nlohmann::json::parse(R"({"class_name": "Tversky"})")),
               ValueError);
}

/// A subclassed model (weights only: its call() is C++).
struct TwoLayers : nn::Model {
  nn::Dense hidden = track(nn::Dense(5, {.activation = "relu"}));
  nn::Dense out = track(nn::Dense(2));
  Tensor call(const Tensor& x, bool training) override {
    return out(hidden(x, training), training);
  }
};

TEST(ModelSaving, SubclassedModelsRoundTripTheirWeights) {
  TempDir dir;
  TwoLayers model;
  const Tensor x = inputs({4, 3});
  const auto before = predict(model, x);
  for (const char* name : {"s.weights.h5", "s.keras"}) {
    if (std::string(name) == "s.keras") {
      model.save(dir / name);  // class name, get_config() and weights
    } else {
      model.save_weights(dir / name);
    }
    TwoLayers fresh;
    (void)fresh(x);  // builds its weights
    fresh.load_weights(dir / name);
    EXPECT_EQ(predict(fresh, x), before) << name;
  }
  // load_model cannot give back a subclass's call(): it says how to load it instead.
  try {
    (void)nn::load_model(dir / "s.keras");
    ADD_FAILURE() << "no error";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("load_weights"), std::string::npos) << e.what();
  }
}

/// A custom layer with its own config key, registered by name.
class Shift : public nn::ClonableLayer<Shift> {
 public:
  explicit Shift(double by) : ClonableLayer<Shift>("shift"), by_(by) {}
  Tensor call(const Tensor& x, bool) override { return x + by_; }
  std::string class_name() const override { return "SavingTestShift"; }
  nlohmann::json get_config() const override {
    nlohmann::json config = Layer::get_config();
    config["by"] = by_;
    return config;
  }
  static Shift from_config(const nlohmann::json& config) {
    Shift layer(config.at("by").get<double>());
    nn::apply_base_config(layer, config);
    return layer;
  }

 private:
  double by_;
};

TEST(ModelSaving, RegisteredCustomLayersLoadByName) {
  TempDir dir;
  Tensor in = nn::Input({3});
  nn::Model model(in, nn::Dense(2)(Shift(1.5)(in)));
  model.save(dir / "custom.keras");
  static const bool registered = [] {
    nn::register_layer<Shift>("SavingTestShift");
    return true;
  }();
  (void)registered;
  nn::Model loaded = nn::load_model(dir / "custom.keras");
  const Tensor x = inputs({4, 3});
  EXPECT_EQ(predict(loaded, x), predict(model, x));
  EXPECT_EQ(loaded.layers()[0]->get_config()["by"], 1.5);
}

TEST(ModelSaving, UnknownSequenceLengthsStayNone) {
  TempDir dir;
  // Input({-1, 3}): Keras's Input(shape=(None, 3)).
  nn::Model model = nn::Sequential(
      {nn::Input({-1, 3}), nn::GRU(4, {.return_sequences = true}), nn::LSTM(2), nn::Dense(1)});
  Tensor in = nn::Input({-1}, int32, "tokens");
  nn::Model text(in, nn::Dense(1)(nn::GRU(3)(nn::Embedding(10, 4)(in))));
  EXPECT_THROW((void)nn::Input({-2}), ValueError);
  for (const char* name : {"seq.keras", "seq.h5"}) {
    model.save(dir / name);
    nn::Model loaded = nn::load_model(dir / name);
    for (int64_t steps : {1, 5, 9}) {
      const Tensor x = inputs({2, steps, 3});
      EXPECT_EQ(predict(loaded, x), predict(model, x)) << name << " " << steps;
    }
    EXPECT_EQ(loaded.inputs()[0].shape(), (Shape{1, 1, 3}));
  }
  text.save(dir / "text.keras");
  nn::Model loaded = nn::load_model(dir / "text.keras");
  const Tensor tokens = random::randint(0, 10, {3, 7}).astype(int32);
  EXPECT_EQ(predict(loaded, tokens), predict(text, tokens));
  // The configs say None where the length is unknown, as Keras writes them.
  for (const auto& [file, path] :
       {std::pair{"seq.keras", "/config/layers/0/config/batch_shape"},
        std::pair{"text.keras", "/config/layers/0/config/batch_shape"}}) {
    const io::File archive(dir / file);
    const io::ZipReader zip(archive);
    const io::ZipEntry* entry = zip.find("config.json");
    ASSERT_NE(entry, nullptr) << file;
    const auto bytes = zip.read(*entry, 1 << 20);
    const auto config = nlohmann::json::parse(std::string(bytes.begin(), bytes.end()));
    const auto shape = config.at(nlohmann::json::json_pointer(path));
    EXPECT_TRUE(shape[0].is_null() && shape[1].is_null()) << file << ": " << shape.dump();
  }
}

TEST(ModelSaving, WeightsFilesRoundTripIntoAFreshModel) {
  TempDir dir;
  nn::Model model = mlp();
  const Tensor x = inputs({16, 6});
  train_briefly(model, x, random::randint(0, 3, {16}), "sparse_categorical_crossentropy");
  for (const char* name : {"w.weights.h5", "w.h5", "m.keras"}) {
    if (std::string(name) == "m.keras")
      model.save(dir / name);
    else
      model.save_weights(dir / name);
    nn::Model fresh = mlp();
    fresh.load_weights(dir / name);
    expect_same_weights(model, fresh);
    EXPECT_EQ(predict(fresh, x), predict(model, x)) << name;
  }
  // get_weights / set_weights round trip.
  nn::Model other = mlp();
  other.set_weights(model.get_weights());
  expect_same_weights(model, other);
}

TEST(ModelSaving, ShapeMismatchNamesTheLayerAndBothShapesAndChangesNothing) {
  TempDir dir;
  nn::Model model = nn::Sequential({nn::Input({6}), nn::Dense(16), nn::Dense(3)});
  model.save_weights(dir / "w.weights.h5");
  nn::Model narrow = nn::Sequential({nn::Input({6}), nn::Dense(8), nn::Dense(3)});
  const auto before = narrow.get_weights();
  try {
    narrow.load_weights(dir / "w.weights.h5");
    ADD_FAILURE() << "no error";
  } catch (const ValueError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(narrow.layers()[0]->name()), std::string::npos) << message;
    EXPECT_NE(message.find("[6, 8]"), std::string::npos) << message;
    EXPECT_NE(message.find("[6, 16]"), std::string::npos) << message;
  }
  const auto after = narrow.get_weights();
  for (size_t i = 0; i < before.size(); ++i)
    EXPECT_EQ(before[i].to_vector<float>(), after[i].to_vector<float>());
}

/// A .keras archive holding `config` (and an empty weights file).
void write_archive(const fs::path& path, const std::string& config) {
  io::AtomicWriter out(path);
  io::ZipWriter zip(out);
  const std::string meta = R"({"keras_version": "3.13.2"})";
  auto span = [](const std::string& s) {
    return std::span<const unsigned char>(reinterpret_cast<const unsigned char*>(s.data()),
                                          s.size());
  };
  const std::span<const unsigned char> m[] = {span(meta)};
  zip.add_stored("metadata.json", m);
  const std::span<const unsigned char> c[] = {span(config)};
  zip.add_stored("config.json", c);
  const std::string weights;
  const std::span<const unsigned char> w[] = {span(weights)};
  zip.add_stored("model.weights.h5", w);
  zip.finish();
  out.commit();
}

TEST(ModelSaving, UnknownLayerClassesAreListedInOneError) {
  TempDir dir;
  const std::string config = R"({"class_name": "Sequential", "config": {"name": "s", "layers": [
      {"class_name": "InputLayer", "config": {"batch_shape": [null, 3], "name": "in"}},
      {"class_name": "FancyAttention", "config": {"name": "f"}},
      {"class_name": "Dense", "config": {"name": "d", "units": 2}},
      {"class_name": "Wrapper9", "config": {"name": "w"}}]}})";
  write_archive(dir / "u.keras", config);
  try {
    (void)nn::load_model(dir / "u.keras");
    ADD_FAILURE() << "no error";
  } catch (const ValueError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("FancyAttention, Wrapper9"), std::string::npos) << message;
    EXPECT_NE(message.find("register_layer"), std::string::npos) << message;
    EXPECT_NE(message.find("u.keras"), std::string::npos) << message;
  }
}

// Found by fuzz/fuzz_keras_config: a few bytes of config describing a 32 GB Dense made
// load_model allocate it (std::bad_alloc, or an out-of-memory abort under ASan), and config
// members the reader did not check escaped as nlohmann::json exceptions.
TEST(ModelSaving, ConfigsTheFileCannotBackRaiseIOErrorBeforeAllocating) {
  TempDir dir;
  const auto expect_io_error = [&](const std::string& config, const std::string& needle) {
    write_archive(dir / "c.keras", config);
    try {
      (void)nn::load_model(dir / "c.keras");
      ADD_FAILURE() << "no error for " << config;
    } catch (const IOError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("c.keras"), std::string::npos) << e.what();
    }
  };
  const std::string input =
      R"({"class_name": "InputLayer", "config": {"batch_shape": [null, 4], "name": "in"}})";
  expect_io_error(
      R"({"class_name": "Sequential", "config": {"name": "s", "layers": [)" + input +
          R"(, {"class_name": "Dense", "config": {"name": "d", "units": 2000000000}}]}})",
      "more weights than the 0 bytes of model.weights.h5");
  // A __keras_tensor__ without its "config", and an input dtype object whose "config" is a number.
  expect_io_error(R"({"class_name": "Functional", "config": {"name": "f", "layers": [)" + input +
                      R"(, {"class_name": "Dense", "name": "d", "config": {"name": "d", "units": 1},
                      "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__"}]}]}],
                      "input_layers": [["in", 0, 0]], "output_layers": [["d", 0, 0]]}})",
                  "malformed model config");
  expect_io_error(R"({"class_name": "Sequential", "config": {"name": "s", "layers": [
                      {"class_name": "InputLayer", "config": {"batch_shape": [null, 4],
                      "dtype": {"config": 5}}}]}})",
                  "malformed model config");

  // The legacy .h5 path: the budget is the whole file's size.
  io::h5::Writer h5;
  h5.root().set_attribute("model_config", R"({"class_name": "Sequential", "config": {"layers": [)" +
                                              input + R"(, {"class_name": "Dense", "config":
                                              {"name": "d", "units": 2000000000}}]}})");
  const std::vector<unsigned char> bytes = h5.finish();
  testing::write_bytes(dir / "big.h5", std::string(bytes.begin(), bytes.end()));
  try {
    (void)nn::load_model(dir / "big.h5");
    ADD_FAILURE() << "no error";
  } catch (const IOError& e) {
    EXPECT_NE(std::string(e.what()).find("bytes of the file can hold"), std::string::npos)
        << e.what();
  }
}

TEST(ModelSaving, CorruptArchivesRaiseIOErrorNamingTheFile) {
  TempDir dir;
  nn::Model model = mlp();
  model.save(dir / "good.keras");
  const std::string bytes = testing::read_bytes(dir / "good.keras");
  // Truncations and single-byte corruptions anywhere: IOError (zip CRC-32s cover member data).
  for (size_t cut : {size_t{0}, size_t{10}, bytes.size() / 3, bytes.size() / 2, bytes.size() - 1}) {
    testing::write_bytes(dir / "bad.keras", bytes.substr(0, cut));
    EXPECT_THROW((void)nn::load_model(dir / "bad.keras"), IOError) << cut;
  }
  for (size_t at = 0; at < bytes.size(); at += std::max<size_t>(1, bytes.size() / 97)) {
    std::string corrupt = bytes;
    corrupt[at] = static_cast<char>(corrupt[at] ^ 0x5a);
    testing::write_bytes(dir / "bad.keras", corrupt);
    try {
      (void)nn::load_model(dir / "bad.keras");
    } catch (const IOError& e) {
      EXPECT_NE(std::string(e.what()).find("bad.keras"), std::string::npos) << e.what();
    }
  }
  testing::write_bytes(dir / "bad.keras", "{\"class_name\": not json");
  EXPECT_THROW((void)nn::load_model(dir / "bad.keras"), IOError);
  EXPECT_THROW((void)nn::load_model(dir / "missing.keras"), IOError);
}

TEST(ModelSaving, AFailedSaveLeavesThePreviousFileIntact) {
  TempDir dir;
  nn::Model model = mlp();
  model.save(dir / "m.keras");
  const std::string before = testing::read_bytes(dir / "m.keras");
  // A functional model with a bare op outside any layer cannot be described by a config.
  Tensor in = nn::Input({6});
  nn::Model bad(in, nn::Dense(2)(in) * 2.0);
  EXPECT_THROW(bad.save(dir / "m.keras"), ValueError);
  EXPECT_EQ(testing::read_bytes(dir / "m.keras"), before);
  EXPECT_THROW(model.save(dir / "no_such_dir" / "m.keras"), IOError);
  EXPECT_THROW(model.save(dir / "m.pt"), ValueError);
  // Nothing else was left behind (no temporary files).
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir.path())) files += entry.is_regular_file();
  EXPECT_EQ(files, 1u);
}

}  // namespace
}  // namespace nabla
