// Graph passes: each takes a Graph and returns an equivalent, usually smaller one; optimize()
// runs them in a fixed order (docs/graph.md). Every pass keeps the Input nodes (the signature)
// and the effects (ops writing into captured tensors, kept in order), never merges, folds or
// moves random ops or effects, and leaves a graph that passes Graph::verify().
#pragma once

#include "nabla/graph/graph.hpp"

namespace nabla::passes {

/// Removes nodes no output depends on (effects and random ops stay: an unused draw still advances
/// the generator, so keeping it keeps the numbers equal to the eager run's).
[[nodiscard]] Graph eliminate_dead_code(const Graph& g);
/// Merges Op nodes with the same op, attributes and inputs (random ops excepted), and Constant
/// nodes holding the same tensor.
[[nodiscard]] Graph eliminate_common_subexpressions(const Graph& g);
/// Evaluates Op nodes whose inputs are all constants (or that have none: fill, arange, eye) and
/// replaces them by Constant nodes. Captured tensors are not constants: a variable may change
/// between runs.
[[nodiscard]] Graph fold_constants(const Graph& g);
/// Algebraic identities: x * 1, 1 * x, x / 1, x + 0, 0 + x, x - 0 (when the result keeps x's shape
/// and dtype), a transpose of a transpose, reshape of reshape, a reshape, expand or cast to x's
/// own shape or dtype, neg(neg(x)).
[[nodiscard]] Graph simplify_algebra(const Graph& g);

/// Elementwise fusion: maximal connected groups of elementwise ops (neg, add, mul, exp, relu,
/// relu_grad, ... in float32 or float64) become one fused_elementwise node, which computes them in
/// one pass over memory with the ops' own scalar functions (bit-identical results). A producer
/// joins its reader's group when that is its only reader, its value is not returned and has the
/// group's output shape (only the group's inputs broadcast), and no effect comes between it and
/// the group's last op (where the fused node goes); at most 8 inputs and 32 ops a group. A sum that
/// is the only reader of a group's value (a group of one op too), over its leading or trailing
/// axes, is computed by the same node in the same pass, bit-identical to the sum kernel; the
/// node outputs only the sum and the value is never stored.
[[nodiscard]] Graph fuse_elementwise(const Graph& g);

/// Layout choices for convolutions (Note [Convolution layouts]): each float32 convolution that
/// oneDNN runs with an operand in a blocked layout of its own becomes conv_with_layouts, taking
/// and giving those operands as they are, with relayout nodes between them and nabla's layouts;
/// then common subexpressions and dead code are eliminated, so a value is laid out once however
/// many convolutions read it, and not at all between two that share a layout. Results are
/// unchanged bit for bit. A graph without such convolutions (oneDNN off, float64) is unchanged.
[[nodiscard]] Graph choose_convolution_layouts(const Graph& g);

/// The passes above but fusion and layouts, repeated until the graph stops shrinking; then
/// convolution layouts; then elementwise fusion.
[[nodiscard]] Graph optimize(const Graph& g);

}  // namespace nabla::passes
