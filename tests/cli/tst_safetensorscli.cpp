// sparsity-cli on safetensors inputs, end to end: `list` on a file and on a sharded
// checkpoint's index, and `mask` writing the same masks as on the HDF5 copy of the same
// weights (data/safetensors, written by reference/make_safetensors.py); a hostile header
// refused with nothing written.
#include "common/checks.h"
#include "io/tensorfile.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace sparsity::core;

namespace {

const QString cliPath = QStringLiteral(SPARSITY_CLI_PATH);

QString data(const QString& name)
{
    return QStringLiteral(SPARSITY_TEST_DATA_DIR "/safetensors/") + name;
}

using Run = sparsity::test::ProgramRun;

Run runCli(const QStringList& arguments)
{
    return sparsity::test::runProgram(cliPath, arguments);
}

// Every mask of a mask file: path -> values.
std::map<QString, std::vector<float>> masksOf(const QString& file)
{
    std::map<QString, std::vector<float>> masks;
    const auto reader = openTensorFile(file);
    for (const DatasetInfo& info : reader->listTree()) {
        if (info.kind != NodeKind::Dataset)
            continue;
        const WeightTensor mask = reader->readTensor(info.path, {});
        const auto values = mask.values<float>();
        masks[info.path].assign(values.begin(), values.end());
    }
    return masks;
}

// The output of `list` without its first line, which names the file.
QString listingBody(const QString& out)
{
    return out.section(QLatin1Char('\n'), 1);
}

} // namespace

class TestSafetensorsCli final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void listsFilesAndShardedCheckpoints();
    void masksEqualThoseOfTheHdf5Copy_data();
    void masksEqualThoseOfTheHdf5Copy();
    void hostileHeaderWritesNothing();
    void masksWrittenAsSafetensors();
};

void TestSafetensorsCli::listsFilesAndShardedCheckpoints()
{
    const Run single = runCli({QStringLiteral("list"), data(QStringLiteral("model.safetensors"))});
    QVERIFY2(single.exitCode == 0, qPrintable(single.err));
    for (const char* expected :
         {"/model.embed.weight", "16x12", "float32", "/model.layers.0.conv.weight", "8x3x3x3",
          "/model.head.weight", "float16", "/model.layers.1.weight", "float64", "/model.step",
          "int64", "6 datasets, 4 maskable by default"})
        QVERIFY2(single.out.contains(QLatin1String(expected)), expected);

    const QString index = data(QStringLiteral("sharded/model.safetensors.index.json"));
    const Run sharded = runCli({QStringLiteral("list"), index});
    QVERIFY2(sharded.exitCode == 0, qPrintable(sharded.err));
    QVERIFY(sharded.out.startsWith(index));
    QCOMPARE(listingBody(sharded.out), listingBody(single.out));

    // The same weights as HDF5 list the same rows.
    const Run hdf5 = runCli({QStringLiteral("list"), data(QStringLiteral("model.h5"))});
    QCOMPARE(listingBody(hdf5.out), listingBody(single.out));

    const Run bf16 = runCli({QStringLiteral("list"), data(QStringLiteral("bf16.safetensors"))});
    QVERIFY(bf16.out.contains(QStringLiteral("bfloat16")));
    QVERIFY(bf16.out.contains(QStringLiteral("2 datasets, 2 maskable by default")));
}

void TestSafetensorsCli::masksEqualThoseOfTheHdf5Copy_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("hdf5");
    QTest::addColumn<QStringList>("options");
    const QString model = data(QStringLiteral("model.safetensors"));
    const QString index = data(QStringLiteral("sharded/model.safetensors.index.json"));
    const QString modelH5 = data(QStringLiteral("model.h5"));
    QTest::newRow("1x4 at 50%") << model << modelH5
                                << QStringList{QStringLiteral("--level"), QStringLiteral("0.5"),
                                               QStringLiteral("--block"), QStringLiteral("1x4")};
    QTest::newRow("sharded 2:4 l1")
        << index << modelH5 << QStringList{QStringLiteral("--level"), QStringLiteral("0.7"),
                                           QStringLiteral("--block"), QStringLiteral("2:4"),
                                           QStringLiteral("--norm"),  QStringLiteral("l1")};
    QTest::newRow("named bias and integer")
        << model << modelH5
        << QStringList{QStringLiteral("--level"),   QStringLiteral("0.4"),
                       QStringLiteral("--block"),   QStringLiteral("1x2"),
                       QStringLiteral("--dataset"), QStringLiteral("model.layers.0.conv.bias"),
                       QStringLiteral("--dataset"), QStringLiteral("model.step"),
                       QStringLiteral("--dataset"), QStringLiteral("/model.embed.weight")};
    QTest::newRow("model scope, sharded")
        << index << modelH5 << QStringList{QStringLiteral("--level"), QStringLiteral("0.6"),
                                           QStringLiteral("--block"), QStringLiteral("2x2"),
                                           QStringLiteral("--scope"), QStringLiteral("model")};
    QTest::newRow("bf16 4x4") << data(QStringLiteral("bf16.safetensors"))
                              << data(QStringLiteral("bf16.h5"))
                              << QStringList{QStringLiteral("--level"), QStringLiteral("0.5"),
                                             QStringLiteral("--block"), QStringLiteral("4x4")};
}

