#include "blockthreshold.h"

#include "normkeys.h"
#include "parallel/parallelfor.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
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

// Appends the keys of keys[0, size) flagged as inside the window, with their indices (first +
// j). The window holds a few percent of the keys: eight flags are tested at once, and only the
// set ones are visited.
template <typename C, typename Key>
void collectFlagged(const Key* keys, const std::uint8_t* inside, std::int32_t size,
                    std::int64_t first, std::vector<typename C::Item>& out)
{
    std::int32_t g = 0;
    for (; g + 8 <= size; g += 8) {
        std::uint64_t flags;
        std::memcpy(&flags, inside + g, sizeof flags);
        for (; flags != 0; flags &= flags - 1) { // one bit per flag byte
            const std::int32_t j = g + std::countr_zero(flags) / 8;
            out.push_back(C::make(keys[j], first + j));
        }
    }
    for (std::int32_t j = g; j < size; ++j)
        if (inside[j])
            out.push_back(C::make(keys[j], first + j));
}

// Keys that are cheap to read one by one: stored norms, or f of the weights for 1x1 blocks.
// Scanned in chunks of passChunk keys, a tile at a time.
template <typename Source> class IndexedKeys
{
public:
    using Key = typename Source::Key;
    struct Scratch
    {
        std::vector<Key> keys = std::vector<Key>(static_cast<std::size_t>(tile));
    };

    IndexedKeys(Source key, std::int64_t count)
        : m_key(key)
        , m_count(count)
    {}
    std::int64_t count() const { return m_count; }
    Key at(std::int64_t i) const { return m_key(i); }
    std::int64_t chunks() const { return (m_count + passChunk - 1) / passChunk; }

    // Calls visit(keys, size, index of keys[0]) for consecutive tiles of chunk c.
    template <typename Visit> void scan(std::int64_t c, Scratch& scratch, Visit&& visit) const
    {
        const std::int64_t begin = c * passChunk, end = std::min(m_count, begin + passChunk);
        for (std::int64_t t = begin; t < end; t += tile) {
            const auto size = static_cast<std::int32_t>(std::min(tile, end - t));
            for (std::int32_t j = 0; j < size; ++j)
                scratch.keys[j] = m_key(t + j);
            visit(scratch.keys.data(), size, t);
        }
    }

private:
    Source m_key;
    std::int64_t m_count;
};

// The keys of block norms that are not stored: each block row's norms are computed from the
// weights (exactly as computeBlockNorms does), scanned and forgotten; a single block's norm is
// computed on its own for the sample.
template <typename T> class ComputedNormKeys
{
public:
    using Key = detail::OrderKey<T>;
    struct Scratch
    {
        std::vector<T> norms;
        std::vector<Key> keys = std::vector<Key>(static_cast<std::size_t>(tile));
    };

    ComputedNormKeys(const T* weights, const BlockGrid& grid, Norm norm, WeightSums* rowSums)
        : m_weights(weights)
        , m_grid(grid)
        , m_norm(norm)
        , m_rowSums(rowSums)
        // About passChunk weights per chunk, as for stored norms.
        , m_rowsPerChunk(std::max<std::int64_t>(
              1, passChunk / std::max<std::int64_t>(1, grid.block.rows * grid.matrixCols)))
    {}
    std::int64_t count() const { return m_grid.blockCount(); }
    Key at(std::int64_t block) const
    {
        return detail::nonNegativeKey(computeBlockNorm(m_weights, m_grid, m_norm, block));
    }
    std::int64_t chunks() const
    {
        return (m_grid.gridRows() + m_rowsPerChunk - 1) / m_rowsPerChunk;
    }

    template <typename Visit> void scan(std::int64_t c, Scratch& scratch, Visit&& visit) const
    {
        const std::int64_t gridCols = m_grid.gridCols();
        scratch.norms.resize(static_cast<std::size_t>(gridCols));
        const std::int64_t first = c * m_rowsPerChunk;
        const std::int64_t last = std::min(m_grid.gridRows(), first + m_rowsPerChunk);
        for (std::int64_t br = first; br < last; ++br) {
            blockRowNorms(m_weights, m_grid, m_norm, br, scratch.norms.data());
            if (m_rowSums) // while the block row is in cache; a repeated scan gives the same
                for (std::int64_t r = br * m_grid.block.rows, end = r + m_grid.validRows(br);
                     r < end; ++r) {
                    m_rowSums[r] = WeightSums{};
                    sumAllOfRow(m_weights + r * m_grid.matrixCols, m_grid.matrixCols, m_rowSums[r]);
                }
            for (std::int64_t t = 0; t < gridCols; t += tile) {
                const auto size = static_cast<std::int32_t>(std::min(tile, gridCols - t));
                for (std::int32_t j = 0; j < size; ++j)
                    scratch.keys[j] = detail::nonNegativeKey(scratch.norms[t + j]);
                visit(scratch.keys.data(), size, br * gridCols + t);
            }
        }
    }

private:
    const T* m_weights;
    BlockGrid m_grid;
    Norm m_norm;
    WeightSums* m_rowSums;
    std::int64_t m_rowsPerChunk;
};

