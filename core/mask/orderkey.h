#pragma once

// Internal to core/mask: the element function f of docs/SPEC.md and integer keys whose unsigned
// order is the total order of docs/SPEC.md (smaller first, +inf after finite values, NaN last,
// all NaNs equal, -0 equal to +0).

#include "sparsityparams.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace sparsity::core::detail {

template <typename T>
using OrderKey = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;

// f in the tensor's own precision, exactly as PyTorch's norm_fn computes it.
template <Norm N, typename T> inline T elementNorm(T x)
{
    if constexpr (N == Norm::L1)
        return std::fabs(x);
    else
        return x * x;
}

// Key of any value (used where values may be negative, e.g. by tests).
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

// Key of a value known to be >= 0 or NaN, as every f and every block norm is: the bits without
// the sign, with every NaN mapped to one value just above +inf. Branch-free, so loops over it
// vectorize; same order as orderKey on such values.
template <typename T> inline OrderKey<T> nonNegativeKey(T value)
{
    using Key = OrderKey<T>;
    constexpr Key signBit = Key{1} << (sizeof(T) * 8 - 1);
    constexpr Key firstNaN = std::bit_cast<Key>(std::numeric_limits<T>::infinity()) + 1;
    return std::min<Key>(std::bit_cast<Key>(value) & ~signBit, firstNaN);
}

} // namespace sparsity::core::detail
