// CPU kernel of the matmul core op: batched matrix products with broadcast batch dimensions.
// float32/float64 call BLAS (gemm, or gemv/dot for single rows and columns; gemm.hpp sends some
// float32 products to oneDNN's sgemm) on the operands' own memory whenever a matrix has a unit
// stride in one of its two dimensions; other layouts are packed. complex64/complex128 call
// cgemm/zgemm the same way. Integers and bool use a plain loop (bool: OR of ANDs, as NumPy).
#include <cblas.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <optional>
#include <type_traits>
#include <vector>

#include "backend/cpu/gemm.hpp"
#include "backend/cpu/kernels.hpp"
#include "nabla/util/parallel.hpp"

namespace nabla::cpu {
namespace {

// OpenBLAS runs a gemm below 64^3 multiply-adds on one thread (GEMM_MULTITHREAD_THRESHOLD), so
// a batch of such matrices is spread over the pool instead; inside that parallel region OpenBLAS
// (OpenMP build) sees omp_in_parallel() and stays single-threaded, so nothing oversubscribes.
constexpr int64_t kSmallGemm = 64 * 64 * 64;
// Multiply-adds per parallel chunk: enough that thread start-up is noise.
constexpr int64_t kGrainWork = 32768;

/// A matrix read through strides (in elements).
struct MatrixLayout {
  int64_t rows = 0, cols = 0, row_stride = 0, col_stride = 0;
};

MatrixLayout matrix_layout(const Tensor& t) {
  const int64_t rank = t.ndim();
  const auto& strides = t.strides();
  return {t.shape()[rank - 2], t.shape()[rank - 1], strides[static_cast<size_t>(rank - 2)],
          strides[static_cast<size_t>(rank - 1)]};
}

/// t's batch strides against the output's batch dimensions: right-aligned, 0 where t's
/// dimension is 1 or missing, so a broadcast matrix is read in place, never materialised.
std::vector<int64_t> batch_strides(const Tensor& t, const std::vector<int64_t>& batch) {
  const auto batch_rank = static_cast<int64_t>(batch.size());
  const int64_t lead = batch_rank - (t.ndim() - 2);
  std::vector<int64_t> strides(batch.size(), 0);
  for (int64_t d = std::max<int64_t>(lead, 0); d < batch_rank; ++d) {
    if (t.shape()[d - lead] != 1) {
      strides[static_cast<size_t>(d)] = t.strides()[static_cast<size_t>(d - lead)];
    }
  }
  return strides;
}

/// Walks the output's batch entries in order, tracking the element offset of a's and b's matrix
/// for each (an odometer: no per-entry division, no per-entry table).
class BatchCursor {
 public:
  BatchCursor(const std::vector<int64_t>& batch, const std::vector<int64_t>& a_strides,
              const std::vector<int64_t>& b_strides, int64_t start)
      : batch_(batch), a_strides_(a_strides), b_strides_(b_strides), index_(batch.size()) {
    for (auto d = static_cast<int64_t>(batch.size()) - 1; d >= 0; --d) {
      const auto u = static_cast<size_t>(d);
      index_[u] = start % batch[u];
      start /= batch[u];
      a_ += index_[u] * a_strides[u];
      b_ += index_[u] * b_strides[u];
    }
  }
  [[nodiscard]] int64_t a() const { return a_; }
  [[nodiscard]] int64_t b() const { return b_; }
  void next() {
    for (auto d = static_cast<int64_t>(batch_.size()) - 1; d >= 0; --d) {
      const auto u = static_cast<size_t>(d);
      a_ += a_strides_[u];
      b_ += b_strides_[u];
      if (++index_[u] < batch_[u]) return;
      a_ -= a_strides_[u] * batch_[u];
      b_ -= b_strides_[u] * batch_[u];
      index_[u] = 0;
    }
  }

 private:
  const std::vector<int64_t>& batch_;
  const std::vector<int64_t>& a_strides_;
  const std::vector<int64_t>& b_strides_;
  std::vector<int64_t> index_;
  int64_t a_ = 0, b_ = 0;
};

/// The output's batch geometry: its batch dims, their count, and each operand's strides.
struct BatchPlan {
  std::vector<int64_t> dims, a_strides, b_strides;
  int64_t count = 1;

