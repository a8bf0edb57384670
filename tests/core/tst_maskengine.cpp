// The mask engine against the plain reference implementation of docs/SPEC.md, across shapes,
// precisions, parameters and thread counts; plus the rounding rules and statistics by hand.
#include "common/paramsbuilder.h"
#include "error.h"
#include "mask/sparsifier.h"
#include "referencemask.h"

#include <QTest>
#include <QThreadPool>
#include <cmath>
#include <random>

using namespace sparsity::core;
using sparsity::test::makeParams;
using sparsity::test::randomWeights;

namespace {
std::vector<std::uint8_t> bytes(const MaskBytes& mask)
{
    return std::vector<std::uint8_t>(mask.begin(), mask.end());
}
} // namespace
using sparsity::test::referenceMask;

Q_DECLARE_METATYPE(std::vector<std::int64_t>)
Q_DECLARE_METATYPE(sparsity::core::Precision)

class TestMaskEngine final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void equalsReference_data();
    void equalsReference();
    void sameResultForAnyThreadCount_data();
    void sameResultForAnyThreadCount();
    void prunedBlockCountRoundsHalfEvenAndClamps();
    void levelChangeReusesNorms();
    void statisticsByHand();
    void nonFiniteWeightsAreCountedNotSummed();
    void cancelledComputationThrows();
    void parameterSequenceEqualsReference();
    void zeroPatternsOfEveryTieAndNaNCombination();
    void selectionSurvivesAMisleadingSample_data();
    void selectionSurvivesAMisleadingSample();
    void degenerateValuesStillSelectExactlyK();
    void retentionMatchesADoubleReference();
};

void TestMaskEngine::equalsReference_data()
{
    QTest::addColumn<std::vector<std::int64_t>>("shape");
    QTest::addColumn<Precision>("precision");
    QTest::addColumn<bool>("hostileValues");
    QTest::addColumn<double>("level");
    QTest::addColumn<qint64>("blockRows");
    QTest::addColumn<qint64>("blockCols");
    QTest::addColumn<qint64>("zeros"); // -1 = whole block
    QTest::addColumn<int>("norm");

    const std::vector<std::vector<std::int64_t>> shapes{
        {1, 1}, {7, 1}, {1, 9}, {16, 16}, {33, 70}, {64, 3, 3, 3}, {5, 4, 3}, {1, 37}};
    const std::vector<std::pair<std::int64_t, std::int64_t>> blocks{{1, 1}, {1, 4}, {4, 1},  {2, 2},
                                                                    {8, 8}, {3, 5}, {40, 80}};
    const std::vector<double> levels{0.0, 0.03, 0.5, 0.77, 0.999, 1.0};
    int row = 0;
    for (const auto& shape : shapes)
        for (const auto& [bh, bw] : blocks)
            for (double level : levels)
                for (std::int64_t zeros :
                     {std::int64_t{-1}, std::int64_t{0}, std::int64_t{1}, (bh * bw) / 2}) {
                    const bool hostile = (row % 3) == 0;
                    const auto precision = (row % 4) == 1 ? Precision::Float64 : Precision::Float32;
                    const int norm = row % 2 == 0 ? 2 : 1;
                    QTest::addRow("%d", row++) << shape << precision << hostile << level
                                               << qint64(bh) << qint64(bw) << qint64(zeros) << norm;
                }
}

