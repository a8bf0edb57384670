#include "commandline.h"

#include <QCommandLineParser>
#include <QLocale>
#include <QThread>

namespace sparsity::cli {
namespace {

const QString toolName = QStringLiteral("sparsity-cli");

QString generalHelp()
{
    return QStringLiteral(
        "Usage: sparsity-cli <command> [options]\n"
        "\n"
        "Block weight sparsity for the layers of an HDF5 file, the same masks as PyTorch's\n"
        "WeightNormSparsifier.\n"
        "\n"
        "Commands:\n"
        "  list   List the groups and datasets of an HDF5 file and which can be masked\n"
        "  mask   Compute block sparsity masks and write them to an HDF5 mask file\n"
        "\n"
        "Run 'sparsity-cli <command> --help' for the options of a command.\n"
        "Options:\n"
        "  -h, --help     Show this help\n"
        "  -v, --version  Show the version\n");
}

EarlyExit usageError(const QString& command, const QString& message)
{
    return EarlyExit{
        QStringLiteral("%1: %2\nRun '%1 %3--help' for usage.\n")
            .arg(toolName, message, command.isEmpty() ? QString() : command + QLatin1Char(' ')),
        ExitUsage};
}

// A parser with the options every subcommand has.
void addCommonOptions(QCommandLineParser& parser)
{
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    parser.addHelpOption();
}

ParsedCommand parseList(const QStringList& arguments)
{
    QCommandLineParser parser;
    addCommonOptions(parser);
    parser.setApplicationDescription(
        QStringLiteral("List every group, dataset and link of an HDF5 file with its shape, type\n"
                       "and size, and say for each dataset whether it can be masked."));
    parser.addPositionalArgument(QStringLiteral("INPUT.h5"), QStringLiteral("The file to list."));
    if (!parser.parse(arguments))
        return usageError(QStringLiteral("list"), parser.errorText());
    if (parser.isSet(QStringLiteral("help")))
        return EarlyExit{parser.helpText().replace(QStringLiteral("[options]"),
                                                   QStringLiteral("list [options]")),
                         ExitSuccess};
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 1)
        return usageError(
            QStringLiteral("list"),
            positional.isEmpty()
                ? QStringLiteral("missing INPUT.h5")
                : QStringLiteral("expected one input file, got %1").arg(positional.size()));
    return ListOptions{positional.front()};
}

// A level, bound or fraction as --level takes it: "0.25" or "25%". nullopt if not a number.
std::optional<double> parseFraction(const QString& text)
{
    QString number = text.trimmed();
    const bool percent = number.endsWith(QLatin1Char('%'));
    if (percent)
        number.chop(1);
    bool ok = false;
    const double value = QLocale::c().toDouble(number, &ok);
    if (!ok)
        return std::nullopt;
    return value / (percent ? 100.0 : 1.0);
}

// The options of `mask` that choose model scope (docs/SPEC.md "Model scope").
struct ScopeOptions
{
    QCommandLineOption scope{QStringLiteral("scope"),
                             QStringLiteral("layer: each dataset ranks its own blocks at --level "
                                            "(default). model: all datasets share one ranking "
                                            "and --level is the model's."),
                             QStringLiteral("layer|model"), QStringLiteral("layer")};
    QCommandLineOption minLevel{QStringLiteral("min-level"),
                                QStringLiteral("Model scope: each dataset prunes at least this "
                                               "fraction of its blocks, 0..1 (default 0)."),
                                QStringLiteral("A")};
    QCommandLineOption maxLevel{QStringLiteral("max-level"),
                                QStringLiteral("Model scope: each dataset prunes at most this "
                                               "fraction of its blocks, 0..1 (default 1)."),
                                QStringLiteral("B")};

    void addTo(QCommandLineParser& parser) const { parser.addOptions({scope, minLevel, maxLevel}); }

