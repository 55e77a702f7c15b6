// The oneDNN bridge of convolution_onednn.hpp. nabla's tensors are handed to oneDNN in place:
// channels-last x, y and gradients are oneDNN memory descriptors with nabla's strides (oneDNN's
// "nwc/nhwc/ndhwc"), which its AVX-512 kernels (brgconv, jit) take as they are; only the kernel
// is reordered from Keras's [*k, C_in / G, C_out] into the layout each primitive prefers (at most
// a few hundred KB per call). Primitives are built once per geometry and kept for the process.
#include "backend/cpu/convolution_onednn.hpp"

#include "backend/cpu/convolution_direct.hpp"
#include "backend/cpu/onednn.hpp"

#ifdef NABLA_HAVE_ONEDNN
#include <algorithm>
#include <array>
#include <cstdlib>
#include <dnnl.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "nabla/util/error.hpp"
#endif

namespace nabla::cpu::onednn {

#ifndef NABLA_HAVE_ONEDNN

bool conv_forward(const ConvPlan&, const float*, const float*, const float*, bool, float*) {
  return false;
}
bool conv_input_grad(const ConvPlan&, const float*, const float*, float*) { return false; }
bool conv_weight_grad(const ConvPlan&, const float*, const float*, float*) { return false; }
std::optional<std::vector<std::optional<BlockedLayout> > > conv_chosen_layouts(ConvKind,
                                                                               const ConvPlan&) {
  return std::nullopt;
}
bool conv_run(ConvKind, const ConvPlan&, const std::vector<const float*>&,
              const std::vector<const BlockedLayout*>&) {
  return false;
}
bool relayout(const BlockedLayout&, const BlockedLayout&, const float*, float*) { return false; }

#else

namespace {

using dnnl::memory;
using Dims = memory::dims;

dnnl::engine& cpu_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

/// oneDNN's view of a plan: nabla's layouts as strided descriptors, and the geometry.
struct Geometry {
  memory::desc src, weights, dst;
  Dims strides, dilates, pad_before, pad_after;
};

/// The geometry, or nothing when oneDNN cannot express it (a kernel past the end of the input
/// that the output never reaches would need a negative trailing pad).
std::optional<Geometry> geometry(const ConvPlan& p) {
  const auto s = static_cast<size_t>(p.spatial);
  Geometry g;
  Dims src_dims{p.batch, p.c_in}, src_strides{p.in_per_sample, 1};
  Dims dst_dims{p.batch, p.c_out}, dst_strides{p.out_per_sample * p.c_out, 1};
  Dims kernel_steps(s);
  int64_t out_step = p.c_out, kernel_step = p.group_in * p.c_out;
  for (size_t d = s; d-- > 0;) {
    kernel_steps[d] = kernel_step;
    kernel_step *= p.kernel[d];
  }
  Dims out_steps(s);
  for (size_t d = s; d-- > 0;) {
    out_steps[d] = out_step;
    out_step *= p.out[d];
  }
  for (size_t d = 0; d < s; ++d) {
    src_dims.push_back(p.in[d]);
    src_strides.push_back(p.in_step[d]);
    dst_dims.push_back(p.out[d]);
    dst_strides.push_back(out_steps[d]);
    const int64_t extent = (p.kernel[d] - 1) * p.dilation[d] + 1;
    const int64_t after = (p.out[d] - 1) * p.stride[d] + extent - p.in[d] - p.pad[d];
    if (after < 0) return std::nullopt;
    g.strides.push_back(p.stride[d]);
    g.dilates.push_back(p.dilation[d] - 1);
    g.pad_before.push_back(p.pad[d]);
    g.pad_after.push_back(after);
  }
  // Keras's kernel [*k, C_in / G, C_out]: output channel j of group i is column i * C_out / G + j.
  Dims w_dims, w_strides;
  if (p.groups > 1) {
    w_dims = {p.groups, p.group_out, p.group_in};
    w_strides = {p.group_out, 1, p.c_out};
  } else {
    w_dims = {p.c_out, p.c_in};
    w_strides = {1, p.c_out};
  }
  for (size_t d = 0; d < s; ++d) {
    w_dims.push_back(p.kernel[d]);
    w_strides.push_back(kernel_steps[d]);
  }
  g.src = memory::desc(src_dims, memory::data_type::f32, src_strides);
  g.dst = memory::desc(dst_dims, memory::data_type::f32, dst_strides);
  g.weights = memory::desc(w_dims, memory::data_type::f32, w_strides);
  return g;
}

/// The same dims in the layout the primitive chooses.
memory::desc any_layout(const memory::desc& desc) {
  return memory::desc(desc.dims(), desc.data_type(), memory::format_tag::any);
}

using Kind = ConvKind;

/// `desc` as a BlockedLayout: a dense float32 blocked layout without padding or extras (the
/// formats convolutions choose for channel counts that fill their blocks); else nothing.
std::optional<BlockedLayout> layout_of(const memory::desc& desc) {
  const dnnl_memory_desc_t& d = desc.data;
  if (d.format_kind != dnnl_blocked || d.data_type != dnnl_f32 || d.offset0 != 0 ||
      d.extra.flags != 0) {
    return std::nullopt;
  }
  BlockedLayout l;
  const auto rank = static_cast<size_t>(d.ndims);
  for (size_t i = 0; i < rank; ++i) {
    if (d.padded_dims[i] != d.dims[i] || d.padded_offsets[i] != 0 || d.dims[i] < 1)
      return std::nullopt;
    l.dims.push_back(d.dims[i]);
    l.order.push_back(static_cast<int64_t>(i));
  }
  const dnnl_blocking_desc_t& b = d.format_desc.blocking;
  std::vector<int64_t> product(rank, 1);
  for (int k = 0; k < b.inner_nblks; ++k) {
    l.blocks.emplace_back(b.inner_idxs[k], b.inner_blks[k]);
    product[static_cast<size_t>(b.inner_idxs[k])] *= b.inner_blks[k];
  }
  for (size_t i = 0; i < rank; ++i) {
    if (l.dims[i] % product[i] != 0) return std::nullopt;
  }
  std::stable_sort(l.order.begin(), l.order.end(),
                   [&](int64_t u, int64_t v) { return b.strides[u] > b.strides[v]; });
  // The strides must be the dense ones of that order (a dim of outer extent 1 has any stride).
  const std::vector<int64_t> strides = l.outer_strides();
  for (size_t i = 0; i < rank; ++i) {
    if (l.dims[i] / product[i] > 1 && strides[i] != b.strides[i]) return std::nullopt;
  }
  return l.normalized();
}

/// The oneDNN descriptor of a BlockedLayout (float32), filled in field by field: the stride
/// constructor checks strides as if there were no inner blocks.
memory::desc desc_of(const BlockedLayout& l) {
  dnnl_memory_desc_t d{};
  d.ndims = static_cast<int>(l.dims.size());
  d.data_type = dnnl_f32;
  d.format_kind = dnnl_blocked;
  const std::vector<int64_t> outer = l.outer_strides();
  dnnl_blocking_desc_t& b = d.format_desc.blocking;
  for (size_t i = 0; i < l.dims.size(); ++i) {
    d.dims[i] = d.padded_dims[i] = l.dims[i];
    b.strides[i] = outer[i];
  }
  b.inner_nblks = static_cast<int>(l.blocks.size());
  for (size_t k = 0; k < l.blocks.size(); ++k) {
    b.inner_idxs[k] = l.blocks[k].first;
    b.inner_blks[k] = l.blocks[k].second;
  }
  return memory::desc(d);
}

/// Winograd F(4x4, 3x3) (oneDNN's jit_wino_4x3: 3x3, stride 1, channels in multiples of 16) or
/// the direct algorithm. Winograd lets oneDNN pick blocked layouts for x and y too, so those are
/// reordered on the way in and out, and it still wins by far (cnnA's conv2 at batch 128, 2
/// threads, reorders included: forward 7.8 vs 12.8 ms, input gradient 10.6 vs 13.6, weight
/// gradient 9.6 vs 15.1). Its results differ from the direct sum by rounding only (a few float32
/// ulps of the largest term; test_onednn_paths.cpp checks 1e-4 against float64).
struct Choice {
  dnnl::algorithm algorithm;
  bool winograd;
};

dnnl::convolution_forward::primitive_desc forward_pd(const Geometry& g, Choice c, bool bias,
                                                     bool relu) {
  const memory::desc bias_desc =
      bias ? memory::desc({g.dst.dims()[1]}, memory::data_type::f32, memory::format_tag::x)
           : memory::desc();
  const dnnl::convolution_forward::desc desc(
      dnnl::prop_kind::forward_training, c.algorithm, c.winograd ? any_layout(g.src) : g.src,
      any_layout(g.weights), bias_desc, c.winograd ? any_layout(g.dst) : g.dst, g.strides,
      g.dilates, g.pad_before, g.pad_after);
  dnnl::primitive_attr attr;
  if (relu) {
    dnnl::post_ops ops;
    ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
    attr.set_post_ops(ops);
  }
  return {desc, attr, cpu_engine()};
}

/// One tensor a primitive reads or writes: nabla's layout, the primitive's, and the reorder
/// between them when they differ (into the primitive's layout for inputs, back for outputs).
struct Operand {
  int arg = 0;  // DNNL_ARG_*
  memory::desc user, chosen;
  bool output = false;
  std::optional<dnnl::reorder> reorder;
  /// `chosen` as a BlockedLayout when it differs from `user` and is one: an operand the graph
  /// may hand over in that layout (conv_chosen_layouts).
  std::optional<BlockedLayout> chosen_layout;
};

Operand operand(int arg, const memory::desc& user, const memory::desc& chosen, bool output) {
  Operand o{arg, user, chosen, output, std::nullopt, std::nullopt};
  if (chosen != user) {
    const auto& from = output ? chosen : user;
    const auto& to = output ? user : chosen;
    o.reorder = dnnl::reorder(dnnl::reorder::primitive_desc(cpu_engine(), from, cpu_engine(), to));
    o.chosen_layout = layout_of(chosen);
  }
  return o;
}

/// A primitive and its operands, in the order the caller passes their pointers.
struct Entry {
  dnnl::primitive primitive;
  std::vector<Operand> operands;
  bool winograd = false;
};

/// Offers chosen layouts only where the primitive's view of nabla's layouts is
/// conv_operand_layouts's (the generic path of a kernel reading a chosen layout relies on it).
void check_user_layouts(Entry& e, Kind kind, const ConvPlan& p) {
  const std::vector<BlockedLayout> user = conv_operand_layouts(kind, p);
  bool same = user.size() == e.operands.size();
  for (size_t i = 0; same && i < user.size(); ++i) same = layout_of(e.operands[i].user) == user[i];
  if (same) return;
  for (Operand& o : e.operands) o.chosen_layout.reset();
}

std::unique_ptr<Entry> make(Kind kind, const Geometry& g, Choice c) {
  auto e = std::make_unique<Entry>();
  e->winograd = c.winograd;
  const auto src = c.winograd ? any_layout(g.src) : g.src;
  const auto dst = c.winograd ? any_layout(g.dst) : g.dst;
  if (kind == Kind::InputGrad) {
    const dnnl::convolution_backward_data::primitive_desc pd(
        dnnl::convolution_backward_data::desc(c.algorithm, src, any_layout(g.weights), dst,
                                              g.strides, g.dilates, g.pad_before, g.pad_after),
        cpu_engine(), forward_pd(g, c, false, false));
    e->primitive = dnnl::convolution_backward_data(pd);
    e->operands = {operand(DNNL_ARG_DIFF_DST, g.dst, pd.diff_dst_desc(), false),
                   operand(DNNL_ARG_WEIGHTS, g.weights, pd.weights_desc(), false),
                   operand(DNNL_ARG_DIFF_SRC, g.src, pd.diff_src_desc(), true)};
  } else if (kind == Kind::WeightGrad) {
    const dnnl::convolution_backward_weights::primitive_desc pd(
        dnnl::convolution_backward_weights::desc(c.algorithm, src, any_layout(g.weights), dst,
                                                 g.strides, g.dilates, g.pad_before, g.pad_after),
        cpu_engine(), forward_pd(g, c, false, false));
    e->primitive = dnnl::convolution_backward_weights(pd);
    e->operands = {operand(DNNL_ARG_SRC, g.src, pd.src_desc(), false),
                   operand(DNNL_ARG_DIFF_DST, g.dst, pd.diff_dst_desc(), false),
                   operand(DNNL_ARG_DIFF_WEIGHTS, g.weights, pd.diff_weights_desc(), true)};
  } else {
    const bool bias = kind == Kind::ForwardBias || kind == Kind::ForwardBiasRelu;
    const bool relu = kind == Kind::ForwardRelu || kind == Kind::ForwardBiasRelu;
    const auto pd = forward_pd(g, c, bias, relu);
    e->primitive = dnnl::convolution_forward(pd);
    e->operands = {operand(DNNL_ARG_SRC, g.src, pd.src_desc(), false),
                   operand(DNNL_ARG_WEIGHTS, g.weights, pd.weights_desc(), false)};
    if (bias) e->operands.push_back(operand(DNNL_ARG_BIAS, pd.bias_desc(), pd.bias_desc(), false));
    e->operands.push_back(operand(DNNL_ARG_DST, g.dst, pd.dst_desc(), true));
  }
  return e;
}

/// The entry for (kind, plan), built on first use: Winograd when oneDNN has it for the geometry
/// (and it is not switched off), else direct; null when oneDNN declines the geometry (also
/// remembered). Entries live as long as the process: one per distinct convolution shape.
const Entry* entry(Kind kind, const ConvPlan& p) {
  static std::mutex mutex;
  static std::map<std::vector<int64_t>, std::unique_ptr<Entry> > entries;
  // oneDNN also offers Winograd for a few input channels, padded to 16, and it is 5-20x slower
  // there than direct (bench_conv: a 1-channel first layer 5.5 vs 0.45 ms).
  const bool try_winograd =
      winograd_enabled() && p.groups == 1 && p.c_in % 16 == 0 && p.c_out % 16 == 0;
  std::vector<int64_t> key{
      static_cast<int64_t>(kind), try_winograd, p.spatial, p.batch, p.c_in, p.c_out, p.groups};
  for (int64_t d = 0; d < p.spatial; ++d) {
    const auto u = static_cast<size_t>(d);
    key.insert(key.end(), {p.in[u], p.out[u], p.kernel[u], p.stride[u], p.dilation[u], p.pad[u]});
  }
  const std::lock_guard lock(mutex);
  if (const auto found = entries.find(key); found != entries.end()) return found->second.get();
  std::unique_ptr<Entry> made;
  if (const std::optional<Geometry> g = geometry(p)) {
    std::vector<Choice> choices;
    if (try_winograd) choices.push_back({dnnl::algorithm::convolution_winograd, true});
    choices.push_back({dnnl::algorithm::convolution_direct, false});
    for (const Choice c : choices) {
      try {
        made = make(kind, *g, c);
        check_user_layouts(*made, kind, p);
        break;
      } catch (const dnnl::error&) {
        // unimplemented for this geometry: the next choice, or nabla's kernels
      }
    }
  }
  return entries.emplace(std::move(key), std::move(made)).first->second.get();
}

/// Whether oneDNN should run p (bench_conv, 2 threads): every ungrouped forward and weight
/// gradient (cnnA's conv2 210 vs 167 and 182 vs 160 GFLOP/s; even a 1-channel first layer, 109 vs
/// 55 and 193 vs 49), but the input gradient only when it is gemm-shaped: with 1-3 input channels
/// nabla's direct loop is faster (27 vs 12 GFLOP/s). Grouped convolutions with few channels per
/// group (depthwise) stay on nabla's direct loops, and 1x1 convolutions are one gemm already.
bool wanted(const ConvPlan& p, Kind kind) {
  if (!enabled() || p.spatial < 1 || p.spatial > 3 || p.rows() == 0 || p.group_out == 0 ||
      p.col_width == 0 || p.pointwise) {
    return false;
  }
  if (!use_direct(p)) return true;
  return p.groups == 1 && kind != Kind::InputGrad;
}

/// A 64-byte-aligned buffer kept by its thread for the next calls (blocked copies of x, y and
/// gradients for Winograd): no allocation and no fresh pages per call.
class Scratch {
 public:
  float* get(size_t bytes) {
    if (bytes > size_) {
      data_.reset(static_cast<float*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64)));
      NABLA_CHECK(data_ != nullptr, ValueError, "convolution: cannot allocate ", bytes,
                  " bytes of scratch memory");
      size_ = bytes;
    }
    return data_.get();
  }

