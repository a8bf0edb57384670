// sparsity-cli --layout and --view (docs/SPEC.md "Layout" and "View") end to end: the layout
// `list` shows, masks written in the stored shape equal to PyTorch's on the mapped matrix
// (tests/data/layout_goldens.h5), their layout, view and matrix_shape attributes read back with
// the HDF5 C library, safetensors metadata, sweep on the same matrices, usage errors.
#include "common/checks.h"
#include "io/tensorfile.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <QtEndian>
#include <hdf5.h>

using namespace sparsity::core;

namespace {

const QString cliPath = QStringLiteral(SPARSITY_CLI_PATH);
const QString dataDir = QStringLiteral(SPARSITY_TEST_DATA_DIR);
const QString kerasFile = dataDir + QStringLiteral("/keras_layout.h5");
const QString goldenFile = dataDir + QStringLiteral("/layout_goldens.h5");

sparsity::test::ProgramRun runCli(const QStringList& arguments)
{
    return sparsity::test::runProgram(cliPath, arguments);
}

// A string or an int64 array attribute, read with the HDF5 C library (not the code under test).
QString stringAttribute(const QString& file, const QString& object, const char* name)
{
    QString value;
    const hid_t f = H5Fopen(QFile::encodeName(file).constData(), H5F_ACC_RDONLY, H5P_DEFAULT);
    const hid_t o = f < 0 ? -1 : H5Oopen(f, object.toUtf8().constData(), H5P_DEFAULT);
    const hid_t a = o < 0 ? -1 : H5Aopen(o, name, H5P_DEFAULT);
    const hid_t type = a < 0 ? -1 : H5Aget_type(a);
    if (type >= 0 && H5Tget_class(type) == H5T_STRING && H5Tis_variable_str(type) > 0) {
        char* text = nullptr;
        if (H5Aread(a, type, &text) >= 0)
            value = QString::fromUtf8(text);
        H5free_memory(text);
    }
    for (const auto& [id, close] : {std::pair{type, &H5Tclose}, std::pair{a, &H5Aclose},
                                    std::pair{o, &H5Oclose}, std::pair{f, &H5Fclose}})
        if (id >= 0)
            close(id);
    return value;
}

std::vector<std::int64_t> intsAttribute(const QString& file, const QString& object,
                                        const char* name)
{
    std::vector<std::int64_t> values;
    const hid_t f = H5Fopen(QFile::encodeName(file).constData(), H5F_ACC_RDONLY, H5P_DEFAULT);
    const hid_t o = f < 0 ? -1 : H5Oopen(f, object.toUtf8().constData(), H5P_DEFAULT);
    const hid_t a = o < 0 ? -1 : H5Aopen(o, name, H5P_DEFAULT);
    const hid_t space = a < 0 ? -1 : H5Aget_space(a);
    const hssize_t count = space < 0 ? 0 : H5Sget_simple_extent_npoints(space);
    if (count > 0) {
        values.resize(std::size_t(count));
        if (H5Aread(a, H5T_NATIVE_INT64, values.data()) < 0)
            values.clear();
    }
    for (const auto& [id, close] : {std::pair{space, &H5Sclose}, std::pair{a, &H5Aclose},
                                    std::pair{o, &H5Oclose}, std::pair{f, &H5Fclose}})
        if (id >= 0)
            close(id);
    return values;
}

// PyTorch's mask for one row of a golden group, in the stored shape (make_layout_goldens.py).
std::vector<float> goldenMask(const QString& group, double level, std::int64_t bh, std::int64_t bw,
                              std::int64_t zeros, int norm)
{
    const auto reader = openTensorFile(goldenFile);
    const auto levels = reader->readTensor(group + QStringLiteral("/level"), {});
    const auto blocks = reader->readTensor(group + QStringLiteral("/block"), {});
    const auto zeroCounts = reader->readTensor(group + QStringLiteral("/zeros_per_block"), {});
    const auto norms = reader->readTensor(group + QStringLiteral("/norm"), {});
    const auto masks = reader->readTensor(group + QStringLiteral("/masks"), {});
    const std::int64_t n = masks.elementCount() / levels.cols();
    for (std::int64_t i = 0; i < levels.cols(); ++i)
        if (levels.valueAt(0, i) == level && blocks.valueAt(i, 0) == double(bh) &&
            blocks.valueAt(i, 1) == double(bw) && zeroCounts.valueAt(0, i) == double(zeros) &&
            norms.valueAt(0, i) == double(norm)) {
            const auto all = masks.values<float>();
            return {all.begin() + i * n, all.begin() + (i + 1) * n};
        }
    return {};
}

std::vector<float> writtenMask(const QString& file, const QString& dataset,
                               std::vector<std::int64_t>* shape = nullptr)
{
    const WeightTensor mask = openTensorFile(file)->readTensor(dataset, {});
    if (shape)
        *shape = mask.shape();
    return {mask.values<float>().begin(), mask.values<float>().end()};
}

} // namespace

