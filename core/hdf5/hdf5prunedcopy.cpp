#include "hdf5prunedcopy.h"

#include "error.h"
#include "hdf5filters.h"
#include "hdf5handle.h"
#include "io/datasetchecks.h"
#include "prunedchunkwriter.h"

#include <QFile>
#include <hdf5.h>

namespace sparsity::core {
namespace {

// What a filter is called in messages: its registered name, or its id.
QString filterName(H5Z_filter_t filter, const char* name)
{
    if (filter == lzfFilterId)
        return QStringLiteral("LZF (id 32000)");
    const QString text = QString::fromUtf8(name).trimmed();
    return text.isEmpty() ? QStringLiteral("filter %1").arg(filter)
                          : QStringLiteral("'%1' (id %2)").arg(text).arg(filter);
}

// Why the dataset cannot be rewritten with its own pipeline, empty when it can.
QString rewriteProblem(hid_t dataset)
{
    const Hdf5Handle dcpl(H5Dget_create_plist(dataset));
    const Hdf5Handle type(H5Dget_type(dataset));
    if (!dcpl.isValid() || !type.isValid())
        return QStringLiteral("its creation properties cannot be read");
    const bool isFloat = H5Tget_class(type.get()) == H5T_FLOAT;
    const int count = H5Pget_nfilters(dcpl.get());
    for (int i = 0; i < count; ++i) {
        unsigned flags = 0;
        unsigned values[8] = {};
        std::size_t valueCount = std::size(values);
        char name[256] = {};
        unsigned config = 0;
        const H5Z_filter_t filter = H5Pget_filter2(dcpl.get(), static_cast<unsigned>(i), &flags,
                                                   &valueCount, values, sizeof name, name, &config);
        if (filter < 0)
            return QStringLiteral("its filter pipeline cannot be read");
        if (filter == H5Z_FILTER_SCALEOFFSET && isFloat)
            return QStringLiteral(
                "it is stored with the scale-offset filter, which is lossy for floating-point "
                "data: rewriting it would change the kept values too");
        unsigned info = 0;
        const bool encodes = H5Zfilter_avail(filter) > 0 &&
                             H5Zget_filter_info(filter, &info) >= 0 &&
                             (info & H5Z_FILTER_CONFIG_ENCODE_ENABLED) != 0;
        if (encodes)
            continue;
        if (filter == lzfFilterId)
            return QStringLiteral(
                "it is compressed with LZF (id 32000), which this program can decode but not "
                "encode, and its pruned copy would have to change the compression; store it "
                "with another filter (h5py: compression=\"gzip\") to prune it");
        return QStringLiteral("its filter %1 cannot encode here (its plugin is missing or "
                              "decode-only), so the dataset cannot be rewritten with the same "
                              "compression")
            .arg(filterName(filter, name));
    }
    return {};
}

Hdf5Handle openDataset(hid_t file, const QString& fileName, const QString& path)
{
    Hdf5Handle dataset(H5Dopen2(file, path.toUtf8().constData(), H5P_DEFAULT));
    if (!dataset.isValid())
        throwHdf5Io(QStringLiteral("%1: cannot open dataset %2").arg(fileName, quoted(path)));
    return dataset;
}

} // namespace

void writeHdf5PrunedCopy(const QString& sourcePath, const QString& targetPath,
                         const std::vector<QString>& datasets, const PrunedMaskSource& masks,
                         const ExecutionContext& context, PrunedChunkWriting writing)
{
    copyFileContents(sourcePath, targetPath, context);
    rewriteHdf5PrunedCopy(targetPath, sourcePath, datasets, masks, context, writing);
}

void rewriteHdf5PrunedCopy(const QString& targetPath, const QString& sourcePath,
                           const std::vector<QString>& datasets, const PrunedMaskSource& masks,
                           const ExecutionContext& context, PrunedChunkWriting writing)
{
    registerHdf5Filters();
    const Hdf5ErrorSilencer silencer;
    const QByteArray nativePath = QFile::encodeName(targetPath);
    Hdf5Handle file(H5Fopen(nativePath.constData(), H5F_ACC_RDWR, H5P_DEFAULT));
    if (!file.isValid())
        throwHdf5Io(QStringLiteral("%1: cannot open the copy of %2 for writing")
                        .arg(targetPath, sourcePath));

    // Every dataset first, so that a refusal comes before any mask is computed.
    for (const QString& path : datasets) {
        const Hdf5Handle dataset = openDataset(file.get(), sourcePath, path);
        if (const QString problem = rewriteProblem(dataset.get()); !problem.isEmpty())
            throw Error(ErrorCode::InvalidInput,
                        QStringLiteral("%1: dataset %2 cannot be pruned: %3")
                            .arg(sourcePath, quoted(path), problem));
    }

    for (const QString& path : datasets) {
        context.throwIfCancelled();
        const MaskBytes mask = masks(path);
        context.throwIfCancelled();
        const Hdf5Handle dataset = openDataset(file.get(), sourcePath, path);
        // The file's own type as the memory type: HDF5 converts nothing, so kept elements
        // are written back with the bits they were read with.
        const Hdf5Handle type(H5Dget_type(dataset.get()));
        const Hdf5Handle space(H5Dget_space(dataset.get()));
        if (!type.isValid() || !space.isValid())
            throwHdf5Io(QStringLiteral("%1: cannot read dataset %2").arg(sourcePath, quoted(path)));
        const hssize_t points = H5Sget_simple_extent_npoints(space.get());
        const std::size_t elementSize = H5Tget_size(type.get());
        if (points < 0 || elementSize == 0)
            throwHdf5Io(QStringLiteral("%1: cannot read dataset %2").arg(sourcePath, quoted(path)));
        checkMaskSize(sourcePath, path, mask.size(), static_cast<std::uint64_t>(points));
        if (points == 0)
            continue;
        // Deflated chunks compressed on every thread; HDF5's filters compress one chunk after
        // another on this one (issue 12: apply at most 2x the time of mask).
        if (writing == PrunedChunkWriting::Parallel &&
            rewritePrunedChunks(dataset.get(), mask.data(), targetPath, path, context) ==
                ChunkRewrite::Rewritten)
            continue;
        // No larger than the tensor the mask was computed from (float or double per element),
        // which the reader checked against the memory available.
        LargeVector<char> data(static_cast<std::size_t>(points) * elementSize);
        if (H5Dread(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()) < 0)
            throwHdf5Io(QStringLiteral("%1: cannot read dataset %2").arg(sourcePath, quoted(path)));
        zeroPrunedElements(data.data(), points, static_cast<int>(elementSize), mask.data(),
                           context);
        context.throwIfCancelled();
        if (H5Dwrite(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()) < 0)
            throwHdf5Io(
                QStringLiteral("%1: cannot write dataset %2").arg(targetPath, quoted(path)));
    }
    if (!file.close())
        throwHdf5Io(QStringLiteral("%1: cannot complete the file").arg(targetPath));
}

} // namespace sparsity::core
