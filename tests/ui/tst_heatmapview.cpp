// HeatmapView: asynchronous rendering (the image arrives, stale sources are dropped, requests
// coalesce, a preview is drawn meanwhile), hover positions, zoom about the cursor, keys, drag,
// and the full-resolution export.
#include "heatmap/heatmapview.h"
#include "heatmap/valueheatmapsource.h"
#include "jobs/gatedpool.h"
#include "testsnapshots.h"

#include <QSignalSpy>
#include <QTest>
#include <QThread>
#include <QThreadPool>
#include <cmath>

using namespace sparsity;
using namespace sparsity::ui;

namespace {
const QColor background(72, 72, 78);

// A field of one colour (or two: left half, right half) that takes its time to render.
class SlowSource final : public HeatmapSource
{
public:
    SlowSource(QSize field, QRgb left, QRgb right, int delayMs)
        : m_field(field)
        , m_left(left)
        , m_right(right)
        , m_delayMs(delayMs)
    {}

    QSize fieldSize() const override { return m_field; }
    QImage render(const QRectF& region, const QSize& pixels,
                  const std::atomic<bool>& cancelled) const override
    {
        ++started;
        for (int waited = 0; waited < m_delayMs; waited += 2) {
            if (cancelled.load())
                return {};
            QThread::msleep(2);
        }
        QImage image(pixels, QImage::Format_ARGB32_Premultiplied);
        image.fill(Qt::transparent);
        for (int y = 0; y < pixels.height(); ++y)
            for (int x = 0; x < pixels.width(); ++x) {
                const double ex = region.x() + (x + 0.5) * region.width() / pixels.width();
                const double ey = region.y() + (y + 0.5) * region.height() / pixels.height();
                if (ex >= 0 && ey >= 0 && ex < m_field.width() && ey < m_field.height())
                    image.setPixel(x, y, ex < m_field.width() / 2.0 ? m_left : m_right);
            }
        ++finished;
        return image;
    }
    std::optional<Scale> scale() const override { return std::nullopt; }

    mutable std::atomic<int> started{0};
    mutable std::atomic<int> finished{0};

private:
    QSize m_field;
    QRgb m_left;
    QRgb m_right;
    int m_delayMs;
};

std::shared_ptr<SlowSource> solid(QSize field, QRgb colour, int delayMs = 0)
{
    return std::make_shared<SlowSource>(field, colour, colour, delayMs);
}

QRgb shownAt(HeatmapView& view, QPoint p)
{
    return view.grab().toImage().pixel(p);
}

void moveMouse(QWidget& w, QPointF pos, Qt::MouseButtons buttons = Qt::NoButton)
{
    QMouseEvent event(QEvent::MouseMove, pos, w.mapToGlobal(pos), Qt::NoButton, buttons,
                      Qt::NoModifier);
    QCoreApplication::sendEvent(&w, &event);
}

void wheel(QWidget& w, QPointF pos, int delta)
{
    QWheelEvent event(pos, w.mapToGlobal(pos), QPoint(), QPoint(0, delta), Qt::NoButton,
                      Qt::NoModifier, Qt::NoScrollPhase, false);
    QCoreApplication::sendEvent(&w, &event);
}

bool near(QPointF a, QPointF b)
{
    return std::fabs(a.x() - b.x()) < 1e-6 && std::fabs(a.y() - b.y()) < 1e-6;
}
} // namespace

class TestHeatmapView final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void theRenderedImageArrives();
    void staleSourcesAreDropped();
    void requestsCoalesce();
    void onlyTheNewestIsShownOnTheInjectedPool();
    void previewIsDrawnUntilTheNewImageArrives();
    void hoverReportsTheElement_data();
    void hoverReportsTheElement();
    void wheelZoomKeepsTheElementUnderTheCursor_data();
    void wheelZoomKeepsTheElementUnderTheCursor();
    void keysZoomAndPan();
    void dragPans();
    void sameFieldKeepsTheViewNewFieldFits();
    void blockGridAndHoverAreDrawn();
    void weightsShowInTheirColours();
    void grabFullResolution();

private:
    QThreadPool m_pool; // renders for m_view; outlives it
    std::unique_ptr<HeatmapView> m_view;
};

