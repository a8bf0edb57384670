#include "matrixread.h"

namespace sparsity::core {

MatrixMapping mappingFor(const std::vector<std::int64_t>& shape, TensorOrientation orientation,
                         bool fileHasKerasMarkers)
{
    return MatrixMapping(shape, resolveLayout(orientation.layout, fileHasKerasMarkers),
                         orientation.view);
}

MatrixRead readMatrix(const TensorReader& reader, const QString& datasetPath,
                      TensorOrientation orientation, bool fileHasKerasMarkers,
                      const ExecutionContext& context)
{
    WeightTensor stored = reader.readTensor(datasetPath, context);
    MatrixMapping mapping = mappingFor(stored.shape(), orientation, fileHasKerasMarkers);
    // The stored tensor is freed as soon as the matrix exists (when they differ).
    WeightTensor matrix = mapping.toMatrix(std::move(stored), context);
    return MatrixRead{std::move(mapping), std::move(matrix)};
}

} // namespace sparsity::core
