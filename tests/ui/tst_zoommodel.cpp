// The view geometry as free logic: fitting, the scale limits, zoom about the cursor, clamped
// panning, and the mappings between viewport pixels and elements.
#include "heatmap/zoommodel.h"

#include <QTest>
#include <cmath>

using namespace sparsity::ui;

namespace {
ZoomModel model(QSize field, QSizeF viewport)
{
    ZoomModel m;
    m.setViewportSize(viewport);
    m.setFieldSize(field);
    return m;
}
bool near(QPointF a, QPointF b, double eps = 1e-9)
{
    return std::fabs(a.x() - b.x()) <= eps && std::fabs(a.y() - b.y()) <= eps;
}
bool near(double a, double b, double eps = 1e-9)
{
    return std::fabs(a - b) <= eps * std::max(1.0, std::fabs(b));
}
bool near(const QRectF& a, const QRectF& b)
{
    return near(a.topLeft(), b.topLeft(), 1e-6) && near(a.bottomRight(), b.bottomRight(), 1e-6);
}
} // namespace

class TestZoomModel final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // Stretched, a 512x9 field fills the viewport both ways; zoom keeps the row/column ratio
    // and the element under the cursor; 1:1 and unstretching make cells square again.
    void stretchFillsBothDirections()
    {
        ZoomModel m = model(QSize(512, 9), QSizeF(600, 400));
        QVERIFY(near(m.fieldInViewport().height(), 9 * 600.0 / 512));
        m.setStretch(true);
        QVERIFY(m.isFitting());
        QVERIFY(near(m.fieldInViewport(), QRectF(0, 0, 600, 400)));
        QVERIFY(near(m.scaleY(), 400.0 / 9));
        QVERIFY(near(m.visibleRegion(), QRectF(0, 0, 512, 9)));
        QVERIFY(near(m.elementAt(QPointF(599, 399)), QPointF(599 * 512 / 600.0, 399 * 9 / 400.0)));

        const QPointF cursor(150, 100);
        const QPointF under = m.elementAt(cursor);
        const double ratio = m.scaleY() / m.scale();
        m.zoomAt(cursor, 1.2);
        QVERIFY(near(m.elementAt(cursor), under));
        QVERIFY(near(m.scaleY() / m.scale(), ratio));
        QVERIFY(m.scaleY() <= ZoomModel::maximumScale);
        m.zoomAt(cursor, 100.0); // rows reach the limit first
        QVERIFY(near(m.scaleY(), ZoomModel::maximumScale));

        m.setViewportSize(QSizeF(800, 300)); // zoomed: no refit
        QVERIFY(!m.isFitting());
        m.fitToWindow();
        QVERIFY(near(m.fieldInViewport(), QRectF(0, 0, 800, 300)));
        m.setViewportSize(QSizeF(700, 500)); // fitting: refits, still filling
        QVERIFY(near(m.fieldInViewport(), QRectF(0, 0, 700, 500)));

        m.oneToOne();
        QCOMPARE(m.scale(), 1.0);
        QCOMPARE(m.scaleY(), 1.0);
        m.setStretch(false);
        QVERIFY(m.isFitting());
        QCOMPARE(m.scaleY(), m.scale());
        QVERIFY(near(m.fieldInViewport().width(), 700.0));
    }

    void fitCentresTheField_data();
    void fitCentresTheField();
    void scaleLimits_data();
    void scaleLimits();
    void zoomKeepsTheElementUnderTheCursor_data();
    void zoomKeepsTheElementUnderTheCursor();
    void panIsClampedSoTheFieldStaysInView_data();
    void panIsClampedSoTheFieldStaysInView();
    void mappingsAreInverse_data();
    void mappingsAreInverse();
    void oneToOneKeepsTheCentre();
    void resizeRefitsOnlyWhileFitting();
    void sameFieldSizeKeepsTheView();
    void emptyFieldOrViewportStaysFinite();
};

void TestZoomModel::fitCentresTheField_data()
{
    QTest::addColumn<QSize>("field");
    QTest::addColumn<QSizeF>("viewport");
    QTest::addColumn<double>("scale");
    QTest::newRow("wide viewport") << QSize(100, 50) << QSizeF(400, 300) << 4.0;
    QTest::newRow("tall viewport") << QSize(100, 50) << QSizeF(200, 300) << 2.0;
    QTest::newRow("big layer") << QSize(11008, 4096) << QSizeF(1000, 700) << 1000.0 / 11008.0;
    QTest::newRow("one row") << QSize(4096, 1) << QSizeF(800, 600) << 800.0 / 4096.0;
    QTest::newRow("tiny field capped at 64") << QSize(2, 2) << QSizeF(400, 300) << 64.0;
    QTest::newRow("one element") << QSize(1, 1) << QSizeF(50, 50) << 50.0;
}

