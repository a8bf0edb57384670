#pragma once

// Internal to core (io/tensorfile.cpp calls it): the pruned copy of an HDF5 file (docs/SPEC.md
// "Files written", "Pruned weights"). Free of hdf5.h.

#include "io/prunedcopy.h"

#include <QString>
#include <vector>

namespace sparsity::core {

// Makes `targetPath` (an existing file, the AtomicOutput's temporary) a byte copy of
// `sourcePath`, then opens the copy for writing and rewrites each dataset of `datasets` in its
// own file type with the pruned elements set to all-zero bytes: chunking, filters, fill value
// and attributes stay as they were, and nothing else in the file is touched. Every dataset is
// checked before any mask is asked for: one whose filter pipeline this HDF5 cannot encode
// (LZF, which is decode-only here; a missing plugin) or whose filters are lossy (scale-offset
// on floats, which would change kept values) is refused with Error(InvalidInput) naming the
// file, the dataset and the filter. Throws Error; the caller removes the target on failure.
void writeHdf5PrunedCopy(const QString& sourcePath, const QString& targetPath,
                         const std::vector<QString>& datasets, const PrunedMaskSource& masks,
                         const ExecutionContext& context);

} // namespace sparsity::core
