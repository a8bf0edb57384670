// sparsity-cli sweep end to end: the real binary on a file written at run time, its rows
// against the mask path (core computeMask in-process, and real `mask` runs read back from the
// file they write), its model rows against sums taken here from the masks and the weights, and
// its CSV and JSON parsed back.
#include "common/checks.h"
#include "common/hdf5handles.h"
#include "error.h"
#include "io/tensorfile.h"
#include "mask/sparsifier.h"
#include "ranking/configuration.h"
#include "sweepcommand.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <csignal>
#include <limits>
#include <map>

using namespace sparsity;
using namespace sparsity::core;

namespace {

const QString cliPath = QStringLiteral(SPARSITY_CLI_PATH);

struct Run
{
    int exitCode = -1;
    bool crashed = false; // died of a signal; exitCode is then the signal
    QString out;
    QString err;
};

Run finish(QProcess& process)
{
    if (!process.waitForFinished(300000))
        return {};
    const bool crashed = process.exitStatus() != QProcess::NormalExit;
    return Run{process.exitCode(), crashed, QString::fromUtf8(process.readAllStandardOutput()),
               QString::fromUtf8(process.readAllStandardError())};
}

Run runCli(const QStringList& arguments)
{
    QProcess process;
    process.start(cliPath, arguments);
    return finish(process);
}

// Deterministic values in [-1, 1) (a plain LCG, the same on every platform).
std::vector<double> noise(std::size_t count, std::uint32_t seed)
{
    std::vector<double> values(count);
    std::uint32_t state = seed * 2654435761u + 12345u;
    for (double& v : values) {
        state = state * 1664525u + 1013904223u;
        v = static_cast<double>(state >> 8) / double(1u << 24) * 2.0 - 1.0;
    }
    return values;
}

// The comma and quotes test the CSV quoting.
const QString oddName = QStringLiteral("/layers/x,y \"q\"");

// The datasets the sweep takes by default, in the order `list` prints them.
const QStringList defaultDatasets{
    QStringLiteral("/layers/a"),      QStringLiteral("/layers/b64"),
    QStringLiteral("/layers/c16"),    QStringLiteral("/layers/d_nan"),
    QStringLiteral("/layers/e_conv"), oddName,
};

// Every case of the sweep in one file: float32 with partial blocks for every default
// configuration (13x10), float64 with 30 times the scale (so its energy outweighs the rest and
// averaging the layers' ratios would give another model number), float16, NaN and infinities,
// a conv weight of rank 4 whose 3 rows are fewer than a 4x1 or 8x8 block holds, and datasets
// the default selection skips (int32, rank 1).
bool writeSweepFile(const QString& path)
{
    using test::writeDataset;
    const test::Id file = test::createFile(path);
    if (!file.ok())
        return false;
    const auto floats = [](const std::vector<double>& values, double scale) {
        std::vector<float> out;
        for (double v : values)
            out.push_back(static_cast<float>(v * scale));
        return out;
    };
    const auto a = floats(noise(13 * 10, 1), 1.0);
    std::vector<double> b = noise(7 * 9, 2);
    for (double& v : b)
        v *= 30.0;
    // Multiples of 1/64 up to 4: exact in float16, with ties.
    std::vector<float> c;
    for (double v : noise(6 * 11, 3))
        c.push_back(static_cast<float>(std::round(v * 256.0) / 64.0));
    auto d = floats(noise(5 * 8, 4), 0.5);
    d[3] = std::numeric_limits<float>::quiet_NaN();
    d[17] = std::numeric_limits<float>::infinity();
    d[30] = -std::numeric_limits<float>::infinity();
    const auto e = floats(noise(3 * 2 * 3 * 3, 5), 2.0);
    const auto odd = floats(noise(4 * 6, 6), 1.0);
    const std::vector<std::int32_t> ints(16, 3);
    const auto bias = floats(noise(10, 7), 1.0);
    const test::Id half = test::float16Type();
    return writeDataset(file, "/layers/a", H5T_IEEE_F32LE, {13, 10}, H5T_NATIVE_FLOAT, a.data()) &&
           writeDataset(file, "/layers/b64", H5T_IEEE_F64LE, {7, 9}, H5T_NATIVE_DOUBLE, b.data()) &&
           writeDataset(file, "/layers/c16", half, {6, 11}, H5T_NATIVE_FLOAT, c.data()) &&
           writeDataset(file, "/layers/d_nan", H5T_IEEE_F32LE, {5, 8}, H5T_NATIVE_FLOAT,
                        d.data()) &&
           writeDataset(file, "/layers/e_conv", H5T_IEEE_F32LE, {3, 2, 3, 3}, H5T_NATIVE_FLOAT,
                        e.data()) &&
           writeDataset(file, oddName, H5T_IEEE_F32LE, {4, 6}, H5T_NATIVE_FLOAT, odd.data()) &&
           writeDataset(file, "/layers/int_table", H5T_STD_I32LE, {4, 4}, H5T_NATIVE_INT32,
                        ints.data()) &&
           writeDataset(file, "/layers/bias", H5T_IEEE_F32LE, {10}, H5T_NATIVE_FLOAT, bias.data());
}

// A big file for the interrupt: several float32 layers of 1024x1024.
bool writeBigFile(const QString& path, int layers)
{
    const test::Id file = test::createFile(path);
    if (!file.ok())
        return false;
    // Skipped by default, so a note on stderr says the sweep has started.
    const std::vector<std::int32_t> ints(4, 1);
    if (!test::writeDataset(file, "/int", H5T_STD_I32LE, {2, 2}, H5T_NATIVE_INT32, ints.data()))
        return false;
    std::vector<float> values(1024 * 1024);
    for (int layer = 0; layer < layers; ++layer) {
        const auto source = noise(values.size(), 100 + static_cast<std::uint32_t>(layer));
        for (std::size_t i = 0; i < values.size(); ++i)
            values[i] = static_cast<float>(source[i]);
        if (!test::writeDataset(file, QStringLiteral("/w%1").arg(layer), H5T_IEEE_F32LE,
                                {1024, 1024}, H5T_NATIVE_FLOAT, values.data()))
            return false;
    }
    return true;
}

// RFC 4180 fields: quoted fields may hold commas, doubled quotes and line breaks.
std::vector<QStringList> parseCsv(const QString& text)
{
    std::vector<QStringList> lines;
    QStringList fields;
    QString field;
    bool quoted = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar ch = text[i];
        if (quoted) {
            if (ch == QLatin1Char('"') && i + 1 < text.size() && text[i + 1] == QLatin1Char('"')) {
                field += ch;
                ++i;
            } else if (ch == QLatin1Char('"')) {
                quoted = false;
            } else {
                field += ch;
            }
        } else if (ch == QLatin1Char('"')) {
            quoted = true;
        } else if (ch == QLatin1Char(',')) {
            fields << field;
            field.clear();
        } else if (ch == QLatin1Char('\n')) {
            fields << field;
            field.clear();
            lines.push_back(fields);
            fields.clear();
        } else {
            field += ch;
        }
    }
    return lines;
}

