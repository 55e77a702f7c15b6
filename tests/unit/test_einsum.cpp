// einsum against a brute-force reference: explicit and implicit output, diagonals and traces,
// broadcasting ellipsis and extent-1 broadcasting, several operands, dtypes; that two operands
// lower to one matmul without copying transposed views; and malformed equations.
#include <gtest/gtest.h>

#include <algorithm>
#include <nabla/nabla.hpp>
#include <string>

#include "ops/dispatch.hpp"
#include "unit/contraction_reference.hpp"

namespace {
using namespace nabla;
using contraction_test::einsum_ref;
using contraction_test::expect_close;
using contraction_test::random_tensor;
using contraction_test::Ref;
using contraction_test::to_ref;
using contraction_test::tolerance;

struct Case {
  std::string equation;
  std::vector<Shape> shapes;
  std::string ref_inputs;  // the same contraction in the reference's explicit-letter syntax
  std::string ref_output;
};

const std::vector<Case> kCases = {
    {"ij,jk->ik", {{3, 4}, {4, 5}}, "ij,jk", "ik"},
    {"ij,kj->ik", {{3, 4}, {5, 4}}, "ij,kj", "ik"},
    {"ii->i", {{4, 4}}, "ii", "i"},
    {"ii", {{4, 4}}, "ii", ""},
    {"ii->", {{4, 4}}, "ii", ""},
    {"ij->ji", {{3, 4}}, "ij", "ji"},
    {"ij->", {{3, 4}}, "ij", ""},
    {"ij->j", {{3, 4}}, "ij", "j"},
    {"bij,bjk->bik", {{2, 3, 4}, {2, 4, 5}}, "bij,bjk", "bik"},
    {"bij,bkj->bik", {{2, 3, 4}, {2, 5, 4}}, "bij,bkj", "bik"},
    {"...ij,...jk->...ik", {{2, 1, 3, 4}, {5, 4, 2}}, "abij,bjk", "abik"},
    {"...ij,...jk", {{2, 3, 4}, {4, 5}}, "aij,jk", "aik"},
    {"...ii->...i", {{2, 3, 3}}, "aii", "ai"},
    {"i...->...", {{3, 2, 4}}, "iab", "ab"},
    {"a...,...->...", {{3, 2}, {2}}, "ab,b", "b"},
    {"i,i", {{5}, {5}}, "i,i", ""},
    {"i,j->ij", {{3}, {4}}, "i,j", "ij"},
    {"i,j", {{3}, {4}}, "i,j", "ij"},
    {"ijk,jil->kl", {{2, 3, 4}, {3, 2, 5}}, "ijk,jil", "kl"},
    {"ij,jk,kl->il", {{2, 3}, {3, 4}, {4, 5}}, "ij,jk,kl", "il"},
    {"a,ab,bc,c->", {{2}, {2, 3}, {3, 4}, {4}}, "a,ab,bc,c", ""},
    {"ab,ab,ab->ab", {{2, 3}, {2, 3}, {2, 3}}, "ab,ab,ab", "ab"},
    {"ij,jk->", {{3, 4}, {4, 5}}, "ij,jk", ""},
    {"ij,jk", {{3, 4}, {4, 5}}, "ij,jk", "ik"},
    {"ba", {{3, 4}}, "ba", "ab"},
    {"Ba,aC", {{3, 4}, {4, 2}}, "Ba,aC", "BC"},
    {"iii->i", {{3, 3, 3}}, "iii", "i"},
    {"iij,jk->ik", {{3, 3, 4}, {4, 2}}, "iij,jk", "ik"},
    {"ijkl->lkji", {{2, 3, 1, 4}}, "ijkl", "lkji"},
    {"ij,ij->ij", {{1, 3}, {2, 3}}, "ij,ij", "ij"},
    {"ij,jk->ik", {{2, 1}, {3, 4}}, "ij,jk", "ik"},
    {"ij,ik->jk", {{0, 3}, {0, 2}}, "ij,ik", "jk"},
    {"ij->", {{0, 3}}, "ij", ""},
    {",i->i", {{}, {4}}, ",i", "i"},
    {"  ij , jk -> ik ", {{3, 4}, {4, 5}}, "ij,jk", "ik"},
    {"ijk,ikl->ijl", {{2, 3, 4}, {2, 4, 3}}, "ijk,ikl", "ijl"},
    {"abc,cd,bd->a", {{2, 3, 4}, {4, 5}, {3, 5}}, "abc,cd,bd", "a"},
};

void run_case(const Case& c, DType dtype, bool transposed) {
  SCOPED_TRACE(c.equation + " " + std::string(dtype_name(dtype)) +
               (transposed ? " (transposed inputs)" : ""));
  std::vector<Tensor> operands;
  std::vector<Ref> refs;
  uint32_t seed = 100;
  for (const Shape& shape : c.shapes) {
    Tensor x = random_tensor(shape, dtype, seed++);
    if (transposed) {  // same values, reversed memory order: a non-contiguous view
      std::vector<int64_t> reversed(shape.begin(), shape.end());
      std::reverse(reversed.begin(), reversed.end());
      x = random_tensor(Shape(reversed), dtype, seed).transpose();
    }
    operands.push_back(x);
    refs.push_back(to_ref(x));
  }
  const Tensor got = einsum(c.equation, operands);
  EXPECT_EQ(got.dtype(), dtype);
  expect_close(got, einsum_ref(c.ref_inputs, c.ref_output, refs, dtype == bool_), tolerance(dtype));
}

TEST(Einsum, MatchesBruteForceReference) {
  for (const Case& c : kCases) {
    for (DType dt : {float32, float64, uint8, int32, int64, bool_}) run_case(c, dt, false);
    run_case(c, float64, true);
    run_case(c, int32, true);
  }
}

TEST(Einsum, ResultDTypeIsTheOperandsCommonType) {
  const Tensor i = random_tensor({3, 4}, int32, 1), f = random_tensor({4}, float32, 2);
  EXPECT_EQ(einsum("ij,j->i", {i, f}).dtype(), float64);
  EXPECT_EQ(einsum("ij->", {i}).dtype(), int32);  // NumPy keeps int32 (sum alone widens)
  const Tensor b = tensor({true, false, true});
  EXPECT_EQ(einsum("i->", {b}).dtype(), bool_);
  EXPECT_TRUE(einsum("i->", {b}).item<bool>());
  EXPECT_FALSE(einsum("i,i", {b, tensor({false, true, false})}).item<bool>());
  // int32 sums wrap around as in NumPy's einsum.
  EXPECT_EQ(einsum("i->", {full({4}, 1 << 30, int32)}).item<int32_t>(), 0);
}

// Records the name of every op dispatched on tensors that (transitively) require grad.
std::vector<std::string> recorded_ops;
void record(const OpDef& op, std::span<const Tensor>, const Attrs&, std::span<Tensor> outputs) {
  recorded_ops.emplace_back(op.name);
  for (Tensor& out : outputs) out.impl().requires_grad = true;
}

/// The ops einsum dispatches for `equation`.
std::vector<std::string> ops_of(std::string_view equation, std::vector<Tensor> operands) {
  auto& hook = dispatch_hooks().record_gradient;
  const auto previous = hook;
  hook = &record;
  recorded_ops.clear();
  for (Tensor& x : operands) {
    x = x.clone();  // own handles, so marking them does not leak into other tests
    x.impl().requires_grad = true;
  }
  (void)einsum(equation, operands);
  hook = previous;
  return recorded_ops;
}

bool is_view(const std::string& name) {
  const OpDef* op = OpRegistry::find(name);
  return op != nullptr && op->view != nullptr;
}

TEST(Einsum, TwoOperandsAreOneMatmulAndTransposesAreNotCopied) {
  const Tensor a = random_tensor({3, 4}, float32, 3), b = random_tensor({4, 5}, float32, 4);
  const Tensor batch = random_tensor({2, 3, 4}, float32, 5);
  const std::vector<std::pair<std::string, std::vector<Tensor>>> no_copies = {
      {"ij,jk->ik", {a, b}},
      {"ij,kj->ik", {a, b.transpose()}},
      {"ji,jk->ik", {a.transpose(), b}},
      {"ij,jk->ki", {a, b}},
      {"bij,bkj->bik", {batch, batch}},
      {"...ij,...jk->...ik", {batch, b}},
      {"i,i", {random_tensor({3}, float32, 6), random_tensor({3}, float32, 7)}},
      {"ijk,jil->kl", {batch, random_tensor({3, 2, 5}, float32, 8)}},
  };
  for (const auto& [equation, operands] : no_copies) {
    SCOPED_TRACE(equation);
    const std::vector<std::string> ops = ops_of(equation, operands);
    EXPECT_EQ(std::count(ops.begin(), ops.end(), "matmul"), 1);
    if (equation == "ijk,jil->kl") continue;  // one operand needs a copy: (i, j) is not mergeable
    for (const std::string& op : ops) EXPECT_TRUE(op == "matmul" || is_view(op)) << op;
  }
  // Nothing summed: one broadcasting mul instead (a matmul would be a batch of k = 1 products).
  const Tensor v3 = random_tensor({3}, float32, 9), v4 = random_tensor({4}, float32, 10);
  const std::vector<std::pair<std::string, std::vector<Tensor>>> products = {
      {"i,j->ij", {v3, v4}},
      {"ab,ab->ab", {a, a}},
      {"ab,a->ba", {a, v3}},
      {"ab,c->cab", {a.transpose(), v4}},
  };
  for (const auto& [equation, operands] : products) {
    SCOPED_TRACE(equation);
    const std::vector<std::string> ops = ops_of(equation, operands);
    EXPECT_EQ(std::count(ops.begin(), ops.end(), "mul"), 1);
    for (const std::string& op : ops) EXPECT_TRUE(op == "mul" || is_view(op)) << op;
  }
  // Three operands: one matmul per pair, left to right.
  const std::vector<std::string> ops = ops_of("ij,jk,kl->il", {a, b, b.transpose()});
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "matmul"), 2);
}

