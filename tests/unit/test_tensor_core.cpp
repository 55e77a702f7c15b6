// Tensor core: dtypes and promotion, Shape, Layout, Storage, the Tensor handle's aliasing.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nabla/nabla.hpp>
#include <sstream>

namespace {
using namespace nabla;

TEST(DType, SizesNamesAndPromotionFollowNumPy) {
  EXPECT_EQ(dtype_size(bool_), 1u);
  EXPECT_EQ(dtype_size(int64), 8u);
  EXPECT_EQ(dtype_name(float32), "float32");
  EXPECT_EQ(promote_types(bool_, int32), int32);
  EXPECT_EQ(promote_types(int32, int64), int64);
  EXPECT_EQ(promote_types(int32, float32), float64);  // NumPy: int32 + float32 -> float64
  EXPECT_EQ(promote_types(int64, float32), float64);
  EXPECT_EQ(promote_types(bool_, float32), float32);
  EXPECT_EQ(promote_types(float32, float64), float64);
  EXPECT_EQ(float_type_for(int32), float64);
  EXPECT_EQ(float_type_for(float32), float32);
}

TEST(Scalar, WeakPromotionIsNep50) {
  EXPECT_EQ(Scalar(2.0).promote_with(float32), float32);
  EXPECT_EQ(Scalar(2).promote_with(int32), int32);
  EXPECT_EQ(Scalar(0.5).promote_with(int32), float64);
  EXPECT_EQ(Scalar(3).promote_with(bool_), int64);
  EXPECT_EQ(Scalar(true).promote_with(float32), float32);
}

TEST(Shape, PrintsNumelAndBroadcasts) {
  std::ostringstream out;
  out << Shape{2, 3};
  EXPECT_EQ(out.str(), "[2, 3]");
  EXPECT_EQ((Shape{2, 3, 4}).numel(), 24);
  EXPECT_EQ(Shape{}.numel(), 1);
  EXPECT_EQ((Shape{0, 3}).numel(), 0);
  EXPECT_EQ(broadcast_shapes(Shape{3, 1, 5}, Shape{4, 5}, "t"), (Shape{3, 4, 5}));
  try {
    (void)broadcast_shapes(Shape{2, 3}, Shape{4, 3}, "add");
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_STREQ(e.what(), "add: shapes cannot be broadcast together: [2, 3] vs [4, 3]");
  }
  EXPECT_EQ(normalize_axis(-1, 3, "t"), 2);
  EXPECT_THROW((void)normalize_axis(3, 3, "t"), IndexError);
}

TEST(Layout, ContiguityAndExtent) {
  Layout l(Shape{2, 3});
  EXPECT_TRUE(l.is_contiguous());
  EXPECT_EQ(l.strides(), (std::vector<int64_t>{3, 1}));
  Layout t(Shape{3, 2}, {1, 3}, 0);
  EXPECT_FALSE(t.is_contiguous());
  EXPECT_EQ(t.storage_extent(), (std::pair<int64_t, int64_t>{0, 6}));
  Layout negative(Shape{3}, {-1}, 2);
  EXPECT_EQ(negative.storage_extent(), (std::pair<int64_t, int64_t>{0, 3}));
  EXPECT_TRUE(Layout(Shape{1, 4}, {99, 1}, 0).is_contiguous());  // size-1 strides don't matter
}

TEST(Tensor, CopyAliasesCloneCopies) {
  Tensor a = zeros({2, 2});
  Tensor alias = a;
  Tensor copy = a.clone();
  a.data<float>()[0] = 5.f;
  EXPECT_EQ(alias.to_vector<float>()[0], 5.f);
  EXPECT_EQ(copy.to_vector<float>()[0], 0.f);
  EXPECT_TRUE(alias.is_same(a));
  EXPECT_FALSE(copy.shares_storage(a));
}

TEST(Tensor, ItemAndToVectorConvert) {
  Tensor t = tensor({{1, 2}, {3, 4}});
  EXPECT_EQ(t.dtype(), int32);
  EXPECT_EQ(t.to_vector<double>(), (std::vector<double>{1, 2, 3, 4}));
  EXPECT_EQ(tensor(2.5f).item<float>(), 2.5f);
  EXPECT_EQ(tensor(2.5f).ndim(), 0);
  EXPECT_THROW((void)t.item<int>(), ValueError);
  EXPECT_THROW((void)t.data<float>(), DTypeError);
  EXPECT_EQ(tensor({true, false}).to_vector<bool>(), (std::vector<bool>{true, false}));
}

TEST(Tensor, UndefinedTensorThrowsClearly) {
  Tensor undefined;
  EXPECT_FALSE(undefined.defined());
  EXPECT_THROW((void)undefined.shape(), ValueError);
  EXPECT_THROW((void)(undefined + undefined), ValueError);
}

TEST(Device, CudaIsKnownButNotBuilt) {
  EXPECT_EQ(Device::cuda(1).index, 1);
  std::ostringstream out;
  out << Device::cuda(0) << " " << Device::cpu();
  EXPECT_EQ(out.str(), "cuda:0 cpu");
  EXPECT_THROW((void)zeros({2}, float32, Device::cuda()), DeviceError);
}

TEST(Device, ParsesTorchStyleNames) {
  EXPECT_EQ(Device::parse("cpu"), Device::cpu());
  EXPECT_EQ(Device::parse("cuda"), Device::cuda(0));
  EXPECT_EQ(Device::parse("cuda:3"), Device::cuda(3));
  for (const char* bad : {"gpu", "cuda:", "cuda:x", "cuda:1x", "cuda:-1", "cuda:99999", "CPU"}) {
    try {
      (void)Device::parse(bad);
      ADD_FAILURE() << bad << " parsed";
    } catch (const ValueError& e) {
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
}

TEST(Threads, SetAndGet) {
  const int before = num_threads();
  set_num_threads(1);
  EXPECT_EQ(num_threads(), 1);
  set_num_threads(before);
  EXPECT_THROW(set_num_threads(0), ValueError);
}

}  // namespace

namespace {
TEST(Scalar, InfinityAndNaNAreSafe) {
  using nabla::Scalar;
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(Scalar(inf).to<double>(), inf);
  EXPECT_EQ(Scalar(-inf).to<int64_t>(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(Scalar(std::nan("")).to<int64_t>(), 0);
  EXPECT_EQ(nabla::full({2}, -inf).to_vector<double>(), (std::vector<double>{-inf, -inf}));
  EXPECT_EQ((nabla::tensor({1.0, inf}) < inf).to_vector<bool>(), (std::vector<bool>{true, false}));
}
}  // namespace
