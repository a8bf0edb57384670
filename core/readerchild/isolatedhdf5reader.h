#pragma once

#include "io/tensorreader.h"

#include <QString>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <span>

namespace sparsity::core {

namespace readerchild {
class ReaderProcess;
}

// The TensorReader of HDF5 files that openTensorFile() gives: every HDF5 call on the user's
// file runs in a reader process (`sparsity-hdf5-reader`, core/readerchild/readerchildmain.h),
// one per open file, started on open and again after it died. The process runs with limits
// (memory from what the request needs, time and processor time scaled to the bytes to read,
// no file writes) and sends back listings and descriptions over a socket and tensors slab by
// slab through a small window of shared memory, which this process copies from while the
// reader fills the window's other half; every size it is told is checked against what it
// asked for. In a program that asks for it (the GUI), a spare process waits, started, for the
// next file (or the next process after one died), so that opening a file does not wait for a
// program to start. A crash,
// a limit or a hang becomes an Error naming the file and what was being done, and the next
// call starts a new process. Calls are serialized; any thread may create one.
class IsolatedHdf5Reader final : public TensorReader
{
public:
    // Throws Error(Io) as Hdf5Reader::open does, and when the reader process cannot be started.
    static std::unique_ptr<IsolatedHdf5Reader> open(const QString& path);
    ~IsolatedHdf5Reader() override;

    // Starts the spare process in the background when there is none, and from then on a new
    // one whenever a file takes it (io/tensorfile.h prepareToOpenTensorFiles()). Without it
    // (the CLI) every file starts its own process.
    static void startSpare();

    // The reader program: $SPARSITY_HDF5_READER when set (the tests), otherwise
    // sparsity-hdf5-reader in the directory of the running executable (bin/ after install).
    static QString readerProgram();

    QString path() const override { return m_path; }
    FileIdentity identity() const override { return m_identity; }
    void setMemoryLimit(std::uint64_t bytes) override { m_memoryLimit = bytes; }

    std::vector<DatasetInfo> listTree() const override;
    DatasetInfo describe(const QString& datasetPath) const override;
    WeightTensor readTensor(const QString& datasetPath,
                            const ExecutionContext& context) const override;
    // Scatters each slab into matrix order as it arrives (MatrixMapping::scatterSlab).
    WeightTensor readMatrixOrder(const QString& datasetPath, const MatrixMapping& mapping,
                                 const ExecutionContext& context) const override;
    bool hasKerasMarkers() const override;

    // Where readSlabs puts the values: `rows` rows of the leading axis from `firstRow`, as
    // `bytes` of float or double (readsAsDouble(info)) in stored (row-major) order. Slabs come
    // in order and cover the dataset once; `bytes` is valid during the call only.
    using SlabSink = std::function<void(std::uint64_t firstRow, std::uint64_t rows,
                                        std::span<const std::byte> bytes)>;
    // Streams the values of dataset `info` (as describe() gave it) to `sink`; readTensor's sink
    // copies them into the tensor. Checks `info` as readTensor does; throws its Errors. An
    // exception from the sink stops the read (and the process).
    void readSlabs(const DatasetInfo& info, const ExecutionContext& context,
                   const SlabSink& sink) const;

private:
    IsolatedHdf5Reader(QString path, FileIdentity identity);
    void throwIfChanged(const QString& action) const;
    // readTensor (no mapping) and readMatrixOrder: the slabs copied in stored order or
    // scattered into the mapping's matrix order.
    WeightTensor readInto(const QString& datasetPath, const MatrixMapping* mapping,
                          const ExecutionContext& context) const;
    // The running process, started (and the file opened in it) when there is none.
    readerchild::ReaderProcess& process() const;

    QString m_path;
    QString m_absolutePath; // what the process opens and the identity checks look at
    FileIdentity m_identity;
    std::uint64_t m_memoryLimit = 0;
    mutable std::unique_ptr<readerchild::ReaderProcess> m_process;
    // Told by the process when it opens the file.
    mutable bool m_kerasMarkers = false;
    mutable bool m_swmr = false; // a SWMR writer's file may grow: only replacing it is a change
    // Serializes calls as HDF5's global lock did for the in-process reader, so that a caller
    // that shares a reader between threads gets whole requests, never interleaved frames.
    mutable std::recursive_mutex m_mutex;
};

} // namespace sparsity::core
