// Keras 3's weight regularizers, written with ops so the penalty is differentiated with the loss.
#include "nabla/nn/regularizers.hpp"

#include <cmath>

#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/reduction.hpp"
#include "nabla/util/error.hpp"
#include "nn/config_util.hpp"

namespace nabla::nn::regularizers {
namespace {

/// Keras's validate_float_arg: a factor is a non-negative finite number.
void check_factor(double value, const char* regularizer, const char* argument) {
  NABLA_CHECK(std::isfinite(value) && value >= 0, ValueError, regularizer, ": ", argument,
              " must be a non-negative finite number, got ", value);
}

Tensor l1_term(const Tensor& weight, double factor) { return sum(abs(weight)) * factor; }
Tensor l2_term(const Tensor& weight, double factor) { return sum(square(weight)) * factor; }

}  // namespace

Regularizer::~Regularizer() = default;

nlohmann::json Regularizer::get_config() const { return nlohmann::json::object(); }

L1::L1(L1Options options) : options_(options) { check_factor(options_.l1, "L1", "l1"); }
Tensor L1::operator()(const Tensor& weight) const { return l1_term(weight, options_.l1); }
nlohmann::json L1::get_config() const { return {{"l1", options_.l1}}; }

L2::L2(L2Options options) : options_(options) { check_factor(options_.l2, "L2", "l2"); }
Tensor L2::operator()(const Tensor& weight) const { return l2_term(weight, options_.l2); }
nlohmann::json L2::get_config() const { return {{"l2", options_.l2}}; }

L1L2::L1L2(L1L2Options options) : options_(options) {
  check_factor(options_.l1, "L1L2", "l1");
  check_factor(options_.l2, "L1L2", "l2");
}
Tensor L1L2::operator()(const Tensor& weight) const {
  if (options_.l1 != 0 && options_.l2 != 0) {
    return l1_term(weight, options_.l1) + l2_term(weight, options_.l2);
  }
  if (options_.l1 != 0) return l1_term(weight, options_.l1);
  if (options_.l2 != 0) return l2_term(weight, options_.l2);
  return scalar_tensor(0.0, weight.dtype(), weight.device());  // no penalty (Keras: a constant 0)
}
nlohmann::json L1L2::get_config() const { return {{"l1", options_.l1}, {"l2", options_.l2}}; }

namespace {

std::shared_ptr<Regularizer> from_name(const std::string& name) {
  if (name.empty()) return nullptr;
  if (name == "l1" || name == "L1") return std::make_shared<L1>();
  if (name == "l2" || name == "L2") return std::make_shared<L2>();
  // Keras documents the string "l1_l2" as l1 = l2 = 0.01; the class default is 0 for both.
  if (name == "l1_l2") return std::make_shared<L1L2>(L1L2Options{.l1 = 0.01, .l2 = 0.01});
  if (name == "L1L2") return std::make_shared<L1L2>();
  NABLA_CHECK(false, ValueError, "regularizers: unknown regularizer '", name,
              "'; expected one of: l1, l2, l1_l2");
  return nullptr;
}

}  // namespace

RegularizerRef::RegularizerRef(const char* name) : ptr_(from_name(name)) {}
RegularizerRef::RegularizerRef(const std::string& name) : ptr_(from_name(name)) {}

nlohmann::json serialize(const RegularizerRef& regularizer) {
  if (!regularizer.defined()) return nullptr;
  const Regularizer& reg = *regularizer.get();
  // A custom regularizer keeps its own name: deserialize() then says it does not know it.
  const std::string name = reg.name();
  const std::string class_name = name == "l1"      ? "L1"
                                 : name == "l2"    ? "L2"
                                 : name == "l1_l2" ? "L1L2"
                                                   : name;
  return {{"module", "keras.regularizers"},
          {"class_name", class_name},
          {"config", reg.get_config()},
          {"registered_name", nullptr}};
}

RegularizerRef deserialize(const nlohmann::json& serialized) {
  if (serialized.is_null()) return {};
  if (serialized.is_string()) return from_name(serialized.get<std::string>());
  constexpr std::string_view who = "regularizers.deserialize";
  detail::check_config_object(serialized, who);
  const auto class_name = detail::config_require<std::string>(serialized, "class_name", who);
  const auto config = serialized.value("config", nlohmann::json::object());
  const std::string from_config = class_name + ".from_config";
  detail::check_config_object(config, from_config);
  // Keras's from_config: missing keys take the class's defaults.
  if (class_name == "L1" || class_name == "l1") {
    return L1(detail::config_get(config, "l1", L1Options{}.l1, from_config));
  }
  if (class_name == "L2" || class_name == "l2") {
    return L2(detail::config_get(config, "l2", L2Options{}.l2, from_config));
  }
  if (class_name == "L1L2" || class_name == "l1_l2") {
    return L1L2({.l1 = detail::config_get(config, "l1", L1L2Options{}.l1, from_config),
                 .l2 = detail::config_get(config, "l2", L1L2Options{}.l2, from_config)});
  }
  NABLA_CHECK(false, ValueError, "regularizers: unknown regularizer '", class_name,
              "'; expected one of: L1, L2, L1L2");
  return {};
}

}  // namespace nabla::nn::regularizers
