// The pruned copy's parallel chunk writer (core/hdf5/prunedchunkwriter, docs/SPEC.md "Pruned
// weights"): for deflate with and without shuffle and fletcher32, in several orders, edge
// chunks, big-endian, float16, float64 and int8 data, every stored chunk must be byte for byte
// the chunk HDF5's own filters store for the same pruned data (writeHdf5PrunedCopy with
// ThroughHdf5) once HDF5 decodes it, padding included (the deflate streams differ: libdeflate's
// against zlib's); the data read back through HDF5 (which checks fletcher32) must be the source
// where the mask keeps and zero bytes where it prunes, with the creation properties unchanged;
// the whole output file must not depend on the thread count (1 and 3). Pipelines it does not
// encode (n-bit, scale-offset, no deflate) and chunks never written must go through HDF5's
// filters untouched by it; a chunk that does not decode (a damaged checksum) must end in
// HDF5's error; a chunk stored with deflate skipped must not keep that mark. Files are written here
// with the C API, never with the code under test.
#include "common/checks.h"
#include "common/hdf5handles.h"
#include "error.h"
#include "hdf5/hdf5prunedcopy.h"
#include "hdf5/prunedchunkwriter.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <iterator>
#include <libdeflate.h>
#include <limits>

using namespace sparsity::core;
using namespace sparsity::test;

