// libFuzzer target: the NumPy reading path on fuzzed bytes. Input that starts like a .npy
// array or a ZIP archive is opened in memory (NumpyReader::openImage: the .npy header parser,
// the .npz central directory and local headers, inflating headers) and goes through what the
// CLI and the GUI do with a file: the listing, describe() of every entry, the typed read of
// every dataset that can be masked (deflate, CRC-32, byte orders, Fortran order) and a mask of
// each small one. Any other input is parsed as the text of a .npy header alone, so the
// literal-dict parser is fuzzed without the preamble in the way. An Error is an expected
// answer to a damaged file; a crash, a sanitizer report or a leak is a bug.
#include "error.h"
#include "numpy/npyheader.h"
#include "numpy/numpyreader.h"
#include "readerchecks.h"

#include <QByteArray>
#include <cstddef>
#include <cstdint>

using namespace sparsity::core;
using sparsity::fuzz::checkListedEntry;
using sparsity::fuzz::readAndMask;
using sparsity::fuzz::readLimitBytes;

namespace {

// A NumPy entry's path is also already in the normal form the reader looks paths up in.
void checkInfo(const DatasetInfo& info)
{
    checkListedEntry(info);
    FUZZ_CHECK(info.path == normalizeDatasetPath(info.path));
}

void exercise(const QByteArray& image)
{
    const auto reader = NumpyReader::openImage(image, QStringLiteral("fuzz.npz"));
    reader->setMemoryLimit(readLimitBytes);
    const std::vector<DatasetInfo> tree = reader->listTree();
    QString previous;
    for (const DatasetInfo& info : tree) {
        checkInfo(info);
        FUZZ_CHECK(info.path != previous); // every path listed once
        previous = info.path;
        try {
            const DatasetInfo described = reader->describe(info.path);
            FUZZ_CHECK(described.kind == NodeKind::Dataset && described.path == info.path);
            if (described.canSparsifyWhenNamed())
                readAndMask(*reader, described);
        } catch (const Error&) {
            // A group, a member without an array, or damaged data: the answer is an Error.
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const QByteArray bytes =
        QByteArray::fromRawData(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    try {
        if (NumpyReader::hasSignature(bytes.left(16))) {
            exercise(bytes);
        } else {
            const npy::Header header =
                npy::parseHeaderText(bytes, size % 2 == 0, QStringLiteral("fuzz.npy"));
            FUZZ_CHECK(header.dtype.size >= 0);
            for (const std::int64_t extent : header.shape)
                FUZZ_CHECK(extent >= 0);
        }
    } catch (const Error&) {
        // Not a NumPy file, or damaged: refused with a reason.
    }
    return 0;
}
