#include "maskexport.h"

#include "error.h"
#include "io/datasetchecks.h"
#include "io/tensorfile.h"
#include "mask/sparsifier.h"

#include <QFileInfo>
#include <QSet>

namespace sparsity::core {
namespace {

void checkRequest(const ExportRequest& request, const TensorReader& reader)
{
    if (request.layers.empty())
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: no dataset to mask").arg(request.inputPath));
    QSet<QString> seen;
    for (const LayerRequest& layer : request.layers) {
        if (const auto problem = layer.params.validate())
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

} // namespace

std::vector<DatasetInfo> defaultLayers(const std::vector<DatasetInfo>& tree)
{
    std::vector<DatasetInfo> layers;
    for (const DatasetInfo& info : tree)
        if (info.kind == NodeKind::Dataset && info.isDefaultSelection())
            layers.push_back(info);
    return layers;
}

std::vector<LayerReport> exportMasks(const ExportRequest& request, const ExecutionContext& context,
                                     const ExportProgress& progress)
{
    const auto reader = openTensorFile(request.inputPath);
    if (request.expectedInput && reader->identity() != *request.expectedInput) {
        const QString change =
            fileChangeSince(request.inputPath, *request.expectedInput)
                .value_or(QStringLiteral("the file was modified after it was opened"));
        throw Error(ErrorCode::Io, QStringLiteral("%1: %2; open it again before exporting")
                                       .arg(request.inputPath, change));
    }
    checkRequest(request, *reader);
    auto writer = createMaskFile(request.outputPath, request.inputPath, request.overwrite);
    const QString sourceFile = request.sourceName.isEmpty()
                                   ? QFileInfo(request.inputPath).absoluteFilePath()
                                   : request.sourceName;

    std::vector<LayerReport> reports;
    const int count = static_cast<int>(request.layers.size());
    for (int i = 0; i < count; ++i) {
        const LayerRequest& layer = request.layers[static_cast<std::size_t>(i)];
        const QString path = normalizeDatasetPath(layer.datasetPath);
        if (progress)
            progress(i, count, path);
        context.throwIfCancelled();
        // Scoped so each layer's weights and mask are freed before the next is read.
        const WeightTensor weights = reader->readTensor(path, context);
        const MaskResult result = computeMask(weights, layer.params, context);
        context.throwIfCancelled();
        writer->writeMask(
            path, weights.shape(), result.mask,
            MaskAttributes{layer.params, result.stats.achievedSparsity, sourceFile, path}, context);
        reports.push_back(LayerReport{path, weights.shape(), result.stats});
    }
    context.throwIfCancelled();
    writer->commit();
    if (progress)
        progress(count, count, QString());
    return reports;
}

} // namespace sparsity::core
