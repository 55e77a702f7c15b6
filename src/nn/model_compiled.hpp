// What compile() records: optimizer, loss, metrics.
#pragma once

#include <memory>
#include <vector>

#include "nabla/nn/model.hpp"

namespace nabla::nn {

struct Model::Compiled {
  std::shared_ptr<optim::Optimizer> optimizer;
  std::shared_ptr<losses::Loss> loss;
  std::vector<std::shared_ptr<metrics::Metric>> metrics;
  std::vector<double> loss_weights;
};

}  // namespace nabla::nn
