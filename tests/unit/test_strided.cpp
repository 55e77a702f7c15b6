// as_strided and as_strided_scatter: windows that reproduce transpose, slice, diagonal and
// sliding-window layouts, aliasing, offsets of the input, round trips through the scatter, and
// every error path (bounds, overlap, shapes, dtypes).
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <nabla/nabla.hpp>
#include <string>

#include "ops/dispatch.hpp"
#include "unit/tensor_test_util.hpp"

namespace {
using namespace nabla;
using nabla::testing::expect_error;
using nabla::testing::layouts;

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

/// [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]] as float64.
Tensor grid() { return arange(12.0).reshape({3, 4}); }

// ---- as_strided ----

TEST(AsStrided, ReproducesOtherViews) {
  const Tensor x = grid();
  const Tensor t = as_strided(x, {4, 3}, {1, 4});
  EXPECT_TRUE(t.shares_storage(x));
  EXPECT_EQ(t.strides(), (std::vector<int64_t>{1, 4}));
  EXPECT_EQ(values(t), values(transpose(x)));
  EXPECT_EQ(values(as_strided(x, {3, 2}, {4, 2}, 1)), values(x.slice(1, 1, 4, 2)));
  EXPECT_EQ(values(as_strided(x, {3}, {5})), values(diagonal(x)));
  EXPECT_EQ(values(as_strided(x, {3}, {5}, 1)), values(diagonal(x, 1)));
  EXPECT_EQ(values(as_strided(x, {4}, {1}, 8)), values(x.select(0, 2)));
  EXPECT_EQ(values(as_strided(x, {2, 3, 2}, {6, 2, 1})), values(x.reshape({2, 3, 2})));
  EXPECT_EQ(values(as_strided(x, {12}, {1})), values(flatten(x)));
}

TEST(AsStrided, NegativeZeroAndOverlappingStrides) {
  const Tensor x = grid();
  EXPECT_EQ(values(as_strided(x, {4}, {-1}, 3)), (std::vector<double>{3, 2, 1, 0}));
  EXPECT_EQ(values(as_strided(x, {3, 4}, {-4, -1}, 11)),
            (std::vector<double>{11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0}));
  EXPECT_EQ(values(as_strided(x, {2, 3}, {0, 1}, 4)), (std::vector<double>{4, 5, 6, 4, 5, 6}));
  // sliding windows of length 3, step 2 (overlapping views are fine for reading)
  EXPECT_EQ(values(as_strided(x, {4, 3}, {2, 1}, 1)),
            (std::vector<double>{1, 2, 3, 3, 4, 5, 5, 6, 7, 7, 8, 9}));
  // size-1 dimensions may have any stride
  EXPECT_EQ(values(as_strided(x, {1, 2}, {1000, 3}, 2)), (std::vector<double>{2, 5}));
}

TEST(AsStrided, ZeroDimAndEmptyWindows) {
  const Tensor x = grid();
  const Tensor scalar = as_strided(x, {}, {}, 7);
  EXPECT_EQ(scalar.shape(), Shape{});
  EXPECT_EQ(scalar.item<double>(), 7.0);
  EXPECT_EQ(as_strided(tensor(5), {}, {}).item<int32_t>(), 5);
  EXPECT_EQ(values(as_strided(tensor(5.0), {3}, {0})), (std::vector<double>{5, 5, 5}));
  EXPECT_EQ(as_strided(x, {0, 3}, {3, 1}, 12).shape(), (Shape{0, 3}));
  EXPECT_EQ(as_strided(zeros({0}), {0}, {1}).shape(), (Shape{0}));
}

TEST(AsStrided, AliasesItsInput) {
  const Tensor x = grid();
  const Tensor view = as_strided(x, {2, 2}, {4, 1}, 5);
  x.data<double>()[6] = -1.0;  // x[1][2]
  EXPECT_EQ(values(view), (std::vector<double>{5, -1, 9, 10}));
}

TEST(AsStrided, UsesTheRowMajorOrderOfNonContiguousOrOffsetInputs) {
  const Tensor x = grid();
  // x.T in row-major order is 0, 4, 8, 1, 5, 9, ...: as_strided addresses that order
  const Tensor from_transpose = as_strided(x.transpose(), {2, 3}, {3, 1});
  EXPECT_EQ(values(from_transpose), (std::vector<double>{0, 4, 8, 1, 5, 9}));
  EXPECT_FALSE(from_transpose.shares_storage(x));
  EXPECT_EQ(values(as_strided(x.slice(1, 0, 4, 2), {3}, {2}, 1)), (std::vector<double>{2, 6, 10}));
  // a contiguous view with a storage offset: offsets count from its first element
  const Tensor row = x.select(0, 1);  // [4, 5, 6, 7] at storage offset 4
  EXPECT_TRUE(row.is_contiguous());
  const Tensor from_row = as_strided(row, {2}, {2}, 1);
  EXPECT_TRUE(from_row.shares_storage(x));
  EXPECT_EQ(values(from_row), (std::vector<double>{5, 7}));
  EXPECT_THROW((void)as_strided(row, {2}, {2}, 3), ShapeError);  // past the row, inside x
}

TEST(AsStrided, Errors) {
  const Tensor x = grid();
  expect_error(
      [&] {
        (void)as_strided(x, {3, 4}, {4, 1}, 1);
      },
      {"as_strided", "shape [3, 4]", "strides [4, 1]", "offset 1", "[0, 12)"});
  EXPECT_THROW((void)as_strided(x, {3, 4}, {4, 1}, 1), ShapeError);
  EXPECT_THROW((void)as_strided(x, {4}, {-1}, 2), ShapeError);  // reaches element -1
  EXPECT_THROW((void)as_strided(x, {2}, {1}, -1), ShapeError);  // negative offset
  EXPECT_THROW((void)as_strided(x, {}, {}, 12), ShapeError);    // one past the end
  EXPECT_THROW((void)as_strided(x, {0}, {1}, 13), ShapeError);  // empty, offset past the end
  EXPECT_THROW((void)as_strided(zeros({0}), {1}, {1}), ShapeError);
  const int64_t huge = std::numeric_limits<int64_t>::max();
  EXPECT_THROW((void)as_strided(x, {3}, {huge}), ShapeError);  // overflowing span
  EXPECT_THROW((void)as_strided(x, {3, 2}, {huge, -huge}), ShapeError);
  expect_error([&] { (void)as_strided(x, {3, 4}, {4}); }, {"as_strided", "[4]", "[3, 4]"});
  EXPECT_THROW((void)as_strided(x, {3, 4}, {4}), ShapeError);
  expect_error([&] { (void)as_strided(x, {-1}, {1}); }, {"as_strided", "negative", "[-1]"});
  EXPECT_THROW((void)as_strided(x, {-1}, {1}), ValueError);
  EXPECT_THROW((void)as_strided(Tensor(), {1}, {1}), ValueError);
}

TEST(AsStrided, CoreOpNeedsAContiguousInput) {
  const OpDef* op = OpRegistry::find("as_strided");
  ASSERT_NE(op, nullptr);
  ASSERT_NE(op->view, nullptr);
  const Attrs attrs{
      {"shape", Shape{2}}, {"strides", std::vector<int64_t>{1}}, {"offset", int64_t{0}}};
  expect_error([&] { (void)dispatch1(*op, {grid().transpose()}, attrs); },
               {"as_strided", "contiguous"});
  EXPECT_THROW((void)dispatch1(*op, {grid().transpose()}, attrs), ValueError);
  EXPECT_EQ(values(dispatch1(*op, {grid()}, attrs)), (std::vector<double>{0, 1}));
}

// ---- as_strided_scatter ----

TEST(AsStridedScatter, PutsValuesBackIntoTheirWindow) {
  const Tensor src = arange(12.0).reshape({4, 3});
  // the transposed window: out.T = src
  const Tensor out = as_strided_scatter(zeros({3, 4}, float64), src, {4, 3}, {1, 4});
  EXPECT_TRUE(out.is_contiguous());
  EXPECT_EQ(values(out), values(transpose(src)));
  // a diagonal into zeros
  EXPECT_EQ(values(as_strided_scatter(zeros({3, 3}), tensor({1.f, 2.f, 3.f}), {3}, {4})),
            values(tensor({{1.f, 0.f, 0.f}, {0.f, 2.f, 0.f}, {0.f, 0.f, 3.f}})));
  // a step-2 slice of columns, offset by one, and a reversed window
  EXPECT_EQ(values(as_strided_scatter(grid(), -ones({3, 2}), {3, 2}, {4, 2}, 1)),
            (std::vector<double>{0, -1, 2, -1, 4, -1, 6, -1, 8, -1, 10, -1}));
  EXPECT_EQ(
      values(as_strided_scatter(zeros({5}, int64), tensor({int64_t{1}, int64_t{2}}), {2}, {-2}, 4)),
      (std::vector<double>{0, 0, 2, 0, 1}));
}

TEST(AsStridedScatter, RoundTripsWithAsStrided) {
  random::seed(21);
  const Tensor x = random::uniform({4, 6}, -1.0, 1.0, float64);
  struct Window {
    Shape shape;
    std::vector<int64_t> strides;
    int64_t offset;
  };
  const std::vector<Window> windows{
      {{6, 4}, {1, 6}, 0}, {{3, 2}, {6, 2}, 7}, {{4}, {7}, 0},      {{2, 3}, {-6, -1}, 23},
      {{}, {}, 5},         {{1, 5}, {0, 1}, 1}, {{0, 2}, {2, 1}, 0}};
  for (const Window& w : windows) {
    const Tensor window = as_strided(x, w.shape, w.strides, w.offset);
    // writing a window's own values back changes nothing
    EXPECT_EQ(values(as_strided_scatter(x, window, w.shape, w.strides, w.offset)), values(x));
    // and what was written reads back through the same window
    const Tensor src = random::uniform(w.shape, -1.0, 1.0, float64);
    const Tensor out = as_strided_scatter(x, src, w.shape, w.strides, w.offset);
    EXPECT_EQ(values(as_strided(out, w.shape, w.strides, w.offset)), values(src));
  }
}

TEST(AsStridedScatter, AnyInputLayoutAndPromotion) {
  const Tensor x = grid();
  // the window is over the result, i.e. x's logical row-major order, whatever x's layout
  const Tensor got = as_strided_scatter(x.transpose(), tensor({-1.0, -2.0}), {2}, {1}, 1);
  EXPECT_EQ(values(got), (std::vector<double>{0, -1, -2, 1, 5, 9, 2, 6, 10, 3, 7, 11}));
  const Tensor src = tensor({{1.0, 2.0}, {3.0, 4.0}}).transpose();  // [[1, 3], [2, 4]]
  EXPECT_EQ(values(as_strided_scatter(zeros({4}, float64), src, {2, 2}, {2, 1})),
            (std::vector<double>{1, 3, 2, 4}));
  const Tensor broadcast_src = tensor({7.0}).expand({3});
  EXPECT_EQ(values(as_strided_scatter(zeros({3}, float64), broadcast_src, {3}, {1})),
            (std::vector<double>{7, 7, 7}));
  const Tensor promoted = as_strided_scatter(tensor({1, 2, 3}), tensor({0.5f}), {1}, {1}, 2);
  EXPECT_EQ(promoted.dtype(), float64);
  EXPECT_EQ(values(promoted), (std::vector<double>{1, 2, 0.5}));
  const Tensor flags = as_strided_scatter(zeros({3}, bool_), tensor({true}), {1}, {1}, 1);
  EXPECT_EQ(flags.to_vector<bool>(), (std::vector<bool>{false, true, false}));
}

TEST(AsStridedScatter, ZeroDimAndEmpty) {
  EXPECT_EQ(as_strided_scatter(tensor(1.0), tensor(2.0), {}, {}).item<double>(), 2.0);
  const Tensor x = grid();
  const Tensor same = as_strided_scatter(x, zeros({0, 2}, float64), {0, 2}, {4, 1}, 3);
  EXPECT_EQ(values(same), values(x));
  EXPECT_FALSE(same.shares_storage(x));  // always a copy
  EXPECT_EQ(as_strided_scatter(zeros({0, 3}), zeros({0}), {0}, {1}).shape(), (Shape{0, 3}));
}

TEST(AsStridedScatter, Errors) {
  const Tensor x = zeros({3, 4});
  expect_error(
      [&] {
        (void)as_strided_scatter(x, ones({2, 2}), {2, 2}, {1, 1});
      },
      {"as_strided_scatter", "[2, 2]", "[1, 1]", "more than once"});
  EXPECT_THROW((void)as_strided_scatter(x, ones({2, 2}), {2, 2}, {1, 1}), ValueError);
  EXPECT_THROW((void)as_strided_scatter(x, ones({3}), {3}, {0}), ValueError);
  EXPECT_THROW((void)as_strided_scatter(x, ones({2, 3}), {2, 3}, {2, 1}), ValueError);
  EXPECT_THROW((void)as_strided_scatter(x, ones({2, 3}), {2, 3}, {-2, 2}, 5), ValueError);
  // size-1 dimensions never step, whatever their stride
  EXPECT_NO_THROW((void)as_strided_scatter(x, ones({1, 3}), {1, 3}, {0, 1}));
  expect_error([&] { (void)as_strided_scatter(x, ones({3}), {3}, {6}); },
               {"as_strided_scatter", "shape [3]", "strides [6]", "offset 0", "[0, 12)"});
  EXPECT_THROW((void)as_strided_scatter(x, ones({3}), {3}, {6}), ShapeError);
  EXPECT_THROW((void)as_strided_scatter(x, ones({2}), {2}, {-1}), ShapeError);
  expect_error(
      [&] {
        (void)as_strided_scatter(x, ones({2, 3}), {3, 2}, {4, 1});
      },
      {"as_strided_scatter", "src", "[3, 2]", "[2, 3]"});
  EXPECT_THROW((void)as_strided_scatter(x, ones({2, 3}), {3, 2}, {4, 1}), ShapeError);
  EXPECT_THROW((void)as_strided_scatter(x, ones({3}), {3}, {1, 1}), ShapeError);
  EXPECT_THROW((void)as_strided_scatter(x, ones({}), {-1}, {1}), ValueError);
  EXPECT_THROW((void)as_strided_scatter(x, Tensor(), {1}, {1}), ValueError);
}

TEST(AsStridedScatter, CoreOpChecksDTypes) {
  const OpDef* op = OpRegistry::find("as_strided_scatter");
  ASSERT_NE(op, nullptr);
  const Attrs attrs{
      {"shape", Shape{2}}, {"strides", std::vector<int64_t>{1}}, {"offset", int64_t{0}}};
  expect_error(
      [&] {
        (void)dispatch1(*op, {zeros({3}), zeros({2}, float64)}, attrs);
      },
      {"as_strided_scatter", "float32", "float64"});
  EXPECT_THROW((void)dispatch1(*op, {zeros({3}), zeros({2}, float64)}, attrs), DTypeError);
}

}  // namespace
