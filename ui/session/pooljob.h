#pragma once

#include "parallel/parallelfor.h"

#include <QFuture>
#include <QObject>
#include <QPromise>
#include <QThreadPool>
#include <memory>
#include <type_traits>

namespace sparsity::ui {

// Runs job() on pool, then continuation(result) on context's thread (dropped if context is
// destroyed first). The continuation is attached before the job can start, and the job starts
// through core::startOnPool, so ThreadSanitizer sees both hand-overs that Qt makes inside its
// own library. The job must copy what it reads. Call from context's thread.
template <typename Job, typename Continuation>
void runThen(QThreadPool& pool, QObject* context, Job job, Continuation continuation)
{
    using Result = std::invoke_result_t<Job&>;
    auto promise = std::make_shared<QPromise<Result>>();
    promise->future().then(context, std::move(continuation));
    promise->start();
    core::startOnPool(pool, [promise, job = std::move(job)]() mutable {
        promise->addResult(job());
        promise->finish();
    });
}

} // namespace sparsity::ui
