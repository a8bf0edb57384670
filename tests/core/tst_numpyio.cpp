// NumPy input (docs/SPEC.md "Files read"): .npy and .npz files written by numpy itself
// (tests/data/numpy, from tests/reference/make_numpy_fixtures.py) listed and read exactly, in
// every dtype, byte order and memory order, against the formulas the script used and against
// tests/data/layers.h5, which holds the same arrays; and every damaged or hostile file refused
// with the file, the member and the reason.
#include "common/checks.h"
#include "error.h"
#include "io/tensorfile.h"
#include "numpy/npyheader.h"
#include "numpy/numpyreader.h"
#include "parallel/executioncontext.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>

using namespace sparsity::core;
using namespace sparsity::test;

namespace {

const QString dataDir = QStringLiteral(SPARSITY_TEST_DATA_DIR);
const QString numpyDir = dataDir + QStringLiteral("/numpy");
const QString badDir = numpyDir + QStringLiteral("/bad");

// The value at (i, j) of the script's 3x5 array of a dtype code ("f4", "u8", "b1"), as the
// reader must deliver it (the same rounding to double as a C++ conversion).
double expectedValue(const QString& code, int i, int j)
{
    const int k = 5 * i + j;
    const QChar kind = code[0];
    const int size = code.mid(1).toInt();
    if (kind == QLatin1Char('f')) {
        if (i == 2 && j == 4)
            return size == 2   ? 65504.0
                   : size == 4 ? double(std::numeric_limits<float>::max())
                               : std::numeric_limits<double>::max();
        return (k - 7) * 0.25;
    }
    if (kind == QLatin1Char('i')) {
        const int bits = size * 8;
        const std::int64_t max = bits == 64 ? std::numeric_limits<std::int64_t>::max()
                                            : (std::int64_t{1} << (bits - 1)) - 1;
        const std::int64_t min = bits == 64 ? std::numeric_limits<std::int64_t>::min()
                                            : -(std::int64_t{1} << (bits - 1));
        if (i == 0 && j == 0)
            return static_cast<double>(min);
        if (i == 2 && j == 4)
            return static_cast<double>(max);
        return k - 7;
    }
    if (kind == QLatin1Char('u')) {
        if (i == 2 && j == 4)
            return size == 8 ? static_cast<double>(std::numeric_limits<std::uint64_t>::max())
                             : static_cast<double>((std::uint64_t{1} << (size * 8)) - 1);
        return k;
    }
    return k % 3 == 0 ? 1.0 : 0.0;
}

// Bit-for-bit equality of two tensors: shape, precision and every value (NaN included).
bool sameTensor(const WeightTensor& a, const WeightTensor& b)
{
    if (a.shape() != b.shape() || a.precision() != b.precision())
        return false;
    if (a.precision() == Precision::Float32)
        return std::memcmp(a.values<float>().data(), b.values<float>().data(),
                           a.values<float>().size_bytes()) == 0;
    return std::memcmp(a.values<double>().data(), b.values<double>().data(),
                       a.values<double>().size_bytes()) == 0;
}

QStringList paths(const std::vector<DatasetInfo>& tree)
{
    QStringList result;
    for (const DatasetInfo& info : tree)
        result << info.path;
    return result;
}

} // namespace

class TestNumpyIo final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void npzListsWhatTheHdf5FileLists_data();
    void npzListsWhatTheHdf5FileLists();
    void npyIsOneDatasetNamedAfterTheFile();
    void everyDtypeAndByteOrderExactly_data();
    void everyDtypeAndByteOrderExactly();
    void fortranOrderIsReadCorrectly_data();
    void fortranOrderIsReadCorrectly();
    void scalarAndVector();
    void everyFormatVersionAndSpacing_data();
    void everyFormatVersionAndSpacing();
    void zip64Archive();
    void contentDecidesTheFormat();
    void unsupportedDtypesAreListedAndRefused_data();
    void unsupportedDtypesAreListedAndRefused();
    void damagedFilesAreRefused_data();
    void damagedFilesAreRefused();
    void damagedMembersAreRefusedWhenRead_data();
    void damagedMembersAreRefusedWhenRead();
    void headerParserRefusals_data();
    void headerParserRefusals();
    void memoryLimitIsCheckedBeforeAllocating();
    void cancelStopsTheRead();
    void changedFileIsRefused();
    void imageInMemoryReadsLikeTheFile();
};

