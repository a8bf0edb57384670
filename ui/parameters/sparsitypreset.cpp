#include "sparsitypreset.h"

#include <QCoreApplication>

namespace sparsity::ui {

QString SparsityPreset::displayName() const
{
    return QCoreApplication::translate("SparsityPreset", name);
}

QString SparsityPreset::toolTip() const
{
    return QCoreApplication::translate("SparsityPreset", description);
}

core::SparsityParams SparsityPreset::applyTo(core::SparsityParams params) const
{
    params.level = level;
    params.block = block;
    params.zerosPerBlock = zerosPerBlock;
    if (norm)
        params.norm = *norm;
    return params;
}

bool SparsityPreset::matches(const core::SparsityParams& params) const
{
    return params.block == block &&
           params.effectiveZerosPerBlock() == zerosPerBlock.value_or(block.elementCount()) &&
           params.level == level && (!norm || params.norm == *norm);
}

const std::vector<SparsityPreset>& SparsityPreset::all()
{
    // Levels: 50 % is PyTorch's default sparsity_level; 2:4 is defined at 100 % (every group
    // of four loses two).
    static const std::vector<SparsityPreset> presets{
        {QT_TRANSLATE_NOOP("SparsityPreset", "PyTorch defaults"),
         QT_TRANSLATE_NOOP("SparsityPreset",
                           "WeightNormSparsifier() with no arguments: sparsity_level=0.5, "
                           "sparse_block_shape=(1, 4), zeros_per_block=4 (the whole block), "
                           "norm=2 (L2)."),
         0.5,
         {1, 4},
         std::nullopt,
         core::Norm::L2},
        {QT_TRANSLATE_NOOP("SparsityPreset", "Unstructured (1x1)"),
         QT_TRANSLATE_NOOP("SparsityPreset", "Single weights at 50 %: the smallest half is "
                                             "pruned."),
         0.5,
         {1, 1},
         std::nullopt,
         std::nullopt},
        {QT_TRANSLATE_NOOP("SparsityPreset", "2:4 (NVIDIA sparse tensor cores)"),
         QT_TRANSLATE_NOOP("SparsityPreset",
                           "1x4 blocks, 2 zeros per block, level 100 %: every group of four "
                           "weights in a row keeps its two largest."),
         1.0,
         {1, 4},
         2,
         std::nullopt},
        {QT_TRANSLATE_NOOP("SparsityPreset", "1x4"),
         QT_TRANSLATE_NOOP("SparsityPreset", "Whole 1x4 blocks at 50 %."),
         0.5,
         {1, 4},
         std::nullopt,
         std::nullopt},
        {QT_TRANSLATE_NOOP("SparsityPreset", "4x1"),
         QT_TRANSLATE_NOOP("SparsityPreset", "Whole 4x1 blocks at 50 %."),
         0.5,
         {4, 1},
         std::nullopt,
         std::nullopt},
        {QT_TRANSLATE_NOOP("SparsityPreset", "4x4"),
         QT_TRANSLATE_NOOP("SparsityPreset", "Whole 4x4 blocks at 50 %."),
         0.5,
         {4, 4},
         std::nullopt,
         std::nullopt},
        {QT_TRANSLATE_NOOP("SparsityPreset", "8x8"),
         QT_TRANSLATE_NOOP("SparsityPreset", "Whole 8x8 blocks at 50 %."),
         0.5,
         {8, 8},
         std::nullopt,
         std::nullopt},
        {QT_TRANSLATE_NOOP("SparsityPreset", "16x16"),
         QT_TRANSLATE_NOOP("SparsityPreset", "Whole 16x16 blocks at 50 %."),
         0.5,
         {16, 16},
         std::nullopt,
         std::nullopt},
        {QT_TRANSLATE_NOOP("SparsityPreset", "32x32"),
         QT_TRANSLATE_NOOP("SparsityPreset", "Whole 32x32 blocks at 50 %."),
         0.5,
         {32, 32},
         std::nullopt,
         std::nullopt},
    };
    return presets;
}

} // namespace sparsity::ui
