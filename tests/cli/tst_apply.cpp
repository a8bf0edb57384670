// sparsity-cli apply end to end: the real binary writes pruned copies with computed masks and
// with --masks, equal to the masks `mask` writes for the same options; its usage errors,
// refusals and exit codes; and `apply` parsed as `mask` parses the mask options.
// tests/core/tst_prunedexport checks the written files in every format in depth.
#include "applycommand.h"
#include "common/checks.h"
#include "export/prunedexport.h"
#include "io/tensorfile.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <cstring>

using namespace sparsity;
using namespace sparsity::core;

namespace {

const QString cliPath = QStringLiteral(SPARSITY_CLI_PATH);
const QString dataDir = QStringLiteral(SPARSITY_TEST_DATA_DIR);
const QString layersFile = dataDir + QStringLiteral("/layers.h5");

test::ProgramRun runCli(const QStringList& arguments)
{
    return test::runProgram(cliPath, arguments);
}

// The values of a dataset as bit patterns, and a mask dataset as 0/1 bytes.
std::vector<std::uint32_t> floatBits(const QString& file, const QString& dataset)
{
    const WeightTensor tensor = openTensorFile(file)->readTensor(dataset, {});
    const auto values = tensor.values<float>();
    std::vector<std::uint32_t> bits(values.size());
    std::memcpy(bits.data(), values.data(), values.size() * sizeof(float));
    return bits;
}

} // namespace

