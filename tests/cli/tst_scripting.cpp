// sparsity-cli for scripts (docs/SPEC.md "Scripting"): the JSON documents of list, mask and
// sweep parsed back and compared with the table output, the core and the mask file; --dataset
// glob patterns (in-process and end to end); mask --dry-run; and the small things: plurals,
// the usage line, `--level 50`, sizes in IEC units.
#include "common/checks.h"
#include "common/hdf5fixtures.h"
#include "datasetselection.h"
#include "error.h"
#include "hdf5/hdf5reader.h"
#include "jsonoutput.h"
#include "mask/sparsifier.h"
#include "ranking/sweep.h"
#include "texttable.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

using namespace sparsity;
using namespace sparsity::core;

namespace {

const QString cliPath = QStringLiteral(SPARSITY_CLI_PATH);
const QString layersFile = QStringLiteral(SPARSITY_TEST_DATA_DIR "/layers.h5");
const QString safetensorsFile =
    QStringLiteral(SPARSITY_TEST_DATA_DIR "/safetensors/model.safetensors");

using Run = test::ProgramRun;

Run runCli(const QStringList& arguments)
{
    return test::runProgram(cliPath, arguments);
}

// stdout as the one JSON object it must be: the whole text parses, nothing before or after.
QJsonObject jsonOf(const Run& run)
{
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(run.out.toUtf8(), &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        qWarning() << "not one JSON object:" << error.errorString() << run.out.left(400);
    return document.object();
}

QStringList strings(const QJsonArray& array)
{
    QStringList list;
    for (const QJsonValue& value : array)
        list << value.toString();
    return list;
}

QStringList pathsOf(const QJsonObject& listing)
{
    QStringList paths;
    for (const QJsonValue& entry : listing.value(QStringLiteral("entries")).toArray())
        paths << entry.toObject().value(QStringLiteral("path")).toString();
    return paths;
}

// The datasets a glob test chooses from: Keras-style paths, dotted names at two depths and a
// name with a bracket in it.
const QStringList globDatasets{
    QStringLiteral("/model_weights/dense/dense/kernel:0"),
    QStringLiteral("/model_weights/dense/dense/bias:0"),
    QStringLiteral("/model_weights/dense_1/dense_1/kernel:0"),
    QStringLiteral("/model_weights/deep/x/y/kernel:0"),
    QStringLiteral("/a/b.weight"),
    QStringLiteral("/top.weight"),
    QStringLiteral("/w[0]"),
};

// Every stats field of a JSON row equals the core's numbers exactly.
void compareStats(const QJsonObject& row, const MaskStats& stats, const QString& what)
{
    const auto integer = [&](const char* key) {
        return row.value(QLatin1String(key)).toInteger(-1);
    };
    const auto real = [&](const char* key) { return row.value(QLatin1String(key)).toDouble(-1); };
    QVERIFY2(integer("blocks") == stats.blocks, qPrintable(what));
    QVERIFY2(integer("pruned_blocks") == stats.prunedBlocks, qPrintable(what));
    QVERIFY2(integer("zeros") == stats.zeros, qPrintable(what));
    QVERIFY2(integer("elements") == stats.elements, qPrintable(what));
    QVERIFY2(integer("non_finite_weights") == stats.nonFiniteWeights, qPrintable(what));
    QVERIFY2(real("achieved_sparsity") == stats.achievedSparsity, qPrintable(what));
    QVERIFY2(real("retained_energy") == stats.retainedEnergy, qPrintable(what));
    QVERIFY2(real("retained_l1") == stats.retainedL1, qPrintable(what));
}

} // namespace

class TestScripting final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void jsonNumbersAreExact();
    void listJsonAgreesWithTheTable();
    void maskJsonHasTheCoreNumbers();
    void dryRunWritesNothing();
    void sweepJsonIsFormatJson();
    void patternsMatch_data();
    void patternsMatch();
    void patternsChooseDatasets_data();
    void patternsChooseDatasets();
    void literalPathsWorkAsBefore();
    void patternsThatChooseNothing_data();
    void patternsThatChooseNothing();
    void summaryNamesLevelConfigurationAndTotal();
    void pluralsAndSizes();
    void levelAsPercentGetsAHint_data();
    void levelAsPercentGetsAHint();
    void usageNamesTheTool_data();
    void usageNamesTheTool();

private:
    QTemporaryDir m_dir;
    QString m_globFile;
};

void TestScripting::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_globFile = m_dir.filePath(QStringLiteral("globs.h5"));
    for (int i = 0; i < globDatasets.size(); ++i)
        QVERIFY(test::writeMatrixFile(m_globFile, globDatasets[i], 4, 8, 10 + i, i == 0));
}