// One printed row, as parsed back.
struct Row
{
    QString dataset;
    QString config;
    QString norm;
    double level = 0;
    qint64 blocks = 0, prunedBlocks = 0, zeros = 0, elements = 0;
    double achievedSparsity = 0, retainedEnergy = 0, retainedL1 = 0;
};

const QStringList csvHeader{
    QStringLiteral("dataset"),
    QStringLiteral("config"),
    QStringLiteral("norm"),
    QStringLiteral("level"),
    QStringLiteral("blocks"),
    QStringLiteral("pruned_blocks"),
    QStringLiteral("zeros"),
    QStringLiteral("elements"),
    QStringLiteral("achieved_sparsity"),
    QStringLiteral("retained_energy"),
    QStringLiteral("retained_l1"),
};

// The rows of a CSV sweep; fails the test (returns nothing) when a line does not parse.
std::vector<Row> csvRows(const QString& text)
{
    const auto lines = parseCsv(text);
    if (lines.empty() || lines.front() != csvHeader) {
        QTest::qFail("the CSV header is not the expected one", __FILE__, __LINE__);
        return {};
    }
    std::vector<Row> rows;
    for (std::size_t i = 1; i < lines.size(); ++i) {
        const QStringList& f = lines[i];
        if (f.size() != csvHeader.size()) {
            QTest::qFail(qPrintable(QStringLiteral("line %1 has %2 fields").arg(i).arg(f.size())),
                         __FILE__, __LINE__);
            return {};
        }
        bool ok[8] = {};
        Row row{f[0],
                f[1],
                f[2],
                f[3].toDouble(&ok[0]),
                f[4].toLongLong(&ok[1]),
                f[5].toLongLong(&ok[2]),
                f[6].toLongLong(&ok[3]),
                f[7].toLongLong(&ok[4]),
                f[8].toDouble(&ok[5]),
                f[9].toDouble(&ok[6]),
                f[10].toDouble(&ok[7])};
        for (bool good : ok)
            if (!good) {
                QTest::qFail(qPrintable(QStringLiteral("line %1 does not parse: %2")
                                            .arg(i)
                                            .arg(f.join(QLatin1Char(',')))),
                             __FILE__, __LINE__);
                return {};
            }
        rows.push_back(row);
    }
    return rows;
}

