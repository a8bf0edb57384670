#include "readerchildmain.h"

#include "error.h"
#include "hdf5/hdf5filters.h"
#include "hdf5/hdf5prunedcopy.h"
#include "hdf5/hdf5reader.h"
#include "readerprotocol.h"
#include "sanitizerbuild.h"

#include <QFile>
#include <QThreadPool>
#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <linux/landlock.h>
#include <memory>
#include <new>
#include <optional>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>

namespace sparsity::core::readerchild {

namespace {

// Landlock access rights by ABI version (linux/landlock.h of Debian 12 stops at version 2).
constexpr std::uint64_t landlockWriteAccess =
    LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
    LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
    LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
    LANDLOCK_ACCESS_FS_MAKE_SYM;
constexpr std::uint64_t landlockReferV2 = std::uint64_t{1} << 13;
constexpr std::uint64_t landlockTruncateV3 = std::uint64_t{1} << 14;

void setLimit(int resource, rlim_t soft, rlim_t hard)
{
    const rlimit limit{soft, hard};
    setrlimit(resource, &limit);
}

// A process started with `--write PATH --file-size-limit BYTES --threads N`: it may write the
// one file PATH (the temporary of a pruned copy, a byte copy of the user's file), up to BYTES,
// and rewrites it on N threads.
struct WriterMode
{
    QByteArray path; // absolute
    std::uint64_t fileSizeLimit = 0;
    int threads = 1;
};

// The writer mode `argv` asks for, or nullopt for a reader; exits on arguments the parent
// never gives.
std::optional<WriterMode> writerModeOf(int argc, char** argv)
{
    if (argc == 2)
        return std::nullopt;
    if (argc != 8 || std::strcmp(argv[2], "--write") != 0 ||
        std::strcmp(argv[4], "--file-size-limit") != 0 || std::strcmp(argv[6], "--threads") != 0)
        std::_Exit(2);
    WriterMode writer;
    writer.path = argv[3];
    bool sizeOk = false;
    bool threadsOk = false;
    writer.fileSizeLimit = QByteArray(argv[5]).toULongLong(&sizeOk);
    writer.threads = QByteArray(argv[7]).toInt(&threadsOk);
    if (!writer.path.startsWith('/') || !sizeOk || !threadsOk || writer.threads < 1 ||
        writer.threads > 1024)
        std::_Exit(2);
    return writer;
}

// No writing, removing, creating or (outside the sanitizers, whose reports may run a
// symbolizer) running anything, through Landlock where the kernel has it (5.13 and later),
// except writing (and truncating) the existing file `writable` when given. Reading stays
// allowed: the file, its external links and HDF5's plugins are read.
bool restrictFileSystem(const QByteArray& writable)
{
    const long abi =
        syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
    if (abi < 1)
        return false;
    landlock_ruleset_attr attributes{};
    attributes.handled_access_fs = landlockWriteAccess;
    if (!sanitizerBuild)
        attributes.handled_access_fs |= LANDLOCK_ACCESS_FS_EXECUTE;
    if (abi >= 2)
        attributes.handled_access_fs |= landlockReferV2;
    if (abi >= 3)
        attributes.handled_access_fs |= landlockTruncateV3;
    // Version 1 and 2 kernels know only the first field, which is all this header declares.
    const long ruleset = syscall(SYS_landlock_create_ruleset, &attributes, sizeof attributes, 0);
    if (ruleset < 0)
        return false;
    if (!writable.isEmpty()) {
        // A rule on the file itself: only the access rights of a file apply to it.
        const int file = ::open(writable.constData(), O_PATH | O_CLOEXEC);
        landlock_path_beneath_attr rule{};
        rule.allowed_access = LANDLOCK_ACCESS_FS_WRITE_FILE | (abi >= 3 ? landlockTruncateV3 : 0);
        rule.parent_fd = file;
        const bool added = file >= 0 && syscall(SYS_landlock_add_rule, ruleset,
                                                LANDLOCK_RULE_PATH_BENEATH, &rule, 0) == 0;
        if (file >= 0)
            close(file);
        if (!added)
            std::_Exit(6); // the parent made the file just before: it is there
    }
    const bool restricted = syscall(SYS_landlock_restrict_self, ruleset, 0) == 0;
    close(static_cast<int>(ruleset));
    return restricted;
}

// What the process gives up before it reads a byte of the file. A writer keeps the right to
// write its one file, up to its size limit, and to start threads.
void enterSandbox(const std::optional<WriterMode>& writer)
{
    // Descriptors 0-2 are /dev/null (2 is the parent's stderr under the sanitizers, for their
    // reports) and 3 the socket: close whatever else the parent leaked into the process.
    if (close_range(childSocketFd + 1, ~0u, 0) != 0) {
        for (int fd = childSocketFd + 1; fd < 65536; ++fd)
            close(fd);
    }
    if (chdir("/") != 0)
        std::_Exit(3);
    // Writing any file fails (SIGXFSZ is ignored so that the write returns EFBIG instead); a
    // writer's file stops growing at its limit, or at the lower one it was started under (a
    // user's `ulimit -f`).
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit inherited{};
    getrlimit(RLIMIT_FSIZE, &inherited);
    const rlim_t fileSize =
        writer ? std::min<rlim_t>(inherited.rlim_cur, writer->fileSizeLimit) : 0;
    setLimit(RLIMIT_FSIZE, fileSize, fileSize);
    setLimit(RLIMIT_CORE, 0, 0);
    // The file, external links, plugins, /proc/self/statm: a few descriptors are enough.
    setLimit(RLIMIT_NOFILE, 32, 32);
    // No new process (not enforced for root). A writer's threads are tasks that count as
    // processes too: it keeps the limit it had, and Landlock stops it running a program.
    if (!sanitizerBuild && !writer)
        setLimit(RLIMIT_NPROC, 0, 0);
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    restrictFileSystem(writer ? writer->path : QByteArray());
}

// The process's address space now, from /proc/self/statm (pages).
std::uint64_t addressSpaceBytes()
{
    std::FILE* statm = std::fopen("/proc/self/statm", "re");
    if (statm == nullptr)
        return 0;
    unsigned long long pages = 0;
    const int read = std::fscanf(statm, "%llu", &pages);
    std::fclose(statm);
    return read == 1 ? pages * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE)) : 0;
}