class TestLayoutsCli final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void listShowsTheLayoutInForce();
    void kerasMasksEqualPytorchOnTheTransposedWeights();
    void channelsLastTwoFourOnATorchConv();
    void safetensorsMasksRecordTheLayout();
    void sweepUsesTheSameMatrices();
    void pytorchScriptTransposesKerasKernels();
    void badChoicesAreUsageErrors_data();
    void badChoicesAreUsageErrors();
};

void TestLayoutsCli::listShowsTheLayoutInForce()
{
    const auto run = runCli({QStringLiteral("list"), kerasFile});
    QCOMPARE(run.exitCode, 0);
    VERIFY_CONTAINS(run.out, QStringLiteral("layout keras (auto: the file has Keras's"));
    VERIFY_CONTAINS(run.out, QStringLiteral("3x3x4x8    8x36"));
    VERIFY_CONTAINS(run.out, QStringLiteral("24x16   16x24"));

    const auto torch = runCli({QStringLiteral("list"), kerasFile, QStringLiteral("--layout"),
                               QStringLiteral("torch"), QStringLiteral("--view"),
                               QStringLiteral("channels-last")});
    QCOMPARE(torch.exitCode, 0);
    VERIFY_CONTAINS(torch.out, QStringLiteral("layout torch, view channels-last"));
    VERIFY_CONTAINS(torch.out, QStringLiteral("3x3x4x8    96x3"));

    const auto plain = runCli({QStringLiteral("list"), dataDir + QStringLiteral("/layers.h5")});
    VERIFY_CONTAINS(plain.out, QStringLiteral("layout torch (auto: no Keras attributes), view "
                                              "flatten"));
    VERIFY_CONTAINS(plain.out, QStringLiteral("4x3x3x3    4x27"));
}

void TestLayoutsCli::kerasMasksEqualPytorchOnTheTransposedWeights()
{
    QTemporaryDir dir;
    for (const QString& view : {QStringLiteral("flatten"), QStringLiteral("channels-last")}) {
        const QString output = dir.filePath(view + QStringLiteral(".h5"));
        const auto run =
            runCli({QStringLiteral("mask"), kerasFile, QStringLiteral("-o"), output,
                    QStringLiteral("--level"), QStringLiteral("0.5"), QStringLiteral("--block"),
                    QStringLiteral("2x2"), QStringLiteral("--view"), view});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        VERIFY_CONTAINS(run.out, QStringLiteral("keras/") + view);
        const QString suffix = view == QLatin1String("flatten") ? QStringLiteral("flatten")
                                                                : QStringLiteral("channels_last");
        for (const auto& [layer, group, matrix] :
             {std::tuple{QStringLiteral("/dense/dense/kernel:0"), QStringLiteral("/keras_dense_"),
                         std::vector<std::int64_t>{16, 24}},
              std::tuple{QStringLiteral("/conv/conv/kernel:0"), QStringLiteral("/keras_conv_"),
                         view == QLatin1String("flatten") ? std::vector<std::int64_t>{8, 36}
                                                          : std::vector<std::int64_t>{72, 4}}}) {
            std::vector<std::int64_t> shape;
            const auto mask = writtenMask(output, layer, &shape);
            QCOMPARE(shape, openTensorFile(kerasFile)->describe(layer).shape);
            const auto expected = goldenMask(group + suffix, 0.5, 2, 2, 4, 2);
            QVERIFY(!expected.empty());
            QVERIFY2(mask == expected, qPrintable(layer));
            QCOMPARE(stringAttribute(output, layer, "layout"), QStringLiteral("keras"));
            QCOMPARE(stringAttribute(output, layer, "view"), view);
            QCOMPARE(intsAttribute(output, layer, "matrix_shape"), matrix);
        }
    }
}

