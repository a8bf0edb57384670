// The written forms of configurations and levels (docs/SPEC.md "Configurations and sweeps"):
// core parseBlockSpec / formatBlockSpec / parseLevels, and how sparsity-cli's mask and sweep
// command lines take them (the parser in-process, and the real binary for mask --block 2:4).
#include "commandline.h"
#include "common/checks.h"
#include "common/paramsbuilder.h"
#include "io/tensorfile.h"
#include "mask/sparsifier.h"
#include "ranking/configuration.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <limits>

using namespace sparsity;
using namespace sparsity::core;

namespace {

const QString cliPath = QStringLiteral(SPARSITY_CLI_PATH);
const QString layersFile = QStringLiteral(SPARSITY_TEST_DATA_DIR "/layers.h5");

using Zeros = std::optional<std::int64_t>;

cli::ParsedCommand parse(const QStringList& arguments)
{
    return cli::parseCommandLine(QStringList{QStringLiteral("sparsity-cli")} + arguments);
}

QStringList maskArguments(const QStringList& extra)
{
    return QStringList{QStringLiteral("mask"),   QStringLiteral("in.h5"),   QStringLiteral("-o"),
                       QStringLiteral("out.h5"), QStringLiteral("--level"), QStringLiteral("0.5")} +
           extra;
}

} // namespace

Q_DECLARE_METATYPE(Zeros)

class TestBlockSpellings final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void acceptedBlockSpecs_data();
    void acceptedBlockSpecs();
    void refusedBlockSpecs_data();
    void refusedBlockSpecs();
    void fourOfFourKeepsEverything();
    void formatRoundTrips_data();
    void formatRoundTrips();
    void rangeLevels();
    void listLevels();
    void refusedLevels_data();
    void refusedLevels();
    void maskBlockOptions_data();
    void maskBlockOptions();
    void maskBlockOptionErrors_data();
    void maskBlockOptionErrors();
    void sweepCommandLine();
    void sweepCommandLineErrors_data();
    void sweepCommandLineErrors();
    void maskTwoOfFourIsOneByFourWithTwoZeros();
};

void TestBlockSpellings::acceptedBlockSpecs_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<qlonglong>("rows");
    QTest::addColumn<qlonglong>("cols");
    QTest::addColumn<Zeros>("zeros");
    const auto row = [](const char* text, qlonglong r, qlonglong c, Zeros z) {
        QTest::newRow(text) << QString::fromLatin1(text) << r << c << z;
    };
    row("1x4", 1, 4, std::nullopt);
    row("8X8", 8, 8, std::nullopt);
    row(" 2 x 3 ", 2, 3, std::nullopt);
    row("4x4/8", 4, 4, 8);
    row("4x4/0", 4, 4, 0);
    row("4x4/16", 4, 4, std::nullopt); // the whole block, as if no Z were given
    row(" 3 x 2 / 5 ", 3, 2, 5);
    row("2:4", 1, 4, 2);
    row("1:8", 1, 8, 7);
    row("4:4", 1, 4, 0);            // keeps all
    row("0:4", 1, 4, std::nullopt); // keeps none: whole blocks
    row(" 2 : 4 ", 1, 4, 2);
    row("999999999x1", 999999999, 1, std::nullopt);
}

void TestBlockSpellings::acceptedBlockSpecs()
{
    QFETCH(QString, text);
    QFETCH(qlonglong, rows);
    QFETCH(qlonglong, cols);
    QFETCH(Zeros, zeros);
    const BlockSpec spec = parseBlockSpec(text);
    QCOMPARE(spec.block.rows, rows);
    QCOMPARE(spec.block.cols, cols);
    QCOMPARE(spec.zerosPerBlock, zeros);
}

