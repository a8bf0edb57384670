// sparsity-cli end to end: runs the real binary on fixture files and checks exit codes,
// messages, the files it writes (and does not write) and that its masks equal the core's.
#include "common/checks.h"
#include "common/paramsbuilder.h"
#include "hdf5/hdf5reader.h"
#include "mask/sparsifier.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <hdf5.h>

using namespace sparsity::core;

namespace {

const QString cliPath = QStringLiteral(SPARSITY_CLI_PATH);
const QString layersFile = QStringLiteral(SPARSITY_TEST_DATA_DIR "/layers.h5");
// Model-scope cases and their expected masks (tests/reference/model_scope_reference.py).
const QString modelScopeFile = QStringLiteral(SPARSITY_TEST_DATA_DIR "/model_scope.h5");

using Run = sparsity::test::ProgramRun;

Run runCli(const QStringList& arguments)
{
    return sparsity::test::runProgram(cliPath, arguments);
}

QByteArray fileHash(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256);
}

QStringList datasetPaths(const QString& file)
{
    QStringList paths;
    for (const DatasetInfo& info : Hdf5Reader::open(file)->listTree())
        if (info.kind == NodeKind::Dataset)
            paths << info.path;
    return paths;
}

std::vector<std::uint8_t> readMask(const QString& file, const QString& dataset)
{
    const WeightTensor t = Hdf5Reader::open(file)->readTensor(dataset, {});
    const auto values = t.values<float>();
    return std::vector<std::uint8_t>(values.begin(), values.end());
}

// An attribute of a dataset or group, read with the HDF5 C library (not the code under test):
// a double, or a string when asString; empty when missing or of another type.
QVariant maskAttribute(const QString& file, const QString& object, const char* name,
                       bool asString = false)
{
    QVariant value;
    const hid_t f = H5Fopen(QFile::encodeName(file).constData(), H5F_ACC_RDONLY, H5P_DEFAULT);
    const hid_t o = f < 0 ? -1 : H5Oopen(f, object.toUtf8().constData(), H5P_DEFAULT);
    const hid_t a = o < 0 ? -1 : H5Aopen(o, name, H5P_DEFAULT);
    const hid_t type = a < 0 ? -1 : H5Aget_type(a);
    if (type >= 0 && asString && H5Tget_class(type) == H5T_STRING && H5Tis_variable_str(type) > 0) {
        char* text = nullptr;
        if (H5Aread(a, type, &text) >= 0)
            value = QString::fromUtf8(text);
        H5free_memory(text);
    } else if (type >= 0 && !asString && H5Tget_class(type) == H5T_FLOAT) {
        double number = 0;
        if (H5Aread(a, H5T_NATIVE_DOUBLE, &number) >= 0)
            value = number;
    }
    for (const auto& [id, close] : {std::pair{type, &H5Tclose}, std::pair{a, &H5Aclose},
                                    std::pair{o, &H5Oclose}, std::pair{f, &H5Fclose}})
        if (id >= 0)
            close(id);
    return value;
}

} // namespace

class TestCli final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void helpExitsZero_data();
    void helpExitsZero();
    void listsTheTree();
    void masksEveryFloatMatrixByDefault();
    void namedDatasetsWithOrWithoutSlash();
    void masksEqualTheCoreForAnyThreadCount();
    void badInvocationsWriteNothing_data();
    void badInvocationsWriteNothing();
    void existingOutputIsKeptUnlessForced();
    void oneUnreadableDatasetMeansNoOutput();
    void refusesToOverwriteTheInput();
    void modelScopeWritesTheReferenceMasks_data();
    void modelScopeWritesTheReferenceMasks();
    void modelScopeOverEveryDefaultLayer();
};

