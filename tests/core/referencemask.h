#pragma once

// A deliberately plain implementation of docs/SPEC.md "The mask", element by element with full
// sorts, to check the fast engine against on shapes and parameters the goldens do not cover.

#include "mask/sparsityparams.h"
#include "tensor/weighttensor.h"

#include <cstdint>
#include <vector>

namespace sparsity::test {

struct ReferenceMask
{
    std::vector<double> norms; // block norms in the tensor's precision, widened
    std::vector<std::uint8_t> mask;
};

ReferenceMask referenceMask(const core::WeightTensor& weights, const core::SparsityParams& params);

// Weights with structure the engine must get right: normal, heavy tails, exact ties,
// NaN/inf, and signed zeros, drawn from a fixed seed.
core::WeightTensor randomWeights(std::vector<std::int64_t> shape, core::Precision precision,
                                 unsigned seed, bool withTiesAndNonFinite);

} // namespace sparsity::test