void TestBlockSpellings::refusedBlockSpecs_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("message");
    const QString form = QStringLiteral("is not a block configuration: write RxC, RxC/Z or N:M");
    const auto row = [](const char* text, const QString& message) {
        QTest::newRow(text) << QString::fromLatin1(text) << message;
    };
    row("5:4", QStringLiteral("'5:4': N:M keeps N of every M weights, so N must be at most M"));
    row("4:0", QStringLiteral("'4:0': N:M keeps N of every M weights"));
    // The contract's wording (docs/SPEC.md "Inputs"), as PyTorch words it.
    row("1x4/5", QStringLiteral("Number of zeros per block cannot be more than the total number "
                                "of elements in that block. (zeros per block 5, block 1x4 "
                                "holds 4)"));
    row("0x4", QStringLiteral("'0x4' ") + form);
    row("4x0/0", QStringLiteral("'4x0/0' ") + form);
    row("garbage", QStringLiteral("'garbage' ") + form);
    row("", QStringLiteral("'' ") + form);
    row("1x4/", QStringLiteral("'1x4/' ") + form);
    row("1x4/-1", QStringLiteral("'1x4/-1' ") + form);
    row("2:4:8", QStringLiteral("'2:4:8' ") + form);
    row("-2:4", QStringLiteral("'-2:4' ") + form);
    row("1.5x2", QStringLiteral("'1.5x2' ") + form);
    row("4", QStringLiteral("'4' ") + form);
    row("4x4x4", QStringLiteral("'4x4x4' ") + form);
    row("9999999999x1", QStringLiteral("'9999999999x1' ") + form);
}

void TestBlockSpellings::refusedBlockSpecs()
{
    QFETCH(QString, text);
    QFETCH(QString, message);
    const auto error = test::errorOf([&] { parseBlockSpec(text); });
    VERIFY_ERROR(error, ErrorCode::InvalidParameter, message);
}

void TestBlockSpellings::fourOfFourKeepsEverything()
{
    // 4:4 keeps 4 of every 4: zeros per block 0, so no level prunes anything ("The mask", 1).
    const BlockSpec spec = parseBlockSpec(QStringLiteral("4:4"));
    const WeightTensor weights({3, 8},
                               std::vector<float>{1, -2, 3, -4, 5, -6, 7, -8, 9, -1, 2, -3,
                                                  4, -5, 6, -7, 8, -9, 1, -2, 3, -4, 5, -6});
    for (double level : {0.5, 0.99, 1.0}) {
        const MaskResult result =
            computeMask(weights, {level, spec.block, spec.zerosPerBlock, Norm::L2}, {});
        QCOMPARE(result.stats.zeros, 0);
        QCOMPARE(result.stats.retainedEnergy, 1.0);
    }
    // While 2:4 zeros 2 of each pruned group of 4 and 0:4 the whole group.
    const BlockSpec half = parseBlockSpec(QStringLiteral("2:4"));
    QCOMPARE(computeMask(weights, {1.0, half.block, half.zerosPerBlock, Norm::L2}, {}).stats.zeros,
             12);
    const BlockSpec none = parseBlockSpec(QStringLiteral("0:4"));
    QCOMPARE(computeMask(weights, {1.0, none.block, none.zerosPerBlock, Norm::L2}, {}).stats.zeros,
             24);
}

void TestBlockSpellings::formatRoundTrips_data()
{
    QTest::addColumn<qlonglong>("rows");
    QTest::addColumn<qlonglong>("cols");
    QTest::addColumn<Zeros>("zeros");
    QTest::addColumn<QString>("text");
    const auto row = [](qlonglong r, qlonglong c, Zeros z, const char* text) {
        QTest::newRow(text) << r << c << z << QString::fromLatin1(text);
    };
    row(1, 4, std::nullopt, "1x4");
    row(1, 4, 4, "1x4");
    row(1, 4, 2, "2:4");
    row(1, 4, 3, "1:4");
    row(1, 4, 0, "1x4/0");
    row(1, 1, std::nullopt, "1x1");
    row(1, 1, 0, "1x1/0");
    row(4, 4, 8, "4x4/8");
    row(2, 4, 2, "2x4/2");
    row(8, 8, std::nullopt, "8x8");
    row(4, 1, 2, "4x1/2");
    row(1, 16, 15, "1:16");
}

void TestBlockSpellings::formatRoundTrips()
{
    QFETCH(qlonglong, rows);
    QFETCH(qlonglong, cols);
    QFETCH(Zeros, zeros);
    QFETCH(QString, text);
    const BlockShape block{rows, cols};
    QCOMPARE(formatBlockSpec(block, zeros), text);
    const BlockSpec back = parseBlockSpec(text);
    QCOMPARE(back.block, block);
    // A zeros per block equal to the block's size comes back as none: the same masks.
    const Zeros normalized = zeros == block.elementCount() ? std::nullopt : zeros;
    QCOMPARE(back.zerosPerBlock, normalized);
    QCOMPARE(formatBlockSpec(back.block, back.zerosPerBlock), text);
}