void TestScripting::jsonNumbersAreExact()
{
    // Doubles of every exponent and counts beyond 2^53: printed and parsed back, each is the
    // same value (bit for bit for the doubles).
    QRandomGenerator random(12);
    QJsonArray doubles;
    std::vector<double> expected;
    for (int i = 0; i < 20000; ++i) {
        const quint64 bits = random.generate64();
        double value = 0;
        std::memcpy(&value, &bits, sizeof value);
        if (!std::isfinite(value))
            continue;
        expected.push_back(i % 2 ? value : random.generateDouble());
        doubles.append(cli::json::number(expected.back()));
    }
    for (const double value :
         {0.07, 0.1 + 0.2, 1.0 / 3.0, 5e-324, std::numeric_limits<double>::max(), 1.0}) {
        expected.push_back(value);
        doubles.append(cli::json::number(value));
    }
    const std::vector<std::int64_t> counts{(std::int64_t(1) << 53) + 1,
                                           std::numeric_limits<std::int64_t>::max(), 0,
                                           -(std::int64_t(1) << 60) - 3};
    QJsonArray integers;
    for (const std::int64_t c : counts)
        integers.append(cli::json::count(c));
    QString text;
    QTextStream stream(&text);
    cli::json::print(stream, QJsonObject{{QStringLiteral("d"), doubles},
                                         {QStringLiteral("i"), integers},
                                         {QStringLiteral("nan"), cli::json::number(std::nan(""))},
                                         {QStringLiteral("inf"), cli::json::number(HUGE_VAL)}});
    QVERIFY(text.endsWith(QLatin1Char('\n')));
    QCOMPARE(text.count(QLatin1Char('\n')), 1);
    QVERIFY(text.contains(QStringLiteral("9007199254740993")));
    QVERIFY(text.contains(QStringLiteral("9223372036854775807")));
    const QJsonObject back = QJsonDocument::fromJson(text.toUtf8()).object();
    const QJsonArray d = back.value(QStringLiteral("d")).toArray();
    QCOMPARE(std::size_t(d.size()), expected.size());
    for (std::size_t k = 0; k < expected.size(); ++k) {
        const double value = d.at(qsizetype(k)).toDouble();
        QVERIFY2(std::memcmp(&value, &expected[k], sizeof value) == 0,
                 qPrintable(QString::number(expected[k], 'g', 17)));
    }
    const QJsonArray i = back.value(QStringLiteral("i")).toArray();
    for (std::size_t k = 0; k < counts.size(); ++k)
        QCOMPARE(i.at(qsizetype(k)).toInteger(), qint64(counts[k]));
    QVERIFY(back.value(QStringLiteral("nan")).isNull());
    QVERIFY(back.value(QStringLiteral("inf")).isNull());
}

void TestScripting::listJsonAgreesWithTheTable()
{
    const Run table = runCli({QStringLiteral("list"), layersFile});
    const Run json = runCli({QStringLiteral("list"), layersFile, QStringLiteral("--json")});
    QCOMPARE(json.exitCode, 0);
    QVERIFY(json.err.isEmpty());
    const QJsonObject listing = jsonOf(json);
    QCOMPARE(listing.value(QStringLiteral("input")).toString(), layersFile);
    QCOMPARE(listing.value(QStringLiteral("datasets")).toInt(), 8);
    QCOMPARE(listing.value(QStringLiteral("maskable_by_default")).toInt(), 4);
    VERIFY_CONTAINS(table.out, QStringLiteral("8 datasets, 4 maskable by default"));
    // Every entry of the reader, in its order, with its numbers.
    const auto tree = Hdf5Reader::open(layersFile)->listTree();
    const QJsonArray entries = listing.value(QStringLiteral("entries")).toArray();
    QCOMPARE(std::size_t(entries.size()), tree.size());
    const QStringList tableLines = table.out.split(QLatin1Char('\n'));
    for (std::size_t k = 0; k < tree.size(); ++k) {
        const DatasetInfo& info = tree[k];
        const QJsonObject entry = entries.at(qsizetype(k)).toObject();
        QCOMPARE(entry.value(QStringLiteral("path")).toString(), info.path);
        // The table's row for the same entry says the same maskable verdict.
        const QString maskable = entry.value(QStringLiteral("maskable")).toString();
        const auto row = std::find_if(tableLines.begin(), tableLines.end(), [&](const QString& l) {
            return l.startsWith(info.path + QLatin1Char(' '));
        });
        QVERIFY2(row != tableLines.end(), qPrintable(info.path));
        if (info.kind == NodeKind::Group) {
            QCOMPARE(entry.value(QStringLiteral("kind")).toString(), QStringLiteral("group"));
            QVERIFY(!entry.contains(QStringLiteral("maskable")));
            continue;
        }
        if (maskable == QLatin1String("yes"))
            QVERIFY2(row->endsWith(QStringLiteral("  yes")), qPrintable(*row));
        else if (maskable == QLatin1String("when_named"))
            QVERIFY2(row->contains(QStringLiteral("when named (")), qPrintable(*row));
        else
            QVERIFY2(row->contains(QStringLiteral("no: ") +
                                   entry.value(QStringLiteral("reason")).toString()),
                     qPrintable(*row));
        if (info.kind != NodeKind::Dataset) {
            QCOMPARE(entry.value(QStringLiteral("kind")).toString(), QStringLiteral("broken_link"));
            QCOMPARE(entry.value(QStringLiteral("link_target")).toString(), info.linkTarget);
            continue;
        }
        QCOMPARE(entry.value(QStringLiteral("type")).toString(), info.typeName);
        QCOMPARE(entry.value(QStringLiteral("storage_bytes")).toInteger(), info.storageBytes);
        QCOMPARE(entry.value(QStringLiteral("elements")).toInteger(), info.elementCount());
        QJsonArray shape;
        for (const std::int64_t d : info.shape)
            shape.append(qint64(d));
        QCOMPARE(entry.value(QStringLiteral("shape")).toArray(), shape);
    }
}

