// File > Export Image and the zoom-dependent legend, through the real MainWindow (offscreen):
// the colorbar and legend say what a pixel is at each zoom (a zoomed-out mask shows kept
// shares); "as shown" writes the view at screen size under a title with the colorbar;
// "one pixel per weight" writes what HeatmapView::renderFullResolution renders; progress is
// reported in strips; a cancel or a read-only directory leaves neither the file nor a
// temporary, and the failure shows an error dialog.
#include "common/asnobody.h"
#include "common/outputfaults.h"
#include "heatmap/colorbarwidget.h"
#include "heatmap/heatmapsource.h"
#include "heatmap/heatmapview.h"
#include "heatmap/masksource.h"
#include "mainwindow/imageexportdialog.h"
#include "mainwindow/imageexportflow.h"
#include "mainwindow/layerview.h"
#include "mainwindow/mainwindow.h"
#include "session/session.h"
#include "windowdriver.h"

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QImage>
#include <QLineEdit>
#include <QMessageBox>
#include <QProgressDialog>
#include <QPushButton>
#include <QRadioButton>
#include <QSemaphore>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>
#include <unistd.h>

using namespace sparsity;
using namespace sparsity::test;
using sparsity::ui::LayerView;
using sparsity::ui::MainWindow;

namespace {

constexpr int asyncTimeout = 30000;

std::unique_ptr<MainWindow> openWindow(const QString& file = {})
{
    auto window = std::make_unique<MainWindow>();
    window->resize(1200, 800);
    window->show();
    if (file.isEmpty())
        window->openDemo();
    else
        window->openFile(file);
    [&] {
        QTRY_VERIFY_WITH_TIMEOUT(shown(*window) != nullptr, asyncTimeout);
        QVERIFY(waitIdle(*window, asyncTimeout));
    }();
    return window;
}

QStringList entries(const QString& dir)
{
    return QDir(dir).entryList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot);
}

QString takeError(MainWindow& window)
{
    return sparsity::test::takeError(window, asyncTimeout);
}

} // namespace

