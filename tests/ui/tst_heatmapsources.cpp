// Each heatmap source on small snapshots with known answers: exact pixel colours at 1:1, when
// zoomed in (nearest) and when zoomed out (max-pooling for values, kept shares for the mask
// views, also on a big striped mask), what the legend says at each zoom, the NaN colour, the mask's
// categories on masks from core, regions past the field, cancellation. (The render time of a
// big layer is measured in bench/bench_heatmap.)
#include "heatmap/masksource.h"
#include "heatmap/valueheatmapsource.h"
#include "mask/blockthreshold.h"
#include "testsnapshots.h"

#include <QTest>
#include <bit>
#include <cmath>
#include <limits>
#include <random>

using namespace sparsity;
using namespace sparsity::ui;
using Category = MaskSource::Category;

Q_DECLARE_METATYPE(sparsity::core::Precision)

namespace {
const std::atomic<bool> notCancelled(false);
const double notANumber = std::numeric_limits<double>::quiet_NaN();
const double infinity = std::numeric_limits<double>::infinity();

core::WeightTensor tensor(std::int64_t rows, std::int64_t cols, const std::vector<double>& v,
                          core::Precision precision)
{
    if (precision == core::Precision::Float64)
        return core::WeightTensor({rows, cols}, v);
    return core::WeightTensor({rows, cols}, std::vector<float>(v.begin(), v.end()));
}

QImage renderAll(const HeatmapSource& source, QSize pixels)
{
    return source.render(QRectF(QPointF(0, 0), QSizeF(source.fieldSize())), pixels, notCancelled);
}

QRgb pixel(const QImage& image, int x, int y)
{
    return image.pixel(x, y);
}

// A 3 x 4 layer with signs, a zero and distinct magnitudes.
std::vector<double> smallValues()
{
    return {0.5, -1.0, 0.0, 2.0, -0.25, 4.0, 1.5, -3.0, 0.125, -0.75, 3.5, 1.0};
}
} // namespace

class TestHeatmapSources final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void weightsAtOneToOne_data();
    void weightsAtOneToOne();
    void weightsZoomedInAreCrispCells();
    void weightsZoomedOutMaxPool_data();
    void weightsZoomedOutMaxPool();
    void weightsLogScale();
    void nonFiniteWeightsHaveTheirColour_data();
    void nonFiniteWeightsHaveTheirColour();
    void regionPastTheFieldIsTransparent();
    void cancelledRenderIsNull();
    void blockNormsOneColourPerBlock_data();
    void blockNormsOneColourPerBlock();
    void blockNormsZoomedOutShowTheLargest();
    void maskCategoriesFromCore_data();
    void maskCategoriesFromCore();
    void maskZoomedOutShowsKeptShare();
    void stripedMaskZoomedOutIsMidScale_data();
    void stripedMaskZoomedOutIsMidScale();
    void stripedMaskExactAtOnePixelPerWeight();
    void presentationFollowsTheZoom();
    void maskLegendFollowsTheParameters();
    void maskOverWeightsDimsPruned();
    void maskOverWeightsBlendsByShare();
    void missingNormsAndMaskRenderTransparent();
    void isolatedNaNSurvivesZoomingOut();
};

void TestHeatmapSources::weightsAtOneToOne_data()
{
    QTest::addColumn<core::Precision>("precision");
    QTest::addColumn<QString>("colormap");
    QTest::newRow("float32 viridis") << core::Precision::Float32 << QStringLiteral("viridis");
    QTest::newRow("float64 magma") << core::Precision::Float64 << QStringLiteral("magma");
}

void TestHeatmapSources::weightsAtOneToOne()
{
    QFETCH(core::Precision, precision);
    QFETCH(QString, colormap);
    const auto v = smallValues();
    const auto snapshot =
        test::makeSnapshot(tensor(3, 4, v, precision), test::makeParams(0.5, 1, 1), false);
    const Colormap map = Colormap::byName(colormap);
    const WeightsSource source(snapshot, map, false);
    QCOMPARE(source.fieldSize(), QSize(4, 3));
    const auto scale = source.scale();
    QVERIFY(scale.has_value());
    QCOMPARE(scale->minimum, 0.0);
    QCOMPARE(scale->maximum, 4.0);
    QCOMPARE(scale->label, QStringLiteral("|w|"));
    const QImage image = renderAll(source, QSize(4, 3));
    QCOMPARE(image.format(), QImage::Format_ARGB32_Premultiplied);
    QCOMPARE(image.size(), QSize(4, 3));
    for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 4; ++c)
            QCOMPARE(pixel(image, c, r), map.color(std::fabs(v[r * 4 + c]) / 4.0));
    QVERIFY(source.legend().isEmpty());
}

