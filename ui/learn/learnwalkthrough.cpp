#include "learnwalkthrough.h"

#include "mask/blocknorms.h"
#include "mask/blockthreshold.h"
#include "mask/sparsifier.h"
#include "ranking/blockranking.h"

#include <QLocale>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace sparsity::ui {
namespace {

using Walkthrough = LearnWalkthrough;

// Up to this many terms of a sum are written out; longer sums show their ends.
constexpr int termsWritten = 16;
// Up to this many blocks are listed in the ranking line and the per-block lines.
constexpr int blocksListed = 16;

QString percent(double ratio)
{
    return QStringLiteral("%1 %").arg(ratio * 100.0, 0, 'f', 1);
}

// A level as Python would print it ("0.5", "0.99"): the product below uses exactly this double.
QString exact(double value)
{
    return QString::number(value, 'g', QLocale::FloatingPointShortest);
}

QString blockName(std::int64_t block)
{
    return QStringLiteral("#%1").arg(block);
}

// "a + b + c" or, for sums of more than termsWritten terms, the first ones, "…" and the last
// two.
QString writtenSum(const QStringList& terms)
{
    if (terms.isEmpty())
        return QStringLiteral("0");
    if (terms.size() <= termsWritten)
        return terms.join(QStringLiteral(" + "));
    return terms.mid(0, termsWritten - 2).join(QStringLiteral(" + ")) + QStringLiteral(" + … + ") +
           terms.mid(terms.size() - 2).join(QStringLiteral(" + "));
}

// The shade of value among values in [0, top]: 0 for non-finite (drawn as NotFinite anyway).
double share(double value, double top)
{
    return std::isfinite(value) && top > 0.0 ? std::clamp(value / top, -1.0, 1.0) : 0.0;
}

double largestFinite(const std::vector<double>& values, bool absolute)
{
    double top = 0.0;
    for (double v : values)
        if (std::isfinite(v))
            top = std::max(top, absolute ? std::fabs(v) : v);
    return top;
}

// Local position of element (r, c) inside its block, row-major over the full block shape.
std::int64_t localPosition(const core::BlockGrid& grid, std::int64_t r, std::int64_t c)
{
    return (r % grid.block.rows) * grid.block.cols + c % grid.block.cols;
}

QString cellName(std::int64_t r, std::int64_t c)
{
    return LearnWalkthrough::tr("(%1, %2)").arg(r).arg(c);
}

// Forms the steps' texts and cells from the numbers build() took from the core. Its strings
// are translated in the context LearnWalkthrough.
class Builder
{
    Q_DECLARE_TR_FUNCTIONS(LearnWalkthrough)

public:
    Builder(Walkthrough& w, const QString& origin, core::Precision precision)
        : m(w)
        , m_origin(origin)
        , m_precision(precision)
    {}

    void buildSteps()
    {
        // Each number is written once: the steps show the same ones many times.
        for (std::size_t i = 0; i < m.weights.size(); ++i) {
            m_weightText.push_back(learnNumber(m.weights[i]));
            m_fText.push_back(learnNumber(m.f[i]));
        }
        // Each block's elements by their place inside it (smallest f first).
        m_byPlace.resize(std::size_t(blockCount()));
        for (std::int64_t b = 0; b < blockCount(); ++b)
            m_byPlace[std::size_t(b)].resize(std::size_t(m.blockElements[std::size_t(b)]));
        for (std::int64_t i = 0; i < m.rows * m.cols; ++i)
            m_byPlace[std::size_t(blockOf(i))][std::size_t(m.placeInBlock[std::size_t(i)])] = i;
        m.steps.resize(LearnWalkthrough::stepCount);
        weightsStep();
        normsStep();
        gridStep();
        meansStep();
        rankingStep();
        countStep();
        prunedStep();
        zerosStep();
        maskStep();
    }

private:
    LearnStep& stepFor(LearnStepKind kind)
    {
        LearnStep& step = m.steps[std::size_t(kind)];
        step.kind = kind;
        step.cells.resize(std::size_t(m.rows * m.cols));
        return step;
    }
    std::int64_t blockOf(std::int64_t i) const
    {
        return m.grid.blockIndexOf(i / m.cols, i % m.cols);
    }
    std::int64_t blockCount() const { return m.grid.blockCount(); }

