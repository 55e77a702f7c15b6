// oneDNN (Debian's libdnnl) inside the CPU backend, when nabla is built with it (CMake finds
// libdnnl-dev; NABLA_ONEDNN=OFF builds without): the switch every oneDNN path checks, and its
// sgemm. Without oneDNN every function here declines and nabla's own kernels and OpenBLAS run.
#pragma once

#include <cstdint>

namespace nabla::cpu::onednn {

/// Whether float32 kernels may use oneDNN: true when built with it, unless the environment sets
/// NABLA_ONEDNN=0. Tests and benchmarks switch it to compare the two paths.
[[nodiscard]] bool enabled();
void set_enabled(bool on);

/// Whether 3x3 stride-1 float32 convolutions may use Winograd (convolution_onednn.cpp): true
/// unless the environment sets NABLA_CONV_WINOGRAD=0 (direct sums only, e.g. to compare with
/// another framework's direct convolution to the last bit).
[[nodiscard]] bool winograd_enabled();
void set_winograd_enabled(bool on);

/// How many times oneDNN ran a kernel in this process, and how many of those were Winograd
/// convolutions (tests check which path ran).
[[nodiscard]] uint64_t calls();
[[nodiscard]] uint64_t winograd_calls();
void count_call(bool winograd = false);

/// c = op(a) @ op(b) + beta * c, row-major, through oneDNN's sgemm when that is the faster one
/// for this product; false (nothing done) otherwise.
[[nodiscard]] bool sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
                         const float* a, int64_t lda, const float* b, int64_t ldb, float beta,
                         float* c, int64_t ldc);

}  // namespace nabla::cpu::onednn