void TestCli::helpExitsZero_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("expected");
    QTest::newRow("tool") << QStringList{QStringLiteral("--help")} << QStringLiteral("Commands:");
    QTest::newRow("list") << QStringList{QStringLiteral("list"), QStringLiteral("--help")}
                          << QStringLiteral("list [options] INPUT");
    QTest::newRow("mask") << QStringList{QStringLiteral("mask"), QStringLiteral("--help")}
                          << QStringLiteral("--zeros-per-block");
    QTest::newRow("version") << QStringList{QStringLiteral("--version")}
                             << QStringLiteral("sparsity-cli ");
}

void TestCli::helpExitsZero()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, expected);
    const Run run = runCli(arguments);
    QCOMPARE(run.exitCode, 0);
    QVERIFY2(run.out.contains(expected), qPrintable(run.out));
}

void TestCli::listsTheTree()
{
    const Run run = runCli({QStringLiteral("list"), layersFile});
    QCOMPARE(run.exitCode, 0);
    for (const char* expected :
         {"/dense/kernel", "16x24", "float32", "/conv/weight", "4x3x3x3", "/half", "float16",
          "/nested/deep/w", "float64", "/names", "/broken", "/does/not/exist", "/empty"})
        QVERIFY2(run.out.contains(QLatin1String(expected)), expected);
    QVERIFY(run.out.contains(QStringLiteral("4 maskable by default")));
}

void TestCli::masksEveryFloatMatrixByDefault()
{
    QTemporaryDir dir;
    const QString output = dir.filePath(QStringLiteral("masks.h5"));
    const Run run = runCli({QStringLiteral("mask"), layersFile, QStringLiteral("-o"), output,
                            QStringLiteral("--level"), QStringLiteral("0.5"),
                            QStringLiteral("--block"), QStringLiteral("1x4")});
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    QStringList written = datasetPaths(output);
    written.sort();
    QCOMPARE(written, (QStringList{QStringLiteral("/conv/weight"), QStringLiteral("/dense/kernel"),
                                   QStringLiteral("/half"), QStringLiteral("/nested/deep/w")}));
    // Skipped, each with a note: the bias, integers, strings, the empty one and the broken link.
    for (const char* skipped : {"/dense/bias", "/int_table", "/names", "/empty", "/broken"})
        QVERIFY2(run.err.contains(QStringLiteral("note: skipped %1").arg(QLatin1String(skipped))),
                 qPrintable(run.err));
    QVERIFY(run.out.contains(QStringLiteral("retained energy")));
    QVERIFY(run.out.contains(QStringLiteral("/dense/kernel")));
}

void TestCli::namedDatasetsWithOrWithoutSlash()
{
    QTemporaryDir dir;
    const QString output = dir.filePath(QStringLiteral("masks.h5"));
    const Run run =
        runCli({QStringLiteral("mask"), layersFile, QStringLiteral("-o"), output,
                QStringLiteral("--dataset"), QStringLiteral("dense/kernel"),
                QStringLiteral("--dataset"), QStringLiteral("/dense/bias"),
                QStringLiteral("--dataset"), QStringLiteral("int_table"), QStringLiteral("--level"),
                QStringLiteral("50%"), QStringLiteral("--block"), QStringLiteral("2x2")});
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    QStringList written = datasetPaths(output);
    written.sort();
    QCOMPARE(written, (QStringList{QStringLiteral("/dense/bias"), QStringLiteral("/dense/kernel"),
                                   QStringLiteral("/int_table")}));
}

void TestCli::masksEqualTheCoreForAnyThreadCount()
{
    QTemporaryDir dir;
    const SparsityParams params = sparsity::test::makeParams(0.3, 2, 3, 2, Norm::L1);
    const auto weights =
        Hdf5Reader::open(layersFile)->readTensor(QStringLiteral("/conv/weight"), {});
    const auto expected = computeMask(weights, params, {}).mask;
    for (const char* threads : {"1", "2", "5"}) {
        const QString output = dir.filePath(QStringLiteral("t%1.h5").arg(QLatin1String(threads)));
        const Run run =
            runCli({QStringLiteral("mask"), layersFile, QStringLiteral("-o"), output,
                    QStringLiteral("--level"), QStringLiteral("0.3"), QStringLiteral("--block"),
                    QStringLiteral("2x3"), QStringLiteral("--zeros-per-block"), QStringLiteral("2"),
                    QStringLiteral("--norm"), QStringLiteral("l1"), QStringLiteral("--threads"),
                    QLatin1String(threads)});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QVERIFY(readMask(output, QStringLiteral("/conv/weight")) ==
                std::vector<std::uint8_t>(expected.begin(), expected.end()));
    }
}

