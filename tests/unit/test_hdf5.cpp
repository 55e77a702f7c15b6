// The HDF5 reader and writer (src/io/hdf5.hpp): round trips through both; files written by h5py
// (default and 'latest' format, track_order, big-endian, strings, narrow integers) read exactly;
// files nabla writes read in h5py; real Keras .h5 files compared with h5py; and every corrupt
// variant of a small file (each truncation, thousands of bit flips, handcrafted cycles) either
// reads or raises IOError.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nabla/nabla.hpp>
#include <nlohmann/json.hpp>
#include <random>
#include <typeinfo>

#include "io/hdf5.hpp"
#include "io/hdf5_format.hpp"  // lookup3, to keep corrupted files' checksums valid
#include "unit/file_test_util.hpp"
#include "unit/numpy_interop.hpp"

namespace {
using namespace nabla;
namespace h5 = nabla::io::h5;
using nabla::testing::run_python;
using nabla::testing::TempDir;

using Bytes = std::vector<unsigned char>;

bool h5py_available() {
  static const bool available =
      std::system(NABLA_PYTHON " -c \"import h5py\" > /dev/null 2>&1") == 0;
  return available;
}

#define SKIP_WITHOUT_H5PY()                                                        \
  do {                                                                             \
    if (!h5py_available())                                                         \
      GTEST_SKIP() << NABLA_PYTHON " cannot import h5py; h5py interop not tested"; \
  } while (false)

Bytes file_bytes(const std::filesystem::path& path) {
  const std::string s = nabla::testing::read_bytes(path);
  return {s.begin(), s.end()};
}

void save(const Bytes& bytes, const std::filesystem::path& path) {
  nabla::testing::write_bytes(path, std::string(bytes.begin(), bytes.end()));
}

/// Runs an h5py script; `path` is available to it as PATH.
void run_h5py(const TempDir& dir, const std::filesystem::path& path, const std::string& script) {
  const auto result =
      run_python(dir, "import h5py\nPATH = r'" + path.string() + "'\n" + script, "h5.py");
  ASSERT_EQ(result.status, 0) << result.output;
}

void expect_same(const Tensor& actual, const Tensor& expected) {
  ASSERT_EQ(actual.dtype(), expected.dtype());
  ASSERT_EQ(actual.shape(), expected.shape());
  ASSERT_TRUE(actual.is_contiguous());
  visit_dtype(expected.dtype(),
              [&]<class T>(T) { EXPECT_EQ(actual.to_vector<T>(), expected.to_vector<T>()); });
}

template <class T>
void expect_dataset(const h5::Group& g, const std::string& name, const std::vector<T>& values,
                    const Shape& shape) {
  SCOPED_TRACE(name);
  const h5::Dataset d = g.dataset(name);
  EXPECT_EQ(d.shape(), shape);
  EXPECT_EQ(d.dtype(), dtype_of<T>);
  expect_same(d.read(), from_vector(values, shape));
}

// ---- Walking a whole file ----

struct WalkCounts {
  int groups = 0;
  int datasets = 0;
  int attributes = 0;
};

template <class Object>
void read_attributes(const Object& object, WalkCounts& counts) {
  for (const std::string& name : object.attribute_names()) {
    (void)object.attribute(name);
    ++counts.attributes;
  }
}

void walk(const h5::Group& group, WalkCounts& counts) {
  ++counts.groups;
  read_attributes(group, counts);
  for (const std::string& name : group.datasets()) {
    const h5::Dataset d = group.dataset(name);
    if (d.is_string()) {
      (void)d.read_strings();
    } else {
      (void)d.read();
    }
    read_attributes(d, counts);
    ++counts.datasets;
  }
  for (const std::string& name : group.groups()) walk(group.group(name), counts);
}

/// Opens and walks `bytes`: "" when that succeeds or raises an IOError naming the file, else what
/// went wrong.
std::string open_and_walk(const Bytes& bytes) {
  try {
    const h5::File file(bytes, "corrupt.h5");
    WalkCounts counts;
    walk(file.root(), counts);
  } catch (const IOError& e) {
    const std::string message = e.what();
    if (message.rfind("corrupt.h5: ", 0) != 0) return "IOError without the file name: " + message;
  } catch (const std::exception& e) {
    return std::string(typeid(e).name()) + ": " + e.what();
  }
  return "";
}

// ---- Files nabla writes ----

Tensor numbers(DType dtype, const Shape& shape, uint32_t seed) {
  if (dtype == bool_) {
    const Tensor t = nabla::testing::random_tensor(shape, float32, seed, -1, 1);
    return greater(t, zeros_like(t));
  }
  return nabla::testing::random_tensor(shape, dtype, seed, dtype == uint8 ? 0 : -1000, 250);
}

/// A small Keras-like file: groups, datasets, attributes of every kind.
Bytes sample_file() {
  h5::Writer writer;
  h5::GroupWriter root = writer.root();
  root.set_attribute("backend", "tensorflow");
  root.set_attribute("layer_names", std::vector<std::string>{"dense", "dense_1"});
  root.set_attribute("none", std::vector<std::string>{});
  root.set_attribute("counts", from_vector<int32_t>({1, -2, 3}));
  h5::GroupWriter weights = root.create_group("model_weights");
  h5::GroupWriter dense = weights.create_group("dense");
  dense.set_attribute("weight_names", std::vector<std::string>{"dense/kernel:0", "dense/bias:0"});
  dense.write_dataset("kernel", from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3}));
  dense.write_dataset("bias", from_vector<int64_t>({-7, 8, 9}));
  (void)weights.create_group("empty");
  root.write_dataset("flags", from_vector<bool>({true, false, true}));
  root.write_dataset("scalar", full({}, 2.5, float64));
  return writer.finish();
}

