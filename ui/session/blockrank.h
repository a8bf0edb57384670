#pragma once

#include "mask/blocknorms.h"
#include "parallel/executioncontext.h"

#include <cstdint>

namespace sparsity::ui {

// The 0-based rank of `block` in the pruning order of docs/SPEC.md (smaller norm first, ties to
// the lower index, NaN last): the number of blocks pruned before it as the level rises.
// O(blocks) over the immutable norms; call it on a worker. Throws core::Error(Cancelled).
std::int64_t blockRank(const core::BlockNorms& norms, const core::WeightTensor& weights,
                       std::int64_t block, const core::ExecutionContext& context);

} // namespace sparsity::ui
