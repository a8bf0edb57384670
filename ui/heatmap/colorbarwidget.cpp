#include "colorbarwidget.h"

#include "heatmap/axisticks.h"
#include "heatmap/valuescale.h"

#include <QEvent>
#include <QPaintEvent>
#include <QPainter>
#include <cmath>

namespace sparsity::ui {
namespace {
constexpr int margin = 6;
constexpr int barWidth = 16;
constexpr int tickLength = 4;
constexpr int swatch = 12;
constexpr int maxTicks = 5;
// The note wraps at the width of the rest, but not narrower than this.
constexpr int minimumNoteWidth = 150;

ValueScale valueScaleOf(const HeatmapSource::Scale& s)
{
    return ValueScale{s.minimum, s.maximum, s.logarithmic};
}

// Ticks for the bar: round values inside the range plus both ends, the ends winning over
// round values too close to them to be read.
struct BarTick
{
    double t; // position along the bar, 0 = bottom
    QString label;
};

QList<BarTick> barTicks(const HeatmapSource::Scale& s, int barHeight, int labelHeight)
{
    QList<BarTick> ticks;
    const ValueScale scale = valueScaleOf(s);
    const double lo = scale.lowest();
    const double hi = scale.maximum;
    if (!(hi > lo)) {
        ticks.append({0.5, formatAxisValue(hi)});
        return ticks;
    }
    const int room = std::clamp(barHeight / (labelHeight * 2), 2, maxTicks);
    const QList<AxisTick> inner =
        s.logarithmic ? logTicks(lo, hi, room) : linearTicks(lo, hi, room);
    double step = 0.0;
    if (!s.logarithmic && inner.size() > 1)
        step = inner[1].value - inner[0].value;
    // The ends show the exact range, one digit finer than the ticks (or as a power of ten).
    const auto endLabel = [&](double v) {
        if (s.logarithmic) {
            const double e = std::round(std::log10(v));
            return std::fabs(std::log10(v) - e) < 1e-9 ? powerOfTenLabel(int(e))
                                                       : formatAxisValue(v);
        }
        return v == 0.0 ? QStringLiteral("0") : formatAxisValue(v, step / 10);
    };
    ticks.append({0.0, endLabel(lo)});
    // Round values too close to an end label would read as one crowded label.
    const double minGap = 1.5 * labelHeight / std::max(1, barHeight);
    for (const AxisTick& tick : inner) {
        const double t = scale.toUnit(tick.value);
        if (t > minGap && t < 1.0 - minGap)
            ticks.append({t, tick.label});
    }
    ticks.append({1.0, endLabel(hi)});
    return ticks;
}
} // namespace

ColorbarWidget::ColorbarWidget(QWidget* parent)
    : QWidget(parent)
    , m_lut(Colormap().lut())
{
    setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Expanding);
}

void ColorbarWidget::setColormap(const Colormap& colormap)
{
    m_lut = colormap.lut();
    update();
}

void ColorbarWidget::setScale(const std::optional<HeatmapSource::Scale>& scale)
{
    m_scale = scale;
    updateGeometry();
    update();
}

void ColorbarWidget::setLegend(const QList<QPair<QColor, QString>>& entries)
{
    m_legend = entries;
    updateGeometry();
    update();
}

void ColorbarWidget::showSource(const HeatmapSource& source, const Colormap& colormap)
{
    m_lut = colormap.lut();
    m_scale = source.scale();
    m_legend = source.legend();
    updateGeometry();
    update();
}

void ColorbarWidget::showPresentation(const HeatmapSource::Presentation& presentation,
                                      const Colormap& colormap)
{
    const Colormap::Lut& lut = presentation.colors ? *presentation.colors : colormap.lut();
    const auto sameScale = [](const std::optional<HeatmapSource::Scale>& a,
                              const std::optional<HeatmapSource::Scale>& b) {
        return a.has_value() == b.has_value() &&
               (!a || (a->minimum == b->minimum && a->maximum == b->maximum &&
                       a->logarithmic == b->logarithmic && a->label == b->label));
    };
    // Called on every pan: nothing to lay out again when nothing changed.
    if (lut == m_lut && sameScale(presentation.scale, m_scale) && presentation.legend == m_legend &&
        presentation.pixelNote == m_note)
        return;
    m_lut = lut;
    m_scale = presentation.scale;
    m_legend = presentation.legend;
    m_note = presentation.pixelNote;
    updateGeometry();
    update();
}

void ColorbarWidget::setNote(const QString& note)
{
    m_note = note;
    updateGeometry();
    update();
}

QStringList ColorbarWidget::tickLabels() const
{
    QStringList labels;
    if (!m_scale)
        return labels;
    for (const BarTick& tick : barTicks(*m_scale, barRect().height(), fontMetrics().height()))
        labels << tick.label;
    return labels;
}

int ColorbarWidget::labelsWidth() const
{
    // The widest label any scale produces ("8.88e-88"), so the width does not jump.
    return barWidth + tickLength + 4 + fontMetrics().horizontalAdvance(QStringLiteral("8.88e-88"));
}

bool ColorbarWidget::titleOnTop() const
{
    return m_scale && !m_scale->label.isEmpty() &&
           fontMetrics().horizontalAdvance(m_scale->label) <= labelsWidth();
}

