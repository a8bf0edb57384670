// sparsity-hdf5-reader: the process that reads HDF5 files for sparsity-cli and
// sparsity-explorer (core/readerchild), so that a damaged or crafted file crashes it, not them.
#include "readerchild/readerchildmain.h"

int main(int argc, char* argv[])
{
    return sparsity::core::readerchild::runReaderProcess(argc, argv);
}
