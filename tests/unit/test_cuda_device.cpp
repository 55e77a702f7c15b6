// The CUDA backend's devices (include/nabla/cuda.hpp): what a build without CUDA, or a machine
// without a GPU, reports, and the DeviceError that allocating there gives. With a GPU visible
// (the H200 machine) the same tests check that allocation works instead.
#include <gtest/gtest.h>

#include <string>

#include "nabla/cuda.hpp"
#include "nabla/nabla.hpp"

namespace nabla {
namespace {

std::string error_of(Device device) {
  try {
    (void)Storage::allocate(256, device);
  } catch (const DeviceError& e) {
    return e.what();
  }
  return "";
}

TEST(CudaDevice, CountAndReasonAgree) {
  EXPECT_GE(cuda::device_count(), 0);
  EXPECT_EQ(cuda::is_available(), cuda::device_count() > 0);
  EXPECT_EQ(cuda::unavailable_reason().empty(), cuda::is_available());
  if (!cuda::is_built()) {
    EXPECT_EQ(cuda::device_count(), 0);
    EXPECT_NE(cuda::unavailable_reason().find("built without"), std::string::npos);
  }
}

TEST(CudaDevice, AllocatingWithoutAVisibleDeviceIsAClearError) {
  if (cuda::is_available()) GTEST_SKIP() << "a CUDA device is visible: allocation is tested below";
  const std::string message = error_of(Device::cuda(0));
  ASSERT_FALSE(message.empty());
  EXPECT_NE(message.find("cuda:0"), std::string::npos) << message;
  if (cuda::is_built()) {
    // The runtime's own reason, not a missing backend.
    EXPECT_NE(message.find("no CUDA device is visible (" + cuda::unavailable_reason() + ")"),
              std::string::npos)
        << message;
  }
}

TEST(CudaDevice, AnIndexPastTheLastDeviceIsAClearError) {
  const std::string message = error_of(Device::cuda(99));
  ASSERT_FALSE(message.empty());
  EXPECT_NE(message.find("cuda:99"), std::string::npos) << message;
}

TEST(CudaDevice, AllocatesOnAVisibleDevice) {
  if (!cuda::is_available()) {
    GTEST_SKIP() << "no CUDA device is visible (" << cuda::unavailable_reason() << ")";
  }
  const auto storage = Storage::allocate(1 << 20, Device::cuda(0));
  EXPECT_NE(storage->data(), nullptr);
  EXPECT_EQ(storage->device(), Device::cuda(0));
  EXPECT_EQ(storage->bytes(), size_t{1} << 20);
}

}  // namespace
}  // namespace nabla

namespace nabla {
namespace {

TEST(CudaDevice, EventsAndSynchronisationWithoutAVisibleDeviceAreClearErrors) {
  if (cuda::is_available()) GTEST_SKIP() << "a CUDA device is visible: CudaTensor tests them";
  EXPECT_THROW(cuda::Event{}, DeviceError);
  EXPECT_THROW(cuda::synchronize(0), DeviceError);
  EXPECT_NO_THROW(cuda::synchronize());  // every visible device: none
}

TEST(CudaDevice, Tf32IsOffUntilSwitchedOn) {
  EXPECT_FALSE(cuda::allow_tf32());
  cuda::set_allow_tf32(true);
  EXPECT_TRUE(cuda::allow_tf32());
  cuda::set_allow_tf32(false);
  EXPECT_FALSE(cuda::allow_tf32());
}

}  // namespace
}  // namespace nabla
