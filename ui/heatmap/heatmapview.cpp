#include "heatmapview.h"

#include "heatmap/heatmapsource.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QMutexLocker>
#include <QPainter>
#include <QThreadPool>
#include <QWheelEvent>
#include <cmath>

namespace sparsity::ui {
namespace {
constexpr double keyZoomFactor = 2.0;
// One wheel notch (120 units) zooms by 2^(1/2): about 25 notches span a big layer's range.
constexpr double wheelUnitsPerDoubling = 240.0;
// Grid lines only where a block is at least this wide on screen, or they would hide the data.
constexpr double minimumGridSpacing = 8.0;
const QColor background(72, 72, 78);
const QColor borderColor(140, 140, 148);
} // namespace

HeatmapView::HeatmapView(QThreadPool* pool, QWidget* parent)
    : QWidget(parent)
    , m_runner(this, pool, &HeatmapView::renderFrame,
               [this](quint64, Frame frame) { showFrame(std::move(frame)); })
{
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    setAttribute(Qt::WA_OpaquePaintEvent);
    m_zoom.setViewportSize(size());
}

HeatmapView::~HeatmapView() = default;

void HeatmapView::setSource(std::shared_ptr<const HeatmapSource> source)
{
    {
        QMutexLocker lock(&m_sourceMutex);
        m_source = std::move(source);
    }
    m_runner.reset(); // whatever is in flight renders a source we no longer show
    const QSize field = m_source ? m_source->fieldSize() : QSize();
    if (field != m_zoom.fieldSize()) {
        m_image = QImage(); // a preview of another field would be misleading
        m_imageRegion = QRectF();
        m_zoom.setFieldSize(field);
        setHover(QPoint(-1, -1));
        Q_EMIT viewChanged();
    }
    requestRender();
    update();
}

std::shared_ptr<const HeatmapSource> HeatmapView::source() const
{
    QMutexLocker lock(&m_sourceMutex);
    return m_source;
}

void HeatmapView::setBlockGrid(QSize blockShape)
{
    if (blockShape == m_blockShape)
        return;
    m_blockShape = blockShape;
    update();
}

void HeatmapView::zoomIn()
{
    m_zoom.zoomAt(QPointF(width() / 2.0, height() / 2.0), keyZoomFactor);
    geometryChanged();
}

void HeatmapView::zoomOut()
{
    m_zoom.zoomAt(QPointF(width() / 2.0, height() / 2.0), 1.0 / keyZoomFactor);
    geometryChanged();
}

void HeatmapView::fitToWindow()
{
    m_zoom.fitToWindow();
    geometryChanged();
}

void HeatmapView::setStretch(bool stretch)
{
    if (stretch == m_zoom.isStretched())
        return;
    m_zoom.setStretch(stretch);
    geometryChanged();
}

void HeatmapView::zoomOneToOne()
{
    m_zoom.oneToOne();
    geometryChanged();
}

void HeatmapView::geometryChanged()
{
    Q_EMIT viewChanged();
    requestRender();
    update();
}

// --- rendering ---

QSize HeatmapView::requestedPixels() const
{
    const double dpr = devicePixelRatioF();
    return QSize(int(std::ceil(width() * dpr)), int(std::ceil(height() * dpr)));
}

QSizeF HeatmapView::elementsPerPixel() const
{
    const QSize pixels = requestedPixels();
    const QRectF region = m_zoom.visibleRegion();
    if (pixels.isEmpty())
        return {};
    return QSizeF(region.width() / pixels.width(), region.height() / pixels.height());
}

void HeatmapView::requestRender()
{
    const double dpr = devicePixelRatioF();
    const QSize pixels = requestedPixels();
    // A hidden view (another tab) renders when it is shown again.
    if (!m_source || pixels.isEmpty() || m_zoom.fieldSize().isEmpty() || !isVisible())
        return;
    m_runner.request(RenderRequest{m_source, m_zoom.visibleRegion(), pixels, dpr});
}

HeatmapView::Frame HeatmapView::renderFrame(const RenderRequest& request,
                                            const std::atomic<bool>& cancelled)
{
    Frame frame;
    frame.region = request.region;
    frame.image = request.source->render(request.region, request.pixels, cancelled);
    frame.image.setDevicePixelRatio(request.devicePixelRatio);
    return frame;
}

void HeatmapView::showFrame(Frame frame)
{
    if (frame.image.isNull())
        return; // cancelled: a newer request follows
    m_image = std::move(frame.image);
    m_imageRegion = frame.region;
    update();
    Q_EMIT imageUpdated();
}

QImage HeatmapView::grabFullResolution(int maxSide) const
{
    const std::shared_ptr<const HeatmapSource> current = source();
    return current ? renderFullResolution(*current, maxSide) : QImage();
}

QImage HeatmapView::renderFullResolution(const HeatmapSource& source, int maxSide,
                                         const std::atomic<bool>* cancelled)
{
    const QSize field = source.fieldSize();
    if (field.isEmpty() || maxSide < 1)
        return {};
    const double factor = std::min(1.0, double(maxSide) / std::max(field.width(), field.height()));
    const QSize pixels(std::max(1, int(std::lround(field.width() * factor))),
                       std::max(1, int(std::lround(field.height() * factor))));
    const std::atomic<bool> never(false);
    return source.render(QRectF(QPointF(0, 0), QSizeF(field)), pixels,
                         cancelled ? *cancelled : never);
}

// --- painting ---

void HeatmapView::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    drawFrame(painter, m_image, m_imageRegion);
    if (m_zoom.fieldSize().isEmpty())
        return;
    drawHover(painter);
    // Moved to a screen of another pixel ratio: the image is sharp no longer.
    if (!m_runner.isBusy() && !m_image.isNull() &&
        m_image.devicePixelRatio() != devicePixelRatioF())
        requestRender();
}

