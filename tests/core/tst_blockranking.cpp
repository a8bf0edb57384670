// The block ranking (core/ranking) against the mask path it must equal: thresholds and masks bit
// for bit, integers equal and ratios within 1e-12 relative (docs/SPEC.md "Configurations and
// sweeps"), on hostile weights, every golden case, random level changes and any thread count;
// and its radix sort against std::stable_sort.
#include "common/paramsbuilder.h"
#include "error.h"
#include "io/tensorfile.h"
#include "mask/orderkey.h"
#include "mask/sparsifier.h"
#include "ranking/blockranking.h"
#include "ranking/bucketednorms.h"
#include "ranking/modelscope.h"
#include "ranking/radixsort.h"
#include "ranking/sweep.h"
#include "referencemask.h"

#include <QTest>
#include <QThreadPool>
#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <random>

using namespace sparsity::core;
using sparsity::test::makeParams;
using sparsity::test::randomWeights;

Q_DECLARE_METATYPE(std::vector<std::int64_t>)
Q_DECLARE_METATYPE(sparsity::core::Precision)

namespace {

// Relative difference, 0 when both are equal (zero and infinity included).
double relativeDifference(double a, double b)
{
    if (a == b)
        return 0.0;
    return std::fabs(a - b) / std::max(std::fabs(a), std::fabs(b));
}

// Empty when the ranking's numbers are the mask path's, else what differs.
QString statsDifference(const MaskStats& ranked, const MaskStats& masked)
{
    QStringList problems;
    const auto integer = [&](const char* name, std::int64_t a, std::int64_t b) {
        if (a != b)
            problems
                << QStringLiteral("%1: ranking %2, mask %3").arg(QLatin1String(name)).arg(a).arg(b);
    };
    integer("elements", ranked.elements, masked.elements);
    integer("blocks", ranked.blocks, masked.blocks);
    integer("pruned blocks", ranked.prunedBlocks, masked.prunedBlocks);
    integer("zeros", ranked.zeros, masked.zeros);
    integer("non-finite weights", ranked.nonFiniteWeights, masked.nonFiniteWeights);
    const auto ratio = [&](const char* name, double a, double b) {
        if (!(relativeDifference(a, b) <= 1e-12))
            problems << QStringLiteral("%1: ranking %2, mask %3")
                            .arg(QLatin1String(name))
                            .arg(a, 0, 'g', 17)
                            .arg(b, 0, 'g', 17);
    };
    ratio("achieved sparsity", ranked.achievedSparsity, masked.achievedSparsity);
    ratio("retained energy", ranked.retainedEnergy, masked.retainedEnergy);
    ratio("retained L1", ranked.retainedL1, masked.retainedL1);
    return problems.join(QStringLiteral("; "));
}

QString thresholdDifference(const BlockThreshold& ranked, const BlockThreshold& selected)
{
    if (ranked.prunedCount != selected.prunedCount || ranked.blockCount != selected.blockCount)
        return QStringLiteral("pruned %1 of %2, selection %3 of %4")
            .arg(ranked.prunedCount)
            .arg(ranked.blockCount)
            .arg(selected.prunedCount)
            .arg(selected.blockCount);
    if (ranked.prunesAll() || ranked.prunesNone())
        return {};
    if (ranked.key != selected.key || ranked.index != selected.index)
        return QStringLiteral("threshold (key %1, block %2), selection (key %3, block %4)")
            .arg(ranked.key)
            .arg(ranked.index)
            .arg(selected.key)
            .arg(selected.index);
    return {};
}

std::vector<double> levelsToTry(unsigned seed)
{
    std::vector<double> levels{0.0, 1e-9, 0.001, 0.25, 0.5, 0.5 + 1e-12, 0.77, 0.999, 1.0};
    std::mt19937 random(seed);
    std::uniform_real_distribution<double> any(0.0, 1.0);
    for (int i = 0; i < 12; ++i)
        levels.push_back(any(random));
    return levels;
}

} // namespace

class TestBlockRanking final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void radixSortEqualsStableSort_data();
    void radixSortEqualsStableSort();
    void equalsMaskPath_data();
    void equalsMaskPath();
    void goldenCasesEqualMaskPath();
    void sweepingConfigurationsTogetherChangesNoNumber();
    void elementSweepsOfExtremeWeightsEqualMaskPath_data();
    void elementSweepsOfExtremeWeightsEqualMaskPath();
    void sweepsOfMoreThan65535ThresholdsEqualTheRanking();
    void sweepsOfTiedAndSpreadWeightsEqualMaskPath_data();
    void sweepsOfTiedAndSpreadWeightsEqualMaskPath();
    void sparsifierLevelChangesEqualComputeMask();
    void sameNumbersForAnyThreadCount();
    void estimatedStatsHaveExactIntegers();
    void anotherZerosPerBlockKeepsTheOrder();
    void hugeFloat64WeightsKeepTheirRatios();
    void doubleKeysMergeFloatAndDoubleRankings();
    void bucketedNormsAnswerAsTheRankingDoes_data();
    void bucketedNormsAnswerAsTheRankingDoes();
    void thresholdsFromBucketedNormsMaskAsCountsDo_data();
    void thresholdsFromBucketedNormsMaskAsCountsDo();
    void tooManyBlocksForARankingIsRefusedClearly();
};

