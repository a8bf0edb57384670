// Compressed HDF5 datasets as real tools write them (tests/reference/make_compressed.py, with
// h5py and python3-hdf5plugin): h5py's LZF decoded by the filter this program registers, gzip
// by HDF5, Blosc, LZ4 and BZip2 by Debian's filter plugins found on HDF5's default plugin
// path. Every compressed dataset reads exactly like its uncompressed twin; a damaged chunk or
// a missing filter is a message naming file, dataset and cause, both in the core and in
// sparsity-cli.
#include "common/checks.h"
#include "error.h"
#include "hdf5/hdf5reader.h"
#include "io/datasetinfo.h"

#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <cstring>
#include <hdf5.h>
#include <vector>

using namespace sparsity;
using namespace sparsity::core;
using sparsity::test::errorOf;

namespace {

const QString dataDir = QStringLiteral(SPARSITY_TEST_DATA_DIR);

QString dataFile(const char* name)
{
    return dataDir + QLatin1Char('/') + QLatin1String(name);
}

using Run = sparsity::test::ProgramRun;

Run runCli(const QStringList& arguments,
           const QProcessEnvironment& environment = QProcessEnvironment::systemEnvironment())
{
    return sparsity::test::runProgram(QStringLiteral(SPARSITY_CLI_PATH), arguments, environment);
}

// The line of a `list` table that names `path`.
QString listLine(const QString& table, const QString& path)
{
    for (const QString& line : table.split(QLatin1Char('\n')))
        if (line.startsWith(path + QLatin1Char(' ')))
            return line;
    return {};
}

// Bitwise equality of two read tensors, shapes included.
bool identical(const WeightTensor& a, const WeightTensor& b)
{
    if (a.shape() != b.shape())
        return false;
    const auto x = a.values<float>();
    const auto y = b.values<float>();
    return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(float)) == 0;
}

QStringList maskArgs(const QString& input, const QString& output, const QString& dataset)
{
    return {QStringLiteral("mask"),      input,
            QStringLiteral("-o"),        output,
            QStringLiteral("--level"),   QStringLiteral("0.5"),
            QStringLiteral("--block"),   QStringLiteral("1x4"),
            QStringLiteral("--dataset"), dataset};
}

} // namespace

class TestCompression : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void readsLikeItsUncompressedTwin_data();
    void readsLikeItsUncompressedTwin();
    void cliListsAndMasksLzf();
    void damagedLzfChunkIsAnError();
    void missingPluginIsListedAsUnreadable();
    void floatTypesAreNamedByTheirFormat();
};

void TestCompression::readsLikeItsUncompressedTwin_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("dataset");
    QTest::addColumn<QString>("twin");
    QTest::addColumn<QString>("type");
    for (const char* filter : {"lzf", "shuffle_lzf", "gzip"}) {
        for (const char* name : {"f32", "f16", "rank3", "random"}) {
            const QString dataset =
                QStringLiteral("/%1/%2").arg(QLatin1String(filter), QLatin1String(name));
            QTest::newRow(qPrintable(dataset))
                << dataFile("compressed.h5") << dataset
                << QStringLiteral("/raw/") + QLatin1String(name)
                << (std::strcmp(name, "f16") == 0 ? QStringLiteral("float16")
                                                  : QStringLiteral("float32"));
        }
    }
    for (const char* filter : {"blosc", "lz4", "bzip2"})
        QTest::newRow(filter) << dataFile("plugins.h5")
                              << QStringLiteral("/%1/f32").arg(QLatin1String(filter))
                              << QStringLiteral("/raw/f32") << QStringLiteral("float32");
}

void TestCompression::readsLikeItsUncompressedTwin()
{
    QFETCH(QString, file);
    QFETCH(QString, dataset);
    QFETCH(QString, twin);
    QFETCH(QString, type);
    const auto reader = Hdf5Reader::open(file);
    const DatasetInfo info = reader->describe(dataset);
    QVERIFY2(info.reason.isEmpty(), qPrintable(info.reason));
    QCOMPARE(info.typeName, type);
    const WeightTensor expected = reader->readTensor(twin, {});
    const WeightTensor actual = reader->readTensor(dataset, {});
    QVERIFY(expected.elementCount() > 0);
    QVERIFY(identical(actual, expected));
    // Not trivially equal: the values differ from each other.
    const auto values = actual.values<float>();
    QVERIFY(std::any_of(values.begin(), values.end(), [&](float v) { return v != values[0]; }));
}

