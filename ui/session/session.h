#pragma once

#include "demofile.h"
#include "io/datasetinfo.h"
#include "io/tensorreader.h"
#include "jobs/coalescingrunner.h"
#include "layersnapshot.h"
#include "tensor/matrixmapping.h"

#include <QHash>
#include <QObject>
#include <QThreadPool>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <vector>

namespace sparsity::core {
class TensorReader;
}

namespace sparsity::ui {

class LoadedLayer;

// The open file, its layers and their parameters, and the jobs that turn them into snapshots:
// file I/O on one dedicated thread (HDF5 is serialized), masks on the compute pool, at most
// one mask job at a time (coalesced), results delivered on the UI thread. UI thread only.
class Session final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Session)

public:
    explicit Session(QObject* parent = nullptr);
    ~Session() override;

    // Opens a file (async): fileOpened or fileFailed follows. The current file stays open
    // until the new one has been read.
    void openFile(const QString& path);
    void openDemo();
    QString filePath() const { return m_filePath; }
    // The file as it was when listed; exports refuse it once it was replaced or modified.
    std::optional<core::FileIdentity> fileIdentity() const { return m_fileIdentity; }
    bool isDemo() const;
    const std::vector<core::DatasetInfo>& tree() const { return m_tree; }
    std::optional<core::DatasetInfo> info(const QString& datasetPath) const;
    // The layer shown first: a dense, visually telling default layer of the file, preferring
    // one whose weights fit the layer memory budget.
    QString defaultLayer() const;
    // The layers that "all layers" means (export, apply to all): floating point, rank >= 2.
    QStringList sparsifiableLayers() const;

    // Shows a layer (reads it once, then computes); layerSelected at once, then
    // snapshotReady or layerFailed.
    void selectLayer(const QString& datasetPath);
    QString currentLayer() const { return m_currentLayer; }

    // Parameters of a layer: its own once set, else the defaults.
    core::SparsityParams params(const QString& datasetPath) const;
    core::SparsityParams currentParams() const { return params(m_currentLayer); }
    static core::SparsityParams defaultParams();
    // Sets the current layer's parameters and recomputes (coalesced).
    void setParams(const core::SparsityParams& params);
    // Copies the current layer's parameters to every sparsifiable layer.
    void applyToAllLayers();
    // The layers given parameters of their own (layer scope), for saving a session.
    const QHash<QString, core::SparsityParams>& layerParams() const { return m_params; }
    // Replaces them (a restored session): the current layer's shown parameters follow.
    void restoreLayerParams(const QHash<QString, core::SparsityParams>& params);

    // Model scope (docs/SPEC.md "Model scope"): one configuration and one level for every layer
    // (setParams sets them for all), each layer's mask its share of one ranking across the
    // model's layers. nullopt switches back to layer scope, where the current layer keeps the
    // model's parameters and every other layer its own.
    void setModelScope(std::optional<core::ModelBounds> bounds);
    // The model level and bounds while in model scope.
    std::optional<core::ModelScopeRequest> modelScope() const;

    // A layer's share of the model-wide mask: its pruned-block count, or why there is none yet.
    struct ModelCount
    {
        MaskScope scope = MaskScope::ModelPending; // Model when prunedCount holds the share
        std::int64_t prunedCount = 0;
        QString problem; // why, for ModelUnavailable
    };
    // Answers on the UI thread at once (ui/model keeps the rankings); called for every snapshot
    // requested in model scope. Without one, model scope stays pending.
    using ModelCounts = std::function<ModelCount(
        const QString& datasetPath, const core::SparsityParams& params, const core::ModelBounds&)>;
    void setModelCounts(ModelCounts counts);
    // The answers of the ModelCounts may have changed (the rankings finished): in model scope,
    // computes the current layer again.
    void refreshModelScope();

    // docs/SPEC.md "Layout" and "View": how a layer's stored tensor becomes its matrix, chosen
    // per layer (auto and flatten unless set), remembered per file in QSettings.
    core::TensorOrientation orientation(const QString& datasetPath) const;
    // Whether the open file carries Keras's markers: what auto means for it.
    bool fileHasKerasMarkers() const { return m_kerasFile; }
    // The mapping of a listed dataset that can be masked under its orientation; nullopt for
    // paths that are not such datasets.
    std::optional<core::MatrixMapping> mapping(const QString& datasetPath) const;
    // Sets a layer's orientation: remembered, and a shown layer is read and computed again.
    void setOrientation(const QString& datasetPath, core::TensorOrientation orientation);

    // The open file's reader, shared with views that read layers of their own. Dereference it
    // on the I/O pool only (HDF5 is serialized there).
    std::shared_ptr<core::TensorReader> reader() const { return m_reader; }

    // The newest snapshot of the current layer, null until the first one is ready.
    std::shared_ptr<const LayerSnapshot> snapshot() const { return m_snapshot; }
    bool isBusy() const;

    // Pools for the other jobs of the UI: the I/O pool has one thread and is the only one
    // that may touch HDF5; the compute pool runs masks, sources, histograms, ranks and images;
    // the display pool only draws the heatmap's visible region, so that what the screen shows
    // never waits behind a histogram or a rank computed at the same time.
    QThreadPool* ioPool() { return &m_ioPool; }
    QThreadPool* computePool() { return &m_computePool; }
    QThreadPool* displayPool() { return &m_displayPool; }

    // Reads layers of the open file for jobs that go through the whole model (the Curves
    // dock). Call the function on the I/O pool only (it uses HDF5); a layer that the session or
    // another job of this file still holds, or has read since, comes back without a read (the
    // Curves dock starts on the first layer while the session reads it to show it). Throws
    // core::Error, naming file and dataset.
    using ReadLayer = std::function<std::shared_ptr<const core::WeightTensor>(
        const QString& datasetPath, const core::ExecutionContext& context)>;
    ReadLayer layerReader() const;