TEST(Hdf5Writer, LayoutLikeKerasFiles) {
  const Bytes bytes = sample_file();
  ASSERT_GT(bytes.size(), 64u);
  EXPECT_EQ(bytes[8], 0) << "superblock version 0 (libver 'earliest', as h5py and Keras write)";
  const h5::File file(bytes, "sample.h5");
  const h5::Group root = file.root();
  EXPECT_EQ(root.groups(), std::vector<std::string>{"model_weights"});
  EXPECT_EQ(root.datasets(), (std::vector<std::string>{"flags", "scalar"}));
  EXPECT_EQ(root.attribute("backend").as_string(), "tensorflow");
  EXPECT_EQ(root.attribute("layer_names").strings, (std::vector<std::string>{"dense", "dense_1"}));
  const h5::Attribute none = root.attribute("none");
  EXPECT_FALSE(none.is_string);
  EXPECT_EQ(none.shape, Shape{0});
  EXPECT_EQ(none.numbers.dtype(), float64);
  expect_same(root.attribute("counts").numbers, from_vector<int32_t>({1, -2, 3}));
  const h5::Group dense = root.group("model_weights/dense");
  EXPECT_EQ(dense.path(), "/model_weights/dense");
  expect_dataset<float>(dense, "kernel", {1, 2, 3, 4, 5, 6}, {2, 3});
  expect_dataset<int64_t>(root, "model_weights/dense/bias", {-7, 8, 9}, {3});
  expect_dataset<bool>(root, "flags", {true, false, true}, {3});
  expect_dataset<double>(root, "scalar", {2.5}, {});
}

TEST(Hdf5Reader, RoundTripsEveryDtypeAndShape) {
  const std::vector<DType> dtypes = {bool_, uint8, int32, int64, float32, float64};
  const std::vector<Shape> shapes = {{}, {0}, {5}, {2, 0, 3}, {2, 3, 4, 5}};
  std::map<std::string, Tensor> written;
  h5::Writer writer;
  h5::GroupWriter root = writer.root();
  uint32_t seed = 0;
  for (DType dtype : dtypes) {
    for (const Shape& shape : shapes) {
      const std::string name = detail::str_cat(dtype, "_", shape.rank(), "_", shape.numel());
      written[name] = numbers(dtype, shape, seed++);
      root.write_dataset(name, written[name]);
    }
    // Not contiguous: written as its contiguous copy.
    const Tensor t = numbers(dtype, {3, 4}, seed++).transpose();
    written[detail::str_cat(dtype, "_transposed")] = t.contiguous();
    root.write_dataset(detail::str_cat(dtype, "_transposed"), t);
  }
  const h5::File file(writer.finish(), "dtypes.h5");
  const h5::Group r = file.root();
  std::vector<std::string> names;
  for (const auto& [name, t] : written) names.push_back(name);
  EXPECT_EQ(r.datasets(), names);
  for (const auto& [name, t] : written) {
    SCOPED_TRACE(name);
    const h5::Dataset d = r.dataset(name);
    EXPECT_EQ(d.dtype(), t.dtype());
    EXPECT_EQ(d.shape(), t.shape());
    EXPECT_FALSE(d.is_string());
    expect_same(d.read(), t);
  }
}

TEST(Hdf5Reader, NestedGroupsAndPaths) {
  h5::Writer writer;
  h5::GroupWriter root = writer.root();
  h5::GroupWriter b = root.create_group("b");
  h5::GroupWriter a = root.create_group("a");
  h5::GroupWriter x = a.create_group("x");
  h5::GroupWriter y = x.create_group("y");
  y.write_dataset("w", from_vector<float>({1.5f}));
  x.write_dataset("v", from_vector<int32_t>({4, 5}));
  (void)b.create_group("c");
  const h5::File file(writer.finish(), "nested.h5");
  const h5::Group r = file.root();
  EXPECT_EQ(r.path(), "/");
  EXPECT_EQ(r.groups(), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(r.datasets().empty());
  EXPECT_TRUE(r.has_group("a/x/y"));
  EXPECT_TRUE(r.has_group("/a//x/"));
  EXPECT_FALSE(r.has_group("a/x/v"));
  EXPECT_TRUE(r.has_dataset("a/x/v"));
  EXPECT_FALSE(r.has_dataset("a/x/v/z"));
  EXPECT_FALSE(r.has_group("a/missing"));
  const h5::Group gx = r.group("a/x");
  EXPECT_EQ(gx.path(), "/a/x");
  EXPECT_EQ(gx.groups(), std::vector<std::string>{"y"});
  EXPECT_EQ(gx.datasets(), std::vector<std::string>{"v"});
  EXPECT_EQ(gx.dataset("y/w").path(), "/a/x/y/w");
  expect_dataset<float>(gx, "y/w", {1.5f}, {1});
  EXPECT_EQ(r.group("b").groups(), std::vector<std::string>{"c"});
  nabla::testing::expect_io_error([&] { (void)gx.group("nope"); }, "nested.h5", "no group 'nope'");
  nabla::testing::expect_io_error([&] { (void)gx.dataset("y"); }, "nested.h5", "no dataset 'y'");
  nabla::testing::expect_io_error([&] { (void)gx.attribute("q"); }, "nested.h5",
                                  "no attribute 'q', at /a/x");
}

TEST(Hdf5Reader, ManyLinksSplitTheSymbolTable) {
  // 1300 links: some 200 symbol table nodes (at most 8 entries each with the default K = 4)
  // under a B-tree of two levels (internal nodes hold at most 32 children).
  h5::Writer writer;
  h5::GroupWriter root = writer.root();
  h5::GroupWriter big = root.create_group("big");
  std::vector<int> order(1300);
  for (int i = 0; i < 1300; ++i) order[static_cast<size_t>(i)] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(3));
  std::vector<std::string> datasets;
  std::vector<std::string> groups;
  for (int i : order) {
    const std::string name = detail::str_cat(i < 1000 ? "d" : "g", 10000 + i);
    if (i < 1000) {
      big.write_dataset(name, full({}, static_cast<int64_t>(i), int64));
      datasets.push_back(name);
    } else {
      h5::GroupWriter g = big.create_group(name);
      g.set_attribute("index", full({}, static_cast<int64_t>(i), int64));
      groups.push_back(name);
    }
  }
  std::sort(datasets.begin(), datasets.end());
  std::sort(groups.begin(), groups.end());
  const h5::File file(writer.finish(), "big.h5");
  const h5::Group g = file.root().group("big");
  EXPECT_EQ(g.datasets(), datasets);
  EXPECT_EQ(g.groups(), groups);
  for (int i = 0; i < 1000; i += 37)
    EXPECT_EQ(g.dataset(detail::str_cat("d", 10000 + i)).read().item<int64_t>(), i);
  EXPECT_EQ(g.group("g11299").attribute("index").numbers.item<int64_t>(), 1299);
  WalkCounts counts;
  walk(file.root(), counts);
  EXPECT_EQ(counts.groups, 302);
  EXPECT_EQ(counts.datasets, 1000);
}

