// ProgressBar: Keras's progbar text exactly (format_line), and what reaches the stream for each
// verbosity on a terminal (in-place redraws with colours, throttled) and off one (plain lines).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <nabla/nabla.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

#include "nabla/train/progress_bar.hpp"

namespace {
using nabla::callbacks::Logs;
using nabla::callbacks::ProgressBar;
using nabla::callbacks::TrainParams;

std::string cells(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += "\u2501";
  return out;
}
const std::string kBar = cells(20);

size_t count(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

TEST(ProgressBar, FormatLineDuringAnEpochShowsTheEta) {
  // 12 steps in 0.096 s: 8 ms/step, 457 steps left: ETA 3.656 s, shown truncated as Keras does.
  EXPECT_EQ(
      ProgressBar::format_line(12, 469, 0.096, {{"accuracy", 0.81234}, {"loss", 0.60106}}, false),
      " 12/469 " + kBar + " 3s 8ms/step - accuracy: 0.8123 - loss: 0.6011");
  EXPECT_EQ(ProgressBar::format_line(1, 1000, 0.1, {}, false),
            "   1/1000 " + kBar + " 1:39 100ms/step");
  EXPECT_EQ(ProgressBar::format_line(1, 100000, 0.1, {}, false),
            "     1/100000 " + kBar + " 2:46:39 100ms/step");
  EXPECT_EQ(ProgressBar::format_line(2, 10, 3.0, {}, false), " 2/10 " + kBar + " 12s 2s/step");
  EXPECT_EQ(ProgressBar::format_line(0, 10, 0.0, {}, false), " 0/10 " + kBar + " 0s 0s/step");
}

TEST(ProgressBar, FormatLineAtTheEndShowsTheTotalTime) {
  EXPECT_EQ(
      ProgressBar::format_line(
          469, 469, 2.814,
          {{"accuracy", 0.97116}, {"loss", 0.09512}, {"val_accuracy", 0.98}, {"val_loss", 0.0712}},
          true),
      "469/469 " + kBar +
          " 3s 6ms/step - accuracy: 0.9712 - loss: 0.0951 - val_accuracy: 0.9800 - "
          "val_loss: 0.0712");
  // 0.5 s rounds half to even, as Python's format does; 500 us per step.
  EXPECT_EQ(ProgressBar::format_line(1000, 1000, 0.5, {}, true),
            "1000/1000 " + kBar + " 0s 500us/step");
}

TEST(ProgressBar, FormatLineValues) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(ProgressBar::format_line(
                3, 3, 1.0,
                {{"a", 0.0001234}, {"b", -0.5}, {"c", nan}, {"d", 0.0}, {"e", 12345.678}}, true),
            "3/3 " + kBar +
                " 1s 333ms/step - a: 1.2340e-04 - b: -0.5000 - c: nan - d: 0.0000e+00 - e: "
                "12345.6780");
}

TEST(ProgressBar, FormatLineWithAnUnknownNumberOfSteps) {
  EXPECT_EQ(ProgressBar::format_line(12, 0, 3.2, {{"loss", 0.5}}, false),
            "     12/Unknown 3s 267ms/step - loss: 0.5000");
  EXPECT_EQ(ProgressBar::format_line(12, 0, 3.2, {}, true), "12/12 " + kBar + " 3s 267ms/step");
}

/// One epoch of `steps` batches with the given batch losses, then `epoch_logs`.
void run_epoch(ProgressBar& bar, int64_t epoch, const std::vector<double>& batch_losses,
               const Logs& epoch_logs, std::chrono::milliseconds pause = {}) {
  bar.on_epoch_begin(epoch, {});
  for (size_t batch = 0; batch < batch_losses.size(); ++batch) {
    if (pause.count() > 0 && batch > 0) std::this_thread::sleep_for(pause);
    bar.on_train_batch_end(static_cast<int64_t>(batch), {{"loss", batch_losses[batch]}});
  }
  bar.on_epoch_end(epoch, epoch_logs);
}

// The time fields vary from run to run; everything else is exact.
const std::string kTimes = R"( \d+s \d+(us|ms|s)/step)";

TEST(ProgressBar, OffATerminalVerbose1PrintsTheFinalLineOfEachEpoch) {
  std::ostringstream out;
  ProgressBar bar(&out, 0);
  bar.set_params(TrainParams{.epochs = 2, .steps = 3, .verbose = 1});
  bar.on_train_begin({});
  run_epoch(bar, 0, {1.0, 2.0, 3.0}, {{"loss", 0.5}, {"val_loss", 0.75}});
  run_epoch(bar, 1, {1.0, 2.0, 3.0}, {{"loss", 0.25}, {"val_loss", 0.5}});
  const std::string text = out.str();
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
  EXPECT_EQ(text.find('\r'), std::string::npos) << text;
  const std::regex expected("Epoch 1/2\n3/3 " + kBar + kTimes +
                            " - loss: 0\\.5000 - val_loss: 0\\.7500\n"
                            "Epoch 2/2\n3/3 " +
                            kBar + kTimes + " - loss: 0\\.2500 - val_loss: 0\\.5000\n");
  EXPECT_TRUE(std::regex_match(text, expected)) << text;
}

TEST(ProgressBar, OneEpochHasNoEpochHeader) {
  std::ostringstream out;
  ProgressBar bar(&out, 0);
  bar.set_params(TrainParams{.epochs = 1, .steps = 2, .verbose = 1});
  run_epoch(bar, 0, {1.0, 2.0}, {{"loss", 0.5}});
  EXPECT_TRUE(
      std::regex_match(out.str(), std::regex("2/2 " + kBar + kTimes + " - loss: 0\\.5000\n")))
      << out.str();
}

TEST(ProgressBar, Verbose2PrintsOneSummaryLinePerEpoch) {
  std::ostringstream out;
  ProgressBar bar(&out, 1);  // even on a terminal: no bar, no colours
  bar.set_params(TrainParams{.epochs = 2, .steps = 469, .verbose = 2});
  run_epoch(bar, 0, std::vector<double>(469, 1.0), {{"accuracy", 0.97116}, {"loss", 0.0001}});
  const std::regex expected(
      R"(Epoch 1/2\n469/469 - \d+s - \d+(us|ms|s)/step - accuracy: 0\.9712 - loss: 1\.0000e-04\n)");
  EXPECT_TRUE(std::regex_match(out.str(), expected)) << out.str();
}

TEST(ProgressBar, Verbose0IsSilent) {
  std::ostringstream out;
  ProgressBar bar(&out, 1);
  bar.set_params(TrainParams{.epochs = 3, .steps = 2, .verbose = 0});
  run_epoch(bar, 0, {1.0, 2.0}, {{"loss", 0.5}});
  EXPECT_EQ(out.str(), "");
}

TEST(ProgressBar, OnATerminalRedrawsInPlaceWithKerasColours) {
  std::ostringstream out;
  ProgressBar bar(&out, 1);
  bar.set_params(TrainParams{.epochs = 2, .steps = 4, .verbose = 1});
  // Pauses longer than the refresh interval, so that every batch is drawn.
  run_epoch(bar, 0, {1.0, 3.0, 2.0, 2.0}, {{"loss", 5.0}}, std::chrono::milliseconds(60));
  const std::string text = out.str();
  EXPECT_EQ(text.rfind("Epoch 1/2\n\r", 0), 0u) << text;
  EXPECT_EQ(count(text, "\r"), 5u) << text;  // 4 batches + the final line
  EXPECT_EQ(text.back(), '\n');
  // Step 2 of 4: 10 green cells, 10 grey; bold count and time.
  EXPECT_NE(text.find("\x1b[1m2/4\x1b[0m \x1b[32m" + cells(10) + "\x1b[0m\x1b[37m" + cells(10) +
                      "\x1b[0m \x1b[1m"),
            std::string::npos)
      << text;
  // Step 1 of 4: 5 green cells.
  EXPECT_NE(text.find("\x1b[1m1/4\x1b[0m \x1b[32m" + cells(5) + "\x1b[0m"), std::string::npos);
  // During the epoch the loss shown is Keras's average over the steps: (1 + 3) / 2 at step 2.
  EXPECT_NE(text.find(" - loss: 2.0000"), std::string::npos) << text;
  // The final line shows the epoch's value and the total time, with all 20 cells green.
  const size_t last = text.rfind('\r');
  const std::string final_line = text.substr(last);
  EXPECT_NE(final_line.find("\x1b[1m4/4\x1b[0m \x1b[32m" + kBar + "\x1b[0m\x1b[37m\x1b[0m"),
            std::string::npos)
      << final_line;
  EXPECT_TRUE(std::regex_search(final_line, std::regex(" \x1b\\[1m\\d+s\x1b\\[0m")));
  EXPECT_NE(final_line.find(" - loss: 5.0000"), std::string::npos) << final_line;
}

TEST(ProgressBar, OnATerminalRedrawsAreThrottled) {
  std::ostringstream out;
  ProgressBar bar(&out, 1);
  bar.set_params(TrainParams{.epochs = 1, .steps = 2000, .verbose = 1});
  run_epoch(bar, 0, std::vector<double>(2000, 1.0), {{"loss", 1.0}});
  // The first batch and the end are always drawn; thousands of quick batches are not.
  EXPECT_GE(count(out.str(), "\r"), 2u);
  EXPECT_LT(count(out.str(), "\r"), 100u);
}

TEST(ProgressBar, ShorterLinesEraseTheRestOfTheLongerOne) {
  std::ostringstream out;
  ProgressBar bar(&out, 1);
  bar.set_params(TrainParams{.epochs = 1, .steps = 2, .verbose = 1});
  bar.on_epoch_begin(0, {});
  bar.on_train_batch_end(0, {{"loss", 1234567.0}});  // "loss: 1234567.0000"
  bar.on_epoch_end(0, {{"loss", 1.0}});              // "loss: 1.0000": 7 characters shorter
  const std::string text = out.str();
  const size_t second = text.rfind('\r');
  auto visible = [](const std::string& s) {
    const std::string plain = std::regex_replace(s, std::regex("\x1b\\[[0-9;]*m"), "");
    size_t n = 0;
    for (const char c : plain) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return n;
  };
  const std::string first_line = text.substr(1, second - 1);
  const std::string final_line = text.substr(second + 1, text.size() - second - 2);
  EXPECT_EQ(text.back(), '\n');
  // Trailing spaces cover what the longer line left on screen.
  EXPECT_GE(visible(final_line), visible(first_line)) << text;
  EXPECT_NE(final_line.find("loss: 1.0000   "), std::string::npos) << text;
}

}  // namespace