namespace {

// One dataset to prune: its file type, shape, chunks and filters (applied in this order).
struct ChunkCase
{
    const char* type; // f16le f16be f32le f32be f64le f64be i8 i32le
    std::vector<hsize_t> shape;
    std::vector<hsize_t> chunk;
    const char* pipeline; // comma-separated: shuffle, deflateN, fletcher32, nbit, scaleoffset
    bool parallel;        // whether the parallel writer takes it
    enum Data
    {
        Values,
        RandomBits,
        FletcherEdges,
        PartlyWritten
    } data = Values;
    double fill = 0; // the fill value, seen in the padding of edge chunks
};

Id fileTypeOf(const char* name)
{
    const QByteArray type(name);
    if (type == "f16le")
        return float16Type(H5T_ORDER_LE);
    if (type == "f16be")
        return float16Type(H5T_ORDER_BE);
    const hid_t predefined = type == "f32le"   ? H5T_IEEE_F32LE
                             : type == "f32be" ? H5T_IEEE_F32BE
                             : type == "f64le" ? H5T_IEEE_F64LE
                             : type == "f64be" ? H5T_IEEE_F64BE
                             : type == "i32le" ? H5T_STD_I32LE
                                               : H5T_STD_I8LE;
    return Id(H5Tcopy(predefined), H5Tclose);
}

std::size_t elementsOf(const std::vector<hsize_t>& shape)
{
    std::size_t count = 1;
    for (const hsize_t extent : shape)
        count *= static_cast<std::size_t>(extent);
    return count;
}

// A pseudo-random mask with about half pruned, a whole pruned first row band and a whole kept
// last column, so that some chunks are all-zero after pruning and some keep everything.
MaskBytes caseMask(const ChunkCase& c)
{
    const std::size_t count = elementsOf(c.shape);
    const std::size_t rowElements = count / static_cast<std::size_t>(c.shape[0]);
    MaskBytes mask(count);
    std::uint32_t state = 12345;
    for (std::size_t i = 0; i < count; ++i) {
        state = state * 1664525u + 1013904223u;
        mask[i] = (state >> 28) & 1;
        if (i < rowElements * std::min<std::size_t>(c.chunk[0], c.shape[0] / 2))
            mask[i] = 0;
        if (i % rowElements == rowElements - 1)
            mask[i] = 1;
    }
    if (c.data == ChunkCase::FletcherEdges) {
        // 32x32 in chunks of 16x16: chunk (0, 0) all pruned (checksum 0); chunk (0, 1) keeps one
        // element, whose bits are 0xffff (a NaN), so its sums are nonzero multiples of 65535.
        std::fill(mask.begin(), mask.begin() + 16 * 32, 0);
        mask[3 * 32 + 20] = 1;
    }
    return mask;
}

// Creates `path` with dataset /w of the case, and an unmasked neighbour /other.
void writeCase(const QString& path, const ChunkCase& c)
{
    const Id file = createFile(path);
    QVERIFY(file.ok());
    const Id type = fileTypeOf(c.type);
    const std::size_t count = elementsOf(c.shape);
    const Id dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    QVERIFY(H5Pset_chunk(dcpl, int(c.chunk.size()), c.chunk.data()) >= 0);
    for (const QString& filter : QString::fromLatin1(c.pipeline).split(QLatin1Char(','))) {
        if (filter == QLatin1String("shuffle"))
            QVERIFY(H5Pset_shuffle(dcpl) >= 0);
        else if (filter.startsWith(QLatin1String("deflate")))
            QVERIFY(H5Pset_deflate(dcpl, filter.mid(7).toUInt()) >= 0);
        else if (filter == QLatin1String("fletcher32"))
            QVERIFY(H5Pset_fletcher32(dcpl) >= 0);
        else if (filter == QLatin1String("nbit"))
            QVERIFY(H5Pset_nbit(dcpl) >= 0);
        else if (filter == QLatin1String("scaleoffset"))
            QVERIFY(H5Pset_scaleoffset(dcpl, H5Z_SO_INT, H5Z_SO_INT_MINBITS_DEFAULT) >= 0);
        else
            QFAIL(qPrintable(filter));
    }
    if (c.fill != 0)
        QVERIFY(H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &c.fill) >= 0);
    const Id space(H5Screate_simple(int(c.shape.size()), c.shape.data(), nullptr), H5Sclose);
    const Id dataset(H5Dcreate2(file, "w", type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose);
    QVERIFY(dataset.ok());
    herr_t written = -1;
    if (c.data == ChunkCase::RandomBits || c.data == ChunkCase::FletcherEdges) {
        // The file type's own bytes: nothing converted, NaN payloads included.
        const std::size_t size = H5Tget_size(type);
        std::vector<unsigned char> bytes(count * size);
        std::uint64_t state = 99;
        for (auto& byte : bytes) {
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            byte = static_cast<unsigned char>(state >> 56);
        }
        if (c.data == ChunkCase::FletcherEdges)
            std::memset(bytes.data() + (3 * 32 + 20) * size, 0xff, size);
        written = H5Dwrite(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data());
    } else {
        std::vector<double> values(count);
        for (std::size_t i = 0; i < count; ++i)
            values[i] = std::sin(double(i) * 0.37) * (1 + int(i % 7)) * 10;
        const bool integer = H5Tget_class(type) == H5T_INTEGER;
        if (!integer) {
            values[0] = std::numeric_limits<double>::quiet_NaN();
            values[1] = -std::numeric_limits<double>::infinity();
            values[count - 1] = -0.0;
        }
        if (c.data == ChunkCase::PartlyWritten) {
            // Only the first chunk row: the others are never allocated.
            std::vector<hsize_t> start(c.shape.size(), 0);
            std::vector<hsize_t> rows = c.shape;
            rows[0] = c.chunk[0];
            const Id part(H5Screate_simple(int(rows.size()), rows.data(), nullptr), H5Sclose);
            const Id selection(H5Dget_space(dataset), H5Sclose);
            H5Sselect_hyperslab(selection, H5S_SELECT_SET, start.data(), nullptr, rows.data(),
                                nullptr);
            written =
                H5Dwrite(dataset, H5T_NATIVE_DOUBLE, part, selection, H5P_DEFAULT, values.data());
        } else {
            written =
                H5Dwrite(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
        }
    }
    QVERIFY(written >= 0);
    const std::vector<float> other = {1.5f, -2.5f, 3.5f, -4.5f};
    QVERIFY(writeDataset(file, "other", H5T_IEEE_F32LE, {2, 2}, H5T_NATIVE_FLOAT, other.data()));
}

// One stored chunk: its filter mask and bytes (empty when it was never written), and what
// HDF5 decodes them to.
struct StoredChunk
{
    unsigned filterMask = 0;
    QByteArray bytes;
    QByteArray decoded;
    bool operator==(const StoredChunk&) const = default;
};

// The whole chunk, padding included, as HDF5's filters decode it: written raw into a dataset of
// one chunk with the same creation properties, in a file in memory, and read back; null when
// HDF5 cannot decode it.
QByteArray decodedByHdf5(hid_t dataset, const std::vector<hsize_t>& chunk,
                         const StoredChunk& stored)
{
    static int files = 0;
    const Id fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
    H5Pset_fapl_core(fapl, 1 << 20, 0);
    const QByteArray name = "decode-" + QByteArray::number(++files);
    const Id file(H5Fcreate(name.constData(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl), H5Fclose);
    const Id dcpl(H5Dget_create_plist(dataset), H5Pclose);
    const Id type(H5Dget_type(dataset), H5Tclose);
    const Id space(H5Screate_simple(int(chunk.size()), chunk.data(), nullptr), H5Sclose);
    const Id single(H5Dcreate2(file, "c", type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose);
    const std::vector<hsize_t> origin(chunk.size(), 0);
    QByteArray bytes(qsizetype(H5Sget_simple_extent_npoints(space)) * qsizetype(H5Tget_size(type)),
                     '\0');
    if (H5Dwrite_chunk(single, H5P_DEFAULT, stored.filterMask, origin.data(),
                       std::size_t(stored.bytes.size()), stored.bytes.constData()) < 0 ||
        H5Dread(single, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()) < 0)
        return QByteArray(); // a damaged chunk
    return bytes;
}

// Every chunk of /w in chunk order, as stored.
std::vector<StoredChunk> storedChunks(const QString& path)
{
    const Id file(H5Fopen(QFile::encodeName(path).constData(), H5F_ACC_RDONLY, H5P_DEFAULT),
                  H5Fclose);
    const Id dataset(H5Dopen2(file, "w", H5P_DEFAULT), H5Dclose);
    const Id space(H5Dget_space(dataset), H5Sclose);
    const Id dcpl(H5Dget_create_plist(dataset), H5Pclose);
    const int rank = H5Sget_simple_extent_ndims(space);
    const auto dimensions = static_cast<std::size_t>(rank);
    std::vector<hsize_t> shape(dimensions), chunk(dimensions);
    H5Sget_simple_extent_dims(space, shape.data(), nullptr);
    H5Pget_chunk(dcpl, rank, chunk.data());
    std::vector<StoredChunk> chunks;
    std::vector<hsize_t> offset(std::size_t(rank), 0);
    for (;;) {
        StoredChunk stored;
        haddr_t address = HADDR_UNDEF;
        hsize_t size = 0;
        unsigned mask = 0;
        if (H5Dget_chunk_info_by_coord(dataset, offset.data(), &mask, &address, &size) < 0)
            qFatal("%s: no chunk information", qPrintable(path));
        if (address != HADDR_UNDEF) {
            stored.bytes.resize(qsizetype(size));
            std::uint32_t filterMask = 0;
            if (H5Dread_chunk(dataset, H5P_DEFAULT, offset.data(), &filterMask,
                              stored.bytes.data()) < 0)
                qFatal("%s: cannot read a chunk", qPrintable(path));
            stored.filterMask = filterMask;
            stored.decoded = decodedByHdf5(dataset, chunk, stored);
        }
        chunks.push_back(stored);
        int d = rank - 1;
        for (; d >= 0; --d) {
            offset[std::size_t(d)] += chunk[std::size_t(d)];
            if (offset[std::size_t(d)] < shape[std::size_t(d)])
                break;
            offset[std::size_t(d)] = 0;
        }
        if (d < 0)
            return chunks;
    }
}

// The dataset's creation properties as text: chunk shape, every filter with its flags and
// parameters, fill value.
QString creationSummary(hid_t dataset)
{
    const Id dcpl(H5Dget_create_plist(dataset), H5Pclose);
    hsize_t dims[8] = {};
    const int rank = H5Pget_chunk(dcpl, 8, dims);
    QString summary = QStringLiteral("chunk");
    for (int d = 0; d < rank; ++d)
        summary += QStringLiteral(" %1").arg(dims[d]);
    for (int i = 0; i < H5Pget_nfilters(dcpl); ++i) {
        unsigned flags = 0;
        unsigned values[16] = {};
        std::size_t count = 16;
        unsigned config = 0;
        const H5Z_filter_t filter =
            H5Pget_filter2(dcpl, unsigned(i), &flags, &count, values, 0, nullptr, &config);
        summary += QStringLiteral(" | filter %1 flags %2:").arg(filter).arg(flags);
        // `count` comes back as the filter's number of values, which may exceed the 16 the
        // array holds (n-bit has one per type member and more).
        for (std::size_t k = 0; k < std::min<std::size_t>(count, std::size(values)); ++k)
            summary += QStringLiteral(" %1").arg(values[k]);
    }
    double fill = 0;
    H5Pget_fill_value(dcpl, H5T_NATIVE_DOUBLE, &fill);
    return summary + QStringLiteral(" | fill %1").arg(fill);
}

// A dataset's elements as stored bytes, in its file type (HDF5 checks fletcher32 here).
QByteArray storedValues(hid_t file, const char* name)
{
    const Id dataset(H5Dopen2(file, name, H5P_DEFAULT), H5Dclose);
    const Id type(H5Dget_type(dataset), H5Tclose);
    const Id space(H5Dget_space(dataset), H5Sclose);
    QByteArray bytes(qsizetype(H5Sget_simple_extent_npoints(space)) * qsizetype(H5Tget_size(type)),
                     '\0');
    if (H5Dread(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()) < 0)
        qFatal("cannot read %s", name);
    return bytes;
}

// The output read back through HDF5: /w equal to the source where the mask keeps and zero bytes
// where it prunes, /other unchanged, the creation properties as they were.
void checkReadBack(const QString& source, const QString& output, const MaskBytes& mask)
{
    const Id a(H5Fopen(QFile::encodeName(source).constData(), H5F_ACC_RDONLY, H5P_DEFAULT),
               H5Fclose);
    const Id b(H5Fopen(QFile::encodeName(output).constData(), H5F_ACC_RDONLY, H5P_DEFAULT),
               H5Fclose);
    QVERIFY(a.ok() && b.ok());
    const Id datasetA(H5Dopen2(a, "w", H5P_DEFAULT), H5Dclose);
    const Id datasetB(H5Dopen2(b, "w", H5P_DEFAULT), H5Dclose);
    QCOMPARE(creationSummary(datasetB), creationSummary(datasetA));
    const Id typeA(H5Dget_type(datasetA), H5Tclose);
    const Id typeB(H5Dget_type(datasetB), H5Tclose);
    QVERIFY(H5Tequal(typeA, typeB) > 0);
    const QByteArray x = storedValues(a, "w");
    const QByteArray y = storedValues(b, "w");
    const std::size_t size = H5Tget_size(typeA);
    QCOMPARE(std::size_t(x.size()), mask.size() * size);
    QCOMPARE(y.size(), x.size());
    std::size_t pruned = 0;
    for (std::size_t k = 0; k < mask.size(); ++k) {
        const char* p = x.constData() + k * size;
        const char* q = y.constData() + k * size;
        if (mask[k] != 0) {
            QVERIFY2(std::memcmp(p, q, size) == 0, qPrintable(QStringLiteral("kept %1").arg(k)));
        } else {
            QVERIFY2(std::all_of(q, q + size, [](char c) { return c == 0; }),
                     qPrintable(QStringLiteral("pruned %1").arg(k)));
            pruned += std::any_of(p, p + size, [](char c) { return c != 0; }) ? 1 : 0;
        }
    }
    QVERIFY(pruned > 0); // the mask changed something
    QCOMPARE(storedValues(b, "other"), storedValues(a, "other"));
}

bool touch(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate);
}

// The chunk writer itself on dataset "/w" of `copy`, a fresh copy of `source`.
ChunkRewrite rewriteCopy(const QString& source, const QString& copy, const MaskBytes& mask,
                         const ExecutionContext& context)
{
    QFile::remove(copy);
    if (!QFile::copy(source, copy))
        qFatal("cannot copy %s to %s", qPrintable(source), qPrintable(copy));
    const Id file(H5Fopen(QFile::encodeName(copy).constData(), H5F_ACC_RDWR, H5P_DEFAULT),
                  H5Fclose);
    const Id dataset(H5Dopen2(file, "w", H5P_DEFAULT), H5Dclose);
    return rewritePrunedChunks(dataset, mask.data(), copy, QStringLiteral("/w"), context);
}

} // namespace

Q_DECLARE_METATYPE(ChunkCase)

class TestPrunedChunks : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QThreadPool m_pool;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_pool.setMaxThreadCount(3);
        // The damaged chunk's decoding fails on purpose: no HDF5 report on stderr.
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    }