void TestBlockRanking::radixSortEqualsStableSort_data()
{
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("distinct");
    QTest::addColumn<bool>("wide");
    QTest::addColumn<int>("threads");
    for (int threads : {1, 3})
        for (bool wide : {false, true})
            for (const auto& [count, distinct] : std::vector<std::pair<int, int>>{
                     {0, 1}, {1, 1}, {1000, 7}, {300000, 1}, {300000, 1000}, {300000, 0}}) {
                QTest::addRow("n%d d%d %s t%d", count, distinct, wide ? "u64" : "u32", threads)
                    << count << distinct << wide << threads;
            }
}

void TestBlockRanking::radixSortEqualsStableSort()
{
    QFETCH(int, count);
    QFETCH(int, distinct); // 0: any value
    QFETCH(bool, wide);
    QFETCH(int, threads);
    QThreadPool pool;
    pool.setMaxThreadCount(threads);
    const ExecutionContext context{&pool, threads};
    std::mt19937_64 random(static_cast<unsigned>(count + distinct));
    const auto check = [&](auto zero) {
        using Key = decltype(zero);
        std::vector<Key> keys(static_cast<std::size_t>(count));
        for (Key& key : keys) {
            const std::uint64_t r = random();
            key = distinct > 0 ? static_cast<Key>((r % static_cast<std::uint64_t>(distinct)) << 20)
                               : static_cast<Key>(r >> 1);
        }
        std::vector<std::uint32_t> expected(keys.size());
        std::iota(expected.begin(), expected.end(), 0u);
        std::stable_sort(expected.begin(), expected.end(),
                         [&](std::uint32_t a, std::uint32_t b) { return keys[a] < keys[b]; });
        LargeVector<Key> sorted(keys.begin(), keys.end());
        LargeVector<std::uint32_t> positions;
        detail::radixSortWithPositions(sorted, positions, context);
        QVERIFY(std::equal(positions.begin(), positions.end(), expected.begin(), expected.end()));
        for (std::size_t i = 0; i < sorted.size(); ++i)
            QCOMPARE(sorted[i], keys[expected[i]]);
    };
    if (wide)
        check(std::uint64_t{0});
    else
        check(std::uint32_t{0});
}

void TestBlockRanking::equalsMaskPath_data()
{
    QTest::addColumn<std::vector<std::int64_t>>("shape");
    QTest::addColumn<Precision>("precision");
    QTest::addColumn<bool>("hostile");
    QTest::addColumn<qint64>("blockRows");
    QTest::addColumn<qint64>("blockCols");
    QTest::addColumn<qint64>("zeros"); // -1 = whole block
    QTest::addColumn<int>("norm");
    const std::vector<std::vector<std::int64_t>> shapes{
        {1, 1}, {7, 1}, {1, 37}, {33, 70}, {64, 3, 3, 3}, {5, 4, 3}, {130, 257}};
    const std::vector<std::pair<std::int64_t, std::int64_t>> blocks{{1, 1}, {1, 4}, {4, 1}, {2, 2},
                                                                    {8, 8}, {3, 5}, {1, 9}};
    int row = 0;
    for (const auto& shape : shapes)
        for (const auto& [bh, bw] : blocks)
            for (std::int64_t zeros :
                 {std::int64_t{-1}, std::int64_t{0}, std::int64_t{1}, (bh * bw) / 2}) {
                const bool hostile = row % 3 == 0;
                const auto precision = row % 4 == 1 ? Precision::Float64 : Precision::Float32;
                QTest::addRow("%d", row) << shape << precision << hostile << qint64(bh)
                                         << qint64(bw) << qint64(zeros) << (row % 2 == 0 ? 2 : 1);
                ++row;
            }
}

void TestBlockRanking::equalsMaskPath()
{
    QFETCH(std::vector<std::int64_t>, shape);
    QFETCH(Precision, precision);
    QFETCH(bool, hostile);
    QFETCH(qint64, blockRows);
    QFETCH(qint64, blockCols);
    QFETCH(qint64, zeros);
    QFETCH(int, norm);
    const WeightTensor weights = randomWeights(shape, precision, 7, hostile);
    const auto zerosPerBlock = zeros < 0 ? std::nullopt : std::optional<std::int64_t>(zeros);
    const Norm n = norm == 1 ? Norm::L1 : Norm::L2;
    const ExecutionContext context;
    const Configuration configuration{{blockRows, blockCols}, zerosPerBlock, n};
    const BlockRanking ranking = BlockRanking::build(weights, configuration, context);
    const std::vector<double> levels =
        levelsToTry(static_cast<unsigned>(blockRows * 31 + blockCols));
    const std::vector<MaskStats> swept = sweepTensor(weights, configuration, levels, context);
    QCOMPARE(swept.size(), levels.size());
    for (std::size_t i = 0; i < levels.size(); ++i) {
        const double level = levels[i];
        const SparsityParams params = makeParams(level, blockRows, blockCols, zerosPerBlock, n);
        const MaskResult masked = computeMask(weights, params, context);
        const std::int64_t k = ranking.prunedCountAt(level);
        const QString label = QStringLiteral("level %1 k %2: ").arg(level, 0, 'g', 17).arg(k);
        const QString stats = statsDifference(ranking.statsFor(k, weights), masked.stats);
        QVERIFY2(stats.isEmpty(), qPrintable(label + stats));
        const QString sweep = statsDifference(swept[i], masked.stats);
        QVERIFY2(sweep.isEmpty(), qPrintable(label + QStringLiteral("sweep: ") + sweep));
        if (zerosPerBlock.value_or(1) > 0) {
            const QString threshold =
                thresholdDifference(ranking.thresholdFor(k), masked.threshold);
            QVERIFY2(threshold.isEmpty(), qPrintable(label + threshold));
        }
    }
}

