#include "maskstats.h"

#include "parallel/parallelfor.h"

#include <cmath>
#include <limits>
#include <vector>

namespace sparsity::core {
namespace {

// Small slices: each is summed in the tensor's precision, so float's rounding stays far below
// what a percentage shows, then added in double in slice order.
constexpr std::int64_t slice = 4096;

// Plain reductions the compiler vectorizes: this file alone is built with reassociation
// allowed (see core/CMakeLists.txt). Statistics need not match PyTorch bit for bit, only be the
// same for any thread count, which fixed slices and a fixed binary guarantee. A NaN or inf
// weight (or an overflowing square) makes the fast sums non-finite; only then is the slice
// redone exactly, element by element.
template <typename T, bool Masked>
bool sumFast(const T* w, const std::uint8_t* mask, std::int64_t from, std::int64_t to,
             WeightSums& sums)
{
    T energy = 0, l1 = 0;
    for (std::int64_t i = from; i < to; ++i) {
        const T keep = Masked ? static_cast<T>(mask[i]) : T(1);
        energy += keep * (w[i] * w[i]);
        l1 += keep * std::fabs(w[i]);
    }
    if (!std::isfinite(energy) || !std::isfinite(l1))
        return false;
    sums.energy += static_cast<double>(energy);
    sums.l1 += static_cast<double>(l1);
    return true;
}

template <typename T, bool Masked>
void sumExactly(const T* w, const std::uint8_t* mask, std::int64_t from, std::int64_t to,
                WeightSums& sums)
{
    for (std::int64_t i = from; i < to; ++i) {
        const double x = static_cast<double>(w[i]);
        if (!std::isfinite(x)) {
            ++sums.nonFinite;
            continue;
        }
        if (!Masked || mask[i] != 0) {
            sums.energy += x * x;
            sums.l1 += std::fabs(x);
        }
    }
}

template <typename T, bool Masked>
void sumSlice(const T* w, const std::uint8_t* mask, std::int64_t from, std::int64_t to,
              WeightSums& sums)
{
    if (!sumFast<T, Masked>(w, mask, from, to, sums))
        sumExactly<T, Masked>(w, mask, from, to, sums);
}

template <typename T>
WeightSums sumTyped(const T* w, std::int64_t n, const std::uint8_t* mask,
                    const ExecutionContext& context)
{
    const std::int64_t slices = (n + slice - 1) / slice;
    std::vector<WeightSums> partial(static_cast<std::size_t>(slices));
    parallelFor(context, 0, slices, 16, [&](std::int64_t from, std::int64_t to) {
        for (std::int64_t s = from; s < to; ++s) {
            const std::int64_t a = s * slice, b = std::min(n, a + slice);
            if (mask)
                sumSlice<T, true>(w, mask, a, b, partial[s]);
            else
                sumSlice<T, false>(w, mask, a, b, partial[s]);
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

template <typename T>
void addKeptTyped(const T* w, const std::uint8_t* mask, std::int64_t n, WeightSums& sums)
{
    for (std::int64_t a = 0; a < n; a += slice) {
        WeightSums part;
        sumSlice<T, true>(w, mask, a, std::min(n, a + slice), part);
        sums.energy += part.energy;
        sums.l1 += part.l1;
    }
}

} // namespace

void addKeptSums(const float* weights, const std::uint8_t* mask, std::int64_t n, WeightSums& sums)
{
    addKeptTyped(weights, mask, n, sums);
}

void addKeptSums(const double* weights, const std::uint8_t* mask, std::int64_t n, WeightSums& sums)
{
    addKeptTyped(weights, mask, n, sums);
}

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
