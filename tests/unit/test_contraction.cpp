// matmul (NumPy's batched, broadcasting semantics and 1-D promotion), dot, outer and tensordot
// against double-precision references, on every dtype, strided and broadcast layouts, zero-sized
// dimensions, and every error path.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <limits>
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

/// NumPy's matmul with a triple loop: 1-D operands promoted, batch dims broadcast.
Ref matmul_ref(Ref a, Ref b, bool boolean) {
  const bool a_vector = a.shape.size() == 1, b_vector = b.shape.size() == 1;
  if (a_vector) a.shape.insert(a.shape.begin(), 1);
  if (b_vector) b.shape.push_back(1);
  const size_t ra = a.shape.size(), rb = b.shape.size(), rank = std::max(ra, rb) - 2;
  const int64_t n = a.shape[ra - 2], k = a.shape[ra - 1], m = b.shape[rb - 1];
  std::vector<int64_t> batch(rank);
  auto extent = [&](const Ref& r, size_t d) {  // batch dim d of r, right-aligned (1 if missing)
    const size_t lead = rank - (r.shape.size() - 2);
    return d < lead ? int64_t{1} : r.shape[d - lead];
  };
  for (size_t d = 0; d < rank; ++d) batch[d] = std::max(extent(a, d), extent(b, d));
  int64_t count = 1;
  for (int64_t e : batch) count *= e;
  Ref out;
  out.shape = batch;
  if (!a_vector) out.shape.push_back(n);
  if (!b_vector) out.shape.push_back(m);
  out.data.assign(static_cast<size_t>(count * n * m), 0.0);
  for (int64_t flat = 0; flat < count; ++flat) {
    int64_t rest = flat, off_a = 0, off_b = 0, step_a = n * k, step_b = k * m;
    for (size_t d = rank; d-- > 0;) {
      const int64_t i = rest % batch[d];
      rest /= batch[d];
      const int64_t ea = extent(a, d), eb = extent(b, d);
      off_a += (ea == 1 ? 0 : i) * step_a;
      off_b += (eb == 1 ? 0 : i) * step_b;
      step_a *= ea;
      step_b *= eb;
    }
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = 0; j < m; ++j) {
        double s = 0;
        for (int64_t p = 0; p < k; ++p) {
          s += a.data[static_cast<size_t>(off_a + i * k + p)] *
               b.data[static_cast<size_t>(off_b + p * m + j)];
        }
        out.data[static_cast<size_t>((flat * n + i) * m + j)] = boolean ? (s != 0.0) : s;
      }
    }
  }
  return out;
}

void check_matmul(const Tensor& a, const Tensor& b) {
  const Tensor c = matmul(a, b);
  const DType dtype = promote_types(a.dtype(), b.dtype());
  EXPECT_EQ(c.dtype(), dtype);
  expect_close(c, matmul_ref(to_ref(a), to_ref(b), dtype == bool_), tolerance(dtype));
}

const DType kAllDTypes[] = {float32, float64, uint8, int32, int64, bool_};

TEST(Matmul, MatchesTripleLoopForEveryDType) {
  for (DType dt : kAllDTypes) {
    SCOPED_TRACE(dtype_name(dt));
    check_matmul(random_tensor({3, 4}, dt, 1), random_tensor({4, 5}, dt, 2));
    check_matmul(random_tensor({1, 7}, dt, 3), random_tensor({7, 1}, dt, 4));
  }
}

TEST(Matmul, OneDimensionalOperandsArePromotedAndRemoved) {
  for (DType dt : {float32, int64, bool_}) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor v = random_tensor({4}, dt, 5), w = random_tensor({4}, dt, 6);
    EXPECT_EQ(matmul(v, w).shape(), Shape{});
    check_matmul(v, w);
    check_matmul(v, random_tensor({4, 3}, dt, 7));
    EXPECT_EQ(matmul(v, random_tensor({4, 3}, dt, 7)).shape(), (Shape{3}));
    check_matmul(random_tensor({2, 3, 4}, dt, 8), w);
    EXPECT_EQ(matmul(random_tensor({2, 3, 4}, dt, 8), w).shape(), (Shape{2, 3}));
    check_matmul(v, random_tensor({2, 4, 3}, dt, 9));
    EXPECT_EQ(matmul(v, random_tensor({2, 4, 3}, dt, 9)).shape(), (Shape{2, 3}));
  }
}