    LearnCell weightCell(std::int64_t i, bool faded) const
    {
        const double w = m.weights[std::size_t(i)];
        return LearnCell{m_weightText[std::size_t(i)],
                         {},
                         std::isfinite(w) ? LearnTone::Signed : LearnTone::NotFinite,
                         share(w, m_topWeight),
                         faded};
    }
    LearnCell normCell(std::int64_t i, LearnTone tone, double shade) const
    {
        const double v = m.f[std::size_t(i)];
        return LearnCell{
            m_fText[std::size_t(i)], {}, std::isnan(v) ? LearnTone::NotFinite : tone, shade, true};
    }

    // Lists blocks in rank order with their means, "<" between different keys, "=" for ties.
    QString orderLine() const
    {
        const auto n = std::int64_t(m.order.size());
        QString line;
        for (std::int64_t r = 0; r < n; ++r) {
            if (n > blocksListed && r == blocksListed - 4) {
                line += QStringLiteral("… < ");
                r = n - 4;
            }
            const std::int64_t b = m.order[std::size_t(r)];
            line += QStringLiteral("%1 (%2)").arg(blockName(b),
                                                  learnNumber(m.blockMeans[std::size_t(b)], 4));
            if (r + 1 < n)
                line +=
                    m.tiedWithNext[std::size_t(r)] ? QStringLiteral(" = ") : QStringLiteral(" < ");
        }
        return line;
    }

    QString meanFormula(std::int64_t block) const
    {
        const std::int64_t br = block / m.grid.gridCols();
        const std::int64_t bc = block % m.grid.gridCols();
        QStringList terms;
        double sum = 0.0;
        for (std::int64_t r = br * m.grid.block.rows;
             r < br * m.grid.block.rows + m.grid.validRows(br); ++r)
            for (std::int64_t c = bc * m.grid.block.cols;
                 c < bc * m.grid.block.cols + m.grid.validCols(bc); ++c) {
                terms << m_fText[std::size_t(r * m.cols + c)];
                sum += m.f[std::size_t(r * m.cols + c)];
            }
        const std::int64_t count = m.blockElements[std::size_t(block)];
        return tr("%1: (%2) / %3 = %4 / %3 = %5")
            .arg(blockName(block), writtenSum(terms))
            .arg(count)
            .arg(learnNumber(sum, 4), learnNumber(m.blockMeans[std::size_t(block)], 4));
    }

    void weightsStep()
    {
        LearnStep& step = stepFor(LearnStepKind::Weights);
        step.title = tr("The weights");
        step.sentence = tr("These are the weights of a small matrix; the next steps decide "
                           "which of them become zero.");
        step.details << tr("A %1 × %2 matrix of %3 values: %4.")
                            .arg(m.rows)
                            .arg(m.cols)
                            .arg(m_precision == core::Precision::Float32
                                     ? QStringLiteral("float32")
                                     : QStringLiteral("float64"))
                            .arg(m_origin.isEmpty() ? tr("given numbers") : m_origin);
        step.details << tr("The parameters: level %1, block %2 × %3, zeros per block %4, norm %5.")
                            .arg(percent(m.params.level))
                            .arg(m.grid.block.rows)
                            .arg(m.grid.block.cols)
                            .arg(m.params.effectiveZerosPerBlock())
                            .arg(core::normName(m.params.norm));
        step.showBlocks = false;
        for (std::int64_t i = 0; i < m.rows * m.cols; ++i)
            step.cells[std::size_t(i)] = weightCell(i, false);
    }

    void normsStep()
    {
        LearnStep& step = stepFor(LearnStepKind::ElementNorms);
        const bool l1 = m.params.norm == core::Norm::L1;
        step.title = l1 ? tr("f(w) = |w|") : tr("f(w) = w²");
        step.sentence = l1 ? tr("Each weight gets a size f(w) = |w|, its value without the sign, "
                                "because the norm is l1.")
                           : tr("Each weight gets a size f(w) = w², its square, because the norm "
                                "is l2 (as in PyTorch, no square root is taken).");
        // Two examples: the first weight and the largest one.
        std::vector<std::int64_t> examples{0};
        std::int64_t largest = 0;
        for (std::int64_t i = 0; i < m.rows * m.cols; ++i)
            if (std::fabs(m.weights[std::size_t(i)]) > std::fabs(m.weights[std::size_t(largest)]))
                largest = i;
        if (largest != 0)
            examples.push_back(largest);
        for (std::int64_t i : examples) {
            const QString w = learnNumber(m.weights[std::size_t(i)]);
            step.details << (l1 ? tr("At %1: f(%2) = |%2| = %3") : tr("At %1: f(%2) = (%2)² = %3"))
                                .arg(cellName(i / m.cols, i % m.cols), w,
                                     learnNumber(m.f[std::size_t(i)], 4));
        }
        step.showBlocks = false;
        for (std::int64_t i = 0; i < m.rows * m.cols; ++i) {
            LearnCell cell = normCell(i, LearnTone::Magnitude, share(m.f[std::size_t(i)], m_topF));
            cell.faded = false;
            step.cells[std::size_t(i)] = cell;
        }
    }

