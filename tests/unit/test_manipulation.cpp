// Joining, splitting, indexing, padding and repeating, each against a double-precision reference
// on random inputs in several layouts (contiguous, transposed, step-2, reversed), plus zero-sized
// dimensions, negative axes, dtype promotion and every error path.
#include <gtest/gtest.h>

#include <functional>
#include <nabla/nabla.hpp>
#include <string>

#include "unit/tensor_test_util.hpp"

namespace {
using namespace nabla;
using nabla::testing::expect_error;
using nabla::testing::layouts;

/// Row-major double copy of a tensor: what the references compute on.
struct Ref {
  std::vector<int64_t> shape;
  std::vector<double> data;
};
Ref ref_of(const Tensor& t) { return {t.shape().dims(), t.to_vector<double>()}; }

int64_t numel_of(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}
int64_t flat_index(const std::vector<int64_t>& shape, const std::vector<int64_t>& index) {
  int64_t flat = 0;
  for (size_t d = 0; d < shape.size(); ++d) flat = flat * shape[d] + index[d];
  return flat;
}
/// out[index] = fn(index) over every multi-index of `shape`.
Ref build(const std::vector<int64_t>& shape,
          const std::function<double(const std::vector<int64_t>&)>& fn) {
  Ref out{shape, std::vector<double>(static_cast<size_t>(numel_of(shape)))};
  std::vector<int64_t> index(shape.size(), 0);
  for (size_t flat = 0; flat < out.data.size(); ++flat) {
    out.data[flat] = fn(index);
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      const auto a = static_cast<size_t>(d);
      if (++index[a] < shape[a]) break;
      index[a] = 0;
    }
  }
  return out;
}
double at(const Ref& r, const std::vector<int64_t>& index) {
  return r.data[static_cast<size_t>(flat_index(r.shape, index))];
}

void expect_matches(const Tensor& got, const Ref& want, const std::string& what) {
  ASSERT_EQ(got.shape(), Shape(want.shape)) << what;
  const std::vector<double> values = got.to_vector<double>();
  for (size_t i = 0; i < values.size(); ++i) {
    ASSERT_EQ(values[i], want.data[i]) << what << " at flat index " << i;
  }
}

Tensor random_tensor(const Shape& shape, DType dtype = float32) {
  if (dtype == float32 || dtype == float64) return random::uniform(shape, -3.0, 3.0, dtype);
  if (dtype == bool_) return random::randint(0, 2, shape, int32).astype(bool_);
  return random::randint(-50, 50, shape, dtype);
}

// ---- concatenate / stack ----

Ref concatenate_ref(const std::vector<Ref>& parts, int64_t axis) {
  std::vector<int64_t> shape = parts[0].shape;
  shape[static_cast<size_t>(axis)] = 0;
  for (const Ref& p : parts) shape[static_cast<size_t>(axis)] += p.shape[static_cast<size_t>(axis)];
  return build(shape, [&](std::vector<int64_t> index) {
    for (const Ref& p : parts) {
      const int64_t extent = p.shape[static_cast<size_t>(axis)];
      if (index[static_cast<size_t>(axis)] < extent) return at(p, index);
      index[static_cast<size_t>(axis)] -= extent;
    }
    return -1.0;
  });
}

TEST(Manipulation, ConcatenateMatchesReferenceInEveryLayout) {
  random::seed(1);
  for (int64_t axis : {0, 1, 2, -1, -3}) {
    std::vector<Tensor> parts;
    for (int64_t extent : {3, 0, 1, 4}) {
      Shape shape{4, 5, 3};
      shape[axis < 0 ? axis + 3 : axis] = extent;
      parts.push_back(random_tensor(shape));
    }
    std::vector<Ref> refs;
    for (const Tensor& p : parts) refs.push_back(ref_of(p));
    const Ref want = concatenate_ref(refs, axis < 0 ? axis + 3 : axis);
    for (size_t layout = 0; layout < 4; ++layout) {
      std::vector<Tensor> inputs;
      for (const Tensor& p : parts) {
        auto variants = layouts(p);
        inputs.push_back(variants[layout % variants.size()].second);
      }
      const Tensor got = concatenate(inputs, axis);
      EXPECT_TRUE(got.is_contiguous());
      expect_matches(got, want,
                     "axis " + std::to_string(axis) + " layout " + std::to_string(layout));
    }
  }
}

