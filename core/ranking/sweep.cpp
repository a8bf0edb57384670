#include "sweep.h"

#include "blocksums.h"
#include "error.h"
#include "mask/normkeys.h"
#include "parallel/parallelfor.h"

#include <algorithm>
#include <bit>

namespace sparsity::core {
namespace {

// Norms are located by the top 24 bits of the float key of the norm (a double norm is first
// rounded to float, which keeps the order): a bucket is the top 16 (128 buckets per octave), a
// sub-bucket the next 8. Counting buckets, then the sub-buckets of the few buckets that hold a
// threshold, leaves only a few blocks per threshold to compare one by one.
constexpr std::size_t bucketCount = std::size_t{1} << 16;
constexpr std::size_t subCount = std::size_t{1} << 8;

template <typename T> std::uint32_t fineBucketOf(detail::OrderKey<T> key)
{
    if constexpr (sizeof(T) == 4) {
        return key >> 7;
    } else {
        const double value = std::bit_cast<double>(key); // a key is the value's bits (NaN: one)
        return detail::nonNegativeKey(static_cast<float>(value)) >> 7;
    }
}

// A threshold: the last block pruned at some k, as (key, block) in the total order.
template <typename Key> struct Threshold
{
    Key key;
    std::uint32_t block;
    std::int64_t k;
};

// Whether threshold t comes before the block (key, block) in the total order.
template <typename Key> bool before(const Threshold<Key>& t, Key key, std::uint32_t block)
{
    return t.key < key || (t.key == key && t.block < block);
}

// The statistics at every k from the blocks summed by segment: segment s holds the blocks
// after the s-th threshold (inner[s - 1]), so pruning inner[j] blocks takes segments 0..j.
std::vector<MaskStats>
statsBySegment(const WeightTensor& weights, const BlockGrid& grid,
               const Configuration& configuration, std::span<const std::int64_t> ks,
               const std::vector<std::int64_t>& inner, std::size_t segmentCount,
               const detail::SegmentOfBlocks& segmentOf, const ExecutionContext& context)
{
    const std::int64_t n = grid.blockCount();
    const int scaleExponent = detail::sumScaleExponent(weights, context);
    const detail::SegmentedSums sums = detail::sumBlocksBySegment(
        weights, grid, configuration.norm, configuration.effectiveZerosPerBlock(), scaleExponent,
        static_cast<std::int64_t>(segmentCount), segmentOf, context);
    const detail::RunningSums running = detail::RunningSums::of(sums.segments);
    const detail::RankedTotals totals{grid.matrixRows * grid.matrixCols,
                                      n,
                                      sums.nonFiniteWeights,
                                      running.suffixWholeEnergy[0],
                                      running.suffixWholeL1[0],
                                      scaleExponent};
    std::vector<MaskStats> rows;
    rows.reserve(ks.size());
    for (std::int64_t k : ks) {
        const std::size_t taken =
            k <= 0   ? 0
            : k >= n ? segmentCount
                     : static_cast<std::size_t>(std::lower_bound(inner.begin(), inner.end(), k) -
                                                inner.begin()) +
                           1;
        rows.push_back(detail::statsFromSums(
            totals, std::clamp<std::int64_t>(k, 0, n), running.prefixZeros[taken],
            running.prefixKeptInsideEnergy[taken] + running.suffixWholeEnergy[taken],
            running.prefixKeptInsideL1[taken] + running.suffixWholeL1[taken]));
    }
    return rows;
}

// Every k is 0 or every block: one segment, no norms read.
std::vector<MaskStats> sweepWithoutThresholds(const WeightTensor& weights, const BlockGrid& grid,
                                              const Configuration& configuration,
                                              std::span<const std::int64_t> ks,
                                              const ExecutionContext& context)
{
    const std::int64_t gridCols = grid.gridCols();
    return statsBySegment(
        weights, grid, configuration, ks, {}, 1,
        [gridCols](std::int64_t, std::uint32_t* segments) {
            std::fill(segments, segments + gridCols, 0u);
        },
        context);
}

template <typename T, typename KeySource>
std::vector<MaskStats> sweepWithKeys(const WeightTensor& weights, const BlockGrid& grid,
                                     const Configuration& configuration,
                                     std::span<const std::int64_t> ks, const KeySource& keyOf,
                                     const ExecutionContext& context)
{
    using Key = detail::OrderKey<T>;
    const std::int64_t n = grid.blockCount();
    const std::int64_t parts = std::clamp<std::int64_t>(n / 65536, 1, context.threadCount());
    const auto eachPart = [&](const auto& body) {
        parallelFor(context, 0, parts, 1, [&](std::int64_t from, std::int64_t to) {
            for (std::int64_t part = from; part < to; ++part)
                body(part, n * part / parts, n * (part + 1) / parts);
        });
    };

    // The thresholds needed: one per distinct k strictly between 0 and n.
    std::vector<std::int64_t> inner;
    for (std::int64_t k : ks)
        if (k > 0 && k < n)
            inner.push_back(k);
    std::sort(inner.begin(), inner.end());
    inner.erase(std::unique(inner.begin(), inner.end()), inner.end());

    if (inner.empty())
        return sweepWithoutThresholds(weights, grid, configuration, ks, context);

    // Count the blocks per bucket, then find the bucket of every threshold.
    const auto countPerPart = [&](std::size_t size, const auto& slotOf) {
        std::vector<std::vector<std::uint32_t>> partCounts(static_cast<std::size_t>(parts));
        eachPart([&](std::int64_t part, std::int64_t from, std::int64_t to) {
            auto& counts = partCounts[static_cast<std::size_t>(part)];
            counts.assign(size, 0);
            std::uint32_t* const count = counts.data();
            const KeySource key = keyOf;
            for (std::int64_t b = from; b < to; ++b)
                ++count[slotOf(fineBucketOf<T>(key(b)))];
        });
        std::vector<std::int64_t> total(size, 0);
        for (const auto& counts : partCounts)
            for (std::size_t i = 0; i < size; ++i)
                total[i] += counts[i];
        return total;
    };
    const std::vector<std::int64_t> perBucket =
        countPerPart(bucketCount, [](std::uint32_t fine) { return fine >> 8; });
    // For each threshold (in k order, so in bucket order): its bucket and its rank there.
    std::vector<std::uint32_t> bucketOfThreshold;
    std::vector<std::int64_t> rankInBucket;
    {
        std::size_t bucket = 0;
        std::int64_t below = 0; // blocks in buckets before `bucket`
        for (std::int64_t k : inner) {
            // The k-th smallest block (1-based) lies in the bucket where the counts pass k.
            while (below + perBucket[bucket] < k)
                below += perBucket[bucket++];
            bucketOfThreshold.push_back(static_cast<std::uint32_t>(bucket));
            rankInBucket.push_back(k - 1 - below);
        }
    }
    // The buckets that hold a threshold, numbered; the others share slot `boundaryBuckets`.
    std::vector<std::uint32_t> boundarySlot(bucketCount, 0);
    std::uint32_t boundaryBuckets = 0;
    for (std::size_t j = 0; j < inner.size(); ++j)
        if (j == 0 || bucketOfThreshold[j] != bucketOfThreshold[j - 1])
            boundarySlot[bucketOfThreshold[j]] = ++boundaryBuckets; // 1-based for now
    for (auto& slot : boundarySlot)
        slot = slot == 0 ? boundaryBuckets : slot - 1;
    // Count the sub-buckets of those buckets (the others count into one spare row, which keeps
    // the loop free of branches), then find each threshold's sub-bucket and rank there.
    const std::vector<std::int64_t> perSub =
        countPerPart((boundaryBuckets + 1) * subCount, [&](std::uint32_t fine) {
            return boundarySlot[fine >> 8] * subCount + (fine & (subCount - 1));
        });
    std::vector<std::uint32_t> fineOfThreshold;
    std::vector<std::int64_t> rankInFine;
    for (std::size_t j = 0; j < inner.size(); ++j) {
        const std::size_t row = boundarySlot[bucketOfThreshold[j]] * subCount;
        std::size_t sub = 0;
        std::int64_t rank = rankInBucket[j];
        while (rank >= perSub[row + sub])
            rank -= perSub[row + sub++];
        fineOfThreshold.push_back(bucketOfThreshold[j] << 8 | static_cast<std::uint32_t>(sub));
        rankInFine.push_back(rank);
    }
    // The blocks of the sub-buckets that hold a threshold, in (key, block) order; each
    // threshold is the block at its rank there.
    std::vector<std::uint32_t> boundaryFine(fineOfThreshold);
    boundaryFine.erase(std::unique(boundaryFine.begin(), boundaryFine.end()), boundaryFine.end());
    std::vector<std::uint8_t> boundarySub((boundaryBuckets + 1) * subCount, 0);
    for (std::uint32_t fine : boundaryFine)
        boundarySub[boundarySlot[fine >> 8] * subCount + (fine & (subCount - 1))] = 1;
    std::vector<std::vector<std::pair<Key, std::uint32_t>>> partFound(
        static_cast<std::size_t>(parts));
    eachPart([&](std::int64_t part, std::int64_t from, std::int64_t to) {
        auto& found = partFound[static_cast<std::size_t>(part)];
        // Locals, so that the rare append does not make the loop reload them.
        const KeySource key = keyOf;
        const std::uint32_t* const slots = boundarySlot.data();
        const std::uint8_t* const subs = boundarySub.data();
        for (std::int64_t b = from; b < to; ++b) {
            const Key k = key(b);
            const std::uint32_t fine = fineBucketOf<T>(k);
            if (subs[slots[fine >> 8] * subCount + (fine & (subCount - 1))] != 0) [[unlikely]]
                found.emplace_back(k, static_cast<std::uint32_t>(b));
        }
    });
    std::vector<std::vector<std::pair<Key, std::uint32_t>>> inFine(boundaryFine.size());
    for (const auto& found : partFound)
        for (const auto& item : found) {
            const auto at = std::lower_bound(boundaryFine.begin(), boundaryFine.end(),
                                             fineBucketOf<T>(item.first));
            inFine[static_cast<std::size_t>(at - boundaryFine.begin())].push_back(item);
        }
    partFound.clear();
    for (auto& items : inFine)
        std::sort(items.begin(), items.end());
    std::vector<Threshold<Key>> thresholds;
    for (std::size_t j = 0; j < inner.size(); ++j) {
        const auto at =
            std::lower_bound(boundaryFine.begin(), boundaryFine.end(), fineOfThreshold[j]);
        const auto& item = inFine[static_cast<std::size_t>(at - boundaryFine.begin())]
                                 [static_cast<std::size_t>(rankInFine[j])];
        thresholds.push_back({item.first, item.second, inner[j]});
    }
    // Segment s holds the blocks after s thresholds: pruned at the j-th k exactly when j >= s.
    // A block's segment is the number of thresholds in sub-buckets before its own, plus, in a
    // sub-bucket that holds thresholds, those before it in the total order. bucketInfo holds
    // that number for a bucket without thresholds, else `inBoundary | its slot`; subInfo holds
    // it for each sub-bucket of those, with `inBoundary` when the sub-bucket has thresholds.
    constexpr std::uint32_t inBoundary = 0x80000000u;
    std::vector<std::uint32_t> bucketInfo(bucketCount, 0);
    std::vector<std::uint32_t> subInfo(boundaryBuckets * subCount, 0);
    {
        std::size_t j = 0;
        for (std::size_t b = 0; b < bucketCount; ++b) {
            while (j < thresholds.size() && bucketOfThreshold[j] < b)
                ++j;
            const std::uint32_t slot = boundarySlot[b];
            if (slot == boundaryBuckets) {
                bucketInfo[b] = static_cast<std::uint32_t>(j);
                continue;
            }
            bucketInfo[b] = inBoundary | slot;
            std::size_t i = j;
            for (std::size_t sub = 0; sub < subCount; ++sub) {
                const auto fine = static_cast<std::uint32_t>(b << 8 | sub);
                while (i < thresholds.size() && fineOfThreshold[i] < fine)
                    ++i;
                subInfo[slot * subCount + sub] =
                    static_cast<std::uint32_t>(i) |
                    (i < thresholds.size() && fineOfThreshold[i] == fine ? inBoundary : 0u);
            }
        }
    }
    const std::int64_t gridCols = grid.gridCols();
    return statsBySegment(
        weights, grid, configuration, ks, inner, thresholds.size() + 1,
        [&](std::int64_t br, std::uint32_t* segments) {
            const KeySource key = keyOf;
            const std::uint32_t* const buckets = bucketInfo.data();
            const std::uint32_t* const subs = subInfo.data();
            for (std::int64_t q = 0; q < gridCols; ++q) {
                const auto block = static_cast<std::uint32_t>(br * gridCols + q);
                const Key k = key(block);
                const std::uint32_t fine = fineBucketOf<T>(k);
                std::uint32_t s = buckets[fine >> 8];
                if (s & inBoundary) {
                    s = subs[(s & ~inBoundary) * subCount + (fine & (subCount - 1))];
                    if (s & inBoundary) {
                        s &= ~inBoundary;
                        while (s < thresholds.size() && before(thresholds[s], k, block))
                            ++s;
                    }
                }
                segments[q] = s;
            }
        },
        context);
}

} // namespace

std::vector<MaskStats> sweepLevels(const BlockRanking& ranking, const WeightTensor& weights,
                                   std::span<const double> levels)
{
    std::vector<MaskStats> rows;
    rows.reserve(levels.size());
    for (double level : levels)
        rows.push_back(ranking.statsAt(level, weights));
    return rows;
}

std::vector<MaskStats> sweepTensor(const WeightTensor& weights, const Configuration& configuration,
                                   std::span<const double> levels, const ExecutionContext& context)
{
    configuration.atLevel(0.5).throwIfInvalid();
    for (double level : levels)
        configuration.atLevel(level).throwIfInvalid();
    const BlockGrid grid{weights.rows(), weights.cols(), configuration.block};
    const std::int64_t n = grid.blockCount();
    if (n > std::numeric_limits<std::uint32_t>::max())
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1 blocks of %2 are more than a sweep holds (%3).")
                        .arg(n)
                        .arg(formatBlockSpec(configuration.block, std::nullopt))
                        .arg(std::numeric_limits<std::uint32_t>::max()));
    std::vector<std::int64_t> ks;
    const std::int64_t zeros = configuration.effectiveZerosPerBlock();
    for (double level : levels)
        ks.push_back(level <= 0.0 || zeros == 0 ? 0 : prunedBlockCount(level, n));
    const bool anyInner =
        std::any_of(ks.begin(), ks.end(), [n](std::int64_t k) { return k > 0 && k < n; });
    // Norms only when some threshold needs them (1x1 blocks read the weights instead).
    const BlockNorms norms =
        anyInner && configuration.block.elementCount() > 1
            ? computeBlockNorms(weights, configuration.block, configuration.norm, context)
            : BlockNorms{grid, configuration.norm, {}};
    const auto run = [&](auto zero) {
        using T = decltype(zero);
        return detail::visitNormKeysTyped<T>(norms, weights, [&](const auto& key) {
            return sweepWithKeys<T>(weights, grid, configuration, ks, key, context);
        });
    };
    if (weights.precision() == Precision::Float32)
        return run(0.0f);
    return run(0.0);
}

MaskStats combineStats(std::span<const MaskStats> layers)
{
    MaskStats model;
    WeightSums all, kept;
    for (const MaskStats& layer : layers) {
        model.elements += layer.elements;
        model.zeros += layer.zeros;
        model.blocks += layer.blocks;
        model.prunedBlocks += layer.prunedBlocks;
        all.energy += layer.allSums.energy;
        all.l1 += layer.allSums.l1;
        all.nonFinite += layer.allSums.nonFinite;
        kept.energy += layer.keptSums.energy;
        kept.l1 += layer.keptSums.l1;
    }
    model.achievedSparsity =
        model.elements > 0 ? static_cast<double>(model.zeros) / static_cast<double>(model.elements)
                           : 0.0;
    setRetention(model, all, kept);
    return model;
}

} // namespace sparsity::core
