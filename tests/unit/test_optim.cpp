// Optimizers against Keras 3's update rules: every option runs several steps on two float64
// weights next to an independent scalar reference written from Keras's formulas, and a few
// trajectories are checked against PyTorch's optimizers where the two libraries agree. Then
// convergence on a quadratic, in-place updates, the learning rate, OptimizerRef and errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <nabla/nabla.hpp>
#include <nabla/optim/optimizers.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "ops/optimizer_updates.hpp"
#include "optim/fused_updates.hpp"
#include "unit/tensor_test_util.hpp"

namespace {
using namespace nabla;
using nabla::testing::expect_error;
using nabla::testing::layouts;
using namespace nabla::optim;
using Vec = std::vector<double>;

// ---- The problem: loss = sum_k sum_i scale[k][i] * (w[k][i] - center[k][i])^2 over two weights
// of shapes [2, 2] and [3], so that gradients depend on the weights and differ in size.
const std::vector<Vec> kW0 = {{0.5, -1.2, 2.0, 0.3}, {1.5, -0.7, 0.05}};
const std::vector<Vec> kScale = {{1, 3, 0.5, 2}, {0.25, 4, 1}};
const std::vector<Vec> kCenter = {{1, -2, 0.5, 3}, {-1, 0.5, 2}};
const std::vector<Shape> kShapes = {{2, 2}, {3}};

std::vector<Vec> gradients_at(const std::vector<Vec>& w) {
  std::vector<Vec> g = w;
  for (size_t k = 0; k < w.size(); ++k) {
    for (size_t i = 0; i < w[k].size(); ++i) g[k][i] = 2 * kScale[k][i] * (w[k][i] - kCenter[k][i]);
  }
  return g;
}

std::vector<Tensor> make_weights(DType dtype = float64) {
  std::vector<Tensor> weights;
  for (size_t k = 0; k < kW0.size(); ++k) {
    weights.push_back(from_vector(kW0[k], kShapes[k]).astype(dtype));
  }
  return weights;
}

std::vector<Vec> values_of(const std::vector<Tensor>& weights) {
  std::vector<Vec> out;
  for (const Tensor& w : weights) out.push_back(w.astype(float64).to_vector<double>());
  return out;
}

std::vector<Tensor> gradient_tensors(const std::vector<Tensor>& weights) {
  std::vector<Vec> g = gradients_at(values_of(weights));
  std::vector<Tensor> out;
  for (size_t k = 0; k < g.size(); ++k) out.push_back(from_vector(g[k], kShapes[k]));
  return out;
}

void expect_near_all(const std::vector<Vec>& got, const std::vector<Vec>& want, double tol,
                     const std::string& where) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t k = 0; k < got.size(); ++k) {
    ASSERT_EQ(got[k].size(), want[k].size());
    for (size_t i = 0; i < got[k].size(); ++i) {
      EXPECT_NEAR(got[k][i], want[k][i], tol * (1 + std::abs(want[k][i])))
          << where << ", weight " << k << ", element " << i;
    }
  }
}

// ---- Independent reference: Keras 3's formulas, element by element, in double.
class Reference {
 public:
  Reference(LearningRate lr, ClipOptions clip, double weight_decay)
      : lr_(std::move(lr)), clip_(clip), weight_decay_(weight_decay) {}
  virtual ~Reference() = default;

  /// BaseOptimizer.apply: clip, decay, update_step per weight, iterations += 1.
  void apply(std::vector<Vec> g, std::vector<Vec>& w) {
    clip(g);
    const double lr = lr_.at(iterations_);
    for (size_t k = 0; k < w.size(); ++k) {
      for (double& x : w[k]) x = x - x * weight_decay_ * lr;
      update(k, w[k], g[k], lr);
    }
    ++iterations_;
  }

 protected:
  virtual void update(size_t k, Vec& w, const Vec& g, double lr) = 0;
  [[nodiscard]] double t() const { return static_cast<double>(iterations_ + 1); }
  static Vec& state(std::vector<Vec>& states, size_t k, size_t n, double init = 0.0) {
    if (states.size() <= k) states.resize(k + 1);
    if (states[k].empty()) states[k].assign(n, init);
    return states[k];
  }

 private:
  void clip(std::vector<Vec>& g) const {
    const auto norm = [](const Vec& v) {
      double s = 0;
      for (double x : v) s += x * x;
      return std::sqrt(s);
    };
    if (clip_.clipnorm) {
      const double c = *clip_.clipnorm;
      for (Vec& v : g) {
        const double n = norm(v);
        for (double& x : v) x = x * c / std::max(n, c);
      }
    } else if (clip_.global_clipnorm) {
      const double c = *clip_.global_clipnorm;
      double s = 0;
      for (const Vec& v : g) s += norm(v) * norm(v);
      const double scale = c * std::min(1 / std::sqrt(s), 1 / c);
      for (Vec& v : g) {
        for (double& x : v) x *= scale;
      }
    } else if (clip_.clipvalue) {
      const double c = *clip_.clipvalue;
      for (Vec& v : g) {
        for (double& x : v) x = std::clamp(x, -c, c);
      }
    }
  }

