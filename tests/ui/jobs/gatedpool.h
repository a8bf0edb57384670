#pragma once

#include <QSemaphore>
#include <QThreadPool>

namespace sparsity::test {

// A thread pool of one thread that the test holds: jobs started on it wait in its queue, in
// order, until open(). Lets a test queue several requests and decide when they run, without
// sleeping. UI thread only; destroying it opens it and waits for its jobs.
class GatedPool final
{
public:
    GatedPool();
    ~GatedPool();
    GatedPool(const GatedPool&) = delete;
    GatedPool& operator=(const GatedPool&) = delete;

    QThreadPool* pool() { return &m_pool; }
    // Lets the queued jobs run, and every job after them.
    void open();
    // Opens the pool and returns once it is idle, with what its jobs sent back delivered.
    void drain();

private:
    QSemaphore m_gate;
    bool m_open = false;
    QThreadPool m_pool;
};

// Returns once `pool` runs no job and the UI thread has handled what the jobs posted to it
// (their results, and the jobs those start in turn): what a view shows then is final, so a test
// can check that a stale result never arrives without sleeping "long enough". UI thread only.
void waitUntilIdle(QThreadPool& pool);

} // namespace sparsity::test