class TestApplyCli final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    // The CLI lists the input to choose its layers and reads them through the same reader: one
    // HDF5 reader process for the input (each start costs tens of milliseconds), and for apply
    // one writer. A wrapper in place of the reader program logs each start, then becomes the
    // reader (exec keeps its process id, which the reader checks against its parent's socket).
    void oneReaderProcessPerInput_data()
    {
        QTest::addColumn<QString>("command");
        QTest::addColumn<QStringList>("expectedModes");
        QTest::newRow("mask") << QStringLiteral("mask") << QStringList{QStringLiteral("--serve")};
        QTest::newRow("apply") << QStringLiteral("apply")
                               << QStringList{QStringLiteral("--serve"),
                                              QStringLiteral("--serve --write")};
    }

    void oneReaderProcessPerInput()
    {
        QFETCH(QString, command);
        QFETCH(QStringList, expectedModes);
        const QString log = m_dir.filePath(command + QStringLiteral("-starts.log"));
        const QString wrapper = m_dir.filePath(command + QStringLiteral("-reader.sh"));
        QFile script(wrapper);
        QVERIFY(script.open(QIODevice::WriteOnly));
        script.write(QStringLiteral("#!/bin/sh\necho \"$1 $2\" >> '%1'\nexec '%2' \"$@\"\n")
                         .arg(log, qEnvironmentVariable("SPARSITY_HDF5_READER"))
                         .toUtf8());
        script.close();
        QVERIFY(script.setPermissions(QFileDevice::ReadOwner | QFileDevice::ExeOwner));
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("SPARSITY_HDF5_READER"), wrapper);
        const QString output = m_dir.filePath(command + QStringLiteral("-output.h5"));
        const auto run = test::runProgram(cliPath,
                                          {command, layersFile, QStringLiteral("-o"), output,
                                           QStringLiteral("--level"), QStringLiteral("0.5"),
                                           QStringLiteral("--block"), QStringLiteral("1x4")},
                                          environment);
        QCOMPARE(run.exitCode, 0);
        QFile starts(log);
        QVERIFY(starts.open(QIODevice::ReadOnly));
        QStringList modes = QString::fromUtf8(starts.readAll()).trimmed().split(QLatin1Char('\n'));
        for (QString& mode : modes)
            mode = mode.trimmed();
        modes.sort();
        QCOMPARE(modes, expectedModes);
    }

    // `apply` with mask options prunes exactly where `mask` with the same options writes 0.
    void computedMasksAreThoseOfMask()
    {
        const QStringList options = {QStringLiteral("--level"), QStringLiteral("0.6"),
                                     QStringLiteral("--block"), QStringLiteral("2:4"),
                                     QStringLiteral("--scope"), QStringLiteral("model")};
        const QString masks = m_dir.filePath(QStringLiteral("masks.h5"));
        const QString pruned = m_dir.filePath(QStringLiteral("pruned.h5"));
        QCOMPARE(
            runCli(QStringList{QStringLiteral("mask"), layersFile, QStringLiteral("-o"), masks} +
                   options)
                .exitCode,
            0);
        const auto run =
            runCli(QStringList{QStringLiteral("apply"), layersFile, QStringLiteral("-o"), pruned} +
                   options);
        QCOMPARE(run.exitCode, 0);
        VERIFY_CONTAINS(run.out, QStringLiteral("/dense/kernel"));
        VERIFY_CONTAINS(run.out, QStringLiteral("retained energy"));
        VERIFY_CONTAINS(run.out, QStringLiteral("wrote ") + pruned);
        int datasets = 0;
        for (const DatasetInfo& info : openTensorFile(masks)->listTree()) {
            if (info.kind != NodeKind::Dataset)
                continue;
            ++datasets;
            const WeightTensor mask = openTensorFile(masks)->readTensor(info.path, {});
            const auto keep = mask.values<float>();
            const WeightTensor source = openTensorFile(layersFile)->readTensor(info.path, {});
            const WeightTensor copy = openTensorFile(pruned)->readTensor(info.path, {});
            QCOMPARE(source.precision(), copy.precision());
            for (std::int64_t i = 0; i < source.elementCount(); ++i) {
                const double a = source.precision() == Precision::Float32
                                     ? source.values<float>()[std::size_t(i)]
                                     : source.values<double>()[std::size_t(i)];
                const double b = copy.precision() == Precision::Float32
                                     ? copy.values<float>()[std::size_t(i)]
                                     : copy.values<double>()[std::size_t(i)];
                if (keep[std::size_t(i)] != 0)
                    QVERIFY(a == b || (std::isnan(a) && std::isnan(b)));
                else
                    QVERIFY(b == 0.0 && !std::signbit(b));
            }
        }
        QVERIFY(datasets >= 2);
        // The same masks through --masks: the same file contents.
        const QString again = m_dir.filePath(QStringLiteral("again.h5"));
        const auto fromFile = runCli({QStringLiteral("apply"), layersFile, QStringLiteral("-o"),
                                      again, QStringLiteral("--masks"), masks});
        QCOMPARE(fromFile.exitCode, 0);
        VERIFY_CONTAINS(fromFile.out, QStringLiteral("with the masks of ") + masks);
        QVERIFY(!fromFile.out.contains(QStringLiteral("retained energy")));
        QCOMPARE(floatBits(again, QStringLiteral("/dense/kernel")),
                 floatBits(pruned, QStringLiteral("/dense/kernel")));
    }

    void usageErrors_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        const QString out = QStringLiteral("/tmp/never-written.h5");
        QTest::newRow("no masks") << QStringList{layersFile, QStringLiteral("-o"), out}
                                  << QStringLiteral("give --masks MASKS");
        QTest::newRow("both") << QStringList{layersFile,
                                             QStringLiteral("-o"),
                                             out,
                                             QStringLiteral("--masks"),
                                             QStringLiteral("m.h5"),
                                             QStringLiteral("--level"),
                                             QStringLiteral("0.5")}
                              << QStringLiteral("--level cannot be given with --masks");
        QTest::newRow("no output")
            << QStringList{layersFile, QStringLiteral("--masks"), QStringLiteral("m.h5")}
            << QStringLiteral("missing --output");
        QTest::newRow("mask's parser") << QStringList{layersFile,
                                                      QStringLiteral("-o"),
                                                      out,
                                                      QStringLiteral("--level"),
                                                      QStringLiteral("0.5"),
                                                      QStringLiteral("--block"),
                                                      QStringLiteral("3x")}
                                       << QStringLiteral("--block '3x' is not a block shape");
        QTest::newRow("print-pytorch") << QStringList{layersFile,
                                                      QStringLiteral("-o"),
                                                      out,
                                                      QStringLiteral("--level"),
                                                      QStringLiteral("0.5"),
                                                      QStringLiteral("--block"),
                                                      QStringLiteral("1x4"),
                                                      QStringLiteral("--print-pytorch")}
                                       << QStringLiteral("--print-pytorch is an option of mask");
        QTest::newRow("dry-run") << QStringList{layersFile,
                                                QStringLiteral("-o"),
                                                out,
                                                QStringLiteral("--level"),
                                                QStringLiteral("0.5"),
                                                QStringLiteral("--block"),
                                                QStringLiteral("1x4"),
                                                QStringLiteral("--dry-run")}
                                 << QStringLiteral("--dry-run is an option of mask");
    }

    // apply --json: one document on stdout, the numbers of the masks it wrote (computed or from
    // a mask file) and of the copy: zeroed elements are the copy's +0.0 where the source was not.
    void jsonSummaryHasTheCopysNumbers()
    {
        const QString pruned = m_dir.filePath(QStringLiteral("json-pruned.h5"));
        const auto run =
            runCli({QStringLiteral("apply"), layersFile, QStringLiteral("-o"), pruned,
                    QStringLiteral("--level"), QStringLiteral("0.5"), QStringLiteral("--block"),
                    QStringLiteral("1x4"), QStringLiteral("--json")});
        QCOMPARE(run.exitCode, 0);
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(run.out.toUtf8(), &error);
        QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
        const QJsonObject summary = document.object();
        QCOMPARE(summary.value(QStringLiteral("output")).toString(), pruned);
        QVERIFY(summary.value(QStringLiteral("masks")).isNull());
        const QJsonArray datasets = summary.value(QStringLiteral("datasets")).toArray();
        QVERIFY(datasets.size() >= 2);
        qint64 elements = 0, zeroed = 0;
        for (const QJsonValue& value : datasets) {
            const QJsonObject row = value.toObject();
            const QString path = row.value(QStringLiteral("dataset")).toString();
            const WeightTensor source = openTensorFile(layersFile)->readTensor(path, {});
            const WeightTensor copy = openTensorFile(pruned)->readTensor(path, {});
            qint64 newZeros = 0;
            for (std::int64_t i = 0; i < copy.elementCount(); ++i) {
                const auto at = static_cast<std::size_t>(i);
                const double a = source.precision() == Precision::Float32
                                     ? source.values<float>()[at]
                                     : source.values<double>()[at];
                const double b = copy.precision() == Precision::Float32 ? copy.values<float>()[at]
                                                                        : copy.values<double>()[at];
                newZeros += !(a == b || (std::isnan(a) && std::isnan(b)));
            }
            // Every weight that changed is a zeroed one; a zeroed weight that was +0.0 already
            // does not change.
            QVERIFY(newZeros <= row.value(QStringLiteral("zeroed")).toInteger());
            QCOMPARE(row.value(QStringLiteral("elements")).toInteger(), copy.elementCount());
            QVERIFY(row.contains(QStringLiteral("retained_energy")));
            elements += row.value(QStringLiteral("elements")).toInteger();
            zeroed += row.value(QStringLiteral("zeroed")).toInteger();
        }
        const QJsonObject total = summary.value(QStringLiteral("total")).toObject();
        QCOMPARE(total.value(QStringLiteral("elements")).toInteger(), elements);
        QCOMPARE(total.value(QStringLiteral("zeroed")).toInteger(), zeroed);
        QCOMPARE(total.value(QStringLiteral("sparsity")).toDouble(), double(zeroed) / elements);
        // With --masks: the same zeroed counts, no retained energy, the mask file named.
        const QString masks = m_dir.filePath(QStringLiteral("json-masks.h5"));
        QCOMPARE(runCli({QStringLiteral("mask"), layersFile, QStringLiteral("-o"), masks,
                         QStringLiteral("--level"), QStringLiteral("0.5"),
                         QStringLiteral("--block"), QStringLiteral("1x4")})
                     .exitCode,
                 0);
        const QString again = m_dir.filePath(QStringLiteral("json-again.h5"));
        const auto fromFile =
            runCli({QStringLiteral("apply"), layersFile, QStringLiteral("-o"), again,
                    QStringLiteral("--masks"), masks, QStringLiteral("--json")});
        QCOMPARE(fromFile.exitCode, 0);
        const QJsonObject second = QJsonDocument::fromJson(fromFile.out.toUtf8()).object();
        QCOMPARE(second.value(QStringLiteral("masks")).toString(), masks);
        QCOMPARE(second.value(QStringLiteral("total")).toObject(), total);
        for (const QJsonValue& value : second.value(QStringLiteral("datasets")).toArray())
            QVERIFY(!value.toObject().contains(QStringLiteral("retained_energy")));
    }
    void usageErrors()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        const auto run = runCli(QStringList{QStringLiteral("apply")} + arguments);
        QCOMPARE(run.exitCode, 2);
        VERIFY_CONTAINS(run.err, message);
        VERIFY_CONTAINS(run.err, QStringLiteral("sparsity-cli apply --help"));
        QVERIFY(!QFile::exists(QStringLiteral("/tmp/never-written.h5")));
    }

    void helpNamesBothWays()
    {
        const auto run = runCli({QStringLiteral("apply"), QStringLiteral("--help")});
        QCOMPARE(run.exitCode, 0);
        VERIFY_CONTAINS(run.out, QStringLiteral("--masks <MASKS>"));
        VERIFY_CONTAINS(run.out, QStringLiteral("sparsity-cli mask --help"));
    }

    // Refusals exit 1 with the reason and write nothing.
    void refusals()
    {
        const QString dir = m_dir.filePath(QStringLiteral("refusals"));
        QDir().mkpath(dir);
        const QString output = dir + QStringLiteral("/out.h5");
        const QStringList computed = {QStringLiteral("--level"), QStringLiteral("0.5"),
                                      QStringLiteral("--block"), QStringLiteral("1x4")};
        auto run = runCli(QStringList{QStringLiteral("apply"), layersFile, QStringLiteral("-o"),
                                      layersFile, QStringLiteral("--force")} +
                          computed);
        QCOMPARE(run.exitCode, 1);
        VERIFY_CONTAINS(run.err, QStringLiteral("is the input file"));

        run =
            runCli(QStringList{QStringLiteral("apply"), dataDir + QStringLiteral("/compressed.h5"),
                               QStringLiteral("-o"), output} +
                   computed);
        QCOMPARE(run.exitCode, 1);
        VERIFY_CONTAINS(run.err, QStringLiteral("LZF"));
        QCOMPARE(test::listing(dir), QStringList{});

        QFile existing(output);
        QVERIFY(existing.open(QIODevice::WriteOnly) && existing.write("old") == 3);
        existing.close();
        run =
            runCli(QStringList{QStringLiteral("apply"), layersFile, QStringLiteral("-o"), output} +
                   computed);
        QCOMPARE(run.exitCode, 1);
        VERIFY_CONTAINS(run.err, QStringLiteral("(--force replaces it)"));
        QCOMPARE(test::listing(dir), QStringList{QStringLiteral("out.h5")});
        run = runCli(QStringList{QStringLiteral("apply"), layersFile, QStringLiteral("-o"), output,
                                 QStringLiteral("--force")} +
                     computed);
        QCOMPARE(run.exitCode, 0);
    }

    // The summary is a value (a JSON printer can take it) and prints what it holds.
    void summaryPrintsItsRows()
    {
        cli::ApplyOptions options;
        options.mask.input = QStringLiteral("in.h5");
        options.masksFile = QStringLiteral("m.h5");
        core::ApplyReport report;
        report.filesWritten = {QStringLiteral("out.json"), QStringLiteral("a.safetensors"),
                               QStringLiteral("b.safetensors")};
        report.layers.push_back({QStringLiteral("/w"), {4, 8}, 32, 8, std::nullopt});
        const cli::ApplySummary summary = cli::summarizeApply(options, report);
        QCOMPARE(summary.rows.size(), std::size_t(1));
        QCOMPARE(summary.rows.front().sparsity, 0.25);
        QString text;
        QTextStream out(&text);
        cli::printApplySummary(summary, out);
        out.flush();
        VERIFY_CONTAINS(text, QStringLiteral("4x8"));
        VERIFY_CONTAINS(text, QStringLiteral("25.00%"));
        VERIFY_CONTAINS(text, QStringLiteral("wrote out.json: 1 dataset pruned, 2 shards beside it "
                                             "with the masks of m.h5"));
    }
};

QTEST_GUILESS_MAIN(TestApplyCli)
#include "tst_apply.moc"
