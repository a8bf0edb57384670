// Axis ticks (round linear steps, powers of ten on log axes, compact labels) and the colorbar:
// gradient ends, tick labels for linear and log scales, legend mode for categorical sources.
#include "heatmap/axisticks.h"
#include "heatmap/colorbarwidget.h"

#include <QTest>

using namespace sparsity::ui;

class TestColorbarWidget final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void linearTicksAreRound_data();
    void linearTicksAreRound();
    void logTicksArePowersOfTen_data();
    void logTicksArePowersOfTen();
    void labels_data();
    void labels();
    void gradientRunsFromMinimumAtTheBottom();
    void linearTickLabels();
    void logTickLabels();
    void legendMode();
    void valueScaleWithLegendBelow();
    void presentationBringsColoursAndANote();
};

void TestColorbarWidget::linearTicksAreRound_data()
{
    QTest::addColumn<double>("lo");
    QTest::addColumn<double>("hi");
    QTest::addColumn<int>("maxCount");
    QTest::addColumn<QStringList>("labels");
    QTest::newRow("0..1") << 0.0 << 1.0 << 5
                          << QStringList{QStringLiteral("0.0"), QStringLiteral("0.2"),
                                         QStringLiteral("0.4"), QStringLiteral("0.6"),
                                         QStringLiteral("0.8"), QStringLiteral("1.0")};
    QTest::newRow("0..0.73") << 0.0 << 0.73 << 4
                             << QStringList{QStringLiteral("0.0"), QStringLiteral("0.2"),
                                            QStringLiteral("0.4"), QStringLiteral("0.6")};
    QTest::newRow("counts") << 0.0 << 12345.0 << 4
                            << QStringList{QStringLiteral("0"), QStringLiteral("5000"),
                                           QStringLiteral("10000")};
    QTest::newRow("tiny") << 0.0 << 3e-5 << 3
                          << QStringList{QStringLiteral("0"), QStringLiteral("1e-5"),
                                         QStringLiteral("2e-5"), QStringLiteral("3e-5")};
    QTest::newRow("negative") << -1.0 << 1.0 << 4
                              << QStringList{QStringLiteral("-1.0"), QStringLiteral("-0.5"),
                                             QStringLiteral("0.0"), QStringLiteral("0.5"),
                                             QStringLiteral("1.0")};
    QTest::newRow("empty range") << 1.0 << 1.0 << 4 << QStringList{};
}

void TestColorbarWidget::linearTicksAreRound()
{
    QFETCH(double, lo);
    QFETCH(double, hi);
    QFETCH(int, maxCount);
    QFETCH(QStringList, labels);
    QStringList got;
    for (const AxisTick& tick : linearTicks(lo, hi, maxCount)) {
        QVERIFY(tick.value >= lo - 1e-12 && tick.value <= hi + 1e-12);
        got << tick.label;
    }
    QCOMPARE(got, labels);
}

void TestColorbarWidget::logTicksArePowersOfTen_data()
{
    QTest::addColumn<double>("lo");
    QTest::addColumn<double>("hi");
    QTest::addColumn<int>("maxCount");
    QTest::addColumn<QStringList>("labels");
    QTest::newRow("four decades") << 1e-4 << 1.0 << 6
                                  << QStringList{QStringLiteral("10⁻⁴"), QStringLiteral("10⁻³"),
                                                 QStringLiteral("0.01"), QStringLiteral("0.1"),
                                                 QStringLiteral("1")};
    QTest::newRow("thinned") << 1e-9 << 10.0 << 4
                             << QStringList{QStringLiteral("10⁻⁹"), QStringLiteral("10⁻⁶"),
                                            QStringLiteral("10⁻³"), QStringLiteral("1")};
    QTest::newRow("inside one decade")
        << 0.2 << 0.7 << 4 << QStringList{QStringLiteral("0.2"), QStringLiteral("0.7")};
    QTest::newRow("big") << 3.0 << 2e5 << 6
                         << QStringList{QStringLiteral("10"), QStringLiteral("100"),
                                        QStringLiteral("10³"), QStringLiteral("10⁴"),
                                        QStringLiteral("10⁵")};
}

