// Op-table rows for the solver ops (linalg_det_lu, linalg_inv, linalg_solve,
// linalg_solve_triangular, linalg_lstsq) and the matrix composites (trace, triu, tril,
// matrix_power, cross, vector_norm), against Gaussian elimination in double. The random inputs
// get 6 I added (entries are in [-2, 2]): a dominant diagonal keeps every matrix well conditioned.
#include <cmath>
#include <cstdlib>
#include <utility>

#include "optable/op_table.hpp"

namespace optable {
namespace {

using namespace nabla;
using Run = std::function<Tensor(const std::vector<Tensor>&)>;

constexpr double kShift = 6.0;

/// x + 6 I over the last two axes of x [..., n, n].
Tensor shifted(const Tensor& x) {
  return x + eye(x.shape().at(-1), std::nullopt, 0, x.dtype()) * kShift;
}

/// The batch count, rows and columns of a Ref [..., rows, cols].
struct Matrices {
  int64_t count, rows, cols;
};
Matrices matrices_of(const Ref& r) {
  const auto rank = r.shape.size();
  const int64_t rows = r.shape[rank - 2], cols = r.shape[rank - 1];
  return {r.numel() / (rows * cols), rows, cols};
}

/// Matrix b of a Ref [..., rows, cols], row-major.
std::vector<double> matrix(const Ref& r, int64_t b) {
  const Matrices m = matrices_of(r);
  const auto begin = r.data.begin() + b * m.rows * m.cols;
  return {begin, begin + m.rows * m.cols};
}

std::vector<double> transposed(const std::vector<double>& a, int64_t rows, int64_t cols) {
  std::vector<double> t(a.size());
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) t[size_t(j * rows + i)] = a[size_t(i * cols + j)];
  }
  return t;
}

std::vector<double> product(const std::vector<double>& a, const std::vector<double>& b, int64_t n,
                            int64_t inner, int64_t k) {
  std::vector<double> c(size_t(n * k), 0.0);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t p = 0; p < inner; ++p) {
      for (int64_t j = 0; j < k; ++j)
        c[size_t(i * k + j)] += a[size_t(i * inner + p)] * b[size_t(p * k + j)];
    }
  }
  return c;
}

/// Gaussian elimination with partial pivoting: b (n x k) becomes A^{-1} b; returns det A.
double gauss(std::vector<double> a, std::vector<double>& b, int64_t n, int64_t k) {
  double det = 1.0;
  for (int64_t c = 0; c < n; ++c) {
    int64_t pivot = c;
    for (int64_t r = c + 1; r < n; ++r) {
      if (std::abs(a[size_t(r * n + c)]) > std::abs(a[size_t(pivot * n + c)])) pivot = r;
    }
    if (pivot != c) {
      det = -det;
      for (int64_t j = 0; j < n; ++j) std::swap(a[size_t(c * n + j)], a[size_t(pivot * n + j)]);
      for (int64_t j = 0; j < k; ++j) std::swap(b[size_t(c * k + j)], b[size_t(pivot * k + j)]);
    }
    const double d = a[size_t(c * n + c)];
    det *= d;
    for (int64_t r = 0; r < n; ++r) {
      if (r == c) continue;
      const double f = a[size_t(r * n + c)] / d;
      for (int64_t j = 0; j < n; ++j) a[size_t(r * n + j)] -= f * a[size_t(c * n + j)];
      for (int64_t j = 0; j < k; ++j) b[size_t(r * k + j)] -= f * b[size_t(c * k + j)];
    }
  }
  for (int64_t r = 0; r < n; ++r) {
    for (int64_t j = 0; j < k; ++j) b[size_t(r * k + j)] /= a[size_t(r * n + r)];
  }
  return det;
}

std::vector<double> shifted(std::vector<double> a, int64_t n) {
  for (int64_t i = 0; i < n; ++i) a[size_t(i * n + i)] += kShift;
  return a;
}

/// One triangle of a (n x n), with a unit diagonal when asked.
std::vector<double> triangle(std::vector<double> a, int64_t n, bool upper, bool unit) {
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      if (upper ? j < i : j > i) a[size_t(i * n + j)] = 0;
      if (unit && i == j) a[size_t(i * n + j)] = 1;
    }
  }
  return a;
}

