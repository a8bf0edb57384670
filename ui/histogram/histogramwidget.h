#pragma once

#include "heatmap/axisticks.h"
#include "histogram/histogramdata.h"
#include "jobs/coalescingrunner.h"

#include <QWidget>
#include <atomic>
#include <memory>
#include <vector>

class QThreadPool;

namespace sparsity::ui {

// The distribution of block norms as a histogram (log x when they span decades), with the
// pruning threshold as a vertical line and the pruned side shaded. Dragging the line or clicking
// the plot reports the fraction of values below that point, which the app turns into a level.
// Bars for big inputs are computed on the given pool; only those of the newest input and scale
// are shown. UI thread only.
class HistogramWidget final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HistogramWidget)

public:
    using XScale = HistogramData::XScale;
    // Inputs larger than this are binned on the pool.
    static constexpr std::size_t asyncThreshold = 1'000'000;

    // Bins big inputs on pool, which must outlive the widget's jobs (the session's compute pool).
    explicit HistogramWidget(QThreadPool* pool, QWidget* parent = nullptr);
    ~HistogramWidget() override;

    // Non-finite values are left out of the bars and counted in a note.
    void setData(std::vector<double> values);
    void setXScale(XScale xScale);
    XScale xScale() const { return m_xScale; }
    // The norm at which blocks are pruned (strictly below it are pruned); NaN hides the line.
    // With prunedCount (>= 0), the bars are split by count: exactly that many values, smallest
    // first, are drawn as pruned, so a bar holding the threshold shows its pruned and kept
    // blocks as they are, ties included; without it, bars are split where the line crosses.
    void setThreshold(double norm, std::int64_t prunedCount = -1);
    std::int64_t prunedCount() const { return m_prunedCount; }
    double threshold() const { return m_threshold; }
    void setAxisLabel(const QString& label);

    // The binned data shown now; null while none or while the first bars are computed.
    const HistogramData* data() const { return m_data.get(); }
    bool isComputing() const { return m_runner.isUpdating(); }
    bool isLogX() const { return m_data && m_data->isLogarithmic(); }
    // The plot area and the mapping between its x coordinate and values.
    QRectF plotRect() const;
    double valueAtX(double x) const;
    double xOfValue(double value) const;

    // The y ticks for a tallest bar of `peak` blocks: round counts, whole numbers only.
    static QList<AxisTick> countTicks(std::int64_t peak);

    QSize sizeHint() const override { return QSize(420, 220); }
    QSize minimumSizeHint() const override { return QSize(200, 120); }

Q_SIGNALS:
    // The user put the threshold at a point below which this fraction of all values lies.
    void thresholdDragged(double fractionOfBlocksBelow);
    // New bars are shown.
    void dataChanged();

protected:
    void paintEvent(QPaintEvent* event) override;
    // Repaints: the texts drawn are translated as they are painted.
    void changeEvent(QEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;

private:
    struct BinRequest
    {
        std::shared_ptr<const std::vector<double>> values;
        XScale xScale;
    };
    static std::shared_ptr<const HistogramData> bin(const BinRequest& request,
                                                    const std::atomic<bool>& cancelled);

    void rebuild();
    void showData(std::shared_ptr<const HistogramData> data);
    void dragTo(double x);
    bool nearThresholdLine(double x) const;

    std::shared_ptr<const std::vector<double>> m_values;
    XScale m_xScale = XScale::Automatic;
    std::shared_ptr<const HistogramData> m_data;
    double m_threshold;
    std::int64_t m_prunedCount = -1;
    QString m_axisLabel;
    bool m_dragging = false;
    // Last, so it goes first. Each new input or scale resets it: the bars of an older one are
    // never shown, not even while the newest is being binned.
    CoalescingRunner<BinRequest, std::shared_ptr<const HistogramData>> m_runner;
};

} // namespace sparsity::ui
