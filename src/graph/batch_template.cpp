// BatchTemplate: generalizing two traces of one body at different batch sizes into one graph
// with the batch size B as a parameter, and specializing that graph at a new batch size.
#include "graph/batch_template.hpp"

#include <bit>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "ops/op.hpp"

namespace nabla::graph {

// Note [Unknown batch dimension]
// FunctionOptions::unknown_batch lets one trace of a body serve every batch size, as
// tf.function(input_signature=[TensorSpec([None, 784])]) does. Graph shapes and op attributes
// are concrete numbers (a reshape records [32, -1], a mean divides by a fill of 320.0, dropout
// reserves 80 counters), so instead of a symbolic-dimension system nabla::function traces the
// body twice on the first call with a new batch-free signature: at the call's batch size b (that
// graph runs at b, as without the option) and at a probe size P, a large prime (tracing
// allocates nothing, so a big P costs nothing). generalize() then walks both raw graphs:
//
//   * they must have the same nodes: kinds, ops, input references, numbers of outputs, Input
//     indices, dtypes and ranks; Capture nodes must hold the same tensor, or, for tensors the
//     body made while tracing (tensor({1.f, 2.f}) becomes a new capture in each trace), tensors
//     of equal shape and bits that do not require grad; Constant nodes equal tensors;
//   * a number equal in both traces is a constant; one that differs must be, for one k:
//     an integer (a dimension of a recorded shape, an int attribute, an element of an int-vector
//     or Shape attribute, an integer Scalar) equal to k*b and k*P: it becomes k*B;
//     a double (or floating Scalar) equal to c*b and c*P, both exact products (a mean's divisor
//     n = 10*B, converted to double; eps * B), or to c/(k*b) and c/(k*P) bit for bit for
//     integers c and k (a 1/n factor; c is recovered from the value times b, or k for c = 1, 2);
//     a random op's `counters` may also be ceil(k*B/d) for d <= 64 (dropout reserves one
//     counter per four mask elements: ceil(10*B/4) for a [B, 10] mask);
//     anything else means the body is not batch-polymorphic;
//   * a random op's `seed` and `counter` are not compared: they are replaced on every run
//     (Note [Random ops in graphs]); strings, bools, dtypes and devices must be equal.
//
// specialize(b2) substitutes every expression in the trace at b, and FunctionCore runs
// Graph::verify() on the result, which re-runs every op's shape rule.
//
// Two points determine a line: a value affine in B (alpha*B + beta) equal to k*b and k*P has
// alpha = k and beta = 0, so every affine use of B is recognised exactly, and an affine use that
// is not a multiple (B - 1: a slice x[1:] on the batch axis, a variance's n - 1; B + 3: a pad of
// the batch axis) fails. What two
// traces cannot see:
//   * non-linear uses that differ at b and P fail generalization: reshape(x, {B / 2, -1})
//     (P is odd, so (P - 1) / 2 is no multiple of P), B * B, a captured tensor made from B's
//     value (tensor({float(B)})), a C++ branch on B that records other ops at P;
//   * non-linear uses that are equal at b and P look constant: min(B, 16) for b >= 16, a slice
//     x[:16] of the batch axis, a branch on B == 1 when b > 1. When such a number is a shape
//     that must agree with B downstream, verify() fails at a size where it is wrong (x[:16] at
//     B = 5: the slice's shape rule gives 5 rows, the graph records 16): the function then
//     traces that size as without the option and stops using the template. When nothing checks
//     it (zeros({min(B, 16), 4}) returned as is), the template cannot tell; like tf.function,
//     whose Python code sees None for such a dimension, the option asks the body to treat the
//     batch uniformly, which is why it is opt-in.

namespace {

/// A random op's counters are Philox words in groups; larger groups are not expected.
constexpr int64_t kMaxCeilDenominator = 64;

bool same_bits(double a, double b) {
  return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b);
}

/// k * batch, or nothing when it overflows.
std::optional<int64_t> checked_product(int64_t k, int64_t batch) {
  int64_t product = 0;
  if (__builtin_mul_overflow(k, batch, &product)) return std::nullopt;
  return product;
}

/// An integer expression's value, or nothing when it overflows.
std::optional<int64_t> checked_value(const BatchExpr& e, int64_t batch) {
  const std::optional<int64_t> n = checked_product(e.k, batch);
  if (!n || e.kind != BatchExpr::Kind::CeilDivision) return n;
  if (*n < 0) return std::nullopt;  // counters are not negative
  return *n / e.d + (*n % e.d != 0 ? 1 : 0);
}

std::string show(const AttrValue& value) {
  return std::visit(
      []<class T>(const T& v) -> std::string {
        if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
          return to_string(Shape(v));
        } else {
          return detail::str_cat(v);
        }
      },
      value);
}

