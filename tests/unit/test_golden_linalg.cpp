// Golden NumPy agreement for nabla::linalg (and trace/diag/triu/tril): inputs and NumPy's outputs
// were saved by tests/golden/generate.py (listed in linalg_cases.txt) and are read with load_npy.
//
// Tolerance: an output agrees when every element is within kSlack * eps(dtype) * sensitivity *
// scale of NumPy's, where the sensitivity (a condition number per output, from the manifest) says
// how much rounding errors are amplified, and the scale is the largest |value| of the element's
// matrix, vector or own value (normwise errors, which is what backward-stable LAPACK routines
// guarantee). Both nabla and NumPy round, so the bound covers the difference of two computations.
// Results that are unique only up to a factor are aligned first: eigenvectors and singular
// vectors up to sign, eig's eigenvalues as a set and its eigenvectors up to a unit complex factor.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <nabla/nabla.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace {
using namespace nabla;
using Complex = std::complex<double>;

const std::filesystem::path kGolden = NABLA_TEST_GOLDEN_DIR;

// Multiples of eps * sensitivity * scale allowed. The largest seen on OpenBLAS 0.3.21 against
// NumPy 1.24 is printed at the end of the test.
constexpr double kSlack = 16.0;

struct GoldenCase {
  std::string name, op;
  std::map<std::string, std::string> args;  // "key=value;key=value" of the manifest
  std::vector<Tensor> inputs, want;
  std::vector<double> sensitivity;  // one per output

  [[nodiscard]] bool has(const std::string& key) const { return args.count(key) != 0; }
  [[nodiscard]] const std::string& arg(const std::string& key) const {
    const auto it = args.find(key);
    if (it == args.end()) throw std::runtime_error(name + ": no argument '" + key + "'");
    return it->second;
  }
  [[nodiscard]] double number(const std::string& key) const {
    const std::string& text = arg(key);
    if (text == "inf") return linalg::inf;
    if (text == "-inf") return -linalg::inf;
    return std::stod(text);
  }
  [[nodiscard]] int64_t integer(const std::string& key) const { return std::stoll(arg(key)); }
};

std::map<std::string, std::string> parse_args(const std::string& text) {
  std::map<std::string, std::string> args;
  if (text == "-") return args;
  std::istringstream fields(text);
  std::string field;
  while (std::getline(fields, field, ';')) {
    const size_t eq = field.find('=');
    args[field.substr(0, eq)] = field.substr(eq + 1);
  }
  return args;
}

std::vector<double> parse_numbers(const std::string& text) {
  std::vector<double> numbers;
  std::istringstream fields(text);
  std::string field;
  while (std::getline(fields, field, ',')) numbers.push_back(std::stod(field));
  return numbers;
}

std::vector<int64_t> parse_axes(const std::string& text) {
  std::vector<int64_t> axes;
  for (double a : parse_numbers(text)) axes.push_back(static_cast<int64_t>(a));
  return axes;
}

// ---- Values: a tensor's elements as complex numbers (real ones with imaginary part 0), so one
// comparison serves every dtype and results can be aligned before comparing. ----

struct Values {
  Shape shape;
  DType dtype;
  std::vector<Complex> v;
};

Values values_of(const Tensor& t) {
  Values out{t.shape(), t.dtype(), {}};
  if (is_complex(t.dtype())) {
    out.v = t.to_vector<Complex>();
  } else {
    for (double x : t.to_vector<double>()) out.v.emplace_back(x, 0.0);
  }
  return out;
}

double epsilon_of(DType dtype) {
  const DType real = real_of(dtype);
  return real == float32 ? std::numeric_limits<float>::epsilon()
                         : std::numeric_limits<double>::epsilon();
}

std::string index_string(const Shape& shape, size_t flat) {
  std::vector<int64_t> index(static_cast<size_t>(shape.rank()));
  for (int64_t d = shape.rank() - 1; d >= 0; --d) {
    index[static_cast<size_t>(d)] = static_cast<int64_t>(flat) % shape[d];
    flat /= static_cast<size_t>(shape[d]);
  }
  std::ostringstream out;
  out << Shape(index);
  return out.str();
}

