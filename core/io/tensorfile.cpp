#include "tensorfile.h"

#include "atomicoutput.h"
#include "error.h"
#include "hdf5/hdf5maskwriter.h"
#include "hdf5/hdf5prunedcopy.h"
#include "hdf5/hdf5reader.h"
#include "numpy/numpyprunedcopy.h"
#include "numpy/numpyreader.h"
#include "readerchild/isolatedhdf5prunedcopy.h"
#include "readerchild/isolatedhdf5reader.h"
#include "safetensors/safetensorsmaskwriter.h"
#include "safetensors/safetensorsprunedcopy.h"
#include "safetensors/safetensorsreader.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <algorithm>
#include <array>
#include <functional>

namespace sparsity::core {

namespace {

// A format recognized by the first bytes of a file.
struct ReaderFormat
{
    bool (*recognizes)(const QByteArray& head);
    std::unique_ptr<TensorReader> (*open)(const QString& path);
};

constexpr qsizetype headBytes = 16;

// HDF5 files are read by the reader process (readerchild/isolatedhdf5reader.h): libhdf5 is not
// safe on damaged or crafted files. SPARSITY_HDF5_IN_PROCESS=1 reads them in this process
// instead, for measuring what the process costs (bench/README.md); never for untrusted files.
bool hdf5InProcess()
{
    static const bool inProcess = qEnvironmentVariableIntValue("SPARSITY_HDF5_IN_PROCESS") == 1;
    return inProcess;
}

std::unique_ptr<TensorReader> openHdf5(const QString& path)
{
    if (hdf5InProcess())
        return Hdf5Reader::open(path);
    return IsolatedHdf5Reader::open(path);
}

// Formats with a magic number come first: safetensors has none ('{' after the length).
const std::array<ReaderFormat, 3> readerFormats = {
    ReaderFormat{&Hdf5Reader::hasSignature, &openHdf5},
    ReaderFormat{&NumpyReader::hasSignature,
                 [](const QString& path) -> std::unique_ptr<TensorReader> {
                     return NumpyReader::open(path);
                 }},
    ReaderFormat{&SafetensorsReader::hasSignature,
                 [](const QString& path) -> std::unique_ptr<TensorReader> {
                     return SafetensorsReader::open(path);
                 }},
};

// The first bytes of a regular file; empty when it is something else or cannot be read (the
// reader that opens it then says why). A pipe or device is never opened here.
QByteArray fileHead(const QString& path)
{
    if (!QFileInfo(path).isFile())
        return {};
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.read(headBytes);
}

} // namespace

QString generatorName()
{
    return QStringLiteral("sparsity-explorer ") + QLatin1String(SPARSITY_VERSION);
}

void prepareToOpenTensorFiles()
{
    if (!hdf5InProcess())
        IsolatedHdf5Reader::startSpare();
}

std::unique_ptr<TensorReader> openTensorFile(const QString& path)
{
    const QByteArray head = fileHead(path);
    for (const ReaderFormat& format : readerFormats) {
        if (format.recognizes(head))
            return format.open(path);
    }
    // A damaged .npy or .npz is refused by the NumPy reader, which says what is wrong with it.
    if (NumpyReader::claimsName(path))
        return NumpyReader::open(path);
    // A header that does not start as the format says is still refused as safetensors.
    if (SafetensorsReader::hasFileName(path))
        return SafetensorsReader::open(path);
    // HDF5 takes every file no signature claims: its signature may also follow a user block of
    // 512, 1024, ... bytes, and its reader says why a file is not one.
    return openHdf5(path);
}

std::unique_ptr<MaskWriter> createMaskFile(const QString& outputPath, const QString& inputPath,
                                           bool overwrite)
{
    // docs/SPEC.md "Files written": HDF5 whatever the input's format, or safetensors when the
    // output's name asks for it.
    if (outputPath.endsWith(QLatin1String(".safetensors"), Qt::CaseInsensitive))
        return SafetensorsMaskWriter::create(outputPath, inputPath, overwrite);
    return Hdf5MaskWriter::create(outputPath, inputPath, overwrite);
}

namespace {

using PrunedCopyWriter = void (*)(const QString&, const QString&, const std::vector<QString>&,
                                  const PrunedMaskSource&, const ExecutionContext&);

// The source read again through its reader's checks: the copy must be of the file that was
// listed and masked, not of one replaced or written meanwhile.
void checkSourceUnchanged(const TensorReader& source, const std::vector<QString>& datasets)
{
    if (!datasets.empty())
        source.describe(datasets.front());
    else
        source.listTree();
}

// Runs a format's writer on an output's temporary file; its errors name the output instead,
// the file the user asked for (the temporary one is gone once the error is seen).
template <typename Write> void writeInto(const AtomicOutput& output, Write&& write)
{
    try {
        write(output.temporaryPath());
    } catch (const Error& error) {
        QString message = error.message();
        throw Error(error.code(), message.replace(output.temporaryPath(), output.outputPath()));
    }
}

// A sharded safetensors checkpoint: every shard copied (pruned where it holds a dataset) beside
// the new index, then the index byte for byte. The shards are renamed into place first and the
// index last, so that a reader of the new index never finds a shard missing.
QStringList writePrunedShards(const TensorReader& source, const QString& outputPath, bool overwrite,
                              const std::vector<QString>& datasets, const PrunedMaskSource& masks,
                              const ExecutionContext& context)
{
    if (!outputPath.endsWith(QLatin1String(".json"), Qt::CaseInsensitive))
        throw Error(ErrorCode::InvalidParameter,
                    QStringLiteral("%1: a sharded checkpoint is written as one: name the output "
                                   "after its index (for example "
                                   "pruned/model.safetensors.index.json); the shards are written "
                                   "beside it under their own names, not as %2")
                        .arg(source.path(), outputPath));
    const QDir inputDirectory = QFileInfo(source.path()).dir();
    const QDir outputDirectory = QFileInfo(outputPath).dir();
    const auto shards = safetensorsShards(source.path());
    std::vector<std::unique_ptr<AtomicOutput>> outputs;
    QStringList written{outputPath};
    auto index = AtomicOutput::create(outputPath, source.path(), overwrite);
    for (const auto& [shardName, held] : shards) {
        const QString shardInput = inputDirectory.filePath(shardName);
        const QString shardOutput = outputDirectory.filePath(shardName);
        std::vector<QString> pruned;
        for (const QString& dataset : datasets)
            if (std::find(held.begin(), held.end(), dataset) != held.end())
                pruned.push_back(dataset);
        outputs.push_back(AtomicOutput::create(shardOutput, shardInput, overwrite));
        writeInto(*outputs.back(), [&](const QString& temporary) {
            writeSafetensorsPrunedCopy(shardInput, temporary, pruned, masks, context);
        });
        written << shardOutput;
    }
    writeInto(*index, [&](const QString& temporary) {
        copyFileContents(source.path(), temporary, context);
    });
    context.throwIfCancelled();
    checkSourceUnchanged(source, datasets);
    for (const auto& output : outputs)
        output->commit();
    index->commit();
    return written;
}

} // namespace

QStringList writePrunedWeights(const TensorReader& source, const QString& outputPath,
                               bool overwrite, const std::vector<QString>& datasets,
                               const PrunedMaskSource& masks, const ExecutionContext& context)
{
    std::function<void(const QString& temporary)> write;
    const auto writeWith = [&](PrunedCopyWriter writer) {
        return [&, writer](const QString& temporary) {
            writer(source.path(), temporary, datasets, masks, context);
        };
    };
    // The copy of an HDF5 file opened through the reader process is rewritten by a reader
    // process too (docs/SPEC.md "How HDF5 files are read"); one read in this process
    // (SPARSITY_HDF5_IN_PROCESS, for measurements) is rewritten here.
    if (const auto* isolated = dynamic_cast<const IsolatedHdf5Reader*>(&source)) {
        write = [&, isolated](const QString& temporary) {
            writeIsolatedHdf5PrunedCopy(*isolated, temporary, datasets, masks, context);
        };
    } else if (dynamic_cast<const Hdf5Reader*>(&source) != nullptr) {
        write = writeWith(&writeHdf5PrunedCopy);
    } else if (dynamic_cast<const NumpyReader*>(&source) != nullptr) {
        write = writeWith(&writeNumpyPrunedCopy);
    } else if (dynamic_cast<const SafetensorsReader*>(&source) != nullptr) {
        if (source.path().endsWith(QLatin1String(".json"), Qt::CaseInsensitive))
            return writePrunedShards(source, outputPath, overwrite, datasets, masks, context);
        write = writeWith(&writeSafetensorsPrunedCopy);
    } else {
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: pruned weights cannot be written for this kind of file")
                        .arg(source.path()));
    }
    auto output = AtomicOutput::create(outputPath, source.path(), overwrite);
    writeInto(*output, write);
    context.throwIfCancelled();
    checkSourceUnchanged(source, datasets);
    output->commit();
    return {outputPath};
}

} // namespace sparsity::core
