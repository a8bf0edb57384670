#pragma once

// Internal to core (io/tensorfile.cpp calls it): the pruned copy of an HDF5 file opened through
// the reader process (docs/SPEC.md "How HDF5 files are read", "Pruned weights").

#include "io/prunedcopy.h"

#include <QString>
#include <vector>

namespace sparsity::core {

class IsolatedHdf5Reader;

// What writeHdf5PrunedCopy (hdf5/hdf5prunedcopy.h) does, with libhdf5 kept out of this
// process: the file is copied here, byte for byte, onto `targetPath` (an existing file, the
// AtomicOutput's temporary), then a reader process started in writer mode, which may write
// that one file and no other, up to a size limit, rewrites the datasets in it on as many
// threads as `context` has. It asks for each dataset's mask in turn; `masks` computes it here
// (through `source`'s own reader process) and it goes to the process over the socket. The
// process's memory, processor time and time are limited as a read's are, scaled to each
// dataset's bytes; a crash, a limit or a hang is an Error naming the file and the dataset being
// rewritten, and cancelling kills the process. Throws Error; the caller removes the target.
void writeIsolatedHdf5PrunedCopy(const IsolatedHdf5Reader& source, const QString& targetPath,
                                 const std::vector<QString>& datasets,
                                 const PrunedMaskSource& masks, const ExecutionContext& context);

} // namespace sparsity::core
