#pragma once

// Internal to core/ranking: the sweep of 1x1 blocks of float32 weights in two passes over the
// weights, with sums that are exact integers.

#include "mask/maskstats.h"
#include "mask/sparsityparams.h"
#include "parallel/executioncontext.h"
#include "tensor/weighttensor.h"

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace sparsity::core::detail {

// The statistics of 1x1 blocks (one zero per pruned block) of float32 weights, at every pruned
// count k in ks (clamped to [0, elements]); the numbers sweepTensor defines.
//
// The weights are counted and summed by buckets of the top bits of their keys. A bucket's
// weights share an exponent (up to one bit), so |w| and w^2 add up as integers: exactly, and
// the same for any number of threads, with no pass that sums the weights by segment. A second
// pass collects the weights of the buckets that hold thresholds, which are then selected by
// the remaining key bits.
//
// Returns nothing, before the second pass, when with the L2 norm some finite nonzero weight
// has a square outside the normal floats (|w| < 2^-63 or |w| >= 2^64): such squares share no
// exponent with their bucket. The caller then takes the general path.
std::optional<std::vector<MaskStats>> sweepFloatElements(const WeightTensor& weights, Norm norm,
                                                         std::span<const std::int64_t> ks,
                                                         const ExecutionContext& context);

} // namespace sparsity::core::detail
