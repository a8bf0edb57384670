#include "curveplot.h"

#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <cmath>

namespace sparsity::ui {
namespace {

constexpr int tickCount = 5;     // 0, 20, ..., 100 %
constexpr double pickRadius = 8; // pixels from a point that still pick it

bool sameCurves(const QList<CurvePlot::Curve>& a, const QList<CurvePlot::Curve>& b)
{
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
        return x.label == y.label && x.color == y.color && x.emphasized == y.emphasized &&
               x.points == y.points;
    });
}

} // namespace

CurvePlot::CurvePlot(QWidget* parent)
    : QWidget(parent)
{
    setMouseTracking(true);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void CurvePlot::setCurves(QList<Curve> curves)
{
    // The panel hands over the same curves on every level change: keep the image then.
    if (sameCurves(curves, m_curves))
        return;
    m_curves = std::move(curves);
    m_hover = {-1, -1};
    invalidateBackground();
}

void CurvePlot::setAxisTitles(const QString& x, const QString& y)
{
    if (x == m_xTitle && y == m_yTitle)
        return;
    m_xTitle = x;
    m_yTitle = y;
    invalidateBackground();
}

void CurvePlot::setMarker(std::optional<QPointF> point, int curve)
{
    m_marker = point;
    m_markerCurve = curve;
    update();
}

void CurvePlot::setMessage(const QString& message)
{
    if (message == m_message)
        return;
    m_message = message;
    invalidateBackground();
}

void CurvePlot::invalidateBackground()
{
    m_backgroundValid = false;
    update();
}

void CurvePlot::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange ||
        event->type() == QEvent::StyleChange)
        invalidateBackground();
    QWidget::changeEvent(event);
}

QSize CurvePlot::sizeHint() const
{
    return QSize(560, 300);
}

QSize CurvePlot::minimumSizeHint() const
{
    return QSize(260, 180);
}

int CurvePlot::legendWidth() const
{
    if (m_curves.isEmpty())
        return 0;
    QFont bold = font();
    bold.setBold(true);
    const QFontMetrics fm(bold); // bold is the wider: the current curve's label is bold
    int width = 0;
    for (const Curve& curve : m_curves)
        width = std::max(width, fm.horizontalAdvance(curve.label));
    return width + 28 + 8;
}

QRectF CurvePlot::plotArea() const
{
    const QFontMetrics fm = fontMetrics();
    // Left: the rotated y title and the widest tick label; bottom: tick labels and x title;
    // right: the legend, beside the plot so that it never hides a curve.
    const double left = fm.height() + 8 + fm.horizontalAdvance(QStringLiteral("100 %")) + 6;
    const double bottom = 2.0 * fm.height() + 12;
    const double top = fm.height() / 2.0 + 4;
    const double right = fm.horizontalAdvance(QStringLiteral("100 %")) / 2.0 + 6 +
                         (m_curves.isEmpty() ? 0 : legendWidth() + 4);
    return QRectF(left, top, std::max(10.0, width() - left - right),
                  std::max(10.0, height() - top - bottom));
}

QPointF CurvePlot::toScreen(QPointF value) const
{
    const QRectF area = plotArea();
    return QPointF(area.left() + value.x() * area.width(),
                   area.bottom() - value.y() * area.height());
}

std::pair<int, int> CurvePlot::pointAt(QPointF position) const
{
    std::pair<int, int> best{-1, -1};
    double bestDistance = pickRadius * pickRadius;
    for (int c = 0; c < m_curves.size(); ++c) {
        const auto& points = m_curves[c].points;
        for (std::size_t i = 0; i < points.size(); ++i) {
            const QPointF d = toScreen(points[i]) - position;
            const double distance = d.x() * d.x() + d.y() * d.y();
            // Ties go to the emphasized (current) curve, then to the first.
            if (distance < bestDistance ||
                (distance == bestDistance && best.first >= 0 && m_curves[c].emphasized &&
                 !m_curves[best.first].emphasized)) {
                bestDistance = distance;
                best = {c, static_cast<int>(i)};
            }
        }
    }
    return best;
}

void CurvePlot::setHover(std::pair<int, int> hover)
{
    if (hover == m_hover)
        return;
    m_hover = hover;
    update();
    Q_EMIT hovered(hover.first, hover.second);
}

void CurvePlot::mouseMoveEvent(QMouseEvent* event)
{
    setHover(pointAt(event->position()));
}

void CurvePlot::mousePressEvent(QMouseEvent* event)
{
    if (event->button() != Qt::LeftButton)
        return;
    const auto [curve, index] = pointAt(event->position());
    if (curve >= 0)
        Q_EMIT clicked(curve, index);
}

void CurvePlot::leaveEvent(QEvent*)
{
    setHover({-1, -1});
}

void CurvePlot::paintEvent(QPaintEvent*)
{
    const qreal ratio = devicePixelRatioF();
    const QSize pixels = (QSizeF(size()) * ratio).toSize();
    // A new size shows as a new pixel size: no resize event is needed to notice it.
    if (!m_backgroundValid || m_background.size() != pixels ||
        m_background.devicePixelRatio() != ratio) {
        m_background = QPixmap(pixels);
        m_background.setDevicePixelRatio(ratio);
        QPainter background(&m_background);
        paintBackground(background);
        m_backgroundValid = true;
        ++m_backgroundPaints;
    }
    QPainter painter(this);
    painter.drawPixmap(0, 0, m_background);
    paintMarkerAndHover(painter);
}

