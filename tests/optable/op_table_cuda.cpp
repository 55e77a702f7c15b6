// Every row of the op table on a CUDA device against the same row on the CPU (whose results the
// other drivers check against references and finite differences): forward values, contiguous
// and strided, within a tolerance per dtype, and for differentiable rows the gradients of a
// weighted sum of the output, computed on the GPU and brought back. A row whose op has no CUDA
// kernel fails with the DeviceError naming it: this driver is the list of what the CUDA backend
// still lacks. Without a visible GPU (CI) every row skips, saying why.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>

#include "nabla/cuda.hpp"
#include "optable/op_table.hpp"

namespace optable {
namespace {

using nabla::Tensor;

/// On CUDA: kernels are not the CPU's (other summation orders, fused multiply-adds in libm), so
/// floats agree to a few ulps of their dtype, integers and bools exactly; complex numbers to the
/// tolerance of their parts' dtype.
double parity_tolerance(const OpCase& c, nabla::DType dtype) {
  dtype = nabla::real_of(dtype);
  if (dtype == nabla::float32) return std::max(c.tolerance, 1e-5);
  if (dtype == nabla::float64) return 1e-11;
  return 0.0;
}

void expect_close(const std::vector<double>& got, const std::vector<double>& want, double tol,
                  const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    const double g = got[i], w = want[i];
    if (std::isnan(w)) {
      EXPECT_TRUE(std::isnan(g)) << what << " element " << i;
    } else if (std::isinf(w)) {
      EXPECT_EQ(g, w) << what << " element " << i;
    } else {
      EXPECT_LE(std::abs(g - w), tol * (1 + std::abs(w)))
          << what << " element " << i << ": cuda " << g << ", cpu " << w;
    }
  }
}

/// Complex results: non-finite parts as above, one by one; finite values by the modulus of the
/// difference, since a part alone can be far smaller than the rounding error of its complex
/// value (the real part ac - bd of a product cancels when ac is close to bd).
void expect_close(const std::vector<std::complex<double>>& got,
                  const std::vector<std::complex<double>>& want, double tol,
                  const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    const std::complex<double> g = got[i], w = want[i];
    if (std::isfinite(w.real()) && std::isfinite(w.imag())) {
      EXPECT_LE(std::abs(g - w), tol * (1 + std::abs(w)))
          << what << " element " << i << ": cuda " << g << ", cpu " << w;
    } else {
      expect_close(std::vector<double>{g.real(), g.imag()}, std::vector<double>{w.real(), w.imag()},
                   tol, what + " element " + std::to_string(i));
    }
  }
}

/// `x` on cuda:0; strided: the same values through a transposed view of device memory.
Tensor on_gpu(const Tensor& x, bool strided) {
  if (!strided || x.ndim() < 2) return x.cuda();
  return nabla::transpose(nabla::transpose(x).contiguous().cuda());
}

std::vector<Tensor> row_inputs(const OpCase& c) {
  std::mt19937_64 rng(std::hash<std::string>{}(c.name) + 2);
  std::vector<Tensor> inputs;
  for (const InputSpec& spec : c.inputs) inputs.push_back(random_tensor(spec, spec.shape, rng));
  return inputs;
}

class OpCuda : public ::testing::TestWithParam<std::pair<size_t, bool>> {};

TEST_P(OpCuda, MatchesTheCpu) {
  if (!nabla::cuda::is_available()) {
    GTEST_SKIP() << "no CUDA device is visible (" << nabla::cuda::unavailable_reason() << ")";
  }
  const OpCase& c = registry()[GetParam().first];
  const bool strided = GetParam().second;
  std::vector<Tensor> cpu_inputs = row_inputs(c);
  const bool differentiable = c.grad_order > 0 && nabla::is_floating(c.expected_dtype);
  if (differentiable) {
    for (Tensor& x : cpu_inputs) {
      if (nabla::is_floating(x.dtype())) x = x.astype(nabla::float64).requires_grad_();
    }
  }
  std::vector<Tensor> gpu_inputs;
  for (const Tensor& x : cpu_inputs) {
    Tensor g = on_gpu(x.detach(), strided);
    if (x.requires_grad()) g.requires_grad_();
    gpu_inputs.push_back(g);
  }

  nabla::random::seed(kRandomSeed);
  const Tensor want = c.run(cpu_inputs);
  nabla::random::seed(kRandomSeed);
  const Tensor got = c.run(gpu_inputs);
  ASSERT_EQ(got.device(), nabla::Device::cuda(0)) << c.name;
  ASSERT_EQ(got.shape(), want.shape()) << c.name;
  ASSERT_EQ(got.dtype(), want.dtype()) << c.name;
  const double tol = parity_tolerance(c, want.dtype());
  if (nabla::is_complex(want.dtype())) {
    expect_close(got.cpu().to_vector<std::complex<double>>(),
                 want.to_vector<std::complex<double>>(), tol, c.name);
  } else {
    expect_close(got.cpu().to_vector<double>(), want.to_vector<double>(), tol, c.name);
  }
  if (!differentiable) return;

  auto gradients = [](const Tensor& out, const std::vector<Tensor>& inputs) {
    const Tensor weights = nabla::cos(nabla::arange(0, out.numel()).reshape(out.shape()))
                               .astype(out.dtype())
                               .to(out.device());
    nabla::sum(out * weights).backward();
    std::vector<double> flat;
    for (const Tensor& x : inputs) {
      if (!x.requires_grad()) continue;
      EXPECT_EQ(x.grad().device(), x.device());
      const std::vector<double> g = x.grad().cpu().to_vector<double>();
      flat.insert(flat.end(), g.begin(), g.end());
    }
    return flat;
  };
  expect_close(gradients(got, gpu_inputs), gradients(want, cpu_inputs), tol, c.name + " gradients");
}

std::vector<std::pair<size_t, bool>> cuda_cases() {
  std::vector<std::pair<size_t, bool>> params;
  for (size_t i = 0; i < registry().size(); ++i) {
    params.emplace_back(i, false);
    if (registry()[i].noncontiguous) params.emplace_back(i, true);
  }
  return params;
}

INSTANTIATE_TEST_SUITE_P(Ops, OpCuda, ::testing::ValuesIn(cuda_cases()),
                         [](const ::testing::TestParamInfo<std::pair<size_t, bool>>& param_info) {
                           return registry()[param_info.param.first].name +
                                  (param_info.param.second ? "_strided" : "");
                         });

}  // namespace
}  // namespace optable
