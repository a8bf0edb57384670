#pragma once

// Internal to core/readerchild: the program's side of a reader process (docs/SPEC.md "How HDF5
// files are read"). Starting one (or taking the spare), its socket and its window, sending a
// request and checking its reply under the request's limits, and the Error that says what went
// wrong with the process. IsolatedHdf5Reader reads through it; writeIsolatedHdf5PrunedCopy
// rewrites a pruned copy through a process started in writer mode.

#include "parallel/executioncontext.h"
#include "readerprotocol.h"
#include "sanitizerbuild.h"

#include <QByteArray>
#include <QString>
#include <chrono>
#include <cstdint>
#include <memory>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace sparsity::core::readerchild {

inline constexpr std::uint64_t mib = std::uint64_t{1} << 20;
// Time limits: a base for every request, plus reading at a slow disk's 10 MiB/s. Sanitizer
// builds run several times slower.
inline constexpr int slowdown = sanitizerBuild ? 10 : 1;
inline constexpr std::chrono::seconds openTime{30 * slowdown};
inline constexpr std::chrono::seconds listTime{120 * slowdown};
inline constexpr std::chrono::seconds readBaseTime{30 * slowdown};
inline constexpr std::uint64_t slowReadBytesPerSecond = 10 * mib / slowdown;

// `time`, or the shorter limit the tests set (SPARSITY_READER_TEST_TIMEOUT_MS in test builds).
std::chrono::milliseconds limited(std::chrono::milliseconds time);

// A descriptor closed when it goes.
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
    void reset(int fd = -1);

private:
    int m_fd;
};

class SharedWindow;

// One running reader process, its socket and its window (two buffers it writes slabs into,
// mapped read-only here). Killed and reaped when it goes.
class ReaderProcess
{
public:
    ReaderProcess(pid_t pid, int socket);
    ~ReaderProcess();
    ReaderProcess(const ReaderProcess&) = delete;
    ReaderProcess& operator=(const ReaderProcess&) = delete;

    pid_t pid() const { return m_pid; }
    int socket() const { return m_socket.get(); }
    std::uint64_t windowBufferBytes() const;
    const char* windowBuffer(std::uint32_t index) const;
    // Gives the process a window of `bufferBytes` per buffer (Window message); false when the
    // process is gone. Throws Error(OutOfMemory) naming `file` when the memory cannot be made.
    bool setWindow(std::uint64_t bufferBytes, const QString& file);
    // Still running (a spare may have died while it waited).
    bool running();
    // Kills the process (if still running) and reaps it; returns its wait status.
    int stop();
    // Waits a little for a process that closed its socket to end by itself (it may be writing
    // a sanitizer report), then kills it; returns its wait status.
    int reap();

private:
    pid_t m_pid;
    Descriptor m_socket;
    int m_status = 0;
    std::unique_ptr<SharedWindow> m_window;
};

// The reader program: $SPARSITY_HDF5_READER when set (the tests), otherwise
// sparsity-hdf5-reader in the directory of the running executable (bin/ after install).
QString readerProgram();

// A running reader process to read `file` with: the spare, when it was started the way a
// process would be started now (program, environment: tests change both), a new one otherwise.
// Throws Error(Io) naming `file` when none can be started.
std::unique_ptr<ReaderProcess> takeReaderProcess(const QString& file);
// Keeps a spare process started from now on (IsolatedHdf5Reader::startSpare).
void keepSpareReaderProcess();
// A new process started with `arguments` after `--serve` (the writer mode: readerchildmain.h),
// never a spare, without a window. Throws Error(Io) naming `file`.
std::unique_ptr<ReaderProcess> startReaderProcess(const QString& file,
                                                  const std::vector<QByteArray>& arguments);

// What went wrong with the process during an action, for the message.
enum class Failure
{
    Ended,    // it died or closed the socket
    TimedOut, // the watchdog stopped it
    Invalid,  // it broke the protocol
    NoMemory, // it reached its memory limit
};

// Throws the Error that names `file`, `action` ("reading dataset '/a'") and what happened:
// `status` is the process's wait status (Ended), `time` its time limit and `allowance` its
// memory limit.
[[noreturn]] void throwFailure(const QString& file, const QString& action, Failure failure,
                               int status, std::chrono::milliseconds time, std::uint64_t allowance);

// One request to a process and the limits of its answer.
struct Exchange
{
    MessageType type;
    QByteArray payload;
    int fd = -1;
    QString action;
    std::chrono::milliseconds time{0};
    std::uint64_t allowance = 0;
    const ExecutionContext* context = nullptr; // cancels the wait; may be null
    // Processor time: the larger of `time` and `processorTime`, on each of `threads` threads.
    int threads = 1;
    std::chrono::milliseconds processorTime{0};
};

// Sends `request` to `process` (with its memory allowance and processor time appended) and
// returns its reply (receiveReply), which must come within the request's time.
Frame exchange(std::unique_ptr<ReaderProcess>& process, const QString& file,
               const Exchange& request);

// Receives the next reply to `request` from `process`, waiting until `deadline`, a Failure reply
// turned into the Error it carries. Anything else that goes wrong stops the process (`process`
// is then reset) and throws the Error that says what happened.
Frame receiveReply(std::unique_ptr<ReaderProcess>& process, const QString& file,
                   const Exchange& request, Clock::time_point deadline);

// Sends a frame within `request` (a Release, a piece of a mask). When the process is gone, it
// is reaped (`process` reset) and the Error that says what happened is thrown.
void sendWithin(std::unique_ptr<ReaderProcess>& process, const QString& file,
                const Exchange& request, MessageType type, const QByteArray& payload);

// Stops the process (`process` reset) and throws Failure::Invalid for `request`.
[[noreturn]] void throwInvalid(std::unique_ptr<ReaderProcess>& process, const QString& file,
                               const Exchange& request);

} // namespace sparsity::core::readerchild
