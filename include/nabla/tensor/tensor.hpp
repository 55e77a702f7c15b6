// Tensor: a cheap shared handle to a TensorImpl (storage + layout + dtype + device + autograd
// slot). Copying a Tensor aliases; clone() copies. Methods that compute are defined by the ops
// module (src/ops/tensor_methods.cpp) and go through the single dispatch entry point.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "nabla/tensor/device.hpp"
#include "nabla/tensor/dtype.hpp"
#include "nabla/tensor/layout.hpp"
#include "nabla/tensor/scalar.hpp"
#include "nabla/tensor/shape.hpp"
#include "nabla/tensor/storage.hpp"

namespace nabla {

struct AutogradMeta;   // defined by autograd/: the gradient, or the node that produced the tensor
struct SymbolicValue;  // defined by graph/ (Functional API, tracing): the node that makes it

/// The state behind a Tensor handle. A concrete tensor has storage; a symbolic one (Functional
/// API input, traced value) has a shape and dtype but no storage, and carries `symbolic`.
struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Layout layout;
  DType dtype = DType::Float32;
  Device device;
  bool requires_grad = false;
  bool is_view = false;  // made by a view op: shares its storage with the tensor it views
  std::shared_ptr<AutogradMeta> autograd;
  std::shared_ptr<SymbolicValue> symbolic;
  /// Keras's `_keras_mask`: which steps of a sequence are real (true) and which are padding,
  /// attached by the nn module's masking layers (Embedding(mask_zero), Masking) and read by the
  /// layers that honour it (RNNs). Ops neither read nor propagate it.
  std::shared_ptr<TensorImpl> keras_mask;
};

class Tensor {
 public:
  Tensor() = default;  // an undefined tensor; most calls on it throw ValueError
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  /// Uninitialised contiguous tensor.
  [[nodiscard]] static Tensor empty(const Shape& shape, DType dtype = float32,
                                    Device device = Device::cpu());
  /// A view sharing `base`'s storage with another layout (no bounds beyond the storage allowed).
  [[nodiscard]] static Tensor view_of(const Tensor& base, Layout layout);

  [[nodiscard]] bool defined() const { return impl_ != nullptr; }
  [[nodiscard]] const Shape& shape() const { return impl().layout.shape(); }
  [[nodiscard]] DType dtype() const { return impl().dtype; }
  [[nodiscard]] Device device() const { return impl().device; }
  [[nodiscard]] int64_t ndim() const { return shape().rank(); }
  [[nodiscard]] int64_t numel() const { return shape().numel(); }
  /// Extent of `axis` (negative counts from the end).
  [[nodiscard]] int64_t size(int64_t axis) const { return shape().at(axis); }
  [[nodiscard]] const Layout& layout() const { return impl().layout; }
  [[nodiscard]] const std::vector<int64_t>& strides() const { return layout().strides(); }
  [[nodiscard]] int64_t offset() const { return layout().offset(); }
  [[nodiscard]] bool is_contiguous() const { return layout().is_contiguous(); }
  [[nodiscard]] bool is_symbolic() const { return impl().symbolic != nullptr; }
  [[nodiscard]] bool requires_grad() const { return impl().requires_grad; }
  [[nodiscard]] size_t itemsize() const { return dtype_size(dtype()); }
  [[nodiscard]] const std::shared_ptr<Storage>& storage() const { return impl().storage; }
  /// True when both handles share one TensorImpl.
  [[nodiscard]] bool is_same(const Tensor& other) const { return impl_ == other.impl_; }
  /// True when both tensors view the same storage.
  [[nodiscard]] bool shares_storage(const Tensor& other) const;

  /// Address of element [0, ..., 0]; CPU only.
  [[nodiscard]] void* data_ptr() const;
  /// Typed address of element [0, ..., 0]; DTypeError unless T matches dtype().
  template <Element T>
  [[nodiscard]] T* data() const {
    check_element_type(dtype_of<T>);
    return static_cast<T*>(data_ptr());
  }
  /// The single element of a one-element tensor, converted to T.
  template <Element T>
  [[nodiscard]] T item() const {
    check_single_element();
    T value{};
    read_elements(dtype_of<T>, &value);
    return value;
  }
  /// All elements in row-major order, converted to T.
  template <Element T>
  [[nodiscard]] std::vector<T> to_vector() const {
    if constexpr (std::is_same_v<T, bool>) {
      auto bytes = std::make_unique<bool[]>(static_cast<size_t>(numel()));
      read_elements(DType::Bool, bytes.get());
      return std::vector<bool>(bytes.get(), bytes.get() + numel());
    } else {
      std::vector<T> out(static_cast<size_t>(numel()));
      read_elements(dtype_of<T>, out.data());
      return out;
    }
  }

