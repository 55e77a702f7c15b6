#include "backend/blocked_layout.hpp"

#include <algorithm>
#include <array>

#include "nabla/util/error.hpp"

namespace nabla {
namespace {

/// The product of the inner blocks of each dim.
std::vector<int64_t> block_products(const BlockedLayout& l) {
  std::vector<int64_t> product(l.dims.size(), 1);
  for (const auto& [dim, size] : l.blocks) product[static_cast<size_t>(dim)] *= size;
  return product;
}

}  // namespace

BlockedLayout BlockedLayout::plain(std::vector<int64_t> dims, std::vector<int64_t> order) {
  return BlockedLayout{std::move(dims), std::move(order), {}};
}

int64_t BlockedLayout::numel() const {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

std::vector<int64_t> BlockedLayout::outer_strides() const {
  const std::vector<int64_t> product = block_products(*this);
  int64_t stride = 1;
  for (const auto& block : blocks) stride *= block.second;
  std::vector<int64_t> strides(dims.size(), 0);
  for (size_t k = order.size(); k-- > 0;) {
    const auto d = static_cast<size_t>(order[k]);
    strides[d] = stride;
    stride *= dims[d] / product[d];
  }
  return strides;
}

BlockedLayout BlockedLayout::normalized() const {
  const std::vector<int64_t> product = block_products(*this);
  auto unit = [&](int64_t d) {
    return dims[static_cast<size_t>(d)] == product[static_cast<size_t>(d)];
  };
  BlockedLayout l = *this;
  std::stable_partition(l.order.begin(), l.order.end(), [&](int64_t d) { return !unit(d); });
  const auto first_unit = std::find_if(l.order.begin(), l.order.end(), unit);
  std::sort(first_unit, l.order.end());
  return l;
}

int64_t BlockedLayout::offset(std::span<const int64_t> index) const {
  return LayoutOffsets(*this)(index);
}

LayoutOffsets::LayoutOffsets(const BlockedLayout& l)
    : block_product_(block_products(l)),
      outer_stride_(l.outer_strides()),
      blocks_(l.blocks.rbegin(), l.blocks.rend()) {}

int64_t LayoutOffsets::operator()(std::span<const int64_t> index) const {
  int64_t at = 0;
  for (size_t d = 0; d < outer_stride_.size(); ++d)
    at += index[d] / block_product_[d] * outer_stride_[d];
  // Inner blocks, innermost first: a dim's inner blocks take the low digits of its index.
  std::array<int64_t, 12> rest{};
  std::copy(index.begin(), index.end(), rest.begin());
  int64_t inner = 1;
  for (const auto& [dim, size] : blocks_) {
    const auto d = static_cast<size_t>(dim);
    at += rest[d] % size * inner;
    rest[d] /= size;
    inner *= size;
  }
  return at;
}

std::vector<int64_t> BlockedLayout::encode() const {
  std::vector<int64_t> code{rank()};
  code.insert(code.end(), dims.begin(), dims.end());
  code.insert(code.end(), order.begin(), order.end());
  code.push_back(static_cast<int64_t>(blocks.size()));
  for (const auto& [dim, size] : blocks) code.insert(code.end(), {dim, size});
  return code;
}

BlockedLayout BlockedLayout::decode(std::span<const int64_t> code, std::string_view op) {
  auto fail = [&]() { return ValueError(detail::str_cat(op, ": not a valid blocked layout")); };
  if (code.empty() || code[0] < 0 || code[0] > 12) throw fail();
  const auto rank = static_cast<size_t>(code[0]);
  if (code.size() < 2 + 2 * rank) throw fail();
  BlockedLayout l;
  l.dims.assign(code.begin() + 1, code.begin() + 1 + static_cast<ptrdiff_t>(rank));
  l.order.assign(code.begin() + 1 + static_cast<ptrdiff_t>(rank),
                 code.begin() + 1 + static_cast<ptrdiff_t>(2 * rank));
  const int64_t nblocks = code[1 + 2 * rank];
  if (nblocks < 0 || code.size() != 2 + 2 * rank + 2 * static_cast<size_t>(nblocks)) throw fail();
  for (int64_t k = 0; k < nblocks; ++k) {
    const size_t at = 2 + 2 * rank + 2 * static_cast<size_t>(k);
    l.blocks.emplace_back(code[at], code[at + 1]);
  }
  std::vector<int64_t> sorted = l.order;
  std::sort(sorted.begin(), sorted.end());
  for (size_t d = 0; d < rank; ++d) {
    if (sorted[d] != static_cast<int64_t>(d) || l.dims[d] < 0) throw fail();
  }
  for (const auto& [dim, size] : l.blocks) {
    if (dim < 0 || dim >= static_cast<int64_t>(rank) || size < 1) throw fail();
  }
  const std::vector<int64_t> product = block_products(l);
  for (size_t d = 0; d < rank; ++d) {
    if (l.dims[d] % product[d] != 0) {
      throw ValueError(detail::str_cat(op, ": a blocked layout's blocks of dim ", d, " (",
                                       product[d], " in all) must divide its extent ", l.dims[d]));
    }
  }
  return l;
}

}  // namespace nabla