bool same_non_finite(Complex got, Complex want) {
  const auto same = [](double g, double w) { return (std::isnan(g) && std::isnan(w)) || g == w; };
  return same(got.real(), want.real()) && same(got.imag(), want.imag());
}

// The scale of an element: max |want| over its block of the last `block_dims` axes (2: its
// matrix, 1: its vector, 0: itself), or 1 for absolute comparisons (block_dims < 0).
std::vector<double> block_scales(const Values& want, int block_dims) {
  std::vector<double> scales(want.v.size(), 1.0);
  if (block_dims < 0) return scales;
  size_t block = 1;
  for (int64_t d = 1; d <= std::min<int64_t>(block_dims, want.shape.rank()); ++d) {
    block *= static_cast<size_t>(want.shape[-d]);
  }
  for (size_t start = 0; block > 0 && start < want.v.size(); start += block) {
    double largest = 0.0;
    for (size_t i = start; i < start + block; ++i) {
      if (std::isfinite(std::abs(want.v[i]))) largest = std::max(largest, std::abs(want.v[i]));
    }
    std::fill(scales.begin() + static_cast<std::ptrdiff_t>(start),
              scales.begin() + static_cast<std::ptrdiff_t>(start + block), largest);
  }
  return scales;
}

struct Worst {
  double ratio = 0.0;
  std::string where;
};
Worst& worst_seen() {
  static Worst worst;
  return worst;
}

constexpr int kMatrix = 2, kVector = 1, kElement = 0, kAbsolute = -1, kExact = -2;

/// Checks got against NumPy's want (dtype, shape, values); `what` names the output in messages.
void expect_agrees(const GoldenCase& c, const std::string& what, const Values& got,
                   const Values& want, double sensitivity, int block_dims) {
  const std::string label = c.name + " (" + c.op + "), " + what;
  EXPECT_EQ(got.dtype, want.dtype) << label << ": dtype differs from NumPy's";
  if (got.shape != want.shape) {
    ADD_FAILURE() << label << ": shape " << got.shape << ", NumPy " << want.shape;
    return;
  }
  const bool exact = block_dims == kExact || !(is_floating(want.dtype) || is_complex(want.dtype));
  const std::vector<double> scales = block_scales(want, exact ? kAbsolute : block_dims);
  const double unit = epsilon_of(want.dtype) * sensitivity;
  double worst_ratio = 0.0;
  size_t worst = 0;
  for (size_t i = 0; i < want.v.size(); ++i) {
    const Complex g = got.v[i], w = want.v[i];
    double ratio = 0.0;
    if (!std::isfinite(std::abs(w)) || !std::isfinite(std::abs(g))) {
      ratio = same_non_finite(g, w) ? 0.0 : linalg::inf;
    } else if (exact) {
      ratio = g == w ? 0.0 : linalg::inf;
    } else {
      const double diff = std::abs(g - w);
      ratio = diff == 0.0 ? 0.0 : diff / (unit * scales[i]);
    }
    if (ratio > worst_ratio) worst_ratio = ratio, worst = i;
  }
  if (worst_ratio > kSlack) {
    const Complex g = got.v[worst], w = want.v[worst];
    const auto show = [&](Complex z) {
      std::ostringstream out;
      out.precision(17);
      if (is_complex(want.dtype)) {
        out << z;
      } else {
        out << z.real();
      }
      return out.str();
    };
    ADD_FAILURE() << label << " differs from NumPy at " << index_string(want.shape, worst)
                  << ": got " << show(g) << ", NumPy " << show(w) << "; |diff| " << std::abs(g - w)
                  << (exact ? " (exact comparison)"
                            : " = " + std::to_string(worst_ratio) + " * eps * sensitivity " +
                                  std::to_string(sensitivity) + " * scale " +
                                  std::to_string(scales[worst]) + ", allowed " +
                                  std::to_string(kSlack));
  }
  if (!exact && std::isfinite(worst_ratio) && worst_ratio > worst_seen().ratio) {
    worst_seen() = {worst_ratio, label};
  }
}

