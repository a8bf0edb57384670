#include "sparsifier.h"

#include "maskbuilder.h"

#include <cstring>

namespace sparsity::core {

Sparsifier::Sparsifier(const WeightTensor& weights, Caching caching)
    : m_weights(weights)
    , m_caching(caching)
{}

const BlockNorms& Sparsifier::blockNorms(BlockShape block, Norm norm,
                                         const ExecutionContext& context)
{
    return *sharedBlockNorms(block, norm, context);
}

std::shared_ptr<const BlockNorms> Sparsifier::sharedBlockNorms(BlockShape block, Norm norm,
                                                               const ExecutionContext& context)
{
    if (!m_norms || m_norms->grid.block != block || m_norms->norm != norm) {
        // Drop the old norms and everything derived from them first, so a cancelled
        // computation cannot leave a mismatched cache behind.
        m_norms.reset();
        m_sample.keys.clear();
        m_threshold.reset();
        m_ranking.reset();
        m_selections = 0;
        m_norms =
            std::make_shared<const BlockNorms>(computeBlockNorms(m_weights, block, norm, context));
    }
    return m_norms;
}

BlockThreshold Sparsifier::threshold(const SparsityParams& params, std::int64_t k,
                                     const ExecutionContext& context)
{
    const BlockNorms& norms = blockNorms(params.block, params.norm, context);
    if (!m_threshold || m_threshold->prunedCount != k) {
        m_threshold = selectLowestBlocks(norms, m_weights, k, context, &m_sample);
        ++m_selections;
    }
    return *m_threshold;
}

const BlockRanking* Sparsifier::cachedRanking(const SparsityParams& params) const
{
    const bool matches = m_ranking && m_ranking->grid().block == params.block &&
                         m_ranking->norm() == params.norm &&
                         m_ranking->zerosPerBlock() == params.effectiveZerosPerBlock();
    return matches ? m_ranking.get() : nullptr;
}

const BlockRanking* Sparsifier::rankingForLevelChange(const SparsityParams& params, std::int64_t k,
                                                      const ExecutionContext& context)
{
    if (m_caching != Caching::ForParameterChanges)
        return nullptr;
    if (const BlockRanking* kept = cachedRanking(params))
        return kept;
    // A ranking of the same norms for another zeros per block re-sums in one pass.
    if (m_ranking && m_ranking->grid().block == params.block && m_ranking->norm() == params.norm)
        return ranking(params, context).get();
    const bool normsCurrent =
        m_norms && m_norms->grid.block == params.block && m_norms->norm == params.norm;
    const bool sameThreshold = m_threshold && m_threshold->prunedCount == k;
    if (!normsCurrent || m_selections < 1 || sameThreshold)
        return nullptr;
    return ranking(params, context).get();
}

std::shared_ptr<const BlockRanking> Sparsifier::ranking(const SparsityParams& params,
                                                        const ExecutionContext& context)
{
    params.throwIfInvalid();
    const BlockNorms& norms = blockNorms(params.block, params.norm, context);
    if (cachedRanking(params))
        return m_ranking;
    // The blocks' order depends on the norms only: another zeros per block keeps it.
    const bool sameOrder =
        m_ranking && m_ranking->grid().block == params.block && m_ranking->norm() == params.norm;
    std::shared_ptr<const BlockRanking> previous = std::move(m_ranking);
    m_ranking = std::make_shared<const BlockRanking>(
        sameOrder
            ? previous->withZerosPerBlock(m_weights, params.effectiveZerosPerBlock(), context)
            : BlockRanking::build(m_weights, norms, params.effectiveZerosPerBlock(), context));
    return m_ranking;
}

Sparsifier::PatternCache Sparsifier::patternCache(const SparsityParams& params,
                                                  const BlockGrid& grid)
{
    PatternCache cache;
    const std::int64_t zeros = params.effectiveZerosPerBlock();
    if (m_caching != Caching::ForParameterChanges || zeros >= params.block.elementCount() ||
        !ZeroPatterns::supports(params.block))
        return cache;
    cache.cached = cachedZeroPatterns(params);
    if (!cache.cached) {
        m_patterns.reset();
        cache.filling =
            ZeroPatterns{grid, params.norm, zeros,
                         std::vector<std::uint8_t>(static_cast<std::size_t>(grid.blockCount()))};
    }
    return cache;
}

void Sparsifier::keepFilledPatterns(PatternCache& cache)
{
    if (cache.filling) // only once complete: a cancelled pass leaves no half-filled table
        m_patterns = std::move(cache.filling);
}

const ZeroPatterns* Sparsifier::cachedZeroPatterns(const SparsityParams& params) const
{
    const bool matches = m_patterns && m_patterns->grid.block == params.block &&
                         m_patterns->norm == params.norm &&
                         m_patterns->zerosPerBlock == params.effectiveZerosPerBlock();
    return matches ? &*m_patterns : nullptr;
}

void Sparsifier::compute(const SparsityParams& params, const ExecutionContext& context,
                         MaskResult& result)
{
    computeFor(params, std::nullopt, context, result);
}

void Sparsifier::computeWithPrunedCount(const SparsityParams& params, std::int64_t prunedCount,
                                        const ExecutionContext& context, MaskResult& result)
{
    computeFor(params, prunedCount, context, result);
}

void Sparsifier::computeWithThreshold(const SparsityParams& params, const BlockThreshold& threshold,
                                      const ExecutionContext& context, MaskResult& result)
{
    computeFor(params, threshold.prunedCount, context, result, &threshold);
}

void Sparsifier::computeFor(const SparsityParams& params, std::optional<std::int64_t> prunedCount,
                            const ExecutionContext& context, MaskResult& result,
                            const BlockThreshold* known)
{
    params.throwIfInvalid();
    const BlockGrid grid{m_weights.rows(), m_weights.cols(), params.block};
    const std::int64_t blocks = grid.blockCount();
    const std::int64_t elements = m_weights.elementCount();
    const std::int64_t zeros = params.effectiveZerosPerBlock();
    result.mask.resize(static_cast<std::size_t>(elements));

    MaskStats stats;
    stats.elements = elements;
    stats.blocks = blocks;
    WeightSums kept;
    // Step 1 and 2 of docs/SPEC.md "The mask", or a count given by the caller.
    const std::int64_t k = zeros == 0 ? 0
                           : prunedCount
                               ? std::clamp<std::int64_t>(*prunedCount, 0, blocks)
                               : (params.level <= 0.0 ? 0 : prunedBlockCount(params.level, blocks));
    if (k == 0) {
        std::memset(result.mask.data(), 1, result.mask.size());
        result.threshold = BlockThreshold{blocks, 0, 0, -1};
    } else if (k == blocks && zeros == params.block.elementCount()) {
        std::memset(result.mask.data(), 0, result.mask.size());
        result.threshold = BlockThreshold{blocks, blocks, 0, -1};
        stats.zeros = elements;
    } else if (const BlockRanking* ranked = rankingForLevelChange(params, k, context)) {
        // Threshold and statistics from the ranking; the pass only writes the mask.
        result.threshold = ranked->thresholdFor(k);
        PatternCache patterns = patternCache(params, grid);
        buildMask(m_weights,
                  MaskPass{*m_norms, result.threshold, zeros, patterns.cached, patterns.toFill(),
                           false, false},
                  result.mask.data(), context);
        keepFilledPatterns(patterns);
        result.stats = ranked->statsFor(k, m_weights);
        return;
    } else {
        // Norms the mask pass does not read: none at level 1 (every block is pruned whatever
        // its norm); none for one-shot masks of many small blocks (the mask pass recomputes each
        // block row's norms from the weights it reads anyway, which saves a norms array of up
        // to half the weights' size and keeps peak memory near weights + mask).
        const BlockNorms unstored{grid, params.norm, {}};
        std::shared_ptr<const BlockNorms> norms;
        if (k == blocks) {
            result.threshold = BlockThreshold{blocks, blocks, 0, -1};
        } else if (known != nullptr && known->prunedCount == k && known->blockCount == blocks) {
            result.threshold = *known; // the mask pass recomputes the norms it compares
        } else if (m_caching == Caching::OneShot && selectsBetterWithoutStoredNorms(grid)) {
            // The selection reads every weight (unless k is 0): it sums them too, and the mask
            // pass need not.
            const bool sumHere = !m_allWeights && k > 0;
            std::vector<WeightSums> rowSums(sumHere ? std::size_t(m_weights.rows()) : 0);
            result.threshold = selectLowestBlocks(m_weights, grid, params.norm, k, context,
                                                  sumHere ? rowSums.data() : nullptr);
            if (sumHere)
                m_allWeights = addRows(rowSums);
        } else {
            result.threshold = threshold(params, k, context);
            norms = m_norms;
        }
        // Small blocks' zero patterns come from the mask pass, which reads every weight anyway:
        // a one-shot mask computes them for the rows with pruned blocks, a cached sparsifier
        // fills the whole table once per zeros per block and reuses it at every level.
        PatternCache patterns = patternCache(params, grid);
        const MaskBuildResult built =
            buildMask(m_weights,
                      MaskPass{norms ? *norms : unstored, result.threshold, zeros, patterns.cached,
                               patterns.toFill(), !m_allWeights.has_value()},
                      result.mask.data(), context);
        keepFilledPatterns(patterns);
        if (!m_allWeights)
            m_allWeights = built.all;
        stats.zeros = built.zeros;
        kept = built.kept;
    }
    stats.prunedBlocks = result.threshold.prunedCount;
    stats.achievedSparsity =
        elements > 0 ? static_cast<double>(stats.zeros) / static_cast<double>(elements) : 0.0;
    if (!m_allWeights)
        m_allWeights = sumWeights(m_weights, context);
    // The shortcuts above keep everything or nothing.
    if (stats.zeros == 0)
        kept = *m_allWeights;
    else if (stats.zeros == elements)
        kept = WeightSums{};
    setRetention(stats, *m_allWeights, kept);
    result.stats = stats;
}

MaskResult Sparsifier::compute(const SparsityParams& params, const ExecutionContext& context)
{
    MaskResult result;
    compute(params, context, result);
    return result;
}

MaskResult computeMask(const WeightTensor& weights, const SparsityParams& params,
                       const ExecutionContext& context)
{
    Sparsifier sparsifier(weights, Sparsifier::Caching::OneShot);
    return sparsifier.compute(params, context);
}

} // namespace sparsity::core
