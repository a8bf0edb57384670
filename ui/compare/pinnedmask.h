#pragma once

#include "mask/maskbytes.h"
#include "mask/sparsityparams.h"
#include "ranking/modelscope.h"

#include <QString>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace sparsity::ui {

// Mask A of the Compare dock: the bytes of a mask as it was on screen when pinned, and what
// made it. Immutable once made; shared between the UI thread and the jobs that compare it.
struct PinnedMask
{
    QString datasetPath;
    core::SparsityParams params;
    // How the mask was chosen across layers: ranked alone (nullopt) or as its part of a
    // model-wide ranking within these bounds.
    std::optional<core::ModelBounds> modelBounds;
    std::int64_t rows = 0; // the 2-D view of the layer
    std::int64_t cols = 0;
    // Which stored element each matrix element is (docs/SPEC.md "Layout", "View"): A compares
    // with B only when both put the stored axes in the same order.
    std::vector<int> axisOrder;
    int rowAxes = 1;
    std::shared_ptr<const core::MaskBytes> mask; // row-major, 1 = keep

    // "/mlp/fc2/weight · 4x4 l2 · level 50.0 % · layer scope", in the language installed.
    QString description() const;
    // "layer", "model" or "model, each layer 10–90 %", in the language installed.
    static QString scopeText(const std::optional<core::ModelBounds>& bounds);
};

} // namespace sparsity::ui
