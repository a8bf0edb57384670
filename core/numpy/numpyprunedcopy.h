#pragma once

// Internal to core (io/tensorfile.cpp calls it): the pruned copy of a NumPy .npy or .npz file
// (docs/SPEC.md "Files written", "Pruned weights").

#include "io/prunedcopy.h"

#include <QString>
#include <vector>

namespace sparsity::core {

// Writes into `targetPath` (an existing file, the AtomicOutput's temporary) the file at
// `sourcePath` with the pruned elements of `datasets` set to all-zero bytes. A .npy file is
// copied and its elements rewritten in place (header, dtype, byte order and Fortran order as
// they were). A .npz archive is written member by member in the source's order: members that
// hold no pruned dataset are copied byte for byte (local header, data and any data
// descriptor); a pruned member gets the same name, method (stored stays stored, deflated is
// deflated again), time, flags and extra fields with its new CRC-32 and sizes; the central
// directory and end records follow with the new offsets and the archive comment. Throws
// Error; the caller removes the target on failure.
void writeNumpyPrunedCopy(const QString& sourcePath, const QString& targetPath,
                          const std::vector<QString>& datasets, const PrunedMaskSource& masks,
                          const ExecutionContext& context);

} // namespace sparsity::core
