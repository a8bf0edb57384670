#include "isolatedhdf5reader.h"

#include "error.h"
#include "hdf5/hdf5dataset.h"
#include "io/datasetchecks.h"
#include "readerprotocol.h"
#include "sanitizerbuild.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <utility>

extern char** environ;

namespace sparsity::core {

using namespace readerchild;

namespace {

constexpr std::uint64_t mib = std::uint64_t{1} << 20;
// Address space a request may add to the process's (docs/SPEC.md "How HDF5 files are read").
constexpr std::uint64_t openAllowance = 256 * mib;
constexpr std::uint64_t listAllowance = 1024 * mib;
constexpr std::uint64_t readSlack = 256 * mib;
// Time limits: a base for every request, plus reading at a slow disk's 10 MiB/s. Sanitizer
// builds run several times slower.
constexpr int slowdown = sanitizerBuild ? 10 : 1;
constexpr std::chrono::seconds openTime{30 * slowdown};
constexpr std::chrono::seconds listTime{120 * slowdown};
constexpr std::chrono::seconds readBaseTime{30 * slowdown};
constexpr std::uint64_t slowReadBytesPerSecond = 10 * mib / slowdown;

// How long the parent waits for a process that closed its socket to end by itself (it may be
// writing a sanitizer report) before it kills it.
constexpr std::chrono::milliseconds exitGrace{sanitizerBuild ? 30000 : 2000};

std::chrono::milliseconds limited(std::chrono::milliseconds time)
{
#ifdef SPARSITY_READER_TEST_HOOKS
    // tests/core/tst_readerprocess: a shorter limit, so that a hang is stopped in a second.
    bool ok = false;
    const long long testLimit =
        qEnvironmentVariable("SPARSITY_READER_TEST_TIMEOUT_MS").toLongLong(&ok);
    if (ok && testLimit > 0 && testLimit < time.count())
        return std::chrono::milliseconds(testLimit);
#endif
    return time;
}

QString signalText(int signal)
{
    switch (signal) {
    case SIGSEGV:
        return QStringLiteral("segmentation fault");
    case SIGBUS:
        return QStringLiteral("bus error");
    case SIGABRT:
        return QStringLiteral("abort");
    case SIGFPE:
        return QStringLiteral("arithmetic exception");
    case SIGILL:
        return QStringLiteral("illegal instruction");
    default:
        return QStringLiteral("signal %1").arg(signal);
    }
}

QString secondsText(std::chrono::milliseconds time)
{
    return QString::number(double(time.count()) / 1000.0, 'g', 3);
}

// Sizes the memfd. RLIMIT_FSIZE counts a memfd's size as a file's, so a program run under a
// file size limit (`ulimit -f`, or the tests' stand-in for a full disk) could not size shared
// memory that is no file on any disk: the soft limit is lifted to the hard one for this one
// call. The limit is checked first, since exceeding it would raise SIGXFSZ, which kills by
// default. (The limit is per process: a file written by another thread in the same instant
// would see the lifted one; the programs write files on the thread that reads.)
bool sizeSharedMemory(int fd, std::uint64_t bytes)
{
    static std::mutex limitMutex;
    const std::lock_guard lock(limitMutex);
    rlimit limit{};
    if (getrlimit(RLIMIT_FSIZE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY ||
        limit.rlim_cur >= bytes)
        return ftruncate(fd, static_cast<off_t>(bytes)) == 0;
    if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < bytes) {
        errno = EFBIG;
        return false;
    }
    rlimit lifted = limit;
    lifted.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_FSIZE, &lifted) != 0) {
        errno = EFBIG;
        return false;
    }
    const bool sized = ftruncate(fd, static_cast<off_t>(bytes)) == 0;
    const int error = errno;
    setrlimit(RLIMIT_FSIZE, &limit);
    errno = error;
    return sized;
}

bool contextCancelled(const void* context)
{
    return static_cast<const ExecutionContext*>(context)->isCancelled();
}

} // namespace

