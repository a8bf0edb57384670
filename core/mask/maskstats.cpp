#include "maskstats.h"

#include "parallel/parallelfor.h"

#include <array>
#include <cmath>
#include <limits>
#include <vector>

namespace sparsity::core {
namespace {

constexpr std::int64_t slice = std::int64_t{1} << 16;
constexpr int lanes = 8;

// Eight independent accumulators per sum: the compiler turns them into SIMD lanes, and the
// fixed layout keeps the result independent of threads.
template <typename T, bool Masked>
WeightSums sumSlice(const T* w, const std::uint8_t* mask, std::int64_t from, std::int64_t to)
{
    std::array<double, lanes> energy{}, l1{};
    std::array<std::int64_t, lanes> nonFinite{};
    constexpr double inf = std::numeric_limits<double>::infinity();
    std::int64_t i = from;
    auto add = [&](int lane, std::int64_t index) {
        const double x = static_cast<double>(w[index]);
        const double a = std::fabs(x);
        const bool finite = a < inf; // false for inf and NaN
        const bool counted = finite && (!Masked || mask[index] != 0);
        energy[lane] += counted ? x * x : 0.0;
        l1[lane] += counted ? a : 0.0;
        nonFinite[lane] += finite ? 0 : 1;
    };
    for (; i + lanes <= to; i += lanes)
        for (int lane = 0; lane < lanes; ++lane)
            add(lane, i + lane);
    for (int lane = 0; i < to; ++i, ++lane)
        add(lane, i);
    WeightSums sums;
    for (int lane = 0; lane < lanes; ++lane) {
        sums.energy += energy[lane];
        sums.l1 += l1[lane];
        sums.nonFinite += nonFinite[lane];
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
