#include "session.h"

#include "error.h"
#include "export/maskexport.h"
#include "io/matrixread.h"
#include "io/tensorfile.h"
#include "jobs/runthen.h"
#include "layerorientations.h"
#include "loadedlayer.h"
#include "parallel/parallelfor.h"

#include <QFileInfo>
#include <QThread>
#include <mutex>

namespace sparsity::ui {
namespace {

// Layers stay read while they fit in this many bytes of weights, so switching back is instant.
constexpr std::int64_t layerMemoryBudget = std::int64_t{2} << 30;

} // namespace

// Weights of the open file by dataset path, held weakly: whoever reads a layer (the session to
// show it, the Curves dock for the model's curves) shares what another reader still holds
// instead of reading and holding it twice. Reads happen on the I/O thread only; the lock is for
// the hand-over between jobs.
struct Session::SharedReads
{
    struct Entry
    {
        core::TensorOrientation orientation;
        std::weak_ptr<const core::WeightTensor> matrix;
        std::shared_ptr<const core::MatrixMapping> mapping;
    };
    using Read = std::pair<std::shared_ptr<const core::WeightTensor>,
                           std::shared_ptr<const core::MatrixMapping>>;

    std::mutex mutex;
    QHash<QString, Entry> layers;

    // The layer as the matrix of its layout and view (docs/SPEC.md "Layout", "View"), shared
    // while someone holds it under the same orientation.
    Read read(core::TensorReader& reader, const QString& datasetPath,
              const core::TensorOrientation& orientation, bool kerasFile,
              const core::ExecutionContext& context)
    {
        {
            const std::lock_guard lock(mutex);
            const auto found = layers.constFind(datasetPath);
            if (found != layers.cend() && found->orientation == orientation)
                if (auto matrix = found->matrix.lock())
                    return {std::move(matrix), found->mapping};
        }
        core::MatrixRead read =
            core::readMatrix(reader, datasetPath, orientation, kerasFile, context);
        auto matrix = std::make_shared<const core::WeightTensor>(std::move(read.matrix));
        auto mapping = std::make_shared<const core::MatrixMapping>(std::move(read.mapping));
        const std::lock_guard lock(mutex);
        // Entries of layers nobody holds any more go, so the table stays as small as the
        // layers alive.
        layers.removeIf([](const auto& entry) { return entry.value().matrix.expired(); });
        layers.insert(datasetPath, Entry{orientation, matrix, mapping});
        return {std::move(matrix), std::move(mapping)};
    }
};

Session::Session(QObject* parent)
    : QObject(parent)
    , m_runner(
          this, &m_computePool,
          [pool = &m_computePool](const Job& job, const std::atomic<bool>& cancelled) {
              const core::ExecutionContext context{pool, pool->maxThreadCount(), &cancelled};
              LayerSnapshot snapshot = job.layer->compute(job.params, job.prunedCount, context);
              snapshot.scope = job.scope;
              snapshot.model = job.model;
              snapshot.modelProblem = job.modelProblem;
              return snapshot;
          },
          [this](quint64 generation, LayerSnapshot snapshot) {
              snapshot.generation = generation;
              m_snapshot = std::make_shared<const LayerSnapshot>(std::move(snapshot));
              Q_EMIT snapshotReady(m_snapshot);
          },
          [this](quint64, const QString& message) { Q_EMIT layerFailed(m_currentLayer, message); },
          [this] { updateBusy(); })
{
    // One thread that never expires: every HDF5 call of the UI happens on it.
    m_ioPool.setMaxThreadCount(1);
    m_ioPool.setExpiryTimeout(-1);
    m_computePool.setMaxThreadCount(std::max(1, QThread::idealThreadCount()));
    m_displayPool.setMaxThreadCount(std::max(1, QThread::idealThreadCount()));
}

Session::~Session()
{
    m_runner.reset();
    if (m_loadCancel)
        m_loadCancel->store(true);
    releaseReader();
    // The I/O jobs may use the compute pool (export): wait for them first.
    m_ioPool.waitForDone();
    m_computePool.waitForDone();
    m_displayPool.waitForDone();
}

void Session::openFile(const QString& path)
{
    const quint64 generation = ++m_fileGeneration;
    ++m_openingFiles;
    updateBusy();
    runThen(
        m_ioPool, this,
        [path] {
            OpenedFile file;
            file.reader = core::openTensorFile(path);
            file.tree = file.reader->listTree();
            file.identity = file.reader->identity();
            file.kerasFile = file.reader->hasKerasMarkers();
            return file;
        },
        [this, path, generation](JobOutcome<OpenedFile> outcome) {
            --m_openingFiles;
            if (generation != m_fileGeneration) {
                // A newer open superseded this one; close the file where HDF5 is used.
                if (outcome)
                    core::startOnPool(m_ioPool, [reader = std::move(outcome->reader)] {});
                updateBusy();
                return;
            }
            if (!outcome) {
                updateBusy();
                Q_EMIT fileFailed(path, outcome.error());
                return;
            }
            releaseReader();
            m_runner.reset();
            if (m_loadCancel)
                m_loadCancel->store(true);
            m_reader = std::move(outcome->reader);
            m_reads = std::make_shared<SharedReads>();
            m_tree = std::move(outcome->tree);
            m_fileIdentity = outcome->identity;
            m_kerasFile = outcome->kerasFile;
            m_filePath = path;
            m_orientations = layerorientations::load(settingsFileName());
            m_params.clear();
            m_layers.clear();
            m_loadingLayer.clear();
            m_currentLayer.clear();
            m_snapshot.reset();
            updateBusy();
            Q_EMIT fileOpened(path);
        });
}

void Session::openDemo()
{
    const QString path = m_demo.path();
    if (path.isEmpty()) {
        Q_EMIT fileFailed(DemoFile::displayName(), tr("The demo weights could not be extracted."));
        return;
    }
    openFile(path);
}

bool Session::isDemo() const
{
    return m_demo.isDemoPath(m_filePath);
}

std::optional<core::DatasetInfo> Session::info(const QString& datasetPath) const
{
    const QString path = core::normalizeDatasetPath(datasetPath);
    for (const core::DatasetInfo& entry : m_tree)
        if (entry.path == path)
            return entry;
    return std::nullopt;
}

QString Session::defaultLayer() const
{
    // The demo's fully connected hidden layer: big enough to show the block grid, small
    // enough to see every weight.
    if (isDemo())
        if (const auto demo = info(QStringLiteral("/mlp/fc2/weight")); demo && demo->sparsifiable)
            return demo->path;
    // A layer declared bigger than memory would greet the user with an error: skip those.
    const std::vector<core::DatasetInfo> layers = core::defaultLayers(m_tree);
    for (const core::DatasetInfo& layer : layers)
        if (layer.storageBytes <= layerMemoryBudget)
            return layer.path;
    if (!layers.empty())
        return layers.front().path;
    for (const core::DatasetInfo& entry : m_tree)
        if (entry.canSparsifyWhenNamed())
            return entry.path;
    return {};
}

QStringList Session::sparsifiableLayers() const
{
    QStringList paths;
    for (const core::DatasetInfo& entry : core::defaultLayers(m_tree))
        paths << entry.path;
    return paths;
}

void Session::selectLayer(const QString& datasetPath)
{
    const QString path = core::normalizeDatasetPath(datasetPath);
    if (path == m_currentLayer)
        return;
    const auto entry = info(path);
    if (!entry || !entry->canSparsifyWhenNamed()) {
        Q_EMIT layerFailed(path, entry ? tr("%1: dataset '%2' cannot be sparsified: %3")
                                             .arg(m_filePath, path, entry->reason)
                                       : tr("%1: no dataset '%2'").arg(m_filePath, path));
        return;
    }
    m_currentLayer = path;
    m_runner.reset();
    m_snapshot.reset();
    Q_EMIT layerSelected(path);
    Q_EMIT paramsReset(params(path));
    if (cachedLayer(path))
        requestSnapshot();
    else
        loadLayer(path);
    updateBusy();
}

void Session::loadLayer(const QString& datasetPath)
{
    if (m_loadingLayer == datasetPath)
        return;
    // Only the newest selection is worth reading; an older read stops between slabs.
    if (m_loadCancel)
        m_loadCancel->store(true);
    m_loadCancel = std::make_shared<std::atomic<bool>>(false);
    m_loadingLayer = datasetPath;
    ++m_loadingLayers;
    const quint64 generation = m_fileGeneration;
    // The layer is read as the matrix of its layout and view; a later change of either reads
    // it again (setOrientation drops the cached layer).
    const core::TensorOrientation orientation = this->orientation(datasetPath);
    runThen(
        m_ioPool, this,
        [reader = m_reader, reads = m_reads, datasetPath, cancel = m_loadCancel, orientation,
         keras = m_kerasFile] {
            const core::ExecutionContext context{nullptr, 1, cancel.get()};
            auto [matrix, mapping] = reads->read(*reader, datasetPath, orientation, keras, context);
            return std::make_shared<LoadedLayer>(datasetPath, std::move(matrix),
                                                 std::move(mapping));
        },
        [this, datasetPath, generation,
         orientation](JobOutcome<std::shared_ptr<LoadedLayer>> outcome) {
            --m_loadingLayers;
            if (m_loadingLayer == datasetPath)
                m_loadingLayer.clear();
            // A read under an orientation changed meanwhile is dropped (a new one is under way).
            if (generation == m_fileGeneration && orientation == this->orientation(datasetPath)) {
                if (outcome) {
                    rememberLayer(outcome.value());
                    if (datasetPath == m_currentLayer)
                        requestSnapshot();
                } else if (outcome.isError() && datasetPath == m_currentLayer) {
                    m_currentLayer.clear(); // choosing it again tries again
                    Q_EMIT layerFailed(datasetPath, outcome.error());
                }
            }
            updateBusy();
        });
}

core::SparsityParams Session::params(const QString& datasetPath) const
{
    if (m_modelBounds)
        return m_modelParams;
    return m_params.value(datasetPath, defaultParams());
}

core::SparsityParams Session::defaultParams()
{
    // Square blocks at half sparsity: the block structure is visible at a glance.
    core::SparsityParams params;
    params.level = 0.5;
    params.block = core::BlockShape{4, 4};
    params.norm = core::Norm::L2;
    return params;
}

void Session::setParams(const core::SparsityParams& params)
{
    if (m_currentLayer.isEmpty())
        return;
    if (m_modelBounds)
        m_modelParams = params;
    else
        m_params.insert(m_currentLayer, params);
    requestSnapshot();
}

void Session::setModelScope(std::optional<core::ModelBounds> bounds)
{
    if (bounds && !m_modelBounds)
        m_modelParams = currentParams(); // the current layer's configuration becomes the model's
    else if (!bounds && m_modelBounds && !m_currentLayer.isEmpty())
        m_params.insert(m_currentLayer, m_modelParams); // what the panel shows stays
    m_modelBounds = bounds;
    requestSnapshot();
}

std::optional<core::ModelScopeRequest> Session::modelScope() const
{
    if (!m_modelBounds)
        return std::nullopt;
    return core::ModelScopeRequest{m_modelParams.level, *m_modelBounds};
}

void Session::setModelCounts(ModelCounts counts)
{
    m_modelCounts = std::move(counts);
}

void Session::refreshModelScope()
{
    if (m_modelBounds)
        requestSnapshot();
}

void Session::applyToAllLayers()
{
    const core::SparsityParams current = currentParams();
    for (const QString& path : sparsifiableLayers())
        m_params.insert(path, current);
    if (!m_currentLayer.isEmpty())
        m_params.insert(m_currentLayer, current);
}

void Session::restoreLayerParams(const QHash<QString, core::SparsityParams>& params)
{
    m_params = params;
    if (m_currentLayer.isEmpty() || m_modelBounds)
        return;
    Q_EMIT paramsReset(this->params(m_currentLayer));
    requestSnapshot();
}

Session::ReadLayer Session::layerReader() const
{
    // Weak references (SharedReads): a model-wide job must not keep layers the session has let
    // go of. Each layer as the matrix of its layout and view, as the masks see it.
    return [reader = m_reader, reads = m_reads, file = m_filePath, orientations = m_orientations,
            keras = m_kerasFile](const QString& datasetPath,
                                 const core::ExecutionContext& context) {
        if (!reader || !reads)
            throw core::Error(core::ErrorCode::InvalidInput,
                              QStringLiteral("%1: the file is no longer open").arg(file));
        return reads->read(*reader, datasetPath, orientations.value(datasetPath), keras, context)
            .first;
    };
}

core::TensorOrientation Session::orientation(const QString& datasetPath) const
{
    return m_orientations.value(core::normalizeDatasetPath(datasetPath));
}

std::optional<core::MatrixMapping> Session::mapping(const QString& datasetPath) const
{
    const auto entry = info(datasetPath);
    if (!entry || !entry->canSparsifyWhenNamed())
        return std::nullopt;
    return core::mappingFor(entry->shape, orientation(entry->path), m_kerasFile);
}

void Session::setOrientation(const QString& datasetPath, core::TensorOrientation orientation)
{
    const QString path = core::normalizeDatasetPath(datasetPath);
    if (orientation == this->orientation(path) || !info(path))
        return;
    if (orientation.isDefault())
        m_orientations.remove(path);
    else
        m_orientations.insert(path, orientation);
    layerorientations::save(settingsFileName(), path, orientation);
    // The cached matrix is of the old orientation.
    m_layers.remove_if([&](const auto& layer) { return layer->datasetPath() == path; });
    if (path == m_currentLayer) {
        m_runner.reset();
        m_snapshot.reset();
        if (m_loadingLayer == path)
            m_loadingLayer.clear(); // the read under way is of the old orientation
        loadLayer(path);
        updateBusy();
    }
    Q_EMIT orientationChanged(path);
}

QString Session::settingsFileName() const
{
    // The demo is extracted to a new temporary file each run: remember it by its name.
    return isDemo() ? DemoFile::displayName() : QFileInfo(m_filePath).absoluteFilePath();
}

bool Session::isBusy() const
{
    return m_openingFiles > 0 || m_loadingLayers > 0 || m_runner.isBusy();
}

void Session::requestSnapshot()
{
    if (auto layer = cachedLayer(m_currentLayer)) {
        Job job;
        job.layer = std::move(layer);
        job.params = params(m_currentLayer);
        if (m_modelBounds) {
            job.model = core::ModelScopeRequest{job.params.level, *m_modelBounds};
            const ModelCount count = m_modelCounts
                                         ? m_modelCounts(m_currentLayer, job.params, *m_modelBounds)
                                         : ModelCount{};
            job.scope = count.scope;
            job.modelProblem = count.problem;
            if (count.scope == MaskScope::Model)
                job.prunedCount = count.prunedCount;
        }
        m_runner.request(std::move(job));
        updateBusy();
    }
}

void Session::rememberLayer(const std::shared_ptr<LoadedLayer>& layer)
{
    m_layers.remove_if(
        [&](const auto& known) { return known->datasetPath() == layer->datasetPath(); });
    m_layers.push_front(layer);
    std::int64_t total = 0;
    for (auto it = m_layers.begin(); it != m_layers.end();) {
        total += (*it)->memoryBytes();
        // Keep the newest layer whatever its size; a running job keeps its own reference.
        if (it != m_layers.begin() && total > layerMemoryBudget &&
            (*it)->datasetPath() != m_currentLayer)
            it = m_layers.erase(it);
        else
            ++it;
    }
}

std::shared_ptr<LoadedLayer> Session::cachedLayer(const QString& datasetPath)
{
    for (auto it = m_layers.begin(); it != m_layers.end(); ++it) {
        if ((*it)->datasetPath() == datasetPath) {
            m_layers.splice(m_layers.begin(), m_layers, it);
            return m_layers.front();
        }
    }
    return nullptr;
}

void Session::releaseReader()
{
    // HDF5 handles are closed where they were used: on the I/O thread.
    if (m_reader)
        core::startOnPool(m_ioPool, [reader = std::move(m_reader)] {});
    m_reader.reset();
}

void Session::updateBusy()
{
    const bool busy = isBusy();
    if (busy == m_busy)
        return;
    m_busy = busy;
    Q_EMIT busyChanged(busy);
}

} // namespace sparsity::ui