// A descriptor closed when it goes (outside the anonymous namespace: Process holds one).
namespace readerchild {
class Descriptor
{
public:
    explicit Descriptor(int fd = -1)
        : m_fd(fd)
    {}
    ~Descriptor() { reset(); }
    Descriptor(const Descriptor&) = delete;
    Descriptor& operator=(const Descriptor&) = delete;
    int get() const { return m_fd; }
    int release() { return std::exchange(m_fd, -1); }
    void reset(int fd = -1)
    {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = fd;
    }

private:
    int m_fd;
};

} // namespace readerchild

// One running reader process and its socket.
class IsolatedHdf5Reader::Process
{
public:
    Process(pid_t pid, int socket)
        : m_pid(pid)
        , m_socket(socket)
    {}
    ~Process() { stop(); }

    pid_t pid() const { return m_pid; }
    int socket() const { return m_socket.get(); }

    // Kills the process (if still running) and reaps it; returns its wait status.
    int stop()
    {
        if (m_pid > 0) {
            m_socket.reset();
            kill(m_pid, SIGKILL);
            waitFor(m_pid, m_status);
            m_pid = -1;
        }
        return m_status;
    }

    // Waits a little for a process that closed its socket to end by itself, then kills it;
    // returns its wait status.
    int reap()
    {
        if (m_pid <= 0)
            return m_status;
        m_socket.reset();
        const auto until = Clock::now() + exitGrace;
        while (Clock::now() < until) {
            const pid_t done = waitpid(m_pid, &m_status, WNOHANG);
            if (done == m_pid || (done < 0 && errno != EINTR)) {
                m_pid = -1;
                return m_status;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        return stop();
    }

private:
    static void waitFor(pid_t pid, int& status)
    {
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
    }

    pid_t m_pid;
    Descriptor m_socket;
    int m_status = 0;
};

namespace {

// What went wrong with the process during `action`, for the message.
enum class Failure
{
    Ended,      // it died or closed the socket
    TimedOut,   // the watchdog stopped it
    Invalid,    // it broke the protocol
    NoMemory,   // it reached its memory limit
    CannotSeal, // it kept a writable mapping of the values
};

[[noreturn]] void throwFailure(const QString& file, const QString& action, Failure failure,
                               int status, std::chrono::milliseconds time, std::uint64_t allowance)
{
    const QString damaged = QStringLiteral(": the file is damaged or crafted");
    switch (failure) {
    case Failure::TimedOut:
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: the HDF5 library did not finish %2 within %3 s and was "
                                   "stopped")
                            .arg(file, action, secondsText(time)) +
                        damaged);
    case Failure::NoMemory:
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: the HDF5 library needed more than its limit of %2 MiB "
                                   "while %3 and was stopped")
                            .arg(file)
                            .arg(allowance / mib)
                            .arg(action) +
                        damaged);
    case Failure::Invalid:
    case Failure::CannotSeal:
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: the HDF5 reader process sent an invalid reply while %2 "
                                   "and was stopped")
                            .arg(file, action) +
                        damaged);
    case Failure::Ended:
        break;
    }
    if (WIFSIGNALED(status)) {
        const int signal = WTERMSIG(status);
        if (signal == SIGXCPU)
            throw Error(ErrorCode::InvalidInput,
                        QStringLiteral("%1: the HDF5 library used its processor time limit of "
                                       "%2 s while %3 and was stopped")
                                .arg(file, secondsText(time), action) +
                            damaged);
        if (signal == SIGKILL)
            throw Error(ErrorCode::InvalidInput,
                        QStringLiteral("%1: the HDF5 reader process was killed while %2 (out of "
                                       "memory?)")
                            .arg(file, action));
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: the HDF5 library crashed (%2) while %3")
                            .arg(file, signalText(signal), action) +
                        damaged);
    }
    throw Error(ErrorCode::InvalidInput,
                QStringLiteral("%1: the HDF5 reader process ended unexpectedly (exit status %2) "
                               "while %3")
                        .arg(file)
                        .arg(WIFEXITED(status) ? WEXITSTATUS(status) : -1)
                        .arg(action) +
                    damaged);
}

