// Op-table rows for the factorizations: textbook algorithms in double as references (Cholesky-
// Banachiewicz, Doolittle with partial pivoting, modified Gram-Schmidt, cyclic Jacobi), each row
// returning something the factorization fixes uniquely (signs normalised, gauge-free products),
// so that every row is also a gradient row.
#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <vector>

#include "optable/op_table.hpp"

namespace optable {
namespace {

using namespace nabla;

/// A row-major matrix of doubles.
struct Matrix {
  int64_t rows = 0, cols = 0;
  std::vector<double> v;
  Matrix(int64_t r, int64_t c) : rows(r), cols(c), v(static_cast<size_t>(r * c), 0.0) {}
  double& operator()(int64_t i, int64_t j) { return v[static_cast<size_t>(i * cols + j)]; }
  double operator()(int64_t i, int64_t j) const { return v[static_cast<size_t>(i * cols + j)]; }
};

Matrix transposed(const Matrix& a) {
  Matrix t(a.cols, a.rows);
  for (int64_t i = 0; i < a.rows; ++i)
    for (int64_t j = 0; j < a.cols; ++j) t(j, i) = a(i, j);
  return t;
}
Matrix product(const Matrix& a, const Matrix& b) {
  Matrix c(a.rows, b.cols);
  for (int64_t i = 0; i < a.rows; ++i)
    for (int64_t k = 0; k < a.cols; ++k)
      for (int64_t j = 0; j < b.cols; ++j) c(i, j) += a(i, k) * b(k, j);
  return c;
}
/// [a b] side by side (axis 1) or [a; b] stacked (axis 0).
Matrix joined(const Matrix& a, const Matrix& b, int axis) {
  Matrix c(axis == 0 ? a.rows + b.rows : a.rows, axis == 0 ? a.cols : a.cols + b.cols);
  for (int64_t i = 0; i < c.rows; ++i) {
    for (int64_t j = 0; j < c.cols; ++j) {
      const bool first = axis == 0 ? i < a.rows : j < a.cols;
      c(i, j) = first ? a(i, j) : axis == 0 ? b(i - a.rows, j) : b(i, j - a.cols);
    }
  }
  return c;
}

/// fn applied to every matrix of the batch x [..., m, n], the results stacked the same way.
Ref per_matrix(const Ref& x, const std::function<Matrix(const Matrix&)>& fn) {
  const int64_t rows = x.shape[x.shape.size() - 2], cols = x.shape.back();
  const int64_t count = x.numel() / (rows * cols);
  Ref out;
  for (int64_t b = 0; b < count; ++b) {
    Matrix a(rows, cols);
    std::copy_n(x.data.begin() + b * rows * cols, rows * cols, a.v.begin());
    const Matrix r = fn(a);
    if (b == 0) {
      out.shape.assign(x.shape.begin(), x.shape.end() - 2);
      out.shape.push_back(r.rows);
      out.shape.push_back(r.cols);
    }
    out.data.insert(out.data.end(), r.v.begin(), r.v.end());
  }
  return out;
}

/// X X^T + n I.
Matrix spd(const Matrix& x) {
  Matrix a = product(x, transposed(x));
  for (int64_t i = 0; i < a.rows; ++i) a(i, i) += static_cast<double>(a.rows);
  return a;
}
Matrix symmetric(const Matrix& x) {
  Matrix a = x;
  for (int64_t i = 0; i < a.rows; ++i)
    for (int64_t j = 0; j < a.cols; ++j) a(i, j) = x(i, j) + x(j, i);
  return a;
}

Matrix cholesky_lower(const Matrix& a) {
  Matrix l(a.rows, a.rows);
  for (int64_t j = 0; j < a.rows; ++j) {
    for (int64_t i = j; i < a.rows; ++i) {
      double s = a(i, j);
      for (int64_t k = 0; k < j; ++k) s -= l(i, k) * l(j, k);
      l(i, j) = i == j ? std::sqrt(s) : s / l(j, j);
    }
  }
  return l;
}

struct Lu {
  Matrix L, U, P;
};
/// Doolittle with partial pivoting (the largest |element|, first on ties, as LAPACK): A = P L U.
Lu lu_reference(Matrix a) {
  const int64_t m = a.rows, n = a.cols, k = std::min(m, n);
  std::vector<int64_t> order(static_cast<size_t>(m));
  std::iota(order.begin(), order.end(), 0);
  for (int64_t j = 0; j < k; ++j) {
    int64_t p = j;
    for (int64_t i = j + 1; i < m; ++i)
      if (std::abs(a(i, j)) > std::abs(a(p, j))) p = i;
    for (int64_t c = 0; c < n; ++c) std::swap(a(j, c), a(p, c));
    std::swap(order[static_cast<size_t>(j)], order[static_cast<size_t>(p)]);
    for (int64_t i = j + 1; i < m; ++i) {
      a(i, j) /= a(j, j);
      for (int64_t c = j + 1; c < n; ++c) a(i, c) -= a(i, j) * a(j, c);
    }
  }
  Lu r{Matrix(m, k), Matrix(k, n), Matrix(m, m)};
  for (int64_t i = 0; i < m; ++i) {
    r.P(order[static_cast<size_t>(i)], i) = 1;
    for (int64_t j = 0; j < n; ++j) {
      if (j < k && i >= j) r.L(i, j) = i == j ? 1 : a(i, j);
      if (i < k && i <= j) r.U(i, j) = a(i, j);
    }
  }
  return r;
}

/// X with A X = B by the reference LU.
Matrix solve_reference(const Matrix& a, const Matrix& b) {
  const Lu f = lu_reference(a);
  Matrix x = product(transposed(f.P), b);
  for (int64_t c = 0; c < b.cols; ++c) {
    for (int64_t i = 0; i < a.rows; ++i)
      for (int64_t k = 0; k < i; ++k) x(i, c) -= f.L(i, k) * x(k, c);
    for (int64_t i = a.rows - 1; i >= 0; --i) {
      for (int64_t k = i + 1; k < a.rows; ++k) x(i, c) -= f.U(i, k) * x(k, c);
      x(i, c) /= f.U(i, i);
    }
  }
  return x;
}

/// QR by modified Gram-Schmidt on the first k = min(m, n) columns, R's diagonal positive;
/// returned as [Q; R] (tall) or [Q R] (wide), the shapes the rows build.
Matrix qr_reference(const Matrix& a) {
  const int64_t m = a.rows, n = a.cols, k = std::min(m, n);
  Matrix q(m, k), r(k, n);
  for (int64_t j = 0; j < k; ++j) {
    std::vector<double> v(static_cast<size_t>(m));
    for (int64_t i = 0; i < m; ++i) v[static_cast<size_t>(i)] = a(i, j);
    for (int64_t p = 0; p < j; ++p) {
      for (int64_t i = 0; i < m; ++i) r(p, j) += q(i, p) * v[static_cast<size_t>(i)];
      for (int64_t i = 0; i < m; ++i) v[static_cast<size_t>(i)] -= r(p, j) * q(i, p);
    }
    r(j, j) = std::sqrt(std::inner_product(v.begin(), v.end(), v.begin(), 0.0));
    for (int64_t i = 0; i < m; ++i) q(i, j) = v[static_cast<size_t>(i)] / r(j, j);
  }
  for (int64_t j = k; j < n; ++j)
    for (int64_t p = 0; p < k; ++p)
      for (int64_t i = 0; i < m; ++i) r(p, j) += q(i, p) * a(i, j);
  return m >= n ? joined(q, r, 0) : joined(q, r, 1);
}

struct Eigen {
  std::vector<double> values;  // ascending
  Matrix vectors;              // columns, in the same order
};
/// Cyclic Jacobi rotations until the off-diagonal part vanishes.
Eigen jacobi(Matrix a) {
  const int64_t n = a.rows;
  Matrix v(n, n);
  for (int64_t i = 0; i < n; ++i) v(i, i) = 1;
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0;
    for (int64_t p = 0; p < n; ++p)
      for (int64_t q = p + 1; q < n; ++q) off += a(p, q) * a(p, q);
    if (off < 1e-30) break;
    for (int64_t p = 0; p < n; ++p) {
      for (int64_t q = p + 1; q < n; ++q) {
        if (a(p, q) == 0) continue;
        const double theta = (a(q, q) - a(p, p)) / (2 * a(p, q));
        const double t = (theta >= 0 ? 1 : -1) / (std::abs(theta) + std::hypot(theta, 1.0));
        const double c = 1 / std::hypot(t, 1.0), s = t * c;
        auto rotate = [&](double& x, double& y) {  // (x, y) <- (c x - s y, s x + c y)
          const double x0 = x;
          x = c * x0 - s * y;
          y = s * x0 + c * y;
        };
        for (int64_t k = 0; k < n; ++k) rotate(a(k, p), a(k, q));
        for (int64_t k = 0; k < n; ++k) rotate(a(p, k), a(q, k));
        for (int64_t k = 0; k < n; ++k) rotate(v(k, p), v(k, q));
      }
    }
  }
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int64_t i, int64_t j) { return a(i, i) < a(j, j); });
  Eigen e{{}, Matrix(n, n)};
  for (int64_t c = 0; c < n; ++c) {
    const int64_t from = order[static_cast<size_t>(c)];
    e.values.push_back(a(from, from));
    for (int64_t i = 0; i < n; ++i) e.vectors(i, c) = v(i, from);
  }
  return e;
}

