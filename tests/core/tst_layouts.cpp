// docs/SPEC.md "Layout" and "View": MatrixMapping against index formulas written out per case,
// the masks of Keras-layout and channels-last tensors against PyTorch's WeightNormSparsifier
// (tests/data/layout_goldens.h5, made by tests/reference/make_layout_goldens.py), and the
// `auto` layout's detection of Keras files.
#include "common/paramsbuilder.h"
#include "io/matrixread.h"
#include "io/tensorfile.h"
#include "mask/sparsifier.h"
#include "tensor/matrixmapping.h"

#include <QTest>
#include <QThreadPool>
#include <numeric>

using namespace sparsity::core;

namespace {

const QString dataDir = QStringLiteral(SPARSITY_TEST_DATA_DIR);

using Shape = std::vector<std::int64_t>;

// Where stored element `index` lands in the matrix, from the SPEC's words alone: the stored
// multi-index named as (out, in, k1..km) by the layout, then rows and columns by the view.
std::pair<std::int64_t, std::int64_t> matrixPosition(const Shape& shape, std::int64_t index,
                                                     Layout layout, MatrixView view)
{
    const std::size_t rank = shape.size();
    std::vector<std::int64_t> at(rank);
    for (std::size_t i = rank; i-- > 0;) {
        at[i] = index % shape[i];
        index /= shape[i];
    }
    if (rank == 1)
        return {0, at[0]};
    std::int64_t out, in, outs, ins;
    std::vector<std::int64_t> k, ks;
    if (layout == Layout::Keras) { // (k1..km, in, out)
        out = at[rank - 1], outs = shape[rank - 1];
        in = at[rank - 2], ins = shape[rank - 2];
        k.assign(at.begin(), at.end() - 2);
        ks.assign(shape.begin(), shape.end() - 2);
    } else { // (out, in, k1..km)
        out = at[0], outs = shape[0];
        in = at[1], ins = shape[1];
        k.assign(at.begin() + 2, at.end());
        ks.assign(shape.begin() + 2, shape.end());
    }
    std::int64_t kernel = 0, kernels = 1;
    for (std::size_t i = 0; i < k.size(); ++i) {
        kernel = kernel * ks[i] + k[i];
        kernels *= ks[i];
    }
    Q_UNUSED(outs);
    if (view == MatrixView::Flatten)
        return {out, in * kernels + kernel};
    Q_UNUSED(ins);
    return {out * kernels + kernel, in};
}

WeightTensor countingTensor(const Shape& shape, Precision precision)
{
    const std::int64_t n = elementCountOf(shape);
    if (precision == Precision::Float32) {
        std::vector<float> values(static_cast<std::size_t>(n));
        std::iota(values.begin(), values.end(), 0.0f);
        return WeightTensor(shape, values);
    }
    std::vector<double> values(static_cast<std::size_t>(n));
    std::iota(values.begin(), values.end(), 0.0);
    return WeightTensor(shape, values);
}

struct GoldenCase
{
    const char* group;
    const char* input;
    const char* dataset;
    Layout layout; // what auto must resolve to
    MatrixView view;
};

const GoldenCase goldenCases[] = {
    {"keras_dense_flatten", "keras_layout.h5", "/dense/dense/kernel:0", Layout::Keras,
     MatrixView::Flatten},
    {"keras_dense_channels_last", "keras_layout.h5", "/dense/dense/kernel:0", Layout::Keras,
     MatrixView::ChannelsLast},
    {"keras_conv_flatten", "keras_layout.h5", "/conv/conv/kernel:0", Layout::Keras,
     MatrixView::Flatten},
    {"keras_conv_channels_last", "keras_layout.h5", "/conv/conv/kernel:0", Layout::Keras,
     MatrixView::ChannelsLast},
    {"torch_conv_channels_last", "layout_goldens.h5", "/torch_conv_channels_last/weights",
     Layout::Torch, MatrixView::ChannelsLast},
};

} // namespace

