#include "hdf5reader.h"

#include "error.h"
#include "hdf5handle.h"

#include <QFile>
#include <QFileInfo>
#include <QStringList>
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <hdf5.h>
#include <limits>
#include <map>
#include <new>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace sparsity::core {

namespace {

constexpr std::uint64_t slabBytes = std::uint64_t{16} << 20;
// No number type is wider (long double, 128-bit integers). HDF5 converts whatever size a file
// declares and allocates a conversion buffer for at least one element, so a damaged type size
// would make it allocate gigabytes before it fails.
constexpr std::int64_t maxNumberBytes = 16;

QString numberSizeProblem(std::int64_t elementSize)
{
    return QStringLiteral("%1-byte numbers, wider than any number type (is the file damaged?)")
        .arg(elementSize);
}

QString quoted(const QString& datasetPath)
{
    return QLatin1Char('\'') + datasetPath + QLatin1Char('\'');
}

[[noreturn]] void throwIo(const QString& message)
{
    throw Error(ErrorCode::Io, withHdf5Cause(message));
}

QString childPath(const QString& groupPath, const QByteArray& name)
{
    const QString child = QString::fromUtf8(name);
    return groupPath == QLatin1String("/") ? QLatin1Char('/') + child
                                           : groupPath + QLatin1Char('/') + child;
}

struct TypeDescription
{
    QString name;
    ElementClass elementClass = ElementClass::Other;
    std::int64_t size = 0;
};

TypeDescription describeType(hid_t type)
{
    TypeDescription description;
    description.size = static_cast<std::int64_t>(H5Tget_size(type));
    const QString bits = QString::number(description.size * 8);
    switch (H5Tget_class(type)) {
    case H5T_FLOAT:
        description.name = QStringLiteral("float") + bits;
        description.elementClass = ElementClass::Float;
        break;
    case H5T_INTEGER:
        description.name =
            (H5Tget_sign(type) == H5T_SGN_NONE ? QStringLiteral("uint") : QStringLiteral("int")) +
            bits;
        description.elementClass = ElementClass::Integer;
        break;
    case H5T_STRING:
        description.name = QStringLiteral("string");
        break;
    case H5T_COMPOUND:
        description.name = QStringLiteral("compound");
        break;
    case H5T_ENUM:
        description.name = QStringLiteral("enum");
        break;
    case H5T_VLEN:
        description.name = QStringLiteral("vlen");
        break;
    case H5T_OPAQUE:
        description.name = QStringLiteral("opaque");
        break;
    case H5T_REFERENCE:
        description.name = QStringLiteral("reference");
        break;
    case H5T_ARRAY:
        description.name = QStringLiteral("array");
        break;
    case H5T_BITFIELD:
        description.name = QStringLiteral("bitfield");
        break;
    case H5T_TIME:
        description.name = QStringLiteral("time");
        break;
    default:
        description.name = QStringLiteral("unknown");
        break;
    }
    return description;
}

std::int64_t saturatingProduct(const std::vector<std::int64_t>& factors)
{
    std::int64_t product = 1;
    for (const std::int64_t factor : factors) {
        if (factor == 0)
            return 0;
        if (__builtin_mul_overflow(product, factor, &product))
            return std::numeric_limits<std::int64_t>::max();
    }
    return product;
}

// The entry of an open dataset: shape, type and whether it can be sparsified.
DatasetInfo describeDataset(hid_t dataset, const QString& path, const QString& fileName)
{
    DatasetInfo info;
    info.path = path;
    info.kind = NodeKind::Dataset;

    const Hdf5Handle type(H5Dget_type(dataset));
    if (!type.isValid())
        throwIo(fileName + QStringLiteral(": cannot read the type of dataset ") + quoted(path));
    const TypeDescription description = describeType(type.get());
    info.typeName = description.name;
    info.elementClass = description.elementClass;
    info.elementSize = description.size;

    const Hdf5Handle space(H5Dget_space(dataset));
    if (!space.isValid())
        throwIo(fileName + QStringLiteral(": cannot read the shape of dataset ") + quoted(path));
    const H5S_class_t spaceClass = H5Sget_simple_extent_type(space.get());
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank < 0 || spaceClass == H5S_NO_CLASS)
        throwIo(fileName + QStringLiteral(": cannot read the shape of dataset ") + quoted(path));
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    if (rank > 0 && H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0)
        throwIo(fileName + QStringLiteral(": cannot read the shape of dataset ") + quoted(path));
    for (const hsize_t extent : dims) {
        info.shape.push_back(extent > static_cast<hsize_t>(std::numeric_limits<std::int64_t>::max())
                                 ? std::numeric_limits<std::int64_t>::max()
                                 : static_cast<std::int64_t>(extent));
    }

