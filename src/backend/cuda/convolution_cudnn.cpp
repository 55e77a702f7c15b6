// cuDNN calls of the convolution kernels (convolution_cudnn.hpp): descriptors, the algorithm
// cache and the batch-chunked calls.
#ifdef NABLA_HAVE_CUDA
#include "backend/cuda/convolution_cudnn.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "backend/cuda/convolution_algorithm.hpp"
#include "backend/cuda/cudnn_handle.hpp"
#include "nabla/cuda.hpp"
#include "nabla/tensor/storage.hpp"
#include "nabla/util/error.hpp"

namespace nabla::cuda {
namespace {

/// DeviceError "<op>: <call>: <cuDNN's message>" unless `status` is a success; the message is
/// only built on failure.
void check_call(cudnnStatus_t status, const char* op, const char* call) {
  if (status != CUDNN_STATUS_SUCCESS) check(status, detail::str_cat(op, ": ", call).c_str());
}

struct DescriptorDeleter {
  void operator()(cudnnTensorDescriptor_t d) const { (void)cudnnDestroyTensorDescriptor(d); }
  void operator()(cudnnFilterDescriptor_t d) const { (void)cudnnDestroyFilterDescriptor(d); }
  void operator()(cudnnConvolutionDescriptor_t d) const {
    (void)cudnnDestroyConvolutionDescriptor(d);
  }
};
using TensorDescriptor = std::unique_ptr<cudnnTensorStruct, DescriptorDeleter>;
using FilterDescriptor = std::unique_ptr<cudnnFilterStruct, DescriptorDeleter>;
using ConvolutionDescriptor = std::unique_ptr<cudnnConvolutionStruct, DescriptorDeleter>;

/// The descriptors of one call on `batch` samples: input x (or dx), output y (or dy).
struct Descriptors {
  TensorDescriptor input, output;
  FilterDescriptor filter;
  ConvolutionDescriptor conv;
};

cudnnDataType_t data_type(DType dtype) {
  return dtype == DType::Float32 ? CUDNN_DATA_FLOAT : CUDNN_DATA_DOUBLE;
}

TensorDescriptor tensor_descriptor(const char* op, const CudnnTensorParams& p,
                                   cudnnDataType_t type) {
  cudnnTensorDescriptor_t raw = nullptr;
  check_call(cudnnCreateTensorDescriptor(&raw), op, "cudnnCreateTensorDescriptor");
  TensorDescriptor d(raw);
  check_call(cudnnSetTensorNdDescriptor(raw, type, p.nb_dims, p.dims.data(), p.strides.data()), op,
             "cudnnSetTensorNdDescriptor");
  return d;
}

Descriptors make_descriptors(const char* op, const CudnnConvGeometry& g, int64_t batch,
                             cudnnDataType_t type) {
  Descriptors d;
  d.input = tensor_descriptor(op, cudnn_input_params(g, batch), type);
  d.output = tensor_descriptor(op, cudnn_output_params(g, batch), type);

  const CudnnFilterParams f = cudnn_filter_params(g);
  cudnnFilterDescriptor_t filter = nullptr;
  check_call(cudnnCreateFilterDescriptor(&filter), op, "cudnnCreateFilterDescriptor");
  d.filter.reset(filter);
  const cudnnTensorFormat_t format =
      f.format == CudnnLayout::NHWC ? CUDNN_TENSOR_NHWC : CUDNN_TENSOR_NCHW;
  check_call(cudnnSetFilterNdDescriptor(filter, type, format, f.nb_dims, f.dims.data()), op,
             "cudnnSetFilterNdDescriptor");

  const CudnnConvParams c = cudnn_conv_params(g);
  cudnnConvolutionDescriptor_t conv = nullptr;
  check_call(cudnnCreateConvolutionDescriptor(&conv), op, "cudnnCreateConvolutionDescriptor");
  d.conv.reset(conv);
  // The compute type is the data type: float32 accumulates in float32, float64 in float64.
  check_call(cudnnSetConvolutionNdDescriptor(conv, c.spatial, c.pads.data(), c.strides.data(),
                                             c.dilations.data(), CUDNN_CROSS_CORRELATION, type),
             op, "cudnnSetConvolutionNdDescriptor");
  check_call(cudnnSetConvolutionGroupCount(conv, c.groups), op, "cudnnSetConvolutionGroupCount");
  return d;
}

/// float32 keeps full precision unless TF32 is allowed (nabla/cuda.hpp, off by default).
ConvMath math_policy(DType dtype) {
  return dtype == DType::Float32 && !allow_tf32() ? ConvMath::FmaOnly : ConvMath::Any;
}

/// The math type the heuristics are asked under: CUDNN_DEFAULT_MATH lets float32 use TF32 on
/// Ampere and later, CUDNN_FMA_MATH does not.
cudnnMathType_t requested_math(ConvMath math) {
  return math == ConvMath::FmaOnly ? CUDNN_FMA_MATH : CUDNN_DEFAULT_MATH;
}

struct Candidate {
  ConvAlgorithm algorithm;
  size_t workspace = 0;
};

/// cuDNN's heuristic results for `pass`, ranked (convolution_algorithm.hpp).
std::vector<ConvAlgorithm> heuristic_algorithms(const char* op, cudnnHandle_t handle, ConvPass pass,
                                                const Descriptors& d, ConvMath math) {
  int count = 0, returned = 0;
  auto ranked = [&]<class Perf>(const std::vector<Perf>& perf) {
    return rank_algorithms(std::span<const Perf>(perf.data(), static_cast<size_t>(returned)), math,
                           kConvWorkspaceLimit);
  };
  switch (pass) {
    case ConvPass::Forward: {
      check_call(cudnnGetConvolutionForwardAlgorithmMaxCount(handle, &count), op,
                 "cudnnGetConvolutionForwardAlgorithmMaxCount");
      std::vector<cudnnConvolutionFwdAlgoPerf_t> perf(static_cast<size_t>(count));
      check_call(cudnnGetConvolutionForwardAlgorithm_v7(handle, d.input.get(), d.filter.get(),
                                                        d.conv.get(), d.output.get(), count,
                                                        &returned, perf.data()),
                 op, "cudnnGetConvolutionForwardAlgorithm_v7");
      return ranked(perf);
    }
    case ConvPass::BackwardData: {
      check_call(cudnnGetConvolutionBackwardDataAlgorithmMaxCount(handle, &count), op,
                 "cudnnGetConvolutionBackwardDataAlgorithmMaxCount");
      std::vector<cudnnConvolutionBwdDataAlgoPerf_t> perf(static_cast<size_t>(count));
      check_call(cudnnGetConvolutionBackwardDataAlgorithm_v7(handle, d.filter.get(), d.output.get(),
                                                             d.conv.get(), d.input.get(), count,
                                                             &returned, perf.data()),
                 op, "cudnnGetConvolutionBackwardDataAlgorithm_v7");
      return ranked(perf);
    }
    case ConvPass::BackwardFilter: {
      check_call(cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(handle, &count), op,
                 "cudnnGetConvolutionBackwardFilterAlgorithmMaxCount");
      std::vector<cudnnConvolutionBwdFilterAlgoPerf_t> perf(static_cast<size_t>(count));
      check_call(cudnnGetConvolutionBackwardFilterAlgorithm_v7(
                     handle, d.input.get(), d.output.get(), d.conv.get(), d.filter.get(), count,
                     &returned, perf.data()),
                 op, "cudnnGetConvolutionBackwardFilterAlgorithm_v7");
      return ranked(perf);
    }
  }
  return {};
}

/// The exact workspace of `algo` (the heuristics only estimate it); NOT_SUPPORTED passes through.
cudnnStatus_t workspace_size(cudnnHandle_t handle, ConvPass pass, const Descriptors& d, int algo,
                             size_t* bytes) {
  switch (pass) {
    case ConvPass::Forward:
      return cudnnGetConvolutionForwardWorkspaceSize(
          handle, d.input.get(), d.filter.get(), d.conv.get(), d.output.get(),
          static_cast<cudnnConvolutionFwdAlgo_t>(algo), bytes);
    case ConvPass::BackwardData:
      return cudnnGetConvolutionBackwardDataWorkspaceSize(
          handle, d.filter.get(), d.output.get(), d.conv.get(), d.input.get(),
          static_cast<cudnnConvolutionBwdDataAlgo_t>(algo), bytes);
    case ConvPass::BackwardFilter:
      return cudnnGetConvolutionBackwardFilterWorkspaceSize(
          handle, d.input.get(), d.output.get(), d.conv.get(), d.filter.get(),
          static_cast<cudnnConvolutionBwdFilterAlgo_t>(algo), bytes);
  }
  return CUDNN_STATUS_NOT_SUPPORTED;
}

/// The candidates to run, in order: the ranked heuristic results whose exact workspace cuDNN
/// can size (a second check of support) within the limit.
std::vector<Candidate> find_candidates(const char* op, cudnnHandle_t handle, ConvPass pass,
                                       const Descriptors& d, ConvMath math) {
  check_call(cudnnSetConvolutionMathType(d.conv.get(), requested_math(math)), op,
             "cudnnSetConvolutionMathType");
  std::vector<Candidate> candidates;
  for (const ConvAlgorithm& a : heuristic_algorithms(op, handle, pass, d, math)) {
    // cuDNN decides tensor-core use from the algorithm and the descriptor's math type together.
    check_call(cudnnSetConvolutionMathType(d.conv.get(), a.math), op,
               "cudnnSetConvolutionMathType");
    size_t bytes = 0;
    const cudnnStatus_t status = workspace_size(handle, pass, d, a.algo, &bytes);
    if (not_supported(status)) continue;
    check_call(status, op, "cudnnGetConvolutionWorkspaceSize");
    if (bytes <= kConvWorkspaceLimit) candidates.push_back({a, bytes});
  }
  return candidates;
}

/// Everything that decides the descriptors and the algorithm choice, per device.
std::vector<int64_t> cache_key(ConvPass pass, const CudnnConvGeometry& g, int64_t batch,
                               DType dtype, Device device, ConvMath math) {
  std::vector<int64_t> key{device.index,
                           static_cast<int64_t>(pass),
                           static_cast<int64_t>(dtype),
                           static_cast<int64_t>(g.layout),
                           static_cast<int64_t>(math),
                           batch,
                           g.c_in,
                           g.c_out,
                           g.groups,
                           g.spatial};
  for (int d = 0; d < g.spatial; ++d) {
    const auto u = static_cast<size_t>(d);
    key.insert(key.end(),
               {g.padded[u], g.out[u], g.kernel[u], g.stride[u], g.dilation[u], g.pad[u]});
  }
  return key;
}

/// Candidates per cache key. Filled under the device's cuDNN lease (the heuristics need the
/// handle); the map itself has its own lock, since leases of different devices run at once.
class AlgorithmCache {
 public:
  /// The candidates of `key`, from the heuristics the first time.
  template <class Find>
  std::vector<Candidate> get(const std::vector<int64_t>& key, Find&& find) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      const auto it = entries_.find(key);
      if (it != entries_.end()) return it->second;
    }
    std::vector<Candidate> found = find();
    std::lock_guard<std::mutex> lock(mutex_);
    return entries_.try_emplace(key, std::move(found)).first->second;
  }
  /// Drops `algo` from key's candidates: cuDNN refused to run it after all.
  void drop(const std::vector<int64_t>& key, const ConvAlgorithm& algo) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& list = entries_[key];
    std::erase_if(list, [&](const Candidate& c) {
      return c.algorithm.algo == algo.algo && c.algorithm.math == algo.math;
    });
  }

 private:
  std::mutex mutex_;
  std::map<std::vector<int64_t>, std::vector<Candidate>> entries_;
};