 private:
  struct Free {
    void operator()(float* p) const { std::free(p); }
  };
  std::unique_ptr<float, Free> data_;
  size_t size_ = 0;
};

/// Runs e with its operands at `data`, in nabla's layouts or, where `layouts` has an entry, in
/// the chosen one; reorders the others where the entry says so.
void run(const Entry& e, const std::vector<const float*>& data,
         const std::vector<const BlockedLayout*>& layouts) {
  thread_local dnnl::stream stream(cpu_engine());
  thread_local std::array<Scratch, 4> scratch;
  std::unordered_map<int, memory> args;
  struct Back {  // an output to reorder into nabla's layout after the primitive
    const dnnl::reorder* reorder;
    memory chosen, user;
  };
  std::vector<Back> outputs;
  try {
    for (size_t i = 0; i < e.operands.size(); ++i) {
      const Operand& o = e.operands[i];
      if (layouts[i] != nullptr) {
        args.emplace(o.arg, memory(o.chosen, cpu_engine(), const_cast<float*>(data[i])));
        continue;
      }
      memory user(o.user, cpu_engine(), const_cast<float*>(data[i]));
      if (!o.reorder) {
        args.emplace(o.arg, user);
        continue;
      }
      memory chosen(o.chosen, cpu_engine(), scratch[i].get(o.chosen.get_size()));
      if (o.output) {
        outputs.push_back({&*o.reorder, chosen, user});
      } else {
        o.reorder->execute(stream, user, chosen);
      }
      args.emplace(o.arg, chosen);
    }
    e.primitive.execute(stream, args);
    for (Back& back : outputs) back.reorder->execute(stream, back.chosen, back.user);
    stream.wait();
    count_call(e.winograd);
  } catch (const dnnl::error& error) {
    throw InternalError(std::string("convolution: oneDNN failed: ") + error.what());
  }
}