TEST(Hdf5Reader, AttributesOfEveryKind) {
  h5::Writer writer;
  h5::GroupWriter root = writer.root();
  root.write_dataset("data", from_vector<float>({1, 2}));
  root.set_attribute("text", "héllo wörld");
  root.set_attribute("blank", "");
  root.set_attribute("names", std::vector<std::string>{"a", "", "ccc"});
  root.set_attribute("nothing", std::vector<std::string>{});
  std::map<std::string, Tensor> numeric = {
      {"bool", from_vector<bool>({true, false})},
      {"uint8", from_vector<uint8_t>({0, 255})},
      {"int32_scalar", full({}, int32_t{-5}, int32)},
      {"int64_matrix", from_vector<int64_t>({1, 2, 3, 4, 5, 6}, {2, 3})},
      {"float32", from_vector<float>({0.25f, -1e30f})},
      {"float64_scalar", full({}, 1e-300, float64)},
  };
  for (const auto& [name, t] : numeric) root.set_attribute(name, t);
  root.set_attribute("text", "replaced");  // as h5py's attrs[name] = value
  const h5::File file(writer.finish(), "attrs.h5");
  const h5::Group r = file.root();
  std::vector<std::string> names = {"blank", "names", "nothing", "text"};
  for (const auto& [name, t] : numeric) names.push_back(name);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(r.attribute_names(), names);
  EXPECT_TRUE(r.has_attribute("names"));
  EXPECT_FALSE(r.has_attribute("name"));
  EXPECT_EQ(r.attribute("text").as_string(), "replaced");
  EXPECT_EQ(r.attribute("text").shape, Shape{});
  EXPECT_EQ(r.attribute("blank").as_string(), "");
  const h5::Attribute list = r.attribute("names");
  EXPECT_TRUE(list.is_string);
  EXPECT_EQ(list.shape, Shape{3});
  EXPECT_EQ(list.strings, (std::vector<std::string>{"a", "", "ccc"}));
  EXPECT_THROW((void)list.as_string(), IOError);
  EXPECT_EQ(r.attribute("nothing").numbers.numel(), 0);
  for (const auto& [name, t] : numeric) {
    SCOPED_TRACE(name);
    const h5::Attribute a = r.attribute(name);
    EXPECT_FALSE(a.is_string);
    EXPECT_EQ(a.shape, t.shape());
    expect_same(a.numbers, t);
  }
  EXPECT_TRUE(r.dataset("data").attribute_names().empty());
}

TEST(Hdf5Writer, RefusesWhatItCannotWrite) {
  h5::Writer writer;
  h5::GroupWriter root = writer.root();
  (void)root.create_group("g");
  root.write_dataset("d", from_vector<float>({1}));
  EXPECT_THROW((void)root.create_group("g"), IOError);
  EXPECT_THROW(root.write_dataset("g", from_vector<float>({1})), IOError);
  EXPECT_THROW(root.write_dataset("d", from_vector<float>({1})), IOError);
  EXPECT_THROW(root.write_dataset("a/b", from_vector<float>({1})), ValueError);
  EXPECT_THROW(root.write_dataset("", from_vector<float>({1})), ValueError);
  EXPECT_THROW(root.write_dataset("c", zeros({2}, complex64)), ValueError);
  EXPECT_THROW(root.set_attribute("c", zeros({2}, complex128)), ValueError);
  // Attribute data above Keras's 64512 bytes does not fit a v1 object header.
  const std::vector<std::string> long_list(700, std::string(100, 'x'));
  try {
    root.set_attribute("layer_names", long_list);
    ADD_FAILURE() << "no IOError for a 70 KB attribute";
  } catch (const IOError& e) {
    EXPECT_NE(std::string(e.what()).find("64 KiB"), std::string::npos) << e.what();
  }
  root.set_attribute("fits", std::vector<std::string>(600, std::string(100, 'y')));
  const Bytes bytes = writer.finish();
  EXPECT_THROW((void)writer.finish(), ValueError);
  EXPECT_THROW((void)writer.root(), ValueError);
  const h5::File file(bytes, "refuses.h5");
  EXPECT_EQ(file.root().attribute("fits").strings.size(), 600u);
  EXPECT_FALSE(file.root().has_attribute("layer_names"));
}

