// Op-table rows for relayout and conv_with_layouts (src/ops/convolution_layout.hpp), the ops the
// convolution layout pass writes. relayout against the blocked formula's permutation; each
// convolution core op with some operands in blocked layouts (the rows lay them out, run
// conv_with_layouts and lay the result back) against the direct reference, gradchecked to second
// order. Layouts with blocks of 4 are not oneDNN's choices, so these rows run the generic path;
// the pass's tests (test_graph_conv_layouts.cpp) cover oneDNN's own layouts.
#include "backend/blocked_layout.hpp"
#include "ops/convolution_internal.hpp"
#include "ops/convolution_layout.hpp"
#include "optable/op_table.hpp"
#include "unit/convolution_reference.hpp"

namespace optable {
namespace {

using namespace nabla;

/// Channels-last data [N, *spatial, C] over oneDNN's dims [N, C, *spatial], plain or with the
/// channels in blocks of 4 (nChw4c).
BlockedLayout data_layout(const Shape& s, bool blocked) {
  const std::vector<int64_t> dims{s[0], s[3], s[1], s[2]};
  if (!blocked) return BlockedLayout::plain(dims, {0, 2, 3, 1});
  return BlockedLayout{dims, {0, 1, 2, 3}, {{1, 4}}};
}

/// A Keras kernel [kh, kw, C_in, C_out] over dims [C_out, C_in, kh, kw], plain or in blocks of 4
/// of both channel dims (ABcd4b4a).
BlockedLayout kernel_layout(const Shape& s, bool blocked) {
  const std::vector<int64_t> dims{s[3], s[2], s[0], s[1]};
  if (!blocked) return BlockedLayout::plain(dims, {2, 3, 1, 0});
  return BlockedLayout{dims, {0, 1, 2, 3}, {{1, 4}, {0, 4}}};
}

Ref permuted(const Ref& x, const BlockedLayout& from, const BlockedLayout& to) {
  Ref out{{to.numel()}, std::vector<double>(x.data.size())};
  std::vector<int64_t> index(from.dims.size(), 0);
  for (int64_t flat = 0; flat < from.numel(); ++flat) {
    out.data[static_cast<size_t>(to.offset(index))] =
        x.data[static_cast<size_t>(from.offset(index))];
    for (size_t d = index.size(); d-- > 0;) {
      if (++index[d] < from.dims[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

OpCase relayout_case(std::string name, DType dtype) {
  const Shape x{2, 3, 2, 8};
  return OpCase{
      .name = std::move(name),
      .inputs = {{x, dtype}},
      .run =
          [](const std::vector<Tensor>& t) {
            return relayout(t[0], data_layout(t[0].shape(), false), data_layout(t[0].shape(), true),
                            Shape{t[0].numel()});
          },
      .reference =
          [x](const std::vector<Ref>& r) {
            return permuted(r[0], data_layout(x, false), data_layout(x, true));
          },
      .expected_dtype = dtype,
      .tolerance = 0.0,
      .grad_order = 2,
  };
}

/// Which operands of a core op a row hands over in blocked layouts.
struct Blocked {
  bool in0, in1, out;
};

/// x [2, 5, 5, 8] by a 3x3 kernel of 8 -> 8 channels, valid padding: y [2, 3, 3, 8].
const Shape kX{2, 5, 5, 8}, kW{3, 3, 8, 8}, kY{2, 3, 3, 8};

/// The core op `of` on operands in nabla's shapes: the blocked ones laid out, conv_with_layouts,
/// the result laid back.
Tensor run_laid_out(const std::string& of, const std::vector<Tensor>& t, Blocked blocked) {
  const Shape x = of == "conv_input_grad" ? Shape{t[0].size(0), 5, 5, 8} : t[0].shape();
  const Shape y{x[0], 3, 3, 8};
  Attrs attrs = ConvParams{{1, 1}, {1, 1}, {0, 0, 0, 0}, 1}.to_attrs();
  std::vector<BlockedLayout> user, laid;
  std::vector<Shape> shapes;
  if (of == "conv_input_grad") {
    attrs.set("input_spatial", std::vector<int64_t>{5, 5});
    user = {data_layout(y, false), kernel_layout(kW, false), data_layout(x, false)};
    laid = {data_layout(y, true), kernel_layout(kW, true), data_layout(x, true)};
    shapes = {y, kW, x};
  } else if (of == "conv_weight_grad") {
    attrs.set("kernel_spatial", std::vector<int64_t>{3, 3});
    user = {data_layout(x, false), data_layout(y, false), kernel_layout(kW, false)};
    laid = {data_layout(x, true), data_layout(y, true), kernel_layout(kW, true)};
    shapes = {x, y, kW};
  } else {
    user = {data_layout(x, false), kernel_layout(kW, false), data_layout(y, false)};
    laid = {data_layout(x, true), kernel_layout(kW, true), data_layout(y, true)};
    shapes = {x, kW, y};
  }
  const bool flags[3] = {blocked.in0, blocked.in1, blocked.out};
  std::vector<std::optional<BlockedLayout>> layouts;
  std::vector<Tensor> operands;
  for (size_t k = 0; k < 3; ++k) {
    layouts.push_back(flags[k] ? std::optional(laid[k]) : std::nullopt);
    if (k < 2) {
      operands.push_back(flags[k] ? relayout(t[k], user[k], laid[k], Shape{laid[k].numel()})
                                  : t[k]);
    }
  }
  const Tensor out =
      conv_with_layouts(operands, conv_with_layouts_attrs(of, attrs, x, kW, y, layouts));
  return flags[2] ? relayout(out, laid[2], user[2], shapes[2]) : out;
}

OpCase laid_out_case(std::string name, std::string of, Blocked blocked, DType dtype) {
  const conv_test::Geometry g{{1, 1}, {1, 1}, {0, 0, 0, 0}, 1};
  std::vector<InputSpec> inputs;
  if (of == "conv_input_grad") {
    inputs = {{kY, dtype}, {kW, dtype}};
  } else if (of == "conv_weight_grad") {
    inputs = {{kX, dtype}, {kY, dtype}};
  } else {
    inputs = {{kX, dtype}, {kW, dtype}};
  }
  return OpCase{
      .name = std::move(name),
      .inputs = std::move(inputs),
      .run = [of, blocked](const std::vector<Tensor>& t) { return run_laid_out(of, t, blocked); },
      .reference =
          [of, g](const std::vector<Ref>& r) {
            const conv_test::Ref a{r[0].shape, r[0].data}, b{r[1].shape, r[1].data};
            conv_test::Ref y;
            if (of == "conv_input_grad") {
              y = conv_test::input_grad(a, b, {5, 5}, g);
            } else if (of == "conv_weight_grad") {
              y = conv_test::weight_grad(a, b, {3, 3}, g);
            } else {
              y = conv_test::conv(a, b, nullptr, g);
            }
            return Ref{y.shape, y.data};
          },
      .expected_dtype = dtype,
      .tolerance = dtype == float64 ? 1e-12 : 1e-5,
      .grad_order = 2,
  };
}

NABLA_OP_CASES({
    relayout_case("relayout_channel_blocks", float64),
    relayout_case("relayout_channel_blocks_f32", float32),
    laid_out_case("conv_with_layouts_all_blocked", "conv", {true, true, true}, float64),
    laid_out_case("conv_with_layouts_all_blocked_f32", "conv", {true, true, true}, float32),
    laid_out_case("conv_with_layouts_input_grad", "conv_input_grad", {true, false, true}, float64),
    laid_out_case("conv_with_layouts_weight_grad", "conv_weight_grad", {false, true, true},
                  float64),
});

}  // namespace
}  // namespace optable
