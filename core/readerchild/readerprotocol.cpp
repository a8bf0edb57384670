#include "readerprotocol.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace sparsity::core::readerchild {

namespace {

constexpr std::uint32_t frameMagic = 0x44525053; // "SPRD"

struct Header
{
    std::uint32_t magic = frameMagic;
    std::uint32_t type = 0;
    std::uint64_t length = 0;
};
static_assert(sizeof(Header) == 16);

bool knownType(std::uint32_t type)
{
    const auto first = static_cast<std::uint32_t>(MessageType::Open);
    const auto lastRequest = static_cast<std::uint32_t>(MessageType::MaskPiece);
    const auto firstReply = static_cast<std::uint32_t>(MessageType::Done);
    const auto lastReply = static_cast<std::uint32_t>(MessageType::MaskWanted);
    return (type >= first && type <= lastRequest) || (type >= firstReply && type <= lastReply);
}

// Waits until `socket` is readable; polls in short slices so that a cancel request is seen.
IoResult waitReadable(int socket, std::optional<Clock::time_point> deadline,
                      bool (*cancelled)(const void*), const void* cancelArg)
{
    for (;;) {
        if (cancelled != nullptr && cancelled(cancelArg))
            return IoResult::Cancelled;
        int sliceMs = 100;
        if (deadline) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now())
                    .count();
            if (left <= 0)
                return IoResult::TimedOut;
            sliceMs = static_cast<int>(std::min<long long>(left, sliceMs));
        }
        pollfd descriptor{socket, POLLIN, 0};
        const int ready = poll(&descriptor, 1, sliceMs);
        if (ready > 0)
            return IoResult::Ok; // readable, or hung up: the read that follows tells which
        if (ready < 0 && errno != EINTR)
            return IoResult::Closed;
    }
}

} // namespace

void Encoder::raw(const void* data, std::size_t size)
{
    m_payload.append(static_cast<const char*>(data), static_cast<qsizetype>(size));
}

void Encoder::bytes(const QByteArray& value)
{
    u32(static_cast<std::uint32_t>(value.size()));
    m_payload.append(value);
}

void Encoder::info(const DatasetInfo& info)
{
    string(info.path);
    u8(static_cast<std::uint8_t>(info.kind));
    u32(static_cast<std::uint32_t>(info.shape.size()));
    for (const std::int64_t extent : info.shape)
        i64(extent);
    u8(info.nullDataspace ? 1 : 0);
    u8(static_cast<std::uint8_t>(info.elementClass));
    string(info.typeName);
    i64(info.elementSize);
    i64(info.storageBytes);
    u8(info.sparsifiable ? 1 : 0);
    string(info.reason);
    string(info.linkTarget);
    string(info.decodeProblem);
}

bool Decoder::take(void* out, qsizetype size)
{
    if (m_failed || size > remaining()) {
        m_failed = true;
        return false;
    }
    std::memcpy(out, m_payload.constData() + m_offset, static_cast<std::size_t>(size));
    m_offset += size;
    return true;
}

std::optional<std::uint8_t> Decoder::u8()
{
    std::uint8_t value = 0;
    return take(&value, sizeof value) ? std::optional(value) : std::nullopt;
}

std::optional<std::uint32_t> Decoder::u32()
{
    std::uint32_t value = 0;
    return take(&value, sizeof value) ? std::optional(value) : std::nullopt;
}

std::optional<std::uint64_t> Decoder::u64()
{
    std::uint64_t value = 0;
    return take(&value, sizeof value) ? std::optional(value) : std::nullopt;
}

std::optional<std::int64_t> Decoder::i64()
{
    std::int64_t value = 0;
    return take(&value, sizeof value) ? std::optional(value) : std::nullopt;
}

std::optional<QByteArray> Decoder::bytes()
{
    const auto size = u32();
    if (!size || *size > maxStringBytes || *size > remaining()) {
        m_failed = true;
        return std::nullopt;
    }
    QByteArray value(m_payload.constData() + m_offset, static_cast<qsizetype>(*size));
    m_offset += *size;
    return value;
}

std::optional<QString> Decoder::string()
{
    const auto value = bytes();
    return value ? std::optional(QString::fromUtf8(*value)) : std::nullopt;
}

