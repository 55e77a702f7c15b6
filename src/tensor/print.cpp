// operator<< for Tensor: NumPy's array repr (numpy/core/arrayprint.py, default options) spelled
// `tensor(` and always ending in the dtype. The tensor module sits below ops, so elements are read
// straight from storage through the layout, never through an op.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <complex>
#include <concepts>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "nabla/tensor/tensor.hpp"

namespace nabla {
namespace {

// NumPy's default print options.
constexpr int64_t kSummaryThreshold = 1000;  // summarise above this many elements
constexpr int64_t kEdgeItems = 3;            // items kept at each end of a summarised axis
constexpr int64_t kLineWidth = 75;
constexpr int kPrecision = 8;  // at most 8 digits after the point
constexpr std::string_view kPrefix = "tensor(";

template <std::floating_point T>
std::string to_chars_string(T x, std::chars_format format, std::optional<int> precision) {
  char buffer[128];
  const auto result = precision
                          ? std::to_chars(buffer, buffer + sizeof buffer, x, format, *precision)
                          : std::to_chars(buffer, buffer + sizeof buffer, x, format);
  return std::string(buffer, result.ptr);
}

void trim_trailing_zeros(std::string& digits) {
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
}

// A finite float split as NumPy's Dragon4 prints it in its first pass: the shortest digits that
// round-trip in T (float32 values use float32's shortest form), cut to kPrecision digits after the
// point with correct rounding, trailing zeros trimmed.
struct FloatParts {
  std::string integer;   // with its sign
  std::string fraction;  // may be empty ("1.")
  int exponent = 0;      // scientific only
};

void split_at_point(const std::string& text, FloatParts& parts) {
  const size_t point = text.find('.');
  parts.integer = text.substr(0, point);
  parts.fraction = point == std::string::npos ? "" : text.substr(point + 1);
}

template <std::floating_point T>
FloatParts positional_parts(T x) {
  FloatParts parts;
  split_at_point(to_chars_string(x, std::chars_format::fixed, std::nullopt), parts);
  if (parts.fraction.size() > static_cast<size_t>(kPrecision)) {
    split_at_point(to_chars_string(x, std::chars_format::fixed, kPrecision), parts);
    trim_trailing_zeros(parts.fraction);
  }
  return parts;
}

template <std::floating_point T>
FloatParts scientific_parts(T x) {
  auto split = [](const std::string& text, FloatParts& parts) {
    const size_t e = text.find('e');
    split_at_point(text.substr(0, e), parts);
    parts.exponent = std::stoi(text.substr(e + 1));
  };
  FloatParts parts;
  split(to_chars_string(x, std::chars_format::scientific, std::nullopt), parts);
  if (parts.fraction.size() > static_cast<size_t>(kPrecision)) {
    split(to_chars_string(x, std::chars_format::scientific, kPrecision), parts);
    trim_trailing_zeros(parts.fraction);
  }
  return parts;
}

std::string pad_left(const std::string& s, size_t width, char fill = ' ') {
  return s.size() >= width ? s : std::string(width - s.size(), fill) + s;
}
std::string pad_right(const std::string& s, size_t width, char fill = ' ') {
  return s.size() >= width ? s : s + std::string(width - s.size(), fill);
}

// NumPy's FloatingFormat (floatmode 'maxprec', precision 8, suppress off): one format for the
// whole tensor, chosen from `sample` (the elements that will be shown). `plus_sign` is NumPy's
// sign='+' (non-negative values get a '+'), which complex numbers use for their imaginary parts.
template <std::floating_point T>
class FloatFormat {
 public:
  explicit FloatFormat(const std::vector<T>& sample, bool plus_sign = false)
      : plus_sign_(plus_sign) {
    std::vector<T> finite;
    bool has_negative_inf = false;
    for (T x : sample) {
      if (std::isfinite(x)) {
        finite.push_back(x);
      } else if (std::isinf(x) && x < 0) {
        has_negative_inf = true;
      }
    }
    T max_abs = 0;
    T min_abs = std::numeric_limits<T>::infinity();
    for (T x : finite) {
      if (x == 0) continue;
      max_abs = std::max(max_abs, std::abs(x));
      min_abs = std::min(min_abs, std::abs(x));
    }
    if (max_abs > 0) {
      // As NumPy: the ratio is computed in T (float32 overflow to inf counts as "> 1000"), the
      // comparisons in double (float32(1e-4) is below 1e-4 and prints in scientific notation).
      const T ratio = max_abs / min_abs;
      exp_format_ = static_cast<double>(max_abs) >= 1e8 || static_cast<double>(min_abs) < 1e-4 ||
                    static_cast<double>(ratio) > 1000.0;
    }
    if (finite.empty()) {
      pad_left_ = 0;
      pad_right_ = 0;
    } else if (exp_format_) {
      size_t exp_digits = 0;
      for (T x : finite) {
        const FloatParts p = signed_parts(scientific_parts(x), x);
        pad_left_ = std::max(pad_left_, p.integer.size());
        precision_ = std::max(precision_, p.fraction.size());
        exp_digits = std::max(exp_digits, std::to_string(std::abs(p.exponent)).size());
      }
      exp_size_ = std::max<size_t>(exp_digits, 2);
      pad_right_ = exp_size_ + 2 + precision_;
    } else {
      for (T x : finite) {
        const FloatParts p = signed_parts(positional_parts(x), x);
        pad_left_ = std::max(pad_left_, p.integer.size());
        pad_right_ = std::max(pad_right_, p.fraction.size());
      }
    }
    if (finite.size() != sample.size()) {  // room for nan, inf, -inf
      const size_t after_point = pad_right_ + 1;
      const size_t inf_len = 3 + (has_negative_inf || plus_sign_ ? 1 : 0);
      if (3 > after_point) pad_left_ = std::max(pad_left_, 3 - after_point);
      if (inf_len > after_point) pad_left_ = std::max(pad_left_, inf_len - after_point);
    }
  }

