#pragma once

#include "heatmap/colormap.h"

#include <QColor>
#include <QCoreApplication>
#include <QImage>
#include <QList>
#include <QPair>
#include <QRectF>
#include <QSize>
#include <QSizeF>
#include <QString>
#include <atomic>
#include <optional>

namespace sparsity::ui {

// What a heatmap shows, rendered on demand for any region at any resolution. Implementations
// hold shared immutable data (a LayerSnapshot) and are called from worker threads: render()
// and the queries must be const and thread-safe.
class HeatmapSource
{
    Q_DECLARE_TR_FUNCTIONS(HeatmapSource)

public:
    virtual ~HeatmapSource() = default;

    // Size of the field in elements (columns x rows of the 2-D view of the layer).
    virtual QSize fieldSize() const = 0;

    // Renders field region `region` (in element coordinates, may be fractional and may extend
    // past the field, which is drawn transparent) into an image of `pixels` size,
    // Format_ARGB32_Premultiplied. Each pixel shows the element under its centre when zoomed in;
    // when zoomed out (several elements per pixel) it must not alias away isolated values:
    // implementations choose max-pooling or mean as fits the data. Returns a null QImage if
    // `cancelled` becomes true during rendering.
    virtual QImage render(const QRectF& region, const QSize& pixels,
                          const std::atomic<bool>& cancelled) const = 0;

    // Value range and label for the colorbar; nullopt for categorical sources (the mask).
    struct Scale
    {
        double minimum = 0.0;
        double maximum = 1.0;
        bool logarithmic = false;
        QString label; // e.g. "|w|", "block norm (L2)"
    };
    virtual std::optional<Scale> scale() const = 0;

    // Colours with a meaning of their own (the mask's categories; the NaN colour when the data
    // has non-finite values), for the legend. Empty when there are none.
    virtual QList<QPair<QColor, QString>> legend() const { return {}; }

    // What the colorbar and legend say about a render at `elementsPerPixel` (elements per
    // output pixel along x and y: region size over pixel size; below 1 zoomed in). The scale
    // and legend may differ from scale() and legend() when zoomed out (the mask then shows
    // shares), and pixelNote says in one sentence what one pixel is at this zoom.
    struct Presentation
    {
        std::optional<Scale> scale;
        // The bar's colours when the source draws that scale in colours of its own (the mask's
        // kept share); otherwise the view's colour map.
        std::optional<Colormap::Lut> colors;
        QList<QPair<QColor, QString>> legend;
        QString pixelNote;
    };
    virtual Presentation presentation(QSizeF elementsPerPixel) const;

protected:
    // The sentence on a zoomed-out pixel, given coverage() of it.
    virtual QString pooledNote(const QString& coverage) const;
    // "4×11" or "≈6×16": rows × columns of weights one pixel covers.
    static QString coverage(QSizeF elementsPerPixel);
    // "Each weight is drawn on its own." with the pixels it takes.
    static QString oneWeightNote(QSizeF elementsPerPixel);
};

} // namespace sparsity::ui
