#pragma once

#include <QPointF>
#include <QRectF>
#include <QSize>
#include <QSizeF>

namespace sparsity::ui {

// The geometry of a heatmap view: a field of elements (columns x rows) shown in a viewport of
// pixels at `scale` pixels per element (scaleY() rows: the same unless stretched), element
// (0, 0) at viewport position offset(). Pure
// logic without widgets, so it is tested on its own. Not thread-safe; the view's thread owns it.
class ZoomModel
{
public:
    static constexpr double maximumScale = 64.0;
    // Panning always leaves this much of the field (or all of it, if smaller) in the viewport.
    static constexpr double keepVisible = 48.0;

    // A new size refits the view; the same size keeps it (a new mask of the same layer).
    void setFieldSize(QSize elements);
    QSize fieldSize() const { return m_field; }
    // Keeps fitting while the view fits; otherwise keeps the element at the centre in place.
    void setViewportSize(QSizeF pixels);
    QSizeF viewportSize() const { return m_viewport; }

    // Pixels per column; pixels per row is scaleY().
    double scale() const { return m_scale; }
    double scaleY() const { return m_scale * m_aspect; }
    // Stretched, fitting fills the viewport in both directions (a 512x9 layer is not a strip),
    // and zooming keeps that ratio of row to column size. Changing it refits.
    void setStretch(bool stretch);
    bool isStretched() const { return m_stretch; }
    QPointF offset() const { return m_offset; }
    // Scale at which the whole field fits the viewport.
    double fitScale() const;
    // Zoomed out so far, the field fills 1/8 of the viewport (1:1 stays reachable for tiny fields).
    double minimumScale() const;
    // True from fitToWindow() until the user zooms or pans.
    bool isFitting() const { return m_fitting; }

    void fitToWindow();
    void oneToOne(); // one element per pixel, centred on the element at the viewport centre
    // Scales by `factor` (clamped to the limits) keeping the element under viewportPos fixed.
    void zoomAt(QPointF viewportPos, double factor);
    void setScaleAt(QPointF viewportPos, double scale);
    // Moves the field by `pixels`, but never entirely out of view.
    void panBy(QPointF pixels);

    // Element coordinates (x = column, y = row, fractional) of a viewport position.
    QPointF elementAt(QPointF viewportPos) const;
    // The viewport in element coordinates; may extend past the field.
    QRectF visibleRegion() const;
    QRectF mapToViewport(const QRectF& elements) const;
    QRectF fieldInViewport() const { return mapToViewport(QRectF(QPointF(0, 0), QSizeF(m_field))); }

    friend bool operator==(const ZoomModel&, const ZoomModel&) = default;

private:
    double clampScale(double scale) const;
    void clampOffset();

    QSize m_field;
    QSizeF m_viewport;
    double m_scale = 1.0;
    double m_aspect = 1.0; // pixels per row / pixels per column; 1 unless stretched
    bool m_stretch = false;
    QPointF m_offset;
    bool m_fitting = true;
};

} // namespace sparsity::ui
