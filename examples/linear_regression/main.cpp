// Linear regression by gradient descent with autodiff, the smallest complete training loop: noisy
// points from y = 3x + 2, a line w x + b fitted by requires_grad_, backward, an in-place step
// under NoGradGuard and zero_grad. Ends with a machine-readable JSON line.
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <nabla/nabla.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

#include "cli.hpp"

using namespace nabla;

namespace {

const char* const kUsage = R"(usage: linear_regression [options]
Fits y = w x + b to noisy points of y = 3x + 2 (x uniform in [-1, 1]) by gradient descent on the
mean squared error, with gradients from autodiff.
  --steps N    gradient-descent steps [200]
  --lr X       learning rate [0.1]
  --points N   number of points [100]
  --noise X    standard deviation of the Gaussian noise added to y [0.1]
  --seed N     seed of nabla::random [0]
  --help       this text
)";

struct Options {
  int64_t steps = 200;
  double lr = 0.1;
  int64_t points = 100;
  double noise = 0.1;
  uint64_t seed = 0;
  bool help = false;
};

using example_cli::parse_number;
using example_cli::UsageError;

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help") {
      o.help = true;
      continue;
    }
    if (i + 1 >= argc) throw UsageError(std::string(flag) + " needs a value (or is unknown)");
    const std::string_view value = argv[++i];
    if (flag == "--steps") {
      o.steps = parse_number<int64_t>(flag, value);
    } else if (flag == "--lr") {
      o.lr = parse_number<double>(flag, value);
    } else if (flag == "--points") {
      o.points = parse_number<int64_t>(flag, value);
    } else if (flag == "--noise") {
      o.noise = parse_number<double>(flag, value);
    } else if (flag == "--seed") {
      o.seed = parse_number<uint64_t>(flag, value);
    } else {
      throw UsageError("unknown option " + std::string(flag));
    }
  }
  if (o.steps < 0 || o.points < 2 || !(o.lr > 0) || !(o.noise >= 0)) {
    throw UsageError("need --steps >= 0, --points >= 2, --lr > 0, --noise >= 0");
  }
  return o;
}

/// Mean squared error of the line w x + b on the points (x, y); x, y: [n] -> 0-d.
Tensor mse(const Tensor& w, const Tensor& b, const Tensor& x, const Tensor& y) {
  return mean(square(w * x + b - y));
}

int run(const Options& o) {
  random::seed(o.seed);
  const Tensor x = random::uniform({o.points}, -1.0, 1.0);
  const Tensor y = 3.0f * x + 2.0f + random::normal({o.points}, 0.0, o.noise);

  // The exact least-squares line, for reference: w* = cov(x, y) / var(x), b* = mean(y) - w*
  // mean(x). Gradient descent should land on it; how far it is from (3, 2) is the noise's doing.
  const double w_star = (mean((x - mean(x)) * (y - mean(y))) / var(x)).item<double>();
  const double b_star = mean(y).item<double>() - w_star * mean(x).item<double>();

  // Parameters are leaves of the graph: 0-d tensors whose gradients backward() accumulates.
  Tensor w = zeros(Shape{}).requires_grad_();
  Tensor b = zeros(Shape{}).requires_grad_();
  const int64_t report_every = std::max<int64_t>(1, o.steps / 5);
  std::cout << std::fixed << std::setprecision(6);
  for (int64_t step = 0; step < o.steps; ++step) {
    const Tensor loss = mse(w, b, x, y);
    loss.backward();  // w.grad() = dloss/dw, b.grad() = dloss/db
    if (step % report_every == 0) {
      std::cout << "step " << std::setw(4) << step << "  loss " << loss.item<double>() << "  w "
                << w.item<double>() << "  b " << b.item<double>() << "\n";
    }
    {
      NoGradGuard no_grad;  // the update itself is not part of the model: record nothing
      w.sub_(o.lr * w.grad());
      b.sub_(o.lr * b.grad());
    }
    w.zero_grad();  // backward() accumulates: clear before the next step
    b.zero_grad();
  }

  NoGradGuard no_grad;
  const double final_loss = mse(w, b, x, y).item<double>();
  const double w_fit = w.item<double>();
  const double b_fit = b.item<double>();
  std::cout << "fitted line:   y = " << w_fit << " x + " << b_fit << "  (loss " << final_loss
            << " after " << o.steps << " steps)\n"
            << "least squares: y = " << w_star << " x + " << b_star << "\n"
            << "true line:     y = 3 x + 2 (noise standard deviation " << o.noise << ")\n";
  std::cout << "{\"example\": \"linear_regression\", \"w\": " << w_fit << ", \"b\": " << b_fit
            << ", \"final_loss\": " << final_loss << ", \"steps\": " << o.steps << "}\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return example_cli::run_main("linear_regression", kUsage, argc, argv, parse_options, run);
}