TEST(Hdf5Writer, FilesReadInH5py) {
  SKIP_WITHOUT_H5PY();
  TempDir dir;
  const auto path = dir / "nabla.h5";
  h5::Writer writer;
  h5::GroupWriter root = writer.root();
  root.set_attribute("backend", "tensorflow");
  root.set_attribute("layer_names", std::vector<std::string>{"dense", "dense_1"});
  root.set_attribute("none", std::vector<std::string>{});
  root.set_attribute("counts", from_vector<int32_t>({1, -2, 3}));
  root.set_attribute("flag", full({}, true, bool_));
  h5::GroupWriter dense = root.create_group("model_weights").create_group("dense");
  dense.write_dataset("kernel", from_vector<float>({0, 0.25, 0.5, 0.75, 1, 1.25}, {2, 3}));
  dense.write_dataset("bias", from_vector<int64_t>({-7, 8, 9}));
  root.write_dataset("flags", from_vector<bool>({true, false, true}));
  root.write_dataset("bytes", from_vector<uint8_t>({0, 200}));
  root.write_dataset("scalar", full({}, 2.5, float64));
  root.write_dataset("zero", zeros({2, 0}, int32));
  save(writer.finish(), path);
  run_h5py(dir, path, R"(
with h5py.File(PATH, 'r') as f:
    assert f.attrs['backend'] == 'tensorflow', f.attrs['backend']
    names = f.attrs['layer_names']
    assert names.dtype == np.dtype('S7') and list(names) == [b'dense', b'dense_1'], names
    none = f.attrs['none']
    assert none.dtype == np.float64 and none.shape == (0,), none
    counts = f.attrs['counts']
    assert counts.dtype == np.int32 and list(counts) == [1, -2, 3], counts
    assert f.attrs['flag'] == True and f.attrs['flag'].dtype == np.bool_
    kernel = f['model_weights/dense/kernel']
    assert kernel.dtype == np.float32 and kernel.shape == (2, 3)
    assert (kernel[()] == np.arange(6, dtype='f4').reshape(2, 3) / 4).all()
    bias = f['model_weights/dense/bias'][()]
    assert bias.dtype == np.int64 and list(bias) == [-7, 8, 9]
    flags = f['flags'][()]
    assert flags.dtype == np.bool_ and list(flags) == [True, False, True], flags
    assert list(f['bytes'][()]) == [0, 200] and f['bytes'].dtype == np.uint8
    assert f['scalar'].shape == () and f['scalar'][()] == 2.5
    assert f['zero'].shape == (2, 0) and f['zero'].dtype == np.int32
    assert sorted(f.keys()) == ['bytes', 'flags', 'model_weights', 'scalar', 'zero']
    assert f.id.get_create_plist().get_version()[0] == 0  # superblock v0
)");
}

// ---- Files written by h5py ----

/// Writes a file with h5py: every datatype the reader takes, strings, groups; `libver` and
/// `track_order` as given.
void write_h5py_file(const TempDir& dir, const std::filesystem::path& path,
                     const std::string& libver, bool track_order) {
  const std::string order = track_order ? "True" : "False";
  run_h5py(dir, path, "LIBVER = '" + libver + "'\nTRACK = " + order + "\n" + R"(
with h5py.File(PATH, 'w', libver=LIBVER, track_order=TRACK) as f:
    # At most 8 links per group: more would be dense storage with libver 'latest'.
    fl = f.create_group('floats', track_order=TRACK)
    fl.create_dataset('f4', data=np.arange(12, dtype='<f4').reshape(3, 4) / 8)
    fl.create_dataset('f4be', data=(np.arange(6, dtype='>f4') * 1.5 - 2).reshape(2, 3))
    fl.create_dataset('f8be', data=np.arange(5, dtype='>f8') - 2.5)
    fl.create_dataset('i4', data=np.array([[1, -2], [3, -4]], dtype='<i4'))
    i = f.create_group('ints', track_order=TRACK)
    i.create_dataset('i8be', data=np.array([-(2**40), -1, 0, 7, 2**62], dtype='>i8'))
    i.create_dataset('i1', data=np.array([-128, -1, 0, 1, 127], dtype='i1'))
    i.create_dataset('u1', data=np.array([0, 1, 255], dtype='u1'))
    i.create_dataset('i2', data=np.array([-32768, 5, 32767], dtype='<i2'))
    i.create_dataset('u2', data=np.array([0, 65535], dtype='u2'))
    i.create_dataset('u4be', data=np.array([0, 4294967295], dtype='>u4'))
    i.create_dataset('u8', data=np.array([0, 2**63 - 1], dtype='u8'))
    i.create_dataset('u8big', data=np.array([2**63], dtype='u8'))
    g = f.create_group('g', track_order=TRACK)
    g.create_dataset('b', data=np.array([True, False, True]))
    g.create_dataset('scalar', data=np.float64(3.25))
    g.create_dataset('empty', data=np.zeros((0, 3), 'f4'))
    g.create_dataset('vlen', data=np.array(['a', 'bc', '', 'dé'], dtype=object),
                     dtype=h5py.string_dtype())
    g.create_dataset('fixed', data=np.array([b'ab', b'c'], dtype='S3'))
    sub = g.create_group('sub')
    sub.create_dataset('deep', data=np.array([1, 2, 3], dtype='i8'))
    f.attrs['str'] = 'hello'
    f.attrs['strs'] = np.array([b'dense', b'dense_1'])
    f.attrs['vstrs'] = np.array(['x', 'yz'], dtype=h5py.string_dtype())
    f.attrs['int'] = np.int64(7)
    f.attrs['floats'] = np.array([1.5, 2.5], 'f4')
    f.attrs['flag'] = np.bool_(True)
    f.attrs['empty'] = np.array([])
    f['floats/f4'].attrs['unit'] = 'm'
)");
}

