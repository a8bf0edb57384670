#include "modelcurverun.h"

#include "curvedata.h"
#include "jobs/runthen.h"

#include <QThreadPool>
#include <span>

namespace sparsity::ui {

ModelCurveRun::ModelCurveRun(QStringList layers, std::vector<core::Configuration> configurations,
                             std::vector<double> levels, ReadLayer read, QThreadPool* ioPool,
                             QThreadPool* computePool, QObject* parent)
    : QObject(parent)
    , m_layers(std::move(layers))
    , m_configurations(std::move(configurations))
    , m_levels(std::move(levels))
    , m_read(std::move(read))
    , m_ioPool(ioPool)
    , m_computePool(computePool)
{}

ModelCurveRun::~ModelCurveRun()
{
    cancel();
    // The reader may hold the file's HDF5 handles: let go of it where HDF5 is used.
    if (m_read)
        core::startOnPool(*m_ioPool, [read = std::move(m_read)] {});
}

void ModelCurveRun::setFirstLayer(int index)
{
    if (!m_started)
        m_firstLayer = index;
}

void ModelCurveRun::setHeld(bool held)
{
    if (held == m_held)
        return;
    m_held = held;
    if (m_started)
        pump();
}

void ModelCurveRun::start()
{
    if (m_started)
        return;
    m_started = true;
    const bool first = m_firstLayer >= 0 && m_firstLayer < m_layers.size();
    if (first)
        m_order.push_back(m_firstLayer);
    for (int i = 0; i < m_layers.size(); ++i)
        if (!first || i != m_firstLayer)
            m_order.push_back(i);
    pump();
}

void ModelCurveRun::cancel()
{
    m_cancel->store(true);
    m_ended = true;
}

void ModelCurveRun::pump()
{
    if (m_ended)
        return;
    if (!m_sweeping && !m_current && m_ready) {
        m_current = std::move(m_ready);
        m_ready.reset();
        m_nextConfiguration = 0;
    }
    if (!m_sweeping && m_current && !(m_held && m_done > 0))
        startSweep();
    // One layer read ahead of the one being swept, no more: memory stays at two layers.
    if (!m_reading && !m_ready && m_nextRead < m_order.size())
        startRead(m_order[m_nextRead++]);
    if (!m_reading && !m_sweeping && !m_ready && !m_current && m_nextRead >= m_order.size()) {
        m_ended = true;
        if (onFinished)
            onFinished();
    }
}

void ModelCurveRun::startRead(int index)
{
    m_reading = true;
    runThen(
        *m_ioPool, this,
        [read = m_read, path = m_layers[index], cancel = m_cancel] {
            const core::ExecutionContext context{nullptr, 1, cancel.get()};
            context.throwIfCancelled();
            return read(path, context);
        },
        [this, index](JobOutcome<std::shared_ptr<const core::WeightTensor>> outcome) {
            m_reading = false;
            if (m_ended)
                return;
            if (!outcome) {
                fail(index, outcome.error());
                return;
            }
            m_ready = Ready{index, std::move(outcome.value())};
            pump();
        });
}

void ModelCurveRun::startSweep()
{
    m_sweeping = true;
    const std::size_t configuration = m_nextConfiguration++;
    const bool last = m_nextConfiguration >= m_configurations.size();
    runThen(
        *m_computePool, this,
        [weights = m_current->weights, configuration = m_configurations[configuration],
         levels = m_levels, cancel = m_cancel, pool = m_computePool]() mutable {
            const core::ExecutionContext context{pool, curveThreads(pool->maxThreadCount()),
                                                 cancel.get()};
            Curve curve = std::move(
                layerCurves(*weights, std::span(&configuration, 1), levels, context).front());
            weights.reset(); // the last reference once the layer's last sweep is under way
            return curve;
        },
        [this, index = m_current->index, configuration, last](JobOutcome<Curve> outcome) {
            m_sweeping = false;
            if (m_ended)
                return;
            if (!outcome) {
                fail(index, outcome.error());
                return;
            }
            if (last) {
                m_current.reset(); // the layer is done with: its weights go
                ++m_done;
            }
            if (onCurve)
                onCurve(index, configuration, outcome.value());
            pump();
        });
    if (last)
        m_current->weights.reset(); // only the job holds them now
}

void ModelCurveRun::fail(int index, const QString& message)
{
    if (m_cancel->load())
        return; // a cancellation, not a failure
    m_ended = true;
    m_cancel->store(true);
    if (onFailed)
        onFailed(message.contains(m_layers[index])
                     ? message
                     : QStringLiteral("%1: %2").arg(m_layers[index], message));
}

} // namespace sparsity::ui
