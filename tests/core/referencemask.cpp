#include "referencemask.h"

#include "mask/orderkey.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <tuple>

namespace sparsity::test {
namespace {

using core::Norm;

template <typename T>
ReferenceMask referenceTyped(std::span<const T> w, std::int64_t H, std::int64_t C,
                             const core::SparsityParams& p)
{
    const std::int64_t bh = p.block.rows, bw = p.block.cols;
    const std::int64_t R = (H + bh - 1) / bh, Q = (C + bw - 1) / bw, N = R * Q;
    const std::int64_t zeros = p.effectiveZerosPerBlock();
    auto f = [&](std::int64_t i) -> T {
        return p.norm == Norm::L1 ? core::detail::elementNorm<Norm::L1>(w[i])
                                  : core::detail::elementNorm<Norm::L2>(w[i]);
    };
    ReferenceMask out;
    out.mask.assign(static_cast<std::size_t>(H * C), 1);
    out.norms.resize(static_cast<std::size_t>(N));
    std::vector<T> norms(static_cast<std::size_t>(N));
    for (std::int64_t br = 0; br < R; ++br)
        for (std::int64_t bc = 0; bc < Q; ++bc) {
            T sum = 0;
            std::int64_t count = 0;
            for (std::int64_t r = br * bh; r < std::min(H, (br + 1) * bh); ++r)
                for (std::int64_t c = bc * bw; c < std::min(C, (bc + 1) * bw); ++c, ++count)
                    sum += f(r * C + c);
            norms[br * Q + bc] = sum / static_cast<T>(count);
            out.norms[br * Q + bc] = norms[br * Q + bc];
        }
    if (p.level <= 0 || zeros == 0)
        return out;
    if (p.level >= 1 && zeros == bh * bw) {
        std::fill(out.mask.begin(), out.mask.end(), 0);
        return out;
    }
    std::int64_t k = N;
    if (p.level < 1) {
        k = static_cast<std::int64_t>(std::nearbyint(p.level * static_cast<double>(N)));
        k = std::max<std::int64_t>(0, std::min(N - 1, k));
    }
    std::vector<std::pair<std::uint64_t, std::int64_t>> order;
    for (std::int64_t b = 0; b < N; ++b)
        order.emplace_back(core::detail::orderKey(norms[b]), b);
    std::sort(order.begin(), order.end());
    for (std::int64_t j = 0; j < k; ++j) {
        const std::int64_t b = order[j].second, br = b / Q, bc = b % Q;
        std::vector<std::tuple<std::uint64_t, std::int64_t, std::int64_t>> elems;
        for (std::int64_t r = br * bh; r < std::min(H, (br + 1) * bh); ++r)
            for (std::int64_t c = bc * bw; c < std::min(C, (bc + 1) * bw); ++c)
                elems.emplace_back(core::detail::orderKey(f(r * C + c)),
                                   (r - br * bh) * bw + (c - bc * bw), r * C + c);
        std::sort(elems.begin(), elems.end());
        for (std::size_t e = 0; e < elems.size() && static_cast<std::int64_t>(e) < zeros; ++e)
            out.mask[std::get<2>(elems[e])] = 0;
    }
    return out;
}

} // namespace

ReferenceMask referenceMask(const core::WeightTensor& weights, const core::SparsityParams& params)
{
    if (weights.precision() == core::Precision::Float32)
        return referenceTyped(weights.values<float>(), weights.rows(), weights.cols(), params);
    return referenceTyped(weights.values<double>(), weights.rows(), weights.cols(), params);
}

core::WeightTensor randomWeights(std::vector<std::int64_t> shape, core::Precision precision,
                                 unsigned seed, bool withTiesAndNonFinite)
{
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> normal;
    std::student_t_distribution<double> heavy(2.0);
    std::uniform_int_distribution<int> pick(0, 99);
    std::int64_t n = 1;
    for (auto d : shape)
        n *= d;
    std::vector<double> values(static_cast<std::size_t>(n));
    for (auto& v : values) {
        v = (pick(rng) < 50) ? normal(rng) : heavy(rng);
        if (withTiesAndNonFinite) {
            const int p = pick(rng);
            if (p < 30)
                v = std::round(v * 2) / 4; // few distinct values: exact ties
            else if (p == 30)
                v = std::numeric_limits<double>::quiet_NaN();
            else if (p == 31)
                v = std::numeric_limits<double>::infinity();
            else if (p == 32)
                v = -std::numeric_limits<double>::infinity();
            else if (p == 33)
                v = -0.0;
        }
    }
    if (precision == core::Precision::Float64)
        return core::WeightTensor(std::move(shape), std::move(values));
    return core::WeightTensor(std::move(shape), std::vector<float>(values.begin(), values.end()));
}

} // namespace sparsity::test
