// Layouts and views in the real window (docs/SPEC.md "Layout", "View"): a Keras file opens as
// keras (auto), the parameter panel's layout and view switch the shown layer's matrix live, the
// choice is remembered per file and layer across windows, and the export, the model's layer
// reader and the model rankings use each layer's choice. Set SPARSITY_SCREENSHOT_DIR to keep a
// PNG of the window.
#include "common/checks.h"
#include "export/maskexport.h"
#include "io/matrixread.h"
#include "io/tensorfile.h"
#include "mainwindow/mainwindow.h"
#include "mainwindow/maskexportflow.h"
#include "mask/sparsifier.h"
#include "model/modelrankings.h"
#include "session/layersnapshot.h"
#include "session/session.h"
#include "ui/windowdriver.h"

#include <QComboBox>
#include <QDir>
#include <QLabel>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace sparsity;
using namespace sparsity::test;
using sparsity::ui::MainWindow;

namespace {

constexpr int asyncTimeout = 20000;
const QString kerasFile = QStringLiteral(SPARSITY_TEST_DATA_DIR "/keras_layout.h5");
const QString conv = QStringLiteral("/conv/conv/kernel:0");
const QString dense = QStringLiteral("/dense/dense/kernel:0");

// Chooses an item as the user does: current index, then the activated signal.
void choose(QComboBox* box, int data)
{
    const int index = box->findData(data);
    QVERIFY(index >= 0);
    box->setCurrentIndex(index);
    Q_EMIT box->activated(index);
}

// The shown snapshot once it is of `layer` with an rows x cols matrix.
std::shared_ptr<const ui::LayerSnapshot> waitForMatrix(MainWindow& window, const QString& layer,
                                                       std::int64_t rows, std::int64_t cols)
{
    const bool reached = QTest::qWaitFor(
        [&] {
            const auto s = shown(window);
            return s && s->datasetPath == layer && s->weights->rows() == rows &&
                   s->weights->cols() == cols;
        },
        asyncTimeout);
    if (!reached || !waitIdle(window, asyncTimeout))
        return nullptr;
    return shown(window);
}

} // namespace

class TestLayoutsGui final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QSettings().clear(); }
    void cleanupTestCase() { QSettings().clear(); }
    void switchPerLayerRememberedAndExported();
    void modelRankingsUseEachLayersMatrix();
};

