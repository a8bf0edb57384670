// The safetensors reader (docs/SPEC.md "Files read"): listing, describe, every dtype's values
// against numpy's widening (data/safetensors/dtypes_expected.h5), sharded checkpoints, every
// refusal of an untrusted header or index, and a file changed after it was opened. The files
// come from reference/make_safetensors.py, which follows the format's published description.
#include "common/checks.h"
#include "error.h"
#include "hdf5/hdf5reader.h"
#include "io/tensorfile.h"
#include "parallel/executioncontext.h"
#include "safetensors/safetensorsheader.h"
#include "safetensors/safetensorsreader.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <unistd.h>

using namespace sparsity::core;
using namespace sparsity::test;

namespace {

const QString dataDir = QStringLiteral(SPARSITY_TEST_DATA_DIR "/safetensors");

QString data(const QString& name)
{
    return dataDir + QLatin1Char('/') + name;
}

// The bytes of a safetensors file with this header text (unpadded) and data.
QByteArray fileBytes(const QByteArray& header, const QByteArray& payload = {})
{
    QByteArray bytes(8, '\0');
    const auto length = static_cast<std::uint64_t>(header.size());
    for (int i = 0; i < 8; ++i)
        bytes[i] = static_cast<char>((length >> (8 * i)) & 0xff);
    return bytes + header + payload;
}

// The values as doubles, whatever the tensor's precision.
std::vector<double> valuesOf(const WeightTensor& tensor)
{
    std::vector<double> values;
    if (tensor.precision() == Precision::Float64) {
        const auto span = tensor.values<double>();
        values.assign(span.begin(), span.end());
    } else {
        const auto span = tensor.values<float>();
        values.assign(span.begin(), span.end());
    }
    return values;
}

// Equal as numbers and in sign (so -0.0 differs from +0.0); NaN equals NaN.
bool sameValue(double a, double b)
{
    if (std::isnan(a) || std::isnan(b))
        return std::isnan(a) && std::isnan(b);
    return a == b && std::signbit(a) == std::signbit(b);
}

QStringList pathsOf(const std::vector<DatasetInfo>& list)
{
    QStringList paths;
    for (const DatasetInfo& info : list)
        paths << info.path;
    return paths;
}

const ExecutionContext inlineContext;

} // namespace

class TestSafetensors final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void listsTensorsInNameOrder();
    void describesByPathWithOrWithoutSlash();
    void readsEveryDtypeExactly_data();
    void readsEveryDtypeExactly();
    void bf16CheckpointWidensExactly();
    void shardedCheckpointIsOneFile();
    void imageInMemoryReadsLikeTheFile();
    void refusesHostileFiles_data();
    void refusesHostileFiles();
    void refusesHostileIndexes_data();
    void refusesHostileIndexes();
    void integersInTheHeaderAreExact();
    void keysInsideStringsAreNotDuplicates();
    void headerLengthChecks();
    void fileChangedAfterOpening_data();
    void fileChangedAfterOpening();
    void shardChangedAfterOpening();
    void memoryLimitAndCancellation();
    void neverWritesTheInput();
    void masksWrittenAsSafetensors();
    void maskWriterIsAllOrNothing();
};

