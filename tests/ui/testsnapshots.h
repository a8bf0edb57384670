#pragma once

// Layer snapshots for the UI tests, built the way the app builds them: norms, threshold, mask
// and statistics from core's Sparsifier.

#include "session/layersnapshot.h"

#include <memory>
#include <optional>

namespace sparsity::test {

// Parameters in one line, for data-driven tests.
inline core::SparsityParams makeParams(double level, int rows, int cols,
                                       std::optional<std::int64_t> zeros,
                                       core::Norm norm = core::Norm::L2)
{
    core::SparsityParams params;
    params.level = level;
    params.block = {rows, cols};
    params.zerosPerBlock = zeros;
    params.norm = norm;
    return params;
}

std::shared_ptr<const ui::LayerSnapshot>
makeSnapshot(core::WeightTensor weights, const core::SparsityParams& params, bool withMask = true);

} // namespace sparsity::test
