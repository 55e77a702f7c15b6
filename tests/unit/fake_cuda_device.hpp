// FakeCudaDevice: a test fixture that makes Device::cuda(0) exist on a machine without a GPU,
// so that everything above the kernels (placement, Tensor::to, gradients across devices, the
// mixing-devices errors, Model::to and fit on a device) is tested in CI. "Device memory" is
// host memory from a plain allocator, and every op's CUDA kernel is its CPU kernel, called on
// CPU views of the same memory. Only the real GPU tests (skipped without one) check CUDA kernels.
//
// Skipped where a real GPU is visible: the fixture replaces the CUDA allocator and kernels
// process-wide, and the real ones are what must be tested there.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <memory>
#include <utility>

#include "backend/kernel_table.hpp"
#include "nabla/cuda.hpp"
#include "nabla/nabla.hpp"
#include "ops/op.hpp"

namespace nabla::testing {

class HostMemoryAllocator final : public Allocator {
 public:
  void* allocate(size_t bytes, Device) override {
    if (bytes == 0) return nullptr;
    void* p = std::aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (p == nullptr) throw std::bad_alloc();
    ++live_;
    return p;
  }
  void deallocate(void* data, size_t, Device) noexcept override {
    if (data == nullptr) return;
    --live_;
    std::free(data);
  }
  [[nodiscard]] int64_t live() const { return live_; }

 private:
  int64_t live_ = 0;
};

namespace fake_cuda_detail {

inline constexpr size_t kMaxOps = 512;
inline std::array<Kernel, kMaxOps>& cpu_kernels() {
  static std::array<Kernel, kMaxOps> kernels{};
  return kernels;
}

/// The same tensor seen as a CPU tensor (shared storage and layout), which CPU kernels accept.
inline Tensor on_host(const Tensor& t) {
  if (!t.defined()) return t;
  auto impl = std::make_shared<TensorImpl>(t.impl());
  impl->device = Device::cpu();
  return Tensor(std::move(impl));
}

template <size_t I>
void run_cpu_kernel(const KernelContext& ctx) {
  std::vector<Tensor> inputs, outputs;
  for (const Tensor& t : ctx.inputs) inputs.push_back(on_host(t));
  for (const Tensor& t : ctx.outputs) outputs.push_back(on_host(t));
  cpu_kernels()[I](KernelContext{inputs, outputs, ctx.attrs});
}

template <size_t... I>
constexpr std::array<Kernel, sizeof...(I)> trampolines(std::index_sequence<I...>) {
  return {&run_cpu_kernel<I>...};
}

inline void clear_cached_kernels() {
  for (const OpDef* op : OpRegistry::all()) {
    op->cached_kernels[static_cast<size_t>(DeviceKind::CUDA)].store(nullptr);
  }
}

}  // namespace fake_cuda_detail

class FakeCudaDevice : public ::testing::Test {
 protected:
  void SetUp() override {
    if (cuda::is_available()) {
      GTEST_SKIP() << "a real CUDA device is visible: the GPU tests run instead of the fake one";
    }
    try {
      previous_allocator_ = &allocator_for(DeviceKind::CUDA);
    } catch (const DeviceError&) {
      previous_allocator_ = nullptr;  // built without CUDA
    }
    register_allocator(DeviceKind::CUDA, &allocator());
    namespace d = fake_cuda_detail;
    static const auto kernels = d::trampolines(std::make_index_sequence<d::kMaxOps>());
    KernelTable& table = KernelTable::global();
    size_t i = 0;
    for (const OpDef* op : OpRegistry::all()) {
      const Kernel cpu = table.find(op->name, DeviceKind::CPU);
      const Kernel real = table.find(op->name, DeviceKind::CUDA);
      saved_.emplace_back(op, real);
      if (cpu == nullptr || (only_real_cuda_ops() && real == nullptr)) continue;
      ASSERT_LT(i, d::kMaxOps);
      d::cpu_kernels()[i] = cpu;
      table.add(op->name, DeviceKind::CUDA, kernels[i++]);
    }
    d::clear_cached_kernels();
    installed_ = true;
  }

  void TearDown() override {
    if (!installed_) return;
    KernelTable& table = KernelTable::global();
    for (const auto& [op, kernel] : saved_) table.add(op->name, DeviceKind::CUDA, kernel);
    fake_cuda_detail::clear_cached_kernels();
    register_allocator(DeviceKind::CUDA, previous_allocator_);
  }

  /// True: only the ops the CUDA backend has a kernel for run on the fake device (the others
  /// are "no CUDA kernel" errors, as on a real GPU), which tests that a code path needs no
  /// other op. False (the default): every op runs.
  [[nodiscard]] virtual bool only_real_cuda_ops() const { return false; }

  /// Outlives every test: tensors freed later still return their memory to it.
  static HostMemoryAllocator& allocator() {
    static auto* instance = new HostMemoryAllocator;
    return *instance;
  }

  static constexpr Device kGpu = Device::cuda(0);

 private:
  Allocator* previous_allocator_ = nullptr;
  std::vector<std::pair<const OpDef*, Kernel>> saved_;
  bool installed_ = false;
};

}  // namespace nabla::testing
