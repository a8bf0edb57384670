#include "prunedcopy.h"

#include "error.h"
#include "parallel/parallelfor.h"

#include <QFile>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sparsity::core {
namespace {

// Bytes copied between cancellation checks.
constexpr std::size_t copyPieceBytes = std::size_t{64} << 20;
// Elements zeroed by one parallel slice; the result does not depend on how they are split.
constexpr std::int64_t zeroChunkElements = std::int64_t{1} << 18;

// Closes a descriptor on every path out.
struct Descriptor
{
    int fd = -1;
    ~Descriptor()
    {
        if (fd >= 0)
            ::close(fd);
    }
};

QString systemError(int error)
{
    return QString::fromLocal8Bit(std::strerror(error));
}

// Every element is rewritten, ANDed with all ones (kept) or zero (pruned): no branch on the
// mask, whose pattern is as good as random, so the loop vectorizes and never mispredicts. The
// store under a branch was a fifth of apply's processor samples on a 4096 x 11008 float32
// layer; this loop is 2 % of them (perf, bench/README "apply ... writer process").
template <typename Bits>
void zeroFixed(char* data, const std::uint8_t* mask, std::int64_t begin, std::int64_t end)
{
    for (std::int64_t i = begin; i < end; ++i) {
        Bits value;
        std::memcpy(&value, data + i * sizeof(Bits), sizeof(Bits));
        value &= static_cast<Bits>(-static_cast<Bits>(mask[i] != 0));
        std::memcpy(data + i * sizeof(Bits), &value, sizeof(Bits));
    }
}

} // namespace

void zeroPrunedElements(char* data, std::int64_t count, int elementSize, const std::uint8_t* mask,
                        const ExecutionContext& context)
{
    parallelFor(context, 0, count, zeroChunkElements, [&](std::int64_t begin, std::int64_t end) {
        switch (elementSize) {
        case 1:
            return zeroFixed<std::uint8_t>(data, mask, begin, end);
        case 2:
            return zeroFixed<std::uint16_t>(data, mask, begin, end);
        case 4:
            return zeroFixed<std::uint32_t>(data, mask, begin, end);
        case 8:
            return zeroFixed<std::uint64_t>(data, mask, begin, end);
        default:
            for (std::int64_t i = begin; i < end; ++i)
                if (mask[i] == 0)
                    std::memset(data + i * elementSize, 0, static_cast<std::size_t>(elementSize));
        }
    });
}

void zeroPrunedElementsFortran(char* data, const std::vector<std::int64_t>& shape, int elementSize,
                               const std::uint8_t* mask)
{
    std::int64_t count = 1;
    for (const std::int64_t extent : shape)
        count *= extent;
    if (count == 0)
        return;
    // Column-major strides in elements; the index walks the mask in row-major order.
    const std::size_t rank = shape.size();
    std::vector<std::int64_t> stride(rank, 1);
    for (std::size_t d = 1; d < rank; ++d)
        stride[d] = stride[d - 1] * shape[d - 1];
    std::vector<std::int64_t> index(rank, 0);
    std::int64_t storage = 0;
    for (std::int64_t i = 0; i < count; ++i) {
        if (mask[i] == 0)
            std::memset(data + storage * elementSize, 0, static_cast<std::size_t>(elementSize));
        for (std::size_t d = rank; d-- > 0;) {
            if (++index[d] < shape[d]) {
                storage += stride[d];
                break;
            }
            storage -= stride[d] * (shape[d] - 1);
            index[d] = 0;
        }
    }
}

void checkMaskSize(const QString& fileName, const QString& datasetPath, std::uint64_t maskElements,
                   std::uint64_t datasetElements)
{
    if (maskElements != datasetElements)
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: dataset '%2': the mask has %3 elements, the dataset %4")
                        .arg(fileName, datasetPath)
                        .arg(maskElements)
                        .arg(datasetElements));
}

