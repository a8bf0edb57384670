#include "commandline.h"

#include "error.h"

#include <QCommandLineParser>
#include <QLocale>
#include <QThread>
#include <algorithm>

namespace sparsity::cli {
namespace {

const QString toolName = QStringLiteral("sparsity-cli");

QString generalHelp()
{
    return QStringLiteral(
        "Usage: sparsity-cli <command> [options]\n"
        "\n"
        "Block weight sparsity for the layers of a weights file (HDF5, safetensors or NumPy),\n"
        "the same masks as PyTorch's WeightNormSparsifier.\n"
        "\n"
        "Commands:\n"
        "  list   List the groups and datasets of a weights file and which can be masked\n"
        "  mask   Compute block sparsity masks and write them to a mask file (HDF5 or\n"
        "         safetensors)\n"
        "  sweep  Statistics of block configurations over many levels, per dataset and for\n"
        "         the whole model, as a table, CSV or JSON\n"
        "  apply  Write a copy of the weights, in their own format, with the pruned weights\n"
        "         set to zero (masks computed as mask does, or read from a mask file)\n"
        "\n"
        "Block configurations are written RxC (whole blocks), RxC/Z (Z zeros per pruned\n"
        "block) or N:M (keep N of every M consecutive weights: 2:4 is 1x4/2).\n"
        "\n"
        "--dataset takes paths or glob patterns ('*.weight', '/model_weights/*/*/kernel:0');\n"
        "--json prints one JSON document on stdout instead of the text.\n"
        "--layout auto|torch|keras and --view flatten|channels-last say how a stored tensor\n"
        "becomes the masked matrix (auto: keras for files with Keras's attributes). Masks keep\n"
        "the stored shape and axis order.\n"
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

// A command's --help. QCommandLineParser starts it with the program as the process was started
// ("Usage: /usr/bin/sparsity-cli [options] INPUT"); the tool's own help and its messages say
// "sparsity-cli", so this does too, with the command: "Usage: sparsity-cli mask [options] INPUT".
QString commandHelp(const QCommandLineParser& parser, const QString& command)
{
    QString text = parser.helpText();
    const QString usage = QStringLiteral("Usage: ");
    const qsizetype options = text.indexOf(QStringLiteral(" [options]"));
    if (text.startsWith(usage) && options > 0)
        text.replace(usage.size(), options - usage.size(), toolName + QLatin1Char(' ') + command);
    return text;
}

// Parses a command's options and its one INPUT: the input, or what to exit with (its help,
// or a usage error naming the command).
std::variant<QString, EarlyExit>
parseWithOneInput(QCommandLineParser& parser, const QStringList& arguments, const QString& command)
{
    if (!parser.parse(arguments))
        return usageError(command, parser.errorText());
    if (parser.isSet(QStringLiteral("help")))
        return EarlyExit{commandHelp(parser, command), ExitSuccess};
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 1)
        return usageError(command, positional.isEmpty()
                                       ? QStringLiteral("missing INPUT")
                                       : QStringLiteral("expected one input file, got %1: %2")
                                             .arg(positional.size())
                                             .arg(positional.join(QStringLiteral(", "))));
    return positional.front();
}

// A block option (mask's --block/--config, sweep's --config) in any written form of
// docs/SPEC.md "Configurations and sweeps": RxC, RxC/Z or N:M. A malformed plain shape keeps
// the wording mask has always used; the other forms carry the core's message.
std::variant<core::BlockSpec, QString> parseBlockOption(const QString& option, const QString& text)
{
    if (const auto shape = core::parseBlockShape(text))
        return core::BlockSpec{*shape, std::nullopt};
    if (!text.contains(QLatin1Char('/')) && !text.contains(QLatin1Char(':')))
        return QStringLiteral("--%1 '%2' is not a block shape like 1x4 or 8x8 (rows x columns, "
                              "each from 1 to 999999999), nor RxC/Z or N:M like 4x4/8 or 2:4")
            .arg(option, text);
    try {
        return core::parseBlockSpec(text);
    } catch (const core::Error& e) {
        // The core's message starts with the quoted text when the text is at fault, and states
        // the contract's rule (without the text) when zeros per block does not fit the block.
        const QString message = e.message();
        if (message.startsWith(QLatin1Char('\'') + text.trimmed() + QLatin1Char('\'')) ||
            message.startsWith(QLatin1Char('\'') + text + QLatin1Char('\'')))
            return QStringLiteral("--%1 %2").arg(option, message);
        return QStringLiteral("--%1 '%2': %3").arg(option, text, message);
    }
}

// mask's block options into params: --block or its synonym --config in any written form, and
// --zeros-per-block, which must agree with a form that states zeros per block (RxC/Z, N:M).
// Returns the usage error, if any.
std::optional<QString> applyMaskBlockOptions(const QCommandLineParser& parser,
                                             const QCommandLineOption& block,
                                             const QCommandLineOption& config,
                                             const QCommandLineOption& zeros,
                                             core::SparsityParams& params)
{
    if (parser.isSet(block) && parser.isSet(config))
        return QStringLiteral("--block and --config are the same option; give one of them");
    const QCommandLineOption& given = parser.isSet(config) ? config : block;
    const QString option = given.names().last();
    const QString text = parser.value(given);
    const auto parsed = parseBlockOption(option, text);
    if (const auto* problem = std::get_if<QString>(&parsed))
        return *problem;
    const auto& spec = std::get<core::BlockSpec>(parsed);
    params.block = spec.block;
    params.zerosPerBlock = spec.zerosPerBlock;
    // A plain RxC says nothing about zeros per block; the other forms always do.
    const bool statesZeros = !core::parseBlockShape(text).has_value();
    if (!parser.isSet(zeros))
        return std::nullopt;
    bool ok = false;
    const qlonglong value = QLocale::c().toLongLong(parser.value(zeros).trimmed(), &ok);
    if (!ok)
        return QStringLiteral("--zeros-per-block '%1' is not an integer").arg(parser.value(zeros));
    if (!statesZeros) {
        params.zerosPerBlock = value;
        return std::nullopt;
    }
    const std::int64_t stated = params.effectiveZerosPerBlock();
    if (value != stated)
        return QStringLiteral("--zeros-per-block %1 disagrees with --%2 '%3', which means %4 "
                              "zero%5 per block; give one or the other")
            .arg(value)
            .arg(option, text)
            .arg(stated)
            .arg(stated == 1 ? QString() : QStringLiteral("s"));
    return std::nullopt;
}

// --layout and --view of list, mask and sweep (docs/SPEC.md "Layout" and "View").
struct OrientationOptions
{
    QCommandLineOption layout{
        QStringLiteral("layout"),
        QStringLiteral("Axis order of the stored tensors: torch (out, in, kh, kw), keras "
                       "(in, out) and (kh, kw, in, out), or auto (default): keras when the file "
                       "has Keras's keras_version or layer_names attribute, torch otherwise."),
        QStringLiteral("LAYOUT"), QStringLiteral("auto")};
    QCommandLineOption view{
        QStringLiteral("view"),
        QStringLiteral("How a tensor becomes the masked matrix: flatten (default; out x "
                       "in*kh*kw, PyTorch's reshape(out, -1)) or channels-last (out*kh*kw x in: "
                       "a 1x4 block or 2:4 group runs along input channels). Masks keep the "
                       "stored shape and axis order."),
        QStringLiteral("VIEW"), QStringLiteral("flatten")};

    void addTo(QCommandLineParser& parser) const { parser.addOptions({layout, view}); }

    // The choice, or what is wrong with it.
    std::variant<core::TensorOrientation, QString> read(const QCommandLineParser& parser) const
    {
        for (const auto* single : {&layout, &view})
            if (parser.values(*single).size() > 1)
                return QStringLiteral("--%1 given more than once").arg(single->names().last());
        const auto parsedLayout = core::parseLayout(parser.value(layout));
        if (!parsedLayout)
            return QStringLiteral("--layout '%1' is not auto, torch or keras")
                .arg(parser.value(layout));
        const auto parsedView = core::parseView(parser.value(view));
        if (!parsedView)
            return QStringLiteral("--view '%1' is not flatten or channels-last")
                .arg(parser.value(view));
        return core::TensorOrientation{*parsedLayout, *parsedView};
    }
};

// --threads N, 1 to 1024; the CPU count when not given.
std::variant<int, QString> parseThreads(const QCommandLineParser& parser,
                                        const QCommandLineOption& threads)
{
    if (!parser.isSet(threads))
        return QThread::idealThreadCount();
    bool ok = false;
    const int value = QLocale::c().toInt(parser.value(threads).trimmed(), &ok);
    if (!ok || value < 1 || value > 1024)
        return QStringLiteral("--threads '%1' is not a count from 1 to 1024")
            .arg(parser.value(threads));
    return value;
}

// --dataset as list, mask and sweep take it: paths or patterns (cli/datasetselection.h).
QCommandLineOption datasetOption(const QString& what)
{
    return QCommandLineOption(
        QStringLiteral("dataset"),
        QStringLiteral("%1 (repeatable). A path (the leading '/' optional) or a glob pattern: "
                       "* and ? within one path component, [abc] a set; a pattern without '/' "
                       "matches dataset names at any depth, e.g. '*.weight'; one with '/' the "
                       "whole path, e.g. '/model_weights/*/*/kernel:0'. A pattern that matches "
                       "nothing is an error.")
            .arg(what),
        QStringLiteral("PATH"));
}

QCommandLineOption jsonOption(const QString& what)
{
    return QCommandLineOption(
        QStringLiteral("json"),
        QStringLiteral("Print %1 as one JSON document on stdout, every number exact (docs/SPEC.md "
                       "\"Scripting\"); notes and errors stay on stderr.")
            .arg(what));
}

ParsedCommand parseList(const QStringList& arguments)
{
    QCommandLineParser parser;
    addCommonOptions(parser);
    parser.setApplicationDescription(QStringLiteral(
        "List every group, dataset and link of a weights file (HDF5, safetensors or NumPy) with\n"
        "its shape, type and size, the matrix each dataset is masked as, and say for each\n"
        "dataset whether it can be masked."));
    parser.addPositionalArgument(QStringLiteral("INPUT"), QStringLiteral("The file to list."));
    const QCommandLineOption dataset = datasetOption(
        QStringLiteral("List only this dataset or link, or the datasets a pattern matches"));
    const QCommandLineOption json = jsonOption(QStringLiteral("the listing"));
    parser.addOptions({dataset, json});
    const OrientationOptions orientation;
    orientation.addTo(parser);
    const QString command = QStringLiteral("list");
    const auto input = parseWithOneInput(parser, arguments, command);
    if (const auto* exit = std::get_if<EarlyExit>(&input))
        return *exit;
    const auto chosen = orientation.read(parser);
    if (const auto* problem = std::get_if<QString>(&chosen))
        return usageError(command, *problem);
    return ListOptions{std::get<QString>(input), parser.values(dataset), parser.isSet(json),
                       std::get<core::TensorOrientation>(chosen)};
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

// A level written as a percentage without its '%' ("--level 50"): the problem with a hint, or
// nullopt when the text is not such a number. Levels are fractions, so 50 would be refused
// anyway; the hint says what was probably meant.
std::optional<QString> percentHint(const QString& option, const QString& text)
{
    const QString trimmed = text.trimmed();
    if (trimmed.endsWith(QLatin1Char('%')))
        return std::nullopt;
    bool ok = false;
    const double value = QLocale::c().toDouble(trimmed, &ok);
    // From 2: "1.5" is more likely a slip than 1.5 percent, and gets the plain range message.
    if (!ok || !(value >= 2.0 && value <= 100.0))
        return std::nullopt;
    return QStringLiteral("--%1 %2 is above 1: levels are fractions from 0 to 1; for %2 percent "
                          "write %2% or %3")
        .arg(option, trimmed, QString::number(value / 100.0, 'g', QLocale::FloatingPointShortest));
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
            if (const auto hint = percentHint(option->names().last(), parser.value(*option)))
                return hint;
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

// `mask`, or the mask options of `apply` (command names the command in messages and help).
ParsedCommand parseMask(const QStringList& arguments,
                        const QString& command = QStringLiteral("mask"))
{
    QCommandLineParser parser;
    addCommonOptions(parser);
    parser.setApplicationDescription(QStringLiteral(
        "Compute block sparsity masks (1 = keep, 0 = pruned) for datasets of INPUT and write\n"
        "them to OUTPUT at the same paths, as uint8 with their parameters as attributes.\n"
        "INPUT is an HDF5 file, a .safetensors file, a sharded checkpoint's\n"
        ".safetensors.index.json, or a NumPy .npy or .npz file. OUTPUT is HDF5, or safetensors\n"
        "when named *.safetensors (attributes in __metadata__). Without --dataset, every\n"
        "floating-point dataset of rank >= 2 is masked; others are skipped with a note.\n"
        "Nothing is written unless every dataset succeeds. The summary gives the requested\n"
        "level, the configuration, a row per dataset and their total."));
    parser.addPositionalArgument(QStringLiteral("INPUT"), QStringLiteral("The weights."));
    const QCommandLineOption output({QStringLiteral("o"), QStringLiteral("output")},
                                    QStringLiteral("The mask file to write."),
                                    QStringLiteral("OUTPUT"));
    const QCommandLineOption dataset = datasetOption(QStringLiteral(
        "A dataset to mask, or a pattern. Rank 1 and integer datasets are masked only when named "
        "or matched"));
    const QCommandLineOption level(
        QStringLiteral("level"), QStringLiteral("Fraction of blocks to prune, 0..1 (or 0%..100%)."),
        QStringLiteral("L"));
    const QCommandLineOption block(
        QStringLiteral("block"),
        QStringLiteral("Block configuration: RxC (rows x columns, e.g. 1x4 or 8x8, whole blocks "
                       "pruned), RxC/Z (Z zeros per pruned block, e.g. 4x4/8) or N:M (keep N of "
                       "every M consecutive weights: 2:4 is 1x4/2)."),
        QStringLiteral("SPEC"));
    const QCommandLineOption config(QStringLiteral("config"),
                                    QStringLiteral("The same as --block."), QStringLiteral("SPEC"));
    const QCommandLineOption zeros(QStringLiteral("zeros-per-block"),
                                   QStringLiteral("Elements zeroed in each pruned block, 0..R*C "
                                                  "(default R*C: the whole block). With RxC/Z "
                                                  "or N:M it must agree with the block."),
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
                                   QStringLiteral("Overwrite OUTPUT if it exists."));
    const QCommandLineOption printPytorch(
        QStringLiteral("print-pytorch"),
        QStringLiteral("Print a Python script that rebuilds these masks with PyTorch's "
                       "WeightNormSparsifier and compares them with OUTPUT, instead of "
                       "masking: nothing is written. Run the same command without it to write "
                       "OUTPUT first."));
    const QCommandLineOption dryRun(
        QStringLiteral("dry-run"),
        QStringLiteral("Compute the masks and print the summary, but write nothing; -o is then "
                       "optional and OUTPUT is neither checked nor touched."));
    const QCommandLineOption json = jsonOption(QStringLiteral("the summary"));
    parser.addOptions({output, dataset, level, block, config, zeros, norm, threads, force,
                       printPytorch, dryRun, json});
    const ScopeOptions scope;
    scope.addTo(parser);
    const OrientationOptions orientation;
    orientation.addTo(parser);

    const auto input = parseWithOneInput(parser, arguments, command);
    if (const auto* exit = std::get_if<EarlyExit>(&input))
        return *exit;
    MaskOptions options;
    options.input = std::get<QString>(input);
    options.dryRun = parser.isSet(dryRun);
    options.json = parser.isSet(json);
    options.printPytorch = parser.isSet(printPytorch);
    for (const auto* required : {&output, &level, &block})
        if (!parser.isSet(*required) && !(required == &block && parser.isSet(config)) &&
            !(required == &output && options.dryRun))
            return usageError(command,
                              QStringLiteral("missing --%1").arg(required->names().last()));
    if (options.printPytorch && (options.dryRun || options.json))
        return usageError(
            command, QStringLiteral("--print-pytorch prints a script, not a summary; it "
                                    "cannot be combined with --%1")
                         .arg(options.dryRun ? QStringLiteral("dry-run") : QStringLiteral("json")));
    // An option given twice is almost always a mistake in a script; say so rather than guess.
    for (const auto* single : {&output, &level, &block, &config, &zeros, &norm, &threads})
        if (parser.values(*single).size() > 1)
            return usageError(
                command, QStringLiteral("--%1 given more than once").arg(single->names().last()));
    options.output = parser.value(output);
    if (options.output.isEmpty() && parser.isSet(output))
        return usageError(command, QStringLiteral("--output is empty"));
    options.datasets = parser.values(dataset);
    options.force = parser.isSet(force);

    const QLocale c = QLocale::c();
    if (const auto hint = percentHint(level.names().last(), parser.value(level)))
        return usageError(command, *hint);
    QString levelText = parser.value(level).trimmed();
    const bool percent = levelText.endsWith(QLatin1Char('%'));
    if (percent)
        levelText.chop(1);
    bool ok = false;
    options.params.level = c.toDouble(levelText, &ok) / (percent ? 100.0 : 1.0);
    if (!ok)
        return usageError(command,
                          QStringLiteral("--level '%1' is not a number").arg(parser.value(level)));

    if (const auto problem = applyMaskBlockOptions(parser, block, config, zeros, options.params))
        return usageError(command, *problem);
    const auto parsedNorm = core::parseNorm(parser.value(norm));
    if (!parsedNorm)
        return usageError(command,
                          QStringLiteral("--norm '%1' is not l1 or l2").arg(parser.value(norm)));
    options.params.norm = *parsedNorm;

    const auto threadCount = parseThreads(parser, threads);
    if (const auto* problem = std::get_if<QString>(&threadCount))
        return usageError(command, *problem);
    options.threads = std::get<int>(threadCount);
    if (const auto problem = options.params.validate())
        return usageError(command, *problem);
    if (const auto problem = scope.read(parser, options))
        return usageError(command, *problem);
    const auto chosen = orientation.read(parser);
    if (const auto* problem = std::get_if<QString>(&chosen))
        return usageError(command, *problem);
    options.orientation = std::get<core::TensorOrientation>(chosen);
    return options;
}

// The options only apply has; every other option is mask's (parseMask reads them).
struct ApplyOnlyOptions
{
    QCommandLineOption output{{QStringLiteral("o"), QStringLiteral("output")},
                              QStringLiteral("The pruned copy to write, in the input's format "
                                             "(a sharded checkpoint: its new index, the shards "
                                             "beside it)."),
                              QStringLiteral("OUTPUT")};
    QCommandLineOption masks{QStringLiteral("masks"),
                             QStringLiteral("Apply the masks of this mask file (as `mask` writes "
                                            "it, HDF5 or safetensors) instead of computing "
                                            "them; every mask must have its dataset's shape."),
                             QStringLiteral("MASKS")};
    QCommandLineOption dataset{QStringLiteral("dataset"),
                               QStringLiteral("A dataset to prune (repeatable). Default: with "
                                              "--masks every mask of MASKS, otherwise what mask "
                                              "masks by default."),
                               QStringLiteral("PATH")};
    QCommandLineOption threads{QStringLiteral("threads"),
                               QStringLiteral("Worker threads (default: %1, the CPU count). The "
                                              "output does not depend on it.")
                                   .arg(QThread::idealThreadCount()),
                               QStringLiteral("N")};
    QCommandLineOption force{QStringLiteral("force"),
                             QStringLiteral("Overwrite OUTPUT if it exists.")};
    QCommandLineOption json = jsonOption(QStringLiteral("the summary"));

    void addTo(QCommandLineParser& parser) const
    {
        parser.addOptions({output, masks, dataset, threads, force, json});
    }
};

QString applyHelp()
{
    QCommandLineParser parser;
    addCommonOptions(parser);
    parser.setApplicationDescription(QStringLiteral(
        "Write a copy of INPUT in its own format (HDF5, .npy, .npz, safetensors) in which every\n"
        "pruned weight of the masked datasets is +0.0 and everything else is as it was: other\n"
        "datasets, attributes, dtypes, chunking and compression. The masks are those `mask`\n"
        "would write for the same options (--level, --block/--config, --zeros-per-block, --norm,\n"
        "--scope, --min-level, --max-level: see 'sparsity-cli mask --help'), or, with --masks,\n"
        "those of a mask file. Nothing is written unless every dataset succeeds; INPUT is never\n"
        "written."));
    parser.addPositionalArgument(QStringLiteral("INPUT"), QStringLiteral("The weights."));
    ApplyOnlyOptions().addTo(parser);
    return parser.helpText().replace(QStringLiteral("[options]"),
                                     QStringLiteral("apply [options]"));
}

// `apply INPUT -o OUTPUT (--masks MASKS | mask's options)`. Without --masks the command line is
// mask's, parsed by parseMask, so that both commands take the same mask options.
ParsedCommand parseApply(const QStringList& arguments)
{
    const QString command = QStringLiteral("apply");
    const QStringList rest = arguments.mid(1);
    for (const QString& argument : rest)
        if (argument == QLatin1String("-h") || argument == QLatin1String("--help") ||
            argument == QLatin1String("-help"))
            return EarlyExit{applyHelp(), ExitSuccess};
    const auto names = [](const QString& argument, const QString& option) {
        return argument == QLatin1String("--") + option ||
               argument == QLatin1String("-") + option ||
               argument.startsWith(QLatin1String("--") + option + QLatin1Char('=')) ||
               argument.startsWith(QLatin1String("-") + option + QLatin1Char('='));
    };
    const bool hasMasks = std::any_of(rest.begin(), rest.end(), [&](const QString& a) {
        return names(a, QStringLiteral("masks"));
    });
    if (!hasMasks) {
        if (std::none_of(rest.begin(), rest.end(),
                         [&](const QString& a) { return names(a, QStringLiteral("level")); }))
            return usageError(command, QStringLiteral("give --masks MASKS, or the options that "
                                                      "compute the masks as mask does (--level "
                                                      "and --block)"));
        ParsedCommand parsed = parseMask(arguments, command);
        if (auto* exit = std::get_if<EarlyExit>(&parsed))
            return *exit;
        const MaskOptions& mask = std::get<MaskOptions>(parsed);
        if (mask.printPytorch)
            return usageError(command, QStringLiteral("--print-pytorch is an option of mask"));
        if (mask.dryRun)
            return usageError(command, QStringLiteral("--dry-run is an option of mask (apply "
                                                      "always writes its output)"));
        return ApplyOptions{mask, QString()};
    }

    QCommandLineParser parser;
    addCommonOptions(parser);
    const ApplyOnlyOptions options;
    options.addTo(parser);
    parser.addPositionalArgument(QStringLiteral("INPUT"), QStringLiteral("The weights."));
    if (!parser.parse(arguments)) {
        // A mask option beside --masks is a contradiction, not an unknown option.
        const QStringList unknown = parser.unknownOptionNames();
        if (!unknown.isEmpty() && !unknown.contains(QStringLiteral("masks")))
            return usageError(command,
                              QStringLiteral("--%1 cannot be given with --masks: the masks come "
                                             "from the mask file")
                                  .arg(unknown.front()));
        return usageError(command, parser.errorText());
    }
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 1)
        return usageError(command, positional.isEmpty()
                                       ? QStringLiteral("missing INPUT")
                                       : QStringLiteral("expected one input file, got %1: %2")
                                             .arg(positional.size())
                                             .arg(positional.join(QStringLiteral(", "))));
    for (const auto* single : {&options.output, &options.masks, &options.threads})
        if (parser.values(*single).size() > 1)
            return usageError(
                command, QStringLiteral("--%1 given more than once").arg(single->names().last()));
    ApplyOptions apply;
    apply.mask.input = positional.front();
    if (!parser.isSet(options.output) || parser.value(options.output).isEmpty())
        return usageError(command, QStringLiteral("missing --output"));
    apply.mask.output = parser.value(options.output);
    apply.masksFile = parser.value(options.masks);
    if (apply.masksFile.isEmpty())
        return usageError(command, QStringLiteral("--masks is empty"));
    apply.mask.datasets = parser.values(options.dataset);
    apply.mask.force = parser.isSet(options.force);
    apply.mask.json = parser.isSet(options.json);
    const auto threadCount = parseThreads(parser, options.threads);
    if (const auto* problem = std::get_if<QString>(&threadCount))
        return usageError(command, *problem);
    apply.mask.threads = std::get<int>(threadCount);
    return apply;
}

ParsedCommand parseSweep(const QStringList& arguments)
{
    QCommandLineParser parser;
    addCommonOptions(parser);
    parser.setApplicationDescription(QStringLiteral(
        "For every dataset, configuration and level: blocks, pruned blocks, zeros, elements,\n"
        "achieved sparsity, retained energy and retained L1: what `mask` reports for those\n"
        "parameters, counts equal and ratios within 1e-12 (docs/SPEC.md \"Configurations and\n"
        "sweeps\"). After each configuration's datasets come its rows for the whole model,\n"
        "dataset \"model\" (a dataset path always starts with '/'): counts and energies added\n"
        "over the datasets before the ratios are taken. Rows are ordered by configuration,\n"
        "then dataset (the model last), then level. Datasets are read one at a time; nothing\n"
        "is written. Ctrl+C stops it without printing."));
    parser.addPositionalArgument(QStringLiteral("INPUT"),
                                 QStringLiteral("The weights (HDF5, safetensors or NumPy)."));
    const QCommandLineOption dataset = datasetOption(QStringLiteral(
        "A dataset to sweep, in the order given, or a pattern (its matches in list order). "
        "Default: every floating-point dataset of rank >= 2, in the order `list` prints them"));
    const QCommandLineOption config(
        QStringLiteral("config"),
        QStringLiteral("A block configuration (repeatable): RxC (whole blocks, e.g. 4x4), RxC/Z "
                       "(Z zeros per pruned block, e.g. 4x4/8) or N:M (keep N of every M "
                       "consecutive weights: 2:4 is 1x4/2). Default: 1x1, 2:4, 1x4, 4x1, 4x4 "
                       "and 8x8."),
        QStringLiteral("SPEC"));
    const QCommandLineOption norm(QStringLiteral("norm"),
                                  QStringLiteral("Block norm of every configuration: l1 (mean "
                                                 "|w|) or l2 (mean w^2). Default l2."),
                                  QStringLiteral("l1|l2"), QStringLiteral("l2"));
    const QCommandLineOption levels(
        QStringLiteral("levels"),
        QStringLiteral("Levels as a list (0.1,0.5,0.9) or start:stop:step, the stop included "
                       "when it falls on a step. Default 0:1:0.01 (101 levels)."),
        QStringLiteral("L"));
    const QCommandLineOption format(
        QStringLiteral("format"),
        QStringLiteral("table (aligned columns, percentages), csv (a header and one line per "
                       "row) or json (an object with input, configurations, levels, datasets "
                       "and rows). CSV and JSON print every number in full precision: parsed "
                       "back it is the same double. Default table."),
        QStringLiteral("table|csv|json"), QStringLiteral("table"));
    const QCommandLineOption threads(
        QStringLiteral("threads"),
        QStringLiteral(
            "Worker threads (default: %1, the CPU count). The numbers do not depend on it.")
            .arg(QThread::idealThreadCount()),
        QStringLiteral("N"));
    const QCommandLineOption json(QStringLiteral("json"),
                                  QStringLiteral("The same as --format json."));
    parser.addOptions({dataset, config, norm, levels, format, json, threads});
    const OrientationOptions orientation;
    orientation.addTo(parser);

    const QString command = QStringLiteral("sweep");
    const auto input = parseWithOneInput(parser, arguments, command);
    if (const auto* exit = std::get_if<EarlyExit>(&input))
        return *exit;
    SweepOptions options;
    options.input = std::get<QString>(input);
    for (const auto* single : {&norm, &levels, &format, &threads})
        if (parser.values(*single).size() > 1)
            return usageError(
                command, QStringLiteral("--%1 given more than once").arg(single->names().last()));
    options.datasets = parser.values(dataset);

    const auto parsedNorm = core::parseNorm(parser.value(norm));
    if (!parsedNorm)
        return usageError(command,
                          QStringLiteral("--norm '%1' is not l1 or l2").arg(parser.value(norm)));
    if (parser.isSet(config)) {
        for (const QString& text : parser.values(config)) {
            const auto parsed = parseBlockOption(config.names().last(), text);
            if (const auto* problem = std::get_if<QString>(&parsed))
                return usageError(command, *problem);
            const auto& spec = std::get<core::BlockSpec>(parsed);
            const core::Configuration configuration{spec.block, spec.zerosPerBlock, *parsedNorm};
            for (const core::Configuration& earlier : options.configurations)
                if (earlier.sameMasksAs(configuration))
                    return usageError(command, QStringLiteral("--config '%1' repeats %2")
                                                   .arg(text, core::formatBlockSpec(earlier)));
            options.configurations.push_back(configuration);
        }
    } else {
        options.configurations = defaultSweepConfigurations(*parsedNorm);
    }

    try {
        options.levels = parser.isSet(levels) ? core::parseLevels(parser.value(levels))
                                              : core::defaultSweepLevels();
    } catch (const core::Error& e) {
        // The core words it "Levels '<text>': <why>"; here the option is the subject.
        QString message = e.message();
        const QString subject = QStringLiteral("Levels ");
        if (message.startsWith(subject))
            message.remove(0, subject.size());
        return usageError(command, QStringLiteral("--levels %1").arg(message));
    }

    const QString formatName = parser.value(format).trimmed().toLower();
    if (parser.isSet(json) && parser.isSet(format) && formatName != QLatin1String("json"))
        return usageError(command, QStringLiteral("--json and --format %1 disagree; give one of "
                                                  "them")
                                       .arg(parser.value(format)));
    if (parser.isSet(json) || formatName == QLatin1String("json"))
        options.format = SweepFormat::Json;
    else if (formatName == QLatin1String("table"))
        options.format = SweepFormat::Table;
    else if (formatName == QLatin1String("csv"))
        options.format = SweepFormat::Csv;
    else
        return usageError(
            command,
            QStringLiteral("--format '%1' is not table, csv or json").arg(parser.value(format)));

    const auto threadCount = parseThreads(parser, threads);
    if (const auto* problem = std::get_if<QString>(&threadCount))
        return usageError(command, *problem);
    options.threads = std::get<int>(threadCount);
    const auto chosen = orientation.read(parser);
    if (const auto* problem = std::get_if<QString>(&chosen))
        return usageError(command, *problem);
    options.orientation = std::get<core::TensorOrientation>(chosen);
    return options;
}

} // namespace

std::vector<core::Configuration> defaultSweepConfigurations(core::Norm norm)
{
    std::vector<core::Configuration> configurations;
    for (const char* spec : {"1x1", "2:4", "1x4", "4x1", "4x4", "8x8"}) {
        const core::BlockSpec parsed = core::parseBlockSpec(QLatin1String(spec));
        configurations.push_back({parsed.block, parsed.zerosPerBlock, norm});
    }
    return configurations;
}

ParsedCommand parseCommandLine(const QStringList& arguments)
{
    if (arguments.size() < 2)
        return usageError(QString(),
                          QStringLiteral("missing command (list, mask, sweep or apply)"));
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
    if (command == QLatin1String("sweep"))
        return parseSweep(rest);
    if (command == QLatin1String("apply"))
        return parseApply(rest);
    return usageError(
        QString(),
        QStringLiteral("unknown command '%1' (expected list, mask, sweep or apply)").arg(command));
}

int reportFailure(const core::Error& error, const QString& unfinished, QTextStream& err,
                  bool errIsTerminal)
{
    switch (error.code()) {
    case core::ErrorCode::Cancelled:
        if (errIsTerminal)
            err << "\r\x1b[K"; // over the progress line and the ^C
        err << "sparsity-cli: interrupted";
        if (!unfinished.isEmpty())
            err << "; " << unfinished;
        err << Qt::endl;
        return ExitInterrupted;
    case core::ErrorCode::OutputExists:
        err << "sparsity-cli: " << error.message() << " (--force replaces it)" << Qt::endl;
        return ExitFailure;
    case core::ErrorCode::InvalidParameter:
        err << "sparsity-cli: " << error.message() << Qt::endl;
        return ExitUsage;
    default:
        err << "sparsity-cli: " << error.message() << Qt::endl;
        return ExitFailure;
    }
}

} // namespace sparsity::cli