// Within 1e-12 relative, the contract's tolerance for ratios (docs/SPEC.md "Configurations
// and sweeps").
bool closeRatio(double a, double b)
{
    return a == b || std::abs(a - b) <= 1e-12 * std::max(std::abs(a), std::abs(b));
}

#define VERIFY_RATIO(actual, expected, what)                                                       \
    QVERIFY2(closeRatio(actual, expected), qPrintable(QStringLiteral("%1: %2 != %3")               \
                                                          .arg(what)                               \
                                                          .arg(actual, 0, 'g', 17)                 \
                                                          .arg(expected, 0, 'g', 17)))

SparsityParams paramsOf(const QString& config, const QString& norm, double level)
{
    const BlockSpec spec = parseBlockSpec(config);
    return {level, spec.block, spec.zerosPerBlock, *parseNorm(norm)};
}

// Sums over the finite weights, of all and of the kept, taken here from the mask bytes (not
// from MaskStats), for the model rows.
struct Sums
{
    long double allEnergy = 0, keptEnergy = 0, allL1 = 0, keptL1 = 0;
    qint64 zeros = 0, elements = 0;
};

template <typename T> void addSums(std::span<const T> weights, const MaskBytes& mask, Sums& sums)
{
    for (std::size_t i = 0; i < weights.size(); ++i) {
        sums.elements += 1;
        sums.zeros += mask[i] == 0 ? 1 : 0;
        const long double w = weights[i];
        if (!std::isfinite(weights[i]))
            continue;
        sums.allEnergy += w * w;
        sums.allL1 += std::abs(w);
        if (mask[i] != 0) {
            sums.keptEnergy += w * w;
            sums.keptL1 += std::abs(w);
        }
    }
}

double ratio(long double kept, long double all)
{
    return all > 0 ? static_cast<double>(kept / all) : 1.0;
}

// The achieved_sparsity attribute of a mask in a file `mask` wrote, read with the HDF5 C API.
double achievedSparsityAttribute(const QString& file, const QString& dataset)
{
    const test::Id f(H5Fopen(QFile::encodeName(file).constData(), H5F_ACC_RDONLY, H5P_DEFAULT),
                     H5Fclose);
    const test::Id a(H5Aopen_by_name(f, dataset.toUtf8().constData(), "achieved_sparsity",
                                     H5P_DEFAULT, H5P_DEFAULT),
                     H5Aclose);
    double value = std::numeric_limits<double>::quiet_NaN();
    if (!a.ok() || H5Aread(a, H5T_NATIVE_DOUBLE, &value) < 0)
        return std::numeric_limits<double>::quiet_NaN();
    return value;
}

} // namespace

class TestSweep final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void rowsEqualTheMaskPath_data();
    void rowsEqualTheMaskPath();
    void modelRowsAddEnergiesBeforeTheRatio();
    void realMaskRunsAgree();
    void csvAndJsonAgreeAndParse();
    void tableIsReadable();
    void namedDatasetsInTheOrderGiven();
    void sameOutputForAnyThreadCount();
    void defaultsAreSixConfigurationsAnd101Levels();
    void badInvocations_data();
    void badInvocations();
    void interruptStopsWithoutPrinting();
    void cancelStopsTheComputation();

private:
    QTemporaryDir m_dir;
    QString m_file;
};

void TestSweep::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_file = m_dir.filePath(QStringLiteral("weights.h5"));
    QVERIFY(writeSweepFile(m_file));
    // The float16 values are exact, so the reader must give them back unchanged.
    const WeightTensor half = openTensorFile(m_file)->readTensor(QStringLiteral("/layers/c16"), {});
    for (float v : half.values<float>())
        QCOMPARE(v * 64.0f, std::round(v * 64.0f));
}

void TestSweep::rowsEqualTheMaskPath_data()
{
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<int>("configurations");
    QTest::addColumn<int>("levels");
    const QString levels = QStringLiteral("0:1:0.05");
    QTest::newRow("defaults l2, 0:1:0.05")
        << QStringList{QStringLiteral("--levels"), levels} << 6 << 21;
    QTest::newRow("zeros per block forms, l1")
        << QStringList{QStringLiteral("--levels"), levels,
                       QStringLiteral("--norm"),   QStringLiteral("l1"),
                       QStringLiteral("--config"), QStringLiteral("3x2/4"),
                       QStringLiteral("--config"), QStringLiteral("4:4"),
                       QStringLiteral("--config"), QStringLiteral("1:8"),
                       QStringLiteral("--config"), QStringLiteral("16x16"),
                       QStringLiteral("--config"), QStringLiteral("2x2/0")}
        << 5 << 21;
    QTest::newRow("a list of levels with round-half-even cases")
        << QStringList{QStringLiteral("--levels"),
                       QStringLiteral("0.07,0.125,0.25,0.375,0.5,0.625,0.99,0.999,1e-9"),
                       QStringLiteral("--config"),
                       QStringLiteral("2:4"),
                       QStringLiteral("--config"),
                       QStringLiteral("1x1")}
        << 2 << 9;
}