void TestScripting::maskJsonHasTheCoreNumbers()
{
    QTemporaryDir dir;
    const QString output = dir.filePath(QStringLiteral("masks.h5"));
    const QStringList arguments{QStringLiteral("mask"),    layersFile,
                                QStringLiteral("-o"),      output,
                                QStringLiteral("--level"), QStringLiteral("0.3"),
                                QStringLiteral("--block"), QStringLiteral("2x3/4"),
                                QStringLiteral("--norm"),  QStringLiteral("l1")};
    const Run run = runCli(arguments + QStringList{QStringLiteral("--json")});
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    // Notes stay on stderr; stdout is the document alone.
    VERIFY_CONTAINS(run.err, QStringLiteral("note: skipped /dense/bias"));
    const QJsonObject summary = jsonOf(run);
    QCOMPARE(summary.value(QStringLiteral("input")).toString(), layersFile);
    QCOMPARE(summary.value(QStringLiteral("output")).toString(), output);
    QCOMPARE(summary.value(QStringLiteral("written")).toBool(false), true);
    QCOMPARE(summary.value(QStringLiteral("dry_run")).toBool(true), false);
    QCOMPARE(summary.value(QStringLiteral("scope")).toString(), QStringLiteral("layer"));
    QCOMPARE(summary.value(QStringLiteral("level")).toDouble(), 0.3);
    const QJsonObject configuration = summary.value(QStringLiteral("configuration")).toObject();
    QCOMPARE(configuration.value(QStringLiteral("config")).toString(), QStringLiteral("2x3/4"));
    QCOMPARE(configuration.value(QStringLiteral("block")).toArray(), (QJsonArray{2, 3}));
    QCOMPARE(configuration.value(QStringLiteral("zeros_per_block")).toInt(), 4);
    QCOMPARE(configuration.value(QStringLiteral("norm")).toString(), QStringLiteral("l1"));

    const SparsityParams params{0.3, {2, 3}, 4, Norm::L1};
    const auto reader = Hdf5Reader::open(layersFile);
    const auto masks = Hdf5Reader::open(output);
    std::vector<MaskStats> all;
    const QJsonArray datasets = summary.value(QStringLiteral("datasets")).toArray();
    QCOMPARE(datasets.size(), 4);
    for (const QJsonValue& value : datasets) {
        const QJsonObject row = value.toObject();
        const QString path = row.value(QStringLiteral("dataset")).toString();
        const WeightTensor weights = reader->readTensor(path, {});
        const MaskResult expected = computeMask(weights, params, {});
        compareStats(row, expected.stats, path);
        all.push_back(expected.stats);
        QJsonArray shape;
        for (const std::int64_t d : weights.shape())
            shape.append(qint64(d));
        QCOMPARE(row.value(QStringLiteral("shape")).toArray(), shape);
        // The file holds as many zeros as the document says.
        const WeightTensor written = masks->readTensor(path, {});
        const auto bytes = written.values<float>();
        const auto zeros = std::count(bytes.begin(), bytes.end(), 0.0f);
        QCOMPARE(row.value(QStringLiteral("zeros")).toInteger(), qint64(zeros));
    }
    compareStats(summary.value(QStringLiteral("total")).toObject(), combineStats(all),
                 QStringLiteral("total"));

    // The table of the same run says the same.
    QVERIFY(QFile::remove(output));
    const Run table = runCli(arguments);
    QVERIFY2(table.exitCode == 0, qPrintable(table.err));
    for (const QJsonValue& value : datasets) {
        const QJsonObject row = value.toObject();
        const QString line =
            QStringLiteral("%1 %2 %3")
                .arg(row.value(QStringLiteral("blocks")).toInteger())
                .arg(row.value(QStringLiteral("pruned_blocks")).toInteger())
                .arg(row.value(QStringLiteral("achieved_sparsity")).toDouble() * 100.0, 0, 'f', 2);
        VERIFY_CONTAINS(table.out.simplified(),
                        row.value(QStringLiteral("dataset")).toString() + QLatin1Char(' '));
        VERIFY_CONTAINS(table.out.simplified(), line);
    }
}

