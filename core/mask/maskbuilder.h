#pragma once

#include "blockthreshold.h"
#include "maskbytes.h"
#include "maskstats.h"
#include "zeropattern.h"

#include <cstdint>

namespace sparsity::core {

// Writes the element mask (SPEC.md "The mask", steps 4 and 5) for a threshold: kept blocks are
// all 1; a pruned block is all 0 when zerosPerBlock covers it, otherwise its zerosPerBlock
// smallest elements are 0 (from patterns when given, else selected on the spot). mask must hold
// weights.elementCount() bytes. With sumKept, also sums the kept weights in the same pass
// (deterministically: one partial per block row, added in order).
struct MaskBuildResult
{
    std::int64_t zeros = 0;
    WeightSums kept; // zero unless asked for
};
MaskBuildResult buildMask(const WeightTensor& weights, const BlockNorms& norms,
                          const BlockThreshold& threshold, std::int64_t zerosPerBlock,
                          const ZeroPatterns* patterns, std::uint8_t* mask, bool sumKept,
                          const ExecutionContext& context);

} // namespace sparsity::core
