#pragma once

#include "joboutcome.h"
#include "parallel/parallelfor.h"

#include <QCoreApplication>
#include <QEvent>
#include <QObject>
#include <QPointer>
#include <QThreadPool>
#include <memory>
#include <utility>

namespace sparsity::ui {
namespace detail {

// A pool job's result on its way to the GUI thread, as a posted event. Qt's event queue orders
// the pool thread's writes before the GUI thread's reads, but inside its own library, where
// ThreadSanitizer cannot see it (futex-based locks): the event announces the hand-over itself,
// so TSan sees it too. Nothing of ours goes through Qt's own continuation templates.
class DeliveryEvent : public QEvent
{
public:
    // What runs in the GUI thread; move-only results (an open file's reader) included.
    struct Delivery
    {
        virtual ~Delivery() = default;
        virtual void run() = 0;
    };
    explicit DeliveryEvent(std::unique_ptr<Delivery> delivery);
    ~DeliveryEvent() override;

    static Type eventType();
    void deliver();

private:
    std::unique_ptr<Delivery> m_delivery;
};

template <typename Fn> std::unique_ptr<DeliveryEvent> makeDeliveryEvent(Fn fn)
{
    struct Holder final : DeliveryEvent::Delivery
    {
        explicit Holder(Fn f)
            : fn(std::move(f))
        {}
        void run() override { fn(); }
        Fn fn;
    };
    return std::make_unique<DeliveryEvent>(std::make_unique<Holder>(std::move(fn)));
}

// Posts to a receiver in the GUI thread; callable from any thread.
void postToGuiThread(std::unique_ptr<DeliveryEvent> event);

} // namespace detail

// Runs fn in the GUI thread, from its event loop, unless context has been destroyed by then.
// Callable from any thread; make the QPointer in the GUI thread (say, before starting a job).
template <typename Fn> void postTo(QPointer<QObject> context, Fn fn)
{
    detail::postToGuiThread(
        detail::makeDeliveryEvent([context = std::move(context), fn = std::move(fn)]() mutable {
            if (context)
                fn();
        }));
}

// Runs job() on pool, then continuation(JobOutcome<R>) in the GUI thread, where R is what job
// returns: its value, or why it threw (runCatching). Nothing arrives once context (a GUI-thread
// object) is destroyed. The job starts through core::startOnPool and its outcome comes back as
// a DeliveryEvent, so ThreadSanitizer sees both hand-overs. The job must copy what it reads.
// Call from the GUI thread.
template <typename Job, typename Continuation>
void runThen(QThreadPool& pool, QObject* context, Job job, Continuation continuation)
{
    Q_ASSERT(context->thread() == QCoreApplication::instance()->thread());
    core::startOnPool(pool, [context = QPointer<QObject>(context), job = std::move(job),
                             continuation = std::move(continuation)]() mutable {
        postTo(context,
               [continuation = std::move(continuation), outcome = runCatching(job)]() mutable {
                   continuation(std::move(outcome));
               });
    });
}

} // namespace sparsity::ui
