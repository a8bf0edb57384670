#pragma once

#include "mask/blockgrid.h"
#include "mask/maskstats.h"
#include "mask/sparsityparams.h"
#include "tensor/weighttensor.h"

#include <QCoreApplication>
#include <QString>
#include <QStringList>
#include <cstdint>
#include <vector>

namespace sparsity::ui {

// The nine steps of the Learn dock, in order.
enum class LearnStepKind
{
    Weights,       // 1. the weights
    ElementNorms,  // 2. f(w)
    BlockGrid,     // 3. the blocks, partial ones marked
    BlockMeans,    // 4. each block's mean of f
    Ranking,       // 5. blocks ordered by mean
    PrunedCount,   // 6. k = round_half_even(level x N), limited to N - 1
    PrunedBlocks,  // 7. the k smallest blocks
    ZerosInBlocks, // 8. which elements zeros per block removes inside a pruned block
    FinalMask,     // 9. the mask and what it keeps
};

// What a cell means in a step; the widget picks the colours, the model only says what it is.
enum class LearnTone
{
    Signed,    // a weight: shade in [-1, 1], the sign matters
    Magnitude, // f, a block mean: shade in [0, 1]
    BlockEven, // the block grid: alternating tints so neighbouring blocks differ
    BlockOdd,
    Rank,         // shade in [0, 1]: 0 = rank 1 (pruned first)
    ToPrune,      // a block among the first k of the order
    Pruned,       // in a pruned block
    Kept,         // in a kept block (or kept in the final mask)
    Zeroed,       // removed by the mask
    KeptInPruned, // in a pruned block, but zeros per block leaves it
    NotFinite,    // NaN or infinite
};

struct LearnCell
{
    QString text; // the cell's number
    QString note; // small second line (a rank inside the block, a removed weight)
    LearnTone tone = LearnTone::Magnitude;
    double shade = 0.0;
    bool faded = false;             // context, not the step's number: drawn lighter, may be covered
    bool noteIsFormerValue = false; // the note is a value that is gone (a removed weight)
};

// A label drawn over a whole block (its number, mean, rank).
struct LearnBadge
{
    QString text;            // one or two lines
    QString shortText;       // for blocks too small for text (1x1 blocks at 16 x 16)
    bool emphasised = false; // pruned or about to be
    bool hatched = false;    // a partial block, in the block grid step
};

struct LearnStep
{
    LearnStepKind kind = LearnStepKind::Weights;
    QString title;
    QString sentence;                // one plain sentence for a student
    QStringList details;             // the step's arithmetic with this matrix's numbers
    std::vector<LearnCell> cells;    // row-major, rows x cols
    std::vector<LearnBadge> badges;  // one per block, or none
    std::vector<QString> blockNotes; // one per block, or none: shown when the block is clicked
    bool showBlocks = true;          // draw the block grid
};

// Every number of the nine steps for one small matrix and one set of parameters, computed by
// the core exactly as the tool computes masks (docs/SPEC.md "Block norms", "The mask",
// "Order, ties, NaN and infinity", "Numbers that describe a mask"): f and block means from
// computeBlockNorms, the order from BlockRanking, k from prunedBlockCount, pruned blocks,
// mask and statistics from computeMask. Only the explanations (sums written out, positions
// inside a block) are formed here, and the tests check them against the core's results. A
// plain value without widgets, so the numbers are tested without pixels; any thread.
struct LearnWalkthrough
{
    Q_DECLARE_TR_FUNCTIONS(LearnWalkthrough)

public:
    // Why k is what it is (docs/SPEC.md "The mask", steps 1 to 3).
    enum class Case
    {
        Ranked,          // k = round_half_even(level x N), maybe limited to N - 1
        LevelZero,       // level <= 0: nothing pruned
        NoZeros,         // zeros per block 0: nothing pruned
        PruneAll,        // level >= 1 and zeros per block the whole block: everything zero
        AllBlocksPartly, // level >= 1, zeros per block smaller: every block loses some
    };

    // Throws core::Error(InvalidParameter) for invalid params.
    static LearnWalkthrough build(const core::WeightTensor& matrix,
                                  const core::SparsityParams& params, const QString& origin = {});

    core::SparsityParams params;
    core::BlockGrid grid;
    std::int64_t rows = 0;
    std::int64_t cols = 0;
    std::vector<double> weights;             // widened to double (exact)
    std::vector<double> f;                   // f(w) per element, in the matrix's precision, widened
    std::vector<double> blockMeans;          // per block: computeBlockNorms
    std::vector<std::int64_t> blockElements; // valid elements per block
    std::vector<std::uint8_t> partial;       // per block: cut by the matrix edge
    std::vector<std::int64_t> order;         // blocks in rank order (BlockRanking::blockAtRank)
    std::vector<std::int64_t> rankOf;        // per block, 0 = pruned first
    std::vector<std::uint8_t> tiedWithNext;  // per rank: same order key as the next rank
    Case reason = Case::Ranked;
    double product = 0.0;                   // level x N, in double as Python forms it
    double rounded = 0.0;                   // round_half_even(product)
    bool clamped = false;                   // rounded reached N and was limited to N - 1
    std::int64_t k = 0;                     // blocks pruned
    std::vector<std::uint8_t> prunedBlocks; // per block, from computeMask's threshold
    // Per element: its place inside its block by f (0 = smallest, ties to the lower
    // position, NaN last): the reason zeros per block removes it or not.
    std::vector<std::int64_t> placeInBlock;
    std::vector<std::uint8_t> mask; // computeMask, 1 = keep
    core::MaskStats stats;          // computeMask
    std::vector<LearnStep> steps;   // the nine steps, in LearnStepKind order

    const LearnStep& step(LearnStepKind kind) const { return steps[std::size_t(kind)]; }
    static constexpr int stepCount = 9;
};

// How numbers are written in the Learn dock: cells with 3 significant digits, block means with
// 4, "nan", "inf", "-inf" for the others, a real minus sign.
QString learnNumber(double value, int digits = 3);

} // namespace sparsity::ui