void TestNumpyIo::npzListsWhatTheHdf5FileLists_data()
{
    QTest::addColumn<QString>("file");
    QTest::newRow("stored") << numpyDir + QStringLiteral("/layers.npz");
    QTest::newRow("deflated") << numpyDir + QStringLiteral("/layers_compressed.npz");
}

void TestNumpyIo::npzListsWhatTheHdf5FileLists()
{
    QFETCH(QString, file);
    const auto npz = openTensorFile(file);
    const auto h5 = openTensorFile(dataDir + QStringLiteral("/layers.h5"));
    QVERIFY(dynamic_cast<NumpyReader*>(npz.get()) != nullptr);
    const std::vector<DatasetInfo> tree = npz->listTree();
    std::vector<DatasetInfo> expected;
    for (const DatasetInfo& info : h5->listTree())
        if (info.kind != NodeKind::DanglingLink) // the one thing an .npz cannot hold
            expected.push_back(info);
    // The same entries in the same order (folders as groups, depth first in name order).
    QCOMPARE(paths(tree), paths(expected));
    for (std::size_t i = 0; i < tree.size(); ++i) {
        const DatasetInfo& got = tree[i];
        const DatasetInfo& want = expected[i];
        QCOMPARE(int(got.kind), int(want.kind));
        QCOMPARE(got.shape, want.shape);
        QCOMPARE(int(got.elementClass), int(want.elementClass));
        QCOMPARE(got.sparsifiable, want.sparsifiable);
        QCOMPARE(got.isDefaultSelection(), want.isDefaultSelection());
        if (want.elementClass != ElementClass::Other) {
            QCOMPARE(got.typeName, want.typeName);
            QCOMPARE(got.reason, want.reason);
            QCOMPARE(got.storageBytes, want.storageBytes);
        }
        if (got.kind == NodeKind::Dataset) {
            QCOMPARE(npz->describe(got.path).shape, got.shape);
            // Every array the HDF5 file can give is the same, bit for bit, in the same precision.
            if (want.canSparsifyWhenNamed())
                QVERIFY2(sameTensor(npz->readTensor(got.path, {}), h5->readTensor(want.path, {})),
                         qPrintable(got.path));
        }
    }
    VERIFY_ERROR(errorOf([&] { npz->describe(QStringLiteral("/dense")); }), ErrorCode::InvalidInput,
                 QStringLiteral("'/dense' is a group, not a dataset"));
    VERIFY_ERROR(errorOf([&] { npz->describe(QStringLiteral("/dense/nothing")); }),
                 ErrorCode::InvalidInput, QStringLiteral("no dataset '/dense/nothing'"));
    VERIFY_ERROR(errorOf([&] { npz->readTensor(QStringLiteral("/names"), {}); }),
                 ErrorCode::InvalidInput,
                 QStringLiteral("dataset '/names' cannot be read: bytes string data is not "
                                "numeric"));
}

void TestNumpyIo::npyIsOneDatasetNamedAfterTheFile()
{
    const auto npy = openTensorFile(numpyDir + QStringLiteral("/dense_kernel.npy"));
    const std::vector<DatasetInfo> tree = npy->listTree();
    QCOMPARE(paths(tree), QStringList{QStringLiteral("/dense_kernel")});
    QCOMPARE(tree[0].shapeText(), QStringLiteral("16x24"));
    QCOMPARE(tree[0].typeName, QStringLiteral("float32"));
    QVERIFY(tree[0].isDefaultSelection());
    const auto h5 = openTensorFile(dataDir + QStringLiteral("/layers.h5"));
    QVERIFY(sameTensor(npy->readTensor(QStringLiteral("dense_kernel"), {}),
                       h5->readTensor(QStringLiteral("/dense/kernel"), {})));
}

void TestNumpyIo::everyDtypeAndByteOrderExactly_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("member");
    QTest::addColumn<QString>("code");
    for (const char* file : {"dtypes.npz", "dtypes_compressed.npz"}) {
        for (const char* code : {"f2", "f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8"})
            for (const char* order : {"le", "be"}) {
                const QString member =
                    QStringLiteral("%1_%2").arg(QLatin1String(code), QLatin1String(order));
                QTest::addRow("%s %s", file, qPrintable(member))
                    << QString::fromLatin1(file) << member << QString::fromLatin1(code);
            }
        QTest::addRow("%s bool", file)
            << QString::fromLatin1(file) << QStringLiteral("bool") << QStringLiteral("b1");
    }
}

