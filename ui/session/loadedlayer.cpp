#include "loadedlayer.h"

namespace sparsity::ui {

LoadedLayer::LoadedLayer(QString datasetPath, std::shared_ptr<const core::WeightTensor> weights,
                         std::shared_ptr<const core::MatrixMapping> mapping)
    : m_datasetPath(std::move(datasetPath))
    , m_weights(std::move(weights))
    , m_mapping(std::move(mapping))
    , m_sparsifier(*m_weights)
{}

std::int64_t LoadedLayer::memoryBytes() const
{
    const std::int64_t elementBytes = m_weights->precision() == core::Precision::Float32 ? 4 : 8;
    return m_weights->elementCount() * elementBytes;
}

LayerSnapshot LoadedLayer::compute(const core::SparsityParams& params,
                                   std::optional<std::int64_t> prunedCount,
                                   const core::ExecutionContext& context)
{
    params.throwIfInvalid();
    // The views show the norms at every level, also where the mask needs none (level 0 or 1);
    // the sparsifier shares its cached ones, so a level change copies nothing.
    std::shared_ptr<const core::BlockNorms> norms =
        m_sparsifier.sharedBlockNorms(params.block, params.norm, context);

    core::MaskResult result;
    if (prunedCount)
        m_sparsifier.computeWithPrunedCount(params, *prunedCount, context, result);
    else
        m_sparsifier.compute(params, context, result);

    LayerSnapshot snapshot;
    snapshot.datasetPath = m_datasetPath;
    snapshot.weights = m_weights;
    snapshot.mapping = m_mapping;
    snapshot.norms = std::move(norms);
    snapshot.mask = std::make_shared<const core::MaskBytes>(std::move(result.mask));
    snapshot.params = params;
    snapshot.threshold = result.threshold;
    snapshot.stats = result.stats;
    return snapshot;
}

} // namespace sparsity::ui