void TestBlockSpellings::rangeLevels()
{
    const std::vector<double> levels = parseLevels(QStringLiteral("0:1:0.01"));
    QCOMPARE(levels.size(), std::size_t(101));
    // Exactly the double of "0.07", as --level 0.07 parses it, and so for every level.
    QCOMPARE(levels[7], 0.07);
    for (std::size_t i = 0; i < levels.size(); ++i)
        QCOMPARE(levels[i], QStringLiteral("%1").arg(double(i) / 100.0).toDouble());
    QCOMPARE(levels.front(), 0.0);
    QCOMPARE(levels.back(), 1.0);
    QVERIFY(levels == defaultSweepLevels());
    // The stop only when it falls on a step.
    QVERIFY(parseLevels(QStringLiteral("0:1:0.3")) == (std::vector<double>{0.0, 0.3, 0.6, 0.9}));
    QVERIFY(parseLevels(QStringLiteral("0.5:1:0.25")) == (std::vector<double>{0.5, 0.75, 1.0}));
    QVERIFY(parseLevels(QStringLiteral("0.2:0.2:0.1")) == (std::vector<double>{0.2}));
    QVERIFY(parseLevels(QStringLiteral(".1:.3:.1")) == (std::vector<double>{0.1, 0.2, 0.3}));
}

void TestBlockSpellings::listLevels()
{
    QVERIFY(parseLevels(QStringLiteral("0.1,0.5,0.9")) == (std::vector<double>{0.1, 0.5, 0.9}));
    // In the order given, repeats kept.
    QVERIFY(parseLevels(QStringLiteral(" 0.9 , 0.1,0.1 ")) == (std::vector<double>{0.9, 0.1, 0.1}));
    QVERIFY(parseLevels(QStringLiteral("1")) == (std::vector<double>{1.0}));
    QVERIFY(parseLevels(QStringLiteral("0,1e-3")) == (std::vector<double>{0.0, 0.001}));
}

void TestBlockSpellings::refusedLevels_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("message");
    const auto row = [](const char* text, const char* message) {
        QTest::newRow(text) << QString::fromLatin1(text) << QString::fromLatin1(message);
    };
    row("1.5", "1.5 is not between 0 and 1.");
    row("-0.1", "-0.1 is not between 0 and 1.");
    row("0.5,1.01", "1.01 is not between 0 and 1.");
    row("nan", "nan is not between 0 and 1.");
    row("0.1,nan", "nan is not between 0 and 1.");
    row("inf", "inf is not between 0 and 1.");
    row("abc", "'abc' is not a number.");
    row("", "'' is not a number.");
    row("0.1,,0.2", "'' is not a number.");
    row("1:0:0.1", "the stop is below the start.");
    row("0:1:0", "the step must be above 0.");
    row("0:1.5:0.5", "1.5 is not between 0 and 1.");
    row("0:1:-0.1", "start, stop and step must be plain decimals.");
    row("a:b:c", "start, stop and step must be plain decimals.");
    row("0:1", "a range has three parts.");
    row("0:1:0.1:2", "a range has three parts.");
    row("0:1:0.0000001", "more than a million levels.");
}

void TestBlockSpellings::refusedLevels()
{
    QFETCH(QString, text);
    QFETCH(QString, message);
    const auto error = test::errorOf([&] { parseLevels(text); });
    VERIFY_ERROR(error, ErrorCode::InvalidParameter,
                 QStringLiteral("Levels '%1': %2").arg(text, message));
}

