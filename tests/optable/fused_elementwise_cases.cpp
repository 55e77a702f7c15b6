// Op-table rows for fused_elementwise: programs the fusion pass makes (bias + relu, a longer chain
// with broadcast inputs and an input read twice, a mix of unary and binary ops), each against the
// unfused ops' double-precision reference.
#include <cmath>

#include "ops/fused_elementwise.hpp"
#include "optable/op_table.hpp"

namespace optable {
namespace {

using namespace nabla;

int64_t op(const char* name) { return fused::opcode_of(name); }

/// A row running `program` on its inputs with output `shape`.
OpCase fused_case(std::string name, std::vector<InputSpec> inputs, std::vector<int64_t> program,
                  Shape shape, std::function<Ref(const std::vector<Ref>&)> reference, DType out) {
  return OpCase{std::move(name),
                std::move(inputs),
                [program, shape](const std::vector<Tensor>& x) {
                  return fused_elementwise(x, program, shape);
                },
                std::move(reference),
                out,
                1e-5,
                true,
                2};
}

double relu_ref(double x) { return x > 0 ? x : 0.0; }

NABLA_OP_CASES({
    // relu(x + b): the dense layer's bias and activation.
    fused_case(
        "fused_elementwise_bias_relu", {{{4, 5}, float32}, {{5}, float32}},
        {op("add"), 0, 1, op("relu"), 2, -1}, Shape{4, 5},
        [](const std::vector<Ref>& r) {
          return map(zip(r[0], r[1], [](double a, double b) { return a + b; }), &relu_ref);
        },
        float32),
    // tanh(x * a + b) * c - x: x read twice; a, b and c broadcast along different axes.
    fused_case(
        "fused_elementwise_chain_f64",
        {{{4, 5}, float64}, {{4, 1}, float64}, {{5}, float64}, {{}, float64}},
        {op("mul"), 0, 1, op("add"), 4, 2, op("tanh"), 5, -1, op("mul"), 6, 3, op("sub"), 7, 0},
        Shape{4, 5},
        [](const std::vector<Ref>& r) {
          const Ref y = map(zip(zip(r[0], r[1], [](double x, double a) { return x * a; }), r[2],
                                [](double v, double b) { return v + b; }),
                            [](double v) { return std::tanh(v); });
          return zip(zip(y, r[3], [](double v, double c) { return v * c; }), r[0],
                     [](double v, double x) { return v - x; });
        },
        float64),
    // sigmoid(x) * exp(-y) / (1 + z^2) with the 1 an input, and maximum against x.
    fused_case(
        "fused_elementwise_mixed",
        {{{3, 4}, float32}, {{3, 4}, float32}, {{1, 4}, float32}, {{}, float32, 1, 1}},
        {op("sigmoid"), 0, -1, op("neg"), 1, -1, op("exp"), 5, -1, op("mul"),     4,  6,
         op("square"),  2, -1, op("add"), 3, 8,  op("div"), 7, 9,  op("maximum"), 10, 0},
        Shape{3, 4},
        [](const std::vector<Ref>& r) {
          const Ref num = zip(map(r[0], [](double x) { return 1 / (1 + std::exp(-x)); }),
                              map(r[1], [](double y) { return std::exp(-y); }),
                              [](double a, double b) { return a * b; });
          const Ref den = zip(r[3], map(r[2], [](double z) { return z * z; }),
                              [](double one, double s) { return one + s; });
          return zip(zip(num, den, [](double a, double b) { return a / b; }), r[0],
                     [](double a, double b) { return std::max(a, b); });
        },
        float32),
});

}  // namespace
}  // namespace optable
