// einsum: NumPy's subscript equations parsed and validated here, then handed to the contraction
// engine (contract_labels), which lowers them to diagonal views, sums, permutes/reshapes and one
// matmul per operand pair. tensordot and dot use the same engine.
#include "ops/einsum.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <string>

#include "nabla/ops/contraction.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/reduction.hpp"
#include "nabla/ops/view.hpp"

namespace nabla {
namespace {

using Labels = std::vector<int64_t>;

bool contains(const Labels& labels, int64_t label) {
  return std::find(labels.begin(), labels.end(), label) != labels.end();
}

int64_t position(const Labels& labels, int64_t label) {
  const auto it = std::find(labels.begin(), labels.end(), label);
  NABLA_ASSERT(it != labels.end(), "einsum: label ", label, " missing");
  return it - labels.begin();
}

}  // namespace

namespace detail {
namespace {

/// A tensor whose axis i carries labels[i].
struct Labelled {
  Tensor x;
  Labels labels;
};

/// Replaces each repeated label's axes by their diagonal (a view), so every label occurs once.
void take_diagonals(Labelled& t) {
  for (size_t p = 0; p < t.labels.size(); ++p) {
    for (size_t q = p + 1; q < t.labels.size(); ++q) {
      if (t.labels[p] != t.labels[q]) continue;
      const int64_t label = t.labels[p];
      t.x = diagonal(t.x, 0, static_cast<int64_t>(p), static_cast<int64_t>(q));  // moved last
      t.labels.erase(t.labels.begin() + static_cast<std::ptrdiff_t>(q));
      t.labels.erase(t.labels.begin() + static_cast<std::ptrdiff_t>(p));
      t.labels.push_back(label);
      p = static_cast<size_t>(-1);  // start over: positions have shifted
      break;
    }
  }
}

/// Sums away the labels for which `drop` holds, keeping the dtype: sum widens bool and ints, and
/// casting back gives NumPy's einsum results (integer wrap-around, logical or for bool).
template <class Pred>
void sum_out(Labelled& t, Pred drop) {
  std::vector<int64_t> axes;
  Labels kept;
  for (size_t i = 0; i < t.labels.size(); ++i) {
    if (drop(t.labels[i])) {
      axes.push_back(static_cast<int64_t>(i));
    } else {
      kept.push_back(t.labels[i]);
    }
  }
  if (axes.empty()) return;  // (sum with no axes would reduce everything)
  t.x = astype(sum(t.x, axes), t.x.dtype());
  t.labels = std::move(kept);
}

Tensor permuted(const Tensor& x, const std::vector<int64_t>& axes) {
  for (size_t i = 0; i < axes.size(); ++i) {
    if (axes[i] != static_cast<int64_t>(i)) return permute(x, axes);
  }
  return x;
}

std::vector<int64_t> concat(std::vector<int64_t> a, const std::vector<int64_t>& b,
                            const std::vector<int64_t>& c) {
  a.insert(a.end(), b.begin(), b.end());
  a.insert(a.end(), c.begin(), c.end());
  return a;
}

/// x regrouped as [batch..., rows, cols]: batch axes kept apart (matmul broadcasts them), the row
/// axes and the column axes each flattened into one. A view when each group has at most one axis
/// or when the grouping is contiguous either way round: [cols, rows] data becomes a transposed
/// view, which the matmul kernel hands to BLAS as such, without a copy.
Tensor as_matrices(const Tensor& x, const std::vector<int64_t>& batch,
                   const std::vector<int64_t>& rows, const std::vector<int64_t>& cols) {
  if (rows.size() <= 1 && cols.size() <= 1) {
    Tensor y = permuted(x, concat(batch, rows, cols));
    if (rows.empty()) y = unsqueeze(y, static_cast<int64_t>(batch.size()));
    if (cols.empty()) y = unsqueeze(y, y.ndim());
    return y;
  }
  std::vector<int64_t> shape;
  for (int64_t axis : batch) shape.push_back(x.shape()[axis]);
  int64_t row_extent = 1, col_extent = 1;
  for (int64_t axis : rows) row_extent *= x.shape()[axis];
  for (int64_t axis : cols) col_extent *= x.shape()[axis];
  Tensor y = permuted(x, concat(batch, rows, cols));
  if (!y.is_contiguous()) {
    Tensor z = permuted(x, concat(batch, cols, rows));
    if (z.is_contiguous()) {
      std::vector<int64_t> flipped = shape;
      flipped.push_back(col_extent);
      flipped.push_back(row_extent);
      return swapaxes(reshape(z, Shape(std::move(flipped))), -1, -2);
    }
  }
  shape.push_back(row_extent);
  shape.push_back(col_extent);
  return reshape(y, Shape(std::move(shape)));  // a copy when y is not contiguous
}

std::vector<int64_t> axes_of(const Labels& labels, const Labels& wanted) {
  std::vector<int64_t> axes;
  for (int64_t label : wanted) axes.push_back(position(labels, label));
  return axes;
}

/// Contracts two labelled tensors with one matmul (or one mul when no label is summed), keeping the
/// labels in `keep` (needed by the output or a later operand). Shared labels are batch dims when
/// kept, summed otherwise; labels of one operand only are summed away first unless kept.
Labelled contract_pair(Labelled a, Labelled b, const Labels& keep) {
  sum_out(a, [&](int64_t l) { return !contains(b.labels, l) && !contains(keep, l); });
  sum_out(b, [&](int64_t l) { return !contains(a.labels, l) && !contains(keep, l); });
  Labels batch, contracted, free_a, free_b;
  for (int64_t l : a.labels) {
    if (!contains(b.labels, l)) {
      free_a.push_back(l);
    } else {
      (contains(keep, l) ? batch : contracted).push_back(l);
    }
  }
  for (int64_t l : b.labels) {
    if (!contains(a.labels, l)) free_b.push_back(l);
  }
  if (contracted.empty()) {
    // Nothing summed: an elementwise or outer product, which mul computes by broadcasting at
    // memory speed (as matmul it would be a batch of k = 1 products, one BLAS call each).
    Tensor ax = permuted(a.x, axes_of(a.labels, concat(batch, free_a, {})));
    Tensor bx = permuted(b.x, axes_of(b.labels, concat(batch, free_b, {})));
    for (size_t t = 0; t < free_b.size(); ++t) ax = unsqueeze(ax, ax.ndim());
    for (size_t t = 0; t < free_a.size(); ++t) {
      bx = unsqueeze(bx, static_cast<int64_t>(batch.size()));
    }
    return {mul(ax, bx), concat(batch, free_a, free_b)};
  }
  const Tensor am = as_matrices(a.x, axes_of(a.labels, batch), axes_of(a.labels, free_a),
                                axes_of(a.labels, contracted));
  const Tensor bm = as_matrices(b.x, axes_of(b.labels, batch), axes_of(b.labels, contracted),
                                axes_of(b.labels, free_b));
  Tensor c = matmul(am, bm);  // [batch..., prod(free_a), prod(free_b)], contiguous
  std::vector<int64_t> shape;
  for (int64_t l : batch) shape.push_back(a.x.shape()[position(a.labels, l)]);
  for (int64_t l : free_a) shape.push_back(a.x.shape()[position(a.labels, l)]);
  for (int64_t l : free_b) shape.push_back(b.x.shape()[position(b.labels, l)]);
  if (c.shape() != Shape(shape)) c = reshape(c, Shape(shape));
  return {c, concat(batch, free_a, free_b)};
}

}  // namespace

Tensor contract_labels(std::vector<Tensor> operands, std::vector<Labels> labels,
                       const Labels& output) {
  NABLA_ASSERT(!operands.empty() && operands.size() == labels.size());
  DType dtype = operands[0].dtype();
  for (const Tensor& x : operands) dtype = promote_types(dtype, x.dtype());

  std::vector<Labelled> terms;
  for (size_t i = 0; i < operands.size(); ++i) {
    NABLA_ASSERT(static_cast<int64_t>(labels[i].size()) == operands[i].ndim());
    terms.push_back({astype(operands[i], dtype), std::move(labels[i])});
    take_diagonals(terms.back());
  }
  // Broadcasting: a label's extent is its extent other than 1, if any; operands where it has
  // extent 1 then simply lack it (squeezed), and the engine needs no broadcasting rules.
  std::map<int64_t, int64_t> extents;
  for (const Labelled& t : terms) {
    for (size_t j = 0; j < t.labels.size(); ++j) {
      const int64_t e = t.x.shape()[static_cast<int64_t>(j)];
      auto [it, inserted] = extents.emplace(t.labels[j], e);
      if (!inserted && it->second == 1) it->second = e;
      NABLA_ASSERT(e == 1 || e == it->second, "einsum: extents differ");
    }
  }
  for (Labelled& t : terms) {
    for (auto j = static_cast<int64_t>(t.labels.size()) - 1; j >= 0; --j) {
      const int64_t label = t.labels[static_cast<size_t>(j)];
      if (t.x.shape()[j] == 1 && extents[label] != 1) {
        t.x = squeeze(t.x, j);
        t.labels.erase(t.labels.begin() + j);
      }
    }
  }

  Labelled result = terms[0];
  for (size_t i = 1; i < terms.size(); ++i) {
    Labels keep = output;
    for (size_t later = i + 1; later < terms.size(); ++later) {
      keep.insert(keep.end(), terms[later].labels.begin(), terms[later].labels.end());
    }
    result = contract_pair(std::move(result), terms[i], keep);
  }
  sum_out(result, [&](int64_t l) { return !contains(output, l); });
  return permuted(result.x, axes_of(result.labels, output));
}

}  // namespace detail

namespace {

// Labels: a letter is its character code; the k-th dimension of the broadcast ellipsis (counted
// over the widest one among the operands) is kEllipsisLabel + k. kEllipsisMark marks where '...'
// stood in a parsed subscript.
constexpr int64_t kEllipsisLabel = 256;
constexpr int64_t kEllipsisMark = -1;

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::string label_name(int64_t label) {
  if (label >= kEllipsisLabel) {
    return "'...' (broadcast dimension " + std::to_string(label - kEllipsisLabel) + ")";
  }
  return std::string("'") + static_cast<char>(label) + "'";
}

struct Parsed {
  std::vector<Labels> inputs;  // letters and at most one kEllipsisMark each
  std::vector<std::string> input_text;
  std::optional<Labels> output;  // absent in implicit mode
};

class EinsumParser {
 public:
  explicit EinsumParser(std::string_view equation) : equation_(equation) {}

