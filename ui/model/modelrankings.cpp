#include "modelrankings.h"

#include "error.h"
#include "io/matrixread.h"
#include "io/tensorreader.h"
#include "jobs/runthen.h"
#include "mask/blockgrid.h"
#include "parallel/parallelfor.h"
#include "ranking/sweep.h"

#include <QThreadPool>
#include <algorithm>

namespace sparsity::ui {
namespace {

// The matrix a layer is masked as (docs/SPEC.md "Layout" and "View").
core::BlockGrid gridOf(const core::DatasetInfo& info, core::TensorOrientation orientation,
                       bool kerasFile, core::BlockShape block)
{
    const core::MatrixMapping mapping = core::mappingFor(info.shape, orientation, kerasFile);
    return core::BlockGrid{mapping.rows(), mapping.cols(), block};
}

std::int64_t weightBytes(const core::WeightTensor& weights)
{
    return weights.elementCount() * (weights.precision() == core::Precision::Float32 ? 4 : 8);
}

std::int64_t rankingBytes(const core::BlockRanking& ranking, const core::WeightTensor& weights)
{
    const std::int64_t keyBytes = weights.precision() == core::Precision::Float32 ? 4 : 8;
    const std::int64_t chunks =
        ranking.blockCount() / std::max<std::int64_t>(1, ranking.chunkSize());
    // Per chunk: one count and four long double sums.
    return ranking.blockCount() * (keyBytes + 4) +
           (chunks + 1) * static_cast<std::int64_t>(sizeof(std::int64_t) + 4 * sizeof(long double));
}

} // namespace

ModelRankings::ModelRankings(QThreadPool* ioPool, QThreadPool* computePool, QObject* parent)
    : QObject(parent)
    , m_ioPool(ioPool)
    , m_computePool(computePool)
{}

ModelRankings::~ModelRankings()
{
    if (m_cancel)
        m_cancel->store(true);
    releaseReader();
}

void ModelRankings::setFile(std::shared_ptr<core::TensorReader> reader,
                            std::vector<core::DatasetInfo> layers, bool kerasFile,
                            const QHash<QString, core::TensorOrientation>& orientations)
{
    releaseReader();
    m_reader = std::move(reader);
    m_kerasFile = kerasFile;
    m_layers.clear();
    if (m_reader)
        for (core::DatasetInfo& info : layers) {
            const core::TensorOrientation orientation = orientations.value(info.path);
            m_layers.push_back(
                Layer{std::move(info), 0, nullptr, nullptr, std::nullopt, {}, orientation});
        }
    restart();
}

void ModelRankings::setOrientation(const QString& datasetPath, core::TensorOrientation orientation)
{
    for (Layer& layer : m_layers)
        if (layer.info.path == datasetPath && !(layer.orientation == orientation)) {
            layer.orientation = orientation;
            // One ranking across layers: every layer's counts may change, so start over.
            restart();
            return;
        }
}

void ModelRankings::setConfiguration(const core::Configuration& configuration)
{
    const bool same = configuration.sameMasksAs(m_configuration);
    m_configuration = configuration;
    if (!same)
        restart();
}

void ModelRankings::setLevel(double level, std::optional<core::ModelBounds> bounds)
{
    const bool sameBounds = bounds.has_value() == m_bounds.has_value() &&
                            (!bounds || (bounds->minLevel == m_bounds->minLevel &&
                                         bounds->maxLevel == m_bounds->maxLevel));
    if (level == m_level && sameBounds)
        return;
    m_level = level;
    m_bounds = bounds;
    recomputeCounts();
}

void ModelRankings::setActive(bool active)
{
    if (active == m_active)
        return;
    m_active = active;
    if (!active && m_waiting) {
        // Nobody looks: do not hold a layer's weights for later; it is read again.
        m_nextRead = m_waiting->layer;
        m_waiting.reset();
    }
    pump();
}

bool ModelRankings::isComplete() const
{
    return !m_layers.empty() && m_ranked == static_cast<int>(m_layers.size());
}

bool ModelRankings::isBusy() const
{
    return m_active && (m_reading || m_building || m_waiting.has_value() ||
                        m_nextRead < static_cast<int>(m_layers.size()));
}

QString ModelRankings::failure() const
{
    for (const Layer& layer : m_layers)
        if (!layer.error.isEmpty())
            return layer.error;
    return {};
}

std::optional<std::int64_t> ModelRankings::prunedCount(int layer) const
{
    if (layer < 0 || layer >= static_cast<int>(m_counts.size()))
        return std::nullopt;
    return m_counts[static_cast<std::size_t>(layer)];
}

std::optional<core::MaskStats> ModelRankings::stats(int layer) const
{
    if (layer < 0 || layer >= static_cast<int>(m_stats.size()))
        return std::nullopt;
    return m_stats[static_cast<std::size_t>(layer)];
}

bool ModelRankings::isExact(int layer) const
{
    return layer >= 0 && layer < static_cast<int>(m_exact.size()) &&
           m_exact[static_cast<std::size_t>(layer)];
}

std::optional<core::MaskStats> ModelRankings::totals() const
{
    return m_totals;
}

void ModelRankings::updateStats(std::size_t layer)
{
    const Layer& entry = m_layers[layer];
    const std::optional<std::int64_t> k = m_counts[layer];
    m_exact[layer] = false;
    if (!k || !entry.ranking) {
        m_stats[layer].reset();
    } else if (entry.exact && entry.exact->prunedBlocks == *k) {
        m_stats[layer] = entry.exact;
        m_exact[layer] = true;
    } else if (entry.weights) {
        // At most one chunk of the ranking read from the weights: cheap for a small layer.
        m_stats[layer] = entry.ranking->statsFor(*k, *entry.weights);
        m_exact[layer] = true;
    } else {
        m_stats[layer] = entry.ranking->estimatedStatsFor(*k);
    }
}

void ModelRankings::updateTotals()
{
    m_totals.reset();
    if (m_stats.empty())
        return;
    std::vector<core::MaskStats> all;
    all.reserve(m_stats.size());
    for (const std::optional<core::MaskStats>& layer : m_stats) {
        if (!layer)
            return;
        all.push_back(*layer);
    }
    m_totals = core::combineStats(all);
}

Session::ModelCount ModelRankings::modelCount(const core::TensorReader* reader,
                                              const QString& datasetPath,
                                              const core::SparsityParams& params,
                                              const core::ModelBounds& bounds)
{
    if (reader == nullptr || reader != m_reader.get())
        return {}; // the rankings are another file's, or not started
    const auto layer = std::find_if(m_layers.begin(), m_layers.end(), [&](const Layer& entry) {
        return entry.info.path == datasetPath;
    });
    if (layer == m_layers.end())
        return {MaskScope::OutsideModel, 0, {}};
    if (const QString problem = failure(); !problem.isEmpty())
        return {MaskScope::ModelUnavailable, 0, problem};
    if (!isComplete() || !core::Configuration::of(params).sameMasksAs(m_configuration))
        return {};
    const std::vector<std::int64_t>* counts = modelCounts(params.level, bounds);
    if (!counts)
        return {};
    return {MaskScope::Model, (*counts)[static_cast<std::size_t>(layer - m_layers.begin())], {}};
}

void ModelRankings::setExactStats(const QString& datasetPath,
                                  const core::Configuration& configuration,
                                  const core::MaskStats& stats)
{
    if (!configuration.sameMasksAs(m_configuration))
        return;
    for (std::size_t i = 0; i < m_layers.size(); ++i) {
        Layer& layer = m_layers[i];
        if (layer.info.path == datasetPath && layer.ranking &&
            layer.ranking->blockCount() == stats.blocks) {
            if (m_exact[i] || m_counts[i] != stats.prunedBlocks)
                return; // nothing to improve on screen
            layer.exact = stats;
            updateStats(i);
            updateTotals();
            Q_EMIT countsChanged();
            return;
        }
    }
}

void ModelRankings::restart()
{
    ++m_generation;
    if (m_cancel)
        m_cancel->store(true);
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    m_nextRead = 0;
    m_reading = false;
    m_building = false;
    m_waiting.reset();
    m_ranked = 0;
    m_memoryBytes = 0;
    m_keptWeightBytes = 0;
    m_modelCountCache.reset();
    for (Layer& layer : m_layers) {
        layer.blocks =
            gridOf(layer.info, layer.orientation, m_kerasFile, m_configuration.block).blockCount();
        layer.ranking.reset();
        layer.weights.reset();
        layer.exact.reset();
        layer.error.clear();
    }
    m_counts.assign(m_layers.size(), std::nullopt);
    m_stats.assign(m_layers.size(), std::nullopt);
    m_exact.assign(m_layers.size(), false);
    m_totals.reset();
    Q_EMIT rowsReset();
    Q_EMIT progressChanged(0, static_cast<int>(m_layers.size()));
    pump();
}

void ModelRankings::pump()
{
    if (!m_active || !m_reader)
        return;
    if (!m_building && m_waiting) {
        Weights next = std::move(*m_waiting);
        m_waiting.reset();
        startBuild(std::move(next));
    }
    // Read ahead by one layer: the I/O thread reads while the compute pool ranks, and a layer
    // the user selects waits behind at most one read of ours.
    if (!m_reading && !m_waiting && m_nextRead < static_cast<int>(m_layers.size()))
        startRead(m_nextRead++);
}

void ModelRankings::startRead(int layer)
{
    m_reading = true;
    runThen(
        *m_ioPool, this,
        [reader = m_reader, path = m_layers[static_cast<std::size_t>(layer)].info.path,
         orientation = m_layers[static_cast<std::size_t>(layer)].orientation, keras = m_kerasFile,
         cancel = m_cancel] {
            const core::ExecutionContext context{nullptr, 1, cancel.get()};
            return std::make_shared<const core::WeightTensor>(
                core::readMatrix(*reader, path, orientation, keras, context).matrix);
        },
        [this, layer,
         generation = m_generation](JobOutcome<std::shared_ptr<const core::WeightTensor>> outcome) {
            if (generation != m_generation)
                return; // another file or configuration: its weights go with the outcome
            m_reading = false;
            if (outcome && !m_active) {
                m_nextRead = layer; // nobody looks: read again when someone does
            } else if (outcome) {
                m_waiting = Weights{layer, std::move(outcome.value())};
            } else if (outcome.isError()) {
                m_layers[static_cast<std::size_t>(layer)].error = outcome.error();
                Q_EMIT layerRanked(layer);
                if (m_nextRead >= static_cast<int>(m_layers.size()) && !m_building)
                    Q_EMIT finished();
            }
            pump();
        });
}

void ModelRankings::startBuild(Weights weights)
{
    m_building = true;
    // Half the compute pool at most: the shown layer's masks share it, and a level change
    // must not queue behind a ranking of another layer. The ranking is the same for any
    // thread count.
    const int threads = std::max(1, m_computePool->maxThreadCount() / 2);
    const std::int64_t bytes = weightBytes(*weights.tensor);
    const bool small = bytes <= smallLayerBytes && m_keptWeightBytes + bytes <= smallLayersBudget;
    runThen(
        *m_computePool, this,
        [weights = std::move(weights.tensor), configuration = m_configuration, level = m_level,
         pool = m_computePool, threads, cancel = m_cancel, small, bytes] {
            const core::ExecutionContext context{pool, threads, cancel.get()};
            auto ranking = std::make_shared<const core::BlockRanking>(
                core::BlockRanking::build(*weights, configuration, context));
            // The weights are at hand once: exact statistics for the level of the moment.
            Built built;
            built.exact = ranking->statsFor(ranking->prunedCountAt(level), *weights);
            // Few chunks: the estimate interpolates over much of the layer, and an exact
            // statistic reads at most one small chunk.
            const bool keep =
                small && ranking->blockCount() <= smallLayerChunks * ranking->chunkSize();
            built.memoryBytes = rankingBytes(*ranking, *weights) + (keep ? bytes : 0);
            built.ranking = std::move(ranking);
            if (keep)
                built.weights = weights;
            return built;
        },
        [this, layer = weights.layer, generation = m_generation](JobOutcome<Built> outcome) {
            if (generation != m_generation)
                return;
            m_building = false;
            Layer& entry = m_layers[static_cast<std::size_t>(layer)];
            if (outcome) {
                entry.ranking = std::move(outcome->ranking);
                entry.weights = std::move(outcome->weights);
                if (entry.weights)
                    m_keptWeightBytes += weightBytes(*entry.weights);
                entry.blocks = entry.ranking->blockCount();
                entry.exact = outcome->exact;
                m_memoryBytes += outcome->memoryBytes;
                ++m_ranked;
                if (!m_bounds) {
                    const auto i = static_cast<std::size_t>(layer);
                    m_counts[i] = entry.ranking->prunedCountAt(m_level);
                    updateStats(i);
                    updateTotals();
                }
            } else if (outcome.isError()) {
                entry.error = outcome.error();
            }
            Q_EMIT layerRanked(layer);
            Q_EMIT progressChanged(m_ranked, static_cast<int>(m_layers.size()));
            if (isComplete() && m_bounds)
                recomputeCounts();
            if (!m_reading && !m_waiting && m_nextRead >= static_cast<int>(m_layers.size()))
                Q_EMIT finished();
            pump();
        });
}

void ModelRankings::recomputeCounts()
{
    m_counts.assign(m_layers.size(), std::nullopt);
    if (!m_bounds) {
        for (std::size_t i = 0; i < m_layers.size(); ++i)
            if (m_layers[i].ranking)
                m_counts[i] = m_layers[i].ranking->prunedCountAt(m_level);
    } else if (isComplete()) {
        if (const std::vector<std::int64_t>* counts = modelCounts(m_level, *m_bounds))
            for (std::size_t i = 0; i < m_layers.size(); ++i)
                m_counts[i] = (*counts)[i];
    }
    for (std::size_t i = 0; i < m_layers.size(); ++i)
        updateStats(i);
    updateTotals();
    Q_EMIT countsChanged();
}

const std::vector<std::int64_t>* ModelRankings::modelCounts(double level,
                                                            const core::ModelBounds& bounds)
{
    if (m_modelCountCache && m_modelCountCache->level == level &&
        m_modelCountCache->bounds.minLevel == bounds.minLevel &&
        m_modelCountCache->bounds.maxLevel == bounds.maxLevel)
        return &m_modelCountCache->counts;
    std::vector<const core::BlockRanking*> rankings;
    rankings.reserve(m_layers.size());
    for (const Layer& layer : m_layers)
        rankings.push_back(layer.ranking.get());
    try {
        m_modelCountCache =
            ModelCountCache{level, bounds, core::modelPrunedCounts(rankings, level, bounds)};
    } catch (const core::Error&) {
        // Only invalid levels or bounds throw; the panel's ranges admit none. No counts then.
        m_modelCountCache.reset();
        return nullptr;
    }
    return &m_modelCountCache->counts;
}

void ModelRankings::releaseReader()
{
    // HDF5 handles are closed where they were used: on the I/O thread.
    if (m_reader)
        core::startOnPool(*m_ioPool, [reader = std::move(m_reader)] {});
    m_reader.reset();
}

} // namespace sparsity::ui
