#include "prunedexportflow.h"

#include "errordialog.h"
#include "exportprogress.h"
#include "jobs/runthen.h"
#include "maskexportflow.h"
#include "session/session.h"

#include <QDir>
#include <QFileInfo>
#include <QMainWindow>
#include <QMessageBox>
#include <QStatusBar>
#include <QThreadPool>

namespace sparsity::ui {

core::ApplyRequest PrunedExportFlow::requestFor(const Session& session, const QString& outputPath)
{
    core::ApplyRequest request;
    // The masks of Export Masks with every layer: the same layers, parameters and scope.
    request.masks = MaskExportFlow::requestFor(session, outputPath, true);
    request.outputPath = QFileInfo(outputPath).absoluteFilePath();
    return request;
}

PrunedExportFlow::PrunedExportFlow(QThreadPool* ioPool, QThreadPool* computePool,
                                   QMainWindow* window)
    : QObject(window)
    , m_window(window)
    , m_ioPool(ioPool)
    , m_computePool(computePool)
    , m_progress(window, QStringLiteral("prunedExportProgress"), tr("Export Pruned Weights"))
{}

PrunedExportFlow::~PrunedExportFlow()
{
    cancel();
    if (m_done)
        m_done->wait();
}

void PrunedExportFlow::start(const core::ApplyRequest& request)
{
    if (!isBusy())
        run(request);
}

bool PrunedExportFlow::isBusy() const
{
    return m_running || m_overwriteQuestion;
}

void PrunedExportFlow::cancel()
{
    if (m_cancel)
        m_cancel->store(true);
}

void PrunedExportFlow::run(const core::ApplyRequest& request)
{
    m_running = true;
    m_request = request;
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    m_done = std::make_shared<std::latch>(1);
    m_progress.begin(tr("Exporting pruned weights…"),
                     static_cast<int>(request.masks.layers.size()) *
                         (request.masks.modelScope ? 2 : 1),
                     [this] { cancel(); });

    // Readers and writers are single-threaded and HDF5 is serialized: the I/O thread; the masks
    // use the compute pool. Progress comes back in order and never after this is gone.
    auto job = [request, cancel = m_cancel, done = m_done, pool = m_computePool,
                alive = QPointer<QObject>(this), target = this] {
        struct CountDown
        {
            std::latch& latch;
            ~CountDown() { latch.count_down(); }
        } countDown{*done};
        const core::ExecutionContext context{pool, pool->maxThreadCount(), cancel.get()};
        return core::applyMasks(request, context, [&](int index, int count, const QString& path) {
            postTo(alive, [target, index, count, path] {
                target->m_progress.advance(
                    index, count,
                    index < count ? tr("Pruning %1 (%2 of %3)…").arg(path).arg(index + 1).arg(count)
                                  : QString());
            });
        });
    };
    runThen(*m_ioPool, this, std::move(job),
            [this](const JobOutcome<core::ApplyReport>& outcome) { onFinished(outcome); });
    Q_EMIT runningChanged();
}

void PrunedExportFlow::onFinished(const JobOutcome<core::ApplyReport>& outcome)
{
    m_running = false;
    const bool cancelled = !outcome && (outcome.isCancelled() || m_cancel->load());
    endRun();
    const QString output = m_request.outputPath;
    if (outcome) {
        showStatus(tr("Wrote the pruned weights of %n layer(s) to %1", nullptr,
                      static_cast<int>(outcome.value().layers.size()))
                       .arg(QDir::toNativeSeparators(output)));
        Q_EMIT prunedWeightsExported(output, true);
    } else if (cancelled) {
        showStatus(tr("Export cancelled; no file was written."));
        Q_EMIT prunedWeightsExported(output, false);
    } else if (outcome.failure().code == core::ErrorCode::OutputExists) {
        askToOverwrite(m_request);
    } else {
        showErrorDialog(m_window, tr("The pruned weights were not exported"), outcome.error());
        Q_EMIT prunedWeightsExported(output, false);
    }
}

void PrunedExportFlow::endRun()
{
    m_progress.end();
    Q_EMIT runningChanged();
}

void PrunedExportFlow::askToOverwrite(const core::ApplyRequest& request)
{
    m_overwriteQuestion = askToReplaceFile(
        m_window, QStringLiteral("prunedOverwriteQuestion"),
        tr("%1 already exists. Replace it with the pruned weights?"), request.outputPath,
        [this, request](bool replace) {
            if (replace && !m_running) {
                core::ApplyRequest again = request;
                again.masks.overwrite = true;
                run(again);
                return;
            }
            showStatus(
                tr("Not exported; %1 was kept.").arg(QDir::toNativeSeparators(request.outputPath)));
            Q_EMIT prunedWeightsExported(request.outputPath, false);
        });
}

void PrunedExportFlow::showStatus(const QString& message)
{
    m_window->statusBar()->showMessage(message, 8000);
}

} // namespace sparsity::ui