void TestHeatmapView::init()
{
    m_view = std::make_unique<HeatmapView>(&m_pool);
    m_view->resize(400, 300);
    m_view->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
}

void TestHeatmapView::cleanup()
{
    m_view.reset();
}

void TestHeatmapView::theRenderedImageArrives()
{
    QSignalSpy updated(m_view.get(), &HeatmapView::imageUpdated);
    m_view->setSource(solid(QSize(100, 50), qRgb(200, 0, 0), 20));
    QVERIFY(m_view->isRendering());
    QTRY_VERIFY(!m_view->renderedImage().isNull());
    QCOMPARE(updated.count(), 1);
    QCOMPARE(m_view->renderedImage().size(), QSize(400, 300));
    QCOMPARE(m_view->renderedRegion(), m_view->zoomModel().visibleRegion());
    // The field (100 x 50 at 4 px per element) sits centred: rows 50..250 of the widget.
    QCOMPARE(shownAt(*m_view, QPoint(200, 150)), qRgb(200, 0, 0));
    QCOMPARE(shownAt(*m_view, QPoint(200, 20)), background.rgb());
    QTRY_VERIFY(!m_view->isRendering());
}

void TestHeatmapView::staleSourcesAreDropped()
{
    QList<QRgb> shown;
    connect(m_view.get(), &HeatmapView::imageUpdated, this,
            [&] { shown << m_view->renderedImage().pixel(200, 150); });
    const auto first = solid(QSize(100, 50), qRgb(0, 200, 0), 300);
    const auto second = solid(QSize(100, 50), qRgb(0, 0, 200), 30);
    m_view->setSource(first);
    QTRY_COMPARE(first->started.load(), 1);
    m_view->setSource(second);
    QTRY_COMPARE(shown.size(), 1);
    QCOMPARE(shown.first(), qRgb(0, 0, 200));
    // Every job has ended and delivered: the first, had it not stopped, would have been shown.
    test::waitUntilIdle(m_pool);
    QCOMPARE(shown, QList<QRgb>{qRgb(0, 0, 200)});
    QCOMPARE(first->finished.load(), 0); // told to stop, it stopped
    QCOMPARE(shownAt(*m_view, QPoint(200, 150)), qRgb(0, 0, 200));

    // Several sources in a row: only the last one is shown.
    shown.clear();
    std::vector<std::shared_ptr<SlowSource>> sources;
    for (int i = 0; i < 5; ++i) {
        sources.push_back(solid(QSize(100, 50), qRgb(10 * i, 100, 100), 50));
        m_view->setSource(sources.back());
    }
    QTRY_VERIFY(!shown.isEmpty() && !m_view->isRendering());
    QCOMPARE(shown.last(), qRgb(40, 100, 100));
    for (QRgb c : shown)
        QCOMPARE(c, qRgb(40, 100, 100));
}

void TestHeatmapView::requestsCoalesce()
{
    const auto source = solid(QSize(1000, 500), qRgb(50, 50, 50), 60);
    m_view->setSource(source);
    QTRY_VERIFY(!m_view->isRendering());
    const int before = source->started.load();
    for (int i = 0; i < 10; ++i) {
        m_view->zoomIn();
        m_view->zoomOut();
        m_view->zoomIn();
    }
    QTRY_VERIFY(!m_view->isRendering());
    // One job was in flight and the rest coalesced into one more.
    QVERIFY2(source->started.load() - before <= 2,
             qPrintable(QString::number(source->started.load() - before)));
    QCOMPARE(m_view->renderedRegion(), m_view->zoomModel().visibleRegion());
}

