// Op-table rows for the contraction family: matmul (dtypes, broadcasting, 1-D operands), dot,
// outer, tensordot and einsum, all checked against the brute-force Einstein-summation reference.
#include "optable/op_table.hpp"
#include "unit/contraction_reference.hpp"

namespace optable {
namespace {

using namespace nabla;

/// The brute-force einsum reference on op-table Refs ("ij,jk" -> "ik"); bool results OR-of-AND.
Ref ein(const std::string& inputs, const std::string& output, const std::vector<Ref>& operands,
        bool boolean = false) {
  std::vector<contraction_test::Ref> refs;
  for (const Ref& r : operands) refs.push_back({r.shape, r.data});
  const contraction_test::Ref out = contraction_test::einsum_ref(inputs, output, refs, boolean);
  return Ref{out.shape, out.data};
}

using Run = std::function<Tensor(const std::vector<Tensor>&)>;

OpCase contraction_case(std::string name, std::vector<InputSpec> inputs, Run run,
                        std::string ref_inputs, std::string ref_output, DType out,
                        double tol = 1e-5) {
  const bool boolean = out == bool_;
  return OpCase{std::move(name),
                std::move(inputs),
                std::move(run),
                [=](const std::vector<Ref>& r) { return ein(ref_inputs, ref_output, r, boolean); },
                out,
                tol,
                true,
                2};  // contractions are gradchecked to second order
}

Tensor run_matmul(const std::vector<Tensor>& x) { return matmul(x[0], x[1]); }
Tensor run_dot(const std::vector<Tensor>& x) { return dot(x[0], x[1]); }

NABLA_OP_CASES({
    contraction_case("matmul_f32", {{{3, 4}, float32}, {{4, 5}, float32}}, run_matmul, "ij,jk",
                     "ik", float32),
    contraction_case("matmul_f64_batched_broadcast",
                     {{{2, 1, 3, 4}, float64}, {{5, 4, 2}, float64}}, run_matmul, "abij,bjk",
                     "abik", float64, 1e-12),
    contraction_case("matmul_i32", {{{3, 4}, int32}, {{4, 5}, int32}}, run_matmul, "ij,jk", "ik",
                     int32, 0),
    contraction_case("matmul_i64_batched", {{{3, 2, 4}, int64}, {{3, 4, 2}, int64}}, run_matmul,
                     "bij,bjk", "bik", int64, 0),
    contraction_case("matmul_bool", {{{3, 4}, bool_}, {{4, 5}, bool_}}, run_matmul, "ij,jk", "ik",
                     bool_, 0),
    contraction_case("matmul_vector_matrix", {{{4}, float32}, {{2, 4, 3}, float32}}, run_matmul,
                     "j,bjk", "bk", float32),
    contraction_case("matmul_matrix_vector", {{{2, 3, 4}, float64}, {{4}, float64}}, run_matmul,
                     "bij,j", "bi", float64, 1e-12),
    contraction_case("matmul_i32_f32_promotes", {{{3, 4}, int32}, {{4, 2}, float32}}, run_matmul,
                     "ij,jk", "ik", float64, 1e-12),
    contraction_case("dot_nd", {{{2, 3, 4}, float64}, {{5, 4, 2}, float64}}, run_dot, "ijk,lkm",
                     "ijlm", float64, 1e-12),
    contraction_case("dot_vectors", {{{6}, int64}, {{6}, int64}}, run_dot, "i,i", "", int64, 0),
    OpCase{"outer_f32",
           {{{2, 3}, float32}, {{4}, float32}},
           [](const std::vector<Tensor>& x) { return outer(x[0], x[1]); },
           [](const std::vector<Ref>& r) {
             Ref out = ein("ab,c", "abc", r);  // then flattened: [a * b, c]
             out.shape = {6, 4};
             return out;
           },
           float32},
    contraction_case(
        "tensordot_2", {{{2, 3, 4}, float32}, {{3, 4, 5}, float32}},
        [](const std::vector<Tensor>& x) { return tensordot(x[0], x[1], 2); }, "ijk,jkl", "il",
        float32),
    contraction_case(
        "tensordot_lists", {{{3, 4, 2}, float64}, {{4, 2, 3}, float64}},
        [](const std::vector<Tensor>& x) {
          return tensordot(x[0], x[1], {{1, 0}, {0, 2}});
        },
        "ijk,jli", "kl", float64, 1e-12),
    contraction_case(
        "einsum_bmm_transposed", {{{2, 3, 4}, float32}, {{2, 5, 4}, float32}},
        [](const std::vector<Tensor>& x) { return einsum("bij,bkj->bik", x); }, "bij,bkj", "bik",
        float32),
    contraction_case(
        "einsum_trace", {{{4, 4}, float64}},
        [](const std::vector<Tensor>& x) { return einsum("ii", x); }, "ii", "", float64, 1e-12),
    contraction_case(
        "einsum_chain", {{{2, 3}, float64}, {{3, 4}, float64}, {{4, 2}, float64}},
        [](const std::vector<Tensor>& x) { return einsum("ij,jk,kl->il", x); }, "ij,jk,kl", "il",
        float64, 1e-12),
    contraction_case(
        "einsum_ellipsis_i32", {{{2, 1, 3, 4}, int32}, {{5, 4, 2}, int32}},
        [](const std::vector<Tensor>& x) { return einsum("...ij,...jk->...ik", x); }, "abij,bjk",
        "abik", int32, 0),
});

// uint8 rows: products and sums wrap modulo 256, as NumPy's uint8 matmul.
OpCase wrapping_case(std::string name, std::vector<InputSpec> inputs, Run run,
                     std::string ref_inputs, std::string ref_output) {
  return OpCase{
      std::move(name),
      std::move(inputs),
      std::move(run),
      [=](const std::vector<Ref>& r) { return map(ein(ref_inputs, ref_output, r), &wrap_uint8); },
      uint8,
      0};
}

NABLA_OP_CASES({
    wrapping_case("matmul_u8_wraps", {{{3, 4}, uint8, 0, 255}, {{4, 5}, uint8, 0, 255}}, run_matmul,
                  "ij,jk", "ik"),
    wrapping_case("matmul_u8_batched_wraps", {{{2, 3, 4}, uint8, 0, 255}, {{4, 2}, uint8, 0, 255}},
                  run_matmul, "bij,jk", "bik"),
    wrapping_case("dot_u8_vectors", {{{6}, uint8, 0, 255}, {{6}, uint8, 0, 255}}, run_dot, "i,i",
                  ""),
    wrapping_case(
        "einsum_u8", {{{2, 3}, uint8, 0, 255}, {{3, 4}, uint8, 0, 255}},
        [](const std::vector<Tensor>& x) { return einsum("ij,jk->ki", x); }, "ij,jk", "ki"),
    contraction_case("matmul_u8_i32_promotes", {{{3, 4}, uint8, 0, 255}, {{4, 2}, int32, -9, 9}},
                     run_matmul, "ij,jk", "ik", int32, 0),
    contraction_case("matmul_u8_f32_promotes", {{{3, 4}, uint8, 0, 255}, {{4, 2}, float32}},
                     run_matmul, "ij,jk", "ik", float32),
});

}  // namespace
}  // namespace optable
