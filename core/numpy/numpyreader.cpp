#include "numpyreader.h"

#include "arraydecoder.h"
#include "bytesource.h"
#include "error.h"
#include "io/datasetchecks.h"
#include "io/matrixread.h"
#include "npyheader.h"
#include "ziparchive.h"

#include <QFile>
#include <QFileInfo>
#include <QStringList>
#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <map>
#include <memory>
#include <new>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace sparsity::core {

namespace {

// Raw bytes read and converted at a time: the cancel flag is checked between slabs, and the
// staging buffer stays small beside the tensor.
constexpr std::size_t slabBytes = std::size_t{4} << 20;
const QString npySuffix = QStringLiteral(".npy");

// One path of the listing: an array (with its header and, in a .npz, its member), a folder of
// the archive, or a member that holds no array.
struct Entry
{
    DatasetInfo info;
    npy::Header header;
    std::optional<npy::ZipMember> member; // .npz only
};

QString memberWhere(const QString& fileName, const QString& member)
{
    return QStringLiteral("%1: member '%2'").arg(fileName, member);
}

// The listing entry of an array whose header was read; `dataBytes` follow its header.
DatasetInfo describeArray(const QString& path, const npy::Header& header, std::uint64_t dataBytes)
{
    DatasetInfo info;
    info.path = path;
    info.kind = NodeKind::Dataset;
    info.shape = header.shape;
    switch (header.dtype.kind) {
    case npy::Kind::Float:
        info.elementClass = ElementClass::Float;
        break;
    case npy::Kind::SignedInteger:
    case npy::Kind::UnsignedInteger:
    case npy::Kind::Bool:
        info.elementClass = ElementClass::Integer;
        break;
    case npy::Kind::Unsupported:
        info.elementClass = ElementClass::Other;
        break;
    }
    info.typeName = header.dtype.name;
    info.elementSize = header.dtype.size;
    // What shape and dtype need, checked equal to what follows the header; for object and
    // structured arrays, whose size the header does not give, what follows it.
    const std::int64_t bytes = header.dataBytes();
    info.storageBytes = bytes >= 0 ? bytes : static_cast<std::int64_t>(dataBytes);
    applyDatasetRules(info);
    return info;
}

// The data after the header must be exactly what shape and dtype need (numpy writes nothing
// else): a shorter file is truncated, a longer one is not what the header says.
void checkDataSize(const npy::Header& header, std::uint64_t available, const QString& where)
{
    if (header.dtype.size <= 0)
        return; // object and structured arrays: pickles and records, not counted here
    const std::int64_t needed = header.dataBytes();
    QStringList shape;
    for (const std::int64_t extent : header.shape)
        shape << QString::number(extent);
    const QString what =
        QStringLiteral("shape (%1) of %2").arg(shape.join(QStringLiteral(", ")), header.dtype.name);
    if (needed < 0)
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: the header's %2 is larger than any file").arg(where, what));
    if (static_cast<std::uint64_t>(needed) == available)
        return;
    throw Error(ErrorCode::InvalidInput,
                QStringLiteral("%1: the header's %2 needs %3 bytes of data, but %4 bytes follow "
                               "the header (%5)")
                    .arg(where, what)
                    .arg(needed)
                    .arg(available)
                    .arg(static_cast<std::uint64_t>(needed) > available
                             ? QStringLiteral("truncated?")
                             : QStringLiteral("the sizes disagree")));
}

// Reads and checks the header at the start of `member`'s content.
npy::Header readHeader(const npy::ByteSource& source, const npy::ZipMember& member,
                       const QString& where, bool checksum, bool* isArray)
{
    npy::ZipMemberStream stream(source, member, where, checksum);
    const auto firstBytes = static_cast<std::size_t>(
        std::min<std::uint64_t>(member.uncompressedSize, npy::preambleBytes));
    QByteArray bytes(static_cast<qsizetype>(firstBytes), Qt::Uninitialized);
    stream.read(bytes.data(), firstBytes);
    if (!npy::hasMagic(bytes.constData(), bytes.size())) {
        *isArray = false;
        return {};
    }
    *isArray = true;
    const std::int64_t end = npy::headerEnd(bytes.constData(), bytes.size(), where);
    if (static_cast<std::uint64_t>(end) > member.uncompressedSize)
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: the .npy header is cut short: it is %2 bytes long, only "
                                   "%3 are there (truncated?)")
                        .arg(where)
                        .arg(end)
                        .arg(member.uncompressedSize));
    bytes.resize(static_cast<qsizetype>(end));
    stream.read(bytes.data() + firstBytes, static_cast<std::size_t>(end) - firstBytes);
    npy::Header header = npy::parseHeader(bytes.constData(), bytes.size(), where);
    checkDataSize(header, member.uncompressedSize - static_cast<std::uint64_t>(end), where);
    return header;
}

