// Op-table rows for the scatter family (scatter_add, index_add) and the explicit-stride windows
// (as_strided, as_strided_scatter). References scatter into row-major double tensors.
#include <cstddef>

#include "optable/op_table.hpp"

namespace optable {
namespace {

using namespace nabla;
using Index = std::vector<int64_t>;

int64_t flat_of(const Index& shape, const Index& index) {
  int64_t flat = 0;
  for (size_t d = 0; d < shape.size(); ++d) flat = flat * shape[d] + index[d];
  return flat;
}
/// Advances a row-major multi-index; false after the last one.
bool next(const Index& shape, Index& index) {
  for (auto d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    const auto a = static_cast<size_t>(d);
    if (++index[a] < shape[a]) return true;
    index[a] = 0;
  }
  return false;
}
int64_t wrap(double i, int64_t n) {
  const auto v = static_cast<int64_t>(i);
  return v < 0 ? v + n : v;
}

/// out = x; out[.., wrap(index[p]), ..] += src[p] along `axis` for every p of index's shape.
/// `index_of(p)` gives the index value used at position p (index_add broadcasts a 1-D index).
Ref scatter_add_ref(const Ref& x, const Index& positions, size_t axis,
                    const std::function<double(const Index&)>& index_of, const Ref& src) {
  Ref out = x;
  if (src.numel() == 0) return out;
  Index p(positions.size(), 0);
  do {
    Index target = p;
    target[axis] = wrap(index_of(p), x.shape[axis]);
    out.data[static_cast<size_t>(flat_of(x.shape, target))] +=
        src.data[static_cast<size_t>(flat_of(src.shape, p))];
  } while (next(positions, p));
  return out;
}

Ref scatter_add_ref(const Ref& x, const Ref& index, const Ref& src, size_t axis) {
  return scatter_add_ref(
      x, index.shape, axis,
      [&](const Index& p) { return index.data[static_cast<size_t>(flat_of(index.shape, p))]; },
      src);
}

Ref index_add_ref(const Ref& x, const Ref& index, const Ref& src, size_t axis) {
  return scatter_add_ref(
      x, src.shape, axis, [&](const Index& p) { return index.data[static_cast<size_t>(p[axis])]; },
      src);
}

/// The window (shape, strides, offset) of a row-major ref, read or written.
struct Window {
  Index shape, strides;
  int64_t offset;
  [[nodiscard]] int64_t element(const Index& p) const {
    int64_t e = offset;
    for (size_t d = 0; d < p.size(); ++d) e += p[d] * strides[d];
    return e;
  }
};

Ref read_window(const Ref& x, const Window& w) {
  Ref out{w.shape, {}};
  Index p(w.shape.size(), 0);
  if (out.numel() == 0) return out;
  do {
    out.data.push_back(x.data[static_cast<size_t>(w.element(p))]);
  } while (next(w.shape, p));
  return out;
}

Ref write_window(Ref x, const Window& w, const Ref& src) {
  Index p(w.shape.size(), 0);
  size_t i = 0;
  if (src.numel() == 0) return x;
  do {
    x.data[static_cast<size_t>(w.element(p))] = src.data[i++];
  } while (next(w.shape, p));
  return x;
}

OpCase row(std::string name, std::vector<InputSpec> inputs,
           std::function<Tensor(const std::vector<Tensor>&)> run,
           std::function<Ref(const std::vector<Ref>&)> reference, DType dtype) {
  return OpCase{std::move(name), std::move(inputs), std::move(run), std::move(reference), dtype};
}

Tensor strided_window(const Tensor& x, const Window& w) {
  return as_strided(x, Shape(w.shape), w.strides, w.offset);
}
Tensor strided_scatter(const Tensor& x, const Tensor& src, const Window& w) {
  return as_strided_scatter(x, src, Shape(w.shape), w.strides, w.offset);
}

const Window kTransposed{{4, 3}, {1, 4}, 0};        // over [3, 4]
const Window kSliding{{5, 4}, {2, 1}, 0};           // over [12]: overlapping windows (read only)
const Window kDiagonal{{4}, {5}, 0};                // over [4, 4]
const Window kReversedSteps{{2, 3}, {-5, -2}, 14};  // over [3, 5]

NABLA_OP_CASES({
    row(
        "scatter_add_axis0", {{{4, 5}, float64}, {{3, 5}, int64, -4, 3}, {{3, 5}, float64}},
        [](const auto& x) { return scatter_add(x[0], 0, x[1], x[2]); },
        [](const auto& r) { return scatter_add_ref(r[0], r[1], r[2], 0); }, float64),
    row(
        "scatter_add_axis1_f32", {{{3, 6}, float32}, {{3, 9}, int64, -6, 5}, {{3, 9}, float32}},
        [](const auto& x) { return scatter_add(x[0], -1, x[1], x[2]); },
        [](const auto& r) { return scatter_add_ref(r[0], r[1], r[2], 1); }, float32),
    row(
        "scatter_add_int32_smaller_index",
        {{{4, 5}, int32, -9, 9}, {{2, 7}, int32, -5, 4}, {{2, 7}, int32, -9, 9}},
        [](const auto& x) { return scatter_add(x[0], 1, x[1], x[2]); },
        [](const auto& r) { return scatter_add_ref(r[0], r[1], r[2], 1); }, int32),
    row(
        "scatter_add_promotes", {{{3, 4}, int32, -9, 9}, {{5, 4}, int64, 0, 2}, {{5, 4}, float32}},
        [](const auto& x) { return scatter_add(x[0], 0, x[1], x[2]); },
        [](const auto& r) { return scatter_add_ref(r[0], r[1], r[2], 0); }, float64),
    row(
        "index_add_axis0", {{{5, 3}, float64}, {{6}, int64, -5, 4}, {{6, 3}, float64}},
        [](const auto& x) { return index_add(x[0], 0, x[1], x[2]); },
        [](const auto& r) { return index_add_ref(r[0], r[1], r[2], 0); }, float64),
    row(
        "index_add_axis1_f32", {{{4, 5}, float32}, {{3}, int32, -5, 4}, {{4, 3}, float32}},
        [](const auto& x) { return index_add(x[0], -1, x[1], x[2]); },
        [](const auto& r) { return index_add_ref(r[0], r[1], r[2], 1); }, float32),
    row(
        "as_strided_transpose", {{{3, 4}, float32}},
        [](const auto& x) { return strided_window(x[0], kTransposed); },
        [](const auto& r) { return read_window(r[0], kTransposed); }, float32),
    row(
        "as_strided_sliding", {{{12}, float64}},
        [](const auto& x) { return strided_window(x[0], kSliding); },
        [](const auto& r) { return read_window(r[0], kSliding); }, float64),
    row(
        "as_strided_scatter_diagonal", {{{4, 4}, float32}, {{4}, float32}},
        [](const auto& x) { return strided_scatter(x[0], x[1], kDiagonal); },
        [](const auto& r) { return write_window(r[0], kDiagonal, r[1]); }, float32),
    row(
        "as_strided_scatter_reversed", {{{3, 5}, float64}, {{2, 3}, int32, -9, 9}},
        [](const auto& x) { return strided_scatter(x[0], x[1], kReversedSteps); },
        [](const auto& r) { return write_window(r[0], kReversedSteps, r[1]); }, float64),
});

// uint8 rows: scatter sums wrap modulo 256 as NumPy's np.add.at on uint8; uint8 indices work.
Ref wrapped(Ref r) { return map(r, &wrap_uint8); }

NABLA_OP_CASES({
    row(
        "scatter_add_u8_wraps",
        {{{4, 5}, uint8, 0, 255}, {{6, 5}, uint8, 0, 3}, {{6, 5}, uint8, 0, 255}},
        [](const auto& x) { return scatter_add(x[0], 0, x[1], x[2]); },
        [](const auto& r) { return wrapped(scatter_add_ref(r[0], r[1], r[2], 0)); }, uint8),
    row(
        "index_add_u8_wraps",
        {{{4, 5}, uint8, 0, 255}, {{7}, int64, -5, 4}, {{4, 7}, uint8, 0, 255}},
        [](const auto& x) { return index_add(x[0], 1, x[1], x[2]); },
        [](const auto& r) { return wrapped(index_add_ref(r[0], r[1], r[2], 1)); }, uint8),
    row(
        "as_strided_u8", {{{3, 4}, uint8, 0, 255}},
        [](const auto& x) { return strided_window(x[0], kTransposed); },
        [](const auto& r) { return read_window(r[0], kTransposed); }, uint8),
    row(
        "as_strided_scatter_u8", {{{3, 5}, uint8, 0, 255}, {{2, 3}, uint8, 0, 255}},
        [](const auto& x) { return strided_scatter(x[0], x[1], kReversedSteps); },
        [](const auto& r) { return write_window(r[0], kReversedSteps, r[1]); }, uint8),
});

}  // namespace
}  // namespace optable