TEST(Matmul, BroadcastsBatchDimensions) {
  for (DType dt : kAllDTypes) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor a = random_tensor({2, 1, 3, 4}, dt, 10), b = random_tensor({5, 4, 2}, dt, 11);
    EXPECT_EQ(matmul(a, b).shape(), (Shape{2, 5, 3, 2}));
    check_matmul(a, b);
    check_matmul(random_tensor({3, 4}, dt, 12), random_tensor({6, 4, 2}, dt, 13));
  }
}

TEST(Matmul, TransposedAndSlicedOperands) {
  for (DType dt : kAllDTypes) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor at = random_tensor({4, 3}, dt, 14).transpose();  // [3, 4], column-major
    const Tensor bt = random_tensor({5, 4}, dt, 15).transpose();  // [4, 5]
    ASSERT_FALSE(at.is_contiguous());
    check_matmul(at, bt);
    check_matmul(at, random_tensor({4, 5}, dt, 16));
    check_matmul(random_tensor({3, 4}, dt, 17), bt);
    // Step slices: no unit stride at all (packed), row stride only (leading dimension), and a
    // negative step (packed).
    const Tensor big = random_tensor({8, 10}, dt, 18);
    check_matmul(big.slice(0, 0, 6, 2).slice(1, 0, 8, 2), random_tensor({4, 3}, dt, 19));
    check_matmul(big.slice(0, 1, 8, 2).slice(1, 2, 6), random_tensor({4, 3}, dt, 20));
    check_matmul(random_tensor({2, 5}, dt, 21), big.slice(0, 5, 0, -1).slice(1, 0, 3));
    check_matmul(big.slice(1, 2, 7).transpose(), big.slice(1, 0, 7, 3));
    // Matrix-vector, vector-matrix and vector-vector products (gemv and dot for floats) with
    // transposed matrices and vectors that are strided, reversed or broadcast (stride 0).
    const Tensor strided = big.select(0, 1).slice(0, 0, 8, 2);        // [4], stride 2
    const Tensor reversed = big.select(1, 0).slice(0, 7, 3, -1);      // [4], stride -10
    const Tensor broadcast = random_tensor({1}, dt, 31).expand({4});  // [4], stride 0
    for (const Tensor& v : {strided, reversed, broadcast}) {
      check_matmul(at, v);
      check_matmul(v, bt);
      check_matmul(v, random_tensor({4, 5}, dt, 32));
      check_matmul(v, strided);
      check_matmul(random_tensor({2, 3, 4}, dt, 33).transpose(0, 1), v);
    }
    // Batched transposes: the last two axes swapped on a 3-D tensor.
    check_matmul(random_tensor({3, 4, 2}, dt, 22).transpose(1, 2),
                 random_tensor({3, 5, 4}, dt, 23).transpose(1, 2));
    // Batch axis not outermost in memory.
    check_matmul(random_tensor({2, 3, 4}, dt, 24).permute({1, 0, 2}),
                 random_tensor({4, 2}, dt, 25));
  }
}

TEST(Matmul, ExpandedOperandsAreReadInPlace) {
  for (DType dt : kAllDTypes) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor a = random_tensor({1, 3, 4}, dt, 26).expand({6, 3, 4});  // batch stride 0
    const Tensor b = random_tensor({6, 4, 2}, dt, 27);
    check_matmul(a, b);
    check_matmul(b.transpose(1, 2), random_tensor({4, 1}, dt, 28).expand({6, 4, 3}));
    // Stride 0 inside the matrix: every row (column) the same.
    check_matmul(random_tensor({1, 4}, dt, 29).expand({3, 4}),
                 random_tensor({4, 1}, dt, 30).expand({4, 5}));
  }
}

