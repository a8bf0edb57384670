#pragma once

#include "tensor/largebuffer.h"

#include <cstdint>

namespace sparsity::core {

// An element mask, row-major in the tensor's shape: 1 = keep, 0 = pruned.
using MaskBytes = LargeVector<std::uint8_t>;

} // namespace sparsity::core
