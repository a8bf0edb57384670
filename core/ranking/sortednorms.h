#pragma once

#include "configuration.h"
#include "parallel/executioncontext.h"
#include "tensor/largebuffer.h"
#include "tensor/weighttensor.h"

#include <cstdint>
#include <variant>

namespace sparsity::core {

// The order keys of a tensor's block norms, sorted: all that model scope needs of a dataset to
// merge it with the others (ranking/modelscope.h). A BlockRanking without block numbers or
// sums: 4 bytes a block for float tensors (8 for float64), and a sort of half the bytes.
// Immutable once built: any thread may read it.
class SortedNorms
{
public:
    SortedNorms() = default;

    // Throws Error(InvalidParameter) for an invalid configuration and Error(Cancelled) when
    // asked to stop.
    static SortedNorms build(const WeightTensor& weights, const Configuration& configuration,
                             const ExecutionContext& context);

    Configuration configuration() const { return m_configuration; }
    std::int64_t blockCount() const { return m_blockCount; }
    // The norm's key at a rank, as a double's key (orderkey.h), and the blocks whose norm sorts
    // strictly before a double's key.
    std::uint64_t doubleKeyAtRank(std::int64_t rank) const;
    std::int64_t countBelow(std::uint64_t doubleKey) const;

private:
    Configuration m_configuration;
    std::int64_t m_blockCount = 0;
    std::variant<LargeVector<std::uint32_t>, LargeVector<std::uint64_t>> m_keys;
};

} // namespace sparsity::core
