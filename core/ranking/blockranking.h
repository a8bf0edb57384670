#pragma once

#include "blocksums.h"
#include "configuration.h"
#include "mask/blocknorms.h"
#include "mask/blockthreshold.h"
#include "mask/maskstats.h"
#include "parallel/executioncontext.h"
#include "tensor/weighttensor.h"

#include <cstdint>
#include <memory>
#include <span>
#include <variant>
#include <vector>

namespace sparsity::core {

// Every block of one tensor in rank order (docs/SPEC.md "Order, ties, NaN and infinity": norm,
// then block number; rank 0 is pruned first), with running sums of what a level needs: for
// the first k ranks, the zeros they take and the weight they keep inside (zeros per block
// smaller than the block), and for the ranks from k on, the weight they keep whole. So the
// statistics of any level cost one lookup of k plus at most one chunk of ranks, and a curve of
// many levels is that many lookups. The same numbers as the mask path (docs/SPEC.md
// "Configurations and sweeps"): integers equal, ratios within 1e-12 relative; the threshold of
// a level is exactly selectLowestBlocks' threshold.
//
// Building sorts the blocks (a least-significant-digit radix sort on the order keys, parallel
// and stable, so ties stay in block order) and sums every block once. The sums are formed in a
// fixed order whatever the thread count. Immutable once built: any thread may read it.
class BlockRanking
{
public:
    BlockRanking() = default;

    // Ranks the blocks of norms (computed from weights) and sums them for zerosPerBlock.
    // Throws Error(InvalidParameter) for a zeros per block the block cannot hold and
    // Error(Cancelled) when asked to stop.
    static BlockRanking build(const WeightTensor& weights, const BlockNorms& norms,
                              std::int64_t zerosPerBlock, const ExecutionContext& context);
    // The same, computing the norms first.
    static BlockRanking build(const WeightTensor& weights, BlockShape block,
                              std::int64_t zerosPerBlock, Norm norm,
                              const ExecutionContext& context);
    static BlockRanking build(const WeightTensor& weights, const Configuration& configuration,
                              const ExecutionContext& context);

    // The same order of blocks (shared, not sorted again) summed for another zeros per block:
    // a zeros-per-block change costs one pass over the weights, not a sort.
    BlockRanking withZerosPerBlock(const WeightTensor& weights, std::int64_t zerosPerBlock,
                                   const ExecutionContext& context) const;

    const BlockGrid& grid() const { return m_grid; }
    Norm norm() const { return m_norm; }
    std::int64_t zerosPerBlock() const { return m_zerosPerBlock; }
    Configuration configuration() const;
    std::int64_t blockCount() const { return m_grid.blockCount(); }
    std::int64_t elementCount() const { return m_grid.matrixRows * m_grid.matrixCols; }

    // The number of blocks a level prunes (docs/SPEC.md "The mask"): 0 at level <= 0 or with
    // zeros per block 0, every block at level >= 1, otherwise prunedBlockCount.
    std::int64_t prunedCountAt(double level) const;

    // The threshold that prunes the prunedCount lowest blocks, in O(1).
    BlockThreshold thresholdFor(std::int64_t prunedCount) const;

    // The statistics of the mask that prunes the prunedCount lowest blocks (zeros per block 0
    // prunes nothing). weights must be the tensor the ranking was built from; the cost is at
    // most one chunk of ranks (chunkSize() blocks) read from it.
    MaskStats statsFor(std::int64_t prunedCount, const WeightTensor& weights) const;
    MaskStats statsAt(double level, const WeightTensor& weights) const
    {
        return statsFor(prunedCountAt(level), weights);
    }

    // The same statistics without the weights, for views that keep many rankings but no
    // weights: integers exact, ratios with the ranks of one chunk interpolated linearly, so off
    // by at most that chunk's share of the tensor's weight.
    MaskStats estimatedStatsFor(std::int64_t prunedCount) const;

    // The block at a rank, and its norm's order key as a double's key (orderkey.h: -0 = +0,
    // +inf after every finite value, NaN last), so rankings of float and double tensors merge.
    std::int64_t blockAtRank(std::int64_t rank) const;
    std::uint64_t doubleKeyAtRank(std::int64_t rank) const;
    // Blocks whose norm sorts strictly before a double's key (binary search).
    std::int64_t countBelow(std::uint64_t doubleKey) const;

    // Ranks per chunk of running sums.
    std::int64_t chunkSize() const { return m_chunkSize; }

private:
public:
    struct Order
    {
        std::variant<LargeVector<std::uint32_t>, LargeVector<std::uint64_t>> keys;
        LargeVector<std::uint32_t> blocks;
    };

private:
    void sumChunks(const WeightTensor& weights, const ExecutionContext& context);

    detail::SegmentSums sumRanks(const WeightTensor& weights, std::int64_t from,
                                 std::int64_t to) const;
    std::int64_t zerosOfRanks(std::int64_t from, std::int64_t to) const;
    MaskStats statsFromSums(std::int64_t k, std::int64_t zeros, long double keptEnergy,
                            long double keptL1) const;

    BlockGrid m_grid;
    Norm m_norm = Norm::L2;
    std::int64_t m_zerosPerBlock = 0;
    std::int64_t m_chunkSize = 1;
    // The blocks in rank order with their norms' order keys (orderkey.h nonNegativeKey, in the
    // tensor's precision); shared by the rankings of other zeros per block.
    std::shared_ptr<const Order> m_order;
    // Running sums at chunk boundaries c * chunkSize: prefix (ranks before) of zeros and kept
    // inside, suffix (ranks from there on) of whole weight. One more entry than chunks.
    detail::RunningSums m_running;
    std::int64_t m_nonFiniteWeights = 0;
    // Weights are scaled by this power of two in every sum (1 unless float64 weights are so
    // large that their squares would overflow a double); ratios do not see it.
    int m_scaleExponent = 0;
};

} // namespace sparsity::core
