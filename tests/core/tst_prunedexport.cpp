// Pruned weights (docs/SPEC.md "Files written", "Pruned weights"): core::applyMasks on HDF5
// (contiguous, chunked with gzip and shuffle, big-endian, float16), .npy, .npz (stored,
// deflated, ZIP64, Fortran order, both byte orders, integers and bool) and safetensors (single,
// sharded, BF16). Each output is checked against its source without the code under test's
// writers: every dataset read back through the readers (masked ones: the source's bits where the
// mask keeps, the +0.0 bit pattern where it prunes; the others: the source's bits), HDF5
// attributes, types, layouts and filters through the C library, .npz members through the ZIP
// directory, safetensors headers and the bytes around each tensor. Failures (LZF, a mask that
// does not fit, the input as output, cancellation, a full disk) leave no output behind.
// tests/reference/apply_check.py checks the same with h5py and numpy.
#include "common/checks.h"
#include "common/hdf5handles.h"
#include "common/outputfaults.h"
#include "error.h"
#include "export/maskexport.h"
#include "export/prunedexport.h"
#include "hdf5/hdf5filters.h"
#include "io/datasetchecks.h"
#include "io/tensorfile.h"
#include "numpy/bytesource.h"
#include "numpy/npyheader.h"
#include "numpy/ziparchive.h"
#include "safetensors/safetensorsheader.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>
#include <atomic>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <map>
#include <unistd.h>

using namespace sparsity::core;
using namespace sparsity::test;

