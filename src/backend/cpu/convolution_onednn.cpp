// The oneDNN bridge of convolution_onednn.hpp. nabla's tensors are handed to oneDNN in place:
// channels-last x, y and gradients are oneDNN memory descriptors with nabla's strides (oneDNN's
// "nwc/nhwc/ndhwc"), which its AVX-512 kernels (brgconv, jit) take as they are; only the kernel
// is reordered from Keras's [*k, C_in / G, C_out] into the layout each primitive prefers (at most
// a few hundred KB per call). Primitives are built once per geometry and kept for the process.
#include "backend/cpu/convolution_onednn.hpp"

#include "backend/cpu/convolution_direct.hpp"
#include "backend/cpu/onednn.hpp"

#ifdef NABLA_HAVE_ONEDNN
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

dnnl::convolution_forward::primitive_desc forward_pd(const Geometry& g, bool bias, bool relu) {
  const memory::desc bias_desc =
      bias ? memory::desc({g.dst.dims()[1]}, memory::data_type::f32, memory::format_tag::x)
           : memory::desc();
  const dnnl::convolution_forward::desc desc(
      dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, g.src,
      any_layout(g.weights), bias_desc, g.dst, g.strides, g.dilates, g.pad_before, g.pad_after);
  dnnl::primitive_attr attr;
  if (relu) {
    dnnl::post_ops ops;
    ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
    attr.set_post_ops(ops);
  }
  return {desc, attr, cpu_engine()};
}

/// A primitive and the reorder of nabla's kernel into (or, for the weight gradient, out of) the
/// layout it wants; no reorder when the two layouts agree.
struct Entry {
  dnnl::primitive primitive;
  memory::desc user_weights, weights;
  std::optional<dnnl::reorder> reorder;
};

Entry make_entry(dnnl::primitive primitive, const memory::desc& user, const memory::desc& chosen,
                 bool to_user) {
  Entry e{std::move(primitive), user, chosen, std::nullopt};
  if (chosen != user) {
    e.reorder =
        to_user
            ? dnnl::reorder(dnnl::reorder::primitive_desc(cpu_engine(), chosen, cpu_engine(), user))
            : dnnl::reorder(
                  dnnl::reorder::primitive_desc(cpu_engine(), user, cpu_engine(), chosen));
  }
  return e;
}

enum class Kind : int64_t {
  Forward,
  ForwardBias,
  ForwardRelu,
  ForwardBiasRelu,
  InputGrad,
  WeightGrad
};

