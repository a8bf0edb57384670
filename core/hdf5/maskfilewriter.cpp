#include "maskfilewriter.h"

#include "error.h"
#include "hdf5handle.h"
#include "hdf5reader.h"
#include "parallel/parallelfor.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <hdf5.h>
#include <stdexcept>
#include <stdlib.h>
#include <string>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

namespace sparsity::core {

namespace {

// Chunks of about 256 KiB of uint8: whole trailing dimensions while they fit.
constexpr hsize_t chunkElements = 262144;
constexpr int deflateLevel = 1;

QString errnoText(int error)
{
    return QString::fromLocal8Bit(std::strerror(error));
}

std::vector<hsize_t> chunkShape(const std::vector<std::int64_t>& shape)
{
    std::vector<hsize_t> chunk(shape.size(), 1);
    hsize_t budget = chunkElements;
    for (std::size_t i = shape.size(); i-- > 0;) {
        const auto extent = static_cast<hsize_t>(shape[i]);
        chunk[i] = std::clamp<hsize_t>(extent, 1, std::max<hsize_t>(1, budget));
        budget /= chunk[i];
    }
    return chunk;
}

// The permissions a newly created file gets (0666 & ~umask); mkstemp creates 0600 files.
mode_t newFileMode()
{
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("Umask:", 0) == 0)
            return static_cast<mode_t>(0666 & ~std::stoul(line.substr(6), nullptr, 8));
    }
    return 0644;
}

bool sameFile(const QString& a, const QString& b)
{
    const QFileInfo first(a);
    const QFileInfo second(b);
    if (!first.exists() || !second.exists())
        return false;
    if (first.canonicalFilePath() == second.canonicalFilePath())
        return true;
    struct stat statA = {};
    struct stat statB = {};
    return ::stat(QFile::encodeName(a).constData(), &statA) == 0 &&
           ::stat(QFile::encodeName(b).constData(), &statB) == 0 && statA.st_dev == statB.st_dev &&
           statA.st_ino == statB.st_ino;
}

// Points an open HDF5 file's descriptor at an anonymous memory file, so that closing a file
// that is about to be deleted writes nothing to disk and does not fail on a full disk: a
// failed H5Fclose leaves HDF5 1.10 with a half-closed file (see hdf5handle.cpp for the crash
// that used to follow at exit). A file size limit (EFBIG) still fails, memory files included.
// Only for the sec2 driver, the default, whose handle points to its descriptor.
void detachFromDisk(hid_t file)
{
    const Hdf5Handle fapl(H5Fget_access_plist(file));
    void* handle = nullptr;
    if (!fapl.isValid() || H5Pget_driver(fapl.get()) != H5FD_SEC2 ||
        H5Fget_vfd_handle(file, fapl.get(), &handle) < 0 || handle == nullptr)
        return;
    const int scratch = ::memfd_create("discarded-mask-file", MFD_CLOEXEC);
    if (scratch < 0)
        return;
    ::dup2(scratch, *static_cast<int*>(handle));
    ::close(scratch);
}

Hdf5Handle utf8StringType()
{
    Hdf5Handle type(H5Tcopy(H5T_C_S1));
    if (type.isValid() &&
        (H5Tset_size(type.get(), H5T_VARIABLE) < 0 || H5Tset_cset(type.get(), H5T_CSET_UTF8) < 0))
        type.reset();
    return type;
}

// Writes a scalar or 1-D attribute; false (with the HDF5 cause on the stack) on failure.
bool writeAttribute(hid_t object, const char* name, hid_t fileType, hid_t memoryType,
                    const void* value, hsize_t length = 0)
{
    const Hdf5Handle space(length == 0 ? H5Screate(H5S_SCALAR)
                                       : H5Screate_simple(1, &length, nullptr));
    if (!space.isValid())
        return false;
    const Hdf5Handle attribute(
        H5Acreate2(object, name, fileType, space.get(), H5P_DEFAULT, H5P_DEFAULT));
    return attribute.isValid() && H5Awrite(attribute.get(), memoryType, value) >= 0;
}

bool writeStringAttribute(hid_t object, const char* name, const QString& value)
{
    const Hdf5Handle type = utf8StringType();
    const QByteArray utf8 = value.toUtf8();
    const char* data = utf8.constData();
    return type.isValid() && writeAttribute(object, name, type.get(), type.get(), &data);
}

