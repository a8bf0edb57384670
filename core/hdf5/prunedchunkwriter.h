#pragma once

// Internal to core/hdf5: a pruned dataset's compressed chunks rewritten on the context's threads
// (docs/SPEC.md "Pruned weights"). Free of hdf5.h.

#include "hdf5handle.h"
#include "parallel/executioncontext.h"

#include <cstdint>

namespace sparsity::core {

enum class ChunkRewrite
{
    Rewritten,   // every chunk holds the pruned data
    NotSupported // nothing this call wrote needs undoing: the caller rewrites through HDF5
};

// Rewrites the chunked dataset `dataset` (open for writing) with the elements whose byte in
// `mask` (row-major over the dataset's shape, one per element) is 0 set to all-zero bytes, when
// its filter pipeline is one deflate, optionally with shuffle and fletcher32, in any order.
// Raw chunks are read (H5Dread_chunk) and written (H5Dwrite_chunk) on this thread, the only one
// calling HDF5; decoding, zeroing and encoding run on the context's threads, chunk by chunk, so
// the bytes stored depend on no thread count. Shuffle and fletcher32 are applied exactly as
// HDF5's filters apply them; deflate writes a zlib stream at the dataset's level as HDF5's
// filter does, but with libdeflate, not zlib: the stream decodes to the same bytes, is not the
// same stream (smaller, in under half the time). Every chunk is stored with all its filters
// applied (filter mask 0); edge chunks keep their padding beyond the dataset's extent; the
// creation properties stay untouched, so any reader decodes the chunks as usual.
//
// NotSupported, without writing anything, for any other pipeline (no deflate, or a filter such
// as LZF, Blosc, szip, n-bit or scale-offset), for chunks never allocated (they read as the
// fill value) and for chunks larger than HDF5 allows; NotSupported after writing some chunks
// when a stored chunk does not decode here (a checksum or size that does not match, a stored
// size far beyond the chunk's): the chunks written hold the pruned data already, so the
// caller's HDF5 rewrite gives the same result and reports any real damage. Throws Error(Io) naming
// `fileName` and `datasetPath` when HDF5 fails, Error(Cancelled) between batches of chunks when the
// context asks.
ChunkRewrite rewritePrunedChunks(Hid dataset, const std::uint8_t* mask, const QString& fileName,
                                 const QString& datasetPath, const ExecutionContext& context);

// The Fletcher-32 checksum HDF5's fletcher32 filter appends to a chunk (little-endian): sums of
// the data read as big-endian 16-bit words (an odd last byte as the high byte of a word), each
// reduced modulo 65535 with 0xffff standing for a nonzero multiple of 65535. Exposed for tests.
std::uint32_t hdf5Fletcher32(const unsigned char* data, std::size_t size);

} // namespace sparsity::core
