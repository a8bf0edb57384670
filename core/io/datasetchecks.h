#pragma once

// The rules a dataset must pass to be read and masked, and their one wording: listing a file
// (DatasetInfo::reason), naming a dataset and reading it all state them through these
// functions, whatever the file format. Any thread: pure functions.

#include "datasetinfo.h"

#include <QString>
#include <cstddef>
#include <cstdint>

namespace sparsity::core {

// No number type is wider (long double, 128-bit integers). A wider element size means a
// damaged file, and a reader that converted it would allocate for one such element first.
inline constexpr std::int64_t maxNumberBytes = 16;
// The least rank a dataset needs to be masked by default, and when a user names it.
inline constexpr int defaultMinimumRank = 2;
inline constexpr int namedMinimumRank = 1;

// A dataset path in messages: "'/a/b'".
QString quoted(const QString& datasetPath);

// Why the dataset `info` cannot be masked at `minimumRank`, as "string data is not numeric",
// "rank 1: needs at least 2 dimensions", ...; empty when it can. Numeric type first, then the
// element size, then whether it can be decoded (DatasetInfo::decodeProblem), then data, rank
// and extents.
QString datasetProblem(const DatasetInfo& info, int minimumRank);

// Sets info.reason and info.sparsifiable from the rules at defaultMinimumRank.
void applyDatasetRules(DatasetInfo& info);

// Throws Error(InvalidInput) "<file>: dataset '<path>' cannot be read: <problem>" when the
// dataset breaks the rules at namedMinimumRank.
void checkReadable(const QString& fileName, const DatasetInfo& info);

// The memory a read may use: limit, or when it is 0 the memory available now.
std::uint64_t memoryBudget(std::uint64_t limit);

// Throws Error(OutOfMemory) before anything is allocated when the values of `info`, held as
// valueBytes each, need more than `budget` bytes (or cannot be addressed).
void checkFitsInMemory(const QString& fileName, const DatasetInfo& info, std::size_t valueBytes,
                       std::uint64_t budget);

} // namespace sparsity::core
