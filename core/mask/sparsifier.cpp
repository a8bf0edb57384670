#include "sparsifier.h"

#include "maskbuilder.h"

namespace sparsity::core {

Sparsifier::Sparsifier(const WeightTensor& weights)
    : m_weights(weights)
{
}

const BlockNorms& Sparsifier::blockNorms(BlockShape block, Norm norm,
                                         const ExecutionContext& context)
{
    if (!m_norms || m_norms->grid.block != block || m_norms->norm != norm) {
        m_norms.reset(); // a cancelled computation must not leave stale norms behind
        m_norms = computeBlockNorms(m_weights, block, norm, context);
    }
    return *m_norms;
}

MaskResult Sparsifier::compute(const SparsityParams& params, const ExecutionContext& context)
{
    params.throwIfInvalid();
    const BlockGrid grid{m_weights.rows(), m_weights.cols(), params.block};
    const std::int64_t zeros = params.effectiveZerosPerBlock();
    const std::int64_t blockElements = params.block.elementCount();

    MaskResult result;
    if (params.level <= 0.0 || zeros == 0) {
        result.mask.assign(static_cast<std::size_t>(m_weights.elementCount()), 1);
    } else if (params.level >= 1.0 && zeros == blockElements) {
        result.mask.assign(static_cast<std::size_t>(m_weights.elementCount()), 0);
        result.selection.prunedCount = grid.blockCount();
        result.selection.pruned.assign(static_cast<std::size_t>(grid.blockCount()), 1);
    } else {
        const std::int64_t k = prunedBlockCount(params.level, grid.blockCount());
        if (k == grid.blockCount()) {
            // Level 1 prunes every block whatever the norms: skip computing them.
            result.selection.prunedCount = k;
            result.selection.pruned.assign(static_cast<std::size_t>(k), 1);
        } else {
            result.selection = selectLowestBlocks(blockNorms(params.block, params.norm, context),
                                                  k, context);
        }
        result.mask =
            buildMask(m_weights, grid, params.norm, result.selection, zeros, context);
    }
    result.stats = computeMaskStats(m_weights, result.mask, grid.blockCount(),
                                    result.selection.prunedCount, context);
    return result;
}

MaskResult computeMask(const WeightTensor& weights, const SparsityParams& params,
                       const ExecutionContext& context)
{
    Sparsifier sparsifier(weights);
    return sparsifier.compute(params, context);
}

} // namespace sparsity::core
