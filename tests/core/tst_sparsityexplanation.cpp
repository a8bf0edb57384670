// core::SparsityExplanation: why the achieved sparsity is not the level, with the layer's own
// numbers, for each cause docs/SPEC.md "Numbers that describe a mask" names. The statistics come
// from the real mask path (computeMask), so every number quoted is the one the GUI shows.
#include "common/paramsbuilder.h"
#include "mask/sparsifier.h"
#include "mask/sparsityexplanation.h"

#include <QLocale>
#include <QTest>

using namespace sparsity;

namespace {

// H x C distinct weights 1..H*C: no ties, so counts are exact.
core::WeightTensor ramp(std::int64_t rows, std::int64_t cols)
{
    std::vector<float> values(static_cast<std::size_t>(rows * cols));
    for (std::size_t i = 0; i < values.size(); ++i)
        values[i] = static_cast<float>(i + 1);
    return core::WeightTensor({rows, cols}, values);
}

struct Explained
{
    core::MaskStats stats;
    QStringList reasons;
    QString all() const { return reasons.join(QLatin1Char('\n')); }
};

Explained explain(std::int64_t rows, std::int64_t cols, const core::SparsityParams& params,
                  bool modelScope = false)
{
    const core::WeightTensor weights = ramp(rows, cols);
    const core::MaskResult result = core::computeMask(weights, params, {});
    const core::BlockGrid grid{rows, cols, params.block};
    return {result.stats,
            core::SparsityExplanation::reasons(params, grid, result.stats, modelScope)};
}

} // namespace

