// Streaming a tensor into matrix order (issue 12, peak memory): MatrixMapping::scatterSlab
// against toMatrix for every slab split, and each reader's TensorReader::readMatrixOrder against
// readTensor + toMatrix, bit for bit, with slabs forced small (setMatrixSlabBytesForTesting) so
// that the multi-slab paths run on small files: tests/data/stream, written by
// tests/reference/make_stream_fixtures.py (odd shapes, 1-row, conv kernels of both layouts,
// big-endian, Fortran order, float16, bfloat16, integers, chunked and compressed HDF5).
#include "common/paramsbuilder.h"
#include "hdf5/hdf5reader.h"
#include "io/matrixread.h"
#include "io/tensorfile.h"
#include "mask/sparsifier.h"
#include "numpy/numpyreader.h"
#include "safetensors/safetensorsreader.h"
#include "tensor/matrixmapping.h"

#include <QTest>
#include <QThreadPool>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

using namespace sparsity::core;

namespace {

const QString dataDir = QStringLiteral(SPARSITY_TEST_DATA_DIR) + QStringLiteral("/stream/");

using Shape = std::vector<std::int64_t>;

const Shape scatterShapes[] = {
    {1},          {23},          {1, 37},   {37, 1},         {31, 17}, {5, 3, 3, 2},
    {3, 2, 5, 6}, {1, 1, 9, 11}, {4, 6, 3}, {2, 1, 3, 1, 4}, {33, 65},
};

struct Orientation
{
    Layout layout;
    MatrixView view;
};

const Orientation orientations[] = {
    {Layout::Torch, MatrixView::Flatten},
    {Layout::Torch, MatrixView::ChannelsLast},
    {Layout::Keras, MatrixView::Flatten},
    {Layout::Keras, MatrixView::ChannelsLast},
};

QString describeCase(const Shape& shape, Orientation orientation)
{
    QStringList extents;
    for (const std::int64_t extent : shape)
        extents << QString::number(extent);
    return QStringLiteral("(%1) %2 %3")
        .arg(extents.join(QLatin1Char(',')), layoutName(orientation.layout),
             viewName(orientation.view));
}

// The values 0..n-1 in the given order of `shape`: row-major, or column-major (the value of
// the row-major element i is still i, at its column-major position).
std::vector<float> countingSource(const Shape& shape, StoredOrder order)
{
    const std::int64_t n = elementCountOf(shape);
    std::vector<float> values(static_cast<std::size_t>(n));
    std::iota(values.begin(), values.end(), 0.0f);
    if (order == StoredOrder::RowMajor)
        return values;
    std::vector<float> columnMajor(values.size());
    for (std::int64_t i = 0; i < n; ++i) {
        std::int64_t rest = i, position = 0, stride = 1;
        std::vector<std::int64_t> at(shape.size());
        for (std::size_t axis = shape.size(); axis-- > 0;) {
            at[axis] = rest % shape[axis];
            rest /= shape[axis];
        }
        for (std::size_t axis = 0; axis < shape.size(); ++axis) {
            position += at[axis] * stride;
            stride *= shape[axis];
        }
        columnMajor[static_cast<std::size_t>(position)] = values[static_cast<std::size_t>(i)];
    }
    return columnMajor;
}

// Bit-for-bit equality of two tensors' shapes, precisions and values (NaN and -0 included).
bool sameBits(const WeightTensor& a, const WeightTensor& b)
{
    if (a.shape() != b.shape() || a.precision() != b.precision())
        return false;
    if (a.precision() == Precision::Float32) {
        const auto x = a.values<float>(), y = b.values<float>();
        return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size_bytes()) == 0;
    }
    const auto x = a.values<double>(), y = b.values<double>();
    return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size_bytes()) == 0;
}

// Restores the readers' slab size when a test ends, passed or failed.
struct SlabBytes
{
    explicit SlabBytes(std::size_t bytes) { setMatrixSlabBytesForTesting(bytes); }
    ~SlabBytes() { setMatrixSlabBytesForTesting(0); }
    SlabBytes(const SlabBytes&) = delete;
    SlabBytes& operator=(const SlabBytes&) = delete;
};

// 1 byte: one value a slab; 24 and 200: a few values, never a whole number of rows of most
// shapes; 0: the default (one slab for these small files).
const std::size_t slabSizes[] = {1, 24, 200, 0};

enum class ReaderKind
{
    Numpy,
    Safetensors,
    Hdf5InProcess,
    Hdf5Child,
    // The reader process with a window of two 256-byte buffers (its test hook): every dataset
    // comes in many slabs, each scattered into matrix order as it arrives.
    Hdf5ChildSmallWindow
};