/// The entry oneDNN runs (kind, p) with, or null when it should not or cannot.
const Entry* wanted_entry(Kind kind, const ConvPlan& p) {
  return wanted(p, kind) ? entry(kind, p) : nullptr;
}

/// Runs (kind, p) through oneDNN with its operands at `data` when oneDNN should and can.
bool run_if_wanted(Kind kind, const ConvPlan& p, const std::vector<const float*>& data) {
  const Entry* e = wanted_entry(kind, p);
  if (e == nullptr) return false;
  run(*e, data, std::vector<const BlockedLayout*>(data.size(), nullptr));
  return true;
}

/// A reorder primitive per pair of layouts, built on first use and kept for the process.
const dnnl::reorder& reorder_between(const BlockedLayout& from, const BlockedLayout& to) {
  static std::mutex mutex;
  static std::map<std::pair<std::vector<int64_t>, std::vector<int64_t> >, dnnl::reorder> cache;
  std::pair key{from.encode(), to.encode()};
  const std::lock_guard lock(mutex);
  auto found = cache.find(key);
  if (found == cache.end()) {
    const dnnl::reorder::primitive_desc pd(cpu_engine(), desc_of(from), cpu_engine(), desc_of(to));
    found = cache.emplace(std::move(key), dnnl::reorder(pd)).first;
  }
  return found->second;
}

}  // namespace

