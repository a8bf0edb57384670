#include "blocknorms.h"

#include "orderkey.h"
#include "parallel/parallelfor.h"

#include <array>
#include <span>

namespace sparsity::core {
namespace {

// Every kernel below adds one block's elements in PyTorch's order: row by row, left to right,
// one rounding per addition. Speed comes only from working on several blocks at once (SIMD
// lanes or independent scalar chains), never from reassociating one block's sum.

// Blocks one column wide: block q of a row is element q; the loop vectorizes directly.
template <Norm N, typename T> void addRowWidth1(const T* row, std::int64_t cols, T* sums)
{
    for (std::int64_t q = 0; q < cols; ++q)
        sums[q] += detail::elementNorm<N>(row[q]);
}

// Narrow blocks of compile-time width: the inner loop unrolls and the compiler vectorizes
// across blocks with interleaved loads.
template <Norm N, int BW, typename T>
void addRowFixedWidth(const T* row, std::int64_t fullBlocks, T* sums)
{
    for (std::int64_t q = 0; q < fullBlocks; ++q) {
        T s = sums[q];
        for (int c = 0; c < BW; ++c)
            s += detail::elementNorm<N>(row[q * BW + c]);
        sums[q] = s;
    }
}

// Wide blocks: eight independent chains, one per block, so the adds overlap in the pipeline.
template <Norm N, typename T>
void addRowWide(const T* row, std::int64_t bw, std::int64_t fullBlocks, T* sums)
{
    constexpr int lanes = 8;
    std::int64_t q = 0;
    for (; q + lanes <= fullBlocks; q += lanes) {
        std::array<T, lanes> s;
        for (int g = 0; g < lanes; ++g)
            s[g] = sums[q + g];
        const T* base = row + q * bw;
        for (std::int64_t c = 0; c < bw; ++c)
            for (int g = 0; g < lanes; ++g)
                s[g] += detail::elementNorm<N>(base[g * bw + c]);
        for (int g = 0; g < lanes; ++g)
            sums[q + g] = s[g];
    }
    for (; q < fullBlocks; ++q) {
        T s = sums[q];
        for (std::int64_t c = 0; c < bw; ++c)
            s += detail::elementNorm<N>(row[q * bw + c]);
        sums[q] = s;
    }
}

template <Norm N, typename T>
void normsOfBlockRow(const T* weights, const BlockGrid& grid, std::int64_t blockRow, T* sums)
{
    const std::int64_t cols = grid.matrixCols;
    const std::int64_t bw = grid.block.cols;
    const std::int64_t gridCols = grid.gridCols();
    const std::int64_t fullBlocks = cols / bw;
    const std::int64_t rowCount = grid.validRows(blockRow);
    std::fill(sums, sums + gridCols, T(0));
    for (std::int64_t r = blockRow * grid.block.rows, end = r + rowCount; r < end; ++r) {
        const T* row = weights + r * cols;
        switch (bw) {
        case 1:
            addRowWidth1<N>(row, cols, sums);
            continue;
        case 2:
            addRowFixedWidth<N, 2>(row, fullBlocks, sums);
            break;
        case 4:
            addRowFixedWidth<N, 4>(row, fullBlocks, sums);
            break;
        case 8:
            addRowFixedWidth<N, 8>(row, fullBlocks, sums);
            break;
        default:
            addRowWide<N>(row, bw, fullBlocks, sums);
        }
        if (fullBlocks < gridCols) { // the partial block on the right edge
            T s = sums[fullBlocks];
            for (std::int64_t c = fullBlocks * bw; c < cols; ++c)
                s += detail::elementNorm<N>(row[c]);
            sums[fullBlocks] = s;
        }
    }
    // avg_pool2d divides by the valid count, converted to the tensor's type.
    const T fullCount = static_cast<T>(rowCount * bw);
    for (std::int64_t q = 0; q < fullBlocks; ++q)
        sums[q] /= fullCount;
    if (fullBlocks < gridCols)
        sums[fullBlocks] /= static_cast<T>(rowCount * (cols - fullBlocks * bw));
}

template <Norm N, typename T>
LargeVector<T> normsOf(std::span<const T> weights, const BlockGrid& grid,
                       const ExecutionContext& context)
{
    const std::int64_t gridCols = grid.gridCols();
    LargeVector<T> norms(static_cast<std::size_t>(grid.blockCount()));
    // Chunks of about 64k weights, so small matrices stay on one thread.
    const std::int64_t weightsPerBlockRow =
        std::max<std::int64_t>(1, grid.block.rows * grid.matrixCols);
    parallelFor(context, 0, grid.gridRows(), std::max<std::int64_t>(1, 65536 / weightsPerBlockRow),
                [&](std::int64_t from, std::int64_t to) {
                    for (std::int64_t br = from; br < to; ++br)
                        normsOfBlockRow<N, T>(weights.data(), grid, br,
                                              norms.data() + br * gridCols);
                });
    return norms;
}

template <typename T>
LargeVector<T> normsOf(std::span<const T> weights, const BlockGrid& grid, Norm norm,
                       const ExecutionContext& context)
{
    return norm == Norm::L1 ? normsOf<Norm::L1, T>(weights, grid, context)
                            : normsOf<Norm::L2, T>(weights, grid, context);
}

} // namespace

BlockNorms computeBlockNorms(const WeightTensor& weights, BlockShape block, Norm norm,
                             const ExecutionContext& context)
{
    BlockNorms result;
    result.grid = BlockGrid{weights.rows(), weights.cols(), block};
    result.norm = norm;
    const bool isFloat = weights.precision() == Precision::Float32;
    if (result.isElementwise()) {
        if (isFloat)
            result.values = LargeVector<float>();
        else
            result.values = LargeVector<double>();
        context.throwIfCancelled();
    } else if (isFloat) {
        result.values = normsOf(weights.values<float>(), result.grid, norm, context);
    } else {
        result.values = normsOf(weights.values<double>(), result.grid, norm, context);
    }
    return result;
}

template <typename T>
void blockRowNorms(const T* weights, const BlockGrid& grid, Norm norm, std::int64_t blockRow,
                   T* out)
{
    if (norm == Norm::L1)
        normsOfBlockRow<Norm::L1>(weights, grid, blockRow, out);
    else
        normsOfBlockRow<Norm::L2>(weights, grid, blockRow, out);
}

template void blockRowNorms<float>(const float*, const BlockGrid&, Norm, std::int64_t, float*);
template void blockRowNorms<double>(const double*, const BlockGrid&, Norm, std::int64_t, double*);

template <Norm N, typename T>
T blockNormOf(const T* weights, const BlockGrid& grid, std::int64_t block)
{
    const std::int64_t br = block / grid.gridCols(), bc = block % grid.gridCols();
    const std::int64_t rows = grid.validRows(br), cols = grid.validCols(bc);
    const T* first = weights + br * grid.block.rows * grid.matrixCols + bc * grid.block.cols;
    T sum = 0;
    for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t c = 0; c < cols; ++c)
            sum += detail::elementNorm<N>(first[r * grid.matrixCols + c]);
    return sum / static_cast<T>(rows * cols);
}

template <typename T>
T computeBlockNorm(const T* weights, const BlockGrid& grid, Norm norm, std::int64_t block)
{
    return norm == Norm::L1 ? blockNormOf<Norm::L1>(weights, grid, block)
                            : blockNormOf<Norm::L2>(weights, grid, block);
}

template float computeBlockNorm<float>(const float*, const BlockGrid&, Norm, std::int64_t);
template double computeBlockNorm<double>(const double*, const BlockGrid&, Norm, std::int64_t);

double blockNormAt(const BlockNorms& norms, const WeightTensor& weights, std::int64_t block)
{
    if (norms.isElementwise()) {
        const double w = weights.valueAt(block / weights.cols(), block % weights.cols());
        if (weights.precision() == Precision::Float32) {
            const float x = static_cast<float>(w);
            return norms.norm == Norm::L1 ? std::fabs(x) : x * x;
        }
        return norms.norm == Norm::L1 ? std::fabs(w) : w * w;
    }
    return std::visit([block](const auto& v) { return static_cast<double>(v[block]); },
                      norms.values);
}

} // namespace sparsity::core
