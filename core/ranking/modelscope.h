#pragma once

#include "blockranking.h"
#include "bucketednorms.h"

#include <cstdint>
#include <span>
#include <vector>

namespace sparsity::core {

// Per-dataset bounds of model scope (docs/SPEC.md "Model scope"): each dataset prunes at least
// round(minLevel * N_d) and at most round(maxLevel * N_d) of its own blocks, below the
// model-wide level.
struct ModelBounds
{
    double minLevel = 0.0;
    double maxLevel = 1.0;

    // nullopt when valid, else why not (levels outside [0, 1], NaN, min above max).
    std::optional<QString> validate() const;
};

// How many blocks each dataset prunes when the datasets (in `list` order) share one ranking at
// `level`: docs/SPEC.md "Model scope", exactly. All rankings must have the same configuration.
// Throws Error(InvalidParameter) for an invalid level or bounds.
std::vector<std::int64_t> modelPrunedCounts(std::span<const BlockRanking* const> rankings,
                                            double level, const ModelBounds& bounds);
// The same from the datasets' bucketed norms alone (what an export keeps between its passes).
std::vector<std::int64_t> modelPrunedCounts(std::span<const BucketedNorms* const> datasets,
                                            double level, const ModelBounds& bounds);

} // namespace sparsity::core
