#pragma once

#include "heatmap/zoommodel.h"

#include <QImage>
#include <QMutex>
#include <QWidget>
#include <atomic>
#include <memory>

namespace sparsity::ui {

class HeatmapSource;

// Shows a HeatmapSource with zoom and pan. Rendering runs on the global thread pool: each
// change of source, zoom, pan or size asks for exactly the visible region at the widget's
// device-pixel size; meanwhile the last finished image is drawn moved and scaled to the new
// geometry as a preview. UI thread only, except grabFullResolution().
class HeatmapView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HeatmapView)

public:
    explicit HeatmapView(QWidget* parent = nullptr);
    ~HeatmapView() override;

    // A source of the same field size keeps zoom and pan (a new mask of the same layer); one of
    // another size fits the window. The old image stays as a preview until the new one is done.
    void setSource(std::shared_ptr<const HeatmapSource> source);
    std::shared_ptr<const HeatmapSource> source() const;

    // Grid overlay and hover highlight: QSize(block columns, block rows); empty for none.
    void setBlockGrid(QSize blockShape);
    QSize blockGrid() const { return m_blockShape; }

    const ZoomModel& zoomModel() const { return m_zoom; }
    // The image drawn now and the field region (elements) it covers; null before the first.
    QImage renderedImage() const { return m_image; }
    QRectF renderedRegion() const { return m_imageRegion; }
    bool isRendering() const { return m_jobRunning; }

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
    struct Frame
    {
        QImage image;
        QRectF region;
        quint64 sourceSerial = 0;
        quint64 generation = 0;
    };

    void geometryChanged();
    void requestRender();
    void startRender();
    void finishRender(Frame frame);
    void updateHover(QPointF pos);
    void setHover(QPoint element);
    void drawGrid(QPainter& painter, const QRectF& field) const;
    void drawHover(QPainter& painter) const;

    // Written on the UI thread only; the mutex lets grabFullResolution() read it from a worker.
    mutable QMutex m_sourceMutex;
    std::shared_ptr<const HeatmapSource> m_source;
    quint64 m_sourceSerial = 0; // counts setSource calls: frames of older sources are dropped

    ZoomModel m_zoom;
    QImage m_image;
    QRectF m_imageRegion;

    // One job in flight at most; further requests coalesce into one pending render.
    quint64 m_generation = 0; // counts render requests: the latest frame shows the current view
    bool m_jobRunning = false;
    bool m_renderPending = false;
    std::shared_ptr<std::atomic<bool>> m_cancel;

    QSize m_blockShape;
    QPoint m_hover{-1, -1}; // (column, row) of the hovered element
    bool m_dragging = false;
    QPointF m_lastDragPos;
    QPointF m_pressPos;
};

} // namespace sparsity::ui
