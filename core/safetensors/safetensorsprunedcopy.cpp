#include "safetensorsprunedcopy.h"

#include "error.h"
#include "io/datasetchecks.h"
#include "safetensorsheader.h"

#include <QFile>
#include <map>

namespace sparsity::core {

void writeSafetensorsPrunedCopy(const QString& sourcePath, const QString& targetPath,
                                const std::vector<QString>& datasets, const PrunedMaskSource& masks,
                                const ExecutionContext& context)
{
    QFile source(sourcePath);
    if (!source.open(QIODevice::ReadOnly))
        throw Error(ErrorCode::Io, sourcePath + QStringLiteral(": ") + source.errorString());
    const auto size = static_cast<std::uint64_t>(source.size());
    const QByteArray start = source.read(safetensorsLengthBytes);
    const std::uint64_t headerLength = safetensorsHeaderLength(start, size, sourcePath);
    const QByteArray header = source.read(static_cast<qint64>(headerLength));
    if (static_cast<std::uint64_t>(header.size()) != headerLength)
        throw Error(ErrorCode::Io, sourcePath + QStringLiteral(": the header is cut short"));
    const std::uint64_t dataStart = safetensorsLengthBytes + headerLength;
    std::map<QString, SafetensorsTensor> tensors;
    for (SafetensorsTensor& tensor : parseSafetensorsHeader(header, size - dataStart, sourcePath))
        tensors.emplace(safetensorsDatasetPath(tensor.name), std::move(tensor));
    std::vector<const SafetensorsTensor*> pruned;
    for (const QString& dataset : datasets) {
        const auto found = tensors.find(normalizeDatasetPath(dataset));
        if (found == tensors.end())
            throw Error(ErrorCode::InvalidInput,
                        QStringLiteral("%1: no tensor %2").arg(sourcePath, quoted(dataset)));
        pruned.push_back(&found->second);
    }
    source.close();

    copyFileContents(sourcePath, targetPath, context);
    for (const SafetensorsTensor* tensor : pruned) {
        const QString path = safetensorsDatasetPath(tensor->name);
        context.throwIfCancelled();
        const MaskBytes mask = masks(path);
        pruneRegionInPlace(targetPath, static_cast<std::int64_t>(dataStart + tensor->begin),
                           tensor->shape, dtypeInfo(tensor->dtype).size, false, mask, path,
                           context);
    }
}

std::vector<std::pair<QString, std::vector<QString>>> safetensorsShards(const QString& indexPath)
{
    QFile file(indexPath);
    if (!file.open(QIODevice::ReadOnly))
        throw Error(ErrorCode::Io, indexPath + QStringLiteral(": ") + file.errorString());
    if (file.size() > static_cast<qint64>(maxSafetensorsHeaderBytes))
        throw Error(ErrorCode::Io,
                    indexPath + QStringLiteral(": over the 100 MB an index may hold"));
    std::map<QString, std::vector<QString>> byShard;
    for (const auto& [name, shard] : parseSafetensorsIndex(file.readAll(), indexPath))
        byShard[shard].push_back(safetensorsDatasetPath(name));
    return {byShard.begin(), byShard.end()};
}

} // namespace sparsity::core