// A sweep finds each threshold by bucket, then sub-bucket, then key and block: weights with
// only a few distinct values put many thresholds among equal keys of one sub-bucket, and
// weights spread over many octaves put them in many buckets; 101 levels each.
void TestBlockRanking::sweepsOfTiedAndSpreadWeightsEqualMaskPath_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<Precision>("precision");
    QTest::addColumn<qint64>("blockRows");
    QTest::addColumn<qint64>("blockCols");
    QTest::addColumn<qint64>("zeros");
    for (const char* kind : {"tied", "spread", "near"})
        for (const Precision precision : {Precision::Float32, Precision::Float64})
            for (const auto& [bh, bw, z] :
                 std::vector<std::array<qint64, 3>>{{1, 1, 1}, {1, 4, 2}, {4, 1, 4}, {2, 3, 6}})
                QTest::addRow("%s %s %lldx%lld/%lld", kind,
                              precision == Precision::Float32 ? "float32" : "float64", bh, bw, z)
                    << QString::fromLatin1(kind) << precision << bh << bw << z;
}

void TestBlockRanking::sweepsOfTiedAndSpreadWeightsEqualMaskPath()
{
    QFETCH(QString, kind);
    QFETCH(Precision, precision);
    QFETCH(qint64, blockRows);
    QFETCH(qint64, blockCols);
    QFETCH(qint64, zeros);
    const std::vector<std::int64_t> shape{97, 203};
    std::mt19937_64 random(11);
    std::vector<double> values(static_cast<std::size_t>(shape[0] * shape[1]));
    for (double& v : values) {
        if (kind == QLatin1String("tied")) // 7 magnitudes: thousands of equal keys each
            v = static_cast<double>(static_cast<int>(random() % 15) - 7) / 8.0;
        else if (kind == QLatin1String("spread")) // 2^-60 to 2^60
            v = std::ldexp(1.0 + static_cast<double>(random() % 1000) / 1000.0,
                           static_cast<int>(random() % 121) - 60);
        else // within one sub-bucket of floats: 1 + a few ulps of float
            v = 1.0 + static_cast<double>(random() % 64) * 0x1p-23;
    }
    const WeightTensor weights =
        precision == Precision::Float64
            ? WeightTensor(shape, values)
            : WeightTensor(shape, std::vector<float>(values.begin(), values.end()));
    const Configuration configuration{{blockRows, blockCols}, zeros, Norm::L2};
    const std::vector<double> levels = defaultSweepLevels();
    const ExecutionContext context;
    const std::vector<MaskStats> swept = sweepTensor(weights, configuration, levels, context);
    QCOMPARE(swept.size(), levels.size());
    for (std::size_t i = 0; i < levels.size(); ++i) {
        const MaskResult masked = computeMask(
            weights, makeParams(levels[i], blockRows, blockCols, zeros, Norm::L2), context);
        const QString difference = statsDifference(swept[i], masked.stats);
        QVERIFY2(difference.isEmpty(),
                 qPrintable(QStringLiteral("level %1: ").arg(levels[i]) + difference));
    }
}

// 1x1 float32 sweeps sum |w| and w^2 as integers by bucket (ranking/elementsweep), which holds
// only while a bucket's weights share an exponent; weights whose squares leave the normal floats
// go the general way. Both ways, every number must be the mask path's.
void TestBlockRanking::elementSweepsOfExtremeWeightsEqualMaskPath_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<int>("norm");
    for (const char* kind : {"every exponent", "squares underflow", "squares overflow",
                             "half zeros", "non-finite", "odd and even exponents", "subnormals"})
        for (const Norm norm : {Norm::L1, Norm::L2})
            QTest::addRow("%s %s", kind, norm == Norm::L1 ? "L1" : "L2")
                << QString::fromLatin1(kind) << static_cast<int>(norm);
}

// Under ThreadSanitizer the mask path is compared at every tenth level only: computeMask runs
// on one thread here, where the tool can find nothing, and its 101 calls per row were half of
// the tsan stage's test time (tests/README.md, "Build cost"). The Release and ASan trees
// compare every level; the sweep on three threads is compared with the one on one thread at
// every level in all trees.
#if defined(__SANITIZE_THREAD__)
constexpr std::size_t maskPathLevelStride = 10;
#else
constexpr std::size_t maskPathLevelStride = 1;
#endif

