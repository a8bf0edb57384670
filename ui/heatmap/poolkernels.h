#pragma once

// Internal to ui/heatmap: the hot loops of the heatmap sources as plain functions over
// contiguous rows, so they vectorize (and are tested against scalar code on odd lengths).
// Pure functions; any thread.

#include <bit>
#include <cstdint>

namespace sparsity::ui::detail {

// Bit patterns of |x|: as unsigned integers they sort like the values, +inf above every finite
// value and NaN above +inf. Max-pooling works on these keys; a pooled key at or above `inf`
// says the pixel holds a non-finite value.
template <typename T> struct Bits;
template <> struct Bits<float>
{
    using Key = std::uint32_t;
    static constexpr Key abs = 0x7fffffffu;
    static constexpr Key inf = 0x7f800000u;
    static constexpr Key kept = 0x80000000u; // the sign bit, free once the sign is dropped
};
template <> struct Bits<double>
{
    using Key = std::uint64_t;
    static constexpr Key abs = 0x7fffffffffffffffull;
    static constexpr Key inf = 0x7ff0000000000000ull;
    static constexpr Key kept = 0x8000000000000000ull;
};

template <typename T> inline typename Bits<T>::Key absKey(T v)
{
    return std::bit_cast<typename Bits<T>::Key>(v) & Bits<T>::abs;
}

// acc[i] = max(acc[i], absKey(row[i])).
void poolAbsKeys(const float* row, std::int64_t n, std::uint32_t* acc);
void poolAbsKeys(const double* row, std::int64_t n, std::uint64_t* acc);
// The same with the kept flag: the `kept` bit is set where mask[i] is 1 (everywhere if mask is
// null), so any kept element outranks every pruned one.
void poolAbsKeysKept(const float* row, const std::uint8_t* mask, std::int64_t n,
                     std::uint32_t* acc);
void poolAbsKeysKept(const double* row, const std::uint8_t* mask, std::int64_t n,
                     std::uint64_t* acc);
// poolAbsKeysKept and countKept in one pass (the zoomed-out mask over weights): acc[i] =
// max(acc[i], absKey(row[i]) | kept bit where mask[i] is 1) and count[i] += mask[i] & 1;
// a null mask keeps everything.
void poolKeptCounted(const float* row, const std::uint8_t* mask, std::int64_t n, std::uint32_t* acc,
                     std::uint32_t* count);
void poolKeptCounted(const double* row, const std::uint8_t* mask, std::int64_t n,
                     std::uint64_t* acc, std::uint32_t* count);
// count[i] += mask[i] & 1: kept elements per column.
void countKept(const std::uint8_t* mask, std::int64_t n, std::uint32_t* count);
// acc[i] = max(acc[i], values[i]).
void poolBytes(const std::uint8_t* values, std::int64_t n, std::uint8_t* acc);
// acc[i] = max(acc[i], mask[i] ? 0 : code).
void poolPrunedCode(const std::uint8_t* mask, std::int64_t n, std::uint8_t code, std::uint8_t* acc);

// The extreme keys of the finite |v| and the number of non-finite values.
template <typename Key> struct AbsKeyRange
{
    Key lowest = 0;
    Key lowestPositive = 0; // Bits<T>::inf when no value is positive
    Key highest = 0;
    std::int64_t nonFinite = 0;
};
AbsKeyRange<std::uint32_t> scanAbsKeys(const float* values, std::int64_t n);
AbsKeyRange<std::uint64_t> scanAbsKeys(const double* values, std::int64_t n);

} // namespace sparsity::ui::detail
