// docs/SPEC.md "Model scope": modelPrunedCounts and exportMasks in model scope against the
// independent reference (tests/reference/model_scope_reference.py, data/model_scope.h5) and
// against tables small enough to count by hand. Masks and attributes are read back with the
// HDF5 C library, not with the code under test.
#include "common/hdf5handles.h"
#include "common/paramsbuilder.h"
#include "error.h"
#include "export/maskexport.h"
#include "hdf5/hdf5reader.h"
#include "mask/sparsifier.h"
#include "ranking/blockranking.h"
#include "ranking/modelscope.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>
#include <cmath>
#include <cstdio>
#include <limits>

using namespace sparsity::core;
using sparsity::test::Id;
using sparsity::test::makeParams;

namespace {

const QString referenceFile = QStringLiteral(SPARSITY_TEST_DATA_DIR "/model_scope.h5");

// ---- reading with the HDF5 C library --------------------------------------------------------

Id openFile(const QString& path)
{
    return Id(H5Fopen(QFile::encodeName(path).constData(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
}

double doubleAttribute(hid_t object, const char* name)
{
    const Id attribute(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
    double value = std::numeric_limits<double>::quiet_NaN();
    if (!attribute.ok() || H5Aread(attribute, H5T_NATIVE_DOUBLE, &value) < 0)
        qWarning("cannot read attribute %s", name);
    return value;
}

std::vector<std::int64_t> int64Attribute(hid_t object, const char* name)
{
    const Id attribute(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
    const Id space(H5Aget_space(attribute), H5Sclose);
    std::vector<std::int64_t> values(
        std::size_t(std::max<hssize_t>(0, H5Sget_simple_extent_npoints(space))));
    if (values.empty() || H5Aread(attribute, H5T_NATIVE_INT64, values.data()) < 0)
        return {};
    return values;
}

QString stringAttribute(hid_t object, const char* name)
{
    const Id attribute(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
    const Id type(H5Aget_type(attribute), H5Tclose);
    if (!type.ok() || H5Tget_class(type) != H5T_STRING || H5Tis_variable_str(type) <= 0)
        return QStringLiteral("<not a variable-length string>");
    char* text = nullptr;
    if (H5Aread(attribute, type, &text) < 0)
        return QStringLiteral("<unreadable>");
    const QString value = QString::fromUtf8(text);
    H5free_memory(text);
    return value;
}

template <typename T> std::vector<T> readAll(hid_t file, const QString& path, hid_t memoryType)
{
    const Id dataset(H5Dopen2(file, path.toUtf8().constData(), H5P_DEFAULT), H5Dclose);
    if (!dataset.ok())
        return {};
    const Id space(H5Dget_space(dataset), H5Sclose);
    std::vector<T> values(std::size_t(H5Sget_simple_extent_npoints(space)));
    if (H5Dread(dataset, memoryType, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
        return {};
    return values;
}

// The names in a group, in name order (the order `list` prints them).
QStringList memberNames(hid_t file, const QString& group)
{
    QStringList names;
    H5Literate_by_name(
        file, group.toUtf8().constData(), H5_INDEX_NAME, H5_ITER_INC, nullptr,
        [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
            static_cast<QStringList*>(out)->append(QString::fromUtf8(name));
            return 0;
        },
        &names, H5P_DEFAULT);
    return names;
}

// ---- one case of data/model_scope.h5 --------------------------------------------------------

struct ReferenceCase
{
    QString name;
    QString description;
    double level = 0;
    ModelBounds bounds;
    SparsityParams params; // block, zeros per block and norm; level = the model's
    QStringList layers;    // dataset paths in the case's order
    std::vector<std::int64_t> pruned, blocks;
    std::vector<std::vector<std::uint8_t>> masks;
};

ReferenceCase loadCase(const QString& name)
{
    const Id file = openFile(referenceFile);
    const Id group(H5Gopen2(file, name.toUtf8().constData(), H5P_DEFAULT), H5Gclose);
    ReferenceCase c;
    c.name = name;
    c.description = stringAttribute(group, "description");
    c.level = doubleAttribute(group, "level");
    c.bounds = {doubleAttribute(group, "min_level"), doubleAttribute(group, "max_level")};
    const auto block = int64Attribute(group, "block");
    const auto zeros = int64Attribute(group, "zeros_per_block");
    const QString norm = stringAttribute(group, "norm");
    c.params = makeParams(c.level, block.at(0), block.at(1), zeros.at(0),
                          norm == QLatin1String("l1") ? Norm::L1 : Norm::L2);
    for (const QString& layer : memberNames(file, name + QStringLiteral("/weights"))) {
        c.layers << QStringLiteral("/%1/weights/%2").arg(name, layer);
        c.masks.push_back(readAll<std::uint8_t>(
            file, QStringLiteral("/%1/masks/%2").arg(name, layer), H5T_NATIVE_UINT8));
    }
    c.pruned = readAll<std::int64_t>(file, name + QStringLiteral("/pruned"), H5T_NATIVE_INT64);
    c.blocks = readAll<std::int64_t>(file, name + QStringLiteral("/blocks"), H5T_NATIVE_INT64);
    return c;
}

ExportRequest modelRequest(const QString& input, const QString& output, const QStringList& layers,
                           const SparsityParams& params, double level, ModelBounds bounds)
{
    ExportRequest request;
    request.inputPath = input;
    request.outputPath = output;
    for (const QString& layer : layers)
        request.layers.push_back({layer, params, {}});
    request.modelScope = ModelScopeRequest{level, bounds};
    return request;
}

std::vector<std::int64_t> countsOf(const std::vector<WeightTensor>& layers,
                                   const Configuration& configuration, double level,
                                   ModelBounds bounds = {})
{
    std::vector<BlockRanking> rankings;
    for (const WeightTensor& layer : layers)
        rankings.push_back(BlockRanking::build(layer, configuration, {}));
    std::vector<const BlockRanking*> pointers;
    for (const BlockRanking& ranking : rankings)
        pointers.push_back(&ranking);
    return modelPrunedCounts(pointers, level, bounds);
}

QStringList directoryListing(const QString& path)
{
    return QDir(path).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden);
}

// A 1 x n layer: with 1x1 blocks and the L1 norm, each weight's magnitude is its block's norm.
WeightTensor row(std::vector<float> values)
{
    const auto n = std::int64_t(values.size());
    return WeightTensor({1, n}, values);
}
WeightTensor row64(std::vector<double> values)
{
    const auto n = std::int64_t(values.size());
    return WeightTensor({1, n}, values);
}

const double doubleNaN = std::numeric_limits<double>::quiet_NaN();
const float floatNaN = std::numeric_limits<float>::quiet_NaN();
const float floatInf = std::numeric_limits<float>::infinity();

} // namespace

Q_DECLARE_METATYPE(ModelBounds)
Q_DECLARE_METATYPE(std::vector<WeightTensor>)
Q_DECLARE_METATYPE(std::vector<std::int64_t>)

class TestModelScope final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void referenceCases_data();
    void referenceCases();
    void handMadeTables_data();
    void handMadeTables();
    void oneLayerModelEqualsLayerScope();
    void layerScopeIsUnchanged();
    void progressCoversBothPasses();
    void cancelLeavesNoFile();
    void inputReplacedBetweenThePassesLeavesNoFile();
    void refusesBadBoundsAndMixedConfigurations_data();
    void refusesBadBoundsAndMixedConfigurations();
};

void TestModelScope::referenceCases_data()
{
    QTest::addColumn<QString>("name");
    const Id file = openFile(referenceFile);
    QVERIFY2(file.ok(), qPrintable(referenceFile));
    const QStringList names = memberNames(file, QStringLiteral("/"));
    QVERIFY(names.size() >= 15);
    for (const QString& name : names)
        QTest::newRow(name.toUtf8().constData()) << name;
}

void TestModelScope::referenceCases()
{
    QFETCH(QString, name);
    const ReferenceCase c = loadCase(name);
    QVERIFY2(!c.layers.isEmpty() && c.pruned.size() == std::size_t(c.layers.size()),
             qPrintable(c.description));

    // The counts of the shared ranking, from the rankings alone.
    const auto reader = Hdf5Reader::open(referenceFile);
    std::vector<WeightTensor> weights;
    for (const QString& layer : c.layers)
        weights.push_back(reader->readTensor(layer, {}));
    const Configuration configuration = Configuration::of(c.params);
    std::vector<BlockRanking> rankings;
    for (const WeightTensor& w : weights)
        rankings.push_back(BlockRanking::build(w, configuration, {}));
    std::vector<const BlockRanking*> pointers;
    for (std::size_t d = 0; d < rankings.size(); ++d) {
        QCOMPARE(rankings[d].blockCount(), c.blocks[d]);
        pointers.push_back(&rankings[d]);
    }
    QCOMPARE(modelPrunedCounts(pointers, c.level, c.bounds), c.pruned);

    // The exported masks, on one thread and on three: equal to the reference and to each other.
    QTemporaryDir dir;
    std::vector<std::vector<LayerReport>> runs;
    for (const int threads : {1, 3}) {
        QThreadPool pool;
        pool.setMaxThreadCount(threads);
        const QString output = dir.filePath(QStringLiteral("t%1.h5").arg(threads));
        // The levels in the layers' params are not used in model scope.
        SparsityParams params = c.params;
        params.level = 0.123;
        runs.push_back(
            exportMasks(modelRequest(referenceFile, output, c.layers, params, c.level, c.bounds),
                        ExecutionContext{&pool, threads}));
        const auto& reports = runs.back();
        QCOMPARE(reports.size(), std::size_t(c.layers.size()));

        const Id file = openFile(output);
        QVERIFY(file.ok());
        for (qsizetype d = 0; d < c.layers.size(); ++d) {
            const QString layer = c.layers[d];
            const auto index = std::size_t(d);
            const auto mask = readAll<std::uint8_t>(file, layer, H5T_NATIVE_UINT8);
            QVERIFY2(mask == c.masks[index],
                     qPrintable(QStringLiteral("%1: mask of %2 differs from the reference (%3)")
                                    .arg(name, layer, c.description)));
            const LayerReport& report = reports[index];
            QCOMPARE(report.datasetPath, layer);
            QCOMPARE(report.stats.prunedBlocks, c.pruned[index]);
            QCOMPARE(report.stats.blocks, c.blocks[index]);
            const auto zeros = std::count(mask.begin(), mask.end(), std::uint8_t(0));
            QCOMPARE(report.stats.zeros, std::int64_t(zeros));

            const Id dataset(H5Dopen2(file, layer.toUtf8().constData(), H5P_DEFAULT), H5Dclose);
            QCOMPARE(stringAttribute(dataset, "scope"), QStringLiteral("model"));
            QCOMPARE(doubleAttribute(dataset, "sparsity_level"), c.level);
            QCOMPARE(doubleAttribute(dataset, "min_level"), c.bounds.minLevel);
            QCOMPARE(doubleAttribute(dataset, "max_level"), c.bounds.maxLevel);
            QCOMPARE(doubleAttribute(dataset, "achieved_sparsity"),
                     double(zeros) / double(mask.size()));
            QCOMPARE(int64Attribute(dataset, "zeros_per_block"),
                     std::vector<std::int64_t>{c.params.effectiveZerosPerBlock()});
            QCOMPARE(stringAttribute(dataset, "source_dataset"), layer);
        }
    }
    // Not one number depends on the thread count.
    for (std::size_t d = 0; d < runs[0].size(); ++d) {
        const MaskStats& a = runs[0][d].stats;
        const MaskStats& b = runs[1][d].stats;
        QCOMPARE(a.zeros, b.zeros);
        QCOMPARE(a.prunedBlocks, b.prunedBlocks);
        QCOMPARE(a.achievedSparsity, b.achievedSparsity);
        QCOMPARE(a.nonFiniteWeights, b.nonFiniteWeights);
        QVERIFY(a.retainedEnergy == b.retainedEnergy ||
                (std::isnan(a.retainedEnergy) && std::isnan(b.retainedEnergy)));
        QVERIFY(a.retainedL1 == b.retainedL1 ||
                (std::isnan(a.retainedL1) && std::isnan(b.retainedL1)));
    }
}

void TestModelScope::handMadeTables_data()
{
    QTest::addColumn<std::vector<WeightTensor>>("layers");
    QTest::addColumn<double>("level");
    QTest::addColumn<ModelBounds>("bounds");
    QTest::addColumn<std::vector<std::int64_t>>("expected");
    using Counts = std::vector<std::int64_t>;
    using Layers = std::vector<WeightTensor>;
    // 1x1 blocks and L1 below: a layer's weights are its block norms.
    const Layers ab{row({1, 5, 9}), row({2, 3, 4})};
    // Six blocks; k = round(0.5 * 6) = 3: norms 1 (A), 2 and 3 (B).
    QTest::newRow("A[1,5,9] B[2,3,4] at 0.5") << ab << 0.5 << ModelBounds{} << Counts{1, 2};
    // k = round(4.98) = 5: 1, 2, 3, 4, 5.
    QTest::newRow("at 0.83") << ab << 0.83 << ModelBounds{} << Counts{2, 3};
    // k = round(5.52) = 6, limited to N - 1 = 5: the 9 survives.
    QTest::newRow("at 0.92, k limited to 5") << ab << 0.92 << ModelBounds{} << Counts{2, 3};
    // round(1.5) = 2 (half to even), round(2.5) = 2.
    QTest::newRow("at 0.25 (k 1.5 -> 2)") << ab << 0.25 << ModelBounds{} << Counts{1, 1};
    // Eight blocks: k = round(2.5) = 2 and round(3.5) = 4, halves to even.
    const Layers eight{row({1, 5, 9, 11}), row({2, 3, 4, 12})};
    QTest::newRow("k 2.5 -> 2") << eight << 0.3125 << ModelBounds{} << Counts{1, 1};
    QTest::newRow("k 3.5 -> 4") << eight << 0.4375 << ModelBounds{} << Counts{1, 3};
    // Max 0.34: at most round(1.02) = 1 each, so only 2 of the 3 blocks are found.
    QTest::newRow("max 0.34 binds") << ab << 0.5 << ModelBounds{0.0, 0.34} << Counts{1, 1};
    // Min 0.67: round(2.01) = 2 each first, more than k = 3 in total.
    QTest::newRow("min 0.67 forces") << ab << 0.5 << ModelBounds{0.67, 1.0} << Counts{2, 2};
    // Min 0.34: A's 1 and B's 2 first, then the smallest left (B's 3) for k = 3.
    QTest::newRow("min 0.34, then shared") << ab << 0.5 << ModelBounds{0.34, 1.0} << Counts{1, 2};
    // Min 0.34 and max 0.34: one each, whatever the level.
    QTest::newRow("min = max") << ab << 0.99 << ModelBounds{0.34, 0.34} << Counts{1, 1};
    // docs/SPEC.md: level >= 1 prunes every block and level <= 0 nothing, bounds or not.
    QTest::newRow("level 1 ignores max") << ab << 1.0 << ModelBounds{0.0, 0.34} << Counts{3, 3};
    QTest::newRow("level 0 ignores min") << ab << 0.0 << ModelBounds{0.67, 1.0} << Counts{0, 0};

    // Equal norms across layers: the earlier dataset first, then the lower block number.
    QTest::newRow("tie A[2,1] B[1,2]")
        << Layers{row({2, 1}), row({1, 2})} << 0.25 << ModelBounds{} << Counts{1, 0};
    QTest::newRow("tie three layers")
        << Layers{row({3, 3}), row({3, 3}), row({3, 3})} << 0.5 << ModelBounds{} << Counts{2, 1, 0};
    QTest::newRow("tie, the later layer after its bound")
        << Layers{row({1, 1, 1, 1}), row({1, 1, 1, 1})} << 0.5 << ModelBounds{0.0, 0.25}
        << Counts{1, 1};
    QTest::newRow("-0 ties +0") << Layers{row({-0.0f, 1}), row({0.0f, 2})} << 0.25 << ModelBounds{}
                                << Counts{1, 0};
    // NaN after +inf, across layers too.
    QTest::newRow("NaN last") << Layers{row({floatNaN, 1}), row({floatInf, 2})} << 0.75
                              << ModelBounds{} << Counts{1, 2};
    QTest::newRow("NaN by dataset order") << Layers{row({floatNaN, floatNaN}), row({floatNaN, 0})}
                                          << 0.75 << ModelBounds{} << Counts{2, 1};
    QTest::newRow("float64 NaN beside float32 NaN")
        << Layers{row64({doubleNaN, 5}), row({floatNaN, 7})} << 0.75 << ModelBounds{}
        << Counts{2, 1};
    // Norms of different precisions compare as doubles: 0.1 < double(0.1f).
    QTest::newRow("float64 0.1 before float32 0.1")
        << Layers{row({0.1f, 3}), row64({0.1, 3})} << 0.25 << ModelBounds{} << Counts{0, 1};
    QTest::newRow("float32 0.5 ties float64 0.5")
        << Layers{row64({0.5, 3}), row({0.5f, 3})} << 0.25 << ModelBounds{} << Counts{1, 0};
    // One-block layers: k = round(1.5) = 2 whole layers.
    QTest::newRow("one-block layers")
        << Layers{row({7}), row({1}), row({4})} << 0.5 << ModelBounds{} << Counts{0, 1, 1};
    // max 0.5 of one block is round(0.5) = 0.
    QTest::newRow("one-block layers, max 0.5")
        << Layers{row({7}), row({1}), row({4})} << 0.5 << ModelBounds{0.0, 0.5} << Counts{0, 0, 0};
    // min 0.5 of 5 blocks is round(2.5) = 2; of 3 blocks round(1.5) = 2.
    QTest::newRow("min 0.5, half to even") << Layers{row({9, 8, 7, 6, 5}), row({9, 8, 7})} << 0.1
                                           << ModelBounds{0.5, 1.0} << Counts{2, 2};
}

void TestModelScope::handMadeTables()
{
    QFETCH(std::vector<WeightTensor>, layers);
    QFETCH(double, level);
    QFETCH(ModelBounds, bounds);
    QFETCH(std::vector<std::int64_t>, expected);
    const Configuration configuration{{1, 1}, std::nullopt, Norm::L1};
    QCOMPARE(countsOf(layers, configuration, level, bounds), expected);
    // Each layer's part of the mask prunes exactly its smallest blocks.
    for (std::size_t d = 0; d < layers.size(); ++d) {
        Sparsifier sparsifier(layers[d], Sparsifier::Caching::OneShot);
        MaskResult result;
        sparsifier.computeWithPrunedCount(configuration.atLevel(level), expected[d], {}, result);
        QCOMPARE(result.stats.prunedBlocks, expected[d]);
        QCOMPARE(result.stats.zeros, expected[d]);
    }
}

void TestModelScope::oneLayerModelEqualsLayerScope()
{
    // With one dataset and the default bounds the shared ranking is the layer's own.
    const ReferenceCase c = loadCase(QStringLiteral("mixed_dtypes_conv"));
    const auto reader = Hdf5Reader::open(referenceFile);
    QTemporaryDir dir;
    for (const double level : {0.0, 0.1, 0.37, 0.5, 0.999, 1.0}) {
        for (const QString& layer : c.layers) {
            const QString output = dir.filePath(QStringLiteral("one.h5"));
            QFile::remove(output);
            SparsityParams params = c.params;
            params.level = level;
            exportMasks(modelRequest(referenceFile, output, {layer}, params, level, {}), {});
            const auto expected = computeMask(reader->readTensor(layer, {}), params, {}).mask;
            const Id file = openFile(output);
            QVERIFY(readAll<std::uint8_t>(file, layer, H5T_NATIVE_UINT8) ==
                    std::vector<std::uint8_t>(expected.begin(), expected.end()));
        }
    }
}

void TestModelScope::layerScopeIsUnchanged()
{
    const ReferenceCase c = loadCase(QStringLiteral("zeros_per_block_partial"));
    QTemporaryDir dir;
    ExportRequest request;
    request.inputPath = referenceFile;
    request.outputPath = dir.filePath(QStringLiteral("layer.h5"));
    for (const QString& layer : c.layers)
        request.layers.push_back({layer, c.params, {}});
    const auto reports = exportMasks(request, {});
    const auto reader = Hdf5Reader::open(referenceFile);
    const Id file = openFile(request.outputPath);
    for (std::size_t d = 0; d < reports.size(); ++d) {
        const QString layer = c.layers[qsizetype(d)];
        const MaskResult expected = computeMask(reader->readTensor(layer, {}), c.params, {});
        QVERIFY(readAll<std::uint8_t>(file, layer, H5T_NATIVE_UINT8) ==
                std::vector<std::uint8_t>(expected.mask.begin(), expected.mask.end()));
        QCOMPARE(reports[d].stats.zeros, expected.stats.zeros);
        QCOMPARE(reports[d].stats.retainedEnergy, expected.stats.retainedEnergy);
        const Id dataset(H5Dopen2(file, layer.toUtf8().constData(), H5P_DEFAULT), H5Dclose);
        QCOMPARE(stringAttribute(dataset, "scope"), QStringLiteral("layer"));
        QCOMPARE(doubleAttribute(dataset, "sparsity_level"), c.params.level);
        QCOMPARE(doubleAttribute(dataset, "min_level"), 0.0);
        QCOMPARE(doubleAttribute(dataset, "max_level"), 1.0);
    }
}

void TestModelScope::progressCoversBothPasses()
{
    const ReferenceCase c = loadCase(QStringLiteral("both_bind"));
    QTemporaryDir dir;
    QStringList calls;
    exportMasks(modelRequest(referenceFile, dir.filePath(QStringLiteral("p.h5")), c.layers,
                             c.params, c.level, c.bounds),
                {}, [&](int index, int count, const QString& path) {
                    calls << QStringLiteral("%1/%2 %3").arg(index).arg(count).arg(path);
                });
    QStringList expected;
    const int n = int(c.layers.size());
    for (int pass = 0; pass < 2; ++pass)
        for (int i = 0; i < n; ++i)
            expected << QStringLiteral("%1/%2 %3").arg(pass * n + i).arg(2 * n).arg(c.layers[i]);
    expected << QStringLiteral("%1/%1 ").arg(2 * n);
    QCOMPARE(calls, expected);
}

void TestModelScope::cancelLeavesNoFile()
{
    const ReferenceCase c = loadCase(QStringLiteral("both_bind"));
    const int n = int(c.layers.size());
    // Stop in pass 1, between the passes (before the first write) and in the middle of pass 2.
    for (const int stopAt : {1, n, n + 2}) {
        QTemporaryDir dir;
        std::atomic<bool> cancelled{false};
        const ExecutionContext context{nullptr, 1, &cancelled};
        try {
            exportMasks(modelRequest(referenceFile, dir.filePath(QStringLiteral("c.h5")), c.layers,
                                     c.params, c.level, c.bounds),
                        context, [&](int index, int, const QString&) {
                            if (index == stopAt)
                                cancelled = true;
                        });
            QFAIL("the export was not cancelled");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::Cancelled);
        }
        QCOMPARE(directoryListing(dir.path()), QStringList());
    }
}

void TestModelScope::inputReplacedBetweenThePassesLeavesNoFile()
{
    // Pass 2 must mask the weights pass 1 ranked: other weights under the same name are refused.
    const ReferenceCase c = loadCase(QStringLiteral("both_bind"));
    QTemporaryDir dir;
    const QString input = dir.filePath(QStringLiteral("in.h5"));
    const QString other = dir.filePath(QStringLiteral("other.h5"));
    QVERIFY(QFile::copy(referenceFile, input));
    QVERIFY(QFile::copy(referenceFile, other));
    const QString output = dir.filePath(QStringLiteral("out.h5"));
    const int n = int(c.layers.size());
    try {
        exportMasks(modelRequest(input, output, c.layers, c.params, c.level, c.bounds), {},
                    [&](int index, int, const QString&) {
                        if (index == n)
                            QVERIFY(::rename(QFile::encodeName(other).constData(),
                                             QFile::encodeName(input).constData()) == 0);
                    });
        QFAIL("a replaced input was masked");
    } catch (const Error& e) {
        QCOMPARE(e.code(), ErrorCode::Io);
        QVERIFY2(e.message().contains(QStringLiteral("the file was replaced after it was opened")),
                 qPrintable(e.message()));
    }
    QCOMPARE(directoryListing(dir.path()), QStringList{QStringLiteral("in.h5")});
}

void TestModelScope::refusesBadBoundsAndMixedConfigurations_data()
{
    QTest::addColumn<double>("level");
    QTest::addColumn<ModelBounds>("bounds");
    QTest::addColumn<bool>("mixed");
    QTest::addColumn<QString>("message");
    const QString file = referenceFile;
    QTest::newRow("min above max")
        << 0.5 << ModelBounds{0.6, 0.4} << false
        << file + QStringLiteral(": model scope: The per-layer minimum level 0.6 is above the "
                                 "maximum 0.4.");
    QTest::newRow("max above 1") << 0.5 << ModelBounds{0.0, 1.5} << false
                                 << file + QStringLiteral(": model scope: Per-layer bounds must "
                                                          "be between 0 and 1, got 0 and 1.5.");
    QTest::newRow("min negative") << 0.5 << ModelBounds{-0.1, 1.0} << false
                                  << file + QStringLiteral(": model scope: Per-layer bounds must "
                                                           "be between 0 and 1, got -0.1 and 1.");
    QTest::newRow("min NaN") << 0.5 << ModelBounds{doubleNaN, 1.0} << false
                             << file + QStringLiteral(": model scope: Per-layer bounds must be "
                                                      "between 0 and 1, got nan and 1.");
    QTest::newRow("level NaN") << doubleNaN << ModelBounds{} << false
                               << file + QStringLiteral(": model scope: Sparsity level must be "
                                                        "between 0 and 1, got nan.");
    QTest::newRow("level 1.5") << 1.5 << ModelBounds{} << false
                               << file + QStringLiteral(": model scope: Sparsity level must be "
                                                        "between 0 and 1, got 1.5.");
    QTest::newRow("two configurations")
        << 0.5 << ModelBounds{} << true
        << file + QStringLiteral(": model scope ranks every dataset with one block shape, zeros "
                                 "per block and norm, but dataset '/max_binds/weights/a' has 1x4 "
                                 "l2 and dataset '/max_binds/weights/b' has 2:4 l2");
}

void TestModelScope::refusesBadBoundsAndMixedConfigurations()
{
    QFETCH(double, level);
    QFETCH(ModelBounds, bounds);
    QFETCH(bool, mixed);
    QFETCH(QString, message);
    const ReferenceCase c = loadCase(QStringLiteral("max_binds"));
    QTemporaryDir dir;
    ExportRequest request = modelRequest(referenceFile, dir.filePath(QStringLiteral("bad.h5")),
                                         c.layers, c.params, level, bounds);
    if (mixed)
        request.layers[1].params.zerosPerBlock = 2;
    try {
        exportMasks(request, {});
        QFAIL("not refused");
    } catch (const Error& e) {
        QCOMPARE(e.code(), ErrorCode::InvalidParameter);
        QCOMPARE(e.message(), message);
    }
    QCOMPARE(directoryListing(dir.path()), QStringList());
    // The core function refuses the same bounds and levels, in the same words.
    if (!mixed) {
        const std::vector<WeightTensor> layers{row({1, 2})};
        try {
            countsOf(layers, Configuration{{1, 1}, std::nullopt, Norm::L1}, level, bounds);
            QFAIL("not refused");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::InvalidParameter);
            QVERIFY2(message.endsWith(e.message()), qPrintable(e.message()));
        }
    }
}

QTEST_GUILESS_MAIN(TestModelScope)
#include "tst_modelscope.moc"