  LearningRate lr_;
  ClipOptions clip_;
  double weight_decay_;
  int64_t iterations_ = 0;
};

class RefSGD : public Reference {
 public:
  explicit RefSGD(SGDOptions o) : Reference(o.learning_rate, o.clip, o.weight_decay), o_(o) {}

 protected:
  void update(size_t k, Vec& w, const Vec& g, double lr) override {
    Vec& m = state(m_, k, w.size());
    for (size_t i = 0; i < w.size(); ++i) {
      if (o_.momentum == 0) {
        w[i] -= g[i] * lr;
        continue;
      }
      m[i] = m[i] * o_.momentum - g[i] * lr;
      w[i] += o_.nesterov ? m[i] * o_.momentum - g[i] * lr : m[i];
    }
  }

 private:
  SGDOptions o_;
  std::vector<Vec> m_;
};

class RefAdam : public Reference {
 public:
  explicit RefAdam(AdamOptions o) : Reference(o.learning_rate, o.clip, o.weight_decay), o_(o) {}

 protected:
  void update(size_t k, Vec& w, const Vec& g, double lr) override {
    Vec& m = state(m_, k, w.size());
    Vec& v = state(v_, k, w.size());
    Vec& v_hat = state(v_hat_, k, w.size());
    const double alpha =
        lr * std::sqrt(1 - std::pow(o_.beta_2, t())) / (1 - std::pow(o_.beta_1, t()));
    for (size_t i = 0; i < w.size(); ++i) {
      m[i] += (g[i] - m[i]) * (1 - o_.beta_1);
      v[i] += (g[i] * g[i] - v[i]) * (1 - o_.beta_2);
      v_hat[i] = std::max(v_hat[i], v[i]);
      const double second = o_.amsgrad ? v_hat[i] : v[i];
      w[i] -= m[i] * alpha / (std::sqrt(second) + o_.epsilon);
    }
  }

 private:
  AdamOptions o_;
  std::vector<Vec> m_, v_, v_hat_;
};

AdamOptions adam_options(const AdamWOptions& o) {
  return {.learning_rate = o.learning_rate,
          .beta_1 = o.beta_1,
          .beta_2 = o.beta_2,
          .epsilon = o.epsilon,
          .amsgrad = o.amsgrad,
          .weight_decay = o.weight_decay,
          .clip = o.clip};
}

class RefRMSprop : public Reference {
 public:
  explicit RefRMSprop(RMSpropOptions o) : Reference(o.learning_rate, o.clip, 0.0), o_(o) {}

 protected:
  void update(size_t k, Vec& w, const Vec& g, double lr) override {
    Vec& velocity = state(velocity_, k, w.size());
    Vec& average = state(average_, k, w.size());
    Vec& momentum = state(momentum_, k, w.size());
    for (size_t i = 0; i < w.size(); ++i) {
      velocity[i] = o_.rho * velocity[i] + (1 - o_.rho) * g[i] * g[i];
      average[i] = o_.rho * average[i] + (1 - o_.rho) * g[i];
      const double denominator = o_.centered ? velocity[i] - average[i] * average[i] + o_.epsilon
                                             : velocity[i] + o_.epsilon;
      const double increment = lr * g[i] / std::sqrt(denominator);
      momentum[i] = o_.momentum * momentum[i] + increment;
      w[i] -= o_.momentum > 0 ? momentum[i] : increment;
    }
  }

 private:
  RMSpropOptions o_;
  std::vector<Vec> velocity_, average_, momentum_;
};

class RefAdagrad : public Reference {
 public:
  explicit RefAdagrad(AdagradOptions o) : Reference(o.learning_rate, o.clip, 0.0), o_(o) {}

 protected:
  void update(size_t k, Vec& w, const Vec& g, double lr) override {
    Vec& accumulator = state(accumulator_, k, w.size(), o_.initial_accumulator_value);
    for (size_t i = 0; i < w.size(); ++i) {
      accumulator[i] += g[i] * g[i];
      w[i] -= lr * g[i] / std::sqrt(accumulator[i] + o_.epsilon);
    }
  }

 private:
  AdagradOptions o_;
  std::vector<Vec> accumulator_;
};

// ---- Every option against the reference.
struct Case {
  std::string name;
  std::function<std::shared_ptr<Optimizer>()> make;
  std::function<std::shared_ptr<Reference>()> reference;
};

void PrintTo(const Case& c, std::ostream* out) { *out << c.name; }  // gtest's parameter printer

template <class Opt, class Ref, class Options>
Case make_case(std::string name, Options options) {
  return {std::move(name), [options] { return std::make_shared<Opt>(options); },
          [options] { return std::make_shared<Ref>(options); }};
}

