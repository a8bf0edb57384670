#pragma once

// Shared by the fuzz targets of the file readers (HDF5, NumPy, safetensors): what every listed
// entry must satisfy whatever the input, and reading and masking a dataset the reader lists.

#include "fuzzcheck.h"
#include "io/datasetinfo.h"
#include "io/tensorreader.h"
#include "mask/sparsifier.h"

#include <cstdint>

namespace sparsity::fuzz {

// What a fuzzed file may make the reader allocate for one dataset: enough for every seed,
// far below libFuzzer's -rss_limit_mb. The product's own limit is the available memory.
constexpr std::uint64_t readLimitBytes = std::uint64_t{16} << 20;
// Masks only on small tensors: the mask code has fuzz_params and its own tests.
constexpr std::int64_t maskElementLimit = std::int64_t{1} << 14;

// The invariants of any listed entry: a path from the root, a reason exactly when a dataset
// cannot be masked, rank 2 or more when it can, counts that are not negative.
inline void checkListedEntry(const core::DatasetInfo& info)
{
    FUZZ_CHECK(info.path.startsWith(QLatin1Char('/')));
    FUZZ_CHECK(info.sparsifiable == info.reason.isEmpty() || info.kind != core::NodeKind::Dataset);
    if (info.kind != core::NodeKind::Dataset)
        FUZZ_CHECK(!info.sparsifiable);
    if (info.sparsifiable)
        FUZZ_CHECK(info.shape.size() >= 2 && info.canSparsifyWhenNamed());
    FUZZ_CHECK(info.elementCount() >= 0);
    FUZZ_CHECK(info.storageBytes >= 0);
    (void)info.shapeText();
}

// Reads a listed dataset, checks its shape, and masks it when it is small.
inline void readAndMask(const core::TensorReader& reader, const core::DatasetInfo& info)
{
    const core::WeightTensor weights = reader.readTensor(info.path, {});
    FUZZ_CHECK(weights.shape() == info.shape);
    if (weights.elementCount() > maskElementLimit)
        return;
    core::SparsityParams params;
    params.level = 0.5;
    params.block = {2, 2};
    params.zerosPerBlock = 3;
    params.norm = core::Norm::L1;
    const core::MaskResult result = core::computeMask(weights, params, {});
    FUZZ_CHECK(result.mask.size() == static_cast<std::size_t>(weights.elementCount()));
}

} // namespace sparsity::fuzz
