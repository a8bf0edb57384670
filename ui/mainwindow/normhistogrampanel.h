#pragma once

#include "jobs/coalescingrunner.h"
#include "session/layersnapshot.h"

#include <QWidget>
#include <memory>
#include <vector>

class QLabel;
class QThreadPool;

namespace sparsity::ui {

class HistogramWidget;

// The histogram of the current layer's block norms with the pruning threshold; dragging the
// threshold asks for the level that prunes the blocks left of it. The norms are widened to
// doubles on the compute pool, once per block shape and norm. UI thread only.
class NormHistogramPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NormHistogramPanel)

public:
    NormHistogramPanel(QThreadPool* computePool, QWidget* parent = nullptr);
    ~NormHistogramPanel() override;

    void setSnapshot(const std::shared_ptr<const LayerSnapshot>& snapshot);
    void clear();
    // Puts the line back on the current snapshot's threshold: the answer to a drag that did
    // not change the level (the widget leaves the line where the mouse let go).
    void refreshThreshold() { showThreshold(); }
    HistogramWidget* histogram() const { return m_histogram; }
    bool isBusy() const;

    // The caption above the histogram: how many blocks of which shape, and which are pruned,
    // in words that fit the numbers ("1 block", "none is pruned").
    static QString caption(std::int64_t blocks, core::BlockShape block, std::int64_t pruned);

Q_SIGNALS:
    // The fraction of blocks left of where the user put the threshold: the level to use.
    void levelRequested(double level);

protected:
    // The axis label and the caption in the language now installed.
    void changeEvent(QEvent* event) override;

private:
    struct Values
    {
        std::shared_ptr<const core::BlockNorms> norms;
        std::vector<double> values;
    };
    void showThreshold();

    HistogramWidget* m_histogram;
    QLabel* m_caption;
    std::shared_ptr<const LayerSnapshot> m_snapshot;
    std::shared_ptr<const core::BlockNorms> m_norms; // whose values the histogram has or gets
    CoalescingRunner<std::shared_ptr<const LayerSnapshot>, Values> m_runner;
};

} // namespace sparsity::ui
