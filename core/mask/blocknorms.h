#pragma once

#include "blockgrid.h"
#include "parallel/executioncontext.h"
#include "sparsityparams.h"
#include "tensor/weighttensor.h"

#include <variant>
#include <vector>

namespace sparsity::core {

// The norm of every block of one tensor for one block shape and norm (docs/SPEC.md "Block norms"),
// in the tensor's precision, numbered row-major. A level or zeros-per-block change reuses it;
// only a new block shape or norm needs a new one. Immutable value; any thread may read it.
struct BlockNorms
{
    BlockGrid grid;
    Norm norm = Norm::L2;
    // Empty for 1x1 blocks: there a block's norm is f of its one weight, read from the weights
    // when needed, so the norms of a layer never double its memory.
    std::variant<LargeVector<float>, LargeVector<double>> values;

    std::int64_t blockCount() const { return grid.blockCount(); }
    bool isElementwise() const { return grid.block.elementCount() == 1; }
};

// Mean of f over the valid elements of each block, summed in the tensor's precision in the
// order PyTorch's avg_pool2d sums (row by row, left to right), so the values equal PyTorch's
// bit for bit. Throws Error(Cancelled) if asked to stop.
BlockNorms computeBlockNorms(const WeightTensor& weights, BlockShape block, Norm norm,
                             const ExecutionContext& context);

// The norms of one block row (grid.gridCols() values) into out, computed exactly as
// computeBlockNorms computes them, for passes that recompute norms instead of keeping them.
// Defined for T = float and T = double.
template <typename T>
void blockRowNorms(const T* weights, const BlockGrid& grid, Norm norm, std::int64_t blockRow,
                   T* out);

// The norm of one block, computed from the weights exactly as computeBlockNorms computes it
// (for sampling norms that are not stored). Defined for T = float and T = double.
template <typename T>
T computeBlockNorm(const T* weights, const BlockGrid& grid, Norm norm, std::int64_t block);

// The norm of one block, widened to double; weights must be the tensor the norms came from.
double blockNormAt(const BlockNorms& norms, const WeightTensor& weights, std::int64_t block);

} // namespace sparsity::core
