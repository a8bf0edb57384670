#include "readerprocess.h"

#include "error.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <algorithm>
#include <cerrno>
#include <climits>
#include <condition_variable>
#include <csignal>
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

extern char** environ;

namespace sparsity::core::readerchild {

namespace {

// Each of the window's two buffers: 8 MiB, a slab of 190 rows of a 4096 x 11008 float32
// layer. Small enough to fault in once per process (4096 pages of 4 KiB: shared memory gets no
// huge pages) while it waits for a file, large enough that a message per slab costs nothing.
constexpr std::uint64_t windowBufferBytes = 8 * mib;
// How long the parent waits for a process that closed its socket to end by itself (it may be
// writing a sanitizer report) before it kills it.
constexpr std::chrono::milliseconds exitGrace{sanitizerBuild ? 30000 : 2000};

} // namespace

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

namespace {

// The bytes of each window buffer for a process started now.
std::uint64_t windowBufferSize()
{
#ifdef SPARSITY_READER_TEST_HOOKS
    // tests/core/tst_readerprocess: small buffers, so that small datasets take many slabs.
    bool ok = false;
    const qulonglong testBytes =
        qEnvironmentVariable("SPARSITY_READER_TEST_WINDOW_BYTES").toULongLong(&ok);
    if (ok && testBytes > 0)
        return testBytes;
#endif
    return windowBufferBytes;
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

// Sizes a memfd. RLIMIT_FSIZE counts a memfd's size as a file's, and exceeding it would raise
// SIGXFSZ: under a file size limit below `bytes` (`ulimit -f`, or the tests' stand-in for a
// full disk) this fails with EFBIG and the caller takes a System V segment instead. The limit
// is not lifted for the call: it is per process, and a spare process's window is made on
// another thread than the one that may be writing a file.
bool sizeSharedMemory(int fd, std::uint64_t bytes)
{
    rlimit limit{};
    if (getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
        limit.rlim_cur < bytes) {
        errno = EFBIG;
        return false;
    }
    return ftruncate(fd, static_cast<off_t>(bytes)) == 0;
}

bool contextCancelled(const void* context)
{
    return static_cast<const ExecutionContext*>(context)->isCancelled();
}

} // namespace

void Descriptor::reset(int fd)
{
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = fd;
}

// The window of shared memory of one process, mapped read-only here: two buffers the process
// writes slabs into. A memfd sealed against shrinking (a shrunk one would fault the parent),
// or, under a file size limit that forbids sizing it, a System V segment.
class SharedWindow
{
public:
    SharedWindow() = default;
    ~SharedWindow()
    {
        if (m_base == nullptr)
            return;
        if (m_segment >= 0)
            shmdt(m_base);
        else
            munmap(const_cast<char*>(m_base), m_bufferBytes * windowBuffers);
    }
    SharedWindow(const SharedWindow&) = delete;
    SharedWindow& operator=(const SharedWindow&) = delete;

    // Throws Error(OutOfMemory) naming `file`.
    static std::unique_ptr<SharedWindow> create(std::uint64_t bufferBytes, const QString& file)
    {
        auto window = std::make_unique<SharedWindow>();
        const std::uint64_t bytes = bufferBytes * windowBuffers;
        const auto outOfMemory = [&](int error) {
            return Error(ErrorCode::OutOfMemory,
                         QStringLiteral("%1: cannot make %2 MiB of shared memory for the HDF5 "
                                        "reader: %3")
                             .arg(file)
                             .arg(bytes / mib)
                             .arg(errnoText(error)));
        };
        window->m_bufferBytes = bufferBytes;
        window->m_memfd.reset(memfd_create("sparsity-window", MFD_CLOEXEC | MFD_ALLOW_SEALING));
        if (window->m_memfd.get() < 0)
            throw outOfMemory(errno);
        if (!sizeSharedMemory(window->m_memfd.get(), bytes)) {
            if (errno != EFBIG)
                throw outOfMemory(errno);
            window->m_memfd.reset();
            window->m_segment = shmget(IPC_PRIVATE, bytes, IPC_CREAT | 0600);
            if (window->m_segment < 0)
                throw outOfMemory(errno);
            void* const address = shmat(window->m_segment, nullptr, SHM_RDONLY);
            const int error = errno;
            // Removed at once: it lives until the last process detaches, and never outlives
            // both (Linux lets the reader attach a segment marked for removal).
            shmctl(window->m_segment, IPC_RMID, nullptr);
            if (address == reinterpret_cast<void*>(-1))
                throw outOfMemory(error);
            window->m_base = static_cast<const char*>(address);
            return window;
        }
        if (fcntl(window->m_memfd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) !=
            0)
            throw outOfMemory(errno);
        // Populated here: the process's writes then find the pages allocated.
        void* const address =
            mmap(nullptr, bytes, PROT_READ, MAP_SHARED | MAP_POPULATE, window->m_memfd.get(), 0);
        if (address == MAP_FAILED)
            throw outOfMemory(errno);
        window->m_base = static_cast<const char*>(address);
        return window;
    }

