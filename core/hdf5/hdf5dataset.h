#pragma once

// Internal to core/hdf5: one open dataset, described and read. Free of hdf5.h (Hid only).

#include "hdf5handle.h"
#include "io/datasetinfo.h"
#include "parallel/executioncontext.h"
#include "tensor/matrixmapping.h"
#include "tensor/weighttensor.h"

#include <QString>
#include <cstdint>
#include <functional>

namespace sparsity::core {

// The entry of an open dataset: shape, type, and whether it can be masked by the rules of
// io/datasetchecks.h. Throws Error(Io) when HDF5 cannot tell.
DatasetInfo describeHdf5Dataset(Hid dataset, const QString& path, const QString& fileName);

// Whether readHdf5Dataset reads `info` as double (float64, integers wider than 16 bits) rather
// than float.
bool readsAsDouble(const DatasetInfo& info);

// Reads the values of a dataset that passed checkReadable() and checkFitsInMemory(), in slabs
// of rows so that a cancel request stops it between slabs (Error(Cancelled)). Refuses first
// what HDF5 cannot decode (missing filters) or would read out of bounds (damaged chunk
// shapes), and chunks larger than memoryBudget.
WeightTensor readHdf5Dataset(Hid dataset, const DatasetInfo& info, const QString& fileName,
                             std::uint64_t memoryBudget, const ExecutionContext& context);

// The same straight into the matrix order of `mapping` (built for info.shape), in hyperslabs of
// io/matrixread.h's slab size scattered as they come: the values of
// mapping.toMatrix(readHdf5Dataset(...)), without the stored-order tensor.
WeightTensor readHdf5DatasetMatrix(Hid dataset, const DatasetInfo& info, const QString& fileName,
                                   std::uint64_t memoryBudget, const MatrixMapping& mapping,
                                   const ExecutionContext& context);

// The same into `values`, which holds the dataset's element count of double when
// readsAsDouble(info), of float otherwise (the HDF5 reader process reads into shared memory).
void readHdf5DatasetInto(Hid dataset, const DatasetInfo& info, const QString& fileName,
                         std::uint64_t memoryBudget, const ExecutionContext& context, void* values);

// Where readHdf5DatasetSlabs puts the values: slabs of whole rows along the leading axis, in
// order, each `rows` rows from `firstRow`, as float or double (readsAsDouble) in stored order.
struct SlabTarget
{
    // The most bytes of values in one slab (one row at least); a hard limit when `hardLimit`,
    // otherwise rounded up to whole chunk rows.
    std::uint64_t maxSlabBytes = 0;
    bool hardLimit = false;
    // The memory for the next slab, rows * row bytes long.
    std::function<void*(std::uint64_t firstRow, std::uint64_t rows)> buffer;
    // Called when that slab has been read into it (may be empty).
    std::function<void(std::uint64_t firstRow, std::uint64_t rows)> filled;
};

// Reads a dataset as readHdf5DatasetInto does, slab by slab into `target` (the HDF5 reader
// process streams them through a window of shared memory).
void readHdf5DatasetSlabs(Hid dataset, const DatasetInfo& info, const QString& fileName,
                          std::uint64_t memoryBudget, const ExecutionContext& context,
                          const SlabTarget& target);

// The dataset access property list for reading `info` in slabs of at most maxSlabBytes when one
// band of chunk rows does not fit in a slab: a chunk cache that holds that band (up to
// memoryBudget), so that no chunk is decompressed twice. An invalid handle (use H5P_DEFAULT)
// when it is not needed.
Hdf5Handle slabAccessList(Hid dataset, const DatasetInfo& info, std::uint64_t maxSlabBytes,
                          std::uint64_t memoryBudget);

} // namespace sparsity::core