void check_h5py_file(const std::filesystem::path& path) {
  const h5::File file = h5::File::open(path);
  const h5::Group r = file.root();
  EXPECT_EQ(r.groups(), (std::vector<std::string>{"floats", "g", "ints"}));
  EXPECT_TRUE(r.datasets().empty());
  const h5::Group fl = r.group("floats");
  EXPECT_EQ(fl.datasets(), (std::vector<std::string>{"f4", "f4be", "f8be", "i4"}));
  std::vector<float> f4(12);
  for (int i = 0; i < 12; ++i) f4[static_cast<size_t>(i)] = static_cast<float>(i) / 8;
  expect_dataset<float>(fl, "f4", f4, {3, 4});
  expect_dataset<float>(fl, "f4be", {-2, -0.5, 1, 2.5, 4, 5.5}, {2, 3});
  expect_dataset<double>(fl, "f8be", {-2.5, -1.5, -0.5, 0.5, 1.5}, {5});
  expect_dataset<int32_t>(fl, "i4", {1, -2, 3, -4}, {2, 2});
  const h5::Group in = r.group("ints");
  EXPECT_EQ(in.datasets(),
            (std::vector<std::string>{"i1", "i2", "i8be", "u1", "u2", "u4be", "u8", "u8big"}));
  expect_dataset<int64_t>(in, "i8be", {-(int64_t{1} << 40), -1, 0, 7, int64_t{1} << 62}, {5});
  expect_dataset<int32_t>(in, "i1", {-128, -1, 0, 1, 127}, {5});
  expect_dataset<uint8_t>(in, "u1", {0, 1, 255}, {3});
  expect_dataset<int32_t>(in, "i2", {-32768, 5, 32767}, {3});
  expect_dataset<int32_t>(in, "u2", {0, 65535}, {2});
  expect_dataset<int64_t>(in, "u4be", {0, 4294967295}, {2});
  expect_dataset<int64_t>(in, "u8", {0, std::numeric_limits<int64_t>::max()}, {2});
  nabla::testing::expect_io_error([&] { (void)in.dataset("u8big").read(); }, path,
                                  "does not fit int64, at /ints/u8big");
  const h5::Group g = r.group("g");
  EXPECT_EQ(g.groups(), std::vector<std::string>{"sub"});
  EXPECT_EQ(g.datasets(), (std::vector<std::string>{"b", "empty", "fixed", "scalar", "vlen"}));
  expect_dataset<bool>(g, "b", {true, false, true}, {3});
  expect_dataset<double>(g, "scalar", {3.25}, {});
  expect_dataset<float>(g, "empty", {}, {0, 3});
  const h5::Dataset vlen = g.dataset("vlen");
  EXPECT_TRUE(vlen.is_string());
  EXPECT_EQ(vlen.shape(), Shape{4});
  EXPECT_EQ(vlen.read_strings(), (std::vector<std::string>{"a", "bc", "", "dé"}));
  EXPECT_THROW((void)vlen.read(), IOError);
  EXPECT_EQ(g.dataset("fixed").read_strings(), (std::vector<std::string>{"ab", "c"}));
  expect_dataset<int64_t>(g, "sub/deep", {1, 2, 3}, {3});
  EXPECT_EQ(r.attribute_names(),
            (std::vector<std::string>{"empty", "flag", "floats", "int", "str", "strs", "vstrs"}));
  EXPECT_EQ(r.attribute("str").as_string(), "hello");
  EXPECT_EQ(r.attribute("strs").strings, (std::vector<std::string>{"dense", "dense_1"}));
  EXPECT_EQ(r.attribute("vstrs").strings, (std::vector<std::string>{"x", "yz"}));
  expect_same(r.attribute("int").numbers, full({}, int64_t{7}, int64));
  expect_same(r.attribute("floats").numbers, from_vector<float>({1.5f, 2.5f}));
  expect_same(r.attribute("flag").numbers, full({}, true, bool_));
  EXPECT_EQ(r.attribute("empty").shape, Shape{0});
  EXPECT_EQ(fl.dataset("f4").attribute("unit").as_string(), "m");
}

TEST(Hdf5Reader, H5pyDefaultFormat) {
  SKIP_WITHOUT_H5PY();
  TempDir dir;
  write_h5py_file(dir, dir / "default.h5", "earliest", false);
  check_h5py_file(dir / "default.h5");
}

TEST(Hdf5Reader, H5pyLatestFormat) {
  SKIP_WITHOUT_H5PY();
  TempDir dir;
  write_h5py_file(dir, dir / "latest.h5", "latest", false);
  EXPECT_EQ(file_bytes(dir / "latest.h5")[8], 3) << "superblock v3";
  check_h5py_file(dir / "latest.h5");
}

TEST(Hdf5Reader, H5pyTrackOrder) {
  SKIP_WITHOUT_H5PY();
  TempDir dir;
  write_h5py_file(dir, dir / "ordered.h5", "earliest", true);
  check_h5py_file(dir / "ordered.h5");
  write_h5py_file(dir, dir / "ordered_latest.h5", "latest", true);
  check_h5py_file(dir / "ordered_latest.h5");
}

