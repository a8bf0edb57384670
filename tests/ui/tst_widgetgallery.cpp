// Every widget of ui/heatmap and ui/histogram on the demo weights, laid out as the app shows
// them, grabbed to images: the test checks they show something, and when
// SPARSITY_SCREENSHOT_DIR is set it saves them there as PNGs to look at.
#include "hdf5/hdf5reader.h"
#include "heatmap/colorbarwidget.h"
#include "heatmap/heatmapview.h"
#include "heatmap/masksource.h"
#include "heatmap/valueheatmapsource.h"
#include "histogram/histogramwidget.h"
#include "mask/blockthreshold.h"
#include "testsnapshots.h"

#include <QDir>
#include <QHBoxLayout>
#include <QSet>
#include <QSignalSpy>
#include <QTest>
#include <QThreadPool>
#include <cmath>
#include <random>

using namespace sparsity;
using namespace sparsity::ui;

namespace {
QString demoFile()
{
    return QStringLiteral(SPARSITY_TEST_DATA_DIR "/../../resources/demo/digits.h5");
}

std::shared_ptr<const LayerSnapshot> demoSnapshot(const QString& dataset,
                                                  const core::SparsityParams& p)
{
    const auto reader = core::Hdf5Reader::open(demoFile());
    return test::makeSnapshot(reader->readTensor(dataset, core::ExecutionContext{}), p);
}

// A layer with the structure of a big one: rows of different scales, a dead band, outliers and
// a few NaNs.
std::shared_ptr<const LayerSnapshot> syntheticSnapshot(const core::SparsityParams& p)
{
    const std::int64_t rows = 512;
    const std::int64_t cols = 2048;
    std::vector<float> v(std::size_t(rows * cols));
    std::mt19937 rng(1);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (std::int64_t r = 0; r < rows; ++r) {
        const float scale = 0.02f * (1.0f + 3.0f * float(r % 64) / 64.0f);
        for (std::int64_t c = 0; c < cols; ++c) {
            float x = normal(rng) * scale;
            if (c >= 900 && c < 1000)
                x *= 0.01f; // a dead band of inputs
            v[std::size_t(r * cols + c)] = x;
        }
    }
    for (int i = 0; i < 40; ++i)
        v[std::size_t(rng() % v.size())] = 0.9f; // isolated outliers
    v[std::size_t(100 * cols + 300)] = std::numeric_limits<float>::quiet_NaN();
    return test::makeSnapshot(core::WeightTensor({rows, cols}, v), p);
}

// How many distinct colours an image has: a blank or broken grab has one or two.
int colourCount(const QImage& image)
{
    QSet<QRgb> colours;
    const QImage rgb = image.convertToFormat(QImage::Format_RGB32);
    for (int y = 0; y < rgb.height(); y += 2)
        for (int x = 0; x < rgb.width(); x += 2)
            colours.insert(rgb.pixel(x, y));
    return int(colours.size());
}

// A heatmap with its colorbar, as the main window lays them out.
class HeatmapPanel final : public QWidget
{
public:
    explicit HeatmapPanel(QThreadPool* pool)
    {
        auto* layout = new QHBoxLayout(this);
        layout->setContentsMargins(4, 4, 4, 4);
        view = new HeatmapView(pool, this);
        colorbar = new ColorbarWidget(this);
        layout->addWidget(view, 1);
        layout->addWidget(colorbar);
    }
    void show(std::shared_ptr<const HeatmapSource> source, const Colormap& colormap,
              QSize blockGrid)
    {
        colorbar->showSource(*source, colormap);
        view->setBlockGrid(blockGrid);
        view->setSource(std::move(source));
    }
    HeatmapView* view;
    ColorbarWidget* colorbar;
};
} // namespace

class TestWidgetGallery final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void heatmaps_data();
    void heatmaps();
    void zoomedInWithGridAndHover();
    void histogram_data();
    void histogram();
    void colorbars();

