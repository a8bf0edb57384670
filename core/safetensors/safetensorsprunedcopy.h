#pragma once

// Internal to core (io/tensorfile.cpp calls it): pruned copies of safetensors files
// (docs/SPEC.md "Files written", "Pruned weights").

#include "io/prunedcopy.h"

#include <QString>
#include <utility>
#include <vector>

namespace sparsity::core {

// Writes into `targetPath` (an existing file, the AtomicOutput's temporary) a byte copy of the
// single safetensors file `sourcePath` whose tensors in `datasets` ("/" + tensor name) have their
// pruned elements set to all-zero bytes: the header and every other byte stay as they were.
// Throws Error; the caller removes the target on failure.
void writeSafetensorsPrunedCopy(const QString& sourcePath, const QString& targetPath,
                                const std::vector<QString>& datasets, const PrunedMaskSource& masks,
                                const ExecutionContext& context);

// The shards of the sharded checkpoint whose index is `indexPath`, each with the dataset paths
// it holds ("/" + tensor name), in shard-name order; shard names are as the index gives them
// (relative to its directory). Throws Error(Io) for an index that cannot be read or parsed.
std::vector<std::pair<QString, std::vector<QString>>> safetensorsShards(const QString& indexPath);

} // namespace sparsity::core
