// The Learn dock: every step's numbers against the core (computeBlockNorms, BlockRanking,
// prunedBlockCount, computeMask) and against sums, orders and masks formed here from
// docs/SPEC.md; k written out with the matrix's numbers (half to even, the N - 1 limit, the
// special cases); Back and Next; parameters followed at once; typed numbers; random matrices
// reproducible by seed; a slice of the real window's layer equal to the layer's values;
// numbers that fit their cells at 16 x 16. Set SPARSITY_SCREENSHOT_DIR to keep PNGs of steps
// 1, 5 and 9 in the real window.
#include "common/paramsbuilder.h"
#include "heatmap/heatmapview.h"
#include "learn/learngridview.h"
#include "learn/learnmatrix.h"
#include "learn/learnpanel.h"
#include "learn/learnwalkthrough.h"
#include "mainwindow/layerview.h"
#include "mainwindow/mainwindow.h"
#include "mask/blocknorms.h"
#include "mask/blockthreshold.h"
#include "mask/sparsifier.h"
#include "parameters/parameterpanel.h"
#include "ranking/blockranking.h"
#include "session/layersnapshot.h"
#include "session/session.h"
#include "windowdriver.h"

#include <QAction>
#include <QDir>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QMenuBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSignalSpy>
#include <QStackedWidget>
#include <QTableWidget>
#include <QTest>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>

using namespace sparsity;
using namespace sparsity::test;
using sparsity::ui::LearnMatrix;
using sparsity::ui::learnNumber;
using sparsity::ui::LearnPanel;
using sparsity::ui::LearnStep;
using sparsity::ui::LearnStepKind;
using sparsity::ui::LearnWalkthrough;
using sparsity::ui::MainWindow;

namespace {

const QString demoFile = QStringLiteral(SPARSITY_DEMO_FILE);
constexpr int asyncTimeout = 30000;
constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr double inf = std::numeric_limits<double>::infinity();

using Values = std::function<double(int row, int col)>;

// Smooth, distinct values in about [-1, 1]; `seed` shifts them.
Values wavy(double seed)
{
    return [seed](int r, int c) { return std::sin(r * 7.3 + c * 1.7 + seed) * 0.9; };
}

// `base` with some elements replaced.
Values with(Values base, std::vector<std::tuple<int, int, double>> replaced)
{
    return [base, replaced](int r, int c) {
        for (const auto& [rr, cc, v] : replaced)
            if (rr == r && cc == c)
                return v;
        return base(r, c);
    };
}

core::WeightTensor tensorOf(int rows, int cols, const Values& values, bool float64)
{
    if (float64) {
        std::vector<double> v;
        for (int r = 0; r < rows; ++r)
            for (int c = 0; c < cols; ++c)
                v.push_back(values(r, c));
        return core::WeightTensor({rows, cols}, v);
    }
    std::vector<float> v;
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c)
            v.push_back(float(values(r, c)));
    return core::WeightTensor({rows, cols}, v);
}

struct Case
{
    const char* name;
    int rows;
    int cols;
    Values values;
    bool float64;
    core::SparsityParams params;
    // Counted by hand from docs/SPEC.md "The mask".
    std::int64_t k;
    LearnWalkthrough::Case reason;
    bool clamped;
    QString kText; // in the k step's details (or its sentence)
};

