#include "gatedpool.h"

#include <QCoreApplication>

namespace sparsity::test {

GatedPool::GatedPool()
{
    m_pool.setMaxThreadCount(1);
    // The first job holds the only thread; everything started later queues behind it.
    m_pool.start([this] { m_gate.acquire(); });
}

GatedPool::~GatedPool()
{
    open();
    m_pool.waitForDone();
}

void GatedPool::open()
{
    if (m_open)
        return;
    m_open = true;
    m_gate.release();
}

void GatedPool::drain()
{
    open();
    waitUntilIdle(m_pool);
}

void waitUntilIdle(QThreadPool& pool)
{
    // A job posts its outcome before it returns, so once the pool is done the outcome waits in
    // the event queue; delivering it may start another job.
    do {
        pool.waitForDone();
        QCoreApplication::sendPostedEvents();
    } while (pool.activeThreadCount() > 0);
}

} // namespace sparsity::test