void TestScripting::dryRunWritesNothing()
{
    QTemporaryDir dir;
    const QString output = dir.filePath(QStringLiteral("masks.h5"));
    const QStringList common{QStringLiteral("--level"), QStringLiteral("0.6"),
                             QStringLiteral("--block"), QStringLiteral("2:4"),
                             QStringLiteral("--json")};
    const QByteArray inputBefore = test::fileHash(layersFile);
    const Run dry = runCli(QStringList{QStringLiteral("mask"), layersFile, QStringLiteral("-o"),
                                       output, QStringLiteral("--dry-run")} +
                           common);
    QVERIFY2(dry.exitCode == 0, qPrintable(dry.err));
    QCOMPARE(test::listing(dir.path()), QStringList());
    VERIFY_CONTAINS(dry.err, QStringLiteral("nothing was written"));
    // Without -o, and over an existing file without --force: still nothing touched.
    const Run noOutput = runCli(
        QStringList{QStringLiteral("mask"), layersFile, QStringLiteral("--dry-run")} + common);
    QVERIFY2(noOutput.exitCode == 0, qPrintable(noOutput.err));
    QVERIFY(jsonOf(noOutput).value(QStringLiteral("output")).isNull());
    {
        QFile file(output);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("precious");
    }
    const Run overExisting =
        runCli(QStringList{QStringLiteral("mask"), layersFile, QStringLiteral("-o"), output,
                           QStringLiteral("--dry-run")} +
               common);
    QVERIFY2(overExisting.exitCode == 0, qPrintable(overExisting.err));
    QCOMPARE(test::fileHash(output), test::bytesHash("precious"));
    QCOMPARE(test::listing(dir.path()), QStringList{QStringLiteral("masks.h5")});
    QCOMPARE(test::fileHash(layersFile), inputBefore);

    // The real run reports the same numbers, and only the two flags differ.
    const Run real = runCli(QStringList{QStringLiteral("mask"), layersFile, QStringLiteral("-o"),
                                        output, QStringLiteral("--force")} +
                            common);
    QVERIFY2(real.exitCode == 0, qPrintable(real.err));
    QJsonObject dryDocument = jsonOf(dry);
    QJsonObject realDocument = jsonOf(real);
    QCOMPARE(dryDocument.value(QStringLiteral("dry_run")).toBool(), true);
    QCOMPARE(dryDocument.value(QStringLiteral("written")).toBool(), false);
    for (const char* flag : {"dry_run", "written"}) {
        dryDocument.remove(QLatin1String(flag));
        realDocument.remove(QLatin1String(flag));
    }
    QCOMPARE(dryDocument, realDocument);

    // Model scope too: the same rows as the run that writes.
    const QStringList model{QStringLiteral("--scope"), QStringLiteral("model"),
                            QStringLiteral("--max-level"), QStringLiteral("0.9")};
    const Run modelDry =
        runCli(QStringList{QStringLiteral("mask"), layersFile, QStringLiteral("--dry-run")} +
               common + model);
    const QString modelOutput = dir.filePath(QStringLiteral("model.h5"));
    const Run modelReal =
        runCli(QStringList{QStringLiteral("mask"), layersFile, QStringLiteral("-o"), modelOutput} +
               common + model);
    QVERIFY2(modelDry.exitCode == 0 && modelReal.exitCode == 0,
             qPrintable(modelDry.err + modelReal.err));
    QCOMPARE(jsonOf(modelDry).value(QStringLiteral("datasets")),
             jsonOf(modelReal).value(QStringLiteral("datasets")));
    QCOMPARE(jsonOf(modelDry).value(QStringLiteral("scope")).toString(), QStringLiteral("model"));
    QCOMPARE(jsonOf(modelDry).value(QStringLiteral("max_level")).toDouble(), 0.9);
    QVERIFY(QFile::exists(modelOutput));

    // The text summary of a dry run says so, and no file appears.
    const QString textOutput = dir.filePath(QStringLiteral("text.h5"));
    const Run text =
        runCli({QStringLiteral("mask"), layersFile, QStringLiteral("-o"), textOutput,
                QStringLiteral("--dry-run"), QStringLiteral("--level"), QStringLiteral("0.5"),
                QStringLiteral("--block"), QStringLiteral("1x4")});
    QVERIFY2(text.exitCode == 0, qPrintable(text.err));
    VERIFY_CONTAINS(text.out, QStringLiteral("dry run: computed 4 masks, wrote nothing"));
    QVERIFY(!QFile::exists(textOutput));
}

void TestScripting::sweepJsonIsFormatJson()
{
    const QStringList arguments{QStringLiteral("sweep"),    layersFile,
                                QStringLiteral("--levels"), QStringLiteral("0.1,0.5"),
                                QStringLiteral("--config"), QStringLiteral("2:4")};
    const Run json = runCli(arguments + QStringList{QStringLiteral("--json")});
    const Run format =
        runCli(arguments + QStringList{QStringLiteral("--format"), QStringLiteral("json")});
    QVERIFY2(json.exitCode == 0, qPrintable(json.err));
    QCOMPARE(json.out, format.out);
    const QJsonArray rows = jsonOf(json).value(QStringLiteral("rows")).toArray();
    QCOMPARE(rows.size(), 2 * 5); // four datasets and the model, two levels
    // The row of /dense/kernel at 0.5 is the core's mask at 0.5.
    const WeightTensor weights =
        Hdf5Reader::open(layersFile)->readTensor(QStringLiteral("/dense/kernel"), {});
    const MaskResult expected = computeMask(weights, {0.5, {1, 4}, 2, Norm::L2}, {});
    bool found = false;
    for (const QJsonValue& value : rows) {
        const QJsonObject row = value.toObject();
        if (row.value(QStringLiteral("dataset")).toString() == QLatin1String("/dense/kernel") &&
            row.value(QStringLiteral("level")).toDouble() == 0.5) {
            found = true;
            QCOMPARE(row.value(QStringLiteral("blocks")).toInteger(), expected.stats.blocks);
            QCOMPARE(row.value(QStringLiteral("pruned_blocks")).toInteger(),
                     expected.stats.prunedBlocks);
            QCOMPARE(row.value(QStringLiteral("zeros")).toInteger(), expected.stats.zeros);
        }
    }
    QVERIFY(found);
    const Run clash =
        runCli(arguments + QStringList{QStringLiteral("--json"), QStringLiteral("--format"),
                                       QStringLiteral("csv")});
    QCOMPARE(clash.exitCode, 2);
    VERIFY_CONTAINS(clash.err, QStringLiteral("--json and --format csv disagree"));
}

