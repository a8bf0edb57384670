// HDF5 input and mask output (docs/SPEC.md "Mask files"): listing, reading every numeric
// type, refusing broken or oversized input, and writing mask files (the atomic output around
// them is tst_atomicoutput's). Fixtures are built at run time with the HDF5 C API in a
// temporary directory.
#include "common/checks.h"
#include "common/hdf5handles.h"
#include "common/paramsbuilder.h"
#include "error.h"
#include "hdf5/hdf5maskwriter.h"
#include "hdf5/hdf5reader.h"
#include "mask/sparsityparams.h"
#include "parallel/executioncontext.h"
#include "tensor/halffloat.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>
#include <atomic>
#include <bit>
#include <cmath>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <hdf5.h>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

using namespace sparsity::core;
using namespace sparsity::test;

namespace {

Id openFile(const QString& path)
{
    return Id(H5Fopen(QFile::encodeName(path).constData(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
}

const std::uint16_t float16Bits[] = {0x0000, 0x8000, 0x3C00, 0xC100, 0x2E66, 0x7BFF,
                                     0xFBFF, 0x0001, 0x03FF, 0x7C00, 0xFC00, 0x7E00};

const ExecutionContext inlineContext;

// A filter that stores chunks as they are and counts the chunks it decodes (test-only id, in
// HDF5's range for testing): how many times HDF5 read and decoded a chunk.
constexpr H5Z_filter_t countingFilterId = 300;
std::atomic<int> chunksDecoded{0};

std::size_t countingFilter(unsigned flags, std::size_t, const unsigned[], std::size_t bytes,
                           std::size_t*, void**)
{
    if ((flags & H5Z_FLAG_REVERSE) != 0)
        ++chunksDecoded;
    return bytes;
}

bool registerCountingFilter()
{
    static const H5Z_class2_t filter = {
        H5Z_CLASS_T_VERS,        countingFilterId, 1,       1,
        "chunk counter (tests)", nullptr,          nullptr, &countingFilter};
    return H5Zregister(&filter) >= 0;
}

} // namespace

class TestHdf5Io final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void normalizesDatasetPaths_data();
    void normalizesDatasetPaths();

    void listsTreeInDepthFirstNameOrder();
    void listsDatasetTypes_data();
    void listsDatasetTypes();
    void listsLinks();
    void listsNonAsciiNames();
    void followsExternalLinksAndStopsSoftLinkLoops();

    void describesDatasets_data();
    void describesDatasets();
    void describeErrors_data();
    void describeErrors();

    void readsFloat16AsNumpyDoes();
    void widensEveryHalfExactly();
    void readsNumericTypes_data();
    void readsNumericTypes();
    void readsRank4AndRank1();
    void readsChunkedDeflatedDataInSlabs();
    void slabsThinnerThanABandDecodeEachChunkOnce();
    void readStopsWhenCancelled();
    void readRefusesUnusableDatasets_data();
    void readRefusesUnusableDatasets();
    void readRefusesHugeDatasetBeforeAllocating();
    void readRefusesUnavailableFilter();
    void readRefusesDamagedChunkShape();
    void readRefusesImpossibleNumberSizes();
    void memoryLimitBoundsReads();

    void readsFileImage();
    void fileImageDoesNotFollowExternalLinks();
    void fileImageErrors_data();
    void fileImageErrors();

    void openErrors_data();
    void openErrors();
    void openRefusesUnreadableFile();
    void openRefusesLockedFile();
    void readerNeverWritesTheInput();

    void writerRoundTrip();
    void writerChunksLargeMasks();
    void uncommittedWriterLeavesNoFile();
    void writerRejectsProgrammerErrors();
    void writerRecoversFromFailedMask();
    void writerReportsFullDisk();

private:
    QString path(const QString& name) const { return m_dir.filePath(name); }
    QString makeInput(const QString& name);

    QTemporaryDir m_dir;
    QString m_tree;  // the nested fixture of the listing tests
    QString m_types; // one dataset per numeric type, for reading
};

void TestHdf5Io::initTestCase()
{
    QVERIFY(m_dir.isValid());
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); // fixtures check their own results

    m_tree = path(QStringLiteral("tree.h5"));
    {
        const Id file = createFile(m_tree);
        QVERIFY(file.ok());
        const float kernel[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
        QVERIFY(writeDataset(file, "/model/dense/kernel", H5T_IEEE_F32LE, {4, 3}, H5T_NATIVE_FLOAT,
                             kernel));
        QVERIFY(
            writeDataset(file, "/model/dense/bias", H5T_IEEE_F32LE, {4}, H5T_NATIVE_FLOAT, kernel));
        // A hard link from a group to its parent: the listing must not loop.
        QVERIFY(H5Lcreate_hard(file, "/model", file, "/model/dense/parent", H5P_DEFAULT,
                               H5P_DEFAULT) >= 0);

        const Id f16 = float16Type();
        QVERIFY(writeDataset(file, "/model/types/f16", f16, {2, 3}));
        QVERIFY(writeDataset(file, "/model/types/f64", H5T_IEEE_F64LE, {2, 2}));
        QVERIFY(writeDataset(file, "/model/types/i8", H5T_STD_I8LE, {3, 2}));
        QVERIFY(writeDataset(file, "/model/types/i32", H5T_STD_I32LE, {2, 2}));
        QVERIFY(writeDataset(file, "/model/types/u64", H5T_STD_U64LE, {2, 2}));
        QVERIFY(writeDataset(file, "/model/types/scalar", H5T_IEEE_F64LE, {}));
        QVERIFY(writeDataset(file, "/model/types/empty", H5T_IEEE_F32LE, {3, 0}));
        const Id string(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_size(string, 5);
        QVERIFY(writeDataset(file, "/model/types/string", string, {2}));
        const Id compound(H5Tcreate(H5T_COMPOUND, 8), H5Tclose);
        H5Tinsert(compound, "a", 0, H5T_STD_I32LE);
        H5Tinsert(compound, "b", 4, H5T_IEEE_F32LE);
        QVERIFY(writeDataset(file, "/model/types/compound", compound, {2, 2}));
        // h5py's bool: an int8 enum FALSE/TRUE.
        const Id boolean(H5Tenum_create(H5T_STD_I8LE), H5Tclose);
        const signed char no = 0;
        const signed char yes = 1;
        H5Tenum_insert(boolean, "FALSE", &no);
        H5Tenum_insert(boolean, "TRUE", &yes);
        QVERIFY(writeDataset(file, "/model/types/enum", boolean, {3, 3}));

        QVERIFY(writeDataset(file, "/schicht_ä/权重", H5T_IEEE_F32LE, {2, 2}, H5T_NATIVE_FLOAT,
                             kernel));
        QVERIFY(H5Lcreate_soft("/model/dense/kernel", file, "/alias", H5P_DEFAULT, H5P_DEFAULT) >=
                0);
        QVERIFY(H5Lcreate_soft("/model/dense", file, "/shortcut", H5P_DEFAULT, H5P_DEFAULT) >= 0);
        QVERIFY(H5Lcreate_soft("/nowhere", file, "/dangling", H5P_DEFAULT, H5P_DEFAULT) >= 0);
        QVERIFY(H5Lcreate_external("missing.h5", "/data", file, "/external", H5P_DEFAULT,
                                   H5P_DEFAULT) >= 0);
    }

    m_types = path(QStringLiteral("types.h5"));
    {
        const Id file = createFile(m_types);
        QVERIFY(file.ok());
        const Id f16 = float16Type();
        QVERIFY(writeDataset(file, "/f16", f16, {2, 6}, f16, float16Bits));
        const float f32[6] = {0.1f, -2.5f, 3.4e38f, -1e-45f, 0.0f, 7.0f};
        QVERIFY(writeDataset(file, "/f32", H5T_IEEE_F32LE, {2, 3}, H5T_NATIVE_FLOAT, f32));
        QVERIFY(writeDataset(file, "/f32be", H5T_IEEE_F32BE, {3, 2}, H5T_NATIVE_FLOAT, f32));
        const double f64[6] = {0.1, -1e300, 1e-310, 3.0, -0.0, 123456789.123456789};
        QVERIFY(writeDataset(file, "/f64", H5T_IEEE_F64LE, {3, 2}, H5T_NATIVE_DOUBLE, f64));
        const std::int16_t i16[4] = {-32768, 32767, 0, -1};
        QVERIFY(writeDataset(file, "/i16", H5T_STD_I16LE, {2, 2}, H5T_NATIVE_INT16, i16));
        const std::int32_t i32[4] = {-2147483647 - 1, 2147483647, 16777217, -3};
        QVERIFY(writeDataset(file, "/i32", H5T_STD_I32BE, {2, 2}, H5T_NATIVE_INT32, i32));
        const std::int64_t i64[4] = {std::int64_t{1} << 53, -(std::int64_t{1} << 53), 123, -7};
        QVERIFY(writeDataset(file, "/i64", H5T_STD_I64LE, {2, 2}, H5T_NATIVE_INT64, i64));
        const std::uint8_t u8[4] = {0, 1, 128, 255};
        QVERIFY(writeDataset(file, "/u8", H5T_STD_U8LE, {2, 2}, H5T_NATIVE_UINT8, u8));
        std::vector<float> rank4(2 * 3 * 2 * 2);
        for (std::size_t i = 0; i < rank4.size(); ++i)
            rank4[i] = float(i) - 10.0f;
        QVERIFY(writeDataset(file, "/conv/weight", H5T_IEEE_F32LE, {2, 3, 2, 2}, H5T_NATIVE_FLOAT,
                             rank4.data()));
        QVERIFY(
            writeDataset(file, "/conv/bias", H5T_IEEE_F32LE, {5}, H5T_NATIVE_FLOAT, rank4.data()));
        const Id string(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_size(string, 3);
        QVERIFY(writeDataset(file, "/string", string, {2, 2}));
        const Id compound(H5Tcreate(H5T_COMPOUND, 8), H5Tclose);
        H5Tinsert(compound, "a", 0, H5T_STD_I32LE);
        H5Tinsert(compound, "b", 4, H5T_IEEE_F32LE);
        QVERIFY(writeDataset(file, "/compound", compound, {2, 2}));
        const Id boolean(H5Tenum_create(H5T_STD_I8LE), H5Tclose);
        const signed char no = 0;
        H5Tenum_insert(boolean, "FALSE", &no);
        QVERIFY(writeDataset(file, "/enum", boolean, {2, 2}));
        QVERIFY(writeDataset(file, "/scalar", H5T_IEEE_F32LE, {}));
        QVERIFY(writeDataset(file, "/empty", H5T_IEEE_F32LE, {0, 4}));
        QVERIFY(H5Gclose(H5Gcreate2(file, "/group", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) >= 0);
    }
}

void TestHdf5Io::cleanupTestCase()
{
    // Every reader and writer closed every identifier it opened.
    QCOMPARE(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL), ssize_t(0));
}

void TestHdf5Io::normalizesDatasetPaths_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected");
    QTest::newRow("absolute") << QStringLiteral("/a/b") << QStringLiteral("/a/b");
    QTest::newRow("relative") << QStringLiteral("a/b") << QStringLiteral("/a/b");
    QTest::newRow("repeated") << QStringLiteral("//a///b") << QStringLiteral("/a/b");
    QTest::newRow("trailing") << QStringLiteral("/a/b/") << QStringLiteral("/a/b");
    QTest::newRow("root") << QStringLiteral("/") << QStringLiteral("/");
    QTest::newRow("empty") << QString() << QStringLiteral("/");
    QTest::newRow("non-ascii") << QStringLiteral("schicht_ä//权重/")
                               << QStringLiteral("/schicht_ä/权重");
}

void TestHdf5Io::normalizesDatasetPaths()
{
    QFETCH(QString, input);
    QFETCH(QString, expected);
    QCOMPARE(normalizeDatasetPath(input), expected);
}

void TestHdf5Io::listsTreeInDepthFirstNameOrder()
{
    const auto reader = Hdf5Reader::open(m_tree);
    QCOMPARE(reader->path(), m_tree);
    QStringList paths;
    for (const DatasetInfo& entry : reader->listTree())
        paths << entry.path;
    const QStringList expected = {
        QStringLiteral("/alias"),
        QStringLiteral("/dangling"),
        QStringLiteral("/external"),
        QStringLiteral("/model"),
        QStringLiteral("/model/dense"),
        QStringLiteral("/model/dense/bias"),
        QStringLiteral("/model/dense/kernel"),
        QStringLiteral("/model/dense/parent"), // the cycle: listed, not entered
        QStringLiteral("/model/types"),
        QStringLiteral("/model/types/compound"),
        QStringLiteral("/model/types/empty"),
        QStringLiteral("/model/types/enum"),
        QStringLiteral("/model/types/f16"),
        QStringLiteral("/model/types/f64"),
        QStringLiteral("/model/types/i32"),
        QStringLiteral("/model/types/i8"),
        QStringLiteral("/model/types/scalar"),
        QStringLiteral("/model/types/string"),
        QStringLiteral("/model/types/u64"),
        QStringLiteral("/schicht_ä"),
        QStringLiteral("/schicht_ä/权重"),
        QStringLiteral("/shortcut"), // a soft link to a group already listed
    };
    QCOMPARE(paths, expected);
}

void TestHdf5Io::listsDatasetTypes_data()
{
    QTest::addColumn<QString>("datasetPath");
    QTest::addColumn<QString>("typeName");
    QTest::addColumn<int>("elementClass");
    QTest::addColumn<qint64>("elementSize");
    QTest::addColumn<QString>("shape");
    QTest::addColumn<qint64>("storageBytes");
    QTest::addColumn<bool>("sparsifiable");
    QTest::addColumn<QString>("reason");

    const int f = int(ElementClass::Float);
    const int i = int(ElementClass::Integer);
    const int o = int(ElementClass::Other);
    QTest::newRow("float32") << QStringLiteral("/model/dense/kernel") << QStringLiteral("float32")
                             << f << qint64(4) << QStringLiteral("4x3") << qint64(48) << true
                             << QString();
    QTest::newRow("float16") << QStringLiteral("/model/types/f16") << QStringLiteral("float16") << f
                             << qint64(2) << QStringLiteral("2x3") << qint64(12) << true
                             << QString();
    QTest::newRow("float64") << QStringLiteral("/model/types/f64") << QStringLiteral("float64") << f
                             << qint64(8) << QStringLiteral("2x2") << qint64(32) << true
                             << QString();
    QTest::newRow("int8") << QStringLiteral("/model/types/i8") << QStringLiteral("int8") << i
                          << qint64(1) << QStringLiteral("3x2") << qint64(6) << true << QString();
    QTest::newRow("int32") << QStringLiteral("/model/types/i32") << QStringLiteral("int32") << i
                           << qint64(4) << QStringLiteral("2x2") << qint64(16) << true << QString();
    QTest::newRow("uint64") << QStringLiteral("/model/types/u64") << QStringLiteral("uint64") << i
                            << qint64(8) << QStringLiteral("2x2") << qint64(32) << true
                            << QString();
    QTest::newRow("rank 1") << QStringLiteral("/model/dense/bias") << QStringLiteral("float32") << f
                            << qint64(4) << QStringLiteral("4") << qint64(16) << false
                            << QStringLiteral("rank 1: needs at least 2 dimensions");
    QTest::newRow("rank 0") << QStringLiteral("/model/types/scalar") << QStringLiteral("float64")
                            << f << qint64(8) << QStringLiteral("scalar") << qint64(8) << false
                            << QStringLiteral("rank 0 (scalar): needs at least 2 dimensions");
    QTest::newRow("zero dim") << QStringLiteral("/model/types/empty") << QStringLiteral("float32")
                              << f << qint64(4) << QStringLiteral("3x0") << qint64(0) << false
                              << QStringLiteral("empty: dimension 1 has size 0");
    QTest::newRow("string") << QStringLiteral("/model/types/string") << QStringLiteral("string")
                            << o << qint64(5) << QStringLiteral("2") << qint64(10) << false
                            << QStringLiteral("string data is not numeric");
    QTest::newRow("compound") << QStringLiteral("/model/types/compound")
                              << QStringLiteral("compound") << o << qint64(8)
                              << QStringLiteral("2x2") << qint64(32) << false
                              << QStringLiteral("compound data is not numeric");
    QTest::newRow("enum") << QStringLiteral("/model/types/enum") << QStringLiteral("enum") << o
                          << qint64(1) << QStringLiteral("3x3") << qint64(9) << false
                          << QStringLiteral("enum data is not numeric");
}

void TestHdf5Io::listsDatasetTypes()
{
    QFETCH(QString, datasetPath);
    QFETCH(QString, typeName);
    QFETCH(int, elementClass);
    QFETCH(qint64, elementSize);
    QFETCH(QString, shape);
    QFETCH(qint64, storageBytes);
    QFETCH(bool, sparsifiable);
    QFETCH(QString, reason);

    const auto reader = Hdf5Reader::open(m_tree);
    std::map<QString, DatasetInfo> byPath;
    for (const DatasetInfo& entry : reader->listTree())
        byPath[entry.path] = entry;
    QVERIFY(byPath.count(datasetPath) == 1);
    const DatasetInfo& info = byPath[datasetPath];
    QCOMPARE(int(info.kind), int(NodeKind::Dataset));
    QCOMPARE(info.typeName, typeName);
    QCOMPARE(int(info.elementClass), elementClass);
    QCOMPARE(info.elementSize, elementSize);
    QCOMPARE(info.shapeText(), shape);
    QCOMPARE(info.storageBytes, storageBytes);
    QCOMPARE(info.sparsifiable, sparsifiable);
    QCOMPARE(info.reason, reason);
    QCOMPARE(info.isDefaultSelection(), sparsifiable && elementClass == int(ElementClass::Float));

    // describe() sees the same entry.
    const DatasetInfo described = reader->describe(datasetPath);
    QCOMPARE(described.shape, info.shape);
    QCOMPARE(described.typeName, info.typeName);
    QCOMPARE(described.reason, info.reason);
}

void TestHdf5Io::listsLinks()
{
    const auto reader = Hdf5Reader::open(m_tree);
    std::map<QString, DatasetInfo> byPath;
    for (const DatasetInfo& entry : reader->listTree())
        byPath[entry.path] = entry;

    const DatasetInfo& alias = byPath[QStringLiteral("/alias")];
    QCOMPARE(int(alias.kind), int(NodeKind::Dataset));
    QCOMPARE(alias.linkTarget, QStringLiteral("/model/dense/kernel"));
    QCOMPARE(alias.shape, (std::vector<std::int64_t>{4, 3}));
    QVERIFY(alias.sparsifiable);

    const DatasetInfo& dangling = byPath[QStringLiteral("/dangling")];
    QCOMPARE(int(dangling.kind), int(NodeKind::DanglingLink));
    QCOMPARE(dangling.linkTarget, QStringLiteral("/nowhere"));
    QCOMPARE(dangling.reason, QStringLiteral("link target /nowhere does not exist"));
    QVERIFY(!dangling.sparsifiable);

    const DatasetInfo& external = byPath[QStringLiteral("/external")];
    QCOMPARE(int(external.kind), int(NodeKind::DanglingLink));
    QCOMPARE(external.linkTarget, QStringLiteral("missing.h5:/data"));
    QVERIFY2(external.reason.contains(QLatin1String("does not exist")),
             qPrintable(external.reason));

    const DatasetInfo& parent = byPath[QStringLiteral("/model/dense/parent")];
    QCOMPARE(int(parent.kind), int(NodeKind::Group));
    QVERIFY2(parent.reason.contains(QLatin1String("/model")), qPrintable(parent.reason));

    const DatasetInfo& shortcut = byPath[QStringLiteral("/shortcut")];
    QCOMPARE(int(shortcut.kind), int(NodeKind::Group));
    QCOMPARE(shortcut.linkTarget, QStringLiteral("/model/dense"));

    QCOMPARE(int(byPath[QStringLiteral("/model")].kind), int(NodeKind::Group));
    QCOMPARE(byPath[QStringLiteral("/model")].elementCount(), qint64(0));
}

void TestHdf5Io::listsNonAsciiNames()
{
    const auto reader = Hdf5Reader::open(m_tree);
    const DatasetInfo info = reader->describe(QStringLiteral("schicht_ä/权重"));
    QCOMPARE(info.path, QStringLiteral("/schicht_ä/权重"));
    QCOMPARE(info.shapeText(), QStringLiteral("2x2"));
    const WeightTensor tensor = reader->readTensor(info.path, inlineContext);
    QCOMPARE(tensor.valueAt(1, 1), 4.0);
}

void TestHdf5Io::followsExternalLinksAndStopsSoftLinkLoops()
{
    QVERIFY(QDir(m_dir.path()).mkpath(QStringLiteral("links")));
    const QString target = path(QStringLiteral("links/target.h5"));
    const QString source = path(QStringLiteral("links/source.h5"));
    {
        const Id file = createFile(target);
        const double data[4] = {1.5, -2.5, 3.5, -4.5};
        QVERIFY(writeDataset(file, "/layer/w", H5T_IEEE_F64LE, {2, 2}, H5T_NATIVE_DOUBLE, data));
    }
    {
        const Id file = createFile(source);
        // Relative to the linking file's directory, as h5py users write them.
        QVERIFY(H5Lcreate_external("target.h5", "/layer", file, "/extgroup", H5P_DEFAULT,
                                   H5P_DEFAULT) >= 0);
        QVERIFY(H5Lcreate_external("target.h5", "/layer/w", file, "/extw", H5P_DEFAULT,
                                   H5P_DEFAULT) >= 0);
        QVERIFY(H5Lcreate_soft("/loop", file, "/loop", H5P_DEFAULT, H5P_DEFAULT) >= 0);
        QVERIFY(H5Lcreate_soft("/pong", file, "/ping", H5P_DEFAULT, H5P_DEFAULT) >= 0);
        QVERIFY(H5Lcreate_soft("/ping", file, "/pong", H5P_DEFAULT, H5P_DEFAULT) >= 0);
    }
    // From another working directory, so the link does not resolve by accident.
    const QString savedCurrent = QDir::currentPath();
    QVERIFY(QDir::setCurrent(QDir::rootPath()));
    const auto reader = Hdf5Reader::open(source);
    std::vector<DatasetInfo> entries = reader->listTree();
    QDir::setCurrent(savedCurrent);

    QStringList listed;
    for (const DatasetInfo& entry : entries)
        listed << QStringLiteral("%1 %2 %3")
                      .arg(entry.path)
                      .arg(int(entry.kind))
                      .arg(entry.linkTarget);
    const QString dangling = QString::number(int(NodeKind::DanglingLink));
    const QString group = QString::number(int(NodeKind::Group));
    const QString dataset = QString::number(int(NodeKind::Dataset));
    QCOMPARE(listed, (QStringList{
                         QStringLiteral("/extgroup ") + group + QStringLiteral(" target.h5:/layer"),
                         QStringLiteral("/extgroup/w ") + dataset + QLatin1Char(' '),
                         QStringLiteral("/extw ") + dataset + QStringLiteral(" target.h5:/layer/w"),
                         QStringLiteral("/loop ") + dangling + QStringLiteral(" /loop"),
                         QStringLiteral("/ping ") + dangling + QStringLiteral(" /pong"),
                         QStringLiteral("/pong ") + dangling + QStringLiteral(" /ping"),
                     }));
    QVERIFY2(entries[3].reason.contains(QLatin1String("/loop does not resolve")),
             qPrintable(entries[3].reason));

    const WeightTensor tensor = reader->readTensor(QStringLiteral("/extgroup/w"), inlineContext);
    QCOMPARE(int(tensor.precision()), int(Precision::Float64));
    QCOMPARE(tensor.valueAt(1, 1), -4.5);
    QCOMPARE(reader->describe(QStringLiteral("extw")).linkTarget,
             QStringLiteral("target.h5:/layer/w"));
    const auto error = errorOf([&] { reader->describe(QStringLiteral("/ping")); });
    VERIFY_ERROR(error, ErrorCode::InvalidInput,
                 QStringLiteral("'/ping' is a dangling link: link target /pong does not resolve"));
}

void TestHdf5Io::describesDatasets_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expectedPath");
    QTest::newRow("absolute") << QStringLiteral("/model/dense/kernel")
                              << QStringLiteral("/model/dense/kernel");
    QTest::newRow("relative") << QStringLiteral("model/dense/kernel")
                              << QStringLiteral("/model/dense/kernel");
    QTest::newRow("messy") << QStringLiteral("//model//dense/kernel/")
                           << QStringLiteral("/model/dense/kernel");
    QTest::newRow("through soft link")
        << QStringLiteral("/shortcut/kernel") << QStringLiteral("/shortcut/kernel");
    QTest::newRow("through cycle") << QStringLiteral("/model/dense/parent/dense/kernel")
                                   << QStringLiteral("/model/dense/parent/dense/kernel");
}

void TestHdf5Io::describesDatasets()
{
    QFETCH(QString, input);
    QFETCH(QString, expectedPath);
    const auto reader = Hdf5Reader::open(m_tree);
    const DatasetInfo info = reader->describe(input);
    QCOMPARE(info.path, expectedPath);
    QCOMPARE(int(info.kind), int(NodeKind::Dataset));
    QCOMPARE(info.shape, (std::vector<std::int64_t>{4, 3}));
    QCOMPARE(info.elementCount(), qint64(12));
    QVERIFY(info.canSparsifyWhenNamed());
}

void TestHdf5Io::describeErrors_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("missing") << QStringLiteral("/nope") << QStringLiteral(": no dataset '/nope'");
    QTest::newRow("missing relative")
        << QStringLiteral("nope/x") << QStringLiteral(": no dataset '/nope/x'");
    QTest::newRow("below a dataset") << QStringLiteral("/model/dense/kernel/x")
                                     << QStringLiteral(": no dataset '/model/dense/kernel/x'");
    QTest::newRow("group") << QStringLiteral("model/dense")
                           << QStringLiteral("'/model/dense' is a group, not a dataset");
    QTest::newRow("root") << QStringLiteral("/") << QStringLiteral("not a dataset");
    QTest::newRow("dangling") << QStringLiteral("/dangling")
                              << QStringLiteral("'/dangling' is a dangling link: link target "
                                                "/nowhere does not exist");
    QTest::newRow("external") << QStringLiteral("/external")
                              << QStringLiteral("link target missing.h5:/data does not exist");
}

void TestHdf5Io::describeErrors()
{
    QFETCH(QString, input);
    QFETCH(QString, fragment);
    const auto reader = Hdf5Reader::open(m_tree);
    const auto error = errorOf([&] { reader->describe(input); });
    VERIFY_ERROR(error, ErrorCode::InvalidInput, fragment);
    QVERIFY(error->message().startsWith(m_tree + QStringLiteral(": ")));
}

// Float16 datasets are read as their bits and widened by core's widenHalves (HDF5's own soft
// conversion took 70 % of a float16 model's sweep): all 65536 patterns, against the fixtures'
// independent halfToDouble.
void TestHdf5Io::widensEveryHalfExactly()
{
    std::vector<std::uint16_t> halves(65536);
    for (std::size_t i = 0; i < halves.size(); ++i)
        halves[i] = static_cast<std::uint16_t>(i);
    std::vector<float> widened(halves.size());
    widenHalves(halves.data(), widened.data(), halves.size());
    for (std::size_t i = 0; i < halves.size(); ++i) {
        const float expected = float(halfToDouble(halves[i]));
        if (std::isnan(expected)) {
            QVERIFY(std::isnan(widened[i]));
            QCOMPARE(std::signbit(widened[i]), std::signbit(expected));
            continue;
        }
        QVERIFY2(std::bit_cast<std::uint32_t>(widened[i]) == std::bit_cast<std::uint32_t>(expected),
                 qPrintable(QStringLiteral("0x%1").arg(i, 4, 16, QLatin1Char('0'))));
        QCOMPARE(std::bit_cast<std::uint32_t>(halfToFloat(halves[i])),
                 std::bit_cast<std::uint32_t>(widened[i]));
    }
}

void TestHdf5Io::readsFloat16AsNumpyDoes()
{
    const auto reader = Hdf5Reader::open(m_types);
    const WeightTensor tensor = reader->readTensor(QStringLiteral("/f16"), inlineContext);
    QCOMPARE(int(tensor.precision()), int(Precision::Float32));
    QCOMPARE(tensor.shape(), (std::vector<std::int64_t>{2, 6}));
    const auto values = tensor.values<float>();
    QCOMPARE(values.size(), std::size(float16Bits));
    for (std::size_t i = 0; i < values.size(); ++i) {
        const float expected = float(halfToDouble(float16Bits[i]));
        if (std::isnan(expected)) {
            QVERIFY2(std::isnan(values[i]), qPrintable(QString::number(values[i])));
            continue;
        }
        std::uint32_t gotBits = 0;
        std::uint32_t expectedBits = 0;
        std::memcpy(&gotBits, &values[i], 4);
        std::memcpy(&expectedBits, &expected, 4);
        QVERIFY2(gotBits == expectedBits,
                 qPrintable(QStringLiteral("element %1 (0x%2): got %3, expected %4")
                                .arg(i)
                                .arg(float16Bits[i], 4, 16, QLatin1Char('0'))
                                .arg(double(values[i]), 0, 'g', 9)
                                .arg(double(expected), 0, 'g', 9)));
    }
    // Spot checks of the reference itself.
    QCOMPARE(float(halfToDouble(0x7BFF)), 65504.0f);
    QCOMPARE(float(halfToDouble(0x0001)), 5.9604644775390625e-08f);
    QVERIFY(std::isinf(float(halfToDouble(0xFC00))) && float(halfToDouble(0xFC00)) < 0);
}

void TestHdf5Io::readsNumericTypes_data()
{
    QTest::addColumn<QString>("datasetPath");
    QTest::addColumn<int>("precision");
    QTest::addColumn<QList<double>>("expected");
    const int f32 = int(Precision::Float32);
    const int f64 = int(Precision::Float64);
    QTest::newRow("float32") << QStringLiteral("/f32") << f32
                             << QList<double>{double(0.1f),    -2.5, double(3.4e38f),
                                              double(-1e-45f), 0.0,  7.0};
    QTest::newRow("float32 big-endian")
        << QStringLiteral("/f32be") << f32
        << QList<double>{double(0.1f), -2.5, double(3.4e38f), double(-1e-45f), 0.0, 7.0};
    QTest::newRow("float64 stays double")
        << QStringLiteral("/f64") << f64
        << QList<double>{0.1, -1e300, 1e-310, 3.0, -0.0, 123456789.123456789};
    QTest::newRow("int16 -> float")
        << QStringLiteral("/i16") << f32 << QList<double>{-32768, 32767, 0, -1};
    QTest::newRow("int32 big-endian -> double")
        << QStringLiteral("/i32") << f64
        << QList<double>{-2147483648.0, 2147483647.0, 16777217.0, -3.0};
    QTest::newRow("int64 -> double")
        << QStringLiteral("/i64") << f64
        << QList<double>{9007199254740992.0, -9007199254740992.0, 123.0, -7.0};
    QTest::newRow("uint8 -> float")
        << QStringLiteral("/u8") << f32 << QList<double>{0, 1, 128, 255};
}

void TestHdf5Io::readsNumericTypes()
{
    QFETCH(QString, datasetPath);
    QFETCH(int, precision);
    QFETCH(QList<double>, expected);
    const auto reader = Hdf5Reader::open(m_types);
    const WeightTensor tensor = reader->readTensor(datasetPath, inlineContext);
    QCOMPARE(int(tensor.precision()), precision);
    QCOMPARE(tensor.elementCount(), qint64(expected.size()));
    QCOMPARE(tensor.shape(), reader->describe(datasetPath).shape);
    for (qsizetype i = 0; i < expected.size(); ++i) {
        const double value = tensor.valueAt(i / tensor.cols(), i % tensor.cols());
        QVERIFY2(std::memcmp(&value, &expected[i], sizeof value) == 0,
                 qPrintable(QStringLiteral("element %1: got %2, expected %3")
                                .arg(i)
                                .arg(value, 0, 'g', 17)
                                .arg(expected[i], 0, 'g', 17)));
    }
}

void TestHdf5Io::readsRank4AndRank1()
{
    const auto reader = Hdf5Reader::open(m_types);
    const WeightTensor conv = reader->readTensor(QStringLiteral("conv/weight"), inlineContext);
    QCOMPARE(conv.shape(), (std::vector<std::int64_t>{2, 3, 2, 2}));
    QCOMPARE(conv.rows(), 2);
    QCOMPARE(conv.cols(), 12);
    const auto values = conv.values<float>();
    for (std::size_t i = 0; i < values.size(); ++i)
        QCOMPARE(values[i], float(i) - 10.0f);

    const WeightTensor bias = reader->readTensor(QStringLiteral("/conv/bias"), inlineContext);
    QCOMPARE(bias.shape(), (std::vector<std::int64_t>{5}));
    QCOMPARE(bias.rows(), 1);
    QCOMPARE(bias.valueAt(0, 4), -6.0);
}

void TestHdf5Io::readsChunkedDeflatedDataInSlabs()
{
    // 1500 x 4096 float32 = 24 MiB: more than one 16 MiB slab, chunks of 7 rows that do
    // not divide the slab size.
    const QString file = path(QStringLiteral("chunked.h5"));
    constexpr hsize_t rows = 1500;
    constexpr hsize_t cols = 4096;
    {
        std::vector<float> data(rows * cols);
        for (hsize_t r = 0; r < rows; ++r)
            for (hsize_t c = 0; c < cols; ++c)
                data[r * cols + c] = float(r) * 0.5f - float(c);
        const Id h5 = createFile(file);
        const Id dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
        const hsize_t chunk[2] = {7, 512};
        H5Pset_chunk(dcpl, 2, chunk);
        H5Pset_shuffle(dcpl);
        H5Pset_deflate(dcpl, 4);
        QVERIFY(writeDataset(h5, "/big", H5T_IEEE_F32LE, {rows, cols}, H5T_NATIVE_FLOAT,
                             data.data(), dcpl));
    }
    const auto reader = Hdf5Reader::open(file);
    const WeightTensor tensor = reader->readTensor(QStringLiteral("/big"), inlineContext);
    QCOMPARE(tensor.rows(), qint64(rows));
    QCOMPARE(tensor.cols(), qint64(cols));
    const auto values = tensor.values<float>();
    for (hsize_t r = 0; r < rows; ++r) {
        for (hsize_t c = 0; c < cols; ++c) {
            if (values[r * cols + c] != float(r) * 0.5f - float(c))
                QFAIL(qPrintable(QStringLiteral("mismatch at %1,%2").arg(r).arg(c)));
        }
    }
}

void TestHdf5Io::slabsThinnerThanABandDecodeEachChunkOnce()
{
    // 128 x 5000 float32 in chunks of 64 x 1024 (256 KiB): bands of 64 rows, 5 chunks across
    // (the last one padded), 1.25 MiB, more than HDF5's default chunk cache of 1 MiB; 10
    // chunks. Slabs of 20 rows (what the reader process's window holds of a wide layer) cut
    // every band, so each chunk is needed by up to four slabs; the band's chunk cache must
    // hand it to all of them from one decode.
    QVERIFY(registerCountingFilter());
    const QString file = path(QStringLiteral("counted.h5"));
    constexpr hsize_t rows = 128;
    constexpr hsize_t cols = 5000;
    constexpr std::uint64_t slabRowsAtMost = 20;
    std::vector<float> data(rows * cols);
    for (std::size_t i = 0; i < data.size(); ++i)
        data[i] = float(i) * 0.25f - 7.0f;
    {
        const Id h5 = createFile(file);
        const Id dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
        const hsize_t chunk[2] = {64, 1024};
        H5Pset_chunk(dcpl, 2, chunk);
        H5Pset_filter(dcpl, countingFilterId, H5Z_FLAG_MANDATORY, 0, nullptr);
        QVERIFY(writeDataset(h5, "/w", H5T_IEEE_F32LE, {rows, cols}, H5T_NATIVE_FLOAT, data.data(),
                             dcpl));
    }
    const auto reader = Hdf5Reader::open(file);
    std::vector<float> read(data.size(), -1.0f);
    std::uint64_t nextRow = 0;
    chunksDecoded = 0;
    reader->readTensorSlabs(
        QStringLiteral("/w"), {std::int64_t{rows}, std::int64_t{cols}}, false,
        slabRowsAtMost * cols * sizeof(float),
        [&](std::uint64_t firstRow, std::uint64_t) -> void* {
            return read.data() + firstRow * cols;
        },
        [&](std::uint64_t firstRow, std::uint64_t slabRows) {
            QCOMPARE(firstRow, nextRow);
            QVERIFY(slabRows <= slabRowsAtMost);
            nextRow += slabRows;
        },
        inlineContext);
    QCOMPARE(nextRow, std::uint64_t{rows});
    QVERIFY(read == data);
    QCOMPARE(chunksDecoded.load(), 10);
}

void TestHdf5Io::readStopsWhenCancelled()
{
    const auto reader = Hdf5Reader::open(m_types);
    const std::atomic<bool> cancelled{true};
    ExecutionContext context;
    context.cancelled = &cancelled;
    const auto error = errorOf([&] { reader->readTensor(QStringLiteral("/f32"), context); });
    QVERIFY(error.has_value());
    QCOMPARE(int(error->code()), int(ErrorCode::Cancelled));
}

void TestHdf5Io::readRefusesUnusableDatasets_data()
{
    QTest::addColumn<QString>("datasetPath");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("string") << QStringLiteral("/string")
                            << QStringLiteral(
                                   "dataset '/string' cannot be read: string data is not numeric");
    QTest::newRow("compound")
        << QStringLiteral("/compound")
        << QStringLiteral("dataset '/compound' cannot be read: compound data is not numeric");
    QTest::newRow("enum") << QStringLiteral("/enum")
                          << QStringLiteral(
                                 "dataset '/enum' cannot be read: enum data is not numeric");
    QTest::newRow("scalar")
        << QStringLiteral("/scalar")
        << QStringLiteral(
               "dataset '/scalar' cannot be read: rank 0 (scalar): needs at least 1 dimension");
    QTest::newRow("empty") << QStringLiteral("/empty")
                           << QStringLiteral(
                                  "dataset '/empty' cannot be read: empty: dimension 0 has size 0");
    QTest::newRow("group") << QStringLiteral("/group")
                           << QStringLiteral("'/group' is a group, not a dataset");
    QTest::newRow("missing") << QStringLiteral("/missing")
                             << QStringLiteral("no dataset '/missing'");
}

void TestHdf5Io::readRefusesUnusableDatasets()
{
    QFETCH(QString, datasetPath);
    QFETCH(QString, fragment);
    const auto reader = Hdf5Reader::open(m_types);
    const auto error = errorOf([&] { reader->readTensor(datasetPath, inlineContext); });
    VERIFY_ERROR(error, ErrorCode::InvalidInput, fragment);
    QVERIFY(error->message().startsWith(m_types));
}

void TestHdf5Io::readRefusesHugeDatasetBeforeAllocating()
{
    // 1e6 x 1e6 x 1e3 float32 (3.6 PiB): chunked layout allocates nothing until written.
    const QString file = path(QStringLiteral("huge.h5"));
    {
        const Id h5 = createFile(file);
        const Id dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
        const hsize_t chunk[3] = {1, 100, 1000};
        H5Pset_chunk(dcpl, 3, chunk);
        QVERIFY(
            writeDataset(h5, "/huge", H5T_IEEE_F32LE, {1000000, 1000000, 1000}, -1, nullptr, dcpl));
    }
    QVERIFY(QFileInfo(file).size() < 1 << 20);
    const auto reader = Hdf5Reader::open(file);
    const DatasetInfo info = reader->describe(QStringLiteral("/huge"));
    QCOMPARE(info.storageBytes, qint64(4'000'000'000'000'000));
    QVERIFY(info.sparsifiable);
    const auto error = errorOf([&] { reader->readTensor(QStringLiteral("huge"), inlineContext); });
    VERIFY_ERROR(error, ErrorCode::OutOfMemory, QStringLiteral("GiB"));
    QVERIFY2(error->message().contains(
                 QStringLiteral("dataset '/huge' (shape 1000000x1000000x1000, float32) needs")),
             qPrintable(error->message()));
    QVERIFY(error->message().startsWith(file));
}

namespace {

size_t identityFilter(unsigned /*flags*/, size_t /*count*/, const unsigned* /*values*/,
                      size_t bytes, size_t* /*bufferSize*/, void** /*buffer*/)
{
    return bytes;
}

} // namespace

void TestHdf5Io::readRefusesUnavailableFilter()
{
    // Written with a filter registered here, then read after unregistering it: what a file
    // compressed with a plugin (blosc, lz4, ...) looks like to a library without the plugin.
    constexpr H5Z_filter_t filterId = 40123;
    const H5Z_class2_t filterClass = {H5Z_CLASS_T_VERS, filterId, 1,       1,
                                      "test-identity",  nullptr,  nullptr, &identityFilter};
    QVERIFY(H5Zregister(&filterClass) >= 0);
    const QString file = path(QStringLiteral("filtered.h5"));
    {
        const Id h5 = createFile(file);
        const Id dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
        const hsize_t chunk[2] = {2, 2};
        H5Pset_chunk(dcpl, 2, chunk);
        QVERIFY(H5Pset_filter(dcpl, filterId, H5Z_FLAG_MANDATORY, 0, nullptr) >= 0);
        const float data[4] = {1, 2, 3, 4};
        QVERIFY(writeDataset(h5, "/w", H5T_IEEE_F32LE, {2, 2}, H5T_NATIVE_FLOAT, data, dcpl));
    }
    QVERIFY(H5Zunregister(filterId) >= 0);

    const auto reader = Hdf5Reader::open(file);
    // Listing reads no data, yet sees that the filter is missing.
    const DatasetInfo info = reader->describe(QStringLiteral("/w"));
    QVERIFY(!info.sparsifiable);
    QCOMPARE(info.reason, QStringLiteral("compressed with filter 'test-identity' (id 40123), "
                                         "which this HDF5 library cannot decode"));
    const auto error = errorOf([&] { reader->readTensor(QStringLiteral("/w"), inlineContext); });
    VERIFY_ERROR(error, ErrorCode::InvalidInput,
                 QStringLiteral("dataset '/w' cannot be read: compressed with filter "
                                "'test-identity' (id 40123), which this HDF5 library cannot "
                                "decode"));
}

void TestHdf5Io::readRefusesDamagedChunkShape()
{
    // Found by fuzz_hdf5 (fuzz/corpus/fuzz_hdf5/regression-chunk-shape.h5): a chunk dimension
    // of 5 damaged into 0x400005. HDF5 1.10 opens such a dataset and then copies a 50 MB chunk
    // out of the few bytes it decoded (a segfault); the reader must refuse it first.
    const QString file = path(QStringLiteral("damaged_chunk.h5"));
    {
        const Id h5 = createFile(file);
        const Id dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
        const hsize_t chunk[2] = {3, 5};
        H5Pset_chunk(dcpl, 2, chunk);
        H5Pset_fletcher32(dcpl);
        std::vector<float> data(25, 1.5f);
        QVERIFY(
            writeDataset(h5, "/w", H5T_IEEE_F32BE, {5, 5}, H5T_NATIVE_FLOAT, data.data(), dcpl));
    }
    QByteArray bytes;
    {
        QFile in(file);
        QVERIFY(in.open(QIODevice::ReadOnly));
        bytes = in.readAll();
    }
    // The layout message's chunk dimensions: 3, 5 and the element size 4, as uint32 LE.
    const QByteArray dims("\x03\0\0\0\x05\0\0\0\x04\0\0\0", 12);
    const qsizetype at = bytes.indexOf(dims);
    QVERIFY(at >= 0);
    QCOMPARE(bytes.indexOf(dims, at + 1), qsizetype(-1));
    bytes[at + 6] = '\x40';
    {
        QFile out(file);
        QVERIFY(out.open(QIODevice::WriteOnly | QIODevice::Truncate));
        QCOMPARE(out.write(bytes), bytes.size());
    }

    const auto reader = Hdf5Reader::open(file);
    QVERIFY(reader->describe(QStringLiteral("/w")).sparsifiable);
    const auto error = errorOf([&] { reader->readTensor(QStringLiteral("/w"), inlineContext); });
    VERIFY_ERROR(error, ErrorCode::InvalidInput,
                 QStringLiteral("dataset '/w' is damaged: its chunk shape 3x4194309 does not fit "
                                "its shape 5x5"));
    // The same through a memory image, as fuzz_hdf5 reads it.
    const auto image = Hdf5Reader::openImage(bytes, QStringLiteral("damaged.h5"));
    const auto imageError =
        errorOf([&] { image->readTensor(QStringLiteral("/w"), inlineContext); });
    VERIFY_ERROR(imageError, ErrorCode::InvalidInput, QStringLiteral("chunk shape 3x4194309"));
}

void TestHdf5Io::readRefusesImpossibleNumberSizes()
{
    // Found by fuzz_hdf5 (fuzz/corpus/fuzz_hdf5/regression-type-size.h5): a float type whose
    // size was damaged into 1.3 GB. HDF5 allocates a conversion buffer of one such element
    // before it notices anything; the reader refuses numbers wider than 16 bytes first.
    const QString file = path(QStringLiteral("wide_numbers.h5"));
    {
        const Id h5 = createFile(file);
        const Id wideFloat(H5Tcopy(H5T_IEEE_F64LE), H5Tclose);
        QVERIFY(H5Tset_size(wideFloat, 32) >= 0);
        QVERIFY(writeDataset(h5, "/wide_float", wideFloat, {2, 2}));
        const Id wideInt(H5Tcopy(H5T_STD_I64LE), H5Tclose);
        QVERIFY(H5Tset_size(wideInt, 24) >= 0);
        QVERIFY(writeDataset(h5, "/wide_int", wideInt, {2, 2}));
        const Id longDouble(H5Tcopy(H5T_NATIVE_LDOUBLE), H5Tclose);
        QVERIFY(writeDataset(h5, "/long_double", longDouble, {2, 2}));
    }
    const auto reader = Hdf5Reader::open(file);
    for (const auto& [name, bytes] : {std::pair{QStringLiteral("/wide_float"), 32},
                                      std::pair{QStringLiteral("/wide_int"), 24}}) {
        const DatasetInfo info = reader->describe(name);
        QVERIFY(!info.sparsifiable);
        QCOMPARE(info.reason, QStringLiteral("%1-byte numbers, wider than any number type (is "
                                             "the file damaged?)")
                                  .arg(bytes));
        VERIFY_ERROR(
            errorOf([&] { reader->readTensor(name, inlineContext); }), ErrorCode::InvalidInput,
            QStringLiteral("dataset '%1' cannot be read: %2-byte numbers").arg(name).arg(bytes));
    }
    // 16 bytes (x86's long double) is still a number: read as double.
    QVERIFY(reader->describe(QStringLiteral("/long_double")).sparsifiable);
    QCOMPARE(reader->readTensor(QStringLiteral("/long_double"), inlineContext).precision(),
             Precision::Float64);
}

void TestHdf5Io::memoryLimitBoundsReads()
{
    const QString file = path(QStringLiteral("limited.h5"));
    {
        const Id h5 = createFile(file);
        const std::vector<float> data(64 * 64, 0.5f);
        QVERIFY(
            writeDataset(h5, "/plain", H5T_IEEE_F32LE, {64, 64}, H5T_NATIVE_FLOAT, data.data()));
        // Small values (4x4 of 64x64 written) but chunks of 64x64: 16 KiB to read one.
        const Id dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
        const hsize_t chunk[2] = {64, 64};
        H5Pset_chunk(dcpl, 2, chunk);
        QVERIFY(writeDataset(h5, "/chunked", H5T_IEEE_F32LE, {64, 64}, H5T_NATIVE_FLOAT,
                             data.data(), dcpl));
    }
    const auto reader = Hdf5Reader::open(file);
    reader->setMemoryLimit(64 * 64 * sizeof(float));
    QCOMPARE(reader->readTensor(QStringLiteral("/plain"), inlineContext).elementCount(), 4096);
    QCOMPARE(reader->readTensor(QStringLiteral("/chunked"), inlineContext).elementCount(), 4096);
    reader->setMemoryLimit(64 * 64 * sizeof(float) - 1);
    VERIFY_ERROR(errorOf([&] { reader->readTensor(QStringLiteral("/plain"), inlineContext); }),
                 ErrorCode::OutOfMemory, QStringLiteral("dataset '/plain' (shape 64x64"));
    reader->setMemoryLimit(0); // back to the memory available
    QCOMPARE(reader->readTensor(QStringLiteral("/plain"), inlineContext).elementCount(), 4096);
}

namespace {

QByteArray fileBytes(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

void TestHdf5Io::readsFileImage()
{
    const QByteArray bytes = fileBytes(m_types);
    QVERIFY(!bytes.isEmpty());
    const auto fromPath = Hdf5Reader::open(m_types);
    // Named like a file that exists: the image is still what is read, never the file.
    auto image = Hdf5Reader::openImage(bytes, m_tree);
    QCOMPARE(image->path(), m_tree);
    const auto second = Hdf5Reader::openImage(bytes, m_tree); // the same name twice at once

    const std::vector<DatasetInfo> expected = fromPath->listTree();
    for (const auto* reader : {image.get(), second.get()}) {
        const std::vector<DatasetInfo> tree = reader->listTree();
        QCOMPARE(tree.size(), expected.size());
        for (std::size_t i = 0; i < tree.size(); ++i) {
            QCOMPARE(tree[i].path, expected[i].path);
            QCOMPARE(tree[i].shape, expected[i].shape);
            QCOMPARE(tree[i].typeName, expected[i].typeName);
            QCOMPARE(tree[i].reason, expected[i].reason);
        }
    }
    for (const QString& dataset : {QStringLiteral("/f16"), QStringLiteral("/f64"),
                                   QStringLiteral("/i32"), QStringLiteral("/conv/weight")}) {
        const WeightTensor a = fromPath->readTensor(dataset, inlineContext);
        const WeightTensor b = image->readTensor(dataset, inlineContext);
        QCOMPARE(b.shape(), a.shape());
        for (std::int64_t i = 0; i < a.rows(); ++i)
            for (std::int64_t j = 0; j < a.cols(); ++j)
                QCOMPARE(b.valueAt(i, j), a.valueAt(i, j));
    }
    // The reader keeps its own copy of the image.
    const QByteArray copy = bytes;
    auto fromCopy = Hdf5Reader::openImage(copy, QStringLiteral("copy.h5"));
    image.reset();
    QCOMPARE(fromCopy->readTensor(QStringLiteral("/f32"), inlineContext).elementCount(), 6);
}

void TestHdf5Io::fileImageDoesNotFollowExternalLinks()
{
    // An external link to a file that exists beside the image's name: followed from the file,
    // not from its image (an image has no directory, and reading one never touches the disk).
    const QString target = path(QStringLiteral("elink_target.h5"));
    const QString source = path(QStringLiteral("elink_source.h5"));
    {
        const Id h5 = createFile(target);
        const float data[4] = {1, 2, 3, 4};
        QVERIFY(writeDataset(h5, "/data", H5T_IEEE_F32LE, {2, 2}, H5T_NATIVE_FLOAT, data));
        const Id src = createFile(source);
        QVERIFY(H5Lcreate_external(QFile::encodeName(target).constData(), "/data", src, "/external",
                                   H5P_DEFAULT, H5P_DEFAULT) >= 0);
    }
    const auto fromPath = Hdf5Reader::open(source);
    QCOMPARE(fromPath->describe(QStringLiteral("/external")).shapeText(), QStringLiteral("2x2"));

    const auto image = Hdf5Reader::openImage(fileBytes(source), source);
    const std::vector<DatasetInfo> tree = image->listTree();
    QCOMPARE(tree.size(), std::size_t(1));
    QCOMPARE(tree[0].kind, NodeKind::DanglingLink);
    QCOMPARE(tree[0].linkTarget, target + QStringLiteral(":/data"));
    QVERIFY2(tree[0].reason.contains(QStringLiteral("not followed in a file read from memory")),
             qPrintable(tree[0].reason));
    VERIFY_ERROR(errorOf([&] { image->readTensor(QStringLiteral("/external"), inlineContext); }),
                 ErrorCode::InvalidInput,
                 QStringLiteral("not followed in a file read from memory"));
}

void TestHdf5Io::fileImageErrors_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("empty") << QByteArray() << QStringLiteral("mem.h5: the file is empty");
    QTest::newRow("text") << QByteArray("just some text, long enough to look at\n")
                          << QStringLiteral("mem.h5: not an HDF5 file");
    QTest::newRow("signature only")
        << QByteArray("\x89HDF\r\n\x1a\n", 8)
        << QStringLiteral("mem.h5: not an HDF5 file or truncated/damaged");
}

void TestHdf5Io::fileImageErrors()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, fragment);
    VERIFY_ERROR(errorOf([&] { Hdf5Reader::openImage(bytes, QStringLiteral("mem.h5")); }),
                 ErrorCode::Io, fragment);
    // Truncated in the middle: HDF5 notices.
    const QByteArray whole = fileBytes(m_types);
    VERIFY_ERROR(errorOf([&] {
                     Hdf5Reader::openImage(whole.left(whole.size() / 2), QStringLiteral("half.h5"))
                         ->listTree();
                 }),
                 ErrorCode::Io, QStringLiteral("half.h5: "));
}

void TestHdf5Io::openErrors_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("missing") << QStringLiteral("missing.h5") << QStringLiteral(": no such file");
    QTest::newRow("directory") << QStringLiteral("adir")
                               << QStringLiteral(": is a directory, not an HDF5 file");
    QTest::newRow("empty") << QStringLiteral("empty.h5")
                           << QStringLiteral(": the file is empty, not an HDF5 file");
    QTest::newRow("text") << QStringLiteral("text.h5") << QStringLiteral(": not an HDF5 file");
    QTest::newRow("truncated") << QStringLiteral("truncated.h5")
                               << QStringLiteral(": not an HDF5 file or truncated/damaged");
    QTest::newRow("dangling symlink")
        << QStringLiteral("dangling-symlink.h5") << QStringLiteral(": no such file");
}

void TestHdf5Io::openErrors()
{
    QFETCH(QString, name);
    QFETCH(QString, fragment);
    const QString file = path(name);
    QDir(m_dir.path()).mkpath(QStringLiteral("adir"));
    {
        QFile empty(path(QStringLiteral("empty.h5")));
        QVERIFY(empty.open(QIODevice::WriteOnly));
        QFile text(path(QStringLiteral("text.h5")));
        QVERIFY(text.open(QIODevice::WriteOnly));
        text.write(QByteArray("name,value\nweight,1.5\n").repeated(100));
        QFile::link(path(QStringLiteral("nowhere.h5")),
                    path(QStringLiteral("dangling-symlink.h5")));
    }
    if (name == QLatin1String("truncated.h5")) {
        const QString whole = path(QStringLiteral("whole.h5"));
        {
            const Id h5 = createFile(whole);
            std::vector<double> data(100 * 100, 1.5);
            QVERIFY(
                writeDataset(h5, "/w", H5T_IEEE_F64LE, {100, 100}, H5T_NATIVE_DOUBLE, data.data()));
        }
        QFile in(whole);
        QVERIFY(in.open(QIODevice::ReadOnly));
        const QByteArray bytes = in.readAll();
        QFile out(file);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(bytes.left(bytes.size() / 2));
    }
    const auto error = errorOf([&] { Hdf5Reader::open(file); });
    VERIFY_ERROR(error, ErrorCode::Io, fragment);
    QVERIFY2(error->message().startsWith(file), qPrintable(error->message()));
    if (name == QLatin1String("truncated.h5"))
        qInfo("truncated file: %s", qPrintable(error->message()));
}

void TestHdf5Io::openRefusesUnreadableFile()
{
    if (::geteuid() == 0)
        QSKIP("root reads every file; permission checks cannot fail");
    const QString file = path(QStringLiteral("unreadable.h5"));
    QVERIFY(QFile::copy(m_types, file));
    QVERIFY(QFile::setPermissions(file, QFileDevice::WriteOwner));
    const auto error = errorOf([&] { Hdf5Reader::open(file); });
    VERIFY_ERROR(error, ErrorCode::Io, file + QStringLiteral(": permission denied"));
}

void TestHdf5Io::openRefusesLockedFile()
{
    // What HDF5 1.10 does when a writer (h5py, another tool) holds the file: an exclusive lock.
    const QString file = path(QStringLiteral("locked.h5"));
    QVERIFY(QFile::copy(m_types, file));
    const int fd = ::open(QFile::encodeName(file).constData(), O_RDWR);
    QVERIFY(fd >= 0);
    QCOMPARE(::flock(fd, LOCK_EX | LOCK_NB), 0);
    const auto error = errorOf([&] { Hdf5Reader::open(file); });
    ::close(fd);
    if (qEnvironmentVariable("HDF5_USE_FILE_LOCKING") == QLatin1String("FALSE")) {
        QVERIFY(!error.has_value());
        return;
    }
    VERIFY_ERROR(error, ErrorCode::Io, file + QStringLiteral(": cannot open, the file is locked"));
    qInfo("locked file: %s", qPrintable(error->message()));
    QVERIFY(Hdf5Reader::open(file) != nullptr); // fine once the lock is gone
}

void TestHdf5Io::readerNeverWritesTheInput()
{
    const QString file = path(QStringLiteral("readonly.h5"));
    QVERIFY(QFile::copy(m_tree, file));
    QVERIFY(QFile::setPermissions(file, QFileDevice::ReadOwner | QFileDevice::ReadGroup));
    const QByteArray before = fileHash(file);
    const QDateTime modified = QFileInfo(file).lastModified();
    {
        const auto reader = Hdf5Reader::open(file);
        QCOMPARE(reader->listTree().size(), std::size_t(22));
        reader->readTensor(QStringLiteral("/model/dense/kernel"), inlineContext);
    }
    QCOMPARE(fileHash(file), before);
    QCOMPARE(QFileInfo(file).lastModified(), modified);
}

QString TestHdf5Io::makeInput(const QString& name)
{
    const QString file = path(name);
    QFile::copy(m_types, file);
    return file;
}

namespace {

struct StoredAttributes
{
    double level = -1;
    std::vector<std::int64_t> block;
    std::int64_t zeros = -1;
    QString norm;
    double achieved = -1;
    QString sourceFile;
    QString sourceDataset;
    QString scope;
    double minLevel = -1;
    double maxLevel = -1;
};

QString readStringAttribute(hid_t object, const char* name, bool* variableUtf8)
{
    const Id attribute(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
    const Id type(H5Aget_type(attribute), H5Tclose);
    *variableUtf8 = H5Tget_class(type) == H5T_STRING && H5Tis_variable_str(type) > 0 &&
                    H5Tget_cset(type) == H5T_CSET_UTF8;
    const Id space(H5Aget_space(attribute), H5Sclose);
    if (H5Sget_simple_extent_type(space) != H5S_SCALAR)
        return QStringLiteral("<not scalar>");
    char* text = nullptr;
    if (H5Aread(attribute, type, &text) < 0)
        return QStringLiteral("<unreadable>");
    const QString value = QString::fromUtf8(text);
    H5free_memory(text);
    return value;
}

bool readNumberAttribute(hid_t object, const char* name, hid_t expectedType, hid_t memoryType,
                         void* value, hsize_t expectedLength = 0)
{
    const Id attribute(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
    const Id type(H5Aget_type(attribute), H5Tclose);
    const Id space(H5Aget_space(attribute), H5Sclose);
    if (H5Tequal(type, expectedType) <= 0)
        return false;
    if (expectedLength == 0) {
        if (H5Sget_simple_extent_type(space) != H5S_SCALAR)
            return false;
    } else {
        hsize_t length = 0;
        if (H5Sget_simple_extent_ndims(space) != 1 ||
            H5Sget_simple_extent_dims(space, &length, nullptr) != 1 || length != expectedLength)
            return false;
    }
    return H5Aread(attribute, memoryType, value) >= 0;
}

} // namespace

void TestHdf5Io::writerRoundTrip()
{
    const QString input = makeInput(QStringLiteral("roundtrip-input.h5"));
    const QString output = path(QStringLiteral("roundtrip-mask.h5"));
    const QStringList before = listing(m_dir.path());

    struct Mask
    {
        const char* path;
        std::vector<std::int64_t> shape;
        std::vector<std::uint8_t> values;
        MaskAttributes attributes;
    };
    std::vector<Mask> masks(2);
    masks[0].path = "/a/b/kernel";
    masks[0].shape = {3, 5};
    for (int i = 0; i < 15; ++i)
        masks[0].values.push_back(std::uint8_t(i % 3 == 0 ? 0 : 1));
    masks[0].attributes.params = makeParams(0.3, 1, 4, std::nullopt, Norm::L1);
    masks[0].attributes.achievedSparsity = 5.0 / 15.0;
    masks[0].attributes.sourceFile = input;
    masks[0].attributes.sourceDataset = QStringLiteral("/a/b/kernel");
    masks[1].path = "/conv";
    masks[1].shape = {2, 3, 2, 2};
    for (int i = 0; i < 24; ++i)
        masks[1].values.push_back(std::uint8_t(i < 12 ? 1 : 0));
    masks[1].attributes.params = makeParams(0.5, 2, 2, 3, Norm::L2);
    masks[1].attributes.achievedSparsity = 0.5;
    masks[1].attributes.sourceFile = QStringLiteral("/data/modèle.h5");
    masks[1].attributes.sourceDataset = QStringLiteral("/schicht_ä/权重");
    masks[1].attributes.scope = QStringLiteral("model");
    masks[1].attributes.minLevel = 0.125;
    masks[1].attributes.maxLevel = 0.75;

    {
        const auto writer = Hdf5MaskWriter::create(output, input, false);
        QCOMPARE(writer->outputPath(), output);
        QVERIFY(QFileInfo::exists(writer->temporaryPath()));
        QVERIFY(!QFileInfo::exists(output));
        // Relative paths and "//" are normalized like the reader's.
        writer->writeMask(QStringLiteral("a//b/kernel/"), masks[0].shape, masks[0].values,
                          masks[0].attributes);
        writer->writeMask(QStringLiteral("conv"), masks[1].shape, masks[1].values,
                          masks[1].attributes);
        writer->commit();
        QVERIFY(!QFileInfo::exists(writer->temporaryPath()));
    }
    QVERIFY(QFileInfo(output).isFile());
    QStringList expectedListing = before;
    expectedListing << QFileInfo(output).fileName();
    expectedListing.sort();
    QCOMPARE(listing(m_dir.path()), expectedListing); // no .part file left

    const Id file = openFile(output);
    QVERIFY(file.ok());
    bool utf8 = false;
    const QString generator = readStringAttribute(file, "generator", &utf8);
    QCOMPARE(generator, generatorName());
    QVERIFY(generator.startsWith(QStringLiteral("sparsity-explorer ")));
    QCOMPARE(generator, QStringLiteral("sparsity-explorer " SPARSITY_VERSION));
    QVERIFY(utf8);

    for (const Mask& mask : masks) {
        const Id dataset(H5Dopen2(file, mask.path, H5P_DEFAULT), H5Dclose);
        QVERIFY2(dataset.ok(), mask.path);
        const Id type(H5Dget_type(dataset), H5Tclose);
        QVERIFY(H5Tequal(type, H5T_STD_U8LE) > 0);
        const Id space(H5Dget_space(dataset), H5Sclose);
        std::vector<hsize_t> dims(mask.shape.size());
        QCOMPARE(H5Sget_simple_extent_ndims(space), int(mask.shape.size()));
        H5Sget_simple_extent_dims(space, dims.data(), nullptr);
        QCOMPARE(std::vector<std::int64_t>(dims.begin(), dims.end()), mask.shape);
        std::vector<std::uint8_t> values(mask.values.size(), 7);
        QVERIFY(H5Dread(dataset, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >=
                0);
        QCOMPARE(values, mask.values);

        const Id dcpl(H5Dget_create_plist(dataset), H5Pclose);
        QCOMPARE(H5Pget_layout(dcpl), H5D_CHUNKED);
        QCOMPARE(H5Pget_nfilters(dcpl), 1);
        unsigned flags = 0;
        size_t count = 1;
        unsigned level = 0;
        QCOMPARE(H5Pget_filter2(dcpl, 0, &flags, &count, &level, 0, nullptr, nullptr),
                 H5Z_FILTER_DEFLATE);
        QCOMPARE(level, 1u);

        StoredAttributes stored;
        QVERIFY(readNumberAttribute(dataset, "sparsity_level", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                                    &stored.level));
        QCOMPARE(stored.level, mask.attributes.params.level);
        stored.block.resize(2);
        QVERIFY(readNumberAttribute(dataset, "sparse_block_shape", H5T_STD_I64LE, H5T_NATIVE_INT64,
                                    stored.block.data(), 2));
        QCOMPARE(stored.block, (std::vector<std::int64_t>{mask.attributes.params.block.rows,
                                                          mask.attributes.params.block.cols}));
        QVERIFY(readNumberAttribute(dataset, "zeros_per_block", H5T_STD_I64LE, H5T_NATIVE_INT64,
                                    &stored.zeros));
        QCOMPARE(stored.zeros, mask.attributes.params.effectiveZerosPerBlock());
        QVERIFY(readNumberAttribute(dataset, "achieved_sparsity", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                                    &stored.achieved));
        QCOMPARE(stored.achieved, mask.attributes.achievedSparsity);
        stored.norm = readStringAttribute(dataset, "norm", &utf8);
        QVERIFY(utf8);
        QCOMPARE(stored.norm, normName(mask.attributes.params.norm));
        stored.sourceFile = readStringAttribute(dataset, "source_file", &utf8);
        QVERIFY(utf8);
        QCOMPARE(stored.sourceFile, mask.attributes.sourceFile);
        stored.sourceDataset = readStringAttribute(dataset, "source_dataset", &utf8);
        QVERIFY(utf8);
        QCOMPARE(stored.sourceDataset, mask.attributes.sourceDataset);
        stored.scope = readStringAttribute(dataset, "scope", &utf8);
        QVERIFY(utf8);
        QCOMPARE(stored.scope, mask.attributes.scope);
        QVERIFY(readNumberAttribute(dataset, "min_level", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                                    &stored.minLevel));
        QCOMPARE(stored.minLevel, mask.attributes.minLevel);
        QVERIFY(readNumberAttribute(dataset, "max_level", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                                    &stored.maxLevel));
        QCOMPARE(stored.maxLevel, mask.attributes.maxLevel);
        // Exactly the attributes of docs/SPEC.md "Mask files", "Model scope" and "View" (layout,
        // view and matrix_shape), no others.
        H5O_info_t info;
        QVERIFY(H5Oget_info2(dataset, &info, H5O_INFO_NUM_ATTRS) >= 0);
        QCOMPARE(info.num_attrs, hsize_t(13));
    }
    // A layer-scope mask says so, with the default bounds.
    QCOMPARE(masks[0].attributes.scope, QStringLiteral("layer"));
    QCOMPARE(masks[0].attributes.minLevel, 0.0);
    QCOMPARE(masks[0].attributes.maxLevel, 1.0);
    QCOMPARE(QStringLiteral("l1"), normName(Norm::L1));

    // Our own reader sees the mask file as a tree of uint8 datasets.
    const auto reader = Hdf5Reader::open(output);
    QStringList paths;
    for (const DatasetInfo& entry : reader->listTree())
        paths << entry.path + QLatin1Char(' ') + entry.typeName;
    QCOMPARE(paths,
             (QStringList{QStringLiteral("/a "), QStringLiteral("/a/b "),
                          QStringLiteral("/a/b/kernel uint8"), QStringLiteral("/conv uint8")}));
}

void TestHdf5Io::writerChunksLargeMasks()
{
    const QString output = path(QStringLiteral("chunks.h5"));
    struct Case
    {
        const char* path;
        std::vector<std::int64_t> shape;
        std::vector<hsize_t> chunk;
    };
    const std::vector<Case> cases = {
        {"/wide", {1000, 1000}, {262, 1000}}, {"/long", {1000000}, {262144}},
        {"/small", {3, 5}, {3, 5}},           {"/conv", {512, 256, 3, 3}, {113, 256, 3, 3}},
        {"/row", {2, 600000}, {1, 262144}},
    };
    // Irregular contents, so a chunk written at the wrong offset or with a wrong edge cannot
    // go unnoticed; chunks are deflated on four threads.
    auto maskOf = [](const Case& c) {
        std::vector<std::uint8_t> mask(std::size_t(elementCountOf(c.shape)));
        for (std::size_t i = 0; i < mask.size(); ++i)
            mask[i] = ((i * 2654435761u) >> 13) & 1u;
        return mask;
    };
    QThreadPool pool;
    pool.setMaxThreadCount(4);
    {
        const auto writer = Hdf5MaskWriter::create(output, m_types, false);
        for (const Case& c : cases)
            writer->writeMask(QString::fromUtf8(c.path), c.shape, maskOf(c), MaskAttributes{},
                              ExecutionContext{&pool, 4});
        writer->commit();
    }
    const Id file = openFile(output);
    for (const Case& c : cases) {
        const Id dataset(H5Dopen2(file, c.path, H5P_DEFAULT), H5Dclose);
        const Id dcpl(H5Dget_create_plist(dataset), H5Pclose);
        std::vector<hsize_t> chunk(c.chunk.size());
        QCOMPARE(H5Pget_chunk(dcpl, int(chunk.size()), chunk.data()), int(chunk.size()));
        QCOMPARE(chunk, c.chunk);
        std::vector<std::uint8_t> back(std::size_t(elementCountOf(c.shape)));
        QVERIFY(H5Dread(dataset, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, back.data()) >=
                0);
        QVERIFY2(back == maskOf(c), c.path);
    }
}

void TestHdf5Io::uncommittedWriterLeavesNoFile()
{
    // The naming and removal of the temporary file are tst_atomicoutput's; here the HDF5 file
    // still open in it is closed first.
    QVERIFY(QDir(m_dir.path()).mkpath(QStringLiteral("discard")));
    const QString directory = path(QStringLiteral("discard"));
    const QStringList before = listing(directory);
    {
        const auto writer =
            Hdf5MaskWriter::create(directory + QStringLiteral("/mask.h5"), m_types, false);
        QVERIFY(QFileInfo::exists(writer->temporaryPath()));
        writer->writeMask(QStringLiteral("/m"), {4, 4}, std::vector<std::uint8_t>(16, 1),
                          MaskAttributes{});
    }
    QCOMPARE(listing(directory), before);
}

void TestHdf5Io::writerRejectsProgrammerErrors()
{
    const QString directory = path(QStringLiteral("programmer"));
    QVERIFY(QDir(m_dir.path()).mkpath(QStringLiteral("programmer")));
    const auto writer =
        Hdf5MaskWriter::create(directory + QStringLiteral("/mask.h5"), m_types, false);
    const std::vector<std::uint8_t> four(4, 1);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             writer->writeMask(QStringLiteral("/m"), {}, four, MaskAttributes{}));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, writer->writeMask(QStringLiteral("/m"), {2, 3},
                                                                      four, MaskAttributes{}));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, writer->writeMask(QStringLiteral("/"), {2, 2},
                                                                      four, MaskAttributes{}));
    writer->commit();
    QVERIFY_THROWS_EXCEPTION(std::logic_error, writer->commit());
}

void TestHdf5Io::writerRecoversFromFailedMask()
{
    const QString output = path(QStringLiteral("duplicate.h5"));
    {
        const auto writer = Hdf5MaskWriter::create(output, m_types, false);
        const std::vector<std::uint8_t> mask{1, 0, 0, 1};
        writer->writeMask(QStringLiteral("/m"), {2, 2}, mask, MaskAttributes{});
        const auto error = errorOf([&] {
            writer->writeMask(QStringLiteral("m"), {2, 2}, mask, MaskAttributes{});
        });
        VERIFY_ERROR(error, ErrorCode::Io, output + QStringLiteral(": cannot write mask '/m': "));
        qInfo("duplicate dataset: %s", qPrintable(error->message()));
        // A dataset in the way of an intermediate group.
        const auto nested = errorOf([&] {
            writer->writeMask(QStringLiteral("/m/x"), {2, 2}, mask, MaskAttributes{});
        });
        VERIFY_ERROR(nested, ErrorCode::Io, QStringLiteral("cannot write mask '/m/x'"));
        writer->commit();
    }
    const auto reader = Hdf5Reader::open(output);
    QCOMPARE(reader->listTree().size(), std::size_t(1));
}

void TestHdf5Io::writerReportsFullDisk()
{
    // A file size limit makes writes fail with EFBIG as a full disk fails them with ENOSPC.
    QVERIFY(QDir(m_dir.path()).mkpath(QStringLiteral("full")));
    const QString directory = path(QStringLiteral("full"));
    const QString output = directory + QStringLiteral("/mask.h5");
    std::vector<std::uint8_t> mask(1000 * 1000);
    std::uint32_t state = 12345;
    for (std::uint8_t& value : mask) {
        state = state * 1664525u + 1013904223u;
        value = std::uint8_t(state >> 31); // incompressible enough: ~1 bit per byte
    }
    auto writer = Hdf5MaskWriter::create(output, m_types, false);
    struct rlimit saved = {};
    QCOMPARE(::getrlimit(RLIMIT_FSIZE, &saved), 0);
    const auto savedSignal = ::signal(SIGXFSZ, SIG_IGN);
    struct rlimit small = saved;
    small.rlim_cur = 32 * 1024;
    QCOMPARE(::setrlimit(RLIMIT_FSIZE, &small), 0);
    const auto error = errorOf([&] {
        writer->writeMask(QStringLiteral("/big"), {1000, 1000}, mask, MaskAttributes{});
        writer->commit();
    });
    ::setrlimit(RLIMIT_FSIZE, &saved);
    ::signal(SIGXFSZ, savedSignal);
    VERIFY_ERROR(error, ErrorCode::Io, output + QStringLiteral(": cannot write"));
    qInfo("full disk: %s", qPrintable(error->message()));
    QVERIFY(!QFileInfo::exists(output));
    const QString temporary = writer->temporaryPath();
    writer.reset();
    QVERIFY(!QFileInfo::exists(temporary));
    QVERIFY(listing(directory).isEmpty());
}

QTEST_GUILESS_MAIN(TestHdf5Io)
#include "tst_hdf5io.moc"