// On a pool the test holds: three sources and some zooming queue up; once the pool runs, only
// the last source is rendered and shown, once, at the latest geometry.
void TestHeatmapView::onlyTheNewestIsShownOnTheInjectedPool()
{
    test::GatedPool gated;
    HeatmapView view(gated.pool());
    view.resize(400, 300);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QList<QRgb> shown;
    connect(&view, &HeatmapView::imageUpdated, this,
            [&] { shown << view.renderedImage().pixel(200, 150); });
    const QSize field(100, 50);
    const auto first = solid(field, qRgb(200, 0, 0), 2);
    const auto second = solid(field, qRgb(0, 200, 0), 2);
    const auto third = solid(field, qRgb(0, 0, 200), 2);
    view.setSource(first);
    view.setSource(second);
    view.zoomIn();
    view.setSource(third);
    view.zoomIn();
    view.zoomOut();
    view.zoomIn();
    QVERIFY(view.isRendering());
    QCOMPARE(first->started.load() + second->started.load() + third->started.load(), 0);
    gated.open();
    QTRY_VERIFY(!view.isRendering());
    QCOMPARE(shown, QList<QRgb>{qRgb(0, 0, 200)});
    QCOMPARE(first->finished.load(), 0); // it was running when replaced: told to stop
    QCOMPARE(second->started.load(), 0); // replaced while it waited
    QCOMPARE(third->started.load(), 1);  // the zooms coalesced into its one render
    QCOMPARE(view.renderedRegion(), view.zoomModel().visibleRegion());
    QCOMPARE(shownAt(view, QPoint(200, 150)), qRgb(0, 0, 200));
}

void TestHeatmapView::previewIsDrawnUntilTheNewImageArrives()
{
    const auto source =
        std::make_shared<SlowSource>(QSize(100, 50), qRgb(255, 0, 0), qRgb(0, 0, 255), 300);
    m_view->setSource(source);
    QTRY_VERIFY_WITH_TIMEOUT(!m_view->renderedImage().isNull(), 5000);
    const QRectF oldRegion = m_view->renderedRegion();
    m_view->zoomIn(); // about the centre: the left half now fills x < 200
    QVERIFY(m_view->isRendering());
    QCOMPARE(m_view->renderedRegion(), oldRegion); // the new image is not there yet
    // The old image, scaled 2x: red left of the centre, blue right of it, field to the edges.
    const QImage preview = m_view->grab().toImage();
    QCOMPARE(preview.pixel(10, 150), qRgb(255, 0, 0));
    QCOMPARE(preview.pixel(390, 150), qRgb(0, 0, 255));
    QTRY_VERIFY_WITH_TIMEOUT(m_view->renderedRegion() == m_view->zoomModel().visibleRegion(), 5000);
}

void TestHeatmapView::hoverReportsTheElement_data()
{
    QTest::addColumn<QPointF>("pos");
    QTest::addColumn<qint64>("row");
    QTest::addColumn<qint64>("col");
    // 100 x 50 at 4 px per element, the field's top-left at (0, 50).
    QTest::newRow("first element") << QPointF(0.5, 50.5) << 0LL << 0LL;
    QTest::newRow("inside") << QPointF(10.5, 61) << 2LL << 2LL;
    QTest::newRow("last element") << QPointF(399.5, 249.5) << 49LL << 99LL;
    QTest::newRow("above the field") << QPointF(200, 20) << -1LL << -1LL;
    QTest::newRow("below the field") << QPointF(200, 251) << -1LL << -1LL;
}

void TestHeatmapView::hoverReportsTheElement()
{
    QFETCH(QPointF, pos);
    QFETCH(qint64, row);
    QFETCH(qint64, col);
    m_view->setSource(solid(QSize(100, 50), qRgb(1, 2, 3)));
    QSignalSpy hovered(m_view.get(), &HeatmapView::hovered);
    moveMouse(*m_view, QPointF(200, 150)); // element (25, 50) first, so every row is a change
    moveMouse(*m_view, pos);
    QCOMPARE(hovered.count(), 2);
    QCOMPARE(hovered.last().at(0).toLongLong(), row);
    QCOMPARE(hovered.last().at(1).toLongLong(), col);
    // Leaving the widget clears it.
    moveMouse(*m_view, QPointF(200, 150));
    QEvent leave(QEvent::Leave);
    QCoreApplication::sendEvent(m_view.get(), &leave);
    QCOMPARE(hovered.last().at(0).toLongLong(), -1LL);
    QCOMPARE(hovered.last().at(1).toLongLong(), -1LL);
}

void TestHeatmapView::wheelZoomKeepsTheElementUnderTheCursor_data()
{
    QTest::addColumn<QPointF>("pos");
    QTest::addColumn<int>("delta");
    QTest::newRow("in at the centre") << QPointF(200, 150) << 120;
    QTest::newRow("in off centre") << QPointF(37.5, 231.25) << 240;
    QTest::newRow("out") << QPointF(300, 100) << -120;
    QTest::newRow("far in") << QPointF(123, 77) << 1200;
}

