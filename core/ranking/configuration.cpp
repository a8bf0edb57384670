#include "configuration.h"

#include "error.h"

#include <QRegularExpression>
#include <QStringList>
#include <cmath>

namespace sparsity::core {
namespace {

[[noreturn]] void refuseBlockSpec(const QString& text)
{
    throw Error(ErrorCode::InvalidParameter,
                QStringLiteral("'%1' is not a block configuration: write RxC, RxC/Z or N:M "
                               "(for example 1x4, 4x4/8 or 2:4).")
                    .arg(text));
}

// A decimal number as an integer mantissa and a count of decimals, so that levels can be formed
// as mantissa / 10^decimals, the double nearest to the decimal (as parsing its text gives).
struct Decimal
{
    std::int64_t mantissa = 0;
    int decimals = 0;
};

std::optional<Decimal> parseDecimal(const QString& text)
{
    static const QRegularExpression pattern(
        QStringLiteral("^\\s*(\\d{0,6})(?:\\.(\\d{0,12}))?\\s*$"));
    const auto match = pattern.match(text);
    if (!match.hasMatch() || (match.captured(1).isEmpty() && match.captured(2).isEmpty()))
        return std::nullopt;
    const QString digits = match.captured(1) + match.captured(2);
    return Decimal{digits.toLongLong(), static_cast<int>(match.capturedLength(2))};
}

double decimalValue(std::int64_t mantissa, int decimals)
{
    // Both operands are exact doubles (below 2^53), so the quotient is correctly rounded.
    return static_cast<double>(mantissa) / std::pow(10.0, decimals);
}

[[noreturn]] void refuseLevels(const QString& text, const QString& why)
{
    throw Error(ErrorCode::InvalidParameter,
                QStringLiteral("Levels '%1': %2 Write a list (0.1,0.5,0.9) or start:stop:step "
                               "(0:1:0.01), every level between 0 and 1.")
                    .arg(text, why));
}

double parseOneLevel(const QString& whole, const QString& text)
{
    bool ok = false;
    const double level = text.trimmed().toDouble(&ok);
    if (!ok)
        refuseLevels(whole, QStringLiteral("'%1' is not a number.").arg(text.trimmed()));
    if (!(level >= 0.0 && level <= 1.0))
        refuseLevels(whole, QStringLiteral("%1 is not between 0 and 1.").arg(text.trimmed()));
    return level;
}

} // namespace

BlockSpec parseBlockSpec(const QString& text)
{
    static const QRegularExpression blockForm(
        QStringLiteral("^\\s*(\\d{1,9})\\s*[xX]\\s*(\\d{1,9})\\s*(?:/\\s*(\\d{1,18}))?\\s*$"));
    static const QRegularExpression nmForm(
        QStringLiteral("^\\s*(\\d{1,9})\\s*:\\s*(\\d{1,9})\\s*$"));
    BlockSpec spec;
    if (const auto match = blockForm.match(text); match.hasMatch()) {
        spec.block = {match.captured(1).toLongLong(), match.captured(2).toLongLong()};
        if (!match.captured(3).isEmpty())
            spec.zerosPerBlock = match.captured(3).toLongLong();
    } else if (const auto nm = nmForm.match(text); nm.hasMatch()) {
        const std::int64_t kept = nm.captured(1).toLongLong();
        const std::int64_t group = nm.captured(2).toLongLong();
        if (group < 1 || kept > group)
            throw Error(ErrorCode::InvalidParameter,
                        QStringLiteral("'%1': N:M keeps N of every M weights, so N must be at "
                                       "most M and M at least 1.")
                            .arg(text.trimmed()));
        spec.block = {1, group};
        spec.zerosPerBlock = group - kept;
    } else {
        refuseBlockSpec(text);
    }
    if (spec.block.rows < 1 || spec.block.cols < 1)
        refuseBlockSpec(text);
    // The contract's own checks and wording (docs/SPEC.md "Inputs").
    SparsityParams{0.5, spec.block, spec.zerosPerBlock, Norm::L2}.throwIfInvalid();
    if (spec.zerosPerBlock == spec.block.elementCount())
        spec.zerosPerBlock.reset();
    return spec;
}

QString formatBlockSpec(BlockShape block, std::optional<std::int64_t> zerosPerBlock)
{
    const std::int64_t zeros = zerosPerBlock.value_or(block.elementCount());
    if (zeros == block.elementCount())
        return QStringLiteral("%1x%2").arg(block.rows).arg(block.cols);
    if (block.rows == 1 && zeros > 0 && zeros < block.cols)
        return QStringLiteral("%1:%2").arg(block.cols - zeros).arg(block.cols);
    return QStringLiteral("%1x%2/%3").arg(block.rows).arg(block.cols).arg(zeros);
}

QString describeConfiguration(const Configuration& configuration)
{
    return formatBlockSpec(configuration) + QLatin1Char(' ') + normName(configuration.norm);
}

std::vector<double> parseLevels(const QString& text)
{
    const QStringList range = text.split(QLatin1Char(':'));
    std::vector<double> levels;
    if (range.size() == 3) {
        const auto start = parseDecimal(range[0]);
        const auto stop = parseDecimal(range[1]);
        const auto step = parseDecimal(range[2]);
        if (!start || !stop || !step)
            refuseLevels(text, QStringLiteral("start, stop and step must be plain decimals."));
        const int decimals = std::max({start->decimals, stop->decimals, step->decimals});
        const auto scaled = [decimals](const Decimal& d) {
            std::int64_t value = d.mantissa;
            for (int i = d.decimals; i < decimals; ++i)
                value *= 10;
            return value;
        };
        const std::int64_t from = scaled(*start), to = scaled(*stop), by = scaled(*step);
        if (by <= 0)
            refuseLevels(text, QStringLiteral("the step must be above 0."));
        if (to < from)
            refuseLevels(text, QStringLiteral("the stop is below the start."));
        const std::int64_t count = (to - from) / by + 1; // exact: the stop is included on a step
        if (count > 1000000)
            refuseLevels(text, QStringLiteral("more than a million levels."));
        for (std::int64_t i = 0; i < count; ++i) {
            const double level = decimalValue(from + i * by, decimals);
            if (level > 1.0)
                refuseLevels(text, QStringLiteral("%1 is not between 0 and 1.").arg(level));
            levels.push_back(level);
        }
        return levels;
    }
    if (range.size() != 1)
        refuseLevels(text, QStringLiteral("a range has three parts."));
    for (const QString& part : text.split(QLatin1Char(',')))
        levels.push_back(parseOneLevel(text, part));
    return levels;
}

std::vector<double> defaultSweepLevels()
{
    return parseLevels(QStringLiteral("0:1:0.01"));
}

} // namespace sparsity::core
