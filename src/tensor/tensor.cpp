// The data-access half of Tensor (construction, element reads); the op half is in src/ops.
#include "nabla/tensor/tensor.hpp"

#include "nabla/tensor/strided_walk.hpp"

namespace nabla {

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  for (int64_t d : shape) {
    NABLA_CHECK(d >= 0, ValueError, "empty: negative dimension in shape ", shape);
  }
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = Storage::allocate(static_cast<size_t>(shape.numel()) * dtype_size(dtype), device);
  impl->layout = Layout(shape);
  impl->dtype = dtype;
  impl->device = device;
  return Tensor(std::move(impl));
}

Tensor Tensor::view_of(const Tensor& base, Layout layout) {
  const auto [low, high] = layout.storage_extent();
  const TensorImpl& b = base.impl();
  NABLA_ASSERT(
      b.storage == nullptr || layout.numel() == 0 ||
          (low >= 0 && static_cast<size_t>(high) * dtype_size(b.dtype) <= b.storage->bytes()),
      "view outside its storage");
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = b.storage;
  impl->is_view = true;
  impl->layout = std::move(layout);
  impl->dtype = b.dtype;
  impl->device = b.device;
  return Tensor(std::move(impl));
}

TensorImpl& Tensor::impl() const {
  NABLA_CHECK(impl_ != nullptr, ValueError, "operation on an undefined Tensor");
  return *impl_;
}

bool Tensor::shares_storage(const Tensor& other) const {
  return defined() && other.defined() && storage() != nullptr && storage() == other.storage();
}

uint64_t Tensor::version() const {
  const auto& s = impl().storage;
  return s == nullptr ? 0 : s->version();
}

void* Tensor::data_ptr() const {
  const TensorImpl& i = impl();
  NABLA_CHECK(i.storage != nullptr, ValueError, "data_ptr: a symbolic tensor has no data (shape ",
              shape(), ")");
  NABLA_CHECK(i.device.is_cpu(), DeviceError, "data_ptr: tensor is on ", i.device,
              "; copy it to the CPU first");
  return static_cast<char*>(i.storage->data()) +
         static_cast<ptrdiff_t>(i.layout.offset()) * static_cast<ptrdiff_t>(dtype_size(i.dtype));
}

void Tensor::check_element_type(DType requested) const {
  NABLA_CHECK(requested == dtype(), DTypeError, "data<", requested, ">: tensor has dtype ",
              dtype());
}

void Tensor::check_single_element() const {
  NABLA_CHECK(numel() == 1, ValueError,
              "item: only a one-element tensor converts to a scalar, got shape ", shape());
}

void Tensor::read_elements(DType as, void* out) const {
  NABLA_CHECK(!is_complex(dtype()) || is_complex(as), DTypeError, "item/to_vector: a ", dtype(),
              " tensor converts only to std::complex (ask for real(x), imag(x) or abs(x))");
  const char* base = static_cast<const char*>(data_ptr());
  visit_dtype_with_complex(dtype(), [&]<class Src>(Src) {
    visit_dtype_with_complex(as, [&]<class Dst>(Dst) {
      Dst* dst = static_cast<Dst*>(out);
      int64_t n = 0;
      walk_strided(layout(), [&](int64_t element) {
        dst[n++] = convert_element<Dst>(reinterpret_cast<const Src*>(base)[element - offset()]);
      });
    });
  });
}

}  // namespace nabla