void TestHeatmapSources::weightsZoomedInAreCrispCells()
{
    const auto v = smallValues();
    const auto snapshot = test::makeSnapshot(tensor(3, 4, v, core::Precision::Float32),
                                             test::makeParams(0.5, 1, 1), false);
    const WeightsSource source(snapshot, Colormap(), false);
    const QImage image = renderAll(source, QSize(32, 24)); // 8 x 8 pixels per element
    for (int y = 0; y < 24; ++y)
        for (int x = 0; x < 32; ++x)
            QCOMPARE(pixel(image, x, y), Colormap().color(std::fabs(v[(y / 8) * 4 + x / 8]) / 4.0));
    // A fractional region: pixel centres decide.
    const QImage shifted = source.render(QRectF(0.5, 0.25, 2, 2), QSize(4, 4), notCancelled);
    QCOMPARE(pixel(shifted, 0, 0), Colormap().color(0.5 / 4.0)); // (0.75, 0.5) -> (0, 0)
    QCOMPARE(pixel(shifted, 1, 0), Colormap().color(1.0 / 4.0)); // (1.25, 0.5) -> (0, 1)
    QCOMPARE(pixel(shifted, 3, 3), Colormap().color(3.5 / 4.0)); // (2.25, 2.0) -> (2, 2)
}

void TestHeatmapSources::weightsZoomedOutMaxPool_data()
{
    QTest::addColumn<core::Precision>("precision");
    QTest::addColumn<int>("spikeRow");
    QTest::addColumn<int>("spikeCol");
    QTest::newRow("float32, inside") << core::Precision::Float32 << 5 << 2;
    QTest::newRow("float64, corner") << core::Precision::Float64 << 7 << 7;
    QTest::newRow("float32, origin") << core::Precision::Float32 << 0 << 0;
}

void TestHeatmapSources::weightsZoomedOutMaxPool()
{
    QFETCH(core::Precision, precision);
    QFETCH(int, spikeRow);
    QFETCH(int, spikeCol);
    // Small weights everywhere and one isolated large one: it must survive any downscale.
    std::vector<double> v(64, 0.01);
    v[spikeRow * 8 + spikeCol] = -2.0;
    const auto snapshot =
        test::makeSnapshot(tensor(8, 8, v, precision), test::makeParams(0.5, 1, 1), false);
    const WeightsSource source(snapshot, Colormap(), false);
    const QRgb low = Colormap().color(0.01 / 2.0);
    const QRgb high = Colormap().color(1.0);
    for (int side : {4, 2, 1, 3}) {
        const QImage image = renderAll(source, QSize(side, side));
        int highCount = 0;
        for (int y = 0; y < side; ++y)
            for (int x = 0; x < side; ++x) {
                const QRgb p = pixel(image, x, y);
                QVERIFY(p == low || p == high);
                highCount += p == high;
            }
        QCOMPARE(highCount, 1); // every element is pooled into exactly one pixel
        if (side == 4 || side == 2 || side == 1) {
            const int per = 8 / side;
            QCOMPARE(pixel(image, spikeCol / per, spikeRow / per), high);
        }
    }
}

void TestHeatmapSources::weightsLogScale()
{
    std::vector<double> v{1e-4, 1e-3, 1e-2, 1e-1, 1.0, 0.0};
    const auto snapshot = test::makeSnapshot(tensor(1, 6, v, core::Precision::Float64),
                                             test::makeParams(0.5, 1, 1), false);
    const WeightsSource source(snapshot, Colormap(), true);
    const auto scale = source.scale();
    QVERIFY(scale->logarithmic);
    QCOMPARE(scale->minimum, 1e-4);
    QCOMPARE(scale->maximum, 1.0);
    const QImage image = renderAll(source, QSize(6, 1));
    for (int i = 0; i < 5; ++i)
        QCOMPARE(pixel(image, i, 0), Colormap().color(i / 4.0));
    QCOMPARE(pixel(image, 5, 0), Colormap().color(0.0)); // zero sits at the floor
}

void TestHeatmapSources::nonFiniteWeightsHaveTheirColour_data()
{
    QTest::addColumn<core::Precision>("precision");
    QTest::addColumn<double>("bad");
    QTest::newRow("float32 NaN") << core::Precision::Float32 << notANumber;
    QTest::newRow("float64 NaN") << core::Precision::Float64 << notANumber;
    QTest::newRow("float32 -inf") << core::Precision::Float32 << -infinity;
    QTest::newRow("float64 +inf") << core::Precision::Float64 << infinity;
}