void expect_agrees(const GoldenCase& c, size_t output, const std::string& what, const Tensor& got,
                   int block_dims) {
  ASSERT_LT(output, c.want.size()) << c.name;
  expect_agrees(c, what, values_of(got), values_of(c.want[output]), c.sensitivity[output],
                block_dims);
}

// ---- Alignment of results that are unique only up to a factor ----

/// For matrices [..., m, n]: the unit factor p (a sign for real data) per batch and column j <
/// `columns` with got[:, j] * p closest to want[:, j]: p = <got_j, want_j> / |<got_j, want_j>|.
std::vector<Complex> column_phases(const Values& got, const Values& want, int64_t columns) {
  const int64_t m = want.shape[-2], n = want.shape[-1];
  const size_t batches = want.v.size() / static_cast<size_t>(m * n);
  std::vector<Complex> phases;
  for (size_t b = 0; b < batches; ++b) {
    for (int64_t j = 0; j < columns; ++j) {
      Complex inner = 0.0;
      for (int64_t i = 0; i < m; ++i) {
        const size_t at = b * static_cast<size_t>(m * n) + static_cast<size_t>(i * n + j);
        inner += std::conj(got.v[at]) * want.v[at];
      }
      phases.push_back(std::abs(inner) > 0 ? inner / std::abs(inner) : Complex(1.0));
    }
  }
  return phases;
}

/// Multiplies column j (or row j, when `rows`) of each matrix by phases[batch * count + j].
void apply_phases(Values& x, const std::vector<Complex>& phases, int64_t count, bool rows) {
  const int64_t m = x.shape[-2], n = x.shape[-1];
  for (size_t at = 0; at < x.v.size(); ++at) {
    const size_t b = at / static_cast<size_t>(m * n), in_matrix = at % static_cast<size_t>(m * n);
    const int64_t j =
        rows ? static_cast<int64_t>(in_matrix) / n : static_cast<int64_t>(in_matrix) % n;
    if (j < count) x.v[at] *= phases[b * static_cast<size_t>(count) + static_cast<size_t>(j)];
  }
}

/// The first `count` columns (or rows) of each matrix [..., m, n].
Values leading(const Values& x, int64_t count, bool rows) {
  const int64_t m = x.shape[-2], n = x.shape[-1];
  Values out{x.shape, x.dtype, {}};
  (rows ? out.shape[-2] : out.shape[-1]) = count;
  for (size_t at = 0; at < x.v.size(); ++at) {
    const int64_t in_matrix = static_cast<int64_t>(at % static_cast<size_t>(m * n));
    if ((rows ? in_matrix / n : in_matrix % n) < count) out.v.push_back(x.v[at]);
  }
  return out;
}

void expect_orthonormal_columns(const GoldenCase& c, const std::string& what, const Tensor& Q) {
  const Tensor gram = matmul(Q.transpose(-2, -1), Q);
  const Tensor identity = broadcast_to(eye(Q.size(-1), std::nullopt, 0, Q.dtype()), gram.shape());
  const double error = max(abs(gram - identity)).item<double>();
  EXPECT_LE(error, kSlack * epsilon_of(Q.dtype()) * static_cast<double>(Q.size(-2)))
      << c.name << ": " << what << " has no orthonormal columns (max |Q^T Q - I| " << error << ")";
}

// ---- One runner per op: call nabla and compare its outputs ----

using Runner = std::function<void(const GoldenCase&)>;

void run_eigh(const GoldenCase& c) {
  const auto [w, V] = linalg::eigh(c.inputs[0], c.arg("uplo"));
  expect_agrees(c, 0, "eigenvalues", w, kVector);
  Values got = values_of(V), want = values_of(c.want[1]);
  apply_phases(got, column_phases(got, want, want.shape[-1]), want.shape[-1], false);
  expect_agrees(c, "eigenvectors (up to column signs)", got, want, c.sensitivity[1], kMatrix);
}