void TestNumpyIo::everyDtypeAndByteOrderExactly()
{
    QFETCH(QString, file);
    QFETCH(QString, member);
    QFETCH(QString, code);
    const auto reader = openTensorFile(numpyDir + QLatin1Char('/') + file);
    const DatasetInfo info = reader->describe(member);
    QCOMPARE(info.shape, (std::vector<std::int64_t>{3, 5}));
    const int size = code.mid(1).toInt();
    QCOMPARE(info.elementSize, std::int64_t{size});
    QCOMPARE(info.elementClass,
             code[0] == QLatin1Char('f') ? ElementClass::Float : ElementClass::Integer);
    QCOMPARE(info.typeName, code == QLatin1String("b1") ? QStringLiteral("bool")
                            : code[0] == QLatin1Char('f')
                                ? QStringLiteral("float%1").arg(size * 8)
                                : (code[0] == QLatin1Char('i') ? QStringLiteral("int%1")
                                                               : QStringLiteral("uint%1"))
                                      .arg(size * 8));
    const WeightTensor tensor = reader->readTensor(member, {});
    const bool asDouble = code[0] == QLatin1Char('f') ? size > 4 : size > 2;
    QCOMPARE(tensor.precision(), asDouble ? Precision::Float64 : Precision::Float32);
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 5; ++j)
            QCOMPARE(tensor.valueAt(i, j), expectedValue(code, i, j));
}

void TestNumpyIo::fortranOrderIsReadCorrectly_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("member");
    QTest::addColumn<QString>("code");
    for (const char* file : {"dtypes.npz", "dtypes_compressed.npz"})
        for (const char* member : {"f4_le", "f8_be", "f2_be", "i2_be", "u8_le", "i8_be"})
            QTest::addRow("%s %s", file, member)
                << QString::fromLatin1(file)
                << QString::fromLatin1(member) + QStringLiteral("_fortran")
                << QString::fromLatin1(member).left(2);
}

void TestNumpyIo::fortranOrderIsReadCorrectly()
{
    QFETCH(QString, file);
    QFETCH(QString, member);
    QFETCH(QString, code);
    const auto reader = openTensorFile(numpyDir + QLatin1Char('/') + file);
    const WeightTensor tensor = reader->readTensor(member, {});
    QCOMPARE(tensor.shape(), (std::vector<std::int64_t>{3, 5}));
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 5; ++j)
            QCOMPARE(tensor.valueAt(i, j), expectedValue(code, i, j));

    // Three and four dimensions: the odometer over every axis.
    const WeightTensor cube = reader->readTensor(QStringLiteral("f4_fortran_3d"), {});
    QCOMPARE(cube.shape(), (std::vector<std::int64_t>{2, 3, 4}));
    for (int k = 0; k < 24; ++k)
        QCOMPARE(cube.values<float>()[static_cast<std::size_t>(k)], k * 0.5f);
    const WeightTensor conv = reader->readTensor(QStringLiteral("conv_be_fortran"), {});
    QCOMPARE(conv.shape(), (std::vector<std::int64_t>{4, 3, 3, 3}));
    for (int k = 0; k < 108; ++k)
        QCOMPARE(conv.values<float>()[static_cast<std::size_t>(k)], k * 0.125f - 5.0f);
}

void TestNumpyIo::scalarAndVector()
{
    const auto reader = openTensorFile(numpyDir + QStringLiteral("/dtypes.npz"));
    const DatasetInfo scalar = reader->describe(QStringLiteral("/scalar"));
    QCOMPARE(scalar.shapeText(), QStringLiteral("scalar"));
    QVERIFY(!scalar.sparsifiable);
    QCOMPARE(scalar.reason, QStringLiteral("rank 0 (scalar): needs at least 2 dimensions"));
    VERIFY_ERROR(errorOf([&] { reader->readTensor(QStringLiteral("/scalar"), {}); }),
                 ErrorCode::InvalidInput,
                 QStringLiteral("dtypes.npz: dataset '/scalar' cannot be read: rank 0 (scalar): "
                                "needs at least 1 dimension"));
    const DatasetInfo vector = reader->describe(QStringLiteral("/vector"));
    QVERIFY(!vector.sparsifiable);
    QVERIFY(vector.canSparsifyWhenNamed());
    const WeightTensor values = reader->readTensor(QStringLiteral("/vector"), {});
    QCOMPARE(values.shape(), std::vector<std::int64_t>{7});
    QCOMPARE(values.precision(), Precision::Float64);
    for (int k = 0; k < 7; ++k)
        QCOMPARE(values.valueAt(0, k), double(k - 3));
}