void TestLayoutsGui::switchPerLayerRememberedAndExported()
{
    {
        MainWindow window;
        window.resize(1400, 900);
        window.show();
        window.openFile(kerasFile);
        QTRY_COMPARE_WITH_TIMEOUT(window.session()->currentLayer(), conv, asyncTimeout);
        QVERIFY(waitIdle(window, asyncTimeout));
        auto* layout = child<QComboBox>(window, "layoutComboBox");
        auto* view = child<QComboBox>(window, "viewComboBox");
        // auto, and what it means for this file.
        QCOMPARE(layout->currentData().toInt(), int(core::Layout::Auto));
        QCOMPARE(layout->currentText(), QStringLiteral("Auto (keras)"));
        QCOMPARE(view->currentData().toInt(), int(core::MatrixView::Flatten));
        auto snapshot = waitForMatrix(window, conv, 8, 36);
        QVERIFY(snapshot && snapshot->mapping);
        QCOMPARE(snapshot->mapping->layout(), core::Layout::Keras);
        VERIFY_CONTAINS(
            text(window, "statsShape"),
            QStringLiteral("3 × 3 × 4 × 8, keras layout, flatten view: seen as 8 × 36"));

        // channels-last: recomputed live, the mask the core makes on that matrix.
        choose(view, int(core::MatrixView::ChannelsLast));
        snapshot = waitForMatrix(window, conv, 72, 4);
        QVERIFY(snapshot);
        QCOMPARE(snapshot->mapping->view(), core::MatrixView::ChannelsLast);
        const auto reader = core::openTensorFile(kerasFile);
        const core::MatrixRead read = core::readMatrix(
            *reader, conv, {core::Layout::Auto, core::MatrixView::ChannelsLast}, true, {});
        const core::MaskResult expected = core::computeMask(read.matrix, snapshot->params, {});
        QVERIFY(std::ranges::equal(*snapshot->mask, expected.mask));
        VERIFY_CONTAINS(text(window, "statsShape"), QStringLiteral("seen as 72 × 4"));
        if (const QByteArray dir = qgetenv("SPARSITY_SCREENSHOT_DIR"); !dir.isEmpty())
            window.grab().save(
                QDir(QString::fromLocal8Bit(dir)).filePath(QStringLiteral("layouts.png")));

        // The dense kernel keeps its own choice; torch there reads it untransposed.
        window.session()->selectLayer(dense);
        snapshot = waitForMatrix(window, dense, 16, 24);
        QVERIFY(snapshot);
        QCOMPARE(view->currentData().toInt(), int(core::MatrixView::Flatten));
        choose(layout, int(core::Layout::Torch));
        snapshot = waitForMatrix(window, dense, 24, 16);
        QVERIFY(snapshot);
        QCOMPARE(snapshot->mapping->layout(), core::Layout::Torch);

        // The model's layer reader gives each layer's matrix.
        const auto readLayer = window.session()->layerReader();
        QCOMPARE(readLayer(conv, {})->rows(), 72);
        QCOMPARE(readLayer(dense, {})->rows(), 24);

        // Export: every layer with its own layout and view, masks in the stored shape.
        QTemporaryDir dir;
        core::ExportRequest request = ui::MaskExportFlow::requestFor(
            *window.session(), dir.filePath(QStringLiteral("masks.h5")), true);
        QCOMPARE(request.layers.size(), std::size_t(2));
        const auto reports = core::exportMasks(request, {});
        for (const core::LayerReport& report : reports) {
            QCOMPARE(report.shape, reader->describe(report.datasetPath).shape);
            if (report.datasetPath == conv) {
                QCOMPARE(report.layout, core::Layout::Keras);
                QCOMPARE(report.view, core::MatrixView::ChannelsLast);
                QCOMPARE(report.matrixRows, 72);
            } else {
                QCOMPARE(report.layout, core::Layout::Torch);
                QCOMPARE(report.matrixRows, 24);
            }
        }
        QVERIFY(waitIdle(window, asyncTimeout));
    }

    // Remembered per file and layer: a new window shows both choices again.
    MainWindow window;
    window.show();
    window.openFile(kerasFile);
    QTRY_COMPARE_WITH_TIMEOUT(window.session()->currentLayer(), conv, asyncTimeout);
    QVERIFY(waitForMatrix(window, conv, 72, 4));
    QCOMPARE(child<QComboBox>(window, "viewComboBox")->currentData().toInt(),
             int(core::MatrixView::ChannelsLast));
    QCOMPARE(window.session()->orientation(dense).layout, core::Layout::Torch);
    window.session()->selectLayer(dense);
    QVERIFY(waitForMatrix(window, dense, 24, 16));
    QCOMPARE(child<QComboBox>(window, "layoutComboBox")->currentData().toInt(),
             int(core::Layout::Torch));
    // Back to the defaults: nothing stays stored.
    choose(child<QComboBox>(window, "layoutComboBox"), int(core::Layout::Auto));
    QVERIFY(waitForMatrix(window, dense, 16, 24));
    window.session()->selectLayer(conv);
    QVERIFY(waitForMatrix(window, conv, 72, 4));
    choose(child<QComboBox>(window, "viewComboBox"), int(core::MatrixView::Flatten));
    QVERIFY(waitForMatrix(window, conv, 8, 36));
    QVERIFY(QSettings().value(QStringLiteral("layers/orientations")).toMap().isEmpty());
    QVERIFY(waitIdle(window, asyncTimeout));
}

void TestLayoutsGui::modelRankingsUseEachLayersMatrix()
{
    QThreadPool io, compute;
    io.setMaxThreadCount(1);
    ui::ModelRankings rankings(&io, &compute);
    std::shared_ptr<core::TensorReader> reader = core::openTensorFile(kerasFile);
    const auto layers = core::defaultLayers(reader->listTree());
    QSignalSpy finished(&rankings, &ui::ModelRankings::finished);
    rankings.setConfiguration(core::Configuration{{2, 2}, std::nullopt, core::Norm::L2});
    rankings.setFile(
        reader, layers, true,
        {{conv, core::TensorOrientation{core::Layout::Torch, core::MatrixView::ChannelsLast}}});
    rankings.setActive(true);
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() >= 1, asyncTimeout);
    // conv read as torch (3, 3, 4, 8), channels-last: (3*4*8) x 3 = 96 x 3, 48 x 2 blocks;
    // dense as keras: 16 x 24, 8 x 12 blocks.
    for (const auto& layer : rankings.layers()) {
        QVERIFY(layer.error.isEmpty());
        QCOMPARE(layer.blocks, 96);
        QCOMPARE(layer.ranking->blockCount(), layer.blocks);
    }
    finished.clear();
    rankings.setOrientation(conv, {});
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() >= 1, asyncTimeout);
    // keras flatten: 8 x 36, 4 x 18 blocks.
    for (const auto& layer : rankings.layers())
        if (layer.info.path == conv)
            QCOMPARE(layer.ranking->blockCount(), 72);
}

QTEST_MAIN(TestLayoutsGui)
#include "tst_layoutsgui.moc"
