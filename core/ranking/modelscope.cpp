#include "modelscope.h"

#include "error.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace sparsity::core {
namespace {

// round_half_even(level * n), as k is rounded (docs/SPEC.md "The mask").
std::int64_t roundedShare(double level, std::int64_t n)
{
    const double share = std::nearbyint(level * static_cast<double>(n));
    return std::clamp<std::int64_t>(static_cast<std::int64_t>(share), 0, n);
}

// The blocks of one dataset that the shared ranking may still take: its ranks lo..hi-1.
// Source is a BlockRanking or BucketedNorms.
template <typename Source> struct Candidates
{
    const Source* ranking;
    std::int64_t lo = 0;
    std::int64_t hi = 0;

    // Candidates whose norm sorts before a double's key.
    std::int64_t below(std::uint64_t key) const
    {
        return std::clamp<std::int64_t>(ranking->countBelow(key) - lo, 0, hi - lo);
    }
    std::int64_t atOrBelow(std::uint64_t key) const
    {
        if (key == std::numeric_limits<std::uint64_t>::max())
            return hi - lo;
        return below(key + 1);
    }
};

template <typename Source>
std::int64_t totalBelow(const std::vector<Candidates<Source>>& all, std::uint64_t key)
{
    std::int64_t total = 0;
    for (const Candidates<Source>& c : all)
        total += c.below(key);
    return total;
}

template <typename Source>
std::vector<std::int64_t> prunedCountsOf(std::span<const Source* const> rankings, double level,
                                         const ModelBounds& bounds)
{
    if (!(level >= 0.0 && level <= 1.0))
        throw Error(ErrorCode::InvalidParameter,
                    QStringLiteral("Sparsity level must be between 0 and 1, got %1.").arg(level));
    if (const auto problem = bounds.validate())
        throw Error(ErrorCode::InvalidParameter, *problem);
    std::vector<std::int64_t> counts(rankings.size(), 0);
    if (rankings.empty())
        return counts;
    const Configuration configuration = rankings.front()->configuration();
    for (const Source* ranking : rankings)
        if (!ranking->configuration().sameMasksAs(configuration))
            throw Error(ErrorCode::InvalidParameter,
                        QStringLiteral("Model scope ranks every dataset with one configuration."));
    if (level <= 0.0 || configuration.effectiveZerosPerBlock() == 0)
        return counts;
    std::int64_t blocks = 0;
    for (const Source* ranking : rankings)
        blocks += ranking->blockCount();
    if (level >= 1.0) {
        for (std::size_t d = 0; d < rankings.size(); ++d)
            counts[d] = rankings[d]->blockCount();
        return counts;
    }
    // First each dataset's own lower bound, then the rest from one merged order.
    const std::int64_t k = prunedBlockCount(level, blocks);
    std::vector<Candidates<Source>> candidates;
    std::int64_t lowerBounds = 0, available = 0;
    for (const Source* ranking : rankings) {
        const std::int64_t n = ranking->blockCount();
        const std::int64_t lo = roundedShare(bounds.minLevel, n);
        const std::int64_t hi = std::max(lo, roundedShare(bounds.maxLevel, n));
        candidates.push_back({ranking, lo, hi});
        lowerBounds += lo;
        available += hi - lo;
    }
    const std::int64_t rest = std::max<std::int64_t>(0, k - lowerBounds);
    if (rest >= available) {
        for (std::size_t d = 0; d < candidates.size(); ++d)
            counts[d] = candidates[d].hi;
        return counts;
    }
    // The key of the rest-th candidate in the merged order: the largest key with at most `rest`
    // candidates before it. Bisection over the key space; each step is a binary search per
    // dataset.
    std::uint64_t low = 0, high = std::numeric_limits<std::uint64_t>::max();
    while (low < high) {
        const std::uint64_t mid = low + (high - low) / 2 + 1;
        if (totalBelow(candidates, mid) <= rest)
            low = mid;
        else
            high = mid - 1;
    }
    const std::uint64_t boundary = low;
    // Everything below the boundary key, then blocks at it by dataset order (and, inside a
    // dataset, by block number: its ranks are in that order).
    std::int64_t left = rest;
    for (std::size_t d = 0; d < candidates.size(); ++d) {
        const std::int64_t taken = candidates[d].below(boundary);
        counts[d] = candidates[d].lo + taken;
        left -= taken;
    }
    for (std::size_t d = 0; d < candidates.size() && left > 0; ++d) {
        const std::int64_t atBoundary =
            candidates[d].atOrBelow(boundary) - candidates[d].below(boundary);
        const std::int64_t taken = std::min(left, atBoundary);
        counts[d] += taken;
        left -= taken;
    }
    return counts;
}

} // namespace

std::optional<QString> ModelBounds::validate() const
{
    const auto inRange = [](double v) { return v >= 0.0 && v <= 1.0; };
    if (!inRange(minLevel) || !inRange(maxLevel))
        return QStringLiteral("Per-layer bounds must be between 0 and 1, got %1 and %2.")
            .arg(minLevel)
            .arg(maxLevel);
    if (minLevel > maxLevel)
        return QStringLiteral("The per-layer minimum level %1 is above the maximum %2.")
            .arg(minLevel)
            .arg(maxLevel);
    return std::nullopt;
}

std::vector<std::int64_t> modelPrunedCounts(std::span<const BlockRanking* const> rankings,
                                            double level, const ModelBounds& bounds)
{
    return prunedCountsOf(rankings, level, bounds);
}

std::vector<std::int64_t> modelPrunedCounts(std::span<const BucketedNorms* const> datasets,
                                            double level, const ModelBounds& bounds)
{
    return prunedCountsOf(datasets, level, bounds);
}

} // namespace sparsity::core