void TestNumpyIo::everyFormatVersionAndSpacing_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("path");
    QTest::newRow("1.0") << QStringLiteral("version1.npy") << QStringLiteral("/version1");
    QTest::newRow("2.0") << QStringLiteral("version2.npy") << QStringLiteral("/version2");
    QTest::newRow("3.0 (UTF-8)") << QStringLiteral("version3.npy") << QStringLiteral("/version3");
    QTest::newRow("spacing, key order, trailing commas")
        << QStringLiteral("header_spacing.npy") << QStringLiteral("/header_spacing");
}

void TestNumpyIo::everyFormatVersionAndSpacing()
{
    QFETCH(QString, file);
    QFETCH(QString, path);
    const auto reader = openTensorFile(numpyDir + QLatin1Char('/') + file);
    QCOMPARE(paths(reader->listTree()), QStringList{path});
    const WeightTensor tensor = reader->readTensor(path, {});
    QCOMPARE(tensor.shape(), (std::vector<std::int64_t>{3, 5}));
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 5; ++j)
            QCOMPARE(tensor.valueAt(i, j), expectedValue(QStringLiteral("f4"), i, j));
}

void TestNumpyIo::zip64Archive()
{
    const auto reader = openTensorFile(numpyDir + QStringLiteral("/zip64.npz"));
    QCOMPARE(paths(reader->listTree()),
             (QStringList{QStringLiteral("/deep"), QStringLiteral("/deep/second"),
                          QStringLiteral("/first")}));
    const WeightTensor first = reader->readTensor(QStringLiteral("/first"), {});
    const WeightTensor second = reader->readTensor(QStringLiteral("/deep/second"), {});
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 5; ++j) {
            QCOMPARE(first.valueAt(i, j), expectedValue(QStringLiteral("f4"), i, j));
            QCOMPARE(second.valueAt(i, j), expectedValue(QStringLiteral("i2"), i, j));
        }
}

void TestNumpyIo::contentDecidesTheFormat()
{
    QTemporaryDir dir;
    // A .npy under another name is still read as one, named after its stem.
    const QString renamed = dir.filePath(QStringLiteral("weights.bin"));
    QVERIFY(QFile::copy(numpyDir + QStringLiteral("/dense_kernel.npy"), renamed));
    const auto npy = openTensorFile(renamed);
    QCOMPARE(paths(npy->listTree()), QStringList{QStringLiteral("/weights")});
    // An .npz without its suffix, and a stem that keeps its inner dots.
    const QString plain = dir.filePath(QStringLiteral("model.v2.archive"));
    QVERIFY(QFile::copy(numpyDir + QStringLiteral("/layers.npz"), plain));
    QVERIFY(openTensorFile(plain)->describe(QStringLiteral("/dense/kernel")).sparsifiable);
    const QString dotted = dir.filePath(QStringLiteral("model.layer1.weight.npy"));
    QVERIFY(QFile::copy(numpyDir + QStringLiteral("/dense_kernel.npy"), dotted));
    QCOMPARE(paths(openTensorFile(dotted)->listTree()),
             QStringList{QStringLiteral("/model.layer1.weight")});
    // An HDF5 file named .npz is HDF5.
    const QString hdf5 = dir.filePath(QStringLiteral("layers.npz"));
    QVERIFY(QFile::copy(dataDir + QStringLiteral("/layers.h5"), hdf5));
    QVERIFY(dynamic_cast<NumpyReader*>(openTensorFile(hdf5).get()) == nullptr);
    // Something else named .npy or .npz is refused by the NumPy reader, saying why.
    const QString text = dir.filePath(QStringLiteral("notes.npz"));
    {
        QFile file(text);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("just some text\n");
    }
    VERIFY_ERROR(errorOf([&] { openTensorFile(text); }), ErrorCode::InvalidInput,
                 QStringLiteral("notes.npz: not a NumPy .npz file: it is not a ZIP archive"));
    VERIFY_ERROR(errorOf([&] { openTensorFile(dir.filePath(QStringLiteral("missing.npy"))); }),
                 ErrorCode::Io, QStringLiteral("missing.npy: no such file"));
    QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("folder.npz")));
    VERIFY_ERROR(errorOf([&] { openTensorFile(dir.filePath(QStringLiteral("folder.npz"))); }),
                 ErrorCode::Io, QStringLiteral("is a directory, not a NumPy file"));
}

