// Number formatting shared by the train module: Python's float repr (what Keras writes into
// CSV files and messages) and the metric values of Keras's progress bar.
#pragma once

#include <string>

namespace nabla::callbacks::detail {

/// repr(value) in Python: the shortest digits that round-trip, fixed notation for exponents in
/// [-4, 16) with at least one decimal ("0.1", "100.0", "1e-05", "1e+16", "nan", "inf").
[[nodiscard]] std::string float_repr(double value);

/// printf-style formatting of one double ("%.4f", "%.0f", ...); NaN prints as "nan" whatever its
/// sign bit, as in Python.
[[nodiscard]] std::string format_double(const char* format, double value);

/// A metric as Keras's progress bar shows it: 4 decimals, or 4 significant digits in scientific
/// notation when |value| <= 1e-3 ("0.0951", "1.2340e-04").
[[nodiscard]] std::string metric_value(double value);

}  // namespace nabla::callbacks::detail