void TestMaskEngine::equalsReference()
{
    QFETCH(std::vector<std::int64_t>, shape);
    QFETCH(Precision, precision);
    QFETCH(bool, hostileValues);
    QFETCH(double, level);
    QFETCH(qint64, blockRows);
    QFETCH(qint64, blockCols);
    QFETCH(qint64, zeros);
    QFETCH(int, norm);

    const WeightTensor weights =
        randomWeights(shape, precision, 7u + static_cast<unsigned>(shape[0]), hostileValues);
    const SparsityParams params = makeParams(
        level, blockRows, blockCols, zeros >= 0 ? std::optional<std::int64_t>(zeros) : std::nullopt,
        norm == 1 ? Norm::L1 : Norm::L2);

    const auto expected = referenceMask(weights, params);
    // One-shot (norms dropped, recomputed per row in the mask pass) and cached (norms kept for
    // parameter changes) must both equal the reference.
    const MaskResult result = computeMask(weights, params, ExecutionContext{});
    QCOMPARE(result.mask.size(), expected.mask.size());
    QVERIFY(bytes(result.mask) == expected.mask);
    Sparsifier cached(weights);
    const MaskResult cachedResult = cached.compute(params, ExecutionContext{});
    QVERIFY(bytes(cachedResult.mask) == expected.mask);
    // The GUI (cached) and the CLI (one-shot) sum in different passes but must show the same
    // statistics to the last bit (QCOMPARE on doubles would be fuzzy).
    QVERIFY(cachedResult.stats.retainedEnergy == result.stats.retainedEnergy);
    QVERIFY(cachedResult.stats.retainedL1 == result.stats.retainedL1);
    QCOMPARE(cachedResult.stats.nonFiniteWeights, result.stats.nonFiniteWeights);
    std::int64_t zeroCount = 0;
    for (auto m : expected.mask)
        zeroCount += m == 0;
    QCOMPARE(result.stats.zeros, zeroCount);
    QCOMPARE(result.stats.elements, weights.elementCount());

    const BlockNorms norms =
        computeBlockNorms(weights, params.block, params.norm, ExecutionContext{});
    QCOMPARE(norms.blockCount(), static_cast<std::int64_t>(expected.norms.size()));
    for (std::int64_t b = 0; b < norms.blockCount(); ++b) {
        const double ours = blockNormAt(norms, weights, b), ref = expected.norms[b];
        QVERIFY2(ours == ref || (std::isnan(ours) && std::isnan(ref)),
                 qPrintable(QString::number(b)));
    }
}

void TestMaskEngine::sameResultForAnyThreadCount_data()
{
    QTest::addColumn<qint64>("blockRows");
    QTest::addColumn<qint64>("blockCols");
    QTest::addColumn<qint64>("zeros");
    QTest::newRow("1x1") << qint64(1) << qint64(1) << qint64(-1);
    QTest::newRow("1x4 zpb 2") << qint64(1) << qint64(4) << qint64(2);
    QTest::newRow("4x1") << qint64(4) << qint64(1) << qint64(-1);
    QTest::newRow("8x8 zpb 13") << qint64(8) << qint64(8) << qint64(13);
    QTest::newRow("3x5") << qint64(3) << qint64(5) << qint64(-1);
}

void TestMaskEngine::sameResultForAnyThreadCount()
{
    QFETCH(qint64, blockRows);
    QFETCH(qint64, blockCols);
    QFETCH(qint64, zeros);
    // Big enough that the work is split into many chunks.
    const WeightTensor weights = randomWeights({517, 1031}, Precision::Float32, 99, true);
    const SparsityParams params = makeParams(
        0.61, blockRows, blockCols, zeros >= 0 ? std::optional<std::int64_t>(zeros) : std::nullopt);

    QThreadPool pool;
    pool.setMaxThreadCount(8);
    const MaskResult single = computeMask(weights, params, ExecutionContext{});
    for (int threads : {2, 3, 8}) {
        const MaskResult multi = computeMask(weights, params, ExecutionContext{&pool, threads});
        QVERIFY(multi.mask == single.mask);
        QCOMPARE(multi.threshold.key, single.threshold.key);
        QCOMPARE(multi.threshold.index, single.threshold.index);
        QVERIFY(multi.stats.retainedEnergy == single.stats.retainedEnergy); // exactly
        QVERIFY(multi.stats.retainedL1 == single.stats.retainedL1);
    }
    QVERIFY(bytes(single.mask) == referenceMask(weights, params).mask);
}

void TestMaskEngine::prunedBlockCountRoundsHalfEvenAndClamps()
{
    QCOMPARE(prunedBlockCount(0.5, 5), 2);    // 2.5 -> 2
    QCOMPARE(prunedBlockCount(0.5, 7), 4);    // 3.5 -> 4
    QCOMPARE(prunedBlockCount(0.5, 27), 14);  // 13.5 -> 14
    QCOMPARE(prunedBlockCount(0.999, 10), 9); // 9.99 -> 10, clamped to N-1
    QCOMPARE(prunedBlockCount(0.9999, 1), 0); // a level below 1 keeps one block
    QCOMPARE(prunedBlockCount(1.0, 10), 10);
    QCOMPARE(prunedBlockCount(0.0, 10), 0);
    QCOMPARE(prunedBlockCount(0.05, 10), 0); // 0.5 -> 0
    QCOMPARE(prunedBlockCount(0.15, 10), 2); // 1.5 -> 2 (0.15*10 is 1.5 in double)
}

