// Initializers (keras.initializers): how a layer's weights start. An Initializer maps a shape and
// dtype to a new tensor; names, defaults and formulas are Keras 3's.
#pragma once

#include <concepts>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "nabla/tensor/tensor.hpp"

namespace nabla::nn::initializers {

class Initializer {
 public:
  virtual ~Initializer();
  /// A new tensor of `shape` and `dtype` (the random initializers take floating dtypes only).
  [[nodiscard]] virtual Tensor operator()(const Shape& shape, DType dtype = float32) const = 0;
  /// Keras's snake_case name ("glorot_uniform").
  [[nodiscard]] virtual std::string name() const = 0;
  /// Keras's config keys ({"seed": null} for GlorotUniform, {"mean", "stddev", "seed"}, ...).
  [[nodiscard]] virtual nlohmann::json get_config() const;
};

/// Input and output units of a weight of `shape`, as Keras counts them: rank 0: (1, 1);
/// rank 1: (n, n); rank 2 [in, out]: (in, out); rank > 2 convolution kernels
/// [k..., in, out]: (in * receptive, out * receptive) with receptive = prod(k...).
struct Fans {
  int64_t fan_in = 1;
  int64_t fan_out = 1;
};
[[nodiscard]] Fans compute_fans(const Shape& shape);

/// Seeding of the random initializers. With a seed, every call returns the same values (Keras's
/// integer seeds); without one, each call draws fresh numbers from nabla's global random state
/// (nabla::random::seed makes those reproducible too).
struct SeedOptions {
  std::optional<uint64_t> seed = std::nullopt;
};

struct RandomNormalOptions {
  double mean = 0.0;
  double stddev = 0.05;
  std::optional<uint64_t> seed = std::nullopt;
};
/// Normal(mean, stddev).
class RandomNormal : public Initializer {
 public:
  explicit RandomNormal(RandomNormalOptions options = {});
  [[nodiscard]] Tensor operator()(const Shape& shape, DType dtype = float32) const override;
  [[nodiscard]] std::string name() const override { return "random_normal"; }
  [[nodiscard]] nlohmann::json get_config() const override;

 private:
  RandomNormalOptions options_;
};

/// Normal(mean, stddev) with values beyond two stddev from the mean redrawn.
class TruncatedNormal : public Initializer {
 public:
  explicit TruncatedNormal(RandomNormalOptions options = {});
  [[nodiscard]] Tensor operator()(const Shape& shape, DType dtype = float32) const override;
  [[nodiscard]] std::string name() const override { return "truncated_normal"; }
  [[nodiscard]] nlohmann::json get_config() const override;

 private:
  RandomNormalOptions options_;
};

struct RandomUniformOptions {
  double minval = -0.05;
  double maxval = 0.05;
  std::optional<uint64_t> seed = std::nullopt;
};
/// Uniform in [minval, maxval).
class RandomUniform : public Initializer {
 public:
  explicit RandomUniform(RandomUniformOptions options = {});
  [[nodiscard]] Tensor operator()(const Shape& shape, DType dtype = float32) const override;
  [[nodiscard]] std::string name() const override { return "random_uniform"; }
  [[nodiscard]] nlohmann::json get_config() const override;

 private:
  RandomUniformOptions options_;
};

struct VarianceScalingOptions {
  double scale = 1.0;                             // > 0
  std::string mode = "fan_in";                    // "fan_in" | "fan_out" | "fan_avg"
  std::string distribution = "truncated_normal";  // | "untruncated_normal" | "uniform" ("normal"
                                                  // means truncated_normal, as in Keras)
  std::optional<uint64_t> seed = std::nullopt;
};
/// Variance scale / n (n = fan_in, fan_out or their mean, at least 1): a truncated normal with
/// stddev sqrt(scale / n) / 0.87962566103423978 (the stddev of a standard normal truncated at
/// ±2, so the result has the intended variance), a normal with stddev sqrt(scale / n), or a
/// uniform in [-limit, limit) with limit = sqrt(3 scale / n).
class VarianceScaling : public Initializer {
 public:
  explicit VarianceScaling(VarianceScalingOptions options = {});
  [[nodiscard]] Tensor operator()(const Shape& shape, DType dtype = float32) const override;
  [[nodiscard]] std::string name() const override { return "variance_scaling"; }
  [[nodiscard]] nlohmann::json get_config() const override;

