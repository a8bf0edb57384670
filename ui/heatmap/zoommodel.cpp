#include "zoommodel.h"

#include <algorithm>

namespace sparsity::ui {
namespace {
bool isEmpty(QSize field, QSizeF viewport)
{
    return field.isEmpty() || !(viewport.width() > 0.0 && viewport.height() > 0.0);
}
} // namespace

void ZoomModel::setFieldSize(QSize elements)
{
    if (elements == m_field)
        return;
    m_field = elements;
    fitToWindow();
}

void ZoomModel::setViewportSize(QSizeF pixels)
{
    if (pixels == m_viewport)
        return;
    const QPointF oldCentre(m_viewport.width() / 2, m_viewport.height() / 2);
    const QPointF anchor = elementAt(oldCentre);
    m_viewport = pixels;
    if (m_fitting) {
        fitToWindow();
        return;
    }
    m_scale = clampScale(m_scale);
    const QPointF newCentre(m_viewport.width() / 2, m_viewport.height() / 2);
    m_offset = newCentre - anchor * m_scale;
    clampOffset();
}

double ZoomModel::fitScale() const
{
    if (isEmpty(m_field, m_viewport))
        return 1.0;
    return std::min(m_viewport.width() / m_field.width(), m_viewport.height() / m_field.height());
}

double ZoomModel::minimumScale() const
{
    return std::min({fitScale() / 8.0, 1.0, maximumScale});
}

double ZoomModel::clampScale(double scale) const
{
    return std::clamp(scale, minimumScale(), maximumScale);
}

void ZoomModel::fitToWindow()
{
    m_scale = clampScale(fitScale());
    m_offset = QPointF((m_viewport.width() - m_field.width() * m_scale) / 2,
                       (m_viewport.height() - m_field.height() * m_scale) / 2);
    clampOffset();
    m_fitting = true;
}

void ZoomModel::oneToOne()
{
    setScaleAt(QPointF(m_viewport.width() / 2, m_viewport.height() / 2), 1.0);
}

void ZoomModel::zoomAt(QPointF viewportPos, double factor)
{
    setScaleAt(viewportPos, m_scale * factor);
}

void ZoomModel::setScaleAt(QPointF viewportPos, double scale)
{
    const QPointF anchor = elementAt(viewportPos);
    m_scale = clampScale(scale);
    m_offset = viewportPos - anchor * m_scale;
    clampOffset();
    m_fitting = false;
}

void ZoomModel::panBy(QPointF pixels)
{
    m_offset += pixels;
    clampOffset();
    m_fitting = false;
}

void ZoomModel::clampOffset()
{
    const auto clampAxis = [](double offset, double fieldPixels, double viewportPixels) {
        const double keep = std::min({keepVisible, fieldPixels, viewportPixels});
        return std::clamp(offset, keep - fieldPixels, viewportPixels - keep);
    };
    m_offset.setX(clampAxis(m_offset.x(), m_field.width() * m_scale, m_viewport.width()));
    m_offset.setY(clampAxis(m_offset.y(), m_field.height() * m_scale, m_viewport.height()));
}

QPointF ZoomModel::elementAt(QPointF viewportPos) const
{
    return (viewportPos - m_offset) / m_scale;
}

QRectF ZoomModel::visibleRegion() const
{
    return QRectF(-m_offset / m_scale, m_viewport / m_scale);
}

QRectF ZoomModel::mapToViewport(const QRectF& elements) const
{
    return QRectF(m_offset + elements.topLeft() * m_scale, elements.size() * m_scale);
}

} // namespace sparsity::ui