  [[nodiscard]] Parsed parse() const {
    std::string eq;
    for (char c : equation_) {
      if (c != ' ' && c != '\t' && c != '\n') eq += c;
    }
    Parsed parsed;
    const size_t arrow = eq.find("->");
    const std::string inputs = eq.substr(0, arrow);
    if (arrow != std::string::npos) parsed.output = term(eq.substr(arrow + 2), "output");
    size_t start = 0;
    while (true) {
      const size_t comma = inputs.find(',', start);
      parsed.input_text.push_back(inputs.substr(start, comma - start));
      parsed.inputs.push_back(term(parsed.input_text.back(), "input"));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    return parsed;
  }

  /// Throws `Error` with the message, the equation appended.
  template <class Error, class... Args>
  [[noreturn]] void fail(const Args&... args) const {
    throw Error(detail::str_cat("einsum: ", args..., " (equation '", equation_, "')"));
  }

 private:
  Labels term(std::string_view text, std::string_view kind) const {
    Labels labels;
    bool ellipsis = false;
    for (size_t i = 0; i < text.size();) {
      const char c = text[i];
      if (is_letter(c)) {
        labels.push_back(c);
        ++i;
      } else if (c == '.') {
        if (text.substr(i, 3) != "...") fail<ValueError>("'.' outside an ellipsis '...'");
        if (ellipsis) fail<ValueError>("more than one '...' in ", kind, " subscripts '", text, "'");
        ellipsis = true;
        labels.push_back(kEllipsisMark);
        i += 3;
      } else if (c == '-' || c == '>') {
        fail<ValueError>("misplaced '", c, "' (the output goes after a single '->')");
      } else {
        fail<ValueError>("invalid character '", c, "' in ", kind,
                         " subscripts (expected letters, ',', '...' and '->')");
      }
    }
    return labels;
  }

  std::string_view equation_;
};

}  // namespace

Tensor einsum(std::string_view equation, const std::vector<Tensor>& operands) {
  const EinsumParser parser(equation);
  const Parsed parsed = parser.parse();
  if (operands.empty()) parser.fail<ValueError>("no operands given");
  if (parsed.inputs.size() != operands.size()) {
    parser.fail<ValueError>("the equation has subscripts for ", parsed.inputs.size(),
                            " operand(s) but ", operands.size(), " were given");
  }
  // Expand each '...' to the operand's broadcast dimensions, right-aligned across operands.
  std::vector<int64_t> ellipsis_length(operands.size(), 0);
  int64_t widest = 0;
  for (size_t i = 0; i < operands.size(); ++i) {
    if (!operands[i].defined()) parser.fail<ValueError>("operand ", i, " is undefined");
    const Labels& term = parsed.inputs[i];
    const bool has_ellipsis = contains(term, kEllipsisMark);
    const auto letters = static_cast<int64_t>(term.size()) - (has_ellipsis ? 1 : 0);
    const int64_t ndim = operands[i].ndim();
    if (has_ellipsis ? ndim < letters : ndim != letters) {
      parser.fail<ShapeError>("operand ", i, " has shape ", operands[i].shape(),
                              " but its subscripts '", parsed.input_text[i], "' name ", letters,
                              " dimension(s)", has_ellipsis ? " plus '...'" : "");
    }
    ellipsis_length[i] = ndim - letters;
    widest = std::max(widest, ellipsis_length[i]);
  }
  std::vector<Labels> labels(operands.size());
  std::map<int64_t, std::pair<int64_t, size_t>> extents;  // label -> (extent other than 1, where)
  std::map<int64_t, int64_t> occurrences;
  for (size_t i = 0; i < operands.size(); ++i) {
    for (int64_t mark : parsed.inputs[i]) {
      if (mark != kEllipsisMark) {
        labels[i].push_back(mark);
        continue;
      }
      for (int64_t k = widest - ellipsis_length[i]; k < widest; ++k) {
        labels[i].push_back(kEllipsisLabel + k);
      }
    }
    std::map<int64_t, int64_t> own;  // repeated subscripts within one operand must agree exactly
    for (size_t j = 0; j < labels[i].size(); ++j) {
      const int64_t label = labels[i][j], e = operands[i].shape()[static_cast<int64_t>(j)];
      ++occurrences[label];
      auto [it, inserted] = own.emplace(label, e);
      if (!inserted && it->second != e) {
        parser.fail<ShapeError>("subscript ", label_name(label), " repeats in operand ", i,
                                " with extents ", it->second, " and ", e, " (shape ",
                                operands[i].shape(), ")");
      }
      auto [seen, first] = extents.emplace(label, std::pair{e, i});
      if (first || e == 1) continue;
      if (seen->second.first == 1) {
        seen->second = {e, i};
      } else if (seen->second.first != e) {
        parser.fail<ShapeError>("subscript ", label_name(label), " has extent ", seen->second.first,
                                " in operand ", seen->second.second, " (shape ",
                                operands[seen->second.second].shape(), ") but ", e, " in operand ",
                                i, " (shape ", operands[i].shape(), ")");
      }
    }
  }

  Labels output;
  if (parsed.output) {
    bool has_ellipsis = false;
    for (int64_t mark : *parsed.output) {
      if (mark == kEllipsisMark) {
        has_ellipsis = true;
        for (int64_t k = 0; k < widest; ++k) output.push_back(kEllipsisLabel + k);
        continue;
      }
      if (!occurrences.contains(mark)) {
        parser.fail<ValueError>("output subscript ", label_name(mark),
                                " does not appear in the inputs");
      }
      if (contains(output, mark)) {
        parser.fail<ValueError>("output subscript ", label_name(mark), " appears more than once");
      }
      output.push_back(mark);
    }
    if (!has_ellipsis && widest > 0) {
      parser.fail<ValueError>("the operands have broadcast dimensions ('...') but the output ",
                              "subscripts do not include '...'");
    }
  } else {  // NumPy's implicit mode: '...' first, then the letters used once, sorted
    for (int64_t k = 0; k < widest; ++k) output.push_back(kEllipsisLabel + k);
    for (const auto& [label, count] : occurrences) {
      if (label < kEllipsisLabel && count == 1) output.push_back(label);
    }
  }
  return detail::contract_labels(operands, std::move(labels), output);
}

}  // namespace nabla
