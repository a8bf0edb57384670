#pragma once

#include "export/maskexport.h"

#include <QObject>
#include <atomic>
#include <latch>
#include <memory>
#include <vector>

class QThreadPool;

namespace sparsity::ui {

// One mask export (core::exportMasks, the same code as the CLI's) run on the I/O thread with
// the masks on the compute pool; reports progress and ends with exactly one of finished,
// failed, outputExists or cancelled. Every file system check (same file as the input, existing
// output, directory) happens there too, never on the UI thread. A cancelled or failed export
// leaves no file. UI thread only.
template <typename T> class JobOutcome;

class MaskExportJob final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MaskExportJob)

public:
    MaskExportJob(QThreadPool* ioPool, QThreadPool* computePool, QObject* parent = nullptr);
    // Asks a running export to stop and waits for it: the pools it uses may go next.
    ~MaskExportJob() override;

    void start(const core::ExportRequest& request);
    void cancel();
    bool isRunning() const { return m_running; }

Q_SIGNALS:
    // Before layer `index` of `count` (index == count at the end).
    void progress(int index, int count, const QString& datasetPath);
    void finished(const std::vector<core::LayerReport>& reports);
    void failed(const QString& message);
    // The output exists and the request did not allow replacing it; nothing was written.
    void outputExists(const core::ExportRequest& request);
    void cancelled();

private:
    void onFinished(const JobOutcome<std::vector<core::LayerReport>>& outcome);

    QThreadPool* m_ioPool;
    QThreadPool* m_computePool;
    std::shared_ptr<std::atomic<bool>> m_cancel;
    std::shared_ptr<std::latch> m_done; // counted down when the running export has ended
    core::ExportRequest m_request;
    bool m_running = false;
};

} // namespace sparsity::ui
