#include "numpyprunedcopy.h"

#include "bytesource.h"
#include "error.h"
#include "io/datasetchecks.h"
#include "npyheader.h"
#include "ziparchive.h"

#include <QFile>
#include <QFileInfo>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

namespace sparsity::core {
namespace {

constexpr std::uint32_t endSignature = 0x06054b50;
constexpr std::uint32_t zip64EndSignature = 0x06064b50;
constexpr std::uint32_t zip64LocatorSignature = 0x07064b50;
constexpr int localHeaderBytes = 30;
constexpr int centralHeaderBytes = 46;
constexpr std::uint16_t zip64ExtraId = 0x0001;
constexpr std::uint16_t dataDescriptorFlag = 0x0008;
constexpr std::uint64_t saturated32 = 0xffffffff;
// Bytes moved, and deflated, at a time.
constexpr std::size_t npzPieceBytes = std::size_t{8} << 20;

std::uint16_t le16(const char* p)
{
    return static_cast<std::uint16_t>(static_cast<unsigned char>(p[0]) |
                                      (static_cast<unsigned char>(p[1]) << 8));
}

std::uint32_t le32(const char* p)
{
    return static_cast<std::uint32_t>(le16(p)) | (static_cast<std::uint32_t>(le16(p + 2)) << 16);
}

void put16(char* p, std::uint16_t value)
{
    p[0] = static_cast<char>(value & 0xff);
    p[1] = static_cast<char>(value >> 8);
}

void put32(char* p, std::uint32_t value)
{
    put16(p, static_cast<std::uint16_t>(value & 0xffff));
    put16(p + 2, static_cast<std::uint16_t>(value >> 16));
}

void put64(char* p, std::uint64_t value)
{
    put32(p, static_cast<std::uint32_t>(value & 0xffffffff));
    put32(p + 4, static_cast<std::uint32_t>(value >> 32));
}

QByteArray bytes16(std::uint16_t value)
{
    QByteArray out(2, Qt::Uninitialized);
    put16(out.data(), value);
    return out;
}

QByteArray bytes64(std::uint64_t value)
{
    QByteArray out(8, Qt::Uninitialized);
    put64(out.data(), value);
    return out;
}

// The extra fields of a header without its ZIP64 field, and whether it had one.
QByteArray extraWithoutZip64(const QByteArray& extra, bool* hadZip64)
{
    QByteArray rest;
    *hadZip64 = false;
    qsizetype pos = 0;
    while (pos + 4 <= extra.size()) {
        const std::uint16_t id = le16(extra.constData() + pos);
        const qsizetype size = le16(extra.constData() + pos + 2);
        const qsizetype next = std::min<qsizetype>(extra.size(), pos + 4 + size);
        if (id == zip64ExtraId)
            *hadZip64 = true;
        else
            rest += extra.mid(pos, next - pos);
        pos = next;
    }
    rest += extra.mid(pos); // padding some tools leave; kept as it was
    return rest;
}

QByteArray zip64Extra(const QByteArray& values)
{
    return bytes16(zip64ExtraId) + bytes16(static_cast<std::uint16_t>(values.size())) + values;
}

// Writes the output file in order, counting its position.
class OutputFile
{
public:
    OutputFile(const QString& path)
        : m_path(path)
        , m_fd(::open(QFile::encodeName(path).constData(), O_WRONLY | O_TRUNC | O_CLOEXEC))
    {
        if (m_fd < 0)
            fail(errno);
    }
    ~OutputFile()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;

    std::uint64_t position() const { return m_position; }

    void write(const char* data, std::size_t count)
    {
        writeAt(m_position, data, count);
        m_position += count;
    }
    void write(const QByteArray& data)
    {
        write(data.constData(), static_cast<std::size_t>(data.size()));
    }

    // Overwrites bytes already written (a header whose sizes are known only afterwards).
    void writeAt(std::uint64_t at, const char* data, std::size_t count)
    {
        std::size_t done = 0;
        while (done < count) {
            const ssize_t put =
                ::pwrite(m_fd, data + done, count - done, static_cast<off_t>(at + done));
            if (put < 0 && errno == EINTR)
                continue;
            if (put < 0)
                fail(errno);
            done += static_cast<std::size_t>(put);
        }
    }

    void close()
    {
        const int fd = m_fd;
        m_fd = -1;
        if (::close(fd) != 0)
            fail(errno);
    }

private:
    [[noreturn]] void fail(int error) const
    {
        throw Error(ErrorCode::Io, QStringLiteral("%1: cannot write: %2")
                                       .arg(m_path, QString::fromLocal8Bit(std::strerror(error))));
    }

