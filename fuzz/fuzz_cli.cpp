// libFuzzer target: sparsity-cli's command-line parser on fuzzed argument lists. The input is
// split on NUL and newline into arguments after argv[0]. Whatever it is, the parser returns a
// command or text to print; a mistake is a usage error (exit 2) with the tool's usage hint.
#include "commandline.h"
#include "datasetselection.h"
#include "error.h"
#include "fuzzcheck.h"

#include <QCoreApplication>
#include <QStringList>
#include <cstddef>
#include <cstdint>

namespace {

constexpr qsizetype maxArguments = 64;

QStringList splitArguments(const std::uint8_t* data, std::size_t size)
{
    QStringList arguments{QStringLiteral("sparsity-cli")};
    const char* text = reinterpret_cast<const char*>(data);
    std::size_t start = 0;
    for (std::size_t i = 0; i <= size && arguments.size() <= maxArguments; ++i) {
        if (i == size || text[i] == '\0' || text[i] == '\n') {
            arguments << QString::fromUtf8(text + start, static_cast<qsizetype>(i - start));
            start = i + 1;
        }
    }
    return arguments;
}

// Every --dataset pattern compiles or is refused as a usage error, and matching it against a
// few paths (and against itself) never fails.
void checkPatterns(const QStringList& values)
{
    using namespace sparsity;
    for (const QString& value : values) {
        if (!cli::isDatasetPattern(value))
            continue;
        try {
            const cli::DatasetPattern pattern(value);
            for (const QString& path : {QStringLiteral("/"), QStringLiteral("/a/b.weight"),
                                        QLatin1Char('/') + value, value})
                (void)pattern.matches(path);
        } catch (const core::Error& error) {
            FUZZ_CHECK(error.code() == core::ErrorCode::InvalidParameter);
            FUZZ_CHECK(error.message().contains(value));
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv)
{
    // As in main(): the parser's help text names the application.
    static QCoreApplication app(*argc, *argv);
    QCoreApplication::setApplicationName(QStringLiteral("sparsity-cli"));
    QCoreApplication::setApplicationVersion(QStringLiteral(SPARSITY_VERSION));
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace sparsity::cli;
    const QStringList arguments = splitArguments(data, size);
    const ParsedCommand parsed = parseCommandLine(arguments);
    const QString command = arguments.value(1);

    if (const auto* early = std::get_if<EarlyExit>(&parsed)) {
        FUZZ_CHECK(!early->text.isEmpty());
        FUZZ_CHECK(early->exitCode == ExitSuccess || early->exitCode == ExitUsage);
        if (early->exitCode == ExitUsage) {
            FUZZ_CHECK(early->text.startsWith(QLatin1String("sparsity-cli: ")));
            FUZZ_CHECK(early->text.contains(QLatin1String("--help' for usage.")));
        }
        return 0;
    }
    if (const auto* list = std::get_if<ListOptions>(&parsed)) {
        FUZZ_CHECK(command == QLatin1String("list"));
        FUZZ_CHECK(arguments.contains(list->input));
        checkPatterns(list->datasets);
        return 0;
    }
    if (const auto* sweep = std::get_if<SweepOptions>(&parsed)) {
        FUZZ_CHECK(command == QLatin1String("sweep"));
        FUZZ_CHECK(arguments.contains(sweep->input));
        FUZZ_CHECK(sweep->threads >= 1 && sweep->threads <= 1024);
        FUZZ_CHECK(!sweep->configurations.empty() && !sweep->levels.empty());
        for (const auto& configuration : sweep->configurations)
            FUZZ_CHECK(!configuration.atLevel(0.5).validate().has_value());
        for (double level : sweep->levels)
            FUZZ_CHECK(level >= 0.0 && level <= 1.0);
        checkPatterns(sweep->datasets);
        return 0;
    }
    if (const auto* apply = std::get_if<ApplyOptions>(&parsed)) {
        FUZZ_CHECK(command == QLatin1String("apply"));
        FUZZ_CHECK(arguments.contains(apply->mask.input));
        FUZZ_CHECK(!apply->mask.output.isEmpty());
        FUZZ_CHECK(apply->mask.threads >= 1 && apply->mask.threads <= 1024);
        // Without a mask file the masks are computed: mask's parameters, as mask checks them.
        if (apply->masksFile.isEmpty())
            FUZZ_CHECK(!apply->mask.params.validate().has_value());
        return 0;
    }
    const auto& mask = std::get<MaskOptions>(parsed);
    FUZZ_CHECK(command == QLatin1String("mask"));
    FUZZ_CHECK(arguments.contains(mask.input));
    FUZZ_CHECK(mask.dryRun || !mask.output.isEmpty());
    FUZZ_CHECK(!(mask.printPytorch && (mask.dryRun || mask.json)));
    checkPatterns(mask.datasets);
    FUZZ_CHECK(mask.threads >= 1 && mask.threads <= 1024);
    FUZZ_CHECK(!mask.params.validate().has_value());
    FUZZ_CHECK(mask.params.level >= 0.0 && mask.params.level <= 1.0);
    return 0;
}
