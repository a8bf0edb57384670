#include "testsnapshots.h"

#include "mask/sparsifier.h"

namespace sparsity::test {

std::shared_ptr<const ui::LayerSnapshot>
makeSnapshot(core::WeightTensor weights, const core::SparsityParams& params, bool withMask)
{
    auto snapshot = std::make_shared<ui::LayerSnapshot>();
    snapshot->datasetPath = QStringLiteral("/test/weight");
    snapshot->weights = std::make_shared<const core::WeightTensor>(std::move(weights));
    snapshot->params = params;
    if (!withMask)
        return snapshot;
    const core::ExecutionContext context;
    core::Sparsifier sparsifier(*snapshot->weights);
    core::MaskResult result = sparsifier.compute(params, context);
    snapshot->norms = sparsifier.sharedBlockNorms(params.block, params.norm, context);
    snapshot->threshold = result.threshold;
    snapshot->stats = result.stats;
    snapshot->mask = std::make_shared<const core::MaskBytes>(std::move(result.mask));
    snapshot->generation = 1;
    return snapshot;
}

} // namespace sparsity::test
