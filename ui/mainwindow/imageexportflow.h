#pragma once

#include <QObject>
#include <QPointer>
#include <QRectF>
#include <QSize>
#include <atomic>
#include <functional>
#include <memory>

class QImage;
class QMainWindow;
class QProgressDialog;
class QThreadPool;

namespace sparsity::ui {

class HeatmapSource;
class LayerView;

// File > Export Image once the path and the kind are chosen. "One pixel per weight" renders
// the whole field (the longer side at most 16384 px); "as shown" renders the view's region at
// its device-pixel size and composes it under a title, with the colorbar and legend beside it.
// Rendering runs in strips on the compute pool, the PNG is encoded and written on the I/O
// pool into a temporary file beside the output (core::AtomicOutput) that is renamed when
// complete; a cancel or a failure leaves neither. Progress shows in a cancellable window-modal
// dialog (objectName "imageExportProgress"); the outcome in the status bar or an error dialog.
// One export at a time. UI thread only.
class ImageExportFlow final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ImageExportFlow)

public:
    enum class Mode
    {
        OnePixelPerWeight,
        AsShown,
    };

    // The pools are not owned; results arriving once this object is gone are dropped.
    ImageExportFlow(QThreadPool* ioPool, QThreadPool* computePool, QMainWindow* window);
    ~ImageExportFlow() override;

    // Writes `source` at one pixel per element to `outputPath`, replacing a file there (the
    // file dialog asked) but never `inputPath`. Ends with imageExported; without a source it
    // only says so in an error dialog.
    void startOnePixelPerWeight(std::shared_ptr<const HeatmapSource> source,
                                const QString& outputPath, const QString& inputPath);
    // Writes what `view` shows now, at screen resolution, under `title`.
    void startAsShown(LayerView* view, const QString& title, const QString& outputPath,
                      const QString& inputPath);
    void cancel();
    bool isRunning() const { return m_running; }

    // The picture "as shown": `frame` (field region `region` rendered at the heatmap's
    // device-pixel size) drawn as the heatmap draws it, the colorbar and legend to its right and
    // `title` above; at the view's device-pixel ratio. UI thread (it paints widgets).
    static QImage composeAsShown(const LayerView& view, const QImage& frame, const QRectF& region,
                                 const QString& title);

Q_SIGNALS:
    // Rendering progress: `done` of `total` strips.
    void progressed(int done, int total);
    // Encoding and writing: bytes written to the temporary file so far.
    void bytesWritten(qint64 bytes);
    // written false when cancelled or when rendering or writing failed (the error dialog says
    // why); no file is left then.
    void imageExported(const QString& path, bool written);

private:
    void begin(const QString& outputPath);
    void render(std::shared_ptr<const HeatmapSource> source, QRectF region, QSize pixels,
                std::function<void(QImage)> then);
    void write(QImage image, const QString& inputPath);
    void finish(const QString& error, bool cancelled);

    QThreadPool* m_ioPool;
    QThreadPool* m_computePool;
    QMainWindow* m_window;
    QProgressDialog* m_progress = nullptr;
    std::shared_ptr<std::atomic<bool>> m_cancel;
    QString m_outputPath;
    bool m_running = false;
};

} // namespace sparsity::ui