void TestSweep::rowsEqualTheMaskPath()
{
    QFETCH(QStringList, options);
    QFETCH(int, configurations);
    QFETCH(int, levels);
    const Run run = runCli(QStringList{QStringLiteral("sweep"), m_file, QStringLiteral("--format"),
                                       QStringLiteral("csv")} +
                           options);
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    const std::vector<Row> rows = csvRows(run.out);
    const auto datasetCount = static_cast<std::size_t>(defaultDatasets.size());
    QCOMPARE(rows.size(), (datasetCount + 1) * std::size_t(configurations) * std::size_t(levels));

    const auto reader = openTensorFile(m_file);
    std::map<QString, WeightTensor> weights;
    for (const QString& path : defaultDatasets)
        weights.emplace(path, reader->readTensor(path, {}));
    int checked = 0, partial = 0;
    for (const Row& row : rows) {
        if (row.dataset == QLatin1String("model"))
            continue;
        QVERIFY2(weights.count(row.dataset) == 1, qPrintable(row.dataset));
        const WeightTensor& w = weights.at(row.dataset);
        const SparsityParams params = paramsOf(row.config, row.norm, row.level);
        const MaskStats expected = computeMask(w, params, {}).stats;
        const QString what =
            QStringLiteral("%1 %2 %3 at %4").arg(row.dataset, row.config, row.norm).arg(row.level);
        QVERIFY2(row.blocks == expected.blocks, qPrintable(what));
        QVERIFY2(row.prunedBlocks == expected.prunedBlocks, qPrintable(what));
        QVERIFY2(row.zeros == expected.zeros, qPrintable(what));
        QVERIFY2(row.elements == expected.elements, qPrintable(what));
        // zeros / elements on both sides: the same double.
        QVERIFY2(row.achievedSparsity == expected.achievedSparsity, qPrintable(what));
        VERIFY_RATIO(row.retainedEnergy, expected.retainedEnergy, what);
        VERIFY_RATIO(row.retainedL1, expected.retainedL1, what);
        partial += (w.rows() % params.block.rows != 0 || w.cols() % params.block.cols != 0);
        ++checked;
    }
    QCOMPARE(checked, int(datasetCount) * configurations * levels);
    QVERIFY(partial > 0); // partial blocks were part of it
}

void TestSweep::modelRowsAddEnergiesBeforeTheRatio()
{
    const QStringList configs{QStringLiteral("1x1"), QStringLiteral("2:4"), QStringLiteral("4x4")};
    const std::vector<double> levels{0.0, 0.3, 0.5, 0.9, 1.0};
    const Run run =
        runCli({QStringLiteral("sweep"), m_file, QStringLiteral("--format"), QStringLiteral("csv"),
                QStringLiteral("--levels"), QStringLiteral("0,0.3,0.5,0.9,1"),
                QStringLiteral("--config"), configs[0], QStringLiteral("--config"), configs[1],
                QStringLiteral("--config"), configs[2]});
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    const std::vector<Row> rows = csvRows(run.out);
    const auto reader = openTensorFile(m_file);
    bool averagingDiffers = false;
    int modelRows = 0;
    for (const Row& row : rows) {
        if (row.dataset != QLatin1String("model"))
            continue;
        ++modelRows;
        Sums sums;
        double meanOfRatios = 0;
        qint64 blocks = 0, pruned = 0;
        for (const QString& path : defaultDatasets) {
            const WeightTensor w = reader->readTensor(path, {});
            const MaskResult mask = computeMask(w, paramsOf(row.config, row.norm, row.level), {});
            Sums layer;
            if (w.precision() == Precision::Float64)
                addSums(w.values<double>(), mask.mask, layer);
            else
                addSums(w.values<float>(), mask.mask, layer);
            sums.allEnergy += layer.allEnergy;
            sums.keptEnergy += layer.keptEnergy;
            sums.allL1 += layer.allL1;
            sums.keptL1 += layer.keptL1;
            sums.zeros += layer.zeros;
            sums.elements += layer.elements;
            meanOfRatios += ratio(layer.keptEnergy, layer.allEnergy) / defaultDatasets.size();
            blocks += mask.stats.blocks;
            pruned += mask.stats.prunedBlocks;
        }
        const QString what = QStringLiteral("model %1 at %2").arg(row.config).arg(row.level);
        QCOMPARE(row.zeros, sums.zeros);
        QCOMPARE(row.elements, sums.elements);
        QCOMPARE(row.blocks, blocks);
        QCOMPARE(row.prunedBlocks, pruned);
        QCOMPARE(row.achievedSparsity, double(sums.zeros) / double(sums.elements));
        VERIFY_RATIO(row.retainedEnergy, ratio(sums.keptEnergy, sums.allEnergy), what);
        VERIFY_RATIO(row.retainedL1, ratio(sums.keptL1, sums.allL1), what);
        if (std::abs(meanOfRatios - row.retainedEnergy) > 1e-3)
            averagingDiffers = true;
    }
    QCOMPARE(modelRows, int(configs.size() * levels.size()));
    // The case tells energy-weighted from averaged: the float64 layer's energy dominates.
    QVERIFY(averagingDiffers);
}

