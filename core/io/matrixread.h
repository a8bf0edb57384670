#pragma once

// Datasets read as the matrices masks are computed on (docs/SPEC.md "Layout" and "View"):
// the one path every reader's tensors take to the mask engine, the export, the sweep and the
// GUI. Any thread; the reader's own rules apply to it.

#include "tensor/matrixmapping.h"
#include "tensorreader.h"

#include <QString>
#include <cstddef>

namespace sparsity::core {

// The mapping of a dataset of `shape` under the user's choice; auto resolves by the file's
// Keras markers (TensorReader::hasKerasMarkers, asked once per file by the caller).
MatrixMapping mappingFor(const std::vector<std::int64_t>& shape, TensorOrientation orientation,
                         bool fileHasKerasMarkers);

// A dataset read and put in matrix order, with the mapping that brings masks back.
struct MatrixRead
{
    MatrixMapping mapping;
    WeightTensor matrix;
};

// Reads datasetPath in matrix order: by TensorReader::readTensor when the mapping keeps the
// stored order (no copy is needed), else by TensorReader::readMatrixOrder, which readers stream
// so that the stored-order tensor is never held whole beside the matrix. Throws what readTensor
// throws.
MatrixRead readMatrix(const TensorReader& reader, const QString& datasetPath,
                      TensorOrientation orientation, bool fileHasKerasMarkers,
                      const ExecutionContext& context);

// The bytes of stored values a reader's readMatrixOrder holds at a time: 4 MiB, small beside
// any tensor worth streaming (peak memory is the matrix plus about two slabs).
std::size_t matrixSlabBytes();
// Tests only: slabs of `bytes` (at least one value each) so that small files take the
// multi-slab paths; 0 restores the default. Affects every reader of the process.
void setMatrixSlabBytesForTesting(std::size_t bytes);
// How many stored values of valueBytes each make one slab of matrixSlabBytes(): whole rows of
// the leading axis of `order` (MatrixMapping::leadingRowElements) when at least one fits, which
// scatter in one copy step each, else as many values as fit (at least 1).
std::int64_t matrixSlabElements(const MatrixMapping& mapping, std::size_t valueBytes,
                                StoredOrder order = StoredOrder::RowMajor);

} // namespace sparsity::core
