// The histogram of block norms: exact "fraction below" against brute force on linear and log
// axes, the automatic log axis, binning off the UI thread with stale results dropped, and a
// drag of the threshold line emitting the fraction of values below the pointer.
#include "histogram/histogramdata.h"
#include "histogram/histogramwidget.h"
#include "jobs/gatedpool.h"
#include "mainwindow/normhistogrampanel.h"

#include <QSignalSpy>
#include <QTest>
#include <QThreadPool>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

using namespace sparsity::ui;
using XScale = HistogramData::XScale;

Q_DECLARE_METATYPE(sparsity::ui::HistogramData::XScale)

namespace {
const double inf = std::numeric_limits<double>::infinity();

// Log-normal norms spanning decades, with exact zeros, ties, NaN and inf mixed in.
std::vector<double> norms(std::size_t n, unsigned seed)
{
    std::mt19937 rng(seed);
    std::normal_distribution<double> normal(-6.0, 2.5);
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i) {
        switch (rng() % 50) {
        case 0:
            v[i] = 0.0;
            break;
        case 1:
            v[i] = std::numeric_limits<double>::quiet_NaN();
            break;
        case 2:
            v[i] = inf;
            break;
        case 3:
            v[i] = 0.125; // ties
            break;
        default:
            v[i] = std::exp(normal(rng));
        }
    }
    return v;
}

double bruteFraction(const std::vector<double>& v, double x)
{
    const auto below = std::count_if(v.begin(), v.end(), [x](double a) { return a < x; });
    return double(below) / double(v.size());
}

void press(QWidget& w, QPointF pos)
{
    QMouseEvent event(QEvent::MouseButtonPress, pos, w.mapToGlobal(pos), Qt::LeftButton,
                      Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(&w, &event);
}
void drag(QWidget& w, QPointF pos)
{
    QMouseEvent event(QEvent::MouseMove, pos, w.mapToGlobal(pos), Qt::NoButton, Qt::LeftButton,
                      Qt::NoModifier);
    QCoreApplication::sendEvent(&w, &event);
}
void release(QWidget& w, QPointF pos)
{
    QMouseEvent event(QEvent::MouseButtonRelease, pos, w.mapToGlobal(pos), Qt::LeftButton,
                      Qt::NoButton, Qt::NoModifier);
    QCoreApplication::sendEvent(&w, &event);
}
} // namespace

class TestHistogramWidget final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fractionBelowIsExact_data();
    void fractionBelowIsExact();
    void barsCountEveryFiniteValue_data();
    void barsCountEveryFiniteValue();
    void automaticLogAxis_data();
    void automaticLogAxis();
    void degenerateInputs();
    void dragEmitsTheFractionBelow_data();
    void dragEmitsTheFractionBelow();
    void clickOutsideThePlotDoesNothing();
    void bigInputsAreBinnedOffTheUiThread();
    void staleResultsAreDropped();
    void onlyTheNewestIsShownOnTheInjectedPool();
    void thresholdLineIsDrawn();
    void thresholdAtTheLargestNormStaysVisible();
    void barsAreSplitByThePrunedCount();
    void yTicksAreWholeCounts();
    void captionFitsItsNumbers();

private:
    QThreadPool m_pool; // bins for the widgets of a test; outlives them
};

void TestHistogramWidget::fractionBelowIsExact_data()
{
    QTest::addColumn<XScale>("xScale");
    QTest::addColumn<int>("n");
    QTest::newRow("log, 1000") << XScale::Logarithmic << 1000;
    QTest::newRow("linear, 1000") << XScale::Linear << 1000;
    QTest::newRow("auto, 20000") << XScale::Automatic << 20000;
    QTest::newRow("linear, 7") << XScale::Linear << 7;
}

