#include "curvedata.h"

#include "ranking/sweep.h"

#include <array>

namespace sparsity::ui {

std::vector<std::vector<core::MaskStats>>
layerCurves(const core::WeightTensor& weights, std::span<const core::Configuration> configurations,
            std::span<const double> levels, const core::ExecutionContext& context)
{
    // A curve needs only as many thresholds as levels: no block ranking is sorted; curves of
    // one block shape share their norms.
    return core::sweepConfigurations(weights, configurations, levels, context);
}

ModelCurves::ModelCurves(std::vector<core::Configuration> configurations, std::size_t levelCount)
    : m_configurations(std::move(configurations))
    , m_points(m_configurations.size(), std::vector<core::MaskStats>(levelCount))
    , m_layers(m_configurations.size(), 0)
{}

void ModelCurves::addLayer(std::size_t configuration, const std::vector<core::MaskStats>& curve)
{
    if (configuration >= m_points.size())
        return;
    std::vector<core::MaskStats>& model = m_points[configuration];
    const bool first = m_layers[configuration] == 0;
    for (std::size_t l = 0; l < model.size() && l < curve.size(); ++l) {
        // combineStats starts from zero and adds in order: (0 + a) + b is a + b, so the
        // running total equals combineStats over every layer added so far.
        if (first) {
            const std::array<core::MaskStats, 1> one{curve[l]};
            model[l] = core::combineStats(one);
        } else {
            const std::array<core::MaskStats, 2> pair{model[l], curve[l]};
            model[l] = core::combineStats(pair);
        }
    }
    ++m_layers[configuration];
}

void ModelCurves::addLayer(const std::vector<std::vector<core::MaskStats>>& layer)
{
    for (std::size_t c = 0; c < layer.size(); ++c)
        addLayer(c, layer[c]);
}

QStringList defaultCurveSpecs()
{
    return {QStringLiteral("1x1"), QStringLiteral("2:4"), QStringLiteral("1x4"),
            QStringLiteral("4x1"), QStringLiteral("4x4"), QStringLiteral("8x8")};
}

} // namespace sparsity::ui
