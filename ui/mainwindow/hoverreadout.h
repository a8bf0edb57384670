#pragma once

#include "jobs/coalescingrunner.h"
#include "session/layersnapshot.h"

#include <QLabel>
#include <memory>

class QThreadPool;

namespace sparsity::ui {

// The status bar's read-out of the element under the mouse: row, column, weight, block,
// block norm, whether the block is partial, the block's rank among all blocks (1 = smallest
// norm, pruned first) and whether the element is kept, in plain words. The rank
// takes a pass over all blocks, so it is counted on the compute pool and shows up when ready.
// UI thread only.
class HoverReadout final : public QLabel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HoverReadout)

public:
    HoverReadout(QThreadPool* computePool, QWidget* parent = nullptr);
    ~HoverReadout() override;

    void setSnapshot(std::shared_ptr<const LayerSnapshot> snapshot);
    // The element in the 2-D view of the layer; a negative row clears the read-out.
    void showElement(qint64 row, qint64 col);

    // The rank shown for the current block (0 = smallest norm), or -1 while unknown.
    std::int64_t shownRank() const;

protected:
    // Says the same again in the language now installed.
    void changeEvent(QEvent* event) override;

private:
    struct RankRequest
    {
        std::shared_ptr<const LayerSnapshot> snapshot;
        std::int64_t block;
    };
    struct RankResult
    {
        std::shared_ptr<const core::BlockNorms> norms;
        std::int64_t block;
        std::int64_t rank;
    };
    void refresh();

    std::shared_ptr<const LayerSnapshot> m_snapshot;
    qint64 m_row = -1;
    qint64 m_col = -1;
    std::optional<RankResult> m_rank; // the last one counted
    std::shared_ptr<const core::BlockNorms> m_requestedNorms;
    std::int64_t m_requestedBlock = -1;
    CoalescingRunner<RankRequest, RankResult> m_runner;
};

} // namespace sparsity::ui
