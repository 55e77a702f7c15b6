// save_npy / load_npy and the array half of the .npy format: mapping NumPy dtype strings to
// nabla dtypes, byte order, Fortran order, and size checks made before anything is allocated.
#include "nabla/io/npy.hpp"

#include <algorithm>
#include <cstring>

#include "io/byte_order.hpp"
#include "io/npy_format.hpp"

namespace nabla::io {
namespace {

constexpr size_t kMaxRank = 64;  // NumPy 2's limit; guards against absurd headers

// How a NumPy dtype string is stored on disk and which nabla dtype it becomes.
struct DiskType {
  char kind = 0;      // 'b' bool, 'i' signed, 'u' unsigned, 'f' float, 'c' complex
  size_t size = 0;    // bytes per element on disk
  bool swap = false;  // big-endian on disk
  DType dtype = DType::Float32;
  // Bytes per byte-swapped unit: the element, or each of a complex number's two parts.
  [[nodiscard]] size_t swap_unit() const { return kind == 'c' ? size / 2 : size; }
};

DiskType parse_descr(const std::string& descr) {
  const auto unsupported = [&] {
    return IOError("unsupported dtype '" + descr +
                   "' (nabla reads bool, int8/16/32/64, uint8/16/32, float32, float64, "
                   "complex64 and complex128)");
  };
  const bool complex128 = descr.size() == 4 && descr.substr(1) == "c16";
  if ((descr.size() != 3 && !complex128) || std::strchr("<>|=", descr[0]) == nullptr ||
      descr[2] < '1' || descr[2] > '9') {
    throw unsupported();
  }
  DiskType disk;
  disk.kind = descr[1];
  disk.size = complex128 ? 16 : static_cast<size_t>(descr[2] - '0');
  const char order = descr[0];
  if (order == '|' && disk.size != 1) throw unsupported();
  disk.swap = order == '>' && disk.size > 1;
  const std::string code = descr.substr(1);
  if (code == "c8") {
    disk.dtype = DType::Complex64;
  } else if (code == "c16") {
    disk.dtype = DType::Complex128;
  } else if (code == "b1") {
    disk.dtype = DType::Bool;
  } else if (code == "u1") {
    disk.dtype = DType::UInt8;
  } else if (code == "i1" || code == "i2" || code == "u2" || code == "i4") {
    disk.dtype = DType::Int32;  // widened exactly
  } else if (code == "u4" || code == "i8") {
    disk.dtype = DType::Int64;
  } else if (code == "f4") {
    disk.dtype = DType::Float32;
  } else if (code == "f8") {
    disk.dtype = DType::Float64;
  } else {
    throw unsupported();
  }
  return disk;
}

// Narrow integers (int8/16, uint16/32) widened into the output tensor.
template <class Out>
void widen(const std::vector<unsigned char>& raw, const DiskType& disk, Out* out, int64_t n) {
  const unsigned char* p = raw.data();
  const bool is_signed = disk.kind == 'i';
  for (int64_t i = 0; i < n; ++i, p += disk.size) {
    if (disk.size == 1) {
      out[i] = is_signed ? static_cast<int8_t>(*p) : *p;
    } else if (disk.size == 2) {
      const auto v = load_bytes<uint16_t>(p, disk.swap);
      out[i] = is_signed ? static_cast<int16_t>(v) : v;
    } else {  // uint32
      out[i] = static_cast<Out>(load_bytes<uint32_t>(p, disk.swap));
    }
  }
}

}  // namespace

Tensor read_npy(ByteSource& source) {
  const NpyHeader header = read_npy_header(source);
  const DiskType disk = parse_descr(header.descr);
  const Shape shape(header.shape);
  NABLA_CHECK(header.shape.size() <= kMaxRank, IOError, "shape has ", header.shape.size(),
              " dimensions, more than ", kMaxRank);
  // Zero dimensions are skipped in the overflow check: strides of [0, 2^62, 4] overflow too.
  int64_t extent = 1;
  for (int64_t d : header.shape) {
    NABLA_CHECK(!__builtin_mul_overflow(extent, std::max<int64_t>(d, 1), &extent), IOError,
                "shape ", shape, " has more elements than int64 can count");
  }
  const int64_t numel = shape.numel();
  uint64_t bytes = 0;
  NABLA_CHECK(!__builtin_mul_overflow(static_cast<uint64_t>(numel), disk.size, &bytes), IOError,
              "shape ", shape, " is too large");
  NABLA_CHECK(bytes <= source.remaining(), IOError, "truncated data: shape ", shape, " of '",
              header.descr, "' needs ", bytes, " bytes, only ", source.remaining(), " remain");
  NABLA_CHECK(bytes == source.remaining(), IOError, source.remaining() - bytes,
              " unexpected bytes after the data of shape ", shape, " of '", header.descr, "'");

  // Fortran order is C order of the reversed shape, transposed back.
  std::vector<int64_t> file_dims = header.shape;
  if (header.fortran_order) std::reverse(file_dims.begin(), file_dims.end());
  Tensor t = Tensor::empty(Shape(std::move(file_dims)), disk.dtype);
  if (numel > 0 && disk.size == dtype_size(disk.dtype)) {
    source.read(t.data_ptr(), bytes);
    if (disk.swap) {
      swap_in_place(t.data_ptr(), disk.swap_unit(),
                    numel * static_cast<int64_t>(disk.size / disk.swap_unit()));
    }
    if (disk.dtype == DType::Bool) {  // any nonzero byte is True; a C++ bool must be 0 or 1
      auto* p = static_cast<unsigned char*>(t.data_ptr());
      for (int64_t i = 0; i < numel; ++i) p[i] = p[i] != 0 ? 1 : 0;
    }
  } else if (numel > 0) {
    std::vector<unsigned char> raw(bytes);
    source.read(raw.data(), bytes);
    if (disk.dtype == DType::Int32) {
      widen(raw, disk, t.data<int32_t>(), numel);
    } else {
      widen(raw, disk, t.data<int64_t>(), numel);
    }
  }
  if (header.fortran_order && t.ndim() > 1) t = t.transpose().contiguous();
  return t;
}

Tensor contiguous_for_writing(const Tensor& t, std::string_view op) {
  NABLA_CHECK(t.defined(), ValueError, op, ": the tensor is undefined");
  NABLA_CHECK(!t.is_symbolic() && t.storage() != nullptr, ValueError, op,
              ": a symbolic tensor has no data to save (shape ", t.shape(), ")");
  NABLA_CHECK(t.device().is_cpu(), DeviceError, op, ": the tensor is on ", t.device(),
              "; copy it to the CPU first");
  return t.contiguous();
}

}  // namespace nabla::io

namespace nabla {

void save_npy(const std::filesystem::path& path, const Tensor& t) {
  const Tensor data = io::contiguous_for_writing(t, "save_npy");
  const std::string header = io::format_npy_header(data.shape(), data.dtype());
  try {
    io::AtomicWriter out(path);
    out.write(header.data(), header.size());
    if (data.numel() > 0)
      out.write(data.data_ptr(), static_cast<size_t>(data.numel()) * data.itemsize());
    out.commit();
  } catch (const IOError& e) {
    throw IOError(detail::str_cat("save_npy: ", path, ": ", e.what()));
  }
}

Tensor load_npy(const std::filesystem::path& path) {
  try {
    const io::File file(path);
    io::FileSource source(file, 0, file.size());
    return io::read_npy(source);
  } catch (const IOError& e) {
    throw IOError(detail::str_cat("load_npy: ", path, ": ", e.what()));
  }
}

}  // namespace nabla
