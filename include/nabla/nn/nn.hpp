// The Keras API: layers, models, losses, metrics, initializers (namespace nabla::nn), optimizers
// (nabla::optim) and callbacks (nabla::callbacks).
#pragma once

#include "nabla/nn/activations.hpp"
#include "nabla/nn/initializers.hpp"
#include "nabla/nn/layer.hpp"
#include "nabla/nn/layer_registry.hpp"
#include "nabla/nn/layers/core.hpp"
#include "nabla/nn/layers/lambda.hpp"
#include "nabla/nn/layers/merging.hpp"
#include "nabla/nn/layers/reshaping.hpp"
#include "nabla/nn/losses.hpp"
#include "nabla/nn/metrics.hpp"
#include "nabla/nn/model.hpp"
#include "nabla/nn/regularizers.hpp"
#include "nabla/nn/sequential.hpp"
#include "nabla/optim/optimizers.hpp"
#include "nabla/optim/schedules.hpp"
#include "nabla/train/callbacks.hpp"
#include "nabla/train/history.hpp"
#include "nabla/train/progress_bar.hpp"
