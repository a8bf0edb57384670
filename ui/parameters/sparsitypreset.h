#pragma once

#include "mask/sparsityparams.h"

#include <QString>
#include <optional>
#include <vector>

namespace sparsity::ui {

// A named block configuration of the parameter panel. A preset sets the block shape and zeros
// per block, and the level only where the pattern fixes it (2:4 prunes every group of four).
// Plain value; any thread.
struct SparsityPreset
{
    QString name;
    core::BlockShape block;
    std::optional<std::int64_t> zerosPerBlock; // nullopt = the whole block
    std::optional<double> level;

    core::SparsityParams applyTo(core::SparsityParams params) const;
    bool matches(const core::SparsityParams& params) const;

    static const std::vector<SparsityPreset>& all();
};

} // namespace sparsity::ui