// Starts the reader program with `socket` as its descriptor 3. Throws Error(Io).
pid_t spawnReader(const QString& file, int socket)
{
    const QString program = IsolatedHdf5Reader::readerProgram();
    const QByteArray nativeProgram = QFile::encodeName(program);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    // The sanitizers' reports go to the parent's stderr; otherwise the process writes nowhere.
    if (!sanitizerBuild)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    // dup2 clears close-on-exec on descriptor 3 (glibc does so even when socket already is 3).
    posix_spawn_file_actions_adddup2(&actions, socket, childSocketFd);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t none;
    sigemptyset(&none);
    sigset_t all;
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &all);
    // A process group of its own: Ctrl+C in a terminal reaches the CLI, which cancels and stops
    // the reader itself, rather than killing the reader as a crash would.
    posix_spawnattr_setpgroup(&attributes, 0);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
                                              POSIX_SPAWN_SETPGROUP);
    char* const argv[] = {const_cast<char*>(nativeProgram.constData()),
                          const_cast<char*>("--serve"), nullptr};
    pid_t pid = -1;
    // posix_spawn (a vfork-like clone that execs at once) is safe in a threaded process.
    const int error =
        posix_spawn(&pid, nativeProgram.constData(), &actions, &attributes, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (error != 0)
        throw Error(ErrorCode::Io,
                    QStringLiteral("%1: cannot start the HDF5 reader %2: %3 (it is installed next "
                                   "to sparsity-cli and sparsity-explorer)")
                        .arg(file, program, errnoText(error)));
    return pid;
}

struct Exchange
{
    MessageType type;
    QByteArray payload;
    int fd = -1;
    QString action;
    std::chrono::milliseconds time{0};
    std::uint64_t allowance = 0;
    const ExecutionContext* context = nullptr;
};

} // namespace

QString IsolatedHdf5Reader::readerProgram()
{
    const QString set = qEnvironmentVariable("SPARSITY_HDF5_READER");
    if (!set.isEmpty())
        return set;
    char self[PATH_MAX] = {};
    const ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
    const QString directory =
        length > 0 ? QFileInfo(QFile::decodeName(QByteArray(self, length))).absolutePath()
                   : QDir::currentPath();
    return directory + QStringLiteral("/sparsity-hdf5-reader");
}

IsolatedHdf5Reader::IsolatedHdf5Reader(QString path, FileIdentity identity)
    : m_path(std::move(path))
    , m_absolutePath(QFileInfo(m_path).absoluteFilePath())
    , m_identity(identity)
{}

IsolatedHdf5Reader::~IsolatedHdf5Reader() = default;