// Writes a mask chunk by chunk, deflating the chunks on the context's threads and handing the
// finished ones to HDF5 (H5Dwrite_chunk) on this thread, which is the only one calling HDF5.
// The bytes are exactly what HDF5's own deflate filter (zlib compress2) would store, so every
// reader decodes them as usual. A chunk that would not shrink is stored raw with the filter
// marked skipped, as HDF5 does for its optional deflate filter. Chunks go in batches so memory
// stays at a few chunks per thread.
class ParallelChunkWriter
{
public:
    ParallelChunkWriter(hid_t dataset, const std::vector<std::int64_t>& shape,
                        const std::vector<hsize_t>& chunk, const std::uint8_t* mask)
        : m_dataset(dataset)
        , m_shape(shape)
        , m_chunk(chunk)
        , m_mask(mask)
    {
        m_chunkBytes = 1;
        for (std::size_t d = 0; d < shape.size(); ++d) {
            m_grid.push_back((static_cast<hsize_t>(shape[d]) + chunk[d] - 1) / chunk[d]);
            m_chunkBytes *= chunk[d];
            m_chunkCount *= m_grid.back();
        }
    }

    bool write(const ExecutionContext& context)
    {
        const std::int64_t batch = std::max(1, context.threadCount()) * 8;
        std::vector<std::vector<Bytef>> packed(static_cast<std::size_t>(batch));
        std::vector<std::vector<std::uint8_t>> raw(static_cast<std::size_t>(batch));
        for (hsize_t first = 0; first < m_chunkCount; first += static_cast<hsize_t>(batch)) {
            const auto count = static_cast<std::int64_t>(
                std::min<hsize_t>(static_cast<hsize_t>(batch), m_chunkCount - first));
            parallelFor(context, 0, count, 1, [&](std::int64_t from, std::int64_t to) {
                for (std::int64_t i = from; i < to; ++i)
                    compress(first + static_cast<hsize_t>(i), raw[i], packed[i]);
            });
            for (std::int64_t i = 0; i < count; ++i) {
                const std::vector<hsize_t> offset = chunkOffset(first + static_cast<hsize_t>(i));
                const bool stored =
                    packed[i].empty() ? H5Dwrite_chunk(m_dataset, H5P_DEFAULT, 0x1u, offset.data(),
                                                       raw[i].size(), raw[i].data()) >= 0
                                      : H5Dwrite_chunk(m_dataset, H5P_DEFAULT, 0u, offset.data(),
                                                       packed[i].size(), packed[i].data()) >= 0;
                if (!stored)
                    return false;
            }
        }
        return true;
    }

private:
    std::vector<hsize_t> chunkOffset(hsize_t index) const
    {
        std::vector<hsize_t> offset(m_shape.size());
        for (std::size_t d = m_shape.size(); d-- > 0;) {
            offset[d] = (index % m_grid[d]) * m_chunk[d];
            index /= m_grid[d];
        }
        return offset;
    }

    // Gathers one chunk (edge chunks padded with zeros, as HDF5 stores them) and deflates it;
    // leaves `packed` empty when deflating does not pay.
    void compress(hsize_t index, std::vector<std::uint8_t>& raw, std::vector<Bytef>& packed) const
    {
        const std::vector<hsize_t> offset = chunkOffset(index);
        const std::size_t rank = m_shape.size();
        raw.assign(m_chunkBytes, 0);
        const hsize_t lastExtent = std::min<hsize_t>(
            m_chunk[rank - 1], static_cast<hsize_t>(m_shape[rank - 1]) - offset[rank - 1]);
        // Walk the chunk's rows (all dimensions but the last) and copy each valid run.
        std::vector<hsize_t> at(rank, 0);
        for (;;) {
            bool inside = true;
            hsize_t source = 0, target = 0;
            for (std::size_t d = 0; d < rank; ++d) {
                const hsize_t coordinate = offset[d] + at[d];
                inside = inside && coordinate < static_cast<hsize_t>(m_shape[d]);
                source = source * static_cast<hsize_t>(m_shape[d]) + coordinate;
                target = target * m_chunk[d] + at[d];
            }
            if (inside)
                std::memcpy(raw.data() + target, m_mask + source, lastExtent);
            std::size_t d = rank - 1;
            while (d-- > 0) {
                if (++at[d] < m_chunk[d])
                    break;
                at[d] = 0;
            }
            if (d == static_cast<std::size_t>(-1))
                break;
        }
        uLongf size = compressBound(static_cast<uLong>(m_chunkBytes));
        packed.resize(size);
        if (compress2(packed.data(), &size, raw.data(), static_cast<uLong>(m_chunkBytes),
                      deflateLevel) != Z_OK ||
            size >= m_chunkBytes) {
            packed.clear();
            return;
        }
        packed.resize(size);
    }

