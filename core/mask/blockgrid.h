#pragma once

#include "sparsityparams.h"

#include <algorithm>
#include <cstdint>

namespace sparsity::core {

// The block grid over an H x C matrix (docs/SPEC.md "Block norms"): blocks start at (0, 0), are
// numbered row-major, and those on the bottom and right edges may be partial.
struct BlockGrid
{
    std::int64_t matrixRows = 0;
    std::int64_t matrixCols = 0;
    BlockShape block;

    std::int64_t gridRows() const { return (matrixRows + block.rows - 1) / block.rows; }
    std::int64_t gridCols() const { return (matrixCols + block.cols - 1) / block.cols; }
    std::int64_t blockCount() const { return gridRows() * gridCols(); }

    std::int64_t blockIndexOf(std::int64_t row, std::int64_t col) const
    {
        return (row / block.rows) * gridCols() + col / block.cols;
    }
    // Valid rows / columns of the blocks in block row br / block column bc.
    std::int64_t validRows(std::int64_t br) const
    {
        return std::min(block.rows, matrixRows - br * block.rows);
    }
    std::int64_t validCols(std::int64_t bc) const
    {
        return std::min(block.cols, matrixCols - bc * block.cols);
    }

    friend bool operator==(const BlockGrid&, const BlockGrid&) = default;
};

} // namespace sparsity::core