class Generalizer {
 public:
  Generalizer(const Graph& at_batch, int64_t batch, const Graph& at_probe, int64_t probe)
      : a_(at_batch), p_(at_probe), b_(batch), probe_(probe) {}

  /// Empty when the traces generalize (sites() then lists the batch-dependent places).
  std::string run() {
    if (a_.nodes.size() != p_.nodes.size()) {
      return differ("the traces record ", a_.nodes.size(), " and ", p_.nodes.size(), " nodes");
    }
    if (a_.inputs != p_.inputs || a_.outputs != p_.outputs) {
      return differ("the traces return different values");
    }
    for (size_t i = 0; i < a_.nodes.size(); ++i) {
      if (!node(i)) return failure_;
    }
    return {};
  }

  std::vector<BatchSite> take_sites() { return std::move(sites_); }

 private:
  template <class... Args>
  std::string differ(const Args&... args) {
    return detail::str_cat("at batch ", b_, " and ", probe_, ": ", args...);
  }
  template <class... Args>
  bool fail(size_t i, const Args&... args) {
    failure_ = differ("node %", i, " (", a_.nodes[i].name, ") ", args...);
    return false;
  }

  bool node(size_t i) {
    const GraphNode& x = a_.nodes[i];
    const GraphNode& y = p_.nodes[i];
    if (x.kind != y.kind || x.op != y.op) return fail(i, "is another node in the probe trace");
    if (x.outputs.size() != y.outputs.size()) return fail(i, "has another number of outputs");
    for (size_t k = 0; k < x.outputs.size(); ++k) {
      if (!output(i, k)) return false;
    }
    switch (x.kind) {
      case GraphNode::Kind::Input:
        return x.index == y.index || fail(i, "is another argument");
      case GraphNode::Kind::Capture:
      case GraphNode::Kind::Constant:
        return same_tensor(x.tensor, y.tensor) ||
               fail(i, "holds another tensor (a captured value that depends on the batch size?)");
      case GraphNode::Kind::Op:
        if (x.inputs != y.inputs) return fail(i, "reads other values");
        return attrs(i, *x.attrs, *y.attrs, x.op->random);
    }
    return true;
  }

  bool output(size_t i, size_t k) {
    const ValueSpec& x = a_.nodes[i].outputs[k];
    const ValueSpec& y = p_.nodes[i].outputs[k];
    if (x.dtype != y.dtype || x.shape.rank() != y.shape.rank()) {
      return fail(i, "output ", k, " is ", x.shape, " ", x.dtype, " and ", y.shape, " ", y.dtype);
    }
    for (int64_t d = 0; d < x.shape.rank(); ++d) {
      const BatchSite site{.where = BatchSite::Where::OutputDim,
                           .node = static_cast<int32_t>(i),
                           .slot = static_cast<int32_t>(k),
                           .element = static_cast<int32_t>(d),
                           .expr = {}};
      if (!integer(x.shape[d], y.shape[d], site, false)) {
        return fail(i, "output ", k, " is ", x.shape, " and ", y.shape,
                    ", not a multiple of the batch size");
      }
    }
    return true;
  }

  /// The same tensor, or (for tensors the body made while tracing) equal contents.
  static bool same_tensor(const Tensor& x, const Tensor& y) {
    if (x.is_same(y)) return true;
    if (x.requires_grad() || y.requires_grad() || x.shape() != y.shape() ||
        x.dtype() != y.dtype() || x.device() != y.device() || !x.device().is_cpu()) {
      return false;
    }
    if (x.numel() == 0) return true;
    const Tensor a = x.contiguous();
    const Tensor b = y.contiguous();
    return std::memcmp(a.data_ptr(), b.data_ptr(), static_cast<size_t>(a.numel()) * a.itemsize()) ==
           0;
  }