std::vector<Case> reference_cases() {
  const ExponentialDecay decay({.initial_learning_rate = 0.2, .decay_steps = 2, .decay_rate = 0.5});
  return {
      make_case<SGD, RefSGD>("sgd", SGDOptions{.learning_rate = 0.05}),
      make_case<SGD, RefSGD>("sgd_momentum", SGDOptions{.learning_rate = 0.05, .momentum = 0.9}),
      make_case<SGD, RefSGD>("sgd_nesterov",
                             SGDOptions{.learning_rate = 0.05, .momentum = 0.9, .nesterov = true}),
      make_case<SGD, RefSGD>(
          "sgd_weight_decay",
          SGDOptions{.learning_rate = 0.05, .momentum = 0.5, .weight_decay = 0.3}),
      make_case<SGD, RefSGD>("sgd_clipnorm",
                             SGDOptions{.learning_rate = 0.1, .clip = {.clipnorm = 1.0}}),
      make_case<SGD, RefSGD>("sgd_clipvalue",
                             SGDOptions{.learning_rate = 0.1, .clip = {.clipvalue = 0.5}}),
      make_case<SGD, RefSGD>(
          "sgd_global_clipnorm",
          SGDOptions{.learning_rate = 0.1, .momentum = 0.9, .clip = {.global_clipnorm = 2.0}}),
      make_case<SGD, RefSGD>("sgd_schedule", SGDOptions{.learning_rate = decay, .momentum = 0.3}),
      make_case<Adam, RefAdam>("adam", AdamOptions{.learning_rate = 0.1}),
      make_case<Adam, RefAdam>(
          "adam_betas_epsilon",
          AdamOptions{.learning_rate = 0.1, .beta_1 = 0.5, .beta_2 = 0.8, .epsilon = 0.1}),
      make_case<Adam, RefAdam>("adam_amsgrad", AdamOptions{.learning_rate = 0.1, .amsgrad = true}),
      make_case<Adam, RefAdam>("adam_weight_decay",
                               AdamOptions{.learning_rate = 0.1, .weight_decay = 0.2}),
      make_case<Adam, RefAdam>("adam_clipnorm",
                               AdamOptions{.learning_rate = 0.1, .clip = {.clipnorm = 0.5}}),
      make_case<Adam, RefAdam>("adam_schedule", AdamOptions{.learning_rate = decay}),
      {"adamw_default_decay",
       [] { return std::make_shared<AdamW>(AdamWOptions{.learning_rate = 0.1}); },
       [] { return std::make_shared<RefAdam>(adam_options({.learning_rate = 0.1})); }},
      {"adamw_amsgrad_global_clipnorm",
       [] {
         return std::make_shared<AdamW>(AdamWOptions{.learning_rate = 0.1,
                                                     .weight_decay = 0.3,
                                                     .amsgrad = true,
                                                     .clip = {.global_clipnorm = 1.0}});
       },
       [] {
         return std::make_shared<RefAdam>(adam_options({.learning_rate = 0.1,
                                                        .weight_decay = 0.3,
                                                        .amsgrad = true,
                                                        .clip = {.global_clipnorm = 1.0}}));
       }},
      make_case<RMSprop, RefRMSprop>("rmsprop", RMSpropOptions{.learning_rate = 0.01}),
      make_case<RMSprop, RefRMSprop>(
          "rmsprop_rho_epsilon", RMSpropOptions{.learning_rate = 0.01, .rho = 0.5, .epsilon = 0.5}),
      make_case<RMSprop, RefRMSprop>("rmsprop_momentum",
                                     RMSpropOptions{.learning_rate = 0.01, .momentum = 0.7}),
      make_case<RMSprop, RefRMSprop>("rmsprop_centered",
                                     RMSpropOptions{.learning_rate = 0.01, .centered = true}),
      make_case<RMSprop, RefRMSprop>("rmsprop_centered_momentum_clipvalue",
                                     RMSpropOptions{.learning_rate = 0.01,
                                                    .momentum = 0.5,
                                                    .centered = true,
                                                    .clip = {.clipvalue = 1.0}}),
      make_case<Adagrad, RefAdagrad>("adagrad", AdagradOptions{.learning_rate = 0.1}),
      make_case<Adagrad, RefAdagrad>(
          "adagrad_accumulator_epsilon",
          AdagradOptions{.learning_rate = 0.1, .initial_accumulator_value = 1.0, .epsilon = 0.1}),
      make_case<Adagrad, RefAdagrad>(
          "adagrad_clipnorm", AdagradOptions{.learning_rate = 0.1, .clip = {.clipnorm = 1.0}}),
  };
}

class OptimizerReference : public ::testing::TestWithParam<Case> {};