void CurvePlot::paintMarkerAndHover(QPainter& painter) const
{
    if (m_curves.isEmpty())
        return;
    painter.setRenderHint(QPainter::Antialiasing);
    const QColor text = palette().color(QPalette::Text);
    painter.setClipRect(plotArea().adjusted(-3, -3, 3, 3));
    if (m_marker) {
        const QColor color = m_markerCurve >= 0 && m_markerCurve < m_curves.size()
                                 ? m_curves[m_markerCurve].color
                                 : text;
        painter.setPen(QPen(palette().color(QPalette::Base), 2));
        painter.setBrush(color);
        painter.drawEllipse(toScreen(*m_marker), 6, 6);
        painter.setPen(QPen(text, 1.5));
        painter.setBrush(Qt::NoBrush);
        painter.drawEllipse(toScreen(*m_marker), 8, 8);
    }
    if (m_hover.first >= 0 && m_hover.first < m_curves.size()) {
        const Curve& curve = m_curves[m_hover.first];
        if (m_hover.second >= 0 && std::size_t(m_hover.second) < curve.points.size()) {
            painter.setPen(QPen(text, 1.5));
            painter.setBrush(curve.color);
            painter.drawEllipse(toScreen(curve.points[std::size_t(m_hover.second)]), 4.5, 4.5);
        }
    }
}

void CurvePlot::paintBackground(QPainter& painter) const
{
    painter.setRenderHint(QPainter::Antialiasing);
    const QPalette& pal = palette();
    painter.fillRect(QRect(QPoint(0, 0), size()), pal.base());
    const QRectF area = plotArea();
    const QFontMetrics fm = fontMetrics();
    const QColor text = pal.color(QPalette::Text);
    QColor grid = text;
    grid.setAlphaF(0.12);

    // Grid, ticks and tick labels on both axes.
    for (int i = 0; i <= tickCount; ++i) {
        const double v = double(i) / tickCount;
        const QString label = QStringLiteral("%1 %").arg(i * 100 / tickCount);
        const QPointF x = toScreen({v, 0.0});
        const QPointF y = toScreen({0.0, v});
        painter.setPen(QPen(grid, 1));
        painter.drawLine(QPointF(x.x(), area.top()), QPointF(x.x(), area.bottom()));
        painter.drawLine(QPointF(area.left(), y.y()), QPointF(area.right(), y.y()));
        painter.setPen(QPen(text, 1));
        painter.drawLine(QPointF(x.x(), area.bottom()), QPointF(x.x(), area.bottom() + 4));
        painter.drawLine(QPointF(area.left() - 4, y.y()), QPointF(area.left(), y.y()));
        const double w = fm.horizontalAdvance(label);
        painter.drawText(QRectF(x.x() - w / 2 - 2, area.bottom() + 5, w + 4, fm.height()),
                         Qt::AlignCenter, label);
        painter.drawText(
            QRectF(area.left() - 8 - w - 4, y.y() - fm.height() / 2.0, w + 4, fm.height()),
            Qt::AlignRight | Qt::AlignVCenter, label);
    }
    painter.setPen(QPen(text, 1));
    painter.drawRect(area);
    // Axis titles: x centred below the labels, y rotated along the left edge.
    painter.drawText(
        QRectF(area.left(), area.bottom() + fm.height() + 8, area.width(), fm.height()),
        Qt::AlignCenter, m_xTitle);
    painter.save();
    painter.translate(2 + fm.ascent(), area.center().y());
    painter.rotate(-90);
    painter.drawText(QRectF(-area.height() / 2, -fm.ascent(), area.height(), fm.height()),
                     Qt::AlignCenter, m_yTitle);
    painter.restore();

    if (m_curves.isEmpty() && !m_message.isEmpty()) {
        painter.setPen(pal.color(QPalette::Disabled, QPalette::Text));
        painter.drawText(area.adjusted(8, 8, -8, -8), Qt::AlignCenter | Qt::TextWordWrap,
                         m_message);
        return;
    }

    // Curves, clipped to the plot; the emphasized one last, on top.
    painter.save();
    painter.setClipRect(area.adjusted(-3, -3, 3, 3));
    for (int pass = 0; pass < 2; ++pass) {
        for (const Curve& curve : m_curves) {
            if (curve.emphasized != (pass == 1) || curve.points.empty())
                continue;
            QPainterPath path(toScreen(curve.points.front()));
            for (std::size_t i = 1; i < curve.points.size(); ++i)
                path.lineTo(toScreen(curve.points[i]));
            painter.setPen(QPen(curve.color, curve.emphasized ? 3.0 : 1.8, Qt::SolidLine,
                                Qt::RoundCap, Qt::RoundJoin));
            painter.setBrush(Qt::NoBrush);
            painter.drawPath(path);
        }
    }
    painter.restore();

    // Legend right of the plot, from its top.
    if (m_curves.isEmpty())
        return;
    const int line = fm.height() + 2;
    const int rows = static_cast<int>(m_curves.size());
    const double left = area.right() + fm.horizontalAdvance(QStringLiteral("100 %")) / 2.0 + 8;
    for (int i = 0; i < rows; ++i) {
        const Curve& curve = m_curves[i];
        const double y = area.top() + i * line + line / 2.0;
        painter.setPen(QPen(curve.color, curve.emphasized ? 3.0 : 2.0, Qt::SolidLine, Qt::FlatCap));
        painter.drawLine(QPointF(left, y), QPointF(left + 20, y));
        QFont font = painter.font();
        font.setBold(curve.emphasized);
        painter.setFont(font);
        painter.setPen(text);
        painter.drawText(QRectF(left + 26, y - line / 2.0, width() - left - 26, line),
                         Qt::AlignLeft | Qt::AlignVCenter, curve.label);
        font.setBold(false);
        painter.setFont(font);
    }
}

} // namespace sparsity::ui