  BatchPlan(const Tensor& a, const Tensor& b, const Tensor& out)
      : dims(out.shape().dims().begin(), out.shape().dims().end() - 2),
        a_strides(batch_strides(a, dims)),
        b_strides(batch_strides(b, dims)) {
    for (int64_t d : dims) count *= d;
  }
  [[nodiscard]] BatchCursor cursor(int64_t start) const {
    return BatchCursor(dims, a_strides, b_strides, start);
  }
};

/// How BLAS reads a matrix in place: row-major with leading dimension `ld`, or its transpose.
struct BlasOperand {
  CBLAS_TRANSPOSE trans = CblasNoTrans;
  int64_t ld = 1;
};

/// The in-place BLAS description of `m`, or nothing when it must be packed (no unit stride,
/// negative or zero strides, overlapping rows). A size-1 dimension's stride is irrelevant.
std::optional<BlasOperand> blas_operand(const MatrixLayout& m) {
  if (m.cols == 1 || m.col_stride == 1) {
    const int64_t ld = m.rows == 1 ? std::max<int64_t>(m.cols, 1) : m.row_stride;
    if (ld >= std::max<int64_t>(m.cols, 1) && ld <= INT_MAX) return BlasOperand{CblasNoTrans, ld};
  }
  if (m.rows == 1 || m.row_stride == 1) {
    const int64_t ld = m.cols == 1 ? std::max<int64_t>(m.rows, 1) : m.col_stride;
    if (ld >= std::max<int64_t>(m.rows, 1) && ld <= INT_MAX) return BlasOperand{CblasTrans, ld};
  }
  return std::nullopt;
}

/// Which BLAS routine computes one [n, k] @ [k, m] product: a dot for n = m = 1, gemv when one
/// side is a single row or column (OpenBLAS 0.3.21's gemm does not forward these itself and is
/// far slower on them), gemm otherwise.
enum class Product { Dot, MatrixVector, VectorMatrix, Gemm };

Product product_kind(int64_t n, int64_t m) {
  if (n == 1) return m == 1 ? Product::Dot : Product::VectorMatrix;
  return m == 1 ? Product::MatrixVector : Product::Gemm;
}

/// Whether BLAS reads a vector of `length` elements `stride` apart in place (BLAS gives zero and
/// negative increments other meanings).
bool vector_in_place(int64_t length, int64_t stride) {
  return length == 1 || (stride >= 1 && stride <= INT_MAX);
}

/// Whether the routine for `kind` reads a (the left operand, when `left`) or b in place.
bool in_place(Product kind, const MatrixLayout& m, bool left) {
  const bool vector =
      kind == Product::Dot || kind == (left ? Product::VectorMatrix : Product::MatrixVector);
  if (vector)
    return left ? vector_in_place(m.cols, m.col_stride) : vector_in_place(m.rows, m.row_stride);
  return blas_operand(m).has_value();
}

/// A per-thread row-major copy of one matrix; reused while consecutive batches share it.
template <class T>
class Packer {
 public:
  const T* get(const T* base, const MatrixLayout& m, int64_t offset) {
    if (valid_ && offset == offset_) return buffer_.data();
    buffer_.resize(static_cast<size_t>(m.rows * m.cols));
    const T* src = base + offset;
    for (int64_t i = 0; i < m.rows; ++i) {
      for (int64_t j = 0; j < m.cols; ++j) {
        buffer_[static_cast<size_t>(i * m.cols + j)] = src[i * m.row_stride + j * m.col_stride];
      }
    }
    valid_ = true;
    offset_ = offset;
    return buffer_.data();
  }