TEST_P(OptimizerReference, FollowsKerasFormulasStepByStep) {
  const Case& c = GetParam();
  for (bool fused : {true, false}) {  // SGD and Adam have a fused kernel and the composite path
    const optim::detail::FusedUpdatesGuard guard(fused);
    std::shared_ptr<Optimizer> optimizer = c.make();
    std::shared_ptr<Reference> reference = c.reference();
    std::vector<Tensor> weights = make_weights();
    std::vector<Vec> expected = kW0;
    for (int step = 0; step < 5; ++step) {
      optimizer->apply_gradients(gradient_tensors(weights), weights);
      reference->apply(gradients_at(expected), expected);
      expect_near_all(values_of(weights), expected, 1e-13,
                      c.name + (fused ? " fused" : " composite") + " step " + std::to_string(step));
    }
    EXPECT_EQ(optimizer->iterations(), 5);
  }
}

INSTANTIATE_TEST_SUITE_P(AllOptions, OptimizerReference, ::testing::ValuesIn(reference_cases()),
                         [](const ::testing::TestParamInfo<Case>& param_info) {
                           return param_info.param.name;
                         });

// ---- PyTorch cross-check: with epsilon = 0 and a constant learning rate PyTorch's SGD (Nesterov),
// Adam (AMSGrad), AdamW, RMSprop (centered, momentum) and Adagrad compute what Keras computes.
// Expected values: three steps of torch.optim.* in float64 on the problem above (loss.backward(),
// opt.step()), printed by /usr/bin/python3 with torch 1.13, pasted here.
TEST(OptimizerTorchTrajectories, AgreeWhereTheFormulasCoincide) {
  struct Expected {
    std::string name;
    std::shared_ptr<Optimizer> optimizer;
    std::vector<Vec> weights;
  };
  const std::vector<Expected> cases = {
      {"sgd_nesterov",
       std::make_shared<SGD>(SGDOptions{.learning_rate = 0.05, .momentum = 0.9, .nesterov = true}),
       {{0.8363395, -2.2785384, 1.4471939375, 3.2925504},
        {1.0184008203125001, 1.0199552, 1.36172405}}},
      {"adam_amsgrad",
       std::make_shared<Adam>(AdamOptions{.learning_rate = 0.1, .epsilon = 0.0, .amsgrad = true}),
       {{0.7951287506188519, -1.4977799344187448, 1.7009028694908324, 0.5995678381914954},
        {1.2004739332528358, -0.40122281918046393, 0.34935648109616513}}},
      {"adamw",
       std::make_shared<AdamW>(
           AdamWOptions{.learning_rate = 0.1, .weight_decay = 0.1, .epsilon = 0.0}),
       {{0.7777561661969454, -1.4595576541347357, 1.6447348521739962, 0.5876858583695596},
        {1.1589965150534751, -0.38353386604214185, 0.34489013605271607}}},
      {"rmsprop_centered_momentum",
       std::make_shared<RMSprop>(RMSpropOptions{
           .learning_rate = 0.01, .rho = 0.8, .momentum = 0.5, .epsilon = 0.0, .centered = true}),
       {{0.593120310803154, -1.2938614333218876, 1.9055908098965977, 0.39467813413441605},
        {1.4053484841293244, -0.6057448137622755, 0.14454960197808361}}},
      {"adagrad",
       std::make_shared<Adagrad>(
           AdagradOptions{.learning_rate = 0.1, .initial_accumulator_value = 0.1, .epsilon = 0.0}),
       {{0.7024803771295324, -1.416762512666192, 1.7806081986787703, 0.525253572608126},
        {1.279656111661504, -0.4789509403602384, 0.27356483062995607}}},
  };
  for (const Expected& c : cases) {
    std::vector<Tensor> weights = make_weights();
    for (int step = 0; step < 3; ++step)
      c.optimizer->apply_gradients(gradient_tensors(weights), weights);
    expect_near_all(values_of(weights), c.weights, 1e-12, c.name);
  }
}

// ---- Training through autodiff: step() reads grad(); each optimizer minimises a quadratic.
struct Convergence {
  std::string name;
  std::shared_ptr<Optimizer> optimizer;
  int steps;
};

TEST(OptimizerConvergence, EachOptimizerMinimisesAQuadraticWithStep) {
  const std::vector<Convergence> cases = {
      {"sgd", std::make_shared<SGD>(SGDOptions{.learning_rate = 0.05}), 200},
      {"sgd_nesterov",
       std::make_shared<SGD>(SGDOptions{.learning_rate = 0.02, .momentum = 0.9, .nesterov = true}),
       200},
      {"adam", std::make_shared<Adam>(AdamOptions{.learning_rate = 0.05}), 600},
      {"adamw", std::make_shared<AdamW>(AdamWOptions{.learning_rate = 0.05, .weight_decay = 1e-4}),
       600},
      {"rmsprop",
       std::make_shared<RMSprop>(RMSpropOptions{.learning_rate = 0.01, .centered = true}), 600},
      {"adagrad", std::make_shared<Adagrad>(AdagradOptions{.learning_rate = 0.5}), 600},
  };
  const Tensor scale = from_vector(kScale[0], kShapes[0]).astype(float32);
  const Tensor center = from_vector(kCenter[0], kShapes[0]).astype(float32);
  for (const Convergence& c : cases) {
    Tensor w = from_vector(kW0[0], kShapes[0]).astype(float32).requires_grad_();
    for (int step = 0; step < c.steps; ++step) {
      w.zero_grad();
      sum(scale * square(w - center)).backward();
      c.optimizer->step({w});
    }
    const Vec got = w.astype(float64).to_vector<double>();
    for (size_t i = 0; i < got.size(); ++i) {
      // AdamW's decay pulls towards 0 slightly; RMSprop and Adam hover within ~lr of the minimum.
      EXPECT_NEAR(got[i], kCenter[0][i], 0.03) << c.name << " element " << i;
    }
    EXPECT_TRUE(w.is_leaf()) << c.name;
    EXPECT_TRUE(w.requires_grad()) << c.name;
  }
}