void TestSweep::realMaskRunsAgree()
{
    // The mask command at the same level and configuration, run for real: its file's
    // achieved_sparsity attribute and zero count equal the sweep's row.
    const Run sweep =
        runCli({QStringLiteral("sweep"), m_file, QStringLiteral("--format"), QStringLiteral("csv"),
                QStringLiteral("--levels"), QStringLiteral("0:1:0.05"), QStringLiteral("--config"),
                QStringLiteral("2:4"), QStringLiteral("--config"), QStringLiteral("4x4/8")});
    QVERIFY2(sweep.exitCode == 0, qPrintable(sweep.err));
    const std::vector<Row> rows = csvRows(sweep.out);
    for (const char* config : {"2:4", "4x4/8"}) {
        const QString output = m_dir.filePath(
            QStringLiteral("mask-%1.h5")
                .arg(QString::fromLatin1(config).replace(QRegularExpression(QStringLiteral("[:/]")),
                                                         QStringLiteral("_"))));
        // 0.35 as mask parses it and as 0:1:0.05 forms it: the same double.
        const Run mask = runCli({QStringLiteral("mask"), m_file, QStringLiteral("-o"), output,
                                 QStringLiteral("--level"), QStringLiteral("0.35"),
                                 QStringLiteral("--block"), QLatin1String(config)});
        QVERIFY2(mask.exitCode == 0, qPrintable(mask.err));
        const auto written = openTensorFile(output);
        int compared = 0;
        for (const Row& row : rows) {
            if (row.config != QLatin1String(config) || row.level != 0.35 ||
                row.dataset == QLatin1String("model"))
                continue;
            QCOMPARE(achievedSparsityAttribute(output, row.dataset), row.achievedSparsity);
            const WeightTensor bits = written->readTensor(row.dataset, {});
            qint64 zeros = 0;
            for (float b : bits.values<float>())
                zeros += b == 0.0f ? 1 : 0;
            QCOMPARE(zeros, row.zeros);
            ++compared;
        }
        QCOMPARE(compared, defaultDatasets.size());
    }
}

