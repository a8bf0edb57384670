// libFuzzer target: the HDF5 reading path on fuzzed file images. The bytes are opened in
// memory (Hdf5Reader::openImage) and go through what the CLI and the GUI do with a file: the
// listing with its reasons, describe() of every entry, the typed read of every dataset that
// can be masked, and a mask of each small one. An Error is an expected answer to a damaged
// file; a crash, a sanitizer report, a leak or an HDF5 identifier left open is a bug.
#include "error.h"
#include "hdf5/hdf5reader.h"
#include "readerchecks.h"

#include <QByteArray>
#include <cstddef>
#include <cstdint>
#include <hdf5.h>

using namespace sparsity::core;
using sparsity::fuzz::checkListedEntry;
using sparsity::fuzz::readAndMask;
using sparsity::fuzz::readLimitBytes;

namespace {

void exercise(const QByteArray& image)
{
    const auto reader = Hdf5Reader::openImage(image, QStringLiteral("fuzz.h5"));
    reader->setMemoryLimit(readLimitBytes);
    const std::vector<DatasetInfo> tree = reader->listTree();
    for (const DatasetInfo& info : tree) {
        checkListedEntry(info);
        try {
            const DatasetInfo described = reader->describe(info.path);
            FUZZ_CHECK(described.kind == NodeKind::Dataset);
            if (described.canSparsifyWhenNamed())
                readAndMask(*reader, described);
        } catch (const Error&) {
            // A group, a broken link or a damaged dataset: the answer is an Error.
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/)
{
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const QByteArray image =
        QByteArray::fromRawData(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    try {
        exercise(image);
    } catch (const Error&) {
        // Not an HDF5 file, or damaged beyond listing.
    }
    // The reader closed everything it opened, whatever happened.
    FUZZ_CHECK(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL) == 0);
    return 0;
}
