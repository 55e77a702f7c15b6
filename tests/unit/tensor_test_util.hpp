// Helpers shared by the unit tests: the same values in several memory layouts, and an expected
// exception whose message names the op and the shapes.
#pragma once

#include <gtest/gtest.h>

#include <exception>
#include <nabla/nabla.hpp>
#include <string>
#include <utility>
#include <vector>

namespace nabla::testing {

/// The same values as `x` in other layouts: transposed, every other element, negative stride.
inline std::vector<std::pair<std::string, Tensor>> layouts(const Tensor& x) {
  std::vector<std::pair<std::string, Tensor>> out{{"contiguous", x}};
  if (x.ndim() >= 2) out.emplace_back("transposed", x.transpose().contiguous().transpose());
  if (x.ndim() >= 1 && x.numel() > 0) {
    Shape wide = x.shape();
    wide.push_back(2);
    out.emplace_back("step2", x.unsqueeze(-1).expand(wide).contiguous().select(-1, 0));
    const int64_t n = x.shape()[0];
    const Tensor flipped = x.slice(0, n - 1, -n - 1, -1).contiguous();
    out.emplace_back("reversed", flipped.slice(0, n - 1, -n - 1, -1));
  }
  for (size_t i = 1; i < out.size(); ++i) {
    EXPECT_EQ(out[i].second.to_vector<double>(), x.to_vector<double>()) << out[i].first;
  }
  return out;
}

/// Runs fn and expects an exception of type E whose message contains every piece.
template <class E = Error, class Fn>
void expect_error(Fn&& fn, const std::vector<std::string>& pieces) {
  try {
    fn();
    ADD_FAILURE() << "no exception";
  } catch (const E& e) {
    const std::string message = e.what();
    for (const auto& piece : pieces) {
      EXPECT_NE(message.find(piece), std::string::npos)
          << "'" << message << "' lacks '" << piece << "'";
    }
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
  }
}

}  // namespace nabla::testing