private:
    void save(const QImage& image, const QString& name);
    QString m_dir;
    QThreadPool m_pool; // renders and bins; outlives every widget of a test
};

void TestWidgetGallery::initTestCase()
{
    m_dir = qEnvironmentVariable("SPARSITY_SCREENSHOT_DIR");
    if (!m_dir.isEmpty())
        QVERIFY(QDir().mkpath(m_dir));
    QVERIFY2(QFileInfo::exists(demoFile()), qPrintable(demoFile()));
}

void TestWidgetGallery::save(const QImage& image, const QString& name)
{
    QVERIFY(!image.isNull());
    if (!m_dir.isEmpty())
        QVERIFY(image.save(m_dir + QLatin1Char('/') + name + QStringLiteral(".png")));
}

void TestWidgetGallery::heatmaps_data()
{
    QTest::addColumn<QString>("dataset");
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("colormap");
    QTest::addColumn<QSize>("size");
    for (const QString& kind : {QStringLiteral("weights"), QStringLiteral("norms"),
                                QStringLiteral("mask"), QStringLiteral("maskoverweights")}) {
        QTest::addRow("cnn-fc1-%s", qPrintable(kind))
            << QStringLiteral("/cnn/fc1/weight") << kind << QStringLiteral("viridis")
            << QSize(900, 220);
        QTest::addRow("mlp-fc1-%s", qPrintable(kind)) << QStringLiteral("/mlp/fc1/weight") << kind
                                                      << QStringLiteral("magma") << QSize(420, 520);
        QTest::addRow("synthetic-%s", qPrintable(kind))
            << QString() << kind << QStringLiteral("inferno") << QSize(1000, 320);
    }
}

void TestWidgetGallery::heatmaps()
{
    QFETCH(QString, dataset);
    QFETCH(QString, kind);
    QFETCH(QString, colormap);
    QFETCH(QSize, size);
    const core::SparsityParams p = test::makeParams(0.6, 1, 4, 2);
    const auto snapshot = dataset.isEmpty() ? syntheticSnapshot(p) : demoSnapshot(dataset, p);
    const Colormap map = Colormap::byName(colormap);
    std::shared_ptr<const HeatmapSource> source;
    if (kind == QStringLiteral("weights"))
        source = std::make_shared<WeightsSource>(snapshot, map, false);
    else if (kind == QStringLiteral("norms"))
        source = std::make_shared<BlockNormsSource>(snapshot, map, true);
    else if (kind == QStringLiteral("mask"))
        source = std::make_shared<MaskSource>(snapshot);
    else
        source = std::make_shared<MaskOverWeightsSource>(snapshot, map, false);
    HeatmapPanel panel(&m_pool);
    panel.resize(size);
    panel.show(source, map, QSize(4, 1));
    panel.QWidget::show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    QTRY_VERIFY(!panel.view->renderedImage().isNull() && !panel.view->isRendering());
    const QImage shot = panel.grab().toImage();
    QVERIFY(colourCount(shot) > 4);
    save(shot, QString::fromUtf8(QTest::currentDataTag()));
}