    hid_t m_dataset;
    const std::vector<std::int64_t>& m_shape;
    const std::vector<hsize_t>& m_chunk;
    const std::uint8_t* m_mask;
    std::vector<hsize_t> m_grid;
    hsize_t m_chunkBytes = 1;
    hsize_t m_chunkCount = 1;
};

} // namespace

QString generatorName()
{
    return QStringLiteral("sparsity-explorer ") + QLatin1String(SPARSITY_VERSION);
}

struct MaskFileWriter::Handles
{
    Hdf5Handle file;
    bool overwrite = false;
    bool broken = false;       // a failed write left the file in a state that must not be committed
    bool ownsTemporary = true; // the temporary file exists and is ours to remove
};

MaskFileWriter::MaskFileWriter(QString outputPath, QString temporaryPath,
                               std::unique_ptr<Handles> handles)
    : m_outputPath(std::move(outputPath))
    , m_temporaryPath(std::move(temporaryPath))
    , m_handles(std::move(handles))
{}

MaskFileWriter::~MaskFileWriter()
{
    try {
        discard();
    } catch (...) {
        // A destructor must not throw; discard() is best effort by nature.
    }
}

std::unique_ptr<MaskFileWriter> MaskFileWriter::create(const QString& outputPath,
                                                       const QString& inputPath, bool overwrite)
{
    // Every message names the output as the user gave it, then the cause.
    const QFileInfo output(outputPath);
    const QString directory = output.absolutePath();
    const QFileInfo directoryInfo(directory);
    if (!directoryInfo.exists())
        throw Error(ErrorCode::Io,
                    QStringLiteral("%1: directory %2 does not exist").arg(outputPath, directory));
    if (!directoryInfo.isDir())
        throw Error(ErrorCode::Io,
                    QStringLiteral("%1: %2 is not a directory").arg(outputPath, directory));
    if (output.fileName().isEmpty())
        throw Error(ErrorCode::InvalidInput, outputPath + QStringLiteral(": not a file name"));
    // By device and inode: a symlink, a hard link or another spelling of the input is refused.
    if (!inputPath.isEmpty() && sameFile(outputPath, inputPath))
        throw Error(
            ErrorCode::InvalidInput,
            QStringLiteral("output %1 is the input file; choose another path").arg(outputPath));
    const bool exists = output.exists() || output.isSymLink();
    if (exists && output.isDir())
        throw Error(ErrorCode::InvalidInput, outputPath + QStringLiteral(": is a directory"));
    // The rename would put a regular file in place of a device, pipe or socket (think of
    // "-o /dev/null --force" as root): only regular files, or links to one, are replaced.
    if (exists && output.exists() && !output.isFile())
        throw Error(ErrorCode::InvalidInput,
                    outputPath + QStringLiteral(": not a regular file; refusing to replace it"));
    if (exists && !overwrite)
        throw Error(ErrorCode::OutputExists,
                    outputPath + QStringLiteral(" already exists; refusing to overwrite it"));
    const QByteArray nativeDirectory = QFile::encodeName(directory);
    if (::access(nativeDirectory.constData(), W_OK | X_OK) != 0)
        throw Error(ErrorCode::Io, QStringLiteral("%1: directory %2 is not writable (%3)")
                                       .arg(outputPath, directory, errnoText(errno)));

    // A unique hidden file next to the output, so that the final rename stays atomic.
    QByteArray pattern =
        nativeDirectory + "/." + QFile::encodeName(output.fileName()) + ".XXXXXX.part";
    const int fd = ::mkstemps(pattern.data(), 5);
    if (fd < 0)
        throw Error(ErrorCode::Io, QStringLiteral("%1: cannot create a temporary file in %2 (%3)")
                                       .arg(outputPath, directory, errnoText(errno)));
    struct stat existing = {};
    const mode_t mode = exists && ::stat(QFile::encodeName(outputPath).constData(), &existing) == 0
                            ? (existing.st_mode & 07777)
                            : newFileMode();
    (void)::fchmod(fd, mode); // best effort: a 0600 mask file is still a correct one
    ::close(fd);
    const QString temporaryPath = QFile::decodeName(pattern);

    const Hdf5ErrorSilencer silencer;
    auto handles = std::make_unique<Handles>();
    handles->overwrite = overwrite;
    // From here on the writer owns the temporary file: any failure below removes it.
    std::unique_ptr<MaskFileWriter> writer(
        new MaskFileWriter(outputPath, temporaryPath, std::move(handles)));

    // Closing the file closes everything in it, so that commit() renames a complete file.
    // Nothing else opens the temporary file, so the strong degree cannot clash with another.
    const Hdf5Handle fapl(H5Pcreate(H5P_FILE_ACCESS));
    if (!fapl.isValid() || H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG) < 0)
        throw Error(ErrorCode::Io,
                    withHdf5Cause(outputPath + QStringLiteral(": cannot create ") + temporaryPath));
    // Best effort: keep HDF5's default locking, but work on file systems without locks.
    H5Pset_file_locking(fapl.get(), true, true);
    Hdf5Handle& file = writer->m_handles->file;
    file.reset(H5Fcreate(pattern.constData(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()));
    if (!file.isValid())
        throw Error(ErrorCode::Io,
                    withHdf5Cause(outputPath + QStringLiteral(": cannot create ") + temporaryPath));
    if (!writeStringAttribute(file.get(), "generator", generatorName()))
        throw Error(
            ErrorCode::Io,
            withHdf5Cause(outputPath + QStringLiteral(": cannot write the generator attribute")));
    return writer;
}

