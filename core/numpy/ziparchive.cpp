#include "ziparchive.h"

#include "error.h"

#include <QStringList>
#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>
#include <zlib.h>

namespace sparsity::core::npy {

namespace {

// Record signatures and sizes of the ZIP format (PKWARE's APPNOTE.TXT, sections 4.3.7-4.3.16).
constexpr std::uint32_t localHeaderSignature = 0x04034b50;
constexpr std::uint32_t centralHeaderSignature = 0x02014b50;
constexpr std::uint32_t endSignature = 0x06054b50;
constexpr std::uint32_t zip64EndSignature = 0x06064b50;
constexpr std::uint32_t zip64LocatorSignature = 0x07064b50;
constexpr std::int64_t localHeaderBytes = 30;
constexpr std::int64_t centralHeaderBytes = 46;
constexpr std::int64_t endBytes = 22;
constexpr std::int64_t zip64EndBytes = 56;
constexpr std::int64_t zip64LocatorBytes = 20;
constexpr std::int64_t maxCommentBytes = 0xffff;
constexpr std::uint16_t zip64ExtraId = 0x0001;
// A directory larger than this would hold millions of members: a damaged size, and reading it
// would allocate that much.
constexpr std::uint64_t maxDirectoryBytes = std::uint64_t{256} << 20;
// Compressed bytes read from the source at a time when inflating.
constexpr std::size_t inflateInputBytes = std::size_t{1} << 18;
constexpr std::uint64_t maxDeflateRatio = 1032;

std::uint16_t le16(const char* p)
{
    return static_cast<std::uint16_t>(static_cast<unsigned char>(p[0]) |
                                      (static_cast<unsigned char>(p[1]) << 8));
}

std::uint32_t le32(const char* p)
{
    return static_cast<std::uint32_t>(le16(p)) | (static_cast<std::uint32_t>(le16(p + 2)) << 16);
}

std::uint64_t le64(const char* p)
{
    return static_cast<std::uint64_t>(le32(p)) | (static_cast<std::uint64_t>(le32(p + 4)) << 32);
}

QString quotedMember(const QString& name)
{
    return QLatin1Char('\'') + name + QLatin1Char('\'');
}

[[noreturn]] void refuse(const QString& fileName, const QString& reason)
{
    throw Error(ErrorCode::InvalidInput,
                fileName + QStringLiteral(": not a readable .npz (ZIP) archive: ") + reason);
}

[[noreturn]] void refuseMember(const QString& fileName, const QString& member,
                               const QString& reason)
{
    throw Error(ErrorCode::InvalidInput,
                QStringLiteral("%1: member %2: %3").arg(fileName, quotedMember(member), reason));
}

QString methodName(int method)
{
    switch (method) {
    case 1:
        return QStringLiteral("shrink");
    case 6:
        return QStringLiteral("implode");
    case 9:
        return QStringLiteral("deflate64");
    case 12:
        return QStringLiteral("bzip2");
    case 14:
        return QStringLiteral("LZMA");
    case 93:
        return QStringLiteral("Zstandard");
    case 95:
        return QStringLiteral("XZ");
    case 98:
        return QStringLiteral("PPMd");
    default:
        return QStringLiteral("unknown");
    }
}

// The end of central directory record: the last one whose comment reaches exactly to the end
// of the file (a comment may itself contain the signature).
struct EndRecord
{
    std::int64_t position = -1;
    std::uint64_t entries = 0;
    std::uint64_t directorySize = 0;
    std::uint64_t directoryOffset = 0;
    std::int64_t directoryLimit = 0; // where the directory must end: the next record's start
    bool zip64 = false;
    QByteArray comment;
};

EndRecord readEndRecord(const ByteSource& source, const QString& fileName)
{
    const std::int64_t size = source.size();
    if (size < endBytes)
        refuse(fileName, QStringLiteral("the file is %1 bytes long, too short for the end of "
                                        "central directory record (truncated?)")
                             .arg(size));
    const std::int64_t tailBytes = std::min(size, endBytes + maxCommentBytes);
    QByteArray tail(static_cast<qsizetype>(tailBytes), Qt::Uninitialized);
    source.read(size - tailBytes, tail.data(), static_cast<std::size_t>(tailBytes));

    EndRecord record;
    for (std::int64_t at = tailBytes - endBytes; at >= 0; --at) {
        const char* p = tail.constData() + at;
        if (le32(p) == endSignature && at + endBytes + le16(p + 20) == tailBytes) {
            record.position = size - tailBytes + at;
            break;
        }
    }
    if (record.position < 0)
        refuse(fileName, QStringLiteral("no end of central directory record (the archive is "
                                        "truncated, or not a ZIP file)"));
    const char* end = tail.constData() + (record.position - (size - tailBytes));
    const std::uint16_t disk = le16(end + 4);
    const std::uint16_t directoryDisk = le16(end + 6);
    const std::uint16_t entriesHere = le16(end + 8);
    record.entries = le16(end + 10);
    record.directorySize = le32(end + 12);
    record.directoryOffset = le32(end + 16);
    record.directoryLimit = record.position;
    record.comment = QByteArray(end + endBytes, le16(end + 20));

    // ZIP64: a locator right before the end record points at the ZIP64 end record, whose
    // fields replace the saturated 16- and 32-bit ones (numpy's writer, Python's zipfile,
    // uses it when the directory's sizes or offsets exceed them).
    bool zip64 = false;
    if (record.position >= zip64LocatorBytes) {
        char locator[zip64LocatorBytes];
        source.read(record.position - zip64LocatorBytes, locator, sizeof locator);
        if (le32(locator) == zip64LocatorSignature) {
            zip64 = true;
            const std::uint64_t recordOffset = le64(locator + 8);
            if (le32(locator + 4) != 0 || le32(locator + 16) > 1)
                refuse(fileName, QStringLiteral("a multi-disk (split) archive"));
            if (recordOffset > static_cast<std::uint64_t>(record.position - zip64LocatorBytes -
                                                          zip64EndBytes) ||
                record.position < zip64LocatorBytes + zip64EndBytes)
                refuse(fileName, QStringLiteral("the ZIP64 end record's offset %1 lies outside "
                                                "the archive")
                                     .arg(recordOffset));
            char zip64End[zip64EndBytes];
            source.read(static_cast<std::int64_t>(recordOffset), zip64End, sizeof zip64End);
            if (le32(zip64End) != zip64EndSignature)
                refuse(fileName, QStringLiteral("no ZIP64 end record where its locator points "
                                                "(damaged archive)"));
            if (le32(zip64End + 16) != 0 || le32(zip64End + 20) != 0 ||
                le64(zip64End + 24) != le64(zip64End + 32))
                refuse(fileName, QStringLiteral("a multi-disk (split) archive"));
            record.entries = le64(zip64End + 32);
            record.directorySize = le64(zip64End + 40);
            record.directoryOffset = le64(zip64End + 48);
            record.directoryLimit = static_cast<std::int64_t>(recordOffset);
        }
    }
    record.zip64 = zip64;
    if (!zip64) {
        if (disk != 0 || directoryDisk != 0 || entriesHere != record.entries)
            refuse(fileName, QStringLiteral("a multi-disk (split) archive"));
        if (record.entries == 0xffff || record.directorySize == 0xffffffff ||
            record.directoryOffset == 0xffffffff)
            refuse(fileName, QStringLiteral("a ZIP64 archive whose ZIP64 end record is missing "
                                            "(truncated or damaged)"));
    }
    // The directory ends where the next record starts; anything else means damage, or bytes
    // added in front of the archive, which would shift every offset.
    std::uint64_t directoryEnd = 0;
    if (__builtin_add_overflow(record.directoryOffset, record.directorySize, &directoryEnd) ||
        directoryEnd != static_cast<std::uint64_t>(record.directoryLimit))
        refuse(fileName, QStringLiteral("the central directory (%1 bytes at offset %2) does not "
                                        "end where the end record starts (offset %3): damaged, "
                                        "truncated, or data was added before the archive")
                             .arg(record.directorySize)
                             .arg(record.directoryOffset)
                             .arg(record.directoryLimit));
    if (record.directorySize > maxDirectoryBytes)
        refuse(fileName, QStringLiteral("a central directory of %1 bytes (more than %2 is refused)")
                             .arg(record.directorySize)
                             .arg(maxDirectoryBytes));
    if (record.entries > record.directorySize / centralHeaderBytes)
        refuse(fileName, QStringLiteral("the end record counts %1 members, more than its %2-byte "
                                        "central directory can hold")
                             .arg(record.entries)
                             .arg(record.directorySize));
    return record;
}

// Reads the ZIP64 extended information of a central header: the saturated fields, in order.
void applyZip64Extra(const char* extra, std::size_t length, ZipMember& member,
                     bool needUncompressed, bool needCompressed, bool needOffset,
                     const QString& fileName)
{
    std::size_t pos = 0;
    while (pos + 4 <= length) {
        const std::uint16_t id = le16(extra + pos);
        const std::uint16_t size = le16(extra + pos + 2);
        if (pos + 4 + size > length)
            refuseMember(fileName, member.name,
                         QStringLiteral("an extra field runs past its header (damaged)"));
        if (id == zip64ExtraId) {
            const char* field = extra + pos + 4;
            std::size_t used = 0;
            const auto take = [&](std::uint64_t& value) {
                if (used + 8 > size)
                    refuseMember(fileName, member.name,
                                 QStringLiteral("its ZIP64 extra field is too short (damaged)"));
                value = le64(field + used);
                used += 8;
            };
            if (needUncompressed)
                take(member.uncompressedSize);
            if (needCompressed)
                take(member.compressedSize);
            if (needOffset)
                take(member.headerOffset);
            return;
        }
        pos += 4 + size;
    }
    if (needUncompressed || needCompressed || needOffset)
        refuseMember(fileName, member.name,
                     QStringLiteral("its sizes need a ZIP64 extra field, which is missing "
                                    "(damaged)"));
}

// A member name must be a relative path of real parts: it becomes a dataset path.
void checkMemberName(const QString& name, const QString& fileName)
{
    if (name.isEmpty())
        refuse(fileName, QStringLiteral("a member has an empty name"));
    const QString body = name.endsWith(QLatin1Char('/')) ? name.chopped(1) : name;
    const QStringList parts = body.split(QLatin1Char('/'));
    for (const QString& part : parts) {
        if (part.isEmpty() || part == QLatin1String(".") || part == QLatin1String("..") ||
            part.contains(QChar(0)))
            refuseMember(fileName, name,
                         QStringLiteral("the name is not a relative path of named parts"));
    }
}

} // namespace

bool hasZipSignature(const char* bytes, std::int64_t size)
{
    return size >= 4 && (le32(bytes) == localHeaderSignature || le32(bytes) == endSignature);
}

std::vector<ZipMember> readZipDirectory(const ByteSource& source, const QString& fileName)
{
    return readZipLayout(source, fileName).members;
}

ZipLayout readZipLayout(const ByteSource& source, const QString& fileName)
{
    const EndRecord end = readEndRecord(source, fileName);
    QByteArray directory(static_cast<qsizetype>(end.directorySize), Qt::Uninitialized);
    source.read(static_cast<std::int64_t>(end.directoryOffset), directory.data(),
                static_cast<std::size_t>(end.directorySize));

    std::vector<ZipMember> members;
    std::vector<QByteArray> rawNames;
    // The count is only a claim: reserve for what a normal archive holds, grow past it.
    members.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(end.entries, 4096)));
    std::uint64_t pos = 0;
    const auto left = [&]() { return end.directorySize - pos; };
    for (std::uint64_t index = 0; index < end.entries; ++index) {
        if (left() < centralHeaderBytes ||
            le32(directory.constData() + pos) != centralHeaderSignature)
            refuse(fileName, QStringLiteral("central directory entry %1 of %2 is damaged or "
                                            "missing")
                                 .arg(index + 1)
                                 .arg(end.entries));
        const char* h = directory.constData() + pos;
        const std::uint16_t flags = le16(h + 8);
        const std::uint16_t nameLength = le16(h + 28);
        const std::uint16_t extraLength = le16(h + 30);
        const std::uint16_t commentLength = le16(h + 32);
        if (left() < std::uint64_t{centralHeaderBytes} + nameLength + extraLength + commentLength)
            refuse(fileName, QStringLiteral("central directory entry %1 runs past the directory")
                                 .arg(index + 1));
        const QByteArray rawName(h + centralHeaderBytes, nameLength);
        ZipMember member;
        // Bit 11 says UTF-8; numpy (Python's zipfile) sets it for every name beyond ASCII.
        // Other tools write UTF-8 without it, so any name that is valid UTF-8 is taken as such.
        member.name = QString::fromUtf8(rawName);
        if (member.name.toUtf8() != rawName)
            refuse(fileName,
                   QStringLiteral("member name %1 is not UTF-8").arg(quotedMember(member.name)));
        member.method = le16(h + 10);
        member.crc32 = le32(h + 16);
        member.compressedSize = le32(h + 20);
        member.uncompressedSize = le32(h + 24);
        member.headerOffset = le32(h + 42);
        const std::uint16_t diskStart = le16(h + 34);
        applyZip64Extra(h + centralHeaderBytes + nameLength, extraLength, member,
                        member.uncompressedSize == 0xffffffff, member.compressedSize == 0xffffffff,
                        member.headerOffset == 0xffffffff, fileName);
        checkMemberName(member.name, fileName);
        if (diskStart != 0 && diskStart != 0xffff)
            refuse(fileName, QStringLiteral("a multi-disk (split) archive"));
        if ((flags & 0x0001) != 0 || (flags & 0x0040) != 0 || member.method == 99)
            refuseMember(fileName, member.name,
                         QStringLiteral("it is encrypted; encrypted members cannot be read"));
        if (member.method != 0 && member.method != 8)
            refuseMember(fileName, member.name,
                         QStringLiteral("compressed with method %1 (%2); only stored (0) and "
                                        "deflate (8) members, what numpy writes, can be read")
                             .arg(member.method)
                             .arg(methodName(member.method)));
        if (member.method == 0 && member.compressedSize != member.uncompressedSize)
            refuseMember(fileName, member.name,
                         QStringLiteral("it is stored uncompressed, but its directory entry "
                                        "gives %1 bytes stored and %2 bytes of content")
                             .arg(member.compressedSize)
                             .arg(member.uncompressedSize));
        // Deflate expands at most 1032-fold (a 258-byte match per two bits): a member that
        // claims more would make the reader allocate for data that cannot come out of it.
        if (member.method == 8 &&
            member.uncompressedSize / maxDeflateRatio > member.compressedSize + 1)
            refuseMember(fileName, member.name,
                         QStringLiteral("its directory entry claims %1 bytes from %2 deflated "
                                        "bytes, more than deflate can give (the sizes lie)")
                             .arg(member.uncompressedSize)
                             .arg(member.compressedSize));
        member.centralRecord =
            QByteArray(h, centralHeaderBytes + nameLength + extraLength + commentLength);
        pos += std::uint64_t{centralHeaderBytes} + nameLength + extraLength + commentLength;
        members.push_back(std::move(member));
        rawNames.push_back(rawName);
    }
    if (pos != end.directorySize)
        refuse(fileName, QStringLiteral("the central directory holds %1 bytes after its %2 "
                                        "entries (damaged)")
                             .arg(end.directorySize - pos)
                             .arg(end.entries));

    // Local headers: where each member's data starts, and a check that it is the same member.
    const std::uint64_t dataLimit = end.directoryOffset;
    for (std::size_t i = 0; i < members.size(); ++i) {
        ZipMember& member = members[i];
        if (member.headerOffset > dataLimit ||
            dataLimit - member.headerOffset < std::uint64_t{localHeaderBytes})
            refuseMember(fileName, member.name,
                         QStringLiteral("its local header offset %1 lies outside the archive's "
                                        "data (which ends at %2)")
                             .arg(member.headerOffset)
                             .arg(dataLimit));
        char local[localHeaderBytes];
        source.read(static_cast<std::int64_t>(member.headerOffset), local, sizeof local);
        if (le32(local) != localHeaderSignature)
            refuseMember(fileName, member.name,
                         QStringLiteral("no local header at offset %1 (damaged archive)")
                             .arg(member.headerOffset));
        const std::uint16_t localFlags = le16(local + 6);
        const std::uint16_t localMethod = le16(local + 8);
        const std::uint16_t nameLength = le16(local + 26);
        const std::uint16_t extraLength = le16(local + 28);
        if ((localFlags & 0x0041) != 0)
            refuseMember(fileName, member.name,
                         QStringLiteral("it is encrypted; encrypted members cannot be read"));
        if (localMethod != member.method)
            refuseMember(fileName, member.name,
                         QStringLiteral("its local header gives compression method %1, its "
                                        "directory entry %2 (damaged archive)")
                             .arg(localMethod)
                             .arg(member.method));
        member.dataOffset =
            member.headerOffset + std::uint64_t{localHeaderBytes} + nameLength + extraLength;
        if (member.dataOffset > dataLimit || dataLimit - member.dataOffset < member.compressedSize)
            refuseMember(fileName, member.name,
                         QStringLiteral("its %1 bytes at offset %2 run past the archive's data "
                                        "(which ends at %3): truncated, or its sizes lie")
                             .arg(member.compressedSize)
                             .arg(member.dataOffset)
                             .arg(dataLimit));
        QByteArray localName(nameLength, Qt::Uninitialized);
        source.read(static_cast<std::int64_t>(member.headerOffset + localHeaderBytes),
                    localName.data(), nameLength);
        if (localName != rawNames[i])
            refuseMember(fileName, member.name,
                         QStringLiteral("its local header names it %1 (damaged archive)")
                             .arg(quotedMember(QString::fromUtf8(localName))));
    }

    // No two members may share bytes: overlapping members are how "zip bombs" multiply data,
    // and never what numpy writes.
    std::vector<const ZipMember*> byOffset;
    byOffset.reserve(members.size());
    for (const ZipMember& member : members)
        byOffset.push_back(&member);
    std::sort(byOffset.begin(), byOffset.end(), [](const ZipMember* a, const ZipMember* b) {
        return a->headerOffset < b->headerOffset;
    });
    for (std::size_t i = 1; i < byOffset.size(); ++i) {
        const ZipMember& previous = *byOffset[i - 1];
        const ZipMember& next = *byOffset[i];
        if (previous.dataOffset + previous.compressedSize > next.headerOffset)
            refuse(fileName, QStringLiteral("members %1 and %2 overlap (offsets %3 and %4)")
                                 .arg(quotedMember(previous.name), quotedMember(next.name))
                                 .arg(previous.headerOffset)
                                 .arg(next.headerOffset));
    }
    return ZipLayout{std::move(members), end.directoryOffset, end.zip64, end.comment};
}

