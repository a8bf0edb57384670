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
//
// A deflated dataset (with shuffle and fletcher32 or not) has its chunks compressed on the
// context's threads and written raw (hdf5/prunedchunkwriter.h), chunks that decode to what
// HDF5's own filters would store; every other dataset, or with ThroughHdf5 every dataset, is read
// and written whole through HDF5's filter pipeline, one chunk after another on this thread. Tests
// compare the two.
enum class PrunedChunkWriting
{
    Parallel,
    ThroughHdf5
};
void writeHdf5PrunedCopy(const QString& sourcePath, const QString& targetPath,
                         const std::vector<QString>& datasets, const PrunedMaskSource& masks,
                         const ExecutionContext& context, PrunedChunkWriting writing);
inline void writeHdf5PrunedCopy(const QString& sourcePath, const QString& targetPath,
                                const std::vector<QString>& datasets, const PrunedMaskSource& masks,
                                const ExecutionContext& context)
{
    writeHdf5PrunedCopy(sourcePath, targetPath, datasets, masks, context,
                        PrunedChunkWriting::Parallel);
}

// The rewrite alone: `copyPath` is already a byte copy of the file that messages call
// `sourceName`. What the HDF5 reader process runs in its writer mode (readerchild/
// readerchildmain.h), where `masks` asks the program for each mask; writeHdf5PrunedCopy is the
// copy followed by this.
void rewriteHdf5PrunedCopy(const QString& copyPath, const QString& sourceName,
                           const std::vector<QString>& datasets, const PrunedMaskSource& masks,
                           const ExecutionContext& context, PrunedChunkWriting writing);

} // namespace sparsity::core