void copyFileContents(const QString& from, const QString& to, const ExecutionContext& context)
{
    Descriptor source{::open(QFile::encodeName(from).constData(), O_RDONLY | O_CLOEXEC)};
    if (source.fd < 0)
        throw Error(
            ErrorCode::Io,
            QStringLiteral("%1: cannot open for copying: %2").arg(from, systemError(errno)));
    Descriptor target{::open(QFile::encodeName(to).constData(), O_WRONLY | O_TRUNC | O_CLOEXEC)};
    if (target.fd < 0)
        throw Error(ErrorCode::Io,
                    QStringLiteral("%1: cannot open for writing: %2").arg(to, systemError(errno)));
    struct stat status
    {
    };
    if (::fstat(source.fd, &status) != 0)
        throw Error(ErrorCode::Io, QStringLiteral("%1: %2").arg(from, systemError(errno)));
    const auto size = static_cast<std::uint64_t>(status.st_size);
    std::uint64_t done = 0;
    bool inKernel = true;
    std::vector<char> buffer;
    while (done < size) {
        context.throwIfCancelled();
        const auto piece =
            static_cast<std::size_t>(std::min<std::uint64_t>(size - done, copyPieceBytes));
        if (inKernel) {
            const ssize_t copied =
                ::copy_file_range(source.fd, nullptr, target.fd, nullptr, piece, 0);
            if (copied > 0) {
                done += static_cast<std::uint64_t>(copied);
                continue;
            }
            if (copied == 0)
                break; // the file shrank; checked below
            if (errno == EINTR)
                continue;
            // Another file system, or no kernel support: copy through user space from here on.
            if (errno != EXDEV && errno != ENOSYS && errno != EOPNOTSUPP && errno != EINVAL)
                throw Error(
                    ErrorCode::Io,
                    QStringLiteral("%1: cannot copy to %2: %3").arg(from, to, systemError(errno)));
            inKernel = false;
            buffer.resize(copyPieceBytes);
        }
        const ssize_t got = ::pread(source.fd, buffer.data(), piece, static_cast<off_t>(done));
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            throw Error(ErrorCode::Io,
                        QStringLiteral("%1: cannot read: %2").arg(from, systemError(errno)));
        if (got == 0)
            break;
        std::size_t written = 0;
        while (written < static_cast<std::size_t>(got)) {
            const ssize_t put = ::pwrite(target.fd, buffer.data() + written,
                                         static_cast<std::size_t>(got) - written,
                                         static_cast<off_t>(done + written));
            if (put < 0 && errno == EINTR)
                continue;
            if (put < 0)
                throw Error(ErrorCode::Io,
                            QStringLiteral("%1: cannot write: %2").arg(to, systemError(errno)));
            written += static_cast<std::size_t>(put);
        }
        done += static_cast<std::uint64_t>(got);
    }
    if (done != size)
        throw Error(ErrorCode::Io,
                    QStringLiteral("%1: the file shrank while it was copied").arg(from));
    if (::close(target.fd) != 0) {
        target.fd = -1;
        throw Error(ErrorCode::Io,
                    QStringLiteral("%1: cannot write: %2").arg(to, systemError(errno)));
    }
    target.fd = -1;
}

void pruneRegionInPlace(const QString& file, std::int64_t offset,
                        const std::vector<std::int64_t>& shape, int elementSize, bool fortranOrder,
                        const MaskBytes& mask, const QString& datasetPath,
                        const ExecutionContext& context)
{
    std::uint64_t count = 1;
    for (const std::int64_t extent : shape)
        count *= static_cast<std::uint64_t>(extent);
    checkMaskSize(file, datasetPath, mask.size(), count);
    const std::uint64_t bytes = count * static_cast<std::uint64_t>(elementSize);
    Descriptor fd{::open(QFile::encodeName(file).constData(), O_RDWR | O_CLOEXEC)};
    if (fd.fd < 0)
        throw Error(
            ErrorCode::Io,
            QStringLiteral("%1: cannot open for writing: %2").arg(file, systemError(errno)));
    LargeVector<char> data(static_cast<std::size_t>(bytes));
    const auto transfer = [&](bool write) {
        std::uint64_t done = 0;
        while (done < bytes) {
            context.throwIfCancelled();
            const auto piece =
                static_cast<std::size_t>(std::min<std::uint64_t>(bytes - done, copyPieceBytes));
            const auto at = static_cast<off_t>(static_cast<std::uint64_t>(offset) + done);
            const ssize_t moved = write ? ::pwrite(fd.fd, data.data() + done, piece, at)
                                        : ::pread(fd.fd, data.data() + done, piece, at);
            if (moved < 0 && errno == EINTR)
                continue;
            if (moved <= 0)
                throw Error(ErrorCode::Io,
                            QStringLiteral("%1: dataset '%2': cannot %3: %4")
                                .arg(file, datasetPath,
                                     write ? QStringLiteral("write") : QStringLiteral("read"),
                                     moved < 0 ? systemError(errno)
                                               : QStringLiteral("the file is shorter")));
            done += static_cast<std::uint64_t>(moved);
        }
    };
    transfer(false);
    if (fortranOrder)
        zeroPrunedElementsFortran(data.data(), shape, elementSize, mask.data());
    else
        zeroPrunedElements(data.data(), static_cast<std::int64_t>(count), elementSize, mask.data(),
                           context);
    context.throwIfCancelled();
    transfer(true);
    if (::close(fd.fd) != 0) {
        fd.fd = -1;
        throw Error(ErrorCode::Io,
                    QStringLiteral("%1: cannot write: %2").arg(file, systemError(errno)));
    }
    fd.fd = -1;
}

} // namespace sparsity::core
