#include "heatmapsource.h"

#include "heatmap/pooledrender.h"

#include <cmath>

namespace sparsity::ui {

HeatmapSource::Presentation HeatmapSource::presentation(QSizeF elementsPerPixel) const
{
    Presentation p{scale(), std::nullopt, legend(), {}};
    p.pixelNote = detail::coversSeveral(elementsPerPixel) ? pooledNote(coverage(elementsPerPixel))
                                                          : oneWeightNote(elementsPerPixel);
    return p;
}

QString HeatmapSource::pooledNote(const QString& coverage) const
{
    return tr("Each pixel: the largest value among the %1 weights it covers.").arg(coverage);
}

QString HeatmapSource::coverage(QSizeF elementsPerPixel)
{
    // A pixel covers a whole number of elements along each axis, but not always the same
    // number: a fractional step says "about" and rounds.
    const double rows = std::max(1.0, elementsPerPixel.height());
    const double cols = std::max(1.0, elementsPerPixel.width());
    const auto whole = [](double v) { return std::fabs(v - std::round(v)) < 0.01; };
    const QString text = QStringLiteral("%1×%2").arg(std::llround(rows)).arg(std::llround(cols));
    return whole(rows) && whole(cols) ? text : tr("≈%1").arg(text);
}

QString HeatmapSource::oneWeightNote(QSizeF elementsPerPixel)
{
    const double pixels = elementsPerPixel.width() > 0.0 ? 1.0 / elementsPerPixel.width() : 1.0;
    return tr("Each weight is drawn on its own (%1 px per weight).")
        .arg(pixels, 0, 'g', pixels < 10 ? 2 : 3);
}

} // namespace sparsity::ui
