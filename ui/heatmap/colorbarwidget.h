#pragma once

#include "heatmap/colormap.h"
#include "heatmap/heatmapsource.h"

#include <QList>
#include <QPair>
#include <QWidget>
#include <optional>

namespace sparsity::ui {

// A vertical colorbar: the colour map's gradient from minimum (bottom) to maximum (top) with
// tick labels (powers of ten on a log scale) and the value's label; below it, or alone for a
// categorical source (no scale), a legend of colour swatches; last, word-wrapped, a note on
// what one pixel of the heatmap shows at its zoom. UI thread only.
class ColorbarWidget final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ColorbarWidget)

public:
    explicit ColorbarWidget(QWidget* parent = nullptr);

    void setColormap(const Colormap& colormap);
    // nullopt: categorical, only the legend is shown.
    void setScale(const std::optional<HeatmapSource::Scale>& scale);
    void setLegend(const QList<QPair<QColor, QString>>& entries);
    // Scale and legend of a source, drawn with `colormap`.
    void showSource(const HeatmapSource& source, const Colormap& colormap);
    // Scale, colours, legend and note of a source at a zoom; `colormap` unless the source
    // brings its own colours.
    void showPresentation(const HeatmapSource::Presentation& presentation,
                          const Colormap& colormap);
    void setNote(const QString& note);

    const std::optional<HeatmapSource::Scale>& scale() const { return m_scale; }
    const QList<QPair<QColor, QString>>& legend() const { return m_legend; }
    QString note() const { return m_note; }
    // The colours of the bar, bottom (minimum) to top.
    const Colormap::Lut& colors() const { return m_lut; }
    // The tick labels drawn now, bottom to top (for tests and accessibility).
    QStringList tickLabels() const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    QRect barRect() const;
    int legendHeight() const;
    int noteWidth() const;
    int noteHeight() const;
    int labelsWidth() const;
    bool titleOnTop() const;

    Colormap::Lut m_lut;
    std::optional<HeatmapSource::Scale> m_scale;
    QList<QPair<QColor, QString>> m_legend;
    QString m_note;
};

} // namespace sparsity::ui