void TestHeatmapSources::nonFiniteWeightsHaveTheirColour()
{
    QFETCH(core::Precision, precision);
    QFETCH(double, bad);
    std::vector<double> v(16, 0.5);
    v[6] = bad; // row 1, column 2
    v[0] = 1.0;
    const auto snapshot =
        test::makeSnapshot(tensor(4, 4, v, precision), test::makeParams(0.5, 2, 2));
    const QRgb magenta = Colormap::nonFiniteColor();
    const WeightsSource weights(snapshot, Colormap(), false);
    QCOMPARE(weights.scale()->maximum, 1.0); // the range ignores it
    QCOMPARE(weights.valueRange().nonFiniteCount, 1);
    QCOMPARE(weights.legend().size(), 1);
    QCOMPARE(weights.legend().first().first, QColor(magenta));
    QImage image = renderAll(weights, QSize(4, 4));
    QCOMPARE(pixel(image, 2, 1), magenta);
    QCOMPARE(pixel(image, 0, 0), Colormap().color(1.0));
    QCOMPARE(pixel(renderAll(weights, QSize(2, 2)), 1, 0), magenta); // pooled, still there
    QCOMPARE(pixel(renderAll(weights, QSize(1, 1)), 0, 0), magenta);

    // Its block's norm is non-finite too.
    const BlockNormsSource norms(snapshot, Colormap(), false);
    image = renderAll(norms, QSize(4, 4));
    QCOMPARE(pixel(image, 2, 1), magenta);
    QCOMPARE(pixel(image, 3, 0), magenta);
    QVERIFY(pixel(image, 0, 0) != magenta);

    const MaskOverWeightsSource over(snapshot, Colormap(), false);
    image = renderAll(over, QSize(4, 4));
    const bool kept = (*snapshot->mask)[6] != 0;
    QCOMPARE(pixel(image, 2, 1), kept ? magenta : MaskOverWeightsSource::dimmed(magenta));
}

void TestHeatmapSources::regionPastTheFieldIsTransparent()
{
    const auto v = smallValues();
    const auto snapshot = test::makeSnapshot(tensor(3, 4, v, core::Precision::Float32),
                                             test::makeParams(0.5, 1, 1), false);
    const WeightsSource source(snapshot, Colormap(), false);
    const QImage image = source.render(QRectF(-2, -1, 8, 5), QSize(8, 5), notCancelled);
    QCOMPARE(qAlpha(pixel(image, 0, 0)), 0);
    QCOMPARE(qAlpha(pixel(image, 7, 4)), 0);
    QCOMPARE(qAlpha(pixel(image, 1, 1)), 0);
    QCOMPARE(pixel(image, 2, 1), Colormap().color(0.5 / 4.0)); // element (0, 0)
    QCOMPARE(pixel(image, 5, 3), Colormap().color(1.0 / 4.0)); // element (2, 3)
    QCOMPARE(qAlpha(pixel(image, 6, 3)), 0);
    // Entirely outside: all transparent, not null.
    const QImage outside = source.render(QRectF(100, 100, 4, 4), QSize(4, 4), notCancelled);
    QVERIFY(!outside.isNull());
    QCOMPARE(qAlpha(pixel(outside, 2, 2)), 0);
}

void TestHeatmapSources::cancelledRenderIsNull()
{
    const auto snapshot = test::makeSnapshot(tensor(3, 4, smallValues(), core::Precision::Float32),
                                             test::makeParams(0.5, 1, 4));
    const std::atomic<bool> cancelled(true);
    QVERIFY(WeightsSource(snapshot, Colormap(), false)
                .render(QRectF(0, 0, 4, 3), QSize(4, 3), cancelled)
                .isNull());
    QVERIFY(MaskSource(snapshot).render(QRectF(0, 0, 4, 3), QSize(4, 3), cancelled).isNull());
}

