#include "maskstats.h"

#include "parallel/parallelfor.h"

#include <cmath>
#include <limits>
#include <vector>

namespace sparsity::core {
namespace {

constexpr std::int64_t slice = std::int64_t{1} << 16;

// Plain reductions the compiler vectorizes: this file alone is built with reassociation
// allowed (see core/CMakeLists.txt). The statistics need not match PyTorch bit for bit, only be
// the same for any thread count, which fixed slices and a fixed binary guarantee.
template <typename T> std::int64_t countNonFinite(const T* w, std::int64_t from, std::int64_t to)
{
    constexpr T inf = std::numeric_limits<T>::infinity();
    std::int64_t count = 0;
    for (std::int64_t i = from; i < to; ++i)
        count += !(std::fabs(w[i]) < inf); // NaN compares false too
    return count;
}

// The common case, a slice without NaN or inf: no per-element checks, so it vectorizes.
template <typename T, bool Masked>
WeightSums sumFiniteSlice(const T* w, const std::uint8_t* mask, std::int64_t from, std::int64_t to)
{
    double energy = 0.0, l1 = 0.0;
    for (std::int64_t i = from; i < to; ++i) {
        const double x = static_cast<double>(w[i]);
        const double keep = Masked ? static_cast<double>(mask[i]) : 1.0;
        energy += keep * (x * x);
        l1 += keep * std::fabs(x);
    }
    return WeightSums{energy, l1, 0};
}

template <typename T, bool Masked>
WeightSums sumSlice(const T* w, const std::uint8_t* mask, std::int64_t from, std::int64_t to)
{
    const std::int64_t nonFinite = countNonFinite(w, from, to);
    if (nonFinite == 0)
        return sumFiniteSlice<T, Masked>(w, mask, from, to);
    WeightSums sums{0.0, 0.0, nonFinite};
    for (std::int64_t i = from; i < to; ++i) {
        const double x = static_cast<double>(w[i]);
        if (std::isfinite(x) && (!Masked || mask[i] != 0)) {
            sums.energy += x * x;
            sums.l1 += std::fabs(x);
        }
    }
    return sums;
}

template <typename T>
WeightSums sumTyped(const T* w, std::int64_t n, const std::uint8_t* mask,
                    const ExecutionContext& context)
{
    const std::int64_t slices = (n + slice - 1) / slice;
    std::vector<WeightSums> partial(static_cast<std::size_t>(slices));
    parallelFor(context, 0, slices, 4, [&](std::int64_t from, std::int64_t to) {
        for (std::int64_t s = from; s < to; ++s) {
            const std::int64_t a = s * slice, b = std::min(n, a + slice);
            partial[s] = mask ? sumSlice<T, true>(w, mask, a, b) : sumSlice<T, false>(w, mask, a, b);
        }
    });
    WeightSums total;
    for (const WeightSums& s : partial) {
        total.energy += s.energy;
        total.l1 += s.l1;
        total.nonFinite += s.nonFinite;
    }
    return total;
}

} // namespace

WeightSums sumWeights(const WeightTensor& weights, const std::uint8_t* mask,
                      const ExecutionContext& context)
{
    if (weights.precision() == Precision::Float32)
        return sumTyped(weights.values<float>().data(), weights.elementCount(), mask, context);
    return sumTyped(weights.values<double>().data(), weights.elementCount(), mask, context);
}

void setRetention(MaskStats& stats, const WeightSums& all, const WeightSums& kept)
{
    stats.nonFiniteWeights = all.nonFinite;
    stats.retainedEnergy = all.energy > 0 ? kept.energy / all.energy : 1.0;
    stats.retainedL1 = all.l1 > 0 ? kept.l1 / all.l1 : 1.0;
}

} // namespace sparsity::core
