// Op-table rows for pooling: max/avg pooling over 1-3 spatial dims (valid and same padding,
// strides equal to, smaller and larger than the window, odd sizes, channels_first) and the
// gradient ops, against a float64 reference that walks every window cell by cell.
#include <algorithm>
#include <cmath>
#include <limits>

#include "optable/op_table.hpp"

namespace optable {
namespace {

using namespace nabla;
using Dims = std::vector<int64_t>;

/// A pooling geometry on a channels-last shape [N, *spatial, C] (pool and strides per dim).
struct Geometry {
  Dims in, out, pool, strides, pad;  // spatial only; pad = padding before
  int64_t batch = 0, channels = 0;

  Geometry(const Dims& shape, Dims pool_size, Dims stride, bool same)
      : pool(std::move(pool_size)), strides(std::move(stride)) {
    batch = shape.front();
    channels = shape.back();
    for (size_t i = 0; i < pool.size(); ++i) {
      const int64_t n = shape[i + 1], k = pool[i], s = strides[i];
      const int64_t o = same ? (n + s - 1) / s : (n - k) / s + 1;
      in.push_back(n);
      out.push_back(o);
      pad.push_back(same ? std::max<int64_t>((o - 1) * s + k - n, 0) / 2 : 0);
    }
  }
  [[nodiscard]] Dims out_shape() const {
    Dims s{batch};
    s.insert(s.end(), out.begin(), out.end());
    s.push_back(channels);
    return s;
  }
  [[nodiscard]] Dims in_shape() const {
    Dims s{batch};
    s.insert(s.end(), in.begin(), in.end());
    s.push_back(channels);
    return s;
  }
  [[nodiscard]] int64_t cells() const {
    int64_t c = 1;
    for (int64_t k : pool) c *= k;
    return c;
  }
  /// Flat position in a [N, *dims, C] row-major tensor.
  [[nodiscard]] int64_t flat(const Dims& dims, int64_t n, const Dims& pos, int64_t c) const {
    int64_t f = n;
    for (size_t i = 0; i < dims.size(); ++i) f = f * dims[i] + pos[i];
    return f * channels + c;
  }
  /// Calls fn(n, output position, c) for every output element.
  template <class Fn>
  void for_each_output(Fn&& fn) const {
    Dims o(out.size(), 0);
    const int64_t spatial_count = Ref{out, {}}.numel();
    for (int64_t n = 0; n < batch; ++n) {
      for (int64_t s = 0; s < spatial_count; ++s) {
        int64_t rest = s;
        for (size_t i = out.size(); i-- > 0;) {
          o[i] = rest % out[i];
          rest /= out[i];
        }
        for (int64_t c = 0; c < channels; ++c) fn(n, o, c);
      }
    }
  }
  /// The input cell of window offset `off` (row-major over the window) of output o, or an empty
  /// vector when it lies in the padding.
  [[nodiscard]] Dims cell(const Dims& o, int64_t off) const {
    Dims pos(pool.size());
    for (size_t i = pool.size(); i-- > 0;) {
      pos[i] = o[i] * strides[i] - pad[i] + off % pool[i];
      off /= pool[i];
      if (pos[i] < 0 || pos[i] >= in[i]) return {};
    }
    return pos;
  }
};

enum class Kind { Max, Avg, MaxIndex };

/// Pooled values (or, for MaxIndex, the window offset of the first maximum).
Ref pool_ref(const Ref& x, const Geometry& g, Kind kind) {
  Ref y{g.out_shape(), {}};
  y.data.resize(static_cast<size_t>(y.numel()));
  g.for_each_output([&](int64_t n, const Dims& o, int64_t c) {
    double best = -std::numeric_limits<double>::infinity(), sum = 0;
    int64_t best_off = -1, count = 0;
    for (int64_t off = 0; off < g.cells(); ++off) {
      const Dims pos = g.cell(o, off);
      if (pos.empty()) continue;
      const double v = x.data[static_cast<size_t>(g.flat(g.in, n, pos, c))];
      if (best_off < 0 || v > best) {
        best = v;
        best_off = off;
      }
      sum += v;
      ++count;
    }
    const double value = kind == Kind::Max   ? best
                         : kind == Kind::Avg ? sum / static_cast<double>(count)
                                             : static_cast<double>(best_off);
    y.data[static_cast<size_t>(g.flat(g.out, n, o, c))] = value;
  });
  return y;
}

/// max_pool_backward / avg_pool_backward: each output's gradient sent to its window's cells.
Ref backward_ref(const Ref* indices, const Ref& grad, const Geometry& g) {
  Ref dx{g.in_shape(), {}};
  dx.data.assign(static_cast<size_t>(dx.numel()), 0.0);
  g.for_each_output([&](int64_t n, const Dims& o, int64_t c) {
    const auto at = static_cast<size_t>(g.flat(g.out, n, o, c));
    std::vector<Dims> targets;
    for (int64_t off = 0; off < g.cells(); ++off) {
      const Dims pos = g.cell(o, off);
      if (!pos.empty() && (indices == nullptr || static_cast<int64_t>(indices->data[at]) == off)) {
        targets.push_back(pos);
      }
    }
    for (const Dims& pos : targets) {
      const double share = indices == nullptr ? static_cast<double>(targets.size()) : 1.0;
      dx.data[static_cast<size_t>(g.flat(g.in, n, pos, c))] += grad.data[at] / share;
    }
  });
  return dx;
}

/// max_pool_gather: values read at each output's indexed cell (0 in the padding).
Ref gather_ref(const Ref& indices, const Ref& values, const Geometry& g) {
  Ref y{g.out_shape(), {}};
  y.data.resize(static_cast<size_t>(y.numel()));
  g.for_each_output([&](int64_t n, const Dims& o, int64_t c) {
    const auto at = static_cast<size_t>(g.flat(g.out, n, o, c));
    const Dims pos = g.cell(o, static_cast<int64_t>(indices.data[at]));
    y.data[at] = pos.empty() ? 0.0 : values.data[static_cast<size_t>(g.flat(g.in, n, pos, c))];
  });
  return y;
}

/// Moves axis `from` to position `to` (for channels_first rows).
Ref move_axis(const Ref& x, size_t from, size_t to) {
  Dims order;
  for (size_t i = 0; i < x.shape.size(); ++i) {
    if (i != from) order.push_back(static_cast<int64_t>(i));
  }
  order.insert(order.begin() + static_cast<int64_t>(to), static_cast<int64_t>(from));
  Ref y;
  for (int64_t axis : order) y.shape.push_back(x.shape[static_cast<size_t>(axis)]);
  y.data.resize(x.data.size());
  const Dims xs = row_major_strides(x.shape), ys = row_major_strides(y.shape);
  for (int64_t f = 0; f < y.numel(); ++f) {
    int64_t src = 0, rest = f;
    for (size_t i = 0; i < order.size(); ++i) {
      src += rest / ys[i] * xs[static_cast<size_t>(order[i])];
      rest %= ys[i];
    }
    y.data[static_cast<size_t>(f)] = x.data[static_cast<size_t>(src)];
  }
  return y;
}

struct Pool {
  Dims pool, strides = {};
  std::string padding = "valid";
  bool channels_first = false;

