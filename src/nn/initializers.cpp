// Keras 3's initializers. Seeded draws go straight to the random ops with the initializer's own
// (seed, counter) stream, so a seeded initializer returns the same tensor at every call and does
// not disturb the global random state; unseeded ones use nabla::random (the global stream).
#include "nabla/nn/initializers.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

#include "nabla/ops/contraction.hpp"
#include "nabla/ops/creation.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/random.hpp"
#include "nabla/util/error.hpp"
#include "nn/config_util.hpp"
#include "ops/dispatch.hpp"

namespace nabla {
extern const OpDef random_uniform_op;  // src/ops/random.cpp
extern const OpDef random_normal_op;
}  // namespace nabla

namespace nabla::nn::initializers {
namespace {

/// The standard deviation of a standard normal truncated to [-2, 2]: dividing by it makes a
/// truncated normal's variance the one asked for (Keras's constant).
constexpr double kTruncatedStddev = 0.87962566103423978;

/// Where one call's random numbers come from. Seeded: counters 0, 1, ... of the seed's Philox
/// stream, restarted at each call (created per call). Unseeded: the global stream.
class RandomSource {
 public:
  explicit RandomSource(std::optional<uint64_t> seed) : seed_(seed) {}

  Tensor uniform(const Shape& shape, double low, double high, DType dtype) {
    if (!seed_) return random::uniform(shape, low, high, dtype);
    return dispatch1(random_uniform_op, {}, attrs(shape, dtype).set("low", low).set("high", high));
  }
  Tensor normal(const Shape& shape, double mean, double stddev, DType dtype) {
    if (!seed_) return random::normal(shape, mean, stddev, dtype);
    return dispatch1(random_normal_op, {},
                     attrs(shape, dtype).set("mean", mean).set("stddev", stddev));
  }
  /// Normal(mean, stddev) with the values beyond 2 stddev redrawn until none is left. Only the
  /// outliers are redrawn (~4.6% of the previous round), so the whole costs ~1.05 draws per
  /// element. Drawn in float64 on the host: initial values need no autodiff or tracing.
  Tensor truncated_normal(const Shape& shape, double mean, double stddev, DType dtype) {
    std::vector<double> z = normal(shape, 0.0, 1.0, float64).to_vector<double>();
    std::vector<size_t> outside;
    for (size_t i = 0; i < z.size(); ++i) {
      if (std::abs(z[i]) > 2.0) outside.push_back(i);
    }
    while (!outside.empty()) {
      const std::vector<double> redraw =
          normal(Shape{static_cast<int64_t>(outside.size())}, 0.0, 1.0, float64)
              .to_vector<double>();
      std::vector<size_t> still_outside;
      for (size_t k = 0; k < outside.size(); ++k) {
        if (std::abs(redraw[k]) > 2.0) {
          still_outside.push_back(outside[k]);
        } else {
          z[outside[k]] = redraw[k];
        }
      }
      outside.swap(still_outside);
    }
    for (double& v : z) v = mean + stddev * v;
    return from_vector(z, shape).astype(dtype);
  }

 private:
  Attrs attrs(const Shape& shape, DType dtype) {
    for (int64_t d : shape) {
      NABLA_CHECK(d >= 0, ValueError, "initializer: negative dimension in shape ", shape);
    }
    Attrs out{{"shape", shape},
              {"dtype", dtype},
              {"seed", static_cast<int64_t>(*seed_)},
              {"counter", static_cast<int64_t>(counter_)}};
    counter_ += static_cast<uint64_t>(shape.numel());
    return out;
  }

