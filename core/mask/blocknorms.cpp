#include "blocknorms.h"

#include "orderkey.h"
#include "parallel/parallelfor.h"

#include <span>

namespace sparsity::core {
namespace {

// Sums one block row into sums[0..Q). Each block's additions happen in PyTorch's order: its
// first row left to right, then its next row; the loop over blocks inside a row is what the
// compiler vectorizes, one block per lane, so no block's own order changes.
template <Norm N, typename T>
void sumBlockRow(std::span<const T> weights, const BlockGrid& grid, std::int64_t blockRow,
                 std::span<T> sums)
{
    const std::int64_t cols = grid.matrixCols;
    const std::int64_t bw = grid.block.cols;
    const std::int64_t fullBlocks = cols / bw;
    const std::int64_t firstRow = blockRow * grid.block.rows;
    const std::int64_t rowCount = grid.validRows(blockRow);
    std::fill(sums.begin(), sums.end(), T(0));
    for (std::int64_t r = firstRow; r < firstRow + rowCount; ++r) {
        const T* row = weights.data() + r * cols;
        T* out = sums.data();
        if (bw == 1) {
            for (std::int64_t q = 0; q < cols; ++q)
                out[q] += detail::elementNorm<N>(row[q]);
        } else {
            for (std::int64_t q = 0; q < fullBlocks; ++q) {
                T sum = out[q];
                const T* cell = row + q * bw;
                for (std::int64_t c = 0; c < bw; ++c)
                    sum += detail::elementNorm<N>(cell[c]);
                out[q] = sum;
            }
            if (fullBlocks * bw < cols) {
                T sum = out[fullBlocks];
                for (std::int64_t c = fullBlocks * bw; c < cols; ++c)
                    sum += detail::elementNorm<N>(row[c]);
                out[fullBlocks] = sum;
            }
        }
    }
    for (std::int64_t q = 0; q < static_cast<std::int64_t>(sums.size()); ++q)
        sums[q] /= static_cast<T>(rowCount * grid.validCols(q));
}

template <Norm N, typename T>
std::vector<T> blockNormsOf(std::span<const T> weights, const BlockGrid& grid,
                            const ExecutionContext& context)
{
    const std::int64_t gridCols = grid.gridCols();
    std::vector<T> norms(static_cast<std::size_t>(grid.blockCount()));
    // Aim for chunks of about 64k weights so small matrices stay on one thread.
    const std::int64_t weightsPerBlockRow = grid.block.rows * grid.matrixCols;
    const std::int64_t minChunk = std::max<std::int64_t>(1, 65536 / std::max<std::int64_t>(1, weightsPerBlockRow));
    parallelFor(context, 0, grid.gridRows(), minChunk, [&](std::int64_t from, std::int64_t to) {
        for (std::int64_t br = from; br < to; ++br)
            sumBlockRow<N, T>(weights, grid, br,
                              std::span<T>(norms.data() + br * gridCols, gridCols));
    });
    return norms;
}

template <typename T>
std::vector<T> dispatchNorm(std::span<const T> weights, const BlockGrid& grid, Norm norm,
                            const ExecutionContext& context)
{
    return norm == Norm::L1 ? blockNormsOf<Norm::L1, T>(weights, grid, context)
                            : blockNormsOf<Norm::L2, T>(weights, grid, context);
}

} // namespace

BlockNorms computeBlockNorms(const WeightTensor& weights, BlockShape block, Norm norm,
                             const ExecutionContext& context)
{
    BlockNorms result;
    result.grid = BlockGrid{weights.rows(), weights.cols(), block};
    result.norm = norm;
    if (weights.precision() == Precision::Float32)
        result.values = dispatchNorm(weights.values<float>(), result.grid, norm, context);
    else
        result.values = dispatchNorm(weights.values<double>(), result.grid, norm, context);
    return result;
}

} // namespace sparsity::core