    const bool isNull = spaceClass == H5S_NULL;
    info.nullDataspace = isNull;
    if (!isNull) {
        std::vector<std::int64_t> factors = info.shape;
        factors.push_back(info.elementSize);
        info.storageBytes = saturatingProduct(factors);
    }

    const bool numeric =
        info.elementClass == ElementClass::Float || info.elementClass == ElementClass::Integer;
    const auto zeroDim = std::find(info.shape.begin(), info.shape.end(), 0);
    if (!numeric)
        info.reason = info.typeName + QStringLiteral(" data is not numeric");
    else if (info.elementSize < 1 || info.elementSize > maxNumberBytes)
        info.reason = numberSizeProblem(info.elementSize);
    else if (isNull)
        info.reason = QStringLiteral("no data (null dataspace)");
    else if (rank == 0)
        info.reason = QStringLiteral("rank 0 (scalar): needs at least 2 dimensions");
    else if (rank == 1)
        info.reason = QStringLiteral("rank 1: needs at least 2 dimensions");
    else if (zeroDim != info.shape.end())
        info.reason = QStringLiteral("empty: dimension %1 has size 0")
                          .arg(std::distance(info.shape.begin(), zeroDim));
    info.sparsifiable = info.reason.isEmpty();
    return info;
}

struct LinkEntry
{
    QByteArray name;
    H5L_type_t type = H5L_TYPE_ERROR;
};

herr_t collectLink(hid_t /*group*/, const char* name, const H5L_info_t* info, void* data)
{
    // Only collect here: no exceptions may cross HDF5's C frames, and the group is walked
    // after the iteration has finished.
    static_cast<std::vector<LinkEntry>*>(data)->push_back({QByteArray(name), info->type});
    return 0;
}

// Where a soft or external link points, as text ("/a/b" or "other.h5:/a/b").
QString linkTargetText(hid_t location, const QByteArray& name, H5L_type_t type)
{
    H5L_info_t info;
    if (H5Lget_info(location, name.constData(), &info, H5P_DEFAULT) < 0)
        return {};
    std::vector<char> value(info.u.val_size + 1, '\0');
    if (H5Lget_val(location, name.constData(), value.data(), info.u.val_size, H5P_DEFAULT) < 0)
        return {};
    if (type == H5L_TYPE_SOFT)
        return QString::fromUtf8(value.data());
    if (type == H5L_TYPE_EXTERNAL) {
        unsigned flags = 0;
        const char* file = nullptr;
        const char* object = nullptr;
        if (H5Lunpack_elink_val(value.data(), info.u.val_size, &flags, &file, &object) < 0)
            return {};
        return QString::fromUtf8(file) + QLatin1Char(':') + QString::fromUtf8(object);
    }
    return {};
}

// Why a link does not resolve, given the HDF5 cause captured right after the failing call.
QString danglingReason(const QString& target, const QString& cause, H5L_type_t type,
                       bool followsExternalLinks)
{
    if (type == H5L_TYPE_EXTERNAL && !followsExternalLinks)
        return QStringLiteral("external link to %1, not followed in a file read from memory")
            .arg(target);
    if (cause.contains(QLatin1String("too many links")))
        return QStringLiteral("link target %1 does not resolve (too many levels of links)")
            .arg(target);
    return QStringLiteral("link target %1 does not exist").arg(target);
}

using ObjectKey = std::pair<unsigned long, haddr_t>;

class TreeLister
{
public:
    TreeLister(QString fileName, hid_t linkAccess)
        : m_fileName(std::move(fileName))
        , m_linkAccess(linkAccess)
    {}

