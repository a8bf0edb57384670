#pragma once

#include "io/datasetinfo.h"
#include "io/fileidentity.h"
#include "io/tensorreader.h"
#include "mask/blockthreshold.h"
#include "mask/maskstats.h"
#include "mask/sparsifier.h"
#include "mask/sparsityparams.h"
#include "parallel/executioncontext.h"
#include "ranking/modelscope.h"
#include "tensor/tensorlayout.h"

#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace sparsity::core {

// One dataset to mask and the parameters for it.
struct LayerRequest
{
    QString datasetPath;
    SparsityParams params;
    // docs/SPEC.md "Layout" and "View": how the stored tensor becomes the masked matrix; the
    // mask is written in the stored shape and axis order.
    TensorOrientation orientation;
};

// docs/SPEC.md "Model scope": the layers share one ranking at a model-wide level, each within
// its bounds. Every layer's params then give the configuration (one for all; their levels are
// not used).
struct ModelScopeRequest
{
    double level = 0.5;
    ModelBounds bounds;
};

// A whole export: which layers of which input go to which mask file.
struct ExportRequest
{
    QString inputPath;
    QString outputPath;
    std::vector<LayerRequest> layers;
    std::optional<ModelScopeRequest> modelScope; // layer scope when empty
    // Recorded as each mask's source_file instead of the input's absolute path: the GUI names
    // its demo weights, whose readable copy is a temporary file that is gone after the session.
    QString sourceName;
    bool overwrite = false;
    // Compute and report every mask exactly as an export would, but create no file: the
    // output path is neither checked nor touched (sparsity-cli mask --dry-run).
    bool dryRun = false;
    // The input as the caller listed it (TensorReader::identity()); when set, an input that was
    // replaced or modified since is refused rather than masked with other weights than shown.
    std::optional<FileIdentity> expectedInput;
    // The input already open (the CLI listed it to choose the layers): read through it rather
    // than opening the file again, which for HDF5 would start another reader process.
    std::shared_ptr<const TensorReader> openedInput;
};

// What was written for one layer.
struct LayerReport
{
    QString datasetPath;
    std::vector<std::int64_t> shape; // the source's, which the mask has
    MaskStats stats;
    Layout layout = Layout::Torch; // resolved, never Auto
    MatrixView view = MatrixView::Flatten;
    std::int64_t matrixRows = 0;
    std::int64_t matrixCols = 0;
};

// Called before each layer (index from 0) and once more with index == count at the end. In
// model scope every layer is read twice, so count is twice the layers: indices below the
// number of layers rank them (pass 1), the rest write their masks (pass 2).
using ExportProgress = std::function<void(int index, int count, const QString& datasetPath)>;

// Reads each layer, computes its mask and writes the mask file of docs/SPEC.md, one layer at
// a time so memory does not grow with the number of layers (in model scope: plus one block
// ranking per layer, held between the two passes). In model scope the layers are taken in the
// order given (docs/SPEC.md: the order `list` prints them), which breaks ties between them. All or
// nothing: every layer and parameter is checked before any work, and on any error or cancellation
// no file appears at the output path (an existing one is untouched). Runs on the calling thread
// (readers and writers are single-threaded) and uses the context's pool for the masks. Throws
// Error.
std::vector<LayerReport> exportMasks(const ExportRequest& request, const ExecutionContext& context,
                                     const ExportProgress& progress = {});

// The request's input: openedInput, or the file opened now. Throws Error as openTensorFile.
std::shared_ptr<const TensorReader> openExportInput(const ExportRequest& request);

// The steps of exportMasks, for other outputs of the same masks (export/prunedexport.h), so that
// both compute exactly the same mask for a layer.
//
// Every check exportMasks makes before any work: at least one layer, valid parameters (and
// model-scope bounds and one configuration), datasets that exist and can be masked when named,
// none twice. Throws Error.
void checkExportRequest(const ExportRequest& request, const TensorReader& reader);
// Model scope's first pass: reads every layer once, ranks its blocks and gives each layer's
// pruned block count at the model level (docs/SPEC.md "Model scope"), and its threshold where
// block numbers do not decide it (the mask pass then needs no selection). progress gets the
// indices 0 .. layers - 1 of a count of twice the layers. Throws Error.
struct ModelScopeCounts
{
    std::vector<std::int64_t> counts;
    std::vector<std::optional<BlockThreshold>> thresholds;
};
// kerasFile: TensorReader::hasKerasMarkers() of the file (what layout auto means).
ModelScopeCounts modelScopePrunedCounts(const ExportRequest& request, const TensorReader& reader,
                                        bool kerasFile, const ExecutionContext& context,
                                        const ExportProgress& progress = {});
// One layer's mask: in layer scope with its own parameters, in model scope with its pruned
// count from modelScopePrunedCounts(). The weights are read and freed inside.
struct LayerMask
{
    QString datasetPath;             // normalized
    std::vector<std::int64_t> shape; // the source's: the mask is in its shape and axis order
    SparsityParams params;           // as described in the mask file (model scope: the model level)
    MaskResult result; // computed on the matrix; the mask mapped back to the stored order
    Layout layout = Layout::Torch; // resolved, never Auto
    MatrixView view = MatrixView::Flatten;
    std::int64_t matrixRows = 0;
    std::int64_t matrixCols = 0;
};
LayerMask computeLayerMask(const ExportRequest& request, std::size_t layer,
                           const TensorReader& reader, bool kerasFile,
                           const ModelScopeCounts& modelCounts, const ExecutionContext& context);

// The datasets that are masked when the user names none: floating point, rank >= 2, non-empty.
std::vector<DatasetInfo> defaultLayers(const std::vector<DatasetInfo>& tree);

} // namespace sparsity::core
