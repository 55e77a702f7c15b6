// CUDA kernels of the fused recurrences (ops/recurrent.cpp): lstm_sequence, gru_sequence,
// simple_rnn_sequence and their backward sweeps, computing what the CPU kernels compute
// (backend/cpu/recurrent_*_kernels.cpp) with the same workspace layouts and contents, so that a
// workspace means the same on both backends.
//
// A sweep is, per step, one cuBLAS product and one elementwise kernel (recurrent_steps.hpp), all
// queued on the device's stream with no host synchronisation. Forward, step t's recurrent product
// h_{t-1} @ R (h_{t-1} read in place: h0, or the step's rows of the output h, T * U apart) goes
// straight into that step's workspace rows (into h for the simple RNN), where the step kernel
// adds the input projections and applies the gates in place. Backward, the step kernel turns the
// running state gradients into the step's pre-activation gradients and the product with R^T adds
// the part that reaches h_{t-1}; the recurrent kernel's gradient is one product over all rows
// and steps afterwards. The ops' inputs are the input projections of every step (the layers
// compute them with one matmul), so there is no input product here.
//
// Why not cuDNN's RNN API: its reserve space is its own opaque format, not the CPU's workspace,
// and it takes sequence lengths, not Keras's masks, which may mark any step as padding.
#ifdef NABLA_HAVE_CUDA
#include <cublas_v2.h>

#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "backend/cuda/cublas_handle.hpp"
#include "backend/cuda/cuda_context.hpp"
#include "backend/cuda/kernels.hpp"
#include "backend/cuda/recurrent_steps.hpp"
#include "nabla/cuda.hpp"

namespace nabla::cuda {
namespace {

using recurrent::GruBackwardStep;
using recurrent::GruForwardStep;
using recurrent::launch_column_sums;
using recurrent::launch_dense_copy;
using recurrent::launch_previous_states;
using recurrent::launch_step;
using recurrent::LstmBackwardStep;
using recurrent::LstmForwardStep;
using recurrent::SimpleBackwardStep;
using recurrent::SimpleForwardStep;

/// float32 products use TF32 tensor cores only when cuda::allow_tf32() says so, as matmul's
/// (contraction_kernels.cpp).
template <class T>
cublasComputeType_t compute_type() {
  if constexpr (std::is_same_v<T, float>) {
    return allow_tf32() ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
  } else {
    return CUBLAS_COMPUTE_64F;
  }
}

/// What the sweeps of one op call share: its device's stream and cuBLAS handle, row-major
/// products, and scratch memory (contiguous copies of strided inputs, the backward's buffers).
/// The scratch goes back to the caching allocator when the sweep ends, while kernels may still
/// use it: safe, since whatever reuses it is queued after them on the same stream.
template <class T>
class Sweep {
 public:
  Sweep(Device device, const char* op)
      : op_(op),
        device_(device),
        handle_(cublas_handle(device)),
        stream_(cuda::stream(device)),
        compute_(compute_type<T>()),
        gemm_what_(what("cublasGemmEx")) {}

  [[nodiscard]] cudaStream_t stream() const { return stream_; }

  /// c = op(a) @ op(b) + beta * c for row-major matrices, as the CPU's cpu::gemm: an m x n
  /// result, inner dimension k >= 1. Row-major c = a b is column-major c^T = b^T a^T, and a
  /// row-major matrix is, to cuBLAS, its transpose with the same leading dim: so b goes first
  /// and the transposes carry over unchanged. Host pointer mode: alpha and beta are read when
  /// the call is queued.
  void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda,
            const T* b, int64_t ldb, T beta, T* c, int64_t ldc) const {
    if (m == 0 || n == 0) return;
    constexpr cudaDataType type = std::is_same_v<T, float> ? CUDA_R_32F : CUDA_R_64F;
    const T one(1);
    check(cublasGemmEx_64(handle_, trans_b ? CUBLAS_OP_T : CUBLAS_OP_N,
                          trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, n, m, k, &one, b, type, ldb, a, type,
                          lda, &beta, c, type, ldc, compute_, CUBLAS_GEMM_DEFAULT),
          gemm_what_.c_str());
  }

