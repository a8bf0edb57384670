#pragma once

#include <QObject>
#include <memory>

class QMainWindow;
class QThreadPool;

namespace sparsity::ui {

class HeatmapSource;

// File > Export Image once the path is chosen: renders a heatmap source at one pixel per
// element on the compute pool, writes the PNG on the I/O pool and reports the outcome in the
// window's status bar or an error dialog. UI thread only.
class ImageExportFlow final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ImageExportFlow)

public:
    // The pools are not owned; results arriving once this object is gone are dropped.
    ImageExportFlow(QThreadPool* ioPool, QThreadPool* computePool, QMainWindow* window);

    // Writes `source` to `outputPath` and ends with imageExported; without a source it only
    // says so in an error dialog.
    void start(std::shared_ptr<const HeatmapSource> source, const QString& outputPath);

Q_SIGNALS:
    // written false when rendering or writing failed (the error dialog says why).
    void imageExported(const QString& path, bool written);

private:
    void report(const QString& outputPath, const QString& error);

    QThreadPool* m_ioPool;
    QThreadPool* m_computePool;
    QMainWindow* m_window;
};

} // namespace sparsity::ui