void TestZoomModel::fitCentresTheField()
{
    QFETCH(QSize, field);
    QFETCH(QSizeF, viewport);
    QFETCH(double, scale);
    const ZoomModel m = model(field, viewport);
    QVERIFY(m.isFitting());
    QVERIFY(near(m.scale(), scale));
    const QRectF onScreen = m.fieldInViewport();
    QVERIFY(near(onScreen.center(), QPointF(viewport.width() / 2, viewport.height() / 2)));
    QVERIFY(onScreen.width() <= viewport.width() + 1e-9);
    QVERIFY(onScreen.height() <= viewport.height() + 1e-9);
}

void TestZoomModel::scaleLimits_data()
{
    QTest::addColumn<QSize>("field");
    QTest::addColumn<QSizeF>("viewport");
    QTest::addColumn<double>("minimum");
    QTest::newRow("small field: 1:1 reachable") << QSize(100, 50) << QSizeF(400, 300) << 0.5;
    QTest::newRow("big layer: 1/8 of the window")
        << QSize(11008, 4096) << QSizeF(1000, 700) << 1000.0 / 11008.0 / 8.0;
    QTest::newRow("tiny field") << QSize(3, 3) << QSizeF(300, 300) << 1.0;
}

void TestZoomModel::scaleLimits()
{
    QFETCH(QSize, field);
    QFETCH(QSizeF, viewport);
    QFETCH(double, minimum);
    ZoomModel m = model(field, viewport);
    QVERIFY(near(m.minimumScale(), minimum));
    m.zoomAt(QPointF(10, 10), 1e9);
    QCOMPARE(m.scale(), ZoomModel::maximumScale);
    m.zoomAt(QPointF(10, 10), 1e-9);
    QVERIFY(near(m.scale(), minimum));
    QVERIFY(!m.isFitting());
}

void TestZoomModel::zoomKeepsTheElementUnderTheCursor_data()
{
    QTest::addColumn<QSize>("field");
    QTest::addColumn<QPointF>("cursor");
    QTest::addColumn<double>("factor");
    QTest::addColumn<int>("repeat");
    QTest::newRow("in, centre") << QSize(100, 50) << QPointF(200, 150) << 2.0 << 1;
    QTest::newRow("in, corner") << QSize(100, 50) << QPointF(3, 53) << 1.5 << 3;
    QTest::newRow("out") << QSize(100, 50) << QPointF(390, 240) << 0.8 << 1;
    QTest::newRow("in then clamped at 64") << QSize(100, 50) << QPointF(123.4, 201.7) << 3.0 << 8;
    QTest::newRow("big layer, many notches")
        << QSize(11008, 4096) << QPointF(777, 333) << 1.4142 << 30;
}

void TestZoomModel::zoomKeepsTheElementUnderTheCursor()
{
    QFETCH(QSize, field);
    QFETCH(QPointF, cursor);
    QFETCH(double, factor);
    QFETCH(int, repeat);
    ZoomModel m = model(field, QSizeF(400, 300));
    if (field.width() > 1000)
        m.setViewportSize(QSizeF(1000, 700));
    const QPointF element = m.elementAt(cursor);
    QVERIFY(m.fieldInViewport().contains(cursor));
    for (int i = 0; i < repeat; ++i) {
        m.zoomAt(cursor, factor);
        QVERIFY2(near(m.elementAt(cursor), element, 1e-6),
                 qPrintable(QStringLiteral("step %1: (%2, %3)")
                                .arg(i)
                                .arg(m.elementAt(cursor).x())
                                .arg(m.elementAt(cursor).y())));
    }
    QVERIFY(m.scale() <= ZoomModel::maximumScale);
}

void TestZoomModel::panIsClampedSoTheFieldStaysInView_data()
{
    QTest::addColumn<double>("zoom");
    QTest::addColumn<QPointF>("pan");
    QTest::addRow("fit, far right") << 1.0 << QPointF(1e6, 0);
    QTest::addRow("fit, far left") << 1.0 << QPointF(-1e6, 0);
    QTest::addRow("zoomed, far down") << 8.0 << QPointF(0, 1e6);
    QTest::addRow("zoomed, far up-left") << 8.0 << QPointF(-1e6, -1e6);
    QTest::addRow("zoomed out, far right") << 0.05 << QPointF(1e6, 1e6);
}