TEST(Hdf5Reader, DenseStorageIsUnsupported) {
  SKIP_WITHOUT_H5PY();
  TempDir dir;
  run_h5py(dir, dir / "dense.h5", R"(
with h5py.File(PATH, 'w', libver='latest') as f:
    g = f.create_group('links')
    for i in range(12):
        g.create_dataset('d%d' % i, data=np.arange(3))
    a = f.create_group('attrs')
    for i in range(12):
        a.attrs['a%d' % i] = i
    f.create_dataset('chunked', data=np.arange(10), chunks=(5,))
    f.create_dataset('gzip', data=np.arange(10), compression='gzip')
)");
  const h5::File file = h5::File::open(dir / "dense.h5");
  const h5::Group r = file.root();
  EXPECT_EQ(r.groups(), (std::vector<std::string>{"attrs", "links"}));
  const auto path = dir / "dense.h5";
  nabla::testing::expect_io_error([&] { (void)r.group("links").datasets(); }, path,
                                  "unsupported: dense link storage");
  nabla::testing::expect_io_error([&] { (void)r.group("attrs").attribute_names(); }, path,
                                  "unsupported: dense attribute storage");
  nabla::testing::expect_io_error([&] { (void)r.dataset("chunked").read(); }, path,
                                  "unsupported: chunked");
  nabla::testing::expect_io_error([&] { (void)r.dataset("gzip").read(); }, path, "unsupported");
}

TEST(Hdf5Reader, OpenErrorsNameTheFile) {
  TempDir dir;
  nabla::testing::expect_io_error([&] { (void)h5::File::open(dir / "missing.h5"); },
                                  dir / "missing.h5", "cannot open");
  nabla::testing::expect_io_error([&] { (void)h5::File(Bytes(100, 0), "zeros.h5"); }, "zeros.h5",
                                  "not an HDF5 file");
  Bytes truncated = sample_file();
  truncated.resize(truncated.size() / 2);
  nabla::testing::expect_io_error([&] { (void)h5::File(truncated, "half.h5"); }, "half.h5",
                                  "truncated");
}

// ---- Real Keras files ----

/// Sums, shapes and strings of every dataset and attribute, as h5py reads them.
nlohmann::json h5py_summary(const TempDir& dir, const std::filesystem::path& path) {
  const auto out = dir / "summary.json";
  run_h5py(dir, path, "OUT = r'" + out.string() + "'\n" + R"(
import json
summary = {}
def attrs(path, obj):
    for k, v in obj.attrs.items():
        a = np.asarray(v)
        entry = {'shape': list(a.shape)}
        if a.dtype.kind in 'SUO':
            entry['strings'] = [x.decode() if isinstance(x, bytes) else str(x) for x in a.reshape(-1)]
        else:
            entry['sum'] = float(a.astype(np.float64).sum())
            entry['abs'] = float(np.abs(a.astype(np.float64)).sum())
        summary[path + '@' + k] = entry
def visit(name, obj):
    path = '/' + name
    if isinstance(obj, h5py.Dataset):
        a = np.asarray(obj[()])
        entry = {'shape': list(obj.shape)}
        if a.dtype.kind in 'SUO':
            entry['strings'] = [x.decode() if isinstance(x, bytes) else str(x) for x in a.reshape(-1)]
        else:
            entry['sum'] = float(a.astype(np.float64).sum())
            entry['abs'] = float(np.abs(a.astype(np.float64)).sum())
        summary[path] = entry
    attrs(path, obj)
with h5py.File(PATH, 'r') as f:
    attrs('/', f)
    f.visititems(visit)
json.dump(summary, open(OUT, 'w'))
)");
  return nlohmann::json::parse(std::ifstream(out));
}

nlohmann::json summarize(const Tensor& t) {
  const std::vector<double> v = t.astype(float64).to_vector<double>();
  double sum = 0;
  double abs = 0;
  for (double x : v) {
    sum += x;
    abs += std::fabs(x);
  }
  return {{"shape", t.shape().dims()}, {"sum", sum}, {"abs", abs}};
}

nlohmann::json summarize(const h5::Attribute& a) {
  if (!a.is_string) return summarize(a.numbers);
  return {{"shape", a.shape.dims()}, {"strings", a.strings}};
}

template <class Object>
void summarize_attributes(const Object& object, const std::string& path, nlohmann::json& out) {
  for (const std::string& name : object.attribute_names())
    out[path + "@" + name] = summarize(object.attribute(name));
}

void summarize(const h5::Group& group, nlohmann::json& out) {
  summarize_attributes(group, group.path(), out);
  for (const std::string& name : group.datasets()) {
    const h5::Dataset d = group.dataset(name);
    out[d.path()] = d.is_string()
                        ? nlohmann::json{{"shape", d.shape().dims()}, {"strings", d.read_strings()}}
                        : summarize(d.read());
    summarize_attributes(d, d.path(), out);
  }
  for (const std::string& name : group.groups()) summarize(group.group(name), out);
}