std::string einsum_error(std::string_view equation, const std::vector<Tensor>& operands) {
  try {
    (void)einsum(equation, operands);
  } catch (const Error& e) {
    return e.what();
  }
  return "no exception";
}

TEST(Einsum, MalformedEquationsAreValueErrors) {
  const Tensor m = ones({2, 3}), n = ones({3, 4});
  const std::vector<std::string> malformed = {
      "ij,jk->ik->", "ij-jk",     "ij>jk",     "i.j,jk", "....,jk",     "i...j...,jk",
      "ij,jk->i,k",  "ij,jk->iz", "ij,jk->ii", "i1,jk",  "ij,jk->..ik", "ij;jk",
  };
  for (const std::string& eq : malformed) {
    SCOPED_TRACE(eq);
    EXPECT_THROW((void)einsum(eq, {m, n}), ValueError);
    const std::string message = einsum_error(eq, {m, n});
    EXPECT_EQ(message.rfind("einsum: ", 0), 0u) << message;
    EXPECT_NE(message.find("'" + eq + "'"), std::string::npos) << message;
  }
  EXPECT_THROW((void)einsum("ij,jk", {m}), ValueError);
  EXPECT_THROW((void)einsum("ij", {m, n}), ValueError);
  EXPECT_THROW((void)einsum("", {}), ValueError);
  EXPECT_THROW((void)einsum("ij,jk", {m, Tensor()}), ValueError);
  // NumPy: broadcast dimensions must reach the output.
  EXPECT_THROW((void)einsum("...i->i", {m}), ValueError);
  EXPECT_EQ(einsum("...i->i", {ones({3})}).shape(), (Shape{3}));
}

