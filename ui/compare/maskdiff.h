#pragma once

#include "parallel/executioncontext.h"

#include <QString>
#include <cstdint>

// How two masks of one layer differ: the Compare dock's numbers. Pure functions; any thread.

namespace sparsity::ui {

// Every element of two masks A and B of the same shape falls in one of four categories.
struct MaskDiff
{
    std::int64_t both = 0;    // kept by A and by B
    std::int64_t aOnly = 0;   // kept by A, pruned by B
    std::int64_t bOnly = 0;   // kept by B, pruned by A
    std::int64_t neither = 0; // pruned by both

    std::int64_t elements() const { return both + aOnly + bOnly + neither; }
    // |kept(A) ∩ kept(B)| / |kept(A) ∪ kept(B)|; 1 when both keep nothing (the sets are equal).
    double keptIoU() const;

    // How the pruned sets relate: pruned(A) ⊆ pruned(B) exactly when nothing is kept by B
    // alone (bOnly == 0), and the other way round.
    enum class Containment
    {
        Equal,   // the same elements pruned
        AInB,    // pruned(A) ⊂ pruned(B): B prunes everything A prunes, and more
        BInA,    // pruned(B) ⊂ pruned(A)
        Neither, // each prunes something the other keeps
    };
    Containment containment() const;
    // "pruned(A) ⊆ pruned(B)"-style text of containment().
    QString containmentText() const;

    friend bool operator==(const MaskDiff&, const MaskDiff&) = default;
};

// Counts the categories over n elements of masks a and b (bytes, nonzero = keep), in parallel
// over fixed slices (integer counts: the same for any thread count). Throws core::Error
// (Cancelled) when asked to stop.
MaskDiff compareMasks(const std::uint8_t* a, const std::uint8_t* b, std::int64_t n,
                      const core::ExecutionContext& context);

} // namespace sparsity::ui