std::optional<std::vector<std::optional<BlockedLayout> > > conv_chosen_layouts(ConvKind kind,
                                                                               const ConvPlan& p) {
  const Entry* e = wanted_entry(kind, p);
  if (e == nullptr) return std::nullopt;
  std::vector<std::optional<BlockedLayout> > layouts;
  for (const Operand& o : e->operands) layouts.push_back(o.chosen_layout);
  return layouts;
}

bool conv_run(ConvKind kind, const ConvPlan& p, const std::vector<const float*>& data,
              const std::vector<const BlockedLayout*>& layouts) {
  const Entry* e = wanted_entry(kind, p);
  if (e == nullptr || e->operands.size() != data.size()) return false;
  for (size_t i = 0; i < layouts.size(); ++i) {
    const std::optional<BlockedLayout>& chosen = e->operands[i].chosen_layout;
    if (layouts[i] != nullptr && (!chosen.has_value() || *chosen != *layouts[i])) return false;
  }
  run(*e, data, layouts);
  return true;
}

bool relayout(const BlockedLayout& from, const BlockedLayout& to, const float* src, float* dst) {
  if (!enabled() || from.numel() == 0) return false;
  const dnnl::reorder& reorder = reorder_between(from, to);
  thread_local dnnl::stream stream(cpu_engine());
  try {
    memory in(desc_of(from), cpu_engine(), const_cast<float*>(src));
    memory out(desc_of(to), cpu_engine(), dst);
    reorder.execute(stream, in, out);
    stream.wait();
  } catch (const dnnl::error& error) {
    throw InternalError(std::string("relayout: oneDNN failed: ") + error.what());
  }
  return true;
}

bool conv_forward(const ConvPlan& p, const float* x, const float* w, const float* bias, bool relu,
                  float* y) {
  const Kind kind = bias != nullptr ? (relu ? Kind::ForwardBiasRelu : Kind::ForwardBias)
                                    : (relu ? Kind::ForwardRelu : Kind::Forward);
  if (bias != nullptr) return run_if_wanted(kind, p, {x, w, bias, y});
  return run_if_wanted(kind, p, {x, w, y});
}

bool conv_input_grad(const ConvPlan& p, const float* g, const float* w, float* dx) {
  return run_if_wanted(Kind::InputGrad, p, {g, w, dx});
}

bool conv_weight_grad(const ConvPlan& p, const float* x, const float* g, float* dw) {
  return run_if_wanted(Kind::WeightGrad, p, {x, g, dw});
}

#endif

}  // namespace nabla::cpu::onednn