TEST(Manipulation, ConcatenateBroadcastInputsAndZeroSizes) {
  const Tensor row = tensor({1.f, 2.f, 3.f}).unsqueeze(0).expand({2, 3});  // stride 0
  const Tensor got = concatenate({row, zeros({1, 3})}, 0);
  EXPECT_EQ(got.to_vector<float>(), (std::vector<float>{1, 2, 3, 1, 2, 3, 0, 0, 0}));
  EXPECT_EQ(concatenate({zeros({0, 3}), zeros({0, 3})}, 0).shape(), (Shape{0, 3}));
  EXPECT_EQ(concatenate({zeros({2, 0}), zeros({2, 0})}, 0).shape(), (Shape{4, 0}));
  const Tensor single = tensor({1, 2});
  const Tensor copy = concatenate({single});
  EXPECT_EQ(copy.to_vector<int32_t>(), (std::vector<int32_t>{1, 2}));
  EXPECT_FALSE(copy.shares_storage(single));
}

TEST(Manipulation, ConcatenatePromotesDtypes) {
  const Tensor i32 = tensor({1, 2}), f32 = tensor({0.5f}), b = tensor({true}),
               i64 = tensor({int64_t{7}});
  EXPECT_EQ(concatenate({i32, f32}).dtype(), float64);  // NumPy: int32 + float32 -> float64
  EXPECT_EQ(concatenate({i32, f32}).to_vector<double>(), (std::vector<double>{1, 2, 0.5}));
  EXPECT_EQ(concatenate({b, i32}).dtype(), int32);
  EXPECT_EQ(concatenate({b, i32}).to_vector<int32_t>(), (std::vector<int32_t>{1, 1, 2}));
  EXPECT_EQ(concatenate({i32, i64, b}).dtype(), int64);
  EXPECT_EQ(concatenate({f32, tensor({1.0})}).dtype(), float64);
  EXPECT_EQ(concatenate({b, b}).dtype(), bool_);
}

TEST(Manipulation, ConcatenateErrors) {
  expect_error(
      [] {
        (void)concatenate({zeros({2, 3}), zeros({3, 4})}, 0);
      },
      {"concatenate", "[2, 3]", "[3, 4]"});
  EXPECT_THROW((void)concatenate({zeros({2, 3}), zeros({2, 4})}, 0), ShapeError);
  EXPECT_THROW((void)concatenate({zeros({2, 3}), zeros({2, 3, 1})}, 0), ShapeError);
  EXPECT_THROW((void)concatenate({}), ValueError);
  EXPECT_THROW((void)concatenate({zeros({2}), zeros({2})}, 1), IndexError);
  EXPECT_THROW((void)concatenate({zeros({2}), zeros({2})}, -2), IndexError);
  EXPECT_THROW((void)concatenate({tensor(1.f), tensor(2.f)}), ShapeError);
}

TEST(Manipulation, StackAddsAnAxis) {
  random::seed(2);
  const Tensor a = random_tensor({3, 4}), b = random_tensor({3, 4}, int32);
  const Ref ra = ref_of(a), rb = ref_of(b);
  for (int64_t axis : {0, 1, 2, -1, -3}) {
    const int64_t ax = axis < 0 ? axis + 3 : axis;
    std::vector<int64_t> shape{3, 4};
    shape.insert(shape.begin() + ax, 2);
    const Ref want = build(shape, [&](std::vector<int64_t> index) {
      const int64_t which = index[static_cast<size_t>(ax)];
      index.erase(index.begin() + ax);
      return which == 0 ? at(ra, index) : at(rb, index);
    });
    const Tensor got = stack({a.transpose().contiguous().transpose(), b}, axis);
    EXPECT_EQ(got.dtype(), float64);
    expect_matches(got, want, "stack axis " + std::to_string(axis));
  }
  EXPECT_EQ(stack({zeros({0, 2}), zeros({0, 2})}, 1).shape(), (Shape{0, 2, 2}));
  EXPECT_EQ(stack({tensor(1.f), tensor(2.f)}).to_vector<float>(), (std::vector<float>{1, 2}));
  expect_error([] { (void)stack({zeros({2, 3}), zeros({2, 4})}); }, {"stack", "[2, 3]", "[2, 4]"});
  EXPECT_THROW((void)stack({zeros({2, 3}), zeros({3, 2})}), ShapeError);
  EXPECT_THROW((void)stack({}), ValueError);
  EXPECT_THROW((void)stack({zeros({2}), zeros({2})}, 2), IndexError);
}

