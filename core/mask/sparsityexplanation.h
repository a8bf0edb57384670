#pragma once

#include "blockgrid.h"
#include "maskstats.h"
#include "sparsityparams.h"

#include <QCoreApplication>
#include <QStringList>

namespace sparsity::core {

// Why a mask's achieved sparsity (zeros / weights) is not the level asked for, in plain
// sentences with the layer's own numbers (docs/SPEC.md "Numbers that describe a mask"): the
// rounding of k, the limit k <= N - 1, zeros per block smaller than the block (also at level
// 100 %), partial edge blocks. Built from the parameters, the grid and the statistics alone, so
// the GUI's statistics and any other front end word it the same. The sentences go through
// tr() (context "SparsityExplanation"). Any thread; no state.
class SparsityExplanation
{
    Q_DECLARE_TR_FUNCTIONS(SparsityExplanation)

public:
    // The reasons, in the order the mask is made (level -> blocks -> zeros); empty when the
    // achieved sparsity equals the level (within 1e-12). In model scope the level is the
    // model's and the layer's pruned blocks are its share of one ranking over all layers.
    static QStringList reasons(const SparsityParams& params, const BlockGrid& grid,
                               const MaskStats& stats, bool modelScope = false);
};

} // namespace sparsity::core