TEST(Optimizer, StepUpdatesTheWeightInPlaceAndBumpsItsVersion) {
  for (const char* name : {"sgd", "adam", "adamw", "rmsprop", "adagrad"}) {
    OptimizerRef ref(name);
    Tensor w = ones({3, 2}).requires_grad_();
    const Tensor handle = w;  // the model's handle to the same weight
    const TensorImpl* impl = &w.impl();
    const void* data = w.data_ptr();
    const uint64_t version = w.version();
    sum(square(w)).backward();
    ref.get()->step({w});
    EXPECT_EQ(&w.impl(), impl) << name;
    EXPECT_EQ(w.data_ptr(), data) << name;
    EXPECT_TRUE(handle.is_same(w)) << name;
    EXPECT_GT(w.version(), version) << name;
    EXPECT_LT(handle.to_vector<float>()[0], 1.0f) << name;  // the model sees the update
  }
}

TEST(Optimizer, WeightsWithoutAGradientAreSkippedAndStepsCountGlobally) {
  // Keras's Adam corrects bias with iterations + 1, so weight 1, first updated at the third
  // step, uses t = 3 and 4 with fresh moments.
  Adam adam({.learning_rate = 0.1});
  std::vector<Tensor> weights = make_weights();
  std::vector<Vec> expected = kW0;
  std::vector<Vec> m = {Vec(4, 0.0), Vec(3, 0.0)}, v = m;
  for (int step = 0; step < 4; ++step) {
    std::vector<Tensor> grads = gradient_tensors(weights);
    const std::vector<Vec> g = gradients_at(expected);  // weight k's gradient depends on it only
    if (step < 2) grads[1] = Tensor();
    adam.apply_gradients(grads, weights);
    const double t = step + 1;
    const double alpha = 0.1 * std::sqrt(1 - std::pow(0.999, t)) / (1 - std::pow(0.9, t));
    for (size_t k = 0; k < 2; ++k) {
      if (k == 1 && step < 2) continue;
      for (size_t i = 0; i < g[k].size(); ++i) {
        m[k][i] += (g[k][i] - m[k][i]) * 0.1;
        v[k][i] += (g[k][i] * g[k][i] - v[k][i]) * 0.001;
        expected[k][i] -= m[k][i] * alpha / (std::sqrt(v[k][i]) + 1e-7);
      }
    }
    if (step < 2) {
      EXPECT_EQ(values_of(weights)[1], kW0[1]) << "step " << step;
    }
    expect_near_all(values_of(weights), expected, 1e-13, "step " + std::to_string(step));
  }
}

TEST(Optimizer, AGradientSharingTheWeightsMemoryIsReadBeforeTheWrite) {
  // apply_gradients({w}, {w}): the fused kernels need unaliased tensors, so this takes the
  // composite path, which computes the update before writing.
  for (const char* name : {"sgd", "adam"}) {
    OptimizerRef ref(name);
    Tensor w = ones({3}, float64);
    ref.get()->apply_gradients({w}, {w});
    const double root = std::sqrt(0.001);  // Adam: sqrt(v) after one step of g = 1
    const double expected = std::string(name) == "sgd" ? 0.99 : 1.0 - 0.001 * root / (root + 1e-7);
    EXPECT_NEAR(w.to_vector<double>()[0], expected, 1e-12) << name;
  }
}

TEST(Optimizer, CastsGradientsToTheWeightDtype) {
  SGD sgd({.learning_rate = 0.5});
  Tensor w = ones({2}, float32);
  sgd.apply_gradients({full({2}, 1.0, float64)}, {w});
  EXPECT_EQ(w.dtype(), float32);
  EXPECT_EQ(w.to_vector<float>(), (std::vector<float>{0.5f, 0.5f}));
  Tensor w64 = ones({2}, float64);
  sgd.apply_gradients({}, {});  // nothing to apply: a no-op
  SGD other({.learning_rate = 0.5});
  other.apply_gradients({full({2}, 1.0, float32)}, {w64});
  EXPECT_EQ(w64.to_vector<double>(), (Vec{0.5, 0.5}));
}

