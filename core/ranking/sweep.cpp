#include "sweep.h"

#include "blocksums.h"
#include "elementsweep.h"
#include "error.h"
#include "mask/normkeys.h"
#include "parallel/parallelfor.h"
#include "tensor/largebuffer.h"

#include <algorithm>
#include <array>
#include <bit>
#include <memory>

namespace sparsity::core {
namespace {

// Blocks are located by the top 24 bits of the float key of their norm (a double norm is first
// rounded to float, which keeps the order): 8 exponent bits and 16 mantissa bits.
constexpr int fineBits = 24;

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

// Finds the blocks at the given ranks k (the thresholds) without sorting, and tells each block
// how many thresholds come before it (its segment). Blocks are counted by buckets of the top
// bits of their keys; one more pass collects the blocks of the buckets holding thresholds, in
// block order, and notes every other block's segment. Each such bucket's blocks are then
// partitioned around its thresholds' ranks (a selection, not a sort).
template <typename T, typename KeySource> class ThresholdSearch
{
public:
    using Key = detail::OrderKey<T>;

    // inner: the distinct ks strictly between 0 and the block count, ascending.
    ThresholdSearch(const KeySource& keyOf, std::int64_t blocks, std::vector<std::int64_t> inner,
                    const ExecutionContext& context)
        : m_keyOf(keyOf)
        , m_blocks(blocks)
        , m_inner(std::move(inner))
        , m_context(context)
        , m_parts(std::clamp<std::int64_t>(blocks / 65536, 1, context.threadCount()))
        // About 16 blocks per bucket, at most 2^16 buckets: the tables stay in L2.
        , m_bucketBits(std::clamp(
              static_cast<int>(std::bit_width(static_cast<std::uint64_t>(blocks))) - 4, 10, 16))
    {
        locateInBuckets();
        buildSegmentTable();
        selectThresholds();
    }

    std::size_t segmentCount() const { return m_thresholds.size() + 1; }

    // The segments of blocks first, first + 1, ..., first + count - 1.
    void segmentsOf(std::int64_t first, std::int64_t count, std::uint32_t* segments) const
    {
        if (!m_segmentOfBlock.empty()) {
            std::copy_n(m_segmentOfBlock.data() + first, count, segments);
            return;
        }
        const KeySource key = m_keyOf; // locals: the loop reloads nothing
        const std::uint32_t* const buckets = m_bucketInfo.data();
        const int shift = fineBits - m_bucketBits;
        forEachFine(first, first + count, [&](std::int64_t b, std::uint32_t fine) {
            std::uint32_t s = buckets[fine >> shift];
            if (s & inBoundary) {
                s &= ~inBoundary;
                const auto block = static_cast<std::uint32_t>(b);
                const Key k = key(block);
                while (s < m_thresholds.size() && before(m_thresholds[s], k, block))
                    ++s;
            }
            segments[b - first] = s;
        });
    }

private:
    static constexpr std::uint32_t inBoundary = 0x80000000u;
    using Item = std::pair<Key, std::uint32_t>; // (key, block): the total order

    std::size_t bucketCount() const { return std::size_t{1} << m_bucketBits; }
    std::uint32_t bucketOf(std::uint32_t fine) const { return fine >> (fineBits - m_bucketBits); }

    template <typename Body> void eachPart(const Body& body) const
    {
        parallelFor(m_context, 0, m_parts, 1, [&](std::int64_t from, std::int64_t to) {
            for (std::int64_t part = from; part < to; ++part)
                body(part, m_blocks * part / m_parts, m_blocks * (part + 1) / m_parts);
        });
    }

    // Calls body(block, its fine bucket) for the blocks [from, to) in order. The fine buckets
    // of a chunk are computed first, in a loop the compiler vectorizes; the body's lookups
    // follow.
    template <typename Body>
    void forEachFine(std::int64_t from, std::int64_t to, const Body& body) const
    {
        constexpr std::int64_t chunk = 256;
        std::array<std::uint32_t, chunk> fines;
        const KeySource key = m_keyOf;
        for (std::int64_t first = from; first < to; first += chunk) {
            const std::int64_t size = std::min(chunk, to - first);
            for (std::int64_t i = 0; i < size; ++i)
                fines[static_cast<std::size_t>(i)] = fineBucketOf<T>(key(first + i));
            for (std::int64_t i = 0; i < size; ++i)
                body(first + i, fines[static_cast<std::size_t>(i)]);
        }
    }

    // The blocks per bucket, counted in parts added in order; each part's counts are kept for
    // placing its collected blocks.
    void locateInBuckets()
    {
        m_partCounts.resize(static_cast<std::size_t>(m_parts));
        eachPart([&](std::int64_t part, std::int64_t from, std::int64_t to) {
            auto& counts = m_partCounts[static_cast<std::size_t>(part)];
            counts.assign(bucketCount(), 0);
            std::uint32_t* const count = counts.data();
            const int shift = fineBits - m_bucketBits;
            forEachFine(from, to,
                        [&](std::int64_t, std::uint32_t fine) { ++count[fine >> shift]; });
        });
        m_blocksPerBucket.assign(bucketCount(), 0);
        for (const auto& counts : m_partCounts)
            for (std::size_t i = 0; i < bucketCount(); ++i)
                m_blocksPerBucket[i] += counts[i];
        std::size_t bucket = 0;
        std::int64_t below = 0; // blocks in buckets before `bucket`
        for (std::size_t j = 0; j < m_inner.size(); ++j) {
            // The k-th smallest block (1-based) lies in the bucket where the counts pass k.
            while (below + m_blocksPerBucket[bucket] < m_inner[j])
                below += m_blocksPerBucket[bucket++];
            if (m_groupBuckets.empty() || m_groupBuckets.back() != bucket) {
                m_groupBuckets.push_back(bucket);
                m_firstOfGroup.push_back(j);
            }
            m_rank.push_back(m_inner[j] - 1 - below);
        }
        m_firstOfGroup.push_back(m_inner.size());
    }

    // A bucket without thresholds holds the blocks after the thresholds of the buckets before
    // it: m_bucketInfo holds their number. A bucket with thresholds holds `inBoundary` and the
    // number of thresholds before its own.
    void buildSegmentTable()
    {
        m_bucketInfo.assign(bucketCount(), 0);
        m_groupOfBucket.assign(bucketCount(), 0);
        std::size_t g = 0;
        for (std::size_t b = 0; b < bucketCount(); ++b) {
            if (g < m_groupBuckets.size() && m_groupBuckets[g] == b) {
                m_bucketInfo[b] = inBoundary | static_cast<std::uint32_t>(m_firstOfGroup[g]);
                m_groupOfBucket[b] = static_cast<std::uint32_t>(g++);
            } else {
                m_bucketInfo[b] = static_cast<std::uint32_t>(
                    g < m_groupBuckets.size() ? m_firstOfGroup[g] : m_inner.size());
            }
        }
    }

    // Collects the blocks of the buckets holding thresholds, each bucket's in block order (by
    // part, placed where the part's counts say), and partitions each around its thresholds'
    // ranks. The same pass notes every block's segment when they fit 16 bits (the collected
    // blocks' are completed from their places after the partition), so that the summing pass
    // reads them instead of finding them again.
    void selectThresholds()
    {
        const std::size_t groups = m_groupBuckets.size();
        std::vector<std::int64_t> groupStart(groups + 1, 0);
        for (std::size_t g = 0; g < groups; ++g)
            groupStart[g + 1] = groupStart[g] + m_blocksPerBucket[m_groupBuckets[g]];
        std::vector<std::vector<std::int64_t>> cursors(static_cast<std::size_t>(m_parts),
                                                       std::vector<std::int64_t>(groups));
        for (std::size_t g = 0; g < groups; ++g) {
            std::int64_t at = groupStart[g];
            for (std::size_t p = 0; p < cursors.size(); ++p) {
                cursors[p][g] = at;
                at += m_partCounts[p][m_groupBuckets[g]];
            }
        }
        m_partCounts.clear();
        const bool noteSegments = m_inner.size() < std::numeric_limits<std::uint16_t>::max();
        if (noteSegments)
            m_segmentOfBlock = LargeVector<std::uint16_t>(static_cast<std::size_t>(m_blocks));
        std::vector<Item> items(static_cast<std::size_t>(groupStart[groups]));
        eachPart([&](std::int64_t part, std::int64_t from, std::int64_t to) {
            const KeySource key = m_keyOf; // locals: the rare store makes the loop reload nothing
            const std::uint32_t* const buckets = m_bucketInfo.data();
            const std::uint32_t* const groupOf = m_groupOfBucket.data();
            std::int64_t* const cursor = cursors[static_cast<std::size_t>(part)].data();
            Item* const out = items.data();
            std::uint16_t* const noted = noteSegments ? m_segmentOfBlock.data() : nullptr;
            const int shift = fineBits - m_bucketBits;
            forEachFine(from, to, [&](std::int64_t b, std::uint32_t fine) {
                const std::uint32_t info = buckets[fine >> shift];
                if (noted)
                    noted[b] = static_cast<std::uint16_t>(info & ~inBoundary);
                if (info & inBoundary) [[unlikely]]
                    out[cursor[groupOf[fine >> shift]]++] = {key(b), static_cast<std::uint32_t>(b)};
            });
        });
        m_context.throwIfCancelled();
        m_thresholds.resize(m_inner.size());
        parallelFor(
            m_context, 0, static_cast<std::int64_t>(groups), 1,
            [&](std::int64_t from, std::int64_t to) {
                for (auto g = static_cast<std::size_t>(from); g < static_cast<std::size_t>(to); ++g)
                    selectInGroup(std::span(items).subspan(
                                      static_cast<std::size_t>(groupStart[g]),
                                      static_cast<std::size_t>(groupStart[g + 1] - groupStart[g])),
                                  m_firstOfGroup[g], m_firstOfGroup[g + 1], noteSegments);
            });
    }

    // Partitions a group's items around the ranks of thresholds first..last - 1 (every item
    // before a rank's place comes before it in the total order, every one after it after), then
    // gives each item the number of thresholds before it.
    void selectInGroup(std::span<Item> items, std::size_t first, std::size_t last, bool note)
    {
        partitionAround(items, 0, std::span(m_rank).subspan(first, last - first));
        for (std::size_t j = first; j < last; ++j) {
            const Item& item = items[static_cast<std::size_t>(m_rank[j])];
            m_thresholds[j] = {item.first, item.second, m_inner[j]};
        }
        if (!note)
            return;
        std::size_t before = first;
        for (std::size_t p = 0; p < items.size(); ++p) {
            while (before < last && m_rank[before] < static_cast<std::int64_t>(p))
                ++before;
            m_segmentOfBlock[items[p].second] = static_cast<std::uint16_t>(before);
        }
    }

    // Places the items at the given ranks (ascending; offset: the rank of items[0]) as a sort
    // would, with the smaller items before each and the larger after: nth_element at the middle
    // rank, then each side with its ranks.
    static void partitionAround(std::span<Item> items, std::int64_t offset,
                                std::span<const std::int64_t> ranks)
    {
        if (ranks.empty())
            return;
        const std::size_t middle = ranks.size() / 2;
        const auto at = static_cast<std::size_t>(ranks[middle] - offset);
        std::nth_element(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(at),
                         items.end());
        partitionAround(items.first(at), offset, ranks.first(middle));
        partitionAround(items.subspan(at + 1), offset + static_cast<std::int64_t>(at) + 1,
                        ranks.subspan(middle + 1));
    }

    KeySource m_keyOf;
    std::int64_t m_blocks;
    std::vector<std::int64_t> m_inner;
    const ExecutionContext& m_context;
    std::int64_t m_parts;
    int m_bucketBits;
    std::vector<std::vector<std::uint32_t>> m_partCounts;
    std::vector<std::int64_t> m_blocksPerBucket;
    // The buckets holding thresholds (the groups), and each one's first threshold.
    std::vector<std::size_t> m_groupBuckets, m_firstOfGroup;
    std::vector<std::uint32_t> m_groupOfBucket;
    // Per threshold: its rank in its bucket.
    std::vector<std::int64_t> m_rank;
    std::vector<Threshold<Key>> m_thresholds;
    std::vector<std::uint32_t> m_bucketInfo;
    // Every block's segment, when segments fit 16 bits; empty otherwise.
    LargeVector<std::uint16_t> m_segmentOfBlock;
};

// The thresholds a sweep needs: one per distinct k strictly between 0 and n, ascending.
std::vector<std::int64_t> innerKs(std::span<const std::int64_t> ks, std::int64_t n)
{
    std::vector<std::int64_t> inner;
    for (std::int64_t k : ks)
        if (k > 0 && k < n)
            inner.push_back(k);
    std::sort(inner.begin(), inner.end());
    inner.erase(std::unique(inner.begin(), inner.end()), inner.end());
    return inner;
}

// The pruned count of each level for a configuration on n blocks.
std::vector<std::int64_t> prunedCounts(const Configuration& configuration,
                                       std::span<const double> levels, std::int64_t n)
{
    std::vector<std::int64_t> ks;
    const std::int64_t zeros = configuration.effectiveZerosPerBlock();
    for (double level : levels)
        ks.push_back(level <= 0.0 || zeros == 0 ? 0 : prunedBlockCount(level, n));
    return ks;
}

// Sweeps configurations that share a block shape and norm, so share the norms' keys: and the
// threshold search, when their levels give the same ks (2:4 and 1x4 at the same levels do).
template <typename T, typename KeySource>
void sweepGroupWithKeys(const WeightTensor& weights, const BlockGrid& grid,
                        std::span<const Configuration> configurations,
                        std::span<const std::size_t> group,
                        const std::vector<std::vector<std::int64_t>>& ks, const KeySource& keyOf,
                        const ExecutionContext& context,
                        std::vector<std::vector<MaskStats>>& results)
{
    const std::int64_t n = grid.blockCount();
    std::vector<
        std::pair<std::vector<std::int64_t>, std::unique_ptr<ThresholdSearch<T, KeySource>>>>
        searches;
    const std::int64_t gridCols = grid.gridCols();
    for (std::size_t c : group) {
        const Configuration& configuration = configurations[c];
        std::vector<std::int64_t> inner = innerKs(ks[c], n);
        if (inner.empty()) {
            results[c] = sweepWithoutThresholds(weights, grid, configuration, ks[c], context);
            continue;
        }
        auto found = std::find_if(searches.begin(), searches.end(),
                                  [&](const auto& search) { return search.first == inner; });
        if (found == searches.end()) {
            searches.emplace_back(
                inner, std::make_unique<ThresholdSearch<T, KeySource>>(keyOf, n, inner, context));
            found = searches.end() - 1;
        }
        const ThresholdSearch<T, KeySource>& search = *found->second;
        results[c] = statsBySegment(
            weights, grid, configuration, ks[c], inner, search.segmentCount(),
            [&](std::int64_t br, std::uint32_t* segments) {
                search.segmentsOf(br * gridCols, gridCols, segments);
            },
            context);
    }
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
    return sweepConfigurations(weights, std::span(&configuration, 1), levels, context).front();
}

std::vector<std::vector<MaskStats>>
sweepConfigurations(const WeightTensor& weights, std::span<const Configuration> configurations,
                    std::span<const double> levels, const ExecutionContext& context)
{
    for (const Configuration& configuration : configurations) {
        configuration.atLevel(0.5).throwIfInvalid();
        for (double level : levels)
            configuration.atLevel(level).throwIfInvalid();
        const std::int64_t n =
            BlockGrid{weights.rows(), weights.cols(), configuration.block}.blockCount();
        if (n > std::numeric_limits<std::uint32_t>::max())
            throw Error(ErrorCode::InvalidInput,
                        QStringLiteral("%1 blocks of %2 are more than a sweep holds (%3).")
                            .arg(n)
                            .arg(formatBlockSpec(configuration.block, std::nullopt))
                            .arg(std::numeric_limits<std::uint32_t>::max()));
    }
    std::vector<std::vector<MaskStats>> results(configurations.size());
    std::vector<bool> done(configurations.size(), false);
    for (std::size_t first = 0; first < configurations.size(); ++first) {
        if (done[first])
            continue;
        // The configurations with this block shape and norm: one set of norms for all.
        const Configuration& shape = configurations[first];
        const BlockGrid grid{weights.rows(), weights.cols(), shape.block};
        const std::int64_t n = grid.blockCount();
        std::vector<std::size_t> group;
        std::vector<std::vector<std::int64_t>> ks(configurations.size());
        bool anyInner = false;
        for (std::size_t c = first; c < configurations.size(); ++c) {
            if (done[c] || !(configurations[c].block == shape.block) ||
                configurations[c].norm != shape.norm)
                continue;
            done[c] = true;
            group.push_back(c);
            ks[c] = prunedCounts(configurations[c], levels, n);
            anyInner = anyInner || std::any_of(ks[c].begin(), ks[c].end(),
                                               [n](std::int64_t k) { return k > 0 && k < n; });
        }
        // 1x1 blocks of float32 weights: two passes over the weights (detail::elementsweep).
        if (shape.block.elementCount() == 1 && weights.precision() == Precision::Float32) {
            std::erase_if(group, [&](std::size_t c) {
                if (configurations[c].effectiveZerosPerBlock() != 1 || innerKs(ks[c], n).empty())
                    return false;
                auto rows =
                    detail::sweepFloatElements(weights, configurations[c].norm, ks[c], context);
                if (rows)
                    results[c] = std::move(*rows);
                return rows.has_value();
            });
            if (group.empty())
                continue;
        }
        context.throwIfCancelled();
        // Norms only when some threshold needs them (1x1 blocks read the weights instead).
        const BlockNorms norms = anyInner && shape.block.elementCount() > 1
                                     ? computeBlockNorms(weights, shape.block, shape.norm, context)
                                     : BlockNorms{grid, shape.norm, {}};
        const auto run = [&](auto zero) {
            using T = decltype(zero);
            detail::visitNormKeysTyped<T>(norms, weights, [&](const auto& key) {
                sweepGroupWithKeys<T>(weights, grid, configurations, group, ks, key, context,
                                      results);
            });
        };
        if (weights.precision() == Precision::Float32)
            run(0.0f);
        else
            run(0.0);
    }
    return results;
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
