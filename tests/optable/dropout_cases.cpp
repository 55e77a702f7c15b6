// Op-table rows for dropout. The reference draws the mask as the op documents it (mask element m
// keeps its value when 32-bit word m % 4 of Philox block (counter + m / 4) under the seed is at
// least rate * 2^32), so the row checks the kernel's indexing of the stream, the broadcast of
// the noise shape and the scale, and the gradient rows check the VJP with the same mask.
#include <cmath>

#include "nabla/util/philox.hpp"
#include "optable/op_table.hpp"

namespace optable {
namespace {

using namespace nabla;

constexpr uint64_t kSeed = kRandomSeed;

/// Keeps x where the mask keeps it, scaled; mask dims of size 1 broadcast (noise_shape).
Ref dropout_ref(const Ref& x, double rate, const std::vector<int64_t>& mask_shape) {
  Ref out = x;
  const auto strides = row_major_strides(x.shape);
  const auto mask_strides = row_major_strides(mask_shape);
  const auto threshold = static_cast<uint64_t>(std::ceil(rate * 4294967296.0));
  for (int64_t flat = 0; flat < x.numel(); ++flat) {
    int64_t m = 0;
    for (size_t d = 0; d < x.shape.size(); ++d) {
      const int64_t coord = (flat / strides[d]) % x.shape[d];
      if (mask_shape[d] != 1) m += coord * mask_strides[d];
    }
    const auto word =
        philox::generate(static_cast<uint64_t>(m / 4), kSeed)[static_cast<size_t>(m % 4)];
    auto& v = out.data[static_cast<size_t>(flat)];
    v = word >= threshold ? v / (1.0 - rate) : 0.0;
  }
  return out;
}

OpCase dropout_case(std::string name, InputSpec input, double rate,
                    std::vector<int64_t> noise_shape, DType dtype) {
  std::vector<int64_t> mask_shape(input.shape.begin(), input.shape.end());
  for (size_t d = 0; d < noise_shape.size(); ++d) {
    if (noise_shape[d] != -1) mask_shape[d] = noise_shape[d];
  }
  return OpCase{
      .name = std::move(name),
      .inputs = {input},
      .run =
          [=](const std::vector<Tensor>& x) {
            random::seed(kSeed);  // the same mask on every call: the gradient checks need it
            return dropout(x[0], rate, noise_shape);
          },
      .reference = [=](const std::vector<Ref>& r) { return dropout_ref(r[0], rate, mask_shape); },
      .expected_dtype = dtype,
      .grad_order = 2,
  };
}

const Registrar registrar({
    dropout_case("dropout_rate0_is_identity", {{3, 4}, float32}, 0.0, {}, float32),
    dropout_case("dropout_half_f32", {{5, 7}, float32}, 0.5, {}, float32),
    dropout_case("dropout_f64_3d", {{2, 3, 9}, float64}, 0.3, {}, float64),
    dropout_case("dropout_noise_shape_channels", {{2, 4, 3, 5}, float32}, 0.5, {-1, 1, 1, -1},
                 float32),
    dropout_case("dropout_noise_shape_steps", {{3, 6, 4}, float64}, 0.4, {-1, -1, 1}, float64),
});

}  // namespace
}  // namespace optable