TEST(Optimizer, LearningRateFollowsTheScheduleUntilReplaced) {
  SGD sgd({.learning_rate = PiecewiseConstantDecay({1, 3}, {0.5, 0.25, 0.125})});
  Tensor w = zeros({1}, float64);
  const std::vector<double> expected_lr = {0.5, 0.5, 0.25, 0.25, 0.125};
  double expected_w = 0.0;
  for (size_t step = 0; step < expected_lr.size(); ++step) {
    EXPECT_EQ(sgd.iterations(), static_cast<int64_t>(step));
    EXPECT_DOUBLE_EQ(sgd.learning_rate(), expected_lr[step]);
    sgd.apply_gradients({ones({1}, float64)}, {w});
    expected_w -= expected_lr[step];
    EXPECT_DOUBLE_EQ(w.item<double>(), expected_w);
  }
  sgd.set_learning_rate(0.01);
  EXPECT_DOUBLE_EQ(sgd.learning_rate(), 0.01);
  sgd.apply_gradients({ones({1}, float64)}, {w});
  EXPECT_DOUBLE_EQ(w.item<double>(), expected_w - 0.01);
  EXPECT_EQ(sgd.iterations(), 6);
}

TEST(Optimizer, UpdatesAreNotRecordedByAutograd) {
  Adam adam;
  Tensor w = ones({2}).requires_grad_();
  sum(w * 3.0f).backward();
  ASSERT_TRUE(is_grad_enabled());
  adam.step({w});
  EXPECT_TRUE(w.is_leaf());
  EXPECT_EQ(w.grad_fn_name(), "");
  EXPECT_TRUE(is_grad_enabled());
}

TEST(OptimizerRefTest, NamesAreCaseInsensitive) {
  EXPECT_EQ(OptimizerRef("sgd").get()->name(), "SGD");
  EXPECT_EQ(OptimizerRef("Adam").get()->name(), "Adam");
  EXPECT_EQ(OptimizerRef(std::string("ADAMW")).get()->name(), "AdamW");
  EXPECT_EQ(OptimizerRef("RMSprop").get()->name(), "RMSprop");
  EXPECT_EQ(OptimizerRef("adagrad").get()->name(), "Adagrad");
  EXPECT_DOUBLE_EQ(OptimizerRef("adam").get()->learning_rate(), 0.001);  // Keras's defaults
  EXPECT_DOUBLE_EQ(OptimizerRef("sgd").get()->learning_rate(), 0.01);
  OptimizerRef object = Adam({.learning_rate = 0.5});
  EXPECT_DOUBLE_EQ(object.get()->learning_rate(), 0.5);
  EXPECT_FALSE(OptimizerRef().defined());
}

TEST(OptimizerErrors, UnknownNameListsTheKnownOnes) {
  expect_error<ValueError>([] { OptimizerRef ref("adamm"); },
                           {"unknown name 'adamm'", "sgd, adam, adamw, rmsprop, adagrad"});
}

TEST(OptimizerErrors, BadInputsNameTheOptimizerAndShapes) {
  Tensor w = zeros({2, 3});
  expect_error<ValueError>(
      [&] {
        RMSprop().apply_gradients({zeros({2, 3}), zeros({2})}, {w});
      },
      {"RMSprop", "2 gradients for 1 weights"});
  expect_error<ShapeError>(
      [&] {
        Adam().apply_gradients({zeros({3, 2})}, {w});
      },
      {"Adam", "gradient 0 has shape [3, 2]", "weight has shape [2, 3]"});
  expect_error<ValueError>([&] { SGD().apply_gradients({Tensor()}, {w}); },
                           {"SGD", "no gradient for any"});
  expect_error<ValueError>([&] { SGD().step({w}); }, {"SGD", "no gradient"});
  expect_error<DTypeError>([] { Adagrad().apply_gradients({ones({2})}, {zeros({2}, int32)}); },
                           {"Adagrad", "int32"});
  expect_error<DTypeError>(
      [&] {
        SGD().apply_gradients({zeros({2, 3}, int64)}, {w});
      },
      {"SGD", "gradient 0 is int64"});
  expect_error<ValueError>([] { SGD().step({Tensor()}); }, {"SGD", "weight 0 is undefined"});
}

TEST(OptimizerErrors, WeightsMustStayTheSameTensors) {
  AdamW adamw;
  Tensor a = zeros({2}), b = zeros({2});
  adamw.apply_gradients({ones({2})}, {a});
  expect_error<ValueError>([&] { adamw.apply_gradients({ones({2})}, {b}); },
                           {"AdamW", "weight 0", "not the tensor"});
  expect_error<ValueError>(
      [&] {
        adamw.apply_gradients({ones({2}), ones({2})}, {a, b});
      },
      {"AdamW", "first applied to 1"});
  adamw.apply_gradients({ones({2})}, {Tensor(a.impl_ptr())});  // another handle is fine
  EXPECT_EQ(adamw.iterations(), 2);
}

