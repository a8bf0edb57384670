#pragma once

#include "mask/maskbytes.h"
#include "mask/sparsityparams.h"

#include <QString>
#include <cstdint>
#include <memory>

namespace sparsity::ui {

// Mask A of the Compare dock: the bytes of a mask as it was on screen when pinned, and what
// made it. Immutable once made; shared between the UI thread and the jobs that compare it.
struct PinnedMask
{
    QString datasetPath;
    core::SparsityParams params;
    QString scope;         // "layer", or how the mask was chosen across layers
    std::int64_t rows = 0; // the 2-D view of the layer
    std::int64_t cols = 0;
    std::shared_ptr<const core::MaskBytes> mask; // row-major, 1 = keep

    // "/mlp/fc2/weight · 4x4 l2 · level 50.0 % · layer scope"
    QString description() const;
};

} // namespace sparsity::ui