void TestCompression::cliListsAndMasksLzf()
{
    const QString file = dataFile("compressed.h5");
    const Run list = runCli({QStringLiteral("list"), file});
    QVERIFY2(list.exitCode == 0, qPrintable(list.err));
    for (const char* path : {"/lzf/f32", "/shuffle_lzf/f16", "/lzf/random", "/gzip/rank3"}) {
        const QString line = listLine(list.out, QLatin1String(path));
        QVERIFY2(line.endsWith(QLatin1String(" yes")),
                 qPrintable(QLatin1String(path) + QStringLiteral(": ") + line));
    }

    // The mask of an LZF dataset is the mask of its uncompressed twin.
    const QTemporaryDir out;
    const QString lzfMask = out.filePath(QStringLiteral("lzf.h5"));
    const QString rawMask = out.filePath(QStringLiteral("raw.h5"));
    const Run lzf = runCli(maskArgs(file, lzfMask, QStringLiteral("/shuffle_lzf/f32")));
    QVERIFY2(lzf.exitCode == 0, qPrintable(lzf.err));
    const Run raw = runCli(maskArgs(file, rawMask, QStringLiteral("/raw/f32")));
    QVERIFY2(raw.exitCode == 0, qPrintable(raw.err));
    const WeightTensor a =
        Hdf5Reader::open(lzfMask)->readTensor(QStringLiteral("/shuffle_lzf/f32"), {});
    const WeightTensor b = Hdf5Reader::open(rawMask)->readTensor(QStringLiteral("/raw/f32"), {});
    QVERIFY(identical(a, b));
    const auto mask = a.values<float>();
    const auto pruned = std::count(mask.begin(), mask.end(), 0.0f);
    QVERIFY(pruned > 0 && pruned < std::ptrdiff_t(mask.size()));
}

void TestCompression::damagedLzfChunkIsAnError()
{
    const QString file = dataFile("lzf_damaged.h5");
    const auto reader = Hdf5Reader::open(file);
    // Listing reads no chunk: the damage shows when reading.
    QVERIFY(reader->describe(QStringLiteral("/w")).sparsifiable);
    const auto error = errorOf([&] { reader->readTensor(QStringLiteral("/w"), {}); });
    VERIFY_ERROR(error, ErrorCode::Io,
                 file + QStringLiteral(": cannot read dataset '/w': LZF chunk is damaged"));
    qInfo("core: %s", qPrintable(error->message()));
    // The reader is still usable, and the intact twin reads.
    QCOMPARE(reader->readTensor(QStringLiteral("/ok"), {}).elementCount(), std::int64_t{256});

    const QTemporaryDir out;
    const Run run =
        runCli(maskArgs(file, out.filePath(QStringLiteral("m.h5")), QStringLiteral("/w")));
    QCOMPARE(run.exitCode, 1);
    VERIFY_CONTAINS(run.err, file + QStringLiteral(": cannot read dataset '/w': LZF chunk is "
                                                   "damaged"));
    QVERIFY(!QFileInfo::exists(out.filePath(QStringLiteral("m.h5"))));
}

void TestCompression::missingPluginIsListedAsUnreadable()
{
    // A real missing filter: Blosc, LZ4 and BZip2 with HDF5's plugin path pointed at an empty
    // directory, as on a machine without Debian's plugin packages.
    const QTemporaryDir empty;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("HDF5_PLUGIN_PATH"), empty.path());
    const QString file = dataFile("plugins.h5");
    const Run list = runCli({QStringLiteral("list"), file}, environment);
    QVERIFY2(list.exitCode == 0, qPrintable(list.err));
    qInfo("%s", qPrintable(list.out));
    QVERIFY(listLine(list.out, QStringLiteral("/raw/f32")).endsWith(QLatin1String(" yes")));
    VERIFY_CONTAINS(listLine(list.out, QStringLiteral("/blosc/f32")),
                    QStringLiteral("no: compressed with filter 'blosc' (id 32001), which this "
                                   "HDF5 library cannot decode (install the Debian package "
                                   "hdf5-filter-plugin-blosc-serial)"));
    VERIFY_CONTAINS(
        listLine(list.out, QStringLiteral("/lz4/f32")),
        QStringLiteral("'lz4' (id 32004), which this HDF5 library cannot decode (install "
                       "the Debian package hdf5-filter-plugin)"));
    VERIFY_CONTAINS(
        listLine(list.out, QStringLiteral("/bzip2/f32")),
        QStringLiteral("'bzip2' (id 307), which this HDF5 library cannot decode (install "
                       "the Debian package hdf5-filter-plugin)"));

    const QTemporaryDir out;
    const Run run =
        runCli(maskArgs(file, out.filePath(QStringLiteral("m.h5")), QStringLiteral("/blosc/f32")),
               environment);
    QCOMPARE(run.exitCode, 1);
    VERIFY_CONTAINS(run.err, file + QStringLiteral(": dataset '/blosc/f32' cannot be masked: "
                                                   "compressed with filter 'blosc' (id 32001)"));
}