TEST(OptimizerErrors, BadOptionsFailAtConstruction) {
  expect_error<ValueError>([] { SGD({.momentum = 1.5}); }, {"SGD", "momentum", "1.5"});
  expect_error<ValueError>([] { Adam({.beta_1 = 1.0}); }, {"Adam", "beta_1"});
  expect_error<ValueError>([] { AdamW({.beta_2 = -0.1}); }, {"AdamW", "beta_2"});
  expect_error<ValueError>([] { AdamW({.weight_decay = -1.0}); }, {"AdamW", "weight_decay"});
  expect_error<ValueError>([] { RMSprop({.rho = 2.0}); }, {"RMSprop", "rho"});
  expect_error<ValueError>([] { Adagrad({.initial_accumulator_value = -1.0}); },
                           {"Adagrad", "initial_accumulator_value"});
  expect_error<ValueError>([] { SGD({.clip = {.clipnorm = 1.0, .clipvalue = 1.0}}); },
                           {"SGD", "only one of clipnorm, clipvalue and global_clipnorm"});
  expect_error<ValueError>([] { Adam({.clip = {.global_clipnorm = 0.0}}); },
                           {"Adam", "global_clipnorm must be > 0"});
}

TEST(OptimizerClipping, ZeroAndNonFiniteGradients) {
  // A zero gradient is left alone by clipnorm (no 0/0); a NaN global norm poisons the step, as in
  // Keras, instead of silently skipping it.
  SGD by_norm({.learning_rate = 1.0, .clip = {.clipnorm = 1.0}});
  Tensor w = ones({2}, float64);
  by_norm.apply_gradients({zeros({2}, float64)}, {w});
  EXPECT_EQ(w.to_vector<double>(), (Vec{1.0, 1.0}));
  SGD global({.learning_rate = 1.0, .clip = {.global_clipnorm = 1.0}});
  Tensor v = ones({2}, float64);
  global.apply_gradients({from_vector(Vec{INFINITY, 0.0})}, {v});
  EXPECT_TRUE(std::isnan(v.to_vector<double>()[1]));
}

// ---- The fused update kernels against the composite updates they replace.
std::vector<Vec> run_steps(const std::function<std::shared_ptr<Optimizer>()>& make, bool fused,
                           DType dtype, int steps) {
  const optim::detail::FusedUpdatesGuard guard(fused);
  std::shared_ptr<Optimizer> optimizer = make();
  random::seed(42);  // both paths see the same numbers
  Tensor w = random::normal({37, 19}, 0.0, 1.0, float64).astype(dtype);
  Tensor b = random::normal({19}, 0.0, 1.0, float64).astype(dtype);
  for (int step = 0; step < steps; ++step) {
    // Gradients that change with the weights and between steps.
    Tensor gw = (w - random::normal({37, 19}, 0.0, 1.0, float64).astype(dtype)) * 0.5;
    Tensor gb = square(b) - 0.25;
    optimizer->apply_gradients({gw, gb}, {w, b});
  }
  return values_of({w, b});
}

TEST(FusedOptimizerUpdates, MatchTheCompositeUpdatesInFloat32AndFloat64) {
  const std::vector<std::pair<std::string, std::function<std::shared_ptr<Optimizer>()>>> cases = {
      {"sgd", [] { return std::make_shared<SGD>(SGDOptions{.learning_rate = 0.1}); }},
      {"sgd_decay",
       [] { return std::make_shared<SGD>(SGDOptions{.learning_rate = 0.1, .weight_decay = 0.5}); }},
      {"sgd_momentum",
       [] { return std::make_shared<SGD>(SGDOptions{.learning_rate = 0.1, .momentum = 0.9}); }},
      {"sgd_nesterov_decay",
       [] {
         return std::make_shared<SGD>(SGDOptions{
             .learning_rate = 0.1, .momentum = 0.8, .nesterov = true, .weight_decay = 0.01});
       }},
      {"adam", [] { return std::make_shared<Adam>(AdamOptions{.learning_rate = 0.01}); }},
      {"adam_amsgrad",
       [] { return std::make_shared<Adam>(AdamOptions{.learning_rate = 0.01, .amsgrad = true}); }},
      {"adamw_clipnorm",
       [] {
         return std::make_shared<AdamW>(
             AdamWOptions{.learning_rate = 0.01, .weight_decay = 0.1, .clip = {.clipnorm = 1.0}});
       }},
  };
  for (const auto& [name, make] : cases) {
    for (DType dtype : {float32, float64}) {
      // Same operations in the same order and precision: bit for bit equal under GCC (no FP
      // contraction in ISO C++ mode); the tolerance leaves room for a compiler that fuses a*b+c.
      const std::vector<Vec> fused = run_steps(make, true, dtype, 6);
      const std::vector<Vec> composite = run_steps(make, false, dtype, 6);
      expect_near_all(fused, composite, dtype == float32 ? 1e-6 : 1e-14,
                      name + " " + std::string(dtype_name(dtype)));
    }
  }
}