void TestSafetensors::listsTensorsInNameOrder()
{
    const auto reader = openTensorFile(data(QStringLiteral("model.safetensors")));
    const std::vector<DatasetInfo> list = reader->listTree();
    QCOMPARE(
        pathsOf(list),
        (QStringList{QStringLiteral("/model.embed.weight"), QStringLiteral("/model.head.weight"),
                     QStringLiteral("/model.layers.0.conv.bias"),
                     QStringLiteral("/model.layers.0.conv.weight"),
                     QStringLiteral("/model.layers.1.weight"), QStringLiteral("/model.step")}));
    const DatasetInfo& embed = list[0];
    QCOMPARE(embed.kind, NodeKind::Dataset);
    QCOMPARE(embed.shape, (std::vector<std::int64_t>{16, 12}));
    QCOMPARE(embed.typeName, QStringLiteral("float32"));
    QCOMPARE(embed.elementSize, std::int64_t{4});
    QCOMPARE(embed.storageBytes, std::int64_t{16 * 12 * 4});
    QVERIFY(embed.isDefaultSelection());
    QCOMPARE(list[1].typeName, QStringLiteral("float16"));
    QVERIFY(list[1].isDefaultSelection());
    // A bias and an integer are masked only when named, with the reason datasetchecks gives.
    QVERIFY(!list[2].sparsifiable);
    VERIFY_CONTAINS(list[2].reason, QStringLiteral("rank 1"));
    QVERIFY(list[2].canSparsifyWhenNamed());
    QCOMPARE(list[3].shape, (std::vector<std::int64_t>{8, 3, 3, 3}));
    QCOMPARE(list[4].typeName, QStringLiteral("float64"));
    QCOMPARE(list[5].typeName, QStringLiteral("int64"));
    QVERIFY(!list[5].isDefaultSelection());

    // The same weights as HDF5 list the same paths, shapes and types.
    const std::vector<DatasetInfo> hdf5 =
        openTensorFile(data(QStringLiteral("model.h5")))->listTree();
    QCOMPARE(pathsOf(hdf5), pathsOf(list));
    for (std::size_t i = 0; i < list.size(); ++i) {
        QCOMPARE(list[i].shape, hdf5[i].shape);
        QCOMPARE(list[i].typeName, hdf5[i].typeName);
        QCOMPARE(list[i].sparsifiable, hdf5[i].sparsifiable);
        QCOMPARE(list[i].isDefaultSelection(), hdf5[i].isDefaultSelection());
    }

    // Integers and BOOL are listed but not masked by default.
    for (const DatasetInfo& info :
         openTensorFile(data(QStringLiteral("dtypes.safetensors")))->listTree()) {
        QCOMPARE(info.elementClass == ElementClass::Float,
                 info.path == QLatin1String("/f64") || info.path == QLatin1String("/f32") ||
                     info.path == QLatin1String("/f16") || info.path == QLatin1String("/bf16"));
        QCOMPARE(info.isDefaultSelection(), info.elementClass == ElementClass::Float);
        QVERIFY(info.canSparsifyWhenNamed());
    }
}

void TestSafetensors::describesByPathWithOrWithoutSlash()
{
    const auto reader = openTensorFile(data(QStringLiteral("model.safetensors")));
    QCOMPARE(reader->describe(QStringLiteral("model.layers.1.weight")).path,
             QStringLiteral("/model.layers.1.weight"));
    QCOMPARE(reader->describe(QStringLiteral("/model.head.weight")).shape,
             (std::vector<std::int64_t>{6, 10}));
    VERIFY_ERROR(errorOf([&] { reader->describe(QStringLiteral("/model.nothing")); }),
                 ErrorCode::InvalidInput, QStringLiteral("no dataset '/model.nothing'"));
    VERIFY_ERROR(errorOf([&] { reader->describe(QStringLiteral("/")); }), ErrorCode::InvalidInput,
                 QStringLiteral("root group"));
    // A rank-0 or integer dataset is described but only what can be read is read.
    VERIFY_ERROR(errorOf([&] { reader->readTensor(QStringLiteral("/model.nothing"), {}); }),
                 ErrorCode::InvalidInput, QStringLiteral("no dataset"));
}

void TestSafetensors::readsEveryDtypeExactly_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("precision");
    const std::pair<const char*, Precision> cases[] = {
        {"f64", Precision::Float64},  {"f32", Precision::Float32}, {"f16", Precision::Float32},
        {"bf16", Precision::Float32}, {"i64", Precision::Float64}, {"i32", Precision::Float64},
        {"i16", Precision::Float32},  {"i8", Precision::Float32},  {"u64", Precision::Float64},
        {"u32", Precision::Float64},  {"u16", Precision::Float32}, {"u8", Precision::Float32},
        {"bool", Precision::Float32}};
    for (const auto& [name, precision] : cases)
        QTest::newRow(name) << QString::fromLatin1(name) << int(precision);
}

