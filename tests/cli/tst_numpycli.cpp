// sparsity-cli end to end on NumPy files: the real binary lists and masks the .npy and .npz
// files numpy wrote (tests/data/numpy) and writes the same masks as for tests/data/layers.h5,
// which holds the same arrays under the same paths.
#include "common/checks.h"
#include "io/tensorfile.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <cstring>

using namespace sparsity::core;

namespace {

const QString cliPath = QStringLiteral(SPARSITY_CLI_PATH);
const QString dataDir = QStringLiteral(SPARSITY_TEST_DATA_DIR);
const QString layersFile = dataDir + QStringLiteral("/layers.h5");
const QString numpyDir = dataDir + QStringLiteral("/numpy");

using Run = sparsity::test::ProgramRun;

Run runCli(const QStringList& arguments)
{
    return sparsity::test::runProgram(cliPath, arguments);
}

QStringList maskPaths(const QString& file)
{
    QStringList paths;
    for (const DatasetInfo& info : openTensorFile(file)->listTree())
        if (info.kind == NodeKind::Dataset)
            paths << info.path;
    return paths;
}

// The mask of `dataset` in a mask file, as 0/1 bytes.
QByteArray maskBytes(const QString& file, const QString& dataset)
{
    const WeightTensor mask = openTensorFile(file)->readTensor(dataset, {});
    QByteArray bytes;
    for (const float value : mask.values<float>())
        bytes.append(value != 0.0f ? '\1' : '\0');
    return bytes;
}

} // namespace

class TestNumpyCli final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void listsNpzAndNpy();
    void masksEqualThoseOfTheHdf5File_data();
    void masksEqualThoseOfTheHdf5File();
    void masksOfOneNpyArray();
    void damagedFilesFailWithTheirReason();
};

void TestNumpyCli::listsNpzAndNpy()
{
    const Run npz = runCli({QStringLiteral("list"), numpyDir + QStringLiteral("/layers.npz")});
    QVERIFY2(npz.exitCode == 0, qPrintable(npz.err));
    for (const char* expected :
         {"/dense/kernel", "16x24", "float32", "/conv/weight", "4x3x3x3", "/half", "float16",
          "/nested/deep/w", "float64", "/names", "/empty", "4 maskable by default"})
        QVERIFY2(npz.out.contains(QLatin1String(expected)), expected);
    const Run npy =
        runCli({QStringLiteral("list"), numpyDir + QStringLiteral("/dense_kernel.npy")});
    QVERIFY2(npy.exitCode == 0, qPrintable(npy.err));
    QVERIFY2(npy.out.contains(QStringLiteral("/dense_kernel")), qPrintable(npy.out));
    QVERIFY(npy.out.contains(QStringLiteral("16x24")));
}

void TestNumpyCli::masksEqualThoseOfTheHdf5File_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QStringList>("options");
    const QStringList layer{QStringLiteral("--level"), QStringLiteral("0.5"),
                            QStringLiteral("--block"), QStringLiteral("1x4")};
    const QStringList model{QStringLiteral("--level"), QStringLiteral("0.6"),
                            QStringLiteral("--block"), QStringLiteral("2:4"),
                            QStringLiteral("--scope"), QStringLiteral("model")};
    QTest::newRow("stored, layer") << QStringLiteral("layers.npz") << layer;
    QTest::newRow("deflated, layer") << QStringLiteral("layers_compressed.npz") << layer;
    QTest::newRow("stored, model 2:4") << QStringLiteral("layers.npz") << model;
    QTest::newRow("deflated, model 2:4") << QStringLiteral("layers_compressed.npz") << model;
}

void TestNumpyCli::masksEqualThoseOfTheHdf5File()
{
    QFETCH(QString, file);
    QFETCH(QStringList, options);
    QTemporaryDir dir;
    const QString fromNumpy = dir.filePath(QStringLiteral("numpy_masks.h5"));
    const QString fromHdf5 = dir.filePath(QStringLiteral("hdf5_masks.h5"));
    const Run numpyRun =
        runCli(QStringList{QStringLiteral("mask"), numpyDir + QLatin1Char('/') + file,
                           QStringLiteral("-o"), fromNumpy} +
               options);
    QVERIFY2(numpyRun.exitCode == 0, qPrintable(numpyRun.err));
    const Run hdf5Run = runCli(
        QStringList{QStringLiteral("mask"), layersFile, QStringLiteral("-o"), fromHdf5} + options);
    QVERIFY2(hdf5Run.exitCode == 0, qPrintable(hdf5Run.err));
    const QStringList written = maskPaths(fromNumpy);
    QCOMPARE(written, maskPaths(fromHdf5));
    QCOMPARE(written.size(), 4);
    for (const QString& dataset : written) {
        const QByteArray mask = maskBytes(fromNumpy, dataset);
        QCOMPARE(mask, maskBytes(fromHdf5, dataset));
        QVERIFY(mask.contains('\0') && mask.contains('\1'));
    }
    QVERIFY(numpyRun.out.contains(QStringLiteral("wrote 4 masks")));
}

void TestNumpyCli::masksOfOneNpyArray()
{
    QTemporaryDir dir;
    const QString fromNumpy = dir.filePath(QStringLiteral("numpy_masks.h5"));
    const QString fromHdf5 = dir.filePath(QStringLiteral("hdf5_masks.h5"));
    const QStringList options{QStringLiteral("--level"), QStringLiteral("0.3"),
                              QStringLiteral("--block"), QStringLiteral("2x2")};
    const Run numpyRun =
        runCli(QStringList{QStringLiteral("mask"), numpyDir + QStringLiteral("/dense_kernel.npy"),
                           QStringLiteral("-o"), fromNumpy} +
               options);
    QVERIFY2(numpyRun.exitCode == 0, qPrintable(numpyRun.err));
    const Run hdf5Run =
        runCli(QStringList{QStringLiteral("mask"), layersFile, QStringLiteral("-o"), fromHdf5,
                           QStringLiteral("--dataset"), QStringLiteral("/dense/kernel")} +
               options);
    QVERIFY2(hdf5Run.exitCode == 0, qPrintable(hdf5Run.err));
    QCOMPARE(maskPaths(fromNumpy), QStringList{QStringLiteral("/dense_kernel")});
    QCOMPARE(maskBytes(fromNumpy, QStringLiteral("/dense_kernel")),
             maskBytes(fromHdf5, QStringLiteral("/dense/kernel")));
}

void TestNumpyCli::damagedFilesFailWithTheirReason()
{
    QTemporaryDir dir;
    const QString output = dir.filePath(QStringLiteral("masks.h5"));
    const QString truncated = numpyDir + QStringLiteral("/bad/truncated.npz");
    const Run list = runCli({QStringLiteral("list"), truncated});
    QCOMPARE(list.exitCode, 1);
    QVERIFY2(list.err.contains(truncated + QStringLiteral(": not a readable .npz (ZIP) archive: "
                                                          "no end of central directory record")),
             qPrintable(list.err));
    const Run mask =
        runCli({QStringLiteral("mask"), numpyDir + QStringLiteral("/bad/wrong_crc.npz"),
                QStringLiteral("-o"), output, QStringLiteral("--level"), QStringLiteral("0.5"),
                QStringLiteral("--block"), QStringLiteral("1x4")});
    QCOMPARE(mask.exitCode, 1);
    QVERIFY2(mask.err.contains(QStringLiteral("member 'w.npy': CRC-32 mismatch")),
             qPrintable(mask.err));
    QVERIFY(!QFile::exists(output));
}

QTEST_GUILESS_MAIN(TestNumpyCli)
#include "tst_numpycli.moc"