  // ---- Methods below are ops (defined in src/ops); views share storage. ----
  /// A copy with its own storage.
  [[nodiscard]] Tensor clone() const;
  /// This tensor when already contiguous, else a contiguous copy.
  [[nodiscard]] Tensor contiguous() const;
  /// Elements converted to `dtype` (a copy; this tensor when the dtype already matches). C++'s
  /// conversions: integers wrap around (int32 -1 -> uint8 255), floats truncate toward zero; a
  /// float outside the integer dtype's range (or NaN) is undefined, as NumPy's is arbitrary.
  [[nodiscard]] Tensor astype(DType dtype) const;
  /// This tensor's copy on `device`: itself when it is already there (as PyTorch's .to), else a
  /// new tensor. Differentiable: the gradient flows back to this tensor's device. A copy to the
  /// CPU waits for the device's queued work; a copy to a GPU is staged through pinned memory and
  /// returns before the GPU has it (later work on that GPU is queued after the copy).
  [[nodiscard]] Tensor to(Device device) const;
  /// to(Device::cpu()).
  [[nodiscard]] Tensor cpu() const;
  /// to(Device::cuda(index)).
  [[nodiscard]] Tensor cuda(int index = 0) const;
  /// Same data, new shape; one dimension may be -1. A view when contiguous, else a copy.
  [[nodiscard]] Tensor reshape(const Shape& shape) const;
  /// Reversed axes (NumPy's .T). A view.
  [[nodiscard]] Tensor transpose() const;
  /// Swaps two axes. A view.
  [[nodiscard]] Tensor transpose(int64_t axis0, int64_t axis1) const;
  /// Axes reordered: output axis i is input axis axes[i]. A view.
  [[nodiscard]] Tensor permute(const std::vector<int64_t>& axes) const;
  /// Elements start, start+step, ... before stop along `axis` (Python slice rules: negative
  /// indices count from the end, out-of-range bounds are clipped, step may be negative). A view.
  [[nodiscard]] Tensor slice(int64_t axis, int64_t start, int64_t stop, int64_t step = 1) const;
  /// Index `index` of axis 0, removing that axis (NumPy's a[i]). A view.
  [[nodiscard]] Tensor operator[](int64_t index) const;
  /// Index `index` along `axis`, removing the axis. A view.
  [[nodiscard]] Tensor select(int64_t axis, int64_t index) const;
  /// Broadcast to `shape` with stride-0 dimensions. A view.
  [[nodiscard]] Tensor expand(const Shape& shape) const;
  /// Removes all size-1 axes. A view.
  [[nodiscard]] Tensor squeeze() const;
  /// Removes `axis`, which must have size 1. A view.
  [[nodiscard]] Tensor squeeze(int64_t axis) const;
  /// Inserts a size-1 axis at `axis` (in the output's numbering). A view.
  [[nodiscard]] Tensor unsqueeze(int64_t axis) const;
  /// 1-D reshape.
  [[nodiscard]] Tensor flatten() const;

  // ---- Autodiff (defined by the autograd module; docs/autodiff.md) ----
  /// Makes this tensor a leaf whose gradient backward() accumulates into grad() (floating dtypes
  /// only). Returns *this, so `random::normal({3}).requires_grad_()` chains.
  Tensor& requires_grad_(bool requires_grad = true);
  /// Backpropagates from this tensor: d(this)/d(leaf) summed into each leaf's grad(). Without
  /// `grad_output` this tensor must have one element (the gradient is 1). The graph is freed
  /// afterwards unless `retain_graph`; `create_graph` records the backward pass itself, so the
  /// gradients can be differentiated again (Hessian-vector products, gradient penalties).
  void backward(const Tensor& grad_output = {}, bool retain_graph = false,
                bool create_graph = false) const;
  /// The gradient accumulated by backward(); an undefined tensor before the first backward.
  [[nodiscard]] Tensor grad() const;
  /// Sets grad() to zeros of this tensor's shape (a new tensor; gradients are never shared).
  void zero_grad() const;
  /// The same data without autograd history: a leaf that does not require grad.
  [[nodiscard]] Tensor detach() const;
  /// True for tensors not produced by a recorded op (user tensors and requires_grad_() leaves).
  [[nodiscard]] bool is_leaf() const;
  /// Name of the op that produced this tensor in the autograd graph ("" for leaves).
  [[nodiscard]] std::string grad_fn_name() const;
  /// How many in-place writes the underlying storage has seen (shared by all views).
  [[nodiscard]] uint64_t version() const;

  // In-place ops (PyTorch's trailing underscore): write into this tensor's memory, keeping its
  // dtype and shape (the other operand broadcasts to it). Refused on a leaf that requires grad
  // while grad mode is on (use NoGradGuard for optimiser updates).
  Tensor& add_(const Tensor& other);
  Tensor& add_(Scalar other);
  Tensor& sub_(const Tensor& other);
  Tensor& sub_(Scalar other);
  Tensor& mul_(const Tensor& other);
  Tensor& mul_(Scalar other);
  Tensor& div_(const Tensor& other);
  Tensor& div_(Scalar other);
  /// Copies `source` (broadcast, converted to this dtype) into this tensor.
  Tensor& copy_(const Tensor& source);
  Tensor& fill_(Scalar value);
  Tensor& zero_();

  /// The Keras mask attached to this tensor ([batch, steps] bool), or an undefined tensor.
  [[nodiscard]] Tensor keras_mask() const { return Tensor(impl().keras_mask); }
  /// Attaches (or, with an undefined tensor, removes) the Keras mask. Shared by all handles of
  /// this tensor, as Keras's attribute is.
  void set_keras_mask(const Tensor& mask) const { impl().keras_mask = mask.impl_; }

  [[nodiscard]] TensorImpl& impl() const;
  [[nodiscard]] const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

 private:
  void check_element_type(DType requested) const;
  void check_single_element() const;
  void read_elements(DType as, void* out) const;
  std::shared_ptr<TensorImpl> impl_;
};

/// NumPy-style repr: tensor([[1., 2.], [3., 4.]], dtype=float32), summarised beyond 1000 elements.
std::ostream& operator<<(std::ostream& out, const Tensor& t);

}  // namespace nabla
