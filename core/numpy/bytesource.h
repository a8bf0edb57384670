#pragma once

// Internal to core/numpy: the bytes of a file, read by offset, from an open file or from an
// image in memory. One thread at a time.

#include <QByteArray>
#include <QString>
#include <cstddef>
#include <cstdint>

namespace sparsity::core::npy {

class ByteSource
{
public:
    virtual ~ByteSource() = default;
    ByteSource(const ByteSource&) = delete;
    ByteSource& operator=(const ByteSource&) = delete;

    virtual std::int64_t size() const = 0;
    // Copies the `count` bytes at `offset` to `target`. Throws Error(Io) when they are not all
    // there (the file shrank after it was opened) or cannot be read.
    virtual void read(std::int64_t offset, void* target, std::size_t count) const = 0;

protected:
    ByteSource() = default;
};

// A file opened read-only by descriptor: read with pread, not mapped, so that a file cut short
// by another program gives an error rather than SIGBUS.
class FileByteSource final : public ByteSource
{
public:
    // Takes ownership of `descriptor`. `size` is the file's size when it was identified.
    FileByteSource(int descriptor, std::int64_t size, QString name);
    ~FileByteSource() override;

    std::int64_t size() const override { return m_size; }
    void read(std::int64_t offset, void* target, std::size_t count) const override;

private:
    int m_descriptor;
    std::int64_t m_size;
    QString m_name;
};

// An image in memory (the fuzz target's input); the bytes are shared, not copied.
class MemoryByteSource final : public ByteSource
{
public:
    MemoryByteSource(QByteArray bytes, QString name);

    std::int64_t size() const override { return m_bytes.size(); }
    void read(std::int64_t offset, void* target, std::size_t count) const override;

private:
    QByteArray m_bytes;
    QString m_name;
};

} // namespace sparsity::core::npy