void run_svd(const GoldenCase& c) {
  const bool full = c.integer("full_matrices") != 0;
  const auto [U, S, Vh] = linalg::svd(c.inputs[0], full);
  expect_agrees(c, 1, "singular values", S, kVector);
  // U[:, j] and Vh[j, :] share one sign; with full_matrices only the first k = min(m, n) columns
  // of U (rows of Vh) are determined, the others are any orthonormal completion.
  const int64_t k = S.size(-1);
  Values u = values_of(U), vh = values_of(Vh);
  const Values want_u = values_of(c.want[0]), want_vh = values_of(c.want[2]);
  const std::vector<Complex> signs = column_phases(u, want_u, k);
  apply_phases(u, signs, k, false);
  apply_phases(vh, signs, k, true);
  expect_agrees(c, "U (up to column signs)", leading(u, k, false), leading(want_u, k, false),
                c.sensitivity[0], kMatrix);
  expect_agrees(c, "Vh (rows signed as U's columns)", leading(vh, k, true),
                leading(want_vh, k, true), c.sensitivity[2], kMatrix);
  if (full) {
    expect_orthonormal_columns(c, "U", U);
    expect_orthonormal_columns(c, "Vh^T", Vh.transpose(-2, -1));
  }
}

/// Reorders each batch's last axis of got so that got[j] is the unmatched value nearest want[j].
std::vector<size_t> match_eigenvalues(const Values& got, const Values& want) {
  const size_t n = static_cast<size_t>(want.shape[-1]);
  std::vector<size_t> order(want.v.size());
  for (size_t start = 0; start < want.v.size(); start += n) {
    std::vector<bool> used(n, false);
    for (size_t j = 0; j < n; ++j) {
      size_t best = n;
      for (size_t i = 0; i < n; ++i) {
        if (!used[i] && (best == n || std::abs(got.v[start + i] - want.v[start + j]) <
                                          std::abs(got.v[start + best] - want.v[start + j]))) {
          best = i;
        }
      }
      used[best] = true;
      order[start + j] = start + best;
    }
  }
  return order;
}

void run_eig(const GoldenCase& c, bool vectors) {
  const Tensor& A = c.inputs[0];
  const linalg::EigResult result =
      vectors ? linalg::eig(A) : linalg::EigResult{linalg::eigvals(A), Tensor()};
  const Values w = values_of(result.eigenvalues), want_w = values_of(c.want[0]);
  if (w.shape != want_w.shape) {
    ADD_FAILURE() << c.name << ": eigenvalues " << w.shape << ", NumPy " << want_w.shape;
    return;
  }
  const std::vector<size_t> order = match_eigenvalues(w, want_w);
  Values matched = w;
  for (size_t j = 0; j < order.size(); ++j) matched.v[j] = w.v[order[j]];
  expect_agrees(c, "eigenvalues (as a set)", matched, want_w, c.sensitivity[0], kVector);
  if (!vectors) return;

  // Columns in the matched order, each turned by a unit complex factor towards NumPy's.
  const Values V = values_of(result.eigenvectors), want_v = values_of(c.want[1]);
  const size_t n = static_cast<size_t>(want_w.shape[-1]);
  Values reordered = V;
  for (size_t at = 0; at < V.v.size(); ++at) {
    const size_t batch = at / (n * n), row = at % (n * n) / n, col = at % n;
    reordered.v[at] = V.v[batch * n * n + row * n + order[batch * n + col] % n];
  }
  apply_phases(reordered, column_phases(reordered, want_v, static_cast<int64_t>(n)),
               static_cast<int64_t>(n), false);
  expect_agrees(c, "eigenvectors (matched, up to unit factors)", reordered, want_v,
                c.sensitivity[1], kMatrix);
  // And A V = V diag(w) on nabla's own output: a backward error, no sensitivity.
  const Tensor Ac = A.astype(result.eigenvectors.dtype());
  const Tensor residual =
      matmul(Ac, result.eigenvectors) - result.eigenvectors * unsqueeze(result.eigenvalues, -2);
  const double error = max(abs(residual)).item<double>();
  const double bound = kSlack * epsilon_of(A.dtype()) * static_cast<double>(n) *
                       max(abs(A.astype(float64))).item<double>();
  EXPECT_LE(error, bound) << c.name << ": max |A V - V diag(w)| = " << error;
}

