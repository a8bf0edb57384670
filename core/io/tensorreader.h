#pragma once

#include "datasetinfo.h"
#include "fileidentity.h"
#include "parallel/executioncontext.h"
#include "tensor/matrixmapping.h"
#include "tensor/weighttensor.h"

#include <QString>
#include <cstdint>
#include <vector>

namespace sparsity::core {

// A weight file opened read-only, whatever its format (io/tensorfile.h opens one); the mask
// engine, the export, the CLI and the GUI see files only through it. Use a reader from one
// thread at a time; every error is an Error whose message names the file and, where one is
// involved, the dataset.
class TensorReader
{
public:
    virtual ~TensorReader() = default;
    TensorReader(const TensorReader&) = delete;
    TensorReader& operator=(const TensorReader&) = delete;

    // The file as named in messages.
    virtual QString path() const = 0;
    // The file as it was when opened (all zero for files that cannot change, such as images in
    // memory). Every later call first checks that the path still names that file unchanged and
    // throws Error(Io) otherwise.
    virtual FileIdentity identity() const = 0;
    // The most bytes readTensor may allocate for one dataset's values; 0, the default, means
    // the memory available at the time of the read. Lower it to bound what an untrusted file
    // can make the reader allocate.
    virtual void setMemoryLimit(std::uint64_t bytes) = 0;

    // Every group, dataset and link of the file, depth first in name order, each with its
    // shape, type and, when it cannot be masked, why (io/datasetchecks.h). The root group
    // itself is not listed.
    virtual std::vector<DatasetInfo> listTree() const = 0;
    // The entry for one dataset path ("a/b" or "/a/b"); throws Error(InvalidInput) when the
    // path does not exist or is not a dataset.
    virtual DatasetInfo describe(const QString& datasetPath) const = 0;
    // Reads a dataset that passes checkReadable() into the precision that holds every value:
    // double for float64 and integers wider than 16 bits, float otherwise. Refuses, before
    // allocating, data that would not fit in memory; stops with Error(Cancelled) when the
    // context asks.
    virtual WeightTensor readTensor(const QString& datasetPath,
                                    const ExecutionContext& context) const = 0;
    // Reads a dataset as readTensor does, straight into the matrix order of `mapping` (built
    // for this dataset's shape; io/matrixread.h readMatrix builds it): the values of
    // mapping.toMatrix(readTensor(...)), bit for bit. Readers that can override it to read in
    // slabs and scatter each (MatrixMapping::scatterSlab), so that the stored-order tensor is
    // never held whole beside the matrix; this default reads the tensor, then maps it.
    // Throws what readTensor throws, and std::invalid_argument for a mapping of another shape.
    virtual WeightTensor readMatrixOrder(const QString& datasetPath, const MatrixMapping& mapping,
                                         const ExecutionContext& context) const
    {
        return mapping.toMatrix(readTensor(datasetPath, context), context);
    }
    // Whether the root group or its /model_weights group carries a `keras_version` or
    // `layer_names` attribute, which Keras writes: the `auto` layout of docs/SPEC.md "Layout"
    // is then `keras`. Formats without attributes have none.
    virtual bool hasKerasMarkers() const = 0;

protected:
    TensorReader() = default;
};

} // namespace sparsity::core