    void sameChunksAsHdf5_data()
    {
        QTest::addColumn<ChunkCase>("c");
        using C = ChunkCase;
        QTest::newRow("gzip f32") << C{"f32le", {64, 96}, {16, 32}, "deflate1", true};
        QTest::newRow("shuffle gzip f32")
            << C{"f32le", {64, 96}, {16, 32}, "shuffle,deflate4", true};
        QTest::newRow("gzip edge chunks, fill value")
            << C{"f32le", {37, 53}, {16, 16}, "deflate6", true, C::Values, 7.5};
        QTest::newRow("shuffle gzip 3d edges")
            << C{"f32le", {5, 7, 9}, {2, 3, 4}, "shuffle,deflate1", true};
        QTest::newRow("big-endian f32") << C{"f32be", {40, 40}, {16, 16}, "shuffle,deflate1", true};
        QTest::newRow("f16") << C{"f16le", {40, 30}, {16, 16}, "shuffle,deflate9", true};
        QTest::newRow("big-endian f16") << C{"f16be", {40, 30}, {8, 30}, "deflate2", true};
        QTest::newRow("f64") << C{"f64le", {24, 40}, {8, 16}, "deflate1", true};
        QTest::newRow("big-endian f64 shuffle fletcher32 edges")
            << C{"f64be", {24, 40}, {7, 16}, "shuffle,deflate3,fletcher32", true};
        QTest::newRow("fletcher32 first, checksums 0 and 0xffff") << C{
            "f16le", {32, 32}, {16, 16}, "fletcher32,shuffle,deflate1", true, C::FletcherEdges};
        QTest::newRow("int8 odd chunks, fletcher32 first")
            << C{"i8", {20, 21}, {5, 7}, "fletcher32,deflate2", true};
        QTest::newRow("shuffle after deflate")
            << C{"f32le", {30, 50}, {16, 16}, "deflate1,shuffle", true, C::Values, 0};
        QTest::newRow("level 0 grows the chunk")
            << C{"f32le", {32, 48}, {16, 16}, "deflate0", true, C::RandomBits};
        QTest::newRow("incompressible shuffle gzip")
            << C{"f32le", {32, 48}, {16, 16}, "shuffle,deflate1", true, C::RandomBits};
        // Through HDF5's filters: pipelines the writer does not encode, chunks never written.
        QTest::newRow("n-bit gzip") << C{"f32le", {32, 48}, {16, 16}, "nbit,deflate1", false};
        QTest::newRow("scale-offset gzip int32")
            << C{"i32le", {32, 48}, {16, 16}, "scaleoffset,deflate1", false};
        QTest::newRow("shuffle without deflate")
            << C{"f32le", {32, 48}, {16, 16}, "shuffle", false};
        QTest::newRow("chunks never written")
            << C{"f32le", {48, 48}, {16, 16}, "deflate1", false, C::PartlyWritten, 2.0};
    }
    void sameChunksAsHdf5()
    {
        QFETCH(ChunkCase, c);
        const QString source = m_dir.filePath(QStringLiteral("source.h5"));
        writeCase(source, c);
        if (QTest::currentTestFailed())
            return;
        const MaskBytes mask = caseMask(c);
        const PrunedMaskSource masks = [&](const QString& path) {
            if (path != QLatin1String("/w"))
                qFatal("asked for the mask of %s", qPrintable(path));
            return mask;
        };
        const ExecutionContext three{&m_pool, 3, nullptr};

        // The writer itself: takes the case or leaves the chunks as they were.
        const QString direct = m_dir.filePath(QStringLiteral("direct.h5"));
        QCOMPARE(rewriteCopy(source, direct, mask, three) == ChunkRewrite::Rewritten, c.parallel);
        if (!c.parallel)
            QVERIFY(storedChunks(direct) == storedChunks(source));

        // The pruned copy with 1 and 3 threads and through HDF5's filters.
        const QString one = m_dir.filePath(QStringLiteral("one.h5"));
        const QString threeThreads = m_dir.filePath(QStringLiteral("three.h5"));
        const QString hdf5 = m_dir.filePath(QStringLiteral("hdf5.h5"));
        QVERIFY(touch(one) && touch(threeThreads) && touch(hdf5));
        writeHdf5PrunedCopy(source, one, {QStringLiteral("/w")}, masks, {});
        writeHdf5PrunedCopy(source, threeThreads, {QStringLiteral("/w")}, masks, three);
        writeHdf5PrunedCopy(source, hdf5, {QStringLiteral("/w")}, masks, {},
                            PrunedChunkWriting::ThroughHdf5);
        QCOMPARE(fileHash(threeThreads), fileHash(one));
        const std::vector<StoredChunk> expected = storedChunks(hdf5);
        const std::vector<StoredChunk> chunks = storedChunks(one);
        QCOMPARE(chunks.size(), expected.size());
        for (std::size_t i = 0; i < chunks.size(); ++i) {
            QCOMPARE(chunks[i].filterMask, expected[i].filterMask);
            QCOMPARE(chunks[i].bytes.isEmpty(), expected[i].bytes.isEmpty());
            QVERIFY2(chunks[i].decoded == expected[i].decoded,
                     qPrintable(QStringLiteral("chunk %1 decodes otherwise").arg(i)));
            // Through HDF5's filters the same chunk is the same stream.
            if (!c.parallel)
                QVERIFY(chunks[i].bytes == expected[i].bytes);
            // A stream written at the dataset's level says so in its zlib header (FLEVEL, which
            // libdeflate and zlib set alike for the levels here; not for 7).
            if (QByteArray(c.pipeline).split(',').last().startsWith("deflate") &&
                !chunks[i].bytes.isEmpty())
                QCOMPARE(quint8(chunks[i].bytes[1]) >> 6, quint8(expected[i].bytes[1]) >> 6);
        }
        if (c.parallel)
            QVERIFY(storedChunks(direct) == chunks);
        checkReadBack(source, one, mask);
        checkReadBack(source, hdf5, mask);
    }