    QString m_path;
    int m_fd = -1;
    std::uint64_t m_position = 0;
};

std::unique_ptr<npy::FileByteSource> openSource(const QString& path)
{
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC);
    struct stat status
    {
    };
    if (fd < 0 || ::fstat(fd, &status) != 0) {
        const int error = errno;
        if (fd >= 0)
            ::close(fd);
        throw Error(ErrorCode::Io, QStringLiteral("%1: %2").arg(
                                       path, QString::fromLocal8Bit(std::strerror(error))));
    }
    return std::make_unique<npy::FileByteSource>(fd, static_cast<std::int64_t>(status.st_size),
                                                 path);
}

// The header of the array at the start of `bytes` (the whole .npy content).
npy::Header arrayHeader(const char* bytes, std::int64_t size, const QString& where)
{
    const std::int64_t end = npy::headerEnd(bytes, size, where);
    if (end > size)
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: the .npy header is cut short").arg(where));
    return npy::parseHeader(bytes, end, where);
}

void zeroArray(char* data, const npy::Header& header, const MaskBytes& mask, const QString& where,
               const QString& path, const ExecutionContext& context)
{
    std::uint64_t count = 1;
    for (const std::int64_t extent : header.shape)
        count *= static_cast<std::uint64_t>(extent);
    checkMaskSize(where, path, mask.size(), count);
    if (header.fortranOrder)
        zeroPrunedElementsFortran(data, header.shape, header.dtype.size, mask.data());
    else
        zeroPrunedElements(data, static_cast<std::int64_t>(count), header.dtype.size, mask.data(),
                           context);
}

void writeNpy(const QString& sourcePath, const QString& targetPath,
              const std::vector<QString>& datasets, const PrunedMaskSource& masks,
              const npy::ByteSource& source, const ExecutionContext& context)
{
    // As the reader names it: Python's Path.stem, the name without its last suffix.
    const QString fileName = QFileInfo(sourcePath).fileName();
    const qsizetype dot = fileName.lastIndexOf(QLatin1Char('.'));
    const QString path = QLatin1Char('/') + (dot > 0 ? fileName.left(dot) : fileName);
    QByteArray head(
        static_cast<qsizetype>(std::min<std::int64_t>(source.size(), npy::preambleBytes)),
        Qt::Uninitialized);
    source.read(0, head.data(), static_cast<std::size_t>(head.size()));
    const std::int64_t end = npy::headerEnd(head.constData(), head.size(), sourcePath);
    head.resize(static_cast<qsizetype>(std::min(end, source.size())));
    source.read(0, head.data(), static_cast<std::size_t>(head.size()));
    const npy::Header header = arrayHeader(head.constData(), head.size(), sourcePath);
    for (const QString& dataset : datasets)
        if (normalizeDatasetPath(dataset) != normalizeDatasetPath(path) ||
            !header.dtype.isNumeric())
            throw Error(ErrorCode::InvalidInput,
                        QStringLiteral("%1: no numeric dataset %2 to prune (a .npy file holds "
                                       "one array, %3)")
                            .arg(sourcePath, quoted(dataset), quoted(path)));
    copyFileContents(sourcePath, targetPath, context);
    for (const QString& dataset : datasets) {
        const MaskBytes mask = masks(normalizeDatasetPath(dataset));
        pruneRegionInPlace(targetPath, header.dataOffset, header.shape, header.dtype.size,
                           header.fortranOrder, mask, dataset, context);
    }
}

// The dataset path of a member, as the reader names it.
QString memberPath(const npy::ZipMember& member)
{
    QString path = QLatin1Char('/') + member.name;
    if (path.endsWith(QLatin1String(".npy")))
        path.chop(4);
    return path;
}

// Deflates `content` (raw deflate, zlib's default level, what numpy.savez_compressed uses)
// into out; returns the compressed size.
std::uint64_t deflateInto(OutputFile& out, const char* content, std::uint64_t size,
                          const QString& where, const ExecutionContext& context)
{
    z_stream stream{};
    if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK)
        throw Error(ErrorCode::Io, QStringLiteral("%1: cannot start deflate").arg(where));
    struct End
    {
        z_stream* stream;
        ~End() { deflateEnd(stream); }
    } end{&stream};
    std::vector<char> buffer(npzPieceBytes);
    std::uint64_t consumed = 0;
    std::uint64_t produced = 0;
    int result = Z_OK;
    while (result != Z_STREAM_END) {
        context.throwIfCancelled();
        if (stream.avail_in == 0 && consumed < size) {
            const auto piece =
                static_cast<uInt>(std::min<std::uint64_t>(size - consumed, npzPieceBytes));
            stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(content + consumed));
            stream.avail_in = piece;
            consumed += piece;
        }
        stream.next_out = reinterpret_cast<Bytef*>(buffer.data());
        stream.avail_out = static_cast<uInt>(buffer.size());
        result = deflate(&stream, consumed == size ? Z_FINISH : Z_NO_FLUSH);
        if (result != Z_OK && result != Z_STREAM_END && result != Z_BUF_ERROR)
            throw Error(ErrorCode::Io, QStringLiteral("%1: deflate failed").arg(where));
        const std::size_t got = buffer.size() - stream.avail_out;
        out.write(buffer.data(), got);
        produced += got;
    }
    return produced;
}

