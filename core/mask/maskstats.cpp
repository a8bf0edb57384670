#include "maskstats.h"

#include "parallel/parallelfor.h"

#include <cmath>
#include <limits>
#include <vector>

namespace sparsity::core {
namespace {

// Small slices, each summed in double (a float weight's square and absolute value are exact
// there), then added in long double in slice order: a total is within about 1e-13 relative of
// the exact sum, so any other fixed order of summation (the block ranking's) agrees with it to
// 1e-12, as docs/SPEC.md "Configurations and sweeps" asks.
constexpr std::int64_t slice = 4096;

// Plain reductions the compiler vectorizes: this file alone is built with reassociation
// allowed (see core/CMakeLists.txt). Statistics need not match PyTorch bit for bit, only be the
// same for any thread count and whichever pass sums them; so each slice is summed by one
// out-of-line function (inlined copies could be vectorized differently and round differently).
// A NaN or inf weight (or an overflowing square) makes the fast sums non-finite; only then is
// the slice redone exactly, element by element.
template <typename T, bool Masked>
[[gnu::noinline]] void sumSlice(const T* w, const std::uint8_t* mask, std::int64_t n,
                                WeightSums& sums)
{
    double energy = 0, l1 = 0;
    for (std::int64_t i = 0; i < n; ++i) {
        const double x = static_cast<double>(w[i]);
        const double keep = Masked ? static_cast<double>(mask[i]) : 1.0;
        energy += keep * (x * x);
        l1 += keep * std::fabs(x);
    }
    if (std::isfinite(energy) && std::isfinite(l1)) {
        sums.energy += static_cast<long double>(energy);
        sums.l1 += static_cast<long double>(l1);
        return;
    }
    for (std::int64_t i = 0; i < n; ++i) {
        const long double x = static_cast<long double>(w[i]);
        if (!std::isfinite(x)) {
            sums.nonFinite += Masked ? 0 : 1;
            continue;
        }
        if (!Masked || mask[i] != 0) {
            sums.energy += x * x;
            sums.l1 += std::fabs(x);
        }
    }
}

template <typename T>
void sumRowTyped(const T* w, const std::uint8_t* mask, std::int64_t n, WeightSums& kept,
                 WeightSums* all)
{
    for (std::int64_t a = 0; a < n; a += slice) {
        const std::int64_t size = std::min(slice, n - a);
        sumSlice<T, true>(w + a, mask + a, size, kept);
        if (all) // the slice is in L1 now
            sumSlice<T, false>(w + a, nullptr, size, *all);
    }
}

template <typename T> void sumAllOfRowTyped(const T* w, std::int64_t n, WeightSums& all)
{
    for (std::int64_t a = 0; a < n; a += slice)
        sumSlice<T, false>(w + a, nullptr, std::min(slice, n - a), all);
}

template <typename T>
WeightSums sumTyped(const WeightTensor& weights, const ExecutionContext& context)
{
    const T* w = weights.values<T>().data();
    const std::int64_t rows = weights.rows(), cols = weights.cols();
    std::vector<WeightSums> perRow(static_cast<std::size_t>(rows));
    parallelFor(context, 0, rows,
                std::max<std::int64_t>(1, 65536 / std::max<std::int64_t>(1, cols)),
                [&](std::int64_t from, std::int64_t to) {
                    for (std::int64_t r = from; r < to; ++r)
                        sumAllOfRowTyped(w + r * cols, cols, perRow[r]);
                });
    return addRows(perRow);
}

} // namespace

void sumRow(const float* weights, const std::uint8_t* mask, std::int64_t n, WeightSums& kept,
            WeightSums* all)
{
    sumRowTyped(weights, mask, n, kept, all);
}

void sumRow(const double* weights, const std::uint8_t* mask, std::int64_t n, WeightSums& kept,
            WeightSums* all)
{
    sumRowTyped(weights, mask, n, kept, all);
}

void sumAllOfRow(const float* weights, std::int64_t n, WeightSums& all)
{
    sumAllOfRowTyped(weights, n, all);
}

void sumAllOfRow(const double* weights, std::int64_t n, WeightSums& all)
{
    sumAllOfRowTyped(weights, n, all);
}

WeightSums addRows(std::span<const WeightSums> rows)
{
    WeightSums total;
    for (const WeightSums& row : rows) {
        total.energy += row.energy;
        total.l1 += row.l1;
        total.nonFinite += row.nonFinite;
    }
    return total;
}

WeightSums sumWeights(const WeightTensor& weights, const ExecutionContext& context)
{
    if (weights.precision() == Precision::Float32)
        return sumTyped<float>(weights, context);
    return sumTyped<double>(weights, context);
}

void setRetention(MaskStats& stats, const WeightSums& all, const WeightSums& kept)
{
    stats.nonFiniteWeights = all.nonFinite;
    stats.keptSums = kept;
    stats.allSums = all;
    stats.retainedEnergy = all.energy > 0 ? static_cast<double>(kept.energy / all.energy) : 1.0;
    stats.retainedL1 = all.l1 > 0 ? static_cast<double>(kept.l1 / all.l1) : 1.0;
}

} // namespace sparsity::core