void TestSafetensors::readsEveryDtypeExactly()
{
    QFETCH(QString, name);
    QFETCH(int, precision);
    const auto reader = openTensorFile(data(QStringLiteral("dtypes.safetensors")));
    const WeightTensor tensor = reader->readTensor(name, inlineContext);
    QCOMPARE(int(tensor.precision()), precision);
    // numpy's widening of the same bytes, stored as float64 by h5py.
    const WeightTensor expected = Hdf5Reader::open(data(QStringLiteral("dtypes_expected.h5")))
                                      ->readTensor(name, inlineContext);
    QCOMPARE(tensor.shape(), expected.shape());
    const std::vector<double> got = valuesOf(tensor);
    const std::vector<double> want = valuesOf(expected);
    QCOMPARE(got.size(), want.size());
    for (std::size_t i = 0; i < got.size(); ++i)
        QVERIFY2(sameValue(got[i], want[i]), qPrintable(QStringLiteral("%1[%2]: %3, expected %4")
                                                            .arg(name)
                                                            .arg(i)
                                                            .arg(got[i], 0, 'g', 17)
                                                            .arg(want[i], 0, 'g', 17)));
}

void TestSafetensors::bf16CheckpointWidensExactly()
{
    const auto reader = openTensorFile(data(QStringLiteral("bf16.safetensors")));
    const auto hdf5 = openTensorFile(data(QStringLiteral("bf16.h5")));
    QCOMPARE(pathsOf(reader->listTree()), pathsOf(hdf5->listTree()));
    for (const DatasetInfo& info : reader->listTree()) {
        QCOMPARE(info.typeName, QStringLiteral("bfloat16"));
        QVERIFY(info.isDefaultSelection());
        const WeightTensor tensor = reader->readTensor(info.path, inlineContext);
        const WeightTensor expected = hdf5->readTensor(info.path, inlineContext);
        QCOMPARE(tensor.shape(), expected.shape());
        const auto got = tensor.values<float>();
        const auto want = expected.values<float>();
        QVERIFY(std::equal(got.begin(), got.end(), want.begin(), want.end(),
                           [](float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }));
    }
}

void TestSafetensors::shardedCheckpointIsOneFile()
{
    const QString index = data(QStringLiteral("sharded/model.safetensors.index.json"));
    const auto sharded = openTensorFile(index);
    const auto single = openTensorFile(data(QStringLiteral("model.safetensors")));
    QCOMPARE(sharded->path(), index);
    const std::vector<DatasetInfo> list = sharded->listTree();
    QCOMPARE(pathsOf(list), pathsOf(single->listTree()));
    for (const DatasetInfo& info : list) {
        QCOMPARE(info.shape, single->describe(info.path).shape);
        if (!info.canSparsifyWhenNamed())
            continue;
        const std::vector<double> a = valuesOf(sharded->readTensor(info.path, inlineContext));
        const std::vector<double> b = valuesOf(single->readTensor(info.path, inlineContext));
        QVERIFY2(a == b, qPrintable(info.path));
    }
    // The index's identity is the reader's.
    QCOMPARE(sharded->identity().size, QFileInfo(index).size());
}

void TestSafetensors::imageInMemoryReadsLikeTheFile()
{
    QFile file(data(QStringLiteral("dtypes.safetensors")));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const auto image = SafetensorsReader::openImage(file.readAll(), QStringLiteral("image"));
    const auto reader = openTensorFile(file.fileName());
    QCOMPARE(pathsOf(image->listTree()), pathsOf(reader->listTree()));
    QCOMPARE(image->identity(), FileIdentity{});
    QCOMPARE(valuesOf(image->readTensor(QStringLiteral("/i16"), inlineContext)),
             valuesOf(reader->readTensor(QStringLiteral("/i16"), inlineContext)));
    VERIFY_ERROR(errorOf([] { SafetensorsReader::openImage({}, QStringLiteral("img")); }),
                 ErrorCode::Io, QStringLiteral("img: the file is empty"));
}

