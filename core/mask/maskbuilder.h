#pragma once

#include "blockthreshold.h"
#include "maskbytes.h"
#include "maskstats.h"
#include "zeropattern.h"

#include <cstdint>

namespace sparsity::core {

// Writes the element mask (docs/SPEC.md "The mask", steps 4 and 5) for a threshold: kept blocks are
// all 1; a pruned block is all 0 when zerosPerBlock covers it, otherwise its zerosPerBlock
// smallest elements are 0. In the same pass, while each block row is in cache, it sums the kept
// weights and, if asked, all weights (per matrix row, as sumWeights does, so the totals equal
// its totals).
struct MaskPass
{
    // Stored norms are read; empty ones (a one-shot mask drops them) are recomputed per block
    // row, exactly as they were computed for the threshold.
    const BlockNorms& norms;
    BlockThreshold threshold;
    std::int64_t zerosPerBlock = 0;
    // Which elements a pruned small block loses; null: computed per block row for the pruned
    // blocks' rows (small blocks) or selected on the spot (larger blocks).
    const ZeroPatterns* patterns = nullptr;
    // When given (small blocks, no patterns above), every block row's patterns are computed
    // into it, to be kept for later passes.
    ZeroPatterns* patternsToFill = nullptr;
    bool sumAllWeights = false;
    // Off when the caller knows the kept sums already (a block ranking gives them): the pass
    // then writes the mask only and does not read the weights of kept blocks.
    bool sumKeptWeights = true;
};

struct MaskBuildResult
{
    std::int64_t zeros = 0;
    WeightSums kept;
    WeightSums all; // only when asked for
};

// mask must hold weights.elementCount() bytes.
MaskBuildResult buildMask(const WeightTensor& weights, const MaskPass& pass, std::uint8_t* mask,
                          const ExecutionContext& context);

} // namespace sparsity::core