// Evenly spaced keys; read in parallel, since computed norms cost a few cache misses each.
template <typename Keys>
void buildSample(const Keys& keys, NormSample& sample, const ExecutionContext& context)
{
    const std::int64_t n = keys.count();
    const std::int64_t size = std::min(n, sampleSize);
    sample.keys.resize(static_cast<std::size_t>(size));
    parallelFor(context, 0, size, 4096, [&](std::int64_t from, std::int64_t to) {
        for (std::int64_t i = from; i < to; ++i)
            sample.keys[i] = keys.at(static_cast<std::int64_t>(static_cast<double>(i) * n / size));
    });
    sample.sorted = false;
    sample.uses = 0;
}

// The sample key of the given rank: from the sorted sample when it has been sorted, else by
// a linear-time selection (which leaves the sample partly ordered, as a later sort wants).
// Keys before `from` must already be the smallest (a previous selection at rank from - 1).
std::uint64_t sampleAt(NormSample& sample, std::int64_t rank, std::int64_t from = 0)
{
    if (!sample.sorted) {
        const auto nth = sample.keys.begin() + rank;
        std::nth_element(sample.keys.begin() + from, nth, sample.keys.end());
        return *nth;
    }
    return sample.keys[static_cast<std::size_t>(rank)];
}

template <bool Packed, typename Keys>
BlockThreshold selectWith(const Keys& keys, std::int64_t k, const ExecutionContext& context,
                          NormSample& sample)
{
    using Key = typename Keys::Key;
    using C = Candidates<Key, Packed>;
    const std::int64_t n = keys.count();
    if (sample.keys.empty())
        buildSample(keys, sample, context);
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
    const bool bounded = position - margin > 0;
    std::uint64_t lo = bounded ? sampleAt(sample, position - margin) : 0;
    std::uint64_t hi =
        position + margin >= size - 1
            ? std::numeric_limits<Key>::max()
            : sampleAt(sample, position + margin, bounded ? position - margin + 1 : 0);

    const std::int64_t chunks = keys.chunks();
    std::vector<std::int64_t> below(static_cast<std::size_t>(chunks));
    std::vector<std::vector<typename C::Item>> found(static_cast<std::size_t>(chunks));
    for (;;) {
        const Key low = static_cast<Key>(lo), width = static_cast<Key>(hi - lo);
        parallelFor(context, 0, chunks, 1, [&, low, width](std::int64_t from, std::int64_t to) {
            typename Keys::Scratch scratch;
            std::array<std::uint8_t, tile> inside;
            for (std::int64_t c = from; c < to; ++c) {
                std::int64_t count = 0;
                auto& out = found[c];
                out.clear();
                keys.scan(c, scratch, [&](const Key* tileKeys, std::int32_t size, std::int64_t t) {
                    // Branch-free counts and flags (vectorized); then the flagged keys, if any.
                    std::int32_t under = 0, insideCount = 0;
                    for (std::int32_t j = 0; j < size; ++j) {
                        const Key v = tileKeys[j];
                        under += v < low;
                        inside[j] = static_cast<Key>(v - low) <= width; // low <= v <= high
                        insideCount += inside[j];
                    }
                    count += under;
                    if (insideCount > 0)
                        collectFlagged<C>(tileKeys, inside.data(), size, t, out);
                });
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

template <typename Keys>
BlockThreshold select(const Keys& keys, std::int64_t k, const ExecutionContext& context,
                      NormSample& sample)
{
    using Key = typename Keys::Key;
    if (sizeof(Key) == 4 && keys.count() < (std::int64_t{1} << 32))
        return selectWith<true>(keys, k, context, sample);
    return selectWith<false>(keys, k, context, sample);
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
        return select(IndexedKeys(key, n), k, context, cache);
    });
}

BlockThreshold selectLowestBlocks(const WeightTensor& weights, const BlockGrid& grid, Norm norm,
                                  std::int64_t k, const ExecutionContext& context,
                                  WeightSums* rowSums)
{
    const std::int64_t n = grid.blockCount();
    k = std::clamp<std::int64_t>(k, 0, n);
    if (k == 0 || k == n)
        return BlockThreshold{n, k, 0, -1};
    NormSample sample;
    if (weights.precision() == Precision::Float32)
        return select(ComputedNormKeys(weights.values<float>().data(), grid, norm, rowSums), k,
                      context, sample);
    return select(ComputedNormKeys(weights.values<double>().data(), grid, norm, rowSums), k,
                  context, sample);
}

bool selectsBetterWithoutStoredNorms(const BlockGrid& grid)
{
    return grid.block.elementCount() > 1 && grid.blockCount() >= 16 * sampleSize;
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