    // Fills options.modelScope, or says what is wrong with the command line.
    std::optional<QString> read(const QCommandLineParser& parser, MaskOptions& options) const
    {
        for (const auto* single : {&scope, &minLevel, &maxLevel})
            if (parser.values(*single).size() > 1)
                return QStringLiteral("--%1 given more than once").arg(single->names().last());
        const QString scopeText = parser.value(scope).trimmed().toLower();
        if (scopeText != QLatin1String("layer") && scopeText != QLatin1String("model"))
            return QStringLiteral("--scope '%1' is not layer or model").arg(parser.value(scope));
        if (scopeText == QLatin1String("layer")) {
            for (const auto* bound : {&minLevel, &maxLevel})
                if (parser.isSet(*bound))
                    return QStringLiteral("--%1 needs --scope model").arg(bound->names().last());
            options.modelScope.reset();
            return std::nullopt;
        }
        core::ModelBounds bounds;
        for (const auto& [option, value] :
             {std::pair{&minLevel, &bounds.minLevel}, std::pair{&maxLevel, &bounds.maxLevel}}) {
            if (!parser.isSet(*option))
                continue;
            const auto parsed = parseFraction(parser.value(*option));
            if (!parsed)
                return QStringLiteral("--%1 '%2' is not a number")
                    .arg(option->names().last(), parser.value(*option));
            *value = *parsed;
        }
        if (const auto problem = bounds.validate())
            return problem;
        options.modelScope = bounds;
        return std::nullopt;
    }
};

ParsedCommand parseMask(const QStringList& arguments)
{
    QCommandLineParser parser;
    addCommonOptions(parser);
    parser.setApplicationDescription(QStringLiteral(
        "Compute block sparsity masks (1 = keep, 0 = pruned) for datasets of INPUT.h5 and write\n"
        "them to OUTPUT.h5 at the same paths, as uint8 with their parameters as attributes.\n"
        "Without --dataset, every floating-point dataset of rank >= 2 is masked; others are\n"
        "skipped with a note. Nothing is written unless every dataset succeeds."));
    parser.addPositionalArgument(QStringLiteral("INPUT.h5"), QStringLiteral("The weights."));
    const QCommandLineOption output({QStringLiteral("o"), QStringLiteral("output")},
                                    QStringLiteral("The mask file to write."),
                                    QStringLiteral("OUTPUT.h5"));
    const QCommandLineOption dataset(QStringLiteral("dataset"),
                                     QStringLiteral("A dataset to mask (repeatable; the leading "
                                                    "'/' is optional). Rank 1 and integer "
                                                    "datasets are masked only when named."),
                                     QStringLiteral("PATH"));
    const QCommandLineOption level(
        QStringLiteral("level"), QStringLiteral("Fraction of blocks to prune, 0..1 (or 0%..100%)."),
        QStringLiteral("L"));
    const QCommandLineOption block(QStringLiteral("block"),
                                   QStringLiteral("Block shape rows x columns, e.g. 1x4 or 8x8."),
                                   QStringLiteral("RxC"));
    const QCommandLineOption zeros(QStringLiteral("zeros-per-block"),
                                   QStringLiteral("Elements zeroed in each pruned block, 0..R*C "
                                                  "(default R*C: the whole block)."),
                                   QStringLiteral("N"));
    const QCommandLineOption norm(QStringLiteral("norm"),
                                  QStringLiteral("Block norm: l1 (mean |w|) or l2 (mean w^2). "
                                                 "Default l2."),
                                  QStringLiteral("l1|l2"), QStringLiteral("l2"));
    const QCommandLineOption threads(
        QStringLiteral("threads"),
        QStringLiteral(
            "Worker threads (default: %1, the CPU count). The masks do not depend on it.")
            .arg(QThread::idealThreadCount()),
        QStringLiteral("N"));
    const QCommandLineOption force(QStringLiteral("force"),
                                   QStringLiteral("Overwrite OUTPUT.h5 if it exists."));
    parser.addOptions({output, dataset, level, block, zeros, norm, threads, force});
    const ScopeOptions scope;
    scope.addTo(parser);

    const QString command = QStringLiteral("mask");
    if (!parser.parse(arguments))
        return usageError(command, parser.errorText());
    if (parser.isSet(QStringLiteral("help")))
        return EarlyExit{parser.helpText().replace(QStringLiteral("[options]"),
                                                   QStringLiteral("mask [options]")),
                         ExitSuccess};

    MaskOptions options;
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 1)
        return usageError(command, positional.isEmpty()
                                       ? QStringLiteral("missing INPUT.h5")
                                       : QStringLiteral("expected one input file, got %1: %2")
                                             .arg(positional.size())
                                             .arg(positional.join(QStringLiteral(", "))));
    options.input = positional.front();
    for (const auto* required : {&output, &level, &block})
        if (!parser.isSet(*required))
            return usageError(command,
                              QStringLiteral("missing --%1").arg(required->names().last()));
    // An option given twice is almost always a mistake in a script; say so rather than guess.
    for (const auto* single : {&output, &level, &block, &zeros, &norm, &threads})
        if (parser.values(*single).size() > 1)
            return usageError(
                command, QStringLiteral("--%1 given more than once").arg(single->names().last()));
    options.output = parser.value(output);
    if (options.output.isEmpty())
        return usageError(command, QStringLiteral("--output is empty"));
    options.datasets = parser.values(dataset);
    options.force = parser.isSet(force);

