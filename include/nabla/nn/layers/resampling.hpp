// Padding, cropping and upsampling of the spatial axes: ZeroPadding1D/2D, Cropping1D/2D,
// UpSampling1D/2D (Keras 3's names, options and configs). The batch and channel axes pass
// through; data_format says where the channels are ("channels_last" [N, (H,) W, C], the
// default, or "channels_first" [N, C, (H,) W]).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "nabla/nn/layer.hpp"

namespace nabla::nn {

/// Amounts added or removed at the two ends of one spatial axis: Keras's "int, or tuple of 2
/// ints": `1` (both ends) or `{before, after}`.
struct EdgeWidths1D {
  EdgeWidths1D(int64_t both) : before(both), after(both) {}  // NOLINT: implicit by design
  EdgeWidths1D(int64_t before_, int64_t after_) : before(before_), after(after_) {}
  int64_t before, after;
};

/// Amounts for the two spatial axes of an image: Keras's "int, or tuple of 2 ints, or tuple of
/// 2 tuples of 2 ints": `1` (all four edges), `{height, width}` (symmetric per axis) or
/// `{{top, bottom}, {left, right}}`.
struct EdgeWidths2D {
  EdgeWidths2D(int64_t all) : height{all, all}, width{all, all} {}  // NOLINT: implicit by design
  EdgeWidths2D(int64_t symmetric_height, int64_t symmetric_width)
      : height{symmetric_height, symmetric_height}, width{symmetric_width, symmetric_width} {}
  EdgeWidths2D(std::pair<int64_t, int64_t> height_, std::pair<int64_t, int64_t> width_)
      : height(height_), width(width_) {}
  std::pair<int64_t, int64_t> height, width;  // (top, bottom), (left, right)
};

struct ResamplingOptions {
  std::string data_format = "channels_last";  // or "channels_first"
};

/// [N, steps, C] -> [N, before + steps + after, C] with zeros added along the steps
/// ([N, C, steps] for channels_first).
class ZeroPadding1D : public ClonableLayer<ZeroPadding1D> {
 public:
  explicit ZeroPadding1D(EdgeWidths1D padding = 1, ResamplingOptions options = {});
  [[nodiscard]] Tensor call(const Tensor& x, bool training) override;
  [[nodiscard]] std::string class_name() const override { return "ZeroPadding1D"; }
  [[nodiscard]] nlohmann::json get_config() const override;
  [[nodiscard]] static ZeroPadding1D from_config(const nlohmann::json& config);

 private:
  EdgeWidths1D padding_;
  ResamplingOptions options_;
};

/// [N, H, W, C] -> [N, top + H + bottom, left + W + right, C] with zeros added around each image
/// ([N, C, H, W] for channels_first).
class ZeroPadding2D : public ClonableLayer<ZeroPadding2D> {
 public:
  explicit ZeroPadding2D(EdgeWidths2D padding = 1, ResamplingOptions options = {});
  [[nodiscard]] Tensor call(const Tensor& x, bool training) override;
  [[nodiscard]] std::string class_name() const override { return "ZeroPadding2D"; }
  [[nodiscard]] nlohmann::json get_config() const override;
  [[nodiscard]] static ZeroPadding2D from_config(const nlohmann::json& config);

 private:
  EdgeWidths2D padding_;
  ResamplingOptions options_;
};

/// [N, steps, C] -> [N, steps - before - after, C]; at least one step must remain (ShapeError
/// naming both otherwise). Returns a view.
class Cropping1D : public ClonableLayer<Cropping1D> {
 public:
  explicit Cropping1D(EdgeWidths1D cropping = 1);
  [[nodiscard]] Tensor call(const Tensor& x, bool training) override;
  [[nodiscard]] std::string class_name() const override { return "Cropping1D"; }
  [[nodiscard]] nlohmann::json get_config() const override;
  [[nodiscard]] static Cropping1D from_config(const nlohmann::json& config);

 private:
  EdgeWidths1D cropping_;
};

/// [N, H, W, C] -> [N, H - top - bottom, W - left - right, C] ([N, C, H, W] for
/// channels_first); at least one row and column must remain. Returns a view.
class Cropping2D : public ClonableLayer<Cropping2D> {
 public:
  explicit Cropping2D(EdgeWidths2D cropping = 0, ResamplingOptions options = {});
  [[nodiscard]] Tensor call(const Tensor& x, bool training) override;
  [[nodiscard]] std::string class_name() const override { return "Cropping2D"; }
  [[nodiscard]] nlohmann::json get_config() const override;
  [[nodiscard]] static Cropping2D from_config(const nlohmann::json& config);

 private:
  EdgeWidths2D cropping_;
  ResamplingOptions options_;
};

/// [N, steps, C] -> [N, steps * size, C]: each step repeated `size` times.
class UpSampling1D : public ClonableLayer<UpSampling1D> {
 public:
  explicit UpSampling1D(int64_t size = 2);
  [[nodiscard]] Tensor call(const Tensor& x, bool training) override;
  [[nodiscard]] std::string class_name() const override { return "UpSampling1D"; }
  [[nodiscard]] nlohmann::json get_config() const override;
  [[nodiscard]] static UpSampling1D from_config(const nlohmann::json& config);

 private:
  int64_t size_;
};

struct UpSampling2DOptions {
  std::string data_format = "channels_last";  // or "channels_first"
  /// "nearest" (rows and columns repeated) or "bilinear" (Keras 3 / TensorFlow's resize with
  /// half-pixel centres, no antialiasing: PyTorch's align_corners=False).
  std::string interpolation = "nearest";
};

/// [N, H, W, C] -> [N, H * size_h, W * size_w, C] ([N, C, H, W] for channels_first).
class UpSampling2D : public ClonableLayer<UpSampling2D> {
 public:
  explicit UpSampling2D(int64_t size = 2, UpSampling2DOptions options = {});
  explicit UpSampling2D(std::pair<int64_t, int64_t> size, UpSampling2DOptions options = {});
  [[nodiscard]] Tensor call(const Tensor& x, bool training) override;
  [[nodiscard]] std::string class_name() const override { return "UpSampling2D"; }
  [[nodiscard]] nlohmann::json get_config() const override;
  [[nodiscard]] static UpSampling2D from_config(const nlohmann::json& config);

 private:
  std::pair<int64_t, int64_t> size_;
  UpSampling2DOptions options_;
};

}  // namespace nabla::nn
