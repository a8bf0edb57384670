#include "blockranking.h"

#include "blocksums.h"
#include "error.h"
#include "mask/normkeys.h"
#include "parallel/parallelfor.h"
#include "radixsort.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

namespace sparsity::core {
namespace {

// Ranks per chunk: a power of two from 64 to 4096, the smallest giving at most 16384 chunks. A
// level's statistics read at most one chunk of blocks from the weights.
std::int64_t chunkSizeFor(std::int64_t blocks)
{
    std::int64_t size = 64;
    while (size < 4096 && blocks / size > 16384)
        size *= 2;
    return size;
}

} // namespace

template <typename T>
std::shared_ptr<const BlockRanking::Order>
sortBlocks(const WeightTensor& weights, const BlockNorms& norms, const ExecutionContext& context)
{
    using Key = detail::OrderKey<T>;
    const std::int64_t n = norms.blockCount();
    // Keys in block order, then sorted with their blocks.
    LargeVector<Key> keys(static_cast<std::size_t>(n));
    detail::visitNormKeysTyped<T>(norms, weights, [&](const auto& key) {
        parallelFor(context, 0, n, 65536, [&](std::int64_t from, std::int64_t to) {
            for (std::int64_t i = from; i < to; ++i)
                keys[static_cast<std::size_t>(i)] = key(i);
        });
    });
    auto order = std::make_shared<BlockRanking::Order>();
    detail::radixSortWithPositions(keys, order->blocks, context);
    order->keys = std::move(keys);
    return order;
}

void BlockRanking::sumChunks(const WeightTensor& weights, const ExecutionContext& context)
{
    const std::int64_t n = blockCount();
    const LargeVector<std::uint32_t>& blocks = m_order->blocks;
    LargeVector<std::uint32_t> rankOf(static_cast<std::size_t>(n));
    parallelFor(context, 0, n, 65536, [&](std::int64_t from, std::int64_t to) {
        for (std::int64_t r = from; r < to; ++r)
            rankOf[blocks[static_cast<std::size_t>(r)]] = static_cast<std::uint32_t>(r);
    });
    // Every block summed into the chunk of its rank.
    m_scaleExponent = detail::sumScaleExponent(weights, context);
    const int chunkShift = std::countr_zero(static_cast<std::uint64_t>(m_chunkSize));
    const std::int64_t chunks = (n + m_chunkSize - 1) / m_chunkSize;
    const std::int64_t gridCols = m_grid.gridCols();
    const detail::SegmentedSums sums = detail::sumBlocksBySegment(
        weights, m_grid, m_norm, m_zerosPerBlock, m_scaleExponent, chunks,
        [&](std::int64_t br, std::uint32_t* segments) {
            const std::uint32_t* ranks = rankOf.data() + br * gridCols;
            for (std::int64_t q = 0; q < gridCols; ++q)
                segments[q] = ranks[q] >> chunkShift;
        },
        context);
    m_nonFiniteWeights = sums.nonFiniteWeights;
    m_running = detail::RunningSums::of(sums.segments);
}

BlockRanking BlockRanking::withZerosPerBlock(const WeightTensor& weights,
                                             std::int64_t zerosPerBlock,
                                             const ExecutionContext& context) const
{
    SparsityParams{0.5, m_grid.block, zerosPerBlock, m_norm}.throwIfInvalid();
    BlockRanking ranking;
    ranking.m_grid = m_grid;
    ranking.m_norm = m_norm;
    ranking.m_zerosPerBlock = zerosPerBlock;
    ranking.m_chunkSize = m_chunkSize;
    ranking.m_order = m_order;
    ranking.sumChunks(weights, context);
    return ranking;
}

BlockRanking BlockRanking::build(const WeightTensor& weights, const BlockNorms& norms,
                                 std::int64_t zerosPerBlock, const ExecutionContext& context)
{
    SparsityParams{0.5, norms.grid.block, zerosPerBlock, norms.norm}.throwIfInvalid();
    const std::int64_t n = norms.blockCount();
    if (n > std::numeric_limits<std::uint32_t>::max())
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1 blocks of %2x%3 are more than a ranking holds (%4).")
                        .arg(n)
                        .arg(norms.grid.block.rows)
                        .arg(norms.grid.block.cols)
                        .arg(std::numeric_limits<std::uint32_t>::max()));
    const bool stored = norms.isElementwise() ||
                        std::visit([](const auto& v) { return !v.empty(); }, norms.values) ||
                        n == 0;
    if (!stored) // norms dropped by a one-shot mask: compute them again
        return build(weights, norms.grid.block, zerosPerBlock, norms.norm, context);
    BlockRanking ranking;
    ranking.m_grid = norms.grid;
    ranking.m_norm = norms.norm;
    ranking.m_zerosPerBlock = zerosPerBlock;
    ranking.m_chunkSize = chunkSizeFor(n);
    ranking.m_order = weights.precision() == Precision::Float32
                          ? sortBlocks<float>(weights, norms, context)
                          : sortBlocks<double>(weights, norms, context);
    ranking.sumChunks(weights, context);
    return ranking;
}