    void gridStep()
    {
        LearnStep& step = stepFor(LearnStepKind::BlockGrid);
        const auto& g = m.grid;
        step.title = tr("The blocks");
        QStringList partial;
        for (std::int64_t b = 0; b < blockCount(); ++b)
            if (m.partial[std::size_t(b)])
                partial << tr("%1 (%2 of %3 weights)")
                               .arg(blockName(b))
                               .arg(m.blockElements[std::size_t(b)])
                               .arg(g.block.elementCount());
        step.sentence =
            partial.isEmpty()
                ? tr("The matrix is cut into %1 × %2 blocks, numbered row by row from the top "
                     "left; here every block is whole.")
                      .arg(g.block.rows)
                      .arg(g.block.cols)
                : tr("The matrix is cut into %1 × %2 blocks, numbered row by row from the top "
                     "left; a block cut by the edge of the matrix is partial and holds fewer "
                     "weights.")
                      .arg(g.block.rows)
                      .arg(g.block.cols);
        step.details << tr("R = ceil(%1 / %2) = %3 block rows, Q = ceil(%4 / %5) = %6 block "
                           "columns, N = %3 × %6 = %7 blocks.")
                            .arg(m.rows)
                            .arg(g.block.rows)
                            .arg(g.gridRows())
                            .arg(m.cols)
                            .arg(g.block.cols)
                            .arg(g.gridCols())
                            .arg(blockCount());
        if (!partial.isEmpty()) {
            if (partial.size() > blocksListed)
                partial = partial.mid(0, blocksListed) << QStringLiteral("…");
            step.details << tr("Partial (hatched): %1.").arg(partial.join(QStringLiteral(", ")));
        }
        for (std::int64_t i = 0; i < m.rows * m.cols; ++i) {
            const std::int64_t b = blockOf(i);
            const std::int64_t br = b / g.gridCols(), bc = b % g.gridCols();
            LearnCell cell = weightCell(i, true);
            cell.tone = (br + bc) % 2 == 0 ? LearnTone::BlockEven : LearnTone::BlockOdd;
            step.cells[std::size_t(i)] = cell;
        }
        for (std::int64_t b = 0; b < blockCount(); ++b) {
            LearnBadge badge;
            badge.text = blockName(b);
            badge.shortText = badge.text;
            if (m.partial[std::size_t(b)]) {
                badge.text +=
                    QLatin1Char('\n') +
                    tr("%1 of %2").arg(m.blockElements[std::size_t(b)]).arg(g.block.elementCount());
                badge.hatched = true;
            }
            step.badges.push_back(badge);
        }
    }

    void meansStep()
    {
        LearnStep& step = stepFor(LearnStepKind::BlockMeans);
        step.title = tr("Block means");
        step.sentence = tr("Each block gets one number, the mean of f over the weights it really "
                           "holds: a partial block divides by its own count, not by %1.")
                            .arg(m.grid.block.elementCount());
        std::int64_t firstPartial = -1;
        for (std::int64_t b = 0; b < blockCount() && firstPartial < 0; ++b)
            if (m.partial[std::size_t(b)])
                firstPartial = b;
        for (std::int64_t b = 0; b < blockCount(); ++b)
            step.blockNotes.push_back(meanFormula(b));
        if (firstPartial != 0)
            step.details << step.blockNotes.front();
        if (firstPartial >= 0)
            step.details << step.blockNotes[std::size_t(firstPartial)];
        step.details << tr("Click a block to see its sum.");
        for (std::int64_t i = 0; i < m.rows * m.cols; ++i) {
            const double mean = m.blockMeans[std::size_t(blockOf(i))];
            LearnCell cell = normCell(i, LearnTone::Magnitude, share(mean, m_topMean));
            if (std::isnan(mean))
                cell.tone = LearnTone::NotFinite;
            step.cells[std::size_t(i)] = cell;
        }
        for (std::int64_t b = 0; b < blockCount(); ++b) {
            const QString mean = learnNumber(m.blockMeans[std::size_t(b)], 4);
            step.badges.push_back({blockName(b) + QLatin1Char('\n') + mean, mean});
        }
    }

