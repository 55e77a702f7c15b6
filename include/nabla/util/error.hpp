// nabla's exception hierarchy and the checks that raise it (design.md §5.3).
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace nabla {

/// Base of every exception nabla throws.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
/// Incompatible shapes: the message names the op and both shapes.
class ShapeError : public Error {
 public:
  using Error::Error;
};
/// A dtype the op does not accept.
class DTypeError : public Error {
 public:
  using Error::Error;
};
/// Wrong or unavailable device, or no kernel for that device.
class DeviceError : public Error {
 public:
  using Error::Error;
};
/// A bad argument value.
class ValueError : public Error {
 public:
  using Error::Error;
};
/// An index or axis out of range.
class IndexError : public Error {
 public:
  using Error::Error;
};
/// File and format errors (missing, truncated or corrupt files).
class IOError : public Error {
 public:
  using Error::Error;
};
/// A linear-algebra routine cannot produce a result: a singular matrix for inv/solve, a matrix
/// that is not positive definite for cholesky, an iteration that did not converge. The message
/// names the op and the batch index of the offending matrix.
class LinAlgError : public Error {
 public:
  using Error::Error;
};
/// A broken internal invariant: a bug in nabla, never the user's fault.
class InternalError : public Error {
 public:
  using Error::Error;
};

namespace detail {
template <class... Args>
[[nodiscard]] std::string str_cat(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}
}  // namespace detail

}  // namespace nabla

/// User error: throws ErrorType with the concatenated message when cond is false.
/// NABLA_CHECK(a.ndim() == 2, ShapeError, "matmul: expected 2-D, got ", a.shape());
#define NABLA_CHECK(cond, ErrorType, ...)                              \
  do {                                                                 \
    if (!(cond)) [[unlikely]] {                                        \
      throw ::nabla::ErrorType(::nabla::detail::str_cat(__VA_ARGS__)); \
    }                                                                  \
  } while (false)

/// Internal invariant: a failure is a nabla bug and says where it happened.
#define NABLA_ASSERT(cond, ...)                                                             \
  do {                                                                                      \
    if (!(cond)) [[unlikely]] {                                                             \
      throw ::nabla::InternalError(::nabla::detail::str_cat(                                \
          "internal error at ", __FILE__, ":", __LINE__, ": ", #cond, " ", ##__VA_ARGS__)); \
    }                                                                                       \
  } while (false)
