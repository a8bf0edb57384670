#pragma once

#include "mask/sparsityparams.h"

#include <QString>
#include <optional>
#include <vector>

namespace sparsity::ui {

// A named configuration of the parameter panel. A preset sets a whole configuration: level,
// block shape and zeros per block (and the norm where it is part of the definition, as for
// PyTorch's defaults), so that choosing one never inherits a level that only made sense for
// the previous one (2:4's 100 % would prune every 1x4 block). Plain value; any thread.
struct SparsityPreset
{
    const char* name;        // untranslated, QT_TRANSLATE_NOOP("SparsityPreset", ...)
    const char* description; // the item's tooltip, untranslated likewise
    double level;
    core::BlockShape block;
    std::optional<std::int64_t> zerosPerBlock; // nullopt = the whole block
    std::optional<core::Norm> norm;            // nullopt = keep the current norm

    QString displayName() const;
    QString toolTip() const;
    core::SparsityParams applyTo(core::SparsityParams params) const;
    bool matches(const core::SparsityParams& params) const;

    static const std::vector<SparsityPreset>& all();
};

} // namespace sparsity::ui
