#include "imageexportflow.h"

#include "error.h"
#include "errordialog.h"
#include "heatmap/colorbarwidget.h"
#include "heatmap/heatmapsource.h"
#include "heatmap/heatmapview.h"
#include "io/atomicoutput.h"
#include "jobs/runthen.h"
#include "layerview.h"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QImageWriter>
#include <QMainWindow>
#include <QPainter>
#include <QProgressDialog>
#include <QStatusBar>
#include <algorithm>
#include <cstring>

namespace sparsity::ui {
namespace {

// The longest side written at one pixel per weight; a larger layer is scaled down to it.
constexpr int maxImageSide = 16384;
// Rendering is cut into this many strips of rows at most: progress and cancel between them.
constexpr int maxStrips = 64;
// Bytes written between two progress reports.
constexpr qint64 reportEvery = qint64(1) << 20;

core::Error cancelled()
{
    return core::Error(core::ErrorCode::Cancelled, QStringLiteral("cancelled"));
}

// The temporary file the PNG encoder writes: a write fails once a cancel is asked for (the
// encoder then gives up), and every megabyte is reported.
class ReportingFile final : public QFile
{
public:
    ReportingFile(const QString& path, std::shared_ptr<std::atomic<bool>> cancel,
                  std::function<void(qint64)> report)
        : QFile(path)
        , m_cancel(std::move(cancel))
        , m_report(std::move(report))
    {}
    bool wasCancelled() const { return m_cancel->load(); }

protected:
    qint64 writeData(const char* data, qint64 length) override
    {
        if (m_cancel->load())
            return -1;
        const qint64 written = QFile::writeData(data, length);
        if (written > 0) {
            m_written += written;
            if (m_written - m_reported >= reportEvery) {
                m_reported = m_written;
                m_report(m_written);
            }
        }
        return written;
    }

private:
    std::shared_ptr<std::atomic<bool>> m_cancel;
    std::function<void(qint64)> m_report;
    qint64 m_written = 0;
    qint64 m_reported = 0;
};

} // namespace

ImageExportFlow::ImageExportFlow(QThreadPool* ioPool, QThreadPool* computePool, QMainWindow* window)
    : QObject(window)
    , m_ioPool(ioPool)
    , m_computePool(computePool)
    , m_window(window)
{}

ImageExportFlow::~ImageExportFlow()
{
    // A job still running stops at its next strip or write; its outcome is dropped with us.
    cancel();
}

void ImageExportFlow::cancel()
{
    if (m_cancel)
        m_cancel->store(true);
}

void ImageExportFlow::begin(const QString& outputPath)
{
    m_running = true;
    m_outputPath = outputPath;
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    m_progress = new QProgressDialog(tr("Rendering the image…"), tr("Cancel"), 0, 0, m_window);
    m_progress->setObjectName(QStringLiteral("imageExportProgress"));
    m_progress->setWindowTitle(tr("Export Image"));
    m_progress->setWindowModality(Qt::WindowModal);
    m_progress->setAutoClose(false);
    m_progress->setAutoReset(false);
    m_progress->setMinimumDuration(300); // a small image should not flash a dialog
    m_progress->setValue(0);
    connect(m_progress, &QProgressDialog::canceled, this, [this] {
        cancel();
        if (m_progress)
            m_progress->setLabelText(tr("Cancelling…"));
    });
}

void ImageExportFlow::startOnePixelPerWeight(std::shared_ptr<const HeatmapSource> source,
                                             const QString& outputPath, const QString& inputPath)
{
    if (m_running)
        return;
    if (!source) {
        showErrorDialog(m_window, tr("The image was not exported"), tr("There is no image yet."));
        return;
    }
    const QSize field = source->fieldSize();
    const double factor =
        std::min(1.0, double(maxImageSide) / std::max(1, std::max(field.width(), field.height())));
    const QSize pixels(std::max(1, int(std::lround(field.width() * factor))),
                       std::max(1, int(std::lround(field.height() * factor))));
    begin(outputPath);
    render(std::move(source), QRectF(QPointF(0, 0), QSizeF(field)), pixels,
           [this, inputPath](QImage image) { write(std::move(image), inputPath); });
}

void ImageExportFlow::startAsShown(LayerView* view, const QString& title, const QString& outputPath,
                                   const QString& inputPath)
{
    if (m_running)
        return;
    std::shared_ptr<const HeatmapSource> source = view ? view->heatmap()->source() : nullptr;
    if (!source) {
        showErrorDialog(m_window, tr("The image was not exported"), tr("There is no image yet."));
        return;
    }
    const QRectF region = view->heatmap()->requestedRegion();
    const QSize pixels = view->heatmap()->requestedPixels();
    begin(outputPath);
    QPointer<LayerView> guard(view);
    render(std::move(source), region, pixels,
           [this, guard, region, title, inputPath](QImage frame) {
               if (!guard) {
                   finish(tr("The view was closed."), false);
                   return;
               }
               write(composeAsShown(*guard, frame, region, title), inputPath);
           });
}

void ImageExportFlow::render(std::shared_ptr<const HeatmapSource> source, QRectF region,
                             QSize pixels, std::function<void(QImage)> then)
{
    const int strips = std::clamp(pixels.height() / 16, 1, maxStrips);
    m_progress->setRange(0, strips);
    Q_EMIT progressed(0, strips);
    QPointer<QObject> self(this);
    runThen(
        *m_computePool, this,
        [source = std::move(source), region, pixels, strips, cancel = m_cancel, self, this] {
            // `this` is only touched in the posts to `self`, which run while it lives.
            QImage image(pixels, QImage::Format_ARGB32_Premultiplied);
            if (image.isNull())
                throw core::Error(core::ErrorCode::OutOfMemory,
                                  tr("An image of %1×%2 pixels does not fit in memory.")
                                      .arg(pixels.width())
                                      .arg(pixels.height()));
            // Strips of whole pixel rows: the same region per row as one render would take.
            const double step = region.height() / pixels.height();
            for (int s = 0; s < strips; ++s) {
                const int y0 = int(std::int64_t(pixels.height()) * s / strips);
                const int y1 = int(std::int64_t(pixels.height()) * (s + 1) / strips);
                const QRectF part(region.x(), region.y() + y0 * step, region.width(),
                                  (y1 - y0) * step);
                const QImage strip = source->render(part, QSize(pixels.width(), y1 - y0), *cancel);
                if (cancel->load() || strip.isNull())
                    throw cancelled();
                for (int y = y0; y < y1; ++y)
                    std::memcpy(image.scanLine(y), strip.constScanLine(y - y0),
                                std::size_t(pixels.width()) * sizeof(QRgb));
                postTo(self, [this, s, strips] {
                    // Reported before the dialog is told: a modal QProgressDialog's setValue
                    // processes events, which would deliver the next strip's report first.
                    Q_EMIT progressed(s + 1, strips);
                    if (m_progress)
                        m_progress->setValue(s + 1);
                });
            }
            return image;
        },
        [this, then = std::move(then)](JobOutcome<QImage> image) {
            if (!image) {
                finish(image.error(), image.isCancelled());
                return;
            }
            if (m_cancel->load()) {
                finish({}, true);
                return;
            }
            then(std::move(image.value()));
        });
}

void ImageExportFlow::write(QImage image, const QString& inputPath)
{
    if (m_progress) {
        m_progress->setRange(0, 0); // the encoder does not say how far it is
        m_progress->setLabelText(tr("Writing the PNG file…"));
    }
    QPointer<QObject> self(this);
    const auto report = [self, this](qint64 bytes) {
        postTo(self, [this, bytes] {
            if (m_progress && !m_cancel->load())
                m_progress->setLabelText(
                    tr("Writing the PNG file… %1 MB written").arg(double(bytes) / 1e6, 0, 'f', 0));
            Q_EMIT bytesWritten(bytes);
        });
    };
    runThen(
        *m_ioPool, this,
        [image = std::move(image), outputPath = m_outputPath, inputPath, cancel = m_cancel,
         report] {
            if (cancel->load())
                throw cancelled();
            // Replaces the output only when complete; any throw below removes the temporary.
            const auto output = core::AtomicOutput::create(outputPath, inputPath, true);
            ReportingFile file(output->temporaryPath(), cancel, report);
            if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
                throw core::Error(
                    core::ErrorCode::Io,
                    tr("%1 cannot be written: %2").arg(outputPath, file.errorString()));
            QImageWriter writer(&file, "png");
            const bool written = writer.write(image);
            if (file.wasCancelled())
                throw cancelled();
            file.close();
            if (!written || file.error() != QFileDevice::NoError)
                throw core::Error(core::ErrorCode::Io,
                                  tr("%1 cannot be written: %2")
                                      .arg(outputPath, file.error() != QFileDevice::NoError
                                                           ? file.errorString()
                                                           : writer.errorString()));
            output->commit();
            return true;
        },
        [this](const JobOutcome<bool>& outcome) {
            finish(outcome.error(), outcome.isCancelled());
        });
}

void ImageExportFlow::finish(const QString& error, bool wasCancelled)
{
    if (m_progress) {
        m_progress->close();
        m_progress->deleteLater();
        m_progress = nullptr;
    }
    m_running = false;
    const QString path = m_outputPath;
    const bool written = error.isEmpty() && !wasCancelled;
    if (wasCancelled)
        m_window->statusBar()->showMessage(tr("Image export cancelled; no file was written."),
                                           6000);
    else if (written)
        m_window->statusBar()->showMessage(tr("Saved %1").arg(QDir::toNativeSeparators(path)),
                                           6000);
    else
        showErrorDialog(m_window, tr("The image was not exported"), error);
    Q_EMIT imageExported(path, written);
}

QImage ImageExportFlow::composeAsShown(const LayerView& view, const QImage& frame,
                                       const QRectF& region, const QString& title)
{
    const HeatmapView& heatmap = *view.heatmap();
    const ColorbarWidget& colorbar = *view.colorbar();
    const double dpr = heatmap.devicePixelRatioF();
    constexpr int margin = 12;
    QFont titleFont = view.font();
    titleFont.setBold(true);
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.2);
    const QFontMetrics fm(titleFont);
    const int width = margin + heatmap.width() + margin + colorbar.width() + margin;
    const QRect titleRect =
        fm.boundingRect(QRect(margin, margin, width - 2 * margin, 1000), Qt::TextWordWrap, title);
    const int top = titleRect.bottom() + margin;
    const int height = top + std::max(heatmap.height(), colorbar.height()) + margin;

    QImage image(QSize(int(std::ceil(width * dpr)), int(std::ceil(height * dpr))),
                 QImage::Format_ARGB32_Premultiplied);
    if (image.isNull())
        return image;
    image.setDevicePixelRatio(dpr);
    image.fill(view.palette().color(QPalette::Window));
    QPainter painter(&image);
    painter.setRenderHint(QPainter::TextAntialiasing);
    painter.setFont(titleFont);
    painter.setPen(view.palette().color(QPalette::WindowText));
    painter.drawText(QRect(margin, margin, width - 2 * margin, titleRect.height()),
                     Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap, title);
    QImage shown = frame;
    shown.setDevicePixelRatio(dpr);
    painter.save();
    painter.translate(margin, top);
    painter.setClipRect(QRect(QPoint(0, 0), heatmap.size()));
    heatmap.drawFrame(painter, shown, region);
    painter.restore();
    // The colorbar paints itself, as on screen; render() is not const but changes nothing.
    const_cast<ColorbarWidget&>(colorbar).render(
        &painter, QPoint(margin + heatmap.width() + margin, top), QRegion(), QWidget::DrawChildren);
    painter.end();
    return image;
}

} // namespace sparsity::ui