void TestCli::badInvocationsWriteNothing_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");
    const QString in = layersFile;
    auto mask = [&](QStringList extra) {
        QStringList args{QStringLiteral("mask"), in, QStringLiteral("-o"), QStringLiteral("OUT")};
        return args + extra;
    };
    const QStringList ok{QStringLiteral("--level"), QStringLiteral("0.5"),
                         QStringLiteral("--block"), QStringLiteral("1x4")};
    QTest::newRow("no command") << QStringList{} << QStringLiteral("missing command");
    QTest::newRow("unknown command")
        << QStringList{QStringLiteral("prune")} << QStringLiteral("unknown command 'prune'");
    QTest::newRow("level text") << mask({QStringLiteral("--level"), QStringLiteral("half"),
                                         QStringLiteral("--block"), QStringLiteral("1x4")})
                                << QStringLiteral("--level 'half' is not a number");
    QTest::newRow("level above 1") << mask({QStringLiteral("--level"), QStringLiteral("1.5"),
                                            QStringLiteral("--block"), QStringLiteral("1x4")})
                                   << QStringLiteral("Sparsity level must be between 0 and 1");
    QTest::newRow("level NaN") << mask({QStringLiteral("--level"), QStringLiteral("nan"),
                                        QStringLiteral("--block"), QStringLiteral("1x4")})
                               << QStringLiteral("Sparsity level must be between 0 and 1");
    QTest::newRow("block 0x4") << mask({QStringLiteral("--level"), QStringLiteral("0.5"),
                                        QStringLiteral("--block"), QStringLiteral("0x4")})
                               << QStringLiteral("--block '0x4'");
    QTest::newRow("too many zeros")
        << mask(ok + QStringList{QStringLiteral("--zeros-per-block"), QStringLiteral("5")})
        << QStringLiteral("Number of zeros per block cannot be more than");
    QTest::newRow("negative zeros")
        << mask(ok + QStringList{QStringLiteral("--zeros-per-block"), QStringLiteral("-1")})
        << QStringLiteral("Number of zeros per block should be positive.");
    QTest::newRow("norm l3") << mask(ok +
                                     QStringList{QStringLiteral("--norm"), QStringLiteral("l3")})
                             << QStringLiteral("--norm 'l3'");
    QTest::newRow("threads 0") << mask(ok + QStringList{QStringLiteral("--threads"),
                                                        QStringLiteral("0")})
                               << QStringLiteral("--threads '0'");
    QTest::newRow("missing level") << mask({QStringLiteral("--block"), QStringLiteral("1x4")})
                                   << QStringLiteral("missing --level");
    QTest::newRow("missing input")
        << QStringList{QStringLiteral("mask"), QStringLiteral("/no/such/file.h5"),
                       QStringLiteral("-o"), QStringLiteral("OUT")} +
               ok
        << QStringLiteral("/no/such/file.h5: no such file");
    QTest::newRow("missing dataset")
        << mask(ok + QStringList{QStringLiteral("--dataset"), QStringLiteral("nope")})
        << QStringLiteral("'/nope'");
    QTest::newRow("string dataset")
        << mask(ok + QStringList{QStringLiteral("--dataset"), QStringLiteral("names")})
        << QStringLiteral("'/names'");
    QTest::newRow("unknown option")
        << mask(ok + QStringList{QStringLiteral("--levle"), QStringLiteral("3")})
        << QStringLiteral("levle");
    // Model scope (docs/SPEC.md "Model scope").
    const QStringList model{QStringLiteral("--scope"), QStringLiteral("model")};
    QTest::newRow("scope unknown")
        << mask(ok + QStringList{QStringLiteral("--scope"), QStringLiteral("global")})
        << QStringLiteral("--scope 'global' is not layer or model");
    QTest::newRow("min-level in layer scope")
        << mask(ok + QStringList{QStringLiteral("--min-level"), QStringLiteral("0.1")})
        << QStringLiteral("--min-level needs --scope model");
    QTest::newRow("max-level with --scope layer")
        << mask(ok + QStringList{QStringLiteral("--scope"), QStringLiteral("layer"),
                                 QStringLiteral("--max-level"), QStringLiteral("0.9")})
        << QStringLiteral("--max-level needs --scope model");
    QTest::newRow("min above max")
        << mask(ok + model +
                QStringList{QStringLiteral("--min-level"), QStringLiteral("0.6"),
                            QStringLiteral("--max-level"), QStringLiteral("40%")})
        << QStringLiteral("The per-layer minimum level 0.6 is above the maximum 0.4.");
    QTest::newRow("max above 1")
        << mask(ok + model + QStringList{QStringLiteral("--max-level"), QStringLiteral("1.5")})
        << QStringLiteral("Per-layer bounds must be between 0 and 1, got 0 and 1.5.");
    QTest::newRow("min NaN")
        << mask(ok + model + QStringList{QStringLiteral("--min-level"), QStringLiteral("nan")})
        << QStringLiteral("Per-layer bounds must be between 0 and 1, got nan and 1.");
    QTest::newRow("min not a number")
        << mask(ok + model + QStringList{QStringLiteral("--min-level"), QStringLiteral("low")})
        << QStringLiteral("--min-level 'low' is not a number");
    QTest::newRow("scope twice") << mask(ok + model + model)
                                 << QStringLiteral("--scope given more than once");
    QTest::newRow("model level above 1")
        << mask(model + QStringList{QStringLiteral("--level"), QStringLiteral("1.5"),
                                    QStringLiteral("--block"), QStringLiteral("1x4")})
        << QStringLiteral("Sparsity level must be between 0 and 1, got 1.5.");
}

