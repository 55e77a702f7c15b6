// CUDA kernel of fused_elementwise (ops/fused_elementwise.hpp): one thread per output element
// (grid-stride) reads its element of every input, through an OffsetCalc when strided or
// broadcast, and interprets the program on it with the unfused kernels' scalar functors
// (fused_program.cuh), so each element is computed as the ops one by one compute it. With a sum
// (attribute "axes"), the value is computed the same way and the CUDA sum kernel reduces it: see
// Note [CUDA fused sums].

// The functors must be callable from kernels: this has to come before any include that may pull
// in scalar_functors.hpp or vector_math.hpp.
#define NABLA_HOST_DEVICE __host__ __device__

#include <array>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "backend/cuda/cuda_context.hpp"
#include "backend/cuda/fused_program.cuh"
#include "backend/cuda/kernels.hpp"
#include "backend/cuda/launch.cuh"
#include "backend/cuda/strided_index.cuh"

namespace nabla::cuda {
namespace {

constexpr char kName[] = "fused_elementwise";

// Note [CUDA fused sums]
// The CPU kernel adds the sum while it computes the value, in the CPU sum kernel's order, so its
// sum is bit-identical to the unfused graph's. Here the value is written out (into the value
// output when there is one, else into a temporary from the caching allocator) and the CUDA sum
// kernel, looked up in the kernel table, reduces it: the same bits as the unfused graph on CUDA,
// at the cost of one write and one read of the value, which the unfused graph pays too. Adding
// while computing would need the sum kernel's launch plan and tree, which reduction_kernels.cu
// keeps to itself; sharing them is the step to take if a benchmark shows the gain.

/// The program travels as a __grid_constant__ parameter: the instruction loop indexes it at run
/// time, which without the qualifier would make every thread copy it into local memory; with
/// it, threads read it where the launch put it (the constant bank, one broadcast per warp).
template <class T, int N>
__global__ void __launch_bounds__(kThreads)
    fused_kernel(fused_program::Operands<T, N> operands, OffsetCalc<N + 1> calc,
                 const __grid_constant__ fused_program::Program program, int64_t n) {
  if (calc.contiguous) {
    for (int64_t i = grid_index(); i < n; i += grid_stride()) {
      fused_program::contiguous_element<T, N>(operands, program, i);
    }
  } else {
    for (int64_t i = grid_index(); i < n; i += grid_stride()) {
      fused_program::strided_element<T, N>(operands, calc, program, i);
    }
  }
}

/// The program's value into `out` (any layout; it may be an input donated by the graph runner,
/// whose element each thread reads before it writes it) for N inputs.
template <class T, int N>
void launch(const Tensor& out, std::span<const Tensor> inputs,
            const fused_program::Program& program) {
  const int64_t n = out.numel();
  if (n == 0) return;
  std::array<const Tensor*, N + 1> tensors;
  tensors[0] = &out;
  fused_program::Operands<T, N> operands{};
  operands.out = device_data<T>(out);
  for (size_t r = 0; r < static_cast<size_t>(N); ++r) {
    tensors[r + 1] = &inputs[r];
    operands.in[r] = device_data<const T>(inputs[r]);
  }
  const OffsetCalc<N + 1> calc = make_offset_calc<N + 1>(out.shape(), tensors, kName);
  fused_kernel<T, N>
      <<<blocks_for(n), kThreads, 0, stream(out.device())>>>(operands, calc, program, n);
  check_launch(kName);
}

using Launch = void (*)(const Tensor&, std::span<const Tensor>, const fused_program::Program&);

/// Input count - 1 -> launcher, for 1 to kMaxInputs inputs: the offsets and loads are per
/// operand, so they are instantiated per count rather than padded to the maximum.
template <class T, size_t... I>
constexpr std::array<Launch, sizeof...(I)> launchers(std::index_sequence<I...>) {
  return {&launch<T, static_cast<int>(I + 1)>...};
}

void compute_value(const Tensor& value, std::span<const Tensor> inputs, const Attrs& attrs) {
  using Counts = std::make_index_sequence<fused::kMaxInputs>;
  static constexpr auto kFloat = launchers<float>(Counts());
  static constexpr auto kDouble = launchers<double>(Counts());
  const fused_program::Program program = fused_program::plan(
      attrs.get<std::vector<int64_t>>("program"), static_cast<int64_t>(inputs.size()));
  const size_t index = inputs.size() - 1;  // infer checked 1 to kMaxInputs inputs
  (value.dtype() == DType::Float32 ? kFloat : kDouble)[index](value, inputs, program);
}

/// The sum form (Note [CUDA fused sums]): output 0 the value when kept, the last output the sum.
void compute_sum(const KernelContext& ctx) {
  const bool keep_value = ctx.attrs.get<bool>("keep_value");
  const Tensor& sum = ctx.outputs.back();
  const Tensor value = keep_value
                           ? ctx.outputs[0]
                           : Tensor::empty(Shape(ctx.attrs.get<std::vector<int64_t>>("shape")),
                                           sum.dtype(), sum.device());
  compute_value(value, ctx.inputs, ctx.attrs);
  const Kernel sum_kernel = KernelTable::global().find("sum", DeviceKind::CUDA);
  NABLA_ASSERT(sum_kernel != nullptr, kName, ": the CUDA backend has no sum kernel");
  // The sum kernel reads "axes" (normalised, empty = all), the convention fused_elementwise
  // shares; its output's rank says whether the dims are kept.
  const Tensor operand[] = {value};
  sum_kernel(KernelContext{operand, ctx.outputs.last(1), ctx.attrs});
}

void fused_elementwise_kernel(const KernelContext& ctx) {
  const DType dtype = ctx.inputs[0].dtype();
  if (is_complex(dtype)) {  // the op's rule takes float32 and float64 only, so far
    throw DeviceError(detail::str_cat(kName, ": complex tensors are not supported on CUDA yet"));
  }
  if (ctx.attrs.has("axes")) {
    compute_sum(ctx);
  } else {
    compute_value(ctx.outputs[0], ctx.inputs, ctx.attrs);
  }
}

}  // namespace

void register_fused_elementwise_kernels(KernelTable& table) {
  table.add(kName, DeviceKind::CUDA, &fused_elementwise_kernel);
}

}  // namespace nabla::cuda