void TestSafetensors::refusesHostileFiles_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("reason");
    const std::pair<const char*, const char*> cases[] = {
        {"too_short", "5 bytes, too short for a safetensors file"},
        {"header_past_end", "the header length 1064 runs past the end of the file (88 bytes"},
        {"header_over_100mb", "the header length 100000001 is over the format's limit of 100 MB"},
        {"malformed_json", "malformed JSON in the header at byte"},
        {"not_an_object", "the header is not a JSON object"},
        {"unknown_dtype", "tensor 'w': unknown dtype \"F12\""},
        {"dtype_not_a_string", "tensor 'w': unknown dtype 4"},
        {"shape_negative", "tensor 'w': shape [-2,2] holds -2, not a non-negative integer"},
        {"shape_not_a_list", "tensor 'w': shape \"2x2\" is not a list of sizes"},
        {"shape_fraction", "tensor 'w': shape [2.5,2] holds 2.5, not a non-negative integer"},
        {"shape_beyond_int64", "not a non-negative integer"},
        {"shape_overflow", "holds more bytes than 64 bits can count"},
        {"offsets_not_a_pair", "tensor 'w': data_offsets [0] is not a pair of non-negative"},
        {"offsets_not_integers", "data_offsets [\"0\",\"16\"] is not a pair of non-negative"},
        {"offsets_reversed", "tensor 'w': data_offsets [16, 0] end before they begin"},
        {"offsets_outside_data",
         "tensor 'w': data_offsets [0, 32] lie outside the data, which holds 16 bytes"},
        {"size_mismatch",
         "tensor 'w': data_offsets [0, 12] hold 12 bytes, but shape [2,2] of F32 needs 16"},
        {"overlap", "tensors 'a' (bytes 0 to 8) and 'b' (bytes 4 to 12) overlap"},
        {"duplicate_name", "tensor 'w': the header names it twice"},
        {"duplicate_escaped_name", "tensor 'w': the header names it twice"},
        {"duplicate_field", "the header gives 'dtype' twice in the entry 'w'"},
        {"missing_dtype", "tensor 'w': 'dtype' is missing"},
        {"missing_shape", "tensor 'w': 'shape' is missing"},
        {"missing_data_offsets", "tensor 'w': 'data_offsets' is missing"},
        {"entry_not_an_object", "tensor 'w': the entry is not a JSON object"},
        {"metadata_not_an_object", "__metadata__ is not a JSON object"},
        {"name_not_a_path", "tensor 'a//b': the name is empty or has a '/'"},
    };
    for (const auto& [file, reason] : cases)
        QTest::newRow(file)
            << data(QStringLiteral("hostile/%1.safetensors").arg(QLatin1String(file)))
            << QString::fromUtf8(reason);
}

void TestSafetensors::refusesHostileFiles()
{
    QFETCH(QString, file);
    QFETCH(QString, reason);
    // Through the dispatch, as every caller opens files.
    const auto error = errorOf([&] { openTensorFile(file); });
    VERIFY_ERROR(error, ErrorCode::Io, reason);
    QVERIFY2(error->message().startsWith(file + QStringLiteral(": ")),
             qPrintable(error->message()));
    // The same bytes in memory are refused the same way.
    QFile input(file);
    QVERIFY(input.open(QIODevice::ReadOnly));
    const QByteArray bytes = input.readAll();
    VERIFY_ERROR(errorOf([&] { SafetensorsReader::openImage(bytes, file); }), ErrorCode::Io,
                 reason);
}

void TestSafetensors::refusesHostileIndexes_data()
{
    QTest::addColumn<QString>("folder");
    QTest::addColumn<QString>("reason");
    const std::pair<const char*, const char*> cases[] = {
        {"missing_shard", "shard 'part2.safetensors': %1/part2.safetensors: no such file"},
        {"no_weight_map", "no weight_map: not a safetensors index"},
        {"weight_map_not_an_object", "weight_map is not a JSON object"},
        {"malformed_index", "malformed JSON in the index at byte"},
        {"index_not_an_object", "the index is not a JSON object"},
        {"shard_not_a_string", "tensor 'a.weight': its shard 3 is not a file name"},
        {"absolute_shard",
         "tensor 'a.weight': shard \"/etc/passwd\" is not a file name inside the index's"},
        {"escaping_shard", "shard \"../part1.safetensors\" is not a file name inside the index's"},
        {"tensor_not_in_shard",
         "weight_map lists tensor 'extra.weight' in shard 'part1.safetensors', which does not "
         "hold it"},
        {"tensor_not_in_index",
         "shard 'part1.safetensors' holds tensor 'b.weight', which weight_map does not list"},
        {"tensor_in_other_shard",
         "shard 'part1.safetensors' holds tensor 'b.weight', which weight_map lists in shard "
         "'part2.safetensors'"},
        {"duplicate_in_weight_map", "tensor 'a.weight': weight_map names it twice"},
        {"hostile_shard",
         "shard 'part1.safetensors': %1/part1.safetensors: the header length 1000 runs past"},
    };
    for (const auto& [folder, reason] : cases) {
        const QString directory =
            data(QStringLiteral("hostile-index/%1").arg(QLatin1String(folder)));
        QTest::newRow(folder) << directory
                              << QString::fromUtf8(reason).replace(QLatin1String("%1"), directory);
    }
}

