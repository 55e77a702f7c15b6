// Creation functions: values, dtypes and bad arguments.
#include <gtest/gtest.h>

#include <nabla/nabla.hpp>

namespace {
using namespace nabla;

TEST(Creation, NestedInitializerLists) {
  Tensor a = tensor({{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}});
  EXPECT_EQ(a.shape(), (Shape{2, 3}));
  EXPECT_EQ(a.dtype(), float32);
  Tensor c = tensor({{{1.0, 2.0}}, {{3.0, 4.0}}});
  EXPECT_EQ(c.shape(), (Shape{2, 1, 2}));
  EXPECT_EQ(c.dtype(), float64);
  EXPECT_EQ(tensor({int64_t{1}, int64_t{2}}).dtype(), int64);
  EXPECT_THROW((void)tensor({{1.f, 2.f}, {3.f}}), ValueError);
}

TEST(Creation, FromVector) {
  Tensor t = from_vector(std::vector<double>{1, 2, 3, 4, 5, 6}, {3, 2});
  EXPECT_EQ(t.shape(), (Shape{3, 2}));
  EXPECT_EQ(t[2][1].item<double>(), 6.0);
  EXPECT_THROW((void)from_vector(std::vector<float>{1, 2}, {3}), ShapeError);
}

TEST(Creation, FilledAndLike) {
  EXPECT_EQ(zeros({2, 2}).to_vector<float>(), (std::vector<float>(4, 0.f)));
  EXPECT_EQ(ones({3}, int32).to_vector<int32_t>(), (std::vector<int32_t>{1, 1, 1}));
  EXPECT_EQ(full({2}, 2.5).dtype(), float64);
  EXPECT_EQ(full({2}, 7).dtype(), int64);
  EXPECT_EQ(full({2}, 7, float32).to_vector<float>(), (std::vector<float>{7, 7}));
  Tensor like = zeros({2, 5}, int32);
  EXPECT_EQ(ones_like(like).dtype(), int32);
  EXPECT_EQ(full_like(like, 3, float64).to_vector<double>()[9], 3.0);
  EXPECT_EQ(zeros_like(like).shape(), (Shape{2, 5}));
  EXPECT_EQ(empty_like(like).shape(), (Shape{2, 5}));
  EXPECT_EQ(zeros({0, 4}).numel(), 0);
  EXPECT_THROW((void)zeros({-1, 2}), ValueError);
}

TEST(Creation, ArangeLikeNumPy) {
  EXPECT_EQ(arange(5).to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(arange(5).dtype(), int64);
  EXPECT_EQ(arange(0, 3).astype(float32).to_vector<float>(), (std::vector<float>{0, 1, 2}));
  EXPECT_EQ(arange(1, 2, 0.25).to_vector<double>(), (std::vector<double>{1, 1.25, 1.5, 1.75}));
  EXPECT_EQ(arange(1, 2, 0.25).dtype(), float64);
  EXPECT_EQ(arange(10, 0, -3).to_vector<int64_t>(), (std::vector<int64_t>{10, 7, 4, 1}));
  EXPECT_EQ(arange(3, 1).numel(), 0);
  EXPECT_EQ(arange(0, 4, 1, float32).dtype(), float32);
  EXPECT_THROW((void)arange(0, 4, 0), ValueError);
}

TEST(Creation, LinspaceAndEye) {
  EXPECT_EQ(linspace(0, 1, 5).to_vector<double>(), (std::vector<double>{0, .25, .5, .75, 1}));
  EXPECT_EQ(linspace(0, 1, 4, false).to_vector<double>(), (std::vector<double>{0, .25, .5, .75}));
  EXPECT_EQ(linspace(2, 3, 1).to_vector<double>(), (std::vector<double>{2}));
  EXPECT_EQ(linspace(0, 1, 0).numel(), 0);
  EXPECT_EQ(linspace(0.1, 0.7, 7).to_vector<double>().back(), 0.7);  // endpoint exact
  EXPECT_EQ(eye(2).to_vector<float>(), (std::vector<float>{1, 0, 0, 1}));
  EXPECT_EQ(eye(2, 3, 1, int32).to_vector<int32_t>(), (std::vector<int32_t>{0, 1, 0, 0, 0, 1}));
  EXPECT_EQ(eye(3, 2, -1).to_vector<float>(), (std::vector<float>{0, 0, 1, 0, 0, 1}));
}

}  // namespace