std::unique_ptr<TensorReader> openWith(ReaderKind kind, const QString& path)
{
    switch (kind) {
    case ReaderKind::Numpy:
        return NumpyReader::open(path);
    case ReaderKind::Safetensors:
        return SafetensorsReader::open(path);
    case ReaderKind::Hdf5InProcess:
        return Hdf5Reader::open(path);
    case ReaderKind::Hdf5Child:
        break;
    case ReaderKind::Hdf5ChildSmallWindow: {
        // Read when the process starts, which is when the file opens.
        qputenv("SPARSITY_READER_TEST_WINDOW_BYTES", "256");
        auto reader = openTensorFile(path);
        qunsetenv("SPARSITY_READER_TEST_WINDOW_BYTES");
        return reader;
    }
    }
    return openTensorFile(path); // HDF5 through the reader process (the default)
}

} // namespace

Q_DECLARE_METATYPE(ReaderKind)

class TestMatrixStream final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void scatterEqualsToMatrix_data();
    void scatterEqualsToMatrix();
    void scatterWritesOnlyItsSlab();
    void scatterIsTheSameForAnyThreadCount();
    void scatterRefusesRangesOutsideTheTensor();
    void readersStreamWhatReadTensorMaps_data();
    void readersStreamWhatReadTensorMaps();
    void readMatrixResolvesAutoAsBefore();
    void masksAreTheSame_data();
    void masksAreTheSame();
};

void TestMatrixStream::scatterEqualsToMatrix_data()
{
    QTest::addColumn<int>("order");
    QTest::newRow("row-major") << int(StoredOrder::RowMajor);
    QTest::newRow("column-major") << int(StoredOrder::ColumnMajor);
}

void TestMatrixStream::scatterEqualsToMatrix()
{
    QFETCH(int, order);
    const auto storedOrder = static_cast<StoredOrder>(order);
    for (const Shape& shape : scatterShapes) {
        for (const Orientation orientation : orientations) {
            const MatrixMapping mapping(shape, orientation.layout, orientation.view);
            std::vector<float> rowMajor(static_cast<std::size_t>(elementCountOf(shape)));
            std::iota(rowMajor.begin(), rowMajor.end(), 0.0f);
            const WeightTensor expected = mapping.toMatrix(WeightTensor(shape, rowMajor), {});
            const std::vector<float> source = countingSource(shape, storedOrder);
            const auto n = static_cast<std::int64_t>(source.size());
            const std::int64_t row = mapping.leadingRowElements(storedOrder);
            // Single values, odd sizes, one leading row, a row and a bit, everything at once.
            for (const std::int64_t slab : {std::int64_t{1}, std::int64_t{2}, std::int64_t{7}, row,
                                            row + 1, 3 * row - 1, n}) {
                if (slab <= 0)
                    continue;
                std::vector<float> matrix(source.size(), -1.0f);
                for (std::int64_t first = 0; first < n; first += slab) {
                    const std::int64_t count = std::min(slab, n - first);
                    mapping.scatterSlab(std::span<const float>(source).subspan(std::size_t(first),
                                                                               std::size_t(count)),
                                        first, matrix, {}, storedOrder);
                }
                QVERIFY2(std::ranges::equal(matrix, expected.values<float>()),
                         qPrintable(describeCase(shape, orientation) +
                                    QStringLiteral(", slabs of %1").arg(slab)));
            }
        }
    }
}

void TestMatrixStream::scatterWritesOnlyItsSlab()
{
    // One slab alone into an untouched matrix: exactly its elements are written, at their
    // places, whatever the range's alignment.
    for (const StoredOrder order : {StoredOrder::RowMajor, StoredOrder::ColumnMajor}) {
        for (const Shape& shape : {Shape{5, 3, 3, 2}, Shape{3, 2, 5, 6}, Shape{31, 17}}) {
            for (const Orientation orientation : orientations) {
                const MatrixMapping mapping(shape, orientation.layout, orientation.view);
                std::vector<float> rowMajor(static_cast<std::size_t>(elementCountOf(shape)));
                std::iota(rowMajor.begin(), rowMajor.end(), 0.0f);
                const WeightTensor expected = mapping.toMatrix(WeightTensor(shape, rowMajor), {});
                const std::vector<float> source = countingSource(shape, order);
                const auto n = static_cast<std::int64_t>(source.size());
                for (const auto& [first, count] : {std::pair<std::int64_t, std::int64_t>{0, 1},
                                                   {1, 1},
                                                   {5, 29},
                                                   {17, 40},
                                                   {n - 13, 13},
                                                   {n / 3, n / 3}}) {
                    std::vector<float> matrix(source.size(), -1.0f);
                    mapping.scatterSlab(std::span<const float>(source).subspan(std::size_t(first),
                                                                               std::size_t(count)),
                                        first, matrix, {}, order);
                    std::int64_t written = 0;
                    bool placed = true;
                    for (std::size_t i = 0; i < matrix.size(); ++i) {
                        if (matrix[i] == -1.0f)
                            continue;
                        ++written;
                        placed = placed && matrix[i] == expected.values<float>()[i];
                    }
                    QVERIFY2(written == count && placed,
                             qPrintable(describeCase(shape, orientation) +
                                        QStringLiteral(": slab [%1, +%2) wrote %3 values%4")
                                            .arg(first)
                                            .arg(count)
                                            .arg(written)
                                            .arg(placed ? QString()
                                                        : QStringLiteral(", some misplaced"))));
                }
            }
        }
    }
}

