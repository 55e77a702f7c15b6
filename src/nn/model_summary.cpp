// Model::summary(): Keras 3's table (box-drawing borders, "Layer (type) / Output Shape /
// Param #", plus "Connected to" for functional models) and the parameter totals.
#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <sstream>

#include "nabla/nn/model.hpp"
#include "nn/layer_state.hpp"

namespace nabla::nn {
namespace {

std::string with_commas(int64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

/// Keras's readable size of float32 parameters: "1.55 MB", "0.00 B".
std::string byte_size(int64_t params) {
  double bytes = static_cast<double>(params) * 4;
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) {
    bytes /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f %s", bytes, units[u]);
  return buf;
}

/// (None, 512): the batch dimension printed as None.
std::string shape_text(const Shape& s) {
  if (s.rank() == 0) return "?";
  std::string out = "(None";
  for (int64_t d = 1; d < s.rank(); ++d) out += ", " + std::to_string(s[d]);
  return out + (s.rank() == 1 ? ",)" : ")");
}

/// Display width of UTF-8 text (box characters are one column, multi-byte).
size_t columns(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string repeat(const std::string& piece, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += piece;
  return out;
}

std::string pad(const std::string& s, size_t width, bool right) {
  const size_t w = columns(s);
  const std::string fill(width > w ? width - w : 0, ' ');
  return right ? fill + s : s + fill;
}

}  // namespace

std::vector<Model::SummaryRow> Model::summary_rows() const {
  if (stack_ != nullptr) return sequential_summary_rows();
  std::vector<SummaryRow> rows;
  if (graph_ != nullptr) {
    for (const auto& node : graph_->order()) {
      if (node->kind == graph::Node::Kind::Op) continue;
      SummaryRow row;
      row.name = node->name;
      if (node->kind == graph::Node::Kind::Input) {
        row.type = "InputLayer";
      } else {
        row.layer = std::static_pointer_cast<Layer>(node->owner);
        row.type = row.layer->class_name();
        row.params = row.layer->count_params();
        for (const Tensor& in : node->inputs) {
          const auto& p = graph::producer(in);
          if (p == nullptr) continue;
          if (!row.connected_to.empty()) row.connected_to += ", ";
          row.connected_to +=
              p->name + "[0][" + std::to_string(in.impl().symbolic->output_index) + "]";
        }
      }
      // The node's first output shape: find a tensor made by this node among later inputs or
      // the model outputs.
      for (const Tensor& t : graph_->outputs()) {
        if (graph::producer(t) == node) row.output_shape = t.shape();
      }
      for (const auto& other : graph_->order()) {
        for (const Tensor& t : other->inputs) {
          if (graph::producer(t) == node && row.output_shape.rank() == 0) {
            row.output_shape = t.shape();
          }
        }
      }
      rows.push_back(std::move(row));
    }
    return rows;
  }
  for (const auto& layer : layers()) {
    rows.push_back({layer, layer->name(), layer->class_name(), Shape{}, "", layer->count_params()});
  }
  return rows;
}

void Model::summary(std::ostream& out) const {
  const std::vector<SummaryRow> rows = summary_rows();
  const bool functional = graph_ != nullptr;
  std::vector<std::string> headers{"Layer (type)", "Output Shape", "Param #"};
  if (functional) headers.emplace_back("Connected to");
  std::vector<std::vector<std::string>> cells;
  for (const SummaryRow& r : rows) {
    std::vector<std::string> line{r.name + " (" + r.type + ")", shape_text(r.output_shape),
                                  with_commas(r.params)};
    if (functional) line.push_back(r.connected_to.empty() ? "-" : r.connected_to);
    cells.push_back(std::move(line));
  }
  // Keras's minimum widths, widened to fit the content.
  std::vector<size_t> width{31, 22, 13, 21};
  width.resize(headers.size());
  for (size_t c = 0; c < headers.size(); ++c) {
    width[c] = std::max(width[c], columns(headers[c]));
    for (const auto& line : cells) width[c] = std::max(width[c], columns(line[c]));
  }
  auto border = [&](const char* left, const char* fill, const char* mid, const char* right) {
    std::string s = left;
    for (size_t c = 0; c < width.size(); ++c) {
      s += repeat(fill, width[c] + 2);
      s += c + 1 < width.size() ? mid : right;
    }
    return s + "\n";
  };
  auto row_text = [&](const std::vector<std::string>& line, const char* bar) {
    std::string s = bar;
    for (size_t c = 0; c < width.size(); ++c) {
      s += " " + pad(line[c], width[c], c == 2) + " " + bar;
    }
    return s + "\n";
  };
  out << "Model: \"" << name() << "\"\n";
  out << border("┏", "━", "┳", "┓");
  out << row_text(headers, "┃");
  out << border("┡", "━", "╇", "┩");
  for (size_t i = 0; i < cells.size(); ++i) {
    out << row_text(cells[i], "│");
    out << (i + 1 < cells.size() ? border("├", "─", "┼", "┤") : border("└", "─", "┴", "┘"));
  }
  if (cells.empty()) out << border("└", "─", "┴", "┘");
  int64_t trainable = 0, non_trainable = 0;
  for (const Tensor& w : trainable_weights()) trainable += w.numel();
  for (const Tensor& w : non_trainable_weights()) non_trainable += w.numel();
  const int64_t total = trainable + non_trainable;
  out << " Total params: " << with_commas(total) << " (" << byte_size(total) << ")\n";
  out << " Trainable params: " << with_commas(trainable) << " (" << byte_size(trainable) << ")\n";
  out << " Non-trainable params: " << with_commas(non_trainable) << " (" << byte_size(non_trainable)
      << ")\n";
}

}  // namespace nabla::nn
