#pragma once

#include "export/prunedexport.h"
#include "exportprogress.h"

#include <QObject>
#include <QPointer>
#include <QString>
#include <atomic>
#include <latch>
#include <memory>

class QMainWindow;
class QMessageBox;
class QThreadPool;

namespace sparsity::ui {

template <typename T> class JobOutcome;
class Session;

// File > Export Pruned Weights (docs/SPEC.md "Pruned weights"): core::applyMasks, the same code
// as `sparsity-cli apply`, run on the I/O thread with the masks on the compute pool. Shows its
// progress in a cancellable window-modal dialog (objectName "prunedExportProgress"), asks before
// replacing an existing output ("prunedOverwriteQuestion"; Yes runs again allowed to replace
// it) and reports the outcome in the status bar or an error dialog. A cancelled or failed export
// leaves no file. One export at a time; UI thread only.
class PrunedExportFlow final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PrunedExportFlow)

public:
    PrunedExportFlow(QThreadPool* ioPool, QThreadPool* computePool, QMainWindow* window);
    // Stops a running export and waits for it: the pools it uses may go next.
    ~PrunedExportFlow() override;

    // The pruned copy of the session's file: every sparsifiable layer with its parameters (in
    // model scope with the model level and bounds), as File > Export Masks with all layers.
    static core::ApplyRequest requestFor(const Session& session, const QString& outputPath);

    // Starts `request`; does nothing while an export runs or its overwrite question is open.
    void start(const core::ApplyRequest& request);
    void cancel();
    bool isRunning() const { return m_running; }
    // An export runs or waits for the answer to its overwrite question.
    bool isBusy() const;

Q_SIGNALS:
    // The end of every export started: written false when it failed, was cancelled or the
    // existing output was kept.
    void prunedWeightsExported(const QString& path, bool written);
    void runningChanged();

private:
    void run(const core::ApplyRequest& request);
    void onFinished(const JobOutcome<core::ApplyReport>& outcome);
    void askToOverwrite(const core::ApplyRequest& request);
    void endRun();
    void showStatus(const QString& message);

    QMainWindow* m_window;
    QThreadPool* m_ioPool;
    QThreadPool* m_computePool;
    ExportProgress m_progress;
    QPointer<QMessageBox> m_overwriteQuestion;
    std::shared_ptr<std::atomic<bool>> m_cancel;
    std::shared_ptr<std::latch> m_done; // counted down when the running export has ended
    core::ApplyRequest m_request;
    bool m_running = false;
};

} // namespace sparsity::ui
