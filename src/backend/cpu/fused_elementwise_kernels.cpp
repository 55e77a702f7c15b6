// CPU kernel of fused_elementwise: one pass over the output in blocks that stay in L1. Per block,
// each input is read (or gathered, when strided or broadcast) once, and every instruction runs
// over the block with the scalar functor its unfused kernel uses, so the results are
// bit-identical to running the ops one by one. With a sum, the value is computed tile by tile
// just before the sum kernel's own loops read it (Note [Fused sums]).
#include <algorithm>
#include <utility>
#include <vector>

#include "backend/cpu/kernels.hpp"
#include "backend/cpu/reduction_loop.hpp"
#include "backend/cpu/strided_loop.hpp"
#include "backend/fused_elementwise_program.hpp"

namespace nabla::cpu {
namespace {

/// Elements per block: 512 floats or doubles per temporary (2-4 KiB), a handful of them live.
constexpr int64_t kBlock = 512;
constexpr size_t kMaxValues = fused::kMaxInputs + fused::kMaxInstructions;

template <class T>
using BlockFn = void (*)(int64_t n, T* out, const T* a, const T* b);

/// One instruction over a block, with the elementwise kernels' own expressions.
template <class Functor, int Arity, class T>
void run_block(int64_t n, T* out, const T* a, const T* b) {
  if constexpr (Arity == 1) {
    for (int64_t i = 0; i < n; ++i) out[i] = Functor{}(a[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<T>(Functor{}(a[i], b[i]));
  }
}

template <int64_t Opcode, class Functor, int Arity, class T>
constexpr void set_block(std::array<BlockFn<T>, fused::kNumOps>& table) {
  if constexpr (Opcode >= 0) {
    static_assert(fused::kOps[Opcode].arity == Arity);
    table[Opcode] = &run_block<Functor, Arity, T>;
  }
}

/// Opcode -> block function, generated from elementwise_ops.def like the opcode table itself.
template <class T>
constexpr std::array<BlockFn<T>, fused::kNumOps> block_functions() {
  std::array<BlockFn<T>, fused::kNumOps> table{};
#define NABLA_UNARY_OP(name, Functor, A) \
  set_block<fused::opcode_of(#name), scalar::Functor, 1, T>(table);
#define NABLA_BINARY_OP(name, Functor, A, R) \
  set_block<fused::opcode_of(#name), scalar::Functor, 2, T>(table);
#include "backend/elementwise_ops.def"
  return table;
}

/// Where each value lives during a block: inputs read in place (unit stride) or gathered into a
/// scratch slot; each instruction's result in a slot, reused once its last reader has run. Fixed
/// arrays: a kernel call allocates nothing for its plan.
struct BlockPlan {
  int64_t num_inputs = 0, count = 0;
  std::array<int64_t, fused::kMaxInstructions> opcodes{}, lhs{}, rhs{};
  std::array<int64_t, kMaxValues> slot{};  // per value (inputs, then results); -1: in place
  int64_t num_slots = 0;
  bool output_in_place = false;  // the last instruction writes straight into the output
};

template <size_t N>
BlockPlan plan_blocks(const std::vector<int64_t>& program,
                      const std::array<int64_t, N>& inner_strides) {
  BlockPlan plan;
  plan.num_inputs = static_cast<int64_t>(N) - 1;
  plan.count = static_cast<int64_t>(program.size()) / fused::kInstructionSize;
  std::array<int64_t, kMaxValues> last_read;
  last_read.fill(-1);
  for (size_t j = 0; j < static_cast<size_t>(plan.count); ++j) {
    plan.opcodes[j] = program[3 * j];
    plan.lhs[j] = program[3 * j + 1];
    plan.rhs[j] = program[3 * j + 2];
    last_read[static_cast<size_t>(plan.lhs[j])] = static_cast<int64_t>(j);
    if (plan.rhs[j] >= 0) last_read[static_cast<size_t>(plan.rhs[j])] = static_cast<int64_t>(j);
  }
  plan.slot.fill(-1);
  for (size_t r = 0; r + 1 < N; ++r) {
    if (inner_strides[r + 1] != 1) plan.slot[r] = plan.num_slots++;  // gathered per block
  }
  plan.output_in_place = inner_strides[0] == 1;
  std::array<int64_t, kMaxValues> free_slots{};
  size_t num_free = 0;
  for (int64_t j = 0; j < plan.count; ++j) {
    const auto at = static_cast<size_t>(j);
    if (j + 1 < plan.count || !plan.output_in_place) {
      // A fresh slot, not an operand's: a block function whose output aliases an input would not
      // vectorise (the compiler's overlap check fails).
      plan.slot[plan.num_inputs + at] = num_free > 0 ? free_slots[--num_free] : plan.num_slots++;
    }
    for (int64_t operand : {plan.lhs[at], plan.rhs[at]}) {
      if (operand < plan.num_inputs || last_read[static_cast<size_t>(operand)] != j) continue;
      free_slots[num_free++] = plan.slot[static_cast<size_t>(operand)];
      last_read[static_cast<size_t>(operand)] = -1;  // freed once when both operands are equal
    }
  }
  return plan;
}

/// Scratch of `n` elements owned by the calling thread; grows, never shrinks, so blocks allocate
/// nothing once a thread has run the largest program. Each Tag is a separate buffer.
template <class T, int Tag = 0>
T* scratch(size_t n) {
  thread_local std::vector<T> buffer;
  if (buffer.size() < n) buffer.resize(n);
  return buffer.data();
}

/// One row of the output (n elements; per operand, the output then the N - 1 inputs, its first
/// element and its stride), block by block: the inputs into place, then every instruction.
template <class T, size_t N>
void run_row(const BlockPlan& plan, int64_t n, const std::array<char*, N>& pointers,
             const std::array<int64_t, N>& strides) {
  static constexpr std::array<BlockFn<T>, fused::kNumOps> kBlockFunctions = block_functions<T>();
  T* const slots = scratch<T>(static_cast<size_t>(plan.num_slots * kBlock));
  auto slot_of = [&](size_t value) { return slots + plan.slot[value] * kBlock; };
  std::array<const T*, kMaxValues> values{};
  T* const out = reinterpret_cast<T*>(pointers[0]);
  for (int64_t start = 0; start < n; start += kBlock) {
    const int64_t len = std::min(kBlock, n - start);
    for (size_t r = 0; r + 1 < N; ++r) {
      const int64_t stride = strides[r + 1];
      const T* src = reinterpret_cast<const T*>(pointers[r + 1]) + start * stride;
      if (stride == 1) {
        values[r] = src;
        continue;
      }
      T* dst = slot_of(r);
      values[r] = dst;
      if (stride == 0) {  // broadcast along the row: the same block for the whole row
        if (start == 0) std::fill(dst, dst + std::min(kBlock, n), *src);
      } else {
        for (int64_t i = 0; i < len; ++i) dst[i] = src[i * stride];
      }
    }
    for (size_t j = 0; j < static_cast<size_t>(plan.count); ++j) {
      const size_t value = N - 1 + j;
      const bool direct = j + 1 == static_cast<size_t>(plan.count) && plan.output_in_place;
      T* result = direct ? out + start : slot_of(value);
      const T* rhs = plan.rhs[j] >= 0 ? values[static_cast<size_t>(plan.rhs[j])] : nullptr;
      kBlockFunctions[static_cast<size_t>(plan.opcodes[j])](
          len, result, values[static_cast<size_t>(plan.lhs[j])], rhs);
      values[value] = result;
    }
    if (!plan.output_in_place) {
      const T* result = values[N - 2 + static_cast<size_t>(plan.count)];
      for (int64_t i = 0; i < len; ++i) out[(start + i) * strides[0]] = result[i];
    }
  }
}

/// The loop for N - 1 inputs: the strided plan and the row walk are per operand, so they are
/// instantiated for each input count rather than padded to the maximum.
template <class T, size_t N>
void fused_loop(const KernelContext& ctx) {
  const Tensor& out = ctx.outputs[0];
  std::array<const Tensor*, N> operands;
  operands[0] = &out;
  for (size_t r = 0; r + 1 < N; ++r) operands[r + 1] = &ctx.inputs[r];
  const auto strided = make_plan<N>(out.shape(), operands);
  std::array<int64_t, N> inner_strides;
  for (size_t k = 0; k < N; ++k) inner_strides[k] = strided.strides[k].back();
  const BlockPlan plan =
      plan_blocks<N>(ctx.attrs.get<std::vector<int64_t>>("program"), inner_strides);
  for_each_row(
      strided, kElementwiseGrain,
      [&](int64_t n, const std::array<char*, N>& pointers, const std::array<int64_t, N>& strides) {
        run_row<T, N>(plan, n, pointers, strides);
      });
}

// Note [Fused sums]
// A sum fused into fused_elementwise must give the sum kernel's bits for every thread count, so it
// runs the sum kernel's own loops (reduction_loop.hpp) over the value's geometry: the same choice
// of inner or outer loop, the same chunks, tiles, SIMD lane blocks and merge order, and the same
// leaf functions (reduce_blocks, reduce_run, accumulate_rows, accumulate_folded, merge_partials).
// The only change is where the elements come from: each block or tile is computed by the program
// (into the value output when there is one, else into per-thread scratch) just before the leaf
// function reads it, so the value is never written to memory as a whole. That is exact only when
// every block or tile the loops read is a range or a few rows of the row-major value, which holds
// when the reduced axes are its leading or its trailing ones (fused_sum_supported): then the kept
// and the reduced elements each merge into one dimension. Other sums stay separate nodes.

/// The sum kernel's reducer for float32 and float64 (SumReducer in reduction_kernels.cpp):
/// accumulates in double, float32 contiguous leaves in float lanes.
template <class T>
struct FusedSum {
  using Acc = double;
  using Out = T;
  using Lane = T;
  static constexpr bool kLanes = true;
  static Acc identity() { return 0.0; }
  static Acc merge(Acc a, Acc b) { return a + b; }
  static Acc step(Acc a, T x, int64_t) { return a + static_cast<Acc>(x); }
  static Lane lane_step(Lane a, T x) { return a + x; }
  static Out finish(Acc a) { return static_cast<Out>(a); }
};

/// Computes any range of the program's value (row-major over `shape`) into a contiguous buffer,
/// through the strided plan of the inputs and the block walk of run_row.
template <class T, size_t N>
class ValueRange {
 public:
  ValueRange(const KernelContext& ctx, const Shape& shape) {
    std::array<const Tensor*, N> operands;
    // Operand 0 stands for the value, which is row-major and so merges wherever the inputs do:
    // input 0 takes its place, adding no constraint, and its pointer is replaced per call.
    operands[0] = &ctx.inputs[0];
    for (size_t r = 0; r + 1 < N; ++r) operands[r + 1] = &ctx.inputs[r];
    plan_ = make_plan<N>(shape, operands);
    for (size_t k = 0; k < N; ++k) inner_strides_[k] = plan_.strides[k].back();
    inner_strides_[0] = 1;
    blocks_ = plan_blocks<N>(ctx.attrs.get<std::vector<int64_t>>("program"), inner_strides_);
  }

  /// Elements [flat, flat + len) of the value into dst.
  void operator()(int64_t flat, int64_t len, T* dst) const {
    const int64_t inner = plan_.shape.back();
    while (len > 0) {
      std::array<char*, N> pointers;
      std::array<int64_t, N> offsets{};
      int64_t rest = flat;
      for (size_t d = plan_.shape.size(); d-- > 0;) {
        const int64_t i = rest % plan_.shape[d];
        rest /= plan_.shape[d];
        for (size_t k = 1; k < N; ++k) offsets[k] += i * plan_.strides[k][d];
      }
      pointers[0] = reinterpret_cast<char*>(dst);
      for (size_t k = 1; k < N; ++k) pointers[k] = plan_.base[k] + offsets[k] * plan_.itemsize[k];
      const int64_t n = std::min(inner - flat % inner, len);
      run_row<T, N>(blocks_, n, pointers, inner_strides_);
      flat += n;
      dst += n;
      len -= n;
    }
  }

 private:
  StridedPlan<N> plan_;
  std::array<int64_t, N> inner_strides_{};
  BlockPlan blocks_;
};

/// Computes elements [at, at + len) of the value where the sum reads them: in the value output
/// when there is one, else in scratch.
template <class T, class Value>
T* produce(const Value& value_range, T* value, int64_t at, int64_t len) {
  T* dst = value != nullptr ? value + at : scratch<T, 1>(static_cast<size_t>(len));
  value_range(at, len, dst);
  return dst;
}

/// reduce_inner over a value whose kept elements (one dimension, or none) and reduced elements
/// (one contiguous dimension) merge: each output's run of the reduced range, as reduce_range
/// reduces it, its kLaneBlock blocks produced as reduce_blocks reads them.
template <class R, class T, class Value>
void fused_sum_inner(const Value& value_range, T* value, T* out, const ReduceGeometry& g) {
  using Acc = typename R::Acc;
  const int64_t stride = g.kept.empty() ? 0 : g.kept.back().in_stride;  // from run to run
  auto reduce = [&](int64_t o, int64_t begin, int64_t end) {
    const int64_t at = o * stride + begin, n = end - begin;
    auto block = [&](int64_t b, int64_t len) -> const T* {
      return produce(value_range, value, at + b, len);
    };
    // reduce_run's choice for a contiguous run.
    const Acc run =
        n >= kReduceLanes ? reduce_blocks<R>(n, block) : reduce_run<R>(block(0, n), n, 1, begin);
    return R::merge(R::identity(), run);
  };
  const int64_t chunks = (g.n_red + kReduceChunk - 1) / kReduceChunk;
  if (chunks == 1) {
    parallel_for(0, g.n_out, std::max<int64_t>(1, kReduceGrain / g.n_red),
                 [&](int64_t b, int64_t e) {
                   for (int64_t o = b; o < e; ++o) out[o] = R::finish(reduce(o, 0, g.n_red));
                 });
    return;
  }
  std::vector<Acc> partials(static_cast<size_t>(g.n_out * chunks));
  parallel_for(0, g.n_out * chunks, 1, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t chunk = t % chunks;
      partials[static_cast<size_t>(t)] =
          reduce(t / chunks, chunk * kReduceChunk, std::min(g.n_red, (chunk + 1) * kReduceChunk));
    }
  });
  merge_partials<R>(partials, chunks, g, out);
}

/// Kept columns one task of the fused outer loop may take: reduce_outer's column blocks
/// (kReduceCols) are joined up to this width where rows are unit-stride, so that narrow values
/// produce a group of whole rows with one call rather than one per row and block. Columns are
/// accumulated independently of each other, so which task takes a column changes no bits.
constexpr int64_t kTileCols = 2 * kReduceCols;

/// One task of reduce_outer: rows r0..r1 of kept columns col0..col0 + width into acc, with the
/// same leaf function over a tile produced just before. Element (r, c) of the value is at
/// r * rows.in_stride + c * columns.in_stride. width <= kReduceCols, or <= kTileCols for
/// unit-stride rows that do not fold.
template <class R, class T, class Value>
void accumulate_tile(const Value& value_range, T* value, typename R::Acc* acc,
                     const ReduceGeometry& g, bool fold, int64_t col0, int64_t width, int64_t r0,
                     int64_t r1) {
  const ReduceDim columns = g.kept.back(), rows = g.reduced.back();
  if (columns.in_stride != 1) {
    // Trailing axes reduced, fewer than kReduceLanes per column: the columns are consecutive runs
    // of the value, so the tile is one range; one chunk (rows_per_chunk >= kReduceCols > n_red).
    const T* tile =
        produce(value_range, value, col0 * columns.in_stride, width * columns.in_stride);
    DimWalker walk(std::span(&rows, 1));
    walk.reset(r0);
    accumulate_rows<R>(acc, tile, width, columns.in_stride, walk, r0, r1);
    return;
  }
  if (fold) {
    // Whole rows of fewer than kReduceLanes columns: the chunk's rows are one range of the value.
    ReduceGeometry local;
    local.reduced = {{r1 - r0, rows.in_stride, 0}};
    const T* tile = produce(value_range, value, r0 * rows.in_stride, (r1 - r0) * width);
    DimWalker walk(local.reduced);
    walk.reset(0);
    accumulate_folded<R>(acc, tile, width, 1, local, walk, 0, r1 - r0);
    return;
  }
  // Rows of `width` consecutive columns, kLaneBlock / kReduceLanes rows at a time: the float
  // lanes' grouping, which accumulate_rows counts from its first row. Whole rows follow each
  // other in the value: then the group of rows is one range.
  constexpr int64_t kRows = kLaneBlock / kReduceLanes;
  const bool whole_rows = width == rows.in_stride;
  for (int64_t r = r0; r < r1; r += kRows) {
    const int64_t n = std::min(kRows, r1 - r);
    const int64_t row_stride = value != nullptr ? rows.in_stride : width;
    const int64_t at = r * rows.in_stride + col0;
    T* tile;
    if (whole_rows) {
      tile = produce(value_range, value, at, n * width);
    } else {
      tile = value != nullptr ? value + at : scratch<T, 1>(static_cast<size_t>(n * width));
      for (int64_t i = 0; i < n; ++i) {
        value_range(at + i * rows.in_stride, width, tile + i * row_stride);
      }
    }
    const ReduceDim local{n, row_stride, 0};
    for (int64_t c = 0; c < width; c += kReduceCols) {
      DimWalker walk(std::span(&local, 1));
      walk.reset(0);
      accumulate_rows<R>(acc + c, tile + c, std::min(kReduceCols, width - c), 1, walk, 0, n);
    }
  }
}

/// reduce_outer over a value whose kept elements and reduced elements each merge into one
/// dimension: the same tiling and merge; tasks of up to kTileCols columns where rows are
/// unit-stride and do not fold.
template <class R, class T, class Value>
void fused_sum_outer(const Value& value_range, T* value, T* out, const ReduceGeometry& g) {
  using Acc = typename R::Acc;
  const ReduceDim columns = g.kept.back();
  const OuterTiling tiling = outer_tiling(g, R::kLanes);
  const int64_t chunks = tiling.chunks;
  const int64_t cols = columns.in_stride == 1 && !tiling.fold
                           ? std::min(columns.size, kTileCols / tiling.cols * tiling.cols)
                           : tiling.cols;
  const int64_t tasks = (columns.size + cols - 1) / cols * chunks;
  const int64_t grain = std::max<int64_t>(1, tiling.grain * tiling.cols / cols);
  std::vector<Acc> partials(static_cast<size_t>(chunks > 1 ? g.n_out * chunks : 0));
  parallel_for(0, tasks, grain, [&](int64_t b, int64_t e) {
    Acc acc[kTileCols];
    for (int64_t t = b; t < e; ++t) {
      const int64_t chunk = t % chunks, col0 = t / chunks * cols;
      const int64_t width = std::min(cols, columns.size - col0);
      const int64_t r0 = chunk * tiling.rows_per_chunk;
      const int64_t r1 = std::min(g.n_red, r0 + tiling.rows_per_chunk);
      for (int64_t c = 0; c < width; ++c) acc[c] = R::identity();
      accumulate_tile<R>(value_range, value, acc, g, tiling.fold, col0, width, r0, r1);
      for (int64_t c = 0; c < width; ++c) {
        if (chunks == 1) {
          out[(col0 + c) * columns.out_stride] = R::finish(acc[c]);
        } else {
          partials[static_cast<size_t>((col0 + c) * chunks + chunk)] = acc[c];
        }
      }
    }
  });
  if (chunks > 1) merge_partials<R>(partials, chunks, g, out);
}

/// The sum form for N - 1 inputs (Note [Fused sums]): output 0 the value when kept, the last
/// output the sum.
template <class T, size_t N>
void fused_sum_loop(const KernelContext& ctx) {
  using R = FusedSum<T>;
  const Shape shape(ctx.attrs.get<std::vector<int64_t>>("shape"));
  const auto& axes = ctx.attrs.get<std::vector<int64_t>>("axes");
  std::vector<bool> reduced(static_cast<size_t>(shape.rank()), axes.empty());
  for (int64_t axis : axes) reduced[static_cast<size_t>(axis)] = true;
  const ReduceGeometry g = make_geometry(shape, contiguous_strides(shape), reduced);
  const bool keep_value = ctx.attrs.get<bool>("keep_value");
  NABLA_ASSERT(!keep_value || ctx.outputs[0].is_contiguous(),
               "fused_elementwise: the value output must be contiguous");
  T* value = keep_value ? static_cast<T*>(ctx.outputs[0].data_ptr()) : nullptr;
  // Never an input's buffer: the graph runner does not give a summing node one to write over
  // (is_elementwise in graph_run.cpp), as a sum writes results before reading every element.
  T* const out = static_cast<T*>(ctx.outputs.back().data_ptr());
  if (g.n_out == 0) return;
  if (g.n_red == 0) {  // the empty sum, as run_reduction gives it (no input has elements)
    std::fill(out, out + g.n_out, R::finish(R::identity()));
    return;
  }
  // Checked only now: an empty shape merges into other geometries, and needs no loop.
  NABLA_ASSERT(g.kept.size() <= 1 && g.reduced.size() == 1,
               "fused_elementwise: unsupported sum over axes of ", shape);
  const ValueRange<T, N> value_range(ctx, shape);
  if (uses_outer_loop(g)) {
    fused_sum_outer<R>(value_range, value, out, g);
  } else {
    NABLA_ASSERT(g.reduced.back().in_stride == 1 || g.n_red == 1,
                 "fused_elementwise: an inner-loop sum over strided elements of ", shape);
    fused_sum_inner<R>(value_range, value, out, g);
  }
}

/// Input count - 1 -> loop, for 1 to kMaxInputs inputs.
template <class T, bool kSum, size_t... I>
constexpr auto loops(std::index_sequence<I...>) {
  if constexpr (kSum) {
    return std::array<Kernel, sizeof...(I)>{&fused_sum_loop<T, I + 2>...};
  } else {
    return std::array<Kernel, sizeof...(I)>{&fused_loop<T, I + 2>...};
  }
}

void fused_elementwise_kernel(const KernelContext& ctx) {
  using Counts = std::make_index_sequence<fused::kMaxInputs>;
  static constexpr auto kFloatLoops = loops<float, false>(Counts());
  static constexpr auto kDoubleLoops = loops<double, false>(Counts());
  static constexpr auto kFloatSums = loops<float, true>(Counts());
  static constexpr auto kDoubleSums = loops<double, true>(Counts());
  const size_t index = ctx.inputs.size() - 1;  // infer checked 1 to kMaxInputs inputs
  const bool is_float = ctx.inputs[0].dtype() == DType::Float32;
  if (ctx.attrs.has("axes")) {
    (is_float ? kFloatSums : kDoubleSums)[index](ctx);
  } else {
    (is_float ? kFloatLoops : kDoubleLoops)[index](ctx);
  }
}

}  // namespace

void register_fused_elementwise_kernels(KernelTable& table) {
  table.add("fused_elementwise", DeviceKind::CPU, &fused_elementwise_kernel);
}

}  // namespace nabla::cpu