    const QLocale c = QLocale::c();
    QString levelText = parser.value(level).trimmed();
    const bool percent = levelText.endsWith(QLatin1Char('%'));
    if (percent)
        levelText.chop(1);
    bool ok = false;
    options.params.level = c.toDouble(levelText, &ok) / (percent ? 100.0 : 1.0);
    if (!ok)
        return usageError(command,
                          QStringLiteral("--level '%1' is not a number").arg(parser.value(level)));

    const auto shape = core::parseBlockShape(parser.value(block));
    if (!shape)
        return usageError(command, QStringLiteral("--block '%1' is not a block shape like 1x4 or "
                                                  "8x8 (rows x columns, each from 1 to "
                                                  "999999999)")
                                       .arg(parser.value(block)));
    options.params.block = *shape;

    if (parser.isSet(zeros)) {
        const qlonglong value = c.toLongLong(parser.value(zeros).trimmed(), &ok);
        if (!ok)
            return usageError(command, QStringLiteral("--zeros-per-block '%1' is not an integer")
                                           .arg(parser.value(zeros)));
        options.params.zerosPerBlock = value;
    }
    const auto parsedNorm = core::parseNorm(parser.value(norm));
    if (!parsedNorm)
        return usageError(command,
                          QStringLiteral("--norm '%1' is not l1 or l2").arg(parser.value(norm)));
    options.params.norm = *parsedNorm;

    options.threads = QThread::idealThreadCount();
    if (parser.isSet(threads)) {
        const int value = c.toInt(parser.value(threads).trimmed(), &ok);
        if (!ok || value < 1 || value > 1024)
            return usageError(command,
                              QStringLiteral("--threads '%1' is not a count from 1 to 1024")
                                  .arg(parser.value(threads)));
        options.threads = value;
    }
    if (const auto problem = options.params.validate())
        return usageError(command, *problem);
    if (const auto problem = scope.read(parser, options))
        return usageError(command, *problem);
    return options;
}

} // namespace

ParsedCommand parseCommandLine(const QStringList& arguments)
{
    if (arguments.size() < 2)
        return usageError(QString(), QStringLiteral("missing command (list or mask)"));
    const QString command = arguments.at(1);
    QStringList rest = arguments.mid(2);
    rest.prepend(toolName);
    if (command == QLatin1String("-h") || command == QLatin1String("--help") ||
        command == QLatin1String("help"))
        return EarlyExit{generalHelp(), ExitSuccess};
    if (command == QLatin1String("-v") || command == QLatin1String("--version"))
        return EarlyExit{QStringLiteral("sparsity-cli " SPARSITY_VERSION "\n"), ExitSuccess};
    if (command == QLatin1String("list"))
        return parseList(rest);
    if (command == QLatin1String("mask"))
        return parseMask(rest);
    return usageError(QString(),
                      QStringLiteral("unknown command '%1' (expected list or mask)").arg(command));
}

} // namespace sparsity::cli