void TestScripting::patternsMatch_data()
{
    QTest::addColumn<QString>("pattern");
    QTest::addColumn<QString>("path");
    QTest::addColumn<bool>("matches");
    const auto row = [](const char* pattern, const char* path, bool matches) {
        QTest::addRow("%s ~ %s", pattern, path)
            << QString::fromUtf8(pattern) << QString::fromUtf8(path) << matches;
    };
    // Without '/': the name at any depth.
    row("*.weight", "/model.layers.0.mlp.weight", true);
    row("*.weight", "/a/b.weight", true);
    row("*.weight", "/a/b.weight/c", false);
    row("*.weight", "/a/b.bias", false);
    row("model.layers.?.*", "/model.layers.7.mlp.weight", true);
    row("model.layers.?.*", "/model.layers.12.mlp.weight", false);
    // With '/': the whole path; '*' and '?' stay within one component.
    row("/model_weights/*/*/kernel:0", "/model_weights/dense/dense/kernel:0", true);
    row("model_weights/*/*/kernel:0", "/model_weights/dense/dense/kernel:0", true);
    row("/model_weights/*/*/kernel:0", "/model_weights/a/b/c/kernel:0", false);
    row("/model_weights/*/kernel:0", "/model_weights/dense/dense/kernel:0", false);
    row("/*", "/a/b", false);
    row("/a?b", "/a/b", false);
    row("/*.weight", "/top.weight", true);
    row("/*.weight", "/a/b.weight", false);
    // Sets: ranges, negation with '!' or '^', ']' first is a member, never '/'.
    row("layer[0-2]", "/x/layer1", true);
    row("layer[0-2]", "/x/layer3", false);
    row("layer[!0-2]", "/x/layer3", true);
    row("layer[^0-2]", "/x/layer1", false);
    row("[]]x", "/]x", true);
    row("/a[/]b", "/a/b", false);
    row("/a[!x]b", "/a/b", false);
    row("w[[]0]", "/w[0]", true);
    // Everything else is literal, regular-expression characters included.
    row("a.b", "/aXb", false);
    row("a+(b)", "/a+(b)", true);
    row("*", "/anything/at/all", true);
}

void TestScripting::patternsMatch()
{
    QFETCH(QString, pattern);
    QFETCH(QString, path);
    QFETCH(bool, matches);
    QCOMPARE(cli::DatasetPattern(pattern).matches(path), matches);
}

void TestScripting::patternsChooseDatasets_data()
{
    QTest::addColumn<QStringList>("values");
    QTest::addColumn<QStringList>("expected");
    QTest::newRow("*.weight at any depth")
        << QStringList{QStringLiteral("*.weight")}
        << QStringList{QStringLiteral("/a/b.weight"), QStringLiteral("/top.weight")};
    QTest::newRow("keras kernels, one level each")
        << QStringList{QStringLiteral("/model_weights/*/*/kernel:0")}
        << QStringList{QStringLiteral("/model_weights/dense/dense/kernel:0"),
                       QStringLiteral("/model_weights/dense_1/dense_1/kernel:0")};
    QTest::newRow("kernels at any depth")
        << QStringList{QStringLiteral("kernel:?")}
        << QStringList{QStringLiteral("/model_weights/deep/x/y/kernel:0"),
                       QStringLiteral("/model_weights/dense/dense/kernel:0"),
                       QStringLiteral("/model_weights/dense_1/dense_1/kernel:0")};
    QTest::newRow("overlapping patterns, each dataset once")
        << QStringList{QStringLiteral("/top.weight"), QStringLiteral("*.weight"),
                       QStringLiteral("/a/*")}
        << QStringList{QStringLiteral("/top.weight"), QStringLiteral("/a/b.weight")};
    QTest::newRow("a literal path with a bracket is that path")
        << QStringList{QStringLiteral("/w[0]")} << QStringList{QStringLiteral("/w[0]")};
    QTest::newRow("the bracket as a set")
        << QStringList{QStringLiteral("w[[]0]")} << QStringList{QStringLiteral("/w[0]")};
}

