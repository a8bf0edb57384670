#pragma once

#include "parallel/executioncontext.h"
#include "tensor/weighttensor.h"

#include <cstdint>
#include <span>

namespace sparsity::core {

// Sums over the finite weights of a tensor, all of it or the kept part.
struct WeightSums
{
    // Long double: the squares of finite float64 weights above 1e154 overflow a double, and
    // the ratios must still be right (x86-64's long double reaches 1e4932).
    long double energy = 0.0L; // sum of w^2
    long double l1 = 0.0L;     // sum of |w|
    std::int64_t nonFinite = 0;
};

// Numbers that describe a mask (docs/SPEC.md, of the same name). The retained ratios are over the
// finite weights: a NaN or inf weight would make them meaningless, so it is counted in
// nonFiniteWeights instead and the caller warns about it. With no energy (all weights zero) the
// ratios are 1.
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
    // The sums the ratios come from, so that datasets combine into a model (sweep.h
    // combineStats): energies are added before the ratio is taken.
    WeightSums keptSums;
    WeightSums allSums;
};

// Every total below is built the same way, whichever pass computes it: each matrix row is
// summed in fixed slices, then the rows are added in order. So a total is the same double for
// any thread count, block shape or caching, and the GUI and the CLI show identical statistics.

// The sums over all weights of a tensor.
WeightSums sumWeights(const WeightTensor& weights, const ExecutionContext& context);

// The sums of one matrix row: of the kept (mask != 0) finite weights into kept and, when all is
// given, of every finite weight into all (non-finite ones are counted there). Fast in the
// tensor's precision; a slice whose fast sums are not finite (NaN/inf weights, overflow) is
// redone exactly.
void sumRow(const float* weights, const std::uint8_t* mask, std::int64_t n, WeightSums& kept,
            WeightSums* all);
void sumRow(const double* weights, const std::uint8_t* mask, std::int64_t n, WeightSums& kept,
            WeightSums* all);

// The sums of all weights of one matrix row, added to all (as sumWeights sums each row).
void sumAllOfRow(const float* weights, std::int64_t n, WeightSums& all);
void sumAllOfRow(const double* weights, std::int64_t n, WeightSums& all);

// The total of per-row sums, added in row order.
WeightSums addRows(std::span<const WeightSums> rows);

// Fills the ratio and sum fields of stats from the sums of all and of the kept weights.
void setRetention(MaskStats& stats, const WeightSums& all, const WeightSums& kept);

} // namespace sparsity::core
