#pragma once

#include <QString>
#include <cstdint>
#include <optional>

namespace sparsity::core {

// f applied to each weight before averaging: L1 = |x|, L2 = x*x (no square root, as PyTorch).
enum class Norm
{
    L1,
    L2,
};

QString normName(Norm norm); // "l1" / "l2", as stored in mask files
std::optional<Norm> parseNorm(const QString& text);

struct BlockShape
{
    std::int64_t rows = 1;
    std::int64_t cols = 4;

    std::int64_t elementCount() const { return rows * cols; }
    friend bool operator==(const BlockShape&, const BlockShape&) = default;
};

// The parameters of one mask (docs/SPEC.md "Inputs"). A plain value: copy it across threads.
struct SparsityParams
{
    double level = 0.5;
    BlockShape block;
    // Elements zeroed inside each pruned block; nullopt means the whole block (bh*bw).
    std::optional<std::int64_t> zerosPerBlock;
    Norm norm = Norm::L2;

    std::int64_t effectiveZerosPerBlock() const
    {
        return zerosPerBlock.value_or(block.elementCount());
    }

    // Every reason these parameters break docs/SPEC.md, as the first message found; nullopt if
    // valid.
    std::optional<QString> validate() const;
    // Throws Error(InvalidParameter) with validate()'s message.
    void throwIfInvalid() const;

    friend bool operator==(const SparsityParams&, const SparsityParams&) = default;
};

// Parses "RxC" (e.g. "1x4", "8X8"); nullopt for anything else, sizes < 1 included.
std::optional<BlockShape> parseBlockShape(const QString& text);

} // namespace sparsity::core