namespace {

// Sends one request to `process` and returns its reply, a Failure reply turned into the Error
// it carries. Anything else that goes wrong stops the process (`process` is then reset) and
// throws the Error that says what happened.
Frame exchange(std::unique_ptr<IsolatedHdf5Reader::Process>& process, const QString& file,
               const Exchange& request)
{
    Encoder limits;
    const auto cpuSeconds = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(request.time).count() + 1);
    QByteArray payload = request.payload;
    limits.u64(request.allowance);
    limits.u64(cpuSeconds);
    payload.append(limits.payload());
    auto fail = [&](Failure failure) {
        const int status = failure == Failure::Ended ? process->reap() : process->stop();
        process.reset();
        throwFailure(file, request.action, failure, status, request.time, request.allowance);
    };
    if (sendFrame(process->socket(), request.type, payload, request.fd) != IoResult::Ok)
        fail(Failure::Ended);
    Frame reply;
    const IoResult received =
        receiveFrame(process->socket(), reply, maxFrameBytes, Clock::now() + request.time,
                     request.context != nullptr ? &contextCancelled : nullptr, request.context);
    switch (received) {
    case IoResult::Ok:
        break;
    case IoResult::Cancelled:
        process->stop();
        process.reset();
        request.context->throwIfCancelled();
        throw Error(ErrorCode::Cancelled, QStringLiteral("Cancelled."));
    case IoResult::TimedOut:
        fail(Failure::TimedOut);
        break;
    case IoResult::Closed:
        fail(Failure::Ended);
        break;
    case IoResult::Invalid:
        fail(Failure::Invalid);
        break;
    }
    if (reply.passedFd >= 0) // the reader never sends descriptors
        fail(Failure::Invalid);
    if (reply.type == MessageType::NoMemory)
        fail(Failure::NoMemory);
    if (reply.type == MessageType::Failure) {
        Decoder decoder(reply.payload);
        const auto code = decoder.u32();
        const auto message = decoder.string();
        if (!code || *code > static_cast<std::uint32_t>(ErrorCode::Cancelled) || !message ||
            !decoder.finished())
            fail(Failure::Invalid);
        throw Error(static_cast<ErrorCode>(*code), *message);
    }
    return reply;
}

} // namespace

std::unique_ptr<IsolatedHdf5Reader> IsolatedHdf5Reader::open(const QString& path)
{
    // Our own checks first, in this process: they need no HDF5 and give the clearest messages.
    const FileIdentity opened = identifyInputFile(path, QStringLiteral("an HDF5 file"));
    auto reader = std::unique_ptr<IsolatedHdf5Reader>(new IsolatedHdf5Reader(path, opened));
    reader->process();
    reader->throwIfChanged(QStringLiteral("cannot open"));
    return reader;
}

void IsolatedHdf5Reader::throwIfChanged(const QString& action) const
{
    if (const auto change =
            fileChangeSince(m_absolutePath, m_identity,
                            m_swmr ? FileChanges::OnlyReplacement : FileChanges::AnyChange))
        throw Error(ErrorCode::Io,
                    QStringLiteral("%1: %2: %3; open it again").arg(m_path, action, *change));
}

IsolatedHdf5Reader::Process& IsolatedHdf5Reader::process() const
{
    if (m_process)
        return *m_process;
    int sockets[2] = {-1, -1};
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0)
        throw Error(
            ErrorCode::Io,
            QStringLiteral("%1: cannot start the HDF5 reader: %2").arg(m_path, errnoText(errno)));
    Descriptor childEnd(sockets[1]);
    Descriptor parentEnd(sockets[0]);
    const pid_t pid = spawnReader(m_path, childEnd.get());
    childEnd.reset();
    m_process = std::make_unique<Process>(pid, parentEnd.release());
    Encoder encoder;
    // The process works in "/": it opens the absolute path and names the file as given.
    encoder.bytes(QFile::encodeName(m_absolutePath));
    encoder.string(m_path);
    try {
        const Frame reply =
            exchange(m_process, m_path,
                     {MessageType::Open, encoder.payload(), -1, QStringLiteral("opening the file"),
                      limited(openTime), openAllowance, nullptr});
        Decoder decoder(reply.payload);
        const auto keras = decoder.u8();
        const auto swmr = decoder.u8();
        if (reply.type != MessageType::Done || !keras || !swmr || *keras > 1 || *swmr > 1 ||
            !decoder.finished())
            throw Error(ErrorCode::InvalidInput,
                        m_path + QStringLiteral(": the HDF5 reader process sent an invalid reply "
                                                "while opening the file and was stopped: the "
                                                "file is damaged or crafted"));
        m_kerasMarkers = *keras == 1;
        m_swmr = *swmr == 1;
    } catch (...) {
        m_process.reset();
        throw;
    }
    return *m_process;
}

bool IsolatedHdf5Reader::hasKerasMarkers() const
{
    const std::lock_guard lock(m_mutex);
    throwIfChanged(QStringLiteral("cannot read the file's attributes"));
    process();
    return m_kerasMarkers;
}