void TestSafetensors::refusesHostileIndexes()
{
    QFETCH(QString, folder);
    QFETCH(QString, reason);
    const QString index = folder + QStringLiteral("/model.safetensors.index.json");
    const auto error = errorOf([&] { openTensorFile(index); });
    VERIFY_ERROR(error, ErrorCode::Io, reason);
    QVERIFY2(error->message().startsWith(index + QStringLiteral(": ")),
             qPrintable(error->message()));
}

void TestSafetensors::integersInTheHeaderAreExact()
{
    // 2^53 + 1 is not a double: a parser that went through double would print 2^53.
    const QByteArray header =
        R"({"w":{"dtype":"U8","shape":[9007199254740993],"data_offsets":[0,9007199254740993]}})";
    VERIFY_ERROR(
        errorOf([&] { SafetensorsReader::openImage(fileBytes(header), QStringLiteral("f")); }),
        ErrorCode::Io, QStringLiteral("data_offsets [0, 9007199254740993] lie outside"));
    // The largest int64 is still an integer; one more is not.
    const QByteArray maximum =
        R"({"w":{"dtype":"U8","shape":[9223372036854775807],"data_offsets":[0,0]}})";
    VERIFY_ERROR(
        errorOf([&] { SafetensorsReader::openImage(fileBytes(maximum), QStringLiteral("f")); }),
        ErrorCode::Io, QStringLiteral("hold 0 bytes, but shape [9223372036854775807]"));
    // An empty tensor holds no bytes and overlaps nothing, wherever its offsets lie.
    const QByteArray empty =
        R"({"a":{"dtype":"F32","shape":[2,0],"data_offsets":[4,4]},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
    const auto reader =
        SafetensorsReader::openImage(fileBytes(empty, QByteArray(8, '\0')), QStringLiteral("f"));
    QCOMPARE(reader->listTree().size(), std::size_t{2});
    VERIFY_CONTAINS(reader->describe(QStringLiteral("a")).reason, QStringLiteral("empty"));
}

void TestSafetensors::keysInsideStringsAreNotDuplicates()
{
    // Braces, quotes, commas and colons inside strings, escapes, nested metadata values and
    // the same key in different objects are not repeated keys.
    const QByteArray header =
        R"({"__metadata__":{"a":"}{\"w\":,[","b":"\\","w":"x"},)"
        R"("w":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8],"w":{"w":1}},)"
        R"("x\"y":{"dtype":"I8","shape":[1],"data_offsets":[8,9]}})";
    const auto reader =
        SafetensorsReader::openImage(fileBytes(header, QByteArray(9, '\1')), QStringLiteral("f"));
    QCOMPARE(pathsOf(reader->listTree()),
             (QStringList{QStringLiteral("/w"), QStringLiteral("/x\"y")}));
    // A key repeated in the metadata is refused too: QJsonDocument would keep only one.
    const QByteArray metadata = R"({"__metadata__":{"k":"1","k":"2"}})";
    VERIFY_ERROR(
        errorOf([&] { SafetensorsReader::openImage(fileBytes(metadata), QStringLiteral("f")); }),
        ErrorCode::Io, QStringLiteral("gives 'k' twice in the entry '__metadata__'"));
}

void TestSafetensors::headerLengthChecks()
{
    QByteArray bytes(8, '\0');
    QCOMPARE(safetensorsHeaderLength(bytes, 8, QStringLiteral("f")), std::uint64_t{0});
    bytes[0] = 2;
    VERIFY_ERROR(errorOf([&] { safetensorsHeaderLength(bytes, 9, QStringLiteral("f")); }),
                 ErrorCode::Io, QStringLiteral("runs past the end"));
    // 100 MB exactly is allowed; the check never reads the header itself.
    const std::uint64_t limit = maxSafetensorsHeaderBytes;
    for (int i = 0; i < 8; ++i)
        bytes[i] = static_cast<char>((limit >> (8 * i)) & 0xff);
    QCOMPARE(safetensorsHeaderLength(bytes, limit + 8, QStringLiteral("f")), limit);
    // The largest length does not wrap around when 8 is added.
    bytes.fill('\xff');
    VERIFY_ERROR(errorOf([&] { safetensorsHeaderLength(bytes, 100, QStringLiteral("f")); }),
                 ErrorCode::Io, QStringLiteral("over the format's limit"));
    // An empty header is malformed JSON, not a crash.
    VERIFY_ERROR(errorOf([&] { SafetensorsReader::openImage(fileBytes({}), QStringLiteral("f")); }),
                 ErrorCode::Io, QStringLiteral("f: malformed JSON in the header"));
}

