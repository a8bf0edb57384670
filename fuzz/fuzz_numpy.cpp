// libFuzzer target: the NumPy reading path on fuzzed bytes. Input that starts like a .npy
// array or a ZIP archive is opened in memory (NumpyReader::openImage: the .npy header parser,
// the .npz central directory and local headers, inflating headers) and goes through what the
// CLI and the GUI do with a file: the listing, describe() of every entry, the typed read of
// every dataset that can be masked (deflate, CRC-32, byte orders, Fortran order) and a mask of
// each small one. Any other input is parsed as the text of a .npy header alone, so the
// literal-dict parser is fuzzed without the preamble in the way. An Error is an expected
// answer to a damaged file; a crash, a sanitizer report or a leak is a bug.
#include "error.h"
#include "fuzzcheck.h"
#include "mask/sparsifier.h"
#include "numpy/npyheader.h"
#include "numpy/numpyreader.h"

#include <QByteArray>
#include <cstddef>
#include <cstdint>

using namespace sparsity::core;

namespace {

// What a fuzzed file may make the reader allocate for one dataset (as fuzz_hdf5).
constexpr std::uint64_t readLimitBytes = std::uint64_t{16} << 20;
constexpr std::int64_t maskElementLimit = std::int64_t{1} << 14;

void checkInfo(const DatasetInfo& info)
{
    FUZZ_CHECK(info.path.startsWith(QLatin1Char('/')));
    FUZZ_CHECK(info.path == normalizeDatasetPath(info.path));
    FUZZ_CHECK(info.sparsifiable == info.reason.isEmpty() || info.kind != NodeKind::Dataset);
    if (info.kind != NodeKind::Dataset)
        FUZZ_CHECK(!info.sparsifiable);
    if (info.sparsifiable)
        FUZZ_CHECK(info.shape.size() >= 2 && info.canSparsifyWhenNamed());
    FUZZ_CHECK(info.elementCount() >= 0);
    FUZZ_CHECK(info.storageBytes >= 0);
    (void)info.shapeText();
}

void readAndMask(const TensorReader& reader, const DatasetInfo& info)
{
    const WeightTensor weights = reader.readTensor(info.path, {});
    FUZZ_CHECK(weights.shape() == info.shape);
    if (weights.elementCount() > maskElementLimit)
        return;
    SparsityParams params;
    params.level = 0.5;
    params.block = {2, 2};
    params.zerosPerBlock = 3;
    params.norm = Norm::L1;
    const MaskResult result = computeMask(weights, params, {});
    FUZZ_CHECK(result.mask.size() == static_cast<std::size_t>(weights.elementCount()));
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
