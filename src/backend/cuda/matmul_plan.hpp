// How the CUDA matmul kernels walk a batched product a [..., n, k] @ b [..., k, m] -> out
// [batch..., n, m] (out contiguous): each operand's matrix strides, and the output's batch dims,
// collapsed where the three tensors allow it and split into one dim that a single call runs as
// its batch (cuBLAS's strided batch, the integer kernel's grid z) and outer dims that the host
// loops over with one call each. Shared by contraction_kernels.cpp (cuBLAS) and
// integer_matmul.cu, so both read broadcast operands in place (batch stride 0), never copied.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "nabla/tensor/tensor.hpp"

namespace nabla::cuda {

/// A row-major view of one operand's matrix: element (i, j) at i * row + j * col (in elements).
struct MatrixStrides {
  int64_t row = 0, col = 0;
};

/// One batch dimension of the output and how far a, b and out move along it (in elements).
struct BatchDim {
  int64_t extent = 1, a = 0, b = 0, out = 0;
};

struct MatmulPlan {
  int64_t n = 0, k = 0, m = 0;
  MatrixStrides a, b;
  /// The dim each call runs as its batch: extent 1 (strides 0) when there is no batch.
  BatchDim inner;
  /// The dims the host loops over, outermost first; empty in the common cases (no batch, or
  /// batch dims that collapse into one, as for contiguous or singly-broadcast operands).
  std::vector<BatchDim> outer;

  /// inputs: a [..., n, k], b [..., k, m] (batch dims broadcast as NumPy's); out: contiguous.
  MatmulPlan(const Tensor& a_in, const Tensor& b_in, const Tensor& out) {
    const int64_t rank = out.ndim();
    n = out.shape()[rank - 2];
    m = out.shape()[rank - 1];
    k = a_in.shape()[a_in.ndim() - 1];
    a = matrix_strides(a_in);
    b = matrix_strides(b_in);
    // Batch dims, outermost first, with out's contiguous strides (computed innermost first).
    const int64_t batch_rank = rank - 2;
    std::vector<BatchDim> dims(static_cast<size_t>(batch_rank));
    int64_t out_stride = n * m;
    for (int64_t d = batch_rank - 1; d >= 0; --d) {
      const int64_t extent = out.shape()[d];
      dims[static_cast<size_t>(d)] = {extent, batch_stride(a_in, d, batch_rank),
                                      batch_stride(b_in, d, batch_rank), out_stride};
      out_stride *= extent;
    }
    const std::vector<BatchDim> merged = collapse(dims);
    // The longest dim whose operand strides cuBLAS accepts (no negative batch strides) runs
    // inside each call, so the fewest calls are issued; the rest are looped over.
    size_t best = merged.size();
    for (size_t i = 0; i < merged.size(); ++i) {
      const BatchDim& d = merged[i];
      if (d.a >= 0 && d.b >= 0 && (best == merged.size() || d.extent > merged[best].extent)) {
        best = i;
      }
    }
    for (size_t i = 0; i < merged.size(); ++i) {
      if (i == best) {
        inner = merged[i];
      } else {
        outer.push_back(merged[i]);
      }
    }
  }

  /// Calls fn(a_offset, b_offset, out_offset) (in elements, from each tensor's element [0, ...])
  /// once per entry of the outer dims, in order.
  template <class Fn>
  void for_each_call(Fn&& fn) const {
    int64_t calls = 1;
    for (const BatchDim& d : outer) calls *= d.extent;
    std::vector<int64_t> index(outer.size(), 0);
    int64_t a_offset = 0, b_offset = 0, out_offset = 0;
    for (int64_t c = 0; c < calls; ++c) {
      fn(a_offset, b_offset, out_offset);
      for (auto d = static_cast<int64_t>(outer.size()) - 1; d >= 0; --d) {  // an odometer
        const auto u = static_cast<size_t>(d);
        const BatchDim& dim = outer[u];
        a_offset += dim.a;
        b_offset += dim.b;
        out_offset += dim.out;
        if (++index[u] < dim.extent) break;
        a_offset -= dim.a * dim.extent;
        b_offset -= dim.b * dim.extent;
        out_offset -= dim.out * dim.extent;
        index[u] = 0;
      }
    }
  }

 private:
  static MatrixStrides matrix_strides(const Tensor& t) {
    const auto rank = static_cast<size_t>(t.ndim());
    return {t.strides()[rank - 2], t.strides()[rank - 1]};
  }

  /// t's stride along out's batch dim d: right-aligned, 0 where t's dim is 1 or missing.
  static int64_t batch_stride(const Tensor& t, int64_t d, int64_t batch_rank) {
    const int64_t td = d - (batch_rank - (t.ndim() - 2));
    if (td < 0 || t.shape()[td] == 1) return 0;
    return t.strides()[static_cast<size_t>(td)];
  }

  /// Drops size-1 dims and merges each dim into its outer neighbour when all three tensors step
  /// over the pair as over one dim (outer stride = inner stride * inner extent, which also holds
  /// for a stride-0 broadcast pair).
  static std::vector<BatchDim> collapse(const std::vector<BatchDim>& dims) {
    std::vector<BatchDim> merged;
    for (const BatchDim& d : dims) {
      if (d.extent == 1) continue;
      if (!merged.empty()) {
        BatchDim& last = merged.back();
        if (last.a == d.a * d.extent && last.b == d.b * d.extent && last.out == d.out * d.extent) {
          last = {last.extent * d.extent, d.a, d.b, d.out};
          continue;
        }
      }
      merged.push_back(d);
    }
    return merged;
  }
};

/// out = a @ b for bool, uint8, int32 and int64 (integer_matmul.cu): integers wrap around as the
/// CPU kernel's (sums of products modulo 2^bits), bool is OR of ANDs. Any operand strides; k > 0.
void integer_matmul(const Tensor& a, const Tensor& b, const Tensor& out, const MatmulPlan& plan);

}  // namespace nabla::cuda
