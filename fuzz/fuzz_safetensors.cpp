// libFuzzer target: the safetensors header and index checks (core/safetensors) on fuzzed
// bytes, read three ways so that mutations reach the JSON checks without first having to
// keep an 8-byte length consistent:
// 1. the bytes as a whole file (SafetensorsReader::openImage);
// 2. the bytes as the header JSON of a file whose length field and 256-byte data area are
//    made up here;
// 3. the bytes as a sharded checkpoint's index (parseSafetensorsIndex).
// Whatever opens is listed, described, read (limit 16 MiB per tensor) and, when small,
// masked. An Error is an expected answer to a hostile file; a crash, a sanitizer report, a
// leak or a broken invariant is a bug.
#include "error.h"
#include "readerchecks.h"
#include "safetensors/safetensorsheader.h"
#include "safetensors/safetensorsreader.h"

#include <QByteArray>
#include <QDir>
#include <cstddef>
#include <cstdint>

using namespace sparsity::core;
using sparsity::fuzz::checkListedEntry;
using sparsity::fuzz::readAndMask;
using sparsity::fuzz::readLimitBytes;

namespace {

constexpr int syntheticDataBytes = 256;

void checkInfo(const DatasetInfo& info, std::uint64_t fileSize)
{
    checkListedEntry(info);
    // Only tensors are listed, each under a normal path of its own name.
    FUZZ_CHECK(info.kind == NodeKind::Dataset);
    FUZZ_CHECK(info.path.size() > 1);
    FUZZ_CHECK(normalizeDatasetPath(info.path) == info.path);
    // Every tensor's bytes lie inside the file and agree with its shape and dtype.
    FUZZ_CHECK(info.storageBytes >= 0 && static_cast<std::uint64_t>(info.storageBytes) <= fileSize);
    if (info.elementCount() < std::int64_t{1} << 40)
        FUZZ_CHECK(info.storageBytes == info.elementCount() * info.elementSize);
}

void exercise(const QByteArray& image)
{
    const auto reader = SafetensorsReader::openImage(image, QStringLiteral("fuzz.safetensors"));
    reader->setMemoryLimit(readLimitBytes);
    const std::vector<DatasetInfo> list = reader->listTree();
    for (std::size_t i = 0; i < list.size(); ++i) {
        const DatasetInfo& info = list[i];
        checkInfo(info, static_cast<std::uint64_t>(image.size()));
        // Name order, no name twice.
        if (i > 0)
            FUZZ_CHECK(safetensorsNameLess(list[i - 1].path.mid(1), info.path.mid(1)));
        const DatasetInfo described = reader->describe(info.path);
        FUZZ_CHECK(described.path == info.path && described.shape == info.shape);
        try {
            if (described.canSparsifyWhenNamed())
                readAndMask(*reader, described);
        } catch (const Error& error) {
            // Only the memory limit may stop a read of a tensor that passed the checks.
            FUZZ_CHECK(error.code() == ErrorCode::OutOfMemory);
        }
    }
}

void exerciseIndex(const QByteArray& json)
{
    const auto entries = parseSafetensorsIndex(json, QStringLiteral("fuzz.index.json"));
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const QString& shard = entries[i].second;
        FUZZ_CHECK(!shard.isEmpty() && !QDir::isAbsolutePath(shard));
        FUZZ_CHECK(!shard.split(QLatin1Char('/')).contains(QStringLiteral("..")));
        if (i > 0)
            FUZZ_CHECK(safetensorsNameLess(entries[i - 1].first, entries[i].first));
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const QByteArray bytes =
        QByteArray::fromRawData(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    try {
        exercise(bytes);
    } catch (const Error&) {
    }

    QByteArray file(8, '\0');
    for (int i = 0; i < 8; ++i)
        file[i] = static_cast<char>((static_cast<std::uint64_t>(size) >> (8 * i)) & 0xff);
    file += bytes;
    for (int i = 0; i < syntheticDataBytes; ++i)
        file += static_cast<char>(i * 37);
    try {
        exercise(file);
    } catch (const Error&) {
    }

    try {
        exerciseIndex(bytes);
    } catch (const Error&) {
    }
    return 0;
}