namespace {

// The bar asks for batch logs only when it will draw them (fit() skips reading a GPU's running
// loss otherwise), and draws exactly when it said it would.
TEST(ProgressBar, AsksForBatchLogsOnlyWhenARedrawIsDue) {
  std::ostringstream out;
  ProgressBar bar(&out, 1);
  bar.set_params(TrainParams{.epochs = 1, .steps = 1000, .verbose = 1});
  bar.on_epoch_begin(0, {});
  int asked = 0;
  for (int64_t b = 0; b < 1000; ++b) {
    const bool needs = bar.needs_batch_logs();
    asked += needs ? 1 : 0;
    const size_t before = out.str().size();
    bar.on_train_batch_end(b, needs ? Logs{{"loss", 1.0}} : Logs{});
    EXPECT_EQ(out.str().size() > before, needs) << "batch " << b;
  }
  EXPECT_GE(asked, 1);  // the first batch is always drawn
  EXPECT_LT(asked, 100);
  for (int verbose : {0, 2}) {
    ProgressBar quiet(&out, 1);
    quiet.set_params(TrainParams{.epochs = 1, .steps = 10, .verbose = verbose});
    quiet.on_epoch_begin(0, {});
    EXPECT_FALSE(quiet.needs_batch_logs()) << "verbose " << verbose;
  }
  ProgressBar piped(&out, 0);  // off a terminal only the final line is written
  piped.set_params(TrainParams{.epochs = 1, .steps = 10, .verbose = 1});
  piped.on_epoch_begin(0, {});
  EXPECT_FALSE(piped.needs_batch_logs());
}

}  // namespace