Q_SIGNALS:
    void fileOpened(const QString& path);
    void fileFailed(const QString& path, const QString& message);
    void layerSelected(const QString& datasetPath);
    void layerFailed(const QString& datasetPath, const QString& message);
    // The current layer's parameters were set by something other than the panel (a layer
    // switch or apply-to-all): controls showing them should follow.
    void paramsReset(const core::SparsityParams& params);
    void snapshotReady(const std::shared_ptr<const LayerSnapshot>& snapshot);
    void busyChanged(bool busy);
    // A layer's layout or view changed: its matrix and every count of it change.
    void orientationChanged(const QString& datasetPath);

private:
    struct Job
    {
        std::shared_ptr<LoadedLayer> layer;
        core::SparsityParams params;
        MaskScope scope = MaskScope::Layer;
        std::optional<std::int64_t> prunedCount; // the model-scope share, when scope is Model
        std::optional<core::ModelScopeRequest> model;
        QString modelProblem;
    };
    struct SharedReads;
    struct OpenedFile
    {
        std::shared_ptr<core::TensorReader> reader;
        std::vector<core::DatasetInfo> tree;
        core::FileIdentity identity;
        bool kerasFile = false;
    };

    void loadLayer(const QString& datasetPath);
    void requestSnapshot();
    void rememberLayer(const std::shared_ptr<LoadedLayer>& layer);
    std::shared_ptr<LoadedLayer> cachedLayer(const QString& datasetPath);
    void releaseReader();
    void updateBusy();
    // The name the open file's choices are remembered under.
    QString settingsFileName() const;

    QThreadPool m_ioPool;
    QThreadPool m_computePool;
    QThreadPool m_displayPool;
    DemoFile m_demo;

    QString m_filePath;
    std::shared_ptr<core::TensorReader> m_reader; // dereferenced on the I/O thread only
    std::vector<core::DatasetInfo> m_tree;
    std::optional<core::FileIdentity> m_fileIdentity;
    // The open file's layers that someone still holds, for every read of it (one per file).
    std::shared_ptr<SharedReads> m_reads;
    bool m_kerasFile = false;
    QHash<QString, core::TensorOrientation> m_orientations; // layers not at the default
    quint64 m_fileGeneration = 0;
    int m_openingFiles = 0;

    QString m_currentLayer;
    QHash<QString, core::SparsityParams> m_params;
    std::optional<core::ModelBounds> m_modelBounds; // set in model scope
    core::SparsityParams m_modelParams;             // every layer's, in model scope
    ModelCounts m_modelCounts;
    // Layers read so far, most recently used first, within a memory budget.
    std::list<std::shared_ptr<LoadedLayer>> m_layers;
    QString m_loadingLayer;
    std::shared_ptr<std::atomic<bool>> m_loadCancel;
    int m_loadingLayers = 0;

    CoalescingRunner<Job, LayerSnapshot> m_runner;
    std::shared_ptr<const LayerSnapshot> m_snapshot;
    bool m_busy = false;
};

} // namespace sparsity::ui
