#pragma once

// The synthetic layers and the pool every core benchmark shares (fixed seed 12345): normal
// N(0, 0.02) or Student-t(2) scaled by 0.01, built once per shape and kept.

#include "tensor/weighttensor.h"

#include <QThreadPool>
#include <map>
#include <random>
#include <tuple>

namespace sparsity::bench {

enum class Distribution
{
    Normal,
    HeavyTailed,
};

// Layers are built once per shape and distribution and shared by every benchmark.
inline const core::WeightTensor& layer(std::int64_t rows, std::int64_t cols,
                                       Distribution distribution)
{
    static std::map<std::tuple<std::int64_t, std::int64_t, Distribution>, core::WeightTensor> cache;
    const auto key = std::make_tuple(rows, cols, distribution);
    auto it = cache.find(key);
    if (it == cache.end()) {
        std::mt19937 rng(12345);
        std::normal_distribution<float> normal(0.0f, 0.02f);
        std::student_t_distribution<float> heavy(2.0f);
        std::vector<float> values(static_cast<std::size_t>(rows * cols));
        for (auto& v : values)
            v = distribution == Distribution::Normal ? normal(rng) : 0.01f * heavy(rng);
        it = cache.emplace(key, core::WeightTensor({rows, cols}, std::move(values))).first;
    }
    return it->second;
}

inline QThreadPool& pool()
{
    static QThreadPool p;
    p.setMaxThreadCount(8);
    return p;
}

} // namespace sparsity::bench