  /// t's elements in row-major order: t's own memory when contiguous, else a copy in scratch.
  template <class E = T>
  [[nodiscard]] const E* dense(const Tensor& t) {
    if (t.is_contiguous()) return device_data<E>(t);
    void* copy = allocate(static_cast<size_t>(t.numel()) * t.itemsize());
    launch_dense_copy(t, copy, stream_);
    return static_cast<const E*>(copy);
  }

  /// The op's optional bool mask, its input `index`; nullptr when absent (every step is real).
  [[nodiscard]] const bool* mask(std::span<const Tensor> inputs, size_t index) {
    return inputs.size() > index ? dense<bool>(inputs[index]) : nullptr;
  }

  [[nodiscard]] T* scratch(int64_t count) {
    return static_cast<T*>(allocate(static_cast<size_t>(count) * sizeof(T)));
  }

  void zero(T* data, int64_t count) const {
    check(cudaMemsetAsync(data, 0, static_cast<size_t>(count) * sizeof(T), stream_),
          what("cudaMemsetAsync").c_str());
  }

  /// `rows` rows of `count` elements, `from_pitch` and `to_pitch` elements apart.
  void copy_rows(const T* from, int64_t from_pitch, T* to, int64_t to_pitch, int64_t rows,
                 int64_t count) const {
    constexpr auto size = static_cast<int64_t>(sizeof(T));
    check(
        cudaMemcpy2DAsync(to, static_cast<size_t>(to_pitch * size), from,
                          static_cast<size_t>(from_pitch * size), static_cast<size_t>(count * size),
                          static_cast<size_t>(rows), cudaMemcpyDeviceToDevice, stream_),
        what("cudaMemcpy2DAsync").c_str());
  }

  /// After the sweep's launches: a DeviceError naming the op if one failed.
  void check_launches() const { check_launch(op_); }

 private:
  [[nodiscard]] std::string what(const char* call) const { return std::string(op_) + ": " + call; }

  void* allocate(size_t bytes) {
    scratch_.emplace_back(bytes, device_);
    return scratch_.back().data();
  }

