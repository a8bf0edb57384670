#include "histogramwidget.h"

#include "heatmap/axisticks.h"

#include <QEvent>
#include <QMouseEvent>
#include <QPainter>
#include <cmath>
#include <limits>

namespace sparsity::ui {
namespace {
constexpr int barCount = 64;
const QColor keptBar(64, 132, 214);
const QColor prunedBar(150, 150, 158);
const QColor prunedShade(0, 0, 0, 22);
const QColor thresholdColor(214, 39, 40);
} // namespace

HistogramWidget::HistogramWidget(QThreadPool* pool, QWidget* parent)
    : QWidget(parent)
    , m_threshold(std::numeric_limits<double>::quiet_NaN())
    , m_axisLabel(tr("block norm"))
    , m_runner(
          this, pool, &HistogramWidget::bin,
          [this](quint64, std::shared_ptr<const HistogramData> data) {
              if (data) // null when cancelled
                  showData(std::move(data));
          },
          {}, [this] { update(); })
{
    setMouseTracking(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
}

HistogramWidget::~HistogramWidget() = default;

void HistogramWidget::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::LanguageChange)
        update();
}

void HistogramWidget::setData(std::vector<double> values)
{
    m_values = std::make_shared<const std::vector<double>>(std::move(values));
    rebuild();
}

void HistogramWidget::setXScale(XScale xScale)
{
    if (xScale == m_xScale)
        return;
    m_xScale = xScale;
    if (m_values)
        rebuild();
}

void HistogramWidget::setThreshold(double norm, std::int64_t prunedCount)
{
    const bool sameLine = norm == m_threshold || (std::isnan(norm) && std::isnan(m_threshold));
    if (sameLine && prunedCount == m_prunedCount)
        return;
    m_threshold = norm;
    m_prunedCount = prunedCount;
    update();
}

void HistogramWidget::setAxisLabel(const QString& label)
{
    m_axisLabel = label;
    update();
}

void HistogramWidget::rebuild()
{
    m_runner.reset();
    if (m_values->size() <= asyncThreshold) {
        showData(HistogramData::build(*m_values, m_xScale, barCount));
        return;
    }
    // The old bars stay up, marked as being recomputed, until the new ones arrive.
    m_runner.request(BinRequest{m_values, m_xScale});
    update();
}

std::shared_ptr<const HistogramData> HistogramWidget::bin(const BinRequest& request,
                                                          const std::atomic<bool>& cancelled)
{
    return HistogramData::build(*request.values, request.xScale, barCount, &cancelled);
}

void HistogramWidget::showData(std::shared_ptr<const HistogramData> data)
{
    m_data = std::move(data);
    update();
    Q_EMIT dataChanged();
}

QRectF HistogramWidget::plotRect() const
{
    const QFontMetrics fm = fontMetrics();
    const int left = fm.horizontalAdvance(QStringLiteral("8888k")) + 10;
    const int top = fm.height() + 6;
    const int bottom = 2 * fm.height() + 10;
    const int right = fm.horizontalAdvance(QStringLiteral("888")) / 2 + 8;
    return QRectF(left, top, std::max(10, width() - left - right),
                  std::max(10, height() - top - bottom));
}

double HistogramWidget::valueAtX(double x) const
{
    if (!m_data)
        return std::numeric_limits<double>::quiet_NaN();
    const QRectF plot = plotRect();
    return m_data->valueAtAxisPosition((x - plot.left()) / plot.width());
}

double HistogramWidget::xOfValue(double value) const
{
    if (!m_data)
        return std::numeric_limits<double>::quiet_NaN();
    const QRectF plot = plotRect();
    return plot.left() + m_data->axisPosition(value) * plot.width();
}

bool HistogramWidget::nearThresholdLine(double x) const
{
    if (!m_data || std::isnan(m_threshold))
        return false;
    return std::fabs(x - xOfValue(m_threshold)) <= 4.0;
}

// --- interaction ---

void HistogramWidget::mousePressEvent(QMouseEvent* event)
{
    const QRectF plot = plotRect().adjusted(-4, 0, 4, 0);
    if (event->button() != Qt::LeftButton || !m_data || !plot.contains(event->position())) {
        QWidget::mousePressEvent(event);
        return;
    }
    m_dragging = true;
    dragTo(event->position().x());
}

void HistogramWidget::mouseMoveEvent(QMouseEvent* event)
{
    if (m_dragging) {
        dragTo(event->position().x());
        return;
    }
    setCursor(nearThresholdLine(event->position().x()) ? Qt::SizeHorCursor : Qt::ArrowCursor);
}

