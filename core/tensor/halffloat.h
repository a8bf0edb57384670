#pragma once

#include <cstddef>
#include <cstdint>

namespace sparsity::core {

// Widens IEEE binary16 values (given as their bits) to float exactly: every half is a float.
// Signed zeros, subnormals, infinities and NaN (quiet, payload kept) are preserved. Written
// without branches so the loop vectorizes; far faster than HDF5's bit-by-bit soft conversion,
// which dominated reading float16 checkpoints.
void widenHalves(const std::uint16_t* halves, float* out, std::size_t count);

// The same for one value.
float halfToFloat(std::uint16_t half);

} // namespace sparsity::core