/// The entry for (kind, plan), built on first use; null when oneDNN declines the geometry (also
/// remembered). Entries live as long as the process: one per distinct convolution shape.
const Entry* entry(Kind kind, const ConvPlan& p) {
  static std::mutex mutex;
  static std::map<std::vector<int64_t>, std::unique_ptr<Entry> > entries;
  std::vector<int64_t> key{
      static_cast<int64_t>(kind), p.spatial, p.batch, p.c_in, p.c_out, p.groups};
  for (int64_t d = 0; d < p.spatial; ++d) {
    const auto u = static_cast<size_t>(d);
    key.insert(key.end(), {p.in[u], p.out[u], p.kernel[u], p.stride[u], p.dilation[u], p.pad[u]});
  }
  const std::lock_guard lock(mutex);
  if (const auto found = entries.find(key); found != entries.end()) return found->second.get();
  std::unique_ptr<Entry> made;
  if (const std::optional<Geometry> g = geometry(p)) {
    try {
      const bool bias = kind == Kind::ForwardBias || kind == Kind::ForwardBiasRelu;
      const bool relu = kind == Kind::ForwardRelu || kind == Kind::ForwardBiasRelu;
      if (kind == Kind::InputGrad) {
        const dnnl::convolution_backward_data::desc desc(
            dnnl::algorithm::convolution_direct, g->src, any_layout(g->weights), g->dst, g->strides,
            g->dilates, g->pad_before, g->pad_after);
        const dnnl::convolution_backward_data::primitive_desc pd(desc, cpu_engine(),
                                                                 forward_pd(*g, false, false));
        made = std::make_unique<Entry>(
            make_entry(dnnl::convolution_backward_data(pd), g->weights, pd.weights_desc(), false));
      } else if (kind == Kind::WeightGrad) {
        const dnnl::convolution_backward_weights::desc desc(
            dnnl::algorithm::convolution_direct, g->src, any_layout(g->weights), g->dst, g->strides,
            g->dilates, g->pad_before, g->pad_after);
        const dnnl::convolution_backward_weights::primitive_desc pd(desc, cpu_engine(),
                                                                    forward_pd(*g, false, false));
        made = std::make_unique<Entry>(make_entry(dnnl::convolution_backward_weights(pd),
                                                  g->weights, pd.diff_weights_desc(), true));
      } else {
        const auto pd = forward_pd(*g, bias, relu);
        made = std::make_unique<Entry>(
            make_entry(dnnl::convolution_forward(pd), g->weights, pd.weights_desc(), false));
      }
    } catch (const dnnl::error&) {
      made.reset();  // unimplemented for this geometry: nabla's kernels run it
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

/// Runs `primitive` with `args` (plus the kernel, reordered when the entry says so) to completion.
void run(const Entry& e, std::unordered_map<int, memory> args, int weights_arg, float* weights,
         bool weights_out) {
  thread_local dnnl::stream stream(cpu_engine());
  memory user(e.user_weights, cpu_engine(), weights);
  try {
    if (!e.reorder) {
      args.emplace(weights_arg, user);
      e.primitive.execute(stream, args);
    } else {
      memory chosen(e.weights, cpu_engine());
      if (!weights_out) e.reorder->execute(stream, user, chosen);
      args.emplace(weights_arg, chosen);
      e.primitive.execute(stream, args);
      if (weights_out) e.reorder->execute(stream, chosen, user);
    }
    stream.wait();
    count_call();
  } catch (const dnnl::error& error) {
    throw InternalError(std::string("convolution: oneDNN failed: ") + error.what());
  }
}

memory view(const memory::desc& desc, const float* data) {
  return memory(desc, cpu_engine(), const_cast<float*>(data));
}

}  // namespace

bool conv_forward(const ConvPlan& p, const float* x, const float* w, const float* bias, bool relu,
                  float* y) {
  const Kind kind = bias != nullptr ? (relu ? Kind::ForwardBiasRelu : Kind::ForwardBias)
                                    : (relu ? Kind::ForwardRelu : Kind::Forward);
  if (!wanted(p, kind)) return false;
  const Entry* e = entry(kind, p);
  if (e == nullptr) return false;
  const Geometry g = *geometry(p);
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, view(g.src, x)},
                                       {DNNL_ARG_DST, view(g.dst, y)}};
  if (bias != nullptr) {
    args.emplace(
        DNNL_ARG_BIAS,
        view(memory::desc({p.c_out}, memory::data_type::f32, memory::format_tag::x), bias));
  }
  run(*e, std::move(args), DNNL_ARG_WEIGHTS, const_cast<float*>(w), false);
  return true;
}

bool conv_input_grad(const ConvPlan& p, const float* g, const float* w, float* dx) {
  if (!wanted(p, Kind::InputGrad)) return false;
  const Entry* e = entry(Kind::InputGrad, p);
  if (e == nullptr) return false;
  const Geometry geo = *geometry(p);
  run(*e, {{DNNL_ARG_DIFF_DST, view(geo.dst, g)}, {DNNL_ARG_DIFF_SRC, view(geo.src, dx)}},
      DNNL_ARG_WEIGHTS, const_cast<float*>(w), false);
  return true;
}

bool conv_weight_grad(const ConvPlan& p, const float* x, const float* g, float* dw) {
  if (!wanted(p, Kind::WeightGrad)) return false;
  const Entry* e = entry(Kind::WeightGrad, p);
  if (e == nullptr) return false;
  const Geometry geo = *geometry(p);
  run(*e, {{DNNL_ARG_SRC, view(geo.src, x)}, {DNNL_ARG_DIFF_DST, view(geo.dst, g)}},
      DNNL_ARG_DIFF_WEIGHTS, dw, true);
  return true;
}

#endif

}  // namespace nabla::cpu::onednn