    std::vector<DatasetInfo> list(hid_t root)
    {
        H5O_info_t info;
        if (H5Oget_info2(root, &info, H5O_INFO_BASIC) < 0)
            throwIo(m_fileName + QStringLiteral(": cannot read the root group"));
        m_visited.emplace(ObjectKey{info.fileno, info.addr}, QStringLiteral("/"));
        listGroup(root, QStringLiteral("/"));
        return std::move(m_entries);
    }

private:
    void listGroup(hid_t group, const QString& groupPath)
    {
        std::vector<LinkEntry> links;
        hsize_t index = 0;
        if (H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, &index, &collectLink, &links) < 0)
            throwIo(m_fileName + QStringLiteral(": cannot list group ") + quoted(groupPath));
        for (const LinkEntry& link : links)
            listLink(group, groupPath, link);
    }

    void listLink(hid_t group, const QString& groupPath, const LinkEntry& link)
    {
        DatasetInfo entry;
        entry.path = childPath(groupPath, link.name);
        const bool isLink = link.type == H5L_TYPE_SOFT || link.type == H5L_TYPE_EXTERNAL;
        if (isLink)
            entry.linkTarget = linkTargetText(group, link.name, link.type);

        H5O_info_t object;
        if (H5Oget_info_by_name2(group, link.name.constData(), &object, H5O_INFO_BASIC,
                                 m_linkAccess) < 0) {
            if (isLink) {
                entry.kind = NodeKind::DanglingLink;
                entry.reason = danglingReason(entry.linkTarget, hdf5ErrorCause(), link.type,
                                              m_linkAccess == H5P_DEFAULT);
            } else {
                entry.kind = NodeKind::Other;
                entry.reason = withHdf5Cause(QStringLiteral("cannot be read"));
            }
            m_entries.push_back(std::move(entry));
            return;
        }

        switch (object.type) {
        case H5O_TYPE_GROUP: {
            entry.kind = NodeKind::Group;
            const auto [visited, isNew] =
                m_visited.emplace(ObjectKey{object.fileno, object.addr}, entry.path);
            if (!isNew)
                entry.reason =
                    QStringLiteral("the same group as %1, listed there").arg(visited->second);
            m_entries.push_back(entry);
            if (isNew) {
                const Hdf5Handle child(H5Gopen2(group, link.name.constData(), H5P_DEFAULT));
                if (!child.isValid())
                    throwIo(m_fileName + QStringLiteral(": cannot open group ") +
                            quoted(entry.path));
                listGroup(child.get(), entry.path);
            }
            return;
        }
        case H5O_TYPE_DATASET: {
            const Hdf5Handle dataset(H5Dopen2(group, link.name.constData(), H5P_DEFAULT));
            if (!dataset.isValid())
                throwIo(m_fileName + QStringLiteral(": cannot open dataset ") + quoted(entry.path));
            DatasetInfo info = describeDataset(dataset.get(), entry.path, m_fileName);
            info.linkTarget = entry.linkTarget;
            m_entries.push_back(std::move(info));
            return;
        }
        case H5O_TYPE_NAMED_DATATYPE:
            entry.kind = NodeKind::Other;
            entry.reason = QStringLiteral("a committed datatype, not data");
            m_entries.push_back(std::move(entry));
            return;
        default:
            entry.kind = NodeKind::Other;
            entry.reason = QStringLiteral("not a group or dataset");
            m_entries.push_back(std::move(entry));
            return;
        }
    }

    QString m_fileName;
    hid_t m_linkAccess;                     // not owned
    std::map<ObjectKey, QString> m_visited; // groups already listed -> the path they were listed at
    std::vector<DatasetInfo> m_entries;
};

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

// HDF5's format signature: at offset 0, or after a user block of 512, 1024, 2048... bytes.
bool hasHdf5Signature(const QByteArray& image)
{
    static constexpr char signature[] = "\x89HDF\r\n\x1a\n";
    constexpr qsizetype length = sizeof signature - 1;
    for (qsizetype offset = 0; offset <= image.size() - length;
         offset = offset == 0 ? 512 : offset * 2) {
        if (std::memcmp(image.constData() + offset, signature, length) == 0)
            return true;
    }
    return false;
}

herr_t refuseExternalLink(const char* /*parentFile*/, const char* /*parentGroup*/,
                          const char* /*childFile*/, const char* /*childObject*/,
                          unsigned* /*accessFlags*/, hid_t /*fapl*/, void* /*data*/)
{
    return -1;
}