QSize ColorbarWidget::sizeHint() const
{
    const QFontMetrics fm = fontMetrics();
    int width = 0;
    for (const auto& entry : m_legend)
        width = std::max(width, swatch + 6 + fm.horizontalAdvance(entry.second));
    if (m_scale) {
        // A long title runs up beside the labels, a short one sits on top.
        const bool rotated = !m_scale->label.isEmpty() && !titleOnTop();
        width = std::max(width, labelsWidth() + (rotated ? fm.height() + 6 : 0));
    }
    if (!m_note.isEmpty())
        width = std::max(width, minimumNoteWidth);
    return QSize(width + 2 * margin,
                 m_scale ? 260 + noteHeight() : legendHeight() + noteHeight() + 2 * margin);
}

int ColorbarWidget::noteWidth() const
{
    return std::max(minimumNoteWidth, width() - 2 * margin);
}

int ColorbarWidget::noteHeight() const
{
    if (m_note.isEmpty())
        return 0;
    // At the width sizeHint() gives, which is the widget's (its policy is fixed).
    const QFontMetrics fm = fontMetrics();
    int width = minimumNoteWidth;
    for (const auto& entry : m_legend)
        width = std::max(width, swatch + 6 + fm.horizontalAdvance(entry.second));
    if (m_scale)
        width = std::max(width, labelsWidth());
    // The gap above it, the text and a line's slack (wrapping can differ by a word).
    return fm.boundingRect(QRect(0, 0, width, 10000), Qt::TextWordWrap, m_note).height() +
           2 * margin + fm.height() / 2;
}

QSize ColorbarWidget::minimumSizeHint() const
{
    const QSize hint = sizeHint();
    return QSize(hint.width(), m_scale ? 120 + legendHeight() + noteHeight() : hint.height());
}

int ColorbarWidget::legendHeight() const
{
    if (m_legend.isEmpty())
        return 0;
    const int line = std::max(swatch, fontMetrics().height()) + 4;
    return int(m_legend.size()) * line + (m_scale ? margin : 0);
}

QRect ColorbarWidget::barRect() const
{
    const int half = fontMetrics().height() / 2 + 1; // end labels are centred on the ends
    const int title = titleOnTop() ? fontMetrics().height() + 4 : 0;
    return QRect(
        margin, margin + title + half, barWidth,
        std::max(10, height() - 2 * (margin + half) - title - legendHeight() - noteHeight()));
}

void ColorbarWidget::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::FontChange)
        updateGeometry();
    QWidget::changeEvent(event);
}

void ColorbarWidget::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::TextAntialiasing);
    const QFontMetrics fm = fontMetrics();
    const QColor text = palette().color(QPalette::WindowText);
    int legendTop = margin;
    if (m_scale) {
        const QRect bar = barRect();
        // The gradient: the LUT as a 1 x 256 image, top = maximum.
        QImage gradient(1, 256, QImage::Format_RGB32);
        for (int i = 0; i < 256; ++i)
            gradient.setPixel(0, 255 - i, m_lut[std::size_t(i)]);
        painter.drawImage(bar, gradient);
        painter.setPen(QPen(text, 0));
        painter.drawRect(QRectF(bar).adjusted(-0.5, -0.5, 0.5, 0.5));

        int labelsRight = bar.right();
        for (const BarTick& tick : barTicks(*m_scale, bar.height(), fm.height())) {
            const double y = bar.bottom() + 0.5 - tick.t * bar.height();
            painter.drawLine(QPointF(bar.right() + 1, y), QPointF(bar.right() + 1 + tickLength, y));
            const QRect label(bar.right() + tickLength + 4, int(std::lround(y - fm.height() / 2.0)),
                              fm.horizontalAdvance(tick.label) + 2, fm.height());
            painter.drawText(label, Qt::AlignLeft | Qt::AlignVCenter, tick.label);
            labelsRight = std::max(labelsRight, label.right());
        }
        if (titleOnTop()) {
            painter.drawText(QRect(margin, margin, width() - 2 * margin, fm.height()),
                             Qt::AlignLeft | Qt::AlignVCenter, m_scale->label);
        } else if (!m_scale->label.isEmpty()) {
            // Too long to sit on top: it runs up along the right edge, as on a printed colorbar.
            painter.save();
            const int x = std::max(labelsRight + 4, width() - margin - fm.height());
            painter.translate(x + fm.ascent(), bar.center().y());
            painter.rotate(-90);
            const QString title = fm.elidedText(m_scale->label, Qt::ElideRight, bar.height());
            painter.drawText(QRect(-bar.height() / 2, -fm.ascent(), bar.height(), fm.height()),
                             Qt::AlignCenter, title);
            painter.restore();
        }
        legendTop = bar.bottom() + fm.height() / 2 + 1 + 2 * margin;
    }
    const int line = std::max(swatch, fm.height()) + 4;
    for (const auto& [color, name] : m_legend) {
        const QRect box(margin, legendTop + (line - swatch) / 2, swatch, swatch);
        painter.fillRect(box, color);
        painter.setPen(QPen(text, 0));
        painter.drawRect(QRectF(box).adjusted(-0.5, -0.5, 0.5, 0.5));
        painter.drawText(
            QRect(box.right() + 6, legendTop, width() - box.right() - 6 - margin, line),
            Qt::AlignLeft | Qt::AlignVCenter,
            fm.elidedText(name, Qt::ElideRight, width() - box.right() - 6 - margin));
        legendTop += line;
    }
    if (!m_note.isEmpty()) {
        painter.setPen(QPen(text, 0));
        painter.drawText(QRect(margin, legendTop + margin, noteWidth(), 10000),
                         Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap, m_note);
    }
}

} // namespace sparsity::ui