AlgorithmCache& algorithm_cache() {
  static AlgorithmCache* cache = new AlgorithmCache();  // outlives static destructors
  return *cache;
}

/// One call of `pass` with `algo` (its math type already set on d.conv).
cudnnStatus_t run_pass(cudnnHandle_t handle, ConvPass pass, const Descriptors& d, int algo,
                       void* workspace, size_t bytes, const void* alpha, const void* beta,
                       const void* first, const void* second, void* result) {
  switch (pass) {
    case ConvPass::Forward:
      return cudnnConvolutionForward(handle, alpha, d.input.get(), first, d.filter.get(), second,
                                     d.conv.get(), static_cast<cudnnConvolutionFwdAlgo_t>(algo),
                                     workspace, bytes, beta, d.output.get(), result);
    case ConvPass::BackwardData:
      return cudnnConvolutionBackwardData(handle, alpha, d.filter.get(), second, d.output.get(),
                                          first, d.conv.get(),
                                          static_cast<cudnnConvolutionBwdDataAlgo_t>(algo),
                                          workspace, bytes, beta, d.input.get(), result);
    case ConvPass::BackwardFilter:
      return cudnnConvolutionBackwardFilter(handle, alpha, d.input.get(), first, d.output.get(),
                                            second, d.conv.get(),
                                            static_cast<cudnnConvolutionBwdFilterAlgo_t>(algo),
                                            workspace, bytes, beta, d.filter.get(), result);
  }
  return CUDNN_STATUS_NOT_SUPPORTED;
}