void TestCli::badInvocationsWriteNothing()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    QTemporaryDir dir;
    const QString output = dir.filePath(QStringLiteral("masks.h5"));
    arguments.replaceInStrings(QStringLiteral("OUT"), output);
    const QByteArray inputBefore = fileHash(layersFile);
    const Run run = runCli(arguments);
    QVERIFY(run.exitCode > 0);
    QVERIFY2(run.err.contains(message), qPrintable(run.err));
    QVERIFY(run.out.isEmpty());
    QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden),
             QStringList());
    QCOMPARE(fileHash(layersFile), inputBefore);
}

void TestCli::existingOutputIsKeptUnlessForced()
{
    QTemporaryDir dir;
    const QString output = dir.filePath(QStringLiteral("masks.h5"));
    {
        QFile file(output);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("precious");
    }
    const QStringList args{QStringLiteral("mask"),    layersFile,
                           QStringLiteral("-o"),      output,
                           QStringLiteral("--level"), QStringLiteral("0.5"),
                           QStringLiteral("--block"), QStringLiteral("1x4")};
    const Run refused = runCli(args);
    QCOMPARE(refused.exitCode, 1);
    QVERIFY2(refused.err.contains(output), qPrintable(refused.err));
    QCOMPARE(fileHash(output), QCryptographicHash::hash("precious", QCryptographicHash::Sha256));
    const Run forced = runCli(args + QStringList{QStringLiteral("--force")});
    QVERIFY2(forced.exitCode == 0, qPrintable(forced.err));
    QVERIFY(datasetPaths(output).contains(QStringLiteral("/dense/kernel")));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden),
             QStringList{QStringLiteral("masks.h5")});
}