// Python's Path.stem: the name without its last suffix ("a.b.npy" -> "a.b").
QString fileStem(const QString& name)
{
    const QString fileName = QFileInfo(name).fileName();
    const qsizetype dot = fileName.lastIndexOf(QLatin1Char('.'));
    return dot > 0 ? fileName.left(dot) : fileName;
}

// Depth first in name order: parts compared one by one, as UTF-8 bytes (HDF5's name order),
// so that a folder's entries follow it directly.
bool listedBefore(const QString& a, const QString& b)
{
    const QStringList left = a.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    const QStringList right = b.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    const qsizetype common = std::min(left.size(), right.size());
    for (qsizetype i = 0; i < common; ++i) {
        const QByteArray l = left[i].toUtf8();
        const QByteArray r = right[i].toUtf8();
        if (l != r)
            return l < r;
    }
    return left.size() < right.size();
}

} // namespace

struct NumpyReader::Contents
{
    std::unique_ptr<npy::ByteSource> source;
    std::optional<FileIdentity> identity; // none for an image in memory
    bool archive = false;
    std::vector<Entry> entries;                 // in listing order
    std::map<QString, std::size_t> entryByPath; // -> index in entries
};

NumpyReader::NumpyReader(QString path, std::unique_ptr<Contents> contents)
    : m_path(std::move(path))
    , m_contents(std::move(contents))
{}

NumpyReader::~NumpyReader() = default;

bool NumpyReader::hasSignature(const QByteArray& head)
{
    return npy::hasMagic(head.constData(), head.size()) ||
           npy::hasZipSignature(head.constData(), head.size());
}

bool NumpyReader::claimsName(const QString& path)
{
    return path.endsWith(QLatin1String(".npy"), Qt::CaseInsensitive) ||
           path.endsWith(QLatin1String(".npz"), Qt::CaseInsensitive);
}

FileIdentity NumpyReader::identity() const
{
    return m_contents->identity.value_or(FileIdentity{});
}

void NumpyReader::throwIfChanged(const QString& action) const
{
    if (!m_contents->identity)
        return;
    if (const auto change = fileChangeSince(m_path, *m_contents->identity))
        throw Error(ErrorCode::Io,
                    QStringLiteral("%1: %2: %3; open it again").arg(m_path, action, *change));
}

std::unique_ptr<NumpyReader> NumpyReader::open(const QString& path)
{
    const FileIdentity identified = identifyInputFile(path, QStringLiteral("a NumPy file"));
    // Non-blocking: should the path have become a pipe since it was identified, the open must
    // not wait for a writer; the identity check below then refuses it.
    const int descriptor =
        ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (descriptor < 0)
        throw Error(ErrorCode::Io, path + QStringLiteral(": ") + errnoText(errno));
    struct stat status = {};
    if (::fstat(descriptor, &status) != 0 ||
        static_cast<std::uint64_t>(status.st_dev) != identified.device ||
        static_cast<std::uint64_t>(status.st_ino) != identified.inode ||
        static_cast<std::int64_t>(status.st_size) != identified.size) {
        ::close(descriptor);
        throw Error(ErrorCode::Io,
                    path + QStringLiteral(": the file was replaced or changed while it was "
                                          "opened; open it again"));
    }
    auto source = std::make_unique<npy::FileByteSource>(descriptor, identified.size, path);
    return openSource(std::move(source), path, identified);
}

std::unique_ptr<NumpyReader> NumpyReader::openImage(const QByteArray& image, const QString& name)
{
    if (image.isEmpty())
        throw Error(ErrorCode::Io, name + QStringLiteral(": the file is empty, not a NumPy file"));
    return openSource(std::make_unique<npy::MemoryByteSource>(image, name), name, std::nullopt);
}

