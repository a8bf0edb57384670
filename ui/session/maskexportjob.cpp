#include "maskexportjob.h"

#include "jobs/runthen.h"

#include <QThreadPool>

namespace sparsity::ui {

MaskExportJob::MaskExportJob(QThreadPool* ioPool, QThreadPool* computePool, QObject* parent)
    : QObject(parent)
    , m_ioPool(ioPool)
    , m_computePool(computePool)
{}

MaskExportJob::~MaskExportJob()
{
    cancel();
    if (m_done)
        m_done->wait();
}

void MaskExportJob::start(const core::ExportRequest& request)
{
    Q_ASSERT(!m_running);
    m_running = true;
    m_request = request;
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    m_done = std::make_shared<std::latch>(1);
    // HDF5 is serialized, so the export runs on the I/O thread; its masks use the compute pool.
    // Progress comes back the way the outcome does, in order and never after this is gone.
    auto job = [request, cancel = m_cancel, done = m_done, pool = m_computePool, target = this,
                alive = QPointer<QObject>(this)] {
        struct CountDown
        {
            std::latch& latch;
            ~CountDown() { latch.count_down(); }
        } countDown{*done};
        const core::ExecutionContext context{pool, pool->maxThreadCount(), cancel.get()};
        return core::exportMasks(request, context, [&](int index, int count, const QString& path) {
            postTo(alive,
                   [target, index, count, path] { Q_EMIT target->progress(index, count, path); });
        });
    };
    runThen(
        *m_ioPool, this, std::move(job),
        [this](const JobOutcome<std::vector<core::LayerReport>>& outcome) { onFinished(outcome); });
}

void MaskExportJob::cancel()
{
    if (m_cancel)
        m_cancel->store(true);
}

void MaskExportJob::onFinished(const JobOutcome<std::vector<core::LayerReport>>& outcome)
{
    m_running = false;
    if (outcome)
        Q_EMIT finished(outcome.value());
    else if (outcome.isCancelled() || m_cancel->load())
        Q_EMIT cancelled();
    else if (outcome.failure().code == core::ErrorCode::OutputExists)
        Q_EMIT outputExists(m_request);
    else
        Q_EMIT failed(outcome.error());
}

} // namespace sparsity::ui
