// The "before deep-learning frameworks" toolbox on MNIST, in nabla::linalg and nabla's
// map/reduce/filter:
//   1. PCA by SVD: explained variance of the first 50 components, reconstruction error.
//   2. Least squares three ways, for a linear classifier on those 50 components (+ bias):
//      QR (R x = Q^T b), lstsq (SVD-based), and the normal equations by Cholesky; the residuals
//      agree, and cond(A^T A) = cond(A)^2 says why QR is the careful choice.
//   3. Eigen-decomposition of the covariance matrix, checked against the SVD (w = S^2 / (n-1),
//      the same principal directions up to sign).
//   4. map/reduce/filter: the mean image of every digit with filter + reduce, checked against the
//      one_hot + matmul formula, and classified by the nearest centroid.
// All computations in float64. Final JSON line with the figures; "checks": "pass" when the
// identities hold (the CTest test matches it).
#include <chrono>
#include <cmath>
#include <iostream>
#include <nabla/nabla.hpp>
#include <string>

#include "cli.hpp"

using namespace nabla;
using example_cli::parse_number;
using example_cli::UsageError;

namespace {

constexpr const char* kUsage = R"(usage: linalg_tour [options]
  --limit N          training images used (the SVD of N x 784 dominates the time)  [10000]
  --components K     principal components kept                                     [50]
  --data DIR         folder with the four MNIST-format IDX files
                     [default: datasets::mnist::load_data(): $NABLA_DATA/mnist, ~/.nabla, download]
  --skip-if-no-data  exit 77 (a skipped test) when no local MNIST copy exists (no download)
  --help             this text
)";

struct Options {
  int64_t limit = 10000;
  int64_t components = 50;
  std::string data;
  bool skip_if_no_data = false;
  bool help = false;
};

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "--skip-if-no-data") {
      (flag == "--help" ? o.help : o.skip_if_no_data) = true;
      continue;
    }
    if (i + 1 >= argc) throw UsageError(std::string(flag) + " needs a value (or is unknown)");
    const std::string_view value = argv[++i];
    if (flag == "--limit") {
      o.limit = parse_number<int64_t>(flag, value);
    } else if (flag == "--components") {
      o.components = parse_number<int64_t>(flag, value);
    } else if (flag == "--data") {
      o.data = value;
    } else {
      throw UsageError("unknown option " + std::string(flag));
    }
  }
  if (o.limit < 1000 || o.components < 1 || o.components > 784) {
    throw UsageError("need --limit >= 1000 and 1 <= --components <= 784");
  }
  return o;
}

double scalar(const Tensor& t) { return t.item<double>(); }

/// Images [n, 28, 28] uint8 -> [n, 784] float64 in [0, 1].
Tensor flat_pixels(const Tensor& images) {
  return images.reshape({images.shape()[0], -1}).astype(float64) / 255.0;
}

struct Pca {
  Tensor mean;                      // [784]
  Tensor components;                // [k, 784]: the first k rows of Vh
  Tensor singular;                  // [min(n, 784)]
  double explained = 0;             // fraction of the variance in the first k components
  double reconstruction_error = 0;  // ||Xc - Xc V_k V_k^T||_F / ||Xc||_F
};

Pca pca(const Tensor& x, int64_t k) {
  Pca p;
  p.mean = mean(x, {0});
  Tensor centered = x - p.mean;
  auto [U, S, Vh] = linalg::svd(centered, /*full_matrices=*/false);
  p.singular = S;
  p.components = Vh.slice(0, 0, k);
  Tensor variance = square(S);
  p.explained = scalar(sum(variance.slice(0, 0, k)) / sum(variance));
  Tensor projected = matmul(matmul(centered, transpose(p.components)), p.components);
  p.reconstruction_error =
      scalar(linalg::norm(centered - projected, "fro") / linalg::norm(centered, "fro"));
  return p;
}