void TestMatrixStream::scatterIsTheSameForAnyThreadCount()
{
    // Big enough for many work units per slab; odd extents leave partial tiles everywhere.
    for (const auto& [shape, layout, view] :
         {std::tuple{Shape{3, 3, 257, 301}, Layout::Keras, MatrixView::ChannelsLast},
          std::tuple{Shape{301, 257, 3, 3}, Layout::Torch, MatrixView::ChannelsLast},
          std::tuple{Shape{1025, 999}, Layout::Keras, MatrixView::Flatten}}) {
        const MatrixMapping mapping(shape, layout, view);
        std::vector<double> source(static_cast<std::size_t>(elementCountOf(shape)));
        std::iota(source.begin(), source.end(), 0.0);
        const auto n = static_cast<std::int64_t>(source.size());
        const std::int64_t slab = 3 * mapping.leadingRowElements() / 2 + 5;
        const auto scatterAll = [&](const ExecutionContext& context) {
            std::vector<double> matrix(source.size(), -1.0);
            for (std::int64_t first = 0; first < n; first += slab)
                mapping.scatterSlab(std::span<const double>(source).subspan(
                                        std::size_t(first), std::size_t(std::min(slab, n - first))),
                                    first, matrix, context);
            return matrix;
        };
        const std::vector<double> one = scatterAll({});
        QVERIFY(std::ranges::equal(
            one, mapping.toMatrix(WeightTensor(shape, source), {}).values<double>()));
        for (const int threads : {2, 3, 8}) {
            QThreadPool pool;
            pool.setMaxThreadCount(threads);
            QVERIFY(one == scatterAll(ExecutionContext{&pool, threads, nullptr}));
        }
    }
}

void TestMatrixStream::scatterRefusesRangesOutsideTheTensor()
{
    const MatrixMapping mapping({4, 5}, Layout::Keras, MatrixView::Flatten);
    std::vector<float> source(20, 1.0f), matrix(20), small(19);
    QVERIFY_THROWS_EXCEPTION(
        std::invalid_argument,
        mapping.scatterSlab(std::span<const float>(source).first(2), 19, matrix, {}));
    QVERIFY_THROWS_EXCEPTION(
        std::invalid_argument,
        mapping.scatterSlab(std::span<const float>(source).first(2), -1, matrix, {}));
    QVERIFY_THROWS_EXCEPTION(
        std::invalid_argument,
        mapping.scatterSlab(std::span<const float>(source).first(2), 0, small, {}));
    mapping.scatterSlab(std::span<const float>(source).first(2), 18, matrix, {});
}

void TestMatrixStream::readersStreamWhatReadTensorMaps_data()
{
    QTest::addColumn<ReaderKind>("kind");
    QTest::addColumn<QString>("file");
    QTest::newRow("npz stored") << ReaderKind::Numpy << QStringLiteral("stream.npz");
    QTest::newRow("npz deflated") << ReaderKind::Numpy << QStringLiteral("stream_deflated.npz");
    QTest::newRow("npy Fortran big-endian float16")
        << ReaderKind::Numpy << QStringLiteral("fortran_be_conv.npy");
    QTest::newRow("safetensors") << ReaderKind::Safetensors << QStringLiteral("stream.safetensors");
    QTest::newRow("HDF5 in process") << ReaderKind::Hdf5InProcess << QStringLiteral("stream.h5");
    QTest::newRow("HDF5 reader process") << ReaderKind::Hdf5Child << QStringLiteral("stream.h5");
    QTest::newRow("HDF5 reader process, many slabs")
        << ReaderKind::Hdf5ChildSmallWindow << QStringLiteral("stream.h5");
}

