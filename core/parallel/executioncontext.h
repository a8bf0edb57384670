#pragma once

#include <atomic>
#include <functional>

class QThreadPool;

namespace sparsity::core {

// How a synchronous core call may run: on which pool (not owned; nullptr = the calling thread
// only), with how many threads at most, and whether the caller has asked it to stop.
// The caller keeps everything it points to alive for the duration of the call.
struct ExecutionContext
{
    QThreadPool* pool = nullptr;
    int maxThreads = 1;
    const std::atomic<bool>* cancelled = nullptr;

    bool isCancelled() const
    {
        return cancelled != nullptr && cancelled->load(std::memory_order_relaxed);
    }
    // Throws Error(Cancelled) when the caller asked to stop.
    void throwIfCancelled() const;
    int threadCount() const;
};

} // namespace sparsity::core
