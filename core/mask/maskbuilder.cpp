#include "maskbuilder.h"

#include "normkeys.h"
#include "parallel/parallelfor.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>

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
    for (std::int64_t q = 0; q < fullBlocks; ++q) {
        const std::uint64_t fromPattern = expandTable[(bits[q] >> shift) & ((1u << BW) - 1)];
        const std::uint64_t word = fate[q] == Kept ? allOnes : fate[q] == ZeroedWhole ? 0 : fromPattern;
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
        mask[(row0 + it->second / grid.block.cols) * stride + col0 + it->second % grid.block.cols] = 0;
    return zeros;
}

template <Norm N, typename T, typename KeySource>
std::int64_t buildBlockRows(const T* weights, const BlockGrid& grid, const KeySource& key,
                            const BlockThreshold& threshold, std::int64_t zerosPerBlock,
                            const ZeroPatterns* patterns, std::uint8_t* mask, std::int64_t fromBr,
                            std::int64_t toBr)
{
    const std::int64_t gridCols = grid.gridCols();
    const std::int64_t bw = grid.block.cols;
    const std::int64_t fullBlocks = grid.matrixCols / bw;
    const bool wholeBlocks = zerosPerBlock >= grid.block.elementCount();
    const BlockFate prunedFate = wholeBlocks ? ZeroedWhole : patterns ? ZeroedByPattern : ZeroedBySearch;
    std::vector<BlockFate> fates(static_cast<std::size_t>(gridCols));
    static const std::vector<std::uint8_t> noBits;
    std::vector<std::uint8_t> zeroBits;
    std::vector<std::pair<detail::OrderKey<T>, std::int64_t>> scratch;
    std::int64_t zeros = 0;

    for (std::int64_t br = fromBr; br < toBr; ++br) {
        const std::int64_t first = br * gridCols;
        const std::int64_t rows = grid.validRows(br);
        if (threshold.prunesAll() || threshold.prunesNone())
            std::fill(fates.begin(), fates.end(), threshold.prunesAll() ? prunedFate : Kept);
        else
            // Arithmetic, not branches: about half the blocks are pruned, in no predictable order.
            for (std::int64_t q = 0; q < gridCols; ++q) {
                const std::uint64_t k = key(first + q);
                const bool pruned = (k < threshold.key) | ((k == threshold.key) & (first + q <= threshold.index));
                fates[q] = static_cast<BlockFate>(pruned * prunedFate);
            }
        const std::uint8_t* bits;
        if (patterns) {
            bits = patterns->bits.data() + first;
        } else {
            zeroBits.assign(static_cast<std::size_t>(gridCols), 0);
            bits = zeroBits.data();
        }
        // A pruned block loses min(zeros per block, valid elements): patterns zero exactly that.
        const std::int64_t fullValid = rows * bw;
        const std::int64_t fullLost = std::min(zerosPerBlock, fullValid);
        std::int64_t prunedFull = 0;
        for (std::int64_t q = 0; q < fullBlocks; ++q)
            prunedFull += fates[q] != Kept;
        zeros += prunedFull * (prunedFate == ZeroedBySearch ? 0 : fullLost);
        for (std::int64_t q = fullBlocks; q < gridCols; ++q)
            if (fates[q] != Kept && prunedFate != ZeroedBySearch)
                zeros += std::min(zerosPerBlock, rows * grid.validCols(q));
        for (std::int64_t r = 0; r < rows; ++r) {
            std::uint8_t* out = mask + (br * grid.block.rows + r) * grid.matrixCols;
            const int shift = static_cast<int>(r * bw);
            std::int64_t q = 0;
            // Fast paths for full blocks of common widths (pattern bits exist only for <= 8).
            if (bw == 1) {
                writeRowFixed<1>(fates.data(), bits, fullBlocks, shift, out);
                q = fullBlocks;
            } else if (bw == 4 && (prunedFate != ZeroedByPattern || shift + 4 <= 8)) {
                writeRowFixed<4>(fates.data(), bits, fullBlocks, shift, out);
                q = fullBlocks;
            } else if (bw == 8 && (prunedFate != ZeroedByPattern || shift == 0)) {
                writeRowFixed<8>(fates.data(), bits, fullBlocks, shift, out);
                q = fullBlocks;
            }
            for (; q < gridCols; ++q)
                writeBlockRowSegment(fates[q], bits[q], shift, grid.validCols(q), out + q * bw);
        }
        if (prunedFate == ZeroedBySearch)
            for (std::int64_t q = 0; q < gridCols; ++q)
                if (fates[q] == ZeroedBySearch)
                    zeros += zeroSmallestInBlock<N>(weights, grid, br, q, zerosPerBlock, mask, scratch);
    }
    return zeros;
}

template <typename T>
std::int64_t buildTyped(const WeightTensor& weights, const BlockNorms& norms,
                        const BlockThreshold& threshold, std::int64_t zerosPerBlock,
                        const ZeroPatterns* patterns, std::uint8_t* mask,
                        const ExecutionContext& context)
{
    const BlockGrid& grid = norms.grid;
    const T* w = weights.values<T>().data();
    std::atomic<std::int64_t> zeros{0};
    const std::int64_t perBlockRow = std::max<std::int64_t>(1, grid.block.rows * grid.matrixCols);
    detail::visitNormKeysTyped<T>(norms, weights, [&](const auto& key) {
        parallelFor(context, 0, grid.gridRows(), std::max<std::int64_t>(1, 65536 / perBlockRow),
                    [&](std::int64_t from, std::int64_t to) {
                        const std::int64_t written =
                            norms.norm == Norm::L1
                                ? buildBlockRows<Norm::L1>(w, grid, key, threshold, zerosPerBlock,
                                                           patterns, mask, from, to)
                                : buildBlockRows<Norm::L2>(w, grid, key, threshold, zerosPerBlock,
                                                           patterns, mask, from, to);
                        zeros.fetch_add(written, std::memory_order_relaxed);
                    });
    });
    return zeros.load();
}

} // namespace

std::int64_t buildMask(const WeightTensor& weights, const BlockNorms& norms,
                       const BlockThreshold& threshold, std::int64_t zerosPerBlock,
                       const ZeroPatterns* patterns, std::uint8_t* mask,
                       const ExecutionContext& context)
{
    if (weights.precision() == Precision::Float32)
        return buildTyped<float>(weights, norms, threshold, zerosPerBlock, patterns, mask, context);
    return buildTyped<double>(weights, norms, threshold, zerosPerBlock, patterns, mask, context);
}

} // namespace sparsity::core