std::vector<DatasetInfo> IsolatedHdf5Reader::listTree() const
{
    const std::lock_guard lock(m_mutex);
    throwIfChanged(QStringLiteral("cannot list the file"));
    process();
    const Frame reply = exchange(m_process, m_path,
                                 {MessageType::List,
                                  {},
                                  -1,
                                  QStringLiteral("listing the file"),
                                  limited(listTime),
                                  listAllowance,
                                  nullptr});
    Decoder decoder(reply.payload);
    const auto count = decoder.u32();
    std::vector<DatasetInfo> tree;
    // Every entry takes more than 32 bytes: a count beyond that is a lie, not a reason to
    // reserve memory.
    bool valid = reply.type == MessageType::Listing && count &&
                 *count <= static_cast<std::uint64_t>(decoder.remaining()) / 32;
    for (std::uint32_t i = 0; valid && i < *count; ++i) {
        auto info = decoder.info();
        valid = info.has_value();
        if (valid)
            tree.push_back(std::move(*info));
    }
    if (!valid || !decoder.finished()) {
        m_process.reset();
        throw Error(ErrorCode::InvalidInput,
                    m_path + QStringLiteral(": the HDF5 reader process sent an invalid reply "
                                            "while listing the file and was stopped: the file is "
                                            "damaged or crafted"));
    }
    return tree;
}

DatasetInfo IsolatedHdf5Reader::describe(const QString& datasetPath) const
{
    const std::lock_guard lock(m_mutex);
    const QString path = normalizeDatasetPath(datasetPath);
    throwIfChanged(QStringLiteral("cannot read dataset %1").arg(quoted(path)));
    process();
    Encoder encoder;
    encoder.string(path);
    const QString action = QStringLiteral("describing dataset %1").arg(quoted(path));
    const Frame reply = exchange(m_process, m_path,
                                 {MessageType::Describe, encoder.payload(), -1, action,
                                  limited(openTime), openAllowance, nullptr});
    Decoder decoder(reply.payload);
    auto info = decoder.info();
    if (reply.type != MessageType::Info || !info || !decoder.finished() ||
        info->kind != NodeKind::Dataset || info->path != path) {
        m_process.reset();
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: the HDF5 reader process sent an invalid reply while %2 "
                                   "and was stopped: the file is damaged or crafted")
                        .arg(m_path, action));
    }
    return *info;
}