/// Per matrix of A (shifted): det (what = 0), log|det| (1) or the inverse (2).
Ref det_or_inverse(const Ref& A, int what) {
  const Matrices m = matrices_of(A);
  Ref out;
  out.shape.assign(A.shape.begin(), A.shape.end() - (what == 2 ? 0 : 2));
  for (int64_t b = 0; b < m.count; ++b) {
    std::vector<double> x(size_t(m.rows * m.rows), 0.0);
    for (int64_t i = 0; i < m.rows; ++i) x[size_t(i * m.rows + i)] = 1;
    const double det = gauss(shifted(matrix(A, b), m.rows), x, m.rows, m.rows);
    if (what == 2) {
      out.data.insert(out.data.end(), x.begin(), x.end());
    } else {
      out.data.push_back(what == 0 ? det : std::log(std::abs(det)));
    }
  }
  return out;
}

/// Per matrix: X with op(A) X = B, op(A) = `prepare`(matrix b of A); B [..., n, k] with A's batch.
Ref solve_ref(const Ref& A, const Ref& B,
              const std::function<std::vector<double>(std::vector<double>, int64_t)>& prepare) {
  const Matrices ma = matrices_of(A), mb = matrices_of(B);
  Ref out{B.shape, {}};
  for (int64_t b = 0; b < mb.count; ++b) {
    std::vector<double> x = matrix(B, b);
    gauss(prepare(matrix(A, b % ma.count), ma.rows), x, ma.rows, mb.cols);
    out.data.insert(out.data.end(), x.begin(), x.end());
  }
  return out;
}

OpCase linalg_case(std::string name, std::vector<InputSpec> inputs, Run run,
                   std::function<Ref(const std::vector<Ref>&)> reference, DType out,
                   double tolerance, int grad_order) {
  return OpCase{std::move(name),
                std::move(inputs),
                std::move(run),
                std::move(reference),
                out,
                tolerance,
                true,
                grad_order};
}

Ref lstsq_ref(const Ref& A, const Ref& B) {  // the normal equations A^T A X = A^T B
  const Matrices ma = matrices_of(A), mb = matrices_of(B);
  const std::vector<double> At = transposed(A.data, ma.rows, ma.cols);
  std::vector<double> x = product(At, B.data, ma.cols, ma.rows, mb.cols);
  gauss(product(At, A.data, ma.cols, ma.rows, ma.cols), x, ma.cols, mb.cols);
  return Ref{{ma.cols, mb.cols}, x};
}