/// Singular values, descending, as the square roots of the eigenvalues of A^T A or A A^T.
Matrix singular_values(const Matrix& a) {
  const Matrix gram = a.rows >= a.cols ? product(transposed(a), a) : product(a, transposed(a));
  const Eigen e = jacobi(gram);
  Matrix s(1, gram.rows);
  for (int64_t i = 0; i < gram.rows; ++i)
    s(0, i) = std::sqrt(std::max(0.0, e.values[static_cast<size_t>(gram.rows - 1 - i)]));
  return s;
}

// ---- what the rows compute with nabla ----

Tensor mT(const Tensor& x) { return swapaxes(x, -1, -2); }
Tensor spd(const Tensor& x) {
  return matmul(x, mT(x)) + static_cast<double>(x.size(-1)) * eye(x.size(-1), {}, 0, x.dtype());
}
Tensor symmetric(const Tensor& x) { return x + mT(x); }

/// Q and R with R's diagonal made positive (the unique factorization), joined like qr_reference.
Tensor normalized_qr(const Tensor& a) {
  const auto [Q, R] = linalg::qr(a);
  const Tensor d = sign(diagonal(R, 0, -2, -1));
  const Tensor q = Q * unsqueeze(d, -2), r = R * unsqueeze(d, -1);
  return concatenate({q, r}, a.size(-2) >= a.size(-1) ? -2 : -1);
}