// Limits for one request: `allowance` bytes of address space above what is used now, and
// `cpuSeconds` of processor time above what was used so far. Soft limits, set by the process
// itself before it touches the file; the parent's watchdog does not depend on them.
void limitRequest(std::uint64_t allowance, std::uint64_t cpuSeconds)
{
    if (!sanitizerBuild && allowance > 0) {
        const std::uint64_t now = addressSpaceBytes();
        rlimit current{};
        getrlimit(RLIMIT_AS, &current);
        current.rlim_cur = now + allowance;
        if (current.rlim_max != RLIM_INFINITY && current.rlim_cur > current.rlim_max)
            current.rlim_cur = current.rlim_max;
        setrlimit(RLIMIT_AS, &current);
    }
    if (cpuSeconds > 0) {
        rusage usage{};
        getrusage(RUSAGE_SELF, &usage);
        rlimit current{};
        getrlimit(RLIMIT_CPU, &current);
        current.rlim_cur =
            static_cast<rlim_t>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + cpuSeconds + 1;
        if (current.rlim_max != RLIM_INFINITY && current.rlim_cur > current.rlim_max)
            current.rlim_cur = current.rlim_max;
        setrlimit(RLIMIT_CPU, &current);
    }
}

#ifdef SPARSITY_READER_TEST_HOOKS
// tests/core/tst_readerprocess: a reader that misbehaves on Read, to prove the parent's limits
// and checks. Compiled only into test builds (SPARSITY_BUILD_TESTS).
QByteArray testFault()
{
    return qgetenv("SPARSITY_READER_TEST_FAULT");
}

