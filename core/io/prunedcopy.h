#pragma once

// The format-neutral pieces of writing pruned weights (docs/SPEC.md "Files written", "Pruned
// weights"): how a format's writer asks for each tensor's mask, zeroes pruned elements in the
// tensor's own bytes, and copies a file. Any thread; one call per file at a time.

#include "mask/maskbytes.h"
#include "parallel/executioncontext.h"

#include <QString>
#include <cstdint>
#include <functional>
#include <vector>

namespace sparsity::core {

// The mask of one dataset ("/a/b"), row-major in the dataset's shape, 1 = keep. A format's
// writer calls it once for each dataset it was asked to prune, in the order the file is
// written, so that the caller holds one tensor and its mask at a time.
using PrunedMaskSource = std::function<MaskBytes(const QString& datasetPath)>;

// Sets every element of `data` (`count` elements of `elementSize` bytes, row-major in the mask's
// order) whose mask byte is 0 to all-zero bytes, which is +0.0 in every IEEE floating format
// (either byte order), 0 for integers and false for bools; kept elements are not touched.
void zeroPrunedElements(char* data, std::int64_t count, int elementSize, const std::uint8_t* mask,
                        const ExecutionContext& context);

// The same for data stored in column-major (Fortran) order: the mask stays row-major in
// `shape`, as every mask is.
void zeroPrunedElementsFortran(char* data, const std::vector<std::int64_t>& shape, int elementSize,
                               const std::uint8_t* mask);

// Throws Error(InvalidInput) "<file>: dataset '<path>': the mask has N elements, the dataset M"
// when a mask does not fit its tensor (a mask source that broke its contract).
void checkMaskSize(const QString& fileName, const QString& datasetPath, std::uint64_t maskElements,
                   std::uint64_t datasetElements);

// Copies the whole file `from` onto the existing file `to` (truncated first), in the kernel
// where it can (copy_file_range), checking for cancellation between pieces. Throws Error(Io)
// naming the file that failed.
void copyFileContents(const QString& from, const QString& to, const ExecutionContext& context);

// For formats that store a tensor's elements contiguously (.npy, safetensors): reads the
// elements of `shape` at byte `offset` of `file`, zeroes the pruned ones (row-major, or
// column-major when fortranOrder) and writes them back in place. Throws Error(Io) naming the
// file, Error(Cancelled) when asked to stop.
void pruneRegionInPlace(const QString& file, std::int64_t offset,
                        const std::vector<std::int64_t>& shape, int elementSize, bool fortranOrder,
                        const MaskBytes& mask, const QString& datasetPath,
                        const ExecutionContext& context);

} // namespace sparsity::core