void TestCli::oneUnreadableDatasetMeansNoOutput()
{
    QTemporaryDir dir;
    const QString output = dir.filePath(QStringLiteral("masks.h5"));
    const Run run =
        runCli({QStringLiteral("mask"), layersFile, QStringLiteral("-o"), output,
                QStringLiteral("--dataset"), QStringLiteral("dense/kernel"),
                QStringLiteral("--dataset"), QStringLiteral("broken"), QStringLiteral("--level"),
                QStringLiteral("0.5"), QStringLiteral("--block"), QStringLiteral("1x4")});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains(QStringLiteral("/broken")), qPrintable(run.err));
    QVERIFY(!QFile::exists(output));
    QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden),
             QStringList());
}

void TestCli::refusesToOverwriteTheInput()
{
    QTemporaryDir dir;
    const QString copy = dir.filePath(QStringLiteral("in.h5"));
    QVERIFY(QFile::copy(layersFile, copy));
    const QByteArray before = fileHash(copy);
    const Run run = runCli({QStringLiteral("mask"), copy, QStringLiteral("-o"),
                            dir.path() + QStringLiteral("/./in.h5"), QStringLiteral("--force"),
                            QStringLiteral("--level"), QStringLiteral("0.5"),
                            QStringLiteral("--block"), QStringLiteral("1x4")});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains(QStringLiteral("input")), qPrintable(run.err));
    QCOMPARE(fileHash(copy), before);
}

void TestCli::modelScopeWritesTheReferenceMasks_data()
{
    // case, its parameters as options, the datasets in the order named on the command line
    QTest::addColumn<QString>("name");
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<QStringList>("named");
    QTest::addColumn<QStringList>("expectedRows");
    // Bounds that bind both ways; named out of order.
    QTest::newRow("both_bind")
        << QStringLiteral("both_bind")
        << QStringList{QStringLiteral("--level"),     QStringLiteral("0.4"),
                       QStringLiteral("--block"),     QStringLiteral("1x2"),
                       QStringLiteral("--min-level"), QStringLiteral("0.125"),
                       QStringLiteral("--max-level"), QStringLiteral("50%")}
        << QStringList{QStringLiteral("d"), QStringLiteral("b"), QStringLiteral("a"),
                       QStringLiteral("c")}
        << QStringList{QStringLiteral("a 6x8 24 12"), QStringLiteral("b 6x8 24 12"),
                       QStringLiteral("c 6x8 24 8"), QStringLiteral("d 4x6 12 2"),
                       QStringLiteral("total 84 34")};
    // Exact ties across layers, named in reverse: the masks still follow `list` order.
    QTest::newRow("ties_across_layers")
        << QStringLiteral("ties_across_layers")
        << QStringList{QStringLiteral("--level"), QStringLiteral("0.45"),
                       QStringLiteral("--block"), QStringLiteral("1x2"),
                       QStringLiteral("--norm"),  QStringLiteral("l1")}
        << QStringList{QStringLiteral("c"), QStringLiteral("b"), QStringLiteral("a")}
        << QStringList{QStringLiteral("a 6x8 24 12"), QStringLiteral("b 6x8 24 15"),
                       QStringLiteral("c 6x8 24 5"), QStringLiteral("total 72 32")};
}

