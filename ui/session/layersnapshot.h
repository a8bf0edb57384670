#pragma once

#include "export/maskexport.h"
#include "mask/blocknorms.h"
#include "mask/blockthreshold.h"
#include "mask/maskbytes.h"
#include "mask/maskstats.h"
#include "mask/sparsityparams.h"
#include "tensor/matrixmapping.h"
#include "tensor/weighttensor.h"

#include <QString>
#include <memory>
#include <optional>

namespace sparsity::ui {

// Which ranking a snapshot's mask comes from (docs/SPEC.md "Model scope").
enum class MaskScope
{
    Layer,            // the layer ranked alone at params.level
    Model,            // the layer's part of the model-wide mask of `model`
    ModelPending,     // model scope asked, the rankings of all layers not ready: ranked alone
    ModelUnavailable, // model scope asked, a layer of the model cannot be ranked: ranked alone
    OutsideModel,     // model scope asked, the layer is none of the model's: ranked alone
};

// Everything the views draw for one layer at one set of parameters: an immutable snapshot
// shared (by shared_ptr) between the UI thread and the render workers. A snapshot is never
// modified; a parameter change produces a new one. Pointers may be null while not computed
// yet (norms and mask), never weights.
struct LayerSnapshot
{
    QString datasetPath;
    // The matrix the mask is computed on (docs/SPEC.md "View"), rows() x cols().
    std::shared_ptr<const core::WeightTensor> weights;
    // How the stored dataset became that matrix (layout, view, stored shape); null when the
    // weights are the stored tensor itself (torch, flatten), as in snapshots built by tests.
    std::shared_ptr<const core::MatrixMapping> mapping;
    std::shared_ptr<const core::BlockNorms> norms; // for params.block and params.norm
    std::shared_ptr<const core::MaskBytes> mask;   // row-major, weights' shape, 1 = keep
    core::SparsityParams params;
    core::BlockThreshold threshold;
    core::MaskStats stats;
    MaskScope scope = MaskScope::Layer;
    // The model level and bounds in force when scope is not Layer (params.level is the same
    // level; the mask prunes stats.prunedBlocks blocks, this layer's share).
    std::optional<core::ModelScopeRequest> model;
    QString modelProblem;   // why, when scope is ModelUnavailable
    quint64 generation = 0; // increases with every new snapshot of a view's layer
};

} // namespace sparsity::ui