void TestColorbarWidget::logTicksArePowersOfTen()
{
    QFETCH(double, lo);
    QFETCH(double, hi);
    QFETCH(int, maxCount);
    QFETCH(QStringList, labels);
    QStringList got;
    for (const AxisTick& tick : logTicks(lo, hi, maxCount))
        got << tick.label;
    QCOMPARE(got, labels);
}

void TestColorbarWidget::labels_data()
{
    QTest::addColumn<double>("value");
    QTest::addColumn<QString>("axis");
    QTest::addColumn<QString>("count");
    QTest::newRow("zero") << 0.0 << QStringLiteral("0") << QStringLiteral("0");
    QTest::newRow("small") << 0.000123 << QStringLiteral("1.23e-4") << QStringLiteral("0");
    QTest::newRow("ordinary") << 0.5 << QStringLiteral("0.5") << QStringLiteral("1");
    QTest::newRow("thousands") << 1500.0 << QStringLiteral("1500") << QStringLiteral("1.5k");
    QTest::newRow("millions") << 3.4e6 << QStringLiteral("3.4e6") << QStringLiteral("3.4M");
    QTest::newRow("tens of k") << 12345.0 << QStringLiteral("12345") << QStringLiteral("12k");
}

void TestColorbarWidget::labels()
{
    QFETCH(double, value);
    QFETCH(QString, axis);
    QFETCH(QString, count);
    QCOMPARE(formatAxisValue(value), axis);
    QCOMPARE(formatCount(value), count);
}

void TestColorbarWidget::gradientRunsFromMinimumAtTheBottom()
{
    ColorbarWidget bar;
    const Colormap map = Colormap::byName(QStringLiteral("inferno"));
    bar.setColormap(map);
    bar.setScale(HeatmapSource::Scale{0.0, 1.0, false, QStringLiteral("|w|")});
    bar.resize(bar.sizeHint().width(), 300);
    const QImage shot = bar.grab().toImage();
    // Near the bar's bottom the darkest colour, near its top the brightest.
    const int x = 6 + 8;
    const QColor bottom(shot.pixel(x, 300 - 6 - bar.fontMetrics().height() / 2 - 4));
    const QColor top(shot.pixel(x, 6 + bar.fontMetrics().height() / 2 + 4));
    QVERIFY2(bottom.lightness() < 60, qPrintable(bottom.name()));
    QVERIFY2(top.lightness() > 180, qPrintable(top.name()));
}

void TestColorbarWidget::linearTickLabels()
{
    ColorbarWidget bar;
    bar.setScale(HeatmapSource::Scale{0.0, 0.7342, false, QStringLiteral("|w|")});
    bar.resize(100, 300);
    const QStringList labels = bar.tickLabels();
    QVERIFY2(labels.size() >= 3 && labels.size() <= 7, qPrintable(labels.join(u' ')));
    QCOMPARE(labels.first(), QStringLiteral("0"));
    QCOMPARE(labels.last(), QStringLiteral("0.73")); // the maximum itself, rounded
    double previous = -1;
    for (const QString& label : labels) {
        bool ok = false;
        const double v = label.toDouble(&ok);
        QVERIFY(ok);
        QVERIFY(v > previous);
        previous = v;
    }
    QVERIFY(bar.sizeHint().width() >= 60);
}

void TestColorbarWidget::logTickLabels()
{
    ColorbarWidget bar;
    bar.setScale(HeatmapSource::Scale{1e-5, 0.5, true, QStringLiteral("block norm")});
    bar.resize(100, 400);
    const QStringList labels = bar.tickLabels();
    QCOMPARE(labels.first(), QStringLiteral("10⁻⁵"));
    QCOMPARE(labels.last(), QStringLiteral("0.5"));
    QVERIFY(labels.contains(QStringLiteral("0.01")) || labels.contains(QStringLiteral("10⁻³")));
    for (const QString& label : labels.mid(1, labels.size() - 2))
        QVERIFY2(label.startsWith(QStringLiteral("10")) || label.startsWith(QStringLiteral("0.")),
                 qPrintable(label));
}

