#include "isolatedhdf5prunedcopy.h"

#include "error.h"
#include "io/datasetchecks.h"
#include "isolatedhdf5reader.h"
#include "readerprocess.h"

#include <QFile>
#include <QFileInfo>
#include <algorithm>

namespace sparsity::core {

using namespace readerchild;

namespace {

// Memory the process may add beyond a dataset's mask and three times its bytes (a chunk as
// large as the dataset read, decoded and encoded again, or the whole dataset read through
// HDF5's filters): HDF5's chunk cache and slack, and per thread its stack and malloc arena.
constexpr std::uint64_t rewriteSlack = 256 * mib;
constexpr std::uint64_t threadSlack = 96 * mib;
// How much the copy may grow: every rewritten chunk stored anew at the end of the file, four
// times its raw bytes at worst (deflate and a checksum on chunks of a few bytes), plus slack
// for HDF5's own structures.
constexpr std::uint64_t growthFactor = 4;
constexpr std::uint64_t growthSlack = 64 * mib;

// Time to rewrite one dataset: a read's base, then reading and writing its bytes at a slow
// disk's speed.
std::chrono::milliseconds rewriteTime(const DatasetInfo& info)
{
    const auto bytes = static_cast<std::uint64_t>(info.storageBytes);
    return limited(std::chrono::duration_cast<std::chrono::milliseconds>(
        readBaseTime + std::chrono::seconds(2 * bytes / slowReadBytesPerSecond)));
}

// The bytes of each piece a mask is sent in.
std::uint64_t maskPieceSize()
{
#ifdef SPARSITY_READER_TEST_HOOKS
    // tests/core/tst_writerprocess: small pieces, so that small masks take many.
    bool ok = false;
    const qulonglong testBytes =
        qEnvironmentVariable("SPARSITY_READER_TEST_MASK_PIECE_BYTES").toULongLong(&ok);
    if (ok && testBytes > 0 && testBytes < maskPieceBytes)
        return testBytes;
#endif
    return maskPieceBytes;
}

} // namespace

void writeIsolatedHdf5PrunedCopy(const IsolatedHdf5Reader& source, const QString& targetPath,
                                 const std::vector<QString>& datasets,
                                 const PrunedMaskSource& masks, const ExecutionContext& context)
{
    const QString& file = source.path();
    // The limits come from the datasets as the reader process described them.
    std::vector<DatasetInfo> infos;
    std::uint64_t storage = 0;
    std::uint64_t largest = 0;
    std::chrono::milliseconds totalTime{0};
    for (const QString& path : datasets) {
        infos.push_back(source.describe(path));
        const auto bytes =
            static_cast<std::uint64_t>(std::max<std::int64_t>(0, infos.back().storageBytes));
        const auto elements =
            static_cast<std::uint64_t>(std::max<std::int64_t>(0, infos.back().elementCount()));
        storage += bytes;
        largest = std::max(largest, elements + 3 * bytes);
        totalTime += rewriteTime(infos.back());
    }
    // The process starts (exec, libraries, HDF5's start) on another core while the file is
    // copied onto the temporary, which exists already: its Landlock rule is on that file.
    const int threads = std::max(1, context.threadCount());
    const auto copyBytes = static_cast<std::uint64_t>(QFileInfo(file).size());
    const std::uint64_t fileSizeLimit = copyBytes + growthFactor * storage + growthSlack;
    const std::uint64_t allowance =
        largest + static_cast<std::uint64_t>(threads) * threadSlack + rewriteSlack;
    auto process = startReaderProcess(
        file,
        {QByteArrayLiteral("--write"), QFile::encodeName(QFileInfo(targetPath).absoluteFilePath()),
         QByteArrayLiteral("--file-size-limit"), QByteArray::number(fileSizeLimit),
         QByteArrayLiteral("--threads"), QByteArray::number(threads)});
    copyFileContents(file, targetPath, context);
    context.throwIfCancelled();

    Encoder encoder;
    encoder.string(file);
    encoder.u32(static_cast<std::uint32_t>(datasets.size()));
    for (const QString& path : datasets)
        encoder.string(path);
    // The datasets' checks have the time of an open; each dataset then has its own time from
    // when its mask was sent, and the whole rewrite's sets the process's processor time (on
    // each of its threads).
    Exchange request{MessageType::Rewrite,
                     encoder.payload(),
                     -1,
                     QStringLiteral("checking the datasets of the pruned copy"),
                     limited(openTime),
                     allowance,
                     &context,
                     threads,
                     limited(openTime) + totalTime};
    Frame reply = exchange(process, file, request);
    std::size_t next = 0;
    while (reply.type == MessageType::MaskWanted) {
        Decoder decoder(reply.payload);
        const auto path = decoder.string();
        if (!path || !decoder.finished() || next >= datasets.size() || *path != datasets[next])
            throwInvalid(process, file, request);
        // The process waits for the mask without a deadline: computing it here is not its time.
        const MaskBytes mask = masks(datasets[next]);
        context.throwIfCancelled();
        request.action =
            QStringLiteral("rewriting dataset %1 in the pruned copy").arg(quoted(datasets[next]));
        request.time = rewriteTime(infos[next]);
        Encoder header;
        header.u64(mask.size());
        sendWithin(process, file, request, MessageType::Mask, header.payload());
        // Eight elements a byte, each piece a whole number of bytes.
        const std::uint64_t pieceBytes = maskPieceSize();
        const std::uint64_t packedBytes = (mask.size() + 7) / 8;
        QByteArray piece;
        for (std::uint64_t offset = 0; offset < packedBytes; offset += pieceBytes) {
            const std::uint64_t bytes = std::min(pieceBytes, packedBytes - offset);
            const std::uint64_t first = offset * 8;
            piece.resize(static_cast<qsizetype>(bytes));
            packMaskBits(mask.data() + first,
                         std::min<std::uint64_t>(bytes * 8, mask.size() - first), piece.data());
            sendWithin(process, file, request, MessageType::MaskPiece, piece);
        }
        ++next;
        reply = receiveReply(process, file, request, Clock::now() + request.time);
    }
    if (reply.type != MessageType::Done || !reply.payload.isEmpty() || next != datasets.size())
        throwInvalid(process, file, request);
}

} // namespace sparsity::core
