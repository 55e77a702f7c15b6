// The API snippet, compiled against the installed nabla package.
#include <cstdio>
#include <filesystem>
#include <nabla/nabla.hpp>

int main() {
  using namespace nabla;
  Tensor a = tensor({{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}});  // float32 [2, 3]
  Tensor b = arange(0, 3).astype(float32);                // [0, 1, 2]
  Tensor c = a * b + 1.0f;                                // broadcasting
  Tensor s = sum(c, {1}, /*keepdims=*/true);              // [2, 1]
  Tensor m = matmul(a, transpose(a));                     // [2, 2]
  Tensor t = tensordot(a, a, {{1}, {1}});                 // [2, 2]
  Tensor e = einsum("ij,kj->ik", {a, a});                 // == m
  Tensor i = argmax(a, 1);                                // int64 [2]
  Tensor v = a.slice(1, 0, 3, 2);                         // columns 0 and 2, a view
  const auto path = std::filesystem::temp_directory_path() / "nabla_consumer_a.npy";
  save_npy(path, a);
  Tensor r = load_npy(path);
  float x = sum(a).item<float>();
  std::vector<float> xs = a.to_vector<float>();

  int failures = 0;
  auto check = [&](bool passed, const char* what) {
    if (!passed) std::printf("consumer: wrong %s\n", what), ++failures;
  };
  check(s.shape() == Shape{2, 1} && s.to_vector<float>() == std::vector<float>{11, 20}, "sum");
  check(m.to_vector<float>() == std::vector<float>{14, 32, 32, 77}, "matmul");
  check(t.to_vector<float>() == m.to_vector<float>(), "tensordot");
  check(e.to_vector<float>() == m.to_vector<float>(), "einsum");
  check(i.dtype() == int64 && i.to_vector<int64_t>() == std::vector<int64_t>{2, 2}, "argmax");
  check(v.to_vector<float>() == std::vector<float>{1, 3, 4, 6} && v.shares_storage(a), "slice");
  check(r.to_vector<float>() == xs && r.dtype() == float32, "npy round trip");
  check(x == 21.f, "item");
  std::filesystem::remove(path);
  if (failures == 0) std::printf("consumer: OK\n");
  return failures == 0 ? 0 : 1;
}
