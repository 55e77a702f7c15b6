// CPU kernels of linalg_eig and linalg_eigvals: LAPACK's geev on each matrix of the batch (sgeev/
// dgeev for real input, whose complex eigenpairs come as conjugate pairs split into real and
// imaginary parts; cgeev/zgeev for complex input), with the status of Note [LAPACK status].
// Matrices with an inf or NaN get the status n + 1 (NumPy refuses them too: geev's result would be
// meaningless), which the op's public function reports.
#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <type_traits>
#include <vector>

#include "backend/cpu/kernels.hpp"
#include "backend/cpu/lapack_util.hpp"
#include "nabla/util/parallel.hpp"

namespace nabla::cpu {
namespace {

using lapack::as_lapack_int;
using lapack::MatrixBatch;

// n^3 flops per parallel chunk below which several matrices share a chunk (geev costs ~25 n^3).
constexpr int64_t kGrainWork = 1 << 16;

template <class T>
bool all_finite(const std::vector<T>& values) {
  for (const T& v : values) {
    if constexpr (is_complex_v<T>) {
      if (!std::isfinite(v.real()) || !std::isfinite(v.imag())) return false;
    } else {
      if (!std::isfinite(v)) return false;
    }
  }
  return true;
}

/// One thread's geev buffers for n x n matrices of element type T (real or complex): the
/// column-major input (which geev overwrites), the eigenvalues, the right eigenvectors and the
/// workspace geev asked for.
template <class T>
class Geev {
 public:
  using Real = typename std::conditional_t<is_complex_v<T>, T, std::complex<T>>::value_type;
  using Complex = std::complex<Real>;

  Geev(int64_t n, bool vectors)
      : n_(as_lapack_int(n)),
        jobvr_(vectors ? 'V' : 'N'),
        ldvr_(vectors ? n_ : 1),
        a_(static_cast<size_t>(n * n)),
        vr_(vectors ? static_cast<size_t>(n * n) : 1) {
    if constexpr (is_complex_v<T>) {
      w_.resize(static_cast<size_t>(n));
      rwork_.resize(static_cast<size_t>(2 * n));
    } else {
      wr_.resize(static_cast<size_t>(n));
      wi_.resize(static_cast<size_t>(n));
    }
    T size{};  // workspace query: geev writes the optimal size into work[0]
    (void)call(&size, -1);
    work_.resize(std::max<size_t>(1, static_cast<size_t>(std::real(size))));
  }

  [[nodiscard]] T* matrix() { return a_.data(); }
  [[nodiscard]] const std::vector<T>& matrix_values() const { return a_; }

  /// Runs geev on matrix(); returns LAPACK's info.
  [[nodiscard]] lapack_int run() { return call(work_.data(), as_lapack_int(work_.size())); }

  /// Eigenvalue j, after a successful run().
  [[nodiscard]] Complex eigenvalue(int64_t j) const {
    if constexpr (is_complex_v<T>) {
      return w_[static_cast<size_t>(j)];
    } else {
      return {wr_[static_cast<size_t>(j)], wi_[static_cast<size_t>(j)]};
    }
  }

  /// Writes the eigenvectors as the columns of the row-major n x n `v`. Real input: a complex
  /// pair (wi[j] > 0, then its conjugate) is stored by geev as the columns re, im of vector j.
  void eigenvectors(Complex* v) const {
    const auto n = static_cast<int64_t>(n_);
    auto vr = [&](int64_t i, int64_t j) { return vr_[static_cast<size_t>(i + j * n)]; };
    for (int64_t j = 0; j < n; ++j) {
      if constexpr (is_complex_v<T>) {
        for (int64_t i = 0; i < n; ++i) v[i * n + j] = vr(i, j);
      } else if (wi_[static_cast<size_t>(j)] == 0 || j + 1 == n) {
        for (int64_t i = 0; i < n; ++i) v[i * n + j] = Complex(vr(i, j), 0);
      } else {
        for (int64_t i = 0; i < n; ++i) {
          v[i * n + j] = Complex(vr(i, j), vr(i, j + 1));
          v[i * n + j + 1] = Complex(vr(i, j), -vr(i, j + 1));
        }
        ++j;
      }
    }
  }

