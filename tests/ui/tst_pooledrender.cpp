// detail::mapAxis, the axis mapping every heatmap source draws with: which elements (or cells of
// several elements) each output pixel shows, zoomed in and out, at non-integer scales, at the
// last pixel, past the field and for empty ranges.
#include "heatmap/pooledrender.h"

#include <QTest>
#include <cmath>
#include <random>

using sparsity::ui::detail::AxisMap;
using sparsity::ui::detail::mapAxis;

using Ranges = QList<qint64>;

namespace {
Ranges toList(const std::vector<std::int64_t>& v)
{
    return Ranges(v.begin(), v.end());
}
} // namespace

class TestPooledRender final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void mapAxisCases_data()
    {
        QTest::addColumn<double>("start");
        QTest::addColumn<double>("length");
        QTest::addColumn<int>("pixels");
        QTest::addColumn<qint64>("field");
        QTest::addColumn<qint64>("cell");
        QTest::addColumn<Ranges>("begin");
        QTest::addColumn<Ranges>("end");
        QTest::addColumn<qint64>("first");
        QTest::addColumn<qint64>("last");

        QTest::newRow("one to one") << 0.0 << 4.0 << 4 << 4LL << 1LL << Ranges{0, 1, 2, 3}
                                    << Ranges{1, 2, 3, 4} << 0LL << 4LL;
        // 4 px per element: each pixel shows the element under its centre.
        QTest::newRow("zoomed in 4x")
            << 0.0 << 2.0 << 8 << 10LL << 1LL << Ranges{0, 0, 0, 0, 1, 1, 1, 1}
            << Ranges{1, 1, 1, 1, 2, 2, 2, 2} << 0LL << 2LL;
        // The last pixels show the last element, never one past the field.
        QTest::newRow("zoomed in, last pixel")
            << 8.0 << 2.0 << 4 << 10LL << 1LL << Ranges{8, 8, 9, 9} << Ranges{9, 9, 10, 10} << 8LL
            << 10LL;
        QTest::newRow("zoomed in 2.5x, fractional start")
            << 0.3 << 2.0 << 5 << 10LL << 1LL << Ranges{0, 0, 1, 1, 2} << Ranges{1, 1, 2, 2, 3}
            << 0LL << 3LL;
        QTest::newRow("zoomed out 2x") << 0.0 << 8.0 << 4 << 8LL << 1LL << Ranges{0, 2, 4, 6}
                                       << Ranges{2, 4, 6, 8} << 0LL << 8LL;
        // 10 elements in 3 pixels (3.33 each): every element whose centre is in the pixel, so
        // each counts once and the last pixel ends at the last element.
        QTest::newRow("zoomed out 3.33x") << 0.0 << 10.0 << 3 << 10LL << 1LL << Ranges{0, 3, 7}
                                          << Ranges{3, 7, 10} << 0LL << 10LL;
        // Cells of 4 elements over a field of 10 (the last cell holds 2).
        QTest::newRow("cells, one to one")
            << 0.0 << 10.0 << 10 << 10LL << 4LL << Ranges{0, 0, 0, 0, 1, 1, 1, 1, 2, 2}
            << Ranges{1, 1, 1, 1, 2, 2, 2, 2, 3, 3} << 0LL << 3LL;
        QTest::newRow("cells, zoomed out")
            << 0.0 << 10.0 << 2 << 10LL << 4LL << Ranges{0, 1} << Ranges{2, 3} << 0LL << 3LL;
        // Pixels past the field show nothing (begin == end).
        QTest::newRow("past the end")
            << 6.0 << 8.0 << 8 << 10LL << 1LL << Ranges{6, 7, 8, 9, 0, 0, 0, 0}
            << Ranges{7, 8, 9, 10, 0, 0, 0, 0} << 6LL << 10LL;
        QTest::newRow("before the start") << -2.0 << 4.0 << 4 << 10LL << 1LL << Ranges{0, 0, 0, 1}
                                          << Ranges{0, 0, 1, 2} << 0LL << 2LL;
        QTest::newRow("wholly outside") << 20.0 << 4.0 << 4 << 10LL << 1LL << Ranges{0, 0, 0, 0}
                                        << Ranges{0, 0, 0, 0} << 0LL << 0LL;
        QTest::newRow("empty range")
            << 3.0 << 0.0 << 3 << 10LL << 1LL << Ranges{0, 0, 0} << Ranges{0, 0, 0} << 0LL << 0LL;
        QTest::newRow("empty field")
            << 0.0 << 4.0 << 2 << 0LL << 1LL << Ranges{0, 0} << Ranges{0, 0} << 0LL << 0LL;
    }

    void mapAxisCases()
    {
        QFETCH(double, start);
        QFETCH(double, length);
        QFETCH(int, pixels);
        QFETCH(qint64, field);
        QFETCH(qint64, cell);
        QFETCH(Ranges, begin);
        QFETCH(Ranges, end);
        QFETCH(qint64, first);
        QFETCH(qint64, last);
        const AxisMap m = mapAxis(start, length, pixels, field, cell);
        QCOMPARE(toList(m.begin), begin);
        QCOMPARE(toList(m.end), end);
        QCOMPARE(qint64(m.first), first);
        QCOMPARE(qint64(m.last), last);
    }

    // Zoomed out at any scale, each element inside the region is shown by exactly the pixel
    // that holds its centre: the ranges tile the visible elements without gap or overlap.
    void zoomedOutEveryElementOnce()
    {
        std::mt19937 rng(7);
        std::uniform_real_distribution<double> startIn(-50.0, 900.0);
        std::uniform_real_distribution<double> scaleIn(1.0, 40.0); // elements per pixel
        std::uniform_int_distribution<int> pixelsIn(1, 300);
        const std::int64_t field = 1000;
        for (int run = 0; run < 500; ++run) {
            const double start = startIn(rng);
            const int pixels = pixelsIn(rng);
            const double length = scaleIn(rng) * pixels;
            const AxisMap m = mapAxis(start, length, pixels, field, 1);
            const double step = length / pixels;
            for (std::int64_t e = 0; e < field; ++e) {
                const double at = (double(e) + 0.5 - start) / step;
                int owners = 0;
                for (int i = 0; i < pixels; ++i)
                    owners += m.begin[std::size_t(i)] <= e && e < m.end[std::size_t(i)];
                // Centres exactly on a pixel edge may go either way; none is dropped or doubled.
                if (at >= 0.0 && at < pixels)
                    QVERIFY2(owners == 1,
                             qPrintable(QStringLiteral("run %1: element %2 in %3 pixels")
                                            .arg(run)
                                            .arg(e)
                                            .arg(owners)));
                else if (at < -1e-9 || at > pixels + 1e-9)
                    QCOMPARE(owners, 0);
            }
        }
    }
};

QTEST_MAIN(TestPooledRender)
#include "tst_pooledrender.moc"