class TestSparsityExplanation : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QLocale::setDefault(QLocale::c()); }

    // The case: 90 % on a one-block layer gives 0 % and used to say nothing.
    void oneBlockLayerKeepsItsBlock()
    {
        const Explained e = explain(1, 4, test::makeParams(0.9, 1, 4));
        QCOMPARE(e.stats.zeros, 0);
        QCOMPARE(e.reasons.size(), 1);
        QVERIFY2(e.all().contains(QStringLiteral(
                     "A level below 100 % keeps at least one block; this layer has 1 block, so "
                     "none is pruned")),
                 qPrintable(e.all()));
        QVERIFY2(e.all().contains(QStringLiteral("round_half_even(0.9 × 1) = 1, limited to N − 1 "
                                                 "= 0")),
                 qPrintable(e.all()));
    }

    void clampOnSeveralBlocks()
    {
        // 4 blocks at 90 %: round(3.6) = 4 is limited to 3.
        const Explained e = explain(4, 4, test::makeParams(0.9, 1, 4));
        QCOMPARE(e.stats.prunedBlocks, 3);
        QVERIFY2(e.all().contains(QStringLiteral("k = round_half_even(0.9 × 4) = 4 is limited to "
                                                 "N − 1 = 3 blocks")),
                 qPrintable(e.all()));
    }

    void roundingOfK()
    {
        // 7 blocks at 50 %: 3.5 rounds to the even 4.
        const Explained e = explain(7, 4, test::makeParams(0.5, 1, 4));
        QCOMPARE(e.stats.prunedBlocks, 4);
        QVERIFY2(e.all().contains(QStringLiteral("round_half_even(50 % × 7 blocks) = "
                                                 "round_half_even(3.5) = 4, which is 57.14 % of "
                                                 "the blocks")),
                 qPrintable(e.all()));
        // 9 blocks at 50 %: 4.5 rounds to the even 4.
        const Explained nine = explain(9, 4, test::makeParams(0.5, 1, 4));
        QCOMPARE(nine.stats.prunedBlocks, 4);
        QVERIFY2(nine.all().contains(QStringLiteral("round_half_even(4.5) = 4")),
                 qPrintable(nine.all()));
        // Too small a level for one block.
        const Explained tiny = explain(10, 4, test::makeParams(0.01, 1, 4));
        QCOMPARE(tiny.stats.prunedBlocks, 0);
        QVERIFY2(tiny.all().contains(QStringLiteral("= round_half_even(0.1) = 0, so no block is "
                                                    "pruned")),
                 qPrintable(tiny.all()));
    }

    // 0.7 × 45 is 31.499999999999996 in double precision: Python's round gives 31, and the text
    // must not claim round_half_even(31.5) = 31.
    void productShownInFullWhereShortWouldMislead()
    {
        const Explained e = explain(45, 1, test::makeParams(0.7, 1, 1));
        QCOMPARE(e.stats.prunedBlocks, 31);
        QVERIFY2(e.all().contains(QStringLiteral("round_half_even(31.499999999999996) = 31")),
                 qPrintable(e.all()));
    }

    void zerosPerBlockSmallerThanTheBlock()
    {
        // 2:4 at 50 % of 16 blocks: 8 blocks lose 2 of 4 weights.
        const Explained e = explain(8, 8, test::makeParams(0.5, 1, 4, 2));
        QCOMPARE(e.stats.zeros, 16);
        QCOMPARE(e.reasons.size(), 1);
        QVERIFY2(
            e.all().contains(QStringLiteral("Zeros per block removes only the 2 smallest of the "
                                            "4 weights in each pruned block: 16 of 64 "
                                            "weights are zero.")),
            qPrintable(e.all()));
    }

    void fullLevelWithZerosPerBlock()
    {
        const Explained e = explain(8, 8, test::makeParams(1.0, 1, 4, 2));
        QCOMPARE(e.stats.achievedSparsity, 0.5);
        QCOMPARE(e.reasons.size(), 1);
        QVERIFY2(e.all().startsWith(QStringLiteral("At 100 % every block is pruned, but zeros per "
                                                   "block removes only the 2 smallest of the 4 "
                                                   "weights in each block: 32 of 64")),
                 qPrintable(e.all()));
    }

    void partialBlocks_data()
    {
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("cols");
        QTest::addColumn<QString>("edge");
        QTest::newRow("both") << 10 << 10
                              << QStringLiteral(
                                     "10 × 10 does not divide into 4 × 4 blocks, so the "
                                     "blocks on the bottom and right edges (5 of the 9)");
        QTest::newRow("bottom") << 10 << 8
                                << QStringLiteral("10 rows do not divide into blocks of 4 rows, so "
                                                  "the blocks of the bottom block row (2 of the "
                                                  "6)");
        QTest::newRow("right") << 8 << 10
                               << QStringLiteral("10 columns do not divide into blocks of 4 "
                                                 "columns, so the blocks of the right block column "
                                                 "(2 of the 6)");
    }
    void partialBlocks()
    {
        QFETCH(int, rows);
        QFETCH(int, cols);
        QFETCH(QString, edge);
        // The ramp puts the smallest weights top left: the pruned blocks are whole ones, so the
        // share of weights is larger than the share of blocks.
        const Explained e = explain(rows, cols, test::makeParams(1.0 / 3.0, 4, 4));
        QVERIFY2(e.all().contains(edge), qPrintable(e.all()));
        QVERIFY2(
            e.all().contains(QStringLiteral("Sparsity counts weights, not blocks: %1 of %2 blocks")
                                 .arg(e.stats.prunedBlocks)
                                 .arg(e.stats.blocks)),
            qPrintable(e.all()));
    }

    void zeroZerosPerBlock()
    {
        const Explained e = explain(8, 8, test::makeParams(0.5, 1, 4, 0));
        QCOMPARE(e.stats.zeros, 0);
        QCOMPARE(e.reasons, QStringList{QStringLiteral(
                                "Zeros per block is 0: a pruned block loses none of its weights, "
                                "so nothing is zeroed.")});
    }

    void modelScopeShare()
    {
        // A model-scope share of 3 of 16 blocks at a model level of 50 %.
        const core::WeightTensor weights = ramp(8, 8);
        const core::SparsityParams params = test::makeParams(0.5, 1, 4);
        core::Sparsifier sparsifier(weights);
        core::MaskResult result;
        sparsifier.computeWithPrunedCount(params, 3, {}, result);
        const QString text =
            core::SparsityExplanation::reasons(params, {8, 8, params.block}, result.stats, true)
                .join(QLatin1Char('\n'));
        QVERIFY2(
            text.contains(QStringLiteral("Model scope: the level 50 % applies to the blocks of "
                                         "all layers ranked together; this layer's share is "
                                         "3 of its 16 blocks (18.75 %).")),
            qPrintable(text));
        QVERIFY2(!text.contains(QStringLiteral("round_half_even")), qPrintable(text));
    }

    // Nothing to explain where achieved equals requested.
    void nothingWhenEqual_data()
    {
        QTest::addColumn<double>("level");
        QTest::addColumn<int>("zeros");
        QTest::newRow("half of whole blocks") << 0.5 << 4;
        QTest::newRow("none") << 0.0 << 4;
        QTest::newRow("all") << 1.0 << 4;
        QTest::newRow("quarter") << 0.25 << 4;
    }
    void nothingWhenEqual()
    {
        QFETCH(double, level);
        QFETCH(int, zeros);
        const Explained e = explain(8, 8, test::makeParams(level, 1, 4, zeros));
        QCOMPARE(e.stats.achievedSparsity, level);
        QVERIFY2(e.reasons.isEmpty(), qPrintable(e.all()));
    }
};

QTEST_GUILESS_MAIN(TestSparsityExplanation)
#include "tst_sparsityexplanation.moc"
