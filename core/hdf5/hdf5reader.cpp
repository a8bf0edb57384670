#include "hdf5reader.h"

#include "error.h"
#include "hdf5dataset.h"
#include "hdf5filters.h"
#include "hdf5handle.h"
#include "hdf5tree.h"
#include "io/datasetchecks.h"

#include <QFile>
#include <atomic>
#include <cstring>
#include <hdf5.h>
#include <optional>
#include <utility>

namespace sparsity::core {

namespace {

Hdf5Handle fileAccessList()
{
    Hdf5Handle fapl(H5Pcreate(H5P_FILE_ACCESS));
    if (!fapl.isValid())
        return fapl;
    // The close degree stays at its default: HDF5 refuses to open a file twice in one process
    // with different degrees, and another part of the program may have this file open.
    // Lock as HDF5 does by default, but still open files on file systems without locks.
    H5Pset_file_locking(fapl.get(), true, true);
    return fapl;
}

// The file consistency flags of a version 3 superblock, the format HDF5 1.10 writes with
// libver "latest" (h5py's libver='latest'), which SWMR needs: bit 0 while a writer has the file
// open, bit 2 while that writer is in SWMR mode. HDF5 clears them on close, so a writer that
// died leaves them set; while they are set HDF5 opens the file only in SWMR-read mode, and only
// when bit 2 is set. nullopt for older superblocks, which have no such flags (their writers
// hold a lock instead), or a file that cannot be read here.
constexpr unsigned superblockWriteAccess = 0x01;
constexpr unsigned superblockSwmrWriteAccess = 0x04;
constexpr unsigned swmrMetadataReadAttempts = 28;

std::optional<unsigned> superblockStatusFlags(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return std::nullopt;
    // Signature (8 bytes), superblock version, size of offsets, size of lengths, flags; the
    // superblock is at 0 or after a user block of 512, 1024, 2048... bytes.
    static constexpr char signature[] = "\x89HDF\r\n\x1a\n";
    constexpr qint64 headSize = 12;
    for (qint64 offset = 0; offset + headSize <= file.size();
         offset = offset == 0 ? 512 : offset * 2) {
        if (!file.seek(offset))
            return std::nullopt;
        const QByteArray head = file.read(headSize);
        if (head.size() != headSize)
            return std::nullopt;
        if (std::memcmp(head.constData(), signature, sizeof signature - 1) != 0)
            continue;
        if (static_cast<unsigned char>(head.at(8)) < 3)
            return std::nullopt;
        return static_cast<unsigned char>(head.at(11));
    }
    return std::nullopt;
}

// Why a file marked open for writing cannot be read, with the way out for a writer that died.
[[noreturn]] void refuseOpenForWriting(const QString& path, unsigned flags, const QString& cause)
{
    const QString writer =
        (flags & superblockSwmrWriteAccess) != 0
            ? QStringLiteral("it is open in an HDF5 SWMR writer, or was not closed by one (a "
                             "writer that crashed or was killed), and reading it in SWMR mode "
                             "failed")
            : QStringLiteral("it is open in an HDF5 writer, or was not closed by one (a writer "
                             "that crashed or was killed); the writer did not use SWMR mode, so "
                             "the file cannot be read until it is closed");
    QString message = path + QStringLiteral(": cannot open, ") + writer +
                      QStringLiteral(". If no program is writing it, 'h5clear -s %1' (Debian "
                                     "package hdf5-tools) clears the mark")
                          .arg(path);
    if (!cause.isEmpty())
        message += QStringLiteral(" (HDF5: ") + cause + QLatin1Char(')');
    throw Error(ErrorCode::Io, message);
}

herr_t refuseExternalLink(const char* /*parentFile*/, const char* /*parentGroup*/,
                          const char* /*childFile*/, const char* /*childObject*/,
                          unsigned* /*accessFlags*/, hid_t /*fapl*/, void* /*data*/)
{
    return -1;
}

} // namespace

bool Hdf5Reader::hasSignature(const QByteArray& bytes)
{
    static constexpr char signature[] = "\x89HDF\r\n\x1a\n";
    constexpr qsizetype length = sizeof signature - 1;
    for (qsizetype offset = 0; offset <= bytes.size() - length;
         offset = offset == 0 ? 512 : offset * 2) {
        if (std::memcmp(bytes.constData() + offset, signature, length) == 0)
            return true;
    }
    return false;
}

struct Hdf5Reader::Handles
{
    Hdf5Handle file;
    // The file opened by path, as it was then; none for an image in memory, which cannot change.
    std::optional<FileIdentity> identity;
    QString filePath; // where it was opened (the name in messages may be another path to it)
    // Link access for every lookup by name; invalid (HDF5's default) for files opened by path.
    Hdf5Handle linkAccess;
    // Opened in SWMR-read mode, because an HDF5 SWMR writer has the file open: it may grow and
    // change while read, which HDF5 keeps consistent, so only its replacement counts as a change.
    bool swmrRead = false;

