#pragma once

#include "mask/maskstats.h"
#include "parallel/executioncontext.h"
#include "ranking/configuration.h"
#include "tensor/weighttensor.h"

#include <QList>
#include <QString>
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
// layers added, in the order added (core::combineStats: counts and energies added, ratios of
// the sums). Adding the layers one by one gives the very numbers combineStats gives for all
// of them at once: the sums are formed in the same order.
class ModelCurves
{
public:
    ModelCurves() = default;
    ModelCurves(std::vector<core::Configuration> configurations, std::size_t levelCount);

    // One layer's curve of configuration `configuration` (an index), at the same levels; each
    // configuration takes the layers in the same order.
    void addLayer(std::size_t configuration, const std::vector<core::MaskStats>& curve);
    // One layer's layerCurves() result for all the configurations.
    void addLayer(const std::vector<std::vector<core::MaskStats>>& layer);

    const std::vector<core::Configuration>& configurations() const { return m_configurations; }
    // Per configuration, per level; meaningful once the configuration has a layer.
    const std::vector<std::vector<core::MaskStats>>& points() const { return m_points; }
    // Layers added to a configuration's curve.
    int layerCount(std::size_t configuration) const { return m_layers[configuration]; }

private:
    std::vector<core::Configuration> m_configurations;
    std::vector<std::vector<core::MaskStats>> m_points;
    std::vector<int> m_layers;
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
