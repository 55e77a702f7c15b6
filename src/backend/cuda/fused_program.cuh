// fused_elementwise's program as the CUDA kernel runs it: each value (input or instruction
// result) in a slot of a small per-thread array, slots reused once a value's last reader has
// run, and one element's result computed by walking the instructions with the scalar functors of
// the unfused kernels. Host and device code (NABLA_HOST_DEVICE), so that a machine without a GPU
// can check the interpreter against the CPU kernel.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "backend/cuda/strided_index.cuh"
#include "backend/fused_elementwise_program.hpp"
#include "backend/scalar_functors.hpp"

namespace nabla::cuda::fused_program {

/// A value needs at most one slot: the inputs and every instruction's result.
inline constexpr int kMaxSlots = static_cast<int>(fused::kMaxInputs + fused::kMaxInstructions);
/// An input no instruction reads: it is never loaded.
inline constexpr uint8_t kNoSlot = 0xFF;
static_assert(kMaxSlots < kNoSlot && fused::kNumOps <= 0xFF, "slots and opcodes fit in a byte");

/// One instruction: out = op(slot lhs, slot rhs); unary ops read rhs == lhs and ignore it, so
/// every instruction reads two slots with no branch.
struct Instruction {
  uint8_t opcode, lhs, rhs, out;
};

/// What a kernel launch needs to know of the program: 4 bytes an instruction, 140 in all, so it
/// travels by value as a kernel parameter (no device copy, no synchronisation).
struct Program {
  int32_t count = 0;
  uint8_t input_slot[fused::kMaxInputs] = {};
  Instruction code[fused::kMaxInstructions] = {};
};

/// Slots for a program that passed the op's validation (values: inputs 0..num_inputs - 1, then
/// the results). A value's slot is freed after its last reader, before that reader's result takes
/// one, so a chain ping-pongs between few slots: the per-thread array then touches few cache
/// lines. A result nothing reads gives its slot back at once.
inline Program plan(const std::vector<int64_t>& program, int64_t num_inputs) {
  Program p;
  p.count = static_cast<int32_t>(program.size() / fused::kInstructionSize);
  const auto values = static_cast<size_t>(num_inputs + p.count);
  std::array<int64_t, kMaxSlots> last_read;
  last_read.fill(-1);
  for (int64_t j = 0; j < p.count; ++j) {
    for (size_t i = 1; i < 3; ++i) {
      const int64_t operand = program[static_cast<size_t>(3 * j) + i];
      if (operand >= 0) last_read[static_cast<size_t>(operand)] = j;
    }
  }
  std::array<uint8_t, kMaxSlots> slot{}, free_slots{};
  size_t num_free = 0;
  uint8_t fresh = 0;
  auto take = [&] { return num_free > 0 ? free_slots[--num_free] : fresh++; };
  for (size_t r = 0; r < static_cast<size_t>(num_inputs); ++r) {
    slot[r] = last_read[r] >= 0 ? take() : kNoSlot;
    p.input_slot[r] = slot[r];
  }
  for (int64_t j = 0; j < p.count; ++j) {
    const auto at = static_cast<size_t>(3 * j);
    const auto lhs = static_cast<size_t>(program[at + 1]);
    const int64_t rhs = program[at + 2];
    Instruction& in = p.code[static_cast<size_t>(j)];
    in.opcode = static_cast<uint8_t>(program[at]);
    in.lhs = slot[lhs];
    in.rhs = rhs >= 0 ? slot[static_cast<size_t>(rhs)] : in.lhs;
    for (int64_t operand : {static_cast<int64_t>(lhs), rhs}) {
      if (operand < 0 || last_read[static_cast<size_t>(operand)] != j) continue;
      free_slots[num_free++] = slot[static_cast<size_t>(operand)];
      last_read[static_cast<size_t>(operand)] = -1;  // freed once when both operands are equal
    }
    const size_t value = static_cast<size_t>(num_inputs + j);
    slot[value] = take();
    in.out = slot[value];
    if (value + 1 < values && last_read[value] < 0) free_slots[num_free++] = slot[value];
  }
  return p;
}

/// Every op of elementwise_ops.def, in order: with it, each row of the .def gets a distinct case
/// label in apply's switch, its opcode for a fused op, a number below -1 for any other.
inline constexpr std::string_view kDefRows[] = {
#define NABLA_UNARY_OP(name, Functor, A) #name,
#define NABLA_BINARY_OP(name, Functor, A, R) #name,
#include "backend/elementwise_ops.def"
};

[[nodiscard]] constexpr int case_label(std::string_view name) {
  const int64_t opcode = fused::opcode_of(name);
  if (opcode >= 0) return static_cast<int>(opcode);
  int row = 0;
  while (kDefRows[row] != name) ++row;
  return -2 - row;
}

/// `Functor` on one element, with the unfused kernels' expressions, so the results are theirs.
/// An op outside the instruction set (Opcode -1) is never reached and instantiates nothing.
template <int64_t Opcode, class Functor, int Arity, class T>
NABLA_HOST_DEVICE inline T run(T a, T b) {
  if constexpr (Opcode >= 0) {
    static_assert(fused::kOps[Opcode].arity == Arity);
    if constexpr (Arity == 1) {
      return Functor{}(a);
    } else {
      return static_cast<T>(Functor{}(a, b));
    }
  }
  return a;
}

/// One instruction on one element. Every thread of a launch runs the same opcode, so the branch
/// never diverges; a switch, which nvcc makes a binary search over the opcodes (about five
/// compares) where a chain of ifs would cost one compare per opcode before it.
template <class T>
NABLA_HOST_DEVICE inline T apply(int opcode, T a, T b) {
  switch (opcode) {
#define NABLA_UNARY_OP(name, Functor, A) \
  case case_label(#name):                \
    return run<fused::opcode_of(#name), scalar::Functor, 1>(a, b);
#define NABLA_BINARY_OP(name, Functor, A, R) \
  case case_label(#name):                    \
    return run<fused::opcode_of(#name), scalar::Functor, 2>(a, b);
#include "backend/elementwise_ops.def"
    default:
      return a;
  }
}

/// The program's result at one element; load(r) reads input r there (N inputs). Every result is
/// a T, as the unfused kernels store it. The slots are indexed at run time, so they live in the
/// thread's local memory (in L1: the planned slots of a warp are a few cache lines) and the
/// compiler cannot see which result an instruction reads: no multiply-add is contracted across
/// two instructions, as none is across two unfused kernels.
template <class T, int N, class Load>
NABLA_HOST_DEVICE inline T evaluate(const Program& program, const Load& load) {
  T slots[kMaxSlots];
#ifdef __CUDA_ARCH__
#pragma unroll
#endif
  for (int r = 0; r < N; ++r) {
    if (program.input_slot[r] != kNoSlot) slots[program.input_slot[r]] = load(r);
  }
  uint8_t out = 0;
  for (int32_t j = 0; j < program.count; ++j) {
    const Instruction in = program.code[j];
    slots[in.out] = apply<T>(in.opcode, slots[in.lhs], slots[in.rhs]);
    out = in.out;
  }
  return slots[out];
}

/// Addresses of the output and the N inputs' element [0, ..., 0].
template <class T, int N>
struct Operands {
  T* out;
  const T* in[N];
};

/// Output element i when every operand is contiguous (OffsetCalc::contiguous): one thread's work.
template <class T, int N>
NABLA_HOST_DEVICE inline void contiguous_element(const Operands<T, N>& operands,
                                                 const Program& program, int64_t i) {
  operands.out[i] = evaluate<T, N>(program, [&](int r) { return operands.in[r][i]; });
}

/// Output element i through the operands' strides (output first): one thread's work. The output
/// may be a donated input of the same layout: its element is read before it is written.
template <class T, int N>
NABLA_HOST_DEVICE inline void strided_element(const Operands<T, N>& operands,
                                              const OffsetCalc<N + 1>& calc, const Program& program,
                                              int64_t i) {
  const Offsets<N + 1> o = calc.get(i);
  operands.out[o.at[0]] =
      evaluate<T, N>(program, [&](int r) { return operands.in[r][o.at[r + 1]]; });
}

}  // namespace nabla::cuda::fused_program