  [[nodiscard]] std::string operator()(T x) const {
    if (!std::isfinite(x)) {
      const std::string text =
          std::string(x < 0 ? "-" : (plus_sign_ ? "+" : "")) + (std::isnan(x) ? "nan" : "inf");
      return pad_left(text, pad_left_ + pad_right_ + 1);
    }
    if (exp_format_) {
      FloatParts p = signed_parts(scientific_parts(x), x);
      if (p.fraction.size() < precision_) {
        // NumPy's min_digits: shorter values get more true digits (not zeros) up to the
        // common precision, with the last one rounded.
        const std::string text =
            to_chars_string(x, std::chars_format::scientific, static_cast<int>(precision_));
        split_at_point(text.substr(0, text.find('e')), p);
        p.exponent = std::stoi(text.substr(text.find('e') + 1));
        p = signed_parts(p, x);
      }
      const std::string exponent = pad_left(std::to_string(std::abs(p.exponent)), exp_size_, '0');
      return pad_left(p.integer, pad_left_) + '.' + p.fraction + 'e' +
             (p.exponent < 0 ? '-' : '+') + exponent;
    }
    const FloatParts p = signed_parts(positional_parts(x), x);
    return pad_left(p.integer, pad_left_) + '.' + pad_right(p.fraction, pad_right_);
  }

 private:
  [[nodiscard]] FloatParts signed_parts(FloatParts p, T x) const {
    if (plus_sign_ && !std::signbit(x)) p.integer.insert(0, 1, '+');
    return p;
  }