void TestSweep::csvAndJsonAgreeAndParse()
{
    const QStringList common{QStringLiteral("sweep"),    m_file,
                             QStringLiteral("--levels"), QStringLiteral("0:1:0.1"),
                             QStringLiteral("--config"), QStringLiteral("2:4"),
                             QStringLiteral("--config"), QStringLiteral("8x8"),
                             QStringLiteral("--config"), QStringLiteral("2x3/5")};
    const Run csv = runCli(common + QStringList{QStringLiteral("--format"), QStringLiteral("csv")});
    const Run json =
        runCli(common + QStringList{QStringLiteral("--format"), QStringLiteral("json")});
    QVERIFY2(csv.exitCode == 0, qPrintable(csv.err));
    QVERIFY2(json.exitCode == 0, qPrintable(json.err));
    const std::vector<Row> rows = csvRows(csv.out);
    QCOMPARE(rows.size(), std::size_t(defaultDatasets.size() + 1) * 3 * 11);
    // The odd name came back whole through the quoting.
    QVERIFY(
        std::any_of(rows.begin(), rows.end(), [](const Row& r) { return r.dataset == oddName; }));

    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(json.out.toUtf8(), &error);
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    const QJsonObject top = document.object();
    QCOMPARE(top.value(QStringLiteral("input")).toString(), m_file);
    QStringList datasets;
    for (const QJsonValue v : top.value(QStringLiteral("datasets")).toArray())
        datasets << v.toString();
    QCOMPARE(datasets, defaultDatasets);
    const QJsonArray configurations = top.value(QStringLiteral("configurations")).toArray();
    QCOMPARE(configurations.size(), 3);
    const QJsonObject nm = configurations[0].toObject();
    QCOMPARE(nm.value(QStringLiteral("config")).toString(), QStringLiteral("2:4"));
    QCOMPARE(nm.value(QStringLiteral("block")).toArray(), (QJsonArray{1, 4}));
    QCOMPARE(nm.value(QStringLiteral("zeros_per_block")).toInteger(), 2);
    QCOMPARE(nm.value(QStringLiteral("norm")).toString(), QStringLiteral("l2"));
    QCOMPARE(configurations[2].toObject().value(QStringLiteral("zeros_per_block")).toInteger(), 5);
    const QJsonArray levels = top.value(QStringLiteral("levels")).toArray();
    QCOMPARE(levels.size(), 11);
    QCOMPARE(levels[7].toDouble(), 0.7);
    const QJsonArray jsonRows = top.value(QStringLiteral("rows")).toArray();
    QCOMPARE(std::size_t(jsonRows.size()), rows.size());
    for (qsizetype i = 0; i < jsonRows.size(); ++i) {
        const QJsonObject j = jsonRows[i].toObject();
        const Row& c = rows[std::size_t(i)];
        QCOMPARE(j.value(QStringLiteral("dataset")).toString(), c.dataset);
        QCOMPARE(j.value(QStringLiteral("config")).toString(), c.config);
        QCOMPARE(j.value(QStringLiteral("norm")).toString(), c.norm);
        // Full precision in both: the same doubles and integers.
        QCOMPARE(j.value(QStringLiteral("level")).toDouble(), c.level);
        QCOMPARE(j.value(QStringLiteral("blocks")).toInteger(), c.blocks);
        QCOMPARE(j.value(QStringLiteral("pruned_blocks")).toInteger(), c.prunedBlocks);
        QCOMPARE(j.value(QStringLiteral("zeros")).toInteger(), c.zeros);
        QCOMPARE(j.value(QStringLiteral("elements")).toInteger(), c.elements);
        QCOMPARE(j.value(QStringLiteral("achieved_sparsity")).toDouble(), c.achievedSparsity);
        QCOMPARE(j.value(QStringLiteral("retained_energy")).toDouble(), c.retainedEnergy);
        QCOMPARE(j.value(QStringLiteral("retained_l1")).toDouble(), c.retainedL1);
    }

    // And both hold what the core computes, to the last bit: CSV and JSON lose no precision.
    cli::SweepOptions options;
    options.input = m_file;
    for (const char* spec : {"2:4", "8x8", "2x3/5"}) {
        const BlockSpec parsed = parseBlockSpec(QLatin1String(spec));
        options.configurations.push_back({parsed.block, parsed.zerosPerBlock, Norm::L2});
    }
    options.levels = parseLevels(QStringLiteral("0:1:0.1"));
    QString notes;
    QTextStream noteStream(&notes);
    const cli::SweepResult inProcess = cli::computeSweep(options, {}, noteStream);
    QCOMPARE(inProcess.rows.size(), rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const MaskStats& s = inProcess.rows[i].stats;
        QCOMPARE(rows[i].retainedEnergy, s.retainedEnergy);
        QCOMPARE(rows[i].retainedL1, s.retainedL1);
        QCOMPARE(rows[i].achievedSparsity, s.achievedSparsity);
        QCOMPARE(rows[i].level, inProcess.rows[i].level);
    }
    VERIFY_CONTAINS(notes, QStringLiteral("note: skipped /layers/int_table: integer data"));
}

void TestSweep::tableIsReadable()
{
    const Run run = runCli(
        {QStringLiteral("sweep"), m_file, QStringLiteral("--levels"), QStringLiteral("0.5"),
         QStringLiteral("--config"), QStringLiteral("2:4"), QStringLiteral("--dataset"),
         QStringLiteral("layers/a"), QStringLiteral("--dataset"), QStringLiteral("layers/d_nan")});
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    const QStringList lines = run.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 4); // header, two datasets, the model
    for (const char* header :
         {"dataset", "config", "norm", "level", "blocks", "pruned blocks", "zeros", "elements",
          "achieved sparsity", "retained energy", "retained L1"})
        VERIFY_CONTAINS(lines[0], QLatin1String(header));
    // Aligned: the last column is right-aligned, so every line is as wide as the header.
    for (const QString& line : lines)
        QCOMPARE(line.size(), lines[0].size());
    QVERIFY(lines[1].startsWith(QStringLiteral("/layers/a ")));
    QVERIFY(lines[3].startsWith(QStringLiteral("model ")));
    // 13x10 in 1x4 blocks: 13 x 3 = 39 blocks; at 0.5, round_half_even(19.5) = 20 pruned, each
    // with 2 zeros (a partial block of 2 loses both): 40 of 130 elements, 30.77%.
    VERIFY_CONTAINS(lines[1], QStringLiteral(" 39 "));
    VERIFY_CONTAINS(lines[1], QStringLiteral(" 20 "));
    VERIFY_CONTAINS(lines[1], QStringLiteral("30.77%"));
    // NaN weights: a warning, as mask gives.
    VERIFY_CONTAINS(run.err, QStringLiteral("warning: /layers/d_nan holds 3 NaN or infinite "
                                            "weights"));
}