// The rewritten member's entry values.
struct NewValues
{
    std::uint64_t offset = 0;
    bool rewritten = false;
    std::uint32_t crc = 0;
    std::uint64_t compressedSize = 0;
    std::uint64_t uncompressedSize = 0;
};

void writeNpz(const QString& sourcePath, const QString& targetPath,
              const std::vector<QString>& datasets, const PrunedMaskSource& masks,
              const npy::ByteSource& source, const ExecutionContext& context)
{
    const npy::ZipLayout layout = npy::readZipLayout(source, sourcePath);
    std::map<QString, std::size_t> memberOfPath;
    for (std::size_t i = 0; i < layout.members.size(); ++i)
        if (!layout.members[i].isDirectory())
            memberOfPath.emplace(memberPath(layout.members[i]), i);
    std::map<std::size_t, QString> pruned; // member index -> dataset path
    for (const QString& dataset : datasets) {
        const auto found = memberOfPath.find(normalizeDatasetPath(dataset));
        if (found == memberOfPath.end())
            throw Error(
                ErrorCode::InvalidInput,
                QStringLiteral("%1: no member holds dataset %2").arg(sourcePath, quoted(dataset)));
        pruned.emplace(found->second, found->first);
    }

    std::vector<std::size_t> fileOrder(layout.members.size());
    for (std::size_t i = 0; i < fileOrder.size(); ++i)
        fileOrder[i] = i;
    std::sort(fileOrder.begin(), fileOrder.end(), [&](std::size_t a, std::size_t b) {
        return layout.members[a].headerOffset < layout.members[b].headerOffset;
    });

    OutputFile out(targetPath);
    std::vector<NewValues> values(layout.members.size());
    std::vector<char> buffer;
    // Whatever precedes the first member (nothing, in what numpy writes) stays.
    const std::uint64_t firstOffset =
        fileOrder.empty() ? layout.directoryOffset : layout.members[fileOrder.front()].headerOffset;
    const auto copyRange = [&](std::uint64_t from, std::uint64_t to) {
        buffer.resize(npzPieceBytes);
        for (std::uint64_t at = from; at < to;) {
            context.throwIfCancelled();
            const auto piece =
                static_cast<std::size_t>(std::min<std::uint64_t>(to - at, npzPieceBytes));
            source.read(static_cast<std::int64_t>(at), buffer.data(), piece);
            out.write(buffer.data(), piece);
            at += piece;
        }
    };
    copyRange(0, firstOffset);

    for (std::size_t k = 0; k < fileOrder.size(); ++k) {
        const std::size_t index = fileOrder[k];
        const npy::ZipMember& member = layout.members[index];
        const std::uint64_t next = k + 1 < fileOrder.size()
                                       ? layout.members[fileOrder[k + 1]].headerOffset
                                       : layout.directoryOffset;
        NewValues& value = values[index];
        value.offset = out.position();
        const auto prunedPath = pruned.find(index);
        if (prunedPath == pruned.end()) {
            // Local header, data and data descriptor, byte for byte.
            copyRange(member.headerOffset, next);
            continue;
        }
        const QString where = QStringLiteral("%1: member '%2'").arg(sourcePath, member.name);
        char fixed[localHeaderBytes];
        source.read(static_cast<std::int64_t>(member.headerOffset), fixed, sizeof fixed);
        const std::uint16_t nameLength = le16(fixed + 26);
        const std::uint16_t extraLength = le16(fixed + 28);
        QByteArray nameAndExtra(nameLength + extraLength, Qt::Uninitialized);
        source.read(static_cast<std::int64_t>(member.headerOffset) + localHeaderBytes,
                    nameAndExtra.data(), static_cast<std::size_t>(nameAndExtra.size()));

        // The mask first, then the content: the weights the mask came from are freed before
        // the member's own bytes are read.
        context.throwIfCancelled();
        const MaskBytes mask = masks(prunedPath->second);
        context.throwIfCancelled();
        // The whole content (header and elements) in memory: the tensor's own bytes.
        LargeVector<char> content(static_cast<std::size_t>(member.uncompressedSize));
        {
            npy::ZipMemberStream stream(source, member, where);
            stream.read(content.data(), content.size());
            stream.finish();
        }
        const npy::Header header =
            arrayHeader(content.data(), static_cast<std::int64_t>(content.size()), where);
        if (!header.dtype.isNumeric())
            throw Error(
                ErrorCode::InvalidInput,
                QStringLiteral("%1: %2 arrays cannot be pruned").arg(where, header.dtype.name));
        zeroArray(content.data() + header.dataOffset, header, mask, sourcePath, prunedPath->second,
                  context);
        context.throwIfCancelled();

        value.rewritten = true;
        value.uncompressedSize = content.size();
        value.crc = static_cast<std::uint32_t>(
            crc32_z(0, reinterpret_cast<const Bytef*>(content.data()), content.size()));

        // The local header: the source's, with the sizes and CRC filled in (no data
        // descriptor follows) and its ZIP64 field rewritten when it had one or needs one.
        bool hadZip64 = false;
        const QByteArray otherExtra = extraWithoutZip64(nameAndExtra.mid(nameLength), &hadZip64);
        // Deflate may grow incompressible data a little: near 4 GiB the compressed size could
        // outgrow the 32-bit field, so such a member gets the ZIP64 field from the start.
        const bool zip64 = hadZip64 || value.uncompressedSize >= saturated32 - (saturated32 >> 6);
        const QByteArray extra =
            (zip64 ? zip64Extra(bytes64(value.uncompressedSize) + bytes64(0)) : QByteArray()) +
            otherExtra;
        if (extra.size() > 0xffff)
            throw Error(ErrorCode::InvalidInput,
                        QStringLiteral("%1: its extra fields are too long to rewrite").arg(where));
        QByteArray local(fixed, localHeaderBytes);
        put16(local.data() + 6, static_cast<std::uint16_t>(le16(fixed + 6) & ~dataDescriptorFlag));
        put32(local.data() + 14, value.crc);
        put32(local.data() + 18, zip64 ? 0xffffffff : 0);
        put32(local.data() + 22,
              zip64 ? 0xffffffff : static_cast<std::uint32_t>(value.uncompressedSize));
        put16(local.data() + 28, static_cast<std::uint16_t>(extra.size()));
        local += nameAndExtra.left(nameLength) + extra;
        const std::uint64_t headerAt = out.position();
        out.write(local);

        if (member.method == 0) {
            out.write(content.data(), content.size());
            value.compressedSize = content.size();
        } else {
            value.compressedSize = deflateInto(out, content.data(), content.size(), where, context);
        }
        if (zip64) {
            char size[8];
            put64(size, value.compressedSize);
            out.writeAt(headerAt + localHeaderBytes + nameLength + 4 + 8, size, sizeof size);
        } else if (value.compressedSize >= saturated32) {
            throw Error(ErrorCode::InvalidInput,
                        QStringLiteral("%1: its compressed size no longer fits its local header")
                            .arg(where));
        } else {
            char size[4];
            put32(size, static_cast<std::uint32_t>(value.compressedSize));
            out.writeAt(headerAt + 18, size, sizeof size);
        }
    }

    // The central directory, in its order, each entry as stored with its new values.
    const std::uint64_t directoryOffset = out.position();
    for (std::size_t i = 0; i < layout.members.size(); ++i) {
        const npy::ZipMember& member = layout.members[i];
        const NewValues& value = values[i];
        const QByteArray& raw = member.centralRecord;
        const std::uint16_t nameLength = le16(raw.constData() + 28);
        const std::uint16_t extraLength = le16(raw.constData() + 30);
        const std::uint16_t commentLength = le16(raw.constData() + 32);
        const std::uint32_t crc = value.rewritten ? value.crc : member.crc32;
        const std::uint64_t compressed =
            value.rewritten ? value.compressedSize : member.compressedSize;
        const std::uint64_t uncompressed =
            value.rewritten ? value.uncompressedSize : member.uncompressedSize;
        // A field goes to the ZIP64 field when it did before or no longer fits.
        const bool wideUncompressed =
            le32(raw.constData() + 24) == saturated32 || uncompressed >= saturated32;
        const bool wideCompressed =
            le32(raw.constData() + 20) == saturated32 || compressed >= saturated32;
        const bool wideOffset =
            le32(raw.constData() + 42) == saturated32 || value.offset >= saturated32;
        QByteArray wide;
        if (wideUncompressed)
            wide += bytes64(uncompressed);
        if (wideCompressed)
            wide += bytes64(compressed);
        if (wideOffset)
            wide += bytes64(value.offset);
        bool hadZip64 = false;
        const QByteArray otherExtra =
            extraWithoutZip64(raw.mid(centralHeaderBytes + nameLength, extraLength), &hadZip64);
        const QByteArray extra = (wide.isEmpty() ? QByteArray() : zip64Extra(wide)) + otherExtra;
        QByteArray entry = raw.left(centralHeaderBytes);
        if (value.rewritten)
            put16(entry.data() + 8,
                  static_cast<std::uint16_t>(le16(raw.constData() + 8) & ~dataDescriptorFlag));
        put32(entry.data() + 16, crc);
        put32(entry.data() + 20,
              wideCompressed ? 0xffffffff : static_cast<std::uint32_t>(compressed));
        put32(entry.data() + 24,
              wideUncompressed ? 0xffffffff : static_cast<std::uint32_t>(uncompressed));
        put16(entry.data() + 30, static_cast<std::uint16_t>(extra.size()));
        put32(entry.data() + 42,
              wideOffset ? 0xffffffff : static_cast<std::uint32_t>(value.offset));
        entry += raw.mid(centralHeaderBytes, nameLength) + extra +
                 raw.mid(centralHeaderBytes + nameLength + extraLength, commentLength);
        out.write(entry);
    }
    const std::uint64_t directorySize = out.position() - directoryOffset;
    const std::uint64_t entries = layout.members.size();

    const bool zip64End = layout.zip64 || entries >= 0xffff || directorySize >= saturated32 ||
                          directoryOffset >= saturated32;
    if (zip64End) {
        const std::uint64_t recordAt = out.position();
        char record[56] = {};
        put32(record, zip64EndSignature);
        put64(record + 4, 56 - 12);
        put16(record + 12, 45); // version made by: 4.5, ZIP64
        put16(record + 14, 45); // version needed
        put64(record + 24, entries);
        put64(record + 32, entries);
        put64(record + 40, directorySize);
        put64(record + 48, directoryOffset);
        out.write(record, sizeof record);
        char locator[20] = {};
        put32(locator, zip64LocatorSignature);
        put64(locator + 8, recordAt);
        put32(locator + 16, 1);
        out.write(locator, sizeof locator);
    }
    char end[22] = {};
    put32(end, endSignature);
    put16(end + 8, static_cast<std::uint16_t>(std::min<std::uint64_t>(entries, 0xffff)));
    put16(end + 10, static_cast<std::uint16_t>(std::min<std::uint64_t>(entries, 0xffff)));
    put32(end + 12, static_cast<std::uint32_t>(std::min(directorySize, saturated32)));
    put32(end + 16, static_cast<std::uint32_t>(std::min(directoryOffset, saturated32)));
    put16(end + 20, static_cast<std::uint16_t>(layout.comment.size()));
    out.write(end, sizeof end);
    out.write(layout.comment);
    out.close();
}

} // namespace

void writeNumpyPrunedCopy(const QString& sourcePath, const QString& targetPath,
                          const std::vector<QString>& datasets, const PrunedMaskSource& masks,
                          const ExecutionContext& context)
{
    const auto source = openSource(sourcePath);
    QByteArray head(static_cast<qsizetype>(std::min<std::int64_t>(source->size(), 8)),
                    Qt::Uninitialized);
    source->read(0, head.data(), static_cast<std::size_t>(head.size()));
    if (npy::hasMagic(head.constData(), head.size()))
        writeNpy(sourcePath, targetPath, datasets, masks, *source, context);
    else
        writeNpz(sourcePath, targetPath, datasets, masks, *source, context);
}

} // namespace sparsity::core
