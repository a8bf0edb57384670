#pragma once

#include "blocknorms.h"
#include "blockthreshold.h"
#include "maskbytes.h"
#include "maskstats.h"
#include "ranking/blockranking.h"
#include "zeropattern.h"

#include <memory>
#include <optional>

namespace sparsity::core {

// A finished mask and what describes it.
struct MaskResult
{
    MaskBytes mask;           // row-major in the tensor's shape, 1 = keep
    BlockThreshold threshold; // which blocks are pruned
    MaskStats stats;
};

// Computes masks for one tensor and keeps what the next parameter change can reuse: the block
// norms (and their sample) of the last block shape and norm, the last threshold, the zero
// patterns of the last zeros per block, and the sums over all weights. A level change then
// costs one selection pass and the mask writes; a zeros change, one pattern pass and the mask.
// Not thread-safe: one owner thread at a time; the tensor must outlive it.
class Sparsifier
{
public:
    // What a sparsifier keeps between calls. OneShot drops the block norms as soon as the
    // threshold is known and recomputes them row by row in the mask pass, so a single mask
    // (the CLI, an export) needs little more memory than the weights and the mask.
    enum class Caching
    {
        ForParameterChanges,
        OneShot,
    };
    explicit Sparsifier(const WeightTensor& weights,
                        Caching caching = Caching::ForParameterChanges);

    // Throws Error(InvalidParameter) for invalid params and Error(Cancelled) when asked to
    // stop. The overload with a result reuses its mask buffer.
    MaskResult compute(const SparsityParams& params, const ExecutionContext& context);
    void compute(const SparsityParams& params, const ExecutionContext& context, MaskResult& result);

    // The mask that prunes exactly prunedCount blocks (clamped to [0, blocks]) with the
    // params' block, zeros per block and norm, whatever params.level says: a dataset's part of
    // a model-scope mask (ranking/modelscope.h). Zeros per block 0 still prunes nothing.
    void computeWithPrunedCount(const SparsityParams& params, std::int64_t prunedCount,
                                const ExecutionContext& context, MaskResult& result);
    // The same mask when its threshold is known already (BucketedNorms::thresholdAt, which
    // model scope has at hand): the mask pass alone, without a selection pass.
    void computeWithThreshold(const SparsityParams& params, const BlockThreshold& threshold,
                              const ExecutionContext& context, MaskResult& result);

    // The ranking of the current block shape, norm and zeros per block, built now or reused:
    // with it a level change costs O(1) for the threshold and one chunk for the statistics, and
    // the mask pass only writes. compute() builds it by itself on the second level change for
    // the same norms (one change does not pay for a sort).
    std::shared_ptr<const BlockRanking> ranking(const SparsityParams& params,
                                                const ExecutionContext& context);

    // The norms for a shape and norm, computed now or reused from the last call. The shared
    // form lets views keep them (immutable) after the sparsifier moves on.
    const BlockNorms& blockNorms(BlockShape block, Norm norm, const ExecutionContext& context);
    std::shared_ptr<const BlockNorms> sharedBlockNorms(BlockShape block, Norm norm,
                                                       const ExecutionContext& context);
    const WeightTensor& weights() const { return m_weights; }

private:
    void computeFor(const SparsityParams& params, std::optional<std::int64_t> prunedCount,
                    const ExecutionContext& context, MaskResult& result,
                    const BlockThreshold* known = nullptr);
    BlockThreshold threshold(const SparsityParams& params, std::int64_t k,
                             const ExecutionContext& context);
    const BlockRanking* cachedRanking(const SparsityParams& params) const;
    // The ranking to use for pruning k blocks, or null to select: a kept ranking, or a new one
    // when the norms are already on their second selection (a level slider is moving).
    const BlockRanking* rankingForLevelChange(const SparsityParams& params, std::int64_t k,
                                              const ExecutionContext& context);
    const ZeroPatterns* cachedZeroPatterns(const SparsityParams& params) const;
    // The zero patterns a mask pass reads (kept ones), or fills (none kept yet) for small
    // blocks of a cached sparsifier; nothing otherwise.
    struct PatternCache
    {
        const ZeroPatterns* cached = nullptr;
        std::optional<ZeroPatterns> filling;
        ZeroPatterns* toFill() { return filling ? &*filling : nullptr; }
    };
    PatternCache patternCache(const SparsityParams& params, const BlockGrid& grid);
    void keepFilledPatterns(PatternCache& cache);

    const WeightTensor& m_weights;
    const Caching m_caching;
    std::shared_ptr<const BlockNorms> m_norms;
    NormSample m_sample;                           // of m_norms
    std::optional<BlockThreshold> m_threshold;     // of m_norms
    std::shared_ptr<const BlockRanking> m_ranking; // of m_norms
    int m_selections = 0;                          // on m_norms without a ranking
    std::optional<ZeroPatterns> m_patterns;
    std::optional<WeightSums> m_allWeights;
};

// One-shot convenience (Caching::OneShot): validate, norms, selection, mask and statistics.
MaskResult computeMask(const WeightTensor& weights, const SparsityParams& params,
                       const ExecutionContext& context);

} // namespace sparsity::core