void TestSafetensors::fileChangedAfterOpening_data()
{
    QTest::addColumn<QString>("change");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("deleted") << QStringLiteral("delete")
                             << QStringLiteral("the file was deleted or moved after it was opened");
    QTest::newRow("replaced") << QStringLiteral("replace")
                              << QStringLiteral("the file was replaced after it was opened");
    QTest::newRow("rewritten") << QStringLiteral("rewrite")
                               << QStringLiteral("the file was modified after it was opened");
}

void TestSafetensors::fileChangedAfterOpening()
{
    QFETCH(QString, change);
    QFETCH(QString, fragment);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("model.safetensors"));
    QVERIFY(QFile::copy(data(QStringLiteral("model.safetensors")), path));
    const auto reader = openTensorFile(path);
    QCOMPARE(reader->listTree().size(), std::size_t{6});
    if (change == QLatin1String("delete")) {
        QVERIFY(QFile::remove(path));
    } else if (change == QLatin1String("replace")) {
        const QString other = dir.filePath(QStringLiteral("other"));
        QVERIFY(QFile::copy(data(QStringLiteral("model.safetensors")), other));
        QVERIFY(::rename(QFile::encodeName(other).constData(),
                         QFile::encodeName(path).constData()) == 0);
    } else {
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadWrite | QIODevice::Append));
        QVERIFY(file.write("more") == 4);
    }
    VERIFY_ERROR(errorOf([&] { reader->readTensor(QStringLiteral("/model.embed.weight"), {}); }),
                 ErrorCode::Io,
                 path + QStringLiteral(": cannot read dataset '/model.embed.weight': ") + fragment);
    VERIFY_ERROR(errorOf([&] { reader->listTree(); }), ErrorCode::Io, fragment);
}

void TestSafetensors::shardChangedAfterOpening()
{
    QTemporaryDir dir;
    const QDir source(data(QStringLiteral("sharded")));
    for (const QString& name : source.entryList(QDir::Files))
        QVERIFY(QFile::copy(source.filePath(name), dir.filePath(name)));
    const auto reader =
        openTensorFile(dir.filePath(QStringLiteral("model.safetensors.index.json")));
    const QString shard = dir.filePath(QStringLiteral("model-00002-of-00002.safetensors"));
    QFile file(shard);
    QVERIFY(file.open(QIODevice::ReadWrite | QIODevice::Append));
    QVERIFY(file.write("x") == 1);
    file.close();
    // The message names the shard that changed.
    VERIFY_ERROR(errorOf([&] { reader->readTensor(QStringLiteral("/model.embed.weight"), {}); }),
                 ErrorCode::Io, shard + QStringLiteral(": cannot read dataset "));
}

void TestSafetensors::memoryLimitAndCancellation()
{
    const auto reader = openTensorFile(data(QStringLiteral("model.safetensors")));
    reader->setMemoryLimit(64);
    VERIFY_ERROR(errorOf([&] { reader->readTensor(QStringLiteral("/model.embed.weight"), {}); }),
                 ErrorCode::OutOfMemory,
                 QStringLiteral("'/model.embed.weight' (shape 16x12, float32)"));
    reader->setMemoryLimit(0);
    std::atomic<bool> cancelled{true};
    ExecutionContext context;
    context.cancelled = &cancelled;
    VERIFY_ERROR(
        errorOf([&] { reader->readTensor(QStringLiteral("/model.embed.weight"), context); }),
        ErrorCode::Cancelled, QString());
    // Integers and rank 1 are read when named; rank 0 never.
    QCOMPARE(valuesOf(reader->readTensor(QStringLiteral("/model.step"), inlineContext)),
             std::vector<double>{1234.0});
    const QByteArray scalar = R"({"s":{"dtype":"F32","shape":[],"data_offsets":[0,4]}})";
    const auto image =
        SafetensorsReader::openImage(fileBytes(scalar, QByteArray(4, '\0')), QStringLiteral("f"));
    QCOMPARE(image->describe(QStringLiteral("s")).shapeText(), QStringLiteral("scalar"));
    VERIFY_ERROR(errorOf([&] { image->readTensor(QStringLiteral("s"), {}); }),
                 ErrorCode::InvalidInput, QStringLiteral("f: dataset '/s' cannot be read: rank 0"));
}

