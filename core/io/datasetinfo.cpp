#include "datasetinfo.h"

#include "datasetchecks.h"

#include <QStringList>
#include <limits>

namespace sparsity::core {

std::int64_t DatasetInfo::elementCount() const
{
    if (kind != NodeKind::Dataset || nullDataspace)
        return 0;
    // A scalar (empty shape) holds one element. Declared shapes can exceed int64: saturate.
    std::int64_t count = 1;
    for (const std::int64_t extent : shape) {
        if (extent <= 0)
            return 0;
        if (count > std::numeric_limits<std::int64_t>::max() / extent)
            return std::numeric_limits<std::int64_t>::max();
        count *= extent;
    }
    return count;
}

bool DatasetInfo::canSparsifyWhenNamed() const
{
    return kind == NodeKind::Dataset && datasetProblem(*this, namedMinimumRank).isEmpty();
}

QString DatasetInfo::shapeText() const
{
    if (kind != NodeKind::Dataset)
        return {};
    if (nullDataspace)
        return QStringLiteral("null");
    if (shape.empty())
        return QStringLiteral("scalar");
    QStringList parts;
    parts.reserve(static_cast<qsizetype>(shape.size()));
    for (const std::int64_t extent : shape)
        parts << QString::number(extent);
    return parts.join(QLatin1Char('x'));
}

QString normalizeDatasetPath(const QString& path)
{
    const QStringList parts = path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    return QLatin1Char('/') + parts.join(QLatin1Char('/'));
}

} // namespace sparsity::core
