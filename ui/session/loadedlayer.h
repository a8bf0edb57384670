#pragma once

#include "layersnapshot.h"
#include "mask/sparsifier.h"

#include <QString>
#include <memory>
#include <optional>

namespace sparsity::ui {

// One layer's weights, read once, and the Sparsifier that keeps its norms and thresholds so a
// level change is cheap. The weights are immutable and readable from any thread; compute() is
// not thread-safe: the session's layer job runner is its only caller, one job at a time.
class LoadedLayer
{
public:
    // mapping: how the stored dataset became `weights` (null: it is the stored tensor).
    LoadedLayer(QString datasetPath, std::shared_ptr<const core::WeightTensor> weights,
                std::shared_ptr<const core::MatrixMapping> mapping = nullptr);
    LoadedLayer(const LoadedLayer&) = delete;
    LoadedLayer& operator=(const LoadedLayer&) = delete;

    const QString& datasetPath() const { return m_datasetPath; }
    const std::shared_ptr<const core::WeightTensor>& weights() const { return m_weights; }
    const std::shared_ptr<const core::MatrixMapping>& mapping() const { return m_mapping; }
    std::int64_t memoryBytes() const;

    // The norms, threshold, mask and statistics for params; with prunedCount, the mask that
    // prunes that many blocks whatever params.level says (a model-scope share). Throws
    // core::Error (Cancelled when asked to stop, InvalidParameter for invalid params).
    LayerSnapshot compute(const core::SparsityParams& params,
                          std::optional<std::int64_t> prunedCount,
                          const core::ExecutionContext& context);

private:
    QString m_datasetPath;
    std::shared_ptr<const core::WeightTensor> m_weights; // before m_sparsifier, which refers to it
    std::shared_ptr<const core::MatrixMapping> m_mapping;
    core::Sparsifier m_sparsifier;
};

} // namespace sparsity::ui