void TestHeatmapSources::blockNormsOneColourPerBlock_data()
{
    QTest::addColumn<core::Precision>("precision");
    QTest::addColumn<qint64>("bh");
    QTest::addColumn<qint64>("bw");
    QTest::addColumn<int>("norm");
    QTest::addColumn<bool>("logarithmic");
    for (const auto precision : {core::Precision::Float32, core::Precision::Float64})
        for (const auto& [bh, bw] :
             std::vector<std::pair<qint64, qint64>>{{1, 1}, {2, 2}, {1, 3}, {3, 5}})
            for (int norm : {0, 1})
                QTest::addRow("%s %lldx%lld %s",
                              precision == core::Precision::Float32 ? "f32" : "f64", bh, bw,
                              norm ? "L2" : "L1")
                    << precision << bh << bw << norm << (bh == 2);
}

void TestHeatmapSources::blockNormsOneColourPerBlock()
{
    QFETCH(core::Precision, precision);
    QFETCH(qint64, bh);
    QFETCH(qint64, bw);
    QFETCH(int, norm);
    QFETCH(bool, logarithmic);
    std::mt19937 rng(7);
    std::normal_distribution<double> normal(0.0, 1.0);
    std::vector<double> v(5 * 7);
    for (double& x : v)
        x = normal(rng);
    const auto snapshot = test::makeSnapshot(
        tensor(5, 7, v, precision),
        test::makeParams(0.5, bh, bw, std::nullopt, norm ? core::Norm::L2 : core::Norm::L1));
    const BlockNormsSource source(snapshot, Colormap(), logarithmic);
    QVERIFY(source.scale()->label.contains(norm ? QStringLiteral("L2") : QStringLiteral("L1")));
    const core::BlockNorms& norms = *snapshot->norms;
    QCOMPARE(norms.isElementwise(), bh * bw == 1);
    // The scale spans the norms' finite range.
    double lo = infinity, hi = 0, loPositive = infinity;
    for (std::int64_t b = 0; b < norms.blockCount(); ++b) {
        const double n = core::blockNormAt(norms, *snapshot->weights, b);
        lo = std::min(lo, n);
        hi = std::max(hi, n);
        if (n > 0)
            loPositive = std::min(loPositive, n);
    }
    QCOMPARE(source.valueRange().maximum, hi);
    QCOMPARE(source.valueRange().minimum, lo);
    QCOMPARE(source.valueRange().minimumPositive, loPositive);
    const ValueScale scale = source.valueScale();
    const QImage image = renderAll(source, QSize(7, 5));
    for (int r = 0; r < 5; ++r)
        for (int c = 0; c < 7; ++c) {
            const std::int64_t block = norms.grid.blockIndexOf(r, c);
            const double n = core::blockNormAt(norms, *snapshot->weights, block);
            QCOMPARE(pixel(image, c, r), Colormap().color(scale.toUnit(n)));
        }
}

void TestHeatmapSources::blockNormsZoomedOutShowTheLargest()
{
    // 4 x 8 in 2x2 blocks; one block has a much larger norm.
    std::vector<double> v(32, 0.1);
    v[1 * 8 + 5] = 3.0; // block (0, 2)
    const auto snapshot =
        test::makeSnapshot(tensor(4, 8, v, core::Precision::Float32), test::makeParams(0.5, 2, 2));
    const BlockNormsSource source(snapshot, Colormap(), false);
    const QImage image = renderAll(source, QSize(2, 1)); // 4 x 4 elements per pixel
    QCOMPARE(pixel(image, 1, 0), Colormap().color(1.0));
    QCOMPARE(pixel(image, 0, 0), Colormap().color(0.0));
}

void TestHeatmapSources::maskCategoriesFromCore_data()
{
    QTest::addColumn<qint64>("rows");
    QTest::addColumn<qint64>("cols");
    QTest::addColumn<qint64>("bh");
    QTest::addColumn<qint64>("bw");
    QTest::addColumn<double>("level");
    QTest::addColumn<qint64>("zeros"); // -1: whole block
    QTest::newRow("1x4 whole blocks") << 6LL << 12LL << 1LL << 4LL << 0.5 << -1LL;
    QTest::newRow("1x4, 2 zeros") << 6LL << 12LL << 1LL << 4LL << 0.5 << 2LL;
    QTest::newRow("2x2, 1 zero, partial edge") << 5LL << 7LL << 2LL << 2LL << 0.6 << 1LL;
    QTest::newRow("1x4, 3 zeros, 2-wide edge") << 4LL << 10LL << 1LL << 4LL << 0.7 << 3LL;
    QTest::newRow("level 1") << 4LL << 8LL << 2LL << 2LL << 1.0 << 2LL;
    QTest::newRow("1x1") << 4LL << 8LL << 1LL << 1LL << 0.5 << -1LL;
    QTest::newRow("zeros 0") << 4LL << 8LL << 2LL << 2LL << 0.5 << 0LL;
}