void TestMaskEngine::levelChangeReusesNorms()
{
    const WeightTensor weights = randomWeights({64, 96}, Precision::Float32, 3, false);
    Sparsifier sparsifier(weights);
    SparsityParams params;
    params.block = {2, 4};
    const BlockNorms* norms = &sparsifier.blockNorms(params.block, params.norm, {});
    const auto firstValues = std::get<LargeVector<float>>(norms->values);
    for (double level : {0.1, 0.5, 0.9}) {
        params.level = level;
        for (std::int64_t zeros : {8, 3}) {
            params.zerosPerBlock = zeros;
            const MaskResult cached = sparsifier.compute(params, {});
            QVERIFY(cached.mask == computeMask(weights, params, {}).mask);
            QCOMPARE(cached.stats.zeros, computeMask(weights, params, {}).stats.zeros);
            // Same object, same contents: a level or zeros change did not recompute the norms.
            QCOMPARE(&sparsifier.blockNorms(params.block, params.norm, {}), norms);
        }
    }
    QVERIFY(std::get<LargeVector<float>>(norms->values) == firstValues);
    params.block = {4, 4};
    QVERIFY(sparsifier.blockNorms(params.block, params.norm, {}).grid.block == params.block);
}

void TestMaskEngine::statisticsByHand()
{
    // 2x4, block 1x2, L2. Norms: (1+4)/2=2.5, (9+16)/2=12.5, (0+0.25)/2=0.125, (1+1)/2=1.
    const WeightTensor weights({2, 4}, std::vector<float>{1, -2, 3, 4, 0, 0.5f, -1, 1});
    SparsityParams params = makeParams(0.5, 1, 2); // k = 2: blocks 2 and 3
    const MaskResult result = computeMask(weights, params, {});
    QCOMPARE(bytes(result.mask), (std::vector<std::uint8_t>{1, 1, 1, 1, 0, 0, 0, 0}));
    QCOMPARE(result.stats.zeros, 4);
    QCOMPARE(result.stats.prunedBlocks, 2);
    QCOMPARE(result.stats.blocks, 4);
    QCOMPARE(result.stats.achievedSparsity, 0.5);
    QCOMPARE(result.stats.retainedEnergy, 30.0 / 32.25);
    QCOMPARE(result.stats.retainedL1, 10.0 / 12.5);

    params.zerosPerBlock = 1; // only the smaller element of each pruned block
    const MaskResult partial = computeMask(weights, params, {});
    QCOMPARE(bytes(partial.mask),
             (std::vector<std::uint8_t>{1, 1, 1, 1, 0, 1, 0, 1})); // tie: lower position
    QCOMPARE(partial.stats.achievedSparsity, 0.25);
}

void TestMaskEngine::nonFiniteWeightsAreCountedNotSummed()
{
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    const WeightTensor weights({1, 4}, std::vector<float>{nan, 2, inf, 1});
    SparsityParams params = makeParams(0.5, 1, 1);
    const MaskResult result = computeMask(weights, params, {});
    // Smallest two: 1 then 2; inf and NaN sort last.
    QCOMPARE(bytes(result.mask), (std::vector<std::uint8_t>{1, 0, 1, 0}));
    QCOMPARE(result.stats.nonFiniteWeights, 2);
    QCOMPARE(result.stats.retainedEnergy, 0.0);

    const WeightTensor zeros({2, 2}, std::vector<float>{0, 0, 0, 0});
    QCOMPARE(computeMask(zeros, params, {}).stats.retainedEnergy, 1.0);

    // Finite float64 weights whose squares overflow a double still give exact ratios. The
    // norms of +-1e300 are inf (PyTorch's too) and tie: level 0.75 prunes 1e-300, 2 and the
    // first 1e300, keeping half the energy and half the L1.
    const WeightTensor huge({1, 4}, std::vector<double>{1e300, -1e300, 1e-300, 2.0});
    params.level = 0.75;
    const MaskResult hugeResult = computeMask(huge, params, {});
    QCOMPARE(bytes(hugeResult.mask), (std::vector<std::uint8_t>{0, 1, 0, 0}));
    QCOMPARE(hugeResult.stats.nonFiniteWeights, 0);
    QCOMPARE(hugeResult.stats.retainedEnergy, 0.5);
    QCOMPARE(hugeResult.stats.retainedL1, 0.5);
}

void TestMaskEngine::cancelledComputationThrows()
{
    const WeightTensor weights = randomWeights({256, 256}, Precision::Float32, 1, false);
    std::atomic<bool> cancel{true};
    ExecutionContext context;
    context.cancelled = &cancel;
    SparsityParams params;
    try {
        computeMask(weights, params, context);
        QFAIL("expected a cancellation");
    } catch (const Error& e) {
        QCOMPARE(e.code(), ErrorCode::Cancelled);
    }
}