void TestBlockRanking::elementSweepsOfExtremeWeightsEqualMaskPath()
{
    QFETCH(QString, kind);
    QFETCH(int, norm);
    const std::vector<std::int64_t> shape{301, 257};
    std::mt19937_64 random(23);
    const auto mantissa = [&] { return 1.0f + static_cast<float>(random() % 8388608) * 0x1p-23f; };
    std::vector<float> values(static_cast<std::size_t>(shape[0] * shape[1]));
    for (float& v : values) {
        const float sign = random() % 2 ? -1.0f : 1.0f;
        if (kind == QLatin1String("every exponent")) // subnormals to the largest floats
            v = sign * std::ldexp(mantissa(), static_cast<int>(random() % 277) - 149);
        else if (kind == QLatin1String("squares underflow")) // some below 2^-63
            v = sign * std::ldexp(mantissa(), static_cast<int>(random() % 40) - 80);
        else if (kind == QLatin1String("squares overflow")) // some at 2^64 and above
            v = sign * std::ldexp(mantissa(), static_cast<int>(random() % 40) + 40);
        else if (kind == QLatin1String("half zeros")) // an already pruned layer
            v = random() % 2 ? 0.0f
                             : sign * std::ldexp(mantissa(), -static_cast<int>(random() % 8));
        else if (kind == QLatin1String("subnormals")) // and the smallest normals
            v = sign * std::ldexp(mantissa(), static_cast<int>(random() % 30) - 149);
        else if (kind == QLatin1String("non-finite"))
            v = random() % 50 == 0   ? std::numeric_limits<float>::quiet_NaN()
                : random() % 50 == 0 ? sign * std::numeric_limits<float>::infinity()
                                     : sign * mantissa();
        else // squares just below and above powers of two: both exponents of w in a bucket
            v = sign * std::ldexp(random() % 2
                                      ? 1.0f + static_cast<float>(random() % 64) * 0x1p-23f
                                      : 2.0f - static_cast<float>(random() % 64) * 0x1p-23f,
                                  static_cast<int>(random() % 9) - 4);
    }
    const WeightTensor weights(shape, values);
    const auto normOf = static_cast<Norm>(norm);
    const Configuration configuration{{1, 1}, std::nullopt, normOf};
    const std::vector<double> levels = defaultSweepLevels();
    QThreadPool pool;
    pool.setMaxThreadCount(3);
    const std::vector<MaskStats> swept = sweepTensor(weights, configuration, levels, {});
    const std::vector<MaskStats> sweptOnThree =
        sweepTensor(weights, configuration, levels, {&pool, 3});
    for (std::size_t i = 0; i < levels.size(); ++i) {
        if (i % maskPathLevelStride == 0 || i + 1 == levels.size()) {
            const MaskResult masked =
                computeMask(weights, makeParams(levels[i], 1, 1, 1, normOf), ExecutionContext{});
            const QString difference = statsDifference(swept[i], masked.stats);
            QVERIFY2(difference.isEmpty(),
                     qPrintable(QStringLiteral("level %1: ").arg(levels[i]) + difference));
        }
        QCOMPARE(sweptOnThree[i].keptSums.energy, swept[i].keptSums.energy);
        QCOMPARE(sweptOnThree[i].keptSums.l1, swept[i].keptSums.l1);
        QCOMPARE(sweptOnThree[i].allSums.energy, swept[i].allSums.energy);
    }
}

// sweepConfigurations shares norms and threshold searches between configurations of one block
// shape and norm; each curve must still be exactly the one sweepTensor gives alone.
void TestBlockRanking::sweepingConfigurationsTogetherChangesNoNumber()
{
    const std::vector<Configuration> configurations{{{1, 4}, 2, Norm::L2},
                                                    {{1, 1}, std::nullopt, Norm::L2},
                                                    {{1, 4}, std::nullopt, Norm::L2},
                                                    {{1, 4}, 3, Norm::L1},
                                                    {{1, 4}, 0, Norm::L2},
                                                    {{4, 4}, 8, Norm::L2},
                                                    {{1, 4}, 2, Norm::L2}};
    for (const Precision precision : {Precision::Float32, Precision::Float64}) {
        const WeightTensor weights = randomWeights({150, 333}, precision, 5, true);
        const std::vector<double> levels = defaultSweepLevels();
        const auto together = sweepConfigurations(weights, configurations, levels, {});
        QCOMPARE(together.size(), configurations.size());
        for (std::size_t c = 0; c < configurations.size(); ++c) {
            const auto alone = sweepTensor(weights, configurations[c], levels, {});
            QCOMPARE(together[c].size(), alone.size());
            for (std::size_t l = 0; l < alone.size(); ++l) {
                const MaskStats& a = together[c][l];
                const MaskStats& b = alone[l];
                QCOMPARE(a.prunedBlocks, b.prunedBlocks);
                QCOMPARE(a.zeros, b.zeros);
                QCOMPARE(a.achievedSparsity, b.achievedSparsity);
                QVERIFY(a.retainedEnergy == b.retainedEnergy ||
                        (std::isnan(a.retainedEnergy) && std::isnan(b.retainedEnergy)));
                QVERIFY(a.retainedL1 == b.retainedL1 ||
                        (std::isnan(a.retainedL1) && std::isnan(b.retainedL1)));
            }
        }
        // The 2:4 curves (first and last) are the same configuration: the same numbers.
        QCOMPARE(together.front().back().zeros, together.back().back().zeros);
    }
}