std::vector<Case> cases()
{
    using C = LearnWalkthrough::Case;
    const auto l1 = core::Norm::L1;
    const auto l2 = core::Norm::L2;
    const auto ties = [](int r, int c) { return (r + c) % 2 ? 0.5 : -0.5; };
    return {
        {"full blocks, l2", 8, 8, wavy(0), false, makeParams(0.5, 4, 4, {}, l2), 2, C::Ranked,
         false, QStringLiteral("k = round(0.5 × 4) = round(2) = 2")},
        {"partial blocks, l1, 4.5 rounds to 4", 10, 10, wavy(1), false,
         makeParams(0.5, 4, 4, {}, l1), 4, C::Ranked, false,
         QStringLiteral("k = round(0.5 × 9) = round(4.5) = 4 (halves round to even)")},
        {"1.5 rounds to 2", 8, 12, wavy(2), false, makeParams(0.25, 4, 4, {}, l2), 2, C::Ranked,
         false, QStringLiteral("k = round(0.25 × 6) = round(1.5) = 2 (halves round to even)")},
        {"0.99 of 4 blocks is limited to N - 1", 8, 8, wavy(3), false,
         makeParams(0.99, 4, 4, {}, l2), 3, C::Ranked, true,
         QStringLiteral("k = round(0.99 × 4) = round(3.96) = 4, but a level below 100 % always "
                        "keeps at least one block, so k = N − 1 = 3")},
        {"ties go by block number", 8, 8, ties, false, makeParams(0.5, 2, 2, {}, l1), 8, C::Ranked,
         false, QStringLiteral("k = round(0.5 × 16) = round(8) = 8")},
        {"a NaN block ranks last", 8, 8, with(wavy(4), {{5, 6, nan}}), false,
         makeParams(0.75, 4, 4, {}, l2), 3, C::Ranked, false,
         QStringLiteral("k = round(0.75 × 4) = round(3) = 3")},
        {"2:4 with l1", 8, 8, wavy(5), false, makeParams(0.5, 1, 4, 2, l1), 8, C::Ranked, false,
         QStringLiteral("k = round(0.5 × 16) = round(8) = 8")},
        {"partial blocks with zeros per block", 9, 10, wavy(6), false, makeParams(0.6, 2, 4, 5, l2),
         9, C::Ranked, false, QStringLiteral("k = round(0.6 × 15) = round(9) = 9")},
        {"a NaN weight is zeroed last, level 100 %", 8, 8, with(wavy(7), {{0, 1, nan}}), false,
         makeParams(1.0, 2, 2, 2, l2), 16, C::AllBlocksPartly, false,
         QStringLiteral("k = N = 16 blocks")},
        {"level 0", 8, 8, wavy(8), false, makeParams(0.0, 4, 4, {}, l2), 0, C::LevelZero, false,
         QStringLiteral("At level 0 % nothing is pruned")},
        {"zeros per block 0", 8, 8, wavy(9), false, makeParams(0.5, 4, 4, 0, l2), 0, C::NoZeros,
         false, QStringLiteral("With zeros per block 0")},
        {"level 100 % prunes everything", 8, 8, wavy(10), false, makeParams(1.0, 4, 4, {}, l2), 4,
         C::PruneAll, false, QStringLiteral("k = N = 4 blocks")},
        {"one block larger than the matrix", 8, 8, wavy(11), false, makeParams(0.9, 16, 16, {}, l2),
         0, C::Ranked, true,
         QStringLiteral("k = round(0.9 × 1) = round(0.9) = 1, but a level below 100 % always "
                        "keeps at least one block, so k = N − 1 = 0")},
        {"float64 with an infinite weight", 9, 9, with(wavy(12), {{8, 8, inf}}), true,
         makeParams(0.35, 3, 3, {}, l1), 3, C::Ranked, false,
         QStringLiteral("k = round(0.35 × 9) = round(3.15) = 3")},
        {"a product formed in double", 10, 10, wavy(13), false, makeParams(0.3, 4, 4, {}, l2), 3,
         C::Ranked, false, QStringLiteral("k = round(0.3 × 9) = round(2.6999999999999997) = 3")},
    };
}

bool same(double a, double b)
{
    return (std::isnan(a) && std::isnan(b)) || a == b;
}

// f of docs/SPEC.md "Inputs", in the tensor's precision.
double fOf(double w, bool float64, core::Norm norm)
{
    if (float64)
        return norm == core::Norm::L1 ? std::fabs(w) : w * w;
    const float x = float(w);
    return norm == core::Norm::L1 ? double(std::fabs(x)) : double(x * x);
}

// Smaller first, NaN last, then the lower index (docs/SPEC.md "Order, ties, NaN and infinity").
bool before(double a, std::int64_t ia, double b, std::int64_t ib)
{
    if (std::isnan(a) != std::isnan(b))
        return std::isnan(b);
    if (!std::isnan(a) && a != b)
        return a < b;
    return ia < ib;
}

} // namespace

