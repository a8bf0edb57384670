#pragma once

#include "parallel/executioncontext.h"
#include "tensor/weighttensor.h"

#include <cstdint>
#include <span>

namespace sparsity::core {

// Numbers that describe a mask (SPEC.md). Ratios are over the finite weights: a NaN or inf
// weight would make them meaningless, so it is counted in nonFiniteWeights instead and the
// caller warns about it. With no energy (all weights zero) the retained ratios are 1.
struct MaskStats
{
    std::int64_t elements = 0;
    std::int64_t zeros = 0;
    std::int64_t blocks = 0;
    std::int64_t prunedBlocks = 0;
    std::int64_t nonFiniteWeights = 0;
    double achievedSparsity = 0.0;
    double retainedEnergy = 1.0;
    double retainedL1 = 1.0;
};

MaskStats computeMaskStats(const WeightTensor& weights, std::span<const std::uint8_t> mask,
                           std::int64_t blocks, std::int64_t prunedBlocks,
                           const ExecutionContext& context);

} // namespace sparsity::core
