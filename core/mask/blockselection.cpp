#include "blockselection.h"

#include "orderkey.h"
#include "parallel/parallelfor.h"

#include <algorithm>
#include <cmath>

namespace sparsity::core {
namespace {

template <typename T> struct RankedBlock
{
    detail::OrderKey<T> key;
    std::int64_t index;

    friend bool operator<(const RankedBlock& a, const RankedBlock& b)
    {
        return a.key != b.key ? a.key < b.key : a.index < b.index;
    }
};

template <typename T>
void markLowest(const std::vector<T>& norms, std::int64_t k, BlockSelection& selection,
                const ExecutionContext& context)
{
    const auto n = static_cast<std::int64_t>(norms.size());
    std::vector<RankedBlock<T>> ranked(static_cast<std::size_t>(n));
    parallelFor(context, 0, n, 1 << 16, [&](std::int64_t from, std::int64_t to) {
        for (std::int64_t i = from; i < to; ++i)
            ranked[i] = {detail::orderKey(norms[i]), i};
    });
    std::nth_element(ranked.begin(), ranked.begin() + (k - 1), ranked.end());
    const RankedBlock<T> last = ranked[k - 1];
    parallelFor(context, 0, n, 1 << 16, [&](std::int64_t from, std::int64_t to) {
        for (std::int64_t i = from; i < to; ++i)
            selection.pruned[i] = !(last < RankedBlock<T>{detail::orderKey(norms[i]), i});
    });
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

BlockSelection selectLowestBlocks(const BlockNorms& norms, std::int64_t k,
                                  const ExecutionContext& context)
{
    BlockSelection selection;
    const std::int64_t n = norms.blockCount();
    k = std::clamp<std::int64_t>(k, 0, n);
    selection.pruned.assign(static_cast<std::size_t>(n), k == n ? 1 : 0);
    selection.prunedCount = k;
    if (k == 0 || k == n)
        return selection;
    std::visit([&](const auto& values) { markLowest(values, k, selection, context); },
               norms.values);
    return selection;
}

} // namespace sparsity::core