class TestLearn : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void stepsFollowTheCore_data()
    {
        QTest::addColumn<int>("index");
        const auto all = cases();
        for (std::size_t i = 0; i < all.size(); ++i)
            QTest::newRow(all[i].name) << int(i);
    }

    void stepsFollowTheCore()
    {
        QFETCH(int, index);
        const Case c = cases()[std::size_t(index)];
        const core::WeightTensor m = tensorOf(c.rows, c.cols, c.values, c.float64);
        const core::SparsityParams& p = c.params;
        const LearnWalkthrough w = LearnWalkthrough::build(m, p, QStringLiteral("test"));
        const core::ExecutionContext context;
        const std::int64_t elements = std::int64_t(c.rows) * c.cols;
        const std::int64_t zeros = p.effectiveZerosPerBlock();

        QCOMPARE(int(w.steps.size()), LearnWalkthrough::stepCount);
        for (int s = 0; s < LearnWalkthrough::stepCount; ++s) {
            QCOMPARE(int(w.steps[std::size_t(s)].kind), s);
            QCOMPARE(std::int64_t(w.steps[std::size_t(s)].cells.size()), elements);
            QVERIFY(!w.steps[std::size_t(s)].sentence.isEmpty());
            QVERIFY(!w.steps[std::size_t(s)].title.isEmpty());
        }

        // 1 and 2: the weights and f, every number in its cell.
        for (std::int64_t i = 0; i < elements; ++i) {
            const double value = m.valueAt(i / c.cols, i % c.cols);
            QVERIFY(same(w.weights[std::size_t(i)], value));
            QVERIFY2(same(w.f[std::size_t(i)], fOf(value, c.float64, p.norm)),
                     qPrintable(QString::number(i)));
            QCOMPARE(w.step(LearnStepKind::Weights).cells[std::size_t(i)].text, learnNumber(value));
            QCOMPARE(w.step(LearnStepKind::ElementNorms).cells[std::size_t(i)].text,
                     learnNumber(w.f[std::size_t(i)]));
        }

        // 3: the grid and its partial blocks, counted here.
        const std::int64_t gridRows = (c.rows + p.block.rows - 1) / p.block.rows;
        const std::int64_t gridCols = (c.cols + p.block.cols - 1) / p.block.cols;
        const std::int64_t n = gridRows * gridCols;
        QCOMPARE(w.grid.blockCount(), n);
        QCOMPARE(std::int64_t(w.step(LearnStepKind::BlockGrid).badges.size()), n);
        for (std::int64_t b = 0; b < n; ++b) {
            const std::int64_t br = b / gridCols, bc = b % gridCols;
            const std::int64_t count = std::min(p.block.rows, c.rows - br * p.block.rows) *
                                       std::min(p.block.cols, c.cols - bc * p.block.cols);
            QCOMPARE(w.blockElements[std::size_t(b)], count);
            QCOMPARE(bool(w.partial[std::size_t(b)]), count < p.block.elementCount());
            QCOMPARE(w.step(LearnStepKind::BlockGrid).badges[std::size_t(b)].hatched,
                     count < p.block.elementCount());
        }

        // 4: means, the core's bit for bit, and the mean of f over the valid elements here.
        const core::BlockNorms norms = core::computeBlockNorms(m, p.block, p.norm, context);
        for (std::int64_t b = 0; b < n; ++b) {
            const double mean = w.blockMeans[std::size_t(b)];
            QVERIFY(same(mean, core::blockNormAt(norms, m, b)));
            double sum = 0.0;
            for (std::int64_t i = 0; i < elements; ++i)
                if (w.grid.blockIndexOf(i / c.cols, i % c.cols) == b)
                    sum += w.f[std::size_t(i)];
            const double expected = sum / double(w.blockElements[std::size_t(b)]);
            QVERIFY2(
                same(mean, expected) ||
                    std::fabs(mean - expected) <= 1e-6 * std::max(1.0, std::fabs(expected)),
                qPrintable(QStringLiteral("block %1: %2 vs %3").arg(b).arg(mean).arg(expected)));
            QVERIFY(w.step(LearnStepKind::BlockMeans)
                        .badges[std::size_t(b)]
                        .text.contains(learnNumber(mean, 4)));
        }

        // 5: the order is the core's ranking and the order of the SPEC.
        const core::BlockRanking ranking = core::BlockRanking::build(m, norms, zeros, context);
        std::vector<std::int64_t> expectedOrder(static_cast<std::size_t>(n));
        std::iota(expectedOrder.begin(), expectedOrder.end(), 0);
        std::sort(expectedOrder.begin(), expectedOrder.end(), [&](std::int64_t a, std::int64_t b) {
            return before(w.blockMeans[std::size_t(a)], a, w.blockMeans[std::size_t(b)], b);
        });
        for (std::int64_t r = 0; r < n; ++r) {
            QCOMPARE(w.order[std::size_t(r)], ranking.blockAtRank(r));
            QCOMPARE(w.order[std::size_t(r)], expectedOrder[std::size_t(r)]);
            QCOMPARE(w.rankOf[std::size_t(w.order[std::size_t(r)])], r);
            QVERIFY(w.step(LearnStepKind::Ranking)
                        .badges[std::size_t(w.order[std::size_t(r)])]
                        .text.startsWith(QStringLiteral("rank %1\n").arg(r + 1)));
        }

        // 6: k counted by hand, by the core, and written out.
        QCOMPARE(w.k, c.k);
        QCOMPARE(w.k, ranking.prunedCountAt(p.level));
        if (c.reason == LearnWalkthrough::Case::Ranked)
            QCOMPARE(w.k, core::prunedBlockCount(p.level, n));
        QCOMPARE(int(w.reason), int(c.reason));
        QCOMPARE(w.clamped, c.clamped);
        const LearnStep& count = w.step(LearnStepKind::PrunedCount);
        const QString countText =
            count.sentence + QLatin1Char('\n') + count.details.join(QLatin1Char('\n'));
        QVERIFY2(countText.contains(c.kText), qPrintable(countText));

        // 7: the pruned blocks are the first k of the order, and the core's threshold's.
        const core::MaskResult result = core::computeMask(m, p, context);
        QCOMPARE(result.stats.prunedBlocks, c.k);
        for (std::int64_t b = 0; b < n; ++b)
            QCOMPARE(bool(w.prunedBlocks[std::size_t(b)]), w.rankOf[std::size_t(b)] < c.k);

        // 8 and 9: the mask is the core's and the SPEC's, formed here: in each pruned block
        // the `zeros` smallest f (NaN last, ties to the lower position; missing positions of a
        // partial block larger than anything).
        std::vector<std::uint8_t> expectedMask(std::size_t(elements), 1);
        for (std::int64_t b = 0; b < n; ++b) {
            if (!w.prunedBlocks[std::size_t(b)])
                continue;
            std::vector<std::int64_t> members;
            for (std::int64_t i = 0; i < elements; ++i)
                if (w.grid.blockIndexOf(i / c.cols, i % c.cols) == b)
                    members.push_back(i);
            std::sort(members.begin(), members.end(), [&](std::int64_t a, std::int64_t bb) {
                return before(w.f[std::size_t(a)], a, w.f[std::size_t(bb)], bb);
            });
            for (std::size_t j = 0; j < members.size(); ++j) {
                if (std::int64_t(j) < zeros)
                    expectedMask[std::size_t(members[j])] = 0;
                QCOMPARE(w.placeInBlock[std::size_t(members[j])], std::int64_t(j));
            }
        }
        for (std::int64_t i = 0; i < elements; ++i) {
            QVERIFY2(w.mask[std::size_t(i)] == result.mask[std::size_t(i)],
                     qPrintable(QString::number(i)));
            QVERIFY2(w.mask[std::size_t(i)] == expectedMask[std::size_t(i)],
                     qPrintable(QString::number(i)));
            const ui::LearnCell& cell = w.step(LearnStepKind::FinalMask).cells[std::size_t(i)];
            QCOMPARE(cell.text == QStringLiteral("0") && cell.tone == ui::LearnTone::Zeroed,
                     w.mask[std::size_t(i)] == 0);
            const bool inPruned =
                w.prunedBlocks[std::size_t(w.grid.blockIndexOf(i / c.cols, i % c.cols))] != 0;
            const ui::LearnTone tone =
                w.step(LearnStepKind::ZerosInBlocks).cells[std::size_t(i)].tone;
            if (inPruned && !std::isnan(w.f[std::size_t(i)]))
                QCOMPARE(tone, w.mask[std::size_t(i)] ? ui::LearnTone::KeptInPruned
                                                      : ui::LearnTone::Zeroed);
        }

        // 9: statistics, the core's, and the retained energy summed here.
        QCOMPARE(w.stats.zeros, result.stats.zeros);
        QCOMPARE(w.stats.achievedSparsity, result.stats.achievedSparsity);
        QCOMPARE(w.stats.retainedEnergy, result.stats.retainedEnergy);
        QCOMPARE(w.stats.retainedL1, result.stats.retainedL1);
        long double kept = 0, all = 0;
        std::int64_t zeroCount = 0;
        for (std::int64_t i = 0; i < elements; ++i) {
            zeroCount += w.mask[std::size_t(i)] == 0;
            const long double v = w.weights[std::size_t(i)];
            if (!std::isfinite(double(v)))
                continue;
            all += v * v;
            if (w.mask[std::size_t(i)])
                kept += v * v;
        }
        QCOMPARE(w.stats.zeros, zeroCount);
        const double energy = all == 0 ? 1.0 : double(kept / all);
        QVERIFY2(std::fabs(w.stats.retainedEnergy - energy) <= 1e-12,
                 qPrintable(QStringLiteral("%1 vs %2").arg(w.stats.retainedEnergy).arg(energy)));
        const QString maskText = w.step(LearnStepKind::FinalMask).details.join(QLatin1Char('\n'));
        QVERIFY2(maskText.contains(QStringLiteral("= %1 / %2 = %3 %")
                                       .arg(w.stats.zeros)
                                       .arg(elements)
                                       .arg(w.stats.achievedSparsity * 100.0, 0, 'f', 1)),
                 qPrintable(maskText));
        if (all > 0)
            QVERIFY2(maskText.contains(QStringLiteral("Retained energy = %1 / %2 = %3 %")
                                           .arg(learnNumber(double(w.stats.keptSums.energy), 4),
                                                learnNumber(double(w.stats.allSums.energy), 4))
                                           .arg(w.stats.retainedEnergy * 100.0, 0, 'f', 1)),
                     qPrintable(maskText));
    }

    void explanationsNameTiesAndNaN()
    {
        const auto all = cases();
        const auto find = [&](const char* name) {
            for (const Case& c : all)
                if (QByteArray(c.name) == name)
                    return LearnWalkthrough::build(tensorOf(c.rows, c.cols, c.values, c.float64),
                                                   c.params);
            qFatal("no case %s", name);
        };
        const LearnWalkthrough ties = find("ties go by block number");
        QCOMPARE(ties.order,
                 (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}));
        QVERIFY(ties.step(LearnStepKind::Ranking)
                    .details.join(QLatin1Char('\n'))
                    .contains(QStringLiteral("#0 and #1 have the same mean")));
        QVERIFY(ties.step(LearnStepKind::Ranking)
                    .details.first()
                    .startsWith(QStringLiteral("#0 (0.5) = #1 (0.5) = #2 (0.5)")));

        const LearnWalkthrough nanBlock = find("a NaN block ranks last");
        QCOMPARE(nanBlock.order.back(), std::int64_t(3));
        QVERIFY(!nanBlock.prunedBlocks[3]);
        QVERIFY(nanBlock.step(LearnStepKind::Ranking)
                    .details.join(QLatin1Char('\n'))
                    .contains(QStringLiteral("#3 holds a NaN")));

        // The NaN weight at (0, 1) is the last of its 2x2 block: 2 zeros leave it.
        const LearnWalkthrough nanWeight = find("a NaN weight is zeroed last, level 100 %");
        QCOMPARE(nanWeight.placeInBlock[1], std::int64_t(3));
        QCOMPARE(int(nanWeight.mask[1]), 1);

        const LearnWalkthrough infinite = find("float64 with an infinite weight");
        QVERIFY(infinite.step(LearnStepKind::FinalMask)
                    .details.contains(
                        QStringLiteral("NaN or infinite weights, left out of these sums: 1.")));
        QCOMPARE(infinite.order.back(), std::int64_t(8)); // inf after every finite mean

        // Partial blocks of 4 and 2 weights lose all of them with 5 zeros per block.
        const LearnWalkthrough partial = find("partial blocks with zeros per block");
        const QString notes =
            partial.step(LearnStepKind::ZerosInBlocks).details.join(QLatin1Char('\n'));
        bool explained = false;
        for (std::int64_t b = 0; b < partial.grid.blockCount(); ++b)
            if (partial.prunedBlocks[std::size_t(b)] && partial.partial[std::size_t(b)])
                explained = explained || partial.step(LearnStepKind::ZerosInBlocks)
                                             .blockNotes[std::size_t(b)]
                                             .contains(QStringLiteral("missing positions count as "
                                                                      "larger than any value"));
        QVERIFY2(explained, qPrintable(notes));
    }

    void backAndNext()
    {
        LearnPanel panel;
        panel.resize(700, 800);
        panel.show();
        auto* back = child<QPushButton>(panel, "learnBack");
        auto* next = child<QPushButton>(panel, "learnNext");
        auto* title = child<QLabel>(panel, "learnStepTitle");
        auto* sentence = child<QLabel>(panel, "learnSentence");
        QCOMPARE(panel.currentStep(), 0);
        QVERIFY(!back->isEnabled());
        QVERIFY(next->isEnabled());
        QVERIFY(title->text().startsWith(QStringLiteral("Step 1 of 9")));
        QStringList sentences{sentence->text()};
        for (int i = 1; i < LearnWalkthrough::stepCount; ++i) {
            QTest::mouseClick(next, Qt::LeftButton);
            QCOMPARE(panel.currentStep(), i);
            QVERIFY(title->text().startsWith(QStringLiteral("Step %1 of 9").arg(i + 1)));
            QCOMPARE(sentence->text(), panel.walkthrough()->steps[std::size_t(i)].sentence);
            sentences << sentence->text();
        }
        QVERIFY(!next->isEnabled());
        QVERIFY(back->isEnabled());
        QCOMPARE(sentences.removeDuplicates(), 0); // one sentence of its own per step
        QTest::mouseClick(back, Qt::LeftButton);
        QCOMPARE(panel.currentStep(), 7);
        QCOMPARE(sentence->text(), sentences[7]);
    }

    void clickingABlockShowsItsArithmetic()
    {
        LearnPanel panel;
        panel.resize(700, 800);
        panel.setParams(makeParams(0.5, 4, 4));
        panel.setMatrixSize(QSize(10, 10));
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        panel.setStep(int(LearnStepKind::BlockMeans));
        auto* note = child<QLabel>(panel, "learnBlockNote");
        QVERIFY(note->isHidden());
        // The last cell is in block #8, the partial 2x2 corner.
        const QRect m = panel.grid()->matrixRect();
        QTest::mouseClick(panel.grid(), Qt::LeftButton, {}, m.bottomRight() - QPoint(3, 3));
        QVERIFY(!note->isHidden());
        const LearnWalkthrough& w = *panel.walkthrough();
        QCOMPARE(note->text(), w.step(LearnStepKind::BlockMeans).blockNotes[8]);
        // Four weights: the partial block divides by its own count.
        QVERIFY2(note->text().startsWith(QStringLiteral("#8: (")) &&
                     note->text().contains(QStringLiteral(") / 4 = ")),
                 qPrintable(note->text()));
        QVERIFY(note->text().endsWith(learnNumber(w.blockMeans[8], 4)));
        // Another step keeps the block and shows its own note for it.
        panel.setStep(int(LearnStepKind::ZerosInBlocks));
        QCOMPARE(note->text(), w.step(LearnStepKind::ZerosInBlocks).blockNotes[8]);
    }

    void parametersAreLive()
    {
        LearnPanel panel;
        panel.setStep(int(LearnStepKind::PrunedCount));
        QSignalSpy changed(&panel, &LearnPanel::walkthroughChanged);
        auto* details = child<QLabel>(panel, "learnDetails");
        panel.setParams(makeParams(0.5, 4, 4));
        QCOMPARE(changed.count(), 1); // at once, no event loop
        QVERIFY(details->text().contains(QStringLiteral("k = round(0.5 × 4) = round(2) = 2")));
        panel.setParams(makeParams(0.375, 2, 4, 3, core::Norm::L1));
        QCOMPARE(changed.count(), 2);
        QCOMPARE(panel.walkthrough()->params, makeParams(0.375, 2, 4, 3, core::Norm::L1));
        QVERIFY2(details->text().contains(QStringLiteral("round(0.375 × 8) = round(3) = 3")),
                 qPrintable(details->text()));
        QCOMPARE(panel.currentStep(), int(LearnStepKind::PrunedCount)); // the step stays
        // The numbers are those of a fresh walkthrough with the new parameters.
        const LearnWalkthrough fresh =
            LearnWalkthrough::build(panel.matrix().weights, panel.params());
        QCOMPARE(panel.walkthrough()->mask, fresh.mask);
        QCOMPARE(panel.walkthrough()->f, fresh.f);
    }

    void typedNumbers()
    {
        LearnPanel panel;
        panel.setParams(makeParams(0.5, 2, 2, {}, core::Norm::L1));
        panel.setSource(LearnPanel::Source::Typed);
        QTableWidget* table = panel.table();
        // Typing shows the table in place of the grid.
        auto* pages = qobject_cast<QStackedWidget*>(table->parentWidget());
        QVERIFY(pages);
        QCOMPARE(pages->currentWidget(), table);
        QCOMPARE(table->rowCount(), 8);
        const std::vector<double> before = panel.walkthrough()->weights;
        table->item(2, 3)->setText(QStringLiteral("0.25"));
        QCOMPARE(panel.source(), LearnPanel::Source::Typed);
        QCOMPARE(panel.walkthrough()->weights[2 * 8 + 3], 0.25);
        QCOMPARE(panel.walkthrough()->f[2 * 8 + 3], 0.25);
        table->item(0, 0)->setText(QStringLiteral("−1e-3")); // a typographic minus
        QCOMPARE(panel.walkthrough()->weights[0], double(-1e-3f));
        table->item(7, 7)->setText(QStringLiteral("nan"));
        QVERIFY(std::isnan(panel.walkthrough()->weights[63]));
        // The NaN's 2x2 block has a NaN mean and ranks last.
        QCOMPARE(panel.walkthrough()->order.back(), std::int64_t(15));

        auto* problem = child<QLabel>(panel, "learnProblem");
        table->item(1, 1)->setText(QStringLiteral("abc"));
        QVERIFY(!problem->isHidden());
        QVERIFY2(problem->text().contains(QStringLiteral("Row 1, column 1: “abc” is not a number")),
                 qPrintable(problem->text()));
        QCOMPARE(panel.walkthrough()->weights[9], before[9]);
        QCOMPARE(float(table->item(1, 1)->text().toDouble()), float(before[9]));
        table->item(1, 1)->setText(QStringLiteral("1e40"));
        QVERIFY(problem->text().contains(QStringLiteral("too large for float32")));
        QVERIFY(std::isinf(panel.walkthrough()->weights[9]));
        table->item(1, 1)->setText(QStringLiteral("2"));
        QVERIFY(problem->isHidden());

        // A new size keeps the numbers that fit and fills the rest with 0.
        panel.setMatrixSize(QSize(10, 9));
        QCOMPARE(panel.matrix().rows(), std::int64_t(9));
        QCOMPARE(panel.matrix().cols(), std::int64_t(10));
        QCOMPARE(panel.walkthrough()->weights[2 * 10 + 3], 0.25);
        QCOMPARE(panel.walkthrough()->weights[8 * 10 + 9], 0.0);
        QCOMPARE(table->columnCount(), 10);
    }

    void randomIsReproducibleBySeed()
    {
        // Values of std::mt19937 (specified bit for bit) as formed by LearnMatrix::random, from
        // an independent implementation of the generator in Python.
        const LearnMatrix one = LearnMatrix::random(1, QSize(8, 8));
        const std::vector<float> firstOfSeed1{0.21f,  -0.02f, -0.67f, -0.14f,
                                              -0.81f, 0.51f,  -0.5f,  -0.53f};
        const LearnMatrix seven = LearnMatrix::random(7, QSize(8, 8));
        const std::vector<float> firstOfSeed7{-0.4f, 0.12f,  -0.81f, -0.11f,
                                              0.57f, -0.16f, -0.14f, 0.43f};
        for (int c = 0; c < 8; ++c) {
            QCOMPARE(one.weights.valueAt(0, c), double(firstOfSeed1[std::size_t(c)]));
            QCOMPARE(seven.weights.valueAt(0, c), double(firstOfSeed7[std::size_t(c)]));
        }

        LearnPanel panel;
        panel.setSeed(7);
        const std::vector<double> a = panel.walkthrough()->weights;
        for (int c = 0; c < 8; ++c)
            QCOMPARE(a[std::size_t(c)], double(firstOfSeed7[std::size_t(c)]));
        QTest::mouseClick(child<QPushButton>(panel, "learnNewRandom"), Qt::LeftButton);
        QCOMPARE(panel.seed(), quint32(8));
        QVERIFY(panel.walkthrough()->weights != a);
        panel.setSeed(7);
        QCOMPARE(panel.walkthrough()->weights, a);
        QVERIFY(child<QLabel>(panel, "learnOrigin")->text().contains(QStringLiteral("seed 7")));
        // Another source and back: the seed gives the same numbers again.
        panel.setSource(LearnPanel::Source::Typed);
        panel.setSource(LearnPanel::Source::Random);
        QCOMPARE(panel.walkthrough()->weights, a);
    }

    void sliceOriginStartsOnABlock()
    {
        const core::BlockShape block{4, 4};
        // Centre (100, 50) of a 128 x 256 layer, 8 x 8: from (46, 96) down to (44, 96).
        QCOMPARE(LearnMatrix::sliceOrigin(128, 256, QPoint(100, 50), block, QSize(8, 8)),
                 QPoint(96, 44));
        // Near the far edge: moved back inside.
        QCOMPARE(LearnMatrix::sliceOrigin(10, 64, QPoint(63, 9), block, QSize(16, 8)),
                 QPoint(48, 2));
        // A layer smaller than the slice starts at 0.
        QCOMPARE(LearnMatrix::sliceOrigin(5, 6, QPoint(3, 3), block, QSize(8, 8)), QPoint(0, 0));
        // A block larger than the slice is not aligned to.
        QCOMPARE(LearnMatrix::sliceOrigin(128, 128, QPoint(40, 40), core::BlockShape{32, 32},
                                          QSize(8, 8)),
                 QPoint(36, 36));
    }

    void numbersFitTheirCells()
    {
        // 16 x 16 of the widest numbers there are: every text fits its cell in every step.
        LearnPanel panel;
        panel.resize(500, 600); // narrower than 16 cells: the grid scrolls, cells keep their size
        panel.show();
        panel.setMatrixSize(QSize(16, 16));
        panel.setSource(LearnPanel::Source::Typed);
        const QStringList widest{QStringLiteral("-1.23e-05"), QStringLiteral("-0.000123"),
                                 QStringLiteral("-123"), QStringLiteral("nan"),
                                 QStringLiteral("-inf")};
        for (int r = 0; r < 16; ++r)
            for (int c = 0; c < 16; ++c)
                panel.table()->item(r, c)->setText(widest[(r * 16 + c) % widest.size()]);
        panel.setParams(makeParams(0.5, 1, 4, 2, core::Norm::L2));
        panel.setSource(LearnPanel::Source::Typed);
        child<QPushButton>(panel, "learnEditNumbers")->setChecked(false);
        QCoreApplication::processEvents();
        ui::LearnGridView* grid = panel.grid();
        const QFontMetrics metrics(grid->cellFont());
        const QFontMetrics noteMetrics(grid->noteFont());
        QVERIFY(grid->cellSize().width() >= grid->minimumCellSize().width());
        QVERIFY(grid->cellSize().height() >= grid->minimumCellSize().height());
        QVERIFY(grid->matrixRect().width() >= 16 * grid->minimumCellSize().width());
        for (const LearnStep& step : panel.walkthrough()->steps)
            for (const ui::LearnCell& cell : step.cells) {
                QVERIFY2(metrics.horizontalAdvance(cell.text) <= grid->cellSize().width() - 4,
                         qPrintable(cell.text));
                QVERIFY2(noteMetrics.horizontalAdvance(cell.note) <= grid->cellSize().width() - 4,
                         qPrintable(cell.note));
                QVERIFY(metrics.height() + (cell.note.isEmpty() ? 0 : noteMetrics.height()) <=
                        grid->cellSize().height());
            }
    }

    void inTheRealWindow()
    {
        MainWindow window;
        window.resize(1600, 1000);
        window.show();
        window.openFile(demoFile, QStringLiteral("/mlp/fc2/weight"));
        QTRY_COMPARE_WITH_TIMEOUT(window.session()->currentLayer(),
                                  QStringLiteral("/mlp/fc2/weight"), asyncTimeout);
        QVERIFY(waitIdle(window, asyncTimeout));

        // A slice around the heatmap's centre, equal to the layer's own values.
        LearnPanel* panel = window.learnPanel();
        QCOMPARE(panel->params(), window.session()->currentParams());
        panel->setMatrixSize(QSize(12, 10));
        panel->setSource(LearnPanel::Source::LayerSlice);

        // Help > Learn Block Sparsity… opens the dock; View > Learn is its toggle.
        auto* dock = child<QDockWidget>(window, "learnDock");
        QVERIFY(!dock->isVisible());
        child<QAction>(window, "learnAction")->trigger();
        QTRY_VERIFY(dock->isVisible());
        QVERIFY(dock->toggleViewAction()->isChecked());
        QCOMPARE(dock->toggleViewAction()->text(), QStringLiteral("Learn"));
        const auto snapshot = shown(window);
        QVERIFY(snapshot);
        const LearnMatrix& slice = panel->matrix();
        QCOMPARE(slice.layer, QStringLiteral("/mlp/fc2/weight"));
        QCOMPARE(slice.rows(), std::int64_t(10));
        QCOMPARE(slice.cols(), std::int64_t(12));
        QCOMPARE(slice.weights.precision(), snapshot->weights->precision());
        for (std::int64_t r = 0; r < slice.rows(); ++r)
            for (std::int64_t c = 0; c < slice.cols(); ++c)
                QCOMPARE(panel->walkthrough()->weights[std::size_t(r * slice.cols() + c)],
                         snapshot->weights->valueAt(slice.top + r, slice.left + c));
        QCOMPARE(slice.top % 4, std::int64_t(0)); // the layer's 4x4 blocks
        QCOMPARE(slice.left % 4, std::int64_t(0));
        const QPointF centre = window.layerView()->heatmap()->zoomModel().visibleRegion().center();
        QVERIFY(slice.top <= centre.y() && centre.y() < slice.top + slice.rows());
        QVERIFY(slice.left <= centre.x() && centre.x() < slice.left + slice.cols());

        // The parameter panel's changes reach the dock at once.
        auto* level = child<QDoubleSpinBox>(window, "levelSpinBox");
        level->setValue(25.0);
        QCOMPARE(panel->params().level, 0.25);
        QCOMPARE(panel->walkthrough()->params.level, 0.25);

        screenshots(window, *panel);

        // Another layer: the slice follows it.
        window.session()->selectLayer(QStringLiteral("/cnn/fc2/weight"));
        QTRY_COMPARE_WITH_TIMEOUT(panel->matrix().layer, QStringLiteral("/cnn/fc2/weight"),
                                  asyncTimeout);
        QVERIFY(waitIdle(window, asyncTimeout));
        const auto other = shown(window);
        QCOMPARE(other->datasetPath, QStringLiteral("/cnn/fc2/weight"));
        QCOMPARE(panel->matrix().rows(), std::int64_t(10)); // all of its 10 rows
        for (std::int64_t r = 0; r < panel->matrix().rows(); ++r)
            for (std::int64_t c = 0; c < panel->matrix().cols(); ++c)
                QCOMPARE(
                    panel->matrix().weights.valueAt(r, c),
                    other->weights->valueAt(panel->matrix().top + r, panel->matrix().left + c));
        // The new layer's parameters came with it.
        QCOMPARE(panel->params(), window.session()->currentParams());
    }

