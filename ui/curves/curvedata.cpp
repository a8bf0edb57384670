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

namespace {

// total + curve at every level, as combineStats sums: it starts from zero and adds in order,
// (0 + a) + b is a + b, so a running total equals combineStats over every curve added so far.
void accumulate(std::vector<core::MaskStats>& total, bool first,
                const std::vector<core::MaskStats>& curve)
{
    for (std::size_t l = 0; l < total.size() && l < curve.size(); ++l) {
        if (first) {
            const std::array<core::MaskStats, 1> one{curve[l]};
            total[l] = core::combineStats(one);
        } else {
            const std::array<core::MaskStats, 2> pair{total[l], curve[l]};
            total[l] = core::combineStats(pair);
        }
    }
}

} // namespace

ModelCurves::ModelCurves(std::vector<core::Configuration> configurations, std::size_t levelCount)
    : m_configurations(std::move(configurations))
    , m_columns(m_configurations.size())
    , m_points(m_configurations.size(), std::vector<core::MaskStats>(levelCount))
{
    for (Column& column : m_columns)
        column.inOrder.resize(levelCount);
}

void ModelCurves::addLayer(std::size_t configuration, int layer,
                           const std::vector<core::MaskStats>& curve)
{
    if (configuration >= m_columns.size() || layer < 0)
        return;
    Column& column = m_columns[configuration];
    if (layer < column.next || column.ahead.contains(layer))
        return;
    if (layer > column.next) {
        column.ahead.emplace(layer, curve);
    } else {
        accumulate(column.inOrder, column.next == 0, curve);
        ++column.next;
        // The gap closed: what waited beyond it joins in order.
        for (auto it = column.ahead.begin(); it != column.ahead.end() && it->first == column.next;
             it = column.ahead.erase(it)) {
            accumulate(column.inOrder, false, it->second);
            ++column.next;
        }
    }
    std::vector<core::MaskStats>& shown = m_points[configuration];
    shown = column.inOrder;
    bool first = column.next == 0;
    for (const auto& [index, waiting] : column.ahead) {
        accumulate(shown, first, waiting);
        first = false;
    }
}

void ModelCurves::addLayer(int layer, const std::vector<std::vector<core::MaskStats>>& curves)
{
    for (std::size_t c = 0; c < curves.size(); ++c)
        addLayer(c, layer, curves[c]);
}

int ModelCurves::layerCount(std::size_t configuration) const
{
    const Column& column = m_columns[configuration];
    return column.next + static_cast<int>(column.ahead.size());
}

QStringList defaultCurveSpecs()
{
    return {QStringLiteral("1x1"), QStringLiteral("2:4"), QStringLiteral("1x4"),
            QStringLiteral("4x1"), QStringLiteral("4x4"), QStringLiteral("8x8")};
}

} // namespace sparsity::ui