void TestBlockSpellings::maskBlockOptions_data()
{
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<qlonglong>("rows");
    QTest::addColumn<qlonglong>("cols");
    QTest::addColumn<Zeros>("zeros");
    const auto row = [](const char* name, QStringList options, qlonglong r, qlonglong c, Zeros z) {
        QTest::newRow(name) << options << r << c << z;
    };
    const auto opt = [](const char* option, const char* value) {
        return QStringList{QLatin1String(option), QLatin1String(value)};
    };
    row("--block 1x4", opt("--block", "1x4"), 1, 4, std::nullopt);
    row("--block 2:4", opt("--block", "2:4"), 1, 4, 2);
    row("--config 2:4", opt("--config", "2:4"), 1, 4, 2);
    row("--block 4x4/8", opt("--block", "4x4/8"), 4, 4, 8);
    row("--config 8x8", opt("--config", "8x8"), 8, 8, std::nullopt);
    row("--block 4:4", opt("--block", "4:4"), 1, 4, 0);
    // A plain shape with --zeros-per-block, as always.
    row("--block 2x2 --zeros-per-block 3", opt("--block", "2x2") + opt("--zeros-per-block", "3"), 2,
        2, 3);
    row("--config 2x2 --zeros-per-block 0", opt("--config", "2x2") + opt("--zeros-per-block", "0"),
        2, 2, 0);
    // Both say the same: fine.
    row("--block 2:4 --zeros-per-block 2", opt("--block", "2:4") + opt("--zeros-per-block", "2"), 1,
        4, 2);
    row("--block 2x2/4 --zeros-per-block 4",
        opt("--block", "2x2/4") + opt("--zeros-per-block", "4"), 2, 2, std::nullopt);
}

void TestBlockSpellings::maskBlockOptions()
{
    QFETCH(QStringList, options);
    QFETCH(qlonglong, rows);
    QFETCH(qlonglong, cols);
    QFETCH(Zeros, zeros);
    const cli::ParsedCommand parsed = parse(maskArguments(options));
    if (const auto* early = std::get_if<cli::EarlyExit>(&parsed))
        QFAIL(qPrintable(early->text));
    const auto& mask = std::get<cli::MaskOptions>(parsed);
    QCOMPARE(mask.params.block, (BlockShape{rows, cols}));
    QCOMPARE(mask.params.zerosPerBlock, zeros);
    QCOMPARE(mask.params.level, 0.5);
}

void TestBlockSpellings::maskBlockOptionErrors_data()
{
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<QString>("message");
    const auto opt = [](const char* option, const char* value) {
        return QStringList{QLatin1String(option), QLatin1String(value)};
    };
    QTest::newRow("2:4 with 3 zeros")
        << opt("--block", "2:4") + opt("--zeros-per-block", "3")
        << QStringLiteral("--zeros-per-block 3 disagrees with --block '2:4', which means 2 zeros "
                          "per block; give one or the other");
    QTest::newRow("4x4/8 with 16 zeros")
        << opt("--config", "4x4/8") + opt("--zeros-per-block", "16")
        << QStringLiteral("--zeros-per-block 16 disagrees with --config '4x4/8', which means 8");
    QTest::newRow("4x4/16 with 8 zeros")
        << opt("--block", "4x4/16") + opt("--zeros-per-block", "8")
        << QStringLiteral("--zeros-per-block 8 disagrees with --block '4x4/16', which means 16");
    QTest::newRow("2:4 with bad zeros")
        << opt("--block", "2:4") + opt("--zeros-per-block", "x")
        << QStringLiteral("--zeros-per-block 'x' is not an integer");
    QTest::newRow("block and config") << opt("--block", "1x4") + opt("--config", "1x4")
                                      << QStringLiteral("--block and --config are the same option");
    QTest::newRow("config twice") << opt("--config", "1x4") + opt("--config", "2:4")
                                  << QStringLiteral("--config given more than once");
    QTest::newRow("neither") << QStringList{} << QStringLiteral("missing --block");
    QTest::newRow("5:4") << opt("--block", "5:4")
                         << QStringLiteral("--block '5:4': N:M keeps N of every M weights");
    QTest::newRow("1x4/5") << opt("--config", "1x4/5")
                           << QStringLiteral("--config '1x4/5': Number of zeros per block cannot "
                                             "be more than the total number of elements in that "
                                             "block.");
    QTest::newRow("0x4") << opt("--block", "0x4")
                         << QStringLiteral("--block '0x4' is not a block shape like 1x4 or 8x8");
    QTest::newRow("garbage") << opt("--config", "garbage")
                             << QStringLiteral("--config 'garbage' is not a block shape like 1x4 "
                                               "or 8x8 (rows x columns, each from 1 to "
                                               "999999999), nor RxC/Z or N:M like 4x4/8 or 2:4");
    QTest::newRow("1x4/") << opt("--block", "1x4/")
                          << QStringLiteral("--block '1x4/' is not a block configuration");
}

