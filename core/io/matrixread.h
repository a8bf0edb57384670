#pragma once

// Datasets read as the matrices masks are computed on (docs/SPEC.md "Layout" and "View"):
// the one path every reader's tensors take to the mask engine, the export, the sweep and the
// GUI. Any thread; the reader's own rules apply to it.

#include "tensor/matrixmapping.h"
#include "tensorreader.h"

#include <QString>

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

// Reads datasetPath (TensorReader::readTensor) and maps it; throws what readTensor throws.
MatrixRead readMatrix(const TensorReader& reader, const QString& datasetPath,
                      TensorOrientation orientation, bool fileHasKerasMarkers,
                      const ExecutionContext& context);

} // namespace sparsity::core
