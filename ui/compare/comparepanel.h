#pragma once

#include "compare/maskdiff.h"
#include "compare/pinnedmask.h"
#include "jobs/coalescingrunner.h"
#include "session/layersnapshot.h"

#include <QWidget>
#include <memory>
#include <optional>

class QLabel;
class QPushButton;
class QThreadPool;

namespace sparsity::ui {

// The Compare dock: pin the mask on screen as A, change the parameters to get B (the newest
// snapshot), and read how they differ: elements kept by both, by A only, by B only, by neither,
// the IoU of the kept sets and whether one pruned set contains the other. The counts are a pass
// over both masks, made on the compute pool (one runner; a new B or A drops the old count).
// A belongs to the layer it was pinned on: on another layer the panel says so and compares
// nothing, and coming back to A's layer compares again; opening a file unpins. The heatmap's
// Compare view (DiffSource) draws the same categories. UI thread only.
class ComparePanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ComparePanel)

public:
    explicit ComparePanel(QThreadPool* computePool, QWidget* parent = nullptr);
    ~ComparePanel() override;

    // The newest snapshot of the current layer (B), or null while there is none.
    void setSnapshot(std::shared_ptr<const LayerSnapshot> snapshot);
    // Pins the current snapshot's mask as A; false while there is no mask to pin.
    bool pinCurrent();
    // How A's mask was chosen across layers, for its description: "layer", "model", or
    // "model" with the per-layer bounds in force.
    static QString scopeDescription(const LayerSnapshot& snapshot);
    void unpin();

    const std::shared_ptr<const PinnedMask>& pinned() const { return m_pinned; }
    // A's mask when A belongs to the layer of the current snapshot (same path and shape), else
    // null: what the Compare view can draw.
    std::shared_ptr<const core::MaskBytes> comparableMask() const;
    // The counts shown, of A against the current snapshot's mask; nullopt while not counted.
    const std::optional<MaskDiff>& diff() const { return m_diff; }
    bool isBusy() const { return m_runner.isBusy(); }

Q_SIGNALS:
    void pinChanged();
    void showDiffRequested();
    void busyChanged();

protected:
    void changeEvent(QEvent* event) override;

private:
    // Button texts, category names and the labels in the language now installed.
    void retranslate();
    struct Request
    {
        std::shared_ptr<const PinnedMask> a;
        std::shared_ptr<const LayerSnapshot> b;
        QThreadPool* pool;
    };
    struct Result
    {
        std::shared_ptr<const PinnedMask> a;
        std::shared_ptr<const LayerSnapshot> b;
        MaskDiff diff;
    };
    void recount();
    void updateLabels();

    QPushButton* m_pin;
    QPushButton* m_unpin;
    QPushButton* m_showDiff;
    QLabel* m_a;
    QLabel* m_b;
    QLabel* m_status;
    QLabel* m_counts[4];
    QLabel* m_categoryNames[4] = {}; // kept by both, by A only, by B only, pruned by both
    QLabel* m_iou;
    QLabel* m_containment;

    QThreadPool* m_pool;
    std::shared_ptr<const LayerSnapshot> m_snapshot;
    std::shared_ptr<const PinnedMask> m_pinned;
    std::optional<MaskDiff> m_diff;
    CoalescingRunner<Request, Result> m_runner;
};

} // namespace sparsity::ui
