// The application driven through its real widgets (offscreen): open the demo, select layers,
// move the level, change block shape, zeros and norm, and check the statistics and the drawn
// mask against core::computeMask; per-layer parameters, apply-to-all, the histogram's
// threshold, the hover read-out, mask export (read back, refused overwrite, cancel) and the
// error dialog of a broken file; image export and its errors; the menus and toolbar.
#include "common/hdf5fixtures.h"
#include "export/maskexport.h"
#include "hdf5/hdf5reader.h"
#include "heatmap/heatmapview.h"
#include "heatmap/masksource.h"
#include "histogram/histogramwidget.h"
#include "layers/layertreemodel.h"
#include "mainwindow/hoverreadout.h"
#include "mainwindow/layerview.h"
#include "mainwindow/mainwindow.h"
#include "mask/blockthreshold.h"
#include "mask/sparsifier.h"
#include "session/session.h"
#include "testsnapshots.h"
#include "windowdriver.h"

#include <QComboBox>
#include <QDir>
#include <QDropEvent>
#include <QFile>
#include <QFileDialog>
#include <QLabel>
#include <QLocale>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProcess>
#include <QProgressDialog>
#include <QPushButton>
#include <QSemaphore>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QToolBar>
#include <QTreeView>
#include <algorithm>
#include <hdf5.h>
#include <limits>
#include <map>
#include <numeric>

using namespace sparsity;
using namespace sparsity::test;
using sparsity::ui::LayerView;
using sparsity::ui::MainWindow;

Q_DECLARE_METATYPE(sparsity::core::SparsityParams)