    // A stored chunk whose checksum does not match: the writer leaves it to HDF5, which refuses
    // it with its own message; chunks before it were already rewritten and stay correct.
    void damagedChecksumGoesToHdf5()
    {
        // 8 chunks, the last one damaged: with one thread the first batch of 4 is written
        // before the damage is seen.
        const ChunkCase c{"f32le", {64, 32}, {16, 16}, "deflate1,fletcher32", true};
        const QString source = m_dir.filePath(QStringLiteral("damaged.h5"));
        writeCase(source, c);
        {
            const Id file(H5Fopen(QFile::encodeName(source).constData(), H5F_ACC_RDWR, H5P_DEFAULT),
                          H5Fclose);
            const Id dataset(H5Dopen2(file, "w", H5P_DEFAULT), H5Dclose);
            const hsize_t last[] = {48, 16};
            hsize_t size = 0;
            QVERIFY(H5Dget_chunk_storage_size(dataset, last, &size) >= 0);
            QByteArray bytes(qsizetype(size), '\0');
            std::uint32_t filterMask = 0;
            QVERIFY(H5Dread_chunk(dataset, H5P_DEFAULT, last, &filterMask, bytes.data()) >= 0);
            bytes[bytes.size() - 1] = char(bytes[bytes.size() - 1] ^ 0x5a);
            QVERIFY(H5Dwrite_chunk(dataset, H5P_DEFAULT, filterMask, last, size, bytes.data()) >=
                    0);
        }
        const MaskBytes mask = caseMask(c);
        const QString direct = m_dir.filePath(QStringLiteral("damaged-direct.h5"));
        QCOMPARE(int(rewriteCopy(source, direct, mask, {})), int(ChunkRewrite::NotSupported));
        // The chunks before the damaged one hold the pruned data.
        const std::vector<StoredChunk> chunks = storedChunks(direct);
        const std::vector<StoredChunk> before = storedChunks(source);
        QCOMPARE(chunks.size(), std::size_t(8));
        QVERIFY(chunks[0] != before[0]);
        QVERIFY(chunks[7] == before[7]);

        const QString output = m_dir.filePath(QStringLiteral("damaged-out.h5"));
        QVERIFY(touch(output));
        const auto error = errorOf([&] {
            writeHdf5PrunedCopy(source, output, {QStringLiteral("/w")},
                                [&](const QString&) { return mask; }, {});
        });
        VERIFY_ERROR(error, ErrorCode::Io, QStringLiteral("'/w'"));
        qInfo("%s", qPrintable(error->message()));
    }