void TestHistogramWidget::fractionBelowIsExact()
{
    QFETCH(XScale, xScale);
    QFETCH(int, n);
    const std::vector<double> v = norms(std::size_t(n), unsigned(n));
    const auto data = HistogramData::build(v, xScale, 64);
    QVERIFY(data);
    // At every value present (ties included), between values, and outside the range.
    std::vector<double> probes(v.begin(), v.end());
    for (double t = -0.1; t <= 1.1; t += 0.013)
        probes.push_back(data->valueAtAxisPosition(t));
    probes.insert(probes.end(), {0.0, -1.0, 1e-300, 0.125, std::nextafter(0.125, 1.0), inf, -inf});
    for (double x : probes) {
        if (std::isnan(x))
            continue;
        QVERIFY2(data->fractionBelow(x) == bruteFraction(v, x), qPrintable(QString::number(x)));
    }
    QCOMPARE(data->fractionBelow(std::numeric_limits<double>::quiet_NaN()), 0.0);
}

void TestHistogramWidget::barsCountEveryFiniteValue_data()
{
    fractionBelowIsExact_data();
}

void TestHistogramWidget::barsCountEveryFiniteValue()
{
    QFETCH(XScale, xScale);
    QFETCH(int, n);
    const std::vector<double> v = norms(std::size_t(n), 99);
    const auto data = HistogramData::build(v, xScale, 50);
    const auto nonFinite =
        std::count_if(v.begin(), v.end(), [](double a) { return !std::isfinite(a); });
    QCOMPARE(data->nonFiniteCount(), nonFinite);
    QCOMPARE(data->totalCount(), qint64(n));
    QCOMPARE(int(data->bars().size()), 50);
    const qint64 binned = std::accumulate(data->bars().begin(), data->bars().end(), qint64(0));
    QCOMPARE(binned + data->offAxisCount() + data->nonFiniteCount(), qint64(n));
    if (data->isLogarithmic()) {
        const auto zeros = std::count(v.begin(), v.end(), 0.0);
        QCOMPARE(data->offAxisCount(), zeros);
    }
    // Bar i holds the values whose axis position falls in [i/50, (i+1)/50).
    for (double x : v) {
        if (!std::isfinite(x) || (data->isLogarithmic() && x <= 0))
            continue;
        const double t = data->axisPosition(x);
        QVERIFY(t >= -1e-12 && t <= 1 + 1e-12);
    }
}

void TestHistogramWidget::automaticLogAxis_data()
{
    QTest::addColumn<std::vector<double>>("values");
    QTest::addColumn<bool>("logarithmic");
    QTest::newRow("one decade") << std::vector<double>{1, 2, 5, 9} << false;
    QTest::newRow("six decades") << std::vector<double>{1e-6, 1e-3, 0.5, 1} << true;
    QTest::newRow("decades with zeros") << std::vector<double>{0, 0, 1e-5, 1} << true;
    QTest::newRow("only zeros") << std::vector<double>{0, 0} << false;
}

void TestHistogramWidget::automaticLogAxis()
{
    QFETCH(std::vector<double>, values);
    QFETCH(bool, logarithmic);
    HistogramWidget widget(&m_pool);
    widget.setData(values);
    QCOMPARE(widget.isLogX(), logarithmic);
    widget.setXScale(XScale::Linear);
    QVERIFY(!widget.isLogX());
    widget.setXScale(XScale::Logarithmic);
    QCOMPARE(widget.isLogX(), values.back() > 0);
}

void TestHistogramWidget::degenerateInputs()
{
    for (const std::vector<double>& v :
         {std::vector<double>{}, std::vector<double>{3.0}, std::vector<double>{2.0, 2.0},
          std::vector<double>{std::nan(""), inf}, std::vector<double>{-1.0, 0.0, 1.0}}) {
        const auto data = HistogramData::build(v, XScale::Automatic, 10);
        QVERIFY(data);
        QVERIFY(data->highest() > data->lowest());
        for (double x : v)
            if (!std::isnan(x))
                QCOMPARE(data->fractionBelow(x), bruteFraction(v, x));
        HistogramWidget widget(&m_pool);
        widget.resize(300, 150);
        widget.setData(v);
        widget.setThreshold(2.0);
        QVERIFY(!widget.grab().isNull());
    }
}

