// Test helpers for NumPy interoperability: a scratch directory, running a Python script with the
// system python (NABLA_PYTHON, which has numpy), and raw dumps of tensors that Python reads with
// np.fromfile, independently of nabla's own file formats.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nabla/nabla.hpp>
#include <random>
#include <string>
#include <vector>

namespace nabla::testing {

/// A fresh directory under the system temp directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::random_device device;
    path_ = std::filesystem::temp_directory_path() /
            ("nabla_io_test_" + std::to_string(device()) + std::to_string(device()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::filesystem::path operator/(const std::string& name) const {
    return path_ / name;
  }

 private:
  std::filesystem::path path_;
};

inline bool numpy_available() {
  static const bool available =
      std::system(NABLA_PYTHON " -c \"import numpy\" > /dev/null 2>&1") == 0;
  return available;
}

#define NABLA_SKIP_WITHOUT_NUMPY()                                                   \
  do {                                                                               \
    if (!::nabla::testing::numpy_available()) {                                      \
      GTEST_SKIP() << NABLA_PYTHON " cannot import numpy; NumPy interop not tested"; \
    }                                                                                \
  } while (false)

struct PythonResult {
  int status = -1;
  std::string output;  // stdout and stderr
};

/// Runs `script` (written to dir/name) with NABLA_PYTHON; returns its exit status and output.
inline PythonResult run_python(const TempDir& dir, const std::string& script,
                               const std::string& name = "script.py") {
  const std::filesystem::path file = dir / name;
  std::ofstream(file) << "import numpy as np\n" << script;
  PythonResult result;
  const std::string command = std::string(NABLA_PYTHON) + " '" + file.string() + "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    result.output.append(buffer.data(), n);
  result.status = pclose(pipe);
  return result;
}

/// Writes the elements of `t` in row-major order, native byte order, to `path` (np.fromfile).
inline void write_raw(const Tensor& t, const std::filesystem::path& path) {
  std::ofstream out(path, std::ios::binary);
  visit_dtype(t.dtype(), [&]<class T>(T) {
    if constexpr (std::is_same_v<T, bool>) {
      for (bool b : t.to_vector<bool>()) out.put(b ? 1 : 0);
    } else {
      const std::vector<T> values = t.to_vector<T>();
      out.write(reinterpret_cast<const char*>(values.data()),
                static_cast<std::streamsize>(values.size() * sizeof(T)));
    }
  });
}

/// A Python expression for `shape` as a tuple: (), (3,), (2, 3,).
inline std::string python_shape(const Shape& shape) {
  std::string s = "(";
  for (int64_t d : shape) s += std::to_string(d) + ",";
  return s + ")";
}

/// Python code that loads the raw dump at `path` into variable `name`.
inline std::string python_load_raw(const std::string& name, const Tensor& t,
                                   const std::filesystem::path& path) {
  return name + " = np.fromfile(r'" + path.string() + "', dtype='" +
         std::string(dtype_name(t.dtype())) + "').reshape(" + python_shape(t.shape()) + ")\n";
}

/// Uniform random values of dtype `dtype`, as a contiguous tensor of `shape`.
inline Tensor random_tensor(const Shape& shape, DType dtype, uint32_t seed, double low = -10,
                            double high = 10) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> uniform(low, high);
  std::vector<double> values(static_cast<size_t>(shape.numel()));
  for (double& v : values) v = uniform(rng);
  return from_vector(values, shape).astype(dtype);
}

}  // namespace nabla::testing
