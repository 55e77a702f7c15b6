// pad: constant padding concatenates filled blocks; reflect and edge padding take along each
// axis with a precomputed index map. A composite: no kernel of its own.
#include <algorithm>
#include <string>

#include "nabla/ops/creation.hpp"
#include "nabla/ops/manipulation.hpp"

namespace nabla {
namespace {

/// Source index along an axis of size n for each output position p in [-before, n + after).
std::vector<int64_t> pad_indices(int64_t n, int64_t before, int64_t after, bool reflect) {
  std::vector<int64_t> indices;
  indices.reserve(static_cast<size_t>(before + n + after));
  const int64_t period = 2 * (n - 1);  // reflect about 0 and n-1, not repeating the edges
  for (int64_t p = -before; p < n + after; ++p) {
    if (!reflect) {
      indices.push_back(std::clamp<int64_t>(p, 0, n - 1));
    } else if (period == 0) {
      indices.push_back(0);
    } else {
      const int64_t q = ((p % period) + period) % period;
      indices.push_back(q < n ? q : period - q);
    }
  }
  return indices;
}

Tensor pad_constant(const Tensor& x, int64_t axis, int64_t before, int64_t after, Scalar value) {
  Shape before_shape = x.shape(), after_shape = x.shape();
  before_shape[axis] = before;
  after_shape[axis] = after;
  return concatenate({full(before_shape, value, x.dtype(), x.device()), x,
                      full(after_shape, value, x.dtype(), x.device())},
                     axis);
}

}  // namespace

Tensor pad(const Tensor& x, const std::vector<std::pair<int64_t, int64_t>>& widths,
           std::string_view mode, Scalar value) {
  const bool constant = mode == "constant", reflect = mode == "reflect";
  NABLA_CHECK(constant || reflect || mode == "edge", ValueError, "pad: unknown mode '",
              std::string(mode), "' (expected 'constant', 'reflect' or 'edge')");
  NABLA_CHECK(static_cast<int64_t>(widths.size()) == x.ndim(), ValueError, "pad: got ",
              widths.size(), " (before, after) pairs for a tensor of shape ", x.shape());
  for (size_t d = 0; d < widths.size(); ++d) {
    NABLA_CHECK(widths[d].first >= 0 && widths[d].second >= 0, ValueError,
                "pad: widths must be non-negative, got (", widths[d].first, ", ", widths[d].second,
                ") for axis ", d);
  }
  Tensor out = x;
  for (int64_t d = 0; d < x.ndim(); ++d) {
    const auto [before, after] = widths[static_cast<size_t>(d)];
    if (before == 0 && after == 0) continue;
    if (constant) {
      out = pad_constant(out, d, before, after, value);
      continue;
    }
    const int64_t n = out.shape()[d];
    NABLA_CHECK(n > 0, ValueError, "pad: cannot extend the empty axis ", d, " of shape ", x.shape(),
                " with mode '", std::string(mode), "'");
    out = take(out, from_vector(pad_indices(n, before, after, reflect)), d);
  }
  // NumPy's pad always returns a new array.
  return out.is_same(x) ? x.clone() : out;
}

}  // namespace nabla
