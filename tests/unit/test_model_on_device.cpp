// Models on a device: Layer::to / compile({.device}) move the weights in place, and fit,
// evaluate and predict then copy each batch there one batch ahead and read losses, metrics and
// predictions back. On FakeCudaDevice (host memory posing as cuda:0, the CPU's kernels behind
// every op) a model trained "on the GPU" must give the CPU run's loss curve, metrics, weights and
// predictions exactly: any tensor left on the wrong device is a DeviceError, any batch copied
// twice or skipped changes the numbers.
#include <gtest/gtest.h>

#include "unit/fake_cuda_device.hpp"
#include "unit/nn_test_data.hpp"

namespace nabla {
namespace {

using nn_test::blobs;
using ModelOnFakeGpu = testing::FakeCudaDevice;

void expect_same(const std::vector<double>& got, const std::vector<double>& want,
                 const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], want[i]) << what << " [" << i << "]";
}

TEST_F(ModelOnFakeGpu, ToMovesEveryWeightInPlace) {
  auto model = nn::Sequential({nn::Input({4}), nn::Dense(3), nn::BatchNormalization()});
  const std::vector<Tensor> before = model.weights();
  const std::vector<double> kernel = before[0].to_vector<double>();
  model.to(kGpu);
  EXPECT_EQ(model.device(), kGpu);
  const std::vector<Tensor> after = model.weights();
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_TRUE(after[i].is_same(before[i])) << i;  // the same handles, now on the device
    EXPECT_EQ(after[i].device(), kGpu) << i;
  }
  EXPECT_TRUE(after[0].requires_grad());
  expect_same(after[0].cpu().to_vector<double>(), kernel, "kernel");
  model.to(Device::cpu());
  EXPECT_TRUE(model.weights()[0].device().is_cpu());
  expect_same(model.weights()[0].to_vector<double>(), kernel, "kernel back");
}

TEST_F(ModelOnFakeGpu, LayersBuiltAfterTheMoveAreCreatedOnTheDevice) {
  nn::Sequential model;
  model.to(kGpu);
  model.add(nn::Dense(5));
  const Tensor y = model(ones({2, 3}, float32, kGpu));  // builds the Dense layer
  EXPECT_EQ(y.device(), kGpu);
  for (const Tensor& w : model.weights()) EXPECT_EQ(w.device(), kGpu);
}

TEST_F(ModelOnFakeGpu, FitEvaluatePredictMatchTheCpuRunExactly) {
  auto [x, y] = blobs(300, 1);  // a partial last batch: a second trace
  auto [x_val, y_val] = blobs(100, 2);
  for (bool eager : {false, true}) {
    SCOPED_TRACE(eager ? "eager" : "graph");
    auto on_cpu = nn_test::stateful_mlp(eager);
    auto on_gpu = nn_test::stateful_mlp(eager, kGpu);
    for (const Tensor& w : on_gpu.weights()) ASSERT_EQ(w.device(), kGpu);
    const nn::FitOptions options{.batch_size = 64,
                                 .epochs = 3,
                                 .verbose = 0,
                                 .validation_data = {x_val, y_val},
                                 .class_weight = {{0, 1.0}, {1, 2.0}, {2, 0.5}}};
    random::seed(5);
    const History hc = on_cpu.fit(x, y, options);
    random::seed(5);
    const History hg = on_gpu.fit(x, y, options);
    for (const char* key : {"loss", "accuracy", "val_loss", "val_accuracy"}) {
      expect_same(hg[key], hc[key], key);
    }
    EXPECT_LT(hg["loss"].back(), hg["loss"].front());
    const std::vector<Tensor> wc = on_cpu.weights(), wg = on_gpu.weights();
    for (size_t k = 0; k < wc.size(); ++k) {
      EXPECT_EQ(wg[k].device(), kGpu);
      expect_same(wg[k].cpu().to_vector<double>(), wc[k].to_vector<double>(), "weight");
    }
    const auto rc = on_cpu.evaluate(x_val, y_val, {.batch_size = 32, .verbose = 0});
    const auto rg = on_gpu.evaluate(x_val, y_val, {.batch_size = 32, .verbose = 0});
    EXPECT_EQ(rg.at("loss"), rc.at("loss"));
    EXPECT_EQ(rg.at("accuracy"), rc.at("accuracy"));
    const Tensor pg = on_gpu.predict(x_val, {.batch_size = 32, .verbose = 0});
    EXPECT_TRUE(pg.device().is_cpu());  // Keras's predict returns host arrays
    expect_same(pg.to_vector<double>(),
                on_cpu.predict(x_val, {.batch_size = 32, .verbose = 0}).to_vector<double>(),
                "predict");
  }
}

