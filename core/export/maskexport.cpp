#include "maskexport.h"

#include "error.h"
#include "io/datasetchecks.h"
#include "io/matrixread.h"
#include "io/tensorfile.h"
#include "mask/sparsifier.h"
#include "ranking/blockranking.h"

#include <QFileInfo>
#include <QSet>

namespace sparsity::core {
namespace {

// The parameters a layer is masked and described with: in model scope its level is the model's
// (docs/SPEC.md "Model scope": sparsity_level holds the requested model level).
SparsityParams effectiveParams(const ExportRequest& request, const LayerRequest& layer)
{
    SparsityParams params = layer.params;
    if (request.modelScope)
        params.level = request.modelScope->level;
    return params;
}

// Model scope ranks every layer with one configuration and needs valid bounds.
void checkModelScope(const ExportRequest& request)
{
    const double level = request.modelScope->level;
    if (!(level >= 0.0 && level <= 1.0))
        throw Error(
            ErrorCode::InvalidParameter,
            QStringLiteral("%1: model scope: Sparsity level must be between 0 and 1, got %2.")
                .arg(request.inputPath)
                .arg(level));
    if (const auto problem = request.modelScope->bounds.validate())
        throw Error(ErrorCode::InvalidParameter,
                    QStringLiteral("%1: model scope: %2").arg(request.inputPath, *problem));
    const LayerRequest& first = request.layers.front();
    const Configuration configuration = Configuration::of(first.params);
    for (const LayerRequest& layer : request.layers) {
        const Configuration other = Configuration::of(layer.params);
        if (!other.sameMasksAs(configuration))
            throw Error(ErrorCode::InvalidParameter,
                        QStringLiteral("%1: model scope ranks every dataset with one block shape, "
                                       "zeros per block and norm, but dataset '%2' has %3 and "
                                       "dataset '%4' has %5")
                            .arg(request.inputPath, normalizeDatasetPath(first.datasetPath),
                                 describeConfiguration(configuration),
                                 normalizeDatasetPath(layer.datasetPath),
                                 describeConfiguration(other)));
    }
}

} // namespace

void checkExportRequest(const ExportRequest& request, const TensorReader& reader)
{
    if (request.layers.empty())
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: no dataset to mask").arg(request.inputPath));
    if (request.modelScope)
        checkModelScope(request);
    QSet<QString> seen;
    for (const LayerRequest& layer : request.layers) {
        if (const auto problem = effectiveParams(request, layer).validate())
            throw Error(ErrorCode::InvalidParameter,
                        QStringLiteral("%1: dataset '%2': %3")
                            .arg(request.inputPath, layer.datasetPath, *problem));
        const DatasetInfo info = reader.describe(layer.datasetPath);
        if (const QString problem = datasetProblem(info, namedMinimumRank); !problem.isEmpty())
            throw Error(ErrorCode::InvalidInput,
                        QStringLiteral("%1: dataset '%2' cannot be masked: %3")
                            .arg(request.inputPath, info.path, problem));
        if (seen.contains(info.path))
            throw Error(ErrorCode::InvalidParameter,
                        QStringLiteral("%1: dataset '%2' is requested twice")
                            .arg(request.inputPath, info.path));
        seen.insert(info.path);
    }
}

// Writes one layer's mask (in its source's shape and axis order, docs/SPEC.md "Layout") with
// the layout, view and matrix shape among its attributes, and reports it. A dry run has no
// writer: it only reports.
void writeLayer(MaskWriter* writer, const LayerMask& mask, MaskAttributes attributes,
                const ExecutionContext& context, std::vector<LayerReport>& reports)
{
    attributes.layout = mask.layout;
    attributes.view = mask.view;
    attributes.matrixRows = mask.matrixRows;
    attributes.matrixCols = mask.matrixCols;
    if (writer)
        writer->writeMask(mask.datasetPath, mask.shape, mask.result.mask, attributes, context);
    reports.push_back(LayerReport{mask.datasetPath, mask.shape, mask.result.stats, mask.layout,
                                  mask.view, mask.matrixRows, mask.matrixCols});
}

// docs/SPEC.md "Model scope" in two passes over the input, so that memory holds one layer's
// weights at a time plus every layer's ranking (never all weights): pass 1 reads each layer
// and keeps its block ranking, then the shared ranking gives each layer its pruned count;
// pass 2 reads each layer again and writes its mask with exactly that count.
ModelScopeCounts modelScopePrunedCounts(const ExportRequest& request, const TensorReader& reader,
                                        bool kerasFile, const ExecutionContext& context,
                                        const ExportProgress& progress)
{
    const ModelScopeRequest& scope = *request.modelScope;
    const Configuration configuration = Configuration::of(request.layers.front().params);
    const int layers = static_cast<int>(request.layers.size());
    const int steps = 2 * layers;
    // Each dataset's norm keys grouped by bucket (2 bytes a block for float weights): the
    // counts need no block numbers or sums.
    std::vector<BucketedNorms> rankings;
    rankings.reserve(request.layers.size());
    for (int i = 0; i < layers; ++i) {
        const LayerRequest& layer = request.layers[static_cast<std::size_t>(i)];
        const QString path = normalizeDatasetPath(layer.datasetPath);
        if (progress)
            progress(i, steps, path);
        context.throwIfCancelled();
        const MatrixRead read = readMatrix(reader, path, layer.orientation, kerasFile, context);
        rankings.push_back(BucketedNorms::build(read.matrix, configuration, context));
    }
    std::vector<const BucketedNorms*> pointers;
    for (const BucketedNorms& ranking : rankings)
        pointers.push_back(&ranking);
    ModelScopeCounts counts{modelPrunedCounts(pointers, scope.level, scope.bounds), {}};
    for (std::size_t i = 0; i < rankings.size(); ++i)
        counts.thresholds.push_back(rankings[i].thresholdAt(counts.counts[i]));
    return counts; // the rankings are freed here: pass 2 needs only the counts and thresholds
}

LayerMask computeLayerMask(const ExportRequest& request, std::size_t layer,
                           const TensorReader& reader, bool kerasFile,
                           const ModelScopeCounts& modelCounts, const ExecutionContext& context)
{
    const LayerRequest& requested = request.layers[layer];
    LayerMask mask;
    mask.datasetPath = normalizeDatasetPath(requested.datasetPath);
    mask.params = effectiveParams(request, requested);
    MatrixRead read =
        readMatrix(reader, mask.datasetPath, requested.orientation, kerasFile, context);
    mask.shape = read.mapping.storedShape();
    mask.layout = read.mapping.layout();
    mask.view = read.mapping.view();
    mask.matrixRows = read.mapping.rows();
    mask.matrixCols = read.mapping.cols();
    if (request.modelScope) {
        Sparsifier sparsifier(read.matrix, Sparsifier::Caching::OneShot);
        if (const auto& threshold = modelCounts.thresholds[layer])
            sparsifier.computeWithThreshold(mask.params, *threshold, context, mask.result);
        else
            sparsifier.computeWithPrunedCount(mask.params, modelCounts.counts[layer], context,
                                              mask.result);
    } else {
        mask.result = computeMask(read.matrix, requested.params, context);
    }
    // The mask goes back to the stored order (the statistics are the matrix's, the same). The
    // weights go first: the matrix, its mask and the stored mask at once would be 1.5 times the
    // weights, over the peak target of 1.3 x (weights + mask) (bench/README.md, issue 12).
    if (!read.mapping.keepsStoredOrder()) {
        read.matrix = WeightTensor();
        mask.result.mask = read.mapping.toStored(mask.result.mask, context);
    }
    return mask;
}

namespace {

// Pass 2 of model scope (modelScopePrunedCounts is pass 1): each layer's mask with its count.
std::vector<LayerReport> exportModelScope(const ExportRequest& request, const TensorReader& reader,
                                          bool kerasFile, MaskWriter* writer,
                                          const QString& sourceFile,
                                          const ExecutionContext& context,
                                          const ExportProgress& progress)
{
    const ModelScopeRequest& scope = *request.modelScope;
    const int layers = static_cast<int>(request.layers.size());
    const int steps = 2 * layers;
    const ModelScopeCounts counts =
        modelScopePrunedCounts(request, reader, kerasFile, context, progress);

    std::vector<LayerReport> reports;
    for (int i = 0; i < layers; ++i) {
        const QString path =
            normalizeDatasetPath(request.layers[static_cast<std::size_t>(i)].datasetPath);
        if (progress)
            progress(layers + i, steps, path);
        context.throwIfCancelled();
        const LayerMask mask = computeLayerMask(request, static_cast<std::size_t>(i), reader,
                                                kerasFile, counts, context);
        context.throwIfCancelled();
        MaskAttributes attributes{mask.params, mask.result.stats.achievedSparsity, sourceFile,
                                  path};
        attributes.scope = QStringLiteral("model");
        attributes.minLevel = scope.bounds.minLevel;
        attributes.maxLevel = scope.bounds.maxLevel;
        writeLayer(writer, mask, attributes, context, reports);
    }
    return reports;
}

} // namespace

std::vector<DatasetInfo> defaultLayers(const std::vector<DatasetInfo>& tree)
{
    std::vector<DatasetInfo> layers;
    for (const DatasetInfo& info : tree)
        if (info.kind == NodeKind::Dataset && info.isDefaultSelection())
            layers.push_back(info);
    return layers;
}

std::shared_ptr<const TensorReader> openExportInput(const ExportRequest& request)
{
    if (request.openedInput)
        return request.openedInput;
    return openTensorFile(request.inputPath);
}

std::vector<LayerReport> exportMasks(const ExportRequest& request, const ExecutionContext& context,
                                     const ExportProgress& progress)
{
    const auto reader = openExportInput(request);
    if (request.expectedInput && reader->identity() != *request.expectedInput) {
        const QString change =
            fileChangeSince(request.inputPath, *request.expectedInput)
                .value_or(QStringLiteral("the file was modified after it was opened"));
        throw Error(ErrorCode::Io, QStringLiteral("%1: %2; open it again before exporting")
                                       .arg(request.inputPath, change));
    }
    checkExportRequest(request, *reader);
    // A dry run has no writer: the same reads and masks, nothing created.
    const auto writer =
        request.dryRun ? std::unique_ptr<MaskWriter>()
                       : createMaskFile(request.outputPath, request.inputPath, request.overwrite);
    const QString sourceFile = request.sourceName.isEmpty()
                                   ? QFileInfo(request.inputPath).absoluteFilePath()
                                   : request.sourceName;

    // Asked once: docs/SPEC.md "Layout", auto is keras for a file with Keras's markers.
    const bool kerasFile = reader->hasKerasMarkers();
    if (request.modelScope) {
        auto reports = exportModelScope(request, *reader, kerasFile, writer.get(), sourceFile,
                                        context, progress);
        context.throwIfCancelled();
        if (writer)
            writer->commit();
        if (progress) {
            const int steps = 2 * static_cast<int>(request.layers.size());
            progress(steps, steps, QString());
        }
        return reports;
    }

    std::vector<LayerReport> reports;
    const int count = static_cast<int>(request.layers.size());
    for (int i = 0; i < count; ++i) {
        const LayerRequest& layer = request.layers[static_cast<std::size_t>(i)];
        const QString path = normalizeDatasetPath(layer.datasetPath);
        if (progress)
            progress(i, count, path);
        context.throwIfCancelled();
        // Scoped so each layer's weights and mask are freed before the next is read.
        const LayerMask mask =
            computeLayerMask(request, static_cast<std::size_t>(i), *reader, kerasFile, {}, context);
        context.throwIfCancelled();
        writeLayer(
            writer.get(), mask,
            MaskAttributes{layer.params, mask.result.stats.achievedSparsity, sourceFile, path},
            context, reports);
    }
    context.throwIfCancelled();
    if (writer)
        writer->commit();
    if (progress)
        progress(count, count, QString());
    return reports;
}

} // namespace sparsity::core