void run_lstsq(const GoldenCase& c) {
  const std::optional<double> rcond =
      c.has("rcond") ? std::optional<double>(c.number("rcond")) : std::nullopt;
  const linalg::LstsqResult r = linalg::lstsq(c.inputs[0], c.inputs[1], rcond);
  expect_agrees(c, 0, "solution", r.solution, kMatrix);
  expect_agrees(c, 1, "residuals", r.residuals, kVector);
  expect_agrees(c, 2, "rank", r.rank, kExact);
  expect_agrees(c, 3, "singular values", r.singular_values, kVector);
}

void run_norm(const GoldenCase& c) {
  const Tensor& x = c.inputs[0];
  const std::vector<int64_t> axes =
      c.has("axes") ? parse_axes(c.arg("axes")) : std::vector<int64_t>{};
  const bool keepdims = c.has("keepdims");
  Tensor got;
  if (!c.has("ord")) {
    ASSERT_TRUE(axes.empty() && !keepdims) << c.name;
    got = linalg::norm(x);
  } else if (c.arg("ord") == "fro" || c.arg("ord") == "nuc") {
    got = linalg::norm(x, c.arg("ord"), axes, keepdims);
  } else {
    got = linalg::norm(x, c.number("ord"), axes, keepdims);
  }
  expect_agrees(c, 0, "norm", got, kElement);
}

void run_cond(const GoldenCase& c) {
  const Tensor& A = c.inputs[0];
  Tensor got;
  if (!c.has("ord")) {
    got = linalg::cond(A);
  } else if (c.arg("ord") == "fro" || c.arg("ord") == "nuc") {
    got = linalg::cond(A, c.arg("ord"));
  } else {
    got = linalg::cond(A, c.number("ord"));
  }
  expect_agrees(c, 0, "condition number", got, kElement);
}

void run_qr(const GoldenCase& c) {
  const std::string& mode = c.arg("mode");
  const auto [Q, R] = linalg::qr(c.inputs[0], mode);
  if (mode == "r") {
    expect_agrees(c, 0, "R", R, kMatrix);
    return;
  }
  // Compared directly: nabla and NumPy both take LAPACK's Householder QR (geqrf + orgqr), whose
  // signs are fixed by the algorithm.
  expect_agrees(c, 0, "Q", Q, kMatrix);
  expect_agrees(c, 1, "R", R, kMatrix);
}

/// An op with one output compared with the given block scale.
Runner single(std::function<Tensor(const GoldenCase&)> f, int block_dims) {
  return [f = std::move(f), block_dims](const GoldenCase& c) {
    expect_agrees(c, 0, c.op, f(c), block_dims);
  };
}