void TestSafetensors::neverWritesTheInput()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("model.safetensors"));
    QVERIFY(QFile::copy(data(QStringLiteral("model.safetensors")), path));
    const QByteArray before = fileHash(path);
    const QDateTime modified = QFileInfo(path).lastModified();
    {
        const auto reader = openTensorFile(path);
        for (const DatasetInfo& info : reader->listTree()) {
            if (info.canSparsifyWhenNamed())
                reader->readTensor(info.path, inlineContext);
        }
    }
    QCOMPARE(fileHash(path), before);
    QCOMPARE(QFileInfo(path).lastModified(), modified);
    // A read-only file opens and reads.
    QVERIFY(QFile::setPermissions(path, QFileDevice::ReadOwner));
    if (::geteuid() != 0)
        QVERIFY(!QFileInfo(path).isWritable());
    QCOMPARE(
        openTensorFile(path)->readTensor(QStringLiteral("model.head.weight"), {}).elementCount(),
        std::int64_t{60});
}

void TestSafetensors::masksWrittenAsSafetensors()
{
    QTemporaryDir dir;
    const QString output = dir.filePath(QStringLiteral("masks.safetensors"));
    const QString input = data(QStringLiteral("model.safetensors"));
    MaskAttributes attributes;
    attributes.params.level = 0.1;
    attributes.params.block = {2, 3};
    attributes.params.zerosPerBlock = 4;
    attributes.params.norm = Norm::L1;
    attributes.achievedSparsity = 1.0 / 3.0;
    attributes.sourceFile = input;
    attributes.sourceDataset = QStringLiteral("/a.weight");
    const std::vector<std::uint8_t> first = {1, 0, 1, 1, 0, 0};
    const std::vector<std::uint8_t> second = {0, 1, 1};
    {
        const auto writer = createMaskFile(output, input, false);
        QCOMPARE(writer->outputPath(), output);
        writer->writeMask(QStringLiteral("/a.weight"), {2, 3}, first, attributes);
        attributes.sourceDataset = QStringLiteral("/b");
        attributes.scope = QStringLiteral("model");
        attributes.maxLevel = 0.75;
        writer->writeMask(QStringLiteral("b"), {3}, second, attributes);
        QVERIFY(!QFileInfo::exists(output));
        writer->commit();
    }
    // Nothing but the output is left: no temporary, no scratch file.
    QCOMPARE(listing(dir.path()), QStringList{QStringLiteral("masks.safetensors")});

    // Read back by our reader: U8 tensors under the source names, the masks' bytes.
    const auto reader = openTensorFile(output);
    QCOMPARE(pathsOf(reader->listTree()),
             (QStringList{QStringLiteral("/a.weight"), QStringLiteral("/b")}));
    QCOMPARE(reader->describe(QStringLiteral("a.weight")).typeName, QStringLiteral("uint8"));
    QCOMPARE(reader->describe(QStringLiteral("a.weight")).shape, (std::vector<std::int64_t>{2, 3}));
    QCOMPARE(valuesOf(reader->readTensor(QStringLiteral("a.weight"), {})),
             (std::vector<double>{1, 0, 1, 1, 0, 0}));
    QCOMPARE(valuesOf(reader->readTensor(QStringLiteral("b"), {})), (std::vector<double>{0, 1, 1}));

    // The header as the format describes it, read here with QJsonDocument: aligned data,
    // contiguous offsets, the attributes as strings.
    QFile file(output);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray bytes = file.readAll();
    std::uint64_t length = 0;
    for (int i = 7; i >= 0; --i)
        length = (length << 8) | static_cast<std::uint8_t>(bytes[i]);
    QCOMPARE((8 + length) % 8, std::uint64_t{0});
    QCOMPARE(static_cast<qsizetype>(8 + length + 9), bytes.size());
    const QJsonObject header =
        QJsonDocument::fromJson(bytes.mid(8, static_cast<qsizetype>(length))).object();
    QCOMPARE(header.value(QStringLiteral("a.weight"))
                 .toObject()
                 .value(QStringLiteral("dtype"))
                 .toString(),
             QStringLiteral("U8"));
    QCOMPARE(header.value(QStringLiteral("b"))
                 .toObject()
                 .value(QStringLiteral("data_offsets"))
                 .toArray(),
             (QJsonArray{6, 9}));
    const QJsonObject metadata = header.value(QStringLiteral("__metadata__")).toObject();
    QVERIFY(metadata.value(QStringLiteral("generator"))
                .toString()
                .startsWith(QStringLiteral("sparsity-explorer ")));
    const std::pair<const char*, const char*> expected[] = {
        {"a.weight/sparsity_level", "0.1"},
        {"a.weight/sparse_block_shape", "[2, 3]"},
        {"a.weight/zeros_per_block", "4"},
        {"a.weight/norm", "l1"},
        {"a.weight/achieved_sparsity", "0.3333333333333333"},
        {"a.weight/source_dataset", "/a.weight"},
        {"a.weight/scope", "layer"},
        {"a.weight/min_level", "0"},
        {"a.weight/max_level", "1"},
        {"b/source_dataset", "/b"},
        {"b/scope", "model"},
        {"b/max_level", "0.75"},
    };
    for (const auto& [key, value] : expected)
        QCOMPARE(metadata.value(QLatin1String(key)).toString(), QString::fromLatin1(value));
    QCOMPARE(metadata.value(QStringLiteral("a.weight/source_file")).toString(), input);
    QCOMPARE(metadata.value(QStringLiteral("a.weight/achieved_sparsity")).toString().toDouble(),
             1.0 / 3.0);
}