namespace {

const QString demoFile = QStringLiteral(SPARSITY_DEMO_FILE);
const QString layersFile = QStringLiteral(SPARSITY_TEST_DATA_DIR "/layers.h5");
constexpr int asyncTimeout = 20000;

// Sets the panel's controls as a user would, one control at a time.
void setControls(MainWindow& window, const core::SparsityParams& params)
{
    child<QSpinBox>(window, "blockRowsSpinBox")->setValue(static_cast<int>(params.block.rows));
    child<QSpinBox>(window, "blockColsSpinBox")->setValue(static_cast<int>(params.block.cols));
    auto* zeros = child<QSpinBox>(window, "zerosSpinBox");
    zeros->setValue(static_cast<int>(params.effectiveZerosPerBlock()));
    auto* norm = child<QComboBox>(window, "normComboBox");
    norm->setCurrentIndex(norm->findData(static_cast<int>(params.norm)));
    child<QSlider>(window, "levelSlider")
        ->setValue(static_cast<int>(std::lround(params.level * 1000)));
}

QModelIndex treeIndex(QTreeView* view, const QString& path)
{
    return view->model()
        ->match(view->model()->index(0, 0), ui::LayerTreeModel::DatasetPathRole, path, 1,
                Qt::MatchExactly | Qt::MatchRecursive)
        .value(0);
}

// A float32 layer holding one NaN and one +inf among ordinary weights.
bool writeNonFiniteLayer(const QString& path)
{
    std::vector<float> values(8 * 12);
    for (std::size_t i = 0; i < values.size(); ++i)
        values[i] = 0.01f * static_cast<float>((i * 37) % 23) - 0.1f;
    values[5] = std::numeric_limits<float>::quiet_NaN();
    values[40] = std::numeric_limits<float>::infinity();
    const hid_t file =
        H5Fcreate(path.toUtf8().constData(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    const hsize_t dims[2] = {8, 12};
    const hid_t space = H5Screate_simple(2, dims, nullptr);
    const hid_t dataset =
        H5Dcreate2(file, "/w", H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    const bool ok =
        file >= 0 && dataset >= 0 &&
        H5Dwrite(dataset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0;
    H5Dclose(dataset);
    H5Sclose(space);
    H5Fclose(file);
    return ok;
}

// Answers the next modal question box with `button`, once it shows up.
void answerNextQuestion(QMessageBox::StandardButton button, bool* asked)
{
    QTimer::singleShot(0, [button, asked] {
        auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
        if (!box) {
            answerNextQuestion(button, asked); // not shown yet
            return;
        }
        *asked = true;
        box->button(button)->click();
    });
}

} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private:
    std::map<QString, core::WeightTensor> m_weights; // the demo's layers, read by the test
    QStringList m_demoLayers;

    std::unique_ptr<MainWindow> openDemo(const QString& layer = {})
    {
        auto window = std::make_unique<MainWindow>();
        window->show();
        window->openDemo(layer);
        const QString expected = layer.isEmpty() ? QStringLiteral("/mlp/fc2/weight") : layer;
        [&] {
            QTRY_COMPARE_WITH_TIMEOUT(window->session()->currentLayer(), expected, asyncTimeout);
        }();
        [&] { QVERIFY(waitIdle(*window, asyncTimeout)); }();
        return window;
    }

private Q_SLOTS:
    void initTestCase()
    {
        qRegisterMetaType<core::SparsityParams>();
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SparsityExplorerTests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_mainwindow"));
        QSettings().clear();
        const auto reader = core::Hdf5Reader::open(demoFile);
        for (const core::DatasetInfo& info : core::defaultLayers(reader->listTree())) {
            m_weights.emplace(info.path, reader->readTensor(info.path, {}));
            m_demoLayers << info.path;
        }
        QCOMPARE(m_demoLayers.size(), 7);
    }

    void opensTheDemoOnTheDefaultLayer()
    {
        auto window = openDemo();
        auto* tree = child<QTreeView>(*window, "layerTree");
        QCOMPARE(tree->model()->rowCount(), 2); // cnn, mlp
        QCOMPARE(tree->currentIndex().data(ui::LayerTreeModel::DatasetPathRole).toString(),
                 QStringLiteral("/mlp/fc2/weight"));
        const auto snapshot = shown(*window);
        QVERIFY(snapshot);
        QCOMPARE(snapshot->params, ui::Session::defaultParams());
        QVERIFY(!window->layerView()->heatmap()->renderedImage().isNull());
        QCOMPARE(text(*window, "statsLayer"), QStringLiteral("/mlp/fc2/weight"));
        QVERIFY(text(*window, "statsShape").startsWith(QStringLiteral("128 × 256")));
        QVERIFY(!child<QWidget>(*window, "nonFiniteWarning")->isVisibleTo(window.get()));
        QVERIFY(window->windowTitle().contains(QStringLiteral("/mlp/fc2/weight")));
        QVERIFY(child<QComboBox>(*window, "colormapComboBox")->count() >= 4);
    }

    // Parameters set through the widgets give exactly core::computeMask's mask and
    // statistics, and the drawn mask shows it element by element.
    void masksMatchTheCore_data()
    {
        QTest::addColumn<QString>("layer");
        QTest::addColumn<core::SparsityParams>("params");
        QTest::newRow("fc2 4x4 70%")
            << "/mlp/fc2/weight" << test::makeParams(0.7, 4, 4, std::nullopt);
        QTest::newRow("fc2 8x8 33.3% L1")
            << "/mlp/fc2/weight" << test::makeParams(0.333, 8, 8, std::nullopt, core::Norm::L1);
        QTest::newRow("fc2 2:4") << "/mlp/fc2/weight" << test::makeParams(1.0, 1, 4, 2);
        QTest::newRow("fc2 3x5 partial 40%") << "/mlp/fc2/weight" << test::makeParams(0.4, 3, 5, 7);
        QTest::newRow("fc1 1x1 90%")
            << "/mlp/fc1/weight" << test::makeParams(0.9, 1, 1, std::nullopt);
        QTest::newRow("conv2 4x1 50%")
            << "/cnn/conv2/weight" << test::makeParams(0.5, 4, 1, std::nullopt);
        QTest::newRow("cnn fc2 block > matrix")
            << "/cnn/fc2/weight" << test::makeParams(0.5, 16, 100, std::nullopt);
        QTest::newRow("fc3 level 0")
            << "/mlp/fc3/weight" << test::makeParams(0.0, 2, 2, std::nullopt);
        QTest::newRow("fc3 level 100%")
            << "/mlp/fc3/weight" << test::makeParams(1.0, 2, 2, std::nullopt);
        QTest::newRow("fc3 zero zeros") << "/mlp/fc3/weight" << test::makeParams(0.6, 2, 2, 0);
    }
    void masksMatchTheCore()
    {
        QFETCH(QString, layer);
        QFETCH(core::SparsityParams, params);
        auto window = openDemo(layer);
        setControls(*window, params);
        QVERIFY(waitIdle(*window, asyncTimeout));

        const auto snapshot = shown(*window);
        QVERIFY(snapshot);
        QCOMPARE(snapshot->datasetPath, layer);
        QCOMPARE(snapshot->params, params);
        QCOMPARE(window->session()->params(layer), params);

        const core::WeightTensor& weights = m_weights.at(layer);
        const core::MaskResult expected = core::computeMask(weights, params, {});
        QVERIFY(snapshot->mask);
        QVERIFY(std::equal(snapshot->mask->begin(), snapshot->mask->end(), expected.mask.begin(),
                           expected.mask.end()));
        QCOMPARE(snapshot->stats.zeros, expected.stats.zeros);
        QCOMPARE(snapshot->stats.prunedBlocks, expected.stats.prunedBlocks);
        QCOMPARE(snapshot->stats.achievedSparsity, expected.stats.achievedSparsity);
        QCOMPARE(snapshot->stats.retainedEnergy, expected.stats.retainedEnergy);

        // The statistics panel says the same.
        const QLocale locale;
        QCOMPARE(text(*window, "statsZeros"),
                 QStringLiteral("%1 of %2")
                     .arg(locale.toString(static_cast<qlonglong>(expected.stats.zeros)),
                          locale.toString(static_cast<qlonglong>(expected.stats.elements))));
        QVERIFY(
            text(*window, "statsPrunedBlocks")
                .startsWith(locale.toString(static_cast<qlonglong>(expected.stats.prunedBlocks))));
        QVERIFY(text(*window, "statsSparsity")
                    .startsWith(locale.toString(expected.stats.achievedSparsity * 100.0, 'f', 2)));
        QCOMPARE(text(*window, "statsRetainedEnergy"),
                 locale.toString(expected.stats.retainedEnergy * 100.0, 'f', 2) +
                     QStringLiteral(" %"));
        QCOMPARE(text(*window, "statsRetainedL1"),
                 locale.toString(expected.stats.retainedL1 * 100.0, 'f', 2) + QStringLiteral(" %"));

        // The mask view draws each element in its category's colour.
        window->layerView()->setKind(LayerView::Kind::Mask);
        QVERIFY(waitIdle(*window, asyncTimeout));
        const auto source = window->layerView()->heatmap()->source();
        QVERIFY(dynamic_cast<const ui::MaskSource*>(source.get()));
        const QImage image = ui::HeatmapView::renderFullResolution(*source, 1 << 14);
        QCOMPARE(image.size(),
                 QSize(static_cast<int>(weights.cols()), static_cast<int>(weights.rows())));
        const core::BlockNorms norms =
            core::computeBlockNorms(weights, params.block, params.norm, {});
        const std::vector<std::uint8_t> pruned =
            core::prunedFlags(norms, weights, expected.threshold);
        const core::BlockGrid grid{weights.rows(), weights.cols(), params.block};
        // A pruned block whose valid elements are all zeroed (always so when zeros per block
        // covers the block) is drawn as a pruned block; otherwise its elements are told apart.
        std::vector<std::uint8_t> keepsSome(static_cast<std::size_t>(grid.blockCount()), 0);
        for (std::int64_t r = 0; r < weights.rows(); ++r)
            for (std::int64_t c = 0; c < weights.cols(); ++c)
                keepsSome[static_cast<std::size_t>(grid.blockIndexOf(r, c))] |=
                    expected.mask[static_cast<std::size_t>(r * weights.cols() + c)];
        using Category = ui::MaskSource::Category;
        for (std::int64_t r = 0; r < weights.rows(); ++r) {
            for (std::int64_t c = 0; c < weights.cols(); ++c) {
                const auto b = static_cast<std::size_t>(grid.blockIndexOf(r, c));
                const bool kept =
                    expected.mask[static_cast<std::size_t>(r * weights.cols() + c)] != 0;
                const bool blockPruned =
                    pruned[b] != 0 && params.level > 0 && params.effectiveZerosPerBlock() > 0;
                const Category category = !blockPruned    ? Category::Kept
                                          : !keepsSome[b] ? Category::PrunedBlock
                                          : kept          ? Category::KeptInPartBlock
                                                          : Category::ZeroedInPartBlock;
                if (image.pixel(static_cast<int>(c), static_cast<int>(r)) !=
                    ui::MaskSource::categoryColor(category))
                    QFAIL(qPrintable(QStringLiteral("element (%1, %2) drawn as the wrong category")
                                         .arg(r)
                                         .arg(c)));
            }
        }
    }

    // Every step of a slider drag is computed (no sliderReleased) and the screen ends at the
    // last one.
    void draggingTheSliderEndsOnTheLastValue()
    {
        auto window = openDemo();
        auto* slider = child<QSlider>(*window, "levelSlider");
        QSignalSpy shownSpy(window->layerView(), &LayerView::snapshotShown);
        slider->setSliderDown(true);
        for (int v = 0; v <= 1000; v += 10) {
            slider->setValue(v);
            QCoreApplication::processEvents();
        }
        slider->setSliderDown(false);
        QVERIFY(waitIdle(*window, asyncTimeout));
        QCOMPARE(shown(*window)->params.level, 1.0);
        QVERIFY(shownSpy.count() >= 2); // intermediate results were drawn while dragging
        QCOMPARE(shown(*window)->stats.zeros, shown(*window)->stats.elements);
    }

    void presetTwoFour()
    {
        auto window = openDemo();
        auto* preset = child<QComboBox>(*window, "presetComboBox");
        const int index = preset->findText(QStringLiteral("2:4"), Qt::MatchStartsWith);
        QVERIFY(index > 0);
        preset->setCurrentIndex(index);
        Q_EMIT preset->activated(index);
        QVERIFY(waitIdle(*window, asyncTimeout));
        const auto snapshot = shown(*window);
        QCOMPARE(snapshot->params, test::makeParams(1.0, 1, 4, 2));
        QCOMPARE(snapshot->stats.achievedSparsity, 0.5);
        QCOMPARE(child<QSpinBox>(*window, "zerosSpinBox")->value(), 2);
    }

    void layersKeepTheirOwnParameters()
    {
        auto window = openDemo();
        auto* tree = child<QTreeView>(*window, "layerTree");
        const auto a = test::makeParams(0.3, 8, 8, std::nullopt);
        const auto b = test::makeParams(0.7, 1, 4, 1, core::Norm::L1);
        setControls(*window, a);
        QVERIFY(waitIdle(*window, asyncTimeout));

        tree->setCurrentIndex(treeIndex(tree, QStringLiteral("/cnn/fc1/weight")));
        QTRY_COMPARE(window->session()->currentLayer(), QStringLiteral("/cnn/fc1/weight"));
        QVERIFY(waitIdle(*window, asyncTimeout));
        // A layer not touched yet starts from the defaults, not from the last layer's.
        QCOMPARE(shown(*window)->params, ui::Session::defaultParams());
        setControls(*window, b);
        QVERIFY(waitIdle(*window, asyncTimeout));
        QCOMPARE(shown(*window)->params, b);

        tree->setCurrentIndex(treeIndex(tree, QStringLiteral("/mlp/fc2/weight")));
        QVERIFY(waitIdle(*window, asyncTimeout));
        QCOMPARE(shown(*window)->datasetPath, QStringLiteral("/mlp/fc2/weight"));
        QCOMPARE(shown(*window)->params, a);
        QCOMPARE(child<QSlider>(*window, "levelSlider")->value(), 300);
        QCOMPARE(child<QSpinBox>(*window, "blockRowsSpinBox")->value(), 8);

        tree->setCurrentIndex(treeIndex(tree, QStringLiteral("/cnn/fc1/weight")));
        QVERIFY(waitIdle(*window, asyncTimeout));
        QCOMPARE(shown(*window)->params, b);
        QCOMPARE(child<QComboBox>(*window, "normComboBox")->currentData().toInt(),
                 static_cast<int>(core::Norm::L1));
    }

    void applyToAllLayers()
    {
        auto window = openDemo();
        const auto params = test::makeParams(0.62, 2, 8, 5, core::Norm::L1);
        setControls(*window, params);
        QVERIFY(waitIdle(*window, asyncTimeout));
        child<QPushButton>(*window, "applyToAllButton")->click();
        for (const QString& layer : std::as_const(m_demoLayers))
            QCOMPARE(window->session()->params(layer), params);
        auto* tree = child<QTreeView>(*window, "layerTree");
        tree->setCurrentIndex(treeIndex(tree, QStringLiteral("/cnn/conv1/weight")));
        QVERIFY(waitIdle(*window, asyncTimeout));
        QCOMPARE(shown(*window)->datasetPath, QStringLiteral("/cnn/conv1/weight"));
        QCOMPARE(shown(*window)->params, params);
        QCOMPARE(child<QSpinBox>(*window, "zerosSpinBox")->value(), 5);
    }

    void draggingTheHistogramThresholdSetsTheLevel()
    {
        auto window = openDemo();
        auto* histogram = child<ui::HistogramWidget>(*window, "normHistogram");
        QTRY_VERIFY(histogram->data() != nullptr);
        const QRectF plot = histogram->plotRect();
        const double x = plot.left() + plot.width() * 0.3;
        const double fraction = histogram->data()->fractionBelow(histogram->valueAtX(x));
        const QPoint at(static_cast<int>(std::lround(x)), static_cast<int>(plot.center().y()));
        QTest::mousePress(histogram, Qt::LeftButton, {}, at);
        QTest::mouseMove(histogram, at);
        QTest::mouseRelease(histogram, Qt::LeftButton, {}, at);
        QVERIFY(waitIdle(*window, asyncTimeout));
        const double level = std::round(fraction * 1000.0) / 1000.0;
        QCOMPARE(shown(*window)->params.level, level);
        QCOMPARE(child<QSlider>(*window, "levelSlider")->value(),
                 static_cast<int>(std::lround(level * 1000)));
        // The line moved to the new threshold: the norm of the last pruned block.
        const auto snapshot = shown(*window);
        QCOMPARE(histogram->threshold(), core::blockNormAt(*snapshot->norms, *snapshot->weights,
                                                           snapshot->threshold.index));
    }

    void hoverShowsElementBlockAndRank()
    {
        auto window = openDemo();
        auto* heatmap = window->layerView()->heatmap();
        auto* readout = child<ui::HoverReadout>(*window, "hoverReadout");
        const auto snapshot = shown(*window);
        const qint64 row = 37, col = 150;
        Q_EMIT heatmap->hovered(row, col);
        const core::WeightTensor& weights = m_weights.at(QStringLiteral("/mlp/fc2/weight"));
        const core::BlockGrid grid{weights.rows(), weights.cols(), snapshot->params.block};
        const std::int64_t block = grid.blockIndexOf(row, col);
        // Rank by sorting every block as docs/SPEC.md orders them.
        std::vector<std::int64_t> order(static_cast<std::size_t>(grid.blockCount()));
        std::iota(order.begin(), order.end(), 0);
        std::sort(order.begin(), order.end(), [&](std::int64_t x, std::int64_t y) {
            const auto kx = core::blockKeyAt(*snapshot->norms, weights, x);
            const auto ky = core::blockKeyAt(*snapshot->norms, weights, y);
            return kx != ky ? kx < ky : x < y;
        });
        const auto rank = std::find(order.begin(), order.end(), block) - order.begin();
        QTRY_COMPARE(readout->shownRank(), static_cast<std::int64_t>(rank));
        const QString shownText = readout->text();
        QVERIFY2(shownText.contains(QStringLiteral("row 37, col 150")), qPrintable(shownText));
        QVERIFY2(shownText.contains(
                     QStringLiteral("rank %1 of %2")
                         .arg(QLocale().toString(static_cast<qlonglong>(rank + 1)),
                              QLocale().toString(static_cast<qlonglong>(grid.blockCount())))),
                 qPrintable(shownText));
        const bool kept =
            (*snapshot->mask)[static_cast<std::size_t>(row * weights.cols() + col)] != 0;
        QVERIFY(shownText.endsWith(kept ? QStringLiteral("kept") : QStringLiteral("pruned")));
        Q_EMIT heatmap->hovered(-1, -1);
        QVERIFY(!readout->text().contains(QStringLiteral("row 37")));
    }

    void exportsMasksOfAllLayers()
    {
        auto window = openDemo();
        // Two layers with their own parameters, the rest with the defaults.
        setControls(*window, test::makeParams(0.25, 2, 2, std::nullopt));
        QVERIFY(waitIdle(*window, asyncTimeout));
        window->session()->selectLayer(QStringLiteral("/cnn/conv2/weight"));
        QVERIFY(waitIdle(*window, asyncTimeout));
        setControls(*window, test::makeParams(0.8, 1, 4, 2, core::Norm::L1));
        QVERIFY(waitIdle(*window, asyncTimeout));

        QTemporaryDir dir;
        const QString output = dir.filePath(QStringLiteral("masks.h5"));
        QSignalSpy exported(window.get(), &MainWindow::masksExported);
        window->exportMasks(output, true);
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, asyncTimeout);
        QCOMPARE(exported.at(0).at(1).toBool(), true);

        const auto reader = core::Hdf5Reader::open(output);
        QStringList written;
        for (const core::DatasetInfo& info : reader->listTree())
            if (info.kind == core::NodeKind::Dataset)
                written << info.path;
        QCOMPARE(written, m_demoLayers);
        for (const QString& layer : std::as_const(m_demoLayers)) {
            const core::SparsityParams params = window->session()->params(layer);
            const core::MaskResult expected = core::computeMask(m_weights.at(layer), params, {});
            const core::WeightTensor mask = reader->readTensor(layer, {});
            QCOMPARE(mask.shape(), m_weights.at(layer).shape());
            const auto values = mask.values<float>();
            QVERIFY2(std::equal(values.begin(), values.end(), expected.mask.begin(),
                                expected.mask.end(),
                                [](float v, std::uint8_t m) { return v == static_cast<float>(m); }),
                     qPrintable(layer));
        }
        QCOMPARE(window->session()->params(QStringLiteral("/cnn/conv2/weight")),
                 test::makeParams(0.8, 1, 4, 2, core::Norm::L1));
        // The demo's readable copy is a temporary file: the masks name the demo instead.
        QCOMPARE(test::readStringAttribute(output, m_demoLayers.first(), "source_file"),
                 QStringLiteral("digits.h5 (demo)"));
    }

    void exportsTheCurrentLayerOnly()
    {
        auto window = openDemo();
        QTemporaryDir dir;
        const QString output = dir.filePath(QStringLiteral("one.h5"));
        QSignalSpy exported(window.get(), &MainWindow::masksExported);
        window->exportMasks(output, false);
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, asyncTimeout);
        QStringList written;
        for (const core::DatasetInfo& info : core::Hdf5Reader::open(output)->listTree())
            if (info.kind == core::NodeKind::Dataset)
                written << info.path;
        QCOMPARE(written, QStringList{QStringLiteral("/mlp/fc2/weight")});
    }

    void asksBeforeOverwriting()
    {
        auto window = openDemo();
        QTemporaryDir dir;
        const QString output = dir.filePath(QStringLiteral("existing.h5"));
        {
            QFile file(output);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("keep me");
        }
        QSignalSpy exported(window.get(), &MainWindow::masksExported);
        bool asked = false;
        // The export job finds the existing file on the I/O thread, then the window asks.
        answerNextQuestion(QMessageBox::No, &asked);
        window->exportMasks(output, false);
        QTRY_VERIFY_WITH_TIMEOUT(asked, asyncTimeout);
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, asyncTimeout);
        QCOMPARE(exported.at(0).at(1).toBool(), false);
        QFile file(output);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), QByteArray("keep me"));
        file.close();

        asked = false;
        answerNextQuestion(QMessageBox::Yes, &asked);
        window->exportMasks(output, false);
        QTRY_VERIFY_WITH_TIMEOUT(asked, asyncTimeout);
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 2, asyncTimeout);
        QCOMPARE(exported.at(1).at(1).toBool(), true);
        QCOMPARE(
            core::Hdf5Reader::open(output)->describe(QStringLiteral("/mlp/fc2/weight")).typeName,
            QStringLiteral("uint8"));
    }

    void cancellingAnExportLeavesNoFile()
    {
        auto window = openDemo();
        QTemporaryDir dir;
        const QString output = dir.filePath(QStringLiteral("cancelled.h5"));
        // Hold the I/O thread so the export cannot finish before the cancel arrives.
        QSemaphore gate;
        window->session()->ioPool()->start([&gate] { gate.acquire(); });
        QSignalSpy exported(window.get(), &MainWindow::masksExported);
        window->exportMasks(output, true);
        auto* progress = window->findChild<QProgressDialog*>(QStringLiteral("exportProgress"));
        QVERIFY(progress);
        QVERIFY(!window->isIdle());
        auto* cancel = progress->findChild<QPushButton*>();
        QVERIFY(cancel);
        cancel->click();
        gate.release();
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, asyncTimeout);
        QCOMPARE(exported.at(0).at(1).toBool(), false);
        QVERIFY(!QFile::exists(output));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot),
                 QStringList());
        QTRY_VERIFY(!window->findChild<QProgressDialog*>(QStringLiteral("exportProgress")));
        QVERIFY(waitIdle(*window, asyncTimeout));
    }

    void exportsTheViewAsImage_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<bool>("written");
        QTest::newRow("written") << QStringLiteral("view.png") << true;
        // Rendered but not written: an error dialog names the path and no file appears.
        QTest::newRow("no such folder") << QStringLiteral("missing/view.png") << false;
    }

    void exportsTheViewAsImage()
    {
        QFETCH(QString, name);
        QFETCH(bool, written);
        auto window = openDemo();
        QTemporaryDir dir;
        const QString output = dir.filePath(name);
        QSignalSpy exported(window.get(), &MainWindow::imageExported);
        window->exportImage(output);
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, asyncTimeout);
        QCOMPARE(exported.at(0).at(0).toString(), output);
        QCOMPARE(exported.at(0).at(1).toBool(), written);
        if (written) {
            QCOMPARE(QImage(output).size(), QSize(256, 128)); // one pixel per weight
            return;
        }
        auto* box = window->findChild<QMessageBox*>(QStringLiteral("errorDialog"));
        QVERIFY(box);
        QVERIFY2(box->informativeText().contains(output), qPrintable(box->informativeText()));
        QVERIFY(!QFile::exists(output));
        box->button(QMessageBox::Ok)->click();
        QVERIFY(waitIdle(*window, asyncTimeout));
    }

    // Before any layer is drawn there is nothing to export: a dialog, no signal.
    void imageExportWithoutAnImageShowsAnError()
    {
        MainWindow window;
        window.show();
        QTemporaryDir dir;
        const QString output = dir.filePath(QStringLiteral("view.png"));
        QSignalSpy exported(&window, &MainWindow::imageExported);
        window.exportImage(output);
        auto* box = window.findChild<QMessageBox*>(QStringLiteral("errorDialog"));
        QVERIFY(box);
        QCOMPARE(box->informativeText(), QStringLiteral("There is no image yet."));
        box->button(QMessageBox::Ok)->click();
        QCOMPARE(exported.count(), 0);
        QVERIFY(!QFile::exists(output));
    }

    // The menus, their entries with shortcuts, and the toolbar, as a user finds them.
    void menusAndToolbar()
    {
        MainWindow window;
        const auto entries = [](const QList<QAction*>& actions) {
            QStringList list;
            for (const QAction* action : actions) {
                if (action->isSeparator())
                    list << QStringLiteral("-");
                else if (action->menu())
                    list << action->text() + QStringLiteral(" >");
                else
                    list << action->text() + QLatin1Char(' ') +
                                action->shortcut().toString(QKeySequence::PortableText);
            }
            return list;
        };
        QStringList menus;
        for (const QAction* action : window.menuBar()->actions())
            menus << action->text() + QStringLiteral(": ") +
                         entries(action->menu()->actions()).join(QStringLiteral(" | "));
        const QString open = QKeySequence(QKeySequence::Open).toString(QKeySequence::PortableText);
        const QString quit = QKeySequence(QKeySequence::Quit).toString(QKeySequence::PortableText);
        const QString zoomIn =
            QKeySequence(QKeySequence::ZoomIn).toString(QKeySequence::PortableText);
        const QString zoomOut =
            QKeySequence(QKeySequence::ZoomOut).toString(QKeySequence::PortableText);
        const QStringList expected{
            QStringLiteral("&File: &Open… %1 | Open &Recent > | Open &Demo Weights  | - | "
                           "Restore &Last Session  | Open &Session…  | Save Session &As…  | - | "
                           "&Export Masks… Ctrl+E | Export &Pruned Weights…  | "
                           "Export &Image… Ctrl+Shift+E | - | &Quit %2")
                .arg(open, quit),
            QStringLiteral("&Edit: Copy as &PyTorch "),
            QStringLiteral("&View: Zoom &In %1 | Zoom &Out %2 | &Fit to Window Ctrl+0 | "
                           "&Actual Size (1:1) Ctrl+1 | - | |&Weights| Alt+1 | "
                           "&Block Norms Alt+2 | &Mask Alt+3 | Mask &over Weights Alt+4 | "
                           "&Compare A/B Alt+5 | &Logarithmic Scale Ctrl+L | - | "
                           "&Pin Mask as A Ctrl+Shift+P | &Unpin A  | - | &Language > | - | "
                           "Layers  | Parameters  | Statistics  | Block Norm Histogram  | "
                           "Model  | Curves  | Compare  | Learn ")
                .arg(zoomIn, zoomOut),
            QStringLiteral("&Layer: Apply Parameters to &All Layers Ctrl+Shift+A"),
            QStringLiteral("&Help: &Learn Block Sparsity…  | &About Sparsity Explorer "),
        };
        QCOMPARE(menus, expected);
        auto* tools = window.findChild<QToolBar*>(QStringLiteral("mainToolBar"));
        QVERIFY(tools);
        QCOMPARE(entries(tools->actions()),
                 (QStringList{
                     QStringLiteral("&Open… ") + open, QStringLiteral("&Export Masks… Ctrl+E"),
                     QStringLiteral("Export &Image… Ctrl+Shift+E"), QStringLiteral("-"),
                     QStringLiteral("Zoom &In ") + zoomIn, QStringLiteral("Zoom &Out ") + zoomOut,
                     QStringLiteral("&Fit to Window Ctrl+0"),
                     QStringLiteral("&Actual Size (1:1) Ctrl+1")}));
    }

    void brokenFileShowsAnErrorAndKeepsTheSession()
    {
        auto window = openDemo();
        QTemporaryDir dir;
        const QString broken = dir.filePath(QStringLiteral("broken.h5"));
        {
            QFile file(broken);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("this is not an HDF5 file");
        }
        window->openFile(broken);
        QMessageBox* box = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT(
            (box = window->findChild<QMessageBox*>(QStringLiteral("errorDialog"))) &&
                box->isVisible(),
            asyncTimeout);
        QVERIFY2(box->informativeText().contains(broken), qPrintable(box->informativeText()));
        box->button(QMessageBox::Ok)->click();
        // Still the demo, still usable.
        QVERIFY(window->session()->isDemo());
        QCOMPARE(window->session()->currentLayer(), QStringLiteral("/mlp/fc2/weight"));
        child<QSlider>(*window, "levelSlider")->setValue(900);
        QVERIFY(waitIdle(*window, asyncTimeout));
        QCOMPARE(shown(*window)->params.level, 0.9);

        // A missing file names itself too, and is not added to the recent files.
        window->openFile(dir.filePath(QStringLiteral("missing.h5")));
        QTRY_VERIFY_WITH_TIMEOUT(
            (box = window->findChild<QMessageBox*>(QStringLiteral("errorDialog"))) &&
                box->isVisible(),
            asyncTimeout);
        QVERIFY(box->informativeText().contains(QStringLiteral("missing.h5")));
        box->button(QMessageBox::Ok)->click();
        QVERIFY(!MainWindow::recentFiles().contains(dir.filePath(QStringLiteral("missing.h5"))));
    }

    void nonFiniteWeightsShowAWarning()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("nonfinite.h5"));
        QVERIFY(writeNonFiniteLayer(path));
        MainWindow window;
        window.show();
        window.openFile(path);
        QTRY_COMPARE_WITH_TIMEOUT(window.session()->currentLayer(), QStringLiteral("/w"),
                                  asyncTimeout);
        QVERIFY(waitIdle(window, asyncTimeout));
        QCOMPARE(shown(window)->stats.nonFiniteWeights, 2);
        auto* warning = child<QLabel>(window, "nonFiniteWarning");
        QVERIFY(warning->isVisibleTo(&window));
        QVERIFY2(warning->text().contains(QStringLiteral("2 weight")), qPrintable(warning->text()));

        // A clean layer hides it again.
        window.openDemo();
        QTRY_COMPARE_WITH_TIMEOUT(window.session()->currentLayer(),
                                  QStringLiteral("/mlp/fc2/weight"), asyncTimeout);
        QVERIFY(waitIdle(window, asyncTimeout));
        QVERIFY(!warning->isVisibleTo(&window));
    }

    void opensADroppedFileAndRecentFiles()
    {
        QSettings().remove(QStringLiteral("recentFiles"));
        auto window = openDemo();
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(layersFile)});
        QDragEnterEvent enter(QPoint(200, 200), Qt::CopyAction, &mime, Qt::LeftButton,
                              Qt::NoModifier);
        QApplication::sendEvent(window.get(), &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(200, 200), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(window.get(), &drop);
        QTRY_COMPARE_WITH_TIMEOUT(window->session()->filePath(),
                                  QFileInfo(layersFile).absoluteFilePath(), asyncTimeout);
        QVERIFY(waitIdle(*window, asyncTimeout));
        QCOMPARE(window->session()->currentLayer(), QStringLiteral("/conv/weight"));

        // Back to the demo, then the recent-files menu reopens the dropped file.
        window->openDemo();
        QTRY_VERIFY_WITH_TIMEOUT(window->session()->isDemo(), asyncTimeout);
        QVERIFY(waitIdle(*window, asyncTimeout));
        auto* recent = window->findChild<QMenu*>(QStringLiteral("recentMenu"));
        QVERIFY(recent);
        Q_EMIT recent->aboutToShow();
        QVERIFY(!recent->actions().isEmpty());
        QCOMPARE(recent->actions().first()->statusTip(),
                 QDir::toNativeSeparators(QFileInfo(layersFile).absoluteFilePath()));
        recent->actions().first()->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(window->session()->filePath(),
                                  QFileInfo(layersFile).absoluteFilePath(), asyncTimeout);
        QVERIFY(waitIdle(*window, asyncTimeout));
    }

    // NumPy files: offered by the Open dialog's filter, opened when dropped, and reopened
    // from the recent files like HDF5 ones.
    void opensNumpyFilesFromTheDialogDropAndRecentFiles()
    {
        QSettings().remove(QStringLiteral("recentFiles"));
        auto window = openDemo();
        auto* open = window->findChild<QAction*>(QStringLiteral("openAction"));
        QVERIFY(open);
        QStringList filters;
        QTimer::singleShot(0, window.get(), [&filters] {
            auto* dialog = qobject_cast<QFileDialog*>(QApplication::activeModalWidget());
            if (dialog == nullptr)
                return;
            filters = dialog->nameFilters();
            dialog->reject();
        });
        open->trigger();
        QVERIFY2(!filters.isEmpty(), "the Open dialog did not show");
        QVERIFY2(filters.first().contains(QStringLiteral("*.npy")) &&
                     filters.first().contains(QStringLiteral("*.npz")) &&
                     filters.first().contains(QStringLiteral("*.h5")),
                 qPrintable(filters.join(QStringLiteral(" | "))));

        const QString npz = QStringLiteral(SPARSITY_TEST_DATA_DIR "/numpy/layers_compressed.npz");
        const QString npy = QStringLiteral(SPARSITY_TEST_DATA_DIR "/numpy/dense_kernel.npy");
        for (const QString& file : {npz, npy}) {
            QMimeData mime;
            mime.setUrls({QUrl::fromLocalFile(file)});
            QDragEnterEvent enter(QPoint(200, 200), Qt::CopyAction, &mime, Qt::LeftButton,
                                  Qt::NoModifier);
            QApplication::sendEvent(window.get(), &enter);
            QVERIFY(enter.isAccepted());
            QDropEvent drop(QPointF(200, 200), Qt::CopyAction, &mime, Qt::LeftButton,
                            Qt::NoModifier);
            QApplication::sendEvent(window.get(), &drop);
            QTRY_COMPARE_WITH_TIMEOUT(window->session()->filePath(),
                                      QFileInfo(file).absoluteFilePath(), asyncTimeout);
            QVERIFY(waitIdle(*window, asyncTimeout));
        }
        // The .npy's one array is shown, with the same weights as the .npz member it came from.
        QCOMPARE(window->session()->currentLayer(), QStringLiteral("/dense_kernel"));
        QCOMPARE(
            MainWindow::recentFiles().mid(0, 2),
            (QStringList{QFileInfo(npy).absoluteFilePath(), QFileInfo(npz).absoluteFilePath()}));

        auto* recent = window->findChild<QMenu*>(QStringLiteral("recentMenu"));
        QVERIFY(recent);
        Q_EMIT recent->aboutToShow();
        QCOMPARE(recent->actions().value(1)->statusTip(),
                 QDir::toNativeSeparators(QFileInfo(npz).absoluteFilePath()));
        recent->actions().value(1)->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(window->session()->filePath(), QFileInfo(npz).absoluteFilePath(),
                                  asyncTimeout);
        QVERIFY(waitIdle(*window, asyncTimeout));
        QCOMPARE(window->session()->currentLayer(), QStringLiteral("/conv/weight"));
        QStringList layers;
        for (const core::DatasetInfo& info : window->session()->tree())
            layers << info.path;
        QVERIFY2(layers.contains(QStringLiteral("/nested/deep/w")), qPrintable(layers.join(u' ')));
    }

    // The command line: a file, a layer and --screenshot, which exits 0 once all is drawn.
    void screenshotFromTheCommandLine()
    {
        QTemporaryDir dir;
        const QString shot = dir.filePath(QStringLiteral("shot.png"));
        QProcess app;
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        app.setProcessEnvironment(environment);
        app.start(QStringLiteral(SPARSITY_EXPLORER_PATH),
                  {demoFile, QStringLiteral("--layer"), QStringLiteral("/cnn/fc1/weight"),
                   QStringLiteral("--screenshot"), shot});
        QVERIFY(app.waitForFinished(90000));
        QCOMPARE(app.exitStatus(), QProcess::NormalExit);
        QCOMPARE(app.exitCode(), 0);
        const QImage image(shot);
        QVERIFY(!image.isNull());
        QVERIFY(image.width() >= 800 && image.height() >= 600);
    }

    // A screenshot of a file that cannot be opened is no screenshot: exit 1, the reason on
    // stderr, no PNG (it used to save the error dialog and exit 0).
    void screenshotOfAMissingFileFails()
    {
        QTemporaryDir dir;
        const QString shot = dir.filePath(QStringLiteral("shot.png"));
        const QString missing = dir.filePath(QStringLiteral("missing.h5"));
        QProcess app;
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        app.setProcessEnvironment(environment);
        app.start(QStringLiteral(SPARSITY_EXPLORER_PATH),
                  {missing, QStringLiteral("--screenshot"), shot});
        QVERIFY(app.waitForFinished(90000));
        QCOMPARE(app.exitStatus(), QProcess::NormalExit);
        QCOMPARE(app.exitCode(), 1);
        const QString err = QString::fromLocal8Bit(app.readAllStandardError());
        QVERIFY2(err.contains(missing), qPrintable(err));
        QVERIFY(!QFileInfo::exists(shot));
    }

    // --help and --version need no display (the QApplication comes after them); before, they
    // aborted with exit 134 where no display could be opened.
    void helpWithoutADisplay()
    {
        for (const QString& option : {QStringLiteral("--help"), QStringLiteral("--version")}) {
            QProcess app;
            QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
            environment.remove(QStringLiteral("DISPLAY"));
            environment.remove(QStringLiteral("WAYLAND_DISPLAY"));
            environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("xcb"));
            app.setProcessEnvironment(environment);
            app.start(QStringLiteral(SPARSITY_EXPLORER_PATH), {option});
            QVERIFY(app.waitForFinished(30000));
            QCOMPARE(app.exitStatus(), QProcess::NormalExit);
            QCOMPARE(app.exitCode(), 0);
            const QString out = QString::fromLocal8Bit(app.readAllStandardOutput());
            QVERIFY2(out.contains(option == QLatin1String("--help")
                                      ? QStringLiteral("--screenshot")
                                      : QStringLiteral("sparsity-explorer")),
                     qPrintable(out));
        }
    }

    // With settings on (as the app runs), the view choices are those of the last window
    // closed; a stored kind out of range leaves the default.
    void viewChoicesSurviveARestart()
    {
        QSettings().clear();
        {
            MainWindow window;
            window.restoreSettings();
            window.show();
            QCOMPARE(window.layerView()->kind(), LayerView::Kind::MaskOverWeights);
            QVERIFY(window.layerView()->isLogarithmic());
            window.layerView()->setKind(LayerView::Kind::BlockNorms);
            window.layerView()->setColormapName(QStringLiteral("magma"));
            window.layerView()->setLogarithmic(false);
            QVERIFY(window.close());
        }
        {
            MainWindow window;
            window.restoreSettings();
            QCOMPARE(window.layerView()->kind(), LayerView::Kind::BlockNorms);
            QCOMPARE(window.layerView()->colormapName(), QStringLiteral("magma"));
            QVERIFY(!window.layerView()->isLogarithmic());
        }
        QSettings().setValue(QStringLiteral("view/kind"), 99);
        {
            MainWindow window;
            window.restoreSettings();
            QCOMPARE(window.layerView()->kind(), LayerView::Kind::MaskOverWeights);
        }
        QSettings().clear();
    }

    void opensAFileOnANamedLayerAndRemembersIt()
    {
        MainWindow window;
        window.show();
        // A bias is not sparsified by default, but can be when named: a 1 x N matrix.
        window.openFile(layersFile, QStringLiteral("/dense/bias"));
        QTRY_COMPARE_WITH_TIMEOUT(window.session()->currentLayer(), QStringLiteral("/dense/bias"),
                                  asyncTimeout);
        QVERIFY(waitIdle(window, asyncTimeout));
        QCOMPARE(shown(window)->weights->rows(), 1);
        QCOMPARE(shown(window)->weights->cols(), 16);
        QCOMPARE(MainWindow::recentFiles().value(0), QFileInfo(layersFile).absoluteFilePath());

        // The tree shows the unusable datasets disabled.
        auto* tree = child<QTreeView>(window, "layerTree");
        const QModelIndex names = treeIndex(tree, QStringLiteral("/names"));
        QVERIFY(names.isValid());
        QVERIFY(!(names.flags() & Qt::ItemIsEnabled));
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
