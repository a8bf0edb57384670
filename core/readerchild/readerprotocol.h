#pragma once

// Internal to core/readerchild: the messages between the program and its HDF5 reader process
// (docs/SPEC.md "How HDF5 files are read"). Frames on a Unix stream socket: a fixed header
// (magic, type, payload length), then the payload. Tensors come back through a window of
// shared memory the parent makes and passes once per process (a memfd with SCM_RIGHTS, or a
// System V segment): two buffers that the process fills in turn with slabs of rows, one Slab
// message each, while the parent copies the other into the tensor's own memory and gives it
// back (Release). The parent decodes every reply with Decoder, which checks each length
// against what is left of the frame, and checks every slab against the dataset, so that a
// reply that lies about a size is refused instead of making the parent allocate or read past
// an end.

#include "io/datasetinfo.h"

#include <QByteArray>
#include <QString>
#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace sparsity::core::readerchild {

enum class MessageType : std::uint32_t
{
    // parent -> child
    Open = 1,     // absolute path (native bytes), name in messages, memory allowance
    List = 2,     // memory allowance
    Describe = 3, // dataset path, memory allowance
    Read = 4,     // path, precision, shape, bytes, budget, allowance: answered by Slabs, then Done
    Window = 5,   // bytes per buffer, System V segment or -1; the memfd attached (2 buffers)
    Release =
        6, // buffer index: the parent has copied the slab in it
           // Writer mode only (a process started with --write): rewrites its writable file, a byte
           // copy of the user's file, with the pruned elements zeroed (hdf5/hdf5prunedcopy.h).
    Rewrite = 7,   // name in messages, dataset count, paths, allowance: MaskWanted each, then Done
    Mask = 8,      // the mask asked for: its element count; MaskPiece frames with its bits follow
    MaskPiece = 9, // the next bytes of the packed mask (packMaskBits), at most maskPieceBytes
                   // child -> parent
    Done = 100,    // Open (with the file's Keras markers and SWMR mode, u8 each) and Read succeeded
    Listing = 101, // the entries of List
    Info = 102,    // the entry of Describe
    Failure = 103, // an Error: code, message
    NoMemory = 104,   // the child hit its memory limit: message
    Slab = 105,       // first row, rows, buffer index, bytes: rows of a Read are in that buffer
    MaskWanted = 106, // dataset path: the next dataset of a Rewrite, whose mask the parent sends
};

// The window: two buffers, each at least one row of the dataset being read.
inline constexpr std::uint32_t windowBuffers = 2;

// A packed mask goes to the writer in pieces of at most this many bytes (a socket copy: a
// 4096 x 11008 layer's mask is 5.6 MB packed).
inline constexpr std::uint64_t maskPieceBytes = std::uint64_t{16} << 20;
// Datasets one Rewrite may name.
inline constexpr std::uint32_t maxRewriteDatasets = 1u << 20;

// The file descriptor of the socket in the child (set up by the parent's spawn).
inline constexpr int childSocketFd = 3;
// Frames larger than this are refused: a listing of 100 000 datasets fits in a few MiB.
inline constexpr std::uint64_t maxFrameBytes = std::uint64_t{64} << 20;
// HDF5's own limit on a dataspace's rank.
inline constexpr std::uint32_t maxRank = 32;
// Longest string in a reply (a path, a message, a type name).
inline constexpr std::uint32_t maxStringBytes = 1u << 20;

struct Frame
{
    MessageType type = MessageType::Failure;
    QByteArray payload;
    int passedFd = -1; // a descriptor that came with the frame, owned by the receiver
};

// Appends fixed-size fields and strings to a payload.
class Encoder
{
public:
    void u8(std::uint8_t value) { raw(&value, sizeof value); }
    void u32(std::uint32_t value) { raw(&value, sizeof value); }
    void u64(std::uint64_t value) { raw(&value, sizeof value); }
    void i64(std::int64_t value) { raw(&value, sizeof value); }
    void bytes(const QByteArray& value);
    void string(const QString& value) { bytes(value.toUtf8()); }
    void info(const DatasetInfo& info);
    const QByteArray& payload() const { return m_payload; }

private:
    void raw(const void* data, std::size_t size);
    QByteArray m_payload;
};

// Reads what Encoder wrote; every read returns nullopt (and stays failed) when the payload is
// too short or a value is out of its range.
class Decoder
{
public:
    explicit Decoder(const QByteArray& payload)
        : m_payload(payload)
    {}
    std::optional<std::uint8_t> u8();
    std::optional<std::uint32_t> u32();
    std::optional<std::uint64_t> u64();
    std::optional<std::int64_t> i64();
    std::optional<QByteArray> bytes();
    std::optional<QString> string();
    std::optional<DatasetInfo> info();
    // Everything read, nothing left over, no failure.
    bool finished() const { return !m_failed && m_offset == m_payload.size(); }
    bool failed() const { return m_failed; }
    qsizetype remaining() const { return m_payload.size() - m_offset; }

private:
    bool take(void* out, qsizetype size);
    const QByteArray& m_payload;
    qsizetype m_offset = 0;
    bool m_failed = false;
};

// Outcome of a socket operation.
enum class IoResult
{
    Ok,
    Closed,    // the other side closed or died
    TimedOut,  // the deadline passed
    Cancelled, // the cancel check said stop
    Invalid,   // a header that breaks the protocol
};

// A mask (one byte per element, nonzero = keep) as bits, eight elements a byte, the first in
// the lowest bit: `packed` holds (count + 7) / 8 bytes. Masks go to the writer packed (an
// eighth of the bytes through the socket).
void packMaskBits(const std::uint8_t* mask, std::uint64_t count, char* packed);
// The elements back: `count` bytes of 0 or 1 from the first bits of `packed`.
void unpackMaskBits(const char* packed, std::uint64_t count, std::uint8_t* mask);

// Sends one frame (and `fd`, when >= 0). Never raises SIGPIPE.
IoResult sendFrame(int socket, MessageType type, const QByteArray& payload, int fd = -1);

// Receives one frame, waiting at most until `deadline` (none: forever), and between waits asks
// `cancelled` (may be null). Frames above `maxBytes`, an unknown magic, or more than one
// descriptor are Invalid.
using Clock = std::chrono::steady_clock;
IoResult receiveFrame(int socket, Frame& frame, std::uint64_t maxBytes,
                      std::optional<Clock::time_point> deadline,
                      bool (*cancelled)(const void*) = nullptr, const void* cancelArg = nullptr);

} // namespace sparsity::core::readerchild
