// The instruction set of fused_elementwise: the elementwise ops of elementwise_ops.def whose result
// has their inputs' dtype and that take floating inputs, numbered in .def order. Shared by the op
// (validation, VJP), the CPU kernel (one block function per opcode) and the graph fusion pass.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "backend/scalar_functors.hpp"

namespace nabla::fused {

/// Limits of one fused_elementwise call: the per-thread scratch holds one block per input and
/// per live intermediate, so both stay small.
inline constexpr int64_t kMaxInputs = 8;
inline constexpr int64_t kMaxInstructions = 32;

/// A program is a flat list of instructions [opcode, a, b]; b = -1 for unary ops. An operand
/// r < k (k inputs) is input r, r >= k the result of instruction r - k; the last result is the
/// output.
inline constexpr int64_t kInstructionSize = 3;

struct OpInfo {
  std::string_view name;
  int arity = 0;
};

[[nodiscard]] constexpr bool fusable_unary(scalar::Accepts accepts) {
  return accepts != scalar::Accepts::Boolean;
}
[[nodiscard]] constexpr bool fusable_binary(scalar::Accepts accepts, scalar::Result result) {
  return accepts != scalar::Accepts::Boolean && result == scalar::Result::Same;
}

namespace detail {
[[nodiscard]] constexpr size_t count_ops() {
  size_t n = 0;
#define NABLA_UNARY_OP(name, Functor, A) n += fusable_unary(scalar::Accepts::A) ? 1 : 0;
#define NABLA_BINARY_OP(name, Functor, A, R) \
  n += fusable_binary(scalar::Accepts::A, scalar::Result::R) ? 1 : 0;
#include "backend/elementwise_ops.def"
  return n;
}
}  // namespace detail

inline constexpr size_t kNumOps = detail::count_ops();

/// Opcode -> op name and arity.
inline constexpr std::array<OpInfo, kNumOps> kOps = [] {
  std::array<OpInfo, kNumOps> ops{};
  size_t n = 0;
#define NABLA_UNARY_OP(name, Functor, A) \
  if (fusable_unary(scalar::Accepts::A)) ops[n++] = OpInfo{#name, 1};
#define NABLA_BINARY_OP(name, Functor, A, R) \
  if (fusable_binary(scalar::Accepts::A, scalar::Result::R)) ops[n++] = OpInfo{#name, 2};
#include "backend/elementwise_ops.def"
  return ops;
}();

/// The opcode of the op called `name`, or -1 when fused_elementwise cannot run it.
[[nodiscard]] constexpr int64_t opcode_of(std::string_view name) {
  for (size_t i = 0; i < kNumOps; ++i) {
    if (kOps[i].name == name) return static_cast<int64_t>(i);
  }
  return -1;
}

}  // namespace nabla::fused