void TestSafetensorsCli::masksEqualThoseOfTheHdf5Copy()
{
    QFETCH(QString, input);
    QFETCH(QString, hdf5);
    QFETCH(QStringList, options);
    QTemporaryDir dir;
    const QString fromSafetensors = dir.filePath(QStringLiteral("a.h5"));
    const QString fromHdf5 = dir.filePath(QStringLiteral("b.h5"));
    const Run a =
        runCli(QStringList{QStringLiteral("mask"), input, QStringLiteral("-o"), fromSafetensors} +
               options);
    QVERIFY2(a.exitCode == 0, qPrintable(a.err));
    const Run b =
        runCli(QStringList{QStringLiteral("mask"), hdf5, QStringLiteral("-o"), fromHdf5} + options);
    QVERIFY2(b.exitCode == 0, qPrintable(b.err));
    const auto masksA = masksOf(fromSafetensors);
    const auto masksB = masksOf(fromHdf5);
    QVERIFY(!masksA.empty());
    QCOMPARE(masksA.size(), masksB.size());
    std::size_t pruned = 0;
    std::size_t kept = 0;
    for (const auto& [path, mask] : masksA) {
        QVERIFY2(masksB.count(path) == 1, qPrintable(path));
        QVERIFY2(mask == masksB.at(path), qPrintable(path));
        pruned += static_cast<std::size_t>(std::count(mask.begin(), mask.end(), 0.0f));
        kept += static_cast<std::size_t>(std::count(mask.begin(), mask.end(), 1.0f));
    }
    // Something is pruned and something kept: equal masks mean something.
    QVERIFY(pruned > 0 && kept > 0);
    // The summaries agree too, once the file names are set aside.
    QCOMPARE(a.out.count(QLatin1Char('\n')), b.out.count(QLatin1Char('\n')));
    QCOMPARE(QString(a.out).remove(input).remove(fromSafetensors),
             QString(b.out).remove(hdf5).remove(fromHdf5));
}

void TestSafetensorsCli::hostileHeaderWritesNothing()
{
    QTemporaryDir dir;
    const QString input = data(QStringLiteral("hostile/overlap.safetensors"));
    const QString output = dir.filePath(QStringLiteral("masks.h5"));
    for (const QString& command : {QStringLiteral("list"), QStringLiteral("mask")}) {
        QStringList arguments{command, input};
        if (command == QLatin1String("mask"))
            arguments << QStringLiteral("-o") << output << QStringLiteral("--level")
                      << QStringLiteral("0.5") << QStringLiteral("--block")
                      << QStringLiteral("1x4");
        const Run run = runCli(arguments);
        QCOMPARE(run.exitCode, 1);
        QVERIFY(run.out.isEmpty());
        QVERIFY2(run.err.contains(input + QStringLiteral(": tensors 'a' (bytes 0 to 8) and 'b' "
                                                         "(bytes 4 to 12) overlap")),
                 qPrintable(run.err));
    }
    QVERIFY(QDir(dir.path())
                .entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot)
                .isEmpty());
}

void TestSafetensorsCli::masksWrittenAsSafetensors()
{
    QTemporaryDir dir;
    const QString index = data(QStringLiteral("sharded/model.safetensors.index.json"));
    const QString asSafetensors = dir.filePath(QStringLiteral("masks.safetensors"));
    const QString asHdf5 = dir.filePath(QStringLiteral("masks.h5"));
    const QStringList options{QStringLiteral("--level"), QStringLiteral("0.5"),
                              QStringLiteral("--block"), QStringLiteral("2:4")};
    const Run a = runCli(
        QStringList{QStringLiteral("mask"), index, QStringLiteral("-o"), asSafetensors} + options);
    QVERIFY2(a.exitCode == 0, qPrintable(a.err));
    const Run b =
        runCli(QStringList{QStringLiteral("mask"), index, QStringLiteral("-o"), asHdf5} + options);
    QVERIFY2(b.exitCode == 0, qPrintable(b.err));
    // The output's name chose the format; the masks are the same.
    QFile file(asSafetensors);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(file.read(16).at(8) == '{');
    const auto masks = masksOf(asSafetensors);
    QCOMPARE(masks.size(), std::size_t{4});
    QVERIFY(masks == masksOf(asHdf5));
    QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot),
             (QStringList{QStringLiteral("masks.h5"), QStringLiteral("masks.safetensors")}));

    // Refused without --force, and nothing half-written when a dataset fails.
    const Run again = runCli(
        QStringList{QStringLiteral("mask"), index, QStringLiteral("-o"), asSafetensors} + options);
    QCOMPARE(again.exitCode, 1);
    const QString other = dir.filePath(QStringLiteral("other.safetensors"));
    const Run failing =
        runCli(QStringList{QStringLiteral("mask"), index, QStringLiteral("-o"), other,
                           QStringLiteral("--dataset"), QStringLiteral("model.embed.weight"),
                           QStringLiteral("--dataset"), QStringLiteral("model.none")} +
               options);
    QCOMPARE(failing.exitCode, 1);
    QVERIFY2(failing.err.contains(QStringLiteral("'/model.none'")), qPrintable(failing.err));
    QCOMPARE(
        QDir(dir.path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot).size(),
        2);
}

QTEST_GUILESS_MAIN(TestSafetensorsCli)
#include "tst_safetensorscli.moc"