 private:
  std::vector<T> buffer_;
  bool valid_ = false;
  int64_t offset_ = 0;
};

blasint blas_int(int64_t v) { return static_cast<blasint>(v); }

template <class T>
void gemm(const BlasOperand& a, const BlasOperand& b, int64_t n, int64_t m, int64_t k, const T* pa,
          const T* pb, T* c) {
  if constexpr (is_complex_v<T>) {  // alpha and beta by address, as BLAS takes complex scalars
    const T one(1), zero(0);
    const auto ldc = blas_int(std::max<int64_t>(m, 1));
    if constexpr (std::is_same_v<T, std::complex<float>>) {
      cblas_cgemm(CblasRowMajor, a.trans, b.trans, blas_int(n), blas_int(m), blas_int(k), &one, pa,
                  blas_int(a.ld), pb, blas_int(b.ld), &zero, c, ldc);
    } else {
      cblas_zgemm(CblasRowMajor, a.trans, b.trans, blas_int(n), blas_int(m), blas_int(k), &one, pa,
                  blas_int(a.ld), pb, blas_int(b.ld), &zero, c, ldc);
    }
  } else {
    cpu::gemm<T>(a.trans == CblasTrans, b.trans == CblasTrans, n, m, k, pa, a.ld, pb, b.ld, T(0), c,
                 std::max<int64_t>(m, 1));
  }
}

/// y = op(A) x for a row-major rows x cols A (op: identity or transpose).
template <class T>
void gemv(CBLAS_TRANSPOSE trans, int64_t rows, int64_t cols, const T* a, int64_t ld, const T* x,
          int64_t inc_x, T* y) {
  if constexpr (std::is_same_v<T, float>) {
    cblas_sgemv(CblasRowMajor, trans, blas_int(rows), blas_int(cols), 1.0f, a, blas_int(ld), x,
                blas_int(inc_x), 0.0f, y, 1);
  } else {
    cblas_dgemv(CblasRowMajor, trans, blas_int(rows), blas_int(cols), 1.0, a, blas_int(ld), x,
                blas_int(inc_x), 0.0, y, 1);
  }
}

/// c = a @ b for one batch entry; a and b are in place or packed as in_place() decided.
template <class T>
void blas_product(Product kind, const MatrixLayout& a, const MatrixLayout& b, const T* pa,
                  const T* pb, T* c) {
  const int64_t n = a.rows, k = a.cols, m = b.cols;
  const int64_t inc_a = k == 1 ? 1 : a.col_stride;  // a as a row vector
  const int64_t inc_b = k == 1 ? 1 : b.row_stride;  // b as a column vector
  switch (kind) {
    case Product::Dot:
      if constexpr (std::is_same_v<T, float>) {
        c[0] = cblas_sdot(blas_int(k), pa, blas_int(inc_a), pb, blas_int(inc_b));
      } else {
        c[0] = cblas_ddot(blas_int(k), pa, blas_int(inc_a), pb, blas_int(inc_b));
      }
      return;
    case Product::MatrixVector: {  // c[n] = a b[:, 0]; a's memory is [n, k] or [k, n]
      const BlasOperand la = *blas_operand(a);
      if (la.trans == CblasNoTrans) {
        gemv<T>(CblasNoTrans, n, k, pa, la.ld, pb, inc_b, c);
      } else {
        gemv<T>(CblasTrans, k, n, pa, la.ld, pb, inc_b, c);
      }
      return;
    }
    case Product::VectorMatrix: {  // c[m] = b^T a[0, :]; b's memory is [k, m] or [m, k]
      const BlasOperand lb = *blas_operand(b);
      if (lb.trans == CblasNoTrans) {
        gemv<T>(CblasTrans, k, m, pb, lb.ld, pa, inc_a, c);
      } else {
        gemv<T>(CblasNoTrans, m, k, pb, lb.ld, pa, inc_a, c);
      }
      return;
    }
    case Product::Gemm:
      gemm<T>(*blas_operand(a), *blas_operand(b), n, m, k, pa, pb, c);
      return;
  }
}

/// out[b] = a[b] @ b[b] with BLAS; a: [..., n, k], b: [..., k, m], k > 0.
template <class T>
void blas_matmul(const Tensor& a, const Tensor& b, const Tensor& out) {
  const BatchPlan plan(a, b, out);
  const MatrixLayout ma = matrix_layout(a), mb = matrix_layout(b);
  const int64_t n = ma.rows, k = ma.cols, m = mb.cols;
  // Complex products always take gemm (it handles single rows and columns too).
  const Product kind = is_complex_v<T> ? Product::Gemm : product_kind(n, m);
  // Operands BLAS cannot read in place are packed into row-major copies, per batch entry.
  const bool pack_a = !in_place(kind, ma, true), pack_b = !in_place(kind, mb, false);
  const MatrixLayout la = pack_a ? MatrixLayout{n, k, k, 1} : ma;
  const MatrixLayout lb = pack_b ? MatrixLayout{k, m, m, 1} : mb;
  const T* a_base = a.data<T>();
  const T* b_base = b.data<T>();
  T* c_base = out.data<T>();
  const int64_t count = plan.count;

  auto run = [&](int64_t begin, int64_t end) {
    Packer<T> packer_a, packer_b;
    BatchCursor cursor = plan.cursor(begin);
    for (int64_t i = begin; i < end; ++i, cursor.next()) {
      const T* pa = pack_a ? packer_a.get(a_base, ma, cursor.a()) : a_base + cursor.a();
      const T* pb = pack_b ? packer_b.get(b_base, mb, cursor.b()) : b_base + cursor.b();
      if constexpr (is_complex_v<T>) {
        gemm<T>(*blas_operand(la), *blas_operand(lb), n, m, k, pa, pb, c_base + i * n * m);
      } else {
        blas_product<T>(kind, la, lb, pa, pb, c_base + i * n * m);
      }
    }
  };
  const int64_t work = n * m * k;
  if (count > 1 && (work < kSmallGemm || count >= 4 * num_threads())) {
    parallel_for(0, count, std::max<int64_t>(1, kGrainWork / work), run);
  } else {
    run(0, count);  // few large products: BLAS parallelises each one
  }
}

/// The reference loop: integers wrap around like NumPy's (computed unsigned, so no UB), bool is
/// OR of ANDs. Row-parallel over batch * n output rows; i-p-j order keeps the output row hot.
template <class T>
void loop_matmul(const Tensor& a, const Tensor& b, const Tensor& out) {
  const BatchPlan plan(a, b, out);
  const MatrixLayout la = matrix_layout(a), lb = matrix_layout(b);
  const int64_t n = la.rows, k = la.cols, m = lb.cols;
  const T* a_base = a.data<T>();
  const T* b_base = b.data<T>();
  T* c_base = out.data<T>();
  const int64_t rows = plan.count * n;
  const int64_t grain = std::max<int64_t>(1, kGrainWork / std::max<int64_t>(1, k * m));
  parallel_for(0, rows, grain, [&](int64_t begin, int64_t end) {
    BatchCursor cursor = plan.cursor(begin / n);
    int64_t i = begin % n;  // row within the batch entry, stepped: no division per row
    for (int64_t r = begin; r < end; ++r, ++i) {
      if (i == n) {
        i = 0;
        cursor.next();
      }
      const T* a_row = a_base + cursor.a() + i * la.row_stride;
      const T* b_mat = b_base + cursor.b();
      T* c_row = c_base + r * m;
      std::fill(c_row, c_row + m, T{});
      for (int64_t p = 0; p < k; ++p) {
        const T av = a_row[p * la.col_stride];
        const T* b_row = b_mat + p * lb.row_stride;
        if constexpr (std::is_same_v<T, bool>) {
          if (!av) continue;
          for (int64_t j = 0; j < m; ++j) c_row[j] = c_row[j] || b_row[j * lb.col_stride];
        } else if constexpr (std::is_integral_v<T>) {
          if (av == 0) continue;
          using U = std::make_unsigned_t<T>;
          for (int64_t j = 0; j < m; ++j) {
            c_row[j] =
                static_cast<T>(static_cast<U>(c_row[j]) +
                               static_cast<U>(av) * static_cast<U>(b_row[j * lb.col_stride]));
          }
        } else {
          for (int64_t j = 0; j < m; ++j) c_row[j] += av * b_row[j * lb.col_stride];
        }
      }
    }
  });
}

/// inputs: a [..., n, k], b [..., k, m] of one dtype (batch dims broadcast);
/// output: [broadcast batch..., n, m], contiguous.
void matmul_kernel(const KernelContext& ctx) {
  const Tensor& a = ctx.inputs[0];
  const Tensor& b = ctx.inputs[1];
  const Tensor& out = ctx.outputs[0];
  const int64_t n = a.shape()[a.ndim() - 2], k = a.shape()[a.ndim() - 1];
  const int64_t m = b.shape()[b.ndim() - 1];
  if (k == 0) {  // empty sums: all zeros (BLAS would not be asked)
    std::memset(out.data_ptr(), 0, static_cast<size_t>(out.numel()) * out.itemsize());
    return;
  }
  visit_dtype_with_complex(out.dtype(), [&]<class T>(T) {
    if constexpr (std::is_floating_point_v<T> || is_complex_v<T>) {
      // BLAS takes 32-bit sizes. (Even 1x1x1 products, as in an elementwise einsum, measured
      // faster through sdot than through the loop below.)
      if (std::max({n, m, k}) <= INT_MAX) {
        blas_matmul<T>(a, b, out);
        return;
      }
    }
    loop_matmul<T>(a, b, out);
  });
}

}  // namespace

void register_contraction_kernels(KernelTable& table) {
  table.add("matmul", DeviceKind::CPU, &matmul_kernel);
}

}  // namespace nabla::cpu