    void rankingStep()
    {
        LearnStep& step = stepFor(LearnStepKind::Ranking);
        step.title = tr("The ranking");
        step.sentence = tr("The blocks are put in order of their means, smallest first: rank 1 "
                           "is pruned first, equal means go by block number, and a block with a "
                           "NaN goes last.");
        step.details << orderLine();
        for (std::int64_t r = 0; r + 1 < std::int64_t(m.order.size()); ++r)
            if (m.tiedWithNext[std::size_t(r)]) {
                step.details << tr("%1 and %2 have the same mean, so the lower block number, %1, "
                                   "comes first.")
                                    .arg(blockName(m.order[std::size_t(r)]),
                                         blockName(m.order[std::size_t(r + 1)]));
                break;
            }
        for (std::int64_t b = 0; b < blockCount(); ++b)
            if (std::isnan(m.blockMeans[std::size_t(b)])) {
                step.details << tr("%1 holds a NaN, so its mean is NaN and it comes last.")
                                    .arg(blockName(b));
                break;
            }
        const double last = double(std::max<std::int64_t>(1, blockCount() - 1));
        for (std::int64_t i = 0; i < m.rows * m.cols; ++i)
            step.cells[std::size_t(i)] =
                normCell(i, LearnTone::Rank, double(m.rankOf[std::size_t(blockOf(i))]) / last);
        for (std::int64_t b = 0; b < blockCount(); ++b) {
            const std::int64_t rank = m.rankOf[std::size_t(b)] + 1;
            step.badges.push_back({tr("rank %1").arg(rank) + QLatin1Char('\n') +
                                       learnNumber(m.blockMeans[std::size_t(b)], 4),
                                   QString::number(rank)});
        }
    }

    QString countFormula() const
    {
        const std::int64_t n = blockCount();
        QString line = tr("k = round(%1 × %2) = round(%3) = %4")
                           .arg(exact(m.params.level))
                           .arg(n)
                           .arg(exact(m.product))
                           .arg(std::int64_t(m.rounded));
        if (m.product - std::floor(m.product) == 0.5)
            line += tr(" (halves round to even)");
        if (m.clamped)
            line += tr(", but a level below 100 % always keeps at least one block, so k = N − 1 "
                       "= %1")
                        .arg(m.k);
        return line;
    }

    void countStep()
    {
        LearnStep& step = stepFor(LearnStepKind::PrunedCount);
        const std::int64_t n = blockCount();
        step.title = tr("How many blocks: k");
        switch (m.reason) {
        case Walkthrough::Case::Ranked:
            step.sentence = tr("The number of blocks to prune is k = level × N rounded to the "
                               "nearest whole number (a half goes to the even one), and below "
                               "100 % at least one block is kept.");
            step.details << tr("N = %1 blocks, level = %2 = %3.")
                                .arg(n)
                                .arg(percent(m.params.level), exact(m.params.level));
            step.details << countFormula();
            if (m.product != std::floor(m.product) && m.product - std::floor(m.product) != 0.5)
                step.details << tr("The product is formed in double precision, as Python forms "
                                   "it, before rounding.");
            break;
        case Walkthrough::Case::LevelZero:
            step.sentence = tr("At level 0 % nothing is pruned: k = 0 and every weight stays.");
            step.details << tr("k = 0 of N = %1 blocks.").arg(n);
            break;
        case Walkthrough::Case::NoZeros:
            step.sentence = tr("With zeros per block 0 a pruned block would lose nothing, so "
                               "every weight stays: k = 0.");
            step.details << tr("k = 0 of N = %1 blocks.").arg(n);
            break;
        case Walkthrough::Case::PruneAll:
            step.sentence = tr("At level 100 % with zeros per block the whole block (%1), every "
                               "block is pruned and every weight becomes 0.")
                                .arg(m.grid.block.elementCount());
            step.details << tr("k = N = %1 blocks: no rounding and no limit at 100 %.").arg(n);
            break;
        case Walkthrough::Case::AllBlocksPartly:
            step.sentence = tr("At level 100 % every block is pruned, and zeros per block (%1 of "
                               "%2) decides how many weights each one loses.")
                                .arg(m.params.effectiveZerosPerBlock())
                                .arg(m.grid.block.elementCount());
            step.details << tr("k = N = %1 blocks: no rounding and no limit at 100 %.").arg(n);
            break;
        }
        for (std::int64_t i = 0; i < m.rows * m.cols; ++i) {
            const bool prune = m.rankOf[std::size_t(blockOf(i))] < m.k;
            step.cells[std::size_t(i)] =
                normCell(i, prune ? LearnTone::ToPrune : LearnTone::Kept, 0);
        }
        for (std::int64_t b = 0; b < blockCount(); ++b) {
            const std::int64_t rank = m.rankOf[std::size_t(b)];
            const bool prune = rank < m.k;
            step.badges.push_back(
                {tr("rank %1").arg(rank + 1) + (prune ? QLatin1Char('\n') + tr("≤ k") : QString()),
                 QString::number(rank + 1), prune});
        }
    }