void TestCli::modelScopeWritesTheReferenceMasks()
{
    QFETCH(QString, name);
    QFETCH(QStringList, options);
    QFETCH(QStringList, named);
    QFETCH(QStringList, expectedRows);
    QTemporaryDir dir;
    const QString output = dir.filePath(QStringLiteral("model.h5"));
    QStringList arguments{QStringLiteral("mask"),    modelScopeFile,
                          QStringLiteral("-o"),      output,
                          QStringLiteral("--scope"), QStringLiteral("model")};
    for (const QString& layer : named)
        arguments << QStringLiteral("--dataset")
                  << QStringLiteral("/%1/weights/%2").arg(name, layer);
    for (const QString& threads : {QStringLiteral("1"), QStringLiteral("3")}) {
        QFile::remove(output);
        const Run run =
            runCli(arguments + options + QStringList{QStringLiteral("--threads"), threads});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        // The summary: one row per dataset in `list` order, then their total.
        QStringList rows;
        for (QString line : run.out.split(QLatin1Char('\n'))) {
            line.replace(QStringLiteral("/%1/weights/").arg(name), QString());
            const QStringList cells = line.simplified().split(QLatin1Char(' '));
            // Above the table: the requested level and the configuration.
            const QStringList notRows{QStringLiteral("dataset"), QStringLiteral("wrote"),
                                      QStringLiteral("requested"), QStringLiteral("configuration")};
            if (cells.size() >= 4 && !notRows.contains(cells[0]))
                rows << (cells[0] == QLatin1String("total") ? cells.mid(0, 3) : cells.mid(0, 4))
                            .join(QLatin1Char(' '));
        }
        QCOMPARE(rows, expectedRows);
        for (const QString& layer : named) {
            const QString dataset = QStringLiteral("/%1/weights/%2").arg(name, layer);
            QVERIFY2(readMask(output, dataset) ==
                         readMask(modelScopeFile, QStringLiteral("/%1/masks/%2").arg(name, layer)),
                     qPrintable(dataset));
            QCOMPARE(maskAttribute(output, dataset, "scope", true),
                     QVariant(QStringLiteral("model")));
            QCOMPARE(maskAttribute(output, dataset, "sparsity_level"),
                     maskAttribute(modelScopeFile, QStringLiteral("/") + name, "level"));
            QCOMPARE(maskAttribute(output, dataset, "min_level"),
                     maskAttribute(modelScopeFile, QStringLiteral("/") + name, "min_level"));
            QCOMPARE(maskAttribute(output, dataset, "max_level"),
                     maskAttribute(modelScopeFile, QStringLiteral("/") + name, "max_level"));
        }
    }
}

void TestCli::modelScopeOverEveryDefaultLayer()
{
    // Without --dataset: every default layer (float16, float32 and float64 among them) shares
    // one ranking; a layer-scope run of the same file says "layer" with the default bounds.
    QTemporaryDir dir;
    const QString model = dir.filePath(QStringLiteral("model.h5"));
    const QString layer = dir.filePath(QStringLiteral("layer.h5"));
    const QStringList common{QStringLiteral("--level"), QStringLiteral("0.5"),
                             QStringLiteral("--block"), QStringLiteral("1x4")};
    const Run modelRun =
        runCli(QStringList{QStringLiteral("mask"), layersFile, QStringLiteral("-o"), model,
                           QStringLiteral("--scope"), QStringLiteral("model")} +
               common);
    QVERIFY2(modelRun.exitCode == 0, qPrintable(modelRun.err));
    QVERIFY(modelRun.out.contains(QStringLiteral("; model scope: ")));
    QVERIFY(modelRun.out.contains(QStringLiteral("\ntotal ")));
    QVERIFY(modelRun.out.contains(QStringLiteral("wrote 4 masks")));
    const Run layerRun = runCli(
        QStringList{QStringLiteral("mask"), layersFile, QStringLiteral("-o"), layer} + common);
    QVERIFY2(layerRun.exitCode == 0, qPrintable(layerRun.err));
    QVERIFY(layerRun.out.contains(QStringLiteral("; layer scope: ")));
    for (const QString& dataset : datasetPaths(model)) {
        QCOMPARE(maskAttribute(model, dataset, "scope", true), QVariant(QStringLiteral("model")));
        QCOMPARE(maskAttribute(layer, dataset, "scope", true), QVariant(QStringLiteral("layer")));
        QCOMPARE(maskAttribute(layer, dataset, "min_level"), QVariant(0.0));
        QCOMPARE(maskAttribute(layer, dataset, "max_level"), QVariant(1.0));
        QCOMPARE(maskAttribute(model, dataset, "sparsity_level"), QVariant(0.5));
    }
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
