#include "elementsweep.h"

#include "blocksums.h"
#include "mask/orderkey.h"
#include "parallel/parallelfor.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>

namespace sparsity::core::detail {
namespace {

__extension__ typedef unsigned __int128 Wide; // __extension__: GCC's type, quiet under -Wpedantic

// A key's bucket is its top bits: the float's 8 exponent bits and 7 mantissa bits.
constexpr int bucketShift = 15;
constexpr std::uint32_t firstNaNKey = 0x7f800001u; // nonNegativeKey of any NaN
constexpr std::size_t bucketCount = (firstNaNKey >> bucketShift) + 1;
constexpr std::uint16_t noGroup = 0xffff;

// The key bits below a bucket's, taken in turn to find the thresholds inside a bucket.
struct Digit
{
    int shift;
    std::uint32_t mask;
};
constexpr std::array<Digit, 2> digits{{{7, 0xff}, {0, 0x7f}}};
// A group of at most this many blocks is sorted rather than split by a digit.
constexpr std::size_t sortedGroup = 64;

// float's exponent bias plus its mantissa width: a float is mantissa * 2^(exponent - 150).
constexpr int floatScale = 150;

template <Norm N> inline std::uint32_t keyOf(float w)
{
    return nonNegativeKey(elementNorm<N>(w));
}

// |w| as an integer at its bucket's scale: |w| = scaled * 2^(baseExponent(bucket) - 150), and
// 0 for a non-finite weight, which the sums leave out. With the L1 norm the key is |w|, whose
// exponent is the bucket's (subnormals are scaled as exponent 1). With L2 the key is w^2
// rounded, of biased exponent K in [1, 254] (else sweepFloatElements declines): a normal w of
// biased exponent e has an exact square in [2^(2e-254), 2^(2e-252)), which rounds to at most its
// upper end, so e is (K >> 1) + 63 or, for odd K, one more: the offset below, 0 or 1.
template <Norm N> int baseExponent(std::size_t bucket)
{
    const int keyExponent = static_cast<int>(bucket >> (23 - bucketShift));
    if constexpr (N == Norm::L1)
        return std::max(keyExponent, 1);
    else
        return (keyExponent >> 1) + 63;
}

template <Norm N> inline std::uint32_t scaledOf(std::uint32_t magnitudeBits, std::uint32_t key)
{
    const std::uint32_t exponent = magnitudeBits >> 23;
    const std::uint32_t mantissa = (magnitudeBits & 0x7fffffu) | (exponent != 0 ? 0x800000u : 0u);
    const std::uint32_t finite = exponent != 0xffu ? mantissa : 0u;
    if constexpr (N == Norm::L1)
        return finite;
    else
        return finite << ((exponent - ((key >> 24) + 63)) & 1u);
}

// Whether, with L2, a finite nonzero weight's square rounds outside the normal floats.
inline std::uint32_t squareOutsideNormals(std::uint32_t magnitudeBits, std::uint32_t key)
{
    const std::uint32_t keyExponent = key >> 23;
    return static_cast<std::uint32_t>((magnitudeBits >> 23) != 0xffu) &
           static_cast<std::uint32_t>(magnitudeBits != 0) &
           (static_cast<std::uint32_t>(keyExponent == 0) |
            static_cast<std::uint32_t>(keyExponent == 0xffu));
}

// Sums of scaled magnitudes at one bucket's scale: exact, so their order does not matter.
struct ExactSums
{
    std::uint64_t l1 = 0; // below 2^25 per weight, 2^32 weights: fits
    Wide energy = 0;      // below 2^50 per weight

    void add(std::uint32_t scaled)
    {
        l1 += scaled;
        energy += std::uint64_t{scaled} * scaled;
    }
    void add(const ExactSums& other)
    {
        l1 += other.l1;
        energy += other.energy;
    }
};

// A bucket's count and sums in a part, added as one vector: the count, |w|, and each square's
// two 64-bit halves (which add faster than a 128-bit sum and cannot overflow either).
typedef std::uint64_t Lanes __attribute__((vector_size(32)));
struct BucketSums
{
    static constexpr int lowBits = 25;
    static constexpr std::uint64_t lowMask = (std::uint64_t{1} << lowBits) - 1;