// A sweep notes each block's segment in 16 bits; with more thresholds than that it finds the
// segments again while summing. Both must give the ranking's numbers.
void TestBlockRanking::sweepsOfMoreThan65535ThresholdsEqualTheRanking()
{
    std::vector<double> levels;
    for (int i = 0; i <= 100000; ++i)
        levels.push_back(i / 100000.0);
    QThreadPool pool;
    pool.setMaxThreadCount(2);
    const ExecutionContext context{&pool, 2};
    // float32 1x1 blocks take the element sweep; float64 the threshold search.
    for (const Precision precision : {Precision::Float32, Precision::Float64}) {
        const WeightTensor weights = randomWeights({300, 300}, precision, 23, true);
        const Configuration configuration{{1, 1}, std::nullopt, Norm::L2};
        const std::vector<MaskStats> swept = sweepTensor(weights, configuration, levels, context);
        const BlockRanking ranking = BlockRanking::build(weights, configuration, context);
        QVERIFY(ranking.blockCount() > 65535);
        std::vector<std::size_t> checked;
        for (std::size_t i = 0; i < levels.size(); i += 997)
            checked.push_back(i);
        for (std::size_t i = levels.size() - 4; i < levels.size(); ++i)
            checked.push_back(i); // the last thresholds, with the blocks after them
        for (std::size_t i : checked) {
            const QString difference =
                statsDifference(swept[i], ranking.statsAt(levels[i], weights));
            QVERIFY2(difference.isEmpty(),
                     qPrintable(QStringLiteral("level %1: ").arg(levels[i]) + difference));
        }
    }
}

void TestBlockRanking::goldenCasesEqualMaskPath()
{
    const auto reader = openTensorFile(QStringLiteral(SPARSITY_TEST_DATA_DIR "/goldens.h5"));
    const ExecutionContext context;
    int cases = 0;
    for (const DatasetInfo& info : reader->listTree()) {
        if (info.kind != NodeKind::Group || info.path.count(QLatin1Char('/')) != 1)
            continue;
        const QString source = info.path;
        const WeightTensor weights =
            reader->readTensor(source + QStringLiteral("/weights"), context);
        const WeightTensor levels = reader->readTensor(source + QStringLiteral("/level"), context);
        const WeightTensor blocks = reader->readTensor(source + QStringLiteral("/block"), context);
        const WeightTensor zeros =
            reader->readTensor(source + QStringLiteral("/zeros_per_block"), context);
        const WeightTensor norms = reader->readTensor(source + QStringLiteral("/norm"), context);
        // The i-th value of a tensor in row-major order, whatever its shape.
        const auto at = [](const WeightTensor& t, std::int64_t i) {
            return t.valueAt(i / t.cols(), i % t.cols());
        };
        for (std::int64_t i = 0; i < levels.elementCount(); ++i) {
            const SparsityParams params = makeParams(
                at(levels, i), static_cast<std::int64_t>(at(blocks, 2 * i)),
                static_cast<std::int64_t>(at(blocks, 2 * i + 1)),
                static_cast<std::int64_t>(at(zeros, i)), at(norms, i) == 1 ? Norm::L1 : Norm::L2);
            const BlockRanking ranking =
                BlockRanking::build(weights, Configuration::of(params), context);
            const MaskResult masked = computeMask(weights, params, context);
            const std::int64_t k = ranking.prunedCountAt(params.level);
            const QString label = QStringLiteral("%1 case %2: ").arg(source).arg(i);
            const QString stats = statsDifference(ranking.statsFor(k, weights), masked.stats);
            QVERIFY2(stats.isEmpty(), qPrintable(label + stats));
            const std::vector<double> level{params.level};
            const QString sweep = statsDifference(
                sweepTensor(weights, Configuration::of(params), level, context).front(),
                masked.stats);
            QVERIFY2(sweep.isEmpty(), qPrintable(label + QStringLiteral("sweep: ") + sweep));
            if (params.effectiveZerosPerBlock() > 0) {
                const QString threshold =
                    thresholdDifference(ranking.thresholdFor(k), masked.threshold);
                QVERIFY2(threshold.isEmpty(), qPrintable(label + threshold));
            }
            ++cases;
        }
    }
    QVERIFY2(cases >= 50, "the golden file lost its cases");
}

