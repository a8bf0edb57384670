#include "prunedexport.h"

#include "error.h"
#include "io/datasetchecks.h"
#include "io/tensorfile.h"

#include <QFileInfo>
#include <QSet>
#include <algorithm>

namespace sparsity::core {
namespace {

// The output may replace neither input: AtomicOutput refuses the weights, this the masks.
void checkOutputIsNotMaskFile(const ApplyRequest& request)
{
    const QFileInfo output(request.outputPath);
    const QFileInfo masks(request.maskFile);
    if (output.exists() && masks.exists() &&
        output.canonicalFilePath() == masks.canonicalFilePath())
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: the output is the mask file; choose another output name")
                        .arg(request.outputPath));
}

// The datasets to prune with masks from a file: the named ones or every dataset of the file,
// each checked against the input before anything is written.
std::vector<QString> maskFileLayers(const ApplyRequest& request, const TensorReader& input,
                                    const TensorReader& masks)
{
    std::vector<QString> paths;
    if (request.masks.layers.empty()) {
        for (const DatasetInfo& info : masks.listTree())
            if (info.kind == NodeKind::Dataset)
                paths.push_back(info.path);
        if (paths.empty())
            throw Error(ErrorCode::InvalidInput,
                        QStringLiteral("%1: the mask file holds no dataset").arg(request.maskFile));
    } else {
        for (const LayerRequest& layer : request.masks.layers)
            paths.push_back(normalizeDatasetPath(layer.datasetPath));
    }
    QSet<QString> seen;
    for (const QString& path : paths) {
        if (seen.contains(path))
            throw Error(ErrorCode::InvalidParameter,
                        QStringLiteral("%1: dataset %2 is requested twice")
                            .arg(request.masks.inputPath, quoted(path)));
        seen.insert(path);
        DatasetInfo mask;
        try {
            mask = masks.describe(path);
        } catch (const Error& error) {
            throw Error(error.code(),
                        QStringLiteral("%1: the mask file has no mask for dataset %2 (%3)")
                            .arg(request.maskFile, quoted(path), error.message()));
        }
        const DatasetInfo weights = input.describe(path);
        if (const QString problem = datasetProblem(weights, namedMinimumRank); !problem.isEmpty())
            throw Error(ErrorCode::InvalidInput,
                        QStringLiteral("%1: dataset %2 cannot be pruned: %3")
                            .arg(request.masks.inputPath, quoted(path), problem));
        if (const QString problem = datasetProblem(mask, namedMinimumRank); !problem.isEmpty())
            throw Error(ErrorCode::InvalidInput, QStringLiteral("%1: mask %2 cannot be read: %3")
                                                     .arg(request.maskFile, quoted(path), problem));
        if (mask.shape != weights.shape)
            throw Error(ErrorCode::InvalidInput,
                        QStringLiteral("%1: the mask of dataset %2 has shape %3, but the dataset "
                                       "in %4 has shape %5")
                            .arg(request.maskFile, quoted(path), mask.shapeText(),
                                 request.masks.inputPath, weights.shapeText()));
    }
    return paths;
}

// A mask read from a mask file, as bytes: 1 keeps, 0 prunes, anything else is not a mask.
MaskBytes readMask(const TensorReader& masks, const QString& path, const QString& fileName,
                   const ExecutionContext& context)
{
    const WeightTensor values = masks.readTensor(path, context);
    MaskBytes mask(static_cast<std::size_t>(values.elementCount()));
    const auto convert = [&](auto span) {
        // One branch-free pass (a mask has tens of millions of elements), then the first bad
        // value looked up only when there is one.
        bool valid = true;
        for (std::size_t i = 0; i < span.size(); ++i) {
            const auto value = span[i];
            valid &= (value == 0) | (value == 1);
            mask[i] = static_cast<std::uint8_t>(value != 0);
        }
        if (valid)
            return;
        for (std::size_t i = 0; i < span.size(); ++i)
            if (span[i] != 0 && span[i] != 1)
                throw Error(ErrorCode::InvalidInput,
                            QStringLiteral("%1: mask %2 holds %3 at element %4; a mask holds 0 "
                                           "(prune) and 1 (keep)")
                                .arg(fileName, quoted(path))
                                .arg(static_cast<double>(span[i]))
                                .arg(i));
    };
    if (values.precision() == Precision::Float32)
        convert(values.values<float>());
    else
        convert(values.values<double>());
    return mask;
}

std::int64_t zerosIn(const MaskBytes& mask)
{
    std::int64_t kept = 0;
    for (const std::uint8_t keep : mask)
        kept += keep;
    return static_cast<std::int64_t>(mask.size()) - kept;
}

} // namespace