void TestColorbarWidget::legendMode()
{
    ColorbarWidget bar;
    const QList<QPair<QColor, QString>> legend{{QColor(64, 132, 214), QStringLiteral("kept")},
                                               {QColor(38, 38, 44), QStringLiteral("pruned")}};
    bar.setScale(std::nullopt);
    bar.setLegend(legend);
    QVERIFY(bar.tickLabels().isEmpty());
    const QSize hint = bar.sizeHint();
    QVERIFY(hint.height() < 100);
    QVERIFY(hint.width() > bar.fontMetrics().horizontalAdvance(QStringLiteral("pruned")));
    bar.resize(hint);
    const QImage shot = bar.grab().toImage();
    // The first swatch, at the top left.
    const int line = std::max(12, bar.fontMetrics().height()) + 4;
    QCOMPARE(QColor(shot.pixel(6 + 6, 6 + line / 2)), QColor(64, 132, 214));
    QCOMPARE(QColor(shot.pixel(6 + 6, 6 + line + line / 2)), QColor(38, 38, 44));
}

void TestColorbarWidget::valueScaleWithLegendBelow()
{
    ColorbarWidget bar;
    bar.setScale(HeatmapSource::Scale{0.0, 2.0, false, QStringLiteral("|w|")});
    const int plain = bar.minimumSizeHint().height();
    bar.setLegend({{QColor(255, 0, 255), QStringLiteral("NaN / inf (3)")}});
    QVERIFY(bar.minimumSizeHint().height() > plain);
    bar.resize(bar.sizeHint().width(), 300);
    const QImage shot = bar.grab().toImage();
    bool magenta = false;
    for (int y = 200; y < 300; ++y)
        magenta = magenta || QColor(shot.pixel(12, y)) == QColor(255, 0, 255);
    QVERIFY(magenta);
}

// A zoomed-out mask's presentation: its own colours (here a red ramp, whatever the view's
// colour map), its scale and a note that takes room below the bar and is drawn there.
void TestColorbarWidget::presentationBringsColoursAndANote()
{
    ColorbarWidget bar;
    HeatmapSource::Presentation p;
    p.scale = HeatmapSource::Scale{0.0, 100.0, false, QStringLiteral("kept (%)")};
    Colormap::Lut red{};
    for (int i = 0; i < 256; ++i)
        red[std::size_t(i)] = qRgb(i, 0, 0);
    p.colors = red;
    bar.showPresentation(p, Colormap::byName(QStringLiteral("grey")));
    QVERIFY(bar.colors() == red);
    QCOMPARE(bar.tickLabels().first(), QStringLiteral("0"));
    QCOMPARE(bar.tickLabels().last(), QStringLiteral("100"));
    const int without = bar.minimumSizeHint().height();
    p.pixelNote = QStringLiteral("Each pixel: share of kept weights among the 4×4 weights it "
                                 "covers, in a sentence long enough to wrap.");
    bar.showPresentation(p, Colormap::byName(QStringLiteral("grey")));
    QCOMPARE(bar.note(), p.pixelNote);
    QVERIFY(bar.minimumSizeHint().height() > without + 2 * bar.fontMetrics().height());
    bar.resize(bar.sizeHint().width(), 400);
    const QImage shot = bar.grab().toImage();
    const QColor top(
        shot.pixel(6 + 8, 6 + bar.fontMetrics().height() + 4 + bar.fontMetrics().height() / 2 + 4));
    QVERIFY2(top.red() > 200 && top.green() == 0, qPrintable(top.name()));
    // Text-coloured pixels near the bottom, right of the bar and its labels: the note's last
    // lines (without a note the bar would reach down there, but nothing right of it).
    const QRgb text = bar.palette().color(QPalette::WindowText).rgb();
    int ink = 0;
    for (int y = 340; y < 394; ++y)
        for (int x = 60; x < shot.width() - 6; ++x)
            ink += QColor(shot.pixel(x, y)).lightness() < QColor(text).lightness() + 60;
    QVERIFY(ink > 50);
    // Without a scale (the mask at 1:1) the legend's colours are the view's again.
    bar.showPresentation({}, Colormap::byName(QStringLiteral("grey")));
    QVERIFY(bar.colors() == Colormap::byName(QStringLiteral("grey")).lut());
}

QTEST_MAIN(TestColorbarWidget)
#include "tst_colorbarwidget.moc"
