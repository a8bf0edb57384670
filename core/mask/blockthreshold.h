#pragma once

#include "blocknorms.h"
#include "maskstats.h"

#include <cstdint>
#include <vector>

namespace sparsity::core {

// Which blocks are pruned (docs/SPEC.md "The mask", step 3), as the last pruned block in the total
// order of (norm key, block index): a block is pruned iff it sorts at or before it. Keys are
// the order keys of the norms (NaN last, ties equal). A small value; copy it freely.
struct BlockThreshold
{
    std::int64_t blockCount = 0;
    std::int64_t prunedCount = 0;
    std::uint64_t key = 0;
    std::int64_t index = -1;

    bool prunesAll() const { return prunedCount >= blockCount; }
    bool prunesNone() const { return prunedCount <= 0; }
    bool prunes(std::uint64_t blockKey, std::int64_t block) const
    {
        if (prunesAll())
            return true;
        return prunedCount > 0 && (blockKey < key || (blockKey == key && block <= index));
    }
};

// k for a level and block count: all blocks at level >= 1, otherwise round-half-even of
// level * blockCount in double, clamped to [0, blockCount - 1].
std::int64_t prunedBlockCount(double level, std::int64_t blockCount);

// A sorted sample of the norms' keys: lets repeated selections on the same norms (a level
// slider) skip the sampling. Owned by whoever owns the norms.
struct NormSample
{
    std::vector<std::uint64_t> keys;
    bool sorted = false; // sorted on its second use: one selection does not pay for a sort
    int uses = 0;
};

// The threshold that prunes the k lowest-norm blocks, ties to the lower index, NaN last.
// O(blocks): one pass counts and collects candidates around the sampled quantile, then a
// selection among the candidates. The result is unique, so it cannot depend on threads.
BlockThreshold selectLowestBlocks(const BlockNorms& norms, const WeightTensor& weights,
                                  std::int64_t k, const ExecutionContext& context,
                                  NormSample* sample = nullptr);

// The same threshold for norms that are not stored (a one-shot mask of blocks larger than one
// element): each block row's norms are computed from the weights, scanned and forgotten. With
// rowSums (weights.rows() of them), each matrix row's sums over all weights are also computed
// there, from the rows in cache (as sumAllOfRow does).
BlockThreshold selectLowestBlocks(const WeightTensor& weights, const BlockGrid& grid, Norm norm,
                                  std::int64_t k, const ExecutionContext& context,
                                  WeightSums* rowSums = nullptr);

// Whether that is the better way for a one-shot mask on this grid: its sample computes norms one
// block at a time, which pays only where the sample is a small part of many blocks, that is
// where a stored norms array would be large.
bool selectsBetterWithoutStoredNorms(const BlockGrid& grid);

// The order key of one block's norm and per-block pruned flags, for views and tests.
std::uint64_t blockKeyAt(const BlockNorms& norms, const WeightTensor& weights, std::int64_t block);
std::vector<std::uint8_t> prunedFlags(const BlockNorms& norms, const WeightTensor& weights,
                                      const BlockThreshold& threshold);

} // namespace sparsity::core