std::optional<DatasetInfo> Decoder::info()
{
    DatasetInfo info;
    const auto path = string();
    const auto kind = u8();
    const auto rank = u32();
    if (!path || !kind || *kind > static_cast<std::uint8_t>(NodeKind::Other) || !rank ||
        *rank > maxRank) {
        m_failed = true;
        return std::nullopt;
    }
    info.path = *path;
    info.kind = static_cast<NodeKind>(*kind);
    for (std::uint32_t i = 0; i < *rank; ++i) {
        const auto extent = i64();
        if (!extent || *extent < 0) {
            m_failed = true;
            return std::nullopt;
        }
        info.shape.push_back(*extent);
    }
    const auto null = u8();
    const auto elementClass = u8();
    const auto typeName = string();
    const auto elementSize = i64();
    const auto storageBytes = i64();
    const auto sparsifiable = u8();
    const auto reason = string();
    const auto linkTarget = string();
    const auto decodeProblem = string();
    if (!null || *null > 1 || !elementClass ||
        *elementClass > static_cast<std::uint8_t>(ElementClass::Other) || !typeName ||
        !elementSize || *elementSize < 0 || !storageBytes || *storageBytes < 0 || !sparsifiable ||
        *sparsifiable > 1 || !reason || !linkTarget || !decodeProblem) {
        m_failed = true;
        return std::nullopt;
    }
    info.nullDataspace = *null == 1;
    info.elementClass = static_cast<ElementClass>(*elementClass);
    info.typeName = *typeName;
    info.elementSize = *elementSize;
    info.storageBytes = *storageBytes;
    info.sparsifiable = *sparsifiable == 1;
    info.reason = *reason;
    info.linkTarget = *linkTarget;
    info.decodeProblem = *decodeProblem;
    return info;
}

IoResult sendFrame(int socket, MessageType type, const QByteArray& payload, int fd)
{
    Header header;
    header.type = static_cast<std::uint32_t>(type);
    header.length = static_cast<std::uint64_t>(payload.size());
    // Header and payload as two pieces of one message: the payload (up to a 16 MiB piece of a
    // mask) is not copied behind the header first.
    const std::size_t total = sizeof header + static_cast<std::size_t>(payload.size());
    std::size_t sent = 0;
    while (sent < total) {
        iovec parts[2];
        std::size_t count = 0;
        if (sent < sizeof header)
            parts[count++] = {reinterpret_cast<char*>(&header) + sent, sizeof header - sent};
        const std::size_t payloadSent = sent > sizeof header ? sent - sizeof header : 0;
        if (payloadSent < static_cast<std::size_t>(payload.size()))
            parts[count++] = {const_cast<char*>(payload.constData()) + payloadSent,
                              static_cast<std::size_t>(payload.size()) - payloadSent};
        msghdr message{};
        message.msg_iov = parts;
        message.msg_iovlen = count;
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
        // The descriptor goes with the first byte.
        if (fd >= 0 && sent == 0) {
            message.msg_control = control;
            message.msg_controllen = sizeof control;
            cmsghdr* const cmsg = CMSG_FIRSTHDR(&message);
            cmsg->cmsg_level = SOL_SOCKET;
            cmsg->cmsg_type = SCM_RIGHTS;
            cmsg->cmsg_len = CMSG_LEN(sizeof(int));
            std::memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
        }
        const ssize_t n = sendmsg(socket, &message, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return IoResult::Closed;
        }
        sent += static_cast<std::size_t>(n);
    }
    return IoResult::Ok;
}

// Both below load and store eight mask bytes as one 64-bit word, byte k at bits 8k.
static_assert(std::endian::native == std::endian::little);

void packMaskBits(const std::uint8_t* mask, std::uint64_t count, char* packed)
{
    const std::uint64_t whole = count / 8;
    for (std::uint64_t byte = 0; byte < whole; ++byte) {
        // Each byte made 0x01 when nonzero (its low seven bits plus 0x7f reach bit 7), then the
        // multiplication gathers byte k's bit at bit 56 + k; no two of its terms meet, so
        // nothing carries into those bits.
        std::uint64_t eight = 0;
        std::memcpy(&eight, mask + byte * 8, 8);
        const std::uint64_t high = ((eight & 0x7f7f7f7f7f7f7f7fu) + 0x7f7f7f7f7f7f7f7fu) | eight;
        const std::uint64_t ones = (high & 0x8080808080808080u) >> 7;
        packed[byte] = static_cast<char>((ones * 0x0102040810204080u) >> 56);
    }
    if (const std::uint64_t rest = count % 8; rest > 0) {
        unsigned bits = 0;
        for (unsigned bit = 0; bit < rest; ++bit)
            bits |= unsigned(mask[whole * 8 + bit] != 0) << bit;
        packed[whole] = static_cast<char>(bits);
    }
}