NABLA_OP_CASES({
    linalg_case(
        "linalg_det_f64", {{{3, 3}, float64}},
        [](const auto& x) { return linalg::det(shifted(x[0])); },
        [](const auto& r) { return det_or_inverse(r[0], 0); }, float64, 1e-12, 2),
    linalg_case(
        "linalg_det_f32_batched", {{{2, 4, 4}, float32}},
        [](const auto& x) { return linalg::det(shifted(x[0])); },
        [](const auto& r) { return det_or_inverse(r[0], 0); }, float32, 1e-5, 1),
    linalg_case(
        "linalg_slogdet_logabsdet", {{{2, 3, 3}, float64}},
        [](const auto& x) { return linalg::slogdet(shifted(x[0])).logabsdet; },
        [](const auto& r) { return det_or_inverse(r[0], 1); }, float64, 1e-12, 2),
    linalg_case(
        "linalg_inv_f64_batched", {{{2, 3, 3}, float64}},
        [](const auto& x) { return linalg::inv(shifted(x[0])); },
        [](const auto& r) { return det_or_inverse(r[0], 2); }, float64, 1e-12, 2),
    linalg_case(
        "linalg_inv_f32", {{{4, 4}, float32}},
        [](const auto& x) { return linalg::inv(shifted(x[0])); },
        [](const auto& r) { return det_or_inverse(r[0], 2); }, float32, 1e-5, 1),
    linalg_case(
        "linalg_solve_batched", {{{2, 3, 3}, float64}, {{2, 3, 2}, float64}},
        [](const auto& x) { return linalg::solve(shifted(x[0]), x[1]); },
        [](const auto& r) {
          return solve_ref(r[0], r[1], [](auto a, int64_t n) { return shifted(a, n); });
        },
        float64, 1e-12, 2),
    linalg_case(
        "linalg_solve_vector_f32", {{{3, 3}, float32}, {{3}, float32}},
        [](const auto& x) { return linalg::solve(shifted(x[0]), x[1]); },
        [](const auto& r) {
          const Ref b{{3, 1}, r[1].data};
          Ref x = solve_ref(r[0], b, [](auto a, int64_t n) { return shifted(a, n); });
          x.shape = {3};
          return x;
        },
        float32, 1e-5, 1),
    linalg_case(
        "linalg_solve_triangular_upper", {{{2, 3, 3}, float64}, {{2, 3, 2}, float64}},
        [](const auto& x) { return linalg::solve_triangular(shifted(x[0]), x[1], true); },
        [](const auto& r) {
          return solve_ref(r[0], r[1], [](auto a, int64_t n) {
            return triangle(shifted(a, n), n, true, false);
          });
        },
        float64, 1e-12, 2),
    linalg_case(
        "linalg_solve_triangular_lower_unit_right", {{{3, 3}, float64}, {{2, 3}, float64}},
        [](const auto& x) {
          return linalg::solve_triangular(x[0], x[1], /*upper=*/false, /*left=*/false,
                                          /*unitriangular=*/true);
        },
        [](const auto& r) {  // X L = B: L^T X^T = B^T
          const Ref bt{{3, 2}, transposed(r[1].data, 2, 3)};
          const Ref xt = solve_ref(r[0], bt, [](auto a, int64_t n) {
            return transposed(triangle(std::move(a), n, false, true), n, n);
          });
          return Ref{{2, 3}, transposed(xt.data, 3, 2)};
        },
        float64, 1e-12, 1),
    linalg_case(
        "linalg_lstsq_solution", {{{5, 3}, float64}, {{5, 2}, float64}},
        [](const auto& x) { return linalg::lstsq(x[0], x[1]).solution; },
        [](const auto& r) { return lstsq_ref(r[0], r[1]); }, float64, 1e-10, 1),
    linalg_case(
        "linalg_trace_offset", {{{2, 3, 4}, float64}}, [](const auto& x) { return trace(x[0], 1); },
        [](const auto& r) {
          Ref out{{2}, {0, 0}};
          for (int64_t b = 0; b < 2; ++b) {
            for (int64_t i = 0; i < 3; ++i)
              out.data[size_t(b)] += r[0].data[size_t(b * 12 + i * 4 + i + 1)];
          }
          return out;
        },
        float64, 1e-12, 2),
    linalg_case(
        "linalg_triu_tril", {{{2, 3, 4}, float32}},
        [](const auto& x) { return triu(x[0], 1) + 2.0 * tril(x[0], -1); },
        [](const auto& r) {
          Ref out = r[0];
          for (int64_t flat = 0; flat < out.numel(); ++flat) {
            const int64_t i = (flat / 4) % 3, j = flat % 4;
            out.data[size_t(flat)] *= j >= i + 1 ? 1.0 : (j <= i - 1 ? 2.0 : 0.0);
          }
          return out;
        },
        float32, 1e-6, 2),
    linalg_case(
        "linalg_matrix_power_3", {{{2, 3, 3}, float64}},
        [](const auto& x) { return linalg::matrix_power(x[0], 3); },
        [](const auto& r) {
          Ref out{r[0].shape, {}};
          for (int64_t b = 0; b < 2; ++b) {
            const auto a = matrix(r[0], b);
            const auto p = product(product(a, a, 3, 3, 3), a, 3, 3, 3);
            out.data.insert(out.data.end(), p.begin(), p.end());
          }
          return out;
        },
        float64, 1e-12, 2),
    linalg_case(
        "linalg_cross_broadcast", {{{2, 3}, float64}, {{3}, float64}},
        [](const auto& x) { return linalg::cross(x[0], x[1]); },
        [](const auto& r) {
          Ref out{{2, 3}, {}};
          const auto& b = r[1].data;
          for (int64_t i = 0; i < 2; ++i) {
            const double* a = r[0].data.data() + i * 3;
            out.data.insert(out.data.end(), {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2],
                                             a[0] * b[1] - a[1] * b[0]});
          }
          return out;
        },
        float64, 1e-12, 2),
    linalg_case(
        "linalg_vector_norm_p3", {{{2, 4}, float64, 0.5, 2.0}},
        [](const auto& x) { return linalg::vector_norm(x[0], 3, {-1}); },
        [](const auto& r) {
          Ref s = reduce(map(r[0], [](double v) { return std::pow(std::abs(v), 3); }), {-1}, false,
                         0.0, [](double a, double b) { return a + b; });
          return map(s, [](double v) { return std::cbrt(v); });
        },
        float64, 1e-12, 1),
});

}  // namespace
}  // namespace optable
