// CPU kernel of fused_elementwise: one pass over the output in blocks that stay in L1. Per block,
// each input is read (or gathered, when strided or broadcast) once, and every instruction runs
// over the block with the scalar functor its unfused kernel uses, so the results are
// bit-identical to running the ops one by one.
#include <algorithm>
#include <utility>
#include <vector>

#include "backend/cpu/kernels.hpp"
#include "backend/cpu/strided_loop.hpp"
#include "backend/fused_elementwise_program.hpp"

namespace nabla::cpu {
namespace {

/// Elements per block: 512 floats or doubles per temporary (2-4 KiB), a handful of them live.
constexpr int64_t kBlock = 512;
constexpr size_t kMaxValues = fused::kMaxInputs + fused::kMaxInstructions;

template <class T>
using BlockFn = void (*)(int64_t n, T* out, const T* a, const T* b);

/// One instruction over a block, with the elementwise kernels' own expressions.
template <class Functor, int Arity, class T>
void run_block(int64_t n, T* out, const T* a, const T* b) {
  if constexpr (Arity == 1) {
    for (int64_t i = 0; i < n; ++i) out[i] = Functor{}(a[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<T>(Functor{}(a[i], b[i]));
  }
}

template <int64_t Opcode, class Functor, int Arity, class T>
constexpr void set_block(std::array<BlockFn<T>, fused::kNumOps>& table) {
  if constexpr (Opcode >= 0) {
    static_assert(fused::kOps[Opcode].arity == Arity);
    table[Opcode] = &run_block<Functor, Arity, T>;
  }
}

/// Opcode -> block function, generated from elementwise_ops.def like the opcode table itself.
template <class T>
constexpr std::array<BlockFn<T>, fused::kNumOps> block_functions() {
  std::array<BlockFn<T>, fused::kNumOps> table{};
#define NABLA_UNARY_OP(name, Functor, A) \
  set_block<fused::opcode_of(#name), scalar::Functor, 1, T>(table);
#define NABLA_BINARY_OP(name, Functor, A, R) \
  set_block<fused::opcode_of(#name), scalar::Functor, 2, T>(table);
#include "backend/elementwise_ops.def"
  return table;
}

/// Where each value lives during a block: inputs read in place (unit stride) or gathered into a
/// scratch slot; each instruction's result in a slot, reused once its last reader has run. Fixed
/// arrays: a kernel call allocates nothing for its plan.
struct BlockPlan {
  int64_t num_inputs = 0, count = 0;
  std::array<int64_t, fused::kMaxInstructions> opcodes{}, lhs{}, rhs{};
  std::array<int64_t, kMaxValues> slot{};  // per value (inputs, then results); -1: in place
  int64_t num_slots = 0;
  bool output_in_place = false;  // the last instruction writes straight into the output
};

template <size_t N>
BlockPlan plan_blocks(const std::vector<int64_t>& program,
                      const std::array<int64_t, N>& inner_strides) {
  BlockPlan plan;
  plan.num_inputs = static_cast<int64_t>(N) - 1;
  plan.count = static_cast<int64_t>(program.size()) / fused::kInstructionSize;
  std::array<int64_t, kMaxValues> last_read;
  last_read.fill(-1);
  for (size_t j = 0; j < static_cast<size_t>(plan.count); ++j) {
    plan.opcodes[j] = program[3 * j];
    plan.lhs[j] = program[3 * j + 1];
    plan.rhs[j] = program[3 * j + 2];
    last_read[static_cast<size_t>(plan.lhs[j])] = static_cast<int64_t>(j);
    if (plan.rhs[j] >= 0) last_read[static_cast<size_t>(plan.rhs[j])] = static_cast<int64_t>(j);
  }
  plan.slot.fill(-1);
  for (size_t r = 0; r + 1 < N; ++r) {
    if (inner_strides[r + 1] != 1) plan.slot[r] = plan.num_slots++;  // gathered per block
  }
  plan.output_in_place = inner_strides[0] == 1;
  std::array<int64_t, kMaxValues> free_slots{};
  size_t num_free = 0;
  for (int64_t j = 0; j < plan.count; ++j) {
    const auto at = static_cast<size_t>(j);
    if (j + 1 < plan.count || !plan.output_in_place) {
      // A fresh slot, not an operand's: a block function whose output aliases an input would not
      // vectorise (the compiler's overlap check fails).
      plan.slot[plan.num_inputs + at] = num_free > 0 ? free_slots[--num_free] : plan.num_slots++;
    }
    for (int64_t operand : {plan.lhs[at], plan.rhs[at]}) {
      if (operand < plan.num_inputs || last_read[static_cast<size_t>(operand)] != j) continue;
      free_slots[num_free++] = plan.slot[static_cast<size_t>(operand)];
      last_read[static_cast<size_t>(operand)] = -1;  // freed once when both operands are equal
    }
  }
  return plan;
}

/// Scratch of `n` elements owned by the calling thread; grows, never shrinks, so blocks allocate
/// nothing once a thread has run the largest program.
template <class T>
T* scratch(size_t n) {
  thread_local std::vector<T> buffer;
  if (buffer.size() < n) buffer.resize(n);
  return buffer.data();
}

/// One row of the output (n elements; per operand, the output then the N - 1 inputs, its first
/// element and its stride), block by block: the inputs into place, then every instruction.
template <class T, size_t N>
void run_row(const BlockPlan& plan, int64_t n, const std::array<char*, N>& pointers,
             const std::array<int64_t, N>& strides) {
  static constexpr std::array<BlockFn<T>, fused::kNumOps> kBlockFunctions = block_functions<T>();
  T* const slots = scratch<T>(static_cast<size_t>(plan.num_slots * kBlock));
  auto slot_of = [&](size_t value) { return slots + plan.slot[value] * kBlock; };
  std::array<const T*, kMaxValues> values{};
  T* const out = reinterpret_cast<T*>(pointers[0]);
  for (int64_t start = 0; start < n; start += kBlock) {
    const int64_t len = std::min(kBlock, n - start);
    for (size_t r = 0; r + 1 < N; ++r) {
      const int64_t stride = strides[r + 1];
      const T* src = reinterpret_cast<const T*>(pointers[r + 1]) + start * stride;
      if (stride == 1) {
        values[r] = src;
        continue;
      }
      T* dst = slot_of(r);
      values[r] = dst;
      if (stride == 0) {  // broadcast along the row: the same block for the whole row
        if (start == 0) std::fill(dst, dst + std::min(kBlock, n), *src);
      } else {
        for (int64_t i = 0; i < len; ++i) dst[i] = src[i * stride];
      }
    }
    for (size_t j = 0; j < static_cast<size_t>(plan.count); ++j) {
      const size_t value = N - 1 + j;
      const bool direct = j + 1 == static_cast<size_t>(plan.count) && plan.output_in_place;
      T* result = direct ? out + start : slot_of(value);
      const T* rhs = plan.rhs[j] >= 0 ? values[static_cast<size_t>(plan.rhs[j])] : nullptr;
      kBlockFunctions[static_cast<size_t>(plan.opcodes[j])](
          len, result, values[static_cast<size_t>(plan.lhs[j])], rhs);
      values[value] = result;
    }
    if (!plan.output_in_place) {
      const T* result = values[N - 2 + static_cast<size_t>(plan.count)];
      for (int64_t i = 0; i < len; ++i) out[(start + i) * strides[0]] = result[i];
    }
  }
}

/// The loop for N - 1 inputs: the strided plan and the row walk are per operand, so they are
/// instantiated for each input count rather than padded to the maximum.
template <class T, size_t N>
void fused_loop(const KernelContext& ctx) {
  const Tensor& out = ctx.outputs[0];
  std::array<const Tensor*, N> operands;
  operands[0] = &out;
  for (size_t r = 0; r + 1 < N; ++r) operands[r + 1] = &ctx.inputs[r];
  const auto strided = make_plan<N>(out.shape(), operands);
  std::array<int64_t, N> inner_strides;
  for (size_t k = 0; k < N; ++k) inner_strides[k] = strided.strides[k].back();
  const BlockPlan plan =
      plan_blocks<N>(ctx.attrs.get<std::vector<int64_t>>("program"), inner_strides);
  for_each_row(
      strided, kElementwiseGrain,
      [&](int64_t n, const std::array<char*, N>& pointers, const std::array<int64_t, N>& strides) {
        run_row<T, N>(plan, n, pointers, strides);
      });
}

/// Input count - 1 -> loop, for 1 to kMaxInputs inputs.
template <class T, size_t... I>
constexpr auto loops(std::index_sequence<I...>) {
  return std::array<Kernel, sizeof...(I)>{&fused_loop<T, I + 2>...};
}

void fused_elementwise_kernel(const KernelContext& ctx) {
  static constexpr auto kFloatLoops = loops<float>(std::make_index_sequence<fused::kMaxInputs>());
  static constexpr auto kDoubleLoops = loops<double>(std::make_index_sequence<fused::kMaxInputs>());
  const size_t index = ctx.inputs.size() - 1;  // infer checked 1 to kMaxInputs inputs
  (ctx.outputs[0].dtype() == DType::Float32 ? kFloatLoops : kDoubleLoops)[index](ctx);
}

}  // namespace

void register_fused_elementwise_kernels(KernelTable& table) {
  table.add("fused_elementwise", DeviceKind::CPU, &fused_elementwise_kernel);
}

}  // namespace nabla::cpu