    void prunedStep()
    {
        LearnStep& step = stepFor(LearnStepKind::PrunedBlocks);
        const std::int64_t n = blockCount();
        step.title = tr("The pruned blocks");
        if (m.k == 0)
            step.sentence = tr("No block is pruned, so every weight stays.");
        else if (m.k == n)
            step.sentence = tr("Every block is pruned.");
        else
            step.sentence = tr("The k = %1 blocks with the smallest means, ranks 1 to %1, are "
                               "pruned; the other %2 keep every weight.")
                                .arg(m.k)
                                .arg(n - m.k);
        QStringList pruned, kept;
        for (std::int64_t r = 0; r < n; ++r) {
            const std::int64_t b = m.order[std::size_t(r)];
            (m.prunedBlocks[std::size_t(b)] ? pruned : kept) << blockName(b);
        }
        const auto listed = [](QStringList names) {
            if (names.size() > blocksListed)
                names = names.mid(0, blocksListed) << QStringLiteral("…");
            return names.join(QStringLiteral(", "));
        };
        if (!pruned.isEmpty())
            step.details << tr("Pruned, in rank order: %1.").arg(listed(pruned));
        if (!kept.isEmpty())
            step.details << tr("Kept: %1.").arg(listed(kept));
        for (std::int64_t i = 0; i < m.rows * m.cols; ++i) {
            LearnCell cell = weightCell(i, true);
            cell.tone =
                m.prunedBlocks[std::size_t(blockOf(i))] ? LearnTone::Pruned : LearnTone::Kept;
            step.cells[std::size_t(i)] = cell;
        }
        for (std::int64_t b = 0; b < n; ++b) {
            const bool isPruned = m.prunedBlocks[std::size_t(b)] != 0;
            step.badges.push_back(
                {blockName(b) + QLatin1Char('\n') + (isPruned ? tr("pruned") : tr("kept")),
                 isPruned ? tr("✕") : QString(), isPruned});
        }
    }

    // "#3: removes f = 0.01 at (0, 1), 0.04 at (1, 0); the smallest it keeps is 0.2".
    QString removalLine(std::int64_t block) const
    {
        QStringList removed;
        double smallestKept = std::numeric_limits<double>::quiet_NaN();
        bool keepsOne = false;
        for (std::int64_t i : m_byPlace[std::size_t(block)]) {
            const QString at =
                tr("%1 at %2").arg(m_fText[std::size_t(i)], cellName(i / m.cols, i % m.cols));
            if (m.mask[std::size_t(i)] == 0)
                removed << at;
            else if (!keepsOne) {
                keepsOne = true;
                smallestKept = m.f[std::size_t(i)];
            }
        }
        if (removed.size() > termsWritten)
            removed = removed.mid(0, termsWritten) << QStringLiteral("…");
        QString line =
            tr("%1 removes f = %2").arg(blockName(block), removed.join(QStringLiteral(", ")));
        if (keepsOne)
            line += tr("; the smallest f it keeps is %1").arg(learnNumber(smallestKept));
        const std::int64_t missing =
            m.grid.block.elementCount() - m.blockElements[std::size_t(block)];
        if (m.partial[std::size_t(block)] &&
            m.params.effectiveZerosPerBlock() > m.blockElements[std::size_t(block)])
            line += tr(" (partial: its %1 missing positions count as larger than any value, so "
                       "all %2 of its weights go)")
                        .arg(missing)
                        .arg(m.blockElements[std::size_t(block)]);
        return line;
    }

