#include "poolkernels.h"

#include <algorithm>

// The x86-64 baseline (SSE2) has no unsigned 32-bit max and emulates it with four
// instructions, which makes these loops compute-bound; an AVX2 clone, picked when the program
// loads, has the instruction and twice the width. Other targets and sanitizer builds (whose
// runtimes are not ready when the clone resolver runs) get the plain build.
#if defined(__x86_64__) && defined(__has_attribute) && !defined(SPARSITY_NO_TARGET_CLONES)
#if __has_attribute(target_clones)
#define SPARSITY_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef SPARSITY_SIMD_CLONES
#define SPARSITY_SIMD_CLONES
#endif

namespace sparsity::ui::detail {
namespace {

template <typename T> inline void poolAbs(const T* row, std::int64_t n, typename Bits<T>::Key* acc)
{
    for (std::int64_t i = 0; i < n; ++i)
        acc[i] = std::max(acc[i], absKey(row[i]));
}

template <typename T>
inline void poolKept(const T* row, const std::uint8_t* mask, std::int64_t n,
                     typename Bits<T>::Key* acc)
{
    using Key = typename Bits<T>::Key;
    constexpr int shift = sizeof(Key) * 8 - 1;
    if (!mask) {
        for (std::int64_t i = 0; i < n; ++i)
            acc[i] = std::max(acc[i], absKey(row[i]) | Bits<T>::kept);
        return;
    }
    for (std::int64_t i = 0; i < n; ++i)
        acc[i] = std::max(acc[i], absKey(row[i]) | (Key(mask[i] & 1) << shift));
}

template <typename T>
inline void keptCounted(const T* row, const std::uint8_t* mask, std::int64_t n,
                        typename Bits<T>::Key* acc, std::uint32_t* count)
{
    using Key = typename Bits<T>::Key;
    constexpr int shift = sizeof(Key) * 8 - 1;
    if (!mask) {
        for (std::int64_t i = 0; i < n; ++i) {
            acc[i] = std::max(acc[i], absKey(row[i]) | Bits<T>::kept);
            count[i] += 1;
        }
        return;
    }
    for (std::int64_t i = 0; i < n; ++i) {
        const std::uint32_t m = mask[i] & 1;
        acc[i] = std::max(acc[i], absKey(row[i]) | (Key(m) << shift));
        count[i] += m;
    }
}

template <typename T>
inline AbsKeyRange<typename Bits<T>::Key> scan(const T* values, std::int64_t n)
{
    using B = Bits<T>;
    using Key = typename B::Key;
    // Branch-free with same-width integers only, so the loop vectorizes: a non-finite key turns
    // into `inf` for the minima and 0 for the maximum; the smallest positive key is the minimum
    // of key - 1, where a zero key wraps around to the largest value and drops out.
    Key lo = B::inf;
    Key loPositiveMinusOne = B::inf - 1;
    Key hi = 0;
    std::int64_t nonFinite = 0;
    constexpr std::int64_t chunk = std::int64_t{1} << 20; // the per-chunk count cannot overflow
    for (std::int64_t start = 0; start < n; start += chunk) {
        const std::int64_t end = std::min(n, start + chunk);
        Key bad = 0;
        for (std::int64_t i = start; i < end; ++i) {
            // Written with min and masks: GCC does not vectorize a max of a conditional.
            const Key k = absKey(values[i]);
            const Key finite = Key(k < B::inf);
            const Key finiteKey = std::min(k, B::inf);
            bad += 1 - finite;
            lo = std::min(lo, finiteKey);
            loPositiveMinusOne = std::min(loPositiveMinusOne, Key(finiteKey - 1));
            hi = std::max(hi, Key(k & (Key{0} - finite)));
        }
        nonFinite += std::int64_t(bad);
    }
    return {lo, Key(loPositiveMinusOne + 1), hi, nonFinite};
}

} // namespace

SPARSITY_SIMD_CLONES void poolAbsKeys(const float* row, std::int64_t n, std::uint32_t* acc)
{
    poolAbs(row, n, acc);
}

SPARSITY_SIMD_CLONES void poolAbsKeys(const double* row, std::int64_t n, std::uint64_t* acc)
{
    poolAbs(row, n, acc);
}

SPARSITY_SIMD_CLONES void poolAbsKeysKept(const float* row, const std::uint8_t* mask,
                                          std::int64_t n, std::uint32_t* acc)
{
    poolKept(row, mask, n, acc);
}

SPARSITY_SIMD_CLONES void poolAbsKeysKept(const double* row, const std::uint8_t* mask,
                                          std::int64_t n, std::uint64_t* acc)
{
    poolKept(row, mask, n, acc);
}

SPARSITY_SIMD_CLONES void poolKeptCounted(const float* row, const std::uint8_t* mask,
                                          std::int64_t n, std::uint32_t* acc, std::uint32_t* count)
{
    keptCounted(row, mask, n, acc, count);
}

SPARSITY_SIMD_CLONES void poolKeptCounted(const double* row, const std::uint8_t* mask,
                                          std::int64_t n, std::uint64_t* acc, std::uint32_t* count)
{
    keptCounted(row, mask, n, acc, count);
}

SPARSITY_SIMD_CLONES void countKept(const std::uint8_t* mask, std::int64_t n, std::uint32_t* count)
{
    for (std::int64_t i = 0; i < n; ++i)
        count[i] += std::uint32_t(mask[i] & 1);
}

SPARSITY_SIMD_CLONES void poolBytes(const std::uint8_t* values, std::int64_t n, std::uint8_t* acc)
{
    for (std::int64_t i = 0; i < n; ++i)
        acc[i] = std::max(acc[i], values[i]);
}

SPARSITY_SIMD_CLONES void poolPrunedCode(const std::uint8_t* mask, std::int64_t n,
                                         std::uint8_t code, std::uint8_t* acc)
{
    for (std::int64_t i = 0; i < n; ++i)
        acc[i] = std::max(acc[i], std::uint8_t((1 - (mask[i] & 1)) * code));
}

SPARSITY_SIMD_CLONES AbsKeyRange<std::uint32_t> scanAbsKeys(const float* values, std::int64_t n)
{
    return scan(values, n);
}

SPARSITY_SIMD_CLONES AbsKeyRange<std::uint64_t> scanAbsKeys(const double* values, std::int64_t n)
{
    return scan(values, n);
}

} // namespace sparsity::ui::detail
