#include "radixsort.h"

#include "parallel/parallelfor.h"

#include <algorithm>
#include <array>
#include <bit>
#include <numeric>

namespace sparsity::core::detail {
namespace {

constexpr int digitBits = 11;
constexpr std::size_t digitCount = std::size_t{1} << digitBits;
using Histogram = std::array<std::uint32_t, digitCount>;

// Splits [0, n) into parts of at least 64 Ki keys, at most one per thread.
std::int64_t partCount(std::int64_t n, const ExecutionContext& context)
{
    return std::clamp<std::int64_t>(n / 65536, 1, context.threadCount());
}

std::int64_t partBegin(std::int64_t part, std::int64_t parts, std::int64_t n)
{
    return n * part / parts;
}

} // namespace

template <typename Key>
void radixSortWithPositions(std::vector<Key>& keys, std::vector<std::uint32_t>& blocks,
                            const ExecutionContext& context)
{
    const auto n = static_cast<std::int64_t>(keys.size());
    blocks.resize(keys.size());
    const std::int64_t parts = partCount(n, context);
    const Key largest = n > 0 ? *std::max_element(keys.begin(), keys.end()) : Key{0};
    const int passes = (std::bit_width(largest) + digitBits - 1) / digitBits;

    std::vector<Key> otherKeys(keys.size());
    std::vector<std::uint32_t> otherBlocks(keys.size());
    bool positionsAreIdentity = true; // blocks[] not yet written: position i holds block i
    std::vector<Histogram> histograms(static_cast<std::size_t>(parts));
    for (int pass = 0; pass < passes; ++pass) {
        const int shift = pass * digitBits;
        const auto digit = [shift](Key key) {
            return static_cast<std::size_t>((key >> shift) & (digitCount - 1));
        };
        parallelFor(context, 0, parts, 1, [&](std::int64_t from, std::int64_t to) {
            for (std::int64_t part = from; part < to; ++part) {
                Histogram& h = histograms[static_cast<std::size_t>(part)];
                h.fill(0);
                for (std::int64_t i = partBegin(part, parts, n), end = partBegin(part + 1, parts, n);
                     i < end; ++i)
                    ++h[digit(keys[static_cast<std::size_t>(i)])];
            }
        });
        // Where each part's keys of each digit go: after all smaller digits, and after the same
        // digit's keys of earlier parts (which keeps the sort stable).
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
            continue; // every key has this digit: the pass would not move anything
        parallelFor(context, 0, parts, 1, [&](std::int64_t from, std::int64_t to) {
            for (std::int64_t part = from; part < to; ++part) {
                Histogram& next = histograms[static_cast<std::size_t>(part)];
                for (std::int64_t i = partBegin(part, parts, n), end = partBegin(part + 1, parts, n);
                     i < end; ++i) {
                    const Key key = keys[static_cast<std::size_t>(i)];
                    const std::uint32_t at = next[digit(key)]++;
                    otherKeys[at] = key;
                    otherBlocks[at] = positionsAreIdentity ? static_cast<std::uint32_t>(i)
                                                           : blocks[static_cast<std::size_t>(i)];
                }
            }
        });
        keys.swap(otherKeys);
        blocks.swap(otherBlocks);
        positionsAreIdentity = false;
    }
    if (positionsAreIdentity)
        std::iota(blocks.begin(), blocks.end(), std::uint32_t{0});
}

template void radixSortWithPositions<std::uint32_t>(std::vector<std::uint32_t>&,
                                                    std::vector<std::uint32_t>&,
                                                    const ExecutionContext&);
template void radixSortWithPositions<std::uint64_t>(std::vector<std::uint64_t>&,
                                                    std::vector<std::uint32_t>&,
                                                    const ExecutionContext&);

} // namespace sparsity::core::detail
