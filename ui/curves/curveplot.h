#pragma once

#include <QColor>
#include <QList>
#include <QPixmap>
#include <QPointF>
#include <QString>
#include <QWidget>
#include <optional>
#include <vector>

namespace sparsity::ui {

// A plot of curves in the unit square, x and y as percentages (the Curves dock: retained
// energy or L1 against achieved sparsity), painted with QPainter: axes with ticks, labels and
// titles, a grid, a legend, an optional marker, and the point under the mouse ringed. Says
// which point is hovered and which is clicked; knows nothing of what the points mean.
// Everything but the marker and the hovered point is kept in an image until the curves, the
// titles, the message, the size or the look change: a level change moves only the marker, and
// repainting six antialiased curves for it cost a frame's budget. UI thread only.
class CurvePlot final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CurvePlot)

public:
    struct Curve
    {
        QString label;
        QColor color;
        std::vector<QPointF> points; // x, y in [0, 1]
        bool emphasized = false;     // drawn thicker (the current configuration)
    };

    explicit CurvePlot(QWidget* parent = nullptr);

    void setCurves(QList<Curve> curves);
    const QList<Curve>& curves() const { return m_curves; }
    void setAxisTitles(const QString& x, const QString& y);
    // A point drawn as a ringed dot in the colour of curve `curve` (the current mask).
    void setMarker(std::optional<QPointF> point, int curve = -1);
    std::optional<QPointF> marker() const { return m_marker; }
    // Shown in the middle while there are no curves (why not, or what is on its way).
    void setMessage(const QString& message);

    // Where a point of the unit square is drawn, in widget coordinates.
    QPointF toScreen(QPointF value) const;
    // The point nearest to `position` within a few pixels: (curve, index), or (-1, -1).
    std::pair<int, int> pointAt(QPointF position) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;
    // How many times the kept image has been painted (for tests of the caching).
    int backgroundPaints() const { return m_backgroundPaints; }

Q_SIGNALS:
    // The point under the mouse; curve -1 when none.
    void hovered(int curve, int index);
    void clicked(int curve, int index);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void leaveEvent(QEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    QRectF plotArea() const;
    int legendWidth() const;
    void setHover(std::pair<int, int> hover);
    void invalidateBackground();
    // Grid, axes, titles, curves, legend or message: all that does not follow the mouse or the
    // level.
    void paintBackground(QPainter& painter) const;
    void paintMarkerAndHover(QPainter& painter) const;

    QList<Curve> m_curves;
    QString m_xTitle;
    QString m_yTitle;
    QString m_message;
    std::optional<QPointF> m_marker;
    int m_markerCurve = -1;
    std::pair<int, int> m_hover{-1, -1};
    QPixmap m_background;
    bool m_backgroundValid = false;
    int m_backgroundPaints = 0;
};

} // namespace sparsity::ui