 private:
  lapack_int call(T* work, lapack_int lwork) {
    if constexpr (std::is_same_v<T, float>) {
      return LAPACKE_sgeev_work(LAPACK_COL_MAJOR, 'N', jobvr_, n_, a_.data(), n_, wr_.data(),
                                wi_.data(), nullptr, 1, vr_.data(), ldvr_, work, lwork);
    } else if constexpr (std::is_same_v<T, double>) {
      return LAPACKE_dgeev_work(LAPACK_COL_MAJOR, 'N', jobvr_, n_, a_.data(), n_, wr_.data(),
                                wi_.data(), nullptr, 1, vr_.data(), ldvr_, work, lwork);
    } else if constexpr (std::is_same_v<T, std::complex<float>>) {
      return LAPACKE_cgeev_work(LAPACK_COL_MAJOR, 'N', jobvr_, n_, a_.data(), n_, w_.data(),
                                nullptr, 1, vr_.data(), ldvr_, work, lwork, rwork_.data());
    } else {
      return LAPACKE_zgeev_work(LAPACK_COL_MAJOR, 'N', jobvr_, n_, a_.data(), n_, w_.data(),
                                nullptr, 1, vr_.data(), ldvr_, work, lwork, rwork_.data());
    }
  }

  lapack_int n_;
  char jobvr_;
  lapack_int ldvr_;
  std::vector<T> a_, vr_, work_;
  std::vector<Real> wr_, wi_, rwork_;
  std::vector<Complex> w_;
};

/// inputs: A [..., n, n] (float32/float64/complex64/complex128, any layout);
/// outputs: w [..., n] complex, [V [..., n, n] complex when computing vectors], info int32 [...].
template <class T>
void eig_matrices(const KernelContext& ctx) {
  using Real = typename Geev<T>::Real;
  using Complex = typename Geev<T>::Complex;
  const Tensor& A = ctx.inputs[0];
  const bool vectors = ctx.outputs.size() == 3;
  const MatrixBatch batch(A);
  const int64_t n = batch.rows();
  const T* a = static_cast<const T*>(A.data_ptr());
  Complex* w = ctx.outputs[0].data<Complex>();
  Complex* v = vectors ? ctx.outputs[1].data<Complex>() : nullptr;
  int32_t* info = ctx.outputs.back().data<int32_t>();
  if (n == 0) {
    std::fill(info, info + batch.count(), 0);
    return;
  }
  const Complex nan(std::numeric_limits<Real>::quiet_NaN(), std::numeric_limits<Real>::quiet_NaN());
  // One large matrix runs alone so that OpenBLAS threads inside geev; small ones share threads.
  const int64_t grain = std::max<int64_t>(1, kGrainWork / (n * n * n));
  parallel_for(0, batch.count(), grain, [&](int64_t begin, int64_t end) {
    Geev<T> geev(n, vectors);
    for (int64_t b = begin; b < end; ++b) {
      lapack::to_column_major(batch, a, b, geev.matrix(), n);
      const lapack_int status =
          all_finite(geev.matrix_values()) ? geev.run() : as_lapack_int(n + 1);
      info[b] = static_cast<int32_t>(status);
      Complex* wb = w + b * n;
      Complex* vb = vectors ? v + b * n * n : nullptr;
      if (status != 0) {  // the public function raises; leave no garbage behind meanwhile
        std::fill(wb, wb + n, nan);
        if (vectors) std::fill(vb, vb + n * n, nan);
        continue;
      }
      for (int64_t j = 0; j < n; ++j) wb[j] = geev.eigenvalue(j);
      if (vectors) geev.eigenvectors(vb);
    }
  });
}

void eig_kernel(const KernelContext& ctx) {
  switch (ctx.inputs[0].dtype()) {
    case DType::Float32:
      return eig_matrices<float>(ctx);
    case DType::Float64:
      return eig_matrices<double>(ctx);
    case DType::Complex64:
      return eig_matrices<std::complex<float>>(ctx);
    default:  // the infer rule admits only these four
      return eig_matrices<std::complex<double>>(ctx);
  }
}

}  // namespace

void register_linalg_eig_kernels(KernelTable& table) {
  table.add("linalg_eig", DeviceKind::CPU, &eig_kernel);
  table.add("linalg_eigvals", DeviceKind::CPU, &eig_kernel);
}

}  // namespace nabla::cpu
