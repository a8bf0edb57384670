#include "sparsitybarchart.h"

#include <QHelpEvent>
#include <QLocale>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollBar>
#include <QToolTip>
#include <algorithm>
#include <cmath>

namespace sparsity::ui {
namespace {

constexpr int margin = 6;
constexpr int tickCount = 4;     // 0, 25, 50, 75, 100 %, or every other one when narrow
constexpr int legendSwatch = 22; // a line sample and the gap after it

QString percentText(double fraction)
{
    return QLocale().toString(fraction * 100.0, 'f', 1) + QStringLiteral(" %");
}

} // namespace

SparsityBarChart::SparsityBarChart(QWidget* parent)
    : QAbstractScrollArea(parent)
{
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setVerticalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    viewport()->setMouseTracking(true);
    viewport()->setBackgroundRole(QPalette::Base);
    viewport()->setAutoFillBackground(true);
}

void SparsityBarChart::setBars(std::vector<Bar> bars)
{
    // Measuring hundreds of labels costs milliseconds: only when they change, not per level.
    const bool sameLabels =
        std::equal(bars.begin(), bars.end(), m_bars.begin(), m_bars.end(),
                   [](const Bar& a, const Bar& b) { return a.label == b.label; });
    m_bars = std::move(bars);
    if (!sameLabels)
        measureLabels();
    updateScrollRange();
    viewport()->update();
}

void SparsityBarChart::measureLabels()
{
    QFont bold = font();
    bold.setBold(true);
    const QFontMetrics metrics(bold);
    m_widestLabel = 0;
    for (const Bar& bar : m_bars)
        m_widestLabel = std::max(m_widestLabel, metrics.horizontalAdvance(bar.label));
}

void SparsityBarChart::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::FontChange)
        measureLabels();
    QAbstractScrollArea::changeEvent(event);
    // The title, legend and "No layers" are translated as they are painted.
    if (event->type() == QEvent::LanguageChange) {
        updateScrollRange();
        viewport()->update();
    }
}

void SparsityBarChart::setReference(std::optional<double> level, std::optional<double> achieved)
{
    m_level = level;
    m_achieved = achieved;
    updateScrollRange(); // the legend may take a line of the header
    viewport()->update();
}

int SparsityBarChart::rowHeight() const
{
    return fontMetrics().height() + 4;
}

QString SparsityBarChart::title() const
{
    return tr("Achieved sparsity per layer");
}

QStringList SparsityBarChart::legendTexts() const
{
    QStringList texts;
    if (m_level)
        texts << tr("level %1").arg(percentText(*m_level));
    if (m_achieved)
        texts << tr("model %1").arg(percentText(*m_achieved));
    return texts;
}

int SparsityBarChart::legendWidth() const
{
    int width = 0;
    for (const QString& text : legendTexts())
        width += legendSwatch + fontMetrics().horizontalAdvance(text) + 3 * margin;
    return width;
}

int SparsityBarChart::titleWidth() const
{
    QFont bold = font();
    bold.setBold(true);
    return QFontMetrics(bold).horizontalAdvance(title());
}

bool SparsityBarChart::legendOnTitleLine() const
{
    return margin + titleWidth() + 3 * margin + legendWidth() <= viewport()->width();
}

int SparsityBarChart::headerHeight() const
{
    // The title (with the legend beside it when it fits, else below it) and the tick labels.
    const int lines = legendOnTitleLine() || legendTexts().isEmpty() ? 2 : 3;
    return lines * fontMetrics().height() + 3 * margin;
}

int SparsityBarChart::labelWidth() const
{
    // Paths are elided from the left (their ends tell layers apart) beyond 40 % of the width.
    // Measured bold: the current layer's label is.
    return std::clamp(m_widestLabel + margin,
                      fontMetrics().horizontalAdvance(QStringLiteral("/w")) + margin,
                      std::max(60, viewport()->width() * 2 / 5));
}

int SparsityBarChart::valueWidth() const
{
    return fontMetrics().horizontalAdvance(QStringLiteral("100.0 %")) + 2 * margin;
}

QRect SparsityBarChart::plotArea() const
{
    const int left = margin + labelWidth() + margin;
    const int right = viewport()->width() - valueWidth();
    return QRect(QPoint(left, headerHeight()),
                 QPoint(std::max(left + 10, right), viewport()->height() - 1));
}