void TestNumpyIo::unsupportedDtypesAreListedAndRefused_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("typeName");
    QTest::newRow("object") << QStringLiteral("object.npy") << QStringLiteral("object");
    QTest::newRow("structured") << QStringLiteral("structured.npy") << QStringLiteral("structured");
    QTest::newRow("complex") << QStringLiteral("complex.npy") << QStringLiteral("complex64");
    QTest::newRow("strings") << QStringLiteral("strings.npy") << QStringLiteral("unicode string");
    QTest::newRow("long double") << QStringLiteral("long_double.npy")
                                 << QStringLiteral("float128 (long double)");
}

void TestNumpyIo::unsupportedDtypesAreListedAndRefused()
{
    QFETCH(QString, file);
    QFETCH(QString, typeName);
    const auto reader = openTensorFile(badDir + QLatin1Char('/') + file);
    const std::vector<DatasetInfo> tree = reader->listTree();
    QCOMPARE(tree.size(), std::size_t{1});
    QCOMPARE(tree[0].typeName, typeName);
    QVERIFY(!tree[0].sparsifiable);
    QVERIFY(!tree[0].canSparsifyWhenNamed());
    QCOMPARE(tree[0].reason, typeName + QStringLiteral(" data is not numeric"));
    // The bytes after the header (object and structured headers give no element size).
    QVERIFY2(tree[0].storageBytes > 0 && tree[0].storageBytes <= 200,
             qPrintable(QString::number(tree[0].storageBytes)));
    VERIFY_ERROR(errorOf([&] { reader->readTensor(tree[0].path, {}); }), ErrorCode::InvalidInput,
                 QStringLiteral("%1: dataset %2 cannot be read: %3 data is not numeric")
                     .arg(badDir + QLatin1Char('/') + file,
                          QLatin1Char('\'') + tree[0].path + QLatin1Char('\''), typeName));
}

