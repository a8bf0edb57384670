// sparsity-cli: the headless front end of the core library (list and mask subcommands).
#include "commandline.h"
#include "listcommand.h"
#include "maskcommand.h"

#include <QCoreApplication>
#include <QTextStream>
#include <cstdio>
#include <unistd.h>

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
    return runMask(std::get<MaskOptions>(command), out, err, isatty(fileno(stderr)) != 0);
}
