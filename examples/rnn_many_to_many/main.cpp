// Many-to-many recurrent models on tinyshakespeare: a classifier at every step.
//   --task lm (default): a character-level language model. Input: 100 characters; target: the
//     next character at every position. Embedding -> LSTM(256) x 2 (return_sequences) ->
//     TimeDistributed(Dense(vocab)). Trained for a time budget (--minutes) with Adam; reports the
//     validation loss in nats per character on the last 10% of the text and samples text at a
//     temperature.
//   --task truecase: from lowercased text, predict for every character whether it was uppercase.
//     Embedding(32) -> LSTM(64) (or Bidirectional) -> TimeDistributed(Dense(2)); reports the F1
//     of the uppercase class and the accuracy on the held-out last 10%.
// Same conventions as the other examples: one final JSON line with the figures.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <nabla/nabla.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cli.hpp"

using namespace nabla;
using example_cli::parse_number;
using example_cli::UsageError;

namespace {

constexpr const char* kUsage = R"(usage: rnn_many_to_many [options]
  --task S         lm (next-character language model) | truecase     [lm]
  --units N        units of each LSTM                     [lm: 256, truecase: 64]
  --layers N       stacked LSTM layers                    [lm: 2, truecase: 1]
  --embedding N    embedding size                         [lm: 64, truecase: 32]
  --bidirectional  truecase: read each window both ways (Bidirectional, concat)
  --seq-len N      characters per window                  [100]
  --batch-size N   windows per gradient step              [lm: 64, truecase: 32]
  --lr X           Adam's learning rate                   [0.002]
  --minutes X      lm: training time budget (evaluation not counted)   [15]
  --steps N        lm: stop after N steps at the latest   [no limit]
  --eval-every N   lm: validation loss every N steps      [200]
  --epochs N       truecase: training epochs              [3]
  --temperature X  lm: sampling temperature               [0.8]
  --sample N       lm: characters to generate             [300]
  --limit N        use the first N characters of the text only (quick runs)  [all]
  --data FILE      the text [default: $NABLA_DATA/tinyshakespeare/input.txt]
  --seed N         random seed                            [0]
  --skip-if-no-data  exit 77 (a skipped test) when the text is not found
  --help           this text
)";

struct Options {
  std::string task = "lm";
  int64_t units = 0, layers = 0, embedding = 0;  // 0: the task's default
  bool bidirectional = false;
  int64_t seq_len = 100;
  int64_t batch_size = 0;  // 0: the task's default
  double lr = 2e-3;
  double minutes = 15;
  int64_t steps = 0;
  int64_t eval_every = 200;
  int64_t epochs = 3;
  double temperature = 0.8;
  int64_t sample = 300;
  int64_t limit = 0;
  std::string data;
  uint64_t seed = 0;
  bool skip_if_no_data = false;
  bool help = false;
};

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help") {
      o.help = true;
      continue;
    }
    if (flag == "--bidirectional") {
      o.bidirectional = true;
      continue;
    }
    if (flag == "--skip-if-no-data") {
      o.skip_if_no_data = true;
      continue;
    }
    if (i + 1 >= argc) throw UsageError(std::string(flag) + " needs a value (or is unknown)");
    const std::string_view v = argv[++i];
    if (flag == "--task") {
      o.task = v;
    } else if (flag == "--units") {
      o.units = parse_number<int64_t>(flag, v);
    } else if (flag == "--layers") {
      o.layers = parse_number<int64_t>(flag, v);
    } else if (flag == "--embedding") {
      o.embedding = parse_number<int64_t>(flag, v);
    } else if (flag == "--seq-len") {
      o.seq_len = parse_number<int64_t>(flag, v);
    } else if (flag == "--batch-size") {
      o.batch_size = parse_number<int64_t>(flag, v);
    } else if (flag == "--lr") {
      o.lr = parse_number<double>(flag, v);
    } else if (flag == "--minutes") {
      o.minutes = parse_number<double>(flag, v);
    } else if (flag == "--steps") {
      o.steps = parse_number<int64_t>(flag, v);
    } else if (flag == "--eval-every") {
      o.eval_every = parse_number<int64_t>(flag, v);
    } else if (flag == "--epochs") {
      o.epochs = parse_number<int64_t>(flag, v);
    } else if (flag == "--temperature") {
      o.temperature = parse_number<double>(flag, v);
    } else if (flag == "--sample") {
      o.sample = parse_number<int64_t>(flag, v);
    } else if (flag == "--limit") {
      o.limit = parse_number<int64_t>(flag, v);
    } else if (flag == "--data") {
      o.data = v;
    } else if (flag == "--seed") {
      o.seed = parse_number<uint64_t>(flag, v);
    } else {
      throw UsageError("unknown option " + std::string(flag));
    }
  }
  if (o.task != "lm" && o.task != "truecase") {
    throw UsageError("--task must be lm or truecase, got " + o.task);
  }
  const bool lm = o.task == "lm";
  if (o.units == 0) o.units = lm ? 256 : 64;
  if (o.layers == 0) o.layers = lm ? 2 : 1;
  if (o.embedding == 0) o.embedding = lm ? 64 : 32;
  if (o.batch_size == 0) o.batch_size = lm ? 64 : 32;
  if (o.units < 1 || o.layers < 1 || o.embedding < 1 || o.seq_len < 2 || o.batch_size < 1 ||
      !(o.lr > 0) || !(o.minutes > 0) || o.steps < 0 || o.eval_every < 1 || o.epochs < 0 ||
      !(o.temperature > 0) || o.sample < 0 || o.limit < 0) {
    throw UsageError("a numeric option is out of range (see --help)");
  }
  return o;
}

