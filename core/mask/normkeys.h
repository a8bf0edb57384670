#pragma once

// Internal to core/mask: one way to read block-norm keys whether the norms are stored or, for
// 1x1 blocks, are f of the weights themselves. visitNormKeys calls fn with a source whose
// operator()(i) returns the key of block i; each combination is its own instantiation, so the
// hot loops have no branches on it.

#include "blocknorms.h"
#include "orderkey.h"

namespace sparsity::core::detail {

template <typename T, bool Elementwise, Norm N> struct NormKeySource
{
    using Value = T;
    using Key = OrderKey<T>;
    const T* data;

    Key operator()(std::int64_t i) const
    {
        if constexpr (Elementwise)
            return nonNegativeKey(elementNorm<N>(data[i]));
        else
            return nonNegativeKey(data[i]);
    }
};

template <typename T, typename Fn>
decltype(auto) visitNormKeysTyped(const BlockNorms& norms, const WeightTensor& weights, Fn&& fn)
{
    if (!norms.isElementwise()) {
        // Norms that were never computed (level 1 prunes every block) are never read.
        const auto* stored = std::get_if<LargeVector<T>>(&norms.values);
        return fn(NormKeySource<T, false, Norm::L2>{stored ? stored->data() : nullptr});
    }
    const T* w = weights.values<T>().data();
    if (norms.norm == Norm::L1)
        return fn(NormKeySource<T, true, Norm::L1>{w});
    return fn(NormKeySource<T, true, Norm::L2>{w});
}

template <typename Fn>
decltype(auto) visitNormKeys(const BlockNorms& norms, const WeightTensor& weights, Fn&& fn)
{
    if (weights.precision() == Precision::Float32)
        return visitNormKeysTyped<float>(norms, weights, std::forward<Fn>(fn));
    return visitNormKeysTyped<double>(norms, weights, std::forward<Fn>(fn));
}

} // namespace sparsity::core::detail