int SparsityBarChart::rowAt(QPoint position) const
{
    if (position.y() < headerHeight())
        return -1;
    const int row = (position.y() - headerHeight() + verticalScrollBar()->value()) / rowHeight();
    return row >= 0 && row < static_cast<int>(m_bars.size()) ? row : -1;
}

QRect SparsityBarChart::barRect(int row) const
{
    const QRect plot = plotArea();
    const int top = headerHeight() + row * rowHeight() - verticalScrollBar()->value();
    return QRect(plot.left(), top + 2, plot.width(), rowHeight() - 4);
}

QSize SparsityBarChart::sizeHint() const
{
    const int rows = std::min<int>(static_cast<int>(m_bars.size()), 12);
    return QSize(420, headerHeight() + std::max(rows, 4) * rowHeight() + 2 * frameWidth());
}

QSize SparsityBarChart::minimumSizeHint() const
{
    return QSize(200, headerHeight() + 3 * rowHeight() + 2 * frameWidth());
}

void SparsityBarChart::updateScrollRange()
{
    const int content = static_cast<int>(m_bars.size()) * rowHeight();
    const int visible = std::max(0, viewport()->height() - headerHeight());
    verticalScrollBar()->setRange(0, std::max(0, content - visible));
    verticalScrollBar()->setPageStep(visible);
    verticalScrollBar()->setSingleStep(rowHeight());
}

void SparsityBarChart::resizeEvent(QResizeEvent* event)
{
    QAbstractScrollArea::resizeEvent(event);
    updateScrollRange();
}

void SparsityBarChart::scrollContentsBy(int, int)
{
    // The header is pinned: repaint rather than move pixels.
    viewport()->update();
}