void TestHeatmapSources::maskCategoriesFromCore()
{
    QFETCH(qint64, rows);
    QFETCH(qint64, cols);
    QFETCH(qint64, bh);
    QFETCH(qint64, bw);
    QFETCH(double, level);
    QFETCH(qint64, zeros);
    std::mt19937 rng(11);
    std::normal_distribution<double> normal(0.0, 1.0);
    std::vector<double> v(std::size_t(rows * cols));
    for (double& x : v)
        x = normal(rng);
    const core::SparsityParams p = test::makeParams(
        level, bh, bw, zeros < 0 ? std::nullopt : std::optional<std::int64_t>(zeros));
    const auto snapshot = test::makeSnapshot(tensor(rows, cols, v, core::Precision::Float32), p);
    const MaskSource source(snapshot);
    QVERIFY(!source.scale().has_value());
    // Expected categories from the threshold core chose, independently of the source's logic.
    const core::BlockNorms& norms = *snapshot->norms;
    const std::vector<std::uint8_t> pruned =
        core::prunedFlags(norms, *snapshot->weights, snapshot->threshold);
    const QImage image = renderAll(source, QSize(int(cols), int(rows)));
    QSet<int> seen;
    for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t c = 0; c < cols; ++c) {
            const std::int64_t b = norms.grid.blockIndexOf(r, c);
            const std::int64_t valid = norms.grid.validRows(r / bh) * norms.grid.validCols(c / bw);
            const bool keptElement = (*snapshot->mask)[std::size_t(r * cols + c)] != 0;
            Category expected = Category::Kept;
            if (p.effectiveZerosPerBlock() > 0 && pruned[std::size_t(b)]) {
                if (p.effectiveZerosPerBlock() >= valid)
                    expected = Category::PrunedBlock;
                else
                    expected =
                        keptElement ? Category::KeptInPartBlock : Category::ZeroedInPartBlock;
            }
            QCOMPARE(source.categoryAt(r, c), expected);
            QCOMPARE(pixel(image, int(c), int(r)), MaskSource::categoryColor(expected));
            seen.insert(int(expected));
        }
    if (zeros > 0 && level < 1.0) {
        QVERIFY(seen.contains(int(Category::KeptInPartBlock)));
        QVERIFY(seen.contains(int(Category::ZeroedInPartBlock)));
    }
    if (zeros == 0)
        QCOMPARE(seen, QSet<int>{int(Category::Kept)});
}

void TestHeatmapSources::maskZoomedOutShowsKeptShare()
{
    // 8 x 8 of 1x1 blocks; only element (5, 2) is pruned (level 1/64, smallest |w| there).
    std::vector<double> v(64, 1.0);
    v[5 * 8 + 2] = 0.001;
    const auto snapshot = test::makeSnapshot(tensor(8, 8, v, core::Precision::Float32),
                                             test::makeParams(1.0 / 64, 1, 1));
    const MaskSource source(snapshot);
    QCOMPARE(source.categoryAt(5, 2), Category::PrunedBlock);
    // Each pixel covers 4 x 4 elements: the one with the pruned element is 15/16 kept, not
    // painted over by it; whole kept pixels are the kept colour itself.
    const QImage image = renderAll(source, QSize(2, 2));
    const auto& lut = MaskSource::densityLut();
    QCOMPARE(pixel(image, 0, 1), lut[std::size_t(MaskSource::densityIndex(15, 16))]);
    QCOMPARE(pixel(image, 1, 1), MaskSource::categoryColor(Category::Kept));
    QCOMPARE(pixel(image, 0, 0), MaskSource::categoryColor(Category::Kept));
    QCOMPARE(lut[0], MaskSource::categoryColor(Category::PrunedBlock));
    QCOMPARE(lut[255], MaskSource::categoryColor(Category::Kept));

    // Partly kept blocks: the share counts kept elements, whatever their block.
    std::vector<double> w(16);
    for (int i = 0; i < 16; ++i)
        w[std::size_t(i)] = 1.0 + i;
    const auto partial = test::makeSnapshot(tensor(2, 8, w, core::Precision::Float32),
                                            test::makeParams(0.5, 1, 4, 1));
    const MaskSource partSource(partial);
    // Block 0 (row 0, cols 0..3) has the smallest norm: pruned, its element 0 zeroed.
    QCOMPARE(partSource.categoryAt(0, 0), Category::ZeroedInPartBlock);
    QCOMPARE(partSource.categoryAt(0, 1), Category::KeptInPartBlock);
    const QImage pooled = renderAll(partSource, QSize(2, 1));
    for (int x = 0; x < 2; ++x) {
        int kept = 0;
        for (int r = 0; r < 2; ++r)
            for (int c = 4 * x; c < 4 * x + 4; ++c)
                kept += (*partial->mask)[std::size_t(r * 8 + c)];
        QCOMPARE(pixel(pooled, x, 0), lut[std::size_t(MaskSource::densityIndex(kept, 8))]);
    }
}

