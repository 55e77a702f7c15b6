// Op-table rows for the manipulation family: joining, indexing, padding, repeating, sorting and
// cumsum. References index into row-major double tensors.
#include <algorithm>
#include <cmath>

#include "optable/op_table.hpp"

namespace optable {
namespace {

using namespace nabla;
using Index = std::vector<int64_t>;

/// out[index] = fn(index) over every multi-index of `shape`.
Ref build(const Index& shape, const std::function<double(const Index&)>& fn) {
  Ref out{shape, {}};
  out.data.resize(static_cast<size_t>(out.numel()));
  Index index(shape.size(), 0);
  for (double& v : out.data) {
    v = fn(index);
    for (auto d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      const auto a = static_cast<size_t>(d);
      if (++index[a] < shape[a]) break;
      index[a] = 0;
    }
  }
  return out;
}
double at(const Ref& r, const Index& index) {
  const Index strides = row_major_strides(r.shape);
  int64_t flat = 0;
  for (size_t d = 0; d < index.size(); ++d) flat += index[d] * strides[d];
  return r.data[static_cast<size_t>(flat)];
}
int64_t wrap(double i, int64_t n) {
  const auto v = static_cast<int64_t>(i);
  return v < 0 ? v + n : v;
}

Ref concatenate_ref(const Ref& a, const Ref& b, size_t axis) {
  Index shape = a.shape;
  shape[axis] += b.shape[axis];
  return build(shape, [&](Index i) {
    if (i[axis] < a.shape[axis]) return at(a, i);
    i[axis] -= a.shape[axis];
    return at(b, i);
  });
}

Ref take_ref(const Ref& x, const Ref& index, size_t axis) {
  Index shape(x.shape.begin(), x.shape.begin() + static_cast<int64_t>(axis));
  shape.insert(shape.end(), index.shape.begin(), index.shape.end());
  shape.insert(shape.end(), x.shape.begin() + static_cast<int64_t>(axis) + 1, x.shape.end());
  const size_t k = index.shape.size();
  return build(shape, [&](const Index& o) {
    Index src(o.begin(), o.begin() + static_cast<int64_t>(axis));
    const Index at_index(o.begin() + static_cast<int64_t>(axis),
                         o.begin() + static_cast<int64_t>(axis + k));
    src.push_back(wrap(at(index, at_index), x.shape[axis]));
    src.insert(src.end(), o.begin() + static_cast<int64_t>(axis + k), o.end());
    return at(x, src);
  });
}

Ref gather_ref(const Ref& x, const Ref& index, size_t axis) {
  return build(index.shape, [&](Index i) {
    i[axis] = wrap(at(index, i), x.shape[axis]);
    return at(x, i);
  });
}

/// Stable sort of each lane along the last axis of a 2-D ref; `indices` selects the output.
Ref sort_last_ref(const Ref& x, bool descending, bool indices) {
  Ref out = x;
  const int64_t rows = x.shape[0], n = x.shape[1];
  for (int64_t r = 0; r < rows; ++r) {
    Index order(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) order[static_cast<size_t>(i)] = i;
    auto value = [&](int64_t i) { return x.data[static_cast<size_t>(r * n + i)]; };
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
      return descending ? value(a) > value(b) : value(a) < value(b);
    });
    for (int64_t i = 0; i < n; ++i) {
      const int64_t src = order[static_cast<size_t>(i)];
      out.data[static_cast<size_t>(r * n + i)] = indices ? static_cast<double>(src) : value(src);
    }
  }
  return out;
}

Ref cumsum_ref(const Ref& x, size_t axis) {
  return build(x.shape, [&](Index i) {
    double sum = 0;
    const int64_t end = i[axis];
    for (i[axis] = 0; i[axis] <= end; ++i[axis]) sum += at(x, i);
    return sum;
  });
}

int64_t reflect(int64_t p, int64_t n) {
  while (p < 0 || p >= n) p = p < 0 ? -p : 2 * (n - 1) - p;
  return p;
}

using Run = std::function<Tensor(const std::vector<Tensor>&)>;
using Reference = std::function<Ref(const std::vector<Ref>&)>;

OpCase row(std::string name, std::vector<InputSpec> inputs, Run run, Reference reference,
           DType dtype, double tolerance = 0) {
  return OpCase{std::move(name), std::move(inputs), std::move(run), std::move(reference),
                dtype,           tolerance};
}

const InputSpec kF32{{4, 5}, float32}, kF64{{4, 5}, float64};

