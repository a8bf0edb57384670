#pragma once

#include "export/maskexport.h"
#include "mask/sparsityparams.h"

#include <QString>
#include <QStringList>
#include <cstdint>
#include <optional>
#include <vector>

namespace sparsity::core {

// One dataset the script checks: its path, its shape and element type as listed, and the
// parameters of its mask.
struct PytorchScriptLayer
{
    QString datasetPath;
    std::vector<std::int64_t> shape;
    QString typeName; // "float32", ...; may be empty
    SparsityParams params;
    // docs/SPEC.md "Layout" and "View", resolved: a rank-2 Keras kernel (in, out) is checked
    // transposed, as PyTorch keeps it; other ranks are described with their matrix.
    Layout layout = Layout::Torch;
    MatrixView view = MatrixView::Flatten;
};

// What "Copy as PyTorch" (GUI) and `sparsity-cli mask --print-pytorch` describe: which weights,
// which mask file to compare with, and how that file is (or was) made.
struct PytorchScriptRequest
{
    QString sourcePath; // the weights file the script reads (absolute)
    QString maskPath;   // the mask file it compares with; it may not exist yet
    // How the mask file is made, for the script's header ("sparsity-cli mask ...", "File >
    // Export Masks in Sparsity Explorer"); one line.
    QString maskOrigin;
    std::vector<PytorchScriptLayer> layers;
    std::optional<ModelScopeRequest> modelScope; // the masks are of one model-wide ranking
    QStringList notes; // extra header comment lines (e.g. the demo's temporary copy)
};

// Why PyTorch's WeightNormSparsifier cannot make this mask, one sentence; empty when it can
// (a rank-2 tensor whose sides are multiples of the block, ranked alone). PyTorch 1.13 raises
// on partial blocks and handles 2-D weights only; model scope ranks several tensors at once,
// which it never does.
QString pytorchLimitation(const std::vector<std::int64_t>& shape, const SparsityParams& params,
                          bool modelScope);
// The same for a tensor masked under a layout and view (docs/SPEC.md "Layout", "View"): a
// rank-2 tensor is judged as its matrix, others name the matrix they are masked as.
QString pytorchLimitation(const std::vector<std::int64_t>& shape, const SparsityParams& params,
                          bool modelScope, Layout layout, MatrixView view);

// A runnable Python script: loads each layer's weight with h5py from the source file, builds
// WeightNormSparsifier (torch.ao.pruning, or torch.ao.sparsity in PyTorch 1.13) with the layer's
// parameters on an nn.Linear holding the weight, and compares its mask with the exported one
// (identical / differs only in ties / differs). Where pytorchLimitation() says PyTorch cannot,
// it says so in a comment and a print and applies the exported mask with
// torch.nn.utils.prune.custom_from_mask instead. Exit status 0 when every layer agrees or was
// applied, 1 when a mask differs, 2 when something could not be compared. Any thread.
QString pytorchScript(const PytorchScriptRequest& request);

} // namespace sparsity::core