  bool plus_sign_ = false;
  bool exp_format_ = false;
  size_t pad_left_ = 0;
  size_t pad_right_ = 0;
  size_t precision_ = 0;  // scientific: digits after the point, the same for every element
  size_t exp_size_ = 2;
};

// NumPy's ComplexFloatingFormat: the real parts formatted as a float tensor, the imaginary parts
// as another with sign '+', then 'j' before the imaginary part's right padding: "1.+2.5j",
// "0.-1.j ".
template <std::floating_point T>
class ComplexFormat {
 public:
  explicit ComplexFormat(const std::vector<std::complex<T>>& sample)
      : real_(parts(sample, false)), imag_(parts(sample, true), true) {}
  [[nodiscard]] std::string operator()(std::complex<T> x) const {
    std::string imag = imag_(x.imag());
    const size_t end = imag.find_last_not_of(' ') + 1;
    return real_(x.real()) + imag.insert(end, 1, 'j');
  }

 private:
  static std::vector<T> parts(const std::vector<std::complex<T>>& sample, bool imag) {
    std::vector<T> out;
    out.reserve(sample.size());
    for (const std::complex<T>& x : sample) out.push_back(imag ? x.imag() : x.real());
    return out;
  }
  FloatFormat<T> real_;
  FloatFormat<T> imag_;
};

// NumPy's IntegerFormat: right-aligned to the widest of the sample's min and max.
template <class T>
class IntegerFormat {
 public:
  explicit IntegerFormat(const std::vector<T>& sample) {
    const auto [lo, hi] = std::minmax_element(sample.begin(), sample.end());
    width_ = std::max(std::to_string(*lo).size(), std::to_string(*hi).size());
  }
  [[nodiscard]] std::string operator()(T x) const { return pad_left(std::to_string(x), width_); }

 private:
  size_t width_ = 0;
};

// NumPy's BoolFormat: " True" lines up with "False", except in a 0-d tensor.
class BoolFormat {
 public:
  explicit BoolFormat(bool zero_dim) : true_text_(zero_dim ? "True" : " True") {}
  [[nodiscard]] std::string operator()(bool x) const { return x ? true_text_ : "False"; }

 private:
  std::string true_text_;
};

// The elements NumPy's _leading_trailing keeps: every element when not summarising, else the
// first and last kEdgeItems along each axis longer than 2 * kEdgeItems.
template <class T>
void collect_shown(const T* base, const Layout& layout, int64_t axis, int64_t offset,
                   bool summarise, std::vector<T>& out) {
  if (axis == layout.rank()) {
    out.push_back(base[offset]);
    return;
  }
  const int64_t n = layout.shape()[axis];
  const int64_t stride = layout.strides()[static_cast<size_t>(axis)];
  const bool cut = summarise && n > 2 * kEdgeItems;
  for (int64_t i = 0; i < n; ++i) {
    if (cut && i == kEdgeItems) i = n - kEdgeItems;
    collect_shown(base, layout, axis + 1, offset + i * stride, summarise, out);
  }
}

// NumPy's _extendLine: wraps before `word` when it would pass `width`, unless the line is empty.
void extend_line(std::string& s, std::string& line, const std::string& word, int64_t width,
                 const std::string& indent) {
  if (static_cast<int64_t>(line.size() + word.size()) > width && line.size() > indent.size()) {
    const size_t end = line.find_last_not_of(' ');
    s += line.substr(0, end == std::string::npos ? 0 : end + 1) + '\n';
    line = indent;
  }
  line += word;
}

// NumPy's _formatArray: nested brackets, rows wrapped at the line width, "..." for the elided
// middle of summarised axes, and one blank line per extra axis between blocks.
template <class T, class Format>
class ArrayFormatter {
 public:
  ArrayFormatter(const T* base, const Layout& layout, const Format& format, bool summarise)
      : base_(base), layout_(layout), format_(format), summarise_(summarise) {}