    Lanes lanes = {0, 0, 0, 0}; // count, l1, square >> 25, square & (2^25 - 1)

    // Adds one weight's terms. (Not a function returning the vector: without AVX that return
    // would change the ABI, which GCC warns about.)
    void addTerms(std::uint32_t scaled)
    {
        const std::uint64_t square = std::uint64_t{scaled} * scaled;
        lanes += Lanes{1, scaled, square >> lowBits, square & lowMask};
    }
    void add(const BucketSums& other) { lanes += other.lanes; }
    std::uint64_t count() const { return lanes[0]; }
    ExactSums sums() const { return {lanes[1], (Wide{lanes[2]} << lowBits) + lanes[3]}; }
};

struct LongSums
{
    long double energy = 0.0L;
    long double l1 = 0.0L;
};

template <Norm N> LongSums valueOf(const ExactSums& sums, std::size_t bucket)
{
    const int e = baseExponent<N>(bucket) - floatScale;
    return {std::ldexp(static_cast<long double>(sums.energy), 2 * e),
            std::ldexp(static_cast<long double>(sums.l1), e)};
}

// Calls body(index, key, scaled) for the weights [from, to) in order. Keys and magnitudes of a
// chunk are computed first, in a loop the compiler vectorizes, with the counts of non-finite
// weights and of squares outside the normals.
template <Norm N, typename Body>
void forEachWeight(const float* weights, std::int64_t from, std::int64_t to,
                   std::int64_t& nonFinite, std::int64_t& outside, const Body& body)
{
    constexpr std::int64_t chunk = 256;
    std::array<std::uint32_t, chunk> keys, scaled;
    for (std::int64_t first = from; first < to; first += chunk) {
        const std::int64_t size = std::min(chunk, to - first);
        std::uint32_t chunkNonFinite = 0, chunkOutside = 0;
        for (std::int64_t i = 0; i < size; ++i) {
            const float w = weights[first + i];
            const std::uint32_t bits = std::bit_cast<std::uint32_t>(w) & 0x7fffffffu;
            const std::uint32_t key = keyOf<N>(w);
            keys[static_cast<std::size_t>(i)] = key;
            scaled[static_cast<std::size_t>(i)] = scaledOf<N>(bits, key);
            chunkNonFinite += static_cast<std::uint32_t>((bits >> 23) == 0xffu);
            if constexpr (N == Norm::L2)
                chunkOutside += squareOutsideNormals(bits, key);
        }
        nonFinite += chunkNonFinite;
        outside += chunkOutside;
        for (std::int64_t i = 0; i < size; ++i)
            body(first + i, keys[static_cast<std::size_t>(i)], scaled[static_cast<std::size_t>(i)]);
    }
}

struct Item
{
    std::uint32_t key;
    std::uint32_t block;
    std::uint32_t scaled;
};

// Places the weights [from, to) whose buckets have a group at their group's cursor. A chunk's
// keys are computed first; the indices of those in a group are then listed without a branch
// (each index is written, the count grows only for those; a byte per bucket tells), so that
// the few weights taken cost no mispredictions.
template <Norm N>
void collectGroups(const float* weights, std::int64_t from, std::int64_t to,
                   const std::uint8_t* inGroup, const std::uint16_t* groupOfBucket,
                   std::int64_t* cursor, Item* out)
{
    constexpr std::int64_t chunk = 256;
    std::array<std::uint32_t, chunk> keys;
    std::array<std::uint16_t, chunk> taken;
    for (std::int64_t first = from; first < to; first += chunk) {
        const std::int64_t size = std::min(chunk, to - first);
        for (std::int64_t i = 0; i < size; ++i)
            keys[static_cast<std::size_t>(i)] = keyOf<N>(weights[first + i]);
        std::size_t count = 0;
        for (std::int64_t i = 0; i < size; ++i) {
            taken[count] = static_cast<std::uint16_t>(i);
            count += inGroup[keys[static_cast<std::size_t>(i)] >> bucketShift];
        }
        for (std::size_t t = 0; t < count; ++t) {
            const std::int64_t i = first + taken[t];
            const std::uint32_t key = keys[taken[t]];
            const std::uint32_t bits = std::bit_cast<std::uint32_t>(weights[i]) & 0x7fffffffu;
            out[cursor[groupOfBucket[key >> bucketShift]]++] = {key, static_cast<std::uint32_t>(i),
                                                                scaledOf<N>(bits, key)};
        }
    }
}

// Finds, among the items of one bucket (in block order), the item at each rank of the order
// (key, block), and sums the items after it into `after`. The items are split by the next digit of
// their keys; only the digits holding ranks are looked into.
void select(std::span<const Item> items, std::span<const std::int64_t> ranks,
            std::span<ExactSums> after, std::size_t level)
{
    if (level == digits.size() || items.size() <= sortedGroup) {
        // Every key is equal once the digits are used up, so block order is the order.
        std::vector<Item> sorted;
        std::span<const Item> ordered = items;
        if (level < digits.size()) {
            sorted.assign(items.begin(), items.end());
            std::stable_sort(sorted.begin(), sorted.end(),
                             [](const Item& a, const Item& b) { return a.key < b.key; });
            ordered = sorted;
        }
        ExactSums behind;
        std::size_t q = ranks.size();
        for (std::size_t p = ordered.size(); p-- > 0 && q > 0;) {
            if (ranks[q - 1] == static_cast<std::int64_t>(p))
                after[--q].add(behind);
            behind.add(ordered[p].scaled);
        }
        return;
    }
    const Digit digit = digits[level];
    const std::size_t digitCount = std::size_t{digit.mask} + 1;
    std::array<std::int64_t, 256> counts{};
    std::array<ExactSums, 256> sums{};
    for (const Item& item : items) {
        const std::uint32_t d = (item.key >> digit.shift) & digit.mask;
        ++counts[d];
        sums[d].add(item.scaled);
    }
    // The ranks each digit holds, and the items of those digits, in block order.
    std::array<std::size_t, 257> firstRank{};
    std::array<std::int64_t, 256> below{};
    std::array<std::int64_t, 256> start{};
    std::int64_t passed = 0, collected = 0;
    std::size_t q = 0;
    for (std::size_t d = 0; d < digitCount; ++d) {
        firstRank[d] = q;
        below[d] = passed;
        passed += counts[d];
        while (q < ranks.size() && ranks[q] < passed)
            ++q;
        start[d] = collected;
        if (q > firstRank[d])
            collected += counts[d];
    }
    firstRank[digitCount] = q;
    const auto holdsRanks = [&](std::size_t d) { return firstRank[d + 1] > firstRank[d]; };
    std::vector<Item> gathered;
    // When one digit holds every item they are already its items, in block order.
    std::span<const Item> ofDigits = items;
    const bool oneDigit = std::any_of(counts.begin(), counts.end(), [&](std::int64_t count) {
        return count == static_cast<std::int64_t>(items.size());
    });
    if (!oneDigit) {
        gathered.resize(static_cast<std::size_t>(collected));
        std::array<std::int64_t, 256> cursor = start;
        for (const Item& item : items) {
            const std::uint32_t d = (item.key >> digit.shift) & digit.mask;
            if (holdsRanks(d))
                gathered[static_cast<std::size_t>(cursor[d]++)] = item;
        }
        ofDigits = gathered;
    }
    ExactSums later; // the items of the digits after d
    for (std::size_t d = digitCount; d-- > 0;) {
        if (holdsRanks(d)) {
            const std::size_t from = firstRank[d], to = firstRank[d + 1];
            std::vector<std::int64_t> inDigit(ranks.begin() + static_cast<std::ptrdiff_t>(from),
                                              ranks.begin() + static_cast<std::ptrdiff_t>(to));
            for (auto& rank : inDigit)
                rank -= below[d];
            select(ofDigits.subspan(static_cast<std::size_t>(start[d]),
                                    static_cast<std::size_t>(counts[d])),
                   inDigit, after.subspan(from, to - from), level + 1);
            for (std::size_t i = from; i < to; ++i)
                after[i].add(later);
        }
        later.add(sums[d]);
    }
}

template <Norm N>
std::optional<std::vector<MaskStats>> sweepTyped(const WeightTensor& weights,
                                                 std::span<const std::int64_t> ks,
                                                 const ExecutionContext& context)
{
    const float* const w = weights.values<float>().data();
    const std::int64_t n = weights.elementCount();
    const auto parts =
        static_cast<std::size_t>(std::clamp<std::int64_t>(n / 65536, 1, context.threadCount()));
    const auto partBegin = [&](std::size_t p) {
        return n * static_cast<std::int64_t>(p) / static_cast<std::int64_t>(parts);
    };
    const auto eachPart = [&](const auto& body) {
        parallelFor(context, 0, static_cast<std::int64_t>(parts), 1,
                    [&](std::int64_t from, std::int64_t to) {
                        for (auto p = static_cast<std::size_t>(from);
                             p < static_cast<std::size_t>(to); ++p)
                            body(p, partBegin(p), partBegin(p + 1));
                    });
    };

    // Pass 1: every bucket's count and exact sums, a table per part.
    std::vector<std::vector<BucketSums>> tables(parts);
    std::vector<std::int64_t> nonFinite(parts, 0), outside(parts, 0);
    eachPart([&](std::size_t p, std::int64_t from, std::int64_t to) {
        tables[p].assign(bucketCount, BucketSums{});
        BucketSums* const table = tables[p].data();
        forEachWeight<N>(w, from, to, nonFinite[p], outside[p],
                         [table](std::int64_t, std::uint32_t key, std::uint32_t scaled) {
                             table[key >> bucketShift].addTerms(scaled);
                         });
    });
    for (std::int64_t count : outside)
        if (count > 0)
            return std::nullopt;
    context.throwIfCancelled();
    std::vector<BucketSums> buckets = tables.front();
    for (std::size_t p = 1; p < parts; ++p)
        for (std::size_t b = 0; b < bucketCount; ++b) {
            buckets[b].add(tables[p][b]);
        }
    // What the buckets from b on keep, in a fixed order.
    std::vector<LongSums> suffix(bucketCount + 1);
    for (std::size_t b = bucketCount; b-- > 0;) {
        if (buckets[b].count() == 0) {
            suffix[b] = suffix[b + 1];
            continue;
        }
        const LongSums value = valueOf<N>(buckets[b].sums(), b);
        suffix[b] = {suffix[b + 1].energy + value.energy, suffix[b + 1].l1 + value.l1};
    }

    // Each threshold's bucket and rank there; a group per bucket holding thresholds.
    std::vector<std::int64_t> inner;
    for (std::int64_t k : ks)
        if (k > 0 && k < n)
            inner.push_back(k);
    std::sort(inner.begin(), inner.end());
    inner.erase(std::unique(inner.begin(), inner.end()), inner.end());
    std::vector<std::size_t> bucketOfThreshold;
    std::vector<std::int64_t> rank;
    std::vector<std::uint16_t> groupOfBucket(bucketCount, noGroup);
    std::vector<std::uint8_t> inGroup(bucketCount, 0);
    std::vector<std::size_t> groupBuckets, firstOfGroup;
    {
        std::size_t b = 0;
        std::int64_t below = 0;
        for (std::size_t j = 0; j < inner.size(); ++j) {
            // The k-th smallest block (1-based) lies in the bucket where the counts pass k.
            while (below + static_cast<std::int64_t>(buckets[b].count()) < inner[j])
                below += static_cast<std::int64_t>(buckets[b++].count());
            if (groupBuckets.empty() || groupBuckets.back() != b) {
                groupOfBucket[b] = static_cast<std::uint16_t>(groupBuckets.size());
                inGroup[b] = 1;
                groupBuckets.push_back(b);
                firstOfGroup.push_back(j);
            }
            bucketOfThreshold.push_back(b);
            rank.push_back(inner[j] - 1 - below);
        }
        firstOfGroup.push_back(inner.size());
    }

    // Pass 2: the blocks of those buckets, placed by group, part and block: the same order
    // for any number of parts.
    std::vector<ExactSums> after(inner.size()); // each threshold's bucket after it
    if (!inner.empty()) {
        const std::size_t groups = groupBuckets.size();
        std::vector<std::int64_t> groupStart(groups + 1, 0);
        for (std::size_t g = 0; g < groups; ++g)
            groupStart[g + 1] =
                groupStart[g] + static_cast<std::int64_t>(buckets[groupBuckets[g]].count());
        std::vector<std::vector<std::int64_t>> cursors(parts, std::vector<std::int64_t>(groups));
        for (std::size_t g = 0; g < groups; ++g) {
            std::int64_t at = groupStart[g];
            for (std::size_t p = 0; p < parts; ++p) {
                cursors[p][g] = at;
                at += static_cast<std::int64_t>(tables[p][groupBuckets[g]].count());
            }
        }
        tables.clear();
        std::vector<Item> items(static_cast<std::size_t>(groupStart[groups]));
        eachPart([&](std::size_t p, std::int64_t from, std::int64_t to) {
            collectGroups<N>(w, from, to, inGroup.data(), groupOfBucket.data(), cursors[p].data(),
                             items.data());
        });
        context.throwIfCancelled();
        parallelFor(context, 0, static_cast<std::int64_t>(groups), 1,
                    [&](std::int64_t from, std::int64_t to) {
                        for (auto g = static_cast<std::size_t>(from);
                             g < static_cast<std::size_t>(to); ++g) {
                            const std::size_t first = firstOfGroup[g], last = firstOfGroup[g + 1];
                            std::vector<std::int64_t> ranks(
                                rank.begin() + static_cast<std::ptrdiff_t>(first),
                                rank.begin() + static_cast<std::ptrdiff_t>(last));
                            select(std::span<const Item>(items).subspan(
                                       static_cast<std::size_t>(groupStart[g]),
                                       static_cast<std::size_t>(groupStart[g + 1] - groupStart[g])),
                                   ranks, std::span(after).subspan(first, last - first), 0);
                        }
                    });
    }

    std::int64_t nonFiniteWeights = 0;
    for (std::int64_t count : nonFinite)
        nonFiniteWeights += count;
    const RankedTotals totals{n, n, nonFiniteWeights, suffix[0].energy, suffix[0].l1, 0};
    std::vector<MaskStats> rows;
    rows.reserve(ks.size());
    for (std::int64_t k : ks) {
        const std::int64_t pruned = std::clamp<std::int64_t>(k, 0, n);
        LongSums kept;
        if (pruned == 0) {
            kept = suffix[0];
        } else if (pruned < n) {
            const auto j = static_cast<std::size_t>(
                std::lower_bound(inner.begin(), inner.end(), pruned) - inner.begin());
            const std::size_t b = bucketOfThreshold[j];
            const LongSums inBucket = valueOf<N>(after[j], b);
            kept = {suffix[b + 1].energy + inBucket.energy, suffix[b + 1].l1 + inBucket.l1};
        }
        rows.push_back(statsFromSums(totals, pruned, pruned, kept.energy, kept.l1));
    }
    return rows;
}

} // namespace

std::optional<std::vector<MaskStats>> sweepFloatElements(const WeightTensor& weights, Norm norm,
                                                         std::span<const std::int64_t> ks,
                                                         const ExecutionContext& context)
{
    if (norm == Norm::L1)
        return sweepTyped<Norm::L1>(weights, ks, context);
    return sweepTyped<Norm::L2>(weights, ks, context);
}

} // namespace sparsity::core::detail
