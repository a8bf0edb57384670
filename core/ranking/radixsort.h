#pragma once

// Internal to core/ranking: the stable radix sort behind BlockRanking.

#include "parallel/executioncontext.h"
#include "tensor/largebuffer.h"

#include <cstdint>
#include <vector>

namespace sparsity::core::detail {

// Sorts keys ascending, stably, and returns in blocks the original position of each sorted key:
// the order (key, position) of docs/SPEC.md. Least significant digit first, 8 bits a pass,
// only as many passes as the largest key has digits, and a pass is skipped when every key has
// the same digit. Each pass splits the keys into parts counted and scattered in parallel; a
// stable sort has one result, so the thread count cannot change it. Keys must fit 32-bit
// positions (the caller checks).
template <typename Key>
void radixSortWithPositions(LargeVector<Key>& keys, LargeVector<std::uint32_t>& blocks,
                            const ExecutionContext& context);

// Sorts keys ascending (their positions are not kept): the same passes on half the bytes.
template <typename Key> void radixSortKeys(LargeVector<Key>& keys, const ExecutionContext& context);

} // namespace sparsity::core::detail
