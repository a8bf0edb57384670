#include "imageexportflow.h"

#include "errordialog.h"
#include "heatmap/heatmapsource.h"
#include "heatmap/heatmapview.h"
#include "jobs/runthen.h"

#include <QDir>
#include <QImage>
#include <QMainWindow>
#include <QStatusBar>

namespace sparsity::ui {
namespace {

// The longest side written; a larger layer is scaled down to it.
constexpr int maxImageSide = 16384;

} // namespace

ImageExportFlow::ImageExportFlow(QThreadPool* ioPool, QThreadPool* computePool, QMainWindow* window)
    : QObject(window)
    , m_ioPool(ioPool)
    , m_computePool(computePool)
    , m_window(window)
{}

void ImageExportFlow::start(std::shared_ptr<const HeatmapSource> source, const QString& outputPath)
{
    if (!source) {
        showErrorDialog(m_window, tr("The image was not exported"), tr("There is no image yet."));
        return;
    }
    // Rendering a big layer takes a while: on the compute pool; the file is written where
    // the files are, on the I/O thread.
    const auto save = [outputPath](const QImage& image) {
        if (image.isNull())
            return tr("The image could not be rendered.");
        return image.save(outputPath, "PNG") ? QString()
                                             : tr("%1 cannot be written.").arg(outputPath);
    };
    runThen(
        *m_computePool, this,
        [source = std::move(source)] {
            return HeatmapView::renderFullResolution(*source, maxImageSide);
        },
        [this, save, outputPath](const JobOutcome<QImage>& image) {
            if (!image) {
                report(outputPath, image.error());
                return;
            }
            runThen(
                *m_ioPool, this, [save, image = image.value()] { return save(image); },
                [this, outputPath](const JobOutcome<QString>& error) {
                    report(outputPath, error ? error.value() : error.error());
                });
        });
}

void ImageExportFlow::report(const QString& outputPath, const QString& error)
{
    if (error.isEmpty())
        m_window->statusBar()->showMessage(tr("Saved %1").arg(QDir::toNativeSeparators(outputPath)),
                                           6000);
    else
        showErrorDialog(m_window, tr("The image was not exported"), error);
    Q_EMIT imageExported(outputPath, error.isEmpty());
}

} // namespace sparsity::ui
