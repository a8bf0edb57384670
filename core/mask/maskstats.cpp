#include "maskstats.h"

#include "parallel/parallelfor.h"

#include <cmath>
#include <mutex>
#include <vector>

namespace sparsity::core {
namespace {

struct Sums
{
    std::int64_t zeros = 0;
    std::int64_t nonFinite = 0;
    double energy = 0, keptEnergy = 0, l1 = 0, keptL1 = 0;
};

template <typename T>
Sums sumRange(std::span<const T> weights, std::span<const std::uint8_t> mask, std::int64_t from,
              std::int64_t to)
{
    Sums s;
    for (std::int64_t i = from; i < to; ++i) {
        const double w = static_cast<double>(weights[i]);
        const bool kept = mask[i] != 0;
        s.zeros += kept ? 0 : 1;
        if (!std::isfinite(w)) {
            ++s.nonFinite;
            continue;
        }
        const double a = std::fabs(w);
        s.l1 += a;
        s.energy += w * w;
        if (kept) {
            s.keptL1 += a;
            s.keptEnergy += w * w;
        }
    }
    return s;
}

} // namespace

MaskStats computeMaskStats(const WeightTensor& weights, std::span<const std::uint8_t> mask,
                           std::int64_t blocks, std::int64_t prunedBlocks,
                           const ExecutionContext& context)
{
    const std::int64_t n = weights.elementCount();
    // Fixed slices, summed in slice order afterwards: the same doubles for any thread count.
    constexpr std::int64_t slice = 1 << 16;
    const std::int64_t sliceCount = (n + slice - 1) / slice;
    std::vector<Sums> partial(static_cast<std::size_t>(sliceCount));
    parallelFor(context, 0, sliceCount, 4, [&](std::int64_t from, std::int64_t to) {
        for (std::int64_t s = from; s < to; ++s) {
            const std::int64_t a = s * slice, b = std::min(n, a + slice);
            partial[s] = weights.precision() == Precision::Float32
                             ? sumRange(weights.values<float>(), mask, a, b)
                             : sumRange(weights.values<double>(), mask, a, b);
        }
    });
    Sums total;
    for (const Sums& s : partial) {
        total.zeros += s.zeros;
        total.nonFinite += s.nonFinite;
        total.energy += s.energy;
        total.keptEnergy += s.keptEnergy;
        total.l1 += s.l1;
        total.keptL1 += s.keptL1;
    }
    MaskStats stats;
    stats.elements = n;
    stats.zeros = total.zeros;
    stats.blocks = blocks;
    stats.prunedBlocks = prunedBlocks;
    stats.nonFiniteWeights = total.nonFinite;
    stats.achievedSparsity = n > 0 ? static_cast<double>(total.zeros) / static_cast<double>(n) : 0.0;
    stats.retainedEnergy = total.energy > 0 ? total.keptEnergy / total.energy : 1.0;
    stats.retainedL1 = total.l1 > 0 ? total.keptL1 / total.l1 : 1.0;
    return stats;
}

} // namespace sparsity::core