TEST(Einsum, ShapeMismatchesAreShapeErrors) {
  const std::string wrong_rank = einsum_error("ijk", {ones({2, 3})});
  EXPECT_NE(wrong_rank.find("einsum: operand 0 has shape [2, 3]"), std::string::npos) << wrong_rank;
  EXPECT_NE(wrong_rank.find("'ijk'"), std::string::npos) << wrong_rank;
  EXPECT_THROW((void)einsum("ijk", {ones({2, 3})}), ShapeError);
  EXPECT_THROW((void)einsum("i", {ones({2, 3})}), ShapeError);
  EXPECT_THROW((void)einsum("...ijk", {ones({2, 3})}), ShapeError);
  const std::string extent = einsum_error("ij,jk->ik", {ones({2, 3}), ones({4, 5})});
  EXPECT_NE(extent.find("einsum: subscript 'j' has extent 3 in operand 0"), std::string::npos)
      << extent;
  EXPECT_THROW((void)einsum("ij,jk->ik", {ones({2, 3}), ones({4, 5})}), ShapeError);
  EXPECT_THROW((void)einsum("ii->i", {ones({2, 3})}), ShapeError);
  EXPECT_THROW((void)einsum("...i,...i", {ones({2, 3}), ones({4, 3})}), ShapeError);
}

}  // namespace