void TestLayoutsCli::channelsLastTwoFourOnATorchConv()
{
    QTemporaryDir dir;
    const QString output = dir.filePath(QStringLiteral("conv.h5"));
    const QString dataset = QStringLiteral("/torch_conv_channels_last/weights");
    for (const QString& level : {QStringLiteral("0.5"), QStringLiteral("1")}) {
        const auto run =
            runCli({QStringLiteral("mask"), goldenFile, QStringLiteral("-o"), output,
                    QStringLiteral("--dataset"), dataset, QStringLiteral("--level"), level,
                    QStringLiteral("--block"), QStringLiteral("2:4"), QStringLiteral("--view"),
                    QStringLiteral("channels-last"), QStringLiteral("--force")});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        const auto expected =
            goldenMask(QStringLiteral("/torch_conv_channels_last"), level.toDouble(), 1, 4, 2, 2);
        QVERIFY(!expected.empty());
        QVERIFY(writtenMask(output, dataset) == expected);
        QCOMPARE(stringAttribute(output, dataset, "layout"), QStringLiteral("torch"));
        QCOMPARE(stringAttribute(output, dataset, "view"), QStringLiteral("channels-last"));
        QCOMPARE(intsAttribute(output, dataset, "matrix_shape"),
                 (std::vector<std::int64_t>{144, 8}));
    }
    // 2:4 at level 1 keeps exactly two of every four input channels at each kernel position.
    const auto mask = writtenMask(output, dataset);
    for (int o = 0; o < 16; ++o)
        for (int k = 0; k < 9; ++k)
            for (int group = 0; group < 2; ++group) {
                int kept = 0;
                for (int i = group * 4; i < group * 4 + 4; ++i)
                    kept += int(mask[std::size_t((o * 8 + i) * 9 + k)]);
                QCOMPARE(kept, 2);
            }
}

void TestLayoutsCli::safetensorsMasksRecordTheLayout()
{
    QTemporaryDir dir;
    const QString output = dir.filePath(QStringLiteral("masks.safetensors"));
    const auto run =
        runCli({QStringLiteral("mask"), kerasFile, QStringLiteral("-o"), output,
                QStringLiteral("--level"), QStringLiteral("0.5"), QStringLiteral("--block"),
                QStringLiteral("2x2"), QStringLiteral("--layout"), QStringLiteral("keras")});
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    QFile file(output);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray bytes = file.readAll();
    const auto length = qFromLittleEndian<quint64>(bytes.constData());
    const QJsonObject metadata = QJsonDocument::fromJson(bytes.mid(8, qsizetype(length)))
                                     .object()
                                     .value(QStringLiteral("__metadata__"))
                                     .toObject();
    QCOMPARE(metadata.value(QStringLiteral("conv/conv/kernel:0/layout")).toString(),
             QStringLiteral("keras"));
    QCOMPARE(metadata.value(QStringLiteral("conv/conv/kernel:0/view")).toString(),
             QStringLiteral("flatten"));
    QCOMPARE(metadata.value(QStringLiteral("conv/conv/kernel:0/matrix_shape")).toString(),
             QStringLiteral("[8, 36]"));
    QVERIFY(writtenMask(output, QStringLiteral("/dense/dense/kernel:0")) ==
            goldenMask(QStringLiteral("/keras_dense_flatten"), 0.5, 2, 2, 4, 2));
}

