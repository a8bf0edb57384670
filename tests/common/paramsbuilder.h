#pragma once

// The parameters of one mask in one line, for the tests (and benchmarks) that build many.

#include "mask/sparsityparams.h"

#include <cstdint>
#include <optional>

namespace sparsity::test {

// level, a rows x cols block, `zeros` per pruned block (nullopt: the whole block) and the norm.
// Values are stored as given, unchecked: tests of validate() build invalid ones with it too.
inline core::SparsityParams makeParams(double level, std::int64_t rows, std::int64_t cols,
                                       std::optional<std::int64_t> zeros = std::nullopt,
                                       core::Norm norm = core::Norm::L2)
{
    core::SparsityParams params;
    params.level = level;
    params.block = {rows, cols};
    params.zerosPerBlock = zeros;
    params.norm = norm;
    return params;
}

} // namespace sparsity::test
