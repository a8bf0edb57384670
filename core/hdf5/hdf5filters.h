#pragma once

// Internal to core/hdf5: the filters this program adds to HDF5, and what it knows about the
// filters of a dataset's pipeline. Free of hdf5.h (Hid only).

#include "hdf5handle.h"

#include <QString>

namespace sparsity::core {

// h5py's LZF filter, which h5py writes for compression="lzf".
inline constexpr int lzfFilterId = 32000;

// Registers the filters HDF5 lacks but weight files use: LZF (decode only, on liblzf). Debian's
// hdf5-plugin-lzf cannot stand in, its library lacks lzf_decompress. Call before any read;
// any thread, any number of times: the first call registers, the others return at once.
// Throws Error(Io) when HDF5 refuses the registration.
void registerHdf5Filters();

// Why the data of a dataset cannot be decoded by this HDF5 library, empty when it can: a
// filter of its pipeline that is missing (or cannot decode), named with its id and, when
// known, the Debian package that provides it; or LZF parameters that do not match the chunk
// size. An optional filter counts only when some chunk was written through it.
QString hdf5FilterProblem(Hid dataset, Hsize elementSize);

} // namespace sparsity::core