namespace {

const QString dataDir = QStringLiteral(SPARSITY_TEST_DATA_DIR);
using MaskMap = std::map<QString, MaskBytes>;

// A pseudo-random mask of `count` elements (about half pruned), different per seed.
MaskBytes patternMask(std::int64_t count, std::uint32_t seed)
{
    MaskBytes mask(static_cast<std::size_t>(count));
    std::uint32_t state = seed * 2654435761u + 1;
    for (auto& keep : mask) {
        state = state * 1664525u + 1013904223u;
        keep = (state >> 28) & 1;
    }
    return mask;
}

// The bit patterns of a tensor's values as the reader delivers them (float or double).
std::vector<std::uint64_t> valueBits(const WeightTensor& tensor)
{
    std::vector<std::uint64_t> bits(static_cast<std::size_t>(tensor.elementCount()));
    if (tensor.precision() == Precision::Float32) {
        const auto values = tensor.values<float>();
        for (std::size_t i = 0; i < bits.size(); ++i) {
            std::uint32_t b = 0;
            std::memcpy(&b, &values[i], sizeof b);
            bits[i] = b;
        }
    } else {
        const auto values = tensor.values<double>();
        for (std::size_t i = 0; i < bits.size(); ++i)
            std::memcpy(&bits[i], &values[i], sizeof bits[i]);
    }
    return bits;
}

// Through the readers: the same listing, every readable dataset equal to the source bit for bit
// except where a mask prunes, which must hold +0.0. Returns the pruned elements seen in all.
std::int64_t checkValues(const QString& source, const QString& output, const MaskMap& masks)
{
    const auto in = openTensorFile(source);
    const auto out = openTensorFile(output);
    const auto inTree = in->listTree();
    const auto outTree = out->listTree();
    if (inTree.size() != outTree.size())
        qFatal("%s: %zu entries, the source %zu", qPrintable(output), outTree.size(),
               inTree.size());
    std::int64_t pruned = 0;
    std::size_t checkedMasks = 0;
    for (std::size_t i = 0; i < inTree.size(); ++i) {
        const DatasetInfo& a = inTree[i];
        const DatasetInfo& b = outTree[i];
        if (a.path != b.path || a.kind != b.kind || a.shape != b.shape || a.typeName != b.typeName)
            qFatal("%s: entry %s differs", qPrintable(output), qPrintable(a.path));
        if (a.kind != NodeKind::Dataset || !datasetProblem(a, namedMinimumRank).isEmpty())
            continue;
        const auto source = valueBits(in->readTensor(a.path, {}));
        const auto copy = valueBits(out->readTensor(a.path, {}));
        const auto mask = masks.find(a.path);
        for (std::size_t k = 0; k < source.size(); ++k) {
            const bool prunes = mask != masks.end() && mask->second[k] == 0;
            if (prunes && copy[k] != 0)
                qFatal("%s: %s element %zu is pruned but holds bits %llx", qPrintable(output),
                       qPrintable(a.path), k, static_cast<unsigned long long>(copy[k]));
            if (!prunes && copy[k] != source[k])
                qFatal("%s: %s element %zu changed", qPrintable(output), qPrintable(a.path), k);
            pruned += prunes ? 1 : 0;
        }
        checkedMasks += mask != masks.end() ? 1 : 0;
    }
    if (checkedMasks != masks.size())
        qFatal("%s: %zu of %zu masked datasets found", qPrintable(output), checkedMasks,
               masks.size());
    return pruned;
}

// --- HDF5 through the C library ---

// The raw bytes of a dataset or attribute in its file type; empty for variable-length data.
QByteArray rawBytes(hid_t object, bool attribute)
{
    const Id type(attribute ? H5Aget_type(object) : H5Dget_type(object), H5Tclose);
    const Id space(attribute ? H5Aget_space(object) : H5Dget_space(object), H5Sclose);
    if (H5Tdetect_class(type, H5T_VLEN) > 0 || H5Tis_variable_str(type) > 0)
        return {};
    const hssize_t points = H5Sget_simple_extent_npoints(space);
    QByteArray bytes(static_cast<qsizetype>(points * hssize_t(H5Tget_size(type))), '\0');
    const herr_t status = attribute
                              ? H5Aread(object, type, bytes.data())
                              : H5Dread(object, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data());
    if (status < 0)
        qFatal("cannot read raw bytes");
    return bytes;
}

// A variable-length string attribute's text; empty for other attributes.
QString vlenString(hid_t attribute)
{
    const Id type(H5Aget_type(attribute), H5Tclose);
    if (H5Tis_variable_str(type) <= 0)
        return {};
    char* text = nullptr;
    const Id memory(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(memory, H5T_VARIABLE);
    H5Tset_cset(memory, H5Tget_cset(type));
    if (H5Aread(attribute, memory, &text) < 0)
        qFatal("cannot read a string attribute");
    const QString result = QString::fromUtf8(text);
    H5free_memory(text);
    return result;
}

void compareAttributes(hid_t a, hid_t b, const QString& where)
{
    H5O_info_t infoA{};
    H5O_info_t infoB{};
    H5Oget_info2(a, &infoA, H5O_INFO_NUM_ATTRS);
    H5Oget_info2(b, &infoB, H5O_INFO_NUM_ATTRS);
    if (infoA.num_attrs != infoB.num_attrs)
        qFatal("%s: %llu attributes, the source %llu", qPrintable(where),
               static_cast<unsigned long long>(infoB.num_attrs),
               static_cast<unsigned long long>(infoA.num_attrs));
    for (hsize_t i = 0; i < infoA.num_attrs; ++i) {
        const Id attrA(
            H5Aopen_by_idx(a, ".", H5_INDEX_NAME, H5_ITER_INC, i, H5P_DEFAULT, H5P_DEFAULT),
            H5Aclose);
        char name[256] = {};
        H5Aget_name(attrA, sizeof name, name);
        const Id attrB(H5Aopen(b, name, H5P_DEFAULT), H5Aclose);
        if (!attrB.ok())
            qFatal("%s: attribute %s is missing", qPrintable(where), name);
        const Id typeA(H5Aget_type(attrA), H5Tclose);
        const Id typeB(H5Aget_type(attrB), H5Tclose);
        if (H5Tequal(typeA, typeB) <= 0 || rawBytes(attrA, true) != rawBytes(attrB, true) ||
            vlenString(attrA) != vlenString(attrB))
            qFatal("%s: attribute %s differs", qPrintable(where), name);
    }
}

// The creation properties that must not change: layout, chunk shape, every filter and its
// parameters.
QString creationSummary(hid_t dataset)
{
    const Id dcpl(H5Dget_create_plist(dataset), H5Pclose);
    QString summary = QStringLiteral("layout %1").arg(int(H5Pget_layout(dcpl)));
    if (H5Pget_layout(dcpl) == H5D_CHUNKED) {
        hsize_t dims[32] = {};
        const int rank = H5Pget_chunk(dcpl, 32, dims);
        for (int d = 0; d < rank; ++d)
            summary += QStringLiteral(" %1").arg(dims[d]);
    }
    for (int i = 0; i < H5Pget_nfilters(dcpl); ++i) {
        unsigned flags = 0;
        unsigned values[16] = {};
        std::size_t count = 16;
        char name[64] = {};
        unsigned config = 0;
        const H5Z_filter_t filter =
            H5Pget_filter2(dcpl, unsigned(i), &flags, &count, values, sizeof name, name, &config);
        summary += QStringLiteral(" filter %1 flags %2:").arg(filter).arg(flags);
        for (std::size_t k = 0; k < count; ++k)
            summary += QStringLiteral(" %1").arg(values[k]);
    }
    return summary;
}

struct Hdf5Compare
{
    hid_t output;
    const MaskMap* masks;
    QString outputName;
    int datasets = 0;
};

herr_t compareObject(hid_t sourceRoot, const char* name, const H5O_info_t* info, void* data)
{
    auto& compare = *static_cast<Hdf5Compare*>(data);
    const QString path = QStringLiteral("/") + QString::fromUtf8(name);
    const QString where = compare.outputName + QStringLiteral(": ") + path;
    const Id a(H5Oopen(sourceRoot, name, H5P_DEFAULT), H5Oclose);
    const Id b(H5Oopen(compare.output, name, H5P_DEFAULT), H5Oclose);
    if (!b.ok())
        qFatal("%s is missing", qPrintable(where));
    H5O_info_t other{};
    H5Oget_info2(b, &other, H5O_INFO_BASIC);
    if (other.type != info->type)
        qFatal("%s changed its kind", qPrintable(where));
    compareAttributes(a, b, where);
    if (info->type != H5O_TYPE_DATASET)
        return 0;
    ++compare.datasets;
    const Id typeA(H5Dget_type(a), H5Tclose);
    const Id typeB(H5Dget_type(b), H5Tclose);
    if (H5Tequal(typeA, typeB) <= 0)
        qFatal("%s changed its type", qPrintable(where));
    if (creationSummary(a) != creationSummary(b))
        qFatal("%s: creation properties '%s', the source '%s'", qPrintable(where),
               qPrintable(creationSummary(b)), qPrintable(creationSummary(a)));
    const QByteArray bytesA = rawBytes(a, false);
    const QByteArray bytesB = rawBytes(b, false);
    const auto mask = compare.masks->find(path);
    if (mask == compare.masks->end()) {
        if (bytesA != bytesB)
            qFatal("%s: the data changed", qPrintable(where));
        return 0;
    }
    const std::size_t size = H5Tget_size(typeA);
    if (std::size_t(bytesA.size()) != mask->second.size() * size)
        qFatal("%s: the mask does not fit", qPrintable(where));
    for (std::size_t k = 0; k < mask->second.size(); ++k) {
        const char* x = bytesA.constData() + k * size;
        const char* y = bytesB.constData() + k * size;
        const bool keep = mask->second[k] != 0;
        const bool zero = std::all_of(y, y + size, [](char c) { return c == 0; });
        if (keep ? std::memcmp(x, y, size) != 0 : !zero)
            qFatal("%s: element %zu is wrong (%s)", qPrintable(where), k, keep ? "kept" : "pruned");
    }
    return 0;
}

// Every object, attribute, type, layout and filter of the source in the output; the data
// byte for byte in the file types, pruned elements all-zero.
void checkHdf5Structure(const QString& source, const QString& output, const MaskMap& masks)
{
    const Id a(H5Fopen(QFile::encodeName(source).constData(), H5F_ACC_RDONLY, H5P_DEFAULT),
               H5Fclose);
    const Id b(H5Fopen(QFile::encodeName(output).constData(), H5F_ACC_RDONLY, H5P_DEFAULT),
               H5Fclose);
    if (!a.ok() || !b.ok())
        qFatal("cannot open %s or %s", qPrintable(source), qPrintable(output));
    compareAttributes(a, b, output + QStringLiteral(": /"));
    Hdf5Compare compare{b, &masks, output};
    H5Ovisit2(a, H5_INDEX_NAME, H5_ITER_INC, &compareObject, &compare, H5O_INFO_BASIC);
    if (compare.datasets == 0)
        qFatal("%s: no dataset compared", qPrintable(output));
}

// The weights of the HDF5 cases: special values in every dataset, several storage layouts.
bool writeHdf5Weights(const QString& path)
{
    const Id file = createFile(path);
    if (!file.ok())
        return false;
    const auto values = [](std::size_t count, int seed) {
        std::vector<double> v(count);
        for (std::size_t i = 0; i < count; ++i)
            v[i] = std::sin(double(i) * 0.37 + seed) * (1 + int(i % 7));
        const double specials[] = {std::numeric_limits<double>::quiet_NaN(),
                                   std::numeric_limits<double>::infinity(),
                                   -std::numeric_limits<double>::infinity(), -0.0, 0.0};
        for (std::size_t i = 0; i < 5 && i < count; ++i) {
            v[i] = specials[i];
            v[count - 1 - i] = specials[(i + 2) % 5];
        }
        return v;
    };
    const auto kernel = values(16 * 24, 1);
    std::vector<float> kernel32(kernel.begin(), kernel.end());
    if (!writeDataset(file, "dense/kernel", H5T_IEEE_F32LE, {16, 24}, H5T_NATIVE_FLOAT,
                      kernel32.data()))
        return false;
    const auto conv = values(8 * 3 * 3 * 3, 2);
    const Id chunked(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    const hsize_t convChunks[] = {2, 3, 3, 3};
    H5Pset_chunk(chunked, 4, convChunks);
    H5Pset_shuffle(chunked);
    H5Pset_deflate(chunked, 4);
    if (!writeDataset(file, "conv/w", H5T_IEEE_F64BE, {8, 3, 3, 3}, H5T_NATIVE_DOUBLE, conv.data(),
                      chunked))
        return false;
    const auto half = values(40 * 30, 3);
    std::vector<float> half32(half.begin(), half.end());
    const Id halfChunks(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    const hsize_t chunks[] = {16, 16}; // partial chunks at the edges
    H5Pset_chunk(halfChunks, 2, chunks);
    H5Pset_deflate(halfChunks, 9);
    H5Pset_fletcher32(halfChunks);
    const Id f16 = float16Type();
    if (!writeDataset(file, "half", f16, {40, 30}, H5T_NATIVE_FLOAT, half32.data(), halfChunks))
        return false;
    const auto bias = values(24, 4);
    if (!writeDataset(file, "dense/bias", H5T_IEEE_F64LE, {24}, H5T_NATIVE_DOUBLE, bias.data()))
        return false;
    const std::vector<std::int32_t> table = {1, -2, 3, -4, 5, -6, 7, -8};
    if (!writeDataset(file, "table", H5T_STD_I32BE, {2, 4}, H5T_NATIVE_INT32, table.data()))
        return false;
    // Attributes: a number on a dataset, a string on the root, as Keras writes them.
    const Id dataset(H5Dopen2(file, "dense/kernel", H5P_DEFAULT), H5Dclose);
    const Id scalar(H5Screate(H5S_SCALAR), H5Sclose);
    const std::int64_t units = 16;
    const Id number(H5Acreate2(dataset, "units", H5T_STD_I64LE, scalar, H5P_DEFAULT, H5P_DEFAULT),
                    H5Aclose);
    if (H5Awrite(number, H5T_NATIVE_INT64, &units) < 0)
        return false;
    const Id stringType(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(stringType, H5T_VARIABLE);
    H5Tset_cset(stringType, H5T_CSET_UTF8);
    const Id text(H5Acreate2(file, "keras_version", stringType, scalar, H5P_DEFAULT, H5P_DEFAULT),
                  H5Aclose);
    const char* version = "2.11.0";
    return H5Awrite(text, stringType, &version) >= 0;
}

// A mask file (written with the core's mask writer) holding `masks`, for the --masks path.
void writeMaskFile(const QString& path, const QString& weights, const MaskMap& masks)
{
    const auto reader = openTensorFile(weights);
    auto writer = createMaskFile(path, weights, true);
    for (const auto& [dataset, mask] : masks) {
        MaskAttributes attributes;
        attributes.sourceDataset = dataset;
        writer->writeMask(dataset, reader->describe(dataset).shape, mask, attributes);
    }
    writer->commit();
}

// Pattern masks for the given datasets of a weight file.
MaskMap patternMasks(const QString& weights, const QStringList& datasets)
{
    const auto reader = openTensorFile(weights);
    MaskMap masks;
    std::uint32_t seed = 1;
    for (const QString& dataset : datasets) {
        const DatasetInfo info = reader->describe(dataset);
        masks.emplace(info.path, patternMask(elementCountOf(info.shape), seed++));
    }
    return masks;
}

// The masks exportMasks writes for a request, read back.
MaskMap exportedMasks(ExportRequest request, const QString& maskPath)
{
    request.outputPath = maskPath;
    request.overwrite = true;
    exportMasks(request, {});
    const auto reader = openTensorFile(maskPath);
    MaskMap masks;
    for (const LayerRequest& layer : request.layers) {
        const QString path = normalizeDatasetPath(layer.datasetPath);
        const WeightTensor values = reader->readTensor(path, {});
        MaskBytes mask(static_cast<std::size_t>(values.elementCount()));
        const auto floats = values.values<float>();
        for (std::size_t i = 0; i < mask.size(); ++i)
            mask[i] = floats[i] != 0 ? 1 : 0;
        masks.emplace(path, std::move(mask));
    }
    return masks;
}

ExportRequest layerRequest(const QString& input, const QStringList& datasets, const char* block,
                           double level)
{
    ExportRequest request;
    request.inputPath = input;
    const BlockSpec spec = parseBlockSpec(QLatin1String(block));
    for (const QString& dataset : datasets) {
        SparsityParams params;
        params.level = level;
        params.block = spec.block;
        params.zerosPerBlock = spec.zerosPerBlock;
        request.layers.push_back({dataset, params, {}});
    }
    return request;
}

ApplyReport applyWithMaskFile(const QString& input, const QString& output, const QString& masks,
                              const QStringList& datasets = {})
{
    ApplyRequest request;
    request.masks.inputPath = input;
    for (const QString& dataset : datasets)
        request.masks.layers.push_back({dataset, {}, {}});
    request.outputPath = output;
    request.maskFile = masks;
    return applyMasks(request, {});
}

// --- NumPy: members through the ZIP directory ---

struct Member
{
    int method = 0;
    QByteArray content; // uncompressed
};

std::map<QString, Member> zipMembers(const QString& path)
{
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC);
    const std::int64_t size = QFileInfo(path).size();
    const npy::FileByteSource source(fd, size, path);
    std::map<QString, Member> members;
    for (const npy::ZipMember& member : npy::readZipDirectory(source, path)) {
        Member m;
        m.method = member.method;
        m.content.resize(static_cast<qsizetype>(member.uncompressedSize));
        npy::ZipMemberStream stream(source, member, path);
        stream.read(m.content.data(), static_cast<std::size_t>(m.content.size()));
        stream.finish(); // checks the CRC-32 the writer stored
        members.emplace(member.name, std::move(m));
    }
    return members;
}

// Every member with its method; the unpruned ones byte for byte, the pruned ones with the
// source's .npy header.
void checkNpzMembers(const QString& source, const QString& output, const MaskMap& masks)
{
    const auto a = zipMembers(source);
    const auto b = zipMembers(output);
    QCOMPARE(b.size(), a.size());
    for (const auto& [name, member] : a) {
        const auto other = b.find(name);
        QVERIFY2(other != b.end(), qPrintable(name));
        QCOMPARE(other->second.method, member.method);
        QCOMPARE(other->second.content.size(), member.content.size());
        QString path = QLatin1Char('/') + name;
        path.chop(4);
        if (masks.count(path) == 0) {
            QVERIFY2(other->second.content == member.content, qPrintable(name));
            continue;
        }
        const npy::Header header =
            npy::parseHeader(member.content.constData(), member.content.size(), name);
        QCOMPARE(other->second.content.left(header.dataOffset),
                 member.content.left(header.dataOffset));
    }
}

// The bytes of two files differ only inside the given ranges [begin, end).
void checkDifferencesInside(const QString& source, const QString& output,
                            const std::vector<std::pair<std::int64_t, std::int64_t>>& ranges)
{
    QFile a(source);
    QFile b(output);
    QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
    const QByteArray x = a.readAll();
    const QByteArray y = b.readAll();
    QCOMPARE(y.size(), x.size());
    for (qsizetype i = 0; i < x.size(); ++i) {
        if (x[i] == y[i])
            continue;
        const bool inside = std::any_of(ranges.begin(), ranges.end(), [&](const auto& r) {
            return i >= r.first && i < r.second;
        });
        QVERIFY2(inside, qPrintable(QStringLiteral("byte %1 changed outside the tensors").arg(i)));
    }
}

// The data ranges of the named tensors of a safetensors file, in file offsets.
std::vector<std::pair<std::int64_t, std::int64_t>> tensorRanges(const QString& path,
                                                                const MaskMap& masks)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot open %s", qPrintable(path));
    const QByteArray bytes = file.readAll();
    const std::uint64_t length =
        safetensorsHeaderLength(bytes.left(8), std::uint64_t(bytes.size()), path);
    const std::int64_t dataStart = 8 + std::int64_t(length);
    std::vector<std::pair<std::int64_t, std::int64_t>> ranges;
    for (const SafetensorsTensor& tensor :
         parseSafetensorsHeader(QByteArrayView(bytes).sliced(8, qsizetype(length)),
                                std::uint64_t(bytes.size() - dataStart), path))
        if (masks.count(safetensorsDatasetPath(tensor.name)) != 0)
            ranges.push_back(
                {dataStart + std::int64_t(tensor.begin), dataStart + std::int64_t(tensor.end)});
    return ranges;
}

} // namespace

class TestPrunedExport : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_weights; // writeHdf5Weights

    QString fresh(const QString& name)
    {
        const QString path = m_dir.filePath(name);
        QDir(path).removeRecursively();
        QDir().mkpath(path);
        return path;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        // The structure checks read LZF-compressed datasets here; the program's HDF5 work runs
        // in its reader processes, which register the filter themselves.
        registerHdf5Filters();
        m_weights = m_dir.filePath(QStringLiteral("weights.h5"));
        QVERIFY(writeHdf5Weights(m_weights));
    }

    // --masks: the given pattern, on every kind of HDF5 storage.
    void hdf5WithMaskFile()
    {
        const QString dir = fresh(QStringLiteral("h5-masks"));
        const QByteArray before = fileHash(m_weights);
        const MaskMap masks =
            patternMasks(m_weights, {QStringLiteral("/dense/kernel"), QStringLiteral("/conv/w"),
                                     QStringLiteral("/half"), QStringLiteral("/table")});
        const QString maskFile = dir + QStringLiteral("/masks.h5");
        writeMaskFile(maskFile, m_weights, masks);
        const QString output = dir + QStringLiteral("/pruned.h5");
        const ApplyReport report = applyWithMaskFile(m_weights, output, maskFile);
        QCOMPARE(report.layers.size(), std::size_t(4));
        QCOMPARE(report.filesWritten, QStringList{output});
        std::int64_t reported = 0;
        for (const AppliedLayer& layer : report.layers) {
            QVERIFY(!layer.stats);
            reported += layer.prunedElements;
        }
        checkHdf5Structure(m_weights, output, masks);
        QCOMPARE(checkValues(m_weights, output, masks), reported);
        QCOMPARE(fileHash(m_weights), before);
        QCOMPARE(listing(dir),
                 (QStringList{QStringLiteral("masks.h5"), QStringLiteral("pruned.h5")}));
    }

    // Mask options: exactly the masks exportMasks writes, in layer and in model scope.
    void hdf5ComputedMasksEqualExportedOnes_data()
    {
        QTest::addColumn<bool>("modelScope");
        QTest::newRow("layer scope") << false;
        QTest::newRow("model scope") << true;
    }
    void hdf5ComputedMasksEqualExportedOnes()
    {
        QFETCH(bool, modelScope);
        const QString dir = fresh(QStringLiteral("h5-computed"));
        ExportRequest masking = layerRequest(
            m_weights,
            {QStringLiteral("/dense/kernel"), QStringLiteral("/conv/w"), QStringLiteral("/half")},
            "2:4", 0.7);
        if (modelScope)
            masking.modelScope = ModelScopeRequest{0.6, ModelBounds{0.1, 0.9}};
        const MaskMap expected = exportedMasks(masking, dir + QStringLiteral("/masks.h5"));
        ApplyRequest request;
        request.masks = masking;
        request.outputPath = dir + QStringLiteral("/pruned.h5");
        std::vector<int> steps;
        QThreadPool pool;
        pool.setMaxThreadCount(2);
        const ApplyReport report = applyMasks(request, ExecutionContext{&pool, 2, nullptr},
                                              [&](int index, int count, const QString&) {
                                                  steps.push_back(index);
                                                  QCOMPARE(count, modelScope ? 6 : 3);
                                              });
        QCOMPARE(steps, modelScope ? (std::vector<int>{0, 1, 2, 3, 4, 5, 6})
                                   : (std::vector<int>{0, 1, 2, 3}));
        for (const AppliedLayer& layer : report.layers) {
            QVERIFY(layer.stats);
            QCOMPARE(layer.prunedElements, layer.stats->zeros);
        }
        checkHdf5Structure(m_weights, request.outputPath, expected);
        checkValues(m_weights, request.outputPath, expected);
    }

    // h5py's own gzip files (tests/data/compressed.h5): the filters and chunks stay.
    void hdf5CompressedFixture()
    {
        const QString dir = fresh(QStringLiteral("h5-gzip"));
        const QString input = dataDir + QStringLiteral("/compressed.h5");
        const MaskMap masks =
            patternMasks(input, {QStringLiteral("/gzip/f16"), QStringLiteral("/gzip/rank3"),
                                 QStringLiteral("/gzip/random"), QStringLiteral("/raw/f32")});
        writeMaskFile(dir + QStringLiteral("/masks.h5"), input, masks);
        const QString output = dir + QStringLiteral("/pruned.h5");
        applyWithMaskFile(input, output, dir + QStringLiteral("/masks.h5"));
        checkHdf5Structure(input, output, masks);
        checkValues(input, output, masks);
    }

    // LZF is decode-only here: refused before anything is written (docs/SPEC.md).
    void hdf5LzfIsRefused()
    {
        const QString dir = fresh(QStringLiteral("h5-lzf"));
        const QString input = dataDir + QStringLiteral("/compressed.h5");
        ApplyRequest request;
        request.masks = layerRequest(
            input, {QStringLiteral("/gzip/f32"), QStringLiteral("/lzf/f32")}, "1x4", 0.5);
        request.outputPath = dir + QStringLiteral("/pruned.h5");
        int masksComputed = 0;
        const auto error = errorOf([&] {
            applyMasks(request, {}, [&](int index, int count, const QString&) {
                masksComputed += index < count ? 1 : 0;
            });
        });
        VERIFY_ERROR(error, ErrorCode::InvalidInput, QStringLiteral("'/lzf/f32'"));
        VERIFY_CONTAINS(error->message(), QStringLiteral("LZF"));
        QCOMPARE(masksComputed, 0);
        QCOMPARE(listing(dir), QStringList{});
    }

    void npyAndNpz_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QStringList>("datasets");
        const QStringList dtypes = {
            QStringLiteral("/f4_le"),         QStringLiteral("/f2_be"),
            QStringLiteral("/f8_be"),         QStringLiteral("/i2_be"),
            QStringLiteral("/u8_le"),         QStringLiteral("/bool"),
            QStringLiteral("/f4_le_fortran"), QStringLiteral("/f8_be_fortran"),
            QStringLiteral("/f4_fortran_3d"), QStringLiteral("/conv_be_fortran")};
        QTest::newRow("npy") << QStringLiteral("numpy/dense_kernel.npy")
                             << QStringList{QStringLiteral("/dense_kernel")};
        QTest::newRow("npz stored") << QStringLiteral("numpy/dtypes.npz") << dtypes;
        QTest::newRow("npz deflated") << QStringLiteral("numpy/dtypes_compressed.npz") << dtypes;
        QTest::newRow("npz layers deflated")
            << QStringLiteral("numpy/layers_compressed.npz")
            << QStringList{QStringLiteral("/dense/kernel"), QStringLiteral("/nested/deep/w"),
                           QStringLiteral("/half")};
        QTest::newRow("npz zip64")
            << QStringLiteral("numpy/zip64.npz") << QStringList{QStringLiteral("/first")};
    }
    void npyAndNpz()
    {
        QFETCH(QString, input);
        QFETCH(QStringList, datasets);
        input = dataDir + QLatin1Char('/') + input;
        const QString dir = fresh(QStringLiteral("numpy"));
        const QByteArray before = fileHash(input);
        const MaskMap masks = patternMasks(input, datasets);
        writeMaskFile(dir + QStringLiteral("/masks.h5"), input, masks);
        const QString output = dir + QLatin1Char('/') + QFileInfo(input).fileName();
        const ApplyReport report =
            applyWithMaskFile(input, output, dir + QStringLiteral("/masks.h5"));
        QCOMPARE(report.layers.size(), std::size_t(datasets.size()));
        checkValues(input, output, masks);
        if (input.endsWith(QLatin1String(".npz"))) {
            checkNpzMembers(input, output, masks);
        } else {
            // The header as it was, the elements in place.
            const npy::Header header = [&] {
                QFile file(input);
                file.open(QIODevice::ReadOnly);
                const QByteArray head = file.read(4096);
                return npy::parseHeader(head.constData(), head.size(), input);
            }();
            checkDifferencesInside(input, output, {{header.dataOffset, QFileInfo(input).size()}});
        }
        QCOMPARE(fileHash(input), before);
    }

