// The convolution ops' shared shape rule: one validation of ranks, channels, groups and window
// geometry, used by all three infer rules (so eager calls, graph replays and VJPs check alike).
#include "ops/convolution_internal.hpp"

namespace nabla {

Attrs ConvParams::to_attrs() const {
  return Attrs{{"strides", strides}, {"dilation", dilation}, {"pads", pads}, {"groups", groups}};
}

ConvParams ConvParams::from_attrs(const Attrs& attrs) {
  return ConvParams{.strides = attrs.get<std::vector<int64_t>>("strides"),
                    .dilation = attrs.get<std::vector<int64_t>>("dilation"),
                    .pads = attrs.get<std::vector<int64_t>>("pads"),
                    .groups = attrs.get<int64_t>("groups")};
}

int64_t conv_output_length(int64_t in, int64_t k, int64_t stride, int64_t dilation, int64_t before,
                           int64_t after) {
  return (in + before + after - (k - 1) * dilation - 1) / stride + 1;
}

namespace {

void check_params(std::string_view op, const ConvParams& p, size_t spatial) {
  NABLA_CHECK(
      p.strides.size() == spatial && p.dilation.size() == spatial && p.pads.size() == 2 * spatial,
      ValueError, op, ": expected ", spatial, " strides and dilations and ", 2 * spatial,
      " pads for ", spatial, " spatial dims, got ", Shape(p.strides), ", ", Shape(p.dilation),
      " and ", Shape(p.pads));
  for (size_t d = 0; d < spatial; ++d) {
    NABLA_CHECK(p.strides[d] >= 1, ValueError, op, ": strides must be positive, got ",
                Shape(p.strides));
    NABLA_CHECK(p.dilation[d] >= 1, ValueError, op, ": dilation must be positive, got ",
                Shape(p.dilation));
    NABLA_CHECK(p.pads[2 * d] >= 0 && p.pads[2 * d + 1] >= 0, ValueError, op,
                ": pads must be non-negative, got ", Shape(p.pads));
  }
  NABLA_CHECK(p.groups >= 1, ValueError, op, ": groups must be positive, got ", p.groups);
}

}  // namespace

Shape conv_output_shape(std::string_view op, const Shape& x, const Shape& w,
                        const ConvParams& params) {
  NABLA_CHECK(x.rank() >= 3 && x.rank() <= 5, ShapeError, op,
              ": expected an input [N, *spatial, C] with 1 to 3 spatial dims, got shape ", x);
  NABLA_CHECK(w.rank() == x.rank(), ShapeError, op, ": the kernel [*k, C_in, C_out] must have ",
              x.rank(), " dims for the input ", x, ", got kernel ", w);
  const int64_t spatial = x.rank() - 2;
  check_params(op, params, static_cast<size_t>(spatial));
  const int64_t groups = params.groups, c_in = x[-1], c_out = w[-1];
  NABLA_CHECK(c_in % groups == 0, ValueError, op, ": groups (", groups,
              ") must divide the input channels, got input ", x);
  NABLA_CHECK(c_out % groups == 0, ValueError, op, ": groups (", groups,
              ") must divide the output channels, got kernel ", w);
  NABLA_CHECK(w[-2] * groups == c_in, ShapeError, op, ": the input has ", c_in,
              " channels but the kernel ", w, " expects ", w[-2] * groups, " (", w[-2],
              " per group, groups = ", groups, "); input ", x);
  std::vector<int64_t> out{x[0]};
  for (int64_t d = 0; d < spatial; ++d) {
    const auto u = static_cast<size_t>(d);
    const int64_t k = w[d], in = x[d + 1];
    NABLA_CHECK(k >= 1, ShapeError, op, ": kernel dims must be positive, got kernel ", w);
    const int64_t padded = in + params.pads[2 * u] + params.pads[2 * u + 1];
    const int64_t window = (k - 1) * params.dilation[u] + 1;
    NABLA_CHECK(padded >= window, ShapeError, op, ": the kernel ", w, " (dilation ",
                Shape(params.dilation), ") spans ", window, " elements in spatial dim ", d,
                ", more than the padded input's ", padded, "; input ", x, ", pads ",
                Shape(params.pads));
    out.push_back(conv_output_length(in, k, params.strides[u], params.dilation[u],
                                     params.pads[2 * u], params.pads[2 * u + 1]));
  }
  out.push_back(c_out);
  return Shape(std::move(out));
}

}  // namespace nabla