NABLA_OP_CASES({
    row(
        "concatenate_promotes", {kF32, {{4, 3}, int32, -9, 9}},
        [](const auto& x) {
          return concatenate({x[0], x[1]}, -1);
        },
        [](const auto& r) { return concatenate_ref(r[0], r[1], 1); }, float64),
    row(
        "stack_axis1", {kF32, kF32},
        [](const auto& x) {
          return stack({x[0], x[1]}, 1);
        },
        [](const auto& r) {
          return build({4, 2, 5}, [&](const Index& i) { return at(r[i[1]], {i[0], i[2]}); });
        },
        float32),
    row(
        "take_axis0", {kF64, {{2, 3}, int64, -4, 3}},
        [](const auto& x) { return take(x[0], x[1], 0); },
        [](const auto& r) { return take_ref(r[0], r[1], 0); }, float64),
    row(
        "take_axis1_int32", {kF32, {{6}, int32, -5, 4}},
        [](const auto& x) { return take(x[0], x[1], -1); },
        [](const auto& r) { return take_ref(r[0], r[1], 1); }, float32),
    row(
        "gather_axis1", {kF32, {{3, 7}, int64, -5, 4}},
        [](const auto& x) { return gather(x[0], 1, x[1]); },
        [](const auto& r) { return gather_ref(r[0], r[1], 1); }, float32),
    row(
        "one_hot_depth6", {{{3, 4}, int32, 0, 5}}, [](const auto& x) { return one_hot(x[0], 6); },
        [](const auto& r) {
          return build({3, 4, 6}, [&](const Index& i) {
            return at(r[0], {i[0], i[1]}) == i[2] ? 1.0 : 0.0;
          });
        },
        float32),
    row(
        "pad_constant", {kF32},
        [](const auto& x) {
          return pad(x[0], {{1, 2}, {0, 3}}, "constant", -1.5);
        },
        [](const auto& r) {
          return build({7, 8}, [&](const Index& i) {
            const int64_t a = i[0] - 1, b = i[1];
            return a >= 0 && a < 4 && b < 5 ? at(r[0], {a, b}) : -1.5;
          });
        },
        float32),
    row(
        "pad_reflect", {kF64},
        [](const auto& x) {
          return pad(x[0], {{5, 2}, {3, 4}}, "reflect");
        },
        [](const auto& r) {
          return build({11, 12}, [&](const Index& i) {
            return at(r[0], {reflect(i[0] - 5, 4), reflect(i[1] - 3, 5)});
          });
        },
        float64),
    row(
        "pad_edge", {kF32},
        [](const auto& x) {
          return pad(x[0], {{2, 0}, {1, 1}}, "edge");
        },
        [](const auto& r) {
          return build({6, 7}, [&](const Index& i) {
            return at(r[0],
                      {std::clamp<int64_t>(i[0] - 2, 0, 3), std::clamp<int64_t>(i[1] - 1, 0, 4)});
          });
        },
        float32),
    row(
        "tile_2x1x2", {kF32},
        [](const auto& x) {
          return tile(x[0], {2, 1, 2});
        },
        [](const auto& r) {
          return build({2, 4, 10}, [&](const Index& i) { return at(r[0], {i[1], i[2] % 5}); });
        },
        float32),
    row(
        "repeat_axis_neg1", {{{4, 5}, int32, -9, 9}},
        [](const auto& x) { return repeat(x[0], 3, -1); },
        [](const auto& r) {
          return build({4, 15}, [&](const Index& i) { return at(r[0], {i[0], i[1] / 3}); });
        },
        int32),
    row(
        "flatten", {kF32}, [](const auto& x) { return flatten(x[0]); },
        [](const auto& r) {
          return Ref{{20}, r[0].data};
        },
        float32),
    row(
        "sort_ties_i32", {{{6, 7}, int32, -3, 3}}, [](const auto& x) { return sort(x[0]); },
        [](const auto& r) { return sort_last_ref(r[0], false, false); }, int32),
    row(
        "argsort_ties_desc", {{{6, 7}, int64, -3, 3}},
        [](const auto& x) { return argsort(x[0], 1, true); },
        [](const auto& r) { return sort_last_ref(r[0], true, true); }, int64),
    row(
        "argsort_f32", {kF32}, [](const auto& x) { return argsort(x[0]); },
        [](const auto& r) { return sort_last_ref(r[0], false, true); }, int64),
    row(
        "cumsum_f32_axis0", {kF32}, [](const auto& x) { return cumsum(x[0], 0); },
        [](const auto& r) { return cumsum_ref(r[0], 0); }, float32, 1e-6),
    row(
        "sort_f64_desc", {kF64}, [](const auto& x) { return sort(x[0], -1, true); },
        [](const auto& r) { return sort_last_ref(r[0], true, false); }, float64),
    row(
        "slice_step2_axis0", {{{5, 4}, float64}},
        [](const auto& x) { return x[0].slice(0, 1, 5, 2); },
        [](const auto& r) {
          return build({2, 4}, [&](Index i) { return at(r[0], {1 + 2 * i[0], i[1]}); });
        },
        float64),
    row(
        "slice_reversed_axis1", {kF32}, [](const auto& x) { return x[0].slice(1, -1, -6, -1); },
        [](const auto& r) {
          return build({4, 5}, [&](Index i) { return at(r[0], {i[0], 4 - i[1]}); });
        },
        float32),
    row(
        "select_axis1", {kF64}, [](const auto& x) { return x[0].select(1, -2); },
        [](const auto& r) { return build({4}, [&](Index i) {
                              return at(r[0], {i[0], 3});
                            }); },
        float64),
    row(
        "cumsum_i32_axis1", {{{4, 5}, int32, -9, 9}},
        [](const auto& x) { return cumsum(x[0], -1); },
        [](const auto& r) { return cumsum_ref(r[0], 1); }, int64),
});

