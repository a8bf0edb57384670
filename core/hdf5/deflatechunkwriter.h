#pragma once

// Internal to core/hdf5: mask chunks deflated in parallel. Free of hdf5.h.

#include "hdf5handle.h"
#include "parallel/executioncontext.h"

#include <cstdint>
#include <vector>

namespace sparsity::core {

// The zlib level of mask files: masks are runs of 0 and 1, which level 1 already packs well.
inline constexpr int maskDeflateLevel = 1;

// The chunk shape of a uint8 mask of `shape`: about 256 KiB, whole trailing dimensions while
// they fit.
std::vector<Hsize> maskChunkShape(const std::vector<std::int64_t>& shape);

// Writes `mask` (row-major, of `shape`) into the chunked, deflate-filtered uint8 dataset
// `dataset`, chunk by chunk: the chunks are gathered and deflated on the context's threads
// and handed to HDF5 (H5Dwrite_chunk) on this thread, the only one calling HDF5. The bytes are
// exactly what HDF5's own deflate filter (zlib compress2) would store, so every reader decodes
// them as usual; a chunk that would not shrink is stored raw with the filter marked skipped,
// as HDF5 does for its optional deflate filter. Chunks go in batches so memory stays at a few
// chunks per thread. False when HDF5 fails (its cause on the error stack); throws
// Error(Cancelled) between batches when the context asks.
bool writeDeflatedChunks(Hid dataset, const std::vector<std::int64_t>& shape,
                         const std::vector<Hsize>& chunk, const std::uint8_t* mask,
                         const ExecutionContext& context);

} // namespace sparsity::core
