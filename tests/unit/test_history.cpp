// History: the per-key lists and epochs Keras keeps, the CSV export (exact text), and the SVG
// plot (well-formed, one curve per key, one chart per metric), with atomic writes that leave an
// existing file intact on failure.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <nabla/nabla.hpp>
#include <string>
#include <vector>

#include "nabla/train/history.hpp"
#include "train/format.hpp"
#include "unit/file_test_util.hpp"
#include "unit/numpy_interop.hpp"

namespace {
using namespace nabla;
using nabla::callbacks::Logs;
using nabla::testing::read_bytes;
using nabla::testing::TempDir;
using nabla::testing::write_bytes;

History record(const std::vector<Logs>& epochs) {
  History history;
  history.on_train_begin({});
  for (size_t epoch = 0; epoch < epochs.size(); ++epoch) {
    history.on_epoch_end(static_cast<int64_t>(epoch), epochs[epoch]);
  }
  history.on_train_end({});
  return history;
}

History typical() {
  return record({
      {{"loss", 0.9}, {"accuracy", 0.6}, {"val_loss", 1.0}, {"val_accuracy", 0.55}},
      {{"loss", 0.5}, {"accuracy", 0.8}, {"val_loss", 0.7}, {"val_accuracy", 0.7}},
      {{"loss", 0.25}, {"accuracy", 0.9}, {"val_loss", 0.6}, {"val_accuracy", 0.75}},
  });
}

size_t count(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

// CSV files hold values as Python writes floats (repr), so that they read like Keras's.
TEST(History, ValuesAreWrittenAsPythonReprs) {
  using nabla::callbacks::detail::float_repr;
  const std::vector<std::pair<double, std::string>> cases = {
      {0.6011234369277954, "0.6011234369277954"},
      {1e-05, "1e-05"},
      {0.0001, "0.0001"},
      {100.0, "100.0"},
      {1e16, "1e+16"},
      {0.1 * 0.1, "0.010000000000000002"},
      {123456789012345.6, "123456789012345.6"},
      {1.5e-7, "1.5e-07"},
      {-0.0, "-0.0"},
      {-2.5e+20, "-2.5e+20"},
      {0.25, "0.25"},
      {std::nan(""), "nan"},
      {-std::numeric_limits<double>::infinity(), "-inf"},
  };
  for (const auto& [value, text] : cases) EXPECT_EQ(float_repr(value), text) << text;
}

TEST(History, RecordsOneValuePerEpochAndKey) {
  const History history = typical();
  EXPECT_EQ(history.epochs(), (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(history.history().size(), 4u);
  EXPECT_EQ(history["loss"], (std::vector<double>{0.9, 0.5, 0.25}));
  EXPECT_EQ(history["val_accuracy"], (std::vector<double>{0.55, 0.7, 0.75}));
  try {
    (void)history["acc"];
    ADD_FAILURE() << "no ValueError";
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(),
                 "History: no key 'acc'; known keys: accuracy, loss, val_accuracy, "
                 "val_loss");
  }
}

TEST(History, EpochsRestartWithEachTrainingButValuesAccumulate) {
  History history = typical();
  history.on_train_begin({});
  history.on_epoch_end(3, {{"loss", 0.125}});
  EXPECT_EQ(history.epochs(), std::vector<int64_t>{3});
  EXPECT_EQ(history["loss"].size(), 4u);  // Keras's History keeps appending
}

TEST(History, ToCsvWritesAHeaderAndOneRowPerEpoch) {
  TempDir dir;
  const auto file = dir / "history.csv";
  write_bytes(file, "previous");
  typical().to_csv(file);
  EXPECT_EQ(read_bytes(file),
            "epoch,accuracy,loss,val_accuracy,val_loss\n"
            "0,0.6,0.9,0.55,1.0\n"
            "1,0.8,0.5,0.7,0.7\n"
            "2,0.9,0.25,0.75,0.6\n");
  // No temporary file is left behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
}

TEST(History, ToCsvMarksKeysAnEpochDidNotLog) {
  TempDir dir;
  const auto file = dir / "history.csv";
  // Validation every second epoch (validation_freq = 2).
  record({{{"loss", 1.0}}, {{"loss", 0.5}, {"val_loss", 0.75}}, {{"loss", 1e-05}}}).to_csv(file);
  EXPECT_EQ(read_bytes(file),
            "epoch,loss,val_loss\n"
            "0,1.0,NA\n"
            "1,0.5,0.75\n"
            "2,1e-05,NA\n");
}

TEST(History, PlotWritesOneChartPerMetricWithTrainAndValidationCurves) {
  TempDir dir;
  const auto file = dir / "history.svg";
  History history = record({
      {{"loss", 0.9},
       {"accuracy", 0.6},
       {"val_loss", 1.0},
       {"val_accuracy", 0.55},
       {"learning_rate", 0.01}},
      {{"loss", 0.5},
       {"accuracy", 0.8},
       {"val_loss", 0.7},
       {"val_accuracy", 0.7},
       {"learning_rate", 0.001}},
  });
  history.plot(file);
  const std::string svg = read_bytes(file);
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
  EXPECT_EQ(count(svg, "<polyline"), 5u);  // loss, val_loss, accuracy, val_accuracy, lr
  EXPECT_EQ(count(svg, "<g "), 3u);        // loss, accuracy, learning_rate
  EXPECT_EQ(count(svg, "<g "), count(svg, "</g>"));
  // Titles (loss first) and legend entries.
  const size_t loss_title = svg.find("font-weight=\"bold\">loss</text>");
  const size_t accuracy_title = svg.find("font-weight=\"bold\">accuracy</text>");
  ASSERT_NE(loss_title, std::string::npos);
  ASSERT_NE(accuracy_title, std::string::npos);
  EXPECT_LT(loss_title, accuracy_title);
  EXPECT_NE(svg.find(">learning_rate</text>"), std::string::npos);
  for (const std::string key : {"val_loss", "val_accuracy"}) {
    EXPECT_NE(svg.find(">" + key + "</text>"), std::string::npos) << key;
  }
  // Train and validation curves in two colours; each polyline has one point per epoch.
  EXPECT_EQ(count(svg, "<polyline fill=\"none\" stroke=\"#1f77b4\""), 3u);
  EXPECT_EQ(count(svg, "<polyline fill=\"none\" stroke=\"#ff7f0e\""), 2u);
  const size_t points = svg.find("points=\"");
  const size_t end = svg.find('"', points + 8);
  EXPECT_EQ(count(svg.substr(points + 8, end - points - 8), ","), 2u);
  EXPECT_NE(svg.find(">epoch</text>"), std::string::npos);
}

TEST(History, PlotIsWellFormedXml) {
  if (std::system(NABLA_PYTHON " -c \"import xml.dom.minidom\" > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << NABLA_PYTHON " cannot parse XML";
  }
  TempDir dir;
  const auto file = dir / "history.svg";
  // A single epoch, a flat curve, a non-finite value and a name that needs escaping.
  record({{{"loss", 0.5}, {"a<b&c", 2.0}, {"val_loss", std::nan("")}}}).plot(file);
  const std::string command = std::string(NABLA_PYTHON) +
                              " -c \"import sys, xml.dom.minidom as m; "
                              "d = m.parse(sys.argv[1]); "
                              "assert d.documentElement.tagName == 'svg'\" '" +
                              file.string() + "'";
  EXPECT_EQ(std::system(command.c_str()), 0) << read_bytes(file);
  const std::string svg = read_bytes(file);
  EXPECT_NE(svg.find("a&lt;b&amp;c"), std::string::npos);
  EXPECT_EQ(count(svg, "<polyline"), 3u);
  EXPECT_NE(svg.find("stroke=\"#ff7f0e\" stroke-width=\"2\" stroke-linejoin=\"round\" points=\"\""),
            std::string::npos);  // val_loss has no finite point
}

TEST(History, PlotOfNothingIsAValueError) {
  TempDir dir;
  EXPECT_THROW(History().plot(dir / "empty.svg"), ValueError);
}

TEST(History, FailedWritesLeaveTheExistingFileIntact) {
  TempDir dir;
  const History history = typical();
  // A name so long that the temporary file beside it cannot be created (works even as root).
  const auto file = dir / (std::string(250, 'h') + ".csv");
  write_bytes(file, "keep me");
  nabla::testing::expect_io_error([&] { history.to_csv(file); }, file, "History.to_csv");
  nabla::testing::expect_io_error([&] { history.plot(file); }, file, "History.plot");
  EXPECT_EQ(read_bytes(file), "keep me");
  const auto missing = dir / "no_such_dir" / "history.csv";
  nabla::testing::expect_io_error([&] { history.to_csv(missing); }, missing, "cannot write");
}

TEST(History, WriteIntoAReadOnlyDirectoryFailsCleanly) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  TempDir dir;
  const auto locked = dir / "locked";
  std::filesystem::create_directory(locked);
  const auto file = locked / "history.csv";
  write_bytes(file, "keep me");
  ::chmod(locked.c_str(), 0555);
  const History history = typical();
  nabla::testing::expect_io_error([&] { history.to_csv(file); }, file, "History.to_csv");
  nabla::testing::expect_io_error([&] { history.plot(file); }, file, "History.plot");
  ::chmod(locked.c_str(), 0755);
  EXPECT_EQ(read_bytes(file), "keep me");
}

}  // namespace