void TestHistogramWidget::dragEmitsTheFractionBelow_data()
{
    QTest::addColumn<XScale>("xScale");
    QTest::newRow("linear") << XScale::Linear;
    QTest::newRow("log") << XScale::Logarithmic;
}

void TestHistogramWidget::dragEmitsTheFractionBelow()
{
    QFETCH(XScale, xScale);
    std::vector<double> v(100);
    for (int i = 0; i < 100; ++i)
        v[std::size_t(i)] = (i + 1) * 0.01; // 0.01 .. 1.00
    HistogramWidget widget(&m_pool);
    widget.resize(420, 220);
    widget.setXScale(xScale);
    widget.setData(v);
    widget.setThreshold(0.5);
    QSignalSpy dragged(&widget, &HistogramWidget::thresholdDragged);
    const QRectF plot = widget.plotRect();
    const double x1 = plot.left() + plot.width() * 0.3;
    const double x2 = plot.left() + plot.width() * 0.75;
    press(widget, QPointF(x1, plot.center().y()));
    drag(widget, QPointF(x2, plot.top() + 3));
    release(widget, QPointF(x2, plot.top() + 3));
    drag(widget, QPointF(plot.left() + 5, plot.center().y())); // released: no more signals
    QCOMPARE(dragged.count(), 2);
    QCOMPARE(dragged.at(0).at(0).toDouble(), bruteFraction(v, widget.valueAtX(x1)));
    QCOMPARE(dragged.at(1).at(0).toDouble(), bruteFraction(v, widget.valueAtX(x2)));
    QVERIFY(dragged.at(1).at(0).toDouble() > dragged.at(0).at(0).toDouble());
    // The line follows the pointer until the app answers with its own threshold.
    QCOMPARE(widget.threshold(), widget.valueAtX(x2));
    QVERIFY(std::fabs(widget.xOfValue(widget.threshold()) - x2) < 1e-6);
    // Past the plot's ends the fraction saturates.
    press(widget, QPointF(plot.right() + 3, plot.center().y()));
    QCOMPARE(dragged.last().at(0).toDouble(), bruteFraction(v, widget.valueAtX(plot.right())));
    drag(widget, QPointF(plot.left() - 50, plot.center().y()));
    QCOMPARE(dragged.last().at(0).toDouble(), 0.0);
    release(widget, QPointF(plot.left() - 50, plot.center().y()));
}

void TestHistogramWidget::clickOutsideThePlotDoesNothing()
{
    HistogramWidget widget(&m_pool);
    widget.resize(420, 220);
    QSignalSpy dragged(&widget, &HistogramWidget::thresholdDragged);
    press(widget, QPointF(200, 100)); // no data yet
    release(widget, QPointF(200, 100));
    widget.setData({1.0, 2.0, 3.0});
    press(widget, QPointF(2, 2)); // in the margin
    release(widget, QPointF(2, 2));
    QCOMPARE(dragged.count(), 0);
}

void TestHistogramWidget::bigInputsAreBinnedOffTheUiThread()
{
    const std::size_t n = HistogramWidget::asyncThreshold + 12345;
    std::vector<double> v = norms(n, 5);
    const auto zeros = std::count(v.begin(), v.end(), 0.0);
    HistogramWidget widget(&m_pool);
    QSignalSpy changed(&widget, &HistogramWidget::dataChanged);
    widget.setData(std::move(v));
    QVERIFY(widget.isComputing());
    QVERIFY(!widget.data());
    QTRY_VERIFY_WITH_TIMEOUT(widget.data() != nullptr, 20000);
    QVERIFY(!widget.isComputing());
    QCOMPARE(changed.count(), 1);
    QCOMPARE(widget.data()->totalCount(), qint64(n));
    QVERIFY(widget.isLogX());
    QCOMPARE(widget.data()->offAxisCount(), zeros);
}

