#pragma once

#include "blockgrid.h"
#include "tensor/weighttensor.h"

#include <cstdint>
#include <vector>

namespace sparsity::core {

// For small blocks (at most 8 elements: 1x4, 2x2, 1x8, ...), which elements each block would
// lose if pruned (docs/SPEC.md "The mask", step 4): bit j of a block's byte is element j of the
// block in row-major order, set when it is among the zerosPerBlock smallest f (ties to the
// lower position, NaN last, missing positions of edge blocks never set). Independent of the
// level, so a level change reuses it. Immutable value.
struct ZeroPatterns
{
    BlockGrid grid;
    Norm norm = Norm::L2;
    std::int64_t zerosPerBlock = 0;
    std::vector<std::uint8_t> bits; // one byte per block

    static constexpr std::int64_t maxBlockElements = 8;
    static bool supports(BlockShape block) { return block.elementCount() <= maxBlockElements; }
};

// The pattern bytes of one block row (grid.gridCols() values) into out, computed by the mask
// pass from the block row it has in cache. Defined for T = float and T = double; the block must
// be supported.
template <typename T>
void blockRowZeroPatterns(const T* weights, const BlockGrid& grid, Norm norm, std::int64_t blockRow,
                          std::int64_t zerosPerBlock, std::uint8_t* out);

// The pattern byte of one block (br, bc), as blockRowZeroPatterns computes it.
template <typename T>
std::uint8_t blockZeroPattern(const T* weights, const BlockGrid& grid, Norm norm, std::int64_t br,
                              std::int64_t bc, std::int64_t zerosPerBlock);

} // namespace sparsity::core
