#include "gatedpool.h"

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

} // namespace sparsity::test