std::string text_path(const Options& o) {
  if (!o.data.empty()) return o.data;
  const char* root = std::getenv("NABLA_DATA");
  return std::string(root != nullptr ? root : "../shared/data") + "/tinyshakespeare/input.txt";
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  NABLA_CHECK(in.good(), IOError, "rnn_many_to_many: cannot read ", path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

/// Characters to ids 0..n-1 in sorted order.
struct Vocabulary {
  std::vector<char> chars;
  std::map<char, int64_t> ids;
  explicit Vocabulary(const std::string& text) {
    std::vector<bool> seen(256, false);
    for (const char c : text) seen[static_cast<unsigned char>(c)] = true;
    for (int c = 0; c < 256; ++c) {
      if (seen[static_cast<size_t>(c)]) {
        ids[static_cast<char>(c)] = static_cast<int64_t>(chars.size());
        chars.push_back(static_cast<char>(c));
      }
    }
  }
  [[nodiscard]] int64_t size() const { return static_cast<int64_t>(chars.size()); }
};

/// Windows [count, seq_len] of `values` starting at the given offsets (shifted by `shift`).
Tensor windows(const std::vector<int64_t>& values, const std::vector<int64_t>& starts,
               int64_t seq_len, int64_t shift = 0) {
  std::vector<int64_t> flat;
  flat.reserve(starts.size() * static_cast<size_t>(seq_len));
  for (const int64_t s : starts) {
    flat.insert(flat.end(), values.begin() + s + shift, values.begin() + s + shift + seq_len);
  }
  return from_vector(flat, {static_cast<int64_t>(starts.size()), seq_len});
}

/// Non-overlapping window starts in [begin, end - seq_len - 1].
std::vector<int64_t> window_starts(int64_t begin, int64_t end, int64_t seq_len) {
  std::vector<int64_t> starts;
  for (int64_t s = begin; s + seq_len + 1 <= end; s += seq_len) starts.push_back(s);
  return starts;
}

/// Embedding -> LSTM stack (optionally bidirectional) -> per-step Dense(classes) logits.
nn::Model make_model(const Options& o, int64_t vocab, int64_t classes) {
  const Tensor tokens = nn::Input({o.seq_len}, int64);
  Tensor h = nn::Embedding(vocab, o.embedding)(tokens);
  for (int64_t i = 0; i < o.layers; ++i) {
    nn::LSTM lstm(o.units, {.return_sequences = true});
    h = o.bidirectional ? Tensor(nn::Bidirectional(lstm)(h)) : Tensor(lstm(h));
  }
  const Tensor logits = nn::TimeDistributed(nn::Dense(classes))(h);
  nn::Model model(tokens, logits);
  model.compile({.optimizer = optim::Adam({.learning_rate = o.lr}),
                 .loss = nn::losses::SparseCategoricalCrossentropy({.from_logits = true})});
  return model;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// Generates `count` characters after `prompt` (at least seq_len long), each drawn from the
/// softmax of the last position's logits divided by the temperature.
std::string sample_text(nn::Model& model, const Vocabulary& vocab, std::string prompt,
                        const Options& o, std::mt19937_64& rng) {
  std::string generated;
  for (int64_t i = 0; i < o.sample; ++i) {
    std::vector<int64_t> ids;
    for (size_t k = prompt.size() - static_cast<size_t>(o.seq_len); k < prompt.size(); ++k) {
      ids.push_back(vocab.ids.at(prompt[k]));
    }
    const Tensor logits = model.predict(from_vector(ids, {1, o.seq_len}), {.verbose = 0});
    const std::vector<double> last =
        logits.select(1, o.seq_len - 1).reshape({-1}).to_vector<double>();
    const double top = *std::max_element(last.begin(), last.end());
    std::vector<double> weights;
    for (const double l : last) weights.push_back(std::exp((l - top) / o.temperature));
    std::discrete_distribution<size_t> pick(weights.begin(), weights.end());
    const char c = vocab.chars[pick(rng)];
    generated += c;
    prompt += c;
  }
  return generated;
}

int run_lm(const Options& o, const std::string& text) {
  const Vocabulary vocab(text);
  std::vector<int64_t> ids;
  for (const char c : text) ids.push_back(vocab.ids.at(c));
  const auto n = static_cast<int64_t>(ids.size()), split = n * 9 / 10;
  const Tensor x_val = windows(ids, window_starts(split, n, o.seq_len), o.seq_len);
  const Tensor y_val = windows(ids, window_starts(split, n, o.seq_len), o.seq_len, 1);
  nn::Model model = make_model(o, vocab.size(), vocab.size());
  model.summary();
  std::cout << "text: " << n << " characters, vocabulary " << vocab.size() << ", " << x_val.size(0)
            << " validation windows\n";

  std::mt19937_64 rng(o.seed);
  const double budget = o.minutes * 60;
  double train_seconds = 0, val_loss = NAN, last_loss = NAN;
  int64_t step = 0;
  auto evaluate = [&] {
    val_loss = model.evaluate(x_val, y_val, {.batch_size = 256, .verbose = 0}).at("loss");
    std::cout << "step " << step << "  train loss " << last_loss << "  val loss " << val_loss
              << "  " << train_seconds << " s\n"
              << std::flush;
  };
  bool done = false;
  while (!done) {
    // Each pass over the text starts at a random offset, windows in random order.
    std::vector<int64_t> starts = window_starts(
        std::uniform_int_distribution<int64_t>(0, o.seq_len - 1)(rng), split, o.seq_len);
    std::shuffle(starts.begin(), starts.end(), rng);
    for (size_t b = 0; b + static_cast<size_t>(o.batch_size) <= starts.size() && !done;
         b += static_cast<size_t>(o.batch_size)) {
      const std::vector<int64_t> batch(starts.begin() + static_cast<int64_t>(b),
                                       starts.begin() + static_cast<int64_t>(b) + o.batch_size);
      const auto t0 = std::chrono::steady_clock::now();
      last_loss =
          model.train_on_batch(windows(ids, batch, o.seq_len), windows(ids, batch, o.seq_len, 1))
              .at("loss");
      train_seconds += seconds_since(t0);
      ++step;
      done = train_seconds >= budget || (o.steps > 0 && step >= o.steps);
      if (step % o.eval_every == 0 || done) evaluate();
    }
  }
  const std::string prompt =
      text.substr(static_cast<size_t>(split), static_cast<size_t>(o.seq_len));
  const std::string sample = sample_text(model, vocab, prompt, o, rng);
  std::cout << "---- sample (temperature " << o.temperature << ") ----\n"
            << prompt << sample << "\n----\n";
  std::cout << "{\"example\": \"rnn_many_to_many\", \"task\": \"lm\", \"val_loss\": " << val_loss
            << ", \"train_loss\": " << last_loss << ", \"steps\": " << step
            << ", \"train_seconds\": " << train_seconds << ", \"sec_per_step\": "
            << train_seconds / static_cast<double>(std::max<int64_t>(step, 1))
            << ", \"units\": " << o.units << ", \"layers\": " << o.layers
            << ", \"batch_size\": " << o.batch_size << ", \"seq_len\": " << o.seq_len << "}\n";
  return 0;
}

int run_truecase(const Options& o, const std::string& text) {
  std::string lower = text;
  std::vector<int64_t> upper;
  for (char& c : lower) {
    upper.push_back(std::isupper(static_cast<unsigned char>(c)) ? 1 : 0);
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  const Vocabulary vocab(lower);
  std::vector<int64_t> ids;
  for (const char c : lower) ids.push_back(vocab.ids.at(c));
  const auto n = static_cast<int64_t>(ids.size()), split = n * 9 / 10;
  const auto train_starts = window_starts(0, split, o.seq_len);
  const auto val_starts = window_starts(split, n, o.seq_len);
  const Tensor x_train = windows(ids, train_starts, o.seq_len);
  const Tensor y_train = windows(upper, train_starts, o.seq_len);
  const Tensor x_val = windows(ids, val_starts, o.seq_len);
  const Tensor y_val = windows(upper, val_starts, o.seq_len);
  nn::Model model = make_model(o, vocab.size(), 2);
  model.summary();
  const auto start = std::chrono::steady_clock::now();
  (void)model.fit(x_train, y_train, {.batch_size = o.batch_size, .epochs = o.epochs});
  const double train_seconds = seconds_since(start);

  const Tensor predicted = argmax(model.predict(x_val, {.batch_size = 256, .verbose = 0}), -1);
  const auto p = predicted.to_vector<int64_t>(), t = y_val.to_vector<int64_t>();
  int64_t tp = 0, fp = 0, fn = 0, correct = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    tp += p[i] == 1 && t[i] == 1;
    fp += p[i] == 1 && t[i] == 0;
    fn += p[i] == 0 && t[i] == 1;
    correct += p[i] == t[i];
  }
  const double precision = tp + fp > 0 ? static_cast<double>(tp) / static_cast<double>(tp + fp) : 0;
  const double recall = tp + fn > 0 ? static_cast<double>(tp) / static_cast<double>(tp + fn) : 0;
  const double f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
  const double accuracy = static_cast<double>(correct) / static_cast<double>(p.size());
  std::cout << "uppercase class: precision " << precision << ", recall " << recall << "\n";
  std::cout << "{\"example\": \"rnn_many_to_many\", \"task\": \"truecase\", \"val_f1\": " << f1
            << ", \"val_accuracy\": " << accuracy << ", \"val_precision\": " << precision
            << ", \"val_recall\": " << recall
            << ", \"bidirectional\": " << (o.bidirectional ? "true" : "false")
            << ", \"epochs\": " << o.epochs << ", \"train_seconds\": " << train_seconds << "}\n";
  return 0;
}

int run(const Options& o) {
  const std::string path = text_path(o);
  if (o.skip_if_no_data && !std::ifstream(path).good()) {
    std::cout << "rnn_many_to_many: skipped: " << path << " not found\n";
    return 77;
  }
  random::seed(o.seed);
  std::string text = read_text(path);
  if (o.limit > 0 && o.limit < static_cast<int64_t>(text.size())) {
    text.resize(static_cast<size_t>(o.limit));
  }
  return o.task == "lm" ? run_lm(o, text) : run_truecase(o, text);
}

}  // namespace

int main(int argc, char** argv) {
  return example_cli::run_main("rnn_many_to_many", kUsage, argc, argv, parse_options, run);
}