class TestLayouts final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void names();
    void matrixShapes_data();
    void matrixShapes();
    void toMatrixFollowsTheSpec_data();
    void toMatrixFollowsTheSpec();
    void masksGoBackToTheStoredOrder_data();
    void masksGoBackToTheStoredOrder();
    void sameResultForAnyThreadCount();
    void autoDetectsKerasFiles_data();
    void autoDetectsKerasFiles();
    void masksEqualPytorchOnTheMappedMatrix_data();
    void masksEqualPytorchOnTheMappedMatrix();
    void fortranOrderNumpyTakesTheSamePath();
    void safetensorsTakesTheSamePath();
};

void TestLayouts::names()
{
    for (const Layout layout : {Layout::Auto, Layout::Torch, Layout::Keras})
        QCOMPARE(parseLayout(layoutName(layout)), layout);
    for (const MatrixView view : {MatrixView::Flatten, MatrixView::ChannelsLast})
        QCOMPARE(parseView(viewName(view)), view);
    QCOMPARE(parseLayout(QStringLiteral(" Keras ")), Layout::Keras);
    QCOMPARE(parseView(QStringLiteral("CHANNELS-LAST")), MatrixView::ChannelsLast);
    QVERIFY(!parseLayout(QStringLiteral("tf")));
    QVERIFY(!parseView(QStringLiteral("channels_last")));
    QCOMPARE(resolveLayout(Layout::Auto, true), Layout::Keras);
    QCOMPARE(resolveLayout(Layout::Auto, false), Layout::Torch);
    QCOMPARE(resolveLayout(Layout::Torch, true), Layout::Torch);
    QCOMPARE(resolveLayout(Layout::Keras, false), Layout::Keras);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             MatrixMapping(Shape{2, 3}, Layout::Auto, MatrixView::Flatten));
}

void TestLayouts::matrixShapes_data()
{
    QTest::addColumn<Shape>("shape");
    QTest::addColumn<Layout>("layout");
    QTest::addColumn<MatrixView>("view");
    QTest::addColumn<std::int64_t>("rows");
    QTest::addColumn<std::int64_t>("cols");
    QTest::addColumn<bool>("identity");
    QTest::addColumn<bool>("sameOrder");
    const auto T = Layout::Torch;
    const auto K = Layout::Keras;
    const auto F = MatrixView::Flatten;
    const auto C = MatrixView::ChannelsLast;
    QTest::newRow("torch conv flatten")
        << Shape{16, 8, 3, 3} << T << F << std::int64_t{16} << std::int64_t{72} << true << true;
    QTest::newRow("torch conv channels-last")
        << Shape{16, 8, 3, 3} << T << C << std::int64_t{144} << std::int64_t{8} << false << false;
    QTest::newRow("keras conv flatten")
        << Shape{3, 3, 8, 16} << K << F << std::int64_t{16} << std::int64_t{72} << false << false;
    QTest::newRow("keras conv channels-last")
        << Shape{3, 3, 8, 16} << K << C << std::int64_t{144} << std::int64_t{8} << false << false;
    QTest::newRow("keras dense flatten")
        << Shape{24, 16} << K << F << std::int64_t{16} << std::int64_t{24} << false << false;
    QTest::newRow("keras dense channels-last")
        << Shape{24, 16} << K << C << std::int64_t{16} << std::int64_t{24} << false << false;
    QTest::newRow("torch dense channels-last")
        << Shape{24, 16} << T << C << std::int64_t{24} << std::int64_t{16} << true << true;
    QTest::newRow("rank 1 keras") << Shape{7} << K << C << std::int64_t{1} << std::int64_t{7}
                                  << true << true;
    QTest::newRow("1x1 conv channels-last")
        << Shape{64, 32, 1, 1} << T << C << std::int64_t{64} << std::int64_t{32} << true << true;
    QTest::newRow("keras 1x1 conv")
        << Shape{1, 1, 32, 64} << K << F << std::int64_t{64} << std::int64_t{32} << false << false;
    QTest::newRow("keras conv1d") << Shape{5, 6, 7} << K << F << std::int64_t{7} << std::int64_t{30}
                                  << false << false;
    QTest::newRow("keras conv3d channels-last")
        << Shape{2, 3, 4, 5, 6} << K << C << std::int64_t{144} << std::int64_t{5} << false << false;
    QTest::newRow("one output") << Shape{1, 9} << K << F << std::int64_t{9} << std::int64_t{1}
                                << false << true;
    QTest::newRow("one input channel")
        << Shape{64, 1, 3, 3} << T << C << std::int64_t{576} << std::int64_t{1} << false << true;
}

