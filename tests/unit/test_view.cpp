// Views share storage and only change the layout; contiguous() copies only when needed.
#include <gtest/gtest.h>

#include <cmath>
#include <nabla/nabla.hpp>

namespace {
using namespace nabla;

Tensor iota(const Shape& shape) { return arange(0, shape.numel()).astype(float32).reshape(shape); }

TEST(View, ReshapeIsAViewOfContiguousData) {
  Tensor a = iota({2, 6});
  Tensor r = a.reshape({3, -1});
  EXPECT_EQ(r.shape(), (Shape{3, 4}));
  EXPECT_TRUE(r.shares_storage(a));
  EXPECT_EQ(r.to_vector<float>(), a.to_vector<float>());
  EXPECT_THROW((void)a.reshape({5, -1}), ShapeError);
  EXPECT_THROW((void)a.reshape({-1, -1}), ValueError);
  try {
    (void)a.reshape({5, 2});
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("reshape: cannot reshape [2, 6]"), std::string::npos);
  }
}

TEST(View, ReshapeOfNonContiguousCopies) {
  Tensor t = iota({2, 3}).transpose();
  Tensor r = t.reshape({6});
  EXPECT_FALSE(r.shares_storage(t));
  EXPECT_EQ(r.to_vector<float>(), (std::vector<float>{0, 3, 1, 4, 2, 5}));
}

TEST(View, TransposePermuteSwapaxes) {
  Tensor a = iota({2, 3, 4});
  Tensor t = transpose(a);
  EXPECT_EQ(t.shape(), (Shape{4, 3, 2}));
  EXPECT_TRUE(t.shares_storage(a));
  EXPECT_FALSE(t.is_contiguous());
  Tensor p = a.permute({1, -1, 0});
  EXPECT_EQ(p.shape(), (Shape{3, 4, 2}));
  EXPECT_EQ(p[1][2][1].item<float>(), 1 * 12 + 1 * 4 + 2);
  EXPECT_EQ(a.transpose(0, 2).shape(), (Shape{4, 3, 2}));
  EXPECT_THROW((void)a.permute({0, 0, 1}), ValueError);
  EXPECT_THROW((void)a.permute({0, 1}), ValueError);
}

TEST(View, SliceFollowsPythonRules) {
  Tensor a = arange(10);
  auto values = [](const Tensor& t) { return t.to_vector<int64_t>(); };
  EXPECT_EQ(values(a.slice(0, 2, 8, 3)), (std::vector<int64_t>{2, 5}));
  EXPECT_EQ(values(a.slice(0, -3, 10)), (std::vector<int64_t>{7, 8, 9}));
  EXPECT_EQ(values(a.slice(0, 8, 2, -2)), (std::vector<int64_t>{8, 6, 4}));
  EXPECT_EQ(values(a.slice(0, 9, -11, -1)).size(), 10u);  // a[::-1]
  EXPECT_EQ(values(a.slice(0, 5, 100)), (std::vector<int64_t>{5, 6, 7, 8, 9}));
  EXPECT_EQ(a.slice(0, 7, 3).numel(), 0);
  EXPECT_THROW((void)a.slice(0, 0, 5, 0), ValueError);
  EXPECT_THROW((void)a.slice(1, 0, 5), IndexError);
  Tensor m = iota({3, 4});
  Tensor col = m.slice(1, 1, 4, 2);
  EXPECT_EQ(col.to_vector<float>(), (std::vector<float>{1, 3, 5, 7, 9, 11}));
  EXPECT_TRUE(col.shares_storage(m));
}

TEST(View, SelectAndIndexing) {
  Tensor m = iota({3, 4});
  EXPECT_EQ(m[1].to_vector<float>(), (std::vector<float>{4, 5, 6, 7}));
  EXPECT_EQ(m[-1][-1].item<float>(), 11.f);
  EXPECT_EQ(m.select(1, 2).to_vector<float>(), (std::vector<float>{2, 6, 10}));
  try {
    (void)m[3];
    FAIL();
  } catch (const IndexError& e) {
    EXPECT_NE(std::string(e.what()).find("select: index 3 is out of bounds"), std::string::npos);
  }
}

