#pragma once

// Internal to core/hdf5: one open dataset, described and read. Free of hdf5.h (Hid only).

#include "hdf5handle.h"
#include "io/datasetinfo.h"
#include "parallel/executioncontext.h"
#include "tensor/matrixmapping.h"
#include "tensor/weighttensor.h"

#include <QString>
#include <cstdint>

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

} // namespace sparsity::core