WeightTensor IsolatedHdf5Reader::readTensor(const QString& datasetPath,
                                            const ExecutionContext& context) const
{
    const std::lock_guard lock(m_mutex);
    // The description comes from the process, so it is checked here as if it were the file:
    // readable, and within this process's memory budget, before anything is allocated.
    const DatasetInfo info = describe(datasetPath);
    checkReadable(m_path, info);
    const bool asDouble = readsAsDouble(info);
    const std::size_t valueBytes = asDouble ? sizeof(double) : sizeof(float);
    const std::uint64_t budget = memoryBudget(m_memoryLimit);
    checkFitsInMemory(m_path, info, valueBytes, budget);
    const auto elements = static_cast<std::uint64_t>(elementCountOf(info.shape));
    const std::uint64_t bytes = elements * valueBytes; // checked by checkFitsInMemory
    const QString action = QStringLiteral("reading dataset %1").arg(quoted(info.path));
    context.throwIfCancelled();

    // The values come back in a memfd made here, of exactly the size asked for: sealed against
    // shrinking and growing now, against writing once the process says it is done, then mapped
    // as the tensor's storage. Under a file size limit below that size (which counts a memfd's
    // size too) a System V segment takes its place, and the values are copied out of it once
    // the process is done, since it cannot be sealed.
    Descriptor memory(memfd_create("sparsity-tensor", MFD_CLOEXEC | MFD_ALLOW_SEALING));
    const auto outOfMemory = [&](int error) {
        return Error(
            ErrorCode::OutOfMemory,
            QStringLiteral("%1: dataset %2 (shape %3, %4) does not fit in memory: %5")
                .arg(m_path, quoted(info.path), info.shapeText(), info.typeName, errnoText(error)));
    };
    if (memory.get() < 0)
        throw outOfMemory(errno);
    int segment = -1;
    void* segmentAddress = nullptr;
    if (!sizeSharedMemory(memory.get(), bytes)) {
        if (errno != EFBIG)
            throw outOfMemory(errno);
        memory.reset();
        segment = shmget(IPC_PRIVATE, bytes, IPC_CREAT | 0600);
        if (segment < 0)
            throw outOfMemory(errno);
        segmentAddress = shmat(segment, nullptr, SHM_RDONLY);
        const int error = errno;
        // Removed at once: it lives until the last process detaches, and never outlives both.
        shmctl(segment, IPC_RMID, nullptr);
        if (segmentAddress == reinterpret_cast<void*>(-1))
            throw outOfMemory(error);
    } else if (fcntl(memory.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) != 0) {
        throw outOfMemory(errno);
    }
    const auto detach = [&] {
        if (segmentAddress != nullptr)
            shmdt(segmentAddress);
    };

    Encoder encoder;
    encoder.string(info.path);
    encoder.u8(asDouble ? 1 : 0);
    encoder.u32(static_cast<std::uint32_t>(info.shape.size()));
    for (const std::int64_t extent : info.shape)
        encoder.i64(extent);
    encoder.u64(bytes);
    encoder.u64(budget);
    encoder.i64(segment);
    const std::uint64_t storage = static_cast<std::uint64_t>(info.storageBytes);
    const std::uint64_t allowance = bytes + std::min(storage, budget) + readSlack;
    const auto time = limited(std::chrono::duration_cast<std::chrono::milliseconds>(
        readBaseTime + std::chrono::seconds(bytes / slowReadBytesPerSecond)));
    Frame reply;
    try {
        throwIfChanged(QStringLiteral("cannot read dataset %1").arg(quoted(info.path)));
        process();
        reply = exchange(m_process, m_path,
                         {MessageType::Read, encoder.payload(), memory.get(), action, time,
                          allowance, &context});
    } catch (...) {
        detach();
        throw;
    }
    if (segment >= 0) {
        if (reply.type != MessageType::Done || !reply.payload.isEmpty()) {
            detach();
            m_process.reset();
            throwFailure(m_path, action, Failure::Invalid, 0, time, allowance);
        }
        // Copied: the segment cannot be sealed against the process writing on.
        WeightTensor copied = [&] {
            if (asDouble) {
                const auto* values = static_cast<const double*>(segmentAddress);
                return WeightTensor(info.shape, LargeVector<double>(values, values + elements));
            }
            const auto* values = static_cast<const float*>(segmentAddress);
            return WeightTensor(info.shape, LargeVector<float>(values, values + elements));
        }();
        detach();
        return copied;
    }
    if (reply.type != MessageType::Done || !reply.payload.isEmpty() ||
        fcntl(memory.get(), F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
        // A writable mapping left in the process could change the values under the mask.
        m_process.reset();
        throwFailure(m_path, action, Failure::Invalid, 0, time, allowance);
    }
    void* const mapped =
        mmap(nullptr, bytes, PROT_READ, MAP_SHARED | MAP_POPULATE, memory.get(), 0);
    if (mapped == MAP_FAILED)
        throw outOfMemory(errno);
    std::shared_ptr<const void> keeper(
        mapped, [bytes](const void* address) { munmap(const_cast<void*>(address), bytes); });
    if (asDouble)
        return WeightTensor(info.shape, keeper,
                            std::span<const double>(static_cast<const double*>(mapped), elements));
    return WeightTensor(info.shape, keeper,
                        std::span<const float>(static_cast<const float*>(mapped), elements));
}

} // namespace sparsity::core