void TestLayouts::matrixShapes()
{
    QFETCH(Shape, shape);
    QFETCH(Layout, layout);
    QFETCH(MatrixView, view);
    QFETCH(std::int64_t, rows);
    QFETCH(std::int64_t, cols);
    QFETCH(bool, identity);
    const MatrixMapping mapping(shape, layout, view);
    QCOMPARE(mapping.rows(), rows);
    QCOMPARE(mapping.cols(), cols);
    QFETCH(bool, sameOrder);
    QCOMPARE(mapping.isIdentity(), identity);
    QCOMPARE(mapping.keepsStoredOrder(), sameOrder);
    QCOMPARE(mapping.matrixShapeText(), QStringLiteral("%1x%2").arg(rows).arg(cols));
    QCOMPARE(mapping.storedShape(), shape);
}

void TestLayouts::toMatrixFollowsTheSpec_data()
{
    QTest::addColumn<Shape>("shape");
    QTest::addColumn<Layout>("layout");
    QTest::addColumn<MatrixView>("view");
    QTest::addColumn<Precision>("precision");
    const Shape shapes[] = {{37, 70, 3, 3}, {3, 3, 67, 45},  {24, 16}, {100, 33},
                            {5, 33, 40},    {2, 3, 4, 5, 6}, {11},     {1, 1, 40, 70},
                            {64, 1, 3, 3},  {3, 1, 1, 50}};
    for (const Shape& shape : shapes)
        for (const Layout layout : {Layout::Torch, Layout::Keras})
            for (const MatrixView view : {MatrixView::Flatten, MatrixView::ChannelsLast})
                for (const Precision precision : {Precision::Float32, Precision::Float64}) {
                    QStringList dims;
                    for (const auto d : shape)
                        dims << QString::number(d);
                    QTest::addRow("%s %s %s %s", qPrintable(dims.join(QLatin1Char('x'))),
                                  qPrintable(layoutName(layout)), qPrintable(viewName(view)),
                                  precision == Precision::Float32 ? "f32" : "f64")
                        << shape << layout << view << precision;
                }
}

void TestLayouts::toMatrixFollowsTheSpec()
{
    QFETCH(Shape, shape);
    QFETCH(Layout, layout);
    QFETCH(MatrixView, view);
    QFETCH(Precision, precision);
    const MatrixMapping mapping(shape, layout, view);
    const WeightTensor matrix = mapping.toMatrix(countingTensor(shape, precision), {});
    QCOMPARE(matrix.precision(), precision);
    QCOMPARE(matrix.rows(), mapping.rows());
    QCOMPARE(matrix.cols(), mapping.cols());
    const std::int64_t n = elementCountOf(shape);
    for (std::int64_t i = 0; i < n; ++i) {
        const auto [row, col] = matrixPosition(shape, i, layout, view);
        // The counting tensor holds each element's stored index.
        if (matrix.valueAt(row, col) != double(i))
            QFAIL(qPrintable(QStringLiteral("stored %1 expected at (%2, %3), found %4 there")
                                 .arg(i)
                                 .arg(row)
                                 .arg(col)
                                 .arg(matrix.valueAt(row, col))));
        QCOMPARE(mapping.storedIndex(row, col), i);
    }
}

void TestLayouts::masksGoBackToTheStoredOrder_data()
{
    toMatrixFollowsTheSpec_data();
}

void TestLayouts::masksGoBackToTheStoredOrder()
{
    QFETCH(Shape, shape);
    QFETCH(Layout, layout);
    QFETCH(MatrixView, view);
    const MatrixMapping mapping(shape, layout, view);
    const std::int64_t n = mapping.elementCount();
    std::vector<std::uint8_t> matrixMask(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i)
        matrixMask[std::size_t(i)] = std::uint8_t((i * 7 + i / 5) % 3 != 0);
    const auto stored = mapping.toStored(matrixMask, {});
    QCOMPARE(std::int64_t(stored.size()), n);
    for (std::int64_t i = 0; i < n; ++i) {
        const auto [row, col] = matrixPosition(shape, i, layout, view);
        QCOMPARE(stored[std::size_t(i)], matrixMask[std::size_t(row * mapping.cols() + col)]);
    }
}