void TestBlockRanking::sparsifierLevelChangesEqualComputeMask()
{
    // A cached sparsifier switches to its ranking on the second level change; every mask and
    // every statistic after that must still be computeMask's.
    std::mt19937 random(5);
    std::uniform_real_distribution<double> anyLevel(0.0, 1.0);
    for (const auto& [bh, bw, zeros] :
         std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t>>{
             {1, 4, 2}, {1, 4, 4}, {1, 1, 1}, {4, 4, 5}, {3, 5, 15}, {8, 8, 20}}) {
        for (Precision precision : {Precision::Float32, Precision::Float64}) {
            const WeightTensor weights = randomWeights({67, 130}, precision, 3, true);
            Sparsifier sparsifier(weights);
            MaskResult result;
            for (int step = 0; step < 25; ++step) {
                const double level = step % 7 == 6 ? 1.0 : step % 5 == 4 ? 0.0 : anyLevel(random);
                const SparsityParams params = makeParams(level, bh, bw, zeros);
                sparsifier.compute(params, {}, result);
                const MaskResult expected = computeMask(weights, params, {});
                const QString label = QStringLiteral("%1x%2/%3 step %4 level %5: ")
                                          .arg(bh)
                                          .arg(bw)
                                          .arg(zeros)
                                          .arg(step)
                                          .arg(level, 0, 'g', 17);
                QVERIFY2(std::equal(result.mask.begin(), result.mask.end(), expected.mask.begin(),
                                    expected.mask.end()),
                         qPrintable(label + QStringLiteral("masks differ")));
                const QString stats = statsDifference(result.stats, expected.stats);
                QVERIFY2(stats.isEmpty(), qPrintable(label + stats));
            }
        }
    }
}

void TestBlockRanking::sameNumbersForAnyThreadCount()
{
    const WeightTensor weights = randomWeights({700, 600}, Precision::Float32, 9, true);
    const Configuration configuration{{2, 4}, 3, Norm::L2};
    const BlockRanking single = BlockRanking::build(weights, configuration, {});
    const std::vector<double> levels = defaultSweepLevels();
    const std::vector<MaskStats> sweptAlone = sweepTensor(weights, configuration, levels, {});
    for (int threads : {2, 3, 8}) {
        QThreadPool pool;
        pool.setMaxThreadCount(threads);
        const BlockRanking multi = BlockRanking::build(weights, configuration, {&pool, threads});
        const std::vector<MaskStats> swept =
            sweepTensor(weights, configuration, levels, {&pool, threads});
        for (std::size_t i = 0; i < levels.size(); ++i) {
            QCOMPARE(swept[i].zeros, sweptAlone[i].zeros);
            QCOMPARE(swept[i].retainedEnergy, sweptAlone[i].retainedEnergy);
            QCOMPARE(swept[i].retainedL1, sweptAlone[i].retainedL1);
        }
        for (std::int64_t k = 0; k <= single.blockCount(); k += 997) {
            const MaskStats a = single.statsFor(k, weights), b = multi.statsFor(k, weights);
            QCOMPARE(b.zeros, a.zeros);
            // Bit for bit, not approximately: the sums are formed in an order fixed by the tensor.
            QCOMPARE(b.retainedEnergy, a.retainedEnergy);
            QCOMPARE(b.retainedL1, a.retainedL1);
            QCOMPARE(b.keptSums.energy, a.keptSums.energy);
            const BlockThreshold ta = single.thresholdFor(k), tb = multi.thresholdFor(k);
            QCOMPARE(tb.key, ta.key);
            QCOMPARE(tb.index, ta.index);
        }
    }
}

void TestBlockRanking::estimatedStatsHaveExactIntegers()
{
    const WeightTensor weights = randomWeights({257, 131}, Precision::Float32, 4, false);
    for (const Configuration& configuration :
         {Configuration{{1, 4}, 2, Norm::L2}, Configuration{{3, 5}, std::nullopt, Norm::L1}}) {
        const BlockRanking ranking = BlockRanking::build(weights, configuration, {});
        for (std::int64_t k = 0; k <= ranking.blockCount(); k += 37) {
            const MaskStats exact = ranking.statsFor(k, weights);
            const MaskStats estimated = ranking.estimatedStatsFor(k);
            QCOMPARE(estimated.zeros, exact.zeros);
            QCOMPARE(estimated.prunedBlocks, exact.prunedBlocks);
            QCOMPARE(estimated.achievedSparsity, exact.achievedSparsity);
            // Interpolated inside one chunk of ranks: within that chunk's share of the weight.
            QVERIFY2(std::fabs(estimated.retainedEnergy - exact.retainedEnergy) < 0.05,
                     qPrintable(QStringLiteral("k %1: %2 vs %3")
                                    .arg(k)
                                    .arg(estimated.retainedEnergy)
                                    .arg(exact.retainedEnergy)));
            if (k % ranking.chunkSize() == 0)
                QVERIFY(relativeDifference(estimated.retainedEnergy, exact.retainedEnergy) <=
                        1e-15);
        }
    }
}

void TestBlockRanking::anotherZerosPerBlockKeepsTheOrder()
{
    // Re-summing a ranking for another zeros per block gives a fresh ranking's numbers, bit for
    // bit, and shares its order.
    const WeightTensor weights = randomWeights({90, 97}, Precision::Float32, 12, true);
    const BlockRanking whole =
        BlockRanking::build(weights, Configuration{{2, 3}, std::nullopt, Norm::L1}, {});
    for (std::int64_t zeros : {0, 1, 4, 6}) {
        const BlockRanking resummed = whole.withZerosPerBlock(weights, zeros, {});
        const BlockRanking fresh =
            BlockRanking::build(weights, Configuration{{2, 3}, zeros, Norm::L1}, {});
        QCOMPARE(resummed.zerosPerBlock(), zeros);
        for (std::int64_t k = 0; k <= fresh.blockCount(); k += 101) {
            const MaskStats a = resummed.statsFor(k, weights), b = fresh.statsFor(k, weights);
            QCOMPARE(a.zeros, b.zeros);
            QCOMPARE(a.retainedEnergy, b.retainedEnergy);
            QCOMPARE(a.retainedL1, b.retainedL1);
            QCOMPARE(resummed.blockAtRank(k % fresh.blockCount()),
                     fresh.blockAtRank(k % fresh.blockCount()));
        }
    }
    QVERIFY_THROWS_EXCEPTION(Error, whole.withZerosPerBlock(weights, 7, {}));
}