    // The Window message for the process (the memfd goes with it, then is closed here).
    IoResult send(int socket)
    {
        Encoder encoder;
        encoder.u64(m_bufferBytes);
        encoder.i64(m_segment);
        const IoResult sent =
            sendFrame(socket, MessageType::Window, encoder.payload(), m_memfd.get());
        m_memfd.reset();
        return sent;
    }

    std::uint64_t bufferBytes() const { return m_bufferBytes; }
    const char* buffer(std::uint32_t index) const { return m_base + index * m_bufferBytes; }

private:
    Descriptor m_memfd;
    int m_segment = -1;
    const char* m_base = nullptr;
    std::uint64_t m_bufferBytes = 0;
};

ReaderProcess::ReaderProcess(pid_t pid, int socket)
    : m_pid(pid)
    , m_socket(socket)
{}

ReaderProcess::~ReaderProcess()
{
    stop();
}

std::uint64_t ReaderProcess::windowBufferBytes() const
{
    return m_window ? m_window->bufferBytes() : 0;
}

const char* ReaderProcess::windowBuffer(std::uint32_t index) const
{
    return m_window->buffer(index);
}

bool ReaderProcess::setWindow(std::uint64_t bufferBytes, const QString& file)
{
    auto window = SharedWindow::create(bufferBytes, file);
    const bool sent = window->send(socket()) == IoResult::Ok;
    m_window = std::move(window);
    return sent;
}

bool ReaderProcess::running()
{
    if (m_pid <= 0)
        return false;
    if (waitpid(m_pid, &m_status, WNOHANG) == 0)
        return true;
    m_pid = -1; // reaped (or not ours): never signalled again
    return false;
}

int ReaderProcess::stop()
{
    if (m_pid > 0) {
        m_socket.reset();
        kill(m_pid, SIGKILL);
        while (waitpid(m_pid, &m_status, 0) < 0 && errno == EINTR) {
        }
        m_pid = -1;
    }
    return m_status;
}

int ReaderProcess::reap()
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

namespace {

// How a reader process is started: the program and the environment it gets, taken on the
// thread that asks (a spare is started on another thread, which must not read the environment
// while a caller may change it). Two launches are the same when both are.
struct Launch
{
    QString program;
    std::vector<QByteArray> environment;
    std::uint64_t windowBytes = 0;
    std::vector<QByteArray> arguments; // after --serve
    QByteArray key;