  [[nodiscard]] PoolOptions options() const {
    return {pool, strides, padding, channels_first ? "channels_first" : "channels_last"};
  }
  /// The geometry of a channels-last shape (strides expanded as the op does).
  [[nodiscard]] Geometry geometry(const Dims& last_shape) const {
    const size_t spatial = last_shape.size() - 2;
    auto expand = [spatial](const Dims& v) { return v.size() == 1 ? Dims(spatial, v[0]) : v; };
    return Geometry(last_shape, expand(pool), expand(strides.empty() ? pool : strides),
                    padding == "same");
  }
  [[nodiscard]] Ref to_last(const Ref& x) const {
    return channels_first ? move_axis(x, 1, x.shape.size() - 1) : x;
  }
  [[nodiscard]] Ref from_last(const Ref& x) const {
    return channels_first ? move_axis(x, x.shape.size() - 1, 1) : x;
  }
};

OpCase pool_case(std::string name, Kind kind, Pool p, InputSpec in, DType out, double tol,
                 int grad_order = 1) {
  return OpCase{std::move(name),
                {std::move(in)},
                [kind, p](const std::vector<Tensor>& x) {
                  if (kind == Kind::Avg) return avg_pool(x[0], p.options());
                  if (kind == Kind::Max) return max_pool(x[0], p.options());
                  return max_pool_with_indices(x[0], p.options()).second;
                },
                [kind, p](const std::vector<Ref>& r) {
                  const Ref x = p.to_last(r[0]);
                  return p.from_last(pool_ref(x, p.geometry(x.shape), kind));
                },
                out,
                tol,
                true,
                grad_order};
}

/// max_pool_backward(indices, grad) on a channels-last input of `shape`; indices uniform over
/// the window's offsets (those in the padding must be ignored).
OpCase max_backward_case(std::string name, Pool p, const Dims& shape, DType dtype, DType index) {
  const Geometry g = p.geometry(shape);
  const Dims out = g.out_shape();
  return OpCase{std::move(name),
                {{Shape(out), index, 0, static_cast<double>(g.cells() - 1)}, {Shape(out), dtype}},
                [p, shape](const std::vector<Tensor>& t) {
                  return max_pool_backward(t[0], t[1], Shape(shape), p.options());
                },
                [g](const std::vector<Ref>& r) { return backward_ref(&r[0], r[1], g); },
                dtype,
                dtype == float64 ? 1e-12 : 1e-6,
                true,
                2};
}

OpCase avg_backward_case(std::string name, Pool p, const Dims& shape, DType dtype) {
  const Geometry g = p.geometry(shape);
  return OpCase{std::move(name),
                {{Shape(g.out_shape()), dtype}},
                [p, shape](const std::vector<Tensor>& t) {
                  return avg_pool_backward(t[0], Shape(shape), p.options());
                },
                [g](const std::vector<Ref>& r) { return backward_ref(nullptr, r[0], g); },
                dtype,
                dtype == float64 ? 1e-12 : 1e-6,
                true,
                2};
}

OpCase gather_case(std::string name, Pool p, const Dims& shape, DType dtype) {
  const Geometry g = p.geometry(shape);
  return OpCase{
      std::move(name),
      {{Shape(g.out_shape()), uint8, 0, static_cast<double>(g.cells() - 1)}, {Shape(shape), dtype}},
      [p](const std::vector<Tensor>& t) { return max_pool_gather(t[0], t[1], p.options()); },
      [g](const std::vector<Ref>& r) { return gather_ref(r[0], r[1], g); },
      dtype,
      0,
      true,
      2};
}

const Pool k2{{2}};
const Pool k3s2same{{3}, {2}, "same"};

NABLA_OP_CASES({
    // 2x2 stride 2: the fast path (contiguous rows) and the generic one (strided rows).
    pool_case("max_pool2d_2x2_f32", Kind::Max, k2, {{2, 6, 8, 5}, float32}, float32, 0),
    pool_case("max_pool2d_2x2_odd_f64", Kind::Max, k2, {{2, 7, 5, 3}, float64}, float64, 0),
    pool_case("max_pool2d_2x2_same_even_f32", Kind::Max, {{2}, {}, "same"}, {{2, 6, 4, 3}}, float32,
              0),
    pool_case("max_pool2d_2x2_same_odd_f32", Kind::Max, {{2}, {}, "same"}, {{2, 5, 7, 3}}, float32,
              0),
    // Overlapping windows, padding, unequal pool/strides per dim, strides larger than the pool.
    pool_case("max_pool2d_3x3_s2_same_f32", Kind::Max, k3s2same, {{2, 7, 6, 4}}, float32, 0),
    pool_case("max_pool2d_2x3_s1x2_f64", Kind::Max, {{2, 3}, {1, 2}}, {{1, 5, 6, 3}, float64},
              float64, 0),
    pool_case("max_pool2d_1x2_s3_same_f64", Kind::Max, {{1, 2}, {3}, "same"},
              {{2, 7, 8, 2}, float64}, float64, 0),
    pool_case("max_pool1d_3_s2_same_f64", Kind::Max, k3s2same, {{3, 9, 4}, float64}, float64, 0),
    pool_case("max_pool1d_2_f32", Kind::Max, k2, {{2, 7, 3}}, float32, 0),
    pool_case("max_pool3d_2_f32", Kind::Max, k2, {{2, 4, 5, 4, 3}}, float32, 0),
    pool_case("max_pool3d_232_s122_same_f64", Kind::Max, {{2, 3, 2}, {1, 2, 2}, "same"},
              {{1, 3, 5, 4, 2}, float64}, float64, 0),
    pool_case("max_pool2d_channels_first_f32", Kind::Max, {{2}, {1}, "same", true}, {{2, 3, 6, 5}},
              float32, 0),
    pool_case("max_pool1d_channels_first_f64", Kind::Max, {{3}, {2}, "valid", true},
              {{2, 3, 8}, float64}, float64, 0),
    // Integer inputs (many ties: the first maximum wins) and the indices themselves.
    pool_case("max_pool2d_2x2_i32", Kind::Max, k2, {{2, 6, 6, 3}, int32, -9, 9}, int32, 0),
    pool_case("max_pool2d_3x3_u8", Kind::Max, k3s2same, {{2, 7, 5, 3}, uint8, 0, 255}, uint8, 0),
    pool_case("max_pool2d_indices_2x2_ties", Kind::MaxIndex, k2, {{2, 6, 6, 3}, int32, -1, 1},
              uint8, 0),
    pool_case("max_pool2d_indices_same_ties", Kind::MaxIndex, k3s2same,
              {{2, 7, 6, 3}, int32, -1, 1}, uint8, 0),
    pool_case("max_pool3d_indices_int32", Kind::MaxIndex, {{7, 7, 6}, {2}, "same"},
              {{1, 8, 7, 6, 2}}, int32, 0),
});

NABLA_OP_CASES({
    pool_case("avg_pool2d_2x2_f32", Kind::Avg, k2, {{2, 6, 8, 5}}, float32, 1e-6, 2),
    pool_case("avg_pool2d_2x2_odd_f64", Kind::Avg, k2, {{2, 7, 5, 3}, float64}, float64, 1e-12, 2),
    pool_case("avg_pool2d_3x3_s2_same_f32", Kind::Avg, k3s2same, {{2, 7, 6, 4}}, float32, 1e-6, 2),
    pool_case("avg_pool2d_2x3_s1x2_f64", Kind::Avg, {{2, 3}, {1, 2}}, {{1, 5, 6, 3}, float64},
              float64, 1e-12, 2),
    pool_case("avg_pool1d_3_s1_same_f64", Kind::Avg, {{3}, {1}, "same"}, {{2, 6, 3}, float64},
              float64, 1e-12, 2),
    pool_case("avg_pool3d_232_s122_same_f32", Kind::Avg, {{2, 3, 2}, {1, 2, 2}, "same"},
              {{1, 3, 5, 4, 2}}, float32, 1e-6, 2),
    pool_case("avg_pool2d_channels_first_f64", Kind::Avg, {{3}, {2}, "same", true},
              {{2, 3, 7, 5}, float64}, float64, 1e-12, 2),
});

// The gradient ops called directly (the VJPs above reach them too; these rows give them random
// indices, including indices that point into the padding, and gradcheck their own VJPs).
NABLA_OP_CASES({
    max_backward_case("max_pool_backward_2x2_f32", k2, {2, 6, 7, 3}, float32, uint8),
    max_backward_case("max_pool_backward_3x3_s2_same_f64", k3s2same, {2, 7, 6, 3}, float64, uint8),
    max_backward_case("max_pool_backward_1d_int32_index_f64", {{3}, {1}, "same"}, {2, 6, 3},
                      float64, int32),
    max_backward_case("max_pool_backward_3d_f64", {{2}, {1}}, {1, 3, 4, 3, 2}, float64, uint8),
    avg_backward_case("avg_pool_backward_2x2_odd_f32", k2, {2, 7, 5, 3}, float32),
    avg_backward_case("avg_pool_backward_3x3_s2_same_f64", k3s2same, {2, 7, 6, 3}, float64),
    gather_case("max_pool_gather_2x2_f64", k2, {2, 6, 5, 3}, float64),
    gather_case("max_pool_gather_3x3_s2_same_f32", k3s2same, {2, 7, 6, 3}, float32),
});

}  // namespace
}  // namespace optable