    hid_t linkAccessList() const { return linkAccess.isValid() ? linkAccess.get() : H5P_DEFAULT; }
};

Hdf5Reader::Hdf5Reader(QString path, std::unique_ptr<Handles> handles)
    : m_path(std::move(path))
    , m_handles(std::move(handles))
{}

Hdf5Reader::~Hdf5Reader() = default;

FileIdentity Hdf5Reader::identity() const
{
    return m_handles->identity.value_or(FileIdentity{});
}

void Hdf5Reader::throwIfChanged(const QString& action) const
{
    if (!m_handles->identity)
        return;
    if (const auto change = fileChangeSince(m_handles->filePath, *m_handles->identity,
                                            m_handles->swmrRead ? FileChanges::OnlyReplacement
                                                                : FileChanges::AnyChange))
        throw Error(ErrorCode::Io,
                    QStringLiteral("%1: %2: %3; open it again").arg(m_path, action, *change));
}

std::unique_ptr<Hdf5Reader> Hdf5Reader::open(const QString& path)
{
    return open(path, path);
}

std::unique_ptr<Hdf5Reader> Hdf5Reader::open(const QString& filePath, const QString& path)
{
    // Our own checks first: they give clearer messages than HDF5's and never read the file.
    const FileIdentity opened = identifyInputFile(filePath, QStringLiteral("an HDF5 file"));
    registerHdf5Filters();
    const QByteArray nativePath = QFile::encodeName(filePath);

    const Hdf5ErrorSilencer silencer;
    const htri_t isHdf5 = H5Fis_hdf5(nativePath.constData());
    if (isHdf5 == 0)
        throw Error(ErrorCode::Io, path + QStringLiteral(": not an HDF5 file"));
    if (isHdf5 < 0)
        throwHdf5Io(path + QStringLiteral(": not an HDF5 file or truncated/damaged"));

    const Hdf5Handle fapl = fileAccessList();
    auto handles = std::make_unique<Handles>();
    handles->identity = opened;
    handles->filePath = filePath;
    const hid_t access = fapl.isValid() ? fapl.get() : H5P_DEFAULT;
    handles->file.reset(H5Fopen(nativePath.constData(), H5F_ACC_RDONLY, access));
    if (!handles->file.isValid()) {
        const QString cause = hdf5ErrorCause();
        // A file marked open for writing: HDF5 words it "file is already open for write", which
        // the flags themselves tell without depending on the wording.
        const std::optional<unsigned> flags = superblockStatusFlags(filePath);
        if (flags && (*flags & superblockWriteAccess) != 0) {
            if ((*flags & superblockSwmrWriteAccess) == 0)
                refuseOpenForWriting(path, *flags, cause);
            // A SWMR reader retries a metadata read whose checksum fails (the writer may be
            // rewriting it), sleeping 1, 2, 4... ns in turn: HDF5's default of 100 attempts
            // would sleep for ages on a damaged file. 28 attempts wait at most about 0.27 s in
            // all, ample for a writer's flush to end (measured: 2^attempts ns).
            const Hdf5Handle swmrAccess(
                H5Pcopy(access == H5P_DEFAULT ? H5P_FILE_ACCESS_DEFAULT : access));
            if (!swmrAccess.isValid() ||
                H5Pset_metadata_read_attempts(swmrAccess.get(), swmrMetadataReadAttempts) < 0)
                throwHdf5Io(path + QStringLiteral(": cannot prepare reading in SWMR mode"));
            handles->file.reset(H5Fopen(nativePath.constData(), H5F_ACC_RDONLY | H5F_ACC_SWMR_READ,
                                        swmrAccess.get()));
            if (!handles->file.isValid())
                refuseOpenForWriting(path, *flags, hdf5ErrorCause());
            handles->swmrRead = true;
            auto reader = std::unique_ptr<Hdf5Reader>(new Hdf5Reader(path, std::move(handles)));
            reader->throwIfChanged(QStringLiteral("cannot open"));
            return reader;
        }
        if (cause.contains(QLatin1String("unable to lock"), Qt::CaseInsensitive) ||
            cause.contains(QLatin1String("file locking"), Qt::CaseInsensitive))
            throw Error(ErrorCode::Io,
                        path +
                            QStringLiteral(": cannot open, the file is locked (is another "
                                           "program writing it?): ") +
                            cause);
        throw Error(ErrorCode::Io,
                    path + QStringLiteral(": not an HDF5 file or truncated/damaged: ") + cause);
    }
    auto reader = std::unique_ptr<Hdf5Reader>(new Hdf5Reader(path, std::move(handles)));
    // Replaced between our checks and HDF5's open: HDF5 may hold another file than measured.
    reader->throwIfChanged(QStringLiteral("cannot open"));
    return reader;
}

std::unique_ptr<Hdf5Reader> Hdf5Reader::openImage(const QByteArray& image, const QString& name)
{
    if (image.isEmpty())
        throw Error(ErrorCode::Io, name + QStringLiteral(": the file is empty, not an HDF5 file"));
    if (!hasSignature(image))
        throw Error(ErrorCode::Io, name + QStringLiteral(": not an HDF5 file"));
    registerHdf5Filters();

    const Hdf5ErrorSilencer silencer;
    // The core driver without a backing store keeps the file in memory only; HDF5 copies the
    // image, so the caller's bytes need not outlive the reader.
    const Hdf5Handle fapl(H5Pcreate(H5P_FILE_ACCESS));
    if (!fapl.isValid() || H5Pset_fapl_core(fapl.get(), std::size_t{1} << 16, false) < 0 ||
        H5Pset_file_image(fapl.get(), const_cast<char*>(image.constData()),
                          static_cast<std::size_t>(image.size())) < 0)
        throwHdf5Io(name + QStringLiteral(": cannot prepare the in-memory file"));
    auto handles = std::make_unique<Handles>();
    handles->linkAccess.reset(H5Pcreate(H5P_LINK_ACCESS));
    if (!handles->linkAccess.isValid() ||
        H5Pset_elink_cb(handles->linkAccess.get(), &refuseExternalLink, nullptr) < 0)
        throwHdf5Io(name + QStringLiteral(": cannot prepare the in-memory file"));

    // HDF5 tells open files apart by name, and the core driver refuses to open an image under
    // the name of a file that exists on disk: give each image a name of its own.
    static std::atomic<std::uint64_t> imageCount{0};
    const QByteArray internalName =
        QStringLiteral("%1 (in memory #%2)").arg(name).arg(++imageCount).toUtf8();
    handles->file.reset(H5Fopen(internalName.constData(), H5F_ACC_RDONLY, fapl.get()));
    if (!handles->file.isValid())
        throwHdf5Io(name + QStringLiteral(": not an HDF5 file or truncated/damaged"));
    return std::unique_ptr<Hdf5Reader>(new Hdf5Reader(name, std::move(handles)));
}

std::vector<DatasetInfo> Hdf5Reader::listTree() const
{
    throwIfChanged(QStringLiteral("cannot list the file"));
    const Hdf5ErrorSilencer silencer;
    const Hdf5Handle root(H5Gopen2(m_handles->file.get(), "/", H5P_DEFAULT));
    if (!root.isValid())
        throwHdf5Io(m_path + QStringLiteral(": cannot open the root group"));
    return listHdf5Tree(root.get(), m_path, m_handles->linkAccessList());
}

DatasetInfo Hdf5Reader::describe(const QString& datasetPath) const
{
    const QString path = normalizeDatasetPath(datasetPath);
    throwIfChanged(QStringLiteral("cannot read dataset %1").arg(quoted(path)));
    const Hdf5ErrorSilencer silencer;
    return describeHdf5Path(m_handles->file.get(), path, m_path, m_handles->linkAccessList());
}

WeightTensor Hdf5Reader::readTensor(const QString& datasetPath,
                                    const ExecutionContext& context) const
{
    return readChecked(datasetPath, nullptr, context);
}

WeightTensor Hdf5Reader::readMatrixOrder(const QString& datasetPath, const MatrixMapping& mapping,
                                         const ExecutionContext& context) const
{
    return readChecked(datasetPath, &mapping, context);
}

WeightTensor Hdf5Reader::readChecked(const QString& datasetPath, const MatrixMapping* mapping,
                                     const ExecutionContext& context) const
{
    const Hdf5ErrorSilencer silencer;
    const DatasetInfo info = describe(datasetPath);
    checkReadable(m_path, info);
    const std::uint64_t budget = memoryBudget(m_memoryLimit);
    checkFitsInMemory(m_path, info, readsAsDouble(info) ? sizeof(double) : sizeof(float), budget);
    const Hdf5Handle dataset(
        H5Dopen2(m_handles->file.get(), info.path.toUtf8().constData(), H5P_DEFAULT));
    if (!dataset.isValid())
        throwHdf5Io(QStringLiteral("%1: cannot open dataset %2").arg(m_path, quoted(info.path)));
    return mapping ? readHdf5DatasetMatrix(dataset.get(), info, m_path, budget, *mapping, context)
                   : readHdf5Dataset(dataset.get(), info, m_path, budget, context);
}

bool Hdf5Reader::readsSwmr() const
{
    return m_handles->swmrRead;
}

bool Hdf5Reader::hasKerasMarkers() const
{
    throwIfChanged(QStringLiteral("cannot read the file's attributes"));
    const Hdf5ErrorSilencer silencer;
    const hid_t file = m_handles->file.get();
    const hid_t linkAccess = m_handles->linkAccessList();
    const auto marked = [&](const char* group) {
        for (const char* name : {"keras_version", "layer_names"})
            if (H5Aexists_by_name(file, group, name, linkAccess) > 0)
                return true;
        return false;
    };
    if (marked("/"))
        return true;
    // Keras's full-model files keep the weights, and the markers, under /model_weights.
    if (H5Lexists(file, "/model_weights", linkAccess) <= 0)
        return false;
    H5O_info_t info;
    if (H5Oget_info_by_name2(file, "/model_weights", &info, H5O_INFO_BASIC, linkAccess) < 0 ||
        info.type != H5O_TYPE_GROUP)
        return false;
    return marked("/model_weights");
}

DatasetInfo Hdf5Reader::describeAsTold(const QString& datasetPath,
                                       const std::vector<std::int64_t>& shape, bool asDouble,
                                       std::uint64_t budget) const
{
    const DatasetInfo info = describe(datasetPath);
    checkReadable(m_path, info);
    const std::size_t valueBytes = readsAsDouble(info) ? sizeof(double) : sizeof(float);
    checkFitsInMemory(m_path, info, valueBytes, budget);
    if (info.shape != shape || readsAsDouble(info) != asDouble)
        throw Error(ErrorCode::Io,
                    QStringLiteral("%1: cannot read dataset %2: the file was modified after it "
                                   "was opened; open it again")
                        .arg(m_path, quoted(info.path)));
    return info;
}

void Hdf5Reader::readTensorInto(const QString& datasetPath, const std::vector<std::int64_t>& shape,
                                bool asDouble, void* values, std::uint64_t bytes,
                                const ExecutionContext& context) const
{
    const Hdf5ErrorSilencer silencer;
    const std::uint64_t budget = memoryBudget(m_memoryLimit);
    const DatasetInfo info = describeAsTold(datasetPath, shape, asDouble, budget);
    const std::size_t valueBytes = asDouble ? sizeof(double) : sizeof(float);
    if (static_cast<std::uint64_t>(elementCountOf(shape)) * valueBytes != bytes)
        throw Error(ErrorCode::Io,
                    QStringLiteral("%1: cannot read dataset %2: the file was modified after it "
                                   "was opened; open it again")
                        .arg(m_path, quoted(info.path)));
    const Hdf5Handle dataset(
        H5Dopen2(m_handles->file.get(), info.path.toUtf8().constData(), H5P_DEFAULT));
    if (!dataset.isValid())
        throwHdf5Io(QStringLiteral("%1: cannot open dataset %2").arg(m_path, quoted(info.path)));
    readHdf5DatasetInto(dataset.get(), info, m_path, budget, context, values);
}

void Hdf5Reader::readTensorSlabs(const QString& datasetPath, const std::vector<std::int64_t>& shape,
                                 bool asDouble, std::uint64_t maxSlabBytes,
                                 const std::function<void*(std::uint64_t, std::uint64_t)>& buffer,
                                 const std::function<void(std::uint64_t, std::uint64_t)>& filled,
                                 const ExecutionContext& context) const
{
    const Hdf5ErrorSilencer silencer;
    const std::uint64_t budget = memoryBudget(m_memoryLimit);
    const DatasetInfo info = describeAsTold(datasetPath, shape, asDouble, budget);
    const QByteArray name = info.path.toUtf8();
    Hdf5Handle dataset(H5Dopen2(m_handles->file.get(), name.constData(), H5P_DEFAULT));
    if (!dataset.isValid())
        throwHdf5Io(QStringLiteral("%1: cannot open dataset %2").arg(m_path, quoted(info.path)));
    // Opened again with a chunk cache for one band of chunk rows when slabs are thinner. Closed
    // first: HDF5 gives a dataset that is still open its first opening's cache, and ignores the
    // access list (every chunk of a band would be read and inflated twice).
    if (const Hdf5Handle access = slabAccessList(dataset.get(), info, maxSlabBytes, budget);
        access.isValid()) {
        dataset.reset();
        dataset.reset(H5Dopen2(m_handles->file.get(), name.constData(), access.get()));
        if (!dataset.isValid())
            throwHdf5Io(
                QStringLiteral("%1: cannot open dataset %2").arg(m_path, quoted(info.path)));
    }
    SlabTarget target;
    target.maxSlabBytes = maxSlabBytes;
    target.hardLimit = true;
    target.buffer = buffer;
    target.filled = filled;
    readHdf5DatasetSlabs(dataset.get(), info, m_path, budget, context, target);
}

} // namespace sparsity::core