    static Launch current()
    {
        Launch launch;
        launch.program = readerProgram();
        launch.key = QFile::encodeName(launch.program);
        for (char** entry = environ; *entry != nullptr; ++entry) {
            launch.environment.emplace_back(*entry);
            launch.key.append('\0').append(*entry);
        }
        launch.windowBytes = windowBufferSize();
        return launch;
    }
};

// Starts the reader program with `socket` as its descriptor 3. Throws Error(Io).
pid_t spawnReader(const Launch& launch, const QString& file, int socket)
{
    const QString& program = launch.program;
    const QByteArray nativeProgram = QFile::encodeName(program);
    std::vector<char*> environment;
    for (const QByteArray& entry : launch.environment)
        environment.push_back(const_cast<char*>(entry.constData()));
    environment.push_back(nullptr);
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
    std::vector<char*> argv{const_cast<char*>(nativeProgram.constData()),
                            const_cast<char*>("--serve")};
    for (const QByteArray& argument : launch.arguments)
        argv.push_back(const_cast<char*>(argument.constData()));
    argv.push_back(nullptr);
    pid_t pid = -1;
    // posix_spawn (a vfork-like clone that execs at once) is safe in a threaded process.
    const int error = posix_spawn(&pid, nativeProgram.constData(), &actions, &attributes,
                                  argv.data(), environment.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (error != 0)
        throw Error(ErrorCode::Io,
                    QStringLiteral("%1: cannot start the HDF5 reader %2: %3 (it is installed next "
                                   "to sparsity-cli and sparsity-explorer)")
                        .arg(file, program, errnoText(error)));
    return pid;
}

// Starts a reader process and gives it its window. Throws Error naming `file`.
std::unique_ptr<ReaderProcess> startProcess(const Launch& launch, const QString& file)
{
    int sockets[2] = {-1, -1};
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0)
        throw Error(
            ErrorCode::Io,
            QStringLiteral("%1: cannot start the HDF5 reader: %2").arg(file, errnoText(errno)));
    Descriptor childEnd(sockets[1]);
    Descriptor parentEnd(sockets[0]);
    const pid_t pid = spawnReader(launch, file, childEnd.get());
    childEnd.reset();
    auto process = std::make_unique<ReaderProcess>(pid, parentEnd.release());
    // A process that is gone already shows when it is asked to open the file.
    if (launch.windowBytes > 0)
        process->setWindow(launch.windowBytes, file);
    return process;
}

// One spare reader process, started and idle, so that opening a file does not wait for the
// program to start (exec, dynamic loading, HDF5's start) nor its window's pages to be faulted
// in: once a program asked for it (prepare()), the process a file takes is replaced at once,
// on a thread of its own.
class SparePool
{
public:
    ~SparePool()
    {
        const std::lock_guard lock(m_mutex);
        finishStarter(StarterWait::Cancel);
    }

    // A running process for `file`: the spare when it was started the way a process would be
    // started now (program, environment: tests change both), a new one otherwise.
    std::unique_ptr<ReaderProcess> take(const QString& file)
    {
        Launch launch = Launch::current();
        const std::lock_guard lock(m_mutex);
        finishStarter(StarterWait::Hurry);
        std::unique_ptr<ReaderProcess> taken;
        if (m_spare && m_spareKey == launch.key && m_spare->running())
            taken = std::move(m_spare);
        m_spare.reset();
        // Replaced only in a program that asked for spares (the GUI, prepare()): a command
        // line run opens its file once, and a second process starting beside the first would
        // only take processor time from it. Not at once either: the file just opened is read
        // next, and a process starting (loading its libraries, faulting in its window) would
        // take a core from that read.
        if (m_keepSpare)
            startInBackground(launch, replacementDelay);
        return taken ? std::move(taken) : startProcess(launch, file);
    }

    // Starts a spare in the background unless one is there or on its way.
    void prepare()
    {
        Launch launch = Launch::current();
        const std::lock_guard lock(m_mutex);
        m_keepSpare = true;
        if (m_starter.joinable() || (m_spare && m_spareKey == launch.key))
            return;
        m_spare.reset(); // started for another program or environment
        startInBackground(std::move(launch), std::chrono::milliseconds(0));
    }

private:
    static constexpr std::chrono::milliseconds replacementDelay{1000};

    enum class StarterWait
    {
        Delay,  // waits out its delay, then starts the spare
        Hurry,  // starts the spare now: a file is being opened
        Cancel, // starts nothing: the program ends
    };

