#pragma once

// Internal to core/numpy: the ZIP archive of a .npz file (what numpy.savez and
// savez_compressed write: stored or deflated members, ZIP64 records for large ones), read
// through its central directory. The bytes are untrusted: every refusal is an Error naming
// the file, the member and the reason. One thread at a time.

#include "bytesource.h"

#include <QByteArray>
#include <QString>
#include <cstdint>
#include <memory>
#include <vector>

namespace sparsity::core::npy {

struct ZipMember
{
    QString name;            // as stored ("conv/weight.npy"), UTF-8
    int method = 0;          // 0 stored, 8 deflated
    std::uint32_t crc32 = 0; // of the uncompressed bytes
    std::uint64_t compressedSize = 0;
    std::uint64_t uncompressedSize = 0;
    std::uint64_t headerOffset = 0; // of its local header
    std::uint64_t dataOffset = 0;   // of its (compressed) bytes
    QByteArray centralRecord;       // its central directory entry as stored (name, extra, comment)

    bool isDirectory() const { return name.endsWith(QLatin1Char('/')); }
};

// Whether `bytes` start like a ZIP archive (a local header, or the end record of an empty one).
bool hasZipSignature(const char* bytes, std::int64_t size);

// The members of the archive, in directory order. Refuses what is not a single-disk ZIP
// archive, truncated or inconsistent records, encrypted members, methods other than stored
// and deflate, members outside the archive or overlapping one another, and names that are not
// relative paths.
std::vector<ZipMember> readZipDirectory(const ByteSource& source, const QString& fileName);

// What rewriting an archive needs beside its members: where the central directory starts
// (the members' data ends there), whether the archive has ZIP64 end records, and the end
// record's comment.
struct ZipLayout
{
    std::vector<ZipMember> members; // in directory order
    std::uint64_t directoryOffset = 0;
    bool zip64 = false;
    QByteArray comment;
};

// readZipDirectory() with the layout around the members; refuses the same archives.
ZipLayout readZipLayout(const ByteSource& source, const QString& fileName);

// The uncompressed bytes of one member, read in order. Checks at finish() that exactly the
// directory's size came out and, when `checksum`, that its CRC-32 matches. (A plain .npy file
// is read as a stored member without a checksum.) `where` names file and member in messages.
class ZipMemberStream
{
public:
    ZipMemberStream(const ByteSource& source, const ZipMember& member, QString where,
                    bool checksum = true);
    ~ZipMemberStream();
    ZipMemberStream(const ZipMemberStream&) = delete;
    ZipMemberStream& operator=(const ZipMemberStream&) = delete;

    // Copies the next `count` uncompressed bytes to `target`. Throws Error(InvalidInput) when
    // the member holds fewer or its deflate stream is damaged.
    void read(void* target, std::size_t count);
    // Reads whatever is left (for a header check) and checks size and CRC-32.
    void finish();

private:
    struct Inflater;
    void readCompressed(void* target, std::size_t count);
    void inflateInto(char* target, std::size_t count);

    const ByteSource& m_source;
    ZipMember m_member;
    QString m_where;
    std::uint64_t m_produced = 0; // uncompressed bytes handed out
    std::uint64_t m_consumed = 0; // compressed bytes read from the source
    std::uint32_t m_crc = 0;
    bool m_checksum;
    std::unique_ptr<Inflater> m_inflater; // deflated members only
};

} // namespace sparsity::core::npy
