#include "maskbuilder.h"

#include "normkeys.h"
#include "parallel/parallelfor.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <limits>

namespace sparsity::core {
namespace {

// What happens to one block of the current block row.
enum BlockFate : std::uint8_t
{
    Kept,
    ZeroedWhole,
    ZeroedByPattern, // the block's ZeroPatterns byte says which elements
    ZeroedBySearch,  // large block: its smallest elements are selected after the rows are written
};

// Bytes for up to 8 elements from pattern bits: bit set = zero, else one.
constexpr std::array<std::uint64_t, 256> expandTable = [] {
    std::array<std::uint64_t, 256> table{};
    for (unsigned bits = 0; bits < 256; ++bits)
        for (unsigned j = 0; j < 8; ++j)
            if (!(bits & (1u << j)))
                table[bits] |= std::uint64_t{1} << (8 * j);
    return table;
}();

constexpr std::uint64_t allOnes = 0x0101010101010101ull;

// Writes one matrix row of the current block row, for full blocks of compile-time width.
template <int BW>
void writeRowFixed(const BlockFate* fate, const std::uint8_t* bits, std::int64_t fullBlocks,
                   int shift, std::uint8_t* out)
{
    using Word = std::conditional_t<BW == 1, std::uint8_t,
                                    std::conditional_t<BW == 4, std::uint32_t, std::uint64_t>>;
    if (bits == nullptr) {
        // No patterns: a select per block, which vectorizes (1x1 is one byte per block). Blocks
        // zeroed by search start as ones; their smallest elements are cleared afterwards.
        for (std::int64_t q = 0; q < fullBlocks; ++q) {
            const Word value = fate[q] == ZeroedWhole ? Word{0} : static_cast<Word>(allOnes);
            std::memcpy(out + q * BW, &value, sizeof(Word));
        }
        return;
    }
    if constexpr (BW == 4) {
        // 2:4 and other 1x4 patterns, without the table (a gather per block): multiplying the
        // four bits by 0x00204081 puts bit j at bit 8j (the shifted copies never overlap), so
        // one multiply per block spreads them into bytes, and the loop vectorizes.
        for (std::int64_t q = 0; q < fullBlocks; ++q) {
            const std::uint32_t zeroed =
                ((static_cast<std::uint32_t>(bits[q] >> shift) & 0xfu) * 0x00204081u) & 0x01010101u;
            const std::uint32_t value = fate[q] == Kept          ? 0x01010101u
                                        : fate[q] == ZeroedWhole ? 0u
                                                                 : 0x01010101u ^ zeroed;
            std::memcpy(out + q * BW, &value, sizeof value);
        }
        return;
    }
    for (std::int64_t q = 0; q < fullBlocks; ++q) {
        const std::uint64_t fromPattern = expandTable[(bits[q] >> shift) & ((1u << BW) - 1)];
        const std::uint64_t word = fate[q] == Kept          ? allOnes
                                   : fate[q] == ZeroedWhole ? 0
                                                            : fromPattern;
        const Word value = static_cast<Word>(word);
        std::memcpy(out + q * BW, &value, sizeof(Word));
    }
}

void writeBlockRowSegment(BlockFate fate, std::uint8_t bits, int shift, std::int64_t cols,
                          std::uint8_t* out)
{
    if (fate == Kept || fate == ZeroedBySearch) {
        std::memset(out, 1, static_cast<std::size_t>(cols));
    } else if (fate == ZeroedWhole) {
        std::memset(out, 0, static_cast<std::size_t>(cols));
    } else {
        for (std::int64_t c = 0; c < cols; ++c)
            out[c] = ((bits >> (shift + c)) & 1u) ? 0 : 1;
    }
}

// fates[q] = prunedFate where block first + q is pruned, else Kept. Arithmetic on 32-bit lanes,
// not branches: about half the blocks are pruned, in no predictable order, and this vectorizes.
template <typename Position, typename KeySource>
void markPrunedAs(const KeySource& key, std::int64_t keyOffset, const BlockThreshold& threshold,
                  std::int64_t first, std::int64_t count, BlockFate prunedFate, BlockFate* fates)
{
    using Key = typename KeySource::Key;
    const Key limit = static_cast<Key>(threshold.key);
    // Blocks of this row up to `last` win a tie at the threshold key.
    const auto last =
        static_cast<Position>(std::clamp<std::int64_t>(threshold.index - first, -1, count));
    for (Position q = 0; q < static_cast<Position>(count); ++q) {
        const Key k = key(keyOffset + q);
        const bool pruned = (k < limit) | ((k == limit) & (q <= last));
        fates[q] = static_cast<BlockFate>(pruned * prunedFate);
    }
}

// key(keyOffset + q) is the key of block first + q: keyOffset is first for stored norms and 0
// for a block row's recomputed norms.
template <typename KeySource>
void markPruned(const KeySource& key, std::int64_t keyOffset, const BlockThreshold& threshold,
                std::int64_t first, std::int64_t count, BlockFate prunedFate, BlockFate* fates)
{
    // 32-bit positions beside 32-bit keys keep all lanes the same width.
    if (sizeof(typename KeySource::Key) == 4 && count < std::numeric_limits<std::int32_t>::max())
        markPrunedAs<std::int32_t>(key, keyOffset, threshold, first, count, prunedFate, fates);
    else
        markPrunedAs<std::int64_t>(key, keyOffset, threshold, first, count, prunedFate, fates);
}

// Zeroes the zerosPerBlock smallest elements of one large pruned block, in the total order
// (f key, position in the block).
template <Norm N, typename T>
std::int64_t zeroSmallestInBlock(const T* weights, const BlockGrid& grid, std::int64_t br,
                                 std::int64_t bc, std::int64_t zeros, std::uint8_t* mask,
                                 std::vector<std::pair<detail::OrderKey<T>, std::int64_t>>& scratch)
{
    const std::int64_t rows = grid.validRows(br), cols = grid.validCols(bc);
    const std::int64_t row0 = br * grid.block.rows, col0 = bc * grid.block.cols;
    const std::int64_t stride = grid.matrixCols;
    if (zeros >= rows * cols) {
        for (std::int64_t r = 0; r < rows; ++r)
            std::memset(mask + (row0 + r) * stride + col0, 0, static_cast<std::size_t>(cols));
        return rows * cols;
    }
    scratch.clear();
    for (std::int64_t r = 0; r < rows; ++r) {
        const T* row = weights + (row0 + r) * stride + col0;
        for (std::int64_t c = 0; c < cols; ++c)
            scratch.emplace_back(detail::nonNegativeKey(detail::elementNorm<N>(row[c])),
                                 r * grid.block.cols + c);
    }
    const auto cut = scratch.begin() + zeros;
    std::nth_element(scratch.begin(), cut - 1, scratch.end());
    for (auto it = scratch.begin(); it != cut; ++it)
        mask[(row0 + it->second / grid.block.cols) * stride + col0 + it->second % grid.block.cols] =
            0;
    return zeros;
}

// Per matrix row sums, filled by the block rows that own the rows.
struct RowSums
{
    WeightSums* kept;
    WeightSums* all; // null unless asked for
};

template <Norm N, typename T, typename KeySource>
std::int64_t buildBlockRows(const T* weights, const KeySource& key, const MaskPass& pass,
                            bool recomputeNorms, std::uint8_t* mask, RowSums sums,
                            std::int64_t fromBr, std::int64_t toBr)
{
    const BlockGrid& grid = pass.norms.grid;
    const BlockThreshold& threshold = pass.threshold;
    const std::int64_t zerosPerBlock = pass.zerosPerBlock;
    const std::int64_t gridCols = grid.gridCols();
    const std::int64_t bw = grid.block.cols;
    const std::int64_t fullBlocks = grid.matrixCols / bw;
    const bool wholeBlocks = zerosPerBlock >= grid.block.elementCount();
    // Small blocks' patterns, when the caller keeps none, cost one vectorized pass over the
    // block row that is in cache anyway.
    const bool patternsPerRow =
        !wholeBlocks && pass.patterns == nullptr && ZeroPatterns::supports(grid.block);
    const BlockFate prunedFate = wholeBlocks                                    ? ZeroedWhole
                                 : (pass.patterns != nullptr || patternsPerRow) ? ZeroedByPattern
                                                                                : ZeroedBySearch;
    // Norms recomputed one block row at a time, when the caller did not keep them.
    std::vector<T> rowNorms(recomputeNorms ? static_cast<std::size_t>(gridCols) : 0);
    std::vector<BlockFate> fates(static_cast<std::size_t>(gridCols));
    std::vector<std::uint8_t> rowBits(pass.patterns ? 0 : static_cast<std::size_t>(gridCols));
    std::vector<std::pair<detail::OrderKey<T>, std::int64_t>> scratch;
    std::int64_t zeros = 0;

    for (std::int64_t br = fromBr; br < toBr; ++br) {
        const std::int64_t first = br * gridCols;
        const std::int64_t rows = grid.validRows(br);
        if (threshold.prunesAll() || threshold.prunesNone())
            std::fill(fates.begin(), fates.end(), threshold.prunesAll() ? prunedFate : Kept);
        else if (rowNorms.empty()) {
            markPruned(key, first, threshold, first, gridCols, prunedFate, fates.data());
        } else {
            blockRowNorms(weights, grid, N, br, rowNorms.data());
            markPruned(detail::NormKeySource<T, false, Norm::L2>{rowNorms.data()}, 0, threshold,
                       first, gridCols, prunedFate, fates.data());
        }
        // A pruned block loses min(zeros per block, valid elements): patterns zero exactly that.
        const std::int64_t fullValid = rows * bw;
        const std::int64_t fullLost = std::min(zerosPerBlock, fullValid);
        std::int64_t prunedFull = 0;
        for (std::int64_t q = 0; q < fullBlocks; ++q)
            prunedFull += fates[q] != Kept;
        zeros += prunedFull * (prunedFate == ZeroedBySearch ? 0 : fullLost);
        bool anyPruned = prunedFull > 0;
        for (std::int64_t q = fullBlocks; q < gridCols; ++q) {
            anyPruned |= fates[q] != Kept;
            if (fates[q] != Kept && prunedFate != ZeroedBySearch)
                zeros += std::min(zerosPerBlock, rows * grid.validCols(q));
        }
        const std::uint8_t* bits = rowBits.data();
        if (pass.patterns) {
            bits = pass.patterns->bits.data() + first;
        } else if (pass.patternsToFill && patternsPerRow) {
            std::uint8_t* row = pass.patternsToFill->bits.data() + first;
            blockRowZeroPatterns(weights, grid, N, br, zerosPerBlock, row);
            bits = row;
        } else if (patternsPerRow && anyPruned) {
            blockRowZeroPatterns(weights, grid, N, br, zerosPerBlock, rowBits.data());
        }
        for (std::int64_t r = 0; r < rows; ++r) {
            std::uint8_t* out = mask + (br * grid.block.rows + r) * grid.matrixCols;
            const int shift = static_cast<int>(r * bw);
            std::int64_t q = 0;
            // Fast paths for full blocks of common widths (pattern bits exist only for <= 8).
            const std::uint8_t* fixedBits = prunedFate == ZeroedByPattern ? bits : nullptr;
            if (bw == 1) {
                writeRowFixed<1>(fates.data(), fixedBits, fullBlocks, shift, out);
                q = fullBlocks;
            } else if (bw == 4 && (prunedFate != ZeroedByPattern || shift + 4 <= 8)) {
                writeRowFixed<4>(fates.data(), fixedBits, fullBlocks, shift, out);
                q = fullBlocks;
            } else if (bw == 8 && (prunedFate != ZeroedByPattern || shift == 0)) {
                writeRowFixed<8>(fates.data(), fixedBits, fullBlocks, shift, out);
                q = fullBlocks;
            }
            for (; q < gridCols; ++q)
                writeBlockRowSegment(fates[q], bits[q], shift, grid.validCols(q), out + q * bw);
        }
        if (prunedFate == ZeroedBySearch)
            for (std::int64_t q = 0; q < gridCols; ++q)
                if (fates[q] == ZeroedBySearch)
                    zeros +=
                        zeroSmallestInBlock<N>(weights, grid, br, q, zerosPerBlock, mask, scratch);
        // While this block row is still in cache: its rows' sums, one slot per matrix row so
        // the totals do not depend on how rows were spread over threads.
        for (std::int64_t r = br * grid.block.rows, end = r + rows; r < end; ++r) {
            if (sums.kept)
                sumRow(weights + r * grid.matrixCols, mask + r * grid.matrixCols, grid.matrixCols,
                       sums.kept[r], sums.all ? sums.all + r : nullptr);
            else if (sums.all)
                sumAllOfRow(weights + r * grid.matrixCols, grid.matrixCols, sums.all[r]);
        }
    }
    return zeros;
}

template <typename T>
std::int64_t buildTyped(const WeightTensor& weights, const MaskPass& pass, std::uint8_t* mask,
                        RowSums sums, const ExecutionContext& context)
{
    const BlockNorms& norms = pass.norms;
    // Stored norms are read; norms that were dropped (or never kept) are recomputed per row.
    const auto* stored = std::get_if<LargeVector<T>>(&norms.values);
    const bool recompute = !norms.isElementwise() && (stored == nullptr || stored->empty()) &&
                           !pass.threshold.prunesAll() && !pass.threshold.prunesNone();
    const BlockGrid& grid = norms.grid;
    const T* w = weights.values<T>().data();
    std::atomic<std::int64_t> zeros{0};
    const std::int64_t perBlockRow = std::max<std::int64_t>(1, grid.block.rows * grid.matrixCols);
    detail::visitNormKeysTyped<T>(norms, weights, [&](const auto& key) {
        parallelFor(
            context, 0, grid.gridRows(), std::max<std::int64_t>(1, 65536 / perBlockRow),
            [&](std::int64_t from, std::int64_t to) {
                const std::int64_t written =
                    norms.norm == Norm::L1
                        ? buildBlockRows<Norm::L1>(w, key, pass, recompute, mask, sums, from, to)
                        : buildBlockRows<Norm::L2>(w, key, pass, recompute, mask, sums, from, to);
                zeros.fetch_add(written, std::memory_order_relaxed);
            });
    });
    return zeros.load();
}

} // namespace

MaskBuildResult buildMask(const WeightTensor& weights, const MaskPass& pass, std::uint8_t* mask,
                          const ExecutionContext& context)
{
    const auto rows = static_cast<std::size_t>(weights.rows());
    std::vector<WeightSums> kept(pass.sumKeptWeights ? rows : 0),
        all(pass.sumAllWeights ? rows : 0);
    const RowSums sums{pass.sumKeptWeights ? kept.data() : nullptr,
                       pass.sumAllWeights ? all.data() : nullptr};
    MaskBuildResult result;
    result.zeros = weights.precision() == Precision::Float32
                       ? buildTyped<float>(weights, pass, mask, sums, context)
                       : buildTyped<double>(weights, pass, mask, sums, context);
    result.kept = addRows(kept);
    result.all = addRows(all);
    return result;
}

} // namespace sparsity::core