std::unique_ptr<NumpyReader> NumpyReader::openSource(std::unique_ptr<npy::ByteSource> source,
                                                     const QString& name,
                                                     std::optional<FileIdentity> identity)
{
    auto contents = std::make_unique<Contents>();
    contents->identity = identity;
    const std::int64_t size = source->size();
    QByteArray head(static_cast<qsizetype>(std::min<std::int64_t>(size, npy::preambleBytes)),
                    Qt::Uninitialized);
    source->read(0, head.data(), static_cast<std::size_t>(head.size()));

    std::vector<Entry> arrays;         // arrays and members without one, in any order
    std::map<QString, QString> groups; // folder path -> a member that makes it one
    if (npy::hasMagic(head.constData(), head.size())) {
        npy::ZipMember whole;
        whole.name = QFileInfo(name).fileName();
        whole.uncompressedSize = whole.compressedSize = static_cast<std::uint64_t>(size);
        bool isArray = false;
        Entry entry;
        entry.header = readHeader(*source, whole, name, false, &isArray);
        entry.info = describeArray(QLatin1Char('/') + fileStem(name), entry.header,
                                   whole.uncompressedSize - entry.header.dataOffset);
        arrays.push_back(std::move(entry));
    } else if (npy::hasZipSignature(head.constData(), head.size())) {
        contents->archive = true;
        const std::vector<npy::ZipMember> members = npy::readZipDirectory(*source, name);
        std::map<QString, QString> memberOfPath;
        QStringList others;
        for (const npy::ZipMember& member : members) {
            const QString where = memberWhere(name, member.name);
            QString path = QLatin1Char('/') + member.name;
            if (member.isDirectory()) {
                if (member.uncompressedSize != 0)
                    throw Error(ErrorCode::InvalidInput,
                                where + QStringLiteral(": a folder entry that holds data"));
                path.chop(1);
                groups.emplace(path, member.name);
            } else {
                Entry entry;
                bool isArray = false;
                entry.header = readHeader(*source, member, where, true, &isArray);
                if (path.endsWith(npySuffix)) {
                    if (!isArray)
                        throw Error(ErrorCode::InvalidInput,
                                    where + QStringLiteral(": not a NumPy array: it does not "
                                                           "start with the magic string "
                                                           "\\x93NUMPY"));
                    path.chop(npySuffix.size());
                }
                entry.member = member;
                if (isArray) {
                    entry.info = describeArray(path, entry.header,
                                               member.uncompressedSize - entry.header.dataOffset);
                } else {
                    // numpy.load hands such a member back as bytes: list it, never mask it.
                    entry.info.path = path;
                    entry.info.kind = NodeKind::Other;
                    entry.info.typeName = QStringLiteral("bytes");
                    entry.info.reason = QStringLiteral("member '%1' is not a NumPy array (no "
                                                       ".npy header)")
                                            .arg(member.name);
                    others << member.name;
                }
                const auto [existing, isNew] = memberOfPath.emplace(path, member.name);
                if (!isNew)
                    throw Error(ErrorCode::InvalidInput,
                                QStringLiteral("%1: members '%2' and '%3' both give the path %4")
                                    .arg(name, existing->second, member.name, quoted(path)));
                arrays.push_back(std::move(entry));
            }
            // Every folder above a member is a group, whether or not it has an entry.
            for (qsizetype slash = path.lastIndexOf(QLatin1Char('/')); slash > 0;
                 slash = path.lastIndexOf(QLatin1Char('/'), slash - 1))
                groups.emplace(path.left(slash), member.name);
        }
        for (const Entry& entry : arrays) {
            const auto group = groups.find(entry.info.path);
            if (group != groups.end())
                throw Error(
                    ErrorCode::InvalidInput,
                    QStringLiteral("%1: %2 is both an array (member '%3') and a folder "
                                   "(member '%4')")
                        .arg(name, quoted(entry.info.path), entry.member->name, group->second));
        }
        if (!members.empty() && static_cast<qsizetype>(arrays.size()) == others.size())
            throw Error(
                ErrorCode::InvalidInput,
                QStringLiteral("%1: a ZIP archive, but not a NumPy .npz file: no member "
                               "is a NumPy array (it holds %2)")
                    .arg(name, others.mid(0, 3).join(QStringLiteral(", ")) +
                                   (others.size() > 3 ? QStringLiteral(", ...") : QString())));
    } else if (name.endsWith(QLatin1String(".npz"), Qt::CaseInsensitive)) {
        throw Error(ErrorCode::InvalidInput,
                    name + QStringLiteral(": not a NumPy .npz file: it is not a ZIP archive "
                                          "(it does not start with PK)"));
    } else {
        throw Error(ErrorCode::InvalidInput,
                    name + QStringLiteral(": not a NumPy .npy file: it does not start with the "
                                          "magic string \\x93NUMPY"));
    }

    for (const auto& [path, member] : groups) {
        Entry entry;
        entry.info.path = path;
        entry.info.kind = NodeKind::Group;
        arrays.push_back(std::move(entry));
    }
    std::sort(arrays.begin(), arrays.end(), [](const Entry& a, const Entry& b) {
        return listedBefore(a.info.path, b.info.path);
    });
    contents->entries = std::move(arrays);
    for (std::size_t i = 0; i < contents->entries.size(); ++i)
        contents->entryByPath.emplace(contents->entries[i].info.path, i);
    contents->source = std::move(source);
    return std::unique_ptr<NumpyReader>(new NumpyReader(name, std::move(contents)));
}