void SparsityBarChart::paintEvent(QPaintEvent*)
{
    QPainter painter(viewport());
    const QPalette& pal = palette();
    const QFontMetrics fm = fontMetrics();
    const QRect plot = plotArea();
    const auto xOf = [&](double fraction) {
        return plot.left() +
               static_cast<int>(std::lround(std::clamp(fraction, 0.0, 1.0) * plot.width()));
    };

    // Rows first, clipped below the header, then the header over them.
    const int first = verticalScrollBar()->value() / rowHeight();
    const int last =
        std::min<int>(static_cast<int>(m_bars.size()) - 1,
                      (verticalScrollBar()->value() + viewport()->height()) / rowHeight());
    painter.save();
    painter.setClipRect(
        QRect(0, headerHeight(), viewport()->width(), viewport()->height() - headerHeight()));
    const QColor barColor = pal.color(QPalette::Highlight);
    QColor currentColor = barColor.darker(140);
    QColor track = pal.color(QPalette::AlternateBase);
    for (int row = first; row <= last; ++row) {
        const Bar& bar = m_bars[static_cast<std::size_t>(row)];
        const QRect full = barRect(row);
        const QRect line(0, full.top() - 2, viewport()->width(), rowHeight());
        if (row % 2 == 1)
            painter.fillRect(line, track);
        QFont font = painter.font();
        font.setBold(bar.current);
        painter.setFont(font);
        painter.setPen(pal.color(QPalette::Text));
        const QRect labelRect(margin, line.top(), labelWidth(), line.height());
        painter.drawText(labelRect, Qt::AlignRight | Qt::AlignVCenter,
                         fm.elidedText(bar.label, Qt::ElideLeft, labelRect.width()));
        if (bar.sparsity) {
            QRect filled = full;
            filled.setRight(xOf(*bar.sparsity) - 1);
            painter.fillRect(filled, bar.current ? currentColor : barColor);
            painter.drawText(QRect(plot.right() + margin, line.top(), valueWidth(), line.height()),
                             Qt::AlignLeft | Qt::AlignVCenter, percentText(*bar.sparsity));
        } else {
            painter.setPen(QPen(pal.color(QPalette::Mid), 1, Qt::DotLine));
            painter.drawRect(full.adjusted(0, 0, -1, -1));
            painter.setPen(pal.color(QPalette::PlaceholderText));
            painter.drawText(QRect(plot.right() + margin, line.top(), valueWidth(), line.height()),
                             Qt::AlignLeft | Qt::AlignVCenter, QStringLiteral("…"));
        }
    }
    // Grid and reference lines through the rows.
    const int rowsBottom = std::min(viewport()->height(),
                                    headerHeight() + static_cast<int>(m_bars.size()) * rowHeight() -
                                        verticalScrollBar()->value());
    painter.setPen(QPen(pal.color(QPalette::Mid), 1, Qt::DotLine));
    for (int tick = 0; tick <= tickCount; ++tick) {
        const int x = xOf(static_cast<double>(tick) / tickCount);
        painter.drawLine(x, headerHeight(), x, rowsBottom);
    }
    const QColor levelColor(0xd0, 0x3a, 0x2f);
    const QColor achievedColor(0x1b, 0x7f, 0x3b);
    // The dashed level over the solid achieved line: both show where they coincide.
    if (m_achieved) {
        painter.setPen(QPen(achievedColor, 2, Qt::SolidLine));
        painter.drawLine(xOf(*m_achieved), headerHeight(), xOf(*m_achieved), rowsBottom);
    }
    if (m_level) {
        painter.setPen(QPen(levelColor, 2, Qt::DashLine));
        painter.drawLine(xOf(*m_level), headerHeight(), xOf(*m_level), rowsBottom);
    }
    painter.restore();

    // The header: title with the reference lines' legend, then tick labels on the axis.
    painter.fillRect(QRect(0, 0, viewport()->width(), headerHeight()), pal.color(QPalette::Base));
    painter.setPen(pal.color(QPalette::Text));
    const int titleBaseline = margin + fm.ascent();
    QFont bold = painter.font();
    bold.setBold(true);
    painter.setFont(bold);
    painter.drawText(margin, titleBaseline, title());
    painter.setFont(font());
    const bool besideTitle = legendOnTitleLine();
    int x = besideTitle ? margin + titleWidth() + 3 * margin : margin;
    const int legendBaseline = besideTitle ? titleBaseline : titleBaseline + fm.height();
    const QStringList texts = legendTexts();
    int next = 0;
    const auto legend = [&](const QColor& color, Qt::PenStyle style) {
        const QString& text = texts[next++];
        const int y = legendBaseline - fm.ascent() / 3;
        painter.setPen(QPen(color, 2, style));
        painter.drawLine(x, y, x + legendSwatch - 4, y);
        painter.setPen(pal.color(QPalette::Text));
        painter.drawText(x + legendSwatch, legendBaseline, text);
        x += legendSwatch + fm.horizontalAdvance(text) + 3 * margin;
    };
    if (m_level)
        legend(levelColor, Qt::DashLine);
    if (m_achieved)
        legend(achievedColor, Qt::SolidLine);

    const int axisY = headerHeight() - 1;
    painter.setPen(pal.color(QPalette::Text));
    painter.drawLine(plot.left(), axisY, plot.right(), axisY);
    // Tick labels need room: every other one when the plot is narrow.
    const int tickStep =
        plot.width() >= 2 * tickCount * fm.horizontalAdvance(QStringLiteral("100 %")) ? 1 : 2;
    for (int tick = 0; tick <= tickCount; tick += tickStep) {
        const double fraction = static_cast<double>(tick) / tickCount;
        const int tx = xOf(fraction);
        painter.drawLine(tx, axisY - 4, tx, axisY);
        const QString label = QString::number(tick * 100 / tickCount) + QStringLiteral(" %");
        const int w = fm.horizontalAdvance(label);
        const int left = std::clamp(tx - w / 2, plot.left() - w / 2, viewport()->width() - w);
        painter.drawText(left, axisY - 6 - fm.descent(), label);
    }
    if (m_bars.empty()) {
        painter.setPen(pal.color(QPalette::PlaceholderText));
        painter.drawText(
            QRect(0, headerHeight(), viewport()->width(), viewport()->height() - headerHeight()),
            Qt::AlignCenter, tr("No layers"));
    }
}

bool SparsityBarChart::viewportEvent(QEvent* event)
{
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const int row = rowAt(help->pos());
        if (row >= 0)
            QToolTip::showText(help->globalPos(), m_bars[static_cast<std::size_t>(row)].toolTip,
                               viewport(), barRect(row));
        else
            QToolTip::hideText();
        return true;
    }
    return QAbstractScrollArea::viewportEvent(event);
}

void SparsityBarChart::mouseDoubleClickEvent(QMouseEvent* event)
{
    const int row = rowAt(event->position().toPoint());
    if (row >= 0)
        Q_EMIT barActivated(row);
}

} // namespace sparsity::ui
