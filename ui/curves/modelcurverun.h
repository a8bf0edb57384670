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
// ranked and swept on the compute pool (layerCurves), the weights dropped as soon as the layer
// is swept. The next layer is read while one is swept, so at most two layers' weights are held.
// Each layer's curves reach onLayer in layer order, on the UI thread; then onFinished, or
// onFailed once (naming the layer) and nothing more. cancel() (or destruction) stops it: no
// callback runs after it. UI thread only.
class ModelCurveRun final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ModelCurveRun)

public:
    // Reads a layer; runs on the I/O pool only (it may use HDF5). Throws core::Error.
    using ReadLayer = std::function<std::shared_ptr<const core::WeightTensor>(
        const QString& datasetPath, const core::ExecutionContext& context)>;
    using LayerCurves = std::vector<std::vector<core::MaskStats>>;

    ModelCurveRun(QStringList layers, std::vector<core::Configuration> configurations,
                  std::vector<double> levels, ReadLayer read, QThreadPool* ioPool,
                  QThreadPool* computePool, QObject* parent = nullptr);
    ~ModelCurveRun() override;

    std::function<void(int layer, const LayerCurves& curves)> onLayer;
    std::function<void()> onFinished;
    std::function<void(const QString& message)> onFailed;

    void start();
    void cancel();

    const std::vector<core::Configuration>& configurations() const { return m_configurations; }
    const QStringList& layers() const { return m_layers; }
    int layersDone() const { return m_done; }
    bool isRunning() const { return m_started && !m_ended; }

private:
    struct Ready
    {
        int index = 0;
        std::shared_ptr<const core::WeightTensor> weights;
    };
    void pump();
    void startRead(int index);
    void startSweep(Ready ready);
    void fail(int index, const QString& message);

    QStringList m_layers;
    std::vector<core::Configuration> m_configurations;
    std::vector<double> m_levels;
    ReadLayer m_read;
    QThreadPool* m_ioPool;
    QThreadPool* m_computePool;
    std::shared_ptr<std::atomic<bool>> m_cancel = std::make_shared<std::atomic<bool>>(false);
    int m_nextRead = 0;
    int m_done = 0;
    bool m_reading = false;
    bool m_sweeping = false;
    std::optional<Ready> m_ready;
    bool m_started = false;
    bool m_ended = false;
};

} // namespace sparsity::ui