    // A stored chunk far larger than the chunk (a valid stream followed by 7 KiB of garbage,
    // which HDF5's inflate ignores): left to HDF5's filters, not allocated by the writer.
    void oversizedChunkGoesToHdf5()
    {
        const ChunkCase c{"f32le", {32, 32}, {16, 16}, "deflate1", true};
        const QString source = m_dir.filePath(QStringLiteral("oversized.h5"));
        writeCase(source, c);
        {
            const Id file(H5Fopen(QFile::encodeName(source).constData(), H5F_ACC_RDWR, H5P_DEFAULT),
                          H5Fclose);
            const Id dataset(H5Dopen2(file, "w", H5P_DEFAULT), H5Dclose);
            std::vector<float> values(256);
            for (std::size_t i = 0; i < values.size(); ++i)
                values[i] = float(i) * 0.25f;
            libdeflate_compressor* const compressor = libdeflate_alloc_compressor(1);
            std::vector<unsigned char> bytes(8192, 0xa5);
            const std::size_t packed = libdeflate_zlib_compress(
                compressor, values.data(), values.size() * sizeof(float), bytes.data(), 2048);
            libdeflate_free_compressor(compressor);
            QVERIFY(packed > 0);
            const hsize_t offset[] = {16, 0};
            QVERIFY(H5Dwrite_chunk(dataset, H5P_DEFAULT, 0u, offset, bytes.size(), bytes.data()) >=
                    0);
        }
        const MaskBytes mask = caseMask(c);
        const QString direct = m_dir.filePath(QStringLiteral("oversized-direct.h5"));
        QCOMPARE(int(rewriteCopy(source, direct, mask, {})), int(ChunkRewrite::NotSupported));
        QVERIFY(storedChunks(direct) == storedChunks(source));
        const QString output = m_dir.filePath(QStringLiteral("oversized-out.h5"));
        QVERIFY(touch(output));
        writeHdf5PrunedCopy(source, output, {QStringLiteral("/w")},
                            [&](const QString&) { return mask; }, {});
        checkReadBack(source, output, mask);
    }