namespace {
// A 2000 x 2000 layer whose even columns are kept and odd columns pruned (50 %, 1x1 blocks).
std::shared_ptr<const LayerSnapshot> stripedLayer()
{
    constexpr std::int64_t n = 2000;
    std::vector<float> v(std::size_t(n * n));
    for (std::int64_t r = 0; r < n; ++r)
        for (std::int64_t c = 0; c < n; ++c)
            v[std::size_t(r * n + c)] = c % 2 == 0 ? 1.0f : 0.001f;
    return test::makeSnapshot(core::WeightTensor({n, n}, std::move(v)),
                              test::makeParams(0.5, 1, 1));
}
} // namespace

void TestHeatmapSources::stripedMaskZoomedOutIsMidScale_data()
{
    QTest::addColumn<QSize>("pixels");
    QTest::newRow("4 x 4 per pixel") << QSize(500, 500);
    QTest::newRow("6.7 x 6.7 per pixel") << QSize(300, 300);
    QTest::newRow("fits 1000 x 700") << QSize(1000, 700);
}

void TestHeatmapSources::stripedMaskZoomedOutIsMidScale()
{
    QFETCH(QSize, pixels);
    static const auto snapshot = stripedLayer();
    QCOMPARE((*snapshot->mask)[0], 1);
    QCOMPARE((*snapshot->mask)[1], 0);
    const MaskSource mask(snapshot);
    const MaskOverWeightsSource over(snapshot, Colormap(), false);
    const QImage m = renderAll(mask, pixels);
    const QImage o = renderAll(over, pixels);
    const auto& lut = MaskSource::densityLut();
    // Kept columns hold 1.0, pruned ones 0.001: a mixed pixel's largest kept |w| is 1.0.
    const QRgb keptColour = Colormap().color(1.0);
    const QRgb prunedColour = MaskOverWeightsSource::dimmed(Colormap().color(1.0));
    // Every pixel covers whole columns of both kinds: a share between 3/7 and 4/7.
    for (int y = 0; y < pixels.height(); ++y)
        for (int x = 0; x < pixels.width(); ++x) {
            // Neighbouring entries may share a colour: the first one found may be 1 or 2 lower.
            const auto found = std::find(lut.begin(), lut.end(), pixel(m, x, y));
            QVERIFY(found != lut.end());
            const int index = int(found - lut.begin());
            QVERIFY2(
                index >= MaskSource::densityIndex(3, 7) - 2 &&
                    index <= MaskSource::densityIndex(4, 7),
                qPrintable(QStringLiteral("pixel (%1, %2): index %3").arg(x).arg(y).arg(index)));
            const QRgb c = pixel(o, x, y);
            QVERIFY(c != keptColour && c != prunedColour);
            // Lighter than the pruned colour, darker than the kept one, channel by channel.
            QVERIFY(qGreen(c) > qGreen(prunedColour) && qGreen(c) < qGreen(keptColour));
        }
    if (pixels == QSize(500, 500)) {
        QCOMPARE(pixel(m, 17, 33), lut[128]);
        QCOMPARE(pixel(o, 17, 33), MaskOverWeightsSource::mixed(keptColour, prunedColour, 8, 16));
    }
}

void TestHeatmapSources::stripedMaskExactAtOnePixelPerWeight()
{
    static const auto snapshot = stripedLayer();
    const MaskSource mask(snapshot);
    const MaskOverWeightsSource over(snapshot, Colormap(), false);
    for (const QSize pixels : {QSize(40, 30), QSize(80, 60)}) { // 1 and 2 px per weight
        const QRectF region(1000, 500, 40, 30);
        const QImage m = mask.render(region, pixels, notCancelled);
        const QImage o = over.render(region, pixels, notCancelled);
        const int scale = pixels.width() / 40;
        for (int y = 0; y < pixels.height(); ++y)
            for (int x = 0; x < pixels.width(); ++x) {
                const bool kept = (x / scale) % 2 == 0;
                QCOMPARE(pixel(m, x, y),
                         MaskSource::categoryColor(kept ? Category::Kept : Category::PrunedBlock));
                QCOMPARE(pixel(o, x, y),
                         kept ? Colormap().color(1.0)
                              : MaskOverWeightsSource::dimmed(Colormap().color(0.001)));
            }
    }
}