void TestScripting::patternsChooseDatasets()
{
    QFETCH(QStringList, values);
    QFETCH(QStringList, expected);
    // In-process: the selection itself.
    QString notes;
    QTextStream noteStream(&notes);
    const auto tree = Hdf5Reader::open(m_globFile)->listTree();
    QCOMPARE(cli::selectDatasets(values, tree, m_globFile, noteStream), expected);

    // list shows the same datasets; mask and sweep take them, in the order the selection
    // gives; mask writes exactly those.
    QStringList listArguments{QStringLiteral("list"), m_globFile, QStringLiteral("--json")};
    QStringList maskArguments{QStringLiteral("mask"),
                              m_globFile,
                              QStringLiteral("--json"),
                              QStringLiteral("--level"),
                              QStringLiteral("0.5"),
                              QStringLiteral("--block"),
                              QStringLiteral("1x4"),
                              QStringLiteral("-o"),
                              m_dir.filePath(QStringLiteral("selected.h5"))};
    QStringList sweepArguments{QStringLiteral("sweep"),  m_globFile,
                               QStringLiteral("--json"), QStringLiteral("--levels"),
                               QStringLiteral("0.5"),    QStringLiteral("--config"),
                               QStringLiteral("1x4")};
    for (const QString& value : values) {
        listArguments << QStringLiteral("--dataset") << value;
        maskArguments << QStringLiteral("--dataset") << value;
        sweepArguments << QStringLiteral("--dataset") << value;
    }
    QFile::remove(m_dir.filePath(QStringLiteral("selected.h5")));
    const Run list = runCli(listArguments);
    QVERIFY2(list.exitCode == 0, qPrintable(list.err));
    QStringList listed = pathsOf(jsonOf(list));
    QStringList sorted = expected;
    listed.sort();
    sorted.sort();
    QCOMPARE(listed, sorted);
    const Run mask = runCli(maskArguments);
    QVERIFY2(mask.exitCode == 0, qPrintable(mask.err));
    QStringList masked;
    for (const QJsonValue& row : jsonOf(mask).value(QStringLiteral("datasets")).toArray())
        masked << row.toObject().value(QStringLiteral("dataset")).toString();
    QCOMPARE(masked, expected);
    QStringList written;
    for (const DatasetInfo& info :
         Hdf5Reader::open(m_dir.filePath(QStringLiteral("selected.h5")))->listTree())
        if (info.kind == NodeKind::Dataset)
            written << info.path;
    written.sort();
    QCOMPARE(written, sorted);
    const Run sweep = runCli(sweepArguments);
    QVERIFY2(sweep.exitCode == 0, qPrintable(sweep.err));
    QCOMPARE(strings(jsonOf(sweep).value(QStringLiteral("datasets")).toArray()), expected);
}

void TestScripting::literalPathsWorkAsBefore()
{
    // Without pattern characters a value is a path, the leading '/' optional, as before;
    // a missing one names the path.
    QTemporaryDir dir;
    const QString output = dir.filePath(QStringLiteral("m.h5"));
    const Run run = runCli(
        {QStringLiteral("mask"), layersFile, QStringLiteral("-o"), output, QStringLiteral("--json"),
         QStringLiteral("--dataset"), QStringLiteral("dense/kernel"), QStringLiteral("--dataset"),
         QStringLiteral("/int_table"), QStringLiteral("--level"), QStringLiteral("0.5"),
         QStringLiteral("--block"), QStringLiteral("2x2")});
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    QStringList masked;
    for (const QJsonValue& row : jsonOf(run).value(QStringLiteral("datasets")).toArray())
        masked << row.toObject().value(QStringLiteral("dataset")).toString();
    QCOMPARE(masked, (QStringList{QStringLiteral("/dense/kernel"), QStringLiteral("/int_table")}));
    const Run missing = runCli(
        {QStringLiteral("list"), layersFile, QStringLiteral("--dataset"), QStringLiteral("nope")});
    QCOMPARE(missing.exitCode, 1);
    VERIFY_CONTAINS(missing.err, QStringLiteral("'/nope'"));
    // A literal names any entry in list, a group too; the summary counts what is shown.
    const Run group =
        runCli({QStringLiteral("list"), layersFile, QStringLiteral("--dataset"),
                QStringLiteral("/dense"), QStringLiteral("--dataset"), QStringLiteral("dense/*")});
    QVERIFY2(group.exitCode == 0, qPrintable(group.err));
    VERIFY_CONTAINS(group.out, QStringLiteral("/dense/bias"));
    VERIFY_CONTAINS(group.out, QStringLiteral("2 datasets, 1 maskable by default"));
    QVERIFY(!group.out.contains(QStringLiteral("/conv")));
    // A safetensors checkpoint's dotted names are one component each.
    const Run weights = runCli({QStringLiteral("list"), safetensorsFile, QStringLiteral("--json"),
                                QStringLiteral("--dataset"), QStringLiteral("*.weight")});
    QVERIFY2(weights.exitCode == 0, qPrintable(weights.err));
    QCOMPARE(pathsOf(jsonOf(weights)), (QStringList{QStringLiteral("/model.embed.weight"),
                                                    QStringLiteral("/model.head.weight"),
                                                    QStringLiteral("/model.layers.0.conv.weight"),
                                                    QStringLiteral("/model.layers.1.weight")}));
}

