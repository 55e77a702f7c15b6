// to_device on CUDA: copies between the CPU and a GPU, or between GPUs. Tensor::to hands the
// kernel contiguous tensors, so every copy is one block of bytes.
#ifdef NABLA_HAVE_CUDA
#include "backend/cuda/cuda_context.hpp"
#include "backend/cuda/kernels.hpp"
#include "backend/cuda/pinned_staging.hpp"

namespace nabla::cuda {
namespace {

void to_device_kernel(const KernelContext& ctx) {
  const Tensor& in = ctx.inputs[0];
  const Tensor& out = ctx.outputs[0];
  const size_t bytes = static_cast<size_t>(in.numel()) * in.itemsize();
  const Device from = in.device();
  const Device to = out.device();
  if (from.is_cpu()) {  // host to GPU: asynchronous, through pinned staging
    copy_to_device_staged(device_data(out), in.data_ptr(), bytes, to);
  } else if (to.is_cpu()) {  // GPU to host: after the work queued on the GPU, and waited for
    const cudaStream_t s = stream(from);
    check(cudaMemcpyAsync(out.data_ptr(), device_data(in), bytes, cudaMemcpyDeviceToHost, s),
          "to_device: cudaMemcpyAsync");
    check(cudaStreamSynchronize(s), "to_device: cudaStreamSynchronize");
  } else if (from == to) {
    check(cudaMemcpyAsync(device_data(out), device_data(in), bytes, cudaMemcpyDeviceToDevice,
                          stream(from)),
          "to_device: cudaMemcpyAsync");
  } else {
    // Between GPUs: the destination block may still be read by work queued on its device (the
    // caching allocator reuses blocks), and later work there must see the copy. Waiting on both
    // streams keeps that simple; copies between GPUs are rare in single-device training.
    check(cudaStreamSynchronize(stream(to)), "to_device: cudaStreamSynchronize");
    const cudaStream_t s = stream(from);
    check(cudaMemcpyPeerAsync(device_data(out), to.index, device_data(in), from.index, bytes, s),
          "to_device: cudaMemcpyPeerAsync");
    check(cudaStreamSynchronize(s), "to_device: cudaStreamSynchronize");
  }
}

}  // namespace

void register_copy_kernels(KernelTable& table) {
  table.add("to_device", DeviceKind::CUDA, &to_device_kernel);
}

}  // namespace nabla::cuda
#endif