void TestMatrixStream::readersStreamWhatReadTensorMaps()
{
    QFETCH(ReaderKind, kind);
    QFETCH(QString, file);
    const std::unique_ptr<TensorReader> reader = openWith(kind, dataDir + file);
    int datasets = 0;
    for (const DatasetInfo& info : reader->listTree()) {
        if (info.kind != NodeKind::Dataset)
            continue;
        ++datasets;
        const WeightTensor stored = reader->readTensor(info.path, {});
        for (const Orientation orientation : orientations) {
            const MatrixMapping mapping(info.shape, orientation.layout, orientation.view);
            const WeightTensor expected = mapping.toMatrix(stored, {});
            for (const std::size_t slabBytes : slabSizes) {
                const SlabBytes slabs(slabBytes);
                const WeightTensor streamed = reader->readMatrixOrder(info.path, mapping, {});
                QVERIFY2(sameBits(streamed, expected),
                         qPrintable(info.path + QStringLiteral(" ") +
                                    describeCase(info.shape, orientation) +
                                    QStringLiteral(", slabs of %1 bytes").arg(slabBytes)));
                // readMatrix takes the same path (or readTensor's, when the order is kept).
                const MatrixRead read = readMatrix(
                    *reader, info.path, {orientation.layout, orientation.view}, false, {});
                QVERIFY2(sameBits(read.matrix, expected), qPrintable(info.path));
            }
        }
    }
    // Every file but the lone .npy holds the eight shapes in several types.
    const int expected = file.endsWith(QLatin1String(".npy")) ? 1 : 8 * 6;
    QVERIFY2(datasets >= expected, qPrintable(QStringLiteral("only %1 datasets").arg(datasets)));
}

void TestMatrixStream::readMatrixResolvesAutoAsBefore()
{
    const std::unique_ptr<TensorReader> reader =
        Hdf5Reader::open(dataDir + QStringLiteral("stream.h5"));
    const QString path = QStringLiteral("/keras_conv/f16be");
    const WeightTensor stored = reader->readTensor(path, {});
    for (const bool keras : {false, true}) {
        for (const MatrixView view : {MatrixView::Flatten, MatrixView::ChannelsLast}) {
            const MatrixRead read = readMatrix(*reader, path, {Layout::Auto, view}, keras, {});
            QCOMPARE(read.mapping.layout(), keras ? Layout::Keras : Layout::Torch);
            QVERIFY(sameBits(read.matrix, read.mapping.toMatrix(stored, {})));
        }
    }
}

void TestMatrixStream::masksAreTheSame_data()
{
    QTest::addColumn<ReaderKind>("kind");
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("dataset");
    QTest::newRow("npz deflated Keras conv, float16 big-endian Fortran")
        << ReaderKind::Numpy << QStringLiteral("stream_deflated.npz")
        << QStringLiteral("/keras_conv.f16befortran");
    QTest::newRow("safetensors bf16 Keras conv")
        << ReaderKind::Safetensors << QStringLiteral("stream.safetensors")
        << QStringLiteral("/keras_conv.bf16");
    QTest::newRow("HDF5 gzip float16 torch conv")
        << ReaderKind::Hdf5InProcess << QStringLiteral("stream.h5")
        << QStringLiteral("/torch_conv/f16_gzip");
    QTest::newRow("HDF5 dense, chunked rows")
        << ReaderKind::Hdf5InProcess << QStringLiteral("stream.h5")
        << QStringLiteral("/dense/f32_rowchunks");
}

void TestMatrixStream::masksAreTheSame()
{
    // The masks the export writes (matrix mask brought back to the stored order) from a
    // streamed read and from readTensor + toMatrix.
    QFETCH(ReaderKind, kind);
    QFETCH(QString, file);
    QFETCH(QString, dataset);
    const std::unique_ptr<TensorReader> reader = openWith(kind, dataDir + file);
    const SlabBytes slabs(24);
    for (const Orientation orientation : orientations) {
        const MatrixRead read =
            readMatrix(*reader, dataset, {orientation.layout, orientation.view}, false, {});
        const WeightTensor mapped = read.mapping.toMatrix(reader->readTensor(dataset, {}), {});
        for (const auto& params :
             {sparsity::test::makeParams(0.5, 1, 4, 2), sparsity::test::makeParams(0.4, 1, 2),
              sparsity::test::makeParams(0.3, 2, 2)}) {
            const MaskResult streamed = computeMask(read.matrix, params, {});
            const MaskResult reference = computeMask(mapped, params, {});
            QVERIFY(std::ranges::equal(read.mapping.toStored(streamed.mask, {}),
                                       read.mapping.toStored(reference.mask, {})));
            QCOMPARE(streamed.stats.zeros, reference.stats.zeros);
        }
    }
}

QTEST_GUILESS_MAIN(TestMatrixStream)
#include "tst_matrixstream.moc"
