#include "sweep.h"

namespace sparsity::core {

std::vector<MaskStats> sweepLevels(const BlockRanking& ranking, const WeightTensor& weights,
                                   std::span<const double> levels)
{
    std::vector<MaskStats> rows;
    rows.reserve(levels.size());
    for (double level : levels)
        rows.push_back(ranking.statsAt(level, weights));
    return rows;
}

MaskStats combineStats(std::span<const MaskStats> layers)
{
    MaskStats model;
    WeightSums all, kept;
    for (const MaskStats& layer : layers) {
        model.elements += layer.elements;
        model.zeros += layer.zeros;
        model.blocks += layer.blocks;
        model.prunedBlocks += layer.prunedBlocks;
        all.energy += layer.allSums.energy;
        all.l1 += layer.allSums.l1;
        all.nonFinite += layer.allSums.nonFinite;
        kept.energy += layer.keptSums.energy;
        kept.l1 += layer.keptSums.l1;
    }
    model.achievedSparsity = model.elements > 0 ? static_cast<double>(model.zeros) /
                                                      static_cast<double>(model.elements)
                                                : 0.0;
    setRetention(model, all, kept);
    return model;
}

} // namespace sparsity::core
