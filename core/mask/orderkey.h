#pragma once

// Internal to core/mask: the element function f of SPEC.md and an integer key whose unsigned
// order is the total order of SPEC.md (smaller first, +inf after finite values, NaN last).

#include "sparsityparams.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace sparsity::core::detail {

template <typename T> using OrderKey = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;

// f in the tensor's own precision, exactly as PyTorch's norm_fn computes it.
template <Norm N, typename T> inline T elementNorm(T x)
{
    if constexpr (N == Norm::L1)
        return std::fabs(x);
    else
        return x * x;
}

template <typename T> inline OrderKey<T> orderKey(T value)
{
    using Key = OrderKey<T>;
    constexpr Key signBit = Key{1} << (sizeof(T) * 8 - 1);
    if (std::isnan(value))
        return std::numeric_limits<Key>::max();
    if (value == T(0))
        value = T(0); // -0 and +0 are the same value and tie
    const Key bits = std::bit_cast<Key>(value);
    return (bits & signBit) ? ~bits : (bits | signBit);
}

} // namespace sparsity::core::detail
