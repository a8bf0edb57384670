#pragma once

#include "heatmap/zoommodel.h"
#include "jobs/coalescingrunner.h"

#include <QImage>
#include <QMutex>
#include <QWidget>
#include <atomic>
#include <memory>

class QThreadPool;

namespace sparsity::ui {

class HeatmapSource;

// Shows a HeatmapSource with zoom and pan. Rendering runs on the given pool through the view's
// CoalescingRunner: each change of source, zoom, pan or size asks for exactly the visible region
// at the widget's device-pixel size; meanwhile the last finished image is drawn moved and scaled
// to the new geometry as a preview. UI thread only, except grabFullResolution().
class HeatmapView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HeatmapView)

public:
    // Renders on pool, which must outlive the view's jobs (the session's compute pool).
    explicit HeatmapView(QThreadPool* pool, QWidget* parent = nullptr);
    ~HeatmapView() override;

    // A source of the same field size keeps zoom and pan (a new mask of the same layer); one of
    // another size fits the window. The old image stays as a preview until the new one is done.
    void setSource(std::shared_ptr<const HeatmapSource> source);
    std::shared_ptr<const HeatmapSource> source() const;

    // Grid overlay and hover highlight: QSize(block columns, block rows); empty for none.
    void setBlockGrid(QSize blockShape);
    QSize blockGrid() const { return m_blockShape; }

    const ZoomModel& zoomModel() const { return m_zoom; }
    // Fit fills the view in both directions (cells no longer square); see ZoomModel.
    void setStretch(bool stretch);
    // The image drawn now and the field region (elements) it covers; null before the first.
    QImage renderedImage() const { return m_image; }
    QRectF renderedRegion() const { return m_imageRegion; }
    bool isRendering() const { return m_runner.isBusy(); }

    // What the view asks a render for now: the visible region (elements) at the widget's
    // device-pixel size, and the elements per pixel that gives (what the legend describes).
    QRectF requestedRegion() const { return m_zoom.visibleRegion(); }
    QSize requestedPixels() const;
    QSizeF elementsPerPixel() const;
    // Paints what paintEvent paints but the hover marker: background, `image` of field region
    // `region` where the zoom puts it, grid and border, onto a painter of the widget's size
    // (Export Image "as shown" draws a frame rendered for it).
    void drawFrame(QPainter& painter, const QImage& image, const QRectF& region) const;

    // The whole field at one pixel per element, scaled down to at most maxSide pixels on the
    // longer side. Synchronous: meant for a worker thread (Export image); thread-safe.
    QImage grabFullResolution(int maxSide = 16384) const;
    static QImage renderFullResolution(const HeatmapSource& source, int maxSide,
                                       const std::atomic<bool>* cancelled = nullptr);

    QSize sizeHint() const override { return QSize(480, 360); }
    QSize minimumSizeHint() const override { return QSize(64, 64); }

public Q_SLOTS:
    void zoomIn();
    void zoomOut();
    void fitToWindow();
    void zoomOneToOne();

Q_SIGNALS:
    // The element under the mouse; (-1, -1) when the mouse leaves the field.
    void hovered(qint64 row, qint64 col);
    // Zoom or pan changed.
    void viewChanged();
    // A newly rendered image is shown.
    void imageUpdated();

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void showEvent(QShowEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void leaveEvent(QEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;

private:
    // What a render job reads (copies: it never touches the widget) and what it hands back.
    struct RenderRequest
    {
        std::shared_ptr<const HeatmapSource> source;
        QRectF region;
        QSize pixels;
        double devicePixelRatio = 1.0;
    };
    struct Frame
    {
        QImage image; // null when cancelled
        QRectF region;
    };
    static Frame renderFrame(const RenderRequest& request, const std::atomic<bool>& cancelled);

    void geometryChanged();
    void requestRender();
    void showFrame(Frame frame);
    void updateHover(QPointF pos);
    void setHover(QPoint element);
    void drawGrid(QPainter& painter, const QRectF& field) const;
    void drawHover(QPainter& painter) const;

    // Written on the UI thread only; the mutex lets grabFullResolution() read it from a worker.
    mutable QMutex m_sourceMutex;
    std::shared_ptr<const HeatmapSource> m_source;

    ZoomModel m_zoom;
    QImage m_image;
    QRectF m_imageRegion;

    QSize m_blockShape;
    QPoint m_hover{-1, -1}; // (column, row) of the hovered element
    bool m_dragging = false;
    QPointF m_lastDragPos;
    QPointF m_pressPos;

    // Last, so it goes first: frames of an older source are dropped (reset() in setSource); a
    // frame of the current source is shown even if the view has moved on since.
    CoalescingRunner<RenderRequest, Frame> m_runner;
};

} // namespace sparsity::ui