TEST(FusedOptimizerUpdates, SubnormalStatesFlushToZero) {
  // A moment decaying below float32's normal range would make every later update ~100x slower on
  // Intel cores (src/backend/cpu/flush_denormals.hpp); the fused kernels read subnormal states as
  // zero (without the flush, m and v below would stay subnormal and nonzero).
  const Tensor w = tensor({1.f, 1.f}), g = zeros({2});
  const Tensor m = tensor({2e-39f, 1e-39f}), v = tensor({1e-39f, 1.f});
  nabla::detail::adam_update_(w, g, tensor({0.1, 1.0}), m, v, Tensor(), {.beta_1 = 0.5});
  EXPECT_EQ(m.to_vector<float>(), (std::vector<float>{0.f, 0.f}));
  EXPECT_EQ(v.to_vector<float>()[0], 0.f);
  EXPECT_GT(v.to_vector<float>()[1], 0.99f);
  EXPECT_EQ(w.to_vector<float>(), (std::vector<float>{1.f, 1.f}));
  const Tensor velocity = tensor({1e-39f});
  nabla::detail::sgd_update_(tensor({1.f}), zeros({1}), tensor({0.1, 1.0}), velocity,
                             {.momentum = 0.9});
  EXPECT_EQ(velocity.to_vector<float>()[0], 0.f);
}

TEST(FusedOptimizerUpdates, NonContiguousWeightsAndGradientsUseTheGeneralPath) {
  // A transposed view as the weight (composite path) and a transposed gradient (made contiguous
  // for the fused path) both follow the reference.
  for (bool fused : {true, false}) {
    const optim::detail::FusedUpdatesGuard guard(fused);
    Adam adam({.learning_rate = 0.1, .amsgrad = true});
    RefAdam reference({.learning_rate = 0.1, .amsgrad = true});
    Tensor base = from_vector(Vec{0.5, -1.2, 2.0, 0.3, 1.5, -0.7}, {2, 3});
    Tensor view = base.transpose();  // [3, 2], not contiguous
    Tensor plain = base.transpose().contiguous();
    std::vector<Vec> expected = {plain.to_vector<double>()};
    for (int step = 0; step < 3; ++step) {
      const Vec wv = view.to_vector<double>();
      Vec g(wv.size());
      for (size_t i = 0; i < g.size(); ++i) g[i] = 2 * wv[i] - 1;
      Tensor grad_t = from_vector(g, {3, 2}).transpose().contiguous().transpose();
      ASSERT_FALSE(grad_t.is_contiguous());
      adam.apply_gradients({grad_t}, {view});
      reference.apply({g}, expected);
    }
    expect_near_all({view.to_vector<double>()}, expected, 1e-13, fused ? "fused" : "composite");
  }
}

TEST(FusedOptimizerUpdates, OpsCheckTheirTensors) {
  Tensor w = zeros({2, 3});
  expect_error<ShapeError>(
      [&] {
        nabla::detail::sgd_update_(w, zeros({3, 2}), tensor({0.1, 1.0}), Tensor(), {});
      },
      {"sgd_update", "input 1 has shape [3, 2]"});
  expect_error<DTypeError>(
      [&] {
        nabla::detail::adam_update_(w, zeros({2, 3}), tensor({0.1, 1.0}), zeros({2, 3}, float64),
                                    zeros({2, 3}), Tensor(), {});
      },
      {"adam_update", "input 3 is float64"});
  expect_error<ValueError>(
      [&] {
        nabla::detail::adam_update_(w, zeros({2, 3}), tensor({0.1f, 1.f}), zeros({2, 3}),
                                    zeros({2, 3}), Tensor(), {});
      },
      {"adam_update", "step scalars must be a float64 [2] tensor, got [2] float32"});
  expect_error<DTypeError>(
      [&] {
        Tensor i = zeros({2}, int32);
        nabla::detail::sgd_update_(i, i, tensor({0.1, 1.0}), Tensor(), {});
      },
      {"sgd_update", "float32 or float64"});
  expect_error<ValueError>(
      [&] {
        nabla::detail::sgd_update_(w, w.reshape({2, 3}), tensor({0.1, 1.0}), Tensor(), {});
      },
      {"sgd_update", "inputs 0 and 1 share memory"});
  EXPECT_FALSE(nabla::detail::fused_update_supported(std::vector<Tensor>{w.transpose()}));
  EXPECT_FALSE(nabla::detail::fused_update_supported(std::vector<Tensor>{w, w}));
  EXPECT_TRUE(nabla::detail::fused_update_supported(std::vector<Tensor>{w, ones({2, 3})}));
  const uint64_t version = w.version();
  nabla::detail::sgd_update_(w, ones({2, 3}), tensor({0.5, 1.0}), Tensor(), {});
  EXPECT_EQ(w.version(), version + 1);
  EXPECT_EQ(w.to_vector<float>(), std::vector<float>(6, -0.5f));
}

}  // namespace
