#include "hdf5maskwriter.h"

#include "deflatechunkwriter.h"
#include "error.h"
#include "hdf5handle.h"
#include "io/atomicoutput.h"
#include "io/datasetinfo.h"

#include <QFile>
#include <array>
#include <hdf5.h>
#include <stdexcept>
#include <sys/mman.h>
#include <unistd.h>

namespace sparsity::core {

namespace {

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

} // namespace

struct Hdf5MaskWriter::Handles
{
    Hdf5Handle file;
    bool broken = false; // a failed write left the file in a state that must not be committed
};

Hdf5MaskWriter::Hdf5MaskWriter(std::unique_ptr<AtomicOutput> output,
                               std::unique_ptr<Handles> handles)
    : m_output(std::move(output))
    , m_handles(std::move(handles))
{}

Hdf5MaskWriter::~Hdf5MaskWriter()
{
    try {
        discard();
    } catch (...) {
        // A destructor must not throw; discard() is best effort by nature.
    }
}

QString Hdf5MaskWriter::outputPath() const
{
    return m_output->outputPath();
}

QString Hdf5MaskWriter::temporaryPath() const
{
    return m_output->temporaryPath();
}

std::unique_ptr<Hdf5MaskWriter> Hdf5MaskWriter::create(const QString& outputPath,
                                                       const QString& inputPath, bool overwrite)
{
    // From here on the writer owns the temporary file: any failure below removes it.
    std::unique_ptr<Hdf5MaskWriter> writer(new Hdf5MaskWriter(
        AtomicOutput::create(outputPath, inputPath, overwrite), std::make_unique<Handles>()));
    const QString temporaryPath = writer->temporaryPath();

    const Hdf5ErrorSilencer silencer;
    // Closing the file closes everything in it, so that commit() renames a complete file.
    // Nothing else opens the temporary file, so the strong degree cannot clash with another.
    const Hdf5Handle fapl(H5Pcreate(H5P_FILE_ACCESS));
    if (!fapl.isValid() || H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG) < 0)
        throwHdf5Io(outputPath + QStringLiteral(": cannot create ") + temporaryPath);
    // Best effort: keep HDF5's default locking, but work on file systems without locks.
    H5Pset_file_locking(fapl.get(), true, true);
    Hdf5Handle& file = writer->m_handles->file;
    file.reset(H5Fcreate(QFile::encodeName(temporaryPath).constData(), H5F_ACC_TRUNC, H5P_DEFAULT,
                         fapl.get()));
    if (!file.isValid())
        throwHdf5Io(outputPath + QStringLiteral(": cannot create ") + temporaryPath);
    if (!writeStringAttribute(file.get(), "generator", generatorName()))
        throwHdf5Io(outputPath + QStringLiteral(": cannot write the generator attribute"));
    return writer;
}