void TestBlockSpellings::maskBlockOptionErrors()
{
    QFETCH(QStringList, options);
    QFETCH(QString, message);
    const cli::ParsedCommand parsed = parse(maskArguments(options));
    const auto* early = std::get_if<cli::EarlyExit>(&parsed);
    QVERIFY(early != nullptr);
    QCOMPARE(early->exitCode, int(cli::ExitUsage));
    QVERIFY2(early->text.startsWith(QStringLiteral("sparsity-cli: ") + message),
             qPrintable(early->text));
    VERIFY_CONTAINS(early->text, QStringLiteral("Run 'sparsity-cli mask --help' for usage."));
}

void TestBlockSpellings::sweepCommandLine()
{
    {
        const auto parsed = parse({QStringLiteral("sweep"), QStringLiteral("in.h5")});
        const auto& sweep = std::get<cli::SweepOptions>(parsed);
        QCOMPARE(sweep.input, QStringLiteral("in.h5"));
        QStringList configs;
        for (const Configuration& c : sweep.configurations) {
            configs << formatBlockSpec(c);
            QCOMPARE(c.norm, Norm::L2);
        }
        QCOMPARE(configs, (QStringList{QStringLiteral("1x1"), QStringLiteral("2:4"),
                                       QStringLiteral("1x4"), QStringLiteral("4x1"),
                                       QStringLiteral("4x4"), QStringLiteral("8x8")}));
        QVERIFY(sweep.levels == defaultSweepLevels());
        QCOMPARE(sweep.format, cli::SweepFormat::Table);
        QVERIFY(sweep.datasets.isEmpty());
        QVERIFY(sweep.threads >= 1);
    }
    {
        const auto parsed = parse(
            {QStringLiteral("sweep"),     QStringLiteral("in.h5"),     QStringLiteral("--config"),
             QStringLiteral("8x8"),       QStringLiteral("--config"),  QStringLiteral("2:4"),
             QStringLiteral("--config"),  QStringLiteral("4x4/8"),     QStringLiteral("--norm"),
             QStringLiteral("l1"),        QStringLiteral("--levels"),  QStringLiteral("0.1,0.5"),
             QStringLiteral("--format"),  QStringLiteral("JSON"),      QStringLiteral("--dataset"),
             QStringLiteral("b"),         QStringLiteral("--dataset"), QStringLiteral("/a"),
             QStringLiteral("--threads"), QStringLiteral("3")});
        const auto& sweep = std::get<cli::SweepOptions>(parsed);
        QCOMPARE(sweep.configurations.size(), std::size_t(3));
        QCOMPARE(sweep.configurations[0], (Configuration{{8, 8}, std::nullopt, Norm::L1}));
        QCOMPARE(sweep.configurations[1], (Configuration{{1, 4}, 2, Norm::L1}));
        QCOMPARE(sweep.configurations[2], (Configuration{{4, 4}, 8, Norm::L1}));
        QVERIFY(sweep.levels == (std::vector<double>{0.1, 0.5}));
        QCOMPARE(sweep.format, cli::SweepFormat::Json);
        QCOMPARE(sweep.datasets, (QStringList{QStringLiteral("b"), QStringLiteral("/a")}));
        QCOMPARE(sweep.threads, 3);
    }
    const auto help = parse({QStringLiteral("sweep"), QStringLiteral("--help")});
    const auto& text = std::get<cli::EarlyExit>(help).text;
    for (const char* fragment : {"sweep [options]", "--config", "--levels", "--format", "N:M",
                                 "0:1:0.01", "model", "--threads", "--norm", "--dataset"})
        VERIFY_CONTAINS(text, QLatin1String(fragment));
    const auto general = parse({QStringLiteral("--help")});
    VERIFY_CONTAINS(std::get<cli::EarlyExit>(general).text, QStringLiteral("sweep"));
    const auto maskHelp = parse({QStringLiteral("mask"), QStringLiteral("--help")});
    for (const char* fragment : {"--config", "RxC/Z", "2:4 is 1x4/2"})
        VERIFY_CONTAINS(std::get<cli::EarlyExit>(maskHelp).text, QLatin1String(fragment));
}