void TestSafetensors::maskWriterIsAllOrNothing()
{
    QTemporaryDir dir;
    const QString output = dir.filePath(QStringLiteral("masks.safetensors"));
    const QString input = data(QStringLiteral("model.safetensors"));
    const std::vector<std::uint8_t> mask(16, 1);
    {
        // Never committed: nothing stays behind.
        const auto writer = createMaskFile(output, input, false);
        writer->writeMask(QStringLiteral("/a"), {4, 4}, mask, {});
        // The temporary file, and the scratch file unless it has no name (O_TMPFILE).
        const QStringList during = listing(dir.path());
        QVERIFY(!during.isEmpty() && during.size() <= 2);
        for (const QString& name : during)
            QVERIFY2(name.startsWith(QStringLiteral(".masks.safetensors.")), qPrintable(name));
    }
    QVERIFY(listing(dir.path()).isEmpty());
    {
        // A cancelled mask is taken back; the ones before it are committed.
        const auto writer = createMaskFile(output, input, false);
        writer->writeMask(QStringLiteral("/a"), {4, 4}, mask, {});
        std::atomic<bool> cancelled{true};
        ExecutionContext context;
        context.cancelled = &cancelled;
        VERIFY_ERROR(errorOf([&] {
                         writer->writeMask(QStringLiteral("/b"), {2, 8}, mask, {}, context);
                     }),
                     ErrorCode::Cancelled, QString());
        writer->commit();
    }
    QCOMPARE(listing(dir.path()), QStringList{QStringLiteral("masks.safetensors")});
    QCOMPARE(pathsOf(openTensorFile(output)->listTree()), QStringList{QStringLiteral("/a")});
    {
        // The cancelled mask's bytes are gone too: the data area holds /a's 16 bytes only.
        QFile file(output);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray start = file.read(8);
        const std::uint64_t length = safetensorsHeaderLength(start, file.size(), output);
        QCOMPARE(file.size(), static_cast<qint64>(8 + length + 16));
    }
    // The output exists: refused unless overwriting; the input is never the output.
    VERIFY_ERROR(errorOf([&] { createMaskFile(output, input, false); }), ErrorCode::OutputExists,
                 output);
    VERIFY_ERROR(errorOf([&] { createMaskFile(input, input, true); }), ErrorCode::InvalidInput,
                 QString());
    QCOMPARE(listing(dir.path()), QStringList{QStringLiteral("masks.safetensors")});
}

QTEST_GUILESS_MAIN(TestSafetensors)
#include "tst_safetensors.moc"
