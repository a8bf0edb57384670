#include "radixsort.h"

#include "parallel/parallelfor.h"

#include <algorithm>
#include <array>
#include <bit>

namespace sparsity::core::detail {
namespace {

// 8-bit digits: 256 buckets keep every bucket's write position in L1 and its page in the TLB,
// which wider digits (fewer passes) lose on large arrays.
constexpr int digitBits = 8;
constexpr std::size_t digitCount = std::size_t{1} << digitBits;
using Histogram = std::array<std::uint32_t, digitCount>;

// A 32-bit key and its position packed so that one 64-bit move carries both.
struct PackedItems
{
    using Item = std::uint64_t;
    static Item make(std::uint32_t key, std::uint32_t position)
    {
        return (std::uint64_t{key} << 32) | position;
    }
    static std::uint64_t keyOf(Item item) { return item >> 32; }
    static std::uint32_t positionOf(Item item) { return static_cast<std::uint32_t>(item); }
};

struct WideItems
{
    struct Item
    {
        std::uint64_t key;
        std::uint32_t position;
    };
    static Item make(std::uint64_t key, std::uint32_t position) { return {key, position}; }
    static std::uint64_t keyOf(const Item& item) { return item.key; }
    static std::uint32_t positionOf(const Item& item) { return item.position; }
};

// Bare keys, when the caller needs only their sorted values.
template <typename Key> struct BareKeys
{
    using Item = Key;
    static Item make(Key key, std::uint32_t) { return key; }
    static std::uint64_t keyOf(Item item) { return item; }
    static std::uint32_t positionOf(Item) { return 0; }
};

// Splits [0, n) into parts of at least 64 Ki items, at most one per thread.
std::int64_t partCount(std::int64_t n, const ExecutionContext& context)
{
    return std::clamp<std::int64_t>(n / 65536, 1, context.threadCount());
}

std::int64_t partBegin(std::int64_t part, std::int64_t parts, std::int64_t n)
{
    return n * part / parts;
}

template <typename Items, typename Key>
void sortItems(LargeVector<Key>& keys, LargeVector<std::uint32_t>* blocks,
               const ExecutionContext& context)
{
    using Item = typename Items::Item;
    const auto n = static_cast<std::int64_t>(keys.size());
    const std::int64_t parts = partCount(n, context);
    const auto eachPart = [&](const auto& body) {
        parallelFor(context, 0, parts, 1, [&](std::int64_t from, std::int64_t to) {
            for (std::int64_t part = from; part < to; ++part)
                body(part, partBegin(part, parts, n), partBegin(part + 1, parts, n));
        });
    };
    LargeVector<Item> items(keys.size()), other(keys.size());
    eachPart([&](std::int64_t, std::int64_t from, std::int64_t to) {
        for (std::int64_t i = from; i < to; ++i)
            items[static_cast<std::size_t>(i)] =
                Items::make(keys[static_cast<std::size_t>(i)], static_cast<std::uint32_t>(i));
    });
    const Key largest = n > 0 ? *std::max_element(keys.begin(), keys.end()) : Key{0};
    const int passes = (std::bit_width(largest) + digitBits - 1) / digitBits;
    std::vector<Histogram> histograms(static_cast<std::size_t>(parts));
    for (int pass = 0; pass < passes; ++pass) {
        const int shift = pass * digitBits;
        const auto digit = [shift](const Item& item) {
            return static_cast<std::size_t>((Items::keyOf(item) >> shift) & (digitCount - 1));
        };
        eachPart([&](std::int64_t part, std::int64_t from, std::int64_t to) {
            Histogram& h = histograms[static_cast<std::size_t>(part)];
            h.fill(0);
            for (std::int64_t i = from; i < to; ++i)
                ++h[digit(items[static_cast<std::size_t>(i)])];
        });
        // Each part's items of a digit go after all smaller digits and after the same digit's
        // items of earlier parts: the sort stays stable.
        std::int64_t total = 0;
        bool oneDigit = false;
        for (std::size_t d = 0; d < digitCount; ++d) {
            std::int64_t ofDigit = 0;
            for (Histogram& h : histograms) {
                const std::uint32_t count = h[d];
                h[d] = static_cast<std::uint32_t>(total + ofDigit);
                ofDigit += count;
            }
            oneDigit |= ofDigit == n;
            total += ofDigit;
        }
        if (oneDigit)
            continue; // every key has this digit: the pass would move nothing
        eachPart([&](std::int64_t part, std::int64_t from, std::int64_t to) {
            Histogram& next = histograms[static_cast<std::size_t>(part)];
            for (std::int64_t i = from; i < to; ++i) {
                const Item item = items[static_cast<std::size_t>(i)];
                other[next[digit(item)]++] = item;
            }
        });
        items.swap(other);
    }
    if (blocks)
        blocks->resize(keys.size());
    eachPart([&](std::int64_t, std::int64_t from, std::int64_t to) {
        for (std::int64_t i = from; i < to; ++i) {
            const Item& item = items[static_cast<std::size_t>(i)];
            keys[static_cast<std::size_t>(i)] = static_cast<Key>(Items::keyOf(item));
            if (blocks)
                (*blocks)[static_cast<std::size_t>(i)] = Items::positionOf(item);
        }
    });
}

} // namespace

template <>
void radixSortWithPositions<std::uint32_t>(LargeVector<std::uint32_t>& keys,
                                           LargeVector<std::uint32_t>& blocks,
                                           const ExecutionContext& context)
{
    sortItems<PackedItems>(keys, &blocks, context);
}

template <>
void radixSortWithPositions<std::uint64_t>(LargeVector<std::uint64_t>& keys,
                                           LargeVector<std::uint32_t>& blocks,
                                           const ExecutionContext& context)
{
    sortItems<WideItems>(keys, &blocks, context);
}

template <typename Key> void radixSortKeys(LargeVector<Key>& keys, const ExecutionContext& context)
{
    // The same passes with the keys as the items: half the bytes of keys with positions.
    sortItems<BareKeys<Key>>(keys, nullptr, context);
}

template void radixSortKeys<std::uint32_t>(LargeVector<std::uint32_t>&, const ExecutionContext&);
template void radixSortKeys<std::uint64_t>(LargeVector<std::uint64_t>&, const ExecutionContext&);

} // namespace sparsity::core::detail