void TestBlockSpellings::sweepCommandLineErrors_data()
{
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<QString>("message");
    const auto opt = [](const char* option, const char* value) {
        return QStringList{QLatin1String(option), QLatin1String(value)};
    };
    QTest::newRow("config 1x4/5") << opt("--config", "1x4/5")
                                  << QStringLiteral("--config '1x4/5': Number of zeros per block "
                                                    "cannot be more than the total number of "
                                                    "elements in that block.");
    QTest::newRow("config 5:4") << opt("--config", "5:4") << QStringLiteral("--config '5:4': N:M");
    QTest::newRow("config 0x4") << opt("--config", "0x4")
                                << QStringLiteral("--config '0x4' is not a block shape");
    QTest::newRow("config repeated") << opt("--config", "1x4") + opt("--config", "1x4/4")
                                     << QStringLiteral("--config '1x4/4' repeats 1x4");
    QTest::newRow("levels reversed")
        << opt("--levels", "1:0:0.1") << QStringLiteral("--levels '1:0:0.1': the stop is below");
    QTest::newRow("levels nan") << opt("--levels", "nan")
                                << QStringLiteral("--levels 'nan': nan is not between 0 and 1.");
    QTest::newRow("format") << opt("--format", "yaml")
                            << QStringLiteral("--format 'yaml' is not table, csv or json");
    QTest::newRow("norm twice") << opt("--norm", "l1") + opt("--norm", "l2")
                                << QStringLiteral("--norm given more than once");
    QTest::newRow("unknown option")
        << opt("--level", "0.5") << QStringLiteral("Unknown option 'level'");
}

void TestBlockSpellings::sweepCommandLineErrors()
{
    QFETCH(QStringList, options);
    QFETCH(QString, message);
    const cli::ParsedCommand parsed =
        parse(QStringList{QStringLiteral("sweep"), QStringLiteral("in.h5")} + options);
    const auto* early = std::get_if<cli::EarlyExit>(&parsed);
    QVERIFY(early != nullptr);
    QCOMPARE(early->exitCode, int(cli::ExitUsage));
    QVERIFY2(early->text.startsWith(QStringLiteral("sparsity-cli: ") + message),
             qPrintable(early->text));
    VERIFY_CONTAINS(early->text, QStringLiteral("Run 'sparsity-cli sweep --help' for usage."));
}

void TestBlockSpellings::maskTwoOfFourIsOneByFourWithTwoZeros()
{
    // The real binary: --block 2:4 writes the mask of 1x4 blocks with 2 zeros per block.
    QTemporaryDir dir;
    const auto weights = openTensorFile(layersFile)->readTensor(QStringLiteral("/conv/weight"), {});
    const auto expected = computeMask(weights, test::makeParams(0.6, 1, 4, 2), {});
    for (const char* option : {"--block", "--config"}) {
        const QString output = dir.filePath(QLatin1String(option).mid(2) + QStringLiteral(".h5"));
        QProcess process;
        process.start(cliPath, {QStringLiteral("mask"), layersFile, QStringLiteral("-o"), output,
                                QStringLiteral("--dataset"), QStringLiteral("conv/weight"),
                                QStringLiteral("--level"), QStringLiteral("0.6"),
                                QLatin1String(option), QStringLiteral("2:4")});
        QVERIFY(process.waitForFinished(60000));
        QVERIFY2(process.exitCode() == 0, process.readAllStandardError().constData());
        const auto written = openTensorFile(output)->readTensor(QStringLiteral("/conv/weight"), {});
        const auto bits = written.values<float>();
        QCOMPARE(std::size_t(bits.size()), expected.mask.size());
        for (std::size_t i = 0; i < bits.size(); ++i)
            QCOMPARE(bits[i], float(expected.mask[i]));
        // 27 columns: the last 1x4 block of a row holds 3 weights, still room for 2 zeros, so
        // every pruned block loses exactly 2.
        QVERIFY(expected.stats.prunedBlocks > 0);
        QCOMPARE(expected.stats.zeros, 2 * expected.stats.prunedBlocks);
    }
}

QTEST_GUILESS_MAIN(TestBlockSpellings)
#include "tst_blockspellings.moc"
