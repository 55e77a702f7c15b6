#include "backend/cpu/onednn.hpp"

#include <atomic>
#include <climits>
#include <cstdlib>
#include <string_view>

#ifdef NABLA_HAVE_ONEDNN
#include <dnnl.h>
#endif

namespace nabla::cpu::onednn {
namespace {

/// False when the environment variable is "0"; always false without oneDNN.
bool initially_enabled(const char* variable) {
#ifdef NABLA_HAVE_ONEDNN
  const char* env = std::getenv(variable);
  return env == nullptr || std::string_view(env) != "0";
#else
  (void)variable;
  return false;
#endif
}

std::atomic<bool>& switched_on() {
  static std::atomic<bool> on{initially_enabled("NABLA_ONEDNN")};
  return on;
}

std::atomic<bool>& winograd_on() {
  static std::atomic<bool> on{initially_enabled("NABLA_CONV_WINOGRAD")};
  return on;
}

// Below about 100^3 multiply-adds OpenBLAS's lower call cost wins (1 thread: a 128x10x128
// product takes 19 us in OpenBLAS, 27 us in oneDNN).
constexpr int64_t kMinWork = 1 << 20;

std::atomic<uint64_t> call_count{0}, winograd_count{0};

/// Without oneDNN the switches stay off whatever is asked.
void set_switch(std::atomic<bool>& flag, bool on) {
#ifdef NABLA_HAVE_ONEDNN
  flag.store(on, std::memory_order_relaxed);
#else
  (void)flag, (void)on;
  flag.store(false, std::memory_order_relaxed);
#endif
}

}  // namespace

uint64_t calls() { return call_count.load(std::memory_order_relaxed); }
uint64_t winograd_calls() { return winograd_count.load(std::memory_order_relaxed); }
void count_call(bool winograd) {
  call_count.fetch_add(1, std::memory_order_relaxed);
  if (winograd) winograd_count.fetch_add(1, std::memory_order_relaxed);
}

bool winograd_enabled() { return winograd_on().load(std::memory_order_relaxed); }

void set_winograd_enabled(bool on) { set_switch(winograd_on(), on); }

bool enabled() { return switched_on().load(std::memory_order_relaxed); }

void set_enabled(bool on) { set_switch(switched_on(), on); }

bool sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
           const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
#ifdef NABLA_HAVE_ONEDNN
  // Measured on the products of the mnist MLP and CNN steps, 2 threads (bench/RESULTS.md,
  // "matmul: oneDNN vs OpenBLAS"): oneDNN's sgemm is 10-50% faster when b is not transposed,
  // but up to 25% slower on a @ b^T, which stays with OpenBLAS.
  if (!enabled() || (trans_b && !trans_a) || m * n * k < kMinWork) return false;
  for (const int64_t v : {m, n, k, lda, ldb, ldc}) {
    if (v > INT_MAX) return false;
  }
  const dnnl_status_t status = dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, 1.0f,
                                          a, lda, b, ldb, beta, c, ldc);
  if (status != dnnl_success) return false;
  count_call();
  return true;
#else
  (void)trans_a, (void)trans_b, (void)m, (void)n, (void)k, (void)a, (void)lda, (void)b;
  (void)ldb, (void)beta, (void)c, (void)ldc;
  return false;
#endif
}

}  // namespace nabla::cpu::onednn