struct ZipMemberStream::Inflater
{
    explicit Inflater(std::uint64_t compressedSize)
        : input(static_cast<std::size_t>(
              std::clamp<std::uint64_t>(compressedSize, 1, inflateInputBytes)))
    {}
    ~Inflater() { inflateEnd(&stream); }

    z_stream stream{};
    std::vector<unsigned char> input; // compressed bytes read ahead
    bool ended = false;               // the deflate stream's last block was decoded
};

ZipMemberStream::ZipMemberStream(const ByteSource& source, const ZipMember& member, QString where,
                                 bool checksum)
    : m_source(source)
    , m_member(member)
    , m_where(std::move(where))
    , m_crc(static_cast<std::uint32_t>(::crc32(0L, Z_NULL, 0)))
    , m_checksum(checksum)
{
    if (m_member.method == 8) {
        m_inflater = std::make_unique<Inflater>(m_member.compressedSize);
        // Raw deflate (negative window bits): ZIP members carry no zlib header.
        if (inflateInit2(&m_inflater->stream, -MAX_WBITS) != Z_OK) {
            m_inflater.reset();
            throw Error(ErrorCode::OutOfMemory,
                        m_where + QStringLiteral(": cannot start decompressing"));
        }
    }
}

ZipMemberStream::~ZipMemberStream() = default;