void TestWidgetGallery::zoomedInWithGridAndHover()
{
    const auto snapshot =
        demoSnapshot(QStringLiteral("/mlp/fc1/weight"), test::makeParams(0.5, 2, 4, 3));
    const QSize block(4, 2); // columns x rows
    HeatmapPanel panel(&m_pool);
    panel.resize(700, 420);
    panel.show(std::make_shared<MaskOverWeightsSource>(snapshot, Colormap(), false), Colormap(),
               block);
    panel.QWidget::show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    HeatmapView& view = *panel.view;
    for (int i = 0; i < 3; ++i)
        view.zoomIn();
    QTRY_VERIFY(view.renderedRegion() == view.zoomModel().visibleRegion() && !view.isRendering());
    const ZoomModel& zoom = view.zoomModel();
    QVERIFY(zoom.scale() >= 8.0);
    const QRectF field = zoom.fieldInViewport();
    QVERIFY(field.contains(QRectF(view.rect()))); // zoomed in: the field fills the view

    // The same image three times: no grid and no hover, the grid, the grid and the hover.
    view.setBlockGrid(QSize());
    const QImage plain = view.grab().toImage();
    view.setBlockGrid(block);
    const QImage grid = view.grab().toImage();
    QSignalSpy hovered(&view, &HeatmapView::hovered);
    const QPointF mouse(250, 200);
    QMouseEvent move(QEvent::MouseMove, mouse, view.mapToGlobal(mouse), Qt::NoButton, Qt::NoButton,
                     Qt::NoModifier);
    QCoreApplication::sendEvent(&view, &move);
    const QImage hover = view.grab().toImage();
    save(panel.grab().toImage(), QStringLiteral("zoomed-grid-hover"));

    // A vertical line on every block boundary, block.width() elements apart, and nothing else:
    // along one row, the grid changes exactly the pixels at (or beside) a boundary.
    const double step = block.width() * zoom.scale();
    // A row of pixels through the middle of a block row, well off the horizontal lines.
    const double blockRow = std::floor(zoom.elementAt(mouse).y() / block.height());
    const int y = int(zoom.mapToViewport(QRectF(0, (blockRow + 0.5) * block.height(), 1, 1)).top());
    QSet<int> boundaries;
    for (double k = std::ceil(-field.left() / step); field.left() + k * step < view.width(); ++k)
        boundaries.insert(int(std::round(field.left() + k * step)));
    QVERIFY(boundaries.size() >= 3);
    for (int x = 0; x < view.width(); ++x) {
        const bool onLine = boundaries.contains(x) || boundaries.contains(x + 1);
        const bool changed = grid.pixel(x, y) != plain.pixel(x, y);
        if (changed)
            QVERIFY2(onLine, qPrintable(QStringLiteral("grid drawn at x = %1").arg(x)));
    }
    for (int p : boundaries)
        if (p >= 1 && p < view.width())
            QVERIFY2(grid.pixel(p - 1, y) != plain.pixel(p - 1, y) ||
                         grid.pixel(p, y) != plain.pixel(p, y),
                     qPrintable(QStringLiteral("no grid line at x = %1").arg(p)));

    // The hover names the element under the mouse and outlines its block; inside the outline
    // and away from it the image is the grid image.
    const QPointF e = zoom.elementAt(mouse);
    const QPoint element(int(std::floor(e.x())), int(std::floor(e.y())));
    QCOMPARE(hovered.count(), 1);
    QCOMPARE(hovered.first().at(0).toLongLong(), qint64(element.y()));
    QCOMPARE(hovered.first().at(1).toLongLong(), qint64(element.x()));
    const QRectF box = zoom.mapToViewport(QRectF(element.x() / block.width() * block.width(),
                                                 element.y() / block.height() * block.height(),
                                                 block.width(), block.height()));
    const QPoint centre = box.center().toPoint();
    for (const QPoint edge : {QPoint(centre.x(), int(std::round(box.top()))),
                              QPoint(centre.x(), int(std::round(box.bottom()))),
                              QPoint(int(std::round(box.left())), centre.y()),
                              QPoint(int(std::round(box.right())), centre.y())})
        QVERIFY2(hover.pixel(edge) != grid.pixel(edge),
                 qPrintable(QStringLiteral("no outline at (%1, %2)").arg(edge.x()).arg(edge.y())));
    QCOMPARE(hover.pixel(centre), grid.pixel(centre));
    QVERIFY(QRectF(view.rect()).contains(box));
    const QPoint far(centre.x() < view.width() / 2 ? view.width() - 3 : 2, centre.y());
    QVERIFY(!box.adjusted(-3, -3, 3, 3).contains(far));
    QCOMPARE(hover.pixel(far), grid.pixel(far));

    // The same region as categories.
    panel.show(std::make_shared<MaskSource>(snapshot), Colormap(), block);
    QTRY_VERIFY(view.renderedRegion() == view.zoomModel().visibleRegion() && !view.isRendering());
    save(panel.grab().toImage(), QStringLiteral("zoomed-mask-categories"));
}