const std::map<std::string, Runner>& runners() {
  static const std::map<std::string, Runner> table = {
      {"det", single([](const GoldenCase& c) { return linalg::det(c.inputs[0]); }, kElement)},
      {"slogdet",
       [](const GoldenCase& c) {
         const auto [sign, logabsdet] = linalg::slogdet(c.inputs[0]);
         expect_agrees(c, 0, "sign", sign, kExact);
         // log |det| to an absolute error: the relative error of det.
         expect_agrees(c, 1, "logabsdet", logabsdet, kAbsolute);
       }},
      {"inv", single([](const GoldenCase& c) { return linalg::inv(c.inputs[0]); }, kMatrix)},
      {"solve", single([](const GoldenCase& c) { return linalg::solve(c.inputs[0], c.inputs[1]); },
                       kMatrix)},
      {"lstsq", &run_lstsq},
      {"pinv", single(
                   [](const GoldenCase& c) {
                     return linalg::pinv(c.inputs[0], c.has("rtol")
                                                          ? std::optional<double>(c.number("rtol"))
                                                          : std::nullopt);
                   },
                   kMatrix)},
      {"matrix_rank", single(
                          [](const GoldenCase& c) {
                            return linalg::matrix_rank(
                                c.inputs[0], c.has("tol") ? std::optional<double>(c.number("tol"))
                                                          : std::nullopt);
                          },
                          kExact)},
      {"norm", &run_norm},
      {"cond", &run_cond},
      {"matrix_power",
       single([](const GoldenCase& c) { return linalg::matrix_power(c.inputs[0], c.integer("n")); },
              kMatrix)},
      {"cross", single(
                    [](const GoldenCase& c) {
                      return linalg::cross(c.inputs[0], c.inputs[1], c.integer("axis"));
                    },
                    kVector)},
      {"trace",
       single([](const GoldenCase& c) { return trace(c.inputs[0], c.integer("k")); }, kVector)},
      {"diagonal",
       single([](const GoldenCase& c) { return linalg::diagonal(c.inputs[0], c.integer("k")); },
              kExact)},
      {"diag",
       single([](const GoldenCase& c) { return diag(c.inputs[0], c.integer("k")); }, kExact)},
      {"triu",
       single([](const GoldenCase& c) { return triu(c.inputs[0], c.integer("k")); }, kExact)},
      {"tril",
       single([](const GoldenCase& c) { return tril(c.inputs[0], c.integer("k")); }, kExact)},
      {"cholesky", single(
                       [](const GoldenCase& c) {
                         return linalg::cholesky(c.inputs[0], c.integer("upper") != 0);
                       },
                       kMatrix)},
      {"qr", &run_qr},
      {"eigh", &run_eigh},
      {"eigvalsh",
       single([](const GoldenCase& c) { return linalg::eigvalsh(c.inputs[0], c.arg("uplo")); },
              kVector)},
      {"svd", &run_svd},
      {"svdvals",
       single([](const GoldenCase& c) { return linalg::svdvals(c.inputs[0]); }, kVector)},
      {"eig", [](const GoldenCase& c) { run_eig(c, true); }},
      {"eigvals", [](const GoldenCase& c) { run_eig(c, false); }},
  };
  return table;
}

TEST(GoldenLinalg, AgreesWithNumPy) {
  std::ifstream manifest(kGolden / "linalg_cases.txt");
  ASSERT_TRUE(manifest) << "missing " << kGolden / "linalg_cases.txt"
                        << " (run /usr/bin/python3 tests/golden/generate.py)";
  std::string line;
  std::map<std::string, int> per_op;
  while (std::getline(manifest, line)) {
    std::istringstream fields(line);
    std::string name, op, arg, inputs, outputs, sensitivity;
    ASSERT_TRUE(std::getline(fields, name, '\t') && std::getline(fields, op, '\t') &&
                std::getline(fields, arg, '\t') && std::getline(fields, inputs, '\t') &&
                std::getline(fields, outputs, '\t') && std::getline(fields, sensitivity, '\t'))
        << line;
    GoldenCase c{name, op, parse_args(arg), {}, {}, parse_numbers(sensitivity)};
    const auto file = [&](const std::string& suffix) {
      return kGolden / ("linalg_" + name + "_" + suffix + ".npy");
    };
    for (int i = 0; i < std::stoi(inputs); ++i)
      c.inputs.push_back(load_npy(file("in" + std::to_string(i))));
    for (int j = 0; j < std::stoi(outputs); ++j)
      c.want.push_back(load_npy(file("out" + std::to_string(j))));
    ASSERT_EQ(c.sensitivity.size(), c.want.size()) << line;
    const auto runner = runners().find(op);
    ASSERT_NE(runner, runners().end()) << name << ": no runner for op '" << op << "'";
    SCOPED_TRACE(name + ": " + op + " " + arg);
    try {
      runner->second(c);
    } catch (const std::exception& e) {
      ADD_FAILURE() << name << " (" << op << " " << arg << ") threw: " << e.what();
    }
    ++per_op[op];
  }
  EXPECT_EQ(per_op.size(), runners().size()) << "some ops have no golden case";
  int cases = 0;
  for (const auto& [op, count] : per_op) cases += count;
  EXPECT_GE(cases, 150);
  std::cout << "[ golden   ] " << cases << " linalg cases; largest difference "
            << worst_seen().ratio << " * eps * sensitivity * scale (" << worst_seen().where
            << ")\n";
}

}  // namespace