TEST(View, ExpandSqueezeUnsqueeze) {
  Tensor v = iota({3, 1});
  Tensor e = v.expand({2, 3, 4});
  EXPECT_EQ(e.shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(e.strides(), (std::vector<int64_t>{0, 1, 0}));
  EXPECT_EQ(e[1][2][3].item<float>(), 2.f);
  EXPECT_EQ(broadcast_to(v, {3, -1}).shape(), (Shape{3, 1}));
  EXPECT_THROW((void)v.expand({2, 4}), ShapeError);
  EXPECT_EQ(iota({1, 3, 1}).squeeze().shape(), (Shape{3}));
  EXPECT_EQ(iota({1, 3, 1}).squeeze(-1).shape(), (Shape{1, 3}));
  EXPECT_THROW((void)iota({1, 3}).squeeze(1), ValueError);
  EXPECT_EQ(iota({3}).unsqueeze(0).shape(), (Shape{1, 3}));
  EXPECT_EQ(iota({3}).unsqueeze(-1).shape(), (Shape{3, 1}));
  EXPECT_TRUE(iota({2, 3}).unsqueeze(1).is_contiguous());
}

TEST(View, Diagonal) {
  Tensor m = iota({3, 4});
  EXPECT_EQ(diagonal(m).to_vector<float>(), (std::vector<float>{0, 5, 10}));
  EXPECT_EQ(diagonal(m, 1).to_vector<float>(), (std::vector<float>{1, 6, 11}));
  EXPECT_EQ(diagonal(m, -1).to_vector<float>(), (std::vector<float>{4, 9}));
  EXPECT_EQ(diagonal(m, 5).numel(), 0);
  Tensor b = iota({2, 3, 3});
  EXPECT_EQ(diagonal(b, 0, 1, 2).shape(), (Shape{2, 3}));
  EXPECT_EQ(diagonal(b, 0, 1, 2)[1].to_vector<float>(), (std::vector<float>{9, 13, 17}));
}

TEST(View, ContiguousCopiesOnlyWhenNeeded) {
  Tensor a = iota({2, 3});
  EXPECT_TRUE(a.contiguous().is_same(a));
  Tensor t = a.transpose().contiguous();
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_FALSE(t.shares_storage(a));
  EXPECT_EQ(t.to_vector<float>(), (std::vector<float>{0, 3, 1, 4, 2, 5}));
}

TEST(View, WritesThroughAViewAreSeenByTheBase) {
  Tensor a = zeros({2, 3});
  Tensor row = a[1];
  row.data<float>()[2] = 7.f;
  EXPECT_EQ(a.to_vector<float>()[5], 7.f);
}

// NumPy's semantics for a copy between overlapping views of one storage: the result is as if the
// source had been read entirely before any write (a kernel writing in order would smear x[0]).
TEST(View, CopyBetweenOverlappingViewsReadsTheSourceFirst) {
  Tensor x = iota({6});
  x.slice(0, 1, 6).copy_(x.slice(0, 0, 5));
  EXPECT_EQ(x.to_vector<float>(), (std::vector<float>{0, 0, 1, 2, 3, 4}));
  Tensor y = iota({6});
  y.slice(0, 0, 5).copy_(y.slice(0, 1, 6));
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{1, 2, 3, 4, 5, 5}));
  // A transpose into itself reads every element before it is written.
  Tensor m = iota({3, 3});
  m.copy_(transpose(m));
  EXPECT_EQ(m.to_vector<float>(), (std::vector<float>{0, 3, 6, 1, 4, 7, 2, 5, 8}));
  // One element broadcast over a range that holds it.
  Tensor z = iota({4});
  z.copy_(z[2]);
  EXPECT_EQ(z.to_vector<float>(), (std::vector<float>{2, 2, 2, 2}));
}

}  // namespace

namespace {
using namespace nabla;

// Transposed inputs of at least 32x32 take the cache-tiled copy path; edges that are not
// multiples of the tile, batch dimensions and dtype conversion must all come out right.
TEST(View, LargeTransposedCopiesAreExact) {
  const int64_t batch = 3, rows = 70, cols = 45;
  Tensor x = arange(0, batch * rows * cols).reshape({batch, rows, cols});
  Tensor t = x.transpose(1, 2).contiguous();  // [3, 45, 70]
  ASSERT_EQ(t.shape(), (Shape{batch, cols, rows}));
  const auto values = t.to_vector<int64_t>();
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t i = 0; i < cols; ++i) {
      for (int64_t j = 0; j < rows; ++j) {
        ASSERT_EQ(values[static_cast<size_t>((b * cols + i) * rows + j)],
                  (b * rows + j) * cols + i);
      }
    }
  }
  Tensor converted = x.transpose(1, 2).astype(float64);
  EXPECT_EQ(converted.to_vector<double>(), t.astype(float64).to_vector<double>());
  Tensor e = exp(x.astype(float32).transpose(1, 2) * 1e-4f);
  EXPECT_FLOAT_EQ(e[2][44][69].item<float>(), std::exp(((2 * rows + 69) * cols + 44) * 1e-4f));
}
}  // namespace
