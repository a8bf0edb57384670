#include "parallelfor.h"

#include "error.h"

#include <QThreadPool>
#include <algorithm>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>

namespace sparsity::core {

void ExecutionContext::throwIfCancelled() const
{
    if (isCancelled())
        throw Error(ErrorCode::Cancelled, QStringLiteral("Cancelled."));
}

int ExecutionContext::threadCount() const
{
    if (pool == nullptr)
        return 1;
    // The caller takes part, so a pool of n threads serves n-way parallel work plus spare.
    return std::max(1, std::min(maxThreads, std::max(1, pool->maxThreadCount())));
}

namespace {

#if defined(__SANITIZE_THREAD__)
// Held by the starting thread across QThreadPool::start and taken by the task before it reads
// anything: an edge ThreadSanitizer sees, standing for the one Qt's own queue provides.
std::mutex& handoffMutex()
{
    static std::mutex mutex;
    return mutex;
}
#endif

// Shared by the caller and the helper runnables. Helpers that start late find no chunk left
// and leave without touching the caller's stack, so the caller never waits for a runnable
// that a busy pool has not started (no deadlock when called from inside the pool).
struct ChunkQueue
{
    std::int64_t begin = 0;
    std::int64_t chunkSize = 1;
    std::int64_t chunkCount = 0;
    std::atomic<std::int64_t> nextChunk{0};
    std::function<void(std::int64_t, std::int64_t)> body; // a copy: outlives the caller
    const ExecutionContext context;
    std::int64_t end = 0;

    std::mutex mutex;
    std::condition_variable allDone;
    std::int64_t chunksDone = 0;
    std::exception_ptr firstError;

    explicit ChunkQueue(const ExecutionContext& ctx)
        : context(ctx)
    {}

    void work()
    {
        for (;;) {
            const std::int64_t chunk = nextChunk.fetch_add(1, std::memory_order_relaxed);
            if (chunk >= chunkCount)
                return;
            std::exception_ptr error;
            if (!hasFailed() && !context.isCancelled()) {
                const std::int64_t from = begin + chunk * chunkSize;
                const std::int64_t to = std::min(end, from + chunkSize);
                try {
                    body(from, to);
                } catch (...) {
                    error = std::current_exception();
                }
            }
            std::lock_guard lock(mutex);
            if (error && !firstError)
                firstError = error;
            if (++chunksDone == chunkCount)
                allDone.notify_all();
        }
    }

    bool hasFailed()
    {
        std::lock_guard lock(mutex);
        return firstError != nullptr;
    }
};

} // namespace

void startOnPool(QThreadPool& pool, std::function<void()> task)
{
#if defined(__SANITIZE_THREAD__)
    const std::lock_guard lock(handoffMutex());
    pool.start([task = std::move(task)] {
        {
            const std::lock_guard handedOver(handoffMutex());
        }
        task();
    });
#else
    pool.start(std::move(task));
#endif
}

void parallelFor(const ExecutionContext& context, std::int64_t begin, std::int64_t end,
                 std::int64_t minChunk, const std::function<void(std::int64_t, std::int64_t)>& body)
{
    if (end <= begin)
        return;
    context.throwIfCancelled();
    const std::int64_t count = end - begin;
    const int threads = context.threadCount();
    minChunk = std::max<std::int64_t>(1, minChunk);
    if (threads <= 1 || count <= minChunk) {
        body(begin, end);
        context.throwIfCancelled();
        return;
    }
    // A few chunks per thread balance uneven work without much scheduling overhead.
    const std::int64_t wanted = std::int64_t{threads} * 4;
    const std::int64_t chunkSize = std::max(minChunk, (count + wanted - 1) / wanted);

    auto queue = std::make_shared<ChunkQueue>(context);
    queue->begin = begin;
    queue->end = end;
    queue->chunkSize = chunkSize;
    queue->chunkCount = (count + chunkSize - 1) / chunkSize;
    queue->body = body;

    const int helpers =
        static_cast<int>(std::min<std::int64_t>(threads - 1, queue->chunkCount - 1));
    for (int i = 0; i < helpers; ++i)
        startOnPool(*context.pool, [queue] { queue->work(); });
    queue->work();
    {
        std::unique_lock lock(queue->mutex);
        queue->allDone.wait(lock, [&] { return queue->chunksDone == queue->chunkCount; });
    }
    if (queue->firstError)
        std::rethrow_exception(queue->firstError);
    context.throwIfCancelled();
}

} // namespace sparsity::core
