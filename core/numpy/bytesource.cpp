#include "bytesource.h"

#include "error.h"

#include <cerrno>
#include <cstring>
#include <unistd.h>
#include <utility>

namespace sparsity::core::npy {

namespace {

[[noreturn]] void throwShort(const QString& name, std::int64_t offset, std::size_t count)
{
    throw Error(ErrorCode::Io, QStringLiteral("%1: cannot read %2 bytes at offset %3: the file "
                                              "ends before them (was it cut short after it was "
                                              "opened?)")
                                   .arg(name)
                                   .arg(count)
                                   .arg(offset));
}

} // namespace

FileByteSource::FileByteSource(int descriptor, std::int64_t size, QString name)
    : m_descriptor(descriptor)
    , m_size(size)
    , m_name(std::move(name))
{}

FileByteSource::~FileByteSource()
{
    ::close(m_descriptor);
}

void FileByteSource::read(std::int64_t offset, void* target, std::size_t count) const
{
    auto* out = static_cast<char*>(target);
    std::size_t done = 0;
    while (done < count) {
        const ssize_t got = ::pread(m_descriptor, out + done, count - done,
                                    static_cast<off_t>(offset + static_cast<std::int64_t>(done)));
        if (got < 0) {
            if (errno == EINTR)
                continue;
            throw Error(ErrorCode::Io, QStringLiteral("%1: cannot read at offset %2: %3")
                                           .arg(m_name)
                                           .arg(offset)
                                           .arg(errnoText(errno)));
        }
        if (got == 0)
            throwShort(m_name, offset, count);
        done += static_cast<std::size_t>(got);
    }
}

MemoryByteSource::MemoryByteSource(QByteArray bytes, QString name)
    : m_bytes(std::move(bytes))
    , m_name(std::move(name))
{}

void MemoryByteSource::read(std::int64_t offset, void* target, std::size_t count) const
{
    if (offset < 0 || offset > m_bytes.size() ||
        count > static_cast<std::size_t>(m_bytes.size() - offset))
        throwShort(m_name, offset, count);
    if (count > 0)
        std::memcpy(target, m_bytes.constData() + offset, count);
}

} // namespace sparsity::core::npy