void TestLayoutsCli::sweepUsesTheSameMatrices()
{
    // 2x2 blocks: the conv kernel is 8x36 under keras (72 blocks), 3x96 read as torch (96).
    const auto blocksOf = [](const QStringList& extra) {
        const auto run = runCli(
            QStringList{QStringLiteral("sweep"), kerasFile, QStringLiteral("--config"),
                        QStringLiteral("2x2"), QStringLiteral("--levels"), QStringLiteral("0.5"),
                        QStringLiteral("--format"), QStringLiteral("json"),
                        QStringLiteral("--dataset"), QStringLiteral("/conv/conv/kernel:0")} +
            extra);
        const QJsonArray rows = QJsonDocument::fromJson(run.out.toUtf8())
                                    .object()
                                    .value(QStringLiteral("rows"))
                                    .toArray();
        return rows.isEmpty() ? -1
                              : rows.first().toObject().value(QStringLiteral("blocks")).toInt();
    };
    QCOMPARE(blocksOf({}), 72);
    QCOMPARE(blocksOf({QStringLiteral("--layout"), QStringLiteral("torch")}), 96);
    QCOMPARE(blocksOf({QStringLiteral("--layout"), QStringLiteral("torch"),
                       QStringLiteral("--view"), QStringLiteral("channels-last")}),
             48 * 2);
}

void TestLayoutsCli::pytorchScriptTransposesKerasKernels()
{
    const auto run = runCli({QStringLiteral("mask"), kerasFile, QStringLiteral("-o"),
                             QStringLiteral("/nonexistent/masks.h5"), QStringLiteral("--level"),
                             QStringLiteral("0.5"), QStringLiteral("--block"),
                             QStringLiteral("2x2"), QStringLiteral("--print-pytorch")});
    QCOMPARE(run.exitCode, 0);
    VERIFY_CONTAINS(run.out, QStringLiteral("# /dense/dense/kernel:0: 24x16 float32, layout keras, "
                                            "view flatten: matrix 16x24"));
    VERIFY_CONTAINS(run.out, QStringLiteral("norm=2, layout=\"keras\")"));
    VERIFY_CONTAINS(run.out, QStringLiteral("this mask is that of the 8x36 matrix"));
}

void TestLayoutsCli::badChoicesAreUsageErrors_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");
    const QStringList mask{QStringLiteral("mask"),    kerasFile,
                           QStringLiteral("-o"),      QStringLiteral("/nonexistent/out.h5"),
                           QStringLiteral("--level"), QStringLiteral("0.5"),
                           QStringLiteral("--block"), QStringLiteral("1x4")};
    QTest::newRow("layout") << mask + QStringList{QStringLiteral("--layout"), QStringLiteral("tf")}
                            << QStringLiteral("--layout 'tf' is not auto, torch or keras");
    QTest::newRow("view") << mask + QStringList{QStringLiteral("--view"),
                                                QStringLiteral("channels_last")}
                          << QStringLiteral("--view 'channels_last' is not flatten or "
                                            "channels-last");
    QTest::newRow("twice") << mask +
                                  QStringList{QStringLiteral("--view"), QStringLiteral("flatten"),
                                              QStringLiteral("--view"), QStringLiteral("flatten")}
                           << QStringLiteral("--view given more than once");
    QTest::newRow("list") << QStringList{QStringLiteral("list"), kerasFile,
                                         QStringLiteral("--layout"), QStringLiteral("x")}
                          << QStringLiteral("--layout 'x' is not auto, torch or keras");
    QTest::newRow("sweep") << QStringList{QStringLiteral("sweep"), kerasFile,
                                          QStringLiteral("--view"), QStringLiteral("rows")}
                           << QStringLiteral("--view 'rows' is not flatten or channels-last");
}

void TestLayoutsCli::badChoicesAreUsageErrors()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    const auto run = runCli(arguments);
    QCOMPARE(run.exitCode, 2);
    VERIFY_CONTAINS(run.err, message);
}

QTEST_GUILESS_MAIN(TestLayoutsCli)
#include "tst_layoutscli.moc"
