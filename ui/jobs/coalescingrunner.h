#pragma once

#include "joboutcome.h"
#include "runthen.h"

#include <QObject>
#include <QString>
#include <QThreadPool>
#include <atomic>
#include <functional>
#include <memory>
#include <optional>

// Background work in the UI: ui/jobs is the one way to run it. A job copies what it reads, runs
// on a pool the caller owns and injects (never QThreadPool::globalInstance(); the session's
// pools outlive every widget), and comes back to the UI thread as a JobOutcome: a value, an
// error message, or a cancellation. Nothing arrives after its context object is destroyed, and
// the UI thread never waits for a job. Which tool:
// - CoalescingRunner, for work that follows what the user changes (a slider, zoom, a layer):
//   one job at a time per view, a pending request replaced by the newest, so the view ends up
//   matching the controls without queueing work. request() for new parameters of the same thing
//   (a result superseded only by a pending request is still shown: a drag animates); reset()
//   first when the thing itself changes (another layer, source or input), so that nothing
//   computed for the old one is shown. Each view owns its runner.
// - runThen, for a one-off job whose result is wanted whatever the user does meanwhile (open a
//   file, read a layer, save an image); the caller decides what an outdated outcome means.
// - postTo, for what a running job reports on the way (progress): in order, before its outcome.

namespace sparsity::ui {

// Runs one kind of job on a thread pool for one view, at most one at a time: a request made
// while a job runs replaces any pending one (so a dragged slider never queues work), and the
// newest request always runs once the pool is free, so the view matches the controls when idle.
// A result is shown unless a newer one was already shown or reset() has dropped its generation;
// a result superseded only by a pending request is still shown, so a drag animates.
// UI thread only; the work function runs on the pool and must touch nothing but its request.
template <typename Request, typename Result> class CoalescingRunner
{
public:
    using Work = std::function<Result(const Request&, const std::atomic<bool>& cancelled)>;
    using Deliver = std::function<void(quint64 generation, Result result)>;
    using Fail = std::function<void(quint64 generation, const QString& message)>;
    using Idle = std::function<void()>;

    // Results are delivered in the GUI thread (context is a GUI object) and dropped if context
    // is destroyed first; the runner must not outlive it (make it a member of the context).
    CoalescingRunner(QObject* context, QThreadPool* pool, Work work, Deliver deliver,
                     Fail fail = {}, Idle idle = {})
        : m_context(context)
        , m_pool(pool)
        , m_work(std::move(work))
        , m_deliver(std::move(deliver))
        , m_fail(std::move(fail))
        , m_idle(std::move(idle))
    {}
    ~CoalescingRunner() { cancelRunning(); }
    CoalescingRunner(const CoalescingRunner&) = delete;
    CoalescingRunner& operator=(const CoalescingRunner&) = delete;

    // Queues a request (replacing a pending one) and returns its generation.
    quint64 request(Request request)
    {
        const quint64 generation = ++m_generation;
        m_pending.emplace(Pending{generation, std::move(request)});
        if (!m_running)
            startNext();
        return generation;
    }

    // Drops the pending request, asks the running job to stop and never shows anything
    // requested so far (e.g. the layer changed). Idle follows when the running job ends.
    void reset()
    {
        m_pending.reset();
        m_minimumGeneration = m_generation + 1;
        cancelRunning();
    }

    // A job runs or waits, maybe one whose result reset() already dropped.
    bool isBusy() const { return m_running || m_pending.has_value(); }
    // The newest request since reset() is still on its way: its result may yet be shown.
    bool isUpdating() const
    {
        return isBusy() && m_generation >= m_minimumGeneration && m_generation > m_lastDelivered;
    }
    quint64 lastDelivered() const { return m_lastDelivered; }

private:
    struct Pending
    {
        quint64 generation;
        Request request;
    };
    void cancelRunning()
    {
        if (m_cancel)
            m_cancel->store(true);
    }

    void startNext()
    {
        if (!m_pending) {
            m_cancel.reset();
            if (m_idle)
                m_idle();
            return;
        }
        Pending next = std::move(*m_pending);
        m_pending.reset();
        m_running = true;
        m_cancel = std::make_shared<std::atomic<bool>>(false);
        // The job owns copies of everything it reads: the runner may be gone when it ends.
        auto job = [work = m_work, request = std::move(next.request), cancel = m_cancel]() {
            return work(request, *cancel);
        };
        // The result always comes back through the event loop: a job that ended at once
        // cannot deliver inside request() and re-enter its caller.
        runThen(*m_pool, m_context, std::move(job),
                [this, generation = next.generation](JobOutcome<Result> outcome) {
                    finish(generation, std::move(outcome));
                });
    }

    void finish(quint64 generation, JobOutcome<Result> outcome)
    {
        m_running = false;
        const bool current = generation >= m_minimumGeneration && generation > m_lastDelivered;
        if (current && outcome) {
            m_lastDelivered = generation;
            m_deliver(generation, std::move(outcome.value()));
        } else if (current && outcome.isError() && m_fail) {
            m_fail(generation, outcome.error());
        }
        // The callbacks may have made a request, which started already.
        if (!m_running)
            startNext();
    }

    QObject* m_context;
    QThreadPool* m_pool;
    Work m_work;
    Deliver m_deliver;
    Fail m_fail;
    Idle m_idle;
    std::optional<Pending> m_pending;
    std::shared_ptr<std::atomic<bool>> m_cancel; // of the running job
    bool m_running = false;
    quint64 m_generation = 0;
    quint64 m_minimumGeneration = 0;
    quint64 m_lastDelivered = 0;
};

} // namespace sparsity::ui