BlockRanking BlockRanking::build(const WeightTensor& weights, BlockShape block,
                                 std::int64_t zerosPerBlock, Norm norm,
                                 const ExecutionContext& context)
{
    SparsityParams{0.5, block, zerosPerBlock, norm}.throwIfInvalid();
    const BlockNorms norms = computeBlockNorms(weights, block, norm, context);
    return build(weights, norms, zerosPerBlock, context);
}

BlockRanking BlockRanking::build(const WeightTensor& weights, const Configuration& configuration,
                                 const ExecutionContext& context)
{
    return build(weights, configuration.block, configuration.effectiveZerosPerBlock(),
                 configuration.norm, context);
}

Configuration BlockRanking::configuration() const
{
    Configuration configuration{m_grid.block, m_zerosPerBlock, m_norm};
    if (m_zerosPerBlock == m_grid.block.elementCount())
        configuration.zerosPerBlock.reset();
    return configuration;
}

std::int64_t BlockRanking::prunedCountAt(double level) const
{
    if (level <= 0.0 || m_zerosPerBlock == 0)
        return 0;
    return prunedBlockCount(level, blockCount());
}

BlockThreshold BlockRanking::thresholdFor(std::int64_t prunedCount) const
{
    const std::int64_t n = blockCount();
    const std::int64_t k = std::clamp<std::int64_t>(prunedCount, 0, n);
    if (k == 0 || k == n)
        return BlockThreshold{n, k, 0, -1};
    const auto last = static_cast<std::size_t>(k - 1);
    const std::uint64_t key =
        std::visit([last](const auto& keys) { return std::uint64_t{keys[last]}; }, m_order->keys);
    return BlockThreshold{n, k, key, static_cast<std::int64_t>(m_order->blocks[last])};
}

std::int64_t BlockRanking::blockAtRank(std::int64_t rank) const
{
    return m_order->blocks[static_cast<std::size_t>(rank)];
}

std::uint64_t BlockRanking::doubleKeyAtRank(std::int64_t rank) const
{
    const auto r = static_cast<std::size_t>(rank);
    if (const auto* keys = std::get_if<LargeVector<std::uint32_t>>(&m_order->keys)) {
        // A float key is the float's bits (NaN as the first NaN pattern): widen the value.
        const float value = std::bit_cast<float>((*keys)[r]);
        return detail::nonNegativeKey(static_cast<double>(value));
    }
    return std::get<LargeVector<std::uint64_t>>(m_order->keys)[r];
}

std::int64_t BlockRanking::countBelow(std::uint64_t doubleKey) const
{
    std::int64_t low = 0, high = blockCount();
    while (low < high) {
        const std::int64_t mid = low + (high - low) / 2;
        if (doubleKeyAtRank(mid) < doubleKey)
            low = mid + 1;
        else
            high = mid;
    }
    return low;
}

detail::SegmentSums BlockRanking::sumRanks(const WeightTensor& weights, std::int64_t from,
                                           std::int64_t to) const
{
    return detail::sumListedBlocks(weights, m_grid, m_norm, m_zerosPerBlock, m_scaleExponent,
                                   m_order->blocks.data() + from, to - from);
}