void TestSweep::namedDatasetsInTheOrderGiven()
{
    const Run run =
        runCli({QStringLiteral("sweep"), m_file, QStringLiteral("--format"), QStringLiteral("csv"),
                QStringLiteral("--levels"), QStringLiteral("0.5"), QStringLiteral("--config"),
                QStringLiteral("1x4"), QStringLiteral("--dataset"), QStringLiteral("layers/c16"),
                QStringLiteral("--dataset"), QStringLiteral("/layers/bias"),
                QStringLiteral("--dataset"), QStringLiteral("layers/int_table")});
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    QVERIFY2(!run.err.contains(QStringLiteral("note:")), qPrintable(run.err));
    QStringList order;
    for (const Row& row : csvRows(run.out))
        order << row.dataset;
    // Rank 1 and integer datasets are swept when named, as mask masks them.
    QCOMPARE(order, (QStringList{QStringLiteral("/layers/c16"), QStringLiteral("/layers/bias"),
                                 QStringLiteral("/layers/int_table"), QStringLiteral("model")}));
}

void TestSweep::sameOutputForAnyThreadCount()
{
    QString first;
    for (const char* threads : {"1", "2", "5"}) {
        const Run run =
            runCli({QStringLiteral("sweep"), m_file, QStringLiteral("--format"),
                    QStringLiteral("json"), QStringLiteral("--threads"), QLatin1String(threads)});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        if (first.isEmpty())
            first = run.out;
        QCOMPARE(run.out, first);
    }
}

void TestSweep::defaultsAreSixConfigurationsAnd101Levels()
{
    const Run run =
        runCli({QStringLiteral("sweep"), m_file, QStringLiteral("--format"), QStringLiteral("csv"),
                QStringLiteral("--dataset"), QStringLiteral("layers/a")});
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    const std::vector<Row> rows = csvRows(run.out);
    QCOMPARE(rows.size(), std::size_t(2 * 6 * 101));
    QStringList configs;
    for (const Row& row : rows)
        if (!configs.contains(row.config))
            configs << row.config;
    QCOMPARE(configs,
             (QStringList{QStringLiteral("1x1"), QStringLiteral("2:4"), QStringLiteral("1x4"),
                          QStringLiteral("4x1"), QStringLiteral("4x4"), QStringLiteral("8x8")}));
    QCOMPARE(rows[7].level, 0.07);
    QCOMPARE(rows[100].level, 1.0);
    QCOMPARE(rows[0].norm, QStringLiteral("l2"));
}

void TestSweep::badInvocations_data()
{
    QTest::addColumn<QStringList>("arguments"); // after "sweep"; IN is the fixture
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("message");
    const auto row = [](const char* name, QStringList arguments, int code, const QString& message) {
        QTest::newRow(name) << arguments << code << message;
    };
    const QString in = QStringLiteral("IN");
    row("no input", {}, 2, QStringLiteral("missing INPUT"));
    row("config garbage", {in, QStringLiteral("--config"), QStringLiteral("garbage")}, 2,
        QStringLiteral("--config 'garbage' is not a block shape like 1x4 or 8x8"));
    row("config 5:4", {in, QStringLiteral("--config"), QStringLiteral("5:4")}, 2,
        QStringLiteral("--config '5:4': N:M keeps N of every M weights"));
    row("config 1x4/5", {in, QStringLiteral("--config"), QStringLiteral("1x4/5")}, 2,
        QStringLiteral("--config '1x4/5': Number of zeros per block cannot be more than the "
                       "total number of elements in that block."));
    row("config twice the same",
        {in, QStringLiteral("--config"), QStringLiteral("2:4"), QStringLiteral("--config"),
         QStringLiteral("1x4/2")},
        2, QStringLiteral("--config '1x4/2' repeats 2:4"));
    row("levels reversed", {in, QStringLiteral("--levels"), QStringLiteral("1:0:0.1")}, 2,
        QStringLiteral("--levels '1:0:0.1': the stop is below the start."));
    row("levels 1.5", {in, QStringLiteral("--levels"), QStringLiteral("0.5,1.5")}, 2,
        QStringLiteral("--levels '0.5,1.5': 1.5 is not between 0 and 1."));
    row("levels nan", {in, QStringLiteral("--levels"), QStringLiteral("nan")}, 2,
        QStringLiteral("--levels 'nan'"));
    row("format xml", {in, QStringLiteral("--format"), QStringLiteral("xml")}, 2,
        QStringLiteral("--format 'xml' is not table, csv or json"));
    row("norm l3", {in, QStringLiteral("--norm"), QStringLiteral("l3")}, 2,
        QStringLiteral("--norm 'l3' is not l1 or l2"));
    row("threads 0", {in, QStringLiteral("--threads"), QStringLiteral("0")}, 2,
        QStringLiteral("--threads '0' is not a count from 1 to 1024"));
    row("levels twice",
        {in, QStringLiteral("--levels"), QStringLiteral("0.5"), QStringLiteral("--levels"),
         QStringLiteral("0.6")},
        2, QStringLiteral("--levels given more than once"));
    row("missing file", {QStringLiteral("/no/such/file.h5")}, 1,
        QStringLiteral("sparsity-cli: /no/such/file.h5: no such file"));
    row("missing dataset", {in, QStringLiteral("--dataset"), QStringLiteral("nope")}, 1,
        QStringLiteral("IN: no dataset '/nope'"));
    row("dataset twice",
        {in, QStringLiteral("--dataset"), QStringLiteral("layers/a"), QStringLiteral("--dataset"),
         QStringLiteral("/layers/a")},
        2, QStringLiteral("IN: dataset '/layers/a' is requested twice"));
}

