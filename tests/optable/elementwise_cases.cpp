// Op-table rows for the elementwise family, casts and where.
#include <algorithm>
#include <cmath>

#include "optable/op_table.hpp"

namespace optable {
namespace {

using namespace nabla;

double sigmoid_ref(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double sign_ref(double x) { return static_cast<double>((x > 0) - (x < 0)); }

// Elementwise rows are gradchecked to second order (grad_order = 2).
OpCase unary_case(std::string name, Tensor (*fn)(const Tensor&), double (*ref)(double),
                  InputSpec in, DType out, double tol = 1e-6) {
  return OpCase{std::move(name),
                {in},
                [fn](const std::vector<Tensor>& x) { return fn(x[0]); },
                [ref](const std::vector<Ref>& r) { return map(r[0], ref); },
                out,
                tol,
                true,
                2};
}

OpCase binary_case(std::string name, Tensor (*fn)(const Tensor&, const Tensor&),
                   double (*ref)(double, double), InputSpec a, InputSpec b, DType out,
                   double tol = 1e-6) {
  return OpCase{std::move(name),
                {a, b},
                [fn](const std::vector<Tensor>& x) { return fn(x[0], x[1]); },
                [ref](const std::vector<Ref>& r) { return zip(r[0], r[1], ref); },
                out,
                tol,
                true,
                2};
}

const Shape kMatrix{4, 5};
const InputSpec kF32{kMatrix, float32}, kF64{kMatrix, float64};
const InputSpec kPositive{kMatrix, float32, 0.1, 3.0};

NABLA_OP_CASES({
    unary_case(
        "neg_f32", &neg, [](double x) { return -x; }, kF32, float32),
    unary_case(
        "neg_i32", &neg, [](double x) { return -x; }, {kMatrix, int32, -9, 9}, int32),
    unary_case(
        "abs_f64", &abs, [](double x) { return std::abs(x); }, kF64, float64),
    unary_case(
        "abs_i64", &abs, [](double x) { return std::abs(x); }, {kMatrix, int64, -9, 9}, int64),
    unary_case("sign_f32", &sign, &sign_ref, kF32, float32),
    unary_case(
        "relu_f32", &relu, [](double x) { return x > 0 ? x : 0.0; }, kF32, float32),
    unary_case(
        "square_i32", &square, [](double x) { return x * x; }, {kMatrix, int32, -9, 9}, int32),
    unary_case(
        "exp_f32", &exp, [](double x) { return std::exp(x); }, kF32, float32),
    unary_case(
        "exp_i32_promotes", &exp, [](double x) { return std::exp(x); }, {kMatrix, int32, -3, 3},
        float64, 1e-12),
    unary_case(
        "log_f64", &log, [](double x) { return std::log(x); }, {kMatrix, float64, 0.1, 3}, float64,
        1e-12),
    unary_case(
        "sqrt_f32", &sqrt, [](double x) { return std::sqrt(x); }, kPositive, float32),
    unary_case(
        "sin_f32", &sin, [](double x) { return std::sin(x); }, kF32, float32),
    unary_case(
        "cos_f64", &cos, [](double x) { return std::cos(x); }, kF64, float64, 1e-12),
    unary_case(
        "tanh_f32", &tanh, [](double x) { return std::tanh(x); }, kF32, float32),
    unary_case("sigmoid_f32", &sigmoid, &sigmoid_ref, {kMatrix, float32, -30, 30}, float32),
    unary_case("sigmoid_bool_promotes", &sigmoid, &sigmoid_ref, {kMatrix, bool_}, float32),
    unary_case(
        "erf_f32", &erf, [](double x) { return std::erf(x); }, {kMatrix, float32, -4, 4}, float32),
    unary_case(
        "erf_f64", &erf, [](double x) { return std::erf(x); }, kF64, float64, 1e-12),
    unary_case(
        "log1p_f32", &log1p, [](double x) { return std::log1p(x); }, {kMatrix, float32, -0.9, 3},
        float32),
    unary_case(
        "log1p_f64_tiny", &log1p, [](double x) { return std::log1p(x); },
        {kMatrix, float64, -1e-10, 1e-10}, float64, 1e-14),
    unary_case(
        "expm1_f32", &expm1, [](double x) { return std::expm1(x); }, kF32, float32),
    unary_case(
        "expm1_f64_tiny", &expm1, [](double x) { return std::expm1(x); },
        {kMatrix, float64, -1e-10, 1e-10}, float64, 1e-14),
    unary_case(
        "logical_not_f32", &logical_not, [](double x) { return x == 0 ? 1.0 : 0.0; },
        {kMatrix, int32, 0, 1}, bool_),

    binary_case(
        "add_f32", &add, [](double a, double b) { return a + b; }, kF32, kF32, float32),
    binary_case(
        "add_broadcast_3d", &add, [](double a, double b) { return a + b; }, {{3, 1, 5}, float32},
        {{4, 5}, float32}, float32),
    binary_case(
        "add_broadcast_column_row", &add, [](double a, double b) { return a + b; },
        {{6, 1}, float64}, {{1, 7}, float64}, float64),
    binary_case(
        "add_zero_size", &add, [](double a, double b) { return a + b; }, {{0, 3}, float32},
        {{3}, float32}, float32),
    binary_case(
        "add_bool_is_or", &add, [](double a, double b) { return a + b > 0 ? 1.0 : 0.0; },
        {kMatrix, bool_}, {kMatrix, bool_}, bool_),
    binary_case(
        "add_i32_f32_promotes_f64", &add, [](double a, double b) { return a + b; },
        {kMatrix, int32, -9, 9}, kF32, float64),
    binary_case(
        "add_i32_i64", &add, [](double a, double b) { return a + b; }, {kMatrix, int32, -9, 9},
        {kMatrix, int64, -9, 9}, int64),
    binary_case(
        "sub_f64", &sub, [](double a, double b) { return a - b; }, kF64, {{5}, float64}, float64),
    binary_case(
        "mul_i64", &mul, [](double a, double b) { return a * b; }, {kMatrix, int64, -9, 9},
        {{1}, int64, -9, 9}, int64),
    binary_case(
        "div_f32", &div, [](double a, double b) { return a / b; }, kF32, kPositive, float32),
    binary_case(
        "div_i32_true_division", &div, [](double a, double b) { return a / b; },
        {kMatrix, int32, -9, 9}, {kMatrix, int32, 1, 9}, float64, 1e-12),
    binary_case(
        "pow_f32", &pow, [](double a, double b) { return std::pow(a, b); }, kPositive, kF32,
        float32, 1e-5),
    binary_case(
        "pow_i64", &pow, [](double a, double b) { return std::pow(a, b); }, {kMatrix, int64, -5, 5},
        {kMatrix, int64, 0, 5}, int64),
    binary_case(
        "maximum_f32", &maximum, [](double a, double b) { return std::max(a, b); }, kF32,
        {{5}, float32}, float32),
    binary_case(
        "relu_grad_f32", &relu_grad, [](double g, double y) { return y > 0 ? g : 0.0; }, kF32, kF32,
        float32),
    binary_case(
        "minimum_i32", &minimum, [](double a, double b) { return std::min(a, b); },
        {kMatrix, int32, -9, 9}, {kMatrix, int32, -9, 9}, int32),
    binary_case(
        "equal_i32", &equal, [](double a, double b) { return double(a == b); },
        {kMatrix, int32, 0, 2}, {kMatrix, int32, 0, 2}, bool_),
    binary_case(
        "not_equal_f32", &not_equal, [](double a, double b) { return double(a != b); }, kF32,
        {{1, 5}, float32}, bool_),
    binary_case(
        "less_f32_f64", &less, [](double a, double b) { return double(a < b); }, kF32, kF64, bool_),
    binary_case(
        "less_equal_i64", &less_equal, [](double a, double b) { return double(a <= b); },
        {kMatrix, int64, 0, 3}, {kMatrix, int64, 0, 3}, bool_),
    binary_case(
        "greater_f64", &greater, [](double a, double b) { return double(a > b); }, kF64,
        {{4, 1}, float64}, bool_),
    binary_case(
        "greater_equal_i32", &greater_equal, [](double a, double b) { return double(a >= b); },
        {kMatrix, int32, 0, 3}, {kMatrix, int32, 0, 3}, bool_),
    binary_case(
        "logical_and_mixed", &logical_and,
        [](double a, double b) { return double(a != 0 && b != 0); }, {kMatrix, int32, 0, 2},
        {kMatrix, bool_}, bool_),
    binary_case(
        "logical_or_f32", &logical_or, [](double a, double b) { return double(a != 0 || b != 0); },
        {kMatrix, int32, 0, 1}, {kMatrix, int32, 0, 1}, bool_),

    OpCase{"scalar_ops_keep_float32",
           {kF32},
           [](const std::vector<Tensor>& x) { return (x[0] * 2.0 - 1) / 4.0f + 0.5; },
           [](const std::vector<Ref>& r) {
             return map(r[0], [](double v) { return (v * 2.0 - 1) / 4.0 + 0.5; });
           },
           float32},
    OpCase{"int_times_float_scalar_is_float64",
           {{kMatrix, int32, -9, 9}},
           [](const std::vector<Tensor>& x) { return x[0] * 0.5; },
           [](const std::vector<Ref>& r) { return map(r[0], [](double v) { return v * 0.5; }); },
           float64},
    OpCase{"scalar_minus_tensor",
           {kF64},
           [](const std::vector<Tensor>& x) { return 3 - x[0]; },
           [](const std::vector<Ref>& r) { return map(r[0], [](double v) { return 3 - v; }); },
           float64},
    OpCase{"pow_scalar_exponent",
           {kPositive},
           [](const std::vector<Tensor>& x) { return pow(x[0], 2); },
           [](const std::vector<Ref>& r) { return map(r[0], [](double v) { return v * v; }); },
           float32},
    OpCase{"clip_f32",
           {kF32},
           [](const std::vector<Tensor>& x) { return clip(x[0], -0.5, 0.75); },
           [](const std::vector<Ref>& r) {
             return map(r[0], [](double v) { return std::min(std::max(v, -0.5), 0.75); });
           },
           float32},
    OpCase{"where_broadcast",
           {{{4, 1}, bool_}, {{4, 5}, float32}, {{5}, float64}},
           [](const std::vector<Tensor>& x) { return where(x[0], x[1], x[2]); },
           [](const std::vector<Ref>& r) {
             Ref picked_x = zip(r[0], r[1], [](double c, double v) { return c != 0 ? v : NAN; });
             return zip(picked_x, r[2], [](double v, double y) { return std::isnan(v) ? y : v; });
           },
           float64},
    OpCase{"where_scalar_other",
           {{kMatrix, bool_}, kF32},
           [](const std::vector<Tensor>& x) { return where(x[0], x[1], 0.0); },
           [](const std::vector<Ref>& r) {
             return zip(r[0], r[1], [](double c, double v) { return c != 0 ? v : 0.0; });
           },
           float32},
    OpCase{
        "astype_f32_to_i32_truncates",
        {{kMatrix, float32, -5, 5}},
        [](const std::vector<Tensor>& x) { return x[0].astype(int32); },
        [](const std::vector<Ref>& r) { return map(r[0], [](double v) { return std::trunc(v); }); },
        int32},
    OpCase{"astype_i64_to_bool",
           {{kMatrix, int64, -1, 1}},
           [](const std::vector<Tensor>& x) { return x[0].astype(bool_); },
           [](const std::vector<Ref>& r) {
             return map(r[0], [](double v) { return double(v != 0); });
           },
           bool_},
    OpCase{"clone_copies",
           {{{3, 4, 5}, float64}},
           [](const std::vector<Tensor>& x) { return x[0].clone(); },
           [](const std::vector<Ref>& r) { return r[0]; },
           float64},
});

// uint8 rows: NumPy's unsigned semantics (arithmetic wraps modulo 256, abs is the identity, sign
// is 0 or 1) and its promotions (uint8 + int32 -> int32, uint8 + float32 -> float32).
const InputSpec kU8{kMatrix, uint8, 0, 255}, kSmallU8{kMatrix, uint8, 0, 3};

double pow_mod_256(double base, double exponent) {
  double result = 1;
  for (int i = 0; i < static_cast<int>(exponent); ++i) result = wrap_uint8(result * base);
  return result;
}

NABLA_OP_CASES({
    unary_case(
        "neg_u8_wraps", &neg, [](double x) { return wrap_uint8(-x); }, kU8, uint8, 0),
    unary_case(
        "abs_u8_identity", &abs, [](double x) { return x; }, kU8, uint8, 0),
    unary_case(
        "sign_u8", &sign, [](double x) { return double(x > 0); }, kSmallU8, uint8, 0),
    unary_case(
        "relu_u8_identity", &relu, [](double x) { return x; }, kU8, uint8, 0),
    unary_case(
        "square_u8_wraps", &square, [](double x) { return wrap_uint8(x * x); }, kU8, uint8, 0),
    unary_case(
        "exp_u8_promotes_f32", &exp, [](double x) { return std::exp(x); }, {kMatrix, uint8, 0, 5},
        float32),
    unary_case(
        "sqrt_u8_promotes_f32", &sqrt, [](double x) { return std::sqrt(x); }, kU8, float32),
    unary_case(
        "logical_not_u8", &logical_not, [](double x) { return double(x == 0); }, kSmallU8, bool_),

    binary_case(
        "add_u8_wraps", &add, [](double a, double b) { return wrap_uint8(a + b); }, kU8, kU8, uint8,
        0),
    binary_case(
        "sub_u8_wraps", &sub, [](double a, double b) { return wrap_uint8(a - b); }, kU8,
        {{5}, uint8, 0, 255}, uint8, 0),
    binary_case(
        "mul_u8_wraps", &mul, [](double a, double b) { return wrap_uint8(a * b); }, kU8, kU8, uint8,
        0),
    binary_case(
        "div_u8_true_division", &div, [](double a, double b) { return a / b; }, kU8,
        {kMatrix, uint8, 1, 255}, float64, 1e-12),
    binary_case("pow_u8_wraps", &pow, &pow_mod_256, kU8, {kMatrix, uint8, 0, 9}, uint8, 0),
    binary_case(
        "maximum_u8", &maximum, [](double a, double b) { return std::max(a, b); }, kU8,
        {{1, 5}, uint8, 0, 255}, uint8, 0),
    binary_case(
        "minimum_u8", &minimum, [](double a, double b) { return std::min(a, b); }, kU8, kU8, uint8,
        0),
    binary_case(
        "equal_u8", &equal, [](double a, double b) { return double(a == b); }, kSmallU8, kSmallU8,
        bool_, 0),
    binary_case(
        "not_equal_u8", &not_equal, [](double a, double b) { return double(a != b); }, kSmallU8,
        kSmallU8, bool_, 0),
    binary_case(
        "less_u8", &less, [](double a, double b) { return double(a < b); }, kSmallU8, kSmallU8,
        bool_, 0),
    binary_case(
        "less_equal_u8", &less_equal, [](double a, double b) { return double(a <= b); }, kSmallU8,
        kSmallU8, bool_, 0),
    binary_case(
        "greater_u8_i32", &greater, [](double a, double b) { return double(a > b); }, kU8,
        {kMatrix, int32, -300, 300}, bool_, 0),
    binary_case(
        "greater_equal_u8", &greater_equal, [](double a, double b) { return double(a >= b); },
        kSmallU8, kSmallU8, bool_, 0),
    binary_case(
        "logical_and_u8", &logical_and, [](double a, double b) { return double(a != 0 && b != 0); },
        kSmallU8, kSmallU8, bool_, 0),
    binary_case(
        "logical_or_u8", &logical_or, [](double a, double b) { return double(a != 0 || b != 0); },
        kSmallU8, kSmallU8, bool_, 0),
    binary_case(
        "add_u8_bool_stays_u8", &add, [](double a, double b) { return wrap_uint8(a + b); }, kU8,
        {kMatrix, bool_}, uint8, 0),
    binary_case(
        "add_u8_i32_promotes_i32", &add, [](double a, double b) { return a + b; }, kU8,
        {kMatrix, int32, -300, 300}, int32, 0),
    binary_case(
        "sub_u8_i64_promotes_i64", &sub, [](double a, double b) { return a - b; }, kU8,
        {kMatrix, int64, -300, 300}, int64, 0),
    binary_case(
        "mul_u8_f32_promotes_f32", &mul, [](double a, double b) { return a * b; }, kU8, kF32,
        float32),
    binary_case(
        "add_u8_f64_promotes_f64", &add, [](double a, double b) { return a + b; }, kU8, kF64,
        float64, 1e-12),

    OpCase{"u8_scalar_ops_stay_u8",
           {kU8},
           [](const std::vector<Tensor>& x) { return (255 - x[0]) * 2 + 7; },
           [](const std::vector<Ref>& r) {
             return map(r[0], [](double v) { return wrap_uint8((255 - v) * 2 + 7); });
           },
           uint8,
           0},
    OpCase{"u8_over_float_scalar_is_float64",
           {kU8},
           [](const std::vector<Tensor>& x) { return x[0] / 255.0; },
           [](const std::vector<Ref>& r) { return map(r[0], [](double v) { return v / 255.0; }); },
           float64,
           1e-12},
    OpCase{"u8_astype_f32_over_255",
           {kU8},
           [](const std::vector<Tensor>& x) { return x[0].astype(float32) / 255.0f; },
           [](const std::vector<Ref>& r) { return map(r[0], [](double v) { return v / 255.0; }); },
           float32},
    OpCase{"clip_u8",
           {kU8},
           [](const std::vector<Tensor>& x) { return clip(x[0], 10, 200); },
           [](const std::vector<Ref>& r) {
             return map(r[0], [](double v) { return std::clamp(v, 10.0, 200.0); });
           },
           uint8,
           0},
    OpCase{"where_u8_scalar_other",
           {{kMatrix, bool_}, kU8},
           [](const std::vector<Tensor>& x) { return where(x[0], x[1], 7); },
           [](const std::vector<Ref>& r) {
             return zip(r[0], r[1], [](double c, double v) { return c != 0 ? v : 7.0; });
           },
           uint8,
           0},
    OpCase{
        "astype_f32_to_u8_truncates",
        {{kMatrix, float32, 0, 255.9}},
        [](const std::vector<Tensor>& x) { return x[0].astype(uint8); },
        [](const std::vector<Ref>& r) { return map(r[0], [](double v) { return std::trunc(v); }); },
        uint8,
        0},
    OpCase{"astype_i32_to_u8_wraps",
           {{kMatrix, int32, -1000, 1000}},
           [](const std::vector<Tensor>& x) { return x[0].astype(uint8); },
           [](const std::vector<Ref>& r) { return map(r[0], &wrap_uint8); },
           uint8,
           0},
    OpCase{"astype_i64_to_u8_wraps",
           {{kMatrix, int64, -1000, 1000}},
           [](const std::vector<Tensor>& x) { return x[0].astype(uint8); },
           [](const std::vector<Ref>& r) { return map(r[0], &wrap_uint8); },
           uint8,
           0},
    OpCase{"astype_bool_to_u8",
           {{kMatrix, bool_}},
           [](const std::vector<Tensor>& x) { return x[0].astype(uint8); },
           [](const std::vector<Ref>& r) { return r[0]; },
           uint8,
           0},
    OpCase{"astype_u8_to_bool",
           {kSmallU8},
           [](const std::vector<Tensor>& x) { return x[0].astype(bool_); },
           [](const std::vector<Ref>& r) {
             return map(r[0], [](double v) { return double(v != 0); });
           },
           bool_,
           0},
    OpCase{"astype_u8_to_i32",
           {kU8},
           [](const std::vector<Tensor>& x) { return x[0].astype(int32); },
           [](const std::vector<Ref>& r) { return r[0]; },
           int32,
           0},
    OpCase{"astype_u8_to_i64",
           {kU8},
           [](const std::vector<Tensor>& x) { return x[0].astype(int64); },
           [](const std::vector<Ref>& r) { return r[0]; },
           int64,
           0},
    OpCase{"astype_u8_to_f64",
           {kU8},
           [](const std::vector<Tensor>& x) { return x[0].astype(float64); },
           [](const std::vector<Ref>& r) { return r[0]; },
           float64,
           0},
    OpCase{"clone_u8",
           {{{3, 4, 5}, uint8, 0, 255}},
           [](const std::vector<Tensor>& x) { return x[0].clone(); },
           [](const std::vector<Ref>& r) { return r[0]; },
           uint8,
           0},
});

}  // namespace
}  // namespace optable