void TestHeatmapSources::presentationFollowsTheZoom()
{
    static const auto snapshot = stripedLayer();
    const MaskSource mask(snapshot);
    const auto close = mask.presentation(QSizeF(0.5, 0.5));
    QVERIFY(!close.scale);
    QCOMPARE(close.legend, mask.legend());
    QVERIFY2(close.pixelNote.contains(QStringLiteral("on its own (2 px per weight)")),
             qPrintable(close.pixelNote));
    const auto far = mask.presentation(QSizeF(4, 4));
    QVERIFY(far.scale);
    QCOMPARE(far.scale->minimum, 0.0);
    QCOMPARE(far.scale->maximum, 100.0);
    QCOMPARE(far.scale->label, QStringLiteral("kept weights per pixel (%)"));
    QVERIFY(far.colors && *far.colors == MaskSource::densityLut());
    QVERIFY2(far.pixelNote.startsWith(QStringLiteral(
                 "Each pixel: share of kept weights among the 4×4 weights it covers")),
             qPrintable(far.pixelNote));
    QVERIFY(mask.presentation(QSizeF(6.7, 2.5)).pixelNote.contains(QStringLiteral("≈3×7")));

    const MaskOverWeightsSource over(snapshot, Colormap(), false);
    const auto overClose = over.presentation(QSizeF(1, 1));
    QCOMPARE(overClose.legend, over.legend());
    QVERIFY(!overClose.colors);
    const auto overFar = over.presentation(QSizeF(4, 4));
    QVERIFY(overFar.scale && overFar.scale->label == QStringLiteral("|w|"));
    QCOMPARE(overFar.legend.size(), 3);
    QVERIFY(overFar.pixelNote.contains(QStringLiteral("largest kept |w| among the 4×4")));
    QVERIFY(WeightsSource(snapshot, Colormap(), false)
                .presentation(QSizeF(4, 4))
                .pixelNote.contains(QStringLiteral("the largest |w| among the 4×4")));
}

void TestHeatmapSources::maskLegendFollowsTheParameters()
{
    const auto v = smallValues();
    const auto whole =
        test::makeSnapshot(tensor(3, 4, v, core::Precision::Float32), test::makeParams(0.5, 1, 2));
    QCOMPARE(MaskSource(whole).legend().size(), 2);
    const auto part = test::makeSnapshot(tensor(3, 4, v, core::Precision::Float32),
                                         test::makeParams(0.5, 1, 2, 1));
    const auto legend = MaskSource(part).legend();
    QCOMPARE(legend.size(), 4);
    QSet<QRgb> colours;
    for (const auto& entry : legend) {
        colours.insert(entry.first.rgb());
        QVERIFY(!entry.second.isEmpty());
    }
    QCOMPARE(colours.size(), 4); // distinct
}

void TestHeatmapSources::maskOverWeightsDimsPruned()
{
    const auto v = smallValues();
    const auto snapshot =
        test::makeSnapshot(tensor(3, 4, v, core::Precision::Float32), test::makeParams(0.5, 1, 2));
    const MaskOverWeightsSource source(snapshot, Colormap(), false);
    const QImage image = renderAll(source, QSize(4, 3));
    int kept = 0;
    for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 4; ++c) {
            const QRgb colour = Colormap().color(std::fabs(v[std::size_t(r * 4 + c)]) / 4.0);
            const bool isKept = (*snapshot->mask)[std::size_t(r * 4 + c)] != 0;
            kept += isKept;
            QCOMPARE(pixel(image, c, r), isKept ? colour : MaskOverWeightsSource::dimmed(colour));
        }
    QVERIFY(kept > 0 && kept < 12);
    // Dimmed colours are darker and greyer than the originals.
    for (QRgb c : Colormap().lut()) {
        const QColor original(c);
        const QColor dim(MaskOverWeightsSource::dimmed(c));
        QVERIFY(dim.value() < original.value());
        QVERIFY(dim.hsvSaturation() <= original.hsvSaturation());
    }
    QVERIFY(source.legend().size() >= 1);
}