    // Chunks stored with deflate skipped (filter mask 1, as the mask writer stores a chunk that
    // does not shrink), the first of which deflates after pruning to exactly its stored size:
    // HDF5 1.10 rewrites such a chunk in place and keeps its old filter mask, so readers would
    // take the deflated bytes for raw ones. The writer must leave filter mask 0 and the data
    // readable.
    void skippedFilterSameSize()
    {
        std::vector<unsigned char> raw(1024);
        std::uint32_t state = 5;
        for (auto& byte : raw) {
            state = state * 1664525u + 1013904223u;
            byte = static_cast<unsigned char>(state >> 24);
        }
        // How many leading elements to prune so that the chunk deflates to 1024 bytes, with the
        // compressor the writer uses.
        std::size_t pruned = 0;
        libdeflate_compressor* const compressor = libdeflate_alloc_compressor(1);
        QVERIFY(compressor);
        for (std::size_t k = 1; k < 400 && pruned == 0; ++k) {
            std::vector<unsigned char> chunk = raw;
            std::fill(chunk.begin(), chunk.begin() + std::ptrdiff_t(k), 0);
            std::vector<unsigned char> packed(libdeflate_zlib_compress_bound(compressor, 1024));
            const std::size_t size = libdeflate_zlib_compress(compressor, chunk.data(), 1024,
                                                              packed.data(), packed.size());
            pruned = size == 1024 ? k : 0;
        }
        libdeflate_free_compressor(compressor);
        QVERIFY(pruned > 0);
        const QString source = m_dir.filePath(QStringLiteral("skipped.h5"));
        {
            const Id file = createFile(source);
            const Id dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
            const hsize_t chunk[] = {32, 32};
            const hsize_t shape[] = {64, 32};
            QVERIFY(H5Pset_chunk(dcpl, 2, chunk) >= 0 && H5Pset_deflate(dcpl, 1) >= 0);
            const Id space(H5Screate_simple(2, shape, nullptr), H5Sclose);
            const Id dataset(
                H5Dcreate2(file, "w", H5T_STD_U8LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
                H5Dclose);
            for (const hsize_t row : {0, 32}) {
                const hsize_t offset[] = {row, 0};
                QVERIFY(H5Dwrite_chunk(dataset, H5P_DEFAULT, 1u, offset, raw.size(), raw.data()) >=
                        0);
            }
            const std::vector<float> other = {1.5f, -2.5f, 3.5f, -4.5f};
            QVERIFY(writeDataset(file, "other", H5T_IEEE_F32LE, {2, 2}, H5T_NATIVE_FLOAT,
                                 other.data()));
        }
        QCOMPARE(storedChunks(source).front().filterMask, 1u);
        MaskBytes mask(64 * 32, 1);
        std::fill(mask.begin(), mask.begin() + std::ptrdiff_t(pruned), 0);
        const QString output = m_dir.filePath(QStringLiteral("skipped-out.h5"));
        QVERIFY(touch(output));
        writeHdf5PrunedCopy(source, output, {QStringLiteral("/w")},
                            [&](const QString&) { return mask; }, {});
        const std::vector<StoredChunk> chunks = storedChunks(output);
        QCOMPARE(chunks[0].filterMask, 0u);
        QCOMPARE(chunks[0].bytes.size(), qsizetype(1024));
        QCOMPARE(chunks[1].filterMask, 0u);
        checkReadBack(source, output, mask);
    }

    // Cancelled between batches: Error(Cancelled).
    void cancelled()
    {
        const ChunkCase c{"f32le", {64, 64}, {4, 4}, "deflate1", true};
        const QString source = m_dir.filePath(QStringLiteral("cancel.h5"));
        writeCase(source, c);
        const MaskBytes mask = caseMask(c);
        std::atomic<bool> stop{true};
        const QString output = m_dir.filePath(QStringLiteral("cancel-out.h5"));
        QVERIFY(touch(output));
        const auto error = errorOf([&] {
            writeHdf5PrunedCopy(
                source, output, {QStringLiteral("/w")}, [&](const QString&) { return mask; },
                ExecutionContext{&m_pool, 3, &stop});
        });
        VERIFY_ERROR(error, ErrorCode::Cancelled, QString());
    }

    // The checksum on sums that reach 65535, an odd length and no data, against values worked
    // out by hand from the definition (16-bit big-endian words, sums modulo 65535 in 1..65535).
    void fletcher32()
    {
        const unsigned char ffff[] = {0xff, 0xff};
        QCOMPARE(hdf5Fletcher32(ffff, 2), 0xffffffffu);
        const unsigned char zeros[] = {0, 0, 0, 0, 0};
        QCOMPARE(hdf5Fletcher32(zeros, 5), 0u);
        QCOMPARE(hdf5Fletcher32(zeros, 0), 0u);
        // Words 0x0102, 0x0300 (odd byte): sum1 = 0x0402, sum2 = 0x0102 + 0x0402 = 0x0504.
        const unsigned char odd[] = {1, 2, 3};
        QCOMPARE(hdf5Fletcher32(odd, 3), 0x05040402u);
        // 70000 words of 1: sum1 = 70000 mod 65535 = 4465; sum2 = 70000*70001/2 mod 65535.
        std::vector<unsigned char> ones(140000);
        for (std::size_t i = 1; i < ones.size(); i += 2)
            ones[i] = 1;
        const std::uint64_t sum2 = (70000ull * 70001ull / 2) % 65535;
        QCOMPARE(hdf5Fletcher32(ones.data(), ones.size()), std::uint32_t(sum2 << 16 | 4465u));
    }
};

QTEST_GUILESS_MAIN(TestPrunedChunks)
#include "tst_prunedchunks.moc"
