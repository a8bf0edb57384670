#pragma once

// Layer snapshots for the UI tests, built the way the app builds them: norms, threshold, mask
// and statistics from core's Sparsifier.

#include "session/layersnapshot.h"

#include <memory>

namespace sparsity::test {

std::shared_ptr<const ui::LayerSnapshot>
makeSnapshot(core::WeightTensor weights, const core::SparsityParams& params, bool withMask = true);

} // namespace sparsity::test