 protected:
  VarianceScalingOptions options_;
};

// The Keras presets of VarianceScaling; their config is {"seed": ...} only.
/// Uniform, limit sqrt(6 / (fan_in + fan_out)). Keras's default kernel initializer.
class GlorotUniform : public VarianceScaling {
 public:
  explicit GlorotUniform(SeedOptions options = {});
  [[nodiscard]] std::string name() const override { return "glorot_uniform"; }
  [[nodiscard]] nlohmann::json get_config() const override;
};
/// Truncated normal, stddev sqrt(2 / (fan_in + fan_out)).
class GlorotNormal : public VarianceScaling {
 public:
  explicit GlorotNormal(SeedOptions options = {});
  [[nodiscard]] std::string name() const override { return "glorot_normal"; }
  [[nodiscard]] nlohmann::json get_config() const override;
};
/// Truncated normal, stddev sqrt(2 / fan_in).
class HeNormal : public VarianceScaling {
 public:
  explicit HeNormal(SeedOptions options = {});
  [[nodiscard]] std::string name() const override { return "he_normal"; }
  [[nodiscard]] nlohmann::json get_config() const override;
};
/// Uniform, limit sqrt(6 / fan_in).
class HeUniform : public VarianceScaling {
 public:
  explicit HeUniform(SeedOptions options = {});
  [[nodiscard]] std::string name() const override { return "he_uniform"; }
  [[nodiscard]] nlohmann::json get_config() const override;
};
/// Truncated normal, stddev sqrt(1 / fan_in).
class LecunNormal : public VarianceScaling {
 public:
  explicit LecunNormal(SeedOptions options = {});
  [[nodiscard]] std::string name() const override { return "lecun_normal"; }
  [[nodiscard]] nlohmann::json get_config() const override;
};
/// Uniform, limit sqrt(3 / fan_in).
class LecunUniform : public VarianceScaling {
 public:
  explicit LecunUniform(SeedOptions options = {});
  [[nodiscard]] std::string name() const override { return "lecun_uniform"; }
  [[nodiscard]] nlohmann::json get_config() const override;
};

struct OrthogonalOptions {
  double gain = 1.0;
  std::optional<uint64_t> seed = std::nullopt;
};
/// gain * an orthogonal matrix reshaped to `shape` (rank >= 2): the [prod(shape[:-1]),
/// shape[-1]] matrix has orthonormal columns when it is tall, orthonormal rows when it is wide.
/// Keras's construction (Q of the QR of a normal matrix, signs fixed so R's diagonal is
/// positive), computed by block Gram-Schmidt in float64, which yields that same Q.
class Orthogonal : public Initializer {
 public:
  explicit Orthogonal(OrthogonalOptions options = {});
  [[nodiscard]] Tensor operator()(const Shape& shape, DType dtype = float32) const override;
  [[nodiscard]] std::string name() const override { return "orthogonal"; }
  [[nodiscard]] nlohmann::json get_config() const override;

 private:
  OrthogonalOptions options_;
};

/// All zeros (any dtype).
class Zeros : public Initializer {
 public:
  [[nodiscard]] Tensor operator()(const Shape& shape, DType dtype = float32) const override;
  [[nodiscard]] std::string name() const override { return "zeros"; }
};
/// All ones (any dtype).
class Ones : public Initializer {
 public:
  [[nodiscard]] Tensor operator()(const Shape& shape, DType dtype = float32) const override;
  [[nodiscard]] std::string name() const override { return "ones"; }
};
/// Every element `value` (any dtype).
class Constant : public Initializer {
 public:
  explicit Constant(double value = 0.0) : value_(value) {}
  [[nodiscard]] Tensor operator()(const Shape& shape, DType dtype = float32) const override;
  [[nodiscard]] std::string name() const override { return "constant"; }
  [[nodiscard]] nlohmann::json get_config() const override;

 private:
  double value_;
};

/// An initializer given to a layer: an Initializer object or a Keras name ("glorot_uniform",
/// "glorot_normal", "he_normal", "he_uniform", "lecun_normal", "lecun_uniform", "random_normal",
/// "random_uniform", "truncated_normal", "variance_scaling", "orthogonal", "zeros", "ones",
/// "constant", Keras's aliases "normal", "uniform", "zero", "one", or a class name such as
/// "GlorotUniform"), built with the defaults. An unknown name is a ValueError listing the names.
class InitializerRef {
 public:
  template <class T>
  requires std::derived_from<T, Initializer> InitializerRef(T initializer)  // NOLINT: implicit
      : ptr_(std::make_shared<T>(std::move(initializer))) {}
  InitializerRef(std::shared_ptr<Initializer> initializer)  // NOLINT: implicit
      : ptr_(std::move(initializer)) {}
  InitializerRef(const char* name);         // NOLINT: implicit, like Keras's strings
  InitializerRef(const std::string& name);  // NOLINT
  InitializerRef() = default;
  [[nodiscard]] const std::shared_ptr<Initializer>& get() const { return ptr_; }
  [[nodiscard]] bool defined() const { return ptr_ != nullptr; }

 private:
  std::shared_ptr<Initializer> ptr_;
};

/// The snake_case names InitializerRef accepts (aliases and class names not included).
[[nodiscard]] std::vector<std::string> names();

/// Keras's serialized form, as layers' get_config() holds it: {"module": "keras.initializers",
/// "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null}.
[[nodiscard]] nlohmann::json serialize(const InitializerRef& initializer);
/// The initializer a serialize() result describes (Keras's from_config: missing config keys take
/// their defaults); a name string is also accepted. A class nabla does not know (a custom
/// initializer) is a ValueError.
[[nodiscard]] std::shared_ptr<Initializer> deserialize(const nlohmann::json& serialized);

}  // namespace nabla::nn::initializers