InputSpec in(Shape shape, DType dtype = float64) { return {std::move(shape), dtype, -2.0, 2.0}; }

Ref unary(const std::vector<Ref>& r, const std::function<Matrix(const Matrix&)>& fn) {
  return per_matrix(r[0], fn);
}
/// unary for functions giving a vector (a 1 x k Matrix) per matrix: [..., k].
Ref unary_vector(const std::vector<Ref>& r, const std::function<Matrix(const Matrix&)>& fn) {
  Ref out = per_matrix(r[0], fn);
  out.shape.erase(out.shape.end() - 2);
  return out;
}

const Registrar registrar({
    {.name = "linalg_cholesky_f64",
     .inputs = {in({3, 3})},
     .run = [](const std::vector<Tensor>& x) { return linalg::cholesky(spd(x[0])); },
     .reference =
         [](const std::vector<Ref>& r) {
           return unary(r, [](const Matrix& a) { return cholesky_lower(spd(a)); });
         },
     .expected_dtype = float64,
     .grad_order = 2},
    {.name = "linalg_cholesky_upper_batch_f32",
     .inputs = {in({2, 3, 3}, float32)},
     .run = [](const std::vector<Tensor>& x) { return linalg::cholesky(spd(x[0]), true); },
     .reference =
         [](const std::vector<Ref>& r) {
           return unary(r, [](const Matrix& a) { return transposed(cholesky_lower(spd(a))); });
         },
     .expected_dtype = float32,
     .tolerance = 1e-4},
    {.name = "linalg_cholesky_int32",
     .inputs = {in({3, 3}, int32)},
     .run = [](const std::vector<Tensor>& x) { return linalg::cholesky(spd(x[0])); },
     .reference =
         [](const std::vector<Ref>& r) {
           return unary(r, [](const Matrix& a) { return cholesky_lower(spd(a)); });
         },
     .expected_dtype = float64},
    {.name = "linalg_qr_tall",
     .inputs = {in({2, 4, 3})},
     .run = [](const std::vector<Tensor>& x) { return normalized_qr(x[0]); },
     .reference = [](const std::vector<Ref>& r) { return unary(r, &qr_reference); },
     .expected_dtype = float64},
    {.name = "linalg_qr_wide_f32",
     .inputs = {in({2, 4}, float32)},
     .run = [](const std::vector<Tensor>& x) { return normalized_qr(x[0]); },
     .reference = [](const std::vector<Ref>& r) { return unary(r, &qr_reference); },
     .expected_dtype = float32,
     .tolerance = 1e-4},
    {.name = "linalg_lu_square",
     .inputs = {in({4, 4})},
     .run =
         [](const std::vector<Tensor>& x) {
           const auto f = linalg::lu(x[0]);
           return concatenate({f.L, f.U}, 0);
         },
     .reference =
         [](const std::vector<Ref>& r) {
           return unary(r, [](const Matrix& a) {
             const Lu f = lu_reference(a);
             return joined(f.L, f.U, 0);
           });
         },
     .expected_dtype = float64},
    {.name = "linalg_lu_tall_and_wide",
     .inputs = {in({5, 3})},
     .run =
         [](const std::vector<Tensor>& x) {
           const auto tall = linalg::lu(x[0]), wide = linalg::lu(mT(x[0]));
           return concatenate({tall.L, tall.U, mT(wide.L), mT(wide.U)}, 0);
         },
     .reference =
         [](const std::vector<Ref>& r) {
           return unary(r, [](const Matrix& a) {
             const Lu tall = lu_reference(a), wide = lu_reference(transposed(a));
             return joined(joined(tall.L, tall.U, 0),
                           joined(transposed(wide.L), transposed(wide.U), 0), 0);
           });
         },
     .expected_dtype = float64},
    {.name = "linalg_lu_permutation",
     .inputs = {in({2, 4, 3})},
     .run = [](const std::vector<Tensor>& x) { return linalg::lu(x[0]).P; },
     .reference =
         [](const std::vector<Ref>& r) {
           return unary(r, [](const Matrix& a) { return lu_reference(a).P; });
         },
     .expected_dtype = float64,
     .grad_order = 0},  // piecewise constant
    {.name = "linalg_lu_solve",
     .inputs = {in({3, 3}), in({3, 2})},
     .run =
         [](const std::vector<Tensor>& x) {
           const auto [LU, pivots] = linalg::lu_factor(x[0] + 5.0 * eye(3, {}, 0, float64));
           return linalg::lu_solve(LU, pivots, x[1]);
         },
     .reference =
         [](const std::vector<Ref>& r) {
           Matrix a(3, 3), b(3, 2);
           a.v = r[0].data;
           b.v = r[1].data;
           for (int64_t i = 0; i < 3; ++i) a(i, i) += 5;
           const Matrix x = solve_reference(a, b);
           return Ref{{3, 2}, x.v};
         },
     .expected_dtype = float64},
    {.name = "linalg_eigvalsh_f32",
     .inputs = {in({2, 4, 4}, float32)},
     .run = [](const std::vector<Tensor>& x) { return linalg::eigvalsh(symmetric(x[0])); },
     .reference =
         [](const std::vector<Ref>& r) {
           return unary_vector(r, [](const Matrix& a) {
             Matrix w(1, a.rows);
             w.v = jacobi(symmetric(a)).values;
             return w;
           });
         },
     .expected_dtype = float32,
     .tolerance = 1e-4},
    {.name = "linalg_eigh_vectors_squared",
     .inputs = {in({4, 4})},
     .run =
         [](const std::vector<Tensor>& x) {
           const Tensor V = linalg::eigh(symmetric(x[0]), "U").eigenvectors;
           return V * V;  // free of the sign gauge
         },
     .reference =
         [](const std::vector<Ref>& r) {
           return unary(r, [](const Matrix& a) {
             Matrix v = jacobi(symmetric(a)).vectors;
             for (double& e : v.v) e *= e;
             return v;
           });
         },
     .expected_dtype = float64},
    {.name = "linalg_svdvals_tall_and_wide",
     .inputs = {in({2, 5, 3})},
     .run =
         [](const std::vector<Tensor>& x) {
           return concatenate({linalg::svdvals(x[0]), linalg::svdvals(mT(x[0]))}, -1);
         },
     .reference =
         [](const std::vector<Ref>& r) {
           return unary_vector(r, [](const Matrix& a) {
             return joined(singular_values(a), singular_values(transposed(a)), 1);
           });
         },
     .expected_dtype = float64},
    {.name = "linalg_svd_rank1_part",
     .inputs = {in({4, 3})},
     .run =
         [](const std::vector<Tensor>& x) {
           // s0 u0 v0^T: gauge free, and equal to A v0 v0^T.
           const auto [U, S, Vh] = linalg::svd(x[0], /*full_matrices=*/false);
           return matmul(U.slice(-1, 0, 1) * S.slice(-1, 0, 1), Vh.slice(-2, 0, 1));
         },
     .reference =
         [](const std::vector<Ref>& r) {
           return unary(r, [](const Matrix& a) {
             const Eigen e = jacobi(product(transposed(a), a));
             Matrix v(a.cols, 1);
             for (int64_t i = 0; i < a.cols; ++i) v(i, 0) = e.vectors(i, a.cols - 1);
             return product(product(a, v), transposed(v));
           });
         },
     .expected_dtype = float64},
});

}  // namespace
}  // namespace optable
