#include "blockrank.h"

#include "mask/blockthreshold.h"
#include "parallel/parallelfor.h"

#include <atomic>

namespace sparsity::ui {

std::int64_t blockRank(const core::BlockNorms& norms, const core::WeightTensor& weights,
                       std::int64_t block, const core::ExecutionContext& context)
{
    const std::uint64_t key = core::blockKeyAt(norms, weights, block);
    std::atomic<std::int64_t> before{0};
    core::parallelFor(context, 0, norms.blockCount(), std::int64_t{1} << 16,
                      [&](std::int64_t from, std::int64_t to) {
                          std::int64_t count = 0;
                          for (std::int64_t i = from; i < to; ++i) {
                              const std::uint64_t other = core::blockKeyAt(norms, weights, i);
                              count += other < key || (other == key && i < block);
                          }
                          before.fetch_add(count, std::memory_order_relaxed);
                      });
    return before.load();
}

} // namespace sparsity::ui