void TestWidgetGallery::histogram_data()
{
    QTest::addColumn<QString>("dataset");
    QTest::addColumn<qint64>("bh");
    QTest::addColumn<qint64>("bw");
    QTest::newRow("histogram-cnn-fc1-1x4") << QStringLiteral("/cnn/fc1/weight") << 1LL << 4LL;
    QTest::newRow("histogram-mlp-fc1-1x1") << QStringLiteral("/mlp/fc1/weight") << 1LL << 1LL;
    QTest::newRow("histogram-synthetic-4x4") << QString() << 4LL << 4LL;
}

void TestWidgetGallery::histogram()
{
    QFETCH(QString, dataset);
    QFETCH(qint64, bh);
    QFETCH(qint64, bw);
    const core::SparsityParams p = test::makeParams(0.5, bh, bw);
    const auto snapshot = dataset.isEmpty() ? syntheticSnapshot(p) : demoSnapshot(dataset, p);
    const core::BlockNorms& norms = *snapshot->norms;
    std::vector<double> values(std::size_t(norms.blockCount()));
    for (std::int64_t b = 0; b < norms.blockCount(); ++b)
        values[std::size_t(b)] = core::blockNormAt(norms, *snapshot->weights, b);
    const double threshold =
        core::blockNormAt(norms, *snapshot->weights, snapshot->threshold.index);
    HistogramWidget widget(&m_pool);
    widget.resize(460, 230);
    widget.setAxisLabel(QStringLiteral("block norm (L2: mean w²)"));
    widget.setData(values);
    widget.setThreshold(threshold);
    widget.show();
    QVERIFY(QTest::qWaitForWindowExposed(&widget));
    QTRY_VERIFY(widget.data() != nullptr);
    const QImage shot = widget.grab().toImage();
    QVERIFY(colourCount(shot) > 4);
    save(shot, QString::fromUtf8(QTest::currentDataTag()));
}

void TestWidgetGallery::colorbars()
{
    QWidget row;
    auto* layout = new QHBoxLayout(&row);
    auto* linear = new ColorbarWidget(&row);
    linear->setScale(HeatmapSource::Scale{0.0, 0.4271, false, QStringLiteral("|w|")});
    auto* log = new ColorbarWidget(&row);
    log->setColormap(Colormap::byName(QStringLiteral("magma")));
    log->setScale(
        HeatmapSource::Scale{3.2e-7, 0.18, true, QStringLiteral("block norm (L2: mean w²)")});
    log->setLegend({{QColor(Colormap::nonFiniteColor()), QStringLiteral("NaN / inf (2)")}});
    auto* legend = new ColorbarWidget(&row);
    legend->setScale(std::nullopt);
    QList<QPair<QColor, QString>> entries;
    for (int c = 0; c < 4; ++c)
        entries.append({QColor(MaskSource::categoryColor(MaskSource::Category(c))),
                        MaskSource::categoryName(MaskSource::Category(c))});
    legend->setLegend(entries);
    layout->addWidget(linear);
    layout->addWidget(log);
    layout->addWidget(legend, 0, Qt::AlignTop);
    row.resize(row.sizeHint().width(), 320);
    row.show();
    QVERIFY(QTest::qWaitForWindowExposed(&row));
    const QImage shot = row.grab().toImage();
    QVERIFY(colourCount(shot) > 20);
    save(shot, QStringLiteral("colorbars"));
}

QTEST_MAIN(TestWidgetGallery)
#include "tst_widgetgallery.moc"
