#pragma once

#include "parallel/executioncontext.h"
#include "tensor/weighttensor.h"

#include <cstdint>
#include <span>

namespace sparsity::core {

// Numbers that describe a mask (SPEC.md). The retained ratios are over the finite weights: a
// NaN or inf weight would make them meaningless, so it is counted in nonFiniteWeights instead
// and the caller warns about it. With no energy (all weights zero) the ratios are 1.
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

// Sums over the finite weights of a tensor, all of it or the kept part.
struct WeightSums
{
    double energy = 0.0; // sum of w^2
    double l1 = 0.0;     // sum of |w|
    std::int64_t nonFinite = 0;
};

// The sums over all weights (mask == nullptr) or over the kept ones. Fixed slices summed in
// order, so the doubles are the same for any thread count.
WeightSums sumWeights(const WeightTensor& weights, const std::uint8_t* mask,
                      const ExecutionContext& context);

// Adds the sums of the kept (mask != 0) finite weights of one row to sums. Fast in float
// lanes; a row whose float sums are not finite (NaN/inf weights, overflow) is redone exactly.
void addKeptSums(const float* weights, const std::uint8_t* mask, std::int64_t n, WeightSums& sums);
void addKeptSums(const double* weights, const std::uint8_t* mask, std::int64_t n, WeightSums& sums);

// Fills the ratio fields of stats from the sums of all and of the kept weights.
void setRetention(MaskStats& stats, const WeightSums& all, const WeightSums& kept);

} // namespace sparsity::core
