#include "maskbuilder.h"

#include "orderkey.h"
#include "parallel/parallelfor.h"

#include <algorithm>
#include <cstring>
#include <span>

namespace sparsity::core {
namespace {

// Zeroes the zerosPerBlock smallest elements of one pruned block. The keys pack f's order
// key with the in-block position, so a plain partial selection is total and deterministic.
template <Norm N, typename T>
void zeroSmallestInBlock(std::span<const T> weights, const BlockGrid& grid, std::int64_t br,
                         std::int64_t bc, std::int64_t zerosPerBlock, std::uint8_t* mask,
                         std::vector<std::pair<detail::OrderKey<T>, std::int64_t>>& scratch)
{
    const std::int64_t rows = grid.validRows(br);
    const std::int64_t cols = grid.validCols(bc);
    const std::int64_t row0 = br * grid.block.rows;
    const std::int64_t col0 = bc * grid.block.cols;
    const std::int64_t stride = grid.matrixCols;
    if (zerosPerBlock >= rows * cols) {
        for (std::int64_t r = 0; r < rows; ++r)
            std::memset(mask + (row0 + r) * stride + col0, 0, static_cast<std::size_t>(cols));
        return;
    }
    scratch.clear();
    // Positions are numbered in the full block shape, as PyTorch's unfold does; only the
    // relative order matters, and it is the same for partial blocks.
    for (std::int64_t r = 0; r < rows; ++r) {
        const T* row = weights.data() + (row0 + r) * stride + col0;
        for (std::int64_t c = 0; c < cols; ++c)
            scratch.emplace_back(detail::orderKey(detail::elementNorm<N>(row[c])),
                                 r * grid.block.cols + c);
    }
    const auto cut = scratch.begin() + zerosPerBlock;
    std::nth_element(scratch.begin(), cut - 1, scratch.end());
    for (auto it = scratch.begin(); it != cut; ++it) {
        const std::int64_t r = it->second / grid.block.cols;
        const std::int64_t c = it->second % grid.block.cols;
        mask[(row0 + r) * stride + col0 + c] = 0;
    }
}

template <Norm N, typename T>
void buildMaskRows(std::span<const T> weights, const BlockGrid& grid,
                   const BlockSelection& selection, std::int64_t zerosPerBlock,
                   std::uint8_t* mask, std::int64_t fromBlockRow, std::int64_t toBlockRow)
{
    const std::int64_t gridCols = grid.gridCols();
    const std::int64_t stride = grid.matrixCols;
    const bool wholeBlocks = zerosPerBlock >= grid.block.elementCount();
    std::vector<std::pair<detail::OrderKey<T>, std::int64_t>> scratch;
    for (std::int64_t br = fromBlockRow; br < toBlockRow; ++br) {
        const std::uint8_t* pruned = selection.pruned.data() + br * gridCols;
        const std::int64_t row0 = br * grid.block.rows;
        const std::int64_t rows = grid.validRows(br);
        for (std::int64_t r = row0; r < row0 + rows; ++r) {
            std::uint8_t* out = mask + r * stride;
            for (std::int64_t bc = 0; bc < gridCols; ++bc) {
                const std::uint8_t keep = (pruned[bc] && wholeBlocks) ? 0 : 1;
                std::memset(out + bc * grid.block.cols, keep,
                            static_cast<std::size_t>(grid.validCols(bc)));
            }
        }
        if (wholeBlocks || zerosPerBlock == 0)
            continue;
        for (std::int64_t bc = 0; bc < gridCols; ++bc)
            if (pruned[bc])
                zeroSmallestInBlock<N, T>(weights, grid, br, bc, zerosPerBlock, mask, scratch);
    }
}

template <typename T>
void buildMaskTyped(std::span<const T> weights, const BlockGrid& grid, Norm norm,
                    const BlockSelection& selection, std::int64_t zerosPerBlock,
                    std::uint8_t* mask, const ExecutionContext& context)
{
    const std::int64_t weightsPerBlockRow = grid.block.rows * grid.matrixCols;
    const std::int64_t minChunk =
        std::max<std::int64_t>(1, 65536 / std::max<std::int64_t>(1, weightsPerBlockRow));
    parallelFor(context, 0, grid.gridRows(), minChunk, [&](std::int64_t from, std::int64_t to) {
        if (norm == Norm::L1)
            buildMaskRows<Norm::L1, T>(weights, grid, selection, zerosPerBlock, mask, from, to);
        else
            buildMaskRows<Norm::L2, T>(weights, grid, selection, zerosPerBlock, mask, from, to);
    });
}

} // namespace

std::vector<std::uint8_t> buildMask(const WeightTensor& weights, const BlockGrid& grid,
                                    Norm norm, const BlockSelection& selection,
                                    std::int64_t zerosPerBlock, const ExecutionContext& context)
{
    std::vector<std::uint8_t> mask(static_cast<std::size_t>(weights.elementCount()));
    if (weights.precision() == Precision::Float32)
        buildMaskTyped(weights.values<float>(), grid, norm, selection, zerosPerBlock,
                       mask.data(), context);
    else
        buildMaskTyped(weights.values<double>(), grid, norm, selection, zerosPerBlock,
                       mask.data(), context);
    return mask;
}

} // namespace sparsity::core