std::uint64_t availableMemoryBytes()
{
    std::ifstream meminfo("/proc/meminfo");
    std::string key;
    std::uint64_t value = 0;
    std::string unit;
    while (meminfo >> key >> value) {
        std::getline(meminfo, unit);
        if (key == "MemAvailable:")
            return value * 1024;
    }
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long pageSize = sysconf(_SC_PAGESIZE);
    if (pages > 0 && pageSize > 0)
        return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(pageSize);
    return std::numeric_limits<std::uint64_t>::max();
}

QString gibText(double bytes)
{
    return QString::number(bytes / double(std::uint64_t{1} << 30), 'f', 1);
}

// The names of the filters in dataset's pipeline that this HDF5 library cannot decode,
// split into mandatory ones (reading must fail) and optional ones (it may fail).
struct MissingFilters
{
    QStringList mandatory;
    QStringList optional;
};

MissingFilters missingFilters(hid_t dataset)
{
    MissingFilters missing;
    const Hdf5Handle dcpl(H5Dget_create_plist(dataset));
    if (!dcpl.isValid())
        return missing;
    const int count = H5Pget_nfilters(dcpl.get());
    for (int i = 0; i < count; ++i) {
        unsigned flags = 0;
        size_t valueCount = 0;
        char name[256] = {};
        unsigned config = 0;
        const H5Z_filter_t filter =
            H5Pget_filter2(dcpl.get(), static_cast<unsigned>(i), &flags, &valueCount, nullptr,
                           sizeof name, name, &config);
        if (filter < 0)
            continue;
        bool decodable = H5Zfilter_avail(filter) > 0;
        unsigned filterConfig = 0;
        if (decodable && H5Zget_filter_info(filter, &filterConfig) >= 0)
            decodable = (filterConfig & H5Z_FILTER_CONFIG_DECODE_ENABLED) != 0;
        if (decodable)
            continue;
        const QString text =
            name[0] != '\0'
                ? QStringLiteral("'%1' (id %2)").arg(QString::fromUtf8(name)).arg(filter)
                : QStringLiteral("id %1").arg(filter);
        ((flags & H5Z_FLAG_OPTIONAL) != 0 ? missing.optional : missing.mandatory) << text;
    }
    return missing;
}

// Checks the chunk shape of a chunked dataset as HDF5 checks it when it creates a dataset, but
// not when it opens one: every chunk dimension at least 1 and, where the dataset cannot grow,
// at most its maximum size. HDF5 1.10 decodes a chunk into a buffer of the declared chunk size
// and copies from it without checking, so a damaged file would make it read out of bounds.
// One chunk must also fit in memoryLimit bytes: HDF5 allocates whole chunks to read them.
void validateChunkShape(hid_t dataset, const DatasetInfo& info, const QString& fileName,
                        std::uint64_t memoryLimit)
{
    const Hdf5Handle dcpl(H5Dget_create_plist(dataset));
    if (!dcpl.isValid() || H5Pget_layout(dcpl.get()) != H5D_CHUNKED)
        return;
    const int rank = static_cast<int>(info.shape.size());
    std::vector<hsize_t> chunk(info.shape.size());
    std::vector<hsize_t> maxDims(info.shape.size());
    const Hdf5Handle space(H5Dget_space(dataset));
    if (H5Pget_chunk(dcpl.get(), rank, chunk.data()) != rank || !space.isValid() ||
        H5Sget_simple_extent_dims(space.get(), nullptr, maxDims.data()) != rank)
        throwIo(fileName + QStringLiteral(": cannot read the chunk shape of dataset ") +
                quoted(info.path));
    QStringList chunkText;
    bool fits = true;
    std::uint64_t chunkBytes = static_cast<std::uint64_t>(info.elementSize);
    bool overflow = false;
    for (int i = 0; i < rank; ++i) {
        chunkText << QString::number(chunk[i]);
        fits = fits && chunk[i] > 0 && (maxDims[i] == H5S_UNLIMITED || chunk[i] <= maxDims[i]);
        overflow = overflow || __builtin_mul_overflow(chunkBytes, chunk[i], &chunkBytes);
    }
    if (!fits)
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: dataset %2 is damaged: its chunk shape %3 does not fit its "
                                   "shape %4")
                        .arg(fileName, quoted(info.path), chunkText.join(QLatin1Char('x')),
                             info.shapeText()));
    if (overflow || chunkBytes > memoryLimit)
        throw Error(ErrorCode::OutOfMemory,
                    QStringLiteral("%1: dataset %2 has chunks of %3 elements, too large to read "
                                   "in the memory available")
                        .arg(fileName, quoted(info.path), chunkText.join(QLatin1Char('x'))));
}