TEST(Matmul, ManySmallAndFewLargeProducts) {
  for (DType dt : {float32, float64, int32}) {
    SCOPED_TRACE(dtype_name(dt));
    check_matmul(random_tensor({64, 5, 6}, dt, 31), random_tensor({64, 6, 7}, dt, 32));
    check_matmul(random_tensor({130, 70}, dt, 33), random_tensor({70, 150}, dt, 34));
    check_matmul(random_tensor({2, 90, 80}, dt, 35).transpose(1, 2),
                 random_tensor({90, 100}, dt, 36));
  }
  // A packed broadcast operand shared by many batch entries of the parallel path.
  check_matmul(random_tensor({1, 8, 6}, float32, 37).expand({40, 8, 6}).slice(2, 0, 6, 2),
               random_tensor({40, 3, 5}, float32, 38));
}

TEST(Matmul, ZeroSizedDimensions) {
  for (DType dt : kAllDTypes) {
    SCOPED_TRACE(dtype_name(dt));
    // k == 0: an empty sum is 0, so the output is filled with zeros.
    const Tensor z = matmul(random_tensor({3, 0}, dt, 39), random_tensor({0, 4}, dt, 40));
    EXPECT_EQ(z.shape(), (Shape{3, 4}));
    EXPECT_EQ(z.to_vector<double>(), std::vector<double>(12, 0.0));
    EXPECT_EQ(matmul(random_tensor({2, 0}, dt, 41), random_tensor({0}, dt, 42)).to_vector<double>(),
              (std::vector<double>{0, 0}));
    EXPECT_EQ(matmul(random_tensor({0, 3}, dt, 43), random_tensor({3, 4}, dt, 44)).shape(),
              (Shape{0, 4}));
    EXPECT_EQ(matmul(random_tensor({2, 3}, dt, 45), random_tensor({3, 0}, dt, 46)).shape(),
              (Shape{2, 0}));
    EXPECT_EQ(matmul(random_tensor({0, 2, 3}, dt, 47), random_tensor({3, 4}, dt, 48)).shape(),
              (Shape{0, 2, 4}));
  }
}

TEST(Matmul, MixedDTypesPromoteLikeNumPy) {
  const Tensor i32 = random_tensor({3, 4}, int32, 49), f32 = random_tensor({4, 2}, float32, 50);
  EXPECT_EQ(matmul(i32, f32).dtype(), float64);
  check_matmul(i32, f32);
  check_matmul(random_tensor({3, 4}, bool_, 51), random_tensor({4, 2}, int32, 52));
  EXPECT_EQ(matmul(random_tensor({3, 4}, bool_, 51), random_tensor({4, 2}, int32, 52)).dtype(),
            int32);
  EXPECT_EQ(matmul(i32, random_tensor({4, 2}, int64, 53)).dtype(), int64);
  EXPECT_EQ(matmul(f32.transpose(), random_tensor({4, 3}, float64, 54)).dtype(), float64);
}

TEST(Matmul, IntegersWrapAroundLikeNumPy) {
  const Tensor a = full({1, 2}, 65536, int32), b = full({2, 1}, 65536, int32);
  EXPECT_EQ(matmul(a, b).item<int32_t>(), 0);  // 2 * 2^32 mod 2^32
  const Tensor c = full({1, 3}, int64_t{1} << 62, int64);
  EXPECT_EQ(matmul(c, full({3}, 2, int64)).item<int64_t>(), std::numeric_limits<int64_t>::min());
}

TEST(Matmul, BoolIsOrOfAnds) {
  const Tensor a = tensor({{true, false}, {false, false}});
  const Tensor b = tensor({{true, true}, {true, false}});
  EXPECT_EQ(matmul(a, b).to_vector<bool>(), (std::vector<bool>{true, true, false, false}));
}