    void zerosStep()
    {
        LearnStep& step = stepFor(LearnStepKind::ZerosInBlocks);
        const std::int64_t zeros = m.params.effectiveZerosPerBlock();
        const std::int64_t whole = m.grid.block.elementCount();
        step.title = tr("Zeros inside a pruned block");
        const bool choosing = m.k > 0 && zeros < whole;
        if (m.k == 0)
            step.sentence = tr("No block is pruned, so zeros per block removes nothing.");
        else if (zeros >= whole)
            step.sentence = tr("Zeros per block is %1, the whole block, so every weight of a "
                               "pruned block becomes 0.")
                                .arg(zeros);
        else
            step.sentence =
                zeros == 1 ? tr("Inside each pruned block only the weight with the smallest f "
                                "becomes 0 (on a tie the lower position first, NaN last); the "
                                "others stay.")
                           : tr("Inside each pruned block only the %1 weights with the smallest "
                                "f become 0 (on a tie the lower position first, NaN last); the "
                                "others stay.")
                                 .arg(zeros);
        if (choosing) {
            step.details << tr("The small number in a cell is its place by f inside its block "
                               "(1 = smallest).");
            int listed = 0;
            for (std::int64_t r = 0; r < m.k && r < std::int64_t(m.order.size()); ++r) {
                const std::int64_t b = m.order[std::size_t(r)];
                if (listed++ < 8)
                    step.details << removalLine(b);
            }
            if (listed > 8)
                step.details << tr("Pruned blocks not listed here: %1. Click a block to see "
                                   "it.")
                                    .arg(listed - 8);
        }
        step.blockNotes.resize(std::size_t(blockCount()));
        for (std::int64_t b = 0; b < blockCount(); ++b)
            step.blockNotes[std::size_t(b)] =
                m.prunedBlocks[std::size_t(b)]
                    ? (choosing ? removalLine(b) : tr("%1 is pruned whole.").arg(blockName(b)))
                    : tr("%1 is not pruned: it keeps every weight.").arg(blockName(b));
        for (std::int64_t i = 0; i < m.rows * m.cols; ++i) {
            const bool inPruned = m.prunedBlocks[std::size_t(blockOf(i))] != 0;
            LearnCell cell = normCell(i, LearnTone::Kept, 0);
            if (inPruned) {
                cell.faded = false;
                cell.tone = m.mask[std::size_t(i)] ? LearnTone::KeptInPruned : LearnTone::Zeroed;
                if (choosing)
                    cell.note = QString::number(m.placeInBlock[std::size_t(i)] + 1);
            }
            step.cells[std::size_t(i)] = cell;
        }
    }

