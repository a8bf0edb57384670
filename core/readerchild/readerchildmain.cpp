#include "readerchildmain.h"

#include "error.h"
#include "hdf5/hdf5reader.h"
#include "readerprotocol.h"
#include "sanitizerbuild.h"

#include <QFile>
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
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

// No writing, removing, creating or (outside the sanitizers, whose reports may run a
// symbolizer) running anything, through Landlock where the kernel has it (5.13 and later).
// Reading stays allowed: the file, its external links and HDF5's plugins are read.
bool restrictFileSystem()
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
    const bool restricted = syscall(SYS_landlock_restrict_self, ruleset, 0) == 0;
    close(static_cast<int>(ruleset));
    return restricted;
}

// What the process gives up before it reads a byte of the file.
void enterSandbox()
{
    // Descriptors 0-2 are /dev/null (2 is the parent's stderr under the sanitizers, for their
    // reports) and 3 the socket: close whatever else the parent leaked into the process.
    if (close_range(childSocketFd + 1, ~0u, 0) != 0) {
        for (int fd = childSocketFd + 1; fd < 65536; ++fd)
            close(fd);
    }
    if (chdir("/") != 0)
        std::_Exit(3);
    // Writing any file fails (SIGXFSZ is ignored so that the write returns EFBIG instead).
    std::signal(SIGXFSZ, SIG_IGN);
    setLimit(RLIMIT_FSIZE, 0, 0);
    setLimit(RLIMIT_CORE, 0, 0);
    // The file, external links, plugins, /proc/self/statm: a few descriptors are enough.
    setLimit(RLIMIT_NOFILE, 32, 32);
    if (!sanitizerBuild)
        setLimit(RLIMIT_NPROC, 0, 0); // no new process (not enforced for root)
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    restrictFileSystem();
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
#endif

void reply(MessageType type, const QByteArray& payload = {})
{
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

// Serves one request; throws Error or std::bad_alloc.
void serve(Frame& frame, std::unique_ptr<Hdf5Reader>& reader)
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
    case MessageType::Read: {
        const auto path = decoder.string();
        const auto asDouble = decoder.u8();
        const auto rank = decoder.u32();
        std::vector<std::int64_t> shape;
        for (std::uint32_t i = 0; rank && i < *rank && i < maxRank; ++i)
            shape.push_back(decoder.i64().value_or(-1));
        const auto bytes = decoder.u64();
        const auto budget = decoder.u64();
        const auto segment = decoder.i64(); // a System V segment instead of the memfd, or -1
        const auto allowance = decoder.u64();
        const auto cpu = decoder.u64();
        struct stat status
        {
        };
        const bool viaMemfd = frame.passedFd >= 0 && fstat(frame.passedFd, &status) == 0 &&
                              static_cast<std::uint64_t>(status.st_size) == bytes.value_or(0);
        shmid_ds segmentStatus{};
        const bool viaSegment = frame.passedFd < 0 && segment && *segment >= 0 &&
                                *segment <= INT_MAX &&
                                shmctl(static_cast<int>(*segment), IPC_STAT, &segmentStatus) == 0 &&
                                segmentStatus.shm_segsz == bytes.value_or(0);
        if (!path || !asDouble || !rank || !bytes || !budget || !allowance || !segment || !cpu ||
            !decoder.finished() || !reader || !(viaMemfd || viaSegment) || *bytes == 0)
            std::_Exit(4);
        limitRequest(*allowance, *cpu);
#ifdef SPARSITY_READER_TEST_HOOKS
        const QByteArray fault = testFault();
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
            throw Error(ErrorCode::Io,
                        QStringLiteral("write test: open: %1; write: %2")
                            .arg(fd >= 0 ? QStringLiteral("ok") : errnoText(openError),
                                 wrote ? QStringLiteral("ok") : errnoText(writeError)));
        }
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
#endif
        void* target = nullptr;
        if (viaMemfd) {
            target = mmap(nullptr, *bytes, PROT_READ | PROT_WRITE, MAP_SHARED, frame.passedFd, 0);
            if (target == MAP_FAILED)
                throw std::bad_alloc();
            close(frame.passedFd);
            frame.passedFd = -1;
        } else {
            target = shmat(static_cast<int>(*segment), nullptr, 0);
            if (target == reinterpret_cast<void*>(-1))
                throw std::bad_alloc();
        }
        const auto release = [&] {
            if (viaMemfd)
                munmap(target, *bytes);
            else
                shmdt(target);
        };
        reader->setMemoryLimit(*budget);
        try {
            reader->readTensorInto(*path, shape, *asDouble != 0, target, *bytes, {});
        } catch (...) {
            release();
            throw;
        }
#ifdef SPARSITY_READER_TEST_HOOKS
        // Keeps a writable mapping of the values the parent is about to use.
        if (fault != "keepmapping")
            release();
#else
        release();
#endif
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
    if (argc != 2 || std::strcmp(argv[1], "--serve") != 0 || fstat(childSocketFd, &status) != 0 ||
        !S_ISSOCK(status.st_mode) ||
        getsockopt(childSocketFd, SOL_SOCKET, SO_PEERCRED, &peer, &peerSize) != 0 ||
        peer.pid != getppid()) {
        std::fputs("sparsity-hdf5-reader reads HDF5 files for sparsity-cli and "
                   "sparsity-explorer, which start it; it is not run by hand.\n",
                   stderr);
        return 2;
    }
    enterSandbox();
    std::unique_ptr<Hdf5Reader> reader;
    for (;;) {
        Frame frame;
        if (receiveFrame(childSocketFd, frame, maxFrameBytes, std::nullopt) != IoResult::Ok)
            return 0; // the parent closed the socket: done
        try {
            serve(frame, reader);
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
