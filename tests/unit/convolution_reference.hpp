// A direct (seven-loop) convolution in double precision: the reference the op table and the unit
// tests compare nabla's im2col + gemm kernels against. Channels-last data, Keras kernel layout
// [*k, C_in / groups, C_out], explicit (before, after) pads per spatial dim.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace conv_test {

struct Ref {
  std::vector<int64_t> shape;
  std::vector<double> data;
};

struct Geometry {
  std::vector<int64_t> strides, dilation;  // one per spatial dim
  std::vector<int64_t> pads;               // before_0, after_0, before_1, ...
  int64_t groups = 1;
};

inline int64_t product(const std::vector<int64_t>& v, size_t from = 0, size_t to = SIZE_MAX) {
  int64_t p = 1;
  for (size_t i = from; i < v.size() && i < to; ++i) p *= v[i];
  return p;
}

/// Output spatial extent of one dim.
inline int64_t out_length(int64_t in, int64_t k, int64_t s, int64_t d, int64_t before,
                          int64_t after) {
  return (in + before + after - (k - 1) * d - 1) / s + 1;
}

/// TensorFlow's "SAME" pads for one dim: (before, after).
inline std::pair<int64_t, int64_t> same_pads(int64_t in, int64_t k, int64_t s, int64_t d) {
  const int64_t out = (in + s - 1) / s;
  int64_t total = (out - 1) * s + (k - 1) * d + 1 - in;
  if (total < 0) total = 0;
  return {total / 2, total - total / 2};
}

/// Calls visit(x_index, w_index, y_index) for every product x * w that a convolution of
/// x [N, *in, C_in] by w [*k, C_in / G, C_out] into y [N, *out, C_out] adds up.
inline void for_each_product(const std::vector<int64_t>& x, const std::vector<int64_t>& w,
                             const std::vector<int64_t>& y, const Geometry& g,
                             const std::function<void(int64_t, int64_t, int64_t)>& visit) {
  const size_t s = x.size() - 2;
  const int64_t c_in = x.back(), c_out = w.back(), group_in = c_in / g.groups;
  const int64_t group_out = c_out / g.groups;
  const int64_t out_positions = product(y, 1, s + 1), taps = product(w, 0, s);
  std::vector<int64_t> o(s), t(s);
  for (int64_t n = 0; n < x[0]; ++n) {
    for (int64_t p = 0; p < out_positions; ++p) {
      for (int64_t rest = p, d = static_cast<int64_t>(s) - 1; d >= 0; --d) {
        o[static_cast<size_t>(d)] = rest % y[static_cast<size_t>(d) + 1];
        rest /= y[static_cast<size_t>(d) + 1];
      }
      for (int64_t tap = 0; tap < taps; ++tap) {
        bool inside = true;
        int64_t x_pos = n;  // flattened [N, *in] index
        for (int64_t rest = tap, d = static_cast<int64_t>(s) - 1; d >= 0; --d) {
          const auto u = static_cast<size_t>(d);
          t[u] = rest % w[u];
          rest /= w[u];
        }
        for (size_t d = 0; d < s; ++d) {
          const int64_t i = o[d] * g.strides[d] - g.pads[2 * d] + t[d] * g.dilation[d];
          inside = inside && i >= 0 && i < x[d + 1];
          x_pos = x_pos * x[d + 1] + i;
        }
        if (!inside) continue;
        for (int64_t oc = 0; oc < c_out; ++oc) {
          const int64_t group = oc / group_out;
          for (int64_t c = 0; c < group_in; ++c) {
            visit(x_pos * c_in + group * group_in + c, (tap * group_in + c) * c_out + oc,
                  (n * out_positions + p) * c_out + oc);
          }
        }
      }
    }
  }
}

/// The output shape [N, *out, C_out].
inline std::vector<int64_t> output_shape(const std::vector<int64_t>& x,
                                         const std::vector<int64_t>& w, const Geometry& g) {
  std::vector<int64_t> y{x[0]};
  for (size_t d = 0; d + 2 < x.size(); ++d) {
    y.push_back(
        out_length(x[d + 1], w[d], g.strides[d], g.dilation[d], g.pads[2 * d], g.pads[2 * d + 1]));
  }
  y.push_back(w.back());
  return y;
}

