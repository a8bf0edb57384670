#pragma once

#include "mask/maskstats.h"
#include "parallel/executioncontext.h"
#include "ranking/configuration.h"
#include "tensor/weighttensor.h"

#include <QList>
#include <QString>
#include <map>
#include <span>
#include <vector>

// The numbers behind the Curves dock: a tensor's statistics at every sweep level for several
// configurations, and the model's curves built up one layer at a time. Pure functions and
// plain values; any thread.

namespace sparsity::ui {

// The statistics at each level of `levels` (same order), for every configuration (same
// order): one BlockRanking per configuration, built, swept and dropped before the next, so at
// most one ranking is alive. Integers equal core::computeMask's, ratios within 1e-12 (the
// ranking's guarantee). Throws core::Error (Cancelled when asked to stop).
std::vector<std::vector<core::MaskStats>>
layerCurves(const core::WeightTensor& weights, std::span<const core::Configuration> configurations,
            std::span<const double> levels, const core::ExecutionContext& context);

// The model's curves so far: each configuration's per-level statistics combined over the
// layers added (core::combineStats: counts and energies added, ratios of the sums). Layers are
// known by their index in file order and may come in any order (the Curves dock sweeps a small
// layer first). What has come in file order from layer 0 on is summed in that order; a layer
// ahead of a gap waits beside it until the gap fills, and is only added to the points shown
// meanwhile. So once layers 0..n-1 are in, however they came, the points are bit for bit
// combineStats of those n layers in file order (the sweep command's model rows).
class ModelCurves
{
public:
    ModelCurves() = default;
    ModelCurves(std::vector<core::Configuration> configurations, std::size_t levelCount);

    // Layer `layer`'s curve (its index in file order) of configuration `configuration` (an
    // index), at the same levels. A layer already added is ignored.
    void addLayer(std::size_t configuration, int layer, const std::vector<core::MaskStats>& curve);
    // One layer's layerCurves() result for all the configurations.
    void addLayer(int layer, const std::vector<std::vector<core::MaskStats>>& curves);

    const std::vector<core::Configuration>& configurations() const { return m_configurations; }
    // Per configuration, per level; meaningful once the configuration has a layer.
    const std::vector<std::vector<core::MaskStats>>& points() const { return m_points; }
    // Layers added to a configuration's curve.
    int layerCount(std::size_t configuration) const;

private:
    struct Column
    {
        std::vector<core::MaskStats> inOrder; // layers 0..next-1, summed in file order
        int next = 0;
        std::map<int, std::vector<core::MaskStats>> ahead; // beyond a gap, by index
    };
    std::vector<core::Configuration> m_configurations;
    std::vector<Column> m_columns;
    std::vector<std::vector<core::MaskStats>> m_points;
};

// Threads a curve job may use on a pool of `poolThreads`: all but one, so that the mask job that
// follows the level slider always finds a free thread (results do not depend on the count).
inline int curveThreads(int poolThreads)
{
    return poolThreads > 1 ? poolThreads - 1 : 1;
}

// The block specs the Curves dock starts with: 1x1, 2:4, 1x4, 4x1, 4x4, 8x8.
QStringList defaultCurveSpecs();

} // namespace sparsity::ui
