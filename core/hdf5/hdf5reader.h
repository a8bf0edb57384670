#pragma once

#include "datasetinfo.h"
#include "parallel/executioncontext.h"
#include "tensor/weighttensor.h"

#include <QByteArray>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace sparsity::core {

// Which file a path named when it was opened: another device or inode means the path was
// replaced, another size or modification time that the file was written. Plain value.
struct FileIdentity
{
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    std::int64_t size = 0;
    std::int64_t modifiedNs = 0;

    friend bool operator==(const FileIdentity&, const FileIdentity&) = default;
};

// How the file at `path` differs from `opened`, as text for a message ("the file was replaced
// after it was opened"); nullopt when it is still the same file, unchanged.
std::optional<QString> fileChangeSince(const QString& path, const FileIdentity& opened);

// An HDF5 file opened read-only (the input is never opened for writing). HDF5 serializes its
// calls behind one global lock, so use a reader from one thread at a time; all errors are
// Error exceptions whose message names the file and, where one is involved, the dataset.
class Hdf5Reader
{
public:
    // Throws Error(Io) for a path that does not exist, is a directory, cannot be read, or is
    // not an HDF5 file (the message says which).
    static std::unique_ptr<Hdf5Reader> open(const QString& path);
    // Opens the bytes of an HDF5 file held in memory (HDF5's core driver: the bytes are copied,
    // nothing is read from or written to disk). name stands for the file in messages and
    // path(). External links are not followed, since an image has no directory to resolve them
    // in: they are listed as links that do not resolve. Throws Error(Io) like open().
    static std::unique_ptr<Hdf5Reader> openImage(const QByteArray& image, const QString& name);
    ~Hdf5Reader();
    Hdf5Reader(const Hdf5Reader&) = delete;
    Hdf5Reader& operator=(const Hdf5Reader&) = delete;

    QString path() const { return m_path; }
    // The file as it was when opened. Every later call first checks that the path still
    // names that file unchanged and throws Error(Io) otherwise: HDF5 would go on reading the
    // old, deleted or half-rewritten file through its open descriptor.
    FileIdentity identity() const;

    // The most bytes readTensor may allocate for one dataset's values; 0, the default, means
    // the memory available at the time of the read. Lower it to bound what an untrusted file
    // can make the reader allocate.
    void setMemoryLimit(std::uint64_t bytes) { m_memoryLimit = bytes; }

    // Every group, dataset and link reachable from "/", depth first in name order, without
    // visiting a group twice (hard-link cycles). The root group itself is not listed.
    std::vector<DatasetInfo> listTree() const;

    // The entry for one dataset path ("a/b" or "/a/b"); throws Error(InvalidInput) when the
    // path does not exist or is not a dataset.
    DatasetInfo describe(const QString& datasetPath) const;

    // Reads a numeric dataset of rank >= 1 into the precision that holds every value: double
    // for float64 and integers wider than 16 bits, float otherwise (HDF5 converts float16 and
    // other byte orders). Refuses, before allocating, data that would not fit in memory.
    // Reads in slabs so a cancel request stops it between slabs (Error(Cancelled)).
    WeightTensor readTensor(const QString& datasetPath, const ExecutionContext& context) const;

private:
    struct Handles;
    Hdf5Reader(QString path, std::unique_ptr<Handles> handles);
    // Throws Error(Io) "<file>: <action>: the file was ..." when the file changed since open().
    void throwIfChanged(const QString& action) const;

    QString m_path;
    std::unique_ptr<Handles> m_handles;
    std::uint64_t m_memoryLimit = 0;
};

// Normalizes a user-supplied dataset path: leading "/" added, repeated and trailing "/" removed.
QString normalizeDatasetPath(const QString& path);

} // namespace sparsity::core
