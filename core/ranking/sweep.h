#pragma once

#include "blockranking.h"

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

// The model's numbers from its datasets' numbers at one configuration and level: elements,
// zeros, blocks and pruned blocks added; energies and L1 sums added before the ratios.
MaskStats combineStats(std::span<const MaskStats> layers);

} // namespace sparsity::core
