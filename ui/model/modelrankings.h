#pragma once

#include "io/datasetinfo.h"
#include "mask/maskstats.h"
#include "ranking/blockranking.h"
#include "ranking/modelscope.h"
#include "session/session.h"

#include <QHash>
#include <QObject>
#include <QString>
#include <atomic>
#include <memory>
#include <optional>
#include <vector>

class QThreadPool;

namespace sparsity::core {
class TensorReader;
class WeightTensor;
} // namespace sparsity::core

namespace sparsity::ui {

// The block rankings of every layer of a model at one configuration, streamed: each layer is
// read on the I/O pool, ranked on the compute pool and its weights dropped, in file order, rows
// filling in as layers finish. The rankings stay, so the pruned counts of any level, each layer
// alone or model-wide (docs/SPEC.md "Model scope"), are binary searches on the UI thread and a
// level change never ranks again. A new file or configuration cancels the stream and starts
// over; nothing computed for the old one is kept or shown. UI thread only.
//
// Memory: per layer its ranking: the sorted order keys (4 bytes a block for float16/32 weights,
// 8 for float64), the block numbers (4 bytes a block) and running sums at every chunk boundary.
// Weights are dropped, except those of small layers (at most smallLayerChunks chunks of blocks
// and smallLayerBytes, smallLayersBudget in all): a layer of a few chunks is where the
// ranking's estimate is crudest, and its weights cost little, so its statistics stay exact at
// every level for the price of one small chunk read. While streaming, at most
// two layers' weights are held: the one being ranked and the next one, read ahead.
class ModelRankings final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ModelRankings)

public:
    struct Layer
    {
        core::DatasetInfo info;
        std::int64_t blocks = 0;                           // at the configuration
        std::shared_ptr<const core::BlockRanking> ranking; // null until ranked
        std::shared_ptr<const core::WeightTensor> weights; // small layers only
        // Statistics computed from the weights (exact), valid for exact->prunedBlocks blocks.
        std::optional<core::MaskStats> exact;
        QString error; // why the layer could not be read or ranked
        // docs/SPEC.md "Layout" and "View": the matrix the layer is ranked as.
        core::TensorOrientation orientation;
    };

    // The pools are not owned and must outlive this object (the session's).
    ModelRankings(QThreadPool* ioPool, QThreadPool* computePool, QObject* parent = nullptr);
    ~ModelRankings() override;

    // The layers of a newly opened file (their order is the model's) and its reader, which
    // this object dereferences on the I/O pool only. A null reader clears.
    // Each layer is ranked as the matrix of its orientation (the default when not in
    // orientations); kerasFile is what auto means for the file.
    void setFile(std::shared_ptr<core::TensorReader> reader, std::vector<core::DatasetInfo> layers,
                 bool kerasFile = false,
                 const QHash<QString, core::TensorOrientation>& orientations = {});
    // A layer's layout or view changed: its matrix, so the model's counts, change; ranks again.
    void setOrientation(const QString& datasetPath, core::TensorOrientation orientation);
    // Ranks again unless the configuration gives the same masks.
    void setConfiguration(const core::Configuration& configuration);
    // The level the counts are for: each layer ranked alone (no bounds) or model-wide.
    void setLevel(double level, std::optional<core::ModelBounds> bounds);
    // Ranks only while active (someone looks at the model); the work done is kept.
    void setActive(bool active);

    const core::TensorReader* reader() const { return m_reader.get(); }
    const std::vector<Layer>& layers() const { return m_layers; }
    core::Configuration configuration() const { return m_configuration; }
    double level() const { return m_level; }
    std::optional<core::ModelBounds> bounds() const { return m_bounds; }
    int rankedCount() const { return m_ranked; }
    // Every layer ranked (none failed): model-scope counts exist.
    bool isComplete() const;
    // A layer is read or ranked now, or waits for it.
    bool isBusy() const;
    // The first layer's error, if any (model scope cannot be computed then).
    QString failure() const;
    static constexpr std::int64_t smallLayerChunks = 8;
    static constexpr std::int64_t smallLayerBytes = std::int64_t{1} << 20;
    static constexpr std::int64_t smallLayersBudget = std::int64_t{64} << 20;

    // Bytes the rankings keep (keys, block numbers, sums, small layers' weights).
    std::int64_t memoryBytes() const { return m_memoryBytes; }

    // The pruned blocks of a layer at the level and scope set; nullopt while unknown: the layer
    // is not ranked yet, or in model scope some layer is not.
    std::optional<std::int64_t> prunedCount(int layer) const;
    // A layer's statistics at that count: exact when they were computed from its weights for
    // that count, else estimated from the ranking (integers exact, ratios within one chunk).
    std::optional<core::MaskStats> stats(int layer) const;
    // Whether stats(layer) is exact.
    bool isExact(int layer) const;
    // The model's numbers (core::combineStats) once every layer has statistics.
    std::optional<core::MaskStats> totals() const;

    // A layer's share of the model-wide mask for the session (Session::ModelCounts): Model with
    // its count only if reader is this file's, the configuration is the one ranked and every
    // layer is ranked; OutsideModel for a layer that is none of the model's; ModelUnavailable
    // with the reason once a layer of the model cannot be read or ranked.
    Session::ModelCount modelCount(const core::TensorReader* reader, const QString& datasetPath,
                                   const core::SparsityParams& params,
                                   const core::ModelBounds& bounds);
    // Statistics of a layer computed elsewhere from its weights (the shown snapshot's): used
    // for the layer when the configuration is the one ranked and the count is the current one.
    void setExactStats(const QString& datasetPath, const core::Configuration& configuration,
                       const core::MaskStats& stats);