  const char* op_;
  Device device_;
  cublasHandle_t handle_;
  cudaStream_t stream_;
  cublasComputeType_t compute_;
  std::string gemm_what_;
  std::vector<Buffer> scratch_;
};

/// Step t's previous states as a row-major matrix for cuBLAS: h0 [B, U], or h[:, t - 1] (rows
/// T * U apart in h [B, T, U]).
template <class T>
struct PreviousStates {
  const T* data;
  int64_t ld;
};

template <class T>
PreviousStates<T> previous_states(const T* h0, const T* h, int64_t t, int64_t steps,
                                  int64_t units) {
  if (t == 0) return {h0, units};
  return {h + (t - 1) * units, steps * units};
}

/// d_kernel [U, n] = sum over rows b and steps t of h_{t-1}[b]^T d_a[b, t] (h_{-1} = h0), one
/// product over the [B * T, U] matrix of previous states, as the CPU's. d_a: [B, T, n].
template <class T>
void recurrent_kernel_gradient(Sweep<T>& sweep, const T* h0, const T* h, const T* d_a,
                               int64_t batch, int64_t steps, int64_t units, int64_t n,
                               T* d_kernel) {
  if (batch * steps == 0) {
    sweep.zero(d_kernel, units * n);
    return;
  }
  T* previous = sweep.scratch(batch * steps * units);
  launch_previous_states(h0, h, batch, steps, units, previous, sweep.stream());
  sweep.gemm(true, false, units, n, batch * steps, previous, units, d_a, n, T(0), d_kernel, n);
}

// ---- LSTM ----

// inputs (gates_x [B, T, 4U], recurrent_kernel [U, 4U], h0 [B, U], c0 [B, U][, mask [B, T]])
// outputs (h [B, T, U], c_last [B, U], workspace [T, B, 5U])
template <class T>
void lstm_forward(const KernelContext& ctx) {
  const Tensor &gates_x = ctx.inputs[0], &kernel = ctx.inputs[1];
  const int64_t batch = gates_x.size(0), steps = gates_x.size(1), units = kernel.size(0);
  if (batch == 0 || units == 0) return;  // every output is empty
  const int64_t gates = 4 * units, width = 5 * units;
  Sweep<T> sweep(ctx.outputs[0].device(), "lstm_sequence");
  const T* r = sweep.dense(kernel);
  const LstmForwardStep<T> p{sweep.dense(gates_x),
                             sweep.dense(ctx.inputs[2]),
                             sweep.dense(ctx.inputs[3]),
                             sweep.mask(ctx.inputs, 4),
                             device_data<T>(ctx.outputs[0]),
                             device_data<T>(ctx.outputs[2]),
                             batch,
                             steps,
                             units};
  for (int64_t t = 0; t < steps; ++t) {
    const PreviousStates<T> h_prev = previous_states(p.h0, p.h, t, steps, units);
    sweep.gemm(false, false, batch, gates, units, h_prev.data, h_prev.ld, r, gates, T(0),
               p.ws + t * batch * width, width);
    launch_step(p, t, sweep.stream());
  }
  // c_last: the last step's cell states (c0 when there are no steps).
  T* c_last = device_data<T>(ctx.outputs[1]);
  if (steps == 0) {
    sweep.copy_rows(p.c0, units, c_last, units, batch, units);
  } else {
    sweep.copy_rows(p.ws + (steps - 1) * batch * width + gates, width, c_last, units, batch, units);
  }
  sweep.check_launches();
}

// inputs (recurrent_kernel, h0, c0, h, workspace, d_h, d_c_last[, mask])
// outputs (d_gates_x [B, T, 4U], d_kernel [U, 4U], d_h0, d_c0)
template <class T>
void lstm_backward(const KernelContext& ctx) {
  const Tensor &kernel = ctx.inputs[0], &h_seq = ctx.inputs[3];
  const int64_t batch = h_seq.size(0), steps = h_seq.size(1), units = kernel.size(0);
  if (units == 0) return;  // every output is empty
  const int64_t gates = 4 * units;
  Sweep<T> sweep(ctx.outputs[0].device(), "lstm_sequence_backward");
  T* d_kernel = device_data<T>(ctx.outputs[1]);
  if (batch == 0) {
    sweep.zero(d_kernel, units * gates);
    return;
  }
  const T* r = sweep.dense(kernel);
  const T* h0 = sweep.dense(ctx.inputs[1]);
  const T* h = sweep.dense(h_seq);
  // dh and dc run as the gradients of the states, ending as d_h0 and d_c0.
  const LstmBackwardStep<T> p{sweep.dense(ctx.inputs[2]),
                              sweep.dense(ctx.inputs[4]),
                              sweep.dense(ctx.inputs[5]),
                              sweep.mask(ctx.inputs, 7),
                              device_data<T>(ctx.outputs[0]),
                              device_data<T>(ctx.outputs[2]),
                              device_data<T>(ctx.outputs[3]),
                              batch,
                              steps,
                              units};
  sweep.zero(p.dh, batch * units);
  sweep.copy_rows(sweep.dense(ctx.inputs[6]), units, p.dc, units, batch, units);
  for (int64_t t = steps - 1; t >= 0; --t) {
    launch_step(p, t, sweep.stream());
    // dh_{t-1} += d_z_t @ R^T (on padded rows d_z_t is zero and dh carries the gradient over).
    sweep.gemm(false, true, batch, units, gates, p.d_x + t * gates, steps * gates, r, gates, T(1),
               p.dh, units);
  }
  recurrent_kernel_gradient(sweep, h0, h, p.d_x, batch, steps, units, gates, d_kernel);
  sweep.check_launches();
}

// ---- GRU ----

// inputs (gates_x [B, T, 3U], recurrent_kernel [U, 3U], recurrent_bias [3U], h0 [B, U][, mask])
// outputs (h [B, T, U], workspace [T, B, 4U])
template <class T>
void gru_forward(const KernelContext& ctx) {
  const Tensor &gates_x = ctx.inputs[0], &kernel = ctx.inputs[1];
  const int64_t batch = gates_x.size(0), steps = gates_x.size(1), units = kernel.size(0);
  if (batch == 0 || units == 0 || steps == 0) return;  // every output is empty
  const int64_t gates = 3 * units, width = 4 * units;
  Sweep<T> sweep(ctx.outputs[0].device(), "gru_sequence");
  const T* r = sweep.dense(kernel);
  const GruForwardStep<T> p{sweep.dense(gates_x),
                            sweep.dense(ctx.inputs[2]),
                            sweep.dense(ctx.inputs[3]),
                            sweep.mask(ctx.inputs, 4),
                            device_data<T>(ctx.outputs[0]),
                            device_data<T>(ctx.outputs[1]),
                            batch,
                            steps,
                            units};
  for (int64_t t = 0; t < steps; ++t) {
    const PreviousStates<T> h_prev = previous_states(p.h0, p.h, t, steps, units);
    sweep.gemm(false, false, batch, gates, units, h_prev.data, h_prev.ld, r, gates, T(0),
               p.ws + t * batch * width, width);
    launch_step(p, t, sweep.stream());
  }
  sweep.check_launches();
}

// inputs (recurrent_kernel, h0, h, workspace, d_h[, mask])
// outputs (d_gates_x [B, T, 3U], d_kernel [U, 3U], d_bias [3U], d_h0)
template <class T>
void gru_backward(const KernelContext& ctx) {
  const Tensor &kernel = ctx.inputs[0], &h_seq = ctx.inputs[2];
  const int64_t batch = h_seq.size(0), steps = h_seq.size(1), units = kernel.size(0);
  if (units == 0) return;  // every output is empty
  const int64_t gates = 3 * units;
  Sweep<T> sweep(ctx.outputs[0].device(), "gru_sequence_backward");
  T* d_kernel = device_data<T>(ctx.outputs[1]);
  T* d_bias = device_data<T>(ctx.outputs[2]);
  T* dh = device_data<T>(ctx.outputs[3]);  // the running gradient of h, ending as d_h0
  if (batch * steps == 0) {
    sweep.zero(d_kernel, units * gates);
    sweep.zero(d_bias, gates);
    sweep.zero(dh, batch * units);
    return;
  }
  const T* r = sweep.dense(kernel);
  // The gradient of each step's recurrent product h @ R + b: [B, T, 3U].
  const GruBackwardStep<T> p{sweep.dense(ctx.inputs[1]),
                             sweep.dense(h_seq),
                             sweep.dense(ctx.inputs[3]),
                             sweep.dense(ctx.inputs[4]),
                             sweep.mask(ctx.inputs, 5),
                             device_data<T>(ctx.outputs[0]),
                             sweep.scratch(batch * steps * gates),
                             dh,
                             batch,
                             steps,
                             units};
  sweep.zero(dh, batch * units);
  for (int64_t t = steps - 1; t >= 0; --t) {
    launch_step(p, t, sweep.stream());
    sweep.gemm(false, true, batch, units, gates, p.d_a + t * gates, steps * gates, r, gates, T(1),
               dh, units);
  }
  recurrent_kernel_gradient(sweep, p.h0, p.h, p.d_a, batch, steps, units, gates, d_kernel);
  launch_column_sums(p.d_a, batch * steps, gates, d_bias, sweep.stream());
  sweep.check_launches();
}

// ---- Simple RNN ----

// inputs (inputs_x [B, T, U], recurrent_kernel [U, U], h0 [B, U][, mask]); attrs: activation
// outputs (h [B, T, U])
template <class T>
void simple_rnn_forward(const KernelContext& ctx) {
  const Tensor &inputs_x = ctx.inputs[0], &kernel = ctx.inputs[1];
  const int64_t batch = inputs_x.size(0), steps = inputs_x.size(1), units = kernel.size(0);
  if (batch == 0 || units == 0 || steps == 0) return;  // the output is empty
  Sweep<T> sweep(ctx.outputs[0].device(), "simple_rnn_sequence");
  const T* r = sweep.dense(kernel);
  const SimpleForwardStep<T> p{sweep.dense(inputs_x),
                               sweep.dense(ctx.inputs[2]),
                               sweep.mask(ctx.inputs, 3),
                               device_data<T>(ctx.outputs[0]),
                               gates::activation_named(ctx.attrs.get<std::string>("activation")),
                               batch,
                               steps,
                               units};
  for (int64_t t = 0; t < steps; ++t) {
    const PreviousStates<T> h_prev = previous_states(p.h0, p.h, t, steps, units);
    sweep.gemm(false, false, batch, units, units, h_prev.data, h_prev.ld, r, units, T(0),
               p.h + t * units, steps * units);
    launch_step(p, t, sweep.stream());
  }
  sweep.check_launches();
}

// inputs (recurrent_kernel, h0, h, d_h[, mask]); attrs: activation
// outputs (d_inputs_x [B, T, U], d_kernel [U, U], d_h0)
template <class T>
void simple_rnn_backward(const KernelContext& ctx) {
  const Tensor &kernel = ctx.inputs[0], &h_seq = ctx.inputs[2];
  const int64_t batch = h_seq.size(0), steps = h_seq.size(1), units = kernel.size(0);
  if (units == 0) return;  // every output is empty
  Sweep<T> sweep(ctx.outputs[0].device(), "simple_rnn_sequence_backward");
  T* d_kernel = device_data<T>(ctx.outputs[1]);
  T* dh = device_data<T>(ctx.outputs[2]);  // the running gradient of h, ending as d_h0
  if (batch * steps == 0) {
    sweep.zero(d_kernel, units * units);
    sweep.zero(dh, batch * units);
    return;
  }
  const T* r = sweep.dense(kernel);
  const T* h0 = sweep.dense(ctx.inputs[1]);
  const SimpleBackwardStep<T> p{sweep.dense(h_seq),
                                sweep.dense(ctx.inputs[3]),
                                sweep.mask(ctx.inputs, 4),
                                device_data<T>(ctx.outputs[0]),
                                dh,
                                gates::activation_named(ctx.attrs.get<std::string>("activation")),
                                batch,
                                steps,
                                units};
  sweep.zero(dh, batch * units);
  for (int64_t t = steps - 1; t >= 0; --t) {
    launch_step(p, t, sweep.stream());
    sweep.gemm(false, true, batch, units, units, p.d_x + t * units, steps * units, r, units, T(1),
               dh, units);
  }
  recurrent_kernel_gradient(sweep, h0, p.h, p.d_x, batch, steps, units, units, d_kernel);
  sweep.check_launches();
}

}  // namespace

