#include "sortednorms.h"

#include "mask/blocknorms.h"
#include "mask/normkeys.h"
#include "parallel/parallelfor.h"
#include "radixsort.h"

#include <bit>

namespace sparsity::core {
namespace {

template <typename T>
LargeVector<detail::OrderKey<T>> sortedKeys(const WeightTensor& weights, const BlockNorms& norms,
                                            const ExecutionContext& context)
{
    const std::int64_t n = norms.blockCount();
    LargeVector<detail::OrderKey<T>> keys(static_cast<std::size_t>(n));
    detail::visitNormKeysTyped<T>(norms, weights, [&](const auto& key) {
        parallelFor(context, 0, n, 65536, [&](std::int64_t from, std::int64_t to) {
            for (std::int64_t i = from; i < to; ++i)
                keys[static_cast<std::size_t>(i)] = key(i);
        });
    });
    detail::radixSortKeys(keys, context);
    return keys;
}

} // namespace

SortedNorms SortedNorms::build(const WeightTensor& weights, const Configuration& configuration,
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
    SortedNorms sorted;
    sorted.m_configuration = configuration;
    if (configuration.zerosPerBlock == configuration.block.elementCount())
        sorted.m_configuration.zerosPerBlock.reset();
    sorted.m_blockCount = norms.blockCount();
    if (weights.precision() == Precision::Float32)
        sorted.m_keys = sortedKeys<float>(weights, norms, context);
    else
        sorted.m_keys = sortedKeys<double>(weights, norms, context);
    return sorted;
}

std::uint64_t SortedNorms::doubleKeyAtRank(std::int64_t rank) const
{
    const auto r = static_cast<std::size_t>(rank);
    if (const auto* keys = std::get_if<LargeVector<std::uint32_t>>(&m_keys))
        return detail::nonNegativeKey(static_cast<double>(std::bit_cast<float>((*keys)[r])));
    return std::get<LargeVector<std::uint64_t>>(m_keys)[r];
}

std::int64_t SortedNorms::countBelow(std::uint64_t doubleKey) const
{
    std::int64_t low = 0, high = m_blockCount;
    while (low < high) {
        const std::int64_t mid = low + (high - low) / 2;
        if (doubleKeyAtRank(mid) < doubleKey)
            low = mid + 1;
        else
            high = mid;
    }
    return low;
}

} // namespace sparsity::core