Q_SIGNALS:
    // New rows (file or configuration): everything shown so far is gone.
    void rowsReset();
    void layerRanked(int layer);
    // Counts or statistics of every row may have changed (level, scope, exact statistics).
    void countsChanged();
    void progressChanged(int ranked, int total);
    // Every layer is ranked (or the last one failed): model-scope counts may now be answered.
    void finished();

private:
    struct Weights
    {
        int layer = 0;
        std::shared_ptr<const core::WeightTensor> tensor;
    };
    struct Built
    {
        std::shared_ptr<const core::BlockRanking> ranking;
        std::shared_ptr<const core::WeightTensor> weights; // when kept
        core::MaskStats exact;
        std::int64_t memoryBytes = 0;
    };

    void restart();
    void pump();
    void startRead(int layer);
    void startBuild(Weights weights);
    void recomputeCounts();
    // The statistics of a layer at its count, and the model's, from what is known.
    void updateStats(std::size_t layer);
    void updateTotals();
    const std::vector<std::int64_t>* modelCounts(double level, const core::ModelBounds& bounds);
    void releaseReader();

    QThreadPool* m_ioPool;
    QThreadPool* m_computePool;
    std::shared_ptr<core::TensorReader> m_reader;
    std::vector<Layer> m_layers;
    bool m_kerasFile = false;
    core::Configuration m_configuration;
    double m_level = 0.5;
    std::optional<core::ModelBounds> m_bounds;
    bool m_active = false;

    // The stream: a generation per restart, whose jobs share one cancel flag.
    quint64 m_generation = 0;
    std::shared_ptr<std::atomic<bool>> m_cancel;
    int m_nextRead = 0;
    bool m_reading = false;
    bool m_building = false;
    std::optional<Weights> m_waiting; // read, not being ranked yet
    int m_ranked = 0;
    std::int64_t m_memoryBytes = 0;

    std::vector<std::optional<std::int64_t>> m_counts;
    std::vector<std::optional<core::MaskStats>> m_stats; // at m_counts
    std::vector<bool> m_exact;                           // m_stats from weights
    std::optional<core::MaskStats> m_totals;
    std::int64_t m_keptWeightBytes = 0;
    // modelPrunedCounts of the last level and bounds asked for, while the rankings stay.
    struct ModelCountCache
    {
        double level = -1.0;
        core::ModelBounds bounds;
        std::vector<std::int64_t> counts;
    };
    std::optional<ModelCountCache> m_modelCountCache;
};

} // namespace sparsity::ui
