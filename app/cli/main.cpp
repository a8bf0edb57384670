// sparsity-cli: the headless front end of the core library (list, mask and sweep subcommands).
#include "applycommand.h"
#include "commandline.h"
#include "listcommand.h"
#include "maskcommand.h"
#include "sweepcommand.h"

#include <QCoreApplication>
#include <QTextStream>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <unistd.h>

namespace {

// Set from a signal handler: a lock-free atomic store is async-signal-safe.
std::atomic<bool> interrupted{false};
volatile std::sig_atomic_t interruptSignal = 0;

// SIGINT, SIGTERM and SIGHUP ask the export to stop so that it removes its temporary file, and
// a sweep to stop before printing half a table; the handler is one-shot, so a second Ctrl+C
// kills at once.
void onInterrupt(int signal)
{
    interruptSignal = signal;
    interrupted.store(true);
}

void catchInterrupts()
{
    static_assert(std::atomic<bool>::is_always_lock_free);
    struct sigaction action = {};
    action.sa_handler = &onInterrupt;
    action.sa_flags = SA_RESETHAND | SA_RESTART;
    sigemptyset(&action.sa_mask);
    for (const int signal : {SIGINT, SIGTERM, SIGHUP}) {
        struct sigaction previous = {};
        // A signal ignored by the parent (nohup, background jobs) stays ignored.
        if (sigaction(signal, nullptr, &previous) == 0 && previous.sa_handler != SIG_IGN)
            sigaction(signal, &action, nullptr);
    }
}

} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("sparsity-cli"));
    QCoreApplication::setApplicationVersion(QStringLiteral(SPARSITY_VERSION));
    QTextStream out(stdout);
    QTextStream err(stderr);

    using namespace sparsity::cli;
    const ParsedCommand command = parseCommandLine(QCoreApplication::arguments());
    if (const auto* early = std::get_if<EarlyExit>(&command)) {
        (early->exitCode == ExitSuccess ? out : err) << early->text << Qt::flush;
        return early->exitCode;
    }
    if (const auto* list = std::get_if<ListOptions>(&command))
        return runList(*list, out, err);
    catchInterrupts();
    const bool errIsTerminal = isatty(fileno(stderr)) != 0;
    int code = ExitFailure;
    if (const auto* apply = std::get_if<ApplyOptions>(&command))
        code = runApply(*apply, out, err, errIsTerminal, &interrupted);
    else if (const auto* sweep = std::get_if<SweepOptions>(&command))
        code = runSweep(*sweep, out, err, errIsTerminal, &interrupted);
    else
        code = runMask(std::get<MaskOptions>(command), out, err, errIsTerminal, &interrupted);
    if (code == ExitInterrupted && interruptSignal != 0) {
        // Die of the signal, as the shell and scripts expect (exit status 128 + signal).
        out.flush();
        err.flush();
        std::signal(interruptSignal, SIG_DFL);
        std::raise(interruptSignal);
    }
    return code;
}
