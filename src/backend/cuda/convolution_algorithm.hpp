// Which of cuDNN's convolution algorithms nabla runs: from the list cuDNN's heuristics return
// (cudnnGetConvolution*Algorithm_v7, best first), the ones that cuDNN says it supports for the
// configuration, that fit the workspace limit and that keep the float32 precision nabla promises;
// deterministic ones first, so that training runs are reproducible whenever cuDNN has one.
#pragma once

#include <cudnn.h>

#include <cstddef>
#include <span>
#include <vector>

namespace nabla::cuda {

/// Workspace an algorithm may ask for. A fixed limit, not the memory free at the time, so that
/// a geometry always gets the same algorithm (and the same rounding).
inline constexpr size_t kConvWorkspaceLimit = size_t{1} << 30;

/// float32 without TF32 (nabla's default, cuda::allow_tf32()) accepts only FMA kernels; with
/// TF32, and for float64 (whose tensor-core kernels compute in full float64), any.
enum class ConvMath { FmaOnly, Any };

struct ConvAlgorithm {
  int algo = 0;
  cudnnMathType_t math = CUDNN_DEFAULT_MATH;
};

/// The heuristic results to try, in order: status CUDNN_STATUS_SUCCESS (cuDNN reports
/// CUDNN_STATUS_NOT_SUPPORTED* for algorithms that cannot run this configuration: data type,
/// layout, dims, dilation, groups), an estimated workspace within the limit and a math type
/// `math` allows; the deterministic ones first, each group in the heuristics' order. Perf is
/// cudnnConvolution{Fwd,BwdData,BwdFilter}AlgoPerf_t.
template <class Perf>
[[nodiscard]] std::vector<ConvAlgorithm> rank_algorithms(std::span<const Perf> results,
                                                         ConvMath math, size_t workspace_limit) {
  std::vector<ConvAlgorithm> ranked;
  for (const bool deterministic : {true, false}) {
    for (const Perf& p : results) {
      if (p.status != CUDNN_STATUS_SUCCESS || p.memory > workspace_limit) continue;
      if (math == ConvMath::FmaOnly && p.mathType != CUDNN_FMA_MATH) continue;
      if ((p.determinism == CUDNN_DETERMINISTIC) != deterministic) continue;
      ranked.push_back({static_cast<int>(p.algo), p.mathType});
    }
  }
  return ranked;
}

}  // namespace nabla::cuda