template <typename T>
WeightTensor readValues(hid_t dataset, hid_t memoryType, const DatasetInfo& info,
                        const QString& fileName, const ExecutionContext& context)
{
    const std::vector<std::int64_t>& shape = info.shape;
    const std::size_t rank = shape.size();
    const auto elements = static_cast<std::size_t>(saturatingProduct(shape));
    LargeVector<T> values;
    try {
        values.resize(elements); // not zeroed: every slab below is read into it
    } catch (const std::bad_alloc&) {
        throw Error(ErrorCode::OutOfMemory,
                    QStringLiteral("%1: dataset %2 (shape %3, %4) does not fit in memory")
                        .arg(fileName, quoted(info.path), info.shapeText(), info.typeName));
    }

    const Hdf5Handle fileSpace(H5Dget_space(dataset));
    if (!fileSpace.isValid())
        throwIo(fileName + QStringLiteral(": cannot read dataset ") + quoted(info.path));

    // Slabs of whole rows along dimension 0; aligned to the chunk rows so that no chunk is
    // decompressed twice.
    const std::uint64_t rows = static_cast<std::uint64_t>(shape[0]);
    const std::uint64_t rowElements = elements / rows;
    std::uint64_t slabRows = std::max<std::uint64_t>(1, slabBytes / (rowElements * sizeof(T)));
    {
        const Hdf5Handle dcpl(H5Dget_create_plist(dataset));
        if (dcpl.isValid() && H5Pget_layout(dcpl.get()) == H5D_CHUNKED) {
            std::vector<hsize_t> chunk(rank);
            if (H5Pget_chunk(dcpl.get(), static_cast<int>(rank), chunk.data()) ==
                    static_cast<int>(rank) &&
                chunk[0] > 0)
                slabRows = (slabRows + chunk[0] - 1) / chunk[0] * chunk[0];
        }
    }

    std::vector<hsize_t> start(rank, 0);
    std::vector<hsize_t> count(shape.begin(), shape.end());
    for (std::uint64_t row = 0; row < rows; row += slabRows) {
        context.throwIfCancelled();
        const std::uint64_t slab = std::min(slabRows, rows - row);
        start[0] = row;
        count[0] = slab;
        const Hdf5Handle memorySpace(
            H5Screate_simple(static_cast<int>(rank), count.data(), nullptr));
        if (!memorySpace.isValid() ||
            H5Sselect_hyperslab(fileSpace.get(), H5S_SELECT_SET, start.data(), nullptr,
                                count.data(), nullptr) < 0)
            throwIo(fileName + QStringLiteral(": cannot select rows of dataset ") +
                    quoted(info.path));
        if (H5Dread(dataset, memoryType, memorySpace.get(), fileSpace.get(), H5P_DEFAULT,
                    values.data() + row * rowElements) < 0) {
            const QString cause = hdf5ErrorCause();
            const MissingFilters missing = missingFilters(dataset);
            if (!missing.optional.isEmpty())
                throw Error(ErrorCode::InvalidInput,
                            QStringLiteral("%1: dataset %2 is compressed with filter %3, which "
                                           "this HDF5 library cannot decode")
                                .arg(fileName, quoted(info.path),
                                     missing.optional.join(QStringLiteral(", "))));
            throw Error(ErrorCode::Io, QStringLiteral("%1: cannot read dataset %2: %3")
                                           .arg(fileName, quoted(info.path), cause));
        }
    }
    context.throwIfCancelled();
    return WeightTensor(shape, std::move(values));
}

FileIdentity identityOf(const struct stat& status)
{
    FileIdentity identity;
    identity.device = static_cast<std::uint64_t>(status.st_dev);
    identity.inode = static_cast<std::uint64_t>(status.st_ino);
    identity.size = static_cast<std::int64_t>(status.st_size);
    identity.modifiedNs = static_cast<std::int64_t>(status.st_mtim.tv_sec) * 1'000'000'000 +
                          static_cast<std::int64_t>(status.st_mtim.tv_nsec);
    return identity;
}

} // namespace