    // Called with m_mutex held.
    void startInBackground(Launch launch, std::chrono::milliseconds delay)
    {
        m_spareKey = launch.key;
        {
            const std::lock_guard wait(m_waitMutex);
            m_wait = StarterWait::Delay;
        }
        m_starter = std::thread([this, next = std::move(launch), delay] {
            {
                std::unique_lock wait(m_waitMutex);
                m_wake.wait_for(wait, delay, [this] { return m_wait != StarterWait::Delay; });
                if (m_wait == StarterWait::Cancel)
                    return;
            }
            try {
                m_spare = startProcess(next, {});
            } catch (...) {
                m_spare.reset(); // the next take() starts one itself and says why not
            }
        });
    }

    // Ends the starter's wait as `how` says and joins it. Called with m_mutex held.
    void finishStarter(StarterWait how)
    {
        if (!m_starter.joinable())
            return;
        {
            const std::lock_guard wait(m_waitMutex);
            m_wait = how;
        }
        m_wake.notify_all();
        m_starter.join();
    }

    std::mutex m_mutex;
    std::thread m_starter; // writes m_spare; joined before anyone reads it
    std::mutex m_waitMutex;
    std::condition_variable m_wake;
    StarterWait m_wait = StarterWait::Delay;
    std::unique_ptr<ReaderProcess> m_spare;
    QByteArray m_spareKey;
    bool m_keepSpare = false; // prepare() was called: a spare replaces the one taken
};

SparePool& sparePool()
{
    static SparePool pool;
    return pool;
}

} // namespace

QString readerProgram()
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

std::unique_ptr<ReaderProcess> takeReaderProcess(const QString& file)
{
    return sparePool().take(file);
}

void keepSpareReaderProcess()
{
    sparePool().prepare();
}

std::unique_ptr<ReaderProcess> startReaderProcess(const QString& file,
                                                  const std::vector<QByteArray>& arguments)
{
    Launch launch = Launch::current();
    launch.arguments = arguments;
    // A writer sends no tensors back: no window to make and fault in on both sides.
    launch.windowBytes = 0;
    return startProcess(launch, file);
}

Frame receiveReply(std::unique_ptr<ReaderProcess>& process, const QString& file,
                   const Exchange& request, Clock::time_point deadline)
{
    auto fail = [&](Failure failure) {
        const int status = failure == Failure::Ended ? process->reap() : process->stop();
        process.reset();
        throwFailure(file, request.action, failure, status, request.time, request.allowance);
    };
    Frame reply;
    const IoResult received =
        receiveFrame(process->socket(), reply, maxFrameBytes, deadline,
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

Frame exchange(std::unique_ptr<ReaderProcess>& process, const QString& file,
               const Exchange& request)
{
    const auto deadline = Clock::now() + request.time;
    Encoder limits;
    const auto cpuSeconds =
        static_cast<std::uint64_t>((std::chrono::duration_cast<std::chrono::seconds>(
                                        std::max(request.time, request.processorTime))
                                        .count() +
                                    1) *
                                   std::max(1, request.threads));
    QByteArray payload = request.payload;
    limits.u64(request.allowance);
    limits.u64(cpuSeconds);
    payload.append(limits.payload());
    if (sendFrame(process->socket(), request.type, payload, request.fd) != IoResult::Ok) {
        const int status = process->reap();
        process.reset();
        throwFailure(file, request.action, Failure::Ended, status, request.time, request.allowance);
    }
    return receiveReply(process, file, request, deadline);
}

void sendWithin(std::unique_ptr<ReaderProcess>& process, const QString& file,
                const Exchange& request, MessageType type, const QByteArray& payload)
{
    if (sendFrame(process->socket(), type, payload) == IoResult::Ok)
        return;
    const int status = process->reap();
    process.reset();
    throwFailure(file, request.action, Failure::Ended, status, request.time, request.allowance);
}

void throwInvalid(std::unique_ptr<ReaderProcess>& process, const QString& file,
                  const Exchange& request)
{
    process.reset();
    throwFailure(file, request.action, Failure::Invalid, 0, request.time, request.allowance);
}

} // namespace sparsity::core::readerchild