template <class Error>
std::string message_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no exception";
  return "";
}

TEST(Matmul, Errors) {
  EXPECT_EQ(message_of<ShapeError>([] {
              (void)matmul(ones({2, 3}), ones({4, 5}));
            }),
            "matmul: inner dimensions differ: [2, 3] vs [4, 5]");
  EXPECT_EQ(message_of<ShapeError>([] { (void)matmul(ones({3}), ones({4})); }),
            "matmul: inner dimensions differ: [3] vs [4]");
  EXPECT_EQ(message_of<ShapeError>([] {
              (void)matmul(ones({2, 3}), ones({2}));
            }),
            "matmul: inner dimensions differ: [2, 3] vs [2]");
  const std::string batch = message_of<ShapeError>([] {
    (void)matmul(ones({2, 3, 4}), ones({3, 4, 5}));
  });
  EXPECT_NE(batch.find("matmul: batch dimensions do not broadcast: [2, 3, 4] vs [3, 4, 5]"),
            std::string::npos)
      << batch;
  EXPECT_THROW((void)matmul(ones(Shape{}), ones({3})), ShapeError);
  EXPECT_THROW((void)matmul(ones({3}), ones(Shape{})), ShapeError);
  EXPECT_THROW((void)matmul(Tensor(), ones({3})), ValueError);
  // The core op itself: same dtype, at least 2-D.
  const OpDef* core = OpRegistry::find("matmul");
  ASSERT_NE(core, nullptr);
  EXPECT_THROW((void)dispatch1(*core, {ones({2, 2}), ones({2, 2}, int32)}), DTypeError);
  EXPECT_THROW((void)dispatch1(*core, {ones({2}), ones({2, 2})}), ShapeError);
}

// ---- tensordot, dot, outer: checked against the brute-force einsum reference ----

void check(const Tensor& got, const std::string& inputs, const std::string& output,
           const std::vector<Tensor>& operands) {
  std::vector<Ref> refs;
  for (const Tensor& t : operands) refs.push_back(to_ref(t));
  expect_close(got, einsum_ref(inputs, output, refs, got.dtype() == bool_), tolerance(got.dtype()));
}

TEST(Tensordot, IntegerAxes) {
  for (DType dt : {float32, float64, int32, bool_}) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor a = random_tensor({2, 3, 4}, dt, 60), b = random_tensor({3, 4, 5}, dt, 61);
    check(tensordot(a, b), "ijk,jkl", "il", {a, b});
    check(tensordot(a, b, 2), "ijk,jkl", "il", {a, b});
    const Tensor c = random_tensor({4, 2}, dt, 62);
    check(tensordot(a, c, 1), "ijk,kl", "ijl", {a, c});
    check(tensordot(a, c, 0), "ijk,lm", "ijklm", {a, c});
    check(tensordot(a, a, 3), "ijk,ijk", "", {a, a});
  }
}

TEST(Tensordot, AxisLists) {
  const Tensor a = random_tensor({3, 4, 5}, float64, 63), b = random_tensor({4, 6, 3}, float64, 64);
  check(tensordot(a, b, {{1, 0}, {0, 2}}), "ijk,jli", "kl", {a, b});
  check(tensordot(a, b, {{-2, -3}, {0, -1}}), "ijk,jli", "kl", {a, b});
  check(tensordot(a, b, {{0}, {2}}), "ijk,lmi", "jklm", {a, b});
  check(tensordot(a, b, {{}, {}}), "ijk,lmn", "ijklmn", {a, b});
  check(tensordot(a.transpose(), b.permute({2, 0, 1}), {{2, 1}, {0, 1}}), "kji,ijl", "kl",
        {a.transpose(), b.permute({2, 0, 1})});
  const Tensor i = random_tensor({3, 4}, int32, 65), f = random_tensor({4, 2}, float32, 66);
  EXPECT_EQ(tensordot(i, f, 1).dtype(), float64);
  check(tensordot(i, f, 1), "ij,jk", "ik", {i, f});
  EXPECT_EQ(tensordot(ones({0, 3}), ones({3, 0}), 1).shape(), (Shape{0, 0}));
  EXPECT_EQ(tensordot(ones({2, 0}), ones({0, 3}), 1).to_vector<float>(),
            std::vector<float>(6, 0.0f));
}