std::vector<DatasetInfo> NumpyReader::listTree() const
{
    throwIfChanged(QStringLiteral("cannot list the file"));
    std::vector<DatasetInfo> tree;
    tree.reserve(m_contents->entries.size());
    for (const Entry& entry : m_contents->entries)
        tree.push_back(entry.info);
    return tree;
}

DatasetInfo NumpyReader::describe(const QString& datasetPath) const
{
    const QString path = normalizeDatasetPath(datasetPath);
    throwIfChanged(QStringLiteral("cannot read dataset %1").arg(quoted(path)));
    if (path == QLatin1String("/"))
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: '/' is the root group, not a dataset").arg(m_path));
    const auto found = m_contents->entryByPath.find(path);
    if (found == m_contents->entryByPath.end())
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: no dataset %2").arg(m_path, quoted(path)));
    const DatasetInfo& info = m_contents->entries[found->second].info;
    if (info.kind == NodeKind::Group)
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: %2 is a group, not a dataset").arg(m_path, quoted(path)));
    if (info.kind != NodeKind::Dataset)
        throw Error(
            ErrorCode::InvalidInput,
            QStringLiteral("%1: %2 is not a dataset: %3").arg(m_path, quoted(path), info.reason));
    return info;
}

namespace {

template <typename T> LargeVector<T> allocateArray(const DatasetInfo& info, const QString& fileName)
{
    LargeVector<T> values;
    try {
        values.resize(static_cast<std::size_t>(info.elementCount())); // written in full later
    } catch (const std::bad_alloc&) {
        throw Error(ErrorCode::OutOfMemory,
                    QStringLiteral("%1: dataset %2 (shape %3, %4) does not fit in memory")
                        .arg(fileName, quoted(info.path), info.shapeText(), info.typeName));
    }
    return values;
}

// The entry's data as a stream positioned after its header: the .npz member (whose CRC-32
// covers the header too, so it is read again through the stream), or the whole .npy file as
// one stored member without a checksum.
std::unique_ptr<npy::ZipMemberStream> openArrayData(const npy::ByteSource& source,
                                                    const Entry& entry, const QString& fileName)
{
    npy::ZipMember whole;
    whole.uncompressedSize = whole.compressedSize = static_cast<std::uint64_t>(source.size());
    const npy::ZipMember& member = entry.member ? *entry.member : whole;
    const QString where = entry.member ? memberWhere(fileName, member.name) : fileName;
    auto stream =
        std::make_unique<npy::ZipMemberStream>(source, member, where, entry.member.has_value());
    std::vector<char> head(static_cast<std::size_t>(entry.header.dataOffset));
    stream->read(head.data(), head.size());
    return stream;
}

// The array straight into the matrix order of `mapping`: the slabs readArray reads, converted
// in file order into a small buffer and scattered into the matrix, so that the array is never
// held in its stored order too. A Fortran-order file runs along its first axis first: its
// slabs are ranges of the column-major order, whose leading axis is the array's last.
template <typename T>
WeightTensor streamArray(const npy::ByteSource& source, const Entry& entry, const QString& fileName,
                         const MatrixMapping& mapping, const ExecutionContext& context)
{
    const DatasetInfo& info = entry.info;
    const npy::Header& header = entry.header;
    LargeVector<T> matrix = allocateArray<T>(info, fileName);

    const std::unique_ptr<npy::ZipMemberStream> stream = openArrayData(source, entry, fileName);

    const StoredOrder order = header.fortranOrder && header.shape.size() >= 2
                                  ? StoredOrder::ColumnMajor
                                  : StoredOrder::RowMajor;
    // Told C order: it converts in file order and never places values itself.
    npy::ArrayDecoder<T> decoder(header.dtype, false, header.shape, nullptr);
    const auto itemSize = static_cast<std::size_t>(header.dtype.size);
    const std::size_t total = matrix.size();
    const auto slabElements =
        static_cast<std::size_t>(matrixSlabElements(mapping, std::max(itemSize, sizeof(T)), order));
    std::vector<T> slab(std::min(slabElements, total));
    std::vector<char> staging;
    if (!decoder.storedAsValues())
        staging.resize(slab.size() * itemSize);
    for (std::size_t done = 0; done < total;) {
        context.throwIfCancelled();
        const std::size_t count = std::min(slabElements, total - done);
        if (decoder.storedAsValues()) {
            stream->read(slab.data(), count * itemSize);
        } else {
            stream->read(staging.data(), count * itemSize);
            decoder.convert(staging.data(), count, slab.data());
        }
        mapping.scatterSlab(std::span<const T>(slab.data(), count), static_cast<std::int64_t>(done),
                            std::span<T>(matrix), context, order);
        done += count;
    }
    stream->finish();
    context.throwIfCancelled();
    return WeightTensor(mapping.matrixTensorShape(), std::move(matrix));
}

template <typename T>
WeightTensor readArray(const npy::ByteSource& source, const Entry& entry, const QString& fileName,
                       const ExecutionContext& context)
{
    const DatasetInfo& info = entry.info;
    const npy::Header& header = entry.header;
    LargeVector<T> values = allocateArray<T>(info, fileName);

    const std::unique_ptr<npy::ZipMemberStream> stream = openArrayData(source, entry, fileName);

    npy::ArrayDecoder<T> decoder(header.dtype, header.fortranOrder, header.shape, values.data());
    const auto itemSize = static_cast<std::size_t>(header.dtype.size);
    const std::size_t total = values.size();
    const std::size_t slabElements = std::max<std::size_t>(1, slabBytes / itemSize);
    std::vector<char> staging;
    if (!decoder.storedAsValues())
        staging.resize(std::min(slabElements, total) * itemSize);
    for (std::size_t done = 0; done < total;) {
        context.throwIfCancelled();
        const std::size_t count = std::min(slabElements, total - done);
        if (decoder.storedAsValues()) {
            // Little-endian float32/float64 in C order: the bytes are the values.
            stream->read(values.data() + done, count * itemSize);
        } else {
            stream->read(staging.data(), count * itemSize);
            decoder.decode(staging.data(), count);
        }
        done += count;
    }
    stream->finish();
    context.throwIfCancelled();
    return WeightTensor(info.shape, std::move(values));
}

} // namespace