class TestImageExport final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SparsityExplorerTests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_imageexport"));
        QSettings().clear();
    }

    // The demo layer (128 x 256) in the Mask view: at 1:1 the categories, zoomed out the kept
    // share with its own colorbar, and back.
    void legendFollowsTheZoom()
    {
        auto window = openWindow();
        LayerView* view = window->layerView();
        view->setKind(LayerView::Kind::Mask);
        QVERIFY(waitIdle(*window, asyncTimeout));
        ui::ColorbarWidget* bar = view->colorbar();
        ui::HeatmapView* heatmap = view->heatmap();
        heatmap->zoomOneToOne();
        QVERIFY(!bar->scale());
        QCOMPARE(bar->legend().size(), 2); // kept block, pruned block
        QVERIFY2(bar->note().contains(QStringLiteral("on its own")), qPrintable(bar->note()));
        // Zoomed out until 4 weights share a pixel along each axis.
        heatmap->zoomOut();
        heatmap->zoomOut();
        QVERIFY(waitIdle(*window, asyncTimeout));
        QVERIFY(bar->scale());
        QCOMPARE(bar->scale()->label, QStringLiteral("kept weights per pixel (%)"));
        QVERIFY(bar->colors() == ui::MaskSource::densityLut());
        QVERIFY2(bar->note().startsWith(
                     QStringLiteral("Each pixel: share of kept weights among the 4×4 weights")),
                 qPrintable(bar->note()));
        QVERIFY(bar->legend().isEmpty());
        // The picture agrees: a pixel of the zoomed-out image is a density colour.
        const QImage image = heatmap->renderedImage();
        const auto& lut = ui::MaskSource::densityLut();
        const QPoint centre(image.width() / 2, image.height() / 2);
        QVERIFY(std::find(lut.begin(), lut.end(), image.pixel(centre)) != lut.end());
        // Mask over Weights zoomed out: its |w| bar, the three swatches and its note.
        view->setKind(LayerView::Kind::MaskOverWeights);
        QVERIFY(waitIdle(*window, asyncTimeout));
        QCOMPARE(bar->scale()->label, QStringLiteral("|w|"));
        QVERIFY(bar->note().contains(QStringLiteral("largest kept |w| among the 4×4")));
        heatmap->zoomOneToOne();
        QVERIFY(bar->note().contains(QStringLiteral("on its own (1 px per weight)")));
        QCOMPARE(bar->legend().size(), 1); // pruned (dimmed)
    }

    void asShownHasTheViewsSizeAndATitle()
    {
        auto window = openWindow();
        window->layerView()->setKind(LayerView::Kind::Mask);
        window->layerView()->heatmap()->zoomOut();
        QVERIFY(waitIdle(*window, asyncTimeout));
        QTemporaryDir dir;
        const QString output = dir.filePath(QStringLiteral("slide.png"));
        QSignalSpy exported(window.get(), &MainWindow::imageExported);
        window->exportImage(output, true);
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, asyncTimeout);
        QVERIFY(exported.at(0).at(1).toBool());
        QCOMPARE(entries(dir.path()), QStringList{QStringLiteral("slide.png")});
        const QImage image(output);
        // SPARSITY_SCREENSHOT_DIR keeps the picture, to look at.
        if (const QString keep = qEnvironmentVariable("SPARSITY_SCREENSHOT_DIR"); !keep.isEmpty())
            QFile::copy(output, QDir(keep).filePath(QStringLiteral("export-as-shown.png")));
        const ui::HeatmapView* heatmap = window->layerView()->heatmap();
        const ui::ColorbarWidget* bar = window->layerView()->colorbar();
        QVERIFY(image.width() > heatmap->width() + bar->width());
        QVERIFY(image.height() > heatmap->height());
        // The same composition the dialog announces.
        const QImage composed =
            ui::ImageExportFlow::composeAsShown(*window->layerView(), heatmap->renderedImage(),
                                                heatmap->renderedRegion(), window->imageTitle());
        QCOMPARE(image.size(), composed.size());
        QCOMPARE(image.convertToFormat(QImage::Format_ARGB32),
                 composed.convertToFormat(QImage::Format_ARGB32));
        // The title names file, layer, configuration and view, and is drawn above the heatmap:
        // the band above it holds text-coloured pixels.
        const QString title = window->imageTitle();
        for (const QString& part :
             {QStringLiteral("digits.h5"), QStringLiteral("/mlp/fc2/weight"), QStringLiteral("4x4"),
              QStringLiteral("level 50.0 %"), QStringLiteral("Mask")})
            QVERIFY2(title.contains(part), qPrintable(title));
        const int titleBand = image.height() - heatmap->height() - 12;
        QVERIFY(titleBand > 12);
        const QRgb background = image.pixel(2, 2);
        int ink = 0;
        for (int y = 0; y < titleBand; ++y)
            for (int x = 0; x < image.width(); ++x)
                ink += image.pixel(x, y) != background;
        QVERIFY(ink > 100);
        // Below the title, at the heatmap's place, the zoomed-out mask in density colours.
        const auto& lut = ui::MaskSource::densityLut();
        const QPoint centre(12 + heatmap->width() / 2, image.height() - 12 - heatmap->height() / 2);
        QVERIFY(std::find(lut.begin(), lut.end(), image.pixel(centre)) != lut.end());
    }

    void onePixelPerWeightIsTodaysImage()
    {
        auto window = openWindow();
        QTemporaryDir dir;
        const QString output = dir.filePath(QStringLiteral("full.png"));
        QSignalSpy exported(window.get(), &MainWindow::imageExported);
        window->exportImage(output);
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, asyncTimeout);
        QVERIFY(exported.at(0).at(1).toBool());
        const QImage written(output);
        const QImage expected =
            ui::HeatmapView::renderFullResolution(*window->layerView()->heatmap()->source(), 16384);
        QCOMPARE(written.size(), QSize(256, 128));
        QCOMPARE(written.convertToFormat(QImage::Format_ARGB32),
                 expected.convertToFormat(QImage::Format_ARGB32));
        QCOMPARE(entries(dir.path()), QStringList{QStringLiteral("full.png")});
    }

    void progressIsReportedInStrips()
    {
        QTemporaryDir dir;
        const QString input = dir.filePath(QStringLiteral("big.h5"));
        QVERIFY(writeWeightFile(input, 1, 2000, 2000));
        auto window = openWindow(input);
        auto* flow = window->findChild<ui::ImageExportFlow*>();
        QVERIFY(flow);
        QSignalSpy progressed(flow, &ui::ImageExportFlow::progressed);
        QSignalSpy exported(window.get(), &MainWindow::imageExported);
        const QString output = dir.filePath(QStringLiteral("big.png"));
        window->exportImage(output);
        QVERIFY(window->findChild<QProgressDialog*>(QStringLiteral("imageExportProgress")));
        QVERIFY(!window->isIdle());
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, asyncTimeout);
        QVERIFY(exported.at(0).at(1).toBool());
        QVERIFY(progressed.count() >= 10);
        int last = -1;
        for (const auto& args : progressed) {
            QVERIFY(args.at(0).toInt() > last); // strictly rising
            last = args.at(0).toInt();
        }
        QCOMPARE(last, progressed.last().at(1).toInt()); // ends at the total
        QCOMPARE(QImage(output).size(), QSize(2000, 2000));
        QTRY_VERIFY(!window->findChild<QProgressDialog*>(QStringLiteral("imageExportProgress")));
    }

    void cancelLeavesNothing()
    {
        auto window = openWindow();
        QTemporaryDir dir;
        const QString output = dir.filePath(QStringLiteral("cancelled.png"));
        // Hold the I/O thread so the write cannot start before the cancel arrives.
        QSemaphore gate;
        window->session()->ioPool()->start([&gate] { gate.acquire(); });
        QSignalSpy exported(window.get(), &MainWindow::imageExported);
        window->exportImage(output, true);
        auto* progress = window->findChild<QProgressDialog*>(QStringLiteral("imageExportProgress"));
        QVERIFY(progress);
        auto* cancel = progress->findChild<QPushButton*>();
        QVERIFY(cancel);
        cancel->click();
        gate.release();
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, asyncTimeout);
        QCOMPARE(exported.at(0).at(1).toBool(), false);
        QVERIFY(!window->findChild<QMessageBox*>(QStringLiteral("errorDialog")));
        QCOMPARE(entries(dir.path()), QStringList());
        QVERIFY(waitIdle(*window, asyncTimeout));
    }

    // The dialog offers both kinds with their sizes; as shown first, for slides.
    void dialogOffersBothKinds()
    {
        ui::ImageExportDialog dialog(QSize(20000, 4096), QSize(900, 640),
                                     QStringLiteral("/tmp/layer.png"));
        auto* asShown = child<QRadioButton>(dialog, "imageAsShown");
        auto* onePixel = child<QRadioButton>(dialog, "imageOnePixelPerWeight");
        QVERIFY(asShown->isChecked());
        QCOMPARE(dialog.mode(), ui::ImageExportFlow::Mode::AsShown);
        QVERIFY2(asShown->text().contains(QStringLiteral("900×640 px")),
                 qPrintable(asShown->text()));
        QVERIFY2(onePixel->text().contains(QStringLiteral("20000×4096 px")),
                 qPrintable(onePixel->text()));
        QVERIFY(onePixel->toolTip().contains(QStringLiteral("16384")));
        onePixel->setChecked(true);
        QCOMPARE(dialog.mode(), ui::ImageExportFlow::Mode::OnePixelPerWeight);
        child<QLineEdit>(dialog, "imagePath")->setText(QStringLiteral("  /tmp/x.png "));
        QCOMPARE(dialog.outputPath(), QStringLiteral("/tmp/x.png"));
    }

    // As root permission bits stop nothing: the check runs again as nobody.
    void readOnlyDirectoryShowsAnError()
    {
        if (runningAsRoot() && qEnvironmentVariableIsEmpty("SPARSITY_TEST_AS_NOBODY")) {
            const ChildRun run = rerunAsNobody(QStringLiteral("readOnlyDirectoryShowsAnError"));
            if (!run.started)
                QSKIP(qPrintable(run.why));
            QVERIFY2(run.exitCode == 0, qPrintable(run.output));
            return;
        }
        QTemporaryDir root;
        const QString dir = root.filePath(QStringLiteral("locked"));
        QVERIFY(QDir().mkpath(dir));
        QVERIFY(QFile::setPermissions(dir, QFileDevice::ReadOwner | QFileDevice::ExeOwner));
        auto window = openWindow();
        for (const bool asShown : {false, true}) {
            const QString output = dir + QStringLiteral("/view.png");
            QSignalSpy exported(window.get(), &MainWindow::imageExported);
            window->exportImage(output, asShown);
            const QString error = takeError(*window);
            QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, asyncTimeout);
            QCOMPARE(exported.at(0).at(1).toBool(), false);
            QVERIFY2(error.contains(
                         QStringLiteral("%1: directory %2 is not writable (Permission denied)")
                             .arg(output, dir)),
                     qPrintable(error));
            QCOMPARE(entries(dir), QStringList());
        }
        QFile::setPermissions(dir, QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                       QFileDevice::ExeOwner);
    }
};

QTEST_MAIN(TestImageExport)
#include "tst_imageexport.moc"