    void safetensorsSingle_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QStringList>("datasets");
        QTest::newRow("model") << QStringLiteral("safetensors/model.safetensors")
                               << QStringList{QStringLiteral("/model.embed.weight"),
                                              QStringLiteral("/model.layers.0.conv.weight")};
        QTest::newRow("dtypes") << QStringLiteral("safetensors/dtypes.safetensors")
                                << QStringList{QStringLiteral("/bf16"), QStringLiteral("/f16"),
                                               QStringLiteral("/f64"), QStringLiteral("/i8"),
                                               QStringLiteral("/bool")};
    }
    void safetensorsSingle()
    {
        QFETCH(QString, input);
        QFETCH(QStringList, datasets);
        input = dataDir + QLatin1Char('/') + input;
        const QString dir = fresh(QStringLiteral("safetensors"));
        const MaskMap masks = patternMasks(input, datasets);
        writeMaskFile(dir + QStringLiteral("/masks.h5"), input, masks);
        const QString output = dir + QStringLiteral("/pruned.safetensors");
        applyWithMaskFile(input, output, dir + QStringLiteral("/masks.h5"));
        checkValues(input, output, masks);
        // Header and every other tensor byte for byte.
        checkDifferencesInside(input, output, tensorRanges(input, masks));
    }

    // A sharded checkpoint becomes one: the index byte for byte, every shard beside it.
    void safetensorsSharded()
    {
        const QString sharded = dataDir + QStringLiteral("/safetensors/sharded");
        const QString input = sharded + QStringLiteral("/model.safetensors.index.json");
        const QString dir = fresh(QStringLiteral("sharded"));
        QDir().mkpath(dir + QStringLiteral("/out"));
        const MaskMap masks = patternMasks(
            input, {QStringLiteral("/model.embed.weight"), QStringLiteral("/model.head.weight")});
        writeMaskFile(dir + QStringLiteral("/masks.safetensors"), input, masks);
        const QString output = dir + QStringLiteral("/out/model.safetensors.index.json");
        const ApplyReport report =
            applyWithMaskFile(input, output, dir + QStringLiteral("/masks.safetensors"));
        QCOMPARE(report.filesWritten.size(), 3);
        QCOMPARE(report.filesWritten.front(), output);
        QCOMPARE(fileHash(output), fileHash(input));
        checkValues(input, output, masks);
        QStringList shards = QDir(sharded).entryList({QStringLiteral("*.safetensors")});
        for (const QString& shard : shards) {
            const QString source = sharded + QLatin1Char('/') + shard;
            checkDifferencesInside(source, dir + QStringLiteral("/out/") + shard,
                                   tensorRanges(source, masks));
        }
        shards << QStringLiteral("model.safetensors.index.json");
        shards.sort();
        QCOMPARE(listing(dir + QStringLiteral("/out")), shards);

        // Named like a single file, it is refused before anything is written.
        const auto error = errorOf([&] {
            applyWithMaskFile(input, dir + QStringLiteral("/out/x.safetensors"),
                              dir + QStringLiteral("/masks.safetensors"));
        });
        VERIFY_ERROR(error, ErrorCode::InvalidParameter, QStringLiteral("index"));
        shards.sort();
        QCOMPARE(listing(dir + QStringLiteral("/out")), shards);
    }

    // Masks that do not fit, or are not masks: refused with the dataset named, nothing written.
    void badMaskFiles_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("shape") << QStringLiteral("shape")
                               << QStringLiteral(
                                      "'/dense/kernel' has shape 24x16, but the dataset");
        QTest::newRow("value") << QStringLiteral("value")
                               << QStringLiteral("'/dense/kernel' holds 2 at element 5");
        QTest::newRow("missing") << QStringLiteral("missing")
                                 << QStringLiteral("no mask for dataset '/conv/w'");
    }
    void badMaskFiles()
    {
        QFETCH(QString, kind);
        QFETCH(QString, fragment);
        const QString dir = fresh(QStringLiteral("bad-masks"));
        const QString maskFile = dir + QStringLiteral("/masks.h5");
        {
            const Id file = createFile(maskFile);
            std::vector<std::uint8_t> values(16 * 24, 1);
            values[5] = kind == QLatin1String("value") ? 2 : 0;
            const std::vector<hsize_t> dims = kind == QLatin1String("shape")
                                                  ? std::vector<hsize_t>{24, 16}
                                                  : std::vector<hsize_t>{16, 24};
            QVERIFY(writeDataset(file, "dense/kernel", H5T_STD_U8LE, dims, H5T_NATIVE_UINT8,
                                 values.data()));
        }
        const QStringList datasets =
            kind == QLatin1String("missing")
                ? QStringList{QStringLiteral("/dense/kernel"), QStringLiteral("/conv/w")}
                : QStringList{};
        const auto error = errorOf([&] {
            applyWithMaskFile(m_weights, dir + QStringLiteral("/pruned.h5"), maskFile, datasets);
        });
        QVERIFY(error);
        QVERIFY2(error->message().contains(fragment), qPrintable(error->message()));
        QCOMPARE(listing(dir), QStringList{QStringLiteral("masks.h5")});
    }

    // The output may be neither the weights nor the masks.
    void outputThatIsAnInput()
    {
        const QString dir = fresh(QStringLiteral("same"));
        const QString weights = dir + QStringLiteral("/w.h5");
        QVERIFY(QFile::copy(m_weights, weights));
        const MaskMap masks = patternMasks(weights, {QStringLiteral("/dense/kernel")});
        writeMaskFile(dir + QStringLiteral("/m.h5"), weights, masks);
        const QByteArray weightsHash = fileHash(weights);
        const QByteArray masksHash = fileHash(dir + QStringLiteral("/m.h5"));
        ApplyRequest request;
        request.masks.inputPath = weights;
        request.masks.overwrite = true;
        request.maskFile = dir + QStringLiteral("/m.h5");
        for (const QString& output : {weights, dir + QStringLiteral("/m.h5")}) {
            request.outputPath = output;
            const auto error = errorOf([&] { applyMasks(request, {}); });
            VERIFY_ERROR(error, ErrorCode::InvalidInput, QString());
            qInfo("%s", qPrintable(error->message()));
        }
        QCOMPARE(fileHash(weights), weightsHash);
        QCOMPARE(fileHash(dir + QStringLiteral("/m.h5")), masksHash);
        QCOMPARE(listing(dir), (QStringList{QStringLiteral("m.h5"), QStringLiteral("w.h5")}));
    }

    // Cancelled during any layer, in any format: no output, no temporary file; an existing
    // output stays as it was.
    void cancelLeavesNothing_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("output");
        QTest::addColumn<int>("cancelAt");
        QTest::newRow("hdf5 first") << QString() << QStringLiteral("out.h5") << 0;
        QTest::newRow("hdf5 last") << QString() << QStringLiteral("out.h5") << 2;
        QTest::newRow("npz") << QStringLiteral("numpy/layers_compressed.npz")
                             << QStringLiteral("out.npz") << 1;
        QTest::newRow("sharded") << QStringLiteral(
                                        "safetensors/sharded/model.safetensors.index.json")
                                 << QStringLiteral("out.safetensors.index.json") << 1;
    }
    void cancelLeavesNothing()
    {
        QFETCH(QString, input);
        QFETCH(QString, output);
        QFETCH(int, cancelAt);
        input = input.isEmpty() ? m_weights : dataDir + QLatin1Char('/') + input;
        const QString dir = fresh(QStringLiteral("cancel"));
        QVERIFY(writeBytesTo(dir + QLatin1Char('/') + output, "old"));
        QStringList layers;
        for (const DatasetInfo& info : defaultLayers(openTensorFile(input)->listTree()))
            layers << info.path;
        QVERIFY(layers.size() >= 3);
        ApplyRequest request;
        request.masks = layerRequest(input, layers, "1x4", 0.5);
        request.masks.overwrite = true;
        request.outputPath = dir + QLatin1Char('/') + output;
        std::atomic<bool> cancelled{false};
        const ExecutionContext context{nullptr, 1, &cancelled};
        const auto error = errorOf([&] {
            applyMasks(request, context, [&](int index, int, const QString&) {
                if (index == cancelAt)
                    cancelled = true;
            });
        });
        VERIFY_ERROR(error, ErrorCode::Cancelled, QString());
        QCOMPARE(listing(dir), QStringList{output});
        QFile old(dir + QLatin1Char('/') + output);
        QVERIFY(old.open(QIODevice::ReadOnly));
        QCOMPARE(old.readAll(), QByteArray("old"));
    }

    // A disk that fills up: an Io error, no output, no temporary file.
    void diskFillsUp_data() { addDiskFullRows(); }
    void diskFillsUp()
    {
        QFETCH(bool, tmpfs);
        QFETCH(QString, cause);
        const QString dir = fresh(QStringLiteral("full"));
        const FullDisk full(dir, tmpfs);
        if (!full.skipReason().isEmpty())
            QSKIP(qPrintable(full.skipReason()));
        // Larger than the room left: 256 x 512 float32 is 512 KiB.
        const QString weights = m_dir.filePath(QStringLiteral("big.h5"));
        QVERIFY(writeWeightFile(weights, 1, 256, 512));
        ApplyRequest request;
        request.masks = layerRequest(weights, {QStringLiteral("/l0/w")}, "1x4", 0.5);
        request.outputPath = dir + QStringLiteral("/out.h5");
        std::optional<Error> error;
        {
            const std::unique_ptr<ScopedFileSizeLimit> limit = full.limitWrites();
            QVERIFY(!limit || limit->isActive());
            error = errorOf([&] { applyMasks(request, {}); });
        }
        QVERIFY(error);
        QCOMPARE(int(error->code()), int(ErrorCode::Io));
        qInfo("%s", qPrintable(error->message()));
        QVERIFY2(error->message().contains(cause), qPrintable(error->message()));
        QVERIFY2(error->message().contains(request.outputPath), qPrintable(error->message()));
        QCOMPARE(listing(dir), QStringList{});
    }

private:
    static bool writeBytesTo(const QString& path, const QByteArray& bytes)
    {
        QFile file(path);
        return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
    }
};

QTEST_GUILESS_MAIN(TestPrunedExport)
#include "tst_prunedexport.moc"
