#pragma once

#include "mask/maskstats.h"
#include "parallel/executioncontext.h"
#include "ranking/configuration.h"
#include "tensor/weighttensor.h"

#include <QObject>
#include <QStringList>
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

class QThreadPool;

namespace sparsity::ui {

// One pass of the model's curves over its layers, a layer at a time: read on the I/O pool,
// ranked and swept on the compute pool one configuration per job (layerCurves), the weights
// dropped once the layer's last configuration is swept. The next layer is read while one is
// swept, so at most two layers' weights (and one ranking) are held. Each curve reaches onCurve
// on the UI thread with the layer's index in `layers`, layers in sweep order (setFirstLayer's
// layer, then the others in the order given) and within a layer configurations in order, so
// the first point of a big model is on screen after one ranking, not one layer's worth; then
// onFinished, or onFailed once (naming the layer) and nothing more. cancel() (or destruction)
// stops it: no callback runs after it. UI thread only.
class ModelCurveRun final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ModelCurveRun)

public:
    // Reads a layer; runs on the I/O pool only (it may use HDF5). Throws core::Error.
    using ReadLayer = std::function<std::shared_ptr<const core::WeightTensor>(
        const QString& datasetPath, const core::ExecutionContext& context)>;
    using Curve = std::vector<core::MaskStats>;

    ModelCurveRun(QStringList layers, std::vector<core::Configuration> configurations,
                  std::vector<double> levels, ReadLayer read, QThreadPool* ioPool,
                  QThreadPool* computePool, QObject* parent = nullptr);
    ~ModelCurveRun() override;

    std::function<void(int layer, std::size_t configuration, const Curve& curve)> onCurve;
    std::function<void()> onFinished;
    std::function<void(const QString& message)> onFailed;

    // Sweeps layer `index` (of `layers`) before the others, say a small one so that the first
    // point is on screen after a small read and sweep. Before start() only.
    void setFirstLayer(int index);
    // While held, no sweep of a layer after the first one swept starts (one under way
    // finishes; reading ahead goes on): the window holds the run while the first layer it shows
    // waits for its image, which would otherwise share the two cores with the model's sweeps.
    // The first layer's sweeps, the first point, are never held.
    void setHeld(bool held);
    void start();
    void cancel();

    const std::vector<core::Configuration>& configurations() const { return m_configurations; }
    const QStringList& layers() const { return m_layers; }
    int layersDone() const { return m_done; }
    bool isRunning() const { return m_started && !m_ended; }
    bool isHeld() const { return m_held; }

private:
    struct Ready
    {
        int index = 0;
        std::shared_ptr<const core::WeightTensor> weights;
    };
    void pump();
    void startRead(int index);
    void startSweep();
    void fail(int index, const QString& message);

    QStringList m_layers;
    std::vector<core::Configuration> m_configurations;
    std::vector<double> m_levels;
    ReadLayer m_read;
    QThreadPool* m_ioPool;
    QThreadPool* m_computePool;
    std::shared_ptr<std::atomic<bool>> m_cancel = std::make_shared<std::atomic<bool>>(false);
    std::vector<int> m_order; // the layers' indices in sweep order
    int m_firstLayer = -1;
    std::size_t m_nextRead = 0; // into m_order
    int m_done = 0;
    bool m_reading = false;
    bool m_sweeping = false;
    std::optional<Ready> m_ready;   // read, waiting for its sweep
    std::optional<Ready> m_current; // being swept
    std::size_t m_nextConfiguration = 0;
    bool m_started = false;
    bool m_ended = false;
    bool m_held = false;
};

} // namespace sparsity::ui