void HeatmapView::drawFrame(QPainter& painter, const QImage& image, const QRectF& region) const
{
    painter.fillRect(rect(), background);
    if (m_source && m_zoom.fieldSize().isValid() && !image.isNull()) {
        // Draw only the part of the image that lands in the widget: a preview scaled up 64
        // times must not make the painter scale the whole image.
        const QRectF target = m_zoom.mapToViewport(region);
        const QRectF visible = target.intersected(QRectF(rect()));
        if (!visible.isEmpty()) {
            const double sx = image.width() / target.width();
            const double sy = image.height() / target.height();
            const QRectF sourceRect((visible.x() - target.x()) * sx,
                                    (visible.y() - target.y()) * sy, visible.width() * sx,
                                    visible.height() * sy);
            // No smoothing: zoomed-in cells stay crisp.
            painter.drawImage(visible, image, sourceRect);
        }
    }
    if (m_zoom.fieldSize().isEmpty())
        return;
    const QRectF field = m_zoom.fieldInViewport();
    drawGrid(painter, field);
    painter.setPen(QPen(borderColor, 0));
    painter.setBrush(Qt::NoBrush);
    painter.drawRect(field.adjusted(-0.5, -0.5, 0.5, 0.5));
}

void HeatmapView::drawGrid(QPainter& painter, const QRectF& field) const
{
    if (m_blockShape.isEmpty())
        return;
    const QRectF visible = field.intersected(QRectF(rect()));
    if (visible.isEmpty())
        return;
    const auto drawLines = [&](bool vertical) {
        const double step = vertical ? m_blockShape.width() * m_zoom.scale()
                                     : m_blockShape.height() * m_zoom.scaleY();
        if (step < minimumGridSpacing)
            return;
        // A light line with a dark companion reads on both ends of every colour map; lines
        // fade in as blocks grow, so a dense grid does not veil the data.
        const double strength = std::min(1.0, 0.35 + (step - minimumGridSpacing) / 32.0);
        const QPen light(QColor(255, 255, 255, int(80 * strength)), 0);
        const QPen dark(QColor(0, 0, 0, int(60 * strength)), 0);
        const double origin = vertical ? field.left() : field.top();
        const double from = vertical ? visible.left() : visible.top();
        const double to = vertical ? visible.right() : visible.bottom();
        for (double k = std::ceil((from - origin) / step); origin + k * step <= to; ++k) {
            const double p = std::round(origin + k * step);
            for (const QPen* pen : {&dark, &light}) {
                painter.setPen(*pen);
                const double q = p + (pen == &dark ? 0.5 : -0.5);
                if (vertical)
                    painter.drawLine(QPointF(q, visible.top()), QPointF(q, visible.bottom()));
                else
                    painter.drawLine(QPointF(visible.left(), q), QPointF(visible.right(), q));
            }
        }
    };
    drawLines(true);
    drawLines(false);
}

