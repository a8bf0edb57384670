#include "learnmatrix.h"

#include <QLocale>
#include <algorithm>
#include <limits>
#include <random>

namespace sparsity::ui {
namespace {

template <typename T>
std::vector<T> copyRegion(std::span<const T> values, std::int64_t cols, std::int64_t top,
                          std::int64_t left, std::int64_t rows, std::int64_t width)
{
    std::vector<T> out;
    out.reserve(static_cast<std::size_t>(rows * width));
    for (std::int64_t r = 0; r < rows; ++r) {
        const auto first = values.begin() + (top + r) * cols + left;
        out.insert(out.end(), first, first + width);
    }
    return out;
}

} // namespace

LearnMatrix LearnMatrix::slice(const core::WeightTensor& layer, const QString& layerName,
                               std::int64_t top, std::int64_t left, QSize size)
{
    top = std::clamp<std::int64_t>(top, 0, std::max<std::int64_t>(0, layer.rows() - 1));
    left = std::clamp<std::int64_t>(left, 0, std::max<std::int64_t>(0, layer.cols() - 1));
    const std::int64_t rows = std::min<std::int64_t>(size.height(), layer.rows() - top);
    const std::int64_t cols = std::min<std::int64_t>(size.width(), layer.cols() - left);
    LearnMatrix matrix;
    if (layer.precision() == core::Precision::Float32)
        matrix.weights = core::WeightTensor(
            {rows, cols}, copyRegion(layer.values<float>(), layer.cols(), top, left, rows, cols));
    else
        matrix.weights = core::WeightTensor(
            {rows, cols}, copyRegion(layer.values<double>(), layer.cols(), top, left, rows, cols));
    matrix.layer = layerName;
    matrix.top = top;
    matrix.left = left;
    return matrix;
}

QString LearnMatrix::origin() const
{
    if (!layer.isEmpty())
        return tr("rows %1–%2, columns %3–%4 of %5")
            .arg(top)
            .arg(top + rows() - 1)
            .arg(left)
            .arg(left + cols() - 1)
            .arg(layer);
    if (seed)
        return tr("random numbers, seed %1").arg(*seed);
    return tr("numbers typed in the table");
}

QPoint LearnMatrix::sliceOrigin(std::int64_t layerRows, std::int64_t layerCols, QPoint centre,
                                core::BlockShape block, QSize size)
{
    const auto along = [](std::int64_t extent, std::int64_t middle, std::int64_t blockSide,
                          std::int64_t side) {
        std::int64_t start = middle - side / 2;
        if (blockSide <= side)
            start -= ((start % blockSide) + blockSide) % blockSide; // down to a block boundary
        return std::clamp<std::int64_t>(start, 0, std::max<std::int64_t>(0, extent - side));
    };
    return QPoint(int(along(layerCols, centre.x(), block.cols, size.width())),
                  int(along(layerRows, centre.y(), block.rows, size.height())));
}

LearnMatrix LearnMatrix::random(quint32 seed, QSize size)
{
    std::mt19937 generator(seed);
    std::vector<float> values(static_cast<std::size_t>(size.width() * size.height()));
    // 201 outcomes from a 32-bit draw: the bias of the modulo is below 1e-7, far below what a
    // teaching matrix can show.
    for (float& v : values)
        v = float(int(generator() % 201u) - 100) / 100.0f;
    LearnMatrix matrix;
    matrix.weights = core::WeightTensor({size.height(), size.width()}, values);
    matrix.seed = seed;
    return matrix;
}

LearnMatrix LearnMatrix::typed(QSize size, const std::vector<float>& values)
{
    LearnMatrix matrix;
    matrix.weights = core::WeightTensor({size.height(), size.width()}, values);
    return matrix;
}

std::optional<double> parseLearnNumber(const QString& text)
{
    const QString t = text.trimmed().toLower();
    if (t == QLatin1String("nan") || t == QLatin1String("-nan"))
        return std::numeric_limits<double>::quiet_NaN();
    if (t == QLatin1String("inf") || t == QLatin1String("+inf") || t == QStringLiteral("∞"))
        return std::numeric_limits<double>::infinity();
    if (t == QLatin1String("-inf") || t == QStringLiteral("-∞") || t == QStringLiteral("−inf"))
        return -std::numeric_limits<double>::infinity();
    QString normalised = t;
    normalised.replace(QStringLiteral("−"), QStringLiteral("-")); // a typographic minus
    bool ok = false;
    const double value = normalised.toDouble(&ok);
    if (ok)
        return value;
    const double local = QLocale().toDouble(normalised, &ok);
    if (ok)
        return local;
    return std::nullopt;
}

} // namespace sparsity::ui
