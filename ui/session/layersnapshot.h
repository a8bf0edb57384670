#pragma once

#include "mask/blocknorms.h"
#include "mask/blockthreshold.h"
#include "mask/maskbytes.h"
#include "mask/maskstats.h"
#include "mask/sparsityparams.h"
#include "tensor/weighttensor.h"

#include <QString>
#include <memory>

namespace sparsity::ui {

// Everything the views draw for one layer at one set of parameters: an immutable snapshot
// shared (by shared_ptr) between the UI thread and the render workers. A snapshot is never
// modified; a parameter change produces a new one. Pointers may be null while not computed
// yet (norms and mask), never weights.
struct LayerSnapshot
{
    QString datasetPath;
    std::shared_ptr<const core::WeightTensor> weights;
    std::shared_ptr<const core::BlockNorms> norms; // for params.block and params.norm
    std::shared_ptr<const core::MaskBytes> mask;   // row-major, weights' shape, 1 = keep
    core::SparsityParams params;
    core::BlockThreshold threshold;
    core::MaskStats stats;
    quint64 generation = 0; // increases with every new snapshot of a view's layer
};

} // namespace sparsity::ui
