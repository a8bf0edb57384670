#include "sparsityparams.h"

#include "error.h"

#include <QRegularExpression>
#include <cmath>
#include <limits>

namespace sparsity::core {

QString normName(Norm norm)
{
    return norm == Norm::L1 ? QStringLiteral("l1") : QStringLiteral("l2");
}

std::optional<Norm> parseNorm(const QString& text)
{
    const QString lower = text.trimmed().toLower();
    if (lower == QLatin1String("l1") || lower == QLatin1String("1"))
        return Norm::L1;
    if (lower == QLatin1String("l2") || lower == QLatin1String("2"))
        return Norm::L2;
    return std::nullopt;
}

std::optional<BlockShape> parseBlockShape(const QString& text)
{
    static const QRegularExpression pattern(
        QStringLiteral("^\\s*(\\d{1,9})\\s*[xX]\\s*(\\d{1,9})\\s*$"));
    const auto match = pattern.match(text);
    if (!match.hasMatch())
        return std::nullopt;
    const BlockShape shape{match.captured(1).toLongLong(), match.captured(2).toLongLong()};
    if (shape.rows < 1 || shape.cols < 1)
        return std::nullopt;
    return shape;
}

std::optional<QString> SparsityParams::validate() const
{
    if (!(level >= 0.0 && level <= 1.0)) // also rejects NaN
        return QStringLiteral("Sparsity level must be between 0 and 1, got %1.").arg(level);
    // Blocks above 2^31 elements per side are meaningless and would overflow bh*bw.
    constexpr std::int64_t maxSide = std::numeric_limits<std::int32_t>::max();
    if (block.rows < 1 || block.cols < 1 || block.rows > maxSide || block.cols > maxSide)
        return QStringLiteral(
                   "Block shape must be at least 1x1 and at most %1 per side, got %2x%3.")
            .arg(maxSide)
            .arg(block.rows)
            .arg(block.cols);
    const std::int64_t zeros = effectiveZerosPerBlock();
    if (zeros > block.elementCount())
        return QStringLiteral("Number of zeros per block cannot be more than the total number of "
                              "elements in that block. (zeros per block %1, block %2x%3 holds %4)")
            .arg(zeros)
            .arg(block.rows)
            .arg(block.cols)
            .arg(block.elementCount());
    if (zeros < 0)
        return QStringLiteral("Number of zeros per block should be positive. (got %1)").arg(zeros);
    return std::nullopt;
}

void SparsityParams::throwIfInvalid() const
{
    if (const auto problem = validate())
        throw Error(ErrorCode::InvalidParameter, *problem);
}

} // namespace sparsity::core
