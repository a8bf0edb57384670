#pragma once

#include "io/tensorreader.h"

#include <QByteArray>
#include <functional>
#include <memory>

namespace sparsity::core {

// The TensorReader of HDF5 files, opened read-only (the input is never opened for writing).
// HDF5 serializes its calls behind one global lock, so use a reader from one thread at a time.
class Hdf5Reader final : public TensorReader
{
public:
    // Throws Error(Io) for a path that does not exist, is a directory, cannot be read, or is
    // not an HDF5 file (the message says which).
    static std::unique_ptr<Hdf5Reader> open(const QString& path);
    // Opens the file at `filePath` and names it `path` in messages and path() (the reader
    // process opens the absolute path of a file the user named relative to another directory).
    static std::unique_ptr<Hdf5Reader> open(const QString& filePath, const QString& path);
    // Opens the bytes of an HDF5 file held in memory (HDF5's core driver: the bytes are copied,
    // nothing is read from or written to disk). name stands for the file in messages and
    // path(). External links are not followed, since an image has no directory to resolve them
    // in: they are listed as links that do not resolve. Throws Error(Io) like open().
    static std::unique_ptr<Hdf5Reader> openImage(const QByteArray& image, const QString& name);
    // Whether bytes, the start of a file or all of it, hold HDF5's format signature: at offset
    // 0, or after a user block of 512, 1024, 2048... bytes.
    static bool hasSignature(const QByteArray& bytes);
    ~Hdf5Reader() override;

    QString path() const override { return m_path; }
    // HDF5 would go on reading an old, deleted or half-rewritten file through its open
    // descriptor: every call checks the identity first (TensorReader::identity()).
    FileIdentity identity() const override;
    void setMemoryLimit(std::uint64_t bytes) override { m_memoryLimit = bytes; }

    // Groups reached twice through hard links are listed once, then as "the same group as".
    std::vector<DatasetInfo> listTree() const override;
    DatasetInfo describe(const QString& datasetPath) const override;
    // HDF5 converts float16 and other byte orders; reads are aligned to chunk rows.
    WeightTensor readTensor(const QString& datasetPath,
                            const ExecutionContext& context) const override;
    // Hyperslabs of whole rows (of chunk rows, for a chunked dataset) read, converted as
    // readTensor converts and scattered into the matrix as they come.
    WeightTensor readMatrixOrder(const QString& datasetPath, const MatrixMapping& mapping,
                                 const ExecutionContext& context) const override;
    bool hasKerasMarkers() const override;
    // Whether the file was opened in SWMR-read mode (an HDF5 SWMR writer has it open): it may
    // grow, and only its replacement counts as a change.
    bool readsSwmr() const;

    // For the HDF5 reader process (core/readerchild): reads the dataset as readTensor does, into
    // `values`, `bytes` long, after checking that it is still what the parent was told: the
    // same shape, read as double exactly when `asDouble`. Throws Error otherwise.
    void readTensorInto(const QString& datasetPath, const std::vector<std::int64_t>& shape,
                        bool asDouble, void* values, std::uint64_t bytes,
                        const ExecutionContext& context) const;
    // The same in slabs of whole rows of at most `maxSlabBytes` (one row at least), in order:
    // `buffer(firstRow, rows)` gives the memory for the next slab, `filled(firstRow, rows)` is
    // called when it has been read (the reader process streams them through shared memory).
    // A band of chunk rows larger than a slab is held in a chunk cache, not decompressed twice.
    void readTensorSlabs(const QString& datasetPath, const std::vector<std::int64_t>& shape,
                         bool asDouble, std::uint64_t maxSlabBytes,
                         const std::function<void*(std::uint64_t, std::uint64_t)>& buffer,
                         const std::function<void(std::uint64_t, std::uint64_t)>& filled,
                         const ExecutionContext& context) const;

private:
    struct Handles;
    // readTensor (no mapping) and readMatrixOrder: the checks, then the read.
    WeightTensor readChecked(const QString& datasetPath, const MatrixMapping* mapping,
                             const ExecutionContext& context) const;
    // describe() and the checks of readTensorInto: the dataset as the parent was told it.
    DatasetInfo describeAsTold(const QString& datasetPath, const std::vector<std::int64_t>& shape,
                               bool asDouble, std::uint64_t budget) const;
    Hdf5Reader(QString path, std::unique_ptr<Handles> handles);
    // Throws Error(Io) "<file>: <action>: the file was ..." when the file changed since open().
    void throwIfChanged(const QString& action) const;

    QString m_path;
    std::unique_ptr<Handles> m_handles;
    std::uint64_t m_memoryLimit = 0;
};

} // namespace sparsity::core