/// [Z, 1]: the k principal-component scores of x and a column of ones for the bias.
Tensor design_matrix(const Tensor& x, const Pca& p) {
  Tensor scores = matmul(x - p.mean, transpose(p.components));
  return concatenate({scores, ones({x.shape()[0], 1}, float64)}, 1);
}

double accuracy_of(const Tensor& scores, const Tensor& labels) {
  return scalar(mean(equal(argmax(scores, 1), labels.astype(int64)).astype(float64)));
}

}  // namespace

int run(const Options& options) {
  if (options.skip_if_no_data && example_cli::mnist_missing("linalg_tour", options.data)) {
    return 77;
  }
  const auto start = std::chrono::steady_clock::now();
  auto [train, test] =
      options.data.empty() ? datasets::mnist::load_data() : datasets::load_idx_folder(options.data);
  const int64_t n = std::min(options.limit, train.x.shape()[0]);
  Tensor x = flat_pixels(train.x.slice(0, 0, n)), labels = train.y.slice(0, 0, n);
  Tensor x_test = flat_pixels(test.x), labels_test = test.y;
  std::cout << "MNIST: " << n << " training images " << x.shape() << ", test " << x_test.shape()
            << "\n\n";

  // 1. PCA by SVD.
  const int64_t k = options.components;
  const Pca p = pca(x, k);
  std::cout << "1. PCA by SVD of the centred " << x.shape() << " images\n"
            << "   the first " << k << " components explain " << 100 * p.explained
            << "% of the variance; relative reconstruction error " << p.reconstruction_error
            << "\n\n";

  // 2. Least squares: one-hot targets from the k component scores and a bias.
  Tensor A = design_matrix(x, p), B = one_hot(labels, 10, float64);
  auto [Q, R] = linalg::qr(A);  // reduced: Q [n, k+1], R [k+1, k+1]
  Tensor w_qr = linalg::solve_triangular(R, matmul(transpose(Q), B), /*upper=*/true);
  Tensor w_lstsq = linalg::lstsq(A, B).solution;
  Tensor gram = matmul(transpose(A), A);
  Tensor L = linalg::cholesky(gram);
  Tensor w_chol = linalg::solve_triangular(
      transpose(L), linalg::solve_triangular(L, matmul(transpose(A), B), /*upper=*/false),
      /*upper=*/true);
  const auto residual = [&](const Tensor& w) { return scalar(linalg::norm(matmul(A, w) - B)); };
  const double r_qr = residual(w_qr), r_lstsq = residual(w_lstsq), r_chol = residual(w_chol);
  const double max_solution_diff =
      std::max(scalar(max(abs(w_qr - w_lstsq))), scalar(max(abs(w_qr - w_chol))));
  const double cond_A = scalar(linalg::cond(A)), cond_gram = scalar(linalg::cond(gram));
  const double ls_accuracy = accuracy_of(matmul(design_matrix(x_test, p), w_qr), labels_test);
  std::cout << "2. Least squares, A " << A.shape() << " (component scores + bias) -> one-hot "
            << B.shape() << "\n"
            << "   residual ||A w - B||: QR " << r_qr << ", lstsq " << r_lstsq
            << ", Cholesky of A^T A " << r_chol << "\n"
            << "   largest difference between the solutions " << max_solution_diff << "\n"
            << "   cond(A) = " << cond_A << ", cond(A^T A) = " << cond_gram
            << " (the square: the normal equations lose twice the digits)\n"
            << "   as a linear classifier: " << 100 * ls_accuracy << "% test accuracy\n\n";

  // 3. Eigen-decomposition of the covariance, against the SVD.
  Tensor centered = x - p.mean;
  Tensor covariance = matmul(transpose(centered), centered) / static_cast<double>(n - 1);
  auto [w, V] = linalg::eigh(covariance);  // ascending: the largest is last
  // eigenvalue 783 - i against S_i^2 / (n - 1), and direction 783 - i against row i of Vh, which
  // agree up to sign: |<v, vh>| = 1.
  const std::vector<double> eigenvalues = w.to_vector<double>();
  const std::vector<double> from_svd =
      (square(p.singular) / static_cast<double>(n - 1)).to_vector<double>();
  const std::vector<double> dots = matmul(p.components, V).to_vector<double>();  // [k, 784]
  double eig_diff = 0, direction_diff = 0;
  for (int64_t i = 0; i < k; ++i) {
    const auto at = static_cast<size_t>(783 - i);
    eig_diff = std::max(eig_diff,
                        std::abs(eigenvalues[at] - from_svd[static_cast<size_t>(i)]) / from_svd[0]);
    direction_diff =
        std::max(direction_diff, std::abs(1.0 - std::abs(dots[static_cast<size_t>(i * 784) + at])));
  }
  std::cout << "3. eigh of the 784 x 784 covariance vs the SVD\n"
            << "   top " << k << " eigenvalues vs S^2/(n-1): max relative difference " << eig_diff
            << "\n   principal directions: max |1 - |<v, vh>|| = " << direction_diff << "\n\n";

  // 4. map / reduce / filter: mean image per digit.
  Tensor ink = map(x, [](double v) { return v > 0.5; });  // bool [n, 784]
  const double ink_fraction = scalar(mean(ink.astype(float64)));
  std::vector<Tensor> centroids;
  for (int64_t digit = 0; digit < 10; ++digit) {
    Tensor rows_mask = broadcast_to(unsqueeze(labels == digit, 1), x.shape());
    Tensor pixels = filter(x, rows_mask).reshape({-1, 784});  // the digit's images
    Tensor total = reduce(pixels, 0, 0.0, [](double acc, double v) { return acc + v; });
    centroids.push_back(total / static_cast<double>(pixels.shape()[0]));
  }
  Tensor centroid_matrix = stack(centroids, 0);  // [10, 784]
  Tensor indicator = one_hot(labels, 10, float64);
  Tensor by_matmul = matmul(transpose(indicator), x) / unsqueeze(sum(indicator, {0}), 1);
  const double centroid_diff = scalar(max(abs(centroid_matrix - by_matmul)));
  Tensor distances =
      sum(square(centroid_matrix), {1}) - 2.0 * matmul(x_test, transpose(centroid_matrix));
  const double centroid_accuracy = accuracy_of(-distances, labels_test);
  std::cout << "4. map/reduce/filter: " << 100 * ink_fraction
            << "% of pixels are ink (map), mean image per digit by filter + reduce\n"
            << "   vs one_hot + matmul: max difference " << centroid_diff
            << "; nearest-centroid test accuracy " << 100 * centroid_accuracy << "%\n\n";

  // The identities above hold to float64 round-off: these bounds are generous.
  const bool pass = std::abs(r_qr - r_lstsq) <= 1e-8 * r_qr &&
                    std::abs(r_qr - r_chol) <= 1e-6 * r_qr && eig_diff <= 1e-8 &&
                    direction_diff <= 1e-6 && centroid_diff <= 1e-10 &&
                    std::abs(cond_gram / (cond_A * cond_A) - 1) <= 1e-6;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "{\"example\": \"linalg_tour\", \"images\": " << n << ", \"components\": " << k
            << ", \"explained_variance\": " << p.explained
            << ", \"reconstruction_error\": " << p.reconstruction_error
            << ", \"residual_qr\": " << r_qr << ", \"residual_lstsq\": " << r_lstsq
            << ", \"residual_cholesky\": " << r_chol << ", \"cond_A\": " << cond_A
            << ", \"cond_AtA\": " << cond_gram << ", \"least_squares_accuracy\": " << ls_accuracy
            << ", \"eig_vs_svd\": " << eig_diff << ", \"centroid_accuracy\": " << centroid_accuracy
            << ", \"checks\": \"" << (pass ? "pass" : "fail") << "\", \"seconds\": " << seconds
            << "}\n";
  return pass ? 0 : 1;
}

int main(int argc, char** argv) {
  return example_cli::run_main("linalg_tour", kUsage, argc, argv, parse_options, run);
}