// What the GUI does: one cached sparsifier through level, zeros, block and norm changes, with
// cancelled computations in between. Every result must equal a fresh reference, and a
// cancelled pass must not leave half-computed norms or zero patterns behind.
void TestMaskEngine::parameterSequenceEqualsReference()
{
    const WeightTensor weights = randomWeights({61, 94}, Precision::Float32, 11, true);
    Sparsifier sparsifier(weights);
    std::mt19937 rng(17);
    const std::vector<BlockShape> shapes{{1, 1}, {1, 4}, {2, 2}, {4, 1}, {3, 5}, {2, 4}};
    std::atomic<bool> cancel{true};
    ExecutionContext cancelled;
    cancelled.cancelled = &cancel;
    SparsityParams params;
    int cancellations = 0;
    for (int step = 0; step < 120; ++step) {
        switch (rng() % 4) {
        case 0:
            params.level = static_cast<double>(rng() % 101) / 100.0;
            break;
        case 1:
            params.zerosPerBlock = static_cast<std::int64_t>(
                rng() % static_cast<unsigned>(params.block.elementCount() + 1));
            break;
        case 2:
            params.block = shapes[rng() % shapes.size()];
            params.zerosPerBlock.reset();
            break;
        default:
            params.norm = params.norm == Norm::L1 ? Norm::L2 : Norm::L1;
        }
        if (step % 5 == 3) {
            // Throws where there is work to stop (not where, say, level 0 needs none).
            try {
                sparsifier.compute(params, cancelled);
            } catch (const Error& e) {
                QCOMPARE(e.code(), ErrorCode::Cancelled);
                ++cancellations;
            }
        }
        const MaskResult result = sparsifier.compute(params, {});
        QVERIFY2(bytes(result.mask) == referenceMask(weights, params).mask,
                 qPrintable(QStringLiteral("step %1").arg(step)));
        const MaskResult oneShot = computeMask(weights, params, {});
        QCOMPARE(result.stats.zeros, oneShot.stats.zeros);
        // Level changes go through the block ranking, which sums in another fixed order:
        // docs/SPEC.md allows 1e-12 relative between the two.
        const double a = result.stats.retainedEnergy, b = oneShot.stats.retainedEnergy;
        QVERIFY2(a == b || std::fabs(a - b) <= 1e-12 * std::max(std::fabs(a), std::fabs(b)),
                 qPrintable(QStringLiteral("step %1: %2 vs %3")
                                .arg(step)
                                .arg(a, 0, 'g', 17)
                                .arg(b, 0, 'g', 17)));
    }
    QVERIFY(cancellations > 5);
}

// Every 1x4 and 2x2 block over {0, -0, 1, 2, inf, NaN}: all orders, ties (-0 ties 0) and NaN
// placements of the in-block selection, for every zeros per block, at level 1 (all pruned).
void TestMaskEngine::zeroPatternsOfEveryTieAndNaNCombination()
{
    const float values[] = {0.0f,
                            -0.0f,
                            1.0f,
                            2.0f,
                            std::numeric_limits<float>::infinity(),
                            std::numeric_limits<float>::quiet_NaN()};
    std::vector<float> row;
    for (float a : values)
        for (float b : values)
            for (float c : values)
                for (float d : values)
                    row.insert(row.end(), {a, b, c, d});
    const auto n = static_cast<std::int64_t>(row.size());
    const WeightTensor wide({1, n}, std::vector<float>(row));
    const WeightTensor square({2, n / 2}, [&] {
        // Each block of the 2x2 grid gets one tuple: a b in the top row, c d below.
        std::vector<float> grid(row.size());
        for (std::int64_t q = 0; q < n / 4; ++q) {
            grid[2 * q] = row[4 * q];
            grid[2 * q + 1] = row[4 * q + 1];
            grid[n / 2 + 2 * q] = row[4 * q + 2];
            grid[n / 2 + 2 * q + 1] = row[4 * q + 3];
        }
        return grid;
    }());
    for (const auto& [weights, block] :
         {std::pair{&wide, BlockShape{1, 4}}, std::pair{&square, BlockShape{2, 2}}})
        for (Norm norm : {Norm::L1, Norm::L2})
            for (std::int64_t zeros : {1, 2, 3}) {
                const SparsityParams params = makeParams(1.0, block.rows, block.cols, zeros, norm);
                const auto expected = referenceMask(*weights, params).mask;
                QVERIFY(bytes(computeMask(*weights, params, {}).mask) == expected);
                QVERIFY(bytes(Sparsifier(*weights).compute(params, {}).mask) == expected);
            }
}