std::optional<QString> fileChangeSince(const QString& path, const FileIdentity& opened)
{
    struct stat status = {};
    if (::stat(QFile::encodeName(path).constData(), &status) != 0) {
        const int error = errno;
        if (error == ENOENT || error == ENOTDIR)
            return QStringLiteral("the file was deleted or moved after it was opened");
        return QStringLiteral("the file cannot be checked any more (%1)")
            .arg(QString::fromLocal8Bit(std::strerror(error)));
    }
    const FileIdentity now = identityOf(status);
    if (now.device != opened.device || now.inode != opened.inode)
        return QStringLiteral("the file was replaced after it was opened");
    if (now.size != opened.size || now.modifiedNs != opened.modifiedNs)
        return QStringLiteral("the file was modified after it was opened");
    return std::nullopt;
}

QString normalizeDatasetPath(const QString& path)
{
    const QStringList parts = path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    return QLatin1Char('/') + parts.join(QLatin1Char('/'));
}

struct Hdf5Reader::Handles
{
    Hdf5Handle file;
    // The file opened by path, as it was then; none for an image in memory, which cannot change.
    std::optional<FileIdentity> identity;
    // Link access for every lookup by name; invalid (HDF5's default) for files opened by path.
    Hdf5Handle linkAccess;

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
    if (const auto change = fileChangeSince(m_path, *m_handles->identity))
        throw Error(ErrorCode::Io,
                    QStringLiteral("%1: %2: %3; open it again").arg(m_path, action, *change));
}

