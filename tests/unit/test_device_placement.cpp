// Placement across devices: Tensor::to / cpu() / cuda(), where results live, gradients that
// cross devices, and the clear errors for mixing devices or reading device memory on the host.
// On a machine without a GPU these run on FakeCudaDevice (host memory posing as cuda:0, CPU
// kernels behind every op), which tests all of this logic; the real device's copies are tested
// in test_cuda_tensor.cpp where a GPU is visible.
#include <gtest/gtest.h>

#include <string>

#include "unit/fake_cuda_device.hpp"

namespace nabla {
namespace {

using testing::FakeCudaDevice;

std::string device_error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const DeviceError& e) {
    return e.what();
  }
  return "";
}

TEST(DevicePlacement, ToTheSameDeviceIsTheTensorItself) {
  const Tensor x = tensor({1.f, 2.f, 3.f});
  EXPECT_TRUE(x.to(Device::cpu()).is_same(x));
  EXPECT_TRUE(x.cpu().is_same(x));
}

TEST(DevicePlacement, ToAGpuWithoutOneIsAClearError) {
  if (cuda::is_available()) GTEST_SKIP() << "a CUDA device is visible";
  const std::string message = device_error_of([] { (void)tensor({1.f, 2.f}).cuda(); });
  ASSERT_FALSE(message.empty());
  EXPECT_NE(message.find("cuda:0"), std::string::npos) << message;
}

using DevicePlacementOnFakeGpu = FakeCudaDevice;

TEST_F(DevicePlacementOnFakeGpu, RoundTripCopiesIntoNewMemoryOnEachDevice) {
  const Tensor x = arange(0, 12, 1, float32).reshape({3, 4});
  const Tensor g = x.cuda();
  EXPECT_EQ(g.device(), kGpu);
  EXPECT_EQ(g.storage()->device(), kGpu);
  EXPECT_FALSE(g.shares_storage(x));
  EXPECT_TRUE(g.to(kGpu).is_same(g));
  const Tensor back = g.cpu();
  EXPECT_TRUE(back.device().is_cpu());
  EXPECT_EQ(back.to_vector<float>(), x.to_vector<float>());
  EXPECT_EQ(back.shape(), x.shape());
}

TEST_F(DevicePlacementOnFakeGpu, NonContiguousTensorsArriveInRowMajorOrder) {
  const Tensor x = arange(0, 12, 1, int64).reshape({3, 4});
  const Tensor xt = x.transpose();
  EXPECT_EQ(xt.cuda().cpu().to_vector<int64_t>(), xt.contiguous().to_vector<int64_t>());
  const Tensor gt = x.cuda().transpose();  // a strided view on the device
  EXPECT_EQ(gt.cpu().to_vector<int64_t>(), xt.contiguous().to_vector<int64_t>());
}

TEST_F(DevicePlacementOnFakeGpu, OpsOnDeviceTensorsGiveDeviceTensors) {
  const Tensor a = tensor({1.f, 2.f, 3.f}).cuda();
  const Tensor b = tensor({10.f, 20.f, 30.f}).cuda();
  const Tensor c = a * b + a;
  EXPECT_EQ(c.device(), kGpu);
  EXPECT_EQ(c.cpu().to_vector<float>(), (std::vector<float>{11.f, 42.f, 93.f}));
  EXPECT_EQ(zeros({2}, float32, kGpu).device(), kGpu);
  EXPECT_EQ(sum(c).device(), kGpu);
}

TEST_F(DevicePlacementOnFakeGpu, MixingDevicesInOneOpNamesTheOpAndBothDevices) {
  const Tensor a = tensor({1.f, 2.f}).cuda();
  const Tensor b = tensor({1.f, 2.f});
  const std::string message = device_error_of([&] { (void)(a + b); });
  EXPECT_NE(message.find("add"), std::string::npos) << message;
  EXPECT_NE(message.find("cuda:0"), std::string::npos) << message;
  EXPECT_NE(message.find("cpu"), std::string::npos) << message;
}

TEST_F(DevicePlacementOnFakeGpu, HostReadsOfDeviceMemoryAreAClearError) {
  const Tensor a = tensor({1.f, 2.f}).cuda();
  EXPECT_THROW((void)a.data<float>(), DeviceError);
  EXPECT_THROW((void)a.to_vector<float>(), DeviceError);
  EXPECT_THROW((void)sum(a).item<float>(), DeviceError);
  EXPECT_FLOAT_EQ(sum(a).cpu().item<float>(), 3.f);
}

TEST_F(DevicePlacementOnFakeGpu, GradientsFlowBackAcrossTheCopy) {
  const Tensor x = tensor({1.0, 2.0, 3.0}).requires_grad_();
  const Tensor y = (x.cuda() * x.cuda()).cpu();  // computed on the device, read on the host
  EXPECT_EQ(y.grad_fn_name(), "to_device");
  sum(y).backward();
  ASSERT_TRUE(x.grad().defined());
  EXPECT_TRUE(x.grad().device().is_cpu());
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{2.0, 4.0, 6.0}));
}

TEST_F(DevicePlacementOnFakeGpu, LeavesOnTheDeviceGetGradientsOnTheDevice) {
  const Tensor w = tensor({0.5f, -1.f}).cuda().requires_grad_();
  const Tensor x = tensor({2.f, 3.f});
  const Tensor loss = sum(w * x.cuda());
  loss.backward();
  EXPECT_EQ(w.grad().device(), kGpu);
  EXPECT_EQ(w.grad().cpu().to_vector<float>(), (std::vector<float>{2.f, 3.f}));
}

TEST_F(DevicePlacementOnFakeGpu, CopiesAreTracedIntoGraphs) {
  const Tensor w = tensor({1.f, 2.f, 3.f}).cuda();
  auto f = function([w](const Tensor& x) { return (x.cuda() * w).cpu(); });
  const Tensor x = tensor({4.f, 5.f, 6.f});
  const Tensor got = f(x);
  EXPECT_TRUE(got.device().is_cpu());
  EXPECT_EQ(got.to_vector<float>(), (std::vector<float>{4.f, 10.f, 18.f}));
}

TEST_F(DevicePlacementOnFakeGpu, EveryBlockGoesBackToTheDevicesAllocator) {
  const int64_t live = allocator().live();
  {
    const Tensor g = ones({64, 64}, float32, kGpu);
    const Tensor h = (g + g).cpu();
    EXPECT_GT(allocator().live(), live);
  }
  EXPECT_EQ(allocator().live(), live);
}

}  // namespace
}  // namespace nabla