std::int64_t BlockRanking::zerosOfRanks(std::int64_t from, std::int64_t to) const
{
    std::int64_t zeros = 0;
    for (std::int64_t r = from; r < to; ++r) {
        const std::int64_t block = m_order->blocks[static_cast<std::size_t>(r)];
        const std::int64_t br = block / m_grid.gridCols(), bc = block % m_grid.gridCols();
        zeros += std::min(m_zerosPerBlock, m_grid.validRows(br) * m_grid.validCols(bc));
    }
    return zeros;
}

MaskStats BlockRanking::statsFromSums(std::int64_t k, std::int64_t zeros, long double keptEnergy,
                                      long double keptL1) const
{
    const detail::RankedTotals totals{elementCount(),
                                      blockCount(),
                                      m_nonFiniteWeights,
                                      m_running.suffixWholeEnergy[0],
                                      m_running.suffixWholeL1[0],
                                      m_scaleExponent};
    return detail::statsFromSums(totals, k, zeros, keptEnergy, keptL1);
}

MaskStats BlockRanking::estimatedStatsFor(std::int64_t prunedCount) const
{
    const std::int64_t n = blockCount();
    const std::int64_t k = m_zerosPerBlock == 0 ? 0 : std::clamp<std::int64_t>(prunedCount, 0, n);
    const auto chunk = static_cast<std::size_t>(k / m_chunkSize);
    const std::int64_t chunkStart = static_cast<std::int64_t>(chunk) * m_chunkSize;
    long double insideEnergy = m_running.prefixKeptInsideEnergy[chunk];
    long double insideL1 = m_running.prefixKeptInsideL1[chunk];
    long double wholeEnergy = m_running.suffixWholeEnergy[chunk];
    long double wholeL1 = m_running.suffixWholeL1[chunk];
    if (k > chunkStart) {
        const std::int64_t chunkEnd = std::min(n, chunkStart + m_chunkSize);
        const long double f = static_cast<long double>(k - chunkStart) /
                              static_cast<long double>(chunkEnd - chunkStart);
        const auto between = [f](long double from, long double to) {
            return from + f * (to - from);
        };
        insideEnergy = between(insideEnergy, m_running.prefixKeptInsideEnergy[chunk + 1]);
        insideL1 = between(insideL1, m_running.prefixKeptInsideL1[chunk + 1]);
        wholeEnergy = between(wholeEnergy, m_running.suffixWholeEnergy[chunk + 1]);
        wholeL1 = between(wholeL1, m_running.suffixWholeL1[chunk + 1]);
    }
    const std::int64_t zeros = m_running.prefixZeros[chunk] + zerosOfRanks(chunkStart, k);
    return statsFromSums(k, zeros, insideEnergy + wholeEnergy, insideL1 + wholeL1);
}

MaskStats BlockRanking::statsFor(std::int64_t prunedCount, const WeightTensor& weights) const
{
    const std::int64_t n = blockCount();
    const std::int64_t k = m_zerosPerBlock == 0 ? 0 : std::clamp<std::int64_t>(prunedCount, 0, n);
    const auto chunk = static_cast<std::size_t>(k / m_chunkSize);
    const std::int64_t chunkStart = static_cast<std::int64_t>(chunk) * m_chunkSize;

    std::int64_t zeros = m_running.prefixZeros[chunk];
    long double insideEnergy = m_running.prefixKeptInsideEnergy[chunk];
    long double insideL1 = m_running.prefixKeptInsideL1[chunk];
    long double wholeEnergy = m_running.suffixWholeEnergy[chunk];
    long double wholeL1 = m_running.suffixWholeL1[chunk];
    if (k > chunkStart) {
        // Ranks chunkStart..k-1 are pruned, k..chunk end are whole.
        const std::int64_t chunkEnd = std::min(n, chunkStart + m_chunkSize);
        const detail::SegmentSums pruned = sumRanks(weights, chunkStart, k);
        const detail::SegmentSums whole = sumRanks(weights, k, chunkEnd);
        zeros += pruned.zeros;
        insideEnergy += pruned.keptInsideEnergy;
        insideL1 += pruned.keptInsideL1;
        wholeEnergy = m_running.suffixWholeEnergy[chunk + 1] + whole.wholeEnergy;
        wholeL1 = m_running.suffixWholeL1[chunk + 1] + whole.wholeL1;
    }

    return statsFromSums(k, zeros, insideEnergy + wholeEnergy, insideL1 + wholeL1);
}

} // namespace sparsity::core
