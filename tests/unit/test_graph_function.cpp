// nabla::function: tracing rules (the body runs once per signature, captures are read by
// reference, random ops draw fresh numbers), results equal to eager execution and differentiable
// from eager code, and the Graph's verifier, listing and DOT/SVG export.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "nabla/nabla.hpp"
#include "unit/tensor_test_util.hpp"

namespace nabla {
namespace {

using testing::expect_error;

std::vector<float> values(const Tensor& t) { return t.to_vector<float>(); }

TEST(GraphFunction, IssueSnippet) {
  random::seed(7);
  Tensor w = random::normal({784, 10}, 0.0, 0.01).requires_grad_();
  auto step = function([&](const Tensor& x, const Tensor& y) {
    Tensor logits = matmul(x, w);
    Tensor loss =
        mean(nn::losses::sparse_categorical_crossentropy(y, logits, /*from_logits=*/true));
    return loss;
  });
  Tensor x = random::uniform({32, 784}, 0.0, 1.0);
  Tensor y = random::randint(0, 10, {32});
  Tensor loss = step(x, y);
  Graph g = step.graph_for(random::uniform({32, 784}, 0.0, 1.0), random::randint(0, 10, {32}));
  std::string dot = g.to_dot();

  EXPECT_EQ(step.num_traces(), 1u);  // graph_for with the same signature reuses the trace
  EXPECT_EQ(loss.shape(), Shape{});
  const Tensor eager =
      mean(nn::losses::sparse_categorical_crossentropy(y, matmul(x, w), /*from_logits=*/true));
  EXPECT_FLOAT_EQ(loss.item<float>(), eager.item<float>());
  EXPECT_EQ(g.num_ops("matmul"), 1u);
  EXPECT_NO_THROW(g.verify());
  EXPECT_NE(dot.find("digraph"), std::string::npos);
  EXPECT_NE(dot.find("matmul"), std::string::npos);
  EXPECT_NE(dot.find("variable"), std::string::npos);  // w is captured, not baked in

  // The traced loss is differentiable from eager code, with the eager gradient.
  loss.backward();
  const Tensor traced_grad = w.grad().clone();
  w.zero_grad();
  eager.backward();
  EXPECT_EQ(values(traced_grad), values(w.grad()));
}

TEST(GraphFunction, TheBodyRunsOnlyWhileTracing) {
  int body_runs = 0;
  auto f = function([&](const Tensor& a, const Tensor& b) {
    ++body_runs;  // a C++ side effect: happens once per trace, not once per call
    return relu(a * b + 1.0);
  });
  const Tensor a = tensor({-3.f, 0.5f, 2.f});
  for (int i = 0; i < 3; ++i) {
    const Tensor b = full({3}, static_cast<double>(i), float32);
    EXPECT_EQ(values(f(a, b)), values(relu(a * b + 1.0)));
  }
  EXPECT_EQ(body_runs, 1);
  EXPECT_EQ(values(f(tensor({1.f, 2.f}), tensor({3.f, 4.f}))), (std::vector<float>{4.f, 9.f}));
  EXPECT_EQ(body_runs, 2);  // a new shape is a new signature
  EXPECT_EQ(values(f(a.astype(float64), a.astype(float64)).astype(float32)),
            values(relu(a * a + 1.0)));
  EXPECT_EQ(f.num_traces(), 3u);  // and so is a new dtype
}

TEST(GraphFunction, CapturedTensorsAreReadByReference) {
  Tensor w = tensor({1.f, 2.f});
  auto f = function([&](const Tensor& x) { return x * w + transpose(reshape(w, {2, 1})); });
  const Tensor x = tensor({1.f, 1.f});
  EXPECT_EQ(values(f(x)), (std::vector<float>{2, 4}));
  w.mul_(10.0);  // an in-place update (what optimizers do) is seen by the next run
  EXPECT_EQ(values(f(x)), (std::vector<float>{20, 40}));
  EXPECT_EQ(f.num_traces(), 1u);
}

TEST(GraphFunction, RandomOpsDrawFreshNumbersAndMatchEager) {
  auto noisy = [](const Tensor& x) {
    (void)random::uniform({5}, 0.0, 1.0);  // unused, but it advances the generator
    return dropout(x + random::normal(x.shape(), 0.0, 1.0), 0.5);
  };
  auto f = function(noisy);
  const Tensor x = ones({64});
  random::seed(3);
  const Tensor eager1 = noisy(x);
  const Tensor eager2 = noisy(x);
  random::seed(3);
  const Tensor traced1 = f(x);  // tracing leaves the generator where it was
  const Tensor traced2 = f(x);
  EXPECT_EQ(values(traced1), values(eager1));
  EXPECT_EQ(values(traced2), values(eager2));
  EXPECT_NE(values(traced1), values(traced2));
}

TEST(GraphFunction, MultipleResultsAndResultKinds) {
  auto pair = function(
      [](const Tensor& a, const Tensor& b) { return std::make_tuple(a + b, a * b, sum(a)); });
  auto [s, p, total] = pair(tensor({1.f, 2.f}), tensor({3.f, 4.f}));
  EXPECT_EQ(values(s), (std::vector<float>{4, 6}));
  EXPECT_EQ(values(p), (std::vector<float>{3, 8}));
  EXPECT_FLOAT_EQ(total.item<float>(), 3.f);

  auto list = function([](const Tensor& a) { return std::vector<Tensor>{a, -a}; });
  const std::vector<Tensor> out = list(tensor({5.f}));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(values(out[0]), std::vector<float>{5.f});  // an argument returned as is
  EXPECT_EQ(values(out[1]), std::vector<float>{-5.f});
}

TEST(GraphFunction, LayersAndModelsAreInlined) {
  random::seed(11);
  auto model = nn::Sequential({nn::Dense(8, {.activation = "relu"}), nn::Dropout(0.25),
                               nn::Dense(3, {.activation = "softmax"})});
  auto forward = function([&](const Tensor& x) { return model(x, /*training=*/false); });
  const Tensor x = random::uniform({5, 4}, -1.0, 1.0);
  const Tensor traced = forward(x);  // the first call builds the model's weights concretely
  for (const Tensor& weight : model.weights()) EXPECT_FALSE(weight.is_symbolic());
  EXPECT_EQ(values(traced), values(model(x, false)));
  const Graph& g = forward.graph_for(x);
  EXPECT_EQ(g.num_ops("matmul"), 2u);
  EXPECT_EQ(g.num_ops("dropout"), 0u);  // inference: Dropout is the identity
  size_t variables = 0;
  for (const GraphNode& node : g.nodes) variables += node.kind == GraphNode::Kind::Capture;
  EXPECT_EQ(variables, 4u);  // two kernels and two biases
}

TEST(GraphFunction, NestedFunctionsAreInlined) {
  auto inner = function([](const Tensor& a) { return a * 2.0; });
  auto outer = function([&](const Tensor& a) { return inner(a) + 1.0; });
  EXPECT_EQ(values(outer(tensor({1.f, 2.f}))), (std::vector<float>{3, 5}));
  EXPECT_EQ(inner.num_traces(), 0u);  // its body ran inside the outer trace
  // inner's a * 2.0 is in outer's graph, fused with the + 1.0 after it.
  const Graph& g = outer.graph_for(tensor({1.f, 2.f}));
  EXPECT_EQ(g.num_ops(), 1u);
  EXPECT_EQ(g.num_ops("fused_elementwise"), 1u);
}

// A whole training step in one graph: forward, backward (autograd::grad recorded symbolically)
// and the update of the captured weights (recorded as the graph's effects).
TEST(GraphFunction, TrainingStepWithBackwardAndUpdateIsOneGraph) {
  random::seed(5);
  const Tensor x = random::normal({16, 4}, 0.0, 1.0);
  const Tensor y = random::normal({16, 1}, 0.0, 1.0);
  const Tensor w0 = random::normal({4, 1}, 0.0, 0.5);
  auto make_step = [](Tensor& w, Tensor& b) {
    return [&w, &b](const Tensor& xs, const Tensor& ys) {
      const Tensor loss = mean(square(matmul(xs, w) + b - ys));
      const std::vector<Tensor> grads = autograd::grad({loss}, {w, b});
      NoGradGuard no_grad;
      w.sub_(grads[0] * 0.1);
      b.sub_(grads[1] * 0.1);
      return loss;
    };
  };
  Tensor w_eager = w0.clone().requires_grad_(), b_eager = zeros({1}).requires_grad_();
  Tensor w_graph = w0.clone().requires_grad_(), b_graph = zeros({1}).requires_grad_();
  auto eager_step = make_step(w_eager, b_eager);
  auto graph_step = function(make_step(w_graph, b_graph));
  std::vector<float> eager_losses, graph_losses;
  for (int i = 0; i < 5; ++i) {
    eager_losses.push_back(eager_step(x, y).item<float>());
    graph_losses.push_back(graph_step(x, y).item<float>());
  }
  EXPECT_EQ(graph_losses, eager_losses);
  EXPECT_LT(graph_losses.back(), graph_losses.front());
  EXPECT_EQ(values(w_graph), values(w_eager));
  EXPECT_EQ(values(b_graph), values(b_eager));
  EXPECT_EQ(graph_step.num_traces(), 1u);
  const Graph& g = graph_step.graph_for(x, y);
  EXPECT_EQ(g.num_ops("assign"), 2u);  // the two updates survive dead-code elimination
  EXPECT_GE(g.num_ops("matmul"), 2u);  // forward and backward
}

TEST(GraphFunction, BatchNormalizationUpdatesItsMovingStatisticsOnEveryRun) {
  random::seed(2);
  auto eager_bn = nn::BatchNormalization();
  auto graph_bn = nn::BatchNormalization();
  const Tensor x = random::normal({8, 3}, 1.0, 2.0);
  auto train = function([&](const Tensor& xs) { return graph_bn(xs, /*training=*/true); });
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(values(train(x)), values(eager_bn(x, true)));
  }
  const std::vector<Tensor> a = eager_bn.weights(), b = graph_bn.weights();
  ASSERT_EQ(a.size(), b.size());
  for (size_t k = 0; k < a.size(); ++k) EXPECT_EQ(values(b[k]), values(a[k])) << k;
  EXPECT_EQ(train.num_traces(), 1u);
}

TEST(GraphFunction, RecurrentLayersRecordTheirFusedOps) {
  random::seed(4);
  auto lstm = nn::LSTM(6, {.return_sequences = true});
  auto gru = nn::GRU(5);
  const Tensor x = random::normal({3, 7, 4}, 0.0, 1.0);
  auto f = function([&](const Tensor& xs) { return gru(lstm(xs)); });
  const Tensor traced = f(x);
  const Tensor eager = gru(lstm(x));
  EXPECT_EQ(values(traced), values(eager));
  const Graph& g = f.graph_for(x);
  EXPECT_EQ(g.num_ops("lstm_sequence"), 1u);
  EXPECT_EQ(g.num_ops("gru_sequence"), 1u);

  auto stateful = nn::SimpleRNN(3, {.stateful = true});
  auto h = function([&](const Tensor& xs) { return stateful(xs); });
  expect_error<ValueError>([&] { (void)h(x); }, {"stateful", "nabla::function"});
}

// Every in-place write goes through the assign op; only the written tensor's version changes,
// so a source that autograd saved stays usable.
TEST(GraphFunction, AssignBumpsOnlyTheWrittenTensor) {
  const Tensor x = tensor({0.5f, 1.5f}).requires_grad_();
  const Tensor saved = exp(x);  // exp's VJP reads its output
  Tensor target = zeros({2});
  const uint64_t before = target.version();
  {
    NoGradGuard no_grad;
    target.copy_(saved);
  }
  EXPECT_GT(target.version(), before);
  EXPECT_NO_THROW(sum(saved).backward());
  EXPECT_EQ(values(x.grad()), values(saved.detach()));
}

TEST(GraphFunction, ReadsAfterAWriteAreNotMergedWithReadsBeforeIt) {
  Tensor v = tensor({1.f, 2.f});
  auto f = function([&](const Tensor& x) {
    const Tensor before = v * 2.0;
    {
      NoGradGuard no_grad;
      v.add_(x);
    }
    const Tensor after = v * 2.0;  // the same op on the same capture, but after the write
    return std::vector<Tensor>{before, after};
  });
  const std::vector<Tensor> out = f(tensor({10.f, 10.f}));
  EXPECT_EQ(values(out[0]), (std::vector<float>{2, 4}));
  EXPECT_EQ(values(out[1]), (std::vector<float>{22, 24}));
  EXPECT_EQ(values(v), (std::vector<float>{11, 12}));
  const std::vector<Tensor> again = f(tensor({1.f, 1.f}));
  EXPECT_EQ(values(again[0]), (std::vector<float>{22, 24}));
  EXPECT_EQ(values(again[1]), (std::vector<float>{24, 26}));
}

// Note [Inter-op parallelism]: independent small ops run concurrently; the results (random
// draws included) do not depend on it, and an error in a concurrent op reaches the caller.
TEST(GraphFunction, IndependentBranchesRunConcurrentlyWithTheSameResults) {
  const int threads = num_threads();
  set_num_threads(2);
  random::seed(1);
  std::vector<Tensor> wa, wb;
  for (int k = 0; k < 4; ++k) {
    wa.push_back(random::normal({16, 16}, 0.0, 0.3));
    wb.push_back(random::normal({16, 16}, 0.0, 0.3));
  }
  auto body = [&](const Tensor& x) {
    Tensor a = x, b = x;
    for (int k = 0; k < 4; ++k) {
      a = tanh(matmul(a, wa[static_cast<size_t>(k)]));
      b = sigmoid(matmul(dropout(b, 0.25), wb[static_cast<size_t>(k)]));
    }
    return a + b;
  };
  auto f = function(body);
  const Tensor x = random::normal({8, 16}, 0.0, 1.0);
  random::seed(3);
  const Tensor eager = body(x);
  graph::set_inter_op_parallelism(false);
  random::seed(3);
  const Tensor serial = f(x);
  graph::set_inter_op_parallelism(true);
  random::seed(3);
  const Tensor concurrent = f(x);
  EXPECT_EQ(values(serial), values(eager));
  EXPECT_EQ(values(concurrent), values(eager));

  auto gathers = function([](const Tensor& v, const Tensor& i) {
    return take(v, i, 0) + take(v * 2.0, i, 0);  // two independent gathers
  });
  EXPECT_EQ(values(gathers(tensor({1.f, 2.f, 3.f}), tensor({int64_t{2}, int64_t{0}}))),
            (std::vector<float>{9.f, 3.f}));
  expect_error<IndexError>(
      [&] {
        (void)gathers(tensor({1.f, 2.f, 3.f}), tensor({int64_t{5}, int64_t{0}}));
      },
      {"5"});
  graph::set_inter_op_parallelism(false);
  set_num_threads(threads);
}

TEST(GraphFunction, ErrorsNameTheFunction) {
  auto reads_data =
      function([](const Tensor& a) { return a * a.item<float>(); }, {.name = "reads_data"});
  expect_error<ValueError>([&] { (void)reads_data(tensor(2.f)); }, {"symbolic"});

  const Tensor outside = nn::Input({3});
  auto uses_input = function([&](const Tensor& a) { return a + outside; }, {.name = "uses_input"});
  expect_error<ValueError>(
      [&] {
        (void)uses_input(ones({1, 3}));
      },
      {"uses_input", "outside the traced function", "argument"});

  Tensor captured = ones({2});
  auto backward_inside = function([&](const Tensor& a) {
    Tensor loss = sum(a * captured.requires_grad_());
    loss.backward();
    return loss;
  });
  expect_error<ValueError>([&] { (void)backward_inside(ones({2})); },
                           {"backward", "autograd::grad"});

  auto f = function([](const Tensor& a) { return a + 1.0; });
  const Graph& g = f.graph_for(ones({2}));
  expect_error<ShapeError>([&] { (void)g.run({ones({3})}); }, {"argument 0", "[2]", "[3]"});
  expect_error<ValueError>([&] { (void)g.run({}); }, {"expected 1 arguments"});
}

TEST(GraphFunction, RetracingStormsWarnOnce) {
  auto f = function([](const Tensor& a) { return a + 1.0; }, {.name = "storm"});
  ::testing::internal::CaptureStderr();
  for (int64_t n = 1; n <= 8; ++n) (void)f(ones({n}));
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(f.num_traces(), 8u);
  EXPECT_NE(err.find("'storm' has been traced 6 times"), std::string::npos) << err;
  EXPECT_EQ(err.find("traced 7 times"), std::string::npos) << err;
}

TEST(GraphFunction, VerifierCatchesBrokenGraphs) {
  Graph g =
      graph::trace([](const std::vector<Tensor>& a) { return std::vector<Tensor>{exp(a[0])}; },
                   {{Shape{2, 3}, float32}});
  g.verify();
  Graph wrong_shape = g;
  wrong_shape.nodes.back().outputs[0].shape = Shape{3, 2};
  expect_error<ValueError>([&] { wrong_shape.verify(); }, {"exp", "[3, 2]", "[2, 3]"});
  Graph forward_ref = g;
  forward_ref.nodes.back().inputs[0].node = static_cast<int32_t>(g.nodes.size());
  expect_error<ValueError>([&] { forward_ref.verify(); }, {"not an earlier node"});
  Graph bad_output = g;
  bad_output.outputs[0].output = 1;
  expect_error<ValueError>([&] { bad_output.verify(); }, {"output 0"});
}

TEST(GraphFunction, TextListing) {
  const Tensor w = ones({3, 2});
  Graph g = graph::trace(
      [&](const std::vector<Tensor>& a) { return std::vector<Tensor>{sum(matmul(a[0], w), {1})}; },
      {{Shape{4, 3}, float32}});
  const std::string text = g.str();
  EXPECT_NE(text.find("%0 = input 0 (x0) : [4, 3] float32"), std::string::npos) << text;
  EXPECT_NE(text.find("capture (captured) : [3, 2] float32"), std::string::npos) << text;
  EXPECT_NE(text.find("matmul(%0, %1) : [4, 2] float32"), std::string::npos) << text;
  EXPECT_NE(text.find("return %"), std::string::npos) << text;
}

TEST(GraphFunction, SaveSvgRendersWithGraphviz) {
  if (std::system("command -v dot >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "Graphviz 'dot' is not installed (scripts/install-deps.sh installs it)";
  }
  auto f = function([](const Tensor& a) { return softmax(a * 2.0, -1); });
  const Graph& g = f.graph_for(ones({2, 5}));
  const auto dir = std::filesystem::temp_directory_path() / "nabla_graph_svg_test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "model.svg").string();
  g.save_svg(path);
  std::ifstream file(path);
  const std::string svg((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("x0"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(path + ".dot.tmp"));
  expect_error<IOError>([&] { g.save_svg((dir / "missing" / "m.svg").string()); }, {"save_svg"});
  std::filesystem::remove_all(dir);
}

TEST(GraphFunction, PlotModelDrawsTheLayerGraph) {
  const Tensor in = nn::Input({8});
  auto named = [](std::string name, int64_t units) {
    nn::Dense layer(units);
    layer.set_name(std::move(name));
    return layer;
  };
  const Tensor a = named("left", 4)(in);
  const Tensor b = named("right", 4)(in);
  const Tensor joined = nn::Concatenate()(std::vector<Tensor>{a, b})[0];
  const Tensor out = named("head", 2)(joined);
  nn::Model model(in, out);
  const std::string dot = model.to_dot();
  for (const char* piece :
       {"InputLayer", "left", "right", "head", "Concatenate", "(None, 8)", "(None, 2)"}) {
    EXPECT_NE(dot.find(piece), std::string::npos) << piece << "\n" << dot;
  }
  size_t edges = 0;
  for (size_t at = dot.find("->"); at != std::string::npos; at = dot.find("->", at + 1)) ++edges;
  EXPECT_EQ(edges, 5u);  // input to left and right, both to concatenate, concatenate to head

  struct Custom : nn::Model {
    Tensor call(const Tensor& x, bool) override { return x; }
  };
  expect_error<ValueError>([&] { (void)Custom().to_dot(); }, {"subclassed", "nabla::function"});
  if (std::system("command -v dot >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "Graphviz 'dot' is not installed (scripts/install-deps.sh installs it)";
  }
  const auto path = std::filesystem::temp_directory_path() / "nabla_plot_model_test.svg";
  model.plot_model(path.string());
  EXPECT_GT(std::filesystem::file_size(path), 100u);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace nabla
