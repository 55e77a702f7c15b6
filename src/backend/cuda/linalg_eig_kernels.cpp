// linalg_eig and linalg_eigvals on CUDA: run on the host by the CPU kernel (LAPACK's geev), with
// the input copied down and the outputs copied back, as PyTorch does for its CUDA eig.
//
// Why not cusolverDnXgeev: the nonsymmetric QR algorithm is sequential at heart (cuSOLVER's geev
// itself works partly on the host, through its host workspace), and geev's outputs are fixed only
// up to choices a second implementation makes differently: the order of the eigenvalues (the
// order in which the Hessenberg QR iteration deflates them) and each real eigenvector's sign
// (geev normalises to unit norm with the largest component real, which leaves +-1 open). No
// kernel can map cuSOLVER's choices onto LAPACK's afterwards; running LAPACK itself makes the
// CUDA results the CPU's exactly. The cost is a synchronisation of the device per call; eig has
// no gradient in nabla, so it never sits inside a training step.
#ifdef NABLA_HAVE_CUDA
#include <vector>

#include "backend/cuda/linalg_common.hpp"
#include "backend/cuda/linalg_device.hpp"
#include "backend/cuda/pinned_staging.hpp"

namespace nabla::cuda::linalg {
namespace {

/// Runs `op`'s CPU kernel on a host copy of ctx.inputs[0] (any dtype, any layout) and copies each
/// of its outputs into ctx.outputs on the device.
void run_on_host(const char* op, const KernelContext& ctx) {
  const Kernel cpu_kernel = KernelTable::global().find(op, DeviceKind::CPU);
  NABLA_CHECK(cpu_kernel != nullptr, DeviceError, op, ": no CPU kernel to run it on the host");
  const Tensor& a = ctx.inputs[0];
  const Device device = a.device();
  const cudaStream_t s = stream(device);
  const Tensor host_input = Tensor::empty(a.shape(), a.dtype(), Device::cpu());
  const size_t input_bytes = static_cast<size_t>(a.numel()) * a.itemsize();
  if (input_bytes > 0) {
    DeviceArray<char> packed;
    const void* source = device_data(a);
    if (!a.is_contiguous()) {
      packed = DeviceArray<char>(static_cast<int64_t>(input_bytes), device);
      const Matrices in = matrices_of(a);
      copy_matrices(
          a.dtype(),
          row_major(packed.get(), in.count(), in.rows, in.cols, in.cols, in.rows * in.cols), in, {},
          s);
      source = packed.get();
    }
    check(cudaMemcpyAsync(host_input.data_ptr(), source, input_bytes, cudaMemcpyDeviceToHost, s),
          "linalg_eig: cudaMemcpyAsync");
    check(cudaStreamSynchronize(s), "linalg_eig: cudaStreamSynchronize");
  }
  std::vector<Tensor> host_outputs;
  for (const Tensor& out : ctx.outputs) {
    host_outputs.push_back(Tensor::empty(out.shape(), out.dtype(), Device::cpu()));
  }
  cpu_kernel(KernelContext{std::span<const Tensor>(&host_input, 1), host_outputs, ctx.attrs});
  for (size_t i = 0; i < host_outputs.size(); ++i) {
    const size_t bytes = static_cast<size_t>(host_outputs[i].numel()) * host_outputs[i].itemsize();
    if (bytes > 0) {
      copy_to_device_staged(device_data(ctx.outputs[i]), host_outputs[i].data_ptr(), bytes, device);
    }
  }
}

// inputs: A [..., n, n] float32/float64/complex64/complex128; outputs: w [..., n] complex,
// V [..., n, n] complex (linalg_eig only), info [...] (Note [LAPACK status]).
void eig_kernel(const KernelContext& ctx) { run_on_host("linalg_eig", ctx); }
void eigvals_kernel(const KernelContext& ctx) { run_on_host("linalg_eigvals", ctx); }

}  // namespace

void register_eig_kernels(KernelTable& table) {
  table.add("linalg_eig", DeviceKind::CUDA, &eig_kernel);
  table.add("linalg_eigvals", DeviceKind::CUDA, &eigvals_kernel);
}

}  // namespace nabla::cuda::linalg
#endif