void TestLayouts::sameResultForAnyThreadCount()
{
    // Big enough for many work units; odd extents leave partial tiles everywhere.
    for (const auto& [shape, layout, view] :
         {std::tuple{Shape{3, 3, 257, 301}, Layout::Keras, MatrixView::Flatten},
          std::tuple{Shape{3, 3, 257, 301}, Layout::Keras, MatrixView::ChannelsLast},
          std::tuple{Shape{301, 257, 3, 3}, Layout::Torch, MatrixView::ChannelsLast},
          std::tuple{Shape{1025, 999}, Layout::Keras, MatrixView::Flatten}}) {
        const MatrixMapping mapping(shape, layout, view);
        const WeightTensor one = mapping.toMatrix(countingTensor(shape, Precision::Float32), {});
        std::vector<std::uint8_t> mask(std::size_t(mapping.elementCount()));
        for (std::size_t i = 0; i < mask.size(); ++i)
            mask[i] = std::uint8_t(i % 5 == 0);
        const auto storedOne = mapping.toStored(mask, {});
        for (const int threads : {2, 3, 8}) {
            QThreadPool pool;
            pool.setMaxThreadCount(threads);
            const ExecutionContext context{&pool, threads, nullptr};
            const WeightTensor many =
                mapping.toMatrix(countingTensor(shape, Precision::Float32), context);
            QVERIFY(std::ranges::equal(one.values<float>(), many.values<float>()));
            QVERIFY(std::ranges::equal(storedOne, mapping.toStored(mask, context)));
        }
    }
}

void TestLayouts::autoDetectsKerasFiles_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<bool>("keras");
    QTest::newRow("keras_version and layer_names on the root")
        << QStringLiteral("keras_layout.h5") << true;
    QTest::newRow("layer_names on /model_weights") << QStringLiteral("keras_model.h5") << true;
    QTest::newRow("h5py file") << QStringLiteral("layers.h5") << false;
    QTest::newRow("torch goldens") << QStringLiteral("goldens.h5") << false;
    QTest::newRow("safetensors") << QStringLiteral("safetensors/model.safetensors") << false;
    QTest::newRow("npz") << QStringLiteral("numpy/layers.npz") << false;
    QTest::newRow("npy") << QStringLiteral("numpy/dense_kernel.npy") << false;
}

void TestLayouts::autoDetectsKerasFiles()
{
    QFETCH(QString, file);
    QFETCH(bool, keras);
    QCOMPARE(openTensorFile(dataDir + QLatin1Char('/') + file)->hasKerasMarkers(), keras);
}

void TestLayouts::masksEqualPytorchOnTheMappedMatrix_data()
{
    QTest::addColumn<int>("index");
    for (int i = 0; i < int(std::size(goldenCases)); ++i)
        QTest::newRow(goldenCases[i].group) << i;
}

