// CUDA kernel of the matmul core op: batched products with broadcast batch dims, as the CPU
// kernel (backend/cpu/contraction_kernels.cpp). float32, float64, complex64 and complex128 go
// through cuBLAS's cublasGemmStridedBatchedEx, reading each operand in place whenever one of its
// matrix dims has unit stride (a transposed view is a transpose flag); integers and bool take
// nabla's own kernel (integer_matmul.cu).
//
// Why cublasGemmStridedBatchedEx and not cublasLtMatmul: the core op has no epilogue (bias,
// activation) for cuBLASLt to fuse, and the Ex call covers all four dtypes, a broadcast operand
// (batch stride 0) and the TF32 choice (its compute type) in one stateless call on a shared
// handle, with no descriptors, heuristics or workspace to create and cache per shape. Its 64-bit
// variant (_64) takes sizes and leading dims beyond 2^31 - 1.
#ifdef NABLA_HAVE_CUDA
#include <algorithm>
#include <complex>
#include <optional>
#include <type_traits>

#include "backend/cuda/cublas_handle.hpp"
#include "backend/cuda/cuda_context.hpp"
#include "backend/cuda/kernels.hpp"
#include "backend/cuda/matmul_plan.hpp"
#include "nabla/cuda.hpp"

namespace nabla::cuda {
namespace {

/// How cuBLAS reads one operand in place. cuBLAS is column-major: a row-major matrix X with
/// unit column stride is, as cuBLAS sees memory, X^T with leading dim = X's row stride (op N),
/// and one with unit row stride is X itself with leading dim = X's column stride (op T).
struct GemmOperand {
  cublasOperation_t op = CUBLAS_OP_N;
  int64_t ld = 1;
};

/// The in-place description of a rows x cols operand, or nothing when neither matrix dim has
/// unit stride, or the other stride is negative, zero or overlapping (leading dim < extent). A
/// size-1 dim's stride is irrelevant, so single rows and columns always qualify.
std::optional<GemmOperand> gemm_operand(int64_t rows, int64_t cols, MatrixStrides s) {
  if (cols == 1 || s.col == 1) {
    const int64_t ld = rows == 1 ? std::max<int64_t>(cols, 1) : s.row;
    if (ld >= std::max<int64_t>(cols, 1)) return GemmOperand{CUBLAS_OP_N, ld};
  }
  if (rows == 1 || s.row == 1) {
    const int64_t ld = cols == 1 ? std::max<int64_t>(rows, 1) : s.col;
    if (ld >= std::max<int64_t>(rows, 1)) return GemmOperand{CUBLAS_OP_T, ld};
  }
  return std::nullopt;
}

/// Kernels cannot call ops, so an operand cuBLAS cannot read in place cannot be packed here: the
/// op layer must hand such operands over contiguous. Names the operand and its layout.
void require_in_place(bool in_place, const Tensor& operand, const char* name) {
  NABLA_CHECK(in_place, DeviceError,
              "matmul: on CUDA an operand's matrix (its last two dims) needs stride 1 in one of "
              "them and a leading stride >= the other's extent (a transposed view is fine); ",
              name, " ", operand.shape(), " has strides ", Shape(operand.strides()),
              ": make it contiguous first");
}

/// cuBLAS's element type and compute type for T. float32 uses TF32 tensor cores only when
/// cuda::allow_tf32() says so (off by default: results then match the CPU's to float32
/// rounding); complex64 always computes in full float32, since the switch is documented for
/// float32 products only.
template <class T>
struct GemmTypes;
template <>
struct GemmTypes<float> {
  static constexpr cudaDataType data = CUDA_R_32F;
  static cublasComputeType_t compute() {
    return allow_tf32() ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
  }
};
template <>
struct GemmTypes<double> {
  static constexpr cudaDataType data = CUDA_R_64F;
  static cublasComputeType_t compute() { return CUBLAS_COMPUTE_64F; }
};
template <>
struct GemmTypes<std::complex<float>> {
  static constexpr cudaDataType data = CUDA_C_32F;
  static cublasComputeType_t compute() { return CUBLAS_COMPUTE_32F; }
};
template <>
struct GemmTypes<std::complex<double>> {
  static constexpr cudaDataType data = CUDA_C_64F;
  static cublasComputeType_t compute() { return CUBLAS_COMPUTE_64F; }
};

/// out = a @ b through cuBLAS. Row-major C = A B is column-major C^T = B^T A^T, so b is cuBLAS's
/// first operand and a its second, and C^T (m x n, leading dim m) is out's row-major memory.
template <class T>
void cublas_matmul(const Tensor& a, const Tensor& b, const Tensor& out, const MatmulPlan& plan) {
  const std::optional<GemmOperand> ga = gemm_operand(plan.n, plan.k, plan.a);
  const std::optional<GemmOperand> gb = gemm_operand(plan.k, plan.m, plan.b);
  require_in_place(ga.has_value(), a, "a");
  require_in_place(gb.has_value(), b, "b");
  const cublasHandle_t handle = cublas_handle(out.device());  // also makes the device current
  const T one(1), zero(0);  // host pointer mode: read when the call is queued
  constexpr cudaDataType type = GemmTypes<T>::data;
  const cublasComputeType_t compute = GemmTypes<T>::compute();
  const T* a_base = device_data<T>(a);
  const T* b_base = device_data<T>(b);
  T* out_base = device_data<T>(out);
  plan.for_each_call([&](int64_t a_offset, int64_t b_offset, int64_t out_offset) {
    check(cublasGemmStridedBatchedEx_64(handle, gb->op, ga->op, plan.m, plan.n, plan.k, &one,
                                        b_base + b_offset, type, gb->ld, plan.inner.b,
                                        a_base + a_offset, type, ga->ld, plan.inner.a, &zero,
                                        out_base + out_offset, type, plan.m, plan.inner.out,
                                        plan.inner.extent, compute, CUBLAS_GEMM_DEFAULT),
          "matmul: cublasGemmStridedBatchedEx");
  });
}

/// inputs: a [..., n, k], b [..., k, m] of one dtype (batch dims broadcast), any strides;
/// output: [broadcast batch..., n, m], contiguous.
void matmul_kernel(const KernelContext& ctx) {
  const Tensor& a = ctx.inputs[0];
  const Tensor& b = ctx.inputs[1];
  const Tensor& out = ctx.outputs[0];
  NABLA_ASSERT(out.is_contiguous(), "matmul: the CUDA kernel writes a contiguous output");
  if (out.numel() == 0) return;
  const MatmulPlan plan(a, b, out);
  if (plan.k == 0) {  // empty sums: all zeros (all-zero bytes in every dtype)
    select(out.device());
    check(cudaMemsetAsync(device_data(out), 0, static_cast<size_t>(out.numel()) * out.itemsize(),
                          stream(out.device())),
          "matmul: cudaMemsetAsync");
    return;
  }
  visit_dtype_with_complex(out.dtype(), [&]<class T>(T) {
    if constexpr (std::is_floating_point_v<T> || is_complex_v<T>) {
      cublas_matmul<T>(a, b, out, plan);
    } else {
      integer_matmul(a, b, out, plan);
    }
  });
}

}  // namespace

void register_contraction_kernels(KernelTable& table) {
  table.add("matmul", DeviceKind::CUDA, &matmul_kernel);
}

}  // namespace nabla::cuda
#endif
