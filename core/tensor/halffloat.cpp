#include "halffloat.h"

#include <bit>

namespace sparsity::core {
namespace {

// Inlined into widenHalves' loop, which then vectorizes.
[[gnu::always_inline]] inline float widen(std::uint16_t half)
{
    const std::uint32_t sign = static_cast<std::uint32_t>(half & 0x8000u) << 16;
    const std::uint32_t exponent = (half >> 10) & 0x1fu;
    const std::uint32_t mantissa = half & 0x3ffu;
    // Normal: rebias the exponent (15 -> 127). Infinity and NaN: the float's all-ones exponent.
    const std::uint32_t normal = sign | ((exponent + 112u) << 23) | (mantissa << 13);
    const std::uint32_t special = sign | 0x7f800000u | (mantissa << 13);
    // Zero and subnormals: mantissa * 2^-24, exact in float (a 10-bit integer times a power of 2).
    const float tiny = static_cast<float>(mantissa) * 5.9604644775390625e-08f;
    const std::uint32_t small = sign | std::bit_cast<std::uint32_t>(tiny);
    const std::uint32_t bits = exponent == 0 ? small : exponent == 0x1fu ? special : normal;
    return std::bit_cast<float>(bits);
}

} // namespace

float halfToFloat(std::uint16_t half)
{
    return widen(half);
}

void widenHalves(const std::uint16_t* halves, float* out, std::size_t count)
{
    for (std::size_t i = 0; i < count; ++i)
        out[i] = widen(halves[i]);
}

} // namespace sparsity::core