void TestNumpyIo::damagedFilesAreRefused_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("fragment");
    const auto row = [](const char* file, const char* fragment) {
        QTest::newRow(file) << QString::fromLatin1(file) << QString::fromUtf8(fragment);
    };
    row("truncated.npy", "truncated.npy: the header's shape (3, 5) of float32 needs 60 bytes of "
                         "data, but 20 bytes follow the header (truncated?)");
    row("extra_bytes.npy", "needs 60 bytes of data, but 64 bytes follow the header (the sizes "
                           "disagree)");
    row("bad_magic.npy", "bad_magic.npy: not a NumPy .npy file: it does not start with the "
                         "magic string \\x93NUMPY");
    row("bad_version.npy", ".npy format version 4.0 is not supported");
    row("header_cut.npy", "the .npy header is cut short: it is 128 bytes long, only 40 are "
                          "there");
    row("header_too_long.npy", "the .npy header says it is 2097152 bytes long; more than "
                               "1048576 bytes is refused");
    row("header_syntax.npy", "the .npy header is not a Python literal dict: '}' is missing");
    row("header_unknown_key.npy", "the .npy header has the unknown key 'extra'");
    row("header_missing_key.npy", "the .npy header lacks 'fortran_order'");
    row("header_duplicate_key.npy", "the .npy header has the key 'shape' twice");
    row("header_not_dict.npy", "the .npy header is a list, not a dict");
    row("header_negative_shape.npy", "'shape' holds the dimension -3, which is negative");
    row("header_float_shape.npy", "only decimal integers are supported as numbers");
    row("header_bad_descr.npy", "'descr' '<x4' is not a NumPy type string");
    row("header_fortran_not_bool.npy", "'fortran_order' is an integer, not True or False");
    row("header_huge_shape.npy", "the header's shape (4611686018427387904, 4611686018427387904) "
                                 "of float32 is larger than any file");
    row("header_trailing_garbage.npy", "unexpected 'x' after the header's dict");
    row("truncated.npz", "truncated.npz: not a readable .npz (ZIP) archive: no end of central "
                         "directory record (the archive is truncated, or not a ZIP file)");
    row("encrypted.npz", "encrypted.npz: member 'w.npy': it is encrypted");
    row("bzip2.npz", "bzip2.npz: member 'w.npy': compressed with method 12 (bzip2); only stored "
                     "(0) and deflate (8) members");
    row("overlap.npz", "members 'w.npy' and 'w.npy' overlap");
    row("offset_beyond.npz", "offset_beyond.npz: member 'v.npy': its local header offset "
                             "2147483632 lies outside the archive's data");
    row("sizes_lie.npz", "sizes_lie.npz: member 'w.npy': the header's shape (64, 64) of float32 "
                         "needs 16384 bytes of data, but 16392 bytes follow the header");
    row("deflate_bomb.npz", "deflate_bomb.npz: member 'w.npy': its directory entry claims "
                            "2147483647 bytes from 15249 deflated bytes, more than deflate can "
                            "give");
    row("not_numpy.npz", "a ZIP archive, but not a NumPy .npz file: no member is a NumPy array "
                         "(it holds config.json, model.weights.h5)");
    row("member_bad_header.npz", "member_bad_header.npz: member 'w.npy': the .npy header lacks "
                                 "'fortran_order'");
    row("array_and_folder.npz", "'/a' is both an array (member 'a.npy') and a folder (member "
                                "'a/b.npy')");
    row("same_path.npz", "members 'a.npy' and 'a' both give the path '/a'");
}

void TestNumpyIo::damagedFilesAreRefused()
{
    QFETCH(QString, file);
    QFETCH(QString, fragment);
    const QString path = badDir + QLatin1Char('/') + file;
    VERIFY_ERROR(errorOf([&] { openTensorFile(path); }), ErrorCode::InvalidInput, fragment);
    // The message names the file as given.
    VERIFY_ERROR(errorOf([&] { openTensorFile(path); }), ErrorCode::InvalidInput, path);
}

void TestNumpyIo::damagedMembersAreRefusedWhenRead_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("wrong CRC") << QStringLiteral("wrong_crc.npz")
                               << QStringLiteral("wrong_crc.npz: member 'w.npy': CRC-32 mismatch");
    QTest::newRow("compressed size lies")
        << QStringLiteral("compressed_size_lie.npz")
        << QStringLiteral("compressed_size_lie.npz: member 'w.npy': its 15239 compressed bytes end "
                          "before the data does");
    QTest::newRow("damaged deflate data")
        << QStringLiteral("deflate_damaged.npz")
        << QStringLiteral("deflate_damaged.npz: member 'w.npy': its deflate data is damaged");
}

void TestNumpyIo::damagedMembersAreRefusedWhenRead()
{
    QFETCH(QString, file);
    QFETCH(QString, fragment);
    const auto reader = openTensorFile(badDir + QLatin1Char('/') + file);
    VERIFY_ERROR(errorOf([&] { reader->readTensor(QStringLiteral("/w"), {}); }),
                 ErrorCode::InvalidInput, fragment);
}

void TestNumpyIo::headerParserRefusals_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("escape") << QByteArray("{'descr': '<f\\x34'}")
                            << QStringLiteral("escape sequences in strings are not supported");
    QTest::newRow("deep nesting") << QByteArray(100, '(')
                                  << QStringLiteral("nested more than 32 levels deep");
    QTest::newRow("name") << QByteArray("{'descr': float32}")
                          << QStringLiteral("'float32' is not a literal");
    QTest::newRow("unclosed string")
        << QByteArray("{'descr: 1}") << QStringLiteral("a string is not closed");
    QTest::newRow("empty") << QByteArray("   \n") << QStringLiteral("expected a value");
    QTest::newRow("key not a string")
        << QByteArray("{1: 2}") << QStringLiteral("the .npy header has an integer as a key");
    QTest::newRow("shape not a tuple")
        << QByteArray("{'descr': '<f4', 'fortran_order': False, 'shape': 3}")
        << QStringLiteral("'shape' is an integer, not a tuple of integers");
    QTest::newRow("dimension beyond 64 bits")
        << QByteArray("{'descr': '<f4', 'fortran_order': False, 'shape': "
                      "(99999999999999999999,)}")
        << QStringLiteral("which is beyond 64 bits");
    QTest::newRow("descr not a string")
        << QByteArray("{'descr': 4, 'fortran_order': False, 'shape': ()}")
        << QStringLiteral("'descr' is an integer, not a type string");
}

