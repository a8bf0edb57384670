#pragma once

// Layer snapshots for the UI tests, built the way the app builds them: norms, threshold, mask
// and statistics from core's Sparsifier.

#include "common/paramsbuilder.h"
#include "session/layersnapshot.h"

#include <memory>
#include <optional>

namespace sparsity::test {

std::shared_ptr<const ui::LayerSnapshot>
makeSnapshot(core::WeightTensor weights, const core::SparsityParams& params, bool withMask = true);

} // namespace sparsity::test
