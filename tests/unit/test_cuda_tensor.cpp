// The CUDA backend on a real GPU: copies both ways (small ones directly, large ones through
// pinned staging), events and synchronisation, the TF32 switch, and a short training run on the
// device against the same run on the CPU. Skipped where no GPU is visible (CI, and machines with
// the toolkit but no device); the placement logic itself is tested everywhere on
// FakeCudaDevice (test_device_placement.cpp, test_model_on_device.cpp).
#include <gtest/gtest.h>

#include "nabla/cuda.hpp"
#include "nabla/nabla.hpp"
#include "unit/nn_test_data.hpp"

namespace nabla {
namespace {

class CudaTensor : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!cuda::is_available()) {
      GTEST_SKIP() << "no CUDA device is visible (" << cuda::unavailable_reason() << ")";
    }
  }
};

TEST_F(CudaTensor, SmallAndStagedCopiesRoundTripExactly) {
  for (int64_t n : {int64_t{7}, int64_t{1} << 20, int64_t{3} << 20}) {  // 28 B to 12 MiB
    const Tensor x = random::normal({n});
    const Tensor back = x.cuda().cpu();
    EXPECT_EQ(back.to_vector<float>(), x.to_vector<float>()) << n;
  }
}

TEST_F(CudaTensor, StagedCopiesMayBeQueuedBackToBack) {
  // More copies in flight than staging buffers: each waits for its buffer, none is overwritten.
  std::vector<Tensor> hosts, devices;
  for (int k = 0; k < 10; ++k) {
    hosts.push_back(full({1 << 19}, static_cast<double>(k), float32));
    devices.push_back(hosts.back().cuda());
  }
  for (int k = 0; k < 10; ++k) {
    EXPECT_EQ(devices[k].cpu().to_vector<float>(), hosts[k].to_vector<float>()) << k;
  }
}

TEST_F(CudaTensor, EventsTimeQueuedWork) {
  cuda::Event start, end;
  start.record();
  const Tensor a = random::normal({1024, 1024}).cuda();
  const Tensor c = matmul(a, a);
  end.record();
  end.synchronize();
  EXPECT_TRUE(end.done());
  EXPECT_GE(start.elapsed_ms(end), 0.0f);
  cuda::synchronize();
  EXPECT_EQ(c.device(), Device::cuda(0));
}

TEST_F(CudaTensor, Tf32IsOffByDefaultAndChangesFloat32Products) {
  EXPECT_FALSE(cuda::allow_tf32());
  random::seed(3);
  const Tensor a = random::normal({256, 256}), b = random::normal({256, 256});
  const Tensor want = matmul(a.astype(float64), b.astype(float64));
  const double exact =
      max(abs(matmul(a.cuda(), b.cuda()).cpu().astype(float64) - want)).item<double>();
  cuda::set_allow_tf32(true);
  const double tf32 =
      max(abs(matmul(a.cuda(), b.cuda()).cpu().astype(float64) - want)).item<double>();
  cuda::set_allow_tf32(false);
  EXPECT_LT(exact, 1e-3);
  EXPECT_GT(tf32, exact);  // 10-bit mantissas: visibly less accurate
}

TEST_F(CudaTensor, ShortTrainingOnTheGpuMatchesTheCpu) {
  auto [x, y] = nn_test::blobs(256, 1);
  auto train = [&](std::optional<Device> device) {
    random::seed(4);
    auto model = nn::Sequential({nn::Input({8}), nn::Dense(32, {.activation = "relu"}),
                                 nn::Dense(3, {.activation = "softmax"})});
    model.compile({.optimizer = "adam",
                   .loss = "sparse_categorical_crossentropy",
                   .metrics = {"accuracy"},
                   .device = device});
    random::seed(5);
    return model.fit(x, y, {.batch_size = 32, .epochs = 5, .verbose = 0});
  };
  const History cpu = train(std::nullopt);
  const History gpu = train(Device::cuda(0));
  ASSERT_EQ(gpu["loss"].size(), cpu["loss"].size());
  for (size_t e = 0; e < cpu["loss"].size(); ++e) {
    EXPECT_NEAR(gpu["loss"][e], cpu["loss"][e], 1e-4 * (1 + cpu["loss"][e])) << e;
  }
  EXPECT_GT(gpu["accuracy"].back(), 0.9);
}

}  // namespace
}  // namespace nabla
