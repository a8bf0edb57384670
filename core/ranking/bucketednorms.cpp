#include "bucketednorms.h"

#include "mask/blocknorms.h"
#include "mask/normkeys.h"
#include "parallel/parallelfor.h"

#include <algorithm>
#include <bit>
#include <limits>
#include <utility>

namespace sparsity::core {
namespace {

// Buckets by the top 16 bits of the float key of a norm (a double norm is first rounded to
// float): rounding keeps the order, so every key of a lower bucket is smaller than every key of
// a higher one, for float and double keys alike.
constexpr std::size_t bucketCount = std::size_t{1} << 16;

std::uint32_t bucketOfFloat(float value)
{
    return detail::nonNegativeKey(value) >> 15;
}

template <typename Key> std::uint32_t bucketOfKey(Key key)
{
    if constexpr (sizeof(Key) == 4)
        return key >> 15;
    else
        return bucketOfFloat(static_cast<float>(std::bit_cast<double>(key)));
}

// What is stored of a key: a float key's bucket is its top 16 bits, so its low 15 bits are
// enough (2 bytes a block); a double key is stored whole.
template <typename T>
using Stored = std::conditional_t<sizeof(T) == 4, std::uint16_t, std::uint64_t>;

template <typename Key> auto storedOf(Key key)
{
    if constexpr (sizeof(Key) == 4)
        return static_cast<std::uint16_t>(key & 0x7fffu);
    else
        return key;
}

// A stored key of a bucket as a double's key (the order of doubles, which holds every float
// exactly).
template <typename S> std::uint64_t asDoubleKey(S stored, std::size_t bucket)
{
    if constexpr (sizeof(S) == 2) {
        const auto key = static_cast<std::uint32_t>(bucket << 15 | stored);
        return detail::nonNegativeKey(static_cast<double>(std::bit_cast<float>(key)));
    } else {
        return stored;
    }
}

// The keys grouped by bucket: counted per part, then each part scatters into its own range of
// every bucket. The order inside a bucket depends on the parts, and nothing read from it does.
template <typename T>
LargeVector<Stored<T>> groupedKeys(const WeightTensor& weights, const BlockNorms& norms,
                                   const ExecutionContext& context,
                                   std::vector<std::int64_t>& bucketStart)
{
    const std::int64_t n = norms.blockCount();
    // Parts of at most 2^32 blocks, so that 32-bit counters hold them.
    const std::int64_t parts = std::max<std::int64_t>(
        std::clamp<std::int64_t>(n / 65536, 1, context.threadCount()), (n >> 32) + 1);
    std::vector<std::vector<std::uint32_t>> partCounts(static_cast<std::size_t>(parts),
                                                       std::vector<std::uint32_t>(bucketCount, 0));
    std::vector<std::vector<std::int64_t>> partNext(static_cast<std::size_t>(parts),
                                                    std::vector<std::int64_t>(bucketCount, 0));
    LargeVector<Stored<T>> keys(static_cast<std::size_t>(n));
    detail::visitNormKeysTyped<T>(norms, weights, [&](const auto& keyOf) {
        const auto eachPart = [&](const auto& body) {
            parallelFor(context, 0, parts, 1, [&](std::int64_t from, std::int64_t to) {
                for (std::int64_t part = from; part < to; ++part)
                    body(static_cast<std::size_t>(part), n * part / parts, n * (part + 1) / parts);
            });
        };
        eachPart([&](std::size_t part, std::int64_t from, std::int64_t to) {
            const auto key = keyOf;
            std::uint32_t* const counts = partCounts[part].data();
            for (std::int64_t b = from; b < to; ++b)
                ++counts[bucketOfKey(key(b))];
        });
        // Each part writes its blocks of a bucket after the lower parts' blocks of it.
        bucketStart.assign(bucketCount + 1, 0);
        std::int64_t position = 0;
        for (std::size_t bucket = 0; bucket < bucketCount; ++bucket) {
            bucketStart[bucket] = position;
            for (std::size_t part = 0; part < partCounts.size(); ++part) {
                partNext[part][bucket] = position;
                position += partCounts[part][bucket];
            }
        }
        bucketStart[bucketCount] = position;
        context.throwIfCancelled();
        eachPart([&](std::size_t part, std::int64_t from, std::int64_t to) {
            const auto key = keyOf;
            std::int64_t* const next = partNext[part].data();
            Stored<T>* const out = keys.data();
            for (std::int64_t b = from; b < to; ++b) {
                const auto k = key(b);
                out[next[bucketOfKey(k)]++] = storedOf(k);
            }
        });
    });
    return keys;
}

} // namespace

BucketedNorms BucketedNorms::build(const WeightTensor& weights, const Configuration& configuration,
                                   const ExecutionContext& context)
{
    configuration.atLevel(0.5).throwIfInvalid();
    // 1x1 norms are read from the weights; others are computed (and dropped with this call).
    const BlockNorms norms =
        configuration.block.elementCount() == 1
            ? BlockNorms{BlockGrid{weights.rows(), weights.cols(), configuration.block},
                         configuration.norm,
                         {}}
            : computeBlockNorms(weights, configuration.block, configuration.norm, context);
    BucketedNorms grouped;
    grouped.m_configuration = configuration;
    if (configuration.zerosPerBlock == configuration.block.elementCount())
        grouped.m_configuration.zerosPerBlock.reset();
    grouped.m_blockCount = norms.blockCount();
    if (weights.precision() == Precision::Float32)
        grouped.m_keys = groupedKeys<float>(weights, norms, context, grouped.m_bucketStart);
    else
        grouped.m_keys = groupedKeys<double>(weights, norms, context, grouped.m_bucketStart);
    return grouped;
}

std::uint64_t BucketedNorms::doubleKeyAtRank(std::int64_t rank) const
{
    const auto bucket = static_cast<std::size_t>(
        std::upper_bound(m_bucketStart.begin(), m_bucketStart.end(), rank) - m_bucketStart.begin() -
        1);
    return std::visit(
        [&](const auto& keys) {
            // The rank-th key is the (rank - start)-th smallest of its bucket; stored parts of
            // one bucket sort as their keys do.
            const auto first = keys.begin() + m_bucketStart[bucket];
            std::vector inBucket(first, keys.begin() + m_bucketStart[bucket + 1]);
            const auto nth = inBucket.begin() + (rank - m_bucketStart[bucket]);
            std::nth_element(inBucket.begin(), nth, inBucket.end());
            return asDoubleKey(*nth, bucket);
        },
        m_keys);
}

std::int64_t BucketedNorms::countBelow(std::uint64_t doubleKey) const
{
    // Keys past NaN's are not doubles' keys: every norm sorts before them.
    if (doubleKey > detail::nonNegativeKey(std::numeric_limits<double>::quiet_NaN()))
        return m_blockCount;
    const std::size_t bucket = bucketOfFloat(static_cast<float>(std::bit_cast<double>(doubleKey)));
    return std::visit(
        [&](const auto& keys) {
            std::int64_t below = m_bucketStart[bucket];
            for (std::int64_t i = m_bucketStart[bucket]; i < m_bucketStart[bucket + 1]; ++i)
                below += asDoubleKey(keys[static_cast<std::size_t>(i)], bucket) < doubleKey;
            return below;
        },
        m_keys);
}

std::optional<BlockThreshold> BucketedNorms::thresholdAt(std::int64_t k) const
{
    if (k <= 0 || k >= m_blockCount)
        return std::nullopt;
    const std::uint64_t doubleKey = doubleKeyAtRank(k - 1);
    // Keys are integers in the order of the norms: the next one bounds the ties.
    if (countBelow(doubleKey + 1) != k)
        return std::nullopt;
    // The mask pass compares keys in the weights' own precision.
    const auto key = std::holds_alternative<LargeVector<std::uint16_t>>(m_keys)
                         ? std::uint64_t{detail::nonNegativeKey(
                               static_cast<float>(std::bit_cast<double>(doubleKey)))}
                         : doubleKey;
    return BlockThreshold{m_blockCount, k, key, m_blockCount - 1};
}

} // namespace sparsity::core
