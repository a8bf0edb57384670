#pragma once

// Internal to core/ranking: what a level needs to know of every block, summed into segments.

#include "mask/blockgrid.h"
#include "mask/maskstats.h"
#include "parallel/executioncontext.h"
#include "tensor/weighttensor.h"

#include <cstdint>
#include <functional>
#include <vector>

namespace sparsity::core::detail {

// The sums of the blocks of one segment (a range of ranks): what they zero and keep inside when
// pruned (zeros per block smaller than the block), and what they keep when not pruned, over the
// finite weights, scaled by 2^scaleExponent.
struct SegmentSums
{
    std::int64_t zeros = 0;
    double keptInsideEnergy = 0.0;
    double keptInsideL1 = 0.0;
    double wholeEnergy = 0.0;
    double wholeL1 = 0.0;

    void add(const SegmentSums& other)
    {
        zeros += other.zeros;
        keptInsideEnergy += other.keptInsideEnergy;
        keptInsideL1 += other.keptInsideL1;
        wholeEnergy += other.wholeEnergy;
        wholeL1 += other.wholeL1;
    }
};

struct SegmentedSums
{
    std::vector<SegmentSums> segments; // the pieces' sums added in piece order
    std::int64_t nonFiniteWeights = 0;
};

// Running sums over segments in rank order, at the boundaries s = 0..segments: before s (the
// pruned side) the zeros and what pruned blocks keep inside, from s on (the kept side) the
// whole blocks' weight; long double, added in segment order.
struct RunningSums
{
    std::vector<std::int64_t> prefixZeros;
    std::vector<long double> prefixKeptInsideEnergy, prefixKeptInsideL1;
    std::vector<long double> suffixWholeEnergy, suffixWholeL1;

    static RunningSums of(const std::vector<SegmentSums>& segments);
};

// Tells, for the blocks of one block row, which segment each belongs to: fills
// segments[0, gridCols) for block row br.
using SegmentOfBlocks = std::function<void(std::int64_t br, std::uint32_t* segments)>;

// Sums every block of the weights into its segment. Block rows are split into pieces fixed by
// the tensor alone (not by the thread count), each piece sums into its own segments in block
// order, and the pieces are added in order: the same doubles for any number of threads.
SegmentedSums sumBlocksBySegment(const WeightTensor& weights, const BlockGrid& grid, Norm norm,
                                 std::int64_t zerosPerBlock, int scaleExponent,
                                 std::int64_t segmentCount, const SegmentOfBlocks& segmentOf,
                                 const ExecutionContext& context);

// The sums of the given blocks, one after the other (for a part of a chunk of ranks).
SegmentSums sumListedBlocks(const WeightTensor& weights, const BlockGrid& grid, Norm norm,
                            std::int64_t zerosPerBlock, int scaleExponent,
                            const std::uint32_t* blocks, std::int64_t count);

// The statistics of a mask from its sums (scaled by 2^scaleExponent; long double, formed in a
// fixed order by the caller): pruned blocks k, zeros, and what is kept of all.
struct RankedTotals
{
    std::int64_t elements = 0;
    std::int64_t blocks = 0;
    std::int64_t nonFiniteWeights = 0;
    long double allEnergy = 0.0L;
    long double allL1 = 0.0L;
    int scaleExponent = 0;
};
MaskStats statsFromSums(const RankedTotals& totals, std::int64_t k, std::int64_t zeros,
                        long double keptEnergy, long double keptL1);

// The exponent that keeps every square of the finite weights, and their sums, inside a double:
// 0 unless float64 weights exceed 2^400.
int sumScaleExponent(const WeightTensor& weights, const ExecutionContext& context);

} // namespace sparsity::core::detail