void HistogramWidget::mouseReleaseEvent(QMouseEvent* event)
{
    if (event->button() == Qt::LeftButton)
        m_dragging = false;
}

void HistogramWidget::dragTo(double x)
{
    const QRectF plot = plotRect();
    x = std::clamp(x, plot.left(), plot.right());
    const double value = valueAtX(x);
    // The line follows the mouse at once; the app answers with the threshold it picked.
    m_threshold = value;
    m_prunedCount = -1; // until the app answers with the level it picked
    update();
    Q_EMIT thresholdDragged(m_data->fractionBelow(value));
}

QList<AxisTick> HistogramWidget::countTicks(std::int64_t peak)
{
    // Whole counts only: a one-block layer would otherwise read "0, 1, 1" for 0, 0.5 and 1.
    QList<AxisTick> ticks = linearTicks(0.0, double(std::max<std::int64_t>(1, peak)) * 1.05, 4);
    ticks.removeIf([](const AxisTick& tick) { return tick.value != std::round(tick.value); });
    return ticks;
}

// --- painting ---

void HistogramWidget::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::TextAntialiasing);
    const QFontMetrics fm = fontMetrics();
    const QColor text = palette().color(QPalette::WindowText);
    const QColor grid = palette().color(QPalette::Mid);
    const QRectF plot = plotRect();
    painter.fillRect(plot, palette().color(QPalette::Base));

    if (!m_data || m_data->totalCount() == 0) {
        painter.setPen(text);
        painter.drawText(plot, Qt::AlignCenter,
                         isComputing() ? tr("Computing histogram…") : tr("No block norms"));
        return;
    }
    const HistogramData& d = *m_data;
    const auto& bars = d.bars();
    const std::int64_t peak =
        std::max<std::int64_t>(1, *std::max_element(bars.begin(), bars.end()));
    // Headroom above the tallest bar, and y ticks at round counts.
    const QList<AxisTick> yTicks = countTicks(peak);
    const double yMax = std::max(double(peak) * 1.05, yTicks.isEmpty() ? 1.0 : yTicks.last().value);
    const auto yOf = [&](double count) { return plot.bottom() - count / yMax * plot.height(); };

    painter.setPen(QPen(grid, 0, Qt::DotLine));
    for (const AxisTick& tick : yTicks)
        painter.drawLine(QPointF(plot.left(), yOf(tick.value)),
                         QPointF(plot.right(), yOf(tick.value)));

    // A threshold beyond either end of the axis (every block pruned, or none) stays visible at
    // that end: the line is where the user drags the level from.
    const double thresholdX = std::isnan(m_threshold)
                                  ? plot.left() - 1
                                  : std::clamp(xOfValue(m_threshold), plot.left(), plot.right());
    if (!std::isnan(m_threshold))
        painter.fillRect(QRectF(plot.left(), plot.top(), thresholdX - plot.left(), plot.height()),
                         prunedShade);

    // Bars: the pruned blocks grey, the kept ones blue. With the pruned count known, each bar is
    // stacked by count (pruned at the bottom), smallest values first: zeros off a log axis come
    // before every bar. Otherwise a bar is split where the line crosses it.
    const double barWidth = plot.width() / double(bars.size());
    std::int64_t prunedLeft = m_prunedCount >= 0 ? m_prunedCount - d.offAxisCount() : 0;
    for (std::size_t i = 0; i < bars.size(); ++i) {
        if (bars[i] == 0)
            continue;
        const double x0 = plot.left() + double(i) * barWidth;
        const double x1 = x0 + barWidth;
        // At least a pixel tall, so a lone outlier block still shows.
        const double top = std::min(yOf(double(bars[i])), plot.bottom() - 1.0);
        const QRectF bar(QPointF(x0, top), QPointF(x1, plot.bottom()));
        if (m_prunedCount >= 0) {
            const std::int64_t pruned = std::clamp<std::int64_t>(prunedLeft, 0, bars[i]);
            prunedLeft -= pruned;
            const double split = pruned == bars[i]
                                     ? bar.top()
                                     : std::min(yOf(double(pruned)), plot.bottom() - (pruned > 0));
            if (pruned > 0)
                painter.fillRect(QRectF(QPointF(x0, split), bar.bottomRight()), prunedBar);
            if (pruned < bars[i])
                painter.fillRect(QRectF(bar.topLeft(), QPointF(x1, split)), keptBar);
            continue;
        }
        const double split = std::clamp(thresholdX, x0, x1);
        if (split > x0)
            painter.fillRect(QRectF(bar.topLeft(), QPointF(split, bar.bottom())), prunedBar);
        if (split < x1)
            painter.fillRect(QRectF(QPointF(split, bar.top()), bar.bottomRight()), keptBar);
    }

    // Axes.
    painter.setPen(QPen(text, 0));
    painter.drawLine(plot.bottomLeft(), plot.bottomRight());
    painter.drawLine(plot.bottomLeft(), plot.topLeft());
    for (const AxisTick& tick : yTicks) {
        const double y = yOf(tick.value);
        painter.drawLine(QPointF(plot.left() - 4, y), QPointF(plot.left(), y));
        const QString label = formatCount(tick.value);
        painter.drawText(QRectF(0, y - fm.height() / 2.0, plot.left() - 6, fm.height()),
                         Qt::AlignRight | Qt::AlignVCenter, label);
    }
    const int maxXTicks =
        std::max(2, int(plot.width() / (fm.horizontalAdvance(QStringLiteral("8.8e-88")) + 12)));
    const QList<AxisTick> xTicks = d.isLogarithmic()
                                       ? logTicks(d.lowest(), d.highest(), maxXTicks)
                                       : linearTicks(d.lowest(), d.highest(), maxXTicks);
    double lastRight = -1e9;
    for (const AxisTick& tick : xTicks) {
        const double x = xOfValue(tick.value);
        painter.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + 4));
        const double w = fm.horizontalAdvance(tick.label);
        const QRectF label(x - w / 2 - 1, plot.bottom() + 5, w + 2, fm.height());
        if (label.left() < lastRight + 6)
            continue; // never overlap labels
        painter.drawText(label, Qt::AlignCenter, tick.label);
        lastRight = label.right();
    }
    // Minor ticks at 2..9 times each decade make a log axis readable as one.
    if (d.isLogarithmic()) {
        for (int e = int(std::floor(std::log10(d.lowest())));
             e <= int(std::ceil(std::log10(d.highest()))); ++e)
            for (int m = 2; m <= 9; ++m) {
                const double v = m * std::pow(10.0, e);
                if (v < d.lowest() || v > d.highest())
                    continue;
                const double x = xOfValue(v);
                painter.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + 2));
            }
    }
    painter.drawText(
        QRectF(plot.left(), plot.bottom() + fm.height() + 6, plot.width(), fm.height()),
        Qt::AlignCenter, d.isLogarithmic() ? tr("%1 (log scale)").arg(m_axisLabel) : m_axisLabel);

    // The threshold line with a grip at the top.
    if (!std::isnan(m_threshold)) {
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setPen(QPen(thresholdColor, 2));
        painter.drawLine(QPointF(thresholdX, plot.top()), QPointF(thresholdX, plot.bottom()));
        painter.setPen(Qt::NoPen);
        painter.setBrush(thresholdColor);
        const QPointF grip[] = {{thresholdX - 5, plot.top() - 6},
                                {thresholdX + 5, plot.top() - 6},
                                {thresholdX, plot.top()}};
        painter.drawPolygon(grip, 3);
        painter.setRenderHint(QPainter::Antialiasing, false);
        // Its value, beside the line on whichever side has room, on a backing that keeps it
        // readable over the bars.
        const QString value = formatAxisValue(m_threshold);
        const double w = fm.horizontalAdvance(value) + 6;
        const double x = thresholdX + 4 + w <= plot.right() ? thresholdX + 4 : thresholdX - 4 - w;
        const QRectF box(x, plot.top() + 2, w, fm.height());
        QColor backing = palette().color(QPalette::Base);
        backing.setAlpha(220);
        painter.fillRect(box, backing);
        painter.setPen(thresholdColor.darker(130));
        painter.drawText(box, Qt::AlignCenter, value);
    }

    // Notes about values that are not in the bars, top right; "computing" while refreshing.
    QStringList notes;
    if (d.nonFiniteCount() > 0)
        notes << tr("%1 NaN/inf not shown").arg(d.nonFiniteCount());
    if (d.offAxisCount() > 0)
        notes << tr("%1 zero not shown").arg(d.offAxisCount());
    if (isComputing())
        notes << tr("updating…");
    painter.setPen(text);
    painter.drawText(QRectF(plot.left(), 2, plot.width(), fm.height()),
                     Qt::AlignRight | Qt::AlignVCenter, notes.join(QStringLiteral(" · ")));
    painter.drawText(QRectF(2, 2, plot.left() + 40, fm.height()), Qt::AlignLeft | Qt::AlignVCenter,
                     tr("blocks"));
}

} // namespace sparsity::ui
