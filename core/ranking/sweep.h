#pragma once

#include "blockranking.h"
#include "parallel/executioncontext.h"

#include <QString>
#include <span>
#include <vector>

namespace sparsity::core {

// One row of a sweep (docs/SPEC.md "Configurations and sweeps"): a dataset (or the model) at
// one configuration and level.
struct SweepRow
{
    QString dataset; // empty for the model row
    Configuration configuration;
    double level = 0.0;
    MaskStats stats;
};

// The statistics of one ranked tensor at every level, in the order given.
std::vector<MaskStats> sweepLevels(const BlockRanking& ranking, const WeightTensor& weights,
                                   std::span<const double> levels);

// The same numbers for a tensor that is not ranked, without sorting its blocks: a curve needs
// only as many thresholds as levels. The blocks are counted by the high bits of their norm's
// key, each level's threshold is selected inside its bucket, and one pass sums every block into
// the span between two thresholds it falls in. Equal to a BlockRanking's numbers (integers
// exactly, ratios within 1e-12) and to the mask path's. Throws Error(InvalidParameter) for an
// invalid configuration or level and Error(Cancelled) when asked to stop.
std::vector<MaskStats> sweepTensor(const WeightTensor& weights, const Configuration& configuration,
                                   std::span<const double> levels, const ExecutionContext& context);

// sweepTensor for several configurations at once, in their order. Configurations with the same
// block shape and norm share one computation of the norms, and, when their levels prune the
// same numbers of blocks (1x4 and 2:4 at the same levels), one search for the thresholds.
std::vector<std::vector<MaskStats>>
sweepConfigurations(const WeightTensor& weights, std::span<const Configuration> configurations,
                    std::span<const double> levels, const ExecutionContext& context);

// The model's numbers from its datasets' numbers at one configuration and level: elements,
// zeros, blocks and pruned blocks added; energies and L1 sums added before the ratios.
MaskStats combineStats(std::span<const MaskStats> layers);

} // namespace sparsity::core
