// scatter_add and index_add: hand-computed (PyTorch-checked) examples, serial references over
// random indices in many layouts (transposed, step-2, reversed, broadcast), the gather/take
// adjoint identities, determinism across thread counts, dtype promotion and every error path.
#include <gtest/gtest.h>

#include <nabla/nabla.hpp>
#include <string>

#include "ops/dispatch.hpp"
#include "unit/tensor_test_util.hpp"

namespace {
using namespace nabla;
using nabla::testing::expect_error;
using nabla::testing::layouts;

/// Row-major offsets of `shape`.
std::vector<int64_t> strides_of(const Shape& shape) { return contiguous_strides(shape); }

/// Serial scatter_add in T, adding in index order: bitwise what the kernel must produce.
template <class T>
std::vector<T> scatter_add_ref(const Tensor& x, int64_t axis, const Tensor& index,
                               const Tensor& src) {
  std::vector<T> out = x.to_vector<T>();
  const std::vector<int64_t> idx = index.astype(int64).to_vector<int64_t>();
  const std::vector<T> values = src.to_vector<T>();
  const std::vector<int64_t> out_strides = strides_of(x.shape());
  const Shape& shape = index.shape();
  const int64_t size = x.shape()[axis];
  std::vector<int64_t> at(static_cast<size_t>(shape.rank()), 0);
  for (size_t flat = 0; flat < idx.size(); ++flat) {  // row-major, so index order per lane
    int64_t target = 0;
    for (int64_t d = 0; d < shape.rank(); ++d) {
      const auto a = static_cast<size_t>(d);
      const int64_t i = d == axis ? (idx[flat] < 0 ? idx[flat] + size : idx[flat]) : at[a];
      target += i * out_strides[a];
    }
    T& slot = out[static_cast<size_t>(target)];
    slot = static_cast<T>(slot + values[flat]);
    for (int64_t d = shape.rank() - 1; d >= 0; --d) {
      if (++at[static_cast<size_t>(d)] < shape[d]) break;
      at[static_cast<size_t>(d)] = 0;
    }
  }
  return out;
}

Tensor random_values(const Shape& shape, DType dtype) {
  return random::randint(-20, 20, shape, int64).astype(dtype);  // exact sums in every dtype
}

// ---- scatter_add ----

TEST(ScatterAdd, HandComputedExamples) {
  // torch.zeros(3, 5).scatter_add(0, index, torch.ones(2, 5))
  const Tensor index = tensor({{0, 1, 2, 0, 0}, {2, 0, 0, 1, 2}});
  const Tensor got = scatter_add(zeros({3, 5}), 0, index, ones({2, 5}));
  EXPECT_EQ(got.dtype(), float32);
  EXPECT_EQ(got.to_vector<float>(),
            (std::vector<float>{1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1}));
  // repeated and negative indices along the last axis, int32, index longer than the axis
  const Tensor x = tensor({{1, 2, 3}, {4, 5, 6}});
  const Tensor repeated = tensor({{0, 0, -1, 2}, {1, -3, 1, 1}});
  const Tensor src = tensor({{10, 20, 30, 40}, {1, 2, 3, 4}});
  const Tensor summed = scatter_add(x, -1, repeated, src);
  EXPECT_EQ(summed.dtype(), int32);
  EXPECT_EQ(summed.to_vector<int32_t>(), (std::vector<int32_t>{31, 2, 73, 6, 13, 6}));
  EXPECT_EQ(x.to_vector<int32_t>(), (std::vector<int32_t>{1, 2, 3, 4, 5, 6}));  // x untouched
  // 1-D: a histogram
  EXPECT_EQ(scatter_add(zeros({4}, int64), 0, tensor({3, 1, 3, 3, -4}), ones({5}, int64))
                .to_vector<int64_t>(),
            (std::vector<int64_t>{1, 1, 0, 3}));
}

TEST(ScatterAdd, MatchesSerialReferenceInEveryLayout) {
  random::seed(11);
  for (DType dtype : {float64, int64, float32, int32}) {
    const Tensor x = random_values({4, 5, 3}, dtype);
    for (int64_t axis : {0, 1, 2, -1, -3}) {
      const int64_t ax = axis < 0 ? axis + 3 : axis;
      const int64_t n = x.shape()[ax];
      Shape index_shape{3, 4, 2};  // smaller than x outside the axis
      index_shape[ax] = 9;         // longer than the axis: many repeats
      const Tensor index = random::randint(-n, n, index_shape, int64);
      const Tensor src = random_values(index_shape, dtype);
      const std::vector<double> want = [&] {
        return visit_dtype(dtype, [&]<class T>(T) {
          if constexpr (std::is_same_v<T, bool>) {
            return std::vector<double>{};
          } else {
            const std::vector<T> r = scatter_add_ref<T>(x, ax, index, src);
            return std::vector<double>(r.begin(), r.end());
          }
        });
      }();
      for (const auto& [xname, xv] : layouts(x)) {
        for (const auto& [iname, iv] : layouts(index)) {
          for (const auto& [sname, sv] : layouts(src)) {
            const Tensor got = scatter_add(xv, axis, iv, sv);
            ASSERT_EQ(got.dtype(), dtype);
            ASSERT_EQ(got.shape(), x.shape());
            ASSERT_EQ(got.to_vector<double>(), want)
                << dtype << " axis " << axis << " " << xname << "/" << iname << "/" << sname;
          }
        }
      }
      EXPECT_EQ(scatter_add(x, axis, index.astype(int32), src).to_vector<double>(), want);
    }
  }
}

TEST(ScatterAdd, BroadcastOperands) {
  // stride-0 x, index and src (expand views)
  const Tensor x = tensor({1.0, 2.0, 3.0}).unsqueeze(0).expand({2, 3});
  const Tensor index = tensor({2, 0}).unsqueeze(0).expand({2, 2});
  const Tensor src = tensor({10.0, 100.0}).unsqueeze(1).expand({2, 2});
  EXPECT_EQ(scatter_add(x, 1, index, src).to_vector<double>(),
            (std::vector<double>{11, 2, 13, 101, 2, 103}));
  // a 1-element-per-lane index that broadcasts a scalar index along the axis
  const Tensor scalar_index = tensor({int64_t{1}}).unsqueeze(0).expand({3, 4});
  EXPECT_EQ(
      scatter_add(zeros({3, 2}, int64), 1, scalar_index, ones({3, 4}, int64)).to_vector<int64_t>(),
      (std::vector<int64_t>{0, 4, 0, 4, 0, 4}));
}

TEST(ScatterAdd, IsTheAdjointOfGather) {
  // scatter_add(zeros, axis, idx, gather(x, axis, idx)) = x * (how often idx hits each element)
  random::seed(12);
  const Tensor x = random_values({5, 6}, float64);
  for (int64_t axis : {0, 1}) {
    Shape index_shape{4, 5};
    index_shape[axis] = 8;
    const Tensor index = random::randint(-x.shape()[axis], x.shape()[axis], index_shape, int32);
    const Tensor got = scatter_add(zeros_like(x), axis, index, gather(x, axis, index));
    const Tensor hits = scatter_add(zeros_like(x), axis, index, ones(index_shape, float64));
    EXPECT_EQ(got.to_vector<double>(), (x * hits).to_vector<double>()) << "axis " << axis;
    // and the dot-product test <gather(x), g> = <x, scatter_add(0, g)>
    const Tensor g = random_values(index_shape, float64);
    EXPECT_EQ(sum(gather(x, axis, index) * g).item<double>(),
              sum(x * scatter_add(zeros_like(x), axis, index, g)).item<double>());
  }
}

TEST(ScatterAdd, DeterministicAcrossThreadCounts) {
  // float32 addition is not associative: any reordering across threads would show in the bits.
  random::seed(13);
  const Shape shape{64, 3000};
  const Tensor x = random::uniform({8, 3000}, -1.0, 1.0, float32);
  const Tensor index = random::randint(0, 8, shape, int64);
  const Tensor src = random::uniform(shape, -1.0, 1.0, float32);
  const std::vector<float> want = scatter_add_ref<float>(x, 0, index, src);
  const int threads = num_threads();
  for (int n : {1, 2, 4}) {
    set_num_threads(n);
    for (int run = 0; run < 2; ++run) {
      EXPECT_EQ(scatter_add(x, 0, index, src).to_vector<float>(), want) << n << " threads";
      EXPECT_EQ(scatter_add(x.transpose().contiguous().transpose(), 0, index,
                            src.transpose().contiguous().transpose())
                    .to_vector<float>(),
                want)
          << n << " threads, column-major";
    }
  }
  set_num_threads(threads);
}

TEST(ScatterAdd, PromotesAndConverts) {
  const Tensor x = tensor({1, 2, 3});  // int32
  const Tensor got = scatter_add(x, 0, tensor({2, 2}), tensor({0.5f, 0.25f}));
  EXPECT_EQ(got.dtype(), float64);  // int32 with float32 -> float64, as NumPy
  EXPECT_EQ(got.to_vector<double>(), (std::vector<double>{1, 2, 3.75}));
  const Tensor widened = scatter_add(tensor({1.f, 2.f}), 0, tensor({1}), tensor({0.5}));
  EXPECT_EQ(widened.dtype(), float64);
  EXPECT_EQ(scatter_add(tensor({int64_t{1}, int64_t{2}}), 0, tensor({0}), tensor({5})).dtype(),
            int64);
}

TEST(ScatterAdd, EmptyIndexAndEmptyTensors) {
  const Tensor x = tensor({{1.f, 2.f}, {3.f, 4.f}});
  const Tensor got = scatter_add(x, 1, zeros({2, 0}, int64), zeros({2, 0}));
  EXPECT_EQ(got.to_vector<float>(), x.to_vector<float>());
  EXPECT_FALSE(got.shares_storage(x));  // always a copy
  EXPECT_EQ(scatter_add(x, 0, zeros({0, 2}, int32), zeros({0, 2})).to_vector<float>(),
            x.to_vector<float>());
  EXPECT_EQ(scatter_add(zeros({0, 3}), 1, zeros({0, 2}, int64), zeros({0, 2})).shape(),
            (Shape{0, 3}));
}

TEST(ScatterAdd, Errors) {
  const Tensor x = zeros({3, 4});
  const Tensor index = tensor({{0, 1}, {2, 3}});
  const Tensor src = ones({2, 2});
  expect_error(
      [&] {
        (void)scatter_add(x, 1, tensor({{0, 4}, {0, 0}}), src);
      },
      {"scatter_add", "index 4", "axis 1", "size 4"});
  EXPECT_THROW((void)scatter_add(x, 1, tensor({{0, 4}, {0, 0}}), src), IndexError);
  EXPECT_THROW((void)scatter_add(x, 0, tensor({{-4, 0}, {0, 0}}), src), IndexError);
  // out-of-range values in a non-contiguous index are found too
  EXPECT_THROW((void)scatter_add(x, 0, tensor({{0, 1}, {9, 2}}).transpose(), src), IndexError);
  expect_error(
      [&] {
        (void)scatter_add(x, 1, tensor({0, 1}), ones({2}));
      },
      {"scatter_add", "same rank", "[2]", "[3, 4]"});
  EXPECT_THROW((void)scatter_add(x, 1, tensor({0, 1}), ones({2})), ShapeError);
  expect_error(
      [&] {
        (void)scatter_add(x, 1, zeros({4, 1}, int64), ones({4, 1}));
      },
      {"scatter_add", "[4, 1]", "larger than x", "[3, 4]"});
  EXPECT_THROW((void)scatter_add(x, 1, zeros({4, 1}, int64), ones({4, 1})), ShapeError);
  expect_error(
      [&] {
        (void)scatter_add(x, 1, index, ones({2, 3}));
      },
      {"scatter_add", "src", "[2, 3]", "[2, 2]"});
  EXPECT_THROW((void)scatter_add(x, 1, index, ones({2, 3})), ShapeError);
  expect_error(
      [&] {
        (void)scatter_add(x, 1, zeros({2, 2}), src);
      },
      {"scatter_add", "int32 or int64", "float32"});
  EXPECT_THROW((void)scatter_add(x, 1, zeros({2, 2}), src), DTypeError);
  EXPECT_THROW((void)scatter_add(x, 1, zeros({2, 2}, bool_), src), DTypeError);
  expect_error(
      [&] {
        (void)scatter_add(zeros({3, 4}, bool_), 1, index, ones({2, 2}, bool_));
      },
      {"scatter_add", "bool"});
  EXPECT_THROW((void)scatter_add(zeros({3, 4}, bool_), 1, index, ones({2, 2}, bool_)), DTypeError);
  expect_error([&] { (void)scatter_add(x, 2, index, src); }, {"scatter_add", "axis 2"});
  EXPECT_THROW((void)scatter_add(x, 2, index, src), IndexError);
  // 0-d tensors have no axis to scatter along (as gather)
  expect_error([&] { (void)scatter_add(tensor(1.f), 0, tensor(int64_t{0}), tensor(1.f)); },
               {"scatter_add", "rank 0"});
  EXPECT_THROW((void)scatter_add(Tensor(), 0, index, src), ValueError);
}

TEST(ScatterAdd, CoreOpChecksItsInputs) {
  const OpDef* op = OpRegistry::find("scatter_add");
  ASSERT_NE(op, nullptr);
  const Attrs attrs{{"axis", int64_t{1}}};
  const Tensor x = zeros({2, 2}), index = zeros({2, 2}, int64);
  expect_error(
      [&] {
        (void)dispatch1(*op, {x, index, zeros({2, 2}, float64)}, attrs);
      },
      {"scatter_add", "float32", "float64"});
  EXPECT_THROW((void)dispatch1(*op, {x, index, zeros({2, 2}, float64)}, attrs), DTypeError);
  expect_error(
      [&] {
        (void)dispatch1(*op, {x, zeros({2, 2}, int32), x}, attrs);
      },
      {"scatter_add", "int64", "int32"});
  EXPECT_THROW((void)dispatch1(*op, {x, zeros({2, 2}, int32), x}, attrs), DTypeError);
}

// ---- index_add ----

TEST(IndexAdd, HandComputedExamples) {
  // torch.ones(5, 3).index_add(0, torch.tensor([0, 4, 2]), t)
  const Tensor t = tensor({{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}, {7.f, 8.f, 9.f}});
  EXPECT_EQ(index_add(ones({5, 3}), 0, tensor({0, 4, 2}), t).to_vector<float>(),
            (std::vector<float>{2, 3, 4, 1, 1, 1, 8, 9, 10, 1, 1, 1, 5, 6, 7}));
  // repeated and negative indices along the last axis
  const Tensor x = arange(8.0).reshape({2, 4});
  const Tensor src = tensor({{10.0, 20.0, 30.0}, {1.0, 2.0, 3.0}});
  EXPECT_EQ(index_add(x, -1, tensor({1, -1, 1}), src).to_vector<double>(),
            (std::vector<double>{0, 41, 2, 23, 4, 9, 6, 9}));
  EXPECT_EQ(index_add(tensor({1, 2, 3}), 0, tensor({int64_t{2}, int64_t{2}}), tensor({5, 6}))
                .to_vector<int32_t>(),
            (std::vector<int32_t>{1, 2, 14}));
}

TEST(IndexAdd, MatchesScatterAddInEveryLayout) {
  // index_add = scatter_add with the 1-D index broadcast along the other axes
  random::seed(14);
  for (DType dtype : {float64, int32, float32}) {
    const Tensor x = random_values({4, 5, 3}, dtype);
    for (int64_t axis : {0, 1, 2, -1}) {
      const int64_t ax = axis < 0 ? axis + 3 : axis;
      const int64_t n = x.shape()[ax];
      const Tensor index = random::randint(-n, n, {7}, int64);
      Shape src_shape = x.shape();
      src_shape[ax] = 7;
      const Tensor src = random_values(src_shape, dtype);
      Shape index_view{1, 1, 1};
      index_view[ax] = 7;
      const std::vector<double> want =
          scatter_add(x, axis, index.reshape(index_view).expand(src_shape).contiguous(), src)
              .to_vector<double>();
      for (const auto& [xname, xv] : layouts(x)) {
        for (const auto& [iname, iv] : layouts(index)) {
          for (const auto& [sname, sv] : layouts(src)) {
            const Tensor got = index_add(xv, axis, iv, sv);
            ASSERT_EQ(got.dtype(), dtype);
            ASSERT_EQ(got.to_vector<double>(), want)
                << dtype << " axis " << axis << " " << xname << "/" << iname << "/" << sname;
          }
        }
      }
      EXPECT_EQ(index_add(x, axis, index.astype(int32), src).to_vector<double>(), want);
    }
  }
}

TEST(IndexAdd, IsTheAdjointOfTake) {
  random::seed(15);
  const Tensor x = random_values({6, 4}, float64);
  const Tensor index = tensor({0, 5, -1, 2, 0, 0});
  const Tensor got = index_add(zeros_like(x), 0, index, take(x, index, 0));
  const Tensor hits = tensor({3.0, 0.0, 1.0, 0.0, 0.0, 2.0}).unsqueeze(1);
  EXPECT_EQ(got.to_vector<double>(), (x * hits).to_vector<double>());
}

TEST(IndexAdd, DeterministicAcrossThreadCounts) {
  random::seed(16);
  const Tensor x = random::uniform({10, 4000}, -1.0, 1.0, float32);
  const Tensor index = random::randint(0, 10, {50}, int64);
  const Tensor src = random::uniform({50, 4000}, -1.0, 1.0, float32);
  const Tensor broadcast = index.unsqueeze(1).expand({50, 4000});
  const std::vector<float> want = scatter_add_ref<float>(x, 0, broadcast, src);
  const int threads = num_threads();
  for (int n : {1, 3}) {
    set_num_threads(n);
    EXPECT_EQ(index_add(x, 0, index, src).to_vector<float>(), want) << n << " threads";
    EXPECT_EQ(index_add(x.transpose().contiguous().transpose(), 0, index, src).to_vector<float>(),
              want)
        << n << " threads, column-major";
  }
  set_num_threads(threads);
}

TEST(IndexAdd, EmptyIndexAndPromotion) {
  const Tensor x = tensor({{1, 2}, {3, 4}});
  const Tensor same = index_add(x, 1, zeros({0}, int64), zeros({2, 0}, int32));
  EXPECT_EQ(same.to_vector<int32_t>(), x.to_vector<int32_t>());
  EXPECT_FALSE(same.shares_storage(x));
  const Tensor promoted = index_add(x, 0, tensor({1}), tensor({{0.5f, 0.5f}}));
  EXPECT_EQ(promoted.dtype(), float64);
  EXPECT_EQ(promoted.to_vector<double>(), (std::vector<double>{1, 2, 3.5, 4.5}));
}

TEST(IndexAdd, Errors) {
  const Tensor x = zeros({3, 4});
  expect_error(
      [&] {
        (void)index_add(x, 0, tensor({0, 3}), ones({2, 4}));
      },
      {"index_add", "index 3", "axis 0", "size 3"});
  EXPECT_THROW((void)index_add(x, 0, tensor({0, 3}), ones({2, 4})), IndexError);
  EXPECT_THROW((void)index_add(x, 1, tensor({-5}), ones({3, 1})), IndexError);
  expect_error(
      [&] {
        (void)index_add(x, 0, tensor({{0, 1}}), ones({2, 4}));
      },
      {"index_add", "1-D", "[1, 2]"});
  EXPECT_THROW((void)index_add(x, 0, tensor({{0, 1}}), ones({2, 4})), ShapeError);
  expect_error(
      [&] {
        (void)index_add(x, 0, tensor({0, 1}), ones({2, 3}));
      },
      {"index_add", "[2, 4]", "[2, 3]"});
  EXPECT_THROW((void)index_add(x, 0, tensor({0, 1}), ones({2, 3})), ShapeError);
  EXPECT_THROW((void)index_add(x, 0, tensor({0, 1}), ones({3, 4})), ShapeError);
  EXPECT_THROW((void)index_add(x, 0, tensor({0, 1}), ones({2, 4, 1})), ShapeError);
  expect_error(
      [&] {
        (void)index_add(x, 0, tensor({0.f}), ones({1, 4}));
      },
      {"index_add", "int32 or int64"});
  EXPECT_THROW((void)index_add(x, 0, tensor({0.f}), ones({1, 4})), DTypeError);
  expect_error([&] { (void)index_add(zeros({3}, bool_), 0, tensor({0}), ones({1}, bool_)); },
               {"index_add", "bool"});
  EXPECT_THROW((void)index_add(zeros({3}, bool_), 0, tensor({0}), ones({1}, bool_)), DTypeError);
  EXPECT_THROW((void)index_add(x, -3, tensor({0}), ones({1, 4})), IndexError);
  EXPECT_THROW((void)index_add(tensor(1.f), 0, tensor({0}), tensor(1.f)), IndexError);
}

}  // namespace
