// Shared shape-rule helpers.
#include "ops/infer_util.hpp"

#include <algorithm>

namespace nabla {

std::vector<int64_t> normalize_axes(const std::vector<int64_t>& axes, int64_t rank,
                                    std::string_view op, bool empty_means_all) {
  std::vector<int64_t> out;
  if (axes.empty() && empty_means_all) {
    for (int64_t i = 0; i < rank; ++i) out.push_back(i);
    return out;
  }
  for (int64_t axis : axes) out.push_back(normalize_axis(axis, rank, op));
  std::vector<int64_t> sorted = out;
  std::sort(sorted.begin(), sorted.end());
  NABLA_CHECK(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end(), ValueError, op,
              ": repeated axis in ", Shape(axes));
  return out;
}

}  // namespace nabla