void TestBlockRanking::hugeFloat64WeightsKeepTheirRatios()
{
    // Squares of 1e200 overflow a double: the ranking scales, the mask path sums exactly.
    std::vector<double> values(40 * 40);
    std::mt19937 random(2);
    std::normal_distribution<double> normal(0.0, 1.0);
    for (double& v : values)
        v = normal(random) * 1e200;
    values[17] = 1e300;
    const WeightTensor weights({40, 40}, values);
    for (double level : {0.1, 0.5, 0.9}) {
        const SparsityParams params = makeParams(level, 2, 2, 3);
        const BlockRanking ranking = BlockRanking::build(weights, Configuration::of(params), {});
        const MaskStats ranked = ranking.statsAt(level, weights);
        QVERIFY(std::isfinite(ranked.retainedEnergy) && ranked.retainedEnergy > 0.0);
        const QString stats = statsDifference(ranked, computeMask(weights, params, {}).stats);
        QVERIFY2(stats.isEmpty(), qPrintable(stats));
    }
}

void TestBlockRanking::doubleKeysMergeFloatAndDoubleRankings()
{
    // The same values held as float and as double give the same double keys at every rank,
    // and countBelow finds the boundaries of a run of equal norms.
    const std::vector<float> f{0.5f,
                               -0.0f,
                               3.0f,
                               0.5f,
                               std::numeric_limits<float>::quiet_NaN(),
                               std::numeric_limits<float>::infinity(),
                               0.0f,
                               2.0f};
    const std::vector<double> d(f.begin(), f.end());
    const Configuration configuration{{1, 1}, std::nullopt, Norm::L1};
    const WeightTensor wf({2, 4}, f), wd({2, 4}, d);
    const BlockRanking rf = BlockRanking::build(wf, configuration, {});
    const BlockRanking rd = BlockRanking::build(wd, configuration, {});
    for (std::int64_t r = 0; r < 8; ++r) {
        QCOMPARE(rf.doubleKeyAtRank(r), rd.doubleKeyAtRank(r));
        QCOMPARE(rf.blockAtRank(r), rd.blockAtRank(r));
    }
    // Order: 0 (block 1, -0), 0 (block 6), 0.5 (0), 0.5 (3), 2 (7), 3 (2), inf (5), NaN (4).
    const std::vector<std::int64_t> order{1, 6, 0, 3, 7, 2, 5, 4};
    for (std::int64_t r = 0; r < 8; ++r)
        QCOMPARE(rf.blockAtRank(r), order[static_cast<std::size_t>(r)]);
    QCOMPARE(rf.countBelow(detail::nonNegativeKey(0.5)), std::int64_t{2});
    QCOMPARE(rf.countBelow(detail::nonNegativeKey(0.5000001)), std::int64_t{4});
    QCOMPARE(rf.countBelow(detail::nonNegativeKey(std::numeric_limits<double>::infinity())),
             std::int64_t{6});
    QCOMPARE(rf.countBelow(~std::uint64_t{0}), std::int64_t{8});
}

// Model scope keeps BucketedNorms between an export's passes: its answers (key at a rank,
// count below a key) must be the full ranking's, for keys at, between and beyond the norms.
void TestBlockRanking::bucketedNormsAnswerAsTheRankingDoes_data()
{
    QTest::addColumn<Precision>("precision");
    QTest::addColumn<bool>("hostile");
    QTest::addColumn<qint64>("blockCols");
    QTest::newRow("float32 1x1 hostile") << Precision::Float32 << true << qint64(1);
    QTest::newRow("float64 1x1 hostile") << Precision::Float64 << true << qint64(1);
    QTest::newRow("float32 1x4") << Precision::Float32 << false << qint64(4);
    QTest::newRow("float64 1x4 hostile") << Precision::Float64 << true << qint64(4);
}