void Hdf5MaskWriter::writeMask(const QString& datasetPath, const std::vector<std::int64_t>& shape,
                               std::span<const std::uint8_t> mask, const MaskAttributes& attributes,
                               const ExecutionContext& context)
{
    if (m_output->isCommitted() || !m_handles || !m_handles->file.isValid())
        throw std::logic_error("Hdf5MaskWriter::writeMask after commit or failure");
    if (shape.empty())
        throw std::invalid_argument("Hdf5MaskWriter::writeMask: a mask needs rank >= 1");
    std::int64_t elements = 1;
    for (const std::int64_t extent : shape) {
        if (extent < 1 || __builtin_mul_overflow(elements, extent, &elements))
            throw std::invalid_argument("Hdf5MaskWriter::writeMask: invalid shape");
    }
    if (static_cast<std::uint64_t>(elements) != mask.size())
        throw std::invalid_argument("Hdf5MaskWriter::writeMask: shape does not match mask size");
    const QString path = normalizeDatasetPath(datasetPath);
    if (path == QLatin1String("/"))
        throw std::invalid_argument("Hdf5MaskWriter::writeMask: empty dataset path");

    const Hdf5ErrorSilencer silencer;
    const hid_t file = m_handles->file.get();
    const QByteArray name = path.toUtf8();
    const auto fail = [&] {
        return Error(
            ErrorCode::Io,
            withHdf5Cause(
                QStringLiteral("%1: cannot write mask '%2'").arg(m_output->outputPath(), path)));
    };

    const std::vector<hsize_t> dims(shape.begin(), shape.end());
    const Hdf5Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
    const Hdf5Handle lcpl(H5Pcreate(H5P_LINK_CREATE));
    const Hdf5Handle dcpl(H5Pcreate(H5P_DATASET_CREATE));
    if (!space.isValid() || !lcpl.isValid() || !dcpl.isValid() ||
        H5Pset_create_intermediate_group(lcpl.get(), 1) < 0 ||
        H5Pset_char_encoding(lcpl.get(), H5T_CSET_UTF8) < 0)
        throw fail();
    const std::vector<hsize_t> chunk = maskChunkShape(shape);
    if (H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()) < 0)
        throw fail();
    unsigned filterConfig = 0;
    bool deflated = false;
    if (H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0 &&
        H5Zget_filter_info(H5Z_FILTER_DEFLATE, &filterConfig) >= 0 &&
        (filterConfig & H5Z_FILTER_CONFIG_ENCODE_ENABLED) != 0) {
        if (H5Pset_deflate(dcpl.get(), maskDeflateLevel) < 0)
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
    const double minLevel = attributes.minLevel;
    const double maxLevel = attributes.maxLevel;
    const std::array<std::int64_t, 2> matrixShape = {attributes.matrixRows, attributes.matrixCols};
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
            (deflated ? writeDeflatedChunks(d, shape, chunk, mask.data(), context)
                      : H5Dwrite(d, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, mask.data()) >=
                            0) &&
            writeAttribute(d, "sparsity_level", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &level) &&
            writeAttribute(d, "sparse_block_shape", H5T_STD_I64LE, H5T_NATIVE_INT64, block.data(),
                           2) &&
            writeAttribute(d, "zeros_per_block", H5T_STD_I64LE, H5T_NATIVE_INT64, &zerosPerBlock) &&
            writeStringAttribute(d, "norm", normName(attributes.params.norm)) &&
            writeAttribute(d, "achieved_sparsity", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &achieved) &&
            writeStringAttribute(d, "source_file", attributes.sourceFile) &&
            writeStringAttribute(d, "source_dataset", attributes.sourceDataset) &&
            writeStringAttribute(d, "scope", attributes.scope) &&
            writeAttribute(d, "min_level", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &minLevel) &&
            writeAttribute(d, "max_level", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &maxLevel) &&
            writeStringAttribute(d, "layout", layoutName(attributes.layout)) &&
            writeStringAttribute(d, "view", viewName(attributes.view)) &&
            writeAttribute(d, "matrix_shape", H5T_STD_I64LE, H5T_NATIVE_INT64, matrixShape.data(),
                           2);
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

void Hdf5MaskWriter::commit()
{
    if (m_output->isCommitted() || !m_handles || !m_handles->file.isValid())
        throw std::logic_error("Hdf5MaskWriter::commit called twice or after a failure");
    const auto fail = [&](const QString& message) {
        discard();
        return Error(ErrorCode::Io, message);
    };
    if (m_handles->broken)
        throw fail(outputPath() + QStringLiteral(": not written, an earlier mask failed to write"));
    {
        const Hdf5ErrorSilencer silencer;
        if (H5Fflush(m_handles->file.get(), H5F_SCOPE_GLOBAL) < 0 || !m_handles->file.close())
            throw fail(
                withHdf5Cause(outputPath() + QStringLiteral(": cannot write ") + temporaryPath()));
    }
    m_output->commit();
}

void Hdf5MaskWriter::discard()
{
    if (m_handles) {
        const Hdf5ErrorSilencer silencer;
        if (m_handles->file.isValid())
            detachFromDisk(m_handles->file.get());
        m_handles->file.reset();
    }
    m_output->discard();
}

} // namespace sparsity::core