// The faults of Read and Rewrite alike: a hang, a crash, memory without bound, a write.
void commonTestFault(const QByteArray& fault)
{
    if (fault == "hang") {
        for (;;)
            pause();
    }
    if (fault == "crash")
        std::raise(SIGSEGV);
    if (fault == "allocate") {
        // Without bound, as a damaged file's sizes could make HDF5 do; every page touched.
        for (;;) {
            const std::size_t block = std::size_t{64} << 20;
            void* memory = std::malloc(block);
            if (memory == nullptr)
                throw std::bad_alloc();
            std::memset(memory, 1, block);
        }
    }
    if (fault.startsWith("write:")) {
        // Tries to write the file named after "write:" and says how the sandbox answered.
        const QByteArray target = fault.mid(6);
        const int fd = ::open(target.constData(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        const int openError = errno;
        const bool wrote = fd >= 0 && ::write(fd, "x", 1) == 1;
        const int writeError = errno;
        if (fd >= 0)
            close(fd);
        throw Error(ErrorCode::Io, QStringLiteral("write test: open: %1; write: %2")
                                       .arg(fd >= 0 ? QStringLiteral("ok") : errnoText(openError),
                                            wrote ? QStringLiteral("ok") : errnoText(writeError)));
    }
}
#endif

// The window of shared memory the parent passed (Window): two buffers the slabs of a Read go
// into, in turn.
struct Window
{
    char* base = nullptr;
    std::uint64_t bufferBytes = 0;
    bool segment = false; // attached System V segment rather than a mapped memfd

    void release()
    {
        if (base == nullptr)
            return;
        if (segment)
            shmdt(base);
        else
            munmap(base, bufferBytes * windowBuffers);
        base = nullptr;
        bufferBytes = 0;
    }
};
Window window;

// Slabs sent whose Release has not been received yet. A Read ends (Done, or an error) only
// after every one of them came back: the parent releases every slab it was sent, and the next
// request must not find a Release in front of it.
std::uint64_t pendingReleases = 0;

// Waits for the parent's next Release; returns the buffer it frees.
std::uint32_t receiveRelease()
{
    Frame frame;
    if (receiveFrame(childSocketFd, frame, maxFrameBytes, std::nullopt) != IoResult::Ok)
        std::_Exit(0); // the parent went away (or stopped the read)
    Decoder decoder(frame.payload);
    const auto buffer = decoder.u32();
    if (frame.type != MessageType::Release || frame.passedFd >= 0 || !buffer ||
        *buffer >= windowBuffers || !decoder.finished() || pendingReleases == 0)
        std::_Exit(4); // the parent never sends anything else here
    --pendingReleases;
    return *buffer;
}

void drainReleases()
{
    while (pendingReleases > 0)
        receiveRelease();
}

void reply(MessageType type, const QByteArray& payload = {})
{
    drainReleases();
    if (sendFrame(childSocketFd, type, payload) != IoResult::Ok)
        std::_Exit(0); // the parent went away
}

void replyError(const Error& error)
{
    Encoder encoder;
    encoder.u32(static_cast<std::uint32_t>(error.code()));
    encoder.string(error.message());
    reply(MessageType::Failure, encoder.payload());
}

// The parent's next frame; exits when the parent went away (or stopped the request).
Frame receiveFromParent()
{
    Frame frame;
    if (receiveFrame(childSocketFd, frame, maxFrameBytes, std::nullopt) != IoResult::Ok)
        std::_Exit(0);
    return frame;
}

// The mask of `datasetPath`, the next dataset of a Rewrite: asked for (MaskWanted), then taken
// in pieces of its bits. Throws std::bad_alloc, after every piece was taken, when it does not
// fit.
MaskBytes receiveMask(const QString& datasetPath)
{
    Encoder encoder;
    encoder.string(datasetPath);
    if (sendFrame(childSocketFd, MessageType::MaskWanted, encoder.payload()) != IoResult::Ok)
        std::_Exit(0);
    const Frame header = receiveFromParent();
    Decoder decoder(header.payload);
    const auto elements = decoder.u64();
    if (header.type != MessageType::Mask || header.passedFd >= 0 || !elements ||
        !decoder.finished())
        std::_Exit(4); // the parent never sends anything else
    MaskBytes mask;
    bool fits = true;
    try {
        mask.resize(*elements);
    } catch (const std::bad_alloc&) {
        fits = false; // the pieces are taken all the same, so that NoMemory is the next reply
    }
    const std::uint64_t packedBytes = *elements / 8 + (*elements % 8 != 0 ? 1 : 0);
    std::uint64_t received = 0;
    while (received < packedBytes) {
        const Frame piece = receiveFromParent();
        const auto size = static_cast<std::uint64_t>(piece.payload.size());
        if (piece.type != MessageType::MaskPiece || piece.passedFd >= 0 || size == 0 ||
            size > maskPieceBytes || size > packedBytes - received)
            std::_Exit(4);
        const std::uint64_t first = received * 8;
        if (fits)
            unpackMaskBits(piece.payload.constData(), std::min(size * 8, *elements - first),
                           mask.data() + first);
        received += size;
    }
    if (!fits)
        throw std::bad_alloc();
    return mask;
}

// Serves one request; throws Error or std::bad_alloc. `writer` and `writing` (its threads) are
// set in writer mode only.
void serve(Frame& frame, std::unique_ptr<Hdf5Reader>& reader,
           const std::optional<WriterMode>& writer, const ExecutionContext& writing)
{
    Decoder decoder(frame.payload);
    switch (frame.type) {
    case MessageType::Open: {
        const auto filePath = decoder.bytes();
        const auto name = decoder.string();
        const auto allowance = decoder.u64();
        const auto cpu = decoder.u64();
        if (!filePath || !name || !allowance || !cpu || !decoder.finished())
            std::_Exit(4);
        limitRequest(*allowance, *cpu);
        reader = Hdf5Reader::open(QFile::decodeName(*filePath), *name);
        // What the parent asks of a file as a whole, answered once with the open.
        Encoder encoder;
        encoder.u8(reader->hasKerasMarkers() ? 1 : 0);
        encoder.u8(reader->readsSwmr() ? 1 : 0);
        reply(MessageType::Done, encoder.payload());
        return;
    }
    case MessageType::List: {
        const auto allowance = decoder.u64();
        const auto cpu = decoder.u64();
        if (!allowance || !cpu || !decoder.finished() || !reader)
            std::_Exit(4);
        limitRequest(*allowance, *cpu);
        const std::vector<DatasetInfo> tree = reader->listTree();
        Encoder encoder;
        encoder.u32(static_cast<std::uint32_t>(tree.size()));
        for (const DatasetInfo& info : tree)
            encoder.info(info);
        reply(MessageType::Listing, encoder.payload());
        return;
    }
    case MessageType::Describe: {
        const auto path = decoder.string();
        const auto allowance = decoder.u64();
        const auto cpu = decoder.u64();
        if (!path || !allowance || !cpu || !decoder.finished() || !reader)
            std::_Exit(4);
        limitRequest(*allowance, *cpu);
        Encoder encoder;
        encoder.info(reader->describe(*path));
        reply(MessageType::Info, encoder.payload());
        return;
    }
    case MessageType::Window: {
        // A new window: the first one right after the start, a larger one before a Read whose
        // rows do not fit in a buffer.
        const auto bufferBytes = decoder.u64();
        const auto segment = decoder.i64(); // a System V segment instead of the memfd, or -1
        if (!bufferBytes || !segment || !decoder.finished() || *bufferBytes == 0 ||
            *bufferBytes > (std::uint64_t{1} << 40))
            std::_Exit(4);
        const std::uint64_t bytes = *bufferBytes * windowBuffers;
        struct stat status
        {
        };
        const bool viaMemfd = frame.passedFd >= 0 && *segment < 0 &&
                              fstat(frame.passedFd, &status) == 0 &&
                              static_cast<std::uint64_t>(status.st_size) == bytes;
        shmid_ds segmentStatus{};
        const bool viaSegment = frame.passedFd < 0 && *segment >= 0 && *segment <= INT_MAX &&
                                shmctl(static_cast<int>(*segment), IPC_STAT, &segmentStatus) == 0 &&
                                segmentStatus.shm_segsz == bytes;
        if (!viaMemfd && !viaSegment)
            std::_Exit(4);
        window.release();
        // The parent's request, not the file's: the limit of the last request does not apply.
        rlimit limit{};
        getrlimit(RLIMIT_AS, &limit);
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_AS, &limit);
        void* base = nullptr;
        if (viaMemfd) {
            // Populated now, while the process waits for a file: the page faults of shared
            // memory (4 KiB pages) are then paid once per process, not per tensor.
            base = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
                        frame.passedFd, 0);
            close(frame.passedFd);
            frame.passedFd = -1;
            if (base == MAP_FAILED)
                std::_Exit(5);
        } else {
            base = shmat(static_cast<int>(*segment), nullptr, 0);
            if (base == reinterpret_cast<void*>(-1))
                std::_Exit(5);
            std::memset(base, 0, bytes);
        }
        window.base = static_cast<char*>(base);
        window.bufferBytes = *bufferBytes;
        window.segment = viaSegment;
        return; // no reply: the next request's answers whether the process is there
    }
    case MessageType::Read: {
        const auto path = decoder.string();
        const auto asDouble = decoder.u8();
        const auto rank = decoder.u32();
        std::vector<std::int64_t> shape;
        for (std::uint32_t i = 0; rank && i < *rank && i < maxRank; ++i)
            shape.push_back(decoder.i64().value_or(-1));
        const auto bytes = decoder.u64();
        const auto budget = decoder.u64();
        const auto allowance = decoder.u64();
        const auto cpu = decoder.u64();
        if (!path || !asDouble || !rank || !bytes || !budget || !allowance || !cpu ||
            !decoder.finished() || !reader || window.base == nullptr || *bytes == 0 ||
            shape.empty() || shape[0] <= 0)
            std::_Exit(4);
        const std::uint64_t rowBytes = *bytes / static_cast<std::uint64_t>(shape[0]);
        if (rowBytes == 0 || rowBytes > window.bufferBytes)
            std::_Exit(4); // the parent sends a larger window first
        limitRequest(*allowance, *cpu);
#ifdef SPARSITY_READER_TEST_HOOKS
        const QByteArray fault = testFault();
        commonTestFault(fault);
        if (fault == "lie") {
            // A listing where Done belongs, with a shape no dataset has.
            Encoder encoder;
            encoder.u32(1);
            DatasetInfo info;
            info.path = *path;
            info.kind = NodeKind::Dataset;
            info.shape = {std::int64_t{1} << 40, std::int64_t{1} << 40};
            encoder.info(info);
            reply(MessageType::Listing, encoder.payload());
            return;
        }
        if (fault == "done-early") {
            // Done before the last rows were sent.
            reply(MessageType::Done);
            return;
        }
        if (fault == "slab-oversize") {
            // Every row in one slab, larger than a buffer, as if the window held them: a parent
            // that believed it would read past the end of the window.
            Encoder encoder;
            encoder.u64(0);
            encoder.u64(static_cast<std::uint64_t>(shape[0]));
            encoder.u32(0);
            encoder.u64(*bytes);
            ++pendingReleases;
            if (sendFrame(childSocketFd, MessageType::Slab, encoder.payload()) != IoResult::Ok)
                std::_Exit(0);
            reply(MessageType::Done);
            return;
        }
#endif
        // Slab i goes into buffer i % 2, once the parent has released what it held before.
        std::uint64_t slabIndex = 0;
        bool held[windowBuffers] = {};
        const auto buffer = [&](std::uint64_t, std::uint64_t) -> void* {
            const std::uint32_t next = static_cast<std::uint32_t>(slabIndex % windowBuffers);
            while (held[next])
                held[receiveRelease()] = false;
            return window.base + next * window.bufferBytes;
        };
        const auto filled = [&](std::uint64_t firstRow, std::uint64_t rows) {
            const std::uint32_t used = static_cast<std::uint32_t>(slabIndex % windowBuffers);
            std::uint64_t sentFirst = firstRow;
            std::uint64_t sentRows = rows;
            std::uint32_t sentBuffer = used;
            std::uint64_t sentBytes = rows * rowBytes;
#ifdef SPARSITY_READER_TEST_HOOKS
            // Slab messages that lie (tests/core/tst_readerprocess): each must be refused.
            if (fault == "slab-beyond") {
                sentRows = static_cast<std::uint64_t>(shape[0]) - firstRow + 1;
                sentBytes = sentRows * rowBytes;
            } else if (fault == "slab-bytes") {
                sentBytes += 4;
            } else if (fault == "slab-order") {
                sentFirst += 1;
            } else if (fault == "slab-buffer") {
                sentBuffer = windowBuffers;
            } else if (fault == "slow") {
                // Slabs trickle in, so that a cancel request arrives mid-stream.
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
            }
#endif
            Encoder encoder;
            encoder.u64(sentFirst);
            encoder.u64(sentRows);
            encoder.u32(sentBuffer);
            encoder.u64(sentBytes);
            held[used] = true;
            ++pendingReleases;
            ++slabIndex;
            if (sendFrame(childSocketFd, MessageType::Slab, encoder.payload()) != IoResult::Ok)
                std::_Exit(0);
        };
        reader->setMemoryLimit(*budget);
        reader->readTensorSlabs(*path, shape, *asDouble != 0, window.bufferBytes, buffer, filled,
                                {});
        reply(MessageType::Done);
        return;
    }
    case MessageType::Rewrite: {
        const auto name = decoder.string();
        const auto count = decoder.u32();
        std::vector<QString> datasets;
        for (std::uint32_t i = 0; count && i < *count && i < maxRewriteDatasets; ++i)
            datasets.push_back(decoder.string().value_or(QString()));
        const auto allowance = decoder.u64();
        const auto cpu = decoder.u64();
        if (!name || !count || *count > maxRewriteDatasets || !allowance || !cpu ||
            !decoder.finished() || !writer)
            std::_Exit(4);
        limitRequest(*allowance, *cpu);
#ifdef SPARSITY_READER_TEST_HOOKS
        // The writer's faults are named "rewrite-" and a common fault (tst_writerprocess), so
        // that the reads of the same test run without them.
        if (const QByteArray fault = testFault(); fault.startsWith("rewrite-"))
            commonTestFault(fault.mid(8));
#endif
        rewriteHdf5PrunedCopy(QFile::decodeName(writer->path), *name, datasets, &receiveMask,
                              writing, PrunedChunkWriting::Parallel);
        reply(MessageType::Done);
        return;
    }
    default:
        std::_Exit(4); // the parent never sends anything else
    }
}

} // namespace