namespace {

// A little-endian floating type of `bits` bits: sign on top, then the exponent, then the
// mantissa, with the usual bias; as the HDF5 C API builds bfloat16 and other narrow floats.
hid_t floatType(std::size_t bits, std::size_t exponent, std::size_t mantissa)
{
    const hid_t type = H5Tcopy(H5T_IEEE_F32LE);
    // Fields first while they still fit the 32 bits, then the precision and size shrink.
    H5Tset_fields(type, bits - 1, mantissa, exponent, 0, mantissa);
    H5Tset_precision(type, bits);
    H5Tset_size(type, bits / 8);
    H5Tset_ebias(type, (std::size_t{1} << (exponent - 1)) - 1);
    return type;
}

} // namespace

void TestCompression::floatTypesAreNamedByTheirFormat()
{
    const QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("floats.h5"));
    // Exact in every one of the types below.
    const std::vector<float> values = {1.0f, -2.5f, 0.25f, 3.0f, -0.75f, 6.0f, 0.5f, -1.5f};
    struct Case
    {
        const char* path;
        hid_t type;
        const char* name;
    };
    const hid_t bf16 = floatType(16, 8, 7);
    const hid_t e5m2 = floatType(8, 5, 2);
    const hid_t e4m3 = floatType(8, 4, 3);
    const Case cases[] = {{"/bf16", bf16, "bfloat16"},
                          {"/e5m2", e5m2, "float(e5m2)"},
                          {"/e4m3", e4m3, "float(e4m3)"},
                          {"/f16", floatType(16, 5, 10), "float16"},
                          {"/f32", H5Tcopy(H5T_IEEE_F32BE), "float32"},
                          {"/f64", H5Tcopy(H5T_IEEE_F64LE), "float64"}};
    {
        const hid_t h5 =
            H5Fcreate(QFile::encodeName(file).constData(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
        QVERIFY(h5 >= 0);
        const hsize_t dims[2] = {2, 4};
        const hid_t space = H5Screate_simple(2, dims, nullptr);
        for (const Case& c : cases) {
            const hid_t dataset =
                H5Dcreate2(h5, c.path, c.type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            QVERIFY(dataset >= 0);
            QVERIFY(H5Dwrite(dataset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                             values.data()) >= 0);
            H5Dclose(dataset);
        }
        H5Sclose(space);
        H5Fclose(h5);
    }
    for (const Case& c : cases)
        H5Tclose(c.type);

    const auto reader = Hdf5Reader::open(file);
    for (const Case& c : cases) {
        const DatasetInfo info = reader->describe(QLatin1String(c.path));
        QCOMPARE(info.typeName, QLatin1String(c.name));
        QVERIFY(info.isDefaultSelection());
        // A bfloat16 read as if it were float16 would give other numbers.
        const WeightTensor tensor = reader->readTensor(QLatin1String(c.path), {});
        if (tensor.precision() == Precision::Float64) {
            const auto read = tensor.values<double>();
            QVERIFY2(std::equal(read.begin(), read.end(), values.begin(), values.end()), c.path);
        } else {
            const auto read = tensor.values<float>();
            QVERIFY2(std::equal(read.begin(), read.end(), values.begin(), values.end()), c.path);
        }
    }
    const Run list = runCli({QStringLiteral("list"), file});
    VERIFY_CONTAINS(listLine(list.out, QStringLiteral("/bf16")), QStringLiteral(" bfloat16 "));
}

QTEST_GUILESS_MAIN(TestCompression)
#include "tst_compression.moc"