std::unique_ptr<Hdf5Reader> Hdf5Reader::open(const QString& path)
{
    // Our own checks first: they give clearer messages than HDF5's and never touch the file.
    const QFileInfo fileInfo(path);
    if (!fileInfo.exists())
        throw Error(ErrorCode::Io, path + QStringLiteral(": no such file"));
    if (fileInfo.isDir())
        throw Error(ErrorCode::Io, path + QStringLiteral(": is a directory, not an HDF5 file"));
    const QByteArray nativePath = QFile::encodeName(path);
    struct stat status = {};
    if (::stat(nativePath.constData(), &status) != 0)
        throw Error(ErrorCode::Io,
                    path + QStringLiteral(": ") + QString::fromLocal8Bit(std::strerror(errno)));
    if (!S_ISREG(status.st_mode))
        throw Error(ErrorCode::Io, path + QStringLiteral(": not a regular file, not an HDF5 file"));
    const int fd = ::open(nativePath.constData(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        const int error = errno;
        if (error == EACCES || error == EPERM)
            throw Error(ErrorCode::Io, path + QStringLiteral(": permission denied"));
        throw Error(ErrorCode::Io,
                    path + QStringLiteral(": ") + QString::fromLocal8Bit(std::strerror(error)));
    }
    // The identity of what was opened, from the descriptor: the path may change under us.
    struct stat opened = {};
    const bool identified = ::fstat(fd, &opened) == 0;
    ::close(fd);
    if (!identified)
        throw Error(ErrorCode::Io,
                    path + QStringLiteral(": ") + QString::fromLocal8Bit(std::strerror(errno)));
    if (status.st_size == 0)
        throw Error(ErrorCode::Io, path + QStringLiteral(": the file is empty, not an HDF5 file"));

    const Hdf5ErrorSilencer silencer;
    const htri_t isHdf5 = H5Fis_hdf5(nativePath.constData());
    if (isHdf5 == 0)
        throw Error(ErrorCode::Io, path + QStringLiteral(": not an HDF5 file"));
    if (isHdf5 < 0)
        throwIo(path + QStringLiteral(": not an HDF5 file or truncated/damaged"));

    const Hdf5Handle fapl = fileAccessList();
    auto handles = std::make_unique<Handles>();
    handles->identity = identityOf(opened);
    handles->file.reset(
        H5Fopen(nativePath.constData(), H5F_ACC_RDONLY, fapl.isValid() ? fapl.get() : H5P_DEFAULT));
    if (!handles->file.isValid()) {
        const QString cause = hdf5ErrorCause();
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
    if (!hasHdf5Signature(image))
        throw Error(ErrorCode::Io, name + QStringLiteral(": not an HDF5 file"));

    const Hdf5ErrorSilencer silencer;
    // The core driver without a backing store keeps the file in memory only; HDF5 copies the
    // image, so the caller's bytes need not outlive the reader.
    const Hdf5Handle fapl(H5Pcreate(H5P_FILE_ACCESS));
    if (!fapl.isValid() || H5Pset_fapl_core(fapl.get(), std::size_t{1} << 16, false) < 0 ||
        H5Pset_file_image(fapl.get(), const_cast<char*>(image.constData()),
                          static_cast<std::size_t>(image.size())) < 0)
        throwIo(name + QStringLiteral(": cannot prepare the in-memory file"));
    auto handles = std::make_unique<Handles>();
    handles->linkAccess.reset(H5Pcreate(H5P_LINK_ACCESS));
    if (!handles->linkAccess.isValid() ||
        H5Pset_elink_cb(handles->linkAccess.get(), &refuseExternalLink, nullptr) < 0)
        throwIo(name + QStringLiteral(": cannot prepare the in-memory file"));

    // HDF5 tells open files apart by name, and the core driver refuses to open an image under
    // the name of a file that exists on disk: give each image a name of its own.
    static std::atomic<std::uint64_t> imageCount{0};
    const QByteArray internalName =
        QStringLiteral("%1 (in memory #%2)").arg(name).arg(++imageCount).toUtf8();
    handles->file.reset(H5Fopen(internalName.constData(), H5F_ACC_RDONLY, fapl.get()));
    if (!handles->file.isValid())
        throwIo(name + QStringLiteral(": not an HDF5 file or truncated/damaged"));
    return std::unique_ptr<Hdf5Reader>(new Hdf5Reader(name, std::move(handles)));
}

std::vector<DatasetInfo> Hdf5Reader::listTree() const
{
    throwIfChanged(QStringLiteral("cannot list the file"));
    const Hdf5ErrorSilencer silencer;
    const Hdf5Handle root(H5Gopen2(m_handles->file.get(), "/", H5P_DEFAULT));
    if (!root.isValid())
        throwIo(m_path + QStringLiteral(": cannot open the root group"));
    return TreeLister(m_path, m_handles->linkAccessList()).list(root.get());
}

DatasetInfo Hdf5Reader::describe(const QString& datasetPath) const
{
    const QString path = normalizeDatasetPath(datasetPath);
    throwIfChanged(QStringLiteral("cannot read dataset %1").arg(quoted(path)));
    const Hdf5ErrorSilencer silencer;
    const hid_t file = m_handles->file.get();
    const hid_t lapl = m_handles->linkAccessList();
    if (path == QLatin1String("/"))
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: '/' is the root group, not a dataset").arg(m_path));
    const auto missing = [&] {
        return Error(ErrorCode::InvalidInput,
                     QStringLiteral("%1: no dataset %2").arg(m_path, quoted(path)));
    };

    // Walk the path one link at a time: H5Lexists fails on a missing intermediate group.
    const QStringList parts = path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    QString prefix;
    for (const QString& part : parts) {
        prefix += QLatin1Char('/') + part;
        if (H5Lexists(file, prefix.toUtf8().constData(), lapl) <= 0)
            throw missing();
    }

    const QByteArray name = path.toUtf8();
    H5L_info_t link;
    if (H5Lget_info(file, name.constData(), &link, lapl) < 0)
        throw missing();
    H5O_info_t object;
    if (H5Oget_info_by_name2(file, name.constData(), &object, H5O_INFO_BASIC, lapl) < 0) {
        const QString cause = hdf5ErrorCause();
        if (link.type == H5L_TYPE_SOFT || link.type == H5L_TYPE_EXTERNAL) {
            const QString target = linkTargetText(file, name, link.type);
            throw Error(ErrorCode::InvalidInput,
                        QStringLiteral("%1: %2 is a dangling link: %3")
                            .arg(m_path, quoted(path),
                                 danglingReason(target, cause, link.type, lapl == H5P_DEFAULT)));
        }
        throw Error(
            ErrorCode::InvalidInput,
            withHdf5Cause(QStringLiteral("%1: %2 cannot be read").arg(m_path, quoted(path))));
    }
    switch (object.type) {
    case H5O_TYPE_DATASET:
        break;
    case H5O_TYPE_GROUP:
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: %2 is a group, not a dataset").arg(m_path, quoted(path)));
    case H5O_TYPE_NAMED_DATATYPE:
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: %2 is a committed datatype, not a dataset")
                        .arg(m_path, quoted(path)));
    default:
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: %2 is not a dataset").arg(m_path, quoted(path)));
    }

    const Hdf5Handle dataset(H5Dopen2(file, name.constData(), H5P_DEFAULT));
    if (!dataset.isValid())
        throwIo(QStringLiteral("%1: cannot open dataset %2").arg(m_path, quoted(path)));
    DatasetInfo info = describeDataset(dataset.get(), path, m_path);
    if (link.type == H5L_TYPE_SOFT || link.type == H5L_TYPE_EXTERNAL)
        info.linkTarget = linkTargetText(file, name, link.type);
    return info;
}

WeightTensor Hdf5Reader::readTensor(const QString& datasetPath,
                                    const ExecutionContext& context) const
{
    const Hdf5ErrorSilencer silencer;
    const DatasetInfo info = describe(datasetPath);
    const QString& path = info.path;
    if (info.elementClass != ElementClass::Float && info.elementClass != ElementClass::Integer)
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: dataset %2 has type %3, which is not numeric")
                        .arg(m_path, quoted(path), info.typeName));
    if (info.nullDataspace)
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: dataset %2 has no data (null dataspace)")
                        .arg(m_path, quoted(path)));
    if (info.elementSize < 1 || info.elementSize > maxNumberBytes)
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: dataset %2 has %3")
                        .arg(m_path, quoted(path), numberSizeProblem(info.elementSize)));
    if (info.shape.empty())
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: dataset %2 is a scalar (rank 0); it needs at least one "
                                   "dimension")
                        .arg(m_path, quoted(path)));
    if (std::find(info.shape.begin(), info.shape.end(), 0) != info.shape.end())
        throw Error(ErrorCode::InvalidInput, QStringLiteral("%1: dataset %2 is empty (shape %3)")
                                                 .arg(m_path, quoted(path), info.shapeText()));

    const bool asDouble =
        info.elementClass == ElementClass::Float ? info.elementSize > 4 : info.elementSize > 2;
    const std::size_t targetSize = asDouble ? sizeof(double) : sizeof(float);

    // Refuse, before allocating anything, what cannot fit in memory.
    std::uint64_t bytes = 1;
    bool overflow = false;
    double approximateBytes = double(targetSize);
    for (const std::int64_t extent : info.shape) {
        overflow =
            overflow || __builtin_mul_overflow(bytes, static_cast<std::uint64_t>(extent), &bytes);
        approximateBytes *= double(extent);
    }
    overflow = overflow || __builtin_mul_overflow(bytes, std::uint64_t{targetSize}, &bytes);
    const std::uint64_t available = m_memoryLimit > 0 ? m_memoryLimit : availableMemoryBytes();
    if (overflow || bytes > available ||
        bytes > static_cast<std::uint64_t>(std::numeric_limits<std::ptrdiff_t>::max()))
        throw Error(ErrorCode::OutOfMemory,
                    QStringLiteral("%1: dataset %2 (shape %3, %4) needs %5 GiB of memory, more "
                                   "than the %6 GiB available")
                        .arg(m_path, quoted(path), info.shapeText(), info.typeName,
                             gibText(approximateBytes), gibText(double(available))));

    const Hdf5Handle dataset(
        H5Dopen2(m_handles->file.get(), path.toUtf8().constData(), H5P_DEFAULT));
    if (!dataset.isValid())
        throwIo(QStringLiteral("%1: cannot open dataset %2").arg(m_path, quoted(path)));
    const MissingFilters missing = missingFilters(dataset.get());
    if (!missing.mandatory.isEmpty())
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: dataset %2 is compressed with filter %3, which this HDF5 "
                                   "library cannot decode")
                        .arg(m_path, quoted(path), missing.mandatory.join(QStringLiteral(", "))));
    validateChunkShape(dataset.get(), info, m_path, available);

    if (asDouble)
        return readValues<double>(dataset.get(), H5T_NATIVE_DOUBLE, info, m_path, context);
    return readValues<float>(dataset.get(), H5T_NATIVE_FLOAT, info, m_path, context);
}

} // namespace sparsity::core
