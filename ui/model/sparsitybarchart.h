#pragma once

#include <QAbstractScrollArea>
#include <QString>
#include <QStringList>
#include <optional>
#include <vector>

namespace sparsity::ui {

// Achieved sparsity per layer as horizontal bars, one row per layer in the order given, under
// a pinned 0-100 % axis with the model's level and achieved sparsity as vertical lines: where a
// model-wide level takes its zeros from. Scrolls for hundreds of layers (only the visible rows
// are painted); tooltips name the layer and its numbers; double-click asks for the layer.
// Paints what it was given and computes nothing. UI thread only.
class SparsityBarChart final : public QAbstractScrollArea
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SparsityBarChart)

public:
    struct Bar
    {
        QString label;                  // the layer's path
        std::optional<double> sparsity; // nullopt while unknown (drawn as pending)
        QString toolTip;
        bool current = false; // the layer shown in the main view
    };

    explicit SparsityBarChart(QWidget* parent = nullptr);

    void setBars(std::vector<Bar> bars);
    const std::vector<Bar>& bars() const { return m_bars; }
    // The requested level and the model's achieved sparsity, drawn across every row.
    void setReference(std::optional<double> level, std::optional<double> achieved);

    // Geometry, in viewport coordinates, for tests and tooltips: the bar row at a point
    // (-1 for none) and the rectangle of a full (100 %) bar of row `row`.
    int rowAt(QPoint position) const;
    QRect barRect(int row) const;
    int rowHeight() const;
    int headerHeight() const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

Q_SIGNALS:
    void barActivated(int row);

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void scrollContentsBy(int dx, int dy) override;
    bool viewportEvent(QEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    QString title() const;
    QStringList legendTexts() const;
    int legendWidth() const;
    int titleWidth() const;
    bool legendOnTitleLine() const;
    int labelWidth() const;
    int valueWidth() const;
    QRect plotArea() const; // x extent of the bars, whole viewport height below the header
    void updateScrollRange();
    void measureLabels();

    std::vector<Bar> m_bars;
    std::optional<double> m_level;
    std::optional<double> m_achieved;
    int m_widestLabel = 0; // of the labels in bold
};

} // namespace sparsity::ui
