#include "sparsitypreset.h"

namespace sparsity::ui {

core::SparsityParams SparsityPreset::applyTo(core::SparsityParams params) const
{
    params.block = block;
    params.zerosPerBlock = zerosPerBlock;
    if (level)
        params.level = *level;
    return params;
}

bool SparsityPreset::matches(const core::SparsityParams& params) const
{
    return params.block == block &&
           params.effectiveZerosPerBlock() == zerosPerBlock.value_or(block.elementCount()) &&
           (!level || params.level == *level);
}

const std::vector<SparsityPreset>& SparsityPreset::all()
{
    static const std::vector<SparsityPreset> presets{
        {QStringLiteral("Unstructured (1x1)"), {1, 1}, std::nullopt, std::nullopt},
        {QStringLiteral("2:4 (NVIDIA sparse tensor cores)"), {1, 4}, 2, 1.0},
        {QStringLiteral("1x4"), {1, 4}, std::nullopt, std::nullopt},
        {QStringLiteral("4x1"), {4, 1}, std::nullopt, std::nullopt},
        {QStringLiteral("4x4"), {4, 4}, std::nullopt, std::nullopt},
        {QStringLiteral("8x8"), {8, 8}, std::nullopt, std::nullopt},
        {QStringLiteral("16x16"), {16, 16}, std::nullopt, std::nullopt},
        {QStringLiteral("32x32"), {32, 32}, std::nullopt, std::nullopt},
    };
    return presets;
}

} // namespace sparsity::ui
