#include "maskdiff.h"

#include "parallel/parallelfor.h"

#include <QCoreApplication>
#include <algorithm>
#include <vector>

namespace sparsity::ui {
namespace {

// Elements per slice: large enough that the per-slice overhead vanishes, small enough that a
// cancellation is seen within a few milliseconds.
constexpr std::int64_t sliceLength = std::int64_t{1} << 20;

struct Counts
{
    std::int64_t a = 0;
    std::int64_t b = 0;
    std::int64_t both = 0;
};

Counts countSlice(const std::uint8_t* a, const std::uint8_t* b, std::int64_t n)
{
    // 32-bit counters (a slice is far below 2^32 elements) keep the loop vectorizable.
    std::uint32_t ka = 0, kb = 0, kboth = 0;
    for (std::int64_t i = 0; i < n; ++i) {
        const std::uint32_t x = a[i] != 0;
        const std::uint32_t y = b[i] != 0;
        ka += x;
        kb += y;
        kboth += x & y;
    }
    return Counts{ka, kb, kboth};
}

} // namespace

double MaskDiff::keptIoU() const
{
    const std::int64_t keptUnion = both + aOnly + bOnly;
    return keptUnion > 0 ? static_cast<double>(both) / static_cast<double>(keptUnion) : 1.0;
}

MaskDiff::Containment MaskDiff::containment() const
{
    if (aOnly == 0 && bOnly == 0)
        return Containment::Equal;
    if (bOnly == 0)
        return Containment::AInB;
    if (aOnly == 0)
        return Containment::BInA;
    return Containment::Neither;
}

QString MaskDiff::containmentText() const
{
    switch (containment()) {
    case Containment::Equal:
        return QCoreApplication::translate("MaskDiff", "pruned(A) = pruned(B): the same mask");
    case Containment::AInB:
        return QCoreApplication::translate(
            "MaskDiff", "pruned(A) ⊂ pruned(B): B prunes all A prunes, and more");
    case Containment::BInA:
        return QCoreApplication::translate(
            "MaskDiff", "pruned(A) ⊃ pruned(B): A prunes all B prunes, and more");
    case Containment::Neither:
        break;
    }
    return QCoreApplication::translate(
        "MaskDiff", "neither contains the other: each prunes weights the other keeps");
}

MaskDiff compareMasks(const std::uint8_t* a, const std::uint8_t* b, std::int64_t n,
                      const core::ExecutionContext& context)
{
    const std::int64_t slices = (n + sliceLength - 1) / sliceLength;
    std::vector<Counts> perSlice(static_cast<std::size_t>(slices));
    core::parallelFor(context, 0, slices, 1, [&](std::int64_t first, std::int64_t last) {
        for (std::int64_t s = first; s < last; ++s) {
            context.throwIfCancelled();
            const std::int64_t begin = s * sliceLength;
            const std::int64_t length = std::min(sliceLength, n - begin);
            perSlice[static_cast<std::size_t>(s)] = countSlice(a + begin, b + begin, length);
        }
    });
    context.throwIfCancelled();
    Counts total;
    for (const Counts& c : perSlice) {
        total.a += c.a;
        total.b += c.b;
        total.both += c.both;
    }
    MaskDiff diff;
    diff.both = total.both;
    diff.aOnly = total.a - total.both;
    diff.bOnly = total.b - total.both;
    diff.neither = n - total.a - total.b + total.both;
    return diff;
}

} // namespace sparsity::ui