int runReaderProcess(int argc, char** argv)
{
    // Started by the parent: descriptor 3 is a Unix socket whose other end is the parent.
    struct stat status
    {
    };
    ucred peer{};
    socklen_t peerSize = sizeof peer;
    if (argc < 2 || std::strcmp(argv[1], "--serve") != 0 || fstat(childSocketFd, &status) != 0 ||
        !S_ISSOCK(status.st_mode) ||
        getsockopt(childSocketFd, SOL_SOCKET, SO_PEERCRED, &peer, &peerSize) != 0 ||
        peer.pid != getppid()) {
        std::fputs("sparsity-hdf5-reader reads HDF5 files for sparsity-cli and "
                   "sparsity-explorer, which start it; it is not run by hand.\n",
                   stderr);
        return 2;
    }
    const std::optional<WriterMode> writer = writerModeOf(argc, argv);
    enterSandbox(writer);
    // The library's start (and the filters' registration) while the process waits for a file:
    // a spare process has done it before the program opens one.
    registerHdf5Filters();
    std::unique_ptr<Hdf5Reader> reader;
    // A writer compresses chunks on its threads (hdf5/prunedchunkwriter.h), as many as the
    // program would have used; the bytes written depend on no thread count.
    QThreadPool pool;
    ExecutionContext writing;
    if (writer) {
        pool.setMaxThreadCount(writer->threads);
        writing.pool = &pool;
        writing.maxThreads = writer->threads;
    }
    for (;;) {
        Frame frame;
        if (receiveFrame(childSocketFd, frame, maxFrameBytes, std::nullopt) != IoResult::Ok)
            return 0; // the parent closed the socket: done
        try {
            serve(frame, reader, writer, writing);
        } catch (const Error& error) {
            replyError(error);
        } catch (const std::bad_alloc&) {
            reply(MessageType::NoMemory);
        }
        if (frame.passedFd >= 0)
            close(frame.passedFd);
    }
}

} // namespace sparsity::core::readerchild