TEST(Hdf5Reader, KerasModelsMatchH5py) {
  const char* data = std::getenv("NABLA_DATA");
  if (data == nullptr) GTEST_SKIP() << "NABLA_DATA is not set";
  std::vector<std::filesystem::path> models;
  const std::filesystem::path root = std::filesystem::path(data) / "keras-models";
  if (std::filesystem::is_directory(root)) {
    for (const auto& entry : std::filesystem::directory_iterator(root)) {
      if (std::filesystem::exists(entry.path() / "model.h5"))
        models.push_back(entry.path() / "model.h5");
      if (std::filesystem::exists(entry.path() / "model.keras"))
        models.push_back(entry.path() / "model.keras");
    }
  }
  if (models.empty()) GTEST_SKIP() << "no " << root << "/*/model.h5";
  SKIP_WITHOUT_H5PY();
  std::sort(models.begin(), models.end());
  TempDir dir;
  for (std::filesystem::path model : models) {
    SCOPED_TRACE(model.string());
    if (model.extension() == ".keras") {
      // Keras 3's weights: the zip member model.weights.h5, extracted by Python's zipfile.
      const auto weights = dir / (model.parent_path().filename().string() + ".weights.h5");
      const auto result = run_python(dir,
                                     "import zipfile\nopen(r'" + weights.string() +
                                         "', 'wb').write(zipfile.ZipFile(r'" + model.string() +
                                         "').read('model.weights.h5'))\n",
                                     "unzip.py");
      ASSERT_EQ(result.status, 0) << result.output;
      model = weights;
    }
    const nlohmann::json expected = h5py_summary(dir, model);
    nlohmann::json actual = nlohmann::json::object();
    summarize(h5::File::open(model).root(), actual);
    std::vector<std::string> expected_keys;
    std::vector<std::string> actual_keys;
    for (const auto& [key, value] : expected.items()) expected_keys.push_back(key);
    for (const auto& [key, value] : actual.items()) actual_keys.push_back(key);
    ASSERT_EQ(actual_keys, expected_keys);
    int datasets = 0;
    for (const auto& [key, e] : expected.items()) {
      SCOPED_TRACE(key);
      const nlohmann::json& a = actual[key];
      EXPECT_EQ(a["shape"], e["shape"]);
      if (e.contains("strings")) {
        EXPECT_EQ(a["strings"], e["strings"]);
      } else {
        const double tolerance = 1e-6 * std::max(1.0, e["abs"].get<double>());
        EXPECT_NEAR(a["sum"].get<double>(), e["sum"].get<double>(), tolerance);
        EXPECT_NEAR(a["abs"].get<double>(), e["abs"].get<double>(), tolerance);
      }
      datasets += key.find('@') == std::string::npos ? 1 : 0;
    }
    EXPECT_GT(datasets, 0);
  }
}

// ---- Corrupt files ----

void expect_reads_or_io_error(const Bytes& bytes, const std::string& what) {
  const std::string problem = open_and_walk(bytes);
  EXPECT_EQ(problem, "") << what;
}

uint64_t get(const Bytes& b, size_t at, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = v << 8 | b[at + static_cast<size_t>(i)];
  return v;
}
void put(Bytes& b, size_t at, uint64_t value, int n) {
  for (int i = 0; i < n; ++i)
    b[at + static_cast<size_t>(i)] = static_cast<unsigned char>(value >> (8 * i));
}

/// The checksummed structures of a file with 8-byte offsets: (start, checksum position) of the
/// superblock v2/v3, every OHDR chunk 0 and every OCHK block.
std::vector<std::pair<size_t, size_t>> checksummed(const Bytes& good) {
  std::vector<std::pair<size_t, size_t>> out;
  if (good[8] >= 2) out.emplace_back(0, 44);
  const std::string s(good.begin(), good.end());
  for (size_t p = s.find("OHDR"); p != std::string::npos; p = s.find("OHDR", p + 1)) {
    const uint8_t flags = good[p + 5];
    size_t at = p + 6 + ((flags & 0x20) != 0 ? 16 : 0) + ((flags & 0x10) != 0 ? 4 : 0);
    const int width = 1 << (flags & 3);
    const size_t q = at + static_cast<size_t>(width) + static_cast<size_t>(get(good, at, width));
    if (q + 4 <= good.size()) out.emplace_back(p, q);
  }
  // An OCHK block's length is in its continuation message: find where its checksum matches.
  for (size_t p = s.find("OCHK"); p != std::string::npos; p = s.find("OCHK", p + 1)) {
    for (size_t q = p + 4; q + 4 <= good.size(); ++q) {
      if (h5::lookup3({good.data() + p, q - p}) == get(good, q, 4)) {
        out.emplace_back(p, q);
        break;
      }
    }
  }
  return out;
}

void fix_checksums(Bytes& bad, const std::vector<std::pair<size_t, size_t>>& structures) {
  for (const auto& [p, q] : structures) put(bad, q, h5::lookup3({bad.data() + p, q - p}), 4);
}