void TestBlockRanking::bucketedNormsAnswerAsTheRankingDoes()
{
    QFETCH(Precision, precision);
    QFETCH(bool, hostile);
    QFETCH(qint64, blockCols);
    const WeightTensor weights = randomWeights({301, 229}, precision, 17, hostile);
    const Configuration configuration{{1, blockCols}, std::nullopt, Norm::L2};
    const BlockRanking ranking = BlockRanking::build(weights, configuration, {});
    QThreadPool pool;
    pool.setMaxThreadCount(3);
    const BucketedNorms bucketed = BucketedNorms::build(weights, configuration, {&pool, 3});
    QCOMPARE(bucketed.blockCount(), ranking.blockCount());
    std::mt19937_64 random(3);
    for (std::int64_t r = 0; r < ranking.blockCount();
         r += 1 + static_cast<std::int64_t>(random() % 97)) {
        const std::uint64_t key = ranking.doubleKeyAtRank(r);
        QCOMPARE(bucketed.doubleKeyAtRank(r), key);
        for (const std::uint64_t probe : {key, key + 1, key - 1, key + 1000000})
            QCOMPARE(bucketed.countBelow(probe), ranking.countBelow(probe));
    }
    QCOMPARE(bucketed.doubleKeyAtRank(ranking.blockCount() - 1),
             ranking.doubleKeyAtRank(ranking.blockCount() - 1));
    for (const std::uint64_t probe :
         {std::uint64_t{0}, ~std::uint64_t{0},
          detail::nonNegativeKey(std::numeric_limits<double>::infinity()),
          detail::nonNegativeKey(std::numeric_limits<double>::quiet_NaN())})
        QCOMPARE(bucketed.countBelow(probe), ranking.countBelow(probe));
    // And model scope counts the same from either.
    const WeightTensor other = randomWeights({77, 64}, precision, 18, hostile);
    const BlockRanking otherRanking = BlockRanking::build(other, configuration, {});
    const BucketedNorms otherBucketed = BucketedNorms::build(other, configuration, {});
    const std::vector<const BlockRanking*> rankings{&ranking, &otherRanking};
    const std::vector<const BucketedNorms*> groups{&bucketed, &otherBucketed};
    for (const double level : {0.1, 0.5, 0.77, 0.999})
        for (const ModelBounds bounds : {ModelBounds{}, ModelBounds{0.2, 0.6}})
            QCOMPARE(modelPrunedCounts(groups, level, bounds),
                     modelPrunedCounts(rankings, level, bounds));
}

void TestBlockRanking::thresholdsFromBucketedNormsMaskAsCountsDo_data()
{
    QTest::addColumn<Precision>("precision");
    QTest::addColumn<bool>("hostile");
    QTest::addColumn<qint64>("blockCols");
    for (const Precision precision : {Precision::Float32, Precision::Float64})
        for (const bool hostile : {false, true})
            for (const qint64 blockCols : {1, 4})
                QTest::addRow("%s%s 1x%lld",
                              precision == Precision::Float32 ? "float32" : "float64",
                              hostile ? " hostile" : "", blockCols)
                    << precision << hostile << blockCols;
}

// Model scope's export takes each dataset's threshold from its bucketed norms where ties allow
// and skips the selection pass: the masks and numbers must be those of the pruned count.
void TestBlockRanking::thresholdsFromBucketedNormsMaskAsCountsDo()
{
    QFETCH(Precision, precision);
    QFETCH(bool, hostile);
    QFETCH(qint64, blockCols);
    const WeightTensor weights = randomWeights({203, 96}, precision, 29, hostile);
    const Configuration configuration{{1, blockCols}, 1, Norm::L2};
    const BucketedNorms bucketed = BucketedNorms::build(weights, configuration, {});
    const SparsityParams params = configuration.atLevel(0.5);
    int known = 0;
    for (std::int64_t k = 0; k <= bucketed.blockCount(); k += 1 + k / 3) {
        const std::optional<BlockThreshold> threshold = bucketed.thresholdAt(k);
        if (!threshold)
            continue;
        ++known;
        MaskResult counted, thresholded;
        Sparsifier(weights, Sparsifier::Caching::OneShot)
            .computeWithPrunedCount(params, k, {}, counted);
        Sparsifier(weights, Sparsifier::Caching::OneShot)
            .computeWithThreshold(params, *threshold, {}, thresholded);
        QVERIFY2(thresholded.mask == counted.mask, qPrintable(QStringLiteral("k %1").arg(k)));
        QVERIFY(statsDifference(thresholded.stats, counted.stats).isEmpty());
        QCOMPARE(thresholded.stats.retainedEnergy, counted.stats.retainedEnergy);
    }
    if (!hostile) // random weights hardly tie; hostile ones tie at every other rank
        QVERIFY(known > 10);
    // Blocks all tied: which of them go first depends on block numbers, which the bucketed
    // norms do not keep, so they give no threshold but all or nothing.
    const WeightTensor tied({8, 8}, std::vector<float>(64, 0.5f));
    const BucketedNorms allTied = BucketedNorms::build(tied, configuration, {});
    QVERIFY(!allTied.thresholdAt(1));
    QVERIFY(!allTied.thresholdAt(allTied.blockCount() - 1));
    QVERIFY(!allTied.thresholdAt(0));
}

void TestBlockRanking::tooManyBlocksForARankingIsRefusedClearly()
{
    // A grid of more than 2^32 blocks (never allocated: the check comes first).
    BlockNorms norms;
    norms.grid = BlockGrid{std::int64_t{1} << 17, std::int64_t{1} << 16, {1, 1}};
    const WeightTensor tiny({1, 1}, std::vector<float>{1.0f});
    try {
        BlockRanking::build(tiny, norms, 1, {});
        QFAIL("expected an error");
    } catch (const Error& error) {
        QCOMPARE(error.code(), ErrorCode::InvalidInput);
        QVERIFY2(error.message().contains(QLatin1String("8589934592 blocks")),
                 qPrintable(error.message()));
    }
}

QTEST_GUILESS_MAIN(TestBlockRanking)
#include "tst_blockranking.moc"
