#pragma once

// Internal to core/hdf5: walking a file's groups and resolving its links. Free of hdf5.h.

#include "hdf5handle.h"
#include "io/datasetinfo.h"

#include <QString>
#include <vector>

namespace sparsity::core {

// Every group, dataset and link reachable from the group `root`, depth first in name order,
// without visiting a group twice (hard-link cycles); root itself is not listed. Links are
// followed with the link access list `linkAccess` (H5P_DEFAULT follows external links too).
std::vector<DatasetInfo> listHdf5Tree(Hid root, const QString& fileName, Hid linkAccess);

// The entry of the dataset at the normalized `path` of `file`, following links with
// `linkAccess`. Throws Error(InvalidInput) naming the file and the path when it does not
// exist, is a dangling link, or is not a dataset.
DatasetInfo describeHdf5Path(Hid file, const QString& path, const QString& fileName,
                             Hid linkAccess);

} // namespace sparsity::core