    void maskStep()
    {
        LearnStep& step = stepFor(LearnStepKind::FinalMask);
        const core::MaskStats& s = m.stats;
        step.title = tr("The final mask");
        step.sentence = tr("The mask keeps 1 for each weight that stays and 0 for each removed "
                           "one; the retained energy is the share of the sum of w² that the kept "
                           "weights still hold.");
        step.details << tr("Zeros: %1 of %2 weights, achieved sparsity = %1 / %2 = %3.")
                            .arg(s.zeros)
                            .arg(s.elements)
                            .arg(percent(s.achievedSparsity));
        std::vector<double> keptSquares, allSquares, keptAbs, allAbs;
        for (std::int64_t i = 0; i < m.rows * m.cols; ++i) {
            const double w = m.weights[std::size_t(i)];
            if (!std::isfinite(w))
                continue;
            allSquares.push_back(w * w);
            allAbs.push_back(std::fabs(w));
            if (m.mask[std::size_t(i)]) {
                keptSquares.push_back(w * w);
                keptAbs.push_back(std::fabs(w));
            }
        }
        const auto keptCount = std::int64_t(keptSquares.size());
        const auto finiteCount = std::int64_t(allSquares.size());
        const auto sumLine = [&](const QString& what, const std::vector<double>& values,
                                 long double total) {
            // The sums of a whole matrix: their ends show what is added, the total says the
            // rest. Only the terms shown are written.
            constexpr std::size_t shown = 6;
            QStringList terms;
            for (std::size_t j = 0; j < values.size(); ++j)
                if (values.size() <= shown || j < shown - 2 || j + 2 >= values.size())
                    terms << learnNumber(values[j]);
                else if (j == shown - 2)
                    terms << QStringLiteral("…");
            const QString written =
                terms.isEmpty() ? QStringLiteral("0") : terms.join(QStringLiteral(" + "));
            return what + QStringLiteral(" = ") + written + QStringLiteral(" = ") +
                   learnNumber(double(total), 4);
        };
        if (s.allSums.energy == 0.0L) {
            step.details << tr("Every weight is zero: there is nothing to retain, so retained "
                               "energy and retained L1 are both 100 %.");
        } else {
            step.details << sumLine(
                tr("Σ w² over the kept weights (%1 of %2)").arg(keptCount).arg(finiteCount),
                keptSquares, s.keptSums.energy);
            step.details << sumLine(tr("Σ w² over all weights (%1)").arg(finiteCount), allSquares,
                                    s.allSums.energy);
            step.details << tr("Retained energy = %1 / %2 = %3.")
                                .arg(learnNumber(double(s.keptSums.energy), 4),
                                     learnNumber(double(s.allSums.energy), 4),
                                     percent(s.retainedEnergy));
            step.details << sumLine(tr("Σ |w| over the kept weights"), keptAbs, s.keptSums.l1);
            step.details << sumLine(tr("Σ |w| over all weights"), allAbs, s.allSums.l1);
            step.details << tr("Retained L1 = %1 / %2 = %3.")
                                .arg(learnNumber(double(s.keptSums.l1), 4),
                                     learnNumber(double(s.allSums.l1), 4), percent(s.retainedL1));
        }
        if (s.nonFiniteWeights > 0)
            step.details << tr("NaN or infinite weights, left out of these sums: %1.")
                                .arg(s.nonFiniteWeights);
        for (std::int64_t i = 0; i < m.rows * m.cols; ++i) {
            if (m.mask[std::size_t(i)])
                step.cells[std::size_t(i)] = weightCell(i, false);
            else
                step.cells[std::size_t(i)] = LearnCell{QStringLiteral("0"),
                                                       m_weightText[std::size_t(i)],
                                                       LearnTone::Zeroed,
                                                       0.0,
                                                       false,
                                                       true};
        }
    }

public:
    double m_topWeight = 0.0;
    double m_topF = 0.0;
    double m_topMean = 0.0;

private:
    std::vector<QString> m_weightText;
    std::vector<QString> m_fText;
    std::vector<std::vector<std::int64_t>> m_byPlace;
    Walkthrough& m;
    QString m_origin;
    core::Precision m_precision;
};

} // namespace

QString learnNumber(double value, int digits)
{
    if (std::isnan(value))
        return QStringLiteral("nan");
    if (std::isinf(value))
        return value > 0 ? QStringLiteral("inf") : QStringLiteral("−inf");
    if (value == 0.0)
        return QStringLiteral("0"); // -0 too: it equals +0 everywhere (docs/SPEC.md)
    QString text = QString::number(value, 'g', digits);
    text.replace(QLatin1Char('-'), QStringLiteral("−"));
    return text;
}