void TestHeatmapView::wheelZoomKeepsTheElementUnderTheCursor()
{
    QFETCH(QPointF, pos);
    QFETCH(int, delta);
    m_view->setSource(solid(QSize(100, 50), qRgb(1, 2, 3)));
    QSignalSpy changed(m_view.get(), &HeatmapView::viewChanged);
    const QPointF element = m_view->zoomModel().elementAt(pos);
    const double scale = m_view->zoomModel().scale();
    wheel(*m_view, pos, delta);
    QCOMPARE(changed.count(), 1);
    QVERIFY(near(m_view->zoomModel().elementAt(pos), element));
    const double expected = std::clamp(scale * std::pow(2.0, delta / 240.0),
                                       m_view->zoomModel().minimumScale(), ZoomModel::maximumScale);
    QVERIFY(std::fabs(m_view->zoomModel().scale() - expected) < 1e-9);
    QTRY_COMPARE(m_view->renderedRegion(), m_view->zoomModel().visibleRegion());
}

void TestHeatmapView::keysZoomAndPan()
{
    m_view->setSource(solid(QSize(100, 50), qRgb(1, 2, 3)));
    const double fit = m_view->zoomModel().scale();
    QTest::keyClick(m_view.get(), Qt::Key_Plus);
    QCOMPARE(m_view->zoomModel().scale(), fit * 2);
    QTest::keyClick(m_view.get(), Qt::Key_Minus);
    QCOMPARE(m_view->zoomModel().scale(), fit);
    QTest::keyClick(m_view.get(), Qt::Key_1);
    QCOMPARE(m_view->zoomModel().scale(), 1.0);
    QTest::keyClick(m_view.get(), Qt::Key_0);
    QVERIFY(m_view->zoomModel().isFitting());
    QTest::keyClick(m_view.get(), Qt::Key_Plus);
    QTest::keyClick(m_view.get(), Qt::Key_Plus);
    const QPointF before = m_view->zoomModel().offset();
    QTest::keyClick(m_view.get(), Qt::Key_Right); // shows more to the right: the field moves left
    QVERIFY(m_view->zoomModel().offset().x() < before.x());
    QTest::keyClick(m_view.get(), Qt::Key_Left);
    QVERIFY(near(m_view->zoomModel().offset(), before));
    QTest::keyClick(m_view.get(), Qt::Key_Down);
    QVERIFY(m_view->zoomModel().offset().y() < before.y());
}

void TestHeatmapView::dragPans()
{
    m_view->setSource(solid(QSize(100, 50), qRgb(1, 2, 3)));
    m_view->zoomIn();
    const QPointF before = m_view->zoomModel().offset();
    QSignalSpy changed(m_view.get(), &HeatmapView::viewChanged);
    QTest::mousePress(m_view.get(), Qt::LeftButton, Qt::NoModifier, QPoint(200, 150));
    moveMouse(*m_view, QPointF(215, 155), Qt::LeftButton);
    moveMouse(*m_view, QPointF(230, 160), Qt::LeftButton);
    QTest::mouseRelease(m_view.get(), Qt::LeftButton, Qt::NoModifier, QPoint(230, 160));
    QVERIFY(near(m_view->zoomModel().offset() - before, QPointF(30, 10)));
    QCOMPARE(changed.count(), 2);
    moveMouse(*m_view, QPointF(100, 100)); // no button: no more panning
    QVERIFY(near(m_view->zoomModel().offset() - before, QPointF(30, 10)));
}

void TestHeatmapView::sameFieldKeepsTheViewNewFieldFits()
{
    m_view->setSource(solid(QSize(100, 50), qRgb(1, 2, 3)));
    m_view->zoomIn();
    m_view->zoomIn();
    const double scale = m_view->zoomModel().scale();
    QTRY_VERIFY(!m_view->renderedImage().isNull());
    m_view->setSource(solid(QSize(100, 50), qRgb(4, 5, 6))); // a new mask of the same layer
    QCOMPARE(m_view->zoomModel().scale(), scale);
    QVERIFY(!m_view->renderedImage().isNull());             // kept as the preview
    m_view->setSource(solid(QSize(60, 30), qRgb(7, 8, 9))); // another layer
    QVERIFY(m_view->zoomModel().isFitting());
    QVERIFY(m_view->renderedImage().isNull()); // not a preview of another field
    QTRY_COMPARE(shownAt(*m_view, QPoint(200, 150)), qRgb(7, 8, 9));
    m_view->setSource(nullptr);
    QCOMPARE(shownAt(*m_view, QPoint(200, 150)), background.rgb());
}