/// Opens and walks every truncation of `good` (as it is, and with the superblock's end-of-file
/// address moved to the new end, so parsing reaches the missing structures), then `mutations`
/// seeded corruptions: bit flips, random bytes, 8-byte fields set to extreme values. Checksums
/// are recomputed for half of the mutations, so corruption behind them is reached too.
void corrupt_every_way(const Bytes& good, uint32_t mutations) {
  ASSERT_EQ(open_and_walk(good), "");
  ASSERT_EQ(get(good, 0, 8), 0x0a1a0a0d46444889u) << "superblock at byte 0";
  const auto structures = checksummed(good);
  const size_t eof_field = good[8] >= 2 ? 28 : 40;  // with 8-byte offsets and lengths
  for (size_t n = 0; n < good.size(); ++n) {
    Bytes bad(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
    expect_reads_or_io_error(bad, detail::str_cat("truncated to ", n, " bytes"));
    if (n >= 48) {
      put(bad, eof_field, n, 8);
      fix_checksums(bad, {structures.begin(), structures.begin() + (good[8] >= 2 ? 1 : 0)});
      expect_reads_or_io_error(bad, detail::str_cat("truncated to ", n, " bytes, end moved"));
    }
    if (::testing::Test::HasFailure()) return;
  }
  for (uint32_t seed = 0; seed < mutations; ++seed) {
    std::mt19937 rng(seed);
    Bytes bad = good;
    auto position = [&] { return std::uniform_int_distribution<size_t>(0, bad.size() - 1)(rng); };
    const int kind = static_cast<int>(seed % 4);
    const int count = kind == 0 ? 1 : std::uniform_int_distribution<int>(2, 8)(rng);
    for (int i = 0; i < count; ++i) {
      const size_t at = position();
      if (kind <= 1) {
        bad[at] ^= static_cast<unsigned char>(1u << (rng() % 8));  // bit flips
      } else if (kind == 2) {
        bad[at] = static_cast<unsigned char>(rng());  // random bytes
      } else {
        // An 8-byte field (address or length) set to all ones, zero or a random value.
        const uint64_t choices[] = {~uint64_t{0}, 0, rng() % 4096, uint64_t{rng()} << 20};
        const uint64_t value = choices[rng() % 4];
        for (size_t b = 0; b < 8 && at + b < bad.size(); ++b)
          bad[at + b] = static_cast<unsigned char>(value >> (8 * b));
      }
    }
    if ((seed / 4) % 2 == 0) fix_checksums(bad, structures);
    expect_reads_or_io_error(bad, detail::str_cat("mutation seed ", seed));
    if (::testing::Test::HasFailure()) return;
  }
}

TEST(Hdf5Corrupt, WriterFileEveryTruncationAndMutation) {
  h5::Writer writer;
  h5::GroupWriter root = writer.root();
  root.set_attribute("backend", "tensorflow");
  root.set_attribute("names", std::vector<std::string>{"dense", "dense_1"});
  h5::GroupWriter g = root.create_group("g");
  g.write_dataset("kernel", from_vector<float>({1, 2, 3, 4}, {2, 2}));
  g.set_attribute("note", "vlen");
  g.create_group("h").write_dataset("flags", from_vector<bool>({true, false}));
  root.write_dataset("scalar", full({}, int64_t{3}, int64));
  corrupt_every_way(writer.finish(), 3000);
}

TEST(Hdf5Corrupt, H5pyLatestFileEveryTruncationAndMutation) {
  SKIP_WITHOUT_H5PY();
  TempDir dir;
  run_h5py(dir, dir / "small.h5", R"(
with h5py.File(PATH, 'w', libver='latest') as f:
    f.attrs['backend'] = 'tensorflow'
    f.attrs['names'] = np.array(['dense', 'dense_1'], dtype=h5py.string_dtype())
    g = f.create_group('g', track_order=True)
    g.create_dataset('kernel', data=np.arange(4, dtype='>f4').reshape(2, 2))
    g.create_dataset('text', data=np.array(['ab', 'c'], dtype=object), dtype=h5py.string_dtype())
    g.create_group('h').create_dataset('flags', data=np.array([True, False]))
)");
  corrupt_every_way(file_bytes(dir / "small.h5"), 3000);
}

template <class Fn>
void expect_prompt_io_error(Fn&& fn, const std::string& what) {
  const auto start = std::chrono::steady_clock::now();
  try {
    fn();
    ADD_FAILURE() << "no IOError; expected one containing: " << what;
  } catch (const IOError& e) {
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST(Hdf5Corrupt, BTreeNodePointingAtItself) {
  h5::Writer writer;
  h5::GroupWriter root = writer.root();
  root.write_dataset("a", from_vector<float>({1}));
  Bytes bytes = writer.finish();
  // The root group's B-tree: the first "TREE" node. Made a level-1 node whose child is itself.
  const std::string s(bytes.begin(), bytes.end());
  const size_t tree = s.find("TREE");
  ASSERT_NE(tree, std::string::npos);
  ASSERT_GE(get(bytes, tree + 6, 2), 1u) << "entries used";
  bytes[tree + 5] = 1;                     // level
  put(bytes, tree + 8 + 16 + 8, tree, 8);  // child 0, after the siblings and key 0
  const h5::File file(bytes, "cycle.h5");
  expect_prompt_io_error([&] { (void)file.root().datasets(); }, "visited twice");
}

TEST(Hdf5Corrupt, ContinuationPointingAtItsOwnHeader) {
  // Enough attributes to overflow the root's first header chunk into a continuation block.
  h5::Writer writer;
  h5::GroupWriter root = writer.root();
  for (int i = 0; i < 40; ++i)
    root.set_attribute(detail::str_cat("attribute_", i), std::vector<std::string>(8, "0123456789"));
  Bytes bytes = writer.finish();
  ASSERT_EQ(bytes[8], 0);
  const size_t header = static_cast<size_t>(get(bytes, 64, 8));  // root entry's header address
  ASSERT_EQ(bytes[header], 1) << "a version 1 object header";
  const uint64_t size = get(bytes, header + 8, 4);
  size_t continuation = 0;
  for (size_t at = header + 16; at + 8 <= header + 16 + size;) {
    const uint64_t type = get(bytes, at, 2);
    if (type == 0x10) continuation = at + 8;
    at += 8 + get(bytes, at + 2, 2);
  }
  ASSERT_NE(continuation, 0u) << "no continuation message in the root header";
  put(bytes, continuation, header + 16, 8);  // the block: the header's own first chunk
  put(bytes, continuation + 8, size, 8);
  // The root's header is parsed as the file opens.
  expect_prompt_io_error([&] { (void)h5::File(bytes, "loop.h5"); }, "overlaps");
}

}  // namespace
