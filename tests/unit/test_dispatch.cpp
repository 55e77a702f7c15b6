// The single dispatch entry point: registry, kernel lookup, device checks, hooks.
#include <gtest/gtest.h>

#include <nabla/nabla.hpp>

#include "ops/dispatch.hpp"

namespace {
using namespace nabla;

TEST(Dispatch, EveryRegisteredOpHasACpuKernelOrIsAView) {
  const auto ops = OpRegistry::all();
  EXPECT_GT(ops.size(), 40u);
  for (const OpDef* op : ops) {
    ASSERT_NE(op->infer, nullptr) << op->name;
    if (op->view == nullptr) {
      EXPECT_NE(KernelTable::global().find(op->name, DeviceKind::CPU), nullptr) << op->name;
    }
  }
  EXPECT_NE(OpRegistry::find("add"), nullptr);
  EXPECT_EQ(OpRegistry::find("no_such_op"), nullptr);
}

// Every op has a CUDA kernel where the backend is built, so one is taken out for this test.
TEST(Dispatch, MissingDeviceKernelIsADeviceError) {
  const OpDef* qr = OpRegistry::find("linalg_qr");
  KernelTable& table = KernelTable::global();
  const Kernel saved = table.find("linalg_qr", DeviceKind::CUDA);
  auto& cached = qr->cached_kernels[static_cast<size_t>(DeviceKind::CUDA)];
  table.add("linalg_qr", DeviceKind::CUDA, nullptr);
  cached.store(nullptr);
  try {
    (void)qr->kernel(DeviceKind::CUDA);
    ADD_FAILURE() << "no error";
  } catch (const DeviceError& e) {
    EXPECT_STREQ(e.what(), "no CUDA kernel for 'linalg_qr'");
  }
  table.add("linalg_qr", DeviceKind::CUDA, saved);
  cached.store(nullptr);
}

TEST(Dispatch, CoreOpsRejectMixedDtypesThePublicApiPromotes) {
  const OpDef* add = OpRegistry::find("add");
  Tensor a = ones({2}, float32), b = ones({2}, int32);
  EXPECT_THROW((void)dispatch1(*add, {a, b}), DTypeError);
  EXPECT_EQ((a + b).dtype(), float64);
}

// A gradient hook sees every op whose input requires grad, after the kernel ran.
int recorded = 0;
void count_recording(const OpDef&, std::span<const Tensor>, const Attrs&, std::span<Tensor> out) {
  ++recorded;
  EXPECT_EQ(out.size(), 1u);
}

TEST(Dispatch, GradientHookRunsOnlyForInputsThatRequireGrad) {
  const auto previous = dispatch_hooks().record_gradient;  // autograd's, once it is installed
  dispatch_hooks().record_gradient = &count_recording;
  Tensor a = ones({2});
  Tensor b = ones({2});
  (void)(a + b);
  EXPECT_EQ(recorded, 0);
  a.impl().requires_grad = true;
  (void)(a + b);
  EXPECT_EQ(recorded, 1);
  dispatch_hooks().record_gradient = previous;
}

TEST(Dispatch, SymbolicInputsWithoutAGraphModuleAreAClearError) {
  auto impl = std::make_shared<TensorImpl>();
  impl->layout = Layout(Shape{2, 3});
  impl->symbolic =
      std::shared_ptr<SymbolicValue>(reinterpret_cast<SymbolicValue*>(new int(0)),
                                     [](SymbolicValue* p) { delete reinterpret_cast<int*>(p); });
  Tensor symbolic(impl);
  EXPECT_THROW((void)(symbolic + 1.0f), ValueError);
}

TEST(Dispatch, ErrorMessagesNameTheOpAndShapes) {
  try {
    (void)(ones({2, 3}) + ones({4, 3}));
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_STREQ(e.what(), "add: shapes cannot be broadcast together: [2, 3] vs [4, 3]");
  }
  try {
    (void)neg(ones({2}, bool_));
    FAIL();
  } catch (const DTypeError& e) {
    EXPECT_NE(std::string(e.what()).find("neg:"), std::string::npos);
  }
}

}  // namespace
