// DeferredSum: the running total behind the logged loss means and the mean metrics. A training
// step on a GPU must not wait for the GPU to report its loss (PyTorch reads it once per segment,
// not per step), so values that live on a device are summed there, in float64, and brought back
// only when the total is asked for: a CUDA step then costs two tiny kernels, not a
// synchronisation. CPU values are added at once.
#pragma once

#include "nabla/tensor/tensor.hpp"

namespace nabla::nn {

class DeferredSum {
 public:
  /// Adds value * scale, in double, for a one-element tensor of any dtype on any device; the
  /// gradient is never recorded.
  void add(const Tensor& value, double scale = 1.0);
  void add(double value) { host_ += value; }
  /// The sum so far (reads the device sum back, waiting for the work that produces it).
  [[nodiscard]] double value() const;

 private:
  double host_ = 0.0;
  // Kept as one device-side chain from the first value on, rather than folded into host_ on each
  // read: the same additions in the same order as on the CPU, so reading mid-epoch changes no bit.
  Tensor device_;
};

}  // namespace nabla::nn