// ---- split / flatten ----

TEST(Manipulation, SplitIntoSectionsGivesViews) {
  const Tensor x = arange(0, 24).reshape({4, 6});
  const auto parts = split(x, 3, -1);
  ASSERT_EQ(parts.size(), 3u);
  for (size_t i = 0; i < parts.size(); ++i) {
    EXPECT_TRUE(parts[i].shares_storage(x));
    EXPECT_EQ(parts[i].shape(), (Shape{4, 2}));
    const auto want = x.slice(1, 2 * static_cast<int64_t>(i), 2 * static_cast<int64_t>(i) + 2);
    EXPECT_EQ(parts[i].to_vector<int64_t>(), want.to_vector<int64_t>());
  }
  EXPECT_EQ(concatenate(parts, 1).to_vector<int64_t>(), x.to_vector<int64_t>());
  const Tensor t = x.transpose();  // non-contiguous input
  EXPECT_EQ(split(t, 2, 0)[1].to_vector<int64_t>(), t.slice(0, 3, 6).to_vector<int64_t>());
  EXPECT_EQ(split(zeros({0, 3}), 4, 0).size(), 4u);
  expect_error([&] { (void)split(x, 4, 1); }, {"split", "4", "6"});
  EXPECT_THROW((void)split(x, 4, 1), ValueError);
  EXPECT_THROW((void)split(x, 0, 0), ValueError);
  EXPECT_THROW((void)split(x, 2, 2), IndexError);
}