void TestHeatmapView::blockGridAndHoverAreDrawn()
{
    // 10 x 10 field at 30 px per element: 2x5 blocks are 150 x 60 px.
    m_view->setSource(solid(QSize(10, 10), qRgb(0, 0, 0)));
    m_view->setBlockGrid(QSize(5, 2));
    QTRY_VERIFY(!m_view->renderedImage().isNull());
    const QRectF field = m_view->zoomModel().fieldInViewport();
    QCOMPARE(field, QRectF(50, 0, 300, 300));
    QImage shot = m_view->grab().toImage();
    // A vertical grid line at column 5 (x = 200) and a horizontal one at row 2 (y = 60).
    QVERIFY(qRed(shot.pixel(199, 100)) > 0 || qRed(shot.pixel(200, 100)) > 0);
    QVERIFY(qRed(shot.pixel(100, 59)) > 0 || qRed(shot.pixel(100, 60)) > 0);
    QCOMPARE(shot.pixel(120, 100), qRgb(0, 0, 0)); // inside a block
    // Blocks narrower than 8 px get no lines.
    m_view->setBlockGrid(QSize(1, 1));
    m_view->setSource(solid(QSize(100, 100), qRgb(0, 0, 0))); // 3 px per element
    QTRY_VERIFY(!m_view->renderedImage().isNull());
    shot = m_view->grab().toImage();
    for (int x = 60; x < 120; ++x)
        QCOMPARE(shot.pixel(x, 100), qRgb(0, 0, 0));
    // Hovering outlines the hovered block.
    moveMouse(*m_view, QPointF(200, 150));
    shot = m_view->grab().toImage();
    bool outlined = false;
    for (int x = 190; x < 210; ++x)
        outlined = outlined || qRed(shot.pixel(x, 150)) > 128;
    QVERIFY(outlined);
}

void TestHeatmapView::weightsShowInTheirColours()
{
    std::vector<double> v(20 * 10);
    for (std::size_t i = 0; i < v.size(); ++i)
        v[i] = std::sin(double(i)) * (i % 7);
    core::SparsityParams params;
    const auto snapshot = test::makeSnapshot(core::WeightTensor({10, 20}, v), params);
    const auto source = std::make_shared<WeightsSource>(snapshot, Colormap(), false);
    m_view->setSource(source);
    QTRY_VERIFY(!m_view->renderedImage().isNull());
    // 20 x 10 at 20 px per element, the field from (0, 50).
    const QImage shot = m_view->grab().toImage();
    const double max = source->valueScale().maximum;
    for (int r = 0; r < 10; r += 3)
        for (int c = 0; c < 20; c += 3)
            QCOMPARE(shot.pixel(c * 20 + 10, 50 + r * 20 + 10),
                     Colormap().color(std::fabs(v[std::size_t(r * 20 + c)]) / max));
}

void TestHeatmapView::grabFullResolution()
{
    QVERIFY(m_view->grabFullResolution().isNull()); // no source
    m_view->setSource(
        std::make_shared<SlowSource>(QSize(100, 50), qRgb(255, 0, 0), qRgb(0, 0, 255), 0));
    m_view->zoomIn();
    const QImage full = m_view->grabFullResolution();
    QCOMPARE(full.size(), QSize(100, 50));
    QCOMPARE(full.pixel(0, 0), qRgb(255, 0, 0));
    QCOMPARE(full.pixel(99, 49), qRgb(0, 0, 255));
    QCOMPARE(m_view->grabFullResolution(40).size(), QSize(40, 20));
    // From a worker thread, as the app's export does.
    QImage fromWorker;
    QThread* worker = QThread::create([&] { fromWorker = m_view->grabFullResolution(64); });
    worker->start();
    QVERIFY(worker->wait(5000));
    delete worker;
    QCOMPARE(fromWorker.size(), QSize(64, 32));
}

QTEST_MAIN(TestHeatmapView)
#include "tst_heatmapview.moc"
