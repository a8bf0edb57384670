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

private:
    QSemaphore m_gate;
    bool m_open = false;
    QThreadPool m_pool;
};

} // namespace sparsity::test