// Device-to-host copies of a CUDA tensor, counted by wrapping the fake device's to_device kernel.
Kernel g_fake_to_device = nullptr;
int64_t g_device_reads = 0;
void counting_to_device(const KernelContext& ctx) {
  if (ctx.inputs[0].device().is_cuda() && ctx.outputs[0].device().is_cpu()) ++g_device_reads;
  g_fake_to_device(ctx);
}

// A step must not wait for the device: without a callback reading batch logs, fit() and
// evaluate() read the running loss and metrics back once per epoch (DeferredSum), however many
// batches there are.
TEST_F(ModelOnFakeGpu, LossesAndMetricsAreReadOncePerEpochNotPerBatch) {
  KernelTable& table = KernelTable::global();
  g_fake_to_device = table.find("to_device", DeviceKind::CUDA);
  table.add("to_device", DeviceKind::CUDA, &counting_to_device);
  testing::fake_cuda_detail::clear_cached_kernels();
  auto reads_for = [&](int64_t samples, bool eager) {
    auto [x, y] = blobs(samples, 1);
    auto model = nn_test::stateful_mlp(eager, kGpu);
    g_device_reads = 0;
    (void)model.fit(x, y, {.batch_size = 16, .epochs = 2, .verbose = 0});
    (void)model.evaluate(x, y, {.batch_size = 16, .verbose = 0});
    return g_device_reads;
  };
  for (bool eager : {false, true}) {
    SCOPED_TRACE(eager ? "eager" : "graph");
    const int64_t few = reads_for(64, eager), many = reads_for(256, eager);  // 4 or 16 batches
    EXPECT_EQ(few, many);
    EXPECT_GE(few, 2);      // the counter sees the reads
    EXPECT_LE(few, 3 * 3);  // loss and accuracy's total and count, per epoch and for evaluate
  }
}

TEST_F(ModelOnFakeGpu, OnBatchCallsTakeHostOrDeviceData) {
  auto [x, y] = blobs(64, 3);
  auto on_cpu = nn_test::stateful_mlp(false);
  auto on_gpu = nn_test::stateful_mlp(false, kGpu);
  random::seed(6);
  const double want = on_cpu.train_on_batch(x, y).at("loss");
  random::seed(6);
  EXPECT_EQ(on_gpu.train_on_batch(x, y).at("loss"), want);  // host data, copied over
  random::seed(7);
  const double again = on_cpu.train_on_batch(x, y).at("loss");
  random::seed(7);
  EXPECT_EQ(on_gpu.train_on_batch(x.cuda(), y.cuda()).at("loss"), again);  // already there
  EXPECT_EQ(on_gpu.test_on_batch(x, y).at("loss"), on_cpu.test_on_batch(x, y).at("loss"));
}

TEST_F(ModelOnFakeGpu, DataOnTheWrongDeviceForADirectCallNamesTheOp) {
  auto model = nn::Sequential({nn::Input({4}), nn::Dense(3)});
  model.to(kGpu);
  try {
    (void)model(ones({2, 4}));  // a CPU batch into a model on the device
    FAIL() << "expected a DeviceError";
  } catch (const DeviceError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("different devices"), std::string::npos) << message;
    EXPECT_NE(message.find("cuda:0"), std::string::npos) << message;
  }
}

/// The fake device with the real CUDA backend's kernel set: a training path that reaches an op
/// the backend lacks fails here as it would on the GPU.
class ModelOnFakeGpuWithCudaKernels : public testing::FakeCudaDevice {
 protected:
  void SetUp() override {
    if (!cuda::is_built()) GTEST_SKIP() << "built without CUDA: there is no CUDA kernel set";
    FakeCudaDevice::SetUp();
  }
  [[nodiscard]] bool only_real_cuda_ops() const override { return true; }
};

TEST_F(ModelOnFakeGpuWithCudaKernels, AnMlpTrainsWithTheOpsTheCudaBackendHas) {
  auto [x, y] = blobs(256, 4);
  for (bool eager : {false, true}) {
    SCOPED_TRACE(eager ? "eager" : "graph");
    random::seed(9);
    auto model = nn::Sequential({nn::Input({8}), nn::Dense(64, {.activation = "relu"}),
                                 nn::Dense(64, {.activation = "relu"}), nn::Dense(3)});
    model.compile({.optimizer = "adam",
                   .loss = nn::losses::SparseCategoricalCrossentropy({.from_logits = true}),
                   .metrics = {"accuracy"},
                   .run_eagerly = eager,
                   .device = kGpu});
    const History h = model.fit(x, y, {.batch_size = 32, .epochs = 3, .verbose = 0});
    EXPECT_LT(h["loss"].back(), h["loss"].front());
    EXPECT_EQ(model.predict(x, {.verbose = 0}).shape(), (Shape{256, 3}));
  }
}

}  // namespace
}  // namespace nabla
