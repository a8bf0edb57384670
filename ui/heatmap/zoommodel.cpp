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
    m_offset = newCentre - QPointF(anchor.x() * m_scale, anchor.y() * scaleY());
    clampOffset();
}

void ZoomModel::setStretch(bool stretch)
{
    if (stretch == m_stretch)
        return;
    m_stretch = stretch;
    fitToWindow();
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
    // Neither rows nor columns grow past maximumScale.
    const double maximum = maximumScale / std::max(1.0, m_aspect);
    return std::clamp(scale, std::min(minimumScale(), maximum), maximum);
}

void ZoomModel::fitToWindow()
{
    m_aspect = 1.0;
    if (m_stretch && !isEmpty(m_field, m_viewport)) {
        // Each axis fills its side of the viewport, up to maximumScale.
        const double x = std::min(m_viewport.width() / m_field.width(), maximumScale);
        const double y = std::min(m_viewport.height() / m_field.height(), maximumScale);
        m_aspect = y / x;
        m_scale = x;
    } else {
        m_scale = clampScale(fitScale());
    }
    m_offset = QPointF((m_viewport.width() - m_field.width() * m_scale) / 2,
                       (m_viewport.height() - m_field.height() * scaleY()) / 2);
    clampOffset();
    m_fitting = true;
}

void ZoomModel::oneToOne()
{
    // One element per pixel in both directions, stretched or not.
    const QPointF centre(m_viewport.width() / 2, m_viewport.height() / 2);
    const QPointF anchor = elementAt(centre);
    m_aspect = 1.0;
    m_scale = clampScale(1.0);
    m_offset = centre - anchor * m_scale;
    clampOffset();
    m_fitting = false;
}

void ZoomModel::zoomAt(QPointF viewportPos, double factor)
{
    setScaleAt(viewportPos, m_scale * factor);
}

void ZoomModel::setScaleAt(QPointF viewportPos, double scale)
{
    const QPointF anchor = elementAt(viewportPos);
    m_scale = clampScale(scale);
    m_offset = viewportPos - QPointF(anchor.x() * m_scale, anchor.y() * scaleY());
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
    m_offset.setY(clampAxis(m_offset.y(), m_field.height() * scaleY(), m_viewport.height()));
}

QPointF ZoomModel::elementAt(QPointF viewportPos) const
{
    const QPointF p = viewportPos - m_offset;
    return QPointF(p.x() / m_scale, p.y() / scaleY());
}

QRectF ZoomModel::visibleRegion() const
{
    return QRectF(-m_offset.x() / m_scale, -m_offset.y() / scaleY(), m_viewport.width() / m_scale,
                  m_viewport.height() / scaleY());
}

QRectF ZoomModel::mapToViewport(const QRectF& elements) const
{
    return QRectF(m_offset.x() + elements.x() * m_scale, m_offset.y() + elements.y() * scaleY(),
                  elements.width() * m_scale, elements.height() * scaleY());
}

} // namespace sparsity::ui
