// dropout: out = x * keep / (1 - rate), keep drawn per element of the (broadcast) noise shape from
// the Philox stream: element m of the mask uses 32-bit word m % 4 of the block at counter
// first + m / 4, so the forward pass and the gradient (the same kernel on g) see the same mask
// whatever the thread count.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "backend/cpu/kernels.hpp"
#include "backend/cpu/strided_loop.hpp"
#include "nabla/util/parallel.hpp"
#include "nabla/util/philox.hpp"

namespace nabla::cpu {
namespace {

template <class T>
void dropout_rows(const Tensor& x, const Tensor& out, const KernelContext& ctx) {
  const double rate = ctx.attrs.get<double>("rate");
  const Shape& mask = ctx.attrs.get<Shape>("mask_shape");
  // inputs[1]: the int64 key {seed, first counter} that random_key drew (ops/dropout.cpp).
  const int64_t* key = ctx.inputs[1].data<int64_t>();
  const auto seed = static_cast<uint64_t>(key[0]);
  const auto counter = static_cast<uint64_t>(key[1]);
  // keep iff word >= threshold: P(keep) = 1 - rate up to 2^-32.
  const auto threshold = static_cast<uint64_t>(std::ceil(rate * 4294967296.0));
  const T scale = static_cast<T>(1.0 / (1.0 - rate));
  const int64_t ndim = x.ndim();
  const int64_t cols = ndim == 0 ? 1 : x.shape()[ndim - 1];
  if (x.numel() == 0 || cols == 0) return;
  const int64_t rows = x.numel() / cols;
  // The mask index of an element: its coordinates times the mask's contiguous strides, with
  // stride 0 on broadcast dimensions.
  std::vector<int64_t> mask_stride(static_cast<size_t>(ndim), 0);
  int64_t stride = 1;
  for (int64_t d = ndim - 1; d >= 0; --d) {
    if (mask[d] != 1 || x.shape()[d] == 1) mask_stride[static_cast<size_t>(d)] = stride;
    stride *= mask[d];
  }
  const int64_t col_stride = ndim == 0 ? 0 : mask_stride.back();
  const T* src = x.data<T>();
  T* dst = out.data<T>();
  auto keep = [&](uint32_t word) { return static_cast<uint64_t>(word) >= threshold; };
  if (mask.numel() == x.numel()) {
    // One mask word per element, element m drawing word m: whole stretches of words at once.
    parallel_for(0, x.numel(), kElementwiseGrain, [&](int64_t e0, int64_t e1) {
      constexpr int64_t kWords = 1024;
      uint32_t words[kWords + 8];
      for (int64_t m0 = e0; m0 < e1; m0 += kWords) {
        const int64_t m1 = std::min(e1, m0 + kWords), skip = m0 & 3;
        const int64_t blocks = (skip + (m1 - m0) + 3) / 4;
        philox::generate_blocks(counter + static_cast<uint64_t>(m0 >> 2), seed, blocks, words);
        // Local pointers: through the lambda's captures the compiler would reload them after
        // every store (they might alias), and the loop would not vectorise.
        const uint32_t* w = words + skip;
        const T* xs = src + m0;
        T* os = dst + m0;
        const uint64_t limit = threshold;
        const T factor = scale;
        for (int64_t i = 0; i < m1 - m0; ++i) {
          os[i] = static_cast<uint64_t>(w[i]) >= limit ? xs[i] * factor : T(0);
        }
      }
    });
    return;
  }
  parallel_for(0, rows, std::max<int64_t>(1, kElementwiseGrain / cols),
               [&](int64_t r0, int64_t r1) {
                 uint64_t cached_block = UINT64_MAX;
                 philox::Block block{};
                 auto word = [&](int64_t m) {
                   const auto b = static_cast<uint64_t>(m) >> 2;
                   if (b != cached_block) {
                     block = philox::generate(counter + b, seed);
                     cached_block = b;
                   }
                   return block[static_cast<size_t>(m & 3)];
                 };
                 for (int64_t r = r0; r < r1; ++r) {
                   int64_t base = 0, rest = r;
                   for (int64_t d = ndim - 2; d >= 0; --d) {
                     base += (rest % x.shape()[d]) * mask_stride[static_cast<size_t>(d)];
                     rest /= x.shape()[d];
                   }
                   const T* xs = src + r * cols;
                   T* os = dst + r * cols;
                   for (int64_t j = 0; j < cols; ++j) {
                     os[j] = keep(word(base + j * col_stride)) ? xs[j] * scale : T(0);
                   }
                 }
               });
}

void dropout_kernel(const KernelContext& ctx) {
  const Tensor &x = ctx.inputs[0], &out = ctx.outputs[0];
  visit_dtype(x.dtype(), [&]<class T>(T) {
    if constexpr (std::is_floating_point_v<T>) dropout_rows<T>(x, out, ctx);
  });
}

}  // namespace

void register_dropout_kernels(KernelTable& table) {
  table.add("dropout", DeviceKind::CPU, &dropout_kernel);
}

}  // namespace nabla::cpu
