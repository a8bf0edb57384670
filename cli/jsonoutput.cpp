#include "jsonoutput.h"

#include <QJsonDocument>
#include <cmath>

namespace sparsity::cli::json {

QJsonValue number(double value)
{
    return std::isfinite(value) ? QJsonValue(value) : QJsonValue();
}

QJsonValue count(std::int64_t value)
{
    // qint64, not double: QJsonValue keeps it an integer, and the writer prints every digit.
    return QJsonValue(qint64(value));
}

QJsonArray shape(const std::vector<std::int64_t>& dimensions)
{
    QJsonArray array;
    for (const std::int64_t d : dimensions)
        array.append(count(d));
    return array;
}

QJsonObject configuration(const core::Configuration& configuration)
{
    return QJsonObject{
        {QStringLiteral("config"), core::formatBlockSpec(configuration)},
        {QStringLiteral("block"),
         QJsonArray{count(configuration.block.rows), count(configuration.block.cols)}},
        {QStringLiteral("zeros_per_block"), count(configuration.effectiveZerosPerBlock())},
        {QStringLiteral("norm"), core::normName(configuration.norm)}};
}

void addStats(QJsonObject& object, const core::MaskStats& stats)
{
    object.insert(QStringLiteral("blocks"), count(stats.blocks));
    object.insert(QStringLiteral("pruned_blocks"), count(stats.prunedBlocks));
    object.insert(QStringLiteral("zeros"), count(stats.zeros));
    object.insert(QStringLiteral("elements"), count(stats.elements));
    object.insert(QStringLiteral("achieved_sparsity"), number(stats.achievedSparsity));
    object.insert(QStringLiteral("retained_energy"), number(stats.retainedEnergy));
    object.insert(QStringLiteral("retained_l1"), number(stats.retainedL1));
    object.insert(QStringLiteral("non_finite_weights"), count(stats.nonFiniteWeights));
}

void print(QTextStream& out, const QJsonObject& document)
{
    out << QString::fromUtf8(QJsonDocument(document).toJson(QJsonDocument::Compact))
        << QLatin1Char('\n') << Qt::flush;
}

} // namespace sparsity::cli::json