// A big input goes to a pool the test holds, then a small one is binned at once: the big one's
// job runs only after that, and whatever it returns must not replace the small one.
void TestHistogramWidget::staleResultsAreDropped()
{
    sparsity::test::GatedPool gated;
    HistogramWidget widget(gated.pool());
    QSignalSpy changed(&widget, &HistogramWidget::dataChanged);
    widget.setData(norms(HistogramWidget::asyncThreshold + 1, 1)); // to the pool
    QVERIFY(widget.isComputing());
    widget.setData({1.0, 2.0, 3.0}); // at once, synchronously
    QCOMPARE(widget.data()->totalCount(), 3);
    gated.drain();
    QCOMPARE(widget.data()->totalCount(), 3);
    QCOMPARE(changed.count(), 1);
    QVERIFY(!widget.isComputing());
}

// On a pool the test holds: three big inputs and a change of scale queue up; once the pool runs,
// only the bars of the last input, on the last scale, are shown, once.
void TestHistogramWidget::onlyTheNewestIsShownOnTheInjectedPool()
{
    sparsity::test::GatedPool gated;
    HistogramWidget widget(gated.pool());
    QSignalSpy changed(&widget, &HistogramWidget::dataChanged);
    const std::size_t n = HistogramWidget::asyncThreshold + 1;
    widget.setData(norms(n, 1));
    widget.setData(norms(n + 1, 2));
    widget.setXScale(XScale::Linear);
    widget.setData(norms(n + 2, 3));
    widget.setXScale(XScale::Logarithmic);
    QVERIFY(widget.isComputing());
    QVERIFY(!widget.data());
    gated.open();
    QTRY_VERIFY(!widget.isComputing());
    QCOMPARE(changed.count(), 1);
    QVERIFY(widget.data());
    QCOMPARE(widget.data()->totalCount(), qint64(n + 2));
    QVERIFY(widget.isLogX());
}

void TestHistogramWidget::thresholdLineIsDrawn()
{
    std::vector<double> v(1000);
    for (std::size_t i = 0; i < v.size(); ++i)
        v[i] = double(i % 100) + 1.0;
    HistogramWidget widget(&m_pool);
    widget.resize(420, 220);
    widget.setXScale(XScale::Linear);
    widget.setData(v);
    widget.setThreshold(50.0);
    const QImage shot = widget.grab().toImage();
    const int x = int(std::lround(widget.xOfValue(50.0)));
    const QRectF plot = widget.plotRect();
    bool red = false;
    for (int dx = -1; dx <= 1; ++dx) {
        const QColor c(shot.pixel(x + dx, int(plot.center().y())));
        red = red || (c.red() > 180 && c.green() < 90);
    }
    QVERIFY(red);
    // Bars left of the line are grey (pruned), right of it blue (kept).
    const QColor left(shot.pixel(int(plot.left() + plot.width() * 0.2), int(plot.bottom() - 3)));
    const QColor right(shot.pixel(int(plot.left() + plot.width() * 0.8), int(plot.bottom() - 3)));
    QVERIFY2(std::abs(left.red() - left.blue()) < 20, qPrintable(left.name()));
    QVERIFY2(right.blue() > right.red() + 80, qPrintable(right.name()));
}

namespace {
bool isRed(QRgb pixel)
{
    const QColor c(pixel);
    return c.red() > 180 && c.green() < 90;
}
} // namespace

