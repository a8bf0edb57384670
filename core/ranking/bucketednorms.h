#pragma once

#include "configuration.h"
#include "mask/blockthreshold.h"
#include "parallel/executioncontext.h"
#include "tensor/largebuffer.h"
#include "tensor/weighttensor.h"

#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

namespace sparsity::core {

// The order keys of a tensor's block norms, grouped by their top bits: all that model scope
// needs of a dataset to merge it with the others (ranking/modelscope.h). Answers the questions
// of a sorted list (how many norms sort before a key; the key at a rank) without sorting: a
// query looks only inside the one bucket that can hold its answer. 2 bytes a block for float
// tensors (8 for float64) and two passes over them to build. Immutable once built: any thread
// may read it.
class BucketedNorms
{
public:
    BucketedNorms() = default;
    // Throws Error(InvalidParameter) for an invalid configuration and Error(Cancelled) when
    // asked to stop.
    static BucketedNorms build(const WeightTensor& weights, const Configuration& configuration,
                               const ExecutionContext& context);

    Configuration configuration() const { return m_configuration; }
    std::int64_t blockCount() const { return m_blockCount; }
    // The norm's key at a rank, as a double's key (orderkey.h), and the blocks whose norm sorts
    // strictly before a double's key.
    std::uint64_t doubleKeyAtRank(std::int64_t rank) const;
    std::int64_t countBelow(std::uint64_t doubleKey) const;
    // The threshold that prunes the k lowest blocks, when block numbers do not matter: every
    // block tied with the k-th is pruned too (always so without ties there). Nothing when some
    // tied blocks stay (the lower block numbers go first: only the norms can tell which), or for
    // k outside (0, blockCount).
    std::optional<BlockThreshold> thresholdAt(std::int64_t k) const;

private:
    Configuration m_configuration;
    std::int64_t m_blockCount = 0;
    // The keys, bucket after bucket in bucket order (in no order inside a bucket): of a float
    // key the low 15 bits below its bucket, a double key whole. And where each bucket starts
    // (one more entry for the end).
    std::variant<LargeVector<std::uint16_t>, LargeVector<std::uint64_t>> m_keys;
    std::vector<std::int64_t> m_bucketStart;
};

} // namespace sparsity::core