WeightTensor NumpyReader::readTensor(const QString& datasetPath,
                                     const ExecutionContext& context) const
{
    const DatasetInfo info = describe(datasetPath);
    checkReadable(m_path, info);
    const Entry& entry = m_contents->entries[m_contents->entryByPath.at(info.path)];
    const bool asDouble = npy::holdsAsDouble(entry.header.dtype);
    checkFitsInMemory(m_path, info, asDouble ? sizeof(double) : sizeof(float),
                      memoryBudget(m_memoryLimit));
    if (asDouble)
        return readArray<double>(*m_contents->source, entry, m_path, context);
    return readArray<float>(*m_contents->source, entry, m_path, context);
}

WeightTensor NumpyReader::readMatrixOrder(const QString& datasetPath, const MatrixMapping& mapping,
                                          const ExecutionContext& context) const
{
    const DatasetInfo info = describe(datasetPath);
    checkReadable(m_path, info);
    if (mapping.storedShape() != info.shape)
        throw std::invalid_argument("NumpyReader: the mapping is not the dataset's shape");
    const Entry& entry = m_contents->entries[m_contents->entryByPath.at(info.path)];
    const bool asDouble = npy::holdsAsDouble(entry.header.dtype);
    checkFitsInMemory(m_path, info, asDouble ? sizeof(double) : sizeof(float),
                      memoryBudget(m_memoryLimit));
    if (asDouble)
        return streamArray<double>(*m_contents->source, entry, m_path, mapping, context);
    return streamArray<float>(*m_contents->source, entry, m_path, mapping, context);
}

} // namespace sparsity::core