void ZipMemberStream::read(void* target, std::size_t count)
{
    if (count > m_member.uncompressedSize - m_produced)
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: it holds %2 bytes, fewer than its .npy header needs")
                        .arg(m_where)
                        .arg(m_member.uncompressedSize));
    if (m_inflater)
        inflateInto(static_cast<char*>(target), count);
    else
        readCompressed(target, count);
    // zlib's crc32 takes a 32-bit length; feed it in pieces.
    const auto* bytes = static_cast<const unsigned char*>(target);
    for (std::size_t done = 0; m_checksum && done < count;) {
        const auto piece = static_cast<uInt>(std::min<std::size_t>(count - done, 1u << 30));
        m_crc = static_cast<std::uint32_t>(::crc32(m_crc, bytes + done, piece));
        done += piece;
    }
    m_produced += count;
}

void ZipMemberStream::readCompressed(void* target, std::size_t count)
{
    m_source.read(static_cast<std::int64_t>(m_member.dataOffset + m_consumed), target, count);
    m_consumed += count;
}

void ZipMemberStream::inflateInto(char* target, std::size_t count)
{
    z_stream& stream = m_inflater->stream;
    std::size_t done = 0;
    while (done < count) {
        if (m_inflater->ended)
            throw Error(ErrorCode::InvalidInput,
                        QStringLiteral("%1: its deflate stream ends after %2 bytes, but its "
                                       "directory entry says %3 (the sizes lie, or it is damaged)")
                            .arg(m_where)
                            .arg(m_produced + done)
                            .arg(m_member.uncompressedSize));
        if (stream.avail_in == 0 && m_consumed < m_member.compressedSize) {
            const auto piece = static_cast<std::size_t>(std::min<std::uint64_t>(
                m_inflater->input.size(), m_member.compressedSize - m_consumed));
            readCompressed(m_inflater->input.data(), piece);
            stream.next_in = m_inflater->input.data();
            stream.avail_in = static_cast<uInt>(piece);
        }
        const auto piece =
            static_cast<uInt>(std::min<std::size_t>(count - done, std::size_t{1} << 30));
        stream.next_out = reinterpret_cast<Bytef*>(target + done);
        stream.avail_out = piece;
        const bool inputLeft = stream.avail_in > 0;
        const int status = ::inflate(&stream, Z_NO_FLUSH);
        done += piece - stream.avail_out;
        if (status == Z_STREAM_END) {
            m_inflater->ended = true;
        } else if (status == Z_BUF_ERROR && !inputLeft) {
            throw Error(ErrorCode::InvalidInput,
                        QStringLiteral("%1: its %2 compressed bytes end before the data does "
                                       "(truncated, or its sizes lie)")
                            .arg(m_where)
                            .arg(m_member.compressedSize));
        } else if (status != Z_OK && status != Z_BUF_ERROR) {
            throw Error(status == Z_MEM_ERROR ? ErrorCode::OutOfMemory : ErrorCode::InvalidInput,
                        QStringLiteral("%1: its deflate data is damaged (%2)")
                            .arg(m_where, stream.msg != nullptr
                                              ? QString::fromLatin1(stream.msg)
                                              : QStringLiteral("zlib error %1").arg(status)));
        }
    }
}

