#pragma once

#include "mask/sparsityparams.h"

#include <QString>
#include <cstdint>
#include <optional>
#include <vector>

namespace sparsity::core {

// A configuration (docs/SPEC.md "Configurations and sweeps"): everything of a mask but the
// level. A plain value.
struct Configuration
{
    BlockShape block{1, 4};
    // Elements zeroed inside each pruned block; nullopt means the whole block.
    std::optional<std::int64_t> zerosPerBlock;
    Norm norm = Norm::L2;

    std::int64_t effectiveZerosPerBlock() const
    {
        return zerosPerBlock.value_or(block.elementCount());
    }
    SparsityParams atLevel(double level) const { return {level, block, zerosPerBlock, norm}; }
    static Configuration of(const SparsityParams& params)
    {
        return {params.block, params.zerosPerBlock, params.norm};
    }
    // Same masks at every level: an explicit zeros per block equal to the block's size is the
    // same configuration as none.
    bool sameMasksAs(const Configuration& other) const
    {
        return block == other.block && norm == other.norm &&
               effectiveZerosPerBlock() == other.effectiveZerosPerBlock();
    }
    friend bool operator==(const Configuration&, const Configuration&) = default;
};

// A block shape and zeros per block in one of the written forms: "RxC" (zeros per block R*C),
// "RxC/Z" and "N:M" (keep N of every M consecutive weights: 1xM with M-N zeros per block).
struct BlockSpec
{
    BlockShape block{1, 4};
    std::optional<std::int64_t> zerosPerBlock;
};

// Parses one of the written forms; throws Error(InvalidParameter) naming the text and the
// forms accepted, or with the contract's message when zeros per block does not fit the block.
BlockSpec parseBlockSpec(const QString& text);

// The shortest written form: "N:M" for one row with fewer zeros than columns, "RxC" when the
// whole block is zeroed, "RxC/Z" otherwise. parseBlockSpec(formatBlockSpec(x)) gives x back
// (a zeros per block equal to the block's size comes back as none).
QString formatBlockSpec(BlockShape block, std::optional<std::int64_t> zerosPerBlock);
inline QString formatBlockSpec(const Configuration& configuration)
{
    return formatBlockSpec(configuration.block, configuration.zerosPerBlock);
}

// "2:4 l2"-style label of a configuration, for tables and legends.
QString describeConfiguration(const Configuration& configuration);

// Levels as a list ("0.1,0.5,0.9") or as "start:stop:step", the stop included when it lies
// within 1e-9 of a step. Every level is the double nearest to its decimal value (0:1:0.01 gives
// exactly the double of "0.07", as --level 0.07 would), so a sweep row equals the mask run at
// that level. Throws Error(InvalidParameter) for anything else, a level outside [0, 1] included.
std::vector<double> parseLevels(const QString& text);

// The default sweep: 0:1:0.01, 101 levels.
std::vector<double> defaultSweepLevels();

} // namespace sparsity::core