  std::optional<uint64_t> seed_;
  uint64_t counter_ = 0;
};

void check_floating(const Initializer& init, DType dtype) {
  NABLA_CHECK(is_floating(dtype), DTypeError, init.name(), ": expected a floating dtype, got ",
              dtype);
}

nlohmann::json seed_json(const std::optional<uint64_t>& seed) {
  return seed ? nlohmann::json(*seed) : nlohmann::json(nullptr);
}

/// Gram-Schmidt of rows first..end of the row-major [*, length] `rows` against rows
/// first..row-1 of themselves, twice per row ("twice is enough": one pass leaves errors of
/// eps * condition number), then normalised.
void gram_schmidt_within(std::vector<double>& rows, int64_t first, int64_t end, int64_t length) {
  auto row = [&](int64_t i) { return rows.data() + i * length; };
  for (int64_t j = first; j < end; ++j) {
    double* v = row(j);
    for (int pass = 0; pass < 2; ++pass) {
      for (int64_t i = first; i < j; ++i) {
        const double* q = row(i);
        double dot = 0.0;
        for (int64_t e = 0; e < length; ++e) dot += q[e] * v[e];
        for (int64_t e = 0; e < length; ++e) v[e] -= dot * q[e];
      }
    }
    double norm = 0.0;
    for (int64_t e = 0; e < length; ++e) norm += v[e] * v[e];
    norm = std::sqrt(norm);
    // A normal matrix has full rank with probability 1.
    NABLA_ASSERT(norm > 0.0, "orthogonal: rank-deficient random matrix");
    for (int64_t e = 0; e < length; ++e) v[e] /= norm;
  }
}

/// Orthonormalises the `count` rows of the row-major [count, length] `rows` (count <= length)
/// in order, in place: block Gram-Schmidt, each block of rows projected off the finished ones
/// twice with matmul (BLAS does the O(count^2 length) bulk), then among itself. Each row's norm
/// after its projections is R's diagonal entry, positive by construction: the rows are Q^T of
/// the QR of the rows' transpose with a positive diagonal (Keras's sign fix).
void orthonormalize_rows(std::vector<double>& rows, int64_t count, int64_t length) {
  constexpr int64_t kBlock = 64;
  for (int64_t first = 0; first < count; first += kBlock) {
    const int64_t end = std::min(count, first + kBlock);
    if (first > 0) {
      const auto begin = rows.begin();
      const Tensor done =
          from_vector(std::vector<double>(begin, begin + first * length), Shape{first, length});
      for (int pass = 0; pass < 2; ++pass) {
        Tensor block =
            from_vector(std::vector<double>(begin + first * length, begin + end * length),
                        Shape{end - first, length});
        block = block - matmul(matmul(block, done.transpose()), done);
        const std::vector<double> projected = block.to_vector<double>();
        std::copy(projected.begin(), projected.end(), begin + first * length);
      }
    }
    gram_schmidt_within(rows, first, end, length);
  }
}

}  // namespace

Initializer::~Initializer() = default;

nlohmann::json Initializer::get_config() const { return nlohmann::json::object(); }

Fans compute_fans(const Shape& shape) {
  if (shape.rank() == 0) return {1, 1};
  if (shape.rank() == 1) return {shape[0], shape[0]};
  int64_t receptive_field = 1;  // a convolution kernel [k..., in, out]
  for (int64_t i = 0; i + 2 < shape.rank(); ++i) receptive_field *= shape[i];
  return {shape.at(-2) * receptive_field, shape.at(-1) * receptive_field};
}

// ---- RandomNormal, TruncatedNormal, RandomUniform ----

RandomNormal::RandomNormal(RandomNormalOptions options) : options_(options) {
  NABLA_CHECK(options_.stddev >= 0, ValueError, "random_normal: stddev must be non-negative, got ",
              options_.stddev);
}
Tensor RandomNormal::operator()(const Shape& shape, DType dtype) const {
  check_floating(*this, dtype);
  return RandomSource(options_.seed).normal(shape, options_.mean, options_.stddev, dtype);
}
nlohmann::json RandomNormal::get_config() const {
  return {{"mean", options_.mean}, {"stddev", options_.stddev}, {"seed", seed_json(options_.seed)}};
}

TruncatedNormal::TruncatedNormal(RandomNormalOptions options) : options_(options) {
  NABLA_CHECK(options_.stddev >= 0, ValueError,
              "truncated_normal: stddev must be non-negative, got ", options_.stddev);
}
Tensor TruncatedNormal::operator()(const Shape& shape, DType dtype) const {
  check_floating(*this, dtype);
  return RandomSource(options_.seed).truncated_normal(shape, options_.mean, options_.stddev, dtype);
}
nlohmann::json TruncatedNormal::get_config() const {
  return {{"mean", options_.mean}, {"stddev", options_.stddev}, {"seed", seed_json(options_.seed)}};
}

RandomUniform::RandomUniform(RandomUniformOptions options) : options_(options) {
  NABLA_CHECK(options_.minval <= options_.maxval, ValueError, "random_uniform: minval (",
              options_.minval, ") must not exceed maxval (", options_.maxval, ")");
}
Tensor RandomUniform::operator()(const Shape& shape, DType dtype) const {
  check_floating(*this, dtype);
  return RandomSource(options_.seed).uniform(shape, options_.minval, options_.maxval, dtype);
}
nlohmann::json RandomUniform::get_config() const {
  return {
      {"minval", options_.minval}, {"maxval", options_.maxval}, {"seed", seed_json(options_.seed)}};
}

// ---- VarianceScaling and its presets ----

VarianceScaling::VarianceScaling(VarianceScalingOptions options) : options_(std::move(options)) {
  NABLA_CHECK(options_.scale > 0, ValueError, "variance_scaling: scale must be positive, got ",
              options_.scale);
  NABLA_CHECK(options_.mode == "fan_in" || options_.mode == "fan_out" || options_.mode == "fan_avg",
              ValueError, "variance_scaling: mode must be one of fan_in, fan_out, fan_avg, got '",
              options_.mode, "'");
  std::string& distribution = options_.distribution;
  std::transform(distribution.begin(), distribution.end(), distribution.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (distribution == "normal") distribution = "truncated_normal";
  NABLA_CHECK(distribution == "truncated_normal" || distribution == "untruncated_normal" ||
                  distribution == "uniform",
              ValueError,
              "variance_scaling: distribution must be one of truncated_normal, "
              "untruncated_normal, uniform, got '",
              options_.distribution, "'");
}

Tensor VarianceScaling::operator()(const Shape& shape, DType dtype) const {
  check_floating(*this, dtype);
  const Fans fans = compute_fans(shape);
  const double n = options_.mode == "fan_in"    ? static_cast<double>(fans.fan_in)
                   : options_.mode == "fan_out" ? static_cast<double>(fans.fan_out)
                                                : (fans.fan_in + fans.fan_out) / 2.0;
  const double scale = options_.scale / std::max(1.0, n);
  RandomSource source(options_.seed);
  if (options_.distribution == "truncated_normal") {
    return source.truncated_normal(shape, 0.0, std::sqrt(scale) / kTruncatedStddev, dtype);
  }
  if (options_.distribution == "untruncated_normal") {
    return source.normal(shape, 0.0, std::sqrt(scale), dtype);
  }
  const double limit = std::sqrt(3.0 * scale);
  return source.uniform(shape, -limit, limit, dtype);
}

nlohmann::json VarianceScaling::get_config() const {
  return {{"scale", options_.scale},
          {"mode", options_.mode},
          {"distribution", options_.distribution},
          {"seed", seed_json(options_.seed)}};
}

GlorotUniform::GlorotUniform(SeedOptions options)
    : VarianceScaling(
          {.scale = 1.0, .mode = "fan_avg", .distribution = "uniform", .seed = options.seed}) {}
GlorotNormal::GlorotNormal(SeedOptions options)
    : VarianceScaling({.scale = 1.0,
                       .mode = "fan_avg",
                       .distribution = "truncated_normal",
                       .seed = options.seed}) {}
HeNormal::HeNormal(SeedOptions options)
    : VarianceScaling({.scale = 2.0,
                       .mode = "fan_in",
                       .distribution = "truncated_normal",
                       .seed = options.seed}) {}
HeUniform::HeUniform(SeedOptions options)
    : VarianceScaling(
          {.scale = 2.0, .mode = "fan_in", .distribution = "uniform", .seed = options.seed}) {}
LecunNormal::LecunNormal(SeedOptions options)
    : VarianceScaling({.scale = 1.0,
                       .mode = "fan_in",
                       .distribution = "truncated_normal",
                       .seed = options.seed}) {}
LecunUniform::LecunUniform(SeedOptions options)
    : VarianceScaling(
          {.scale = 1.0, .mode = "fan_in", .distribution = "uniform", .seed = options.seed}) {}

nlohmann::json GlorotUniform::get_config() const { return {{"seed", seed_json(options_.seed)}}; }
nlohmann::json GlorotNormal::get_config() const { return {{"seed", seed_json(options_.seed)}}; }
nlohmann::json HeNormal::get_config() const { return {{"seed", seed_json(options_.seed)}}; }
nlohmann::json HeUniform::get_config() const { return {{"seed", seed_json(options_.seed)}}; }
nlohmann::json LecunNormal::get_config() const { return {{"seed", seed_json(options_.seed)}}; }
nlohmann::json LecunUniform::get_config() const { return {{"seed", seed_json(options_.seed)}}; }

// ---- Orthogonal ----

Orthogonal::Orthogonal(OrthogonalOptions options) : options_(options) {}

Tensor Orthogonal::operator()(const Shape& shape, DType dtype) const {
  check_floating(*this, dtype);
  NABLA_CHECK(shape.rank() >= 2, ValueError,
              "orthogonal: the shape to initialize must have rank >= 2, got ", shape);
  int64_t rows = 1;
  for (int64_t i = 0; i + 1 < shape.rank(); ++i) rows *= shape[i];
  const int64_t cols = shape.at(-1);
  NABLA_CHECK(rows >= 0 && cols >= 0, ValueError, "orthogonal: negative dimension in shape ",
              shape);
  if (rows == 0 || cols == 0) return zeros(shape, dtype);

  // Keras: Q of a [long, short] normal matrix A. The rows of A^T, orthonormalised, are Q^T:
  // Keras's result for a wide matrix, its transpose for a tall one.
  const int64_t length = std::max(rows, cols), count = std::min(rows, cols);
  std::vector<double> a_transposed = RandomSource(options_.seed)
                                         .normal(Shape{count, length}, 0.0, 1.0, float64)
                                         .to_vector<double>();
  orthonormalize_rows(a_transposed, count, length);
  const Tensor q_transposed = from_vector(a_transposed, Shape{count, length});
  const Tensor matrix = rows < cols ? q_transposed : q_transposed.transpose();
  return (matrix.reshape(shape) * options_.gain).astype(dtype);
}

nlohmann::json Orthogonal::get_config() const {
  return {{"gain", options_.gain}, {"seed", seed_json(options_.seed)}};
}

// ---- constants ----

Tensor Zeros::operator()(const Shape& shape, DType dtype) const { return zeros(shape, dtype); }
Tensor Ones::operator()(const Shape& shape, DType dtype) const { return ones(shape, dtype); }
Tensor Constant::operator()(const Shape& shape, DType dtype) const {
  return full(shape, value_, dtype);
}
nlohmann::json Constant::get_config() const { return {{"value", value_}}; }

// ---- names ----

namespace {

struct Entry {
  const char* name;        // Keras's snake_case name
  const char* class_name;  // Keras's class name, also accepted
  /// Keras's from_config: the class's arguments from its config (missing keys: defaults).
  std::shared_ptr<Initializer> (*from_config)(const nlohmann::json& config, std::string_view who);
};

template <class T>
std::shared_ptr<Initializer> seeded(const nlohmann::json& config, std::string_view who) {
  return std::make_shared<T>(SeedOptions{.seed = detail::config_seed(config, who)});
}

template <class T>
std::shared_ptr<Initializer> normal(const nlohmann::json& config, std::string_view who) {
  const RandomNormalOptions defaults;
  return std::make_shared<T>(
      RandomNormalOptions{.mean = detail::config_get(config, "mean", defaults.mean, who),
                          .stddev = detail::config_get(config, "stddev", defaults.stddev, who),
                          .seed = detail::config_seed(config, who)});
}

std::shared_ptr<Initializer> uniform(const nlohmann::json& config, std::string_view who) {
  const RandomUniformOptions defaults;
  return std::make_shared<RandomUniform>(
      RandomUniformOptions{.minval = detail::config_get(config, "minval", defaults.minval, who),
                           .maxval = detail::config_get(config, "maxval", defaults.maxval, who),
                           .seed = detail::config_seed(config, who)});
}

std::shared_ptr<Initializer> variance_scaling(const nlohmann::json& config, std::string_view who) {
  const VarianceScalingOptions defaults;
  return std::make_shared<VarianceScaling>(VarianceScalingOptions{
      .scale = detail::config_get(config, "scale", defaults.scale, who),
      .mode = detail::config_get(config, "mode", defaults.mode, who),
      .distribution = detail::config_get(config, "distribution", defaults.distribution, who),
      .seed = detail::config_seed(config, who)});
}

std::shared_ptr<Initializer> orthogonal(const nlohmann::json& config, std::string_view who) {
  return std::make_shared<Orthogonal>(
      OrthogonalOptions{.gain = detail::config_get(config, "gain", 1.0, who),
                        .seed = detail::config_seed(config, who)});
}

template <class T>
std::shared_ptr<Initializer> plain(const nlohmann::json&, std::string_view) {
  return std::make_shared<T>();
}

std::shared_ptr<Initializer> constant(const nlohmann::json& config, std::string_view who) {
  return std::make_shared<Constant>(detail::config_get(config, "value", 0.0, who));
}

const std::array<Entry, 14>& entries() {
  static const std::array<Entry, 14> table{{
      {"glorot_uniform", "GlorotUniform", &seeded<GlorotUniform>},
      {"glorot_normal", "GlorotNormal", &seeded<GlorotNormal>},
      {"he_normal", "HeNormal", &seeded<HeNormal>},
      {"he_uniform", "HeUniform", &seeded<HeUniform>},
      {"lecun_normal", "LecunNormal", &seeded<LecunNormal>},
      {"lecun_uniform", "LecunUniform", &seeded<LecunUniform>},
      {"random_normal", "RandomNormal", &normal<RandomNormal>},
      {"random_uniform", "RandomUniform", &uniform},
      {"truncated_normal", "TruncatedNormal", &normal<TruncatedNormal>},
      {"variance_scaling", "VarianceScaling", &variance_scaling},
      {"orthogonal", "Orthogonal", &orthogonal},
      {"zeros", "Zeros", &plain<Zeros>},
      {"ones", "Ones", &plain<Ones>},
      {"constant", "Constant", &constant},
  }};
  return table;
}

/// Keras's extra aliases (keras/src/initializers/__init__.py).
std::string canonical(const std::string& name) {
  if (name == "normal") return "random_normal";
  if (name == "uniform") return "random_uniform";
  if (name == "zero") return "zeros";
  if (name == "one") return "ones";
  if (name == "OrthogonalInitializer" || name == "orthogonal_initializer") return "orthogonal";
  return name;
}

const Entry& find_entry(const std::string& name) {
  const std::string key = canonical(name);
  for (const Entry& entry : entries()) {
    if (key == entry.name || key == entry.class_name) return entry;
  }
  std::string known;
  for (const Entry& entry : entries())
    known += (known.empty() ? "" : ", ") + std::string(entry.name);
  NABLA_CHECK(false, ValueError, "initializers: unknown initializer '", name,
              "'; expected one of: ", known);
  return entries()[0];
}

std::shared_ptr<Initializer> from_name(const std::string& name) {
  const Entry& entry = find_entry(name);
  return entry.from_config(nlohmann::json::object(), entry.class_name);
}

}  // namespace

InitializerRef::InitializerRef(const char* name) : ptr_(from_name(name)) {}
InitializerRef::InitializerRef(const std::string& name) : ptr_(from_name(name)) {}

std::vector<std::string> names() {
  std::vector<std::string> out;
  for (const Entry& entry : entries()) out.emplace_back(entry.name);
  return out;
}

nlohmann::json serialize(const InitializerRef& initializer) {
  NABLA_CHECK(initializer.defined(), ValueError, "initializers.serialize: no initializer");
  const Initializer& init = *initializer.get();
  // A custom initializer keeps its own name: deserialize() then says it does not know it.
  std::string class_name = init.name();
  for (const Entry& entry : entries()) {
    if (class_name == entry.name) class_name = entry.class_name;
  }
  return {{"module", "keras.initializers"},
          {"class_name", class_name},
          {"config", init.get_config()},
          {"registered_name", nullptr}};
}

std::shared_ptr<Initializer> deserialize(const nlohmann::json& serialized) {
  if (serialized.is_string()) return from_name(serialized.get<std::string>());
  constexpr std::string_view who = "initializers.deserialize";
  detail::check_config_object(serialized, who);
  const auto class_name = detail::config_require<std::string>(serialized, "class_name", who);
  const Entry& entry = find_entry(class_name);
  const auto config = serialized.value("config", nlohmann::json::object());
  detail::check_config_object(config, std::string(entry.class_name) + ".from_config");
  return entry.from_config(config, std::string(entry.class_name) + ".from_config");
}

}  // namespace nabla::nn::initializers
