// libFuzzer target: the HDF5 reading path on fuzzed file images. The bytes are opened in
// memory (Hdf5Reader::openImage) and go through what the CLI and the GUI do with a file: the
// listing with its reasons, describe() of every entry, the typed read of every dataset that
// can be masked, and a mask of each small one. An Error is an expected answer to a damaged
// file; a crash, a sanitizer report, a leak or an HDF5 identifier left open is a bug.
#include "error.h"
#include "fuzzcheck.h"
#include "hdf5/hdf5reader.h"
#include "mask/sparsifier.h"

#include <QByteArray>
#include <cstddef>
#include <cstdint>
#include <hdf5.h>

using namespace sparsity::core;

namespace {

// What a fuzzed file may make the reader allocate for one dataset: enough for every seed,
// far below libFuzzer's -rss_limit_mb. The product's own limit is the available memory.
constexpr std::uint64_t readLimitBytes = std::uint64_t{16} << 20;
// Masks only on small tensors: the mask code has fuzz_params and its own tests.
constexpr std::int64_t maskElementLimit = std::int64_t{1} << 14;

void checkInfo(const DatasetInfo& info)
{
    FUZZ_CHECK(info.path.startsWith(QLatin1Char('/')));
    FUZZ_CHECK(info.sparsifiable == info.reason.isEmpty() || info.kind != NodeKind::Dataset);
    if (info.kind != NodeKind::Dataset)
        FUZZ_CHECK(!info.sparsifiable);
    if (info.sparsifiable)
        FUZZ_CHECK(info.shape.size() >= 2 && info.canSparsifyWhenNamed());
    FUZZ_CHECK(info.elementCount() >= 0);
    FUZZ_CHECK(info.storageBytes >= 0);
    (void)info.shapeText();
}

void readAndMask(const Hdf5Reader& reader, const DatasetInfo& info)
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
    const auto reader = Hdf5Reader::openImage(image, QStringLiteral("fuzz.h5"));
    reader->setMemoryLimit(readLimitBytes);
    const std::vector<DatasetInfo> tree = reader->listTree();
    for (const DatasetInfo& info : tree) {
        checkInfo(info);
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
