#include "tensorfile.h"

#include "hdf5/hdf5maskwriter.h"
#include "hdf5/hdf5reader.h"
#include "numpy/numpyreader.h"
#include "readerchild/isolatedhdf5reader.h"
#include "safetensors/safetensorsmaskwriter.h"
#include "safetensors/safetensorsreader.h"

#include <QFile>
#include <QFileInfo>
#include <array>

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
std::unique_ptr<TensorReader> openHdf5(const QString& path)
{
    static const bool inProcess = qEnvironmentVariableIntValue("SPARSITY_HDF5_IN_PROCESS") == 1;
    if (inProcess)
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

} // namespace sparsity::core
