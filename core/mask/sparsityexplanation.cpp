#include "sparsityexplanation.h"

#include <QLocale>
#include <cmath>

namespace sparsity::core {
namespace {

QString count(std::int64_t value)
{
    return QLocale().toString(static_cast<qlonglong>(value));
}

// A level as the user set it: "90 %", "37.5 %", "0.01 %".
QString levelText(double level)
{
    return QLocale().toString(level * 100.0, 'g', 6) + QStringLiteral(" %");
}

// A share of the statistics, as the statistics panel prints it.
QString share(double fraction)
{
    return QLocale().toString(fraction * 100.0, 'f', 2) + QStringLiteral(" %");
}

// The product level × N as Python rounds it: short when that is not misleading, else in full
// (3.4999999999999996 must not read "3.5" next to a result of 3).
QString productText(double product, std::int64_t rounded)
{
    const QString shortText = QLocale::c().toString(product, 'g', 10);
    const double shown = shortText.toDouble();
    const bool misleading =
        shown != product && std::nearbyint(shown) != static_cast<double>(rounded);
    return QLocale().toString(product, 'g', misleading ? 17 : 10);
}

bool differs(double a, double b)
{
    return std::abs(a - b) > 1e-12;
}

} // namespace

QStringList SparsityExplanation::reasons(const SparsityParams& params, const BlockGrid& grid,
                                         const MaskStats& stats, bool modelScope)
{
    QStringList reasons;
    if (stats.elements <= 0 || !differs(stats.achievedSparsity, params.level))
        return reasons;
    const std::int64_t n = stats.blocks;
    const std::int64_t k = stats.prunedBlocks;
    const std::int64_t perBlock = params.block.elementCount();
    const std::int64_t zerosPerBlock = params.effectiveZerosPerBlock();

    // Level -> pruned blocks (docs/SPEC.md "The mask", steps 1 to 3).
    if (zerosPerBlock == 0 && params.level > 0.0) {
        reasons << tr("Zeros per block is 0: a pruned block loses none of its weights, so "
                      "nothing is zeroed.");
        return reasons;
    }
    if (modelScope) {
        if (differs(static_cast<double>(k) / static_cast<double>(n), params.level))
            reasons << tr("Model scope: the level %1 applies to the blocks of all layers ranked "
                          "together; this layer's share is %2 of its %3 blocks (%4).")
                           .arg(levelText(params.level), count(k), count(n),
                                share(static_cast<double>(k) / static_cast<double>(n)));
    } else if (params.level > 0.0 && params.level < 1.0) {
        const double product = params.level * static_cast<double>(n);
        const std::int64_t rounded = static_cast<std::int64_t>(std::nearbyint(product));
        if (rounded > n - 1) {
            if (n == 1)
                reasons << tr("A level below 100 % keeps at least one block; this layer has 1 "
                              "block, so none is pruned (k = round_half_even(%1 × 1) = 1, "
                              "limited to N − 1 = 0).")
                               .arg(productText(params.level, 1));
            else
                reasons << tr("A level below 100 % keeps at least one block: k = "
                              "round_half_even(%1 × %2) = %3 is limited to N − 1 = %4 blocks.")
                               .arg(productText(params.level, rounded), count(n), count(rounded),
                                    count(n - 1));
        } else if (std::abs(product - static_cast<double>(rounded)) > 1e-9) {
            if (rounded == 0)
                reasons << tr("Only whole blocks are pruned: k = round_half_even(%1 × %2 blocks) "
                              "= round_half_even(%3) = 0, so no block is pruned.")
                               .arg(levelText(params.level), count(n),
                                    productText(product, rounded));
            else
                reasons << tr("Only whole blocks are pruned: k = round_half_even(%1 × %2 blocks) "
                              "= round_half_even(%3) = %4, which is %5 of the blocks.")
                               .arg(levelText(params.level), count(n),
                                    productText(product, rounded), count(rounded),
                                    share(static_cast<double>(rounded) / static_cast<double>(n)));
        }
    }
    if (k == 0)
        return reasons;

    // Pruned blocks -> zeros (steps 4 and 5, and "Block norms" on partial blocks).
    if (zerosPerBlock < perBlock) {
        if (k == n && params.level >= 1.0)
            reasons << tr("At 100 % every block is pruned, but zeros per block removes only the %1 "
                          "smallest of the %2 weights in each block: %3 of %4 weights are zero.")
                           .arg(count(zerosPerBlock), count(perBlock), count(stats.zeros),
                                count(stats.elements));
        else
            reasons << tr("Zeros per block removes only the %1 smallest of the %2 weights in each "
                          "pruned block: %3 of %4 weights are zero.")
                           .arg(count(zerosPerBlock), count(perBlock), count(stats.zeros),
                                count(stats.elements));
    }
    const bool cutRows = grid.matrixRows % params.block.rows != 0;
    const bool cutCols = grid.matrixCols % params.block.cols != 0;
    const double blockShare = static_cast<double>(k) / static_cast<double>(n);
    const double wholeShare =
        blockShare * static_cast<double>(zerosPerBlock) / static_cast<double>(perBlock);
    if ((cutRows || cutCols) && differs(stats.achievedSparsity, wholeShare)) {
        const std::int64_t partial = (cutRows ? grid.gridCols() : 0) +
                                     (cutCols ? grid.gridRows() : 0) - (cutRows && cutCols ? 1 : 0);
        QString edge;
        if (cutRows && cutCols)
            edge = tr("Edge blocks are partial: %1 × %2 does not divide into %3 × %4 blocks, so "
                      "the blocks on the bottom and right edges (%5 of the %6) hold fewer weights.")
                       .arg(count(grid.matrixRows), count(grid.matrixCols))
                       .arg(params.block.rows)
                       .arg(params.block.cols)
                       .arg(count(partial), count(n));
        else if (cutRows)
            edge = tr("Edge blocks are partial: %1 rows do not divide into blocks of %2 rows, so "
                      "the blocks of the bottom block row (%3 of the %4) hold fewer weights.")
                       .arg(count(grid.matrixRows))
                       .arg(params.block.rows)
                       .arg(count(partial), count(n));
        else
            edge = tr("Edge blocks are partial: %1 columns do not divide into blocks of %2 "
                      "columns, so the blocks of the right block column (%3 of the %4) hold fewer "
                      "weights.")
                       .arg(count(grid.matrixCols))
                       .arg(params.block.cols)
                       .arg(count(partial), count(n));
        reasons << edge + QLatin1Char(' ') +
                       tr("Sparsity counts weights, not blocks: %1 of %2 blocks (%3) are pruned "
                          "and %4 of the weights are zero.")
                           .arg(count(k), count(n), share(blockShare),
                                share(stats.achievedSparsity));
    }
    return reasons;
}

} // namespace sparsity::core