TEST(Tensordot, Errors) {
  const Tensor a = ones({2, 3}), b = ones({4, 5});
  const std::string mismatch = message_of<ShapeError>([&] { (void)tensordot(a, b, 1); });
  EXPECT_NE(mismatch.find("tensordot: shape mismatch"), std::string::npos) << mismatch;
  EXPECT_THROW((void)tensordot(a, b, 3), ValueError);
  EXPECT_THROW((void)tensordot(a, b, -1), ValueError);
  EXPECT_THROW((void)tensordot(a, b, {{0}}), ValueError);
  EXPECT_THROW((void)tensordot(a, b, {{0, 1}, {0}}), ValueError);
  EXPECT_THROW((void)tensordot(a, ones({2, 2}), {{0, 0}, {0, 1}}), ValueError);
  EXPECT_THROW((void)tensordot(a, b, {{2}, {0}}), IndexError);
}

TEST(Dot, FollowsNumPy) {
  for (DType dt : {float32, int64, bool_}) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor v = random_tensor({4}, dt, 70), w = random_tensor({4}, dt, 71);
    EXPECT_EQ(dot(v, w).shape(), Shape{});
    check(dot(v, w), "i,i", "", {v, w});
    const Tensor m = random_tensor({3, 4}, dt, 72), n = random_tensor({4, 5}, dt, 73);
    check(dot(m, n), "ij,jk", "ik", {m, n});
    check(dot(m, w), "ij,j", "i", {m, w});
    check(dot(v, n), "i,ik", "k", {v, n});
    // N-D: sum over a's last axis and b's second-to-last.
    const Tensor a = random_tensor({2, 3, 4}, dt, 74), b = random_tensor({5, 4, 2}, dt, 75);
    EXPECT_EQ(dot(a, b).shape(), (Shape{2, 3, 5, 2}));
    check(dot(a, b), "ijk,lkm", "ijlm", {a, b});
    check(dot(a, w), "ijk,k", "ij", {a, w});
    check(dot(v, b), "k,lkm", "lm", {v, b});
  }
  const Tensor s = full(Shape{}, 3.0, float64), v = random_tensor({4}, float32, 76);
  check(dot(s, v), ",i", "i", {s, v});
  check(dot(v.transpose(), s), "i,", "i", {v, s});
  EXPECT_EQ(dot(s, v).dtype(), float64);
  EXPECT_EQ(message_of<ShapeError>([] {
              (void)dot(ones({2, 3}), ones({4, 5}));
            }).substr(0, 24),
            "dot: shapes [2, 3] and [");
  EXPECT_THROW((void)dot(ones({3}), ones({4})), ShapeError);
}

TEST(Outer, FlattensItsInputs) {
  const Tensor a = random_tensor({2, 3}, float32, 80), b = random_tensor({4}, int32, 81);
  const Tensor o = outer(a, b);
  EXPECT_EQ(o.shape(), (Shape{6, 4}));
  EXPECT_EQ(o.dtype(), float64);
  check(o, "i,j", "ij", {a.reshape({6}), b});
  check(outer(a.transpose(), b), "i,j", "ij", {a.transpose().reshape({6}), b});
  EXPECT_EQ(outer(ones({0}), ones({3})).shape(), (Shape{0, 3}));
  const Tensor p = tensor({true, false}), q = tensor({true, true});
  EXPECT_EQ(outer(p, q).to_vector<bool>(), (std::vector<bool>{true, true, false, false}));
}

}  // namespace