void TestScripting::patternsThatChooseNothing_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("message");
    const QStringList mask{QStringLiteral("mask"),    QStringLiteral("GLOBS"),
                           QStringLiteral("-o"),      QStringLiteral("OUT"),
                           QStringLiteral("--level"), QStringLiteral("0.5"),
                           QStringLiteral("--block"), QStringLiteral("1x4")};
    const QStringList sweep{QStringLiteral("sweep"), QStringLiteral("GLOBS")};
    const QStringList list{QStringLiteral("list"), QStringLiteral("GLOBS")};
    for (const auto& [name, command] :
         {std::pair{"mask", mask}, std::pair{"sweep", sweep}, std::pair{"list", list}}) {
        QTest::addRow("%s: no match", name)
            << command + QStringList{QStringLiteral("--dataset"), QStringLiteral("*.bias")} << 1
            << QStringLiteral("--dataset '*.bias' matches no dataset");
        QTest::addRow("%s: unclosed set", name)
            << command + QStringList{QStringLiteral("--dataset"), QStringLiteral("/w[0")} << 2
            << QStringLiteral("--dataset '/w[0': '[' at character 3 is not closed");
        QTest::addRow("%s: one good, one matching nothing", name)
            << command + QStringList{QStringLiteral("--dataset"), QStringLiteral("*.weight"),
                                     QStringLiteral("--dataset"), QStringLiteral("/none/*")}
            << 1 << QStringLiteral("--dataset '/none/*' matches no dataset");
    }
    QTest::newRow("mask: only datasets that cannot be masked")
        << QStringList{QStringLiteral("mask"),      layersFile,
                       QStringLiteral("-o"),        QStringLiteral("OUT"),
                       QStringLiteral("--level"),   QStringLiteral("0.5"),
                       QStringLiteral("--block"),   QStringLiteral("1x4"),
                       QStringLiteral("--dataset"), QStringLiteral("n?mes")}
        << 1
        << QStringLiteral("--dataset 'n?mes' matches 1 dataset, none of which can be masked "
                          "('/names': string data is not numeric)");
}

void TestScripting::patternsThatChooseNothing()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, exitCode);
    QFETCH(QString, message);
    QTemporaryDir dir;
    arguments.replaceInStrings(QStringLiteral("GLOBS"), m_globFile);
    arguments.replaceInStrings(QStringLiteral("OUT"), dir.filePath(QStringLiteral("out.h5")));
    const Run run = runCli(arguments);
    QCOMPARE(run.exitCode, exitCode);
    VERIFY_CONTAINS(run.err, message);
    QVERIFY(run.out.isEmpty());
    QCOMPARE(test::listing(dir.path()), QStringList());
}

void TestScripting::summaryNamesLevelConfigurationAndTotal()
{
    const Run layer =
        runCli({QStringLiteral("mask"), layersFile, QStringLiteral("--dry-run"),
                QStringLiteral("--level"), QStringLiteral("7%"), QStringLiteral("--block"),
                QStringLiteral("2:4"), QStringLiteral("--norm"), QStringLiteral("l1")});
    QVERIFY2(layer.exitCode == 0, qPrintable(layer.err));
    VERIFY_CONTAINS(layer.out, QStringLiteral("requested level  0.07 (7%; layer scope"));
    VERIFY_CONTAINS(layer.out,
                    QStringLiteral("configuration    2:4, l1 norm (1x4 blocks, 2 zeros per "
                                   "pruned block)"));
    // The total row adds the datasets' counts: here 28 + 96 + 32 + 30 blocks of 1x4.
    const QStringList lines = layer.out.split(QLatin1Char('\n'));
    const auto total = std::find_if(lines.begin(), lines.end(), [](const QString& line) {
        return line.startsWith(QStringLiteral("total "));
    });
    QVERIFY(total != lines.end());
    QCOMPARE(total->simplified().section(QLatin1Char(' '), 1, 1), QStringLiteral("186"));

    const Run model =
        runCli({QStringLiteral("mask"), layersFile, QStringLiteral("--dry-run"),
                QStringLiteral("--level"), QStringLiteral("0.5"), QStringLiteral("--block"),
                QStringLiteral("4x4/1"), QStringLiteral("--scope"), QStringLiteral("model"),
                QStringLiteral("--min-level"), QStringLiteral("0.1")});
    QVERIFY2(model.exitCode == 0, qPrintable(model.err));
    VERIFY_CONTAINS(model.out, QStringLiteral("requested level  0.5 (50%; model scope"));
    VERIFY_CONTAINS(model.out, QStringLiteral("each dataset from 0.1 to 1 of its own"));
    VERIFY_CONTAINS(model.out, QStringLiteral("(4x4 blocks, 1 zero per pruned block)"));
    VERIFY_CONTAINS(model.out, QStringLiteral("\ntotal "));
}

