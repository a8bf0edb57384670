#include "blockthreshold.h"

#include "normkeys.h"
#include "parallel/parallelfor.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace sparsity::core {
namespace {

constexpr std::int64_t sampleSize = 65536;
constexpr std::int64_t passChunk = std::int64_t{1} << 16;
constexpr std::int64_t tile = 2048; // keys buffered at a time, small enough for L1

// A candidate block: for 32-bit keys and < 2^32 blocks packed into one integer, whose order is
// (key, index); otherwise a pair with the same order.
template <typename Key, bool Packed> struct Candidates
{
    static constexpr bool packed = Packed;
    using Item = std::conditional_t<packed, std::uint64_t, std::pair<std::uint64_t, std::int64_t>>;

    static Item make(Key key, std::int64_t index)
    {
        if constexpr (packed)
            return (std::uint64_t{key} << 32) | static_cast<std::uint32_t>(index);
        else
            return {key, index};
    }
    static std::uint64_t keyOf(const Item& item)
    {
        if constexpr (packed)
            return item >> 32;
        else
            return item.first;
    }
    static std::int64_t indexOf(const Item& item)
    {
        if constexpr (packed)
            return static_cast<std::int64_t>(item & 0xffffffffu);
        else
            return item.second;
    }
};

template <typename Source> void buildSample(const Source& key, std::int64_t n, NormSample& sample)
{
    const std::int64_t size = std::min(n, sampleSize);
    sample.keys.resize(static_cast<std::size_t>(size));
    for (std::int64_t i = 0; i < size; ++i)
        sample.keys[i] = key(static_cast<std::int64_t>(static_cast<double>(i) * n / size));
    sample.sorted = false;
    sample.uses = 0;
}

// The sample key of the given rank: from the sorted sample when it has been sorted, else by
// a linear-time selection (which leaves the sample partly ordered, as a later sort wants).
std::uint64_t sampleAt(NormSample& sample, std::int64_t rank)
{
    if (!sample.sorted) {
        const auto nth = sample.keys.begin() + rank;
        std::nth_element(sample.keys.begin(), nth, sample.keys.end());
        return *nth;
    }
    return sample.keys[static_cast<std::size_t>(rank)];
}

template <bool Packed, typename Source>
BlockThreshold selectWith(const Source& key, std::int64_t n, std::int64_t k,
                          const ExecutionContext& context, NormSample& sample)
{
    using Key = typename Source::Key;
    using C = Candidates<Key, Packed>;
    if (sample.keys.empty())
        buildSample(key, n, sample);
    if (++sample.uses == 2 && !sample.sorted) {
        std::sort(sample.keys.begin(), sample.keys.end());
        sample.sorted = true;
    }

    // The sample tells roughly where the k-th key lies; a margin of several standard deviations
    // of the sampled rank makes one pass enough for any but adversarial data.
    const auto size = static_cast<std::int64_t>(sample.keys.size());
    const auto position = static_cast<std::int64_t>(static_cast<double>(k - 1) * size / n);
    // The sampled rank of the k-th key has standard deviation sqrt(size p (1 - p)).
    const double p = static_cast<double>(k) / static_cast<double>(n);
    const auto margin =
        static_cast<std::int64_t>(4.0 * std::sqrt(static_cast<double>(size) * p * (1.0 - p))) + 8;
    std::uint64_t lo = position - margin <= 0 ? 0 : sampleAt(sample, position - margin);
    std::uint64_t hi = position + margin >= size - 1 ? std::numeric_limits<Key>::max()
                                                     : sampleAt(sample, position + margin);

    const std::int64_t chunks = (n + passChunk - 1) / passChunk;
    std::vector<std::int64_t> below(static_cast<std::size_t>(chunks));
    std::vector<std::vector<typename C::Item>> found(static_cast<std::size_t>(chunks));
    for (;;) {
        const Key low = static_cast<Key>(lo), width = static_cast<Key>(hi - lo);
        parallelFor(context, 0, chunks, 1, [&](std::int64_t from, std::int64_t to) {
            std::vector<Key> keys(static_cast<std::size_t>(tile));
            for (std::int64_t c = from; c < to; ++c) {
                const std::int64_t begin = c * passChunk, end = std::min(n, begin + passChunk);
                std::int64_t count = 0;
                auto& out = found[c];
                out.clear();
                for (std::int64_t t = begin; t < end; t += tile) {
                    const auto size = static_cast<std::int32_t>(std::min(tile, end - t));
                    // Keys into a small buffer with branch-free counts (vectorized), then, only
                    // if the window holds any, a scan that collects them.
                    std::int32_t under = 0, inside = 0;
                    for (std::int32_t j = 0; j < size; ++j) {
                        const Key v = key(t + j);
                        keys[j] = v;
                        under += v < low;
                        inside += static_cast<Key>(v - low) <= width; // low <= v <= high
                    }
                    count += under;
                    if (inside == 0)
                        continue;
                    for (std::int32_t j = 0; j < size; ++j)
                        if (static_cast<Key>(keys[j] - low) <= width)
                            out.push_back(C::make(keys[j], t + j));
                }
                below[c] = count;
            }
        });
        std::int64_t belowTotal = 0, candidateTotal = 0;
        for (std::int64_t c = 0; c < chunks; ++c) {
            belowTotal += below[c];
            candidateTotal += static_cast<std::int64_t>(found[c].size());
        }
        if (k <= belowTotal) { // the k-th key is below the window: search [0, lo)
            hi = lo - 1;
            lo = 0;
            continue;
        }
        if (k > belowTotal + candidateTotal) { // above it: search (hi, max]
            lo = hi + 1;
            hi = std::numeric_limits<Key>::max();
            continue;
        }
        std::vector<typename C::Item> candidates;
        candidates.reserve(static_cast<std::size_t>(candidateTotal));
        for (auto& part : found)
            candidates.insert(candidates.end(), part.begin(), part.end());
        const auto nth = candidates.begin() + (k - belowTotal - 1);
        std::nth_element(candidates.begin(), nth, candidates.end());
        return BlockThreshold{n, k, C::keyOf(*nth), C::indexOf(*nth)};
    }
}

} // namespace