/// y = conv(x, w) (+ bias when bias is not null).
inline Ref conv(const Ref& x, const Ref& w, const Ref* bias, const Geometry& g) {
  Ref y{output_shape(x.shape, w.shape, g), {}};
  y.data.assign(static_cast<size_t>(product(y.shape)), 0.0);
  for_each_product(x.shape, w.shape, y.shape, g, [&](int64_t xi, int64_t wi, int64_t yi) {
    y.data[static_cast<size_t>(yi)] +=
        x.data[static_cast<size_t>(xi)] * w.data[static_cast<size_t>(wi)];
  });
  if (bias != nullptr) {
    for (size_t i = 0; i < y.data.size(); ++i) y.data[i] += bias->data[i % bias->data.size()];
  }
  return y;
}

/// dx of conv(x, w) for the output gradient gy; x has spatial extent `input_spatial`.
inline Ref input_grad(const Ref& gy, const Ref& w, const std::vector<int64_t>& input_spatial,
                      const Geometry& g) {
  Ref dx{{gy.shape[0]}, {}};
  dx.shape.insert(dx.shape.end(), input_spatial.begin(), input_spatial.end());
  dx.shape.push_back(w.shape[w.shape.size() - 2] * g.groups);
  dx.data.assign(static_cast<size_t>(product(dx.shape)), 0.0);
  for_each_product(dx.shape, w.shape, gy.shape, g, [&](int64_t xi, int64_t wi, int64_t yi) {
    dx.data[static_cast<size_t>(xi)] +=
        gy.data[static_cast<size_t>(yi)] * w.data[static_cast<size_t>(wi)];
  });
  return dx;
}

/// dw of conv(x, w) for the output gradient gy; w has spatial extent `kernel_spatial`.
inline Ref weight_grad(const Ref& x, const Ref& gy, const std::vector<int64_t>& kernel_spatial,
                       const Geometry& g) {
  Ref dw{kernel_spatial, {}};
  dw.shape.push_back(x.shape.back() / g.groups);
  dw.shape.push_back(gy.shape.back());
  dw.data.assign(static_cast<size_t>(product(dw.shape)), 0.0);
  for_each_product(x.shape, dw.shape, gy.shape, g, [&](int64_t xi, int64_t wi, int64_t yi) {
    dw.data[static_cast<size_t>(wi)] +=
        x.data[static_cast<size_t>(xi)] * gy.data[static_cast<size_t>(yi)];
  });
  return dw;
}

/// Moves axis `from` to position `to` (a row-major copy).
inline Ref move_axis(const Ref& r, size_t from, size_t to) {
  std::vector<size_t> order;  // new axis i reads old axis order[i]
  for (size_t i = 0; i < r.shape.size(); ++i) {
    if (i != from) order.push_back(i);
  }
  order.insert(order.begin() + static_cast<std::ptrdiff_t>(to), from);
  Ref out{std::vector<int64_t>(r.shape.size()), std::vector<double>(r.data.size())};
  for (size_t i = 0; i < order.size(); ++i) out.shape[i] = r.shape[order[i]];
  std::vector<int64_t> old_strides(r.shape.size(), 1);
  for (size_t i = r.shape.size() - 1; i > 0; --i) old_strides[i - 1] = old_strides[i] * r.shape[i];
  std::vector<int64_t> index(out.shape.size(), 0);
  for (size_t flat = 0; flat < out.data.size(); ++flat) {
    int64_t src = 0;
    for (size_t i = 0; i < index.size(); ++i) src += index[i] * old_strides[order[i]];
    out.data[flat] = r.data[static_cast<size_t>(src)];
    for (size_t i = index.size(); i-- > 0;) {
      if (++index[i] < out.shape[i]) break;
      index[i] = 0;
    }
  }
  return out;
}

}  // namespace conv_test
