#pragma once

#include "blockselection.h"

#include <cstdint>
#include <vector>

namespace sparsity::core {

// Writes the element mask (SPEC.md "The mask", steps 4 and 5) for a block selection:
// kept blocks are all 1; in a pruned block the zerosPerBlock elements with the smallest f
// (ties by row-major position, NaN last) are 0, all of them when zerosPerBlock covers the
// valid elements. The mask is row-major in the tensor's shape, 1 = keep.
std::vector<std::uint8_t> buildMask(const WeightTensor& weights, const BlockGrid& grid,
                                    Norm norm, const BlockSelection& selection,
                                    std::int64_t zerosPerBlock, const ExecutionContext& context);

} // namespace sparsity::core