void MaskFileWriter::writeMask(const QString& datasetPath, const std::vector<std::int64_t>& shape,
                               std::span<const std::uint8_t> mask, const MaskAttributes& attributes,
                               const ExecutionContext& context)
{
    if (m_committed || !m_handles || !m_handles->file.isValid())
        throw std::logic_error("MaskFileWriter::writeMask after commit or failure");
    if (shape.empty())
        throw std::invalid_argument("MaskFileWriter::writeMask: a mask needs rank >= 1");
    std::int64_t elements = 1;
    for (const std::int64_t extent : shape) {
        if (extent < 1 || __builtin_mul_overflow(elements, extent, &elements))
            throw std::invalid_argument("MaskFileWriter::writeMask: invalid shape");
    }
    if (static_cast<std::uint64_t>(elements) != mask.size())
        throw std::invalid_argument("MaskFileWriter::writeMask: shape does not match mask size");
    const QString path = normalizeDatasetPath(datasetPath);
    if (path == QLatin1String("/"))
        throw std::invalid_argument("MaskFileWriter::writeMask: empty dataset path");

    const Hdf5ErrorSilencer silencer;
    const hid_t file = m_handles->file.get();
    const QByteArray name = path.toUtf8();
    const auto fail = [&] {
        return Error(
            ErrorCode::Io,
            withHdf5Cause(QStringLiteral("%1: cannot write mask '%2'").arg(m_outputPath, path)));
    };

    const std::vector<hsize_t> dims(shape.begin(), shape.end());
    const Hdf5Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
    const Hdf5Handle lcpl(H5Pcreate(H5P_LINK_CREATE));
    const Hdf5Handle dcpl(H5Pcreate(H5P_DATASET_CREATE));
    if (!space.isValid() || !lcpl.isValid() || !dcpl.isValid() ||
        H5Pset_create_intermediate_group(lcpl.get(), 1) < 0 ||
        H5Pset_char_encoding(lcpl.get(), H5T_CSET_UTF8) < 0)
        throw fail();
    const std::vector<hsize_t> chunk = chunkShape(shape);
    if (H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()) < 0)
        throw fail();
    unsigned filterConfig = 0;
    bool deflated = false;
    if (H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0 &&
        H5Zget_filter_info(H5Z_FILTER_DEFLATE, &filterConfig) >= 0 &&
        (filterConfig & H5Z_FILTER_CONFIG_ENCODE_ENABLED) != 0) {
        if (H5Pset_deflate(dcpl.get(), deflateLevel) < 0)
            throw fail();
        deflated = true;
    }

    Hdf5Handle dataset(H5Dcreate2(file, name.constData(), H5T_STD_U8LE, space.get(), lcpl.get(),
                                  dcpl.get(), H5P_DEFAULT));
    if (!dataset.isValid())
        throw fail();

    const hid_t d = dataset.get();
    const double level = attributes.params.level;
    const std::array<std::int64_t, 2> block = {attributes.params.block.rows,
                                               attributes.params.block.cols};
    const std::int64_t zerosPerBlock = attributes.params.effectiveZerosPerBlock();
    const double achieved = attributes.achievedSparsity;
    // A half-written mask (zeros = everything pruned) must never be committed: unlink it, or
    // mark the file as not committable when even that fails.
    const auto dropPartialMask = [&] {
        dataset.reset();
        if (H5Ldelete(file, name.constData(), H5P_DEFAULT) < 0)
            m_handles->broken = true;
    };
    bool written = false;
    try {
        written =
            (deflated ? ParallelChunkWriter(d, shape, chunk, mask.data()).write(context)
                      : H5Dwrite(d, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, mask.data()) >=
                            0) &&
            writeAttribute(d, "sparsity_level", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &level) &&
            writeAttribute(d, "sparse_block_shape", H5T_STD_I64LE, H5T_NATIVE_INT64, block.data(),
                           2) &&
            writeAttribute(d, "zeros_per_block", H5T_STD_I64LE, H5T_NATIVE_INT64, &zerosPerBlock) &&
            writeStringAttribute(d, "norm", normName(attributes.params.norm)) &&
            writeAttribute(d, "achieved_sparsity", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &achieved) &&
            writeStringAttribute(d, "source_file", attributes.sourceFile) &&
            writeStringAttribute(d, "source_dataset", attributes.sourceDataset);
    } catch (...) {
        // Cancelled (or out of memory) between two batches of chunks.
        dropPartialMask();
        throw;
    }
    if (!written) {
        Error error = fail();
        dropPartialMask();
        throw error;
    }
    if (!dataset.close())
        throw fail();
}