void register_recurrent_kernels(KernelTable& table) {
  table.add("lstm_sequence", DeviceKind::CUDA, [](const KernelContext& ctx) {
    visit_floating_dtype(ctx.outputs[0].dtype(), [&]<class T>(T) { lstm_forward<T>(ctx); });
  });
  table.add("lstm_sequence_backward", DeviceKind::CUDA, [](const KernelContext& ctx) {
    visit_floating_dtype(ctx.outputs[0].dtype(), [&]<class T>(T) { lstm_backward<T>(ctx); });
  });
  table.add("gru_sequence", DeviceKind::CUDA, [](const KernelContext& ctx) {
    visit_floating_dtype(ctx.outputs[0].dtype(), [&]<class T>(T) { gru_forward<T>(ctx); });
  });
  table.add("gru_sequence_backward", DeviceKind::CUDA, [](const KernelContext& ctx) {
    visit_floating_dtype(ctx.outputs[0].dtype(), [&]<class T>(T) { gru_backward<T>(ctx); });
  });
  table.add("simple_rnn_sequence", DeviceKind::CUDA, [](const KernelContext& ctx) {
    visit_floating_dtype(ctx.outputs[0].dtype(), [&]<class T>(T) { simple_rnn_forward<T>(ctx); });
  });
  table.add("simple_rnn_sequence_backward", DeviceKind::CUDA, [](const KernelContext& ctx) {
    visit_floating_dtype(ctx.outputs[0].dtype(), [&]<class T>(T) { simple_rnn_backward<T>(ctx); });
  });
}

}  // namespace nabla::cuda
#endif