[[noreturn]] void no_algorithm(const char* op, ConvPass pass, const CudnnConvGeometry& g,
                               DType dtype) {
  throw DeviceError(
      detail::str_cat(op, ": cuDNN has no ",
                      pass == ConvPass::Forward
                          ? "forward"
                          : (pass == ConvPass::BackwardData ? "backward-data" : "backward-filter"),
                      " algorithm for this ", dtype, " convolution (", g.spatial, "-d, ", g.batch,
                      " samples, ", g.c_in, " -> ", g.c_out, " channels, ", g.groups, " groups)"));
}

}  // namespace

bool cudnn_supports(const char* op, ConvPass pass, const CudnnConvGeometry& g, DType dtype,
                    Device device) {
  const int64_t batch = cudnn_batch_chunk(op, g);
  const ConvMath math = math_policy(dtype);
  const CudnnLease lease(device);
  const auto key = cache_key(pass, g, batch, dtype, device, math);
  return !algorithm_cache()
              .get(key,
                   [&] {
                     const Descriptors d = make_descriptors(op, g, batch, data_type(dtype));
                     return find_candidates(op, lease.handle(), pass, d, math);
                   })
              .empty();
}

void cudnn_convolution(const char* op, ConvPass pass, const CudnnConvGeometry& g, DType dtype,
                       Device device, const void* first, const void* second, void* result) {
  const int64_t chunk = cudnn_batch_chunk(op, g);
  const ConvMath math = math_policy(dtype);
  const cudnnDataType_t type = data_type(dtype);
  const size_t item = dtype_size(dtype);
  // alpha and beta are read from host memory when the call is queued; double for float64 data.
  const float one_f = 1, zero_f = 0;
  const double one_d = 1, zero_d = 0;
  const bool is_double = dtype == DType::Float64;
  const void* one = is_double ? static_cast<const void*>(&one_d) : &one_f;
  const void* zero = is_double ? static_cast<const void*>(&zero_d) : &zero_f;

  const CudnnLease lease(device);
  for (int64_t n0 = 0; n0 < g.batch; n0 += chunk) {
    const int64_t batch = std::min(chunk, g.batch - n0);
    const Descriptors d = make_descriptors(op, g, batch, type);
    const auto key = cache_key(pass, g, batch, dtype, device, math);
    const std::vector<Candidate> candidates = algorithm_cache().get(
        key, [&] { return find_candidates(op, lease.handle(), pass, d, math); });
    const CudnnChunkOffsets at = cudnn_chunk_offsets(pass, g, n0);
    const void* a = static_cast<const char*>(first) + static_cast<size_t>(at.first) * item;
    const void* b = static_cast<const char*>(second) + static_cast<size_t>(at.second) * item;
    void* c = static_cast<char*>(result) + static_cast<size_t>(at.result) * item;
    // The weight-gradient sums over the batch: later chunks add to the first's.
    const void* beta = pass == ConvPass::BackwardFilter && n0 > 0 ? one : zero;
    bool done = false;
    for (const Candidate& candidate : candidates) {
      check_call(cudnnSetConvolutionMathType(d.conv.get(), candidate.algorithm.math), op,
                 "cudnnSetConvolutionMathType");
      // Freed when this iteration ends, while cuDNN may still use it: safe, since whatever
      // reuses the block is queued after this call on the same stream.
      const Buffer workspace(candidate.workspace, device);
      const cudnnStatus_t status =
          run_pass(lease.handle(), pass, d, candidate.algorithm.algo, workspace.data(),
                   candidate.workspace, one, beta, a, b, c);
      if (not_supported(status)) {  // refused before queuing anything: try the next one
        algorithm_cache().drop(key, candidate.algorithm);
        continue;
      }
      check_call(status, op, "cudnnConvolution");
      done = true;
      break;
    }
    if (!done) no_algorithm(op, pass, g, dtype);
  }
}

}  // namespace nabla::cuda
#endif