void TestScripting::pluralsAndSizes()
{
    const Run one = runCli({QStringLiteral("list"), layersFile, QStringLiteral("--dataset"),
                            QStringLiteral("dense/kernel")});
    QVERIFY2(one.exitCode == 0, qPrintable(one.err));
    VERIFY_CONTAINS(one.out, QStringLiteral("1 dataset, 1 maskable by default"));
    // 16 x 24 float32 = 1536 bytes: 1.5 KiB, as the GUI's layer browser says (IEC units).
    VERIFY_CONTAINS(one.out, QStringLiteral("1.5 KiB"));
    QCOMPARE(cli::humanBytes(1536), QStringLiteral("1.5 KiB"));
    QCOMPARE(cli::humanBytes(1536),
             QLocale::c().formattedDataSize(1536, 1, QLocale::DataSizeIecFormat));
    QCOMPARE(cli::humanBytes(3 * 1024 * 1024), QStringLiteral("3.0 MiB"));
    QCOMPARE(cli::humanBytes(432), QStringLiteral("432 bytes"));
    QCOMPARE(cli::humanBytes(1), QStringLiteral("1 byte"));
    const Run oneMask =
        runCli({QStringLiteral("mask"), layersFile, QStringLiteral("--dry-run"),
                QStringLiteral("--dataset"), QStringLiteral("half"), QStringLiteral("--level"),
                QStringLiteral("0.5"), QStringLiteral("--block"), QStringLiteral("1x1")});
    VERIFY_CONTAINS(oneMask.out, QStringLiteral("computed 1 mask,"));
    const Run oneZero =
        runCli({QStringLiteral("mask"), layersFile, QStringLiteral("--dry-run"),
                QStringLiteral("--level"), QStringLiteral("0.5"), QStringLiteral("--block"),
                QStringLiteral("3:4"), QStringLiteral("--zeros-per-block"), QStringLiteral("2")});
    QCOMPARE(oneZero.exitCode, 2);
    VERIFY_CONTAINS(oneZero.err, QStringLiteral("which means 1 zero per block;"));
}

void TestScripting::levelAsPercentGetsAHint_data()
{
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<QString>("message");
    const QStringList block{QStringLiteral("--block"), QStringLiteral("1x4")};
    QTest::newRow("--level 50")
        << QStringList{QStringLiteral("--level"), QStringLiteral("50")} + block
        << QStringLiteral("--level 50 is above 1: levels are fractions from 0 to 1; for 50 "
                          "percent write 50% or 0.5");
    QTest::newRow("--level 7.5") << QStringList{QStringLiteral("--level"), QStringLiteral("7.5")} +
                                        block
                                 << QStringLiteral("write 7.5% or 0.075");
    QTest::newRow("--max-level 90")
        << QStringList{QStringLiteral("--level"),     QStringLiteral("0.5"),
                       QStringLiteral("--scope"),     QStringLiteral("model"),
                       QStringLiteral("--max-level"), QStringLiteral("90")} +
               block
        << QStringLiteral("--max-level 90 is above 1: levels are fractions from 0 to 1; for 90 "
                          "percent write 90% or 0.9");
    // Above 100 it cannot be a percentage either: the plain range message.
    QTest::newRow("--level 150") << QStringList{QStringLiteral("--level"), QStringLiteral("150")} +
                                        block
                                 << QStringLiteral("Sparsity level must be between 0 and 1");
}

void TestScripting::levelAsPercentGetsAHint()
{
    QFETCH(QStringList, options);
    QFETCH(QString, message);
    const Run run = runCli(
        QStringList{QStringLiteral("mask"), layersFile, QStringLiteral("--dry-run")} + options);
    QCOMPARE(run.exitCode, 2);
    VERIFY_CONTAINS(run.err, message);
    // What the hint proposes works.
    const Run percent = runCli({QStringLiteral("mask"), layersFile, QStringLiteral("--dry-run"),
                                QStringLiteral("--level"), QStringLiteral("50%"),
                                QStringLiteral("--block"), QStringLiteral("1x4")});
    QCOMPARE(percent.exitCode, 0);
}

void TestScripting::usageNamesTheTool_data()
{
    QTest::addColumn<QString>("command");
    QTest::addColumn<QString>("firstLine");
    QTest::newRow("list") << QStringLiteral("list")
                          << QStringLiteral("Usage: sparsity-cli list [options] INPUT");
    QTest::newRow("mask") << QStringLiteral("mask")
                          << QStringLiteral("Usage: sparsity-cli mask [options] INPUT");
    QTest::newRow("sweep") << QStringLiteral("sweep")
                           << QStringLiteral("Usage: sparsity-cli sweep [options] INPUT");
}

void TestScripting::usageNamesTheTool()
{
    // The binary runs by its full path here, which QCommandLineParser would print.
    QFETCH(QString, command);
    QFETCH(QString, firstLine);
    const Run run = runCli({command, QStringLiteral("--help")});
    QCOMPARE(run.exitCode, 0);
    QCOMPARE(run.out.section(QLatin1Char('\n'), 0, 0), firstLine);
    QVERIFY(!run.out.contains(cliPath));
    // Inputs are HDF5, safetensors or NumPy files: no help calls them HDF5 files only.
    for (const char* stale : {"INPUT.h5", "OUTPUT.h5", "of an HDF5 file", "to an HDF5 mask file"})
        QVERIFY2(!run.out.contains(QLatin1String(stale)), stale);
    VERIFY_CONTAINS(run.out, QStringLiteral("--json"));
    VERIFY_CONTAINS(run.out, QStringLiteral("--dataset"));
    const Run general = runCli({QStringLiteral("--help")});
    for (const char* stale : {"of an HDF5 file", "to an HDF5 mask file"})
        QVERIFY2(!general.out.contains(QLatin1String(stale)), stale);
    VERIFY_CONTAINS(general.out, QStringLiteral("safetensors"));
}

QTEST_GUILESS_MAIN(TestScripting)
#include "tst_scripting.moc"