TEST(Manipulation, SplitAtIndicesFollowsNumPy) {
  const Tensor x = arange(10);
  auto values = [](const std::vector<Tensor>& parts) {
    std::vector<std::vector<int64_t>> out;
    for (const Tensor& p : parts) out.push_back(p.to_vector<int64_t>());
    return out;
  };
  using V = std::vector<std::vector<int64_t>>;
  EXPECT_EQ(values(split(x, std::vector<int64_t>{3, 5})), (V{{0, 1, 2}, {3, 4}, {5, 6, 7, 8, 9}}));
  EXPECT_EQ(values(split(x, std::vector<int64_t>{-2})), (V{{0, 1, 2, 3, 4, 5, 6, 7}, {8, 9}}));
  EXPECT_EQ(values(split(x, std::vector<int64_t>{6, 3, 20})),  // np.split(arange(10), [6, 3, 20])
            (V{{0, 1, 2, 3, 4, 5}, {}, {3, 4, 5, 6, 7, 8, 9}, {}}));
  EXPECT_EQ(values(split(x, std::vector<int64_t>{})), (V{{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}));
  const Tensor m = arange(0, 12).reshape({3, 4});
  const auto cols = split(m, std::vector<int64_t>{1}, -1);
  EXPECT_TRUE(cols[1].shares_storage(m));
  EXPECT_EQ(cols[1].to_vector<int64_t>(), (std::vector<int64_t>{1, 2, 3, 5, 6, 7, 9, 10, 11}));
  EXPECT_THROW((void)split(m, std::vector<int64_t>{1}, 2), IndexError);
}

TEST(Manipulation, Flatten) {
  const Tensor x = arange(0, 6).reshape({2, 3});
  EXPECT_TRUE(flatten(x).shares_storage(x));
  EXPECT_EQ(flatten(x.transpose()).to_vector<int64_t>(), (std::vector<int64_t>{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(flatten(tensor(5.f)).shape(), (Shape{1}));
  EXPECT_EQ(flatten(zeros({3, 0})).shape(), (Shape{0}));
}

// ---- take / gather / one_hot ----

TEST(Manipulation, TakeMatchesReference) {
  random::seed(3);
  const Tensor x = random_tensor({4, 5, 3}, float64);
  const Ref rx = ref_of(x);
  for (int64_t axis : {0, 1, 2, -1, -2}) {
    const int64_t ax = axis < 0 ? axis + 3 : axis;
    const int64_t n = x.shape()[ax];
    for (const Shape& index_shape : {Shape{7}, Shape{2, 3}, Shape{}, Shape{0}, Shape{3, 1, 2}}) {
      const Tensor index = random::randint(-n, n, index_shape, int64);  // negatives included
      const std::vector<int64_t> idx = index.to_vector<int64_t>();
      std::vector<int64_t> shape(x.shape().begin(), x.shape().begin() + ax);
      shape.insert(shape.end(), index_shape.begin(), index_shape.end());
      shape.insert(shape.end(), x.shape().begin() + ax + 1, x.shape().end());
      const Ref want = build(shape, [&](const std::vector<int64_t>& out) {
        std::vector<int64_t> src(out.begin(), out.begin() + ax);
        const std::vector<int64_t> at_index(out.begin() + ax,
                                            out.begin() + ax + index_shape.rank());
        int64_t i = idx[static_cast<size_t>(flat_index(index_shape.dims(), at_index))];
        src.push_back(i < 0 ? i + n : i);
        src.insert(src.end(), out.begin() + ax + index_shape.rank(), out.end());
        return at(rx, src);
      });
      for (const auto& [xname, xv] : layouts(x)) {
        for (const auto& [iname, iv] : layouts(index)) {
          expect_matches(take(xv, iv, axis), want,
                         "take axis " + std::to_string(axis) + " " + xname + "/" + iname);
        }
      }
      expect_matches(take(x, index.astype(int32), axis), want, "int32 indices");
    }
  }
  const Tensor b = tensor({true, false, true});
  EXPECT_EQ(take(b, tensor({2, 1}), 0).to_vector<bool>(), (std::vector<bool>{true, false}));
  EXPECT_EQ(take(zeros({0, 3}), tensor({2, 0}), 1).shape(), (Shape{0, 2}));
  EXPECT_EQ(take(zeros({0, 3}), zeros({0}, int64), 0).shape(), (Shape{0, 3}));
  // a broadcast (stride-0) source
  const Tensor bx = tensor({1.f, 2.f, 3.f}).unsqueeze(0).expand({4, 3});
  EXPECT_EQ(take(bx, tensor({2, 0}), 1).to_vector<float>(),
            (std::vector<float>{3, 1, 3, 1, 3, 1, 3, 1}));
}

TEST(Manipulation, TakeErrors) {
  const Tensor x = zeros({3, 5});
  expect_error([&] { (void)take(x, tensor({0, 5}), 1); }, {"take", "index 5", "size 5"});
  expect_error([&] { (void)take(x, tensor({-4}), 0); }, {"take", "index -4", "size 3"});
  EXPECT_THROW((void)take(x, tensor({0, 5}), 1), IndexError);
  EXPECT_THROW((void)take(x, tensor({int64_t{-6}}), -1), IndexError);
  EXPECT_THROW((void)take(zeros({0, 2}), tensor({0}), 0), IndexError);
  // out-of-range values in a non-contiguous index are found too
  EXPECT_THROW((void)take(x, tensor({{0, 1}, {9, 2}}).transpose(), 0), IndexError);
  EXPECT_THROW((void)take(x, tensor({0.f}), 0), DTypeError);
  EXPECT_THROW((void)take(x, tensor({true}), 0), DTypeError);
  EXPECT_THROW((void)take(x, tensor({0}), 2), IndexError);
  EXPECT_THROW((void)take(tensor(1.f), tensor({0}), 0), IndexError);
}

TEST(Manipulation, GatherMatchesReference) {
  random::seed(4);
  const Tensor x = random_tensor({4, 5, 3}, int64);
  const Ref rx = ref_of(x);
  for (int64_t axis : {0, 1, 2, -1}) {
    const int64_t ax = axis < 0 ? axis + 3 : axis;
    const int64_t n = x.shape()[ax];
    Shape index_shape{3, 4, 2};  // smaller than x outside the axis, as PyTorch allows
    index_shape[ax] = 6;         // and any length along it
    const Tensor index = random::randint(-n, n, index_shape, int64);
    const Ref ri = ref_of(index);
    const Ref want = build(index_shape.dims(), [&](const std::vector<int64_t>& out) {
      std::vector<int64_t> src = out;
      const auto i = static_cast<int64_t>(at(ri, out));
      src[static_cast<size_t>(ax)] = i < 0 ? i + n : i;
      return at(rx, src);
    });
    for (const auto& [xname, xv] : layouts(x)) {
      for (const auto& [iname, iv] : layouts(index)) {
        const Tensor got = gather(xv, axis, iv);
        EXPECT_EQ(got.dtype(), int64);
        expect_matches(got, want,
                       "gather axis " + std::to_string(axis) + " " + xname + "/" + iname);
      }
    }
  }
  EXPECT_EQ(gather(zeros({2, 3}), 1, zeros({2, 0}, int32)).shape(), (Shape{2, 0}));
  const Tensor m = tensor({{1, 2}, {3, 4}});  // torch.gather docs example
  EXPECT_EQ(gather(m, 1, tensor({{0, 0}, {1, 0}})).to_vector<int32_t>(),
            (std::vector<int32_t>{1, 1, 4, 3}));
}

TEST(Manipulation, GatherErrors) {
  const Tensor x = zeros({3, 4});
  expect_error([&] { (void)gather(x, 1, tensor({{4}})); }, {"gather", "index 4", "size 4"});
  EXPECT_THROW((void)gather(x, 0, tensor({{-4}})), IndexError);
  expect_error([&] { (void)gather(x, 1, tensor({0})); }, {"gather", "[1]", "[3, 4]"});
  EXPECT_THROW((void)gather(x, 1, tensor({0})), ShapeError);
  EXPECT_THROW((void)gather(x, 1, zeros({4, 1}, int64)), ShapeError);
  EXPECT_THROW((void)gather(x, 1, zeros({3, 1})), DTypeError);
  EXPECT_THROW((void)gather(x, 2, zeros({3, 1}, int64)), IndexError);
}

TEST(Manipulation, OneHot) {
  const Tensor labels = tensor({{0, 2}, {1, 2}});
  const Tensor got = one_hot(labels, 3);
  EXPECT_EQ(got.dtype(), float32);
  EXPECT_EQ(got.shape(), (Shape{2, 2, 3}));
  EXPECT_EQ(got.to_vector<float>(), (std::vector<float>{1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1}));
  EXPECT_EQ(one_hot(labels.transpose(), 3, int64).to_vector<int64_t>(),
            (std::vector<int64_t>{1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1}));
  EXPECT_EQ(one_hot(tensor(int64_t{1}), 2).to_vector<float>(), (std::vector<float>{0, 1}));
  EXPECT_EQ(one_hot(zeros({0}, int32), 4).shape(), (Shape{0, 4}));
  EXPECT_EQ(one_hot(zeros({2}, int64), 1, bool_).to_vector<bool>(),
            (std::vector<bool>{true, true}));
  expect_error([&] { (void)one_hot(labels, 2); }, {"one_hot", "label 2", "2"});
  EXPECT_THROW((void)one_hot(labels, 2), IndexError);
  EXPECT_THROW((void)one_hot(tensor({-1}), 3), IndexError);
  EXPECT_THROW((void)one_hot(tensor({0}), 0), IndexError);
  EXPECT_THROW((void)one_hot(tensor({0.f}), 3), DTypeError);
  EXPECT_THROW((void)one_hot(tensor({0}), -1), ValueError);
}

// ---- pad / tile / repeat ----

/// Source coordinate of padded position p (may be outside [0, n)) by NumPy's rules, computed by
/// bouncing step by step (unlike the op's closed form); -1 means "the constant".
int64_t pad_source(int64_t p, int64_t n, const std::string& mode) {
  if (p >= 0 && p < n) return p;
  if (mode == "constant") return -1;
  if (mode == "edge") return p < 0 ? 0 : n - 1;
  if (n == 1) return 0;
  while (p < 0 || p >= n) p = p < 0 ? -p : 2 * (n - 1) - p;
  return p;
}

TEST(Manipulation, PadMatchesReference) {
  random::seed(5);
  const Tensor x = random_tensor({3, 4, 2}, float64);
  const Ref rx = ref_of(x);
  const std::vector<std::vector<std::pair<int64_t, int64_t>>> all_widths = {
      {{1, 2}, {0, 0}, {3, 1}}, {{0, 0}, {5, 7}, {0, 0}}, {{2, 2}, {1, 3}, {0, 1}}};
  for (const std::string mode : {"constant", "reflect", "edge"}) {
    for (const auto& widths : all_widths) {
      std::vector<int64_t> shape;
      for (size_t d = 0; d < 3; ++d) {
        shape.push_back(x.shape()[static_cast<int64_t>(d)] + widths[d].first + widths[d].second);
      }
      const Ref want = build(shape, [&](const std::vector<int64_t>& out) {
        std::vector<int64_t> src;
        for (size_t d = 0; d < 3; ++d) {
          const int64_t s =
              pad_source(out[d] - widths[d].first, x.shape()[static_cast<int64_t>(d)], mode);
          if (s < 0) return 1.5;
          src.push_back(s);
        }
        return at(rx, src);
      });
      for (const auto& [name, xv] : layouts(x)) {
        const Tensor got = pad(xv, widths, mode, 1.5);
        EXPECT_EQ(got.dtype(), float64);
        expect_matches(got, want, "pad " + mode + " " + name);
      }
    }
  }
  // NumPy examples
  const Tensor v = tensor({1, 2, 3, 4, 5});
  EXPECT_EQ(pad(v, {{2, 3}}, "constant", 4).to_vector<int32_t>(),
            (std::vector<int32_t>{4, 4, 1, 2, 3, 4, 5, 4, 4, 4}));
  EXPECT_EQ(pad(v, {{2, 3}}, "reflect").to_vector<int32_t>(),
            (std::vector<int32_t>{3, 2, 1, 2, 3, 4, 5, 4, 3, 2}));
  EXPECT_EQ(pad(v, {{2, 3}}, "edge").to_vector<int32_t>(),
            (std::vector<int32_t>{1, 1, 1, 2, 3, 4, 5, 5, 5, 5}));
  EXPECT_EQ(pad(tensor({1, 2}), {{5, 4}}, "reflect").to_vector<int32_t>(),  // bounces repeatedly
            (std::vector<int32_t>{2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2}));
  EXPECT_EQ(pad(tensor({7}), {{2, 1}}, "reflect").to_vector<int32_t>(),
            (std::vector<int32_t>{7, 7, 7, 7}));
  EXPECT_EQ(pad(tensor({1.f}), {{1, 1}}, "constant", 2.5).dtype(), float32);
  EXPECT_EQ(pad(zeros({0, 2}), {{1, 0}, {0, 0}}).shape(), (Shape{1, 2}));
  const Tensor same = pad(v, {{0, 0}});
  EXPECT_FALSE(same.shares_storage(v));
  EXPECT_EQ(same.to_vector<int32_t>(), v.to_vector<int32_t>());
}

TEST(Manipulation, PadErrors) {
  const Tensor x = zeros({2, 3});
  expect_error([&] { (void)pad(x, {{0, 0}, {-1, 2}}); }, {"pad", "-1", "axis 1"});
  EXPECT_THROW((void)pad(x, {{0, 0}, {-1, 2}}), ValueError);
  expect_error([&] { (void)pad(x, {{0, 0}, {1, 1}}, "wrap"); }, {"pad", "'wrap'"});
  EXPECT_THROW((void)pad(x, {{0, 0}, {1, 1}}, "wrap"), ValueError);
  EXPECT_THROW((void)pad(x, {{1, 1}}), ValueError);
  EXPECT_THROW((void)pad(zeros({0, 2}), {{1, 0}, {0, 0}}, "edge"), ValueError);
  EXPECT_THROW((void)pad(zeros({0, 2}), {{1, 0}, {0, 0}}, "reflect"), ValueError);
}

TEST(Manipulation, TileMatchesReference) {
  random::seed(6);
  const Tensor x = random_tensor({2, 3}, int32);
  const Ref rx = ref_of(x);
  for (const std::vector<int64_t>& reps :
       {std::vector<int64_t>{2, 3}, {3}, {2, 1, 2}, {1, 1}, {0, 2}, {}}) {
    std::vector<int64_t> xs{2, 3};
    std::vector<int64_t> r = reps;
    while (xs.size() < r.size()) xs.insert(xs.begin(), 1);
    while (r.size() < xs.size()) r.insert(r.begin(), 1);
    std::vector<int64_t> shape;
    for (size_t d = 0; d < xs.size(); ++d) shape.push_back(xs[d] * r[d]);
    const Ref want = build(shape, [&](const std::vector<int64_t>& out) {
      std::vector<int64_t> src;
      for (size_t d = xs.size() - 2; d < xs.size(); ++d) src.push_back(out[d] % xs[d]);
      return at(rx, src);
    });
    for (const auto& [name, xv] : layouts(x)) {
      const Tensor got = tile(xv, reps);
      EXPECT_EQ(got.dtype(), int32);
      EXPECT_FALSE(got.shares_storage(xv));
      expect_matches(got, want, "tile " + name + " " + to_string(Shape(reps)));
    }
  }
  EXPECT_EQ(tile(tensor(3.f), {2}).to_vector<float>(), (std::vector<float>{3, 3}));
  EXPECT_EQ(tile(zeros({0, 2}), {2, 2}).shape(), (Shape{0, 4}));
  expect_error([&] { (void)tile(x, {2, -1}); }, {"tile", "[2, -1]"});
  EXPECT_THROW((void)tile(x, {2, -1}), ValueError);
}

TEST(Manipulation, RepeatMatchesReference) {
  random::seed(7);
  const Tensor x = random_tensor({3, 4, 2}, bool_);
  const Ref rx = ref_of(x);
  for (int64_t axis : {0, 1, 2, -1, -3}) {
    const int64_t ax = axis < 0 ? axis + 3 : axis;
    for (int64_t repeats : {1, 3, 0}) {
      std::vector<int64_t> shape = x.shape().dims();
      shape[static_cast<size_t>(ax)] *= repeats;
      const Ref want = build(shape, [&](std::vector<int64_t> out) {
        out[static_cast<size_t>(ax)] /= repeats;
        return at(rx, out);
      });
      for (const auto& [name, xv] : layouts(x)) {
        const Tensor got = repeat(xv, repeats, axis);
        EXPECT_EQ(got.dtype(), bool_);
        EXPECT_FALSE(got.shares_storage(xv));
        expect_matches(got, want, "repeat " + name + " axis " + std::to_string(axis));
      }
    }
  }
  EXPECT_EQ(repeat(tensor({{1, 2}, {3, 4}}), 2, 1).to_vector<int32_t>(),
            (std::vector<int32_t>{1, 1, 2, 2, 3, 3, 4, 4}));
  EXPECT_EQ(repeat(zeros({0, 2}), 3, 0).shape(), (Shape{0, 2}));
  EXPECT_THROW((void)repeat(x, -1, 0), ValueError);
  EXPECT_THROW((void)repeat(x, 2, 3), IndexError);
}

TEST(Manipulation, LargeInputsGiveTheSameResultOnAnyThreadCount) {
  const int saved = num_threads();
  random::seed(8);
  const Tensor a = random_tensor({300, 200}), b = random_tensor({300, 100}).transpose();
  const Tensor index = random::randint(-300, 300, {500, 90});
  auto run = [&](int threads) {
    set_num_threads(threads);
    return std::vector<std::vector<double>>{
        concatenate({a, b.transpose(), a}, 1).to_vector<double>(),
        take(a, index, 0).to_vector<double>(),
        take(a.transpose(), index.slice(0, 0, 100), 1).to_vector<double>(),
        gather(a, 0, index.slice(0, 0, 200).transpose()).to_vector<double>(),
        repeat(a, 3, 0).to_vector<double>()};
  };
  const auto one = run(1);
  EXPECT_EQ(run(4), one);
  set_num_threads(saved);
  const Ref ra = ref_of(a);
  const std::vector<int64_t> idx = index.to_vector<int64_t>();
  for (size_t i = 0; i < idx.size(); i += 997) {  // spot checks of take along axis 0
    const int64_t row = idx[i] < 0 ? idx[i] + 300 : idx[i];
    EXPECT_EQ(one[1][i * 200 + 7], at(ra, {row, 7}));
  }
}

}  // namespace