void TestMaskEngine::selectionSurvivesAMisleadingSample_data()
{
    QTest::addColumn<double>("sampledValue");
    QTest::addColumn<qint64>("blockCols");
    QTest::newRow("1x1, sample above the rest") << 100.0 << qint64(1);
    QTest::newRow("1x1, sample below the rest") << 1e-6 << qint64(1);
    // One-shot masks of larger blocks sample norms computed from the weights.
    QTest::newRow("1x4, sample above the rest") << 100.0 << qint64(4);
    QTest::newRow("1x4, sample below the rest") << 1e-6 << qint64(4);
}

// The selection samples every (n / 65536)-th block norm to guess the threshold. Put extreme
// values in exactly those blocks so the guess is wrong; the result must still be exact.
void TestMaskEngine::selectionSurvivesAMisleadingSample()
{
    QFETCH(double, sampledValue);
    QFETCH(qint64, blockCols);
    const std::int64_t rows = 1024, cols = 1024, n = rows * cols;
    const std::int64_t blocks = n / blockCols, size = 65536;
    std::vector<float> values(static_cast<std::size_t>(n));
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> uniform(0.01f, 1.0f);
    for (auto& v : values)
        v = uniform(rng);
    for (std::int64_t i = 0; i < size; ++i) {
        const auto block = static_cast<std::int64_t>(static_cast<double>(i) * blocks / size);
        for (std::int64_t c = 0; c < blockCols; ++c)
            values[static_cast<std::size_t>(block * blockCols + c)] =
                static_cast<float>(sampledValue);
    }
    const WeightTensor weights({rows, cols}, std::move(values));
    for (double level : {0.1, 0.5, 0.9}) {
        SparsityParams params;
        params.level = level;
        params.block = {1, blockCols};
        const auto expected = referenceMask(weights, params).mask;
        QVERIFY(bytes(computeMask(weights, params, {}).mask) == expected);
        QVERIFY(bytes(Sparsifier(weights).compute(params, {}).mask) == expected);
    }
}

void TestMaskEngine::degenerateValuesStillSelectExactlyK()
{
    for (float value : {0.0f, -0.0f, 1.5f, std::numeric_limits<float>::quiet_NaN(),
                        std::numeric_limits<float>::infinity()}) {
        const WeightTensor weights({129, 257}, std::vector<float>(129 * 257, value));
        SparsityParams params;
        params.level = 0.3;
        params.block = {1, 1};
        const MaskResult result = computeMask(weights, params, {});
        // All keys tie: exactly the k lowest indices are pruned.
        const std::int64_t k = prunedBlockCount(0.3, 129 * 257);
        QCOMPARE(result.stats.zeros, k);
        QVERIFY(std::all_of(result.mask.begin(), result.mask.begin() + k,
                            [](auto m) { return m == 0; }));
        QVERIFY(
            std::all_of(result.mask.begin() + k, result.mask.end(), [](auto m) { return m == 1; }));
    }
}

// The fast sums (float per 4096-element slice, double across slices) stay within 1e-6 of a
// plain double computation, with and without non-finite weights.
void TestMaskEngine::retentionMatchesADoubleReference()
{
    for (bool hostile : {false, true}) {
        const WeightTensor weights = randomWeights({301, 517}, Precision::Float32, 11, hostile);
        SparsityParams params;
        params.level = 0.4;
        params.block = {2, 4};
        params.zerosPerBlock = 3;
        const MaskResult result = computeMask(weights, params, {});
        double energy = 0, kept = 0, l1 = 0, keptL1 = 0;
        std::int64_t nonFinite = 0;
        const auto w = weights.values<float>();
        for (std::size_t i = 0; i < w.size(); ++i) {
            const double x = w[i];
            if (!std::isfinite(x)) {
                ++nonFinite;
                continue;
            }
            energy += x * x;
            l1 += std::fabs(x);
            kept += result.mask[i] ? x * x : 0;
            keptL1 += result.mask[i] ? std::fabs(x) : 0;
        }
        QCOMPARE(result.stats.nonFiniteWeights, nonFinite);
        QVERIFY(std::fabs(result.stats.retainedEnergy - kept / energy) < 1e-6);
        QVERIFY(std::fabs(result.stats.retainedL1 - keptL1 / l1) < 1e-6);
        QVERIFY(result.stats.retainedEnergy > 0.1 && result.stats.retainedEnergy < 1.0);
    }
}

QTEST_GUILESS_MAIN(TestMaskEngine)
#include "tst_maskengine.moc"