std::int64_t prunedBlockCount(double level, std::int64_t blockCount)
{
    if (level >= 1.0)
        return blockCount;
    // Python's round(): half to even, on the double product; nearbyint rounds that way in the
    // default rounding mode.
    const double k = std::nearbyint(level * static_cast<double>(blockCount));
    return std::clamp<std::int64_t>(static_cast<std::int64_t>(k), 0,
                                    std::max<std::int64_t>(0, blockCount - 1));
}

BlockThreshold selectLowestBlocks(const BlockNorms& norms, const WeightTensor& weights,
                                  std::int64_t k, const ExecutionContext& context,
                                  NormSample* sample)
{
    const std::int64_t n = norms.blockCount();
    k = std::clamp<std::int64_t>(k, 0, n);
    if (k == 0 || k == n)
        return BlockThreshold{n, k, 0, -1};
    NormSample local;
    NormSample& cache = sample ? *sample : local;
    return detail::visitNormKeys(norms, weights, [&](const auto& key) {
        using Key = typename std::decay_t<decltype(key)>::Key;
        if (sizeof(Key) == 4 && n < (std::int64_t{1} << 32))
            return selectWith<true>(key, n, k, context, cache);
        return selectWith<false>(key, n, k, context, cache);
    });
}

std::uint64_t blockKeyAt(const BlockNorms& norms, const WeightTensor& weights, std::int64_t block)
{
    return detail::visitNormKeys(norms, weights,
                                 [block](const auto& key) -> std::uint64_t { return key(block); });
}

std::vector<std::uint8_t> prunedFlags(const BlockNorms& norms, const WeightTensor& weights,
                                      const BlockThreshold& threshold)
{
    std::vector<std::uint8_t> flags(static_cast<std::size_t>(norms.blockCount()));
    detail::visitNormKeys(norms, weights, [&](const auto& key) {
        for (std::int64_t b = 0; b < norms.blockCount(); ++b)
            flags[b] = threshold.prunes(key(b), b) ? 1 : 0;
    });
    return flags;
}

} // namespace sparsity::core