void TestHeatmapSources::maskOverWeightsBlendsByShare()
{
    // 1x2 blocks: the first block (zeros) is pruned, the second kept.
    std::vector<double> v{0.0, 0.0, 0.5, 0.25};
    const auto snapshot =
        test::makeSnapshot(tensor(1, 4, v, core::Precision::Float64), test::makeParams(0.5, 1, 2));
    QCOMPARE((*snapshot->mask)[0], 0);
    QCOMPARE((*snapshot->mask)[2], 1);
    const MaskOverWeightsSource source(snapshot, Colormap(), false);
    // Pixel 0 covers elements 0..1 (pruned) and pixel 1 elements 2..3 (kept).
    const QImage image = renderAll(source, QSize(2, 1));
    QCOMPARE(pixel(image, 0, 0), MaskOverWeightsSource::dimmed(Colormap().color(0.0)));
    QCOMPARE(pixel(image, 1, 0), Colormap().color(1.0));
    // One pixel over everything, half of it pruned: the largest kept |w|'s colour half-way to
    // its dimmed colour, as the mask view's 50 % (the larger pruned |w| does not show).
    std::vector<double> w{3.0, 3.0, 0.5, 0.25};
    const auto mixed = std::make_shared<LayerSnapshot>(*test::makeSnapshot(
        tensor(1, 4, w, core::Precision::Float64), test::makeParams(0.5, 1, 2)));
    mixed->mask = std::make_shared<const core::MaskBytes>(core::MaskBytes{0, 0, 1, 1});
    const MaskOverWeightsSource overMixed(mixed, Colormap(), false);
    const QRgb bright = Colormap().color(0.5 / 3.0);
    const QRgb dark = MaskOverWeightsSource::dimmed(bright);
    const QRgb expected = MaskOverWeightsSource::mixed(bright, dark, 2, 4);
    QCOMPARE(pixel(renderAll(overMixed, QSize(1, 1)), 0, 0), expected);
    // The blend is the per-channel mean.
    QCOMPARE(qGreen(expected), (qGreen(bright) + qGreen(dark) + 1) / 2);
}

void TestHeatmapSources::missingNormsAndMaskRenderTransparent()
{
    const auto snapshot = test::makeSnapshot(tensor(3, 4, smallValues(), core::Precision::Float32),
                                             test::makeParams(0.5, 1, 2), false);
    const QImage norms = renderAll(BlockNormsSource(snapshot, Colormap(), false), QSize(4, 3));
    QCOMPARE(qAlpha(pixel(norms, 1, 1)), 0);
    const QImage mask = renderAll(MaskSource(snapshot), QSize(4, 3));
    QCOMPARE(qAlpha(pixel(mask, 1, 1)), 0);
    // Without a mask everything counts as kept.
    const QImage over = renderAll(MaskOverWeightsSource(snapshot, Colormap(), false), QSize(4, 3));
    QCOMPARE(pixel(over, 1, 1), Colormap().color(1.0));
}

void TestHeatmapSources::isolatedNaNSurvivesZoomingOut()
{
    // One NaN among 64 x 1100 weights, drawn 11 columns and 6.4 rows to a pixel: max-pooling
    // keeps it, in the pixel that holds the element's centre, and nowhere else. (The timings of
    // a big layer are in bench/bench_heatmap.)
    constexpr std::int64_t rows = 64;
    constexpr std::int64_t cols = 1100;
    std::vector<float> v(std::size_t(rows * cols));
    std::mt19937 rng(3);
    std::normal_distribution<float> normal(0.0f, 0.02f);
    for (float& x : v)
        x = normal(rng);
    const std::int64_t nanRow = 11;
    const std::int64_t nanCol = 236;
    v[std::size_t(nanRow * cols + nanCol)] = std::numeric_limits<float>::quiet_NaN();
    const auto snapshot = test::makeSnapshot(core::WeightTensor({rows, cols}, std::move(v)),
                                             test::makeParams(0.5, 1, 4, 2));
    const QSize pixels(100, 10);
    const QImage image = renderAll(WeightsSource(snapshot, Colormap(), false), pixels);
    QVERIFY(!image.isNull());
    const QPoint expected(int((nanCol + 0.5) / (double(cols) / pixels.width())),
                          int((nanRow + 0.5) / (double(rows) / pixels.height())));
    for (int y = 0; y < pixels.height(); ++y)
        for (int x = 0; x < pixels.width(); ++x)
            QCOMPARE(pixel(image, x, y) == Colormap::nonFiniteColor(), QPoint(x, y) == expected);
}

QTEST_MAIN(TestHeatmapSources)
#include "tst_heatmapsources.moc"
