#pragma once

#include "executioncontext.h"

#include <cstdint>
#include <functional>

namespace sparsity::core {

// Calls body(begin, end) on disjoint sub-ranges that cover [begin, end) exactly once, spread
// over the context's threads; the calling thread takes part and the call returns when all
// ranges are done. With one thread it runs inline. The body must write only to output owned
// by its range, so the result cannot depend on the thread count. Chunks are at least
// minChunk indices long. If a body throws, the first exception is rethrown after all started
// ranges have finished; cancellation is checked between chunks.
// Starts task on pool, like QThreadPool::start. Under ThreadSanitizer the hand-over is also
// made visible to it: Qt passes tasks to its threads under a futex-based QMutex inside the
// (uninstrumented) Qt library, so the tool would take every capture of the task for a race.
void startOnPool(QThreadPool& pool, std::function<void()> task);

void parallelFor(const ExecutionContext& context, std::int64_t begin, std::int64_t end,
                 std::int64_t minChunk,
                 const std::function<void(std::int64_t, std::int64_t)>& body);

} // namespace sparsity::core
