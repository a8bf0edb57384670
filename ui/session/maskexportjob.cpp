#include "maskexportjob.h"

#include "error.h"
#include "jobfailure.h"
#include "parallel/parallelfor.h"

#include <QPromise>
#include <QThreadPool>

namespace sparsity::ui {

MaskExportJob::MaskExportJob(QThreadPool* ioPool, QThreadPool* computePool, QObject* parent)
    : QObject(parent)
    , m_ioPool(ioPool)
    , m_computePool(computePool)
{
    connect(&m_watcher, &QFutureWatcherBase::progressValueChanged, this, [this](int value) {
        Q_EMIT progress(value, m_watcher.progressMaximum(), m_watcher.progressText());
    });
    connect(&m_watcher, &QFutureWatcherBase::finished, this, &MaskExportJob::onFinished);
}

MaskExportJob::~MaskExportJob()
{
    cancel();
    m_watcher.waitForFinished();
}

void MaskExportJob::start(const core::ExportRequest& request)
{
    Q_ASSERT(!m_running);
    m_running = true;
    m_request = request;
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    // HDF5 is serialized, so the export runs on the I/O thread; its masks use the compute pool.
    auto job = [request, cancel = m_cancel, pool = m_computePool](QPromise<Outcome>& promise) {
        Outcome outcome;
        const JobFailure failure = runCatchingFailure([&] {
            try {
                promise.setProgressRange(0, static_cast<int>(request.layers.size()));
                const core::ExecutionContext context{pool, pool->maxThreadCount(), cancel.get()};
                outcome.reports = core::exportMasks(
                    request, context, [&promise](int index, int count, const QString& path) {
                        promise.setProgressRange(0, count);
                        promise.setProgressValueAndText(index, path);
                    });
            } catch (const core::Error& error) {
                if (error.code() != core::ErrorCode::OutputExists)
                    throw;
                outcome.outputExists = true;
            }
        });
        outcome.error = failure.error;
        outcome.cancelled = failure.cancelled;
        promise.addResult(std::move(outcome));
    };
    // The watcher follows the future before the job can start, and the job starts through
    // startOnPool, so ThreadSanitizer sees the hand-overs Qt makes inside its library.
    auto promise = std::make_shared<QPromise<Outcome>>();
    m_watcher.setFuture(promise->future());
    promise->start();
    core::startOnPool(*m_ioPool, [promise, job = std::move(job)]() mutable {
        job(*promise);
        promise->finish();
    });
}

void MaskExportJob::cancel()
{
    if (m_cancel)
        m_cancel->store(true);
}

void MaskExportJob::onFinished()
{
    m_running = false;
    const QFuture<Outcome> future = m_watcher.future();
    if (future.resultCount() == 0) {
        Q_EMIT failed(QStringLiteral("The export ended without a result."));
        return;
    }
    Outcome outcome = future.result();
    if (outcome.reports)
        Q_EMIT finished(*outcome.reports);
    else if (outcome.cancelled || m_cancel->load())
        Q_EMIT cancelled();
    else if (outcome.outputExists)
        Q_EMIT outputExists(m_request);
    else
        Q_EMIT failed(outcome.error);
}

} // namespace sparsity::ui