LearnWalkthrough LearnWalkthrough::build(const core::WeightTensor& matrix,
                                         const core::SparsityParams& params, const QString& origin)
{
    params.throwIfInvalid();
    // The matrix is at most 16 x 16: every core call below runs inline on the calling thread
    // (the UI thread in the Learn dock) in microseconds, and the steps' texts take 1 to 4 ms, so
    // no job is needed.
    const core::ExecutionContext inline_;
    LearnWalkthrough w;
    w.params = params;
    w.rows = matrix.rows();
    w.cols = matrix.cols();
    const std::int64_t elements = matrix.elementCount();

    w.weights.resize(std::size_t(elements));
    for (std::int64_t i = 0; i < elements; ++i)
        w.weights[std::size_t(i)] = matrix.valueAt(i / w.cols, i % w.cols);

    // f: the norms of 1x1 blocks are f of each weight, computed by the core in the matrix's
    // precision (docs/SPEC.md "Inputs", norm).
    const core::BlockNorms elementNorms =
        core::computeBlockNorms(matrix, core::BlockShape{1, 1}, params.norm, inline_);
    w.f.resize(std::size_t(elements));
    for (std::int64_t i = 0; i < elements; ++i)
        w.f[std::size_t(i)] = core::blockNormAt(elementNorms, matrix, i);

    const core::BlockNorms norms =
        core::computeBlockNorms(matrix, params.block, params.norm, inline_);
    w.grid = norms.grid;
    const std::int64_t n = w.grid.blockCount();
    w.blockMeans.resize(std::size_t(n));
    w.blockElements.resize(std::size_t(n));
    w.partial.resize(std::size_t(n));
    for (std::int64_t b = 0; b < n; ++b) {
        w.blockMeans[std::size_t(b)] = core::blockNormAt(norms, matrix, b);
        const std::int64_t count =
            w.grid.validRows(b / w.grid.gridCols()) * w.grid.validCols(b % w.grid.gridCols());
        w.blockElements[std::size_t(b)] = count;
        w.partial[std::size_t(b)] = count < params.block.elementCount();
    }

    const std::int64_t zeros = params.effectiveZerosPerBlock();
    const core::BlockRanking ranking = core::BlockRanking::build(matrix, norms, zeros, inline_);
    w.order.resize(std::size_t(n));
    w.rankOf.resize(std::size_t(n));
    w.tiedWithNext.assign(std::size_t(n), 0);
    for (std::int64_t r = 0; r < n; ++r) {
        const std::int64_t b = ranking.blockAtRank(r);
        w.order[std::size_t(r)] = b;
        w.rankOf[std::size_t(b)] = r;
        if (r + 1 < n)
            w.tiedWithNext[std::size_t(r)] =
                ranking.doubleKeyAtRank(r) == ranking.doubleKeyAtRank(r + 1);
    }

    // docs/SPEC.md "The mask", steps 1 to 3; k itself is the core's.
    w.product = params.level * double(n);
    w.rounded = std::nearbyint(w.product); // half to even in the default rounding mode
    w.k = ranking.prunedCountAt(params.level);
    if (params.level <= 0.0)
        w.reason = Case::LevelZero;
    else if (zeros == 0)
        w.reason = Case::NoZeros;
    else if (params.level >= 1.0)
        w.reason = zeros == params.block.elementCount() ? Case::PruneAll : Case::AllBlocksPartly;
    else
        w.clamped = w.rounded > double(n - 1);

    const core::MaskResult result = core::computeMask(matrix, params, inline_);
    w.prunedBlocks = core::prunedFlags(norms, matrix, result.threshold);
    w.mask.assign(result.mask.begin(), result.mask.end());
    w.stats = result.stats;

    // Places inside each block by f: smaller first, NaN last, ties to the lower position
    // (docs/SPEC.md "Order, ties, NaN and infinity"). The mask above is what removes elements;
    // this says why, and the tests check the two agree.
    w.placeInBlock.assign(std::size_t(elements), 0);
    std::vector<std::vector<std::int64_t>> members(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < elements; ++i)
        members[std::size_t(w.grid.blockIndexOf(i / w.cols, i % w.cols))].push_back(i);
    for (auto& list : members) {
        std::sort(list.begin(), list.end(), [&](std::int64_t a, std::int64_t b) {
            const double fa = w.f[std::size_t(a)], fb = w.f[std::size_t(b)];
            if (std::isnan(fa) != std::isnan(fb))
                return std::isnan(fb);
            if (!std::isnan(fa) && fa != fb)
                return fa < fb;
            return localPosition(w.grid, a / w.cols, a % w.cols) <
                   localPosition(w.grid, b / w.cols, b % w.cols);
        });
        for (std::size_t p = 0; p < list.size(); ++p)
            w.placeInBlock[std::size_t(list[p])] = std::int64_t(p);
    }

    Builder builder(w, origin, matrix.precision());
    builder.m_topWeight = largestFinite(w.weights, true);
    builder.m_topF = largestFinite(w.f, false);
    builder.m_topMean = largestFinite(w.blockMeans, false);
    builder.buildSteps();
    return w;
}

} // namespace sparsity::ui