  std::string format(int64_t axis, int64_t offset, const std::string& indent, int64_t width) const {
    const int64_t axes_left = layout_.rank() - axis;
    if (axes_left == 0) return format_(base_[offset]);
    const std::string next_indent = indent + ' ';
    const int64_t next_width = width - 1;  // room for the closing ']'
    const int64_t n = layout_.shape()[axis];
    const int64_t stride = layout_.strides()[static_cast<size_t>(axis)];
    const bool show_summary = summarise_ && 2 * kEdgeItems < n;
    const int64_t leading = show_summary ? kEdgeItems : 0;
    const int64_t trailing = show_summary ? kEdgeItems : n;
    auto child = [&](int64_t i) {
      return format(axis + 1, offset + i * stride, next_indent, next_width);
    };
    std::string s;
    if (axes_left == 1) {
      const int64_t element_width = width - 1;  // room for ',' or ']'
      std::string line = indent;
      for (int64_t i = 0; i < leading; ++i) {
        extend_line(s, line, child(i), element_width, indent);
        line += ", ";
      }
      if (show_summary) {
        extend_line(s, line, "...", element_width, indent);
        line += ", ";
      }
      for (int64_t i = trailing; i > 1; --i) {
        extend_line(s, line, child(n - i), element_width, indent);
        line += ", ";
      }
      extend_line(s, line, child(n - 1), element_width, indent);
      s += line;
    } else {
      const std::string line_sep = "," + std::string(static_cast<size_t>(axes_left - 1), '\n');
      for (int64_t i = 0; i < leading; ++i) s += indent + child(i) + line_sep;
      if (show_summary) s += indent + "..." + line_sep;
      for (int64_t i = trailing; i > 1; --i) s += indent + child(n - i) + line_sep;
      s += indent + child(n - 1);
    }
    return "[" + s.substr(indent.size()) + "]";
  }

 private:
  const T* base_;
  const Layout& layout_;
  const Format& format_;
  bool summarise_;
};

// The bracketed elements of a CPU tensor with at least one element.
std::string format_elements(const Tensor& t) {
  const bool summarise = t.numel() > kSummaryThreshold;
  return visit_dtype_with_complex(t.dtype(), [&]<class T>(T) {
    const T* base = static_cast<const T*>(t.data_ptr());
    std::vector<T> shown;
    collect_shown(base, t.layout(), 0, 0, summarise, shown);
    auto run = [&](const auto& format) {
      const ArrayFormatter formatter(base, t.layout(), format, summarise);
      // Continuation lines align with the first '['; the last line keeps room for the ','
      // before the dtype.
      return formatter.format(0, 0, std::string(kPrefix.size() + 1, ' '), kLineWidth - 1);
    };
    if constexpr (std::is_same_v<T, bool>) {
      return run(BoolFormat(t.ndim() == 0));
    } else if constexpr (std::is_floating_point_v<T>) {
      return run(FloatFormat<T>(shown));
    } else if constexpr (is_complex_v<T>) {
      return run(ComplexFormat<typename T::value_type>(shown));
    } else {
      return run(IntegerFormat<T>(shown));
    }
  });
}

}  // namespace

std::ostream& operator<<(std::ostream& out, const Tensor& t) {
  if (!t.defined()) return out << "tensor(<undefined>)";
  std::string body;
  if (t.is_symbolic() || t.storage() == nullptr) {
    body = "<symbolic>, shape=" + to_string(t.shape());
  } else if (!t.device().is_cpu()) {
    // Reading device memory needs a copy, which is an op; the tensor module cannot call ops.
    body = "<not on the cpu>, shape=" + to_string(t.shape());
  } else if (t.numel() == 0) {
    body = t.shape() == Shape{0} ? "[]" : "[], shape=" + to_string(t.shape());
  } else {
    body = format_elements(t);
  }
  std::string text = std::string(kPrefix) + body + ",";
  std::string tail = "dtype=" + std::string(dtype_name(t.dtype()));
  if (!t.device().is_cpu()) tail += ", device=" + detail::str_cat(t.device());
  tail += ")";
  // NumPy moves the dtype to its own line when it would pass the line width.
  const size_t last_line = text.size() - (text.rfind('\n') + 1);  // npos + 1 == 0
  const std::string spacer = static_cast<int64_t>(last_line + tail.size() + 1) > kLineWidth
                                 ? "\n" + std::string(kPrefix.size(), ' ')
                                 : " ";
  return out << text << spacer << tail;
}

}  // namespace nabla