void TestSweep::badInvocations()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, exitCode);
    QFETCH(QString, message);
    arguments.replaceInStrings(QRegularExpression(QStringLiteral("^IN$")), m_file);
    message.replace(QRegularExpression(QStringLiteral("^IN:")), m_file + QLatin1Char(':'));
    const Run run = runCli(QStringList{QStringLiteral("sweep")} + arguments);
    QCOMPARE(run.exitCode, exitCode);
    QVERIFY2(run.err.startsWith(QStringLiteral("sparsity-cli: ")), qPrintable(run.err));
    VERIFY_CONTAINS(run.err, message);
    if (exitCode == 2 && !run.err.contains(m_file))
        VERIFY_CONTAINS(run.err, QStringLiteral("Run 'sparsity-cli sweep --help' for usage."));
    QVERIFY(run.out.isEmpty());
}

void TestSweep::interruptStopsWithoutPrinting()
{
    const QString big = m_dir.filePath(QStringLiteral("big.h5"));
    QVERIFY(writeBigFile(big, 8));
    QProcess process;
    process.start(cliPath,
                  {QStringLiteral("sweep"), big, QStringLiteral("--threads"), QStringLiteral("1"),
                   QStringLiteral("--format"), QStringLiteral("csv")});
    // The note about /int comes after the signal handlers are set and before the first read.
    process.setReadChannel(QProcess::StandardError);
    QString err;
    while (!err.contains(QStringLiteral("note: skipped /int")) && process.waitForReadyRead(60000))
        err += QString::fromUtf8(process.readAllStandardError());
    VERIFY_CONTAINS(err, QStringLiteral("note: skipped /int"));
    QVERIFY(::kill(static_cast<pid_t>(process.processId()), SIGINT) == 0);
    Run run = finish(process);
    run.err.prepend(err);
    // It stops at the next check, says so and dies of the signal, as tools should.
    QVERIFY2(run.crashed, qPrintable(run.err));
    QCOMPARE(run.exitCode, int(SIGINT));
    VERIFY_CONTAINS(run.err,
                    QStringLiteral("sparsity-cli: interrupted; the sweep was not printed"));
    QVERIFY(run.out.isEmpty());
}

void TestSweep::cancelStopsTheComputation()
{
    cli::SweepOptions options;
    options.input = m_file;
    options.configurations = cli::defaultSweepConfigurations(Norm::L2);
    options.levels = defaultSweepLevels();
    std::atomic<bool> cancelled{false};
    const ExecutionContext context{nullptr, 1, &cancelled};
    QString notes;
    QTextStream noteStream(&notes);
    int calls = 0;
    try {
        cli::computeSweep(options, context, noteStream, [&](int index, int, const QString&) {
            ++calls;
            if (index == 2)
                cancelled = true;
        });
        QFAIL("a cancelled sweep returned");
    } catch (const Error& e) {
        QCOMPARE(int(e.code()), int(ErrorCode::Cancelled));
    }
    QCOMPARE(calls, 3); // it stopped before reading the third dataset
}

QTEST_GUILESS_MAIN(TestSweep)
#include "tst_sweep.moc"
