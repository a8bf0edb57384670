#pragma once

#include "blocknorms.h"
#include "blockselection.h"
#include "maskstats.h"

#include <optional>

namespace sparsity::core {

// A finished mask and what describes it.
struct MaskResult
{
    std::vector<std::uint8_t> mask; // row-major in the tensor's shape, 1 = keep
    BlockSelection selection;       // empty when the level or zeros made norms unnecessary
    MaskStats stats;
};

// Computes masks for one tensor, keeping the block norms of the last block shape and norm so
// that a new level or zeros-per-block reuses them (SPEC.md "The mask"). Not thread-safe: one
// owner thread at a time; the tensor must outlive it.
class Sparsifier
{
public:
    explicit Sparsifier(const WeightTensor& weights);

    // Throws Error(InvalidParameter) for invalid params and Error(Cancelled) when asked to stop.
    MaskResult compute(const SparsityParams& params, const ExecutionContext& context);

    // The norms for a shape and norm, computed now or reused from the last call.
    const BlockNorms& blockNorms(BlockShape block, Norm norm, const ExecutionContext& context);

private:
    const WeightTensor& m_weights;
    std::optional<BlockNorms> m_norms;
};

// One-shot convenience: validate, norms, selection, mask and statistics.
MaskResult computeMask(const WeightTensor& weights, const SparsityParams& params,
                       const ExecutionContext& context);

} // namespace sparsity::core
