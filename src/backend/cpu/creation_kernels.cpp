// CPU kernels of the creation ops: fill, arange, linspace, eye and the Philox random draws.
// Each writes a contiguous output; random element i depends only on (seed, counter + i).
#include <cmath>
#include <numbers>

#include "backend/cpu/kernels.hpp"
#include "backend/cpu/strided_loop.hpp"
#include "nabla/util/philox.hpp"

namespace nabla::cpu {
namespace {

__extension__ using Uint128 = unsigned __int128;  // GCC/Clang builtin, for multiply-high

/// out[i] = fn(i) over the contiguous output, in parallel.
template <class T, class Fn>
void generate(const Tensor& out, Fn fn) {
  T* o = out.data<T>();
  parallel_for(0, out.numel(), kElementwiseGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) o[i] = fn(i);
  });
}

void fill_kernel(const KernelContext& ctx) {
  visit_dtype_with_complex(ctx.outputs[0].dtype(), [&]<class T>(T) {
    const T value = ctx.attrs.get<Scalar>("value").to<T>();
    generate<T>(ctx.outputs[0], [value](int64_t) { return value; });
  });
}

void arange_kernel(const KernelContext& ctx) {
  const Scalar start = ctx.attrs.get<Scalar>("start"), step = ctx.attrs.get<Scalar>("step");
  visit_dtype(ctx.outputs[0].dtype(), [&]<class T>(T) {
    if constexpr (std::is_floating_point_v<T>) {
      const double s = start.to<double>(), d = step.to<double>();
      generate<T>(ctx.outputs[0],
                  [=](int64_t i) { return static_cast<T>(s + d * static_cast<double>(i)); });
    } else {
      const int64_t s = start.to<int64_t>(), d = step.to<int64_t>();
      generate<T>(ctx.outputs[0], [=](int64_t i) { return static_cast<T>(s + d * i); });
    }
  });
}

void linspace_kernel(const KernelContext& ctx) {
  const double start = ctx.attrs.get<double>("start"), stop = ctx.attrs.get<double>("stop");
  const bool endpoint = ctx.attrs.get<bool>("endpoint");
  const int64_t num = ctx.outputs[0].numel();
  const int64_t divisions = endpoint ? num - 1 : num;
  const double step = divisions > 0 ? (stop - start) / static_cast<double>(divisions) : 0.0;
  visit_dtype(ctx.outputs[0].dtype(), [&]<class T>(T) {
    generate<T>(ctx.outputs[0], [=](int64_t i) {
      // the last point is exactly `stop`, as NumPy guarantees
      const double v =
          (endpoint && num > 1 && i == num - 1) ? stop : start + step * static_cast<double>(i);
      return static_cast<T>(v);
    });
  });
}

void eye_kernel(const KernelContext& ctx) {
  const int64_t k = ctx.attrs.get<int64_t>("k");
  const int64_t cols = ctx.outputs[0].shape()[1];
  visit_dtype_with_complex(ctx.outputs[0].dtype(), [&]<class T>(T) {
    generate<T>(ctx.outputs[0],
                [=](int64_t i) { return convert_element<T>(i % cols - i / cols == k); });
  });
}

uint64_t attr_u64(const KernelContext& ctx, const char* key) {
  return static_cast<uint64_t>(ctx.attrs.get<int64_t>(key));
}

void random_uniform_kernel(const KernelContext& ctx) {
  const uint64_t seed = attr_u64(ctx, "seed"), counter = attr_u64(ctx, "counter");
  const double low = ctx.attrs.get<double>("low"), high = ctx.attrs.get<double>("high");
  visit_dtype(ctx.outputs[0].dtype(), [&]<class T>(T) {
    if constexpr (std::is_floating_point_v<T>) {
      generate<T>(ctx.outputs[0], [=](int64_t i) {
        const auto w = philox::generate(counter + static_cast<uint64_t>(i), seed);
        if constexpr (std::is_same_v<T, float>) {
          const float u = philox::to_unit_float(w[0]);
          const float v = static_cast<float>(low) + static_cast<float>(high - low) * u;
          return v < static_cast<float>(high) ? v : static_cast<float>(low);  // rounding guard
        } else {
          return low + (high - low) * philox::to_unit_double(w[0], w[1]);
        }
      });
    }
  });
}

void random_normal_kernel(const KernelContext& ctx) {
  const uint64_t seed = attr_u64(ctx, "seed"), counter = attr_u64(ctx, "counter");
  const double mean = ctx.attrs.get<double>("mean"), stddev = ctx.attrs.get<double>("stddev");
  visit_dtype(ctx.outputs[0].dtype(), [&]<class T>(T) {
    if constexpr (std::is_floating_point_v<T>) {
      generate<T>(ctx.outputs[0], [=](int64_t i) {
        // Box-Muller on two 53-bit uniforms; u1 in (0, 1] keeps log finite.
        const auto w = philox::generate(counter + static_cast<uint64_t>(i), seed);
        const double u1 = 1.0 - philox::to_unit_double(w[0], w[1]);
        const double u2 = philox::to_unit_double(w[2], w[3]);
        const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
        return static_cast<T>(mean + stddev * z);
      });
    }
  });
}

void random_randint_kernel(const KernelContext& ctx) {
  const uint64_t seed = attr_u64(ctx, "seed"), counter = attr_u64(ctx, "counter");
  // Unsigned arithmetic: a range wider than 2^63 (e.g. [-2^62, 2^62)) would overflow int64.
  const auto low = static_cast<uint64_t>(ctx.attrs.get<int64_t>("low"));
  const uint64_t range = static_cast<uint64_t>(ctx.attrs.get<int64_t>("high")) - low;
  visit_dtype(ctx.outputs[0].dtype(), [&]<class T>(T) {
    generate<T>(ctx.outputs[0], [=](int64_t i) {
      // 64 random bits reduced by multiply-high: bias below 2^-64 * range, i.e. none measurable
      const auto w = philox::generate(counter + static_cast<uint64_t>(i), seed);
      const uint64_t bits = (static_cast<uint64_t>(w[0]) << 32) | w[1];
      const auto r = static_cast<uint64_t>((static_cast<Uint128>(bits) * range) >> 64);
      return static_cast<T>(static_cast<int64_t>(low + r));
    });
  });
}

}  // namespace

void register_creation_kernels(KernelTable& table) {
  table.add("fill", DeviceKind::CPU, &fill_kernel);
  table.add("arange", DeviceKind::CPU, &arange_kernel);
  table.add("linspace", DeviceKind::CPU, &linspace_kernel);
  table.add("eye", DeviceKind::CPU, &eye_kernel);
  table.add("random_uniform", DeviceKind::CPU, &random_uniform_kernel);
  // random_key: the reserved (seed, counter) pair as an int64 [2] tensor.
  table.add("random_key", DeviceKind::CPU, [](const KernelContext& ctx) {
    int64_t* key = ctx.outputs[0].data<int64_t>();
    key[0] = ctx.attrs.get<int64_t>("seed");
    key[1] = ctx.attrs.get<int64_t>("counter");
  });
  table.add("random_normal", DeviceKind::CPU, &random_normal_kernel);
  table.add("random_randint", DeviceKind::CPU, &random_randint_kernel);
}

}  // namespace nabla::cpu