void TestLayouts::masksEqualPytorchOnTheMappedMatrix()
{
    QFETCH(int, index);
    const GoldenCase& c = goldenCases[index];
    const auto goldens = openTensorFile(dataDir + QStringLiteral("/layout_goldens.h5"));
    const QString group = QLatin1Char('/') + QLatin1String(c.group);
    const auto input = openTensorFile(dataDir + QLatin1Char('/') + QLatin1String(c.input));
    const QString dataset = QLatin1String(c.dataset);

    // The file's own markers choose the layout (auto).
    const MatrixRead read =
        readMatrix(*input, dataset, {Layout::Auto, c.view}, input->hasKerasMarkers(), {});
    QCOMPARE(read.mapping.layout(), c.layout);
    QCOMPARE(read.mapping.view(), c.view);
    const WeightTensor weights = goldens->readTensor(group + QStringLiteral("/weights"), {});
    QCOMPARE(read.mapping.storedShape(), weights.shape());
    QVERIFY(std::ranges::equal(input->readTensor(dataset, {}).values<float>(),
                               weights.values<float>()));

    const WeightTensor levels = goldens->readTensor(group + QStringLiteral("/level"), {});
    const WeightTensor blocks = goldens->readTensor(group + QStringLiteral("/block"), {});
    const WeightTensor zeros = goldens->readTensor(group + QStringLiteral("/zeros_per_block"), {});
    const WeightTensor norms = goldens->readTensor(group + QStringLiteral("/norm"), {});
    const WeightTensor masks = goldens->readTensor(group + QStringLiteral("/masks"), {});
    const std::int64_t cases = levels.cols();
    const std::int64_t n = read.mapping.elementCount();
    QVERIFY(cases > 0);
    QCOMPARE(masks.elementCount(), cases * n);
    for (std::int64_t i = 0; i < cases; ++i) {
        const auto params = sparsity::test::makeParams(
            levels.valueAt(0, i), std::int64_t(blocks.valueAt(i, 0)),
            std::int64_t(blocks.valueAt(i, 1)), std::int64_t(zeros.valueAt(0, i)),
            norms.valueAt(0, i) == 1.0 ? Norm::L1 : Norm::L2);
        const MaskResult result = computeMask(read.matrix, params, {});
        const auto stored = read.mapping.toStored(result.mask, {});
        const auto expected = masks.values<float>().subspan(std::size_t(i * n), std::size_t(n));
        if (!std::ranges::equal(stored, expected,
                                [](std::uint8_t a, float b) { return float(a) == b; }))
            QFAIL(qPrintable(QStringLiteral("case %1 (level %2, block %3x%4, zeros %5, l%6) "
                                            "differs from PyTorch")
                                 .arg(i)
                                 .arg(params.level)
                                 .arg(params.block.rows)
                                 .arg(params.block.cols)
                                 .arg(params.effectiveZerosPerBlock())
                                 .arg(norms.valueAt(0, i))));
    }
}

void TestLayouts::fortranOrderNumpyTakesTheSamePath()
{
    // numpy wrote (arange(108).reshape(4, 3, 3, 3) * 0.125 - 5) big-endian in Fortran order
    // (tests/reference/make_numpy_fixtures.py): channels-last puts (o, i, y, x) at
    // (o*9 + y*3 + x, i).
    const auto reader = openTensorFile(dataDir + QStringLiteral("/numpy/dtypes.npz"));
    const MatrixRead read =
        readMatrix(*reader, QStringLiteral("/conv_be_fortran"),
                   {Layout::Auto, MatrixView::ChannelsLast}, reader->hasKerasMarkers(), {});
    QCOMPARE(read.matrix.rows(), 36);
    QCOMPARE(read.matrix.cols(), 3);
    for (int o = 0; o < 4; ++o)
        for (int i = 0; i < 3; ++i)
            for (int y = 0; y < 3; ++y)
                for (int x = 0; x < 3; ++x)
                    QCOMPARE(read.matrix.valueAt(o * 9 + y * 3 + x, i),
                             (((o * 3 + i) * 3 + y) * 3 + x) * 0.125 - 5);
}

void TestLayouts::safetensorsTakesTheSamePath()
{
    // A safetensors file has no Keras markers; a forced keras layout transposes its 2-D tensor.
    const auto reader = openTensorFile(dataDir + QStringLiteral("/safetensors/model.safetensors"));
    const QString name = QStringLiteral("/model.head.weight");
    const WeightTensor stored = reader->readTensor(name, {});
    QCOMPARE(stored.shape().size(), std::size_t(2));
    const MatrixRead auto_ = readMatrix(*reader, name, {}, reader->hasKerasMarkers(), {});
    QVERIFY(auto_.mapping.isIdentity());
    const MatrixRead keras = readMatrix(*reader, name, {Layout::Keras, MatrixView::Flatten},
                                        reader->hasKerasMarkers(), {});
    QCOMPARE(keras.matrix.rows(), stored.cols());
    QCOMPARE(keras.matrix.cols(), stored.rows());
    for (std::int64_t r = 0; r < stored.rows(); ++r)
        for (std::int64_t c = 0; c < stored.cols(); ++c)
            QCOMPARE(keras.matrix.valueAt(c, r), stored.valueAt(r, c));
}

QTEST_GUILESS_MAIN(TestLayouts)
#include "tst_layouts.moc"