void ZipMemberStream::finish()
{
    // The rest of the member (nothing, for an .npy member read whole) goes through the CRC.
    std::vector<char> rest(std::size_t{1} << 16);
    while (m_produced < m_member.uncompressedSize) {
        const auto piece = static_cast<std::size_t>(
            std::min<std::uint64_t>(rest.size(), m_member.uncompressedSize - m_produced));
        read(rest.data(), piece);
    }
    if (m_inflater && !m_inflater->ended) {
        // The data should end exactly here: one more byte of output means the sizes lie.
        char extra = 0;
        z_stream& stream = m_inflater->stream;
        while (!m_inflater->ended) {
            if (stream.avail_in == 0 && m_consumed < m_member.compressedSize) {
                const auto piece = static_cast<std::size_t>(std::min<std::uint64_t>(
                    m_inflater->input.size(), m_member.compressedSize - m_consumed));
                readCompressed(m_inflater->input.data(), piece);
                stream.next_in = m_inflater->input.data();
                stream.avail_in = static_cast<uInt>(piece);
            }
            stream.next_out = reinterpret_cast<Bytef*>(&extra);
            stream.avail_out = 1;
            const bool inputLeft = stream.avail_in > 0;
            const int status = ::inflate(&stream, Z_NO_FLUSH);
            if (status == Z_STREAM_END && stream.avail_out == 1) {
                m_inflater->ended = true;
            } else if (stream.avail_out == 0) {
                throw Error(ErrorCode::InvalidInput,
                            QStringLiteral("%1: it holds more than the %2 bytes its directory "
                                           "entry says (the sizes lie)")
                                .arg(m_where)
                                .arg(m_member.uncompressedSize));
            } else if (status != Z_OK || !inputLeft) {
                throw Error(ErrorCode::InvalidInput,
                            QStringLiteral("%1: its deflate data does not end where its "
                                           "directory entry says (truncated or damaged)")
                                .arg(m_where));
            }
        }
    }
    if (m_inflater && (m_inflater->stream.avail_in != 0 || m_consumed != m_member.compressedSize))
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: its deflate data ends before its %2 compressed bytes do "
                                   "(the sizes lie)")
                        .arg(m_where)
                        .arg(m_member.compressedSize));
    if (m_checksum && m_crc != m_member.crc32)
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: CRC-32 mismatch (the archive says %2, the data gives %3): "
                                   "the member is damaged")
                        .arg(m_where)
                        .arg(m_member.crc32, 8, 16, QLatin1Char('0'))
                        .arg(m_crc, 8, 16, QLatin1Char('0')));
}

} // namespace sparsity::core::npy