private:
    void screenshots(MainWindow& window, LearnPanel& panel)
    {
        const QString dir = qEnvironmentVariable("SPARSITY_SCREENSHOT_DIR");
        if (dir.isEmpty())
            return;
        QDir().mkpath(dir);
        for (int step : {0, 4, 8}) {
            panel.setStep(step);
            QTest::qWait(50);
            QVERIFY(panel.grab().save(
                QDir(dir).filePath(QStringLiteral("learn-step%1.png").arg(step + 1))));
        }
        QVERIFY(window.grab().save(QDir(dir).filePath(QStringLiteral("learn-window.png"))));
        // docs/learn-mode.png: k with half to even on a random 10 x 10 with partial blocks.
        LearnPanel alone;
        alone.resize(600, 600);
        alone.setParams(makeParams(0.5, 4, 4));
        alone.setMatrixSize(QSize(10, 10));
        alone.setSeed(1);
        alone.show();
        for (int step = 0; step < LearnWalkthrough::stepCount; ++step) {
            alone.setStep(step);
            QTest::qWait(20);
            QVERIFY(alone.grab().save(
                QDir(dir).filePath(QStringLiteral("learn-random-step%1.png").arg(step + 1))));
        }
        alone.setStep(int(LearnStepKind::PrunedCount));
        QTest::qWait(20);
        QVERIFY(alone.grab().save(QDir(dir).filePath(QStringLiteral("learn-mode.png"))));
        // Zeros per block smaller than a block, partial blocks, 16 x 16.
        alone.setParams(makeParams(0.5, 2, 4, 3, core::Norm::L1));
        alone.setMatrixSize(QSize(15, 15));
        alone.setStep(int(LearnStepKind::ZerosInBlocks));
        QTest::qWait(20);
        QVERIFY(alone.grab().save(QDir(dir).filePath(QStringLiteral("learn-zeros-step8.png"))));
        alone.setParams(makeParams(0.5, 1, 1, {}, core::Norm::L2));
        alone.setMatrixSize(QSize(16, 16));
        alone.setStep(int(LearnStepKind::Ranking));
        QTest::qWait(20);
        QVERIFY(alone.grab().save(QDir(dir).filePath(QStringLiteral("learn-1x1-step5.png"))));
    }
};

QTEST_MAIN(TestLearn)
#include "tst_learn.moc"