// Every block pruned (2:4 at 100 %): the line sits just past the largest norm, beyond the axis;
// it used to vanish, and is now drawn at the axis' right end.
void TestHistogramWidget::thresholdAtTheLargestNormStaysVisible()
{
    std::vector<double> v{1.0, 2.5, 4.0, 7.0, 10.08};
    HistogramWidget widget(&m_pool);
    widget.resize(420, 220);
    widget.setXScale(XScale::Linear);
    widget.setData(v);
    widget.setThreshold(std::nextafter(10.08, 11.0), 5);
    const QImage shot = widget.grab().toImage();
    const QRectF plot = widget.plotRect();
    bool red = false;
    for (int x = int(plot.right()) - 3; x <= int(plot.right()) + 1; ++x)
        red = red || isRed(shot.pixel(x, int(plot.center().y())));
    QVERIFY(red);
}

// 48 blocks at 99 %: 47 pruned, and the 47th and 48th norms share the last bar. That bar must
// show one pruned (grey, at the bottom) and one kept block, not be split where the line falls.
void TestHistogramWidget::barsAreSplitByThePrunedCount()
{
    // 64 bars over [1, 10]: the last one, [9.859, 10], holds 9.862 (pruned) and 10 (kept).
    std::vector<double> v;
    for (int i = 0; i < 46; ++i)
        v.push_back(1.0 + i * 0.1);
    v.push_back(9.862);
    v.push_back(10.0);
    HistogramWidget widget(&m_pool);
    widget.resize(420, 220);
    widget.setXScale(XScale::Linear);
    widget.setData(v);
    widget.setThreshold(9.862, 47);
    const QImage shot = widget.grab().toImage();
    const QRectF plot = widget.plotRect();
    // The last bar, right of the line: its bottom half is the pruned block, its top the kept
    // one. Split where the line crosses, the whole right part was blue.
    const int x = int(plot.right()) - 1;
    const auto bar = widget.data()->bars();
    QCOMPARE(bar.back(), std::int64_t{2});
    const QColor bottom(shot.pixel(x, int(plot.bottom()) - 3));
    const QColor top(shot.pixel(x, int(plot.top() + plot.height() * 0.1)));
    QVERIFY2(bottom.blue() < bottom.red() + 20, qPrintable(bottom.name())); // grey: pruned
    QVERIFY2(top.blue() > top.red() + 60 || isRed(top.rgb()), qPrintable(top.name())); // kept
}

void TestHistogramWidget::yTicksAreWholeCounts()
{
    for (std::int64_t peak : {1, 2, 3, 7, 48, 1000}) {
        const auto ticks = HistogramWidget::countTicks(peak);
        QVERIFY(!ticks.isEmpty());
        QStringList labels;
        for (const AxisTick& tick : ticks) {
            QCOMPARE(tick.value, std::round(tick.value));
            labels << tick.label;
        }
        labels.removeDuplicates();
        QCOMPARE(labels.size(), ticks.size()); // "1, 1, 0" on a one-block layer, before
        QCOMPARE(ticks.first().value, 0.0);
    }
}

void TestHistogramWidget::captionFitsItsNumbers()
{
    using sparsity::ui::NormHistogramPanel;
    const QString one = NormHistogramPanel::caption(1, {4, 4}, 0);
    QVERIFY2(one.startsWith(QStringLiteral("1 block of 4×4;")), qPrintable(one));
    QVERIFY2(one.contains(QStringLiteral("none is pruned")), qPrintable(one));
    QVERIFY(!one.contains(QStringLiteral("the 0")));
    const QString single = NormHistogramPanel::caption(5, {1, 4}, 1);
    QVERIFY2(single.contains(QStringLiteral("the one with the smallest norm is pruned")),
             qPrintable(single));
    const QString many = NormHistogramPanel::caption(48, {1, 4}, 47);
    QVERIFY2(many.contains(QStringLiteral("48 blocks of 1×4")) &&
                 many.contains(QStringLiteral("the 47 with the smallest norms")),
             qPrintable(many));
    QVERIFY(NormHistogramPanel::caption(48, {1, 4}, 48).contains(QStringLiteral("all are pruned")));
}

QTEST_MAIN(TestHistogramWidget)
#include "tst_histogramwidget.moc"
