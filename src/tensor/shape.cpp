// Shape arithmetic shared by every op: element counts, axis normalisation, broadcasting.
#include "nabla/tensor/shape.hpp"

#include <sstream>

#include "nabla/util/error.hpp"

namespace nabla {

int64_t Shape::numel() const {
  int64_t n = 1;
  for (int64_t d : dims_) n *= d;
  return n;
}

int64_t Shape::at(int64_t axis) const {
  return dims_[static_cast<size_t>(normalize_axis(axis, rank(), "Shape::at"))];
}

std::ostream& operator<<(std::ostream& out, const Shape& s) {
  out << '[';
  for (size_t i = 0; i < s.dims_.size(); ++i) out << (i ? ", " : "") << s.dims_[i];
  return out << ']';
}

std::string to_string(const Shape& s) {
  std::ostringstream out;
  out << s;
  return out.str();
}

int64_t normalize_axis(int64_t axis, int64_t rank, std::string_view op) {
  NABLA_CHECK(axis >= -rank && axis < rank, IndexError, op, ": axis ", axis,
              " is out of range for a tensor of rank ", rank);
  return axis < 0 ? axis + rank : axis;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, std::string_view op) {
  const int64_t rank = std::max(a.rank(), b.rank());
  std::vector<int64_t> out(static_cast<size_t>(rank));
  for (int64_t i = 0; i < rank; ++i) {
    const int64_t da = i < rank - a.rank() ? 1 : a[i - (rank - a.rank())];
    const int64_t db = i < rank - b.rank() ? 1 : b[i - (rank - b.rank())];
    NABLA_CHECK(da == db || da == 1 || db == 1, ShapeError, op,
                ": shapes cannot be broadcast together: ", a, " vs ", b);
    out[static_cast<size_t>(i)] = da == 1 ? db : da;
  }
  return Shape(std::move(out));
}

std::vector<int64_t> contiguous_strides(const Shape& shape) {
  std::vector<int64_t> strides(static_cast<size_t>(shape.rank()));
  int64_t stride = 1;
  for (int64_t i = shape.rank() - 1; i >= 0; --i) {
    strides[static_cast<size_t>(i)] = stride;
    stride *= std::max<int64_t>(shape[i], 1);
  }
  return strides;
}

}  // namespace nabla