// uint8 rows: uint8 data through joining, indexing, padding, sorting and cumsum (-> int64), and
// uint8 index tensors (converted to int64, as NumPy accepts any integer indices).
const InputSpec kU8{{4, 5}, uint8, 0, 255};

NABLA_OP_CASES({
    row(
        "concatenate_u8", {kU8, {{4, 3}, uint8, 0, 255}},
        [](const auto& x) {
          return concatenate({x[0], x[1]}, 1);
        },
        [](const auto& r) { return concatenate_ref(r[0], r[1], 1); }, uint8),
    row(
        "concatenate_u8_i32_promotes", {kU8, {{2, 5}, int32, -300, 300}},
        [](const auto& x) {
          return concatenate({x[0], x[1]}, 0);
        },
        [](const auto& r) { return concatenate_ref(r[0], r[1], 0); }, int32),
    row(
        "stack_u8", {kU8, kU8},
        [](const auto& x) {
          return stack({x[0], x[1]}, 0);
        },
        [](const auto& r) {
          return build({2, 4, 5}, [&](const Index& i) { return at(r[i[0]], {i[1], i[2]}); });
        },
        uint8),
    row(
        "take_u8_data_u8_indices", {kU8, {{2, 3}, uint8, 0, 3}},
        [](const auto& x) { return take(x[0], x[1], 0); },
        [](const auto& r) { return take_ref(r[0], r[1], 0); }, uint8),
    row(
        "gather_u8_index", {kF32, {{3, 7}, uint8, 0, 4}},
        [](const auto& x) { return gather(x[0], 1, x[1]); },
        [](const auto& r) { return gather_ref(r[0], r[1], 1); }, float32),
    row(
        "one_hot_u8_labels_depth300", {{{3, 4}, uint8, 0, 255}},
        [](const auto& x) { return one_hot(x[0], 300); },
        [](const auto& r) {
          return build({3, 4, 300}, [&](const Index& i) {
            return at(r[0], {i[0], i[1]}) == static_cast<double>(i[2]) ? 1.0 : 0.0;
          });
        },
        float32),
    row(
        "pad_constant_u8", {kU8},
        [](const auto& x) {
          return pad(x[0], {{1, 0}, {2, 1}}, "constant", 9);
        },
        [](const auto& r) {
          return build({5, 8}, [&](const Index& i) {
            const int64_t a = i[0] - 1, b = i[1] - 2;
            return a >= 0 && b >= 0 && b < 5 ? at(r[0], {a, b}) : 9.0;
          });
        },
        uint8),
    row(
        "repeat_u8", {kU8}, [](const auto& x) { return repeat(x[0], 2, 0); },
        [](const auto& r) {
          return build({8, 5}, [&](const Index& i) { return at(r[0], {i[0] / 2, i[1]}); });
        },
        uint8),
    row(
        "sort_u8_ties", {{{6, 7}, uint8, 0, 3}}, [](const auto& x) { return sort(x[0]); },
        [](const auto& r) { return sort_last_ref(r[0], false, false); }, uint8),
    row(
        "argsort_u8_desc", {{{6, 7}, uint8, 0, 255}},
        [](const auto& x) { return argsort(x[0], 1, true); },
        [](const auto& r) { return sort_last_ref(r[0], true, true); }, int64),
    row(
        "cumsum_u8_widens_i64", {kU8}, [](const auto& x) { return cumsum(x[0], 1); },
        [](const auto& r) { return cumsum_ref(r[0], 1); }, int64),
    row(
        "slice_reversed_u8", {kU8}, [](const auto& x) { return x[0].slice(1, -1, -6, -1); },
        [](const auto& r) {
          return build({4, 5}, [&](Index i) { return at(r[0], {i[0], 4 - i[1]}); });
        },
        uint8),
});

}  // namespace
}  // namespace optable
