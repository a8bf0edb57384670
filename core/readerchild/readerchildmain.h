#pragma once

// The HDF5 reader process: what `sparsity-hdf5-reader` runs (app/hdf5reader/main.cpp). Started
// by IsolatedHdf5Reader with its socket as descriptor 3, it gives up what it does not need
// (descriptors, the working directory, writing files, running programs), then opens one file
// with the in-process Hdf5Reader and answers the parent's requests until the socket closes.

namespace sparsity::core::readerchild {

// Returns the process's exit code; 2 when it was not started by the parent (run by hand).
int runReaderProcess(int argc, char** argv);

} // namespace sparsity::core::readerchild