void HeatmapView::drawHover(QPainter& painter) const
{
    if (m_hover.x() < 0)
        return;
    const QSize block = m_blockShape.isEmpty() ? QSize(1, 1) : m_blockShape;
    const QSize field = m_zoom.fieldSize();
    const int c0 = m_hover.x() / block.width() * block.width();
    const int r0 = m_hover.y() / block.height() * block.height();
    const QRectF elements(c0, r0, std::min(block.width(), field.width() - c0),
                          std::min(block.height(), field.height() - r0));
    QRectF box = m_zoom.mapToViewport(elements);
    // Tiny blocks (zoomed out) still get a marker one can see.
    const QPointF centre = box.center();
    box.setSize(box.size().expandedTo(QSizeF(5, 5)));
    box.moveCenter(centre);
    painter.setBrush(Qt::NoBrush);
    painter.setPen(QPen(QColor(0, 0, 0, 200), 3));
    painter.drawRect(box);
    painter.setPen(QPen(Qt::white, 1.5));
    painter.drawRect(box);
}

// --- interaction ---

void HeatmapView::showEvent(QShowEvent*)
{
    if (m_imageRegion != m_zoom.visibleRegion() || m_image.isNull())
        requestRender();
}

void HeatmapView::resizeEvent(QResizeEvent*)
{
    m_zoom.setViewportSize(size());
    geometryChanged();
}

void HeatmapView::wheelEvent(QWheelEvent* event)
{
    const int delta = event->angleDelta().y();
    if (delta == 0) {
        event->ignore();
        return;
    }
    m_zoom.zoomAt(event->position(), std::pow(2.0, delta / wheelUnitsPerDoubling));
    geometryChanged();
    updateHover(event->position());
    event->accept();
}

void HeatmapView::mousePressEvent(QMouseEvent* event)
{
    if (event->button() != Qt::LeftButton) {
        QWidget::mousePressEvent(event);
        return;
    }
    m_dragging = true;
    m_lastDragPos = event->position();
    setCursor(Qt::ClosedHandCursor);
}

void HeatmapView::mouseMoveEvent(QMouseEvent* event)
{
    if (m_dragging) {
        m_zoom.panBy(event->position() - m_lastDragPos);
        m_lastDragPos = event->position();
        geometryChanged();
    }
    updateHover(event->position());
}

void HeatmapView::mouseReleaseEvent(QMouseEvent* event)
{
    if (event->button() == Qt::LeftButton && m_dragging) {
        m_dragging = false;
        unsetCursor();
    }
}

void HeatmapView::leaveEvent(QEvent*)
{
    setHover(QPoint(-1, -1));
}

void HeatmapView::keyPressEvent(QKeyEvent* event)
{
    const QPointF step(width() / 8.0, height() / 8.0);
    switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoomIn();
        break;
    case Qt::Key_Minus:
        zoomOut();
        break;
    case Qt::Key_0:
        fitToWindow();
        break;
    case Qt::Key_1:
        zoomOneToOne();
        break;
    // An arrow shows more of the field in its direction, so the field moves the other way.
    case Qt::Key_Left:
        m_zoom.panBy(QPointF(step.x(), 0));
        geometryChanged();
        break;
    case Qt::Key_Right:
        m_zoom.panBy(QPointF(-step.x(), 0));
        geometryChanged();
        break;
    case Qt::Key_Up:
        m_zoom.panBy(QPointF(0, step.y()));
        geometryChanged();
        break;
    case Qt::Key_Down:
        m_zoom.panBy(QPointF(0, -step.y()));
        geometryChanged();
        break;
    default:
        QWidget::keyPressEvent(event);
    }
}

void HeatmapView::updateHover(QPointF pos)
{
    const QPointF e = m_zoom.elementAt(pos);
    const QSize field = m_zoom.fieldSize();
    const QPoint element(int(std::floor(e.x())), int(std::floor(e.y())));
    const bool inside =
        e.x() >= 0 && e.y() >= 0 && element.x() < field.width() && element.y() < field.height();
    setHover(inside ? element : QPoint(-1, -1));
}

void HeatmapView::setHover(QPoint element)
{
    if (element == m_hover)
        return;
    m_hover = element;
    update();
    Q_EMIT hovered(element.y(), element.x());
}

} // namespace sparsity::ui