  bool attrs(size_t i, const Attrs& x, const Attrs& y, bool random) {
    const auto& xs = x.entries();
    const auto& ys = y.entries();
    if (xs.size() != ys.size()) return fail(i, "has other attributes");
    for (size_t e = 0; e < xs.size(); ++e) {
      const auto& [key, v1] = xs[e];
      const AttrValue& v2 = ys[e].second;
      if (key != ys[e].first || v1.index() != v2.index()) return fail(i, "has other attributes");
      // Replaced on every run: Note [Random ops in graphs].
      if (random && (key == "seed" || key == "counter")) continue;
      const BatchSite site{.where = BatchSite::Where::Attr,
                           .node = static_cast<int32_t>(i),
                           .slot = static_cast<int32_t>(e),
                           .element = 0,
                           .expr = {}};
      if (!attr_value(v1, v2, site, random && key == "counters")) {
        return fail(i, "attribute '", key, "' is ", show(v1), " and ", show(v2),
                    ", not a multiple of the batch size or its reciprocal");
      }
    }
    return true;
  }

  bool attr_value(const AttrValue& v1, const AttrValue& v2, BatchSite site, bool counters) {
    return std::visit(
        [&]<class T>(const T& x) {
          const T& y = std::get<T>(v2);
          if constexpr (std::is_same_v<T, int64_t>) {
            return integer(x, y, site, counters);
          } else if constexpr (std::is_same_v<T, double>) {
            return floating(x, y, site);
          } else if constexpr (std::is_same_v<T, std::vector<int64_t>> ||
                               std::is_same_v<T, Shape>) {
            if (x.size() != y.size()) return false;
            for (int64_t j = 0; j < static_cast<int64_t>(x.size()); ++j) {
              site.element = static_cast<int32_t>(j);
              if (!integer(*(x.begin() + j), *(y.begin() + j), site, false)) return false;
            }
            return true;
          } else if constexpr (std::is_same_v<T, Scalar>) {
            if (x.kind() != y.kind()) return false;
            if (x.is_bool()) return x == y;
            if (x.is_floating())
              return floating(x.template to<double>(), y.template to<double>(), site);
            return integer(x.template to<int64_t>(), y.template to<int64_t>(), site, false);
          } else {  // bool, string, DType, Device
            return x == y;
          }
        },
        v1);
  }

  /// An integer equal in both traces, k*B, or (counters) ceil(k*B/d).
  bool integer(int64_t x, int64_t y, BatchSite site, bool counters) {
    if (x == y) return true;
    BatchExpr e;
    if (x % b_ == 0 && y % probe_ == 0 && x / b_ == y / probe_) {
      e.k = x / b_;
      return add(site, e);
    }
    if (!counters || x < 0 || y < 0) return false;
    e.kind = BatchExpr::Kind::CeilDivision;
    for (e.d = 2; e.d <= kMaxCeilDenominator; ++e.d) {
      // ceil(k*P/d) == y holds for the largest k with k*P <= y*d, if for any.
      const std::optional<int64_t> bound = checked_product(y, e.d);
      if (!bound) return false;
      e.k = *bound / probe_;
      if (checked_value(e, probe_) == y && checked_value(e, b_) == x) return add(site, e);
    }
    return false;
  }

  /// A double equal in both traces (bit for bit), c*B, or c/(k*B).
  bool floating(double x, double y, BatchSite site) {
    if (same_bits(x, y)) return true;
    if (!std::isfinite(x) || !std::isfinite(y)) return false;
    const auto b = static_cast<double>(b_);
    const auto p = static_cast<double>(probe_);
    BatchExpr e;
    // c*B: c is x / b when c*b and c*P are exact products (fma leaves no remainder), as they are
    // for a count converted to double or a power-of-two multiple; then c*B at any batch is the
    // product the body computes. An inexact product (0.1*B) could round differently elsewhere.
    e.kind = BatchExpr::Kind::Scaled;
    e.c = x / b;
    if (std::fma(e.c, b, -x) == 0 && std::fma(e.c, p, -y) == 0 && reproduces(e, x, y)) {
      return add(site, e);
    }
    // c/(k*B) for integers c and k, one correctly rounded division as in 1.0 / n: c/B with c
    // recovered from x*b, or 1/(k*B) and 2/(k*B) with k recovered from c/(x*b).
    e.kind = BatchExpr::Kind::Reciprocal;
    const double c_over_k = x * b;
    std::vector<std::pair<double, double>> candidates = {{std::round(c_over_k), 1.0},
                                                         {std::round(y * p), 1.0}};
    for (double c : {1.0, 2.0}) candidates.emplace_back(c, std::round(c / c_over_k));
    for (const auto& [c, k] : candidates) {
      if (c == 0 || !(k >= 1 && k < 0x1p31)) continue;
      e.c = c;
      e.k = static_cast<int64_t>(k);
      if (reproduces(e, x, y)) return add(site, e);
    }
    return false;
  }