ApplyReport applyMasks(const ApplyRequest& request, const ExecutionContext& context,
                       const ExportProgress& progress)
{
    const ExportRequest& masking = request.masks;
    const auto reader = openExportInput(masking);
    if (masking.expectedInput && reader->identity() != *masking.expectedInput) {
        const QString change =
            fileChangeSince(masking.inputPath, *masking.expectedInput)
                .value_or(QStringLiteral("the file was modified after it was opened"));
        throw Error(ErrorCode::Io, QStringLiteral("%1: %2; open it again before exporting")
                                       .arg(masking.inputPath, change));
    }

    ApplyReport report;
    std::vector<QString> paths;
    std::unique_ptr<TensorReader> maskReader;
    ModelScopeCounts modelCounts;
    // Asked once: docs/SPEC.md "Layout", auto is keras for a file with Keras's markers.
    const bool kerasFile = reader->hasKerasMarkers();
    int steps = 0;
    int step = 0;
    if (!request.maskFile.isEmpty()) {
        maskReader = openTensorFile(request.maskFile);
        checkOutputIsNotMaskFile(request);
        paths = maskFileLayers(request, *reader, *maskReader);
        steps = static_cast<int>(paths.size());
    } else {
        checkExportRequest(masking, *reader);
        for (const LayerRequest& layer : masking.layers)
            paths.push_back(normalizeDatasetPath(layer.datasetPath));
        steps = static_cast<int>(paths.size());
        if (masking.modelScope) {
            steps *= 2;
            step = steps / 2;
            modelCounts = modelScopePrunedCounts(masking, *reader, kerasFile, context, progress);
        }
    }

    QSet<QString> done;
    const PrunedMaskSource masks = [&](const QString& datasetPath) {
        const auto position = std::find(paths.begin(), paths.end(), datasetPath);
        if (position == paths.end() || done.contains(datasetPath))
            throw Error(ErrorCode::InvalidInput,
                        QStringLiteral("%1: dataset %2 was not asked to be pruned")
                            .arg(masking.inputPath, quoted(datasetPath)));
        done.insert(datasetPath);
        if (progress)
            progress(step, steps, datasetPath);
        ++step;
        context.throwIfCancelled();
        AppliedLayer applied;
        applied.datasetPath = datasetPath;
        MaskBytes mask;
        if (maskReader) {
            mask = readMask(*maskReader, datasetPath, request.maskFile, context);
            applied.shape = reader->describe(datasetPath).shape;
            applied.prunedElements = zerosIn(mask);
        } else {
            LayerMask computed =
                computeLayerMask(masking, static_cast<std::size_t>(position - paths.begin()),
                                 *reader, kerasFile, modelCounts, context);
            applied.shape = computed.shape;
            applied.stats = computed.result.stats;
            applied.prunedElements = computed.result.stats.zeros;
            mask = std::move(computed.result.mask);
        }
        applied.elements = static_cast<std::int64_t>(mask.size());
        report.layers.push_back(std::move(applied));
        return mask;
    };
    report.filesWritten =
        writePrunedWeights(*reader, request.outputPath, masking.overwrite, paths, masks, context);
    if (progress)
        progress(steps, steps, QString());
    return report;
}

} // namespace sparsity::core
