#pragma once

#include "blocknorms.h"

#include <cstdint>
#include <vector>

namespace sparsity::core {

// Which blocks are pruned (SPEC.md "The mask", step 3): one flag per block, row-major.
struct BlockSelection
{
    std::vector<std::uint8_t> pruned; // 1 = pruned
    std::int64_t prunedCount = 0;
};

// k for a level and block count: all blocks at level >= 1, otherwise round-half-even of
// level * blockCount in double, clamped to [0, blockCount - 1].
std::int64_t prunedBlockCount(double level, std::int64_t blockCount);

// The k lowest-norm blocks, ties broken by the lower block index and NaN norms last, so the
// choice is total and deterministic.
BlockSelection selectLowestBlocks(const BlockNorms& norms, std::int64_t k,
                                  const ExecutionContext& context);

} // namespace sparsity::core