void TestZoomModel::panIsClampedSoTheFieldStaysInView()
{
    QFETCH(double, zoom);
    QFETCH(QPointF, pan);
    ZoomModel m = model(QSize(100, 50), QSizeF(400, 300));
    m.zoomAt(QPointF(200, 150), zoom);
    m.panBy(pan);
    const QRectF field = m.fieldInViewport();
    const QRectF visible = field.intersected(QRectF(0, 0, 400, 300));
    const double keepX = std::min(ZoomModel::keepVisible, field.width());
    const double keepY = std::min(ZoomModel::keepVisible, field.height());
    QVERIFY2(
        visible.width() >= keepX - 1e-9 && visible.height() >= keepY - 1e-9,
        qPrintable(QStringLiteral("%1 x %2 visible").arg(visible.width()).arg(visible.height())));
    // An unclamped pan moves by exactly the pixels.
    ZoomModel n = model(QSize(100, 50), QSizeF(400, 300));
    n.zoomAt(QPointF(200, 150), 4.0);
    const QPointF before = n.offset();
    n.panBy(QPointF(13, -7));
    QVERIFY(near(n.offset() - before, QPointF(13, -7)));
}

void TestZoomModel::mappingsAreInverse_data()
{
    QTest::addColumn<double>("zoom");
    QTest::addColumn<QPointF>("pan");
    QTest::newRow("fit") << 1.0 << QPointF();
    QTest::newRow("zoomed in, panned") << 6.0 << QPointF(-120, 37);
    QTest::newRow("zoomed out") << 0.3 << QPointF(20, 20);
}

void TestZoomModel::mappingsAreInverse()
{
    QFETCH(double, zoom);
    QFETCH(QPointF, pan);
    ZoomModel m = model(QSize(100, 50), QSizeF(400, 300));
    m.zoomAt(QPointF(150, 100), zoom);
    m.panBy(pan);
    const QRectF viewport = m.mapToViewport(m.visibleRegion());
    QVERIFY(near(viewport.topLeft(), QPointF(0, 0), 1e-9));
    QVERIFY(near(viewport.bottomRight(), QPointF(400, 300), 1e-9));
    for (const QPointF p : {QPointF(0, 0), QPointF(17.5, 250), QPointF(399, 1)}) {
        const QPointF e = m.elementAt(p);
        QVERIFY(near(m.mapToViewport(QRectF(e, QSizeF(1, 1))).topLeft(), p, 1e-9));
    }
    // Element (c, r) occupies [c, c+1) x [r, r+1) in element coordinates.
    const QRectF cell = m.mapToViewport(QRectF(10, 20, 1, 1));
    QVERIFY(near(m.elementAt(cell.center()), QPointF(10.5, 20.5), 1e-9));
    QVERIFY(near(cell.width(), m.scale()));
}

void TestZoomModel::oneToOneKeepsTheCentre()
{
    ZoomModel m = model(QSize(11008, 4096), QSizeF(1000, 700));
    m.zoomAt(QPointF(300, 300), 3.0);
    const QPointF centre = m.elementAt(QPointF(500, 350));
    m.oneToOne();
    QCOMPARE(m.scale(), 1.0);
    QVERIFY(near(m.elementAt(QPointF(500, 350)), centre, 1e-6));
    QVERIFY(!m.isFitting());
    m.fitToWindow();
    QVERIFY(m.isFitting());
}

void TestZoomModel::resizeRefitsOnlyWhileFitting()
{
    ZoomModel m = model(QSize(100, 50), QSizeF(400, 300));
    m.setViewportSize(QSizeF(800, 600));
    QVERIFY(near(m.scale(), 8.0));
    m.zoomAt(QPointF(400, 300), 2.0);
    const QPointF centre = m.elementAt(QPointF(400, 300));
    m.setViewportSize(QSizeF(600, 500));
    QVERIFY(near(m.scale(), 16.0));
    QVERIFY(near(m.elementAt(QPointF(300, 250)), centre, 1e-9));
}

void TestZoomModel::sameFieldSizeKeepsTheView()
{
    ZoomModel m = model(QSize(100, 50), QSizeF(400, 300));
    m.zoomAt(QPointF(100, 100), 4.0);
    const ZoomModel before = m;
    m.setFieldSize(QSize(100, 50));
    QVERIFY(m == before);
    m.setFieldSize(QSize(60, 50));
    QVERIFY(m.isFitting());
    QVERIFY(near(m.scale(), 6.0));
}

void TestZoomModel::emptyFieldOrViewportStaysFinite()
{
    ZoomModel m;
    m.fitToWindow();
    m.zoomAt(QPointF(1, 1), 2.0);
    m.panBy(QPointF(5, 5));
    QVERIFY(std::isfinite(m.scale()) && m.scale() > 0);
    QVERIFY(std::isfinite(m.visibleRegion().width()));
    ZoomModel n = model(QSize(10, 10), QSizeF(0, 0));
    QVERIFY(std::isfinite(n.scale()) && n.scale() > 0);
    n.setViewportSize(QSizeF(100, 100));
    QVERIFY(near(n.scale(), 10.0));
}

QTEST_GUILESS_MAIN(TestZoomModel)
#include "tst_zoommodel.moc"