void TestNumpyIo::headerParserRefusals()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, fragment);
    VERIFY_ERROR(errorOf([&] { npy::parseHeaderText(text, false, QStringLiteral("x.npy")); }),
                 ErrorCode::InvalidInput, fragment);
    // What numpy writes for structured and sub-array dtypes is parsed, and named.
    const npy::Header structured = npy::parseHeaderText(
        "{'descr': [('x', '<f4'), ('y', '<i4', (2,))], 'fortran_order': False, 'shape': (2,), }",
        false, QStringLiteral("x.npy"));
    QCOMPARE(structured.dtype.name, QStringLiteral("structured"));
    QVERIFY(!structured.dtype.isNumeric());
    const npy::Header python2 =
        npy::parseHeaderText("{'descr': '<i8', 'fortran_order': True, 'shape': (3L, 4L)}", false,
                             QStringLiteral("x.npy"));
    QCOMPARE(python2.shape, (std::vector<std::int64_t>{3, 4}));
    QVERIFY(python2.fortranOrder);
}

void TestNumpyIo::memoryLimitIsCheckedBeforeAllocating()
{
    const auto reader = openTensorFile(numpyDir + QStringLiteral("/layers_compressed.npz"));
    reader->setMemoryLimit(64);
    VERIFY_ERROR(errorOf([&] { reader->readTensor(QStringLiteral("/dense/kernel"), {}); }),
                 ErrorCode::OutOfMemory,
                 QStringLiteral("layers_compressed.npz: dataset '/dense/kernel' (shape 16x24, "
                                "float32) needs 0.0 GiB of memory"));
    reader->setMemoryLimit(16 * 24 * 4);
    QCOMPARE(reader->readTensor(QStringLiteral("/dense/kernel"), {}).elementCount(), 16 * 24);
}

void TestNumpyIo::cancelStopsTheRead()
{
    const auto reader = openTensorFile(numpyDir + QStringLiteral("/dtypes_compressed.npz"));
    std::atomic<bool> cancelled{true};
    ExecutionContext context;
    context.cancelled = &cancelled;
    VERIFY_ERROR(errorOf([&] { reader->readTensor(QStringLiteral("/f4_le_fortran"), context); }),
                 ErrorCode::Cancelled, QString());
}

void TestNumpyIo::changedFileIsRefused()
{
    QTemporaryDir dir;
    const QString copy = dir.filePath(QStringLiteral("layers.npz"));
    QVERIFY(QFile::copy(numpyDir + QStringLiteral("/layers.npz"), copy));
    const auto reader = openTensorFile(copy);
    {
        QFile file(copy);
        QVERIFY(file.open(QIODevice::Append));
        file.write("more");
    }
    VERIFY_ERROR(errorOf([&] { reader->readTensor(QStringLiteral("/dense/kernel"), {}); }),
                 ErrorCode::Io, QStringLiteral("the file was modified after it was opened"));
    VERIFY_ERROR(errorOf([&] { reader->listTree(); }), ErrorCode::Io,
                 QStringLiteral("cannot list the file: the file was modified"));
}

void TestNumpyIo::imageInMemoryReadsLikeTheFile()
{
    QFile file(numpyDir + QStringLiteral("/layers_compressed.npz"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const auto image = NumpyReader::openImage(file.readAll(), QStringLiteral("memory.npz"));
    const auto reader = openTensorFile(file.fileName());
    QCOMPARE(paths(image->listTree()), paths(reader->listTree()));
    QVERIFY(sameTensor(image->readTensor(QStringLiteral("/conv/weight"), {}),
                       reader->readTensor(QStringLiteral("/conv/weight"), {})));
    QCOMPARE(image->identity(), FileIdentity{});
}

QTEST_GUILESS_MAIN(TestNumpyIo)
#include "tst_numpyio.moc"