void unpackMaskBits(const char* packed, std::uint64_t count, std::uint8_t* mask)
{
    // Each byte's eight bits spread to eight bytes through a table (bit k to byte k).
    static const auto spread = [] {
        std::array<std::uint64_t, 256> table{};
        for (unsigned value = 0; value < 256; ++value)
            for (unsigned bit = 0; bit < 8; ++bit)
                table[value] |= std::uint64_t((value >> bit) & 1u) << (8 * bit);
        return table;
    }();
    const std::uint64_t whole = count / 8;
    for (std::uint64_t byte = 0; byte < whole; ++byte)
        std::memcpy(mask + byte * 8, &spread[static_cast<unsigned char>(packed[byte])], 8);
    for (std::uint64_t element = whole * 8; element < count; ++element)
        mask[element] = static_cast<std::uint8_t>(
            (static_cast<unsigned char>(packed[element / 8]) >> (element % 8)) & 1u);
}

namespace {

IoResult receiveInto(int socket, Frame& frame, std::uint64_t maxBytes,
                     std::optional<Clock::time_point> deadline, bool (*cancelled)(const void*),
                     const void* cancelArg)
{
    Header header;
    std::size_t received = 0;
    while (received < sizeof header) {
        if (const IoResult waited = waitReadable(socket, deadline, cancelled, cancelArg);
            waited != IoResult::Ok)
            return waited;
        iovec part{reinterpret_cast<char*>(&header) + received, sizeof header - received};
        msghdr message{};
        message.msg_iov = &part;
        message.msg_iovlen = 1;
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)] = {};
        message.msg_control = control;
        message.msg_controllen = sizeof control;
        const ssize_t n = recvmsg(socket, &message, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            return IoResult::Closed;
        bool tooManyFds = (message.msg_flags & MSG_CTRUNC) != 0;
        for (cmsghdr* cmsg = CMSG_FIRSTHDR(&message); cmsg != nullptr;
             cmsg = CMSG_NXTHDR(&message, cmsg)) {
            if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
                continue;
            const std::size_t count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (std::size_t i = 0; i < count; ++i) {
                int fd = -1;
                std::memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof fd);
                if (frame.passedFd < 0 && received == 0 && i == 0) {
                    frame.passedFd = fd;
                } else {
                    ::close(fd);
                    tooManyFds = true;
                }
            }
        }
        received += static_cast<std::size_t>(n);
        if (tooManyFds)
            return IoResult::Invalid;
    }
    if (header.magic != frameMagic || !knownType(header.type) || header.length > maxBytes)
        return IoResult::Invalid;
    frame.type = static_cast<MessageType>(header.type);
    frame.payload.resize(static_cast<qsizetype>(header.length));
    std::size_t payloadReceived = 0;
    while (payloadReceived < header.length) {
        if (const IoResult waited = waitReadable(socket, deadline, cancelled, cancelArg);
            waited != IoResult::Ok)
            return waited;
        const ssize_t n = recv(socket, frame.payload.data() + payloadReceived,
                               header.length - payloadReceived, MSG_DONTWAIT);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            return IoResult::Closed;
        payloadReceived += static_cast<std::size_t>(n);
    }
    return IoResult::Ok;
}

} // namespace

IoResult receiveFrame(int socket, Frame& frame, std::uint64_t maxBytes,
                      std::optional<Clock::time_point> deadline, bool (*cancelled)(const void*),
                      const void* cancelArg)
{
    frame = Frame{};
    const IoResult result = receiveInto(socket, frame, maxBytes, deadline, cancelled, cancelArg);
    if (result != IoResult::Ok && frame.passedFd >= 0) {
        ::close(frame.passedFd);
        frame.passedFd = -1;
    }
    return result;
}

} // namespace sparsity::core::readerchild