void MaskFileWriter::commit()
{
    if (m_committed || !m_handles || !m_handles->file.isValid())
        throw std::logic_error("MaskFileWriter::commit called twice or after a failure");
    const QByteArray temporary = QFile::encodeName(m_temporaryPath);
    const QByteArray output = QFile::encodeName(m_outputPath);
    const auto fail = [&](const QString& message) {
        discard();
        return Error(ErrorCode::Io, message);
    };
    if (m_handles->broken)
        throw fail(m_outputPath + QStringLiteral(": not written, an earlier mask failed to write"));

    {
        const Hdf5ErrorSilencer silencer;
        if (H5Fflush(m_handles->file.get(), H5F_SCOPE_GLOBAL) < 0 || !m_handles->file.close())
            throw fail(
                withHdf5Cause(m_outputPath + QStringLiteral(": cannot write ") + m_temporaryPath));
    }

    const int fd = ::open(temporary.constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0) {
        const int error = errno;
        if (fd >= 0)
            ::close(fd);
        throw fail(QStringLiteral("%1: cannot flush %2 to disk (%3)")
                       .arg(m_outputPath, m_temporaryPath, errnoText(error)));
    }
    ::close(fd);

    if (m_handles->overwrite) {
        if (::rename(temporary.constData(), output.constData()) != 0)
            throw fail(QStringLiteral("%1: cannot rename %2 onto it (%3)")
                           .arg(m_outputPath, m_temporaryPath, errnoText(errno)));
    } else {
        // link() fails when the output appeared meanwhile: never replace a file we were not
        // allowed to. File systems without hard links fall back to a checked rename.
        if (::link(temporary.constData(), output.constData()) == 0) {
            ::unlink(temporary.constData());
        } else {
            const int error = errno;
            if (error == EEXIST) {
                discard();
                throw Error(ErrorCode::OutputExists,
                            m_outputPath +
                                QStringLiteral(" already exists; refusing to overwrite it"));
            }
            if (QFileInfo::exists(m_outputPath) ||
                ::rename(temporary.constData(), output.constData()) != 0)
                throw fail(QStringLiteral("%1: cannot rename %2 onto it (%3)")
                               .arg(m_outputPath, m_temporaryPath, errnoText(error)));
        }
    }
    m_committed = true;
    m_handles->ownsTemporary = false;

    // Make the rename itself durable; a failure here loses nothing already visible.
    const QByteArray directory = QFile::encodeName(QFileInfo(m_outputPath).absolutePath());
    const int directoryFd = ::open(directory.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (directoryFd >= 0) {
        ::fsync(directoryFd);
        ::close(directoryFd);
    }
}

void MaskFileWriter::discard()
{
    if (m_handles) {
        const Hdf5ErrorSilencer silencer;
        if (m_handles->file.isValid())
            detachFromDisk(m_handles->file.get());
        m_handles->file.reset();
    }
    if (m_handles && m_handles->ownsTemporary && !m_committed) {
        ::unlink(QFile::encodeName(m_temporaryPath).constData());
        m_handles->ownsTemporary = false;
    }
}

} // namespace sparsity::core
