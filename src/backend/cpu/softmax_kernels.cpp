// softmax and log_softmax along one axis: per lane (the elements along the axis), one pass for
// the max, one for the sum of exp(x - max), one to write the result. Lanes run in parallel.
#include <algorithm>
#include <cmath>
#include <limits>

#include "backend/cpu/kernels.hpp"
#include "backend/cpu/strided_loop.hpp"

namespace nabla::cpu {
namespace {

template <class T, bool kLog>
void softmax_lane(const T* x, int64_t x_step, T* out, int64_t out_step, int64_t n) {
  T m = -std::numeric_limits<T>::infinity();
  bool nan = false;
  for (int64_t i = 0; i < n; ++i) {
    const T v = x[i * x_step];
    nan |= v != v;
    m = v > m ? v : m;
  }
  if (nan) m = std::numeric_limits<T>::quiet_NaN();  // a NaN anywhere makes the lane NaN
  // Summed in double: float32 lanes of thousands of classes keep full precision.
  double total = 0;
  for (int64_t i = 0; i < n; ++i) {
    const T e = std::exp(x[i * x_step] - m);
    if constexpr (!kLog) out[i * out_step] = e;
    total += static_cast<double>(e);
  }
  if constexpr (kLog) {
    // (x - m) - log(sum), not x - (m + log(sum)): x - m is exact near the top, where m + log(sum)
    // would round away the digits of log(sum) below m's precision.
    const auto log_total = static_cast<T>(std::log(total));
    for (int64_t i = 0; i < n; ++i) out[i * out_step] = (x[i * x_step] - m) - log_total;
  } else {
    const T scale = static_cast<T>(1.0 / total);
    for (int64_t i = 0; i < n; ++i) out[i * out_step] *= scale;
  }
}

template <bool kLog>
void softmax_kernel(const KernelContext& ctx) {
  const Tensor &x = ctx.inputs[0], &out = ctx.outputs[0];
  int64_t axis = ctx.attrs.get<int64_t>("axis");
  if (axis < 0) axis += x.ndim();
  const int64_t n = x.shape()[axis];
  if (n == 0) return;
  const int64_t x_step = x.strides()[static_cast<size_t>(axis)];
  const int64_t out_step = out.strides()[static_cast<size_t>(axis)];
  const Tensor x_lanes = lanes_of(x, axis), out_lanes = lanes_of(out, axis);
  const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / (4 * n));
  auto run = [&]<class T>(T) {
    auto plan = make_plan<2>(x_lanes.shape(), {&out_lanes, &x_lanes});
    for_each_row(
        plan, grain,
        [&](int64_t count, const std::array<char*, 2>& p, const std::array<int64_t, 2>& s) {
          T* o = reinterpret_cast<T*>(p[0]);
          const T* src = reinterpret_cast<const T*>(p[1]);
          for (int64_t lane = 0; lane < count; ++lane) {
            softmax_lane<T, kLog>(src + lane * s[1], x_step, o + lane * s[0], out_step, n);
          }
        });
  };
  if (x.dtype() == DType::Float32) {
    run(float{});
  } else {
    run(double{});
  }
}

}  // namespace

void register_softmax_kernels(KernelTable& table) {
  table.add("softmax", DeviceKind::CPU, &softmax_kernel<false>);
  table.add("log_softmax", DeviceKind::CPU, &softmax_kernel<true>);
}

}  // namespace nabla::cpu
