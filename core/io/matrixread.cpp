#include "matrixread.h"

#include "datasetchecks.h"

#include <algorithm>
#include <atomic>

namespace sparsity::core {

namespace {

constexpr std::size_t defaultSlabBytes = std::size_t{4} << 20;
std::atomic<std::size_t> slabBytesForTesting{0};

// Whether the element count of `shape` fits in an int64 (MatrixMapping multiplies the extents).
bool countable(const std::vector<std::int64_t>& shape)
{
    std::int64_t count = 1;
    for (const std::int64_t extent : shape)
        if (extent < 0 || __builtin_mul_overflow(count, extent, &count))
            return false;
    return true;
}

} // namespace

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
    // The shape first, to know whether the order changes. A dataset that cannot be read, or
    // whose size cannot even be counted, is left to readTensor, which refuses it with the
    // reader's own words.
    const DatasetInfo info = reader.describe(datasetPath);
    if (!datasetProblem(info, namedMinimumRank).isEmpty() || !countable(info.shape)) {
        WeightTensor stored = reader.readTensor(datasetPath, context);
        MatrixMapping mapping = mappingFor(stored.shape(), orientation, fileHasKerasMarkers);
        WeightTensor matrix = mapping.toMatrix(std::move(stored), context);
        return MatrixRead{std::move(mapping), std::move(matrix)};
    }
    MatrixMapping mapping = mappingFor(info.shape, orientation, fileHasKerasMarkers);
    // The stored order kept: the values are the matrix's as read, reshaped without a copy.
    WeightTensor matrix = mapping.keepsStoredOrder()
                              ? mapping.toMatrix(reader.readTensor(datasetPath, context), context)
                              : reader.readMatrixOrder(datasetPath, mapping, context);
    return MatrixRead{std::move(mapping), std::move(matrix)};
}

std::size_t matrixSlabBytes()
{
    const std::size_t forced = slabBytesForTesting.load(std::memory_order_relaxed);
    return forced != 0 ? forced : defaultSlabBytes;
}

void setMatrixSlabBytesForTesting(std::size_t bytes)
{
    slabBytesForTesting.store(bytes, std::memory_order_relaxed);
}

std::int64_t matrixSlabElements(const MatrixMapping& mapping, std::size_t valueBytes,
                                StoredOrder order)
{
    const auto fit = static_cast<std::int64_t>(
        std::max<std::size_t>(1, matrixSlabBytes() / std::max<std::size_t>(1, valueBytes)));
    const std::int64_t row = mapping.leadingRowElements(order);
    return row > 0 && row <= fit ? fit / row * row : fit;
}

} // namespace sparsity::core