  bool reproduces(const BatchExpr& e, double x, double y) const {
    return same_bits(e.floating_at(b_), x) && same_bits(e.floating_at(probe_), y);
  }

  bool add(const BatchSite& site, const BatchExpr& e) {
    sites_.push_back(site);
    sites_.back().expr = e;
    return true;
  }

  const Graph& a_;
  const Graph& p_;
  int64_t b_;
  int64_t probe_;
  std::vector<BatchSite> sites_;
  std::string failure_;
};

/// Writes the site's value at `batch` into an attribute value.
void substitute(AttrValue& value, const BatchSite& site, int64_t batch) {
  std::visit(
      [&]<class T>(T& v) {
        if constexpr (std::is_same_v<T, int64_t>) {
          v = site.expr.integer_at(batch);
        } else if constexpr (std::is_same_v<T, double>) {
          v = site.expr.floating_at(batch);
        } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
          v[static_cast<size_t>(site.element)] = site.expr.integer_at(batch);
        } else if constexpr (std::is_same_v<T, Shape>) {
          v[site.element] = site.expr.integer_at(batch);
        } else if constexpr (std::is_same_v<T, Scalar>) {
          v = v.is_floating() ? Scalar(site.expr.floating_at(batch))
                              : Scalar(site.expr.integer_at(batch));
        } else {
          NABLA_ASSERT(false, "BatchTemplate: a batch site in a non-numeric attribute");
        }
      },
      value);
}

}  // namespace

int64_t BatchExpr::integer_at(int64_t batch) const {
  NABLA_ASSERT(kind == Kind::Multiple || kind == Kind::CeilDivision,
               "BatchExpr: a floating expression has no integer value");
  const std::optional<int64_t> value = checked_value(*this, batch);
  NABLA_CHECK(value.has_value(), ValueError, "nabla::function: ", k, " * ", batch,
              " overflows int64 (unknown batch dimension)");
  return *value;
}

double BatchExpr::floating_at(int64_t batch) const {
  switch (kind) {
    case Kind::Scaled:
      return c * static_cast<double>(batch);
    case Kind::Reciprocal: {
      const std::optional<int64_t> n = checked_product(k, batch);
      NABLA_CHECK(n.has_value(), ValueError, "nabla::function: ", k, " * ", batch,
                  " overflows int64 (unknown batch dimension)");
      return c / static_cast<double>(*n);
    }
    case Kind::Multiple:
    case Kind::CeilDivision:
      break;
  }
  return static_cast<double>(integer_at(batch));
}

BatchTemplate::Generalized BatchTemplate::generalize(const Graph& at_batch, int64_t batch,
                                                     const Graph& at_probe, int64_t probe) {
  NABLA_ASSERT(batch > 0 && probe > 0 && batch != probe, "BatchTemplate: batch sizes ", batch,
               " and ", probe);
  Generalizer generalizer(at_batch, batch, at_probe, probe);
  std::string failure = generalizer.run();
  if (!failure.empty()) return {std::nullopt, std::move(failure)};
  return {BatchTemplate(at_batch, generalizer.take_sites()), {}};
}

Graph BatchTemplate::specialize(int64_t batch) const {
  Graph g = base_;
  // Attribute sites of one node are adjacent (generalize walks node by node): copy its Attrs
  // once, substitute, and share the copy.
  int32_t current = -1;
  Attrs attrs;
  auto flush = [&] {
    if (current >= 0) {
      g.nodes[static_cast<size_t>(current)].attrs = std::make_shared<const Attrs>(attrs);
    }
  };
  for (const BatchSite& site : sites_) {
    GraphNode& node = g.nodes[static_cast<size_t>(site.node)];
    if (site.where == BatchSite::Where::OutputDim) {
      node.outputs[static_cast<size_t>(site.slot)].shape[site.element] =
          site.expr.integer_at(batch);
      continue;
    }
    if (site.node != current) {
      flush();
      current = site.node;
      attrs = *node.attrs;
    }
    const auto& [key, old_value] = attrs.entries()[static_cast<size_t>(site.slot)];
    AttrValue value = old_value;
    substitute(value, site, batch);
    attrs.set(std::string(key), std::move(value));
  }
  flush();
  return g;
}

}  // namespace nabla::graph
