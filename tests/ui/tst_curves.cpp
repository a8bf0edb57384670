// The Curves dock driven through the real MainWindow (offscreen): its curves against
// core::computeMask at every sweep level, adding and removing configurations (bad input
// included), hovering and clicking points, the model toggle against combineStats over the
// file's layers, and a stale curve dropped on a layer change; the model's curves started as the
// file opens, before the first layer is shown. Also ModelCurveRun and ModelCurves on their own.
#include "compare/comparepanel.h"
#include "curves/curvedata.h"
#include "curves/curveplot.h"
#include "curves/curvespanel.h"
#include "curves/modelcurverun.h"
#include "error.h"
#include "io/tensorfile.h"
#include "io/tensorreader.h"
#include "jobs/gatedpool.h"
#include "mainwindow/mainwindow.h"
#include "mask/sparsifier.h"
#include "ranking/sweep.h"
#include "session/session.h"
#include "windowdriver.h"

#include <QAction>
#include <QComboBox>
#include <QDockWidget>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSettings>
#include <QSlider>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <functional>
#include <map>
#include <optional>

using namespace sparsity;
using namespace sparsity::test;
using sparsity::ui::CurvePlot;
using sparsity::ui::CurvesPanel;
using sparsity::ui::MainWindow;

namespace {

const QString demoFile = QStringLiteral(SPARSITY_DEMO_FILE);
const QString layersFile = QStringLiteral(SPARSITY_TEST_DATA_DIR "/layers.h5");
constexpr int asyncTimeout = 30000;

core::WeightTensor readLayer(const QString& file, const QString& dataset)
{
    const auto reader = core::openTensorFile(file);
    return reader->readTensor(dataset, core::ExecutionContext{});
}

bool closeRatio(double actual, double expected)
{
    return std::abs(actual - expected) <= 1e-12 * std::max(1.0, std::abs(expected));
}

// Integers exactly, ratios within 1e-12 relative: the sweep's promise.
void compareStats(const core::MaskStats& actual, const core::MaskStats& expected,
                  const QString& where)
{
    const QByteArray w = where.toUtf8();
    QVERIFY2(actual.elements == expected.elements, w);
    QVERIFY2(actual.zeros == expected.zeros, w);
    QVERIFY2(actual.blocks == expected.blocks, w);
    QVERIFY2(actual.prunedBlocks == expected.prunedBlocks, w);
    QVERIFY2(actual.achievedSparsity == expected.achievedSparsity, w);
    QVERIFY2(closeRatio(actual.retainedEnergy, expected.retainedEnergy),
             w + QByteArray::number(actual.retainedEnergy, 'g', 17) + " vs " +
                 QByteArray::number(expected.retainedEnergy, 'g', 17));
    QVERIFY2(closeRatio(actual.retainedL1, expected.retainedL1), w);
}

// Calls onPaint as each paint event reaches the watched widget, before it paints: what the
// widget holds then is what it draws.
class PaintSpy final : public QObject
{
public:
    std::function<void()> onPaint;

protected:
    bool eventFilter(QObject* watched, QEvent* event) override
    {
        if (event->type() == QEvent::Paint && onPaint)
            onPaint();
        return QObject::eventFilter(watched, event);
    }
};

} // namespace

class TestCurves : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<MainWindow> open(const QString& file, const QString& layer)
    {
        auto window = std::make_unique<MainWindow>();
        window->resize(1500, 950);
        window->show();
        window->openFile(file, layer);
        [&] {
            QTRY_COMPARE_WITH_TIMEOUT(window->session()->currentLayer(), layer, asyncTimeout);
            QVERIFY(waitIdle(*window, asyncTimeout));
        }();
        auto* dock = child<QDockWidget>(*window, "curvesDock");
        dock->show();
        dock->raise();
        [&] { QVERIFY(waitIdle(*window, asyncTimeout)); }();
        return window;
    }

    // The panel's drawn curves against computeMask on `weights` at every level.
    void checkLayerCurves(CurvesPanel& panel, const core::WeightTensor& weights)
    {
        QVERIFY(!panel.configurations().empty());
        for (const core::Configuration& configuration : panel.configurations()) {
            const auto* curve = panel.curve(configuration);
            QVERIFY2(curve, qPrintable(core::describeConfiguration(configuration)));
            QCOMPARE(curve->size(), panel.levels().size());
            for (std::size_t i = 0; i < curve->size(); ++i) {
                const double level = panel.levels()[i];
                const core::MaskResult mask = core::computeMask(
                    weights, configuration.atLevel(level), core::ExecutionContext{});
                compareStats((*curve)[i], mask.stats,
                             QStringLiteral("%1 at %2: ")
                                 .arg(core::describeConfiguration(configuration))
                                 .arg(level));
                if (QTest::currentTestFailed())
                    return;
            }
        }
    }

    // Where the plot draws point `index` of the drawn configuration `configuration`.
    static QPoint pointOf(CurvesPanel& panel, const core::Configuration& configuration,
                          std::size_t index)
    {
        int drawn = -1;
        for (const core::Configuration& c : panel.configurations()) {
            if (panel.curve(c))
                ++drawn;
            if (c.sameMasksAs(configuration))
                break;
        }
        const CurvePlot* plot = panel.plot();
        return plot->toScreen(plot->curves()[drawn].points[index]).toPoint();
    }

private Q_SLOTS:
    void layerCurvesEqualComputeMask()
    {
        auto window = open(demoFile, QStringLiteral("/mlp/fc2/weight"));
        CurvesPanel& panel = *window->curvesPanel();
        // Default list plus the current configuration (4x4 l2, which the list holds).
        QCOMPARE(panel.configurationSpecs(), ui::defaultCurveSpecs());
        QCOMPARE(panel.configurations().size(), std::size_t(6));
        QCOMPARE(panel.levels().size(), std::size_t(101));
        checkLayerCurves(panel, readLayer(demoFile, QStringLiteral("/mlp/fc2/weight")));
        // Retained energy by default; L1 on the switch.
        const CurvePlot* plot = panel.plot();
        const auto* curve = panel.curve(panel.configurations()[1]);
        QCOMPARE(plot->curves()[1].points[40].y(), (*curve)[40].retainedEnergy);
        child<QComboBox>(*window, "curveMeasureComboBox")->setCurrentIndex(1);
        QCOMPARE(plot->curves()[1].points[40].y(), (*curve)[40].retainedL1);
        QCOMPARE(plot->curves()[1].points[40].x(), (*curve)[40].achievedSparsity);
        // The marker is the shown mask's own point, on the current (4x4) curve.
        QVERIFY(plot->marker().has_value());
        QCOMPARE(plot->marker()->x(), shown(*window)->stats.achievedSparsity);
        QCOMPARE(plot->marker()->y(), shown(*window)->stats.retainedL1);
    }

    // A level change moves only the marker: the plot keeps its image of the curves (repainting
    // them cost a frame), and what it shows is still exactly a fresh plot's picture.
    void movingTheMarkerKeepsTheCurvesImage()
    {
        QList<CurvePlot::Curve> curves;
        for (int c = 0; c < 3; ++c) {
            CurvePlot::Curve curve;
            curve.label = QStringLiteral("curve %1").arg(c);
            curve.color = QColor::fromHsv(c * 100, 200, 200);
            curve.emphasized = c == 1;
            for (int i = 0; i <= 100; ++i)
                curve.points.emplace_back(i / 100.0, 1.0 - std::pow(i / 100.0, 1.0 + c));
            curves.append(curve);
        }
        CurvePlot kept;
        kept.resize(500, 300);
        kept.ensurePolished(); // as when shown: polishing changes the palette, a repaint
        kept.setAxisTitles(QStringLiteral("x"), QStringLiteral("y"));
        kept.setCurves(curves);
        kept.setMarker(QPointF(0.2, 0.9), 1);
        const QImage first = kept.grab().toImage();
        QCOMPARE(kept.backgroundPaints(), 1);
        kept.setCurves(curves); // what the panel does on every level change
        kept.setAxisTitles(QStringLiteral("x"), QStringLiteral("y"));
        kept.setMarker(QPointF(0.7, 0.4), 1);
        const QImage moved = kept.grab().toImage();
        QCOMPARE(kept.backgroundPaints(), 1);
        QVERIFY(moved != first);

        CurvePlot fresh;
        fresh.resize(500, 300);
        fresh.ensurePolished();
        fresh.setAxisTitles(QStringLiteral("x"), QStringLiteral("y"));
        fresh.setCurves(curves);
        fresh.setMarker(QPointF(0.7, 0.4), 1);
        QCOMPARE(moved, fresh.grab().toImage());

        // New curves, a new size or new titles paint the image again.
        curves[0].points[50].setY(0.1);
        kept.setCurves(curves);
        const QImage changed = kept.grab().toImage();
        QCOMPARE(kept.backgroundPaints(), 2);
        QVERIFY(changed != moved);
        kept.resize(400, 300);
        kept.grab();
        QCOMPARE(kept.backgroundPaints(), 3);
        kept.setAxisTitles(QStringLiteral("x"), QStringLiteral("retained L1"));
        kept.grab();
        QCOMPARE(kept.backgroundPaints(), 4);
    }

    void currentConfigurationOutsideTheListIsAdded()
    {
        auto window = open(demoFile, QStringLiteral("/mlp/fc2/weight"));
        CurvesPanel& panel = *window->curvesPanel();
        child<QSpinBox>(*window, "blockRowsSpinBox")->setValue(2);
        child<QSpinBox>(*window, "blockColsSpinBox")->setValue(3);
        child<QComboBox>(*window, "normComboBox")->setCurrentIndex(1); // L1
        QVERIFY(waitIdle(*window, asyncTimeout));
        QCOMPARE(panel.configurations().size(), std::size_t(7));
        const core::Configuration current = panel.configurations().back();
        QCOMPARE(current.block, (core::BlockShape{2, 3}));
        for (const core::Configuration& c : panel.configurations())
            QCOMPARE(c.norm, core::Norm::L1); // every curve follows the current norm
        QVERIFY(panel.plot()->curves().back().label.contains(QStringLiteral("current")));
        checkLayerCurves(panel, readLayer(demoFile, QStringLiteral("/mlp/fc2/weight")));
    }

    void addAndRemoveConfigurations()
    {
        auto window = open(demoFile, QStringLiteral("/mlp/fc2/weight"));
        CurvesPanel& panel = *window->curvesPanel();
        auto* edit = child<QLineEdit>(*window, "curveConfigEdit");
        auto* add = child<QPushButton>(*window, "curveAddButton");
        auto* error = child<QLabel>(*window, "curveConfigError");
        auto* list = child<QListWidget>(*window, "curveConfigList");

        for (const QString& bad :
             {QStringLiteral("3y3"), QStringLiteral("5:4"), QStringLiteral("2x2/9"), QString()}) {
            edit->setText(bad);
            add->click();
            QVERIFY2(!error->isHidden(), qPrintable(bad));
            QVERIFY2(!error->text().isEmpty(), qPrintable(bad));
            QCOMPARE(list->count(), 6);
        }
        QVERIFY(error->text().contains(QStringLiteral("RxC")) ||
                error->text().contains(QStringLiteral("block configuration")));
        edit->setText(QStringLiteral("3y3"));
        add->click();
        QCOMPARE(error->text(), QStringLiteral("'3y3' is not a block configuration: write RxC, "
                                               "RxC/Z or N:M (for example 1x4, 4x4/8 or 2:4)."));

        edit->setText(QStringLiteral(" 2x2/3 "));
        add->click();
        QVERIFY(error->isHidden());
        QVERIFY(edit->text().isEmpty());
        edit->setText(QStringLiteral("1:8"));
        QTest::keyClick(edit, Qt::Key_Return);
        QCOMPARE(list->count(), 8);
        QCOMPARE(panel.configurationSpecs().mid(6),
                 (QStringList{QStringLiteral("2x2/3"), QStringLiteral("1:8")}));
        QVERIFY(waitIdle(*window, asyncTimeout));
        checkLayerCurves(panel, readLayer(demoFile, QStringLiteral("/mlp/fc2/weight")));
        QCOMPARE(panel.plot()->curves().size(), 8);
        QVERIFY(panel.plot()->curves()[6].label.startsWith(QStringLiteral("2x2/3")));

        // Remove 2:4 (row 1) and 1:8 (row 7) through the list's selection.
        list->item(1)->setSelected(true);
        list->item(7)->setSelected(true);
        child<QPushButton>(*window, "curveRemoveButton")->click();
        QCOMPARE(
            panel.configurationSpecs(),
            (QStringList{QStringLiteral("1x1"), QStringLiteral("1x4"), QStringLiteral("4x1"),
                         QStringLiteral("4x4"), QStringLiteral("8x8"), QStringLiteral("2x2/3")}));
        QCOMPARE(panel.plot()->curves().size(), 6);
        for (const auto& curve : panel.plot()->curves())
            QVERIFY(!curve.label.startsWith(QStringLiteral("2:4")));
    }

    void hoverReadsAPointAndClickAppliesIt()
    {
        auto window = open(demoFile, QStringLiteral("/mlp/fc2/weight"));
        CurvesPanel& panel = *window->curvesPanel();
        child<QComboBox>(*window, "normComboBox")->setCurrentIndex(1); // L1
        QVERIFY(waitIdle(*window, asyncTimeout));
        CurvePlot* plot = panel.plot();
        const core::Configuration twoFour = panel.configurations()[1];
        QCOMPARE(core::formatBlockSpec(twoFour), QStringLiteral("2:4"));
        // Level 0.37 of 2:4; make sure no other curve's point lies under it.
        const QPoint at = pointOf(panel, twoFour, 37);
        QCOMPARE(plot->pointAt(at), std::make_pair(1, 37));

        QTest::mouseMove(plot, at);
        const core::MaskStats& s = (*panel.curve(twoFour))[37];
        const auto pct = [](double v) {
            return QString::number(v * 100.0, 'f', 2) + QStringLiteral(" %");
        };
        QTRY_COMPARE(text(*window, "curveReadout"),
                     QStringLiteral("2:4 l1 · level 0.37 · achieved sparsity %1 · retained "
                                    "energy %2 · retained L1 %3")
                         .arg(pct(s.achievedSparsity), pct(s.retainedEnergy), pct(s.retainedL1)));

        QTest::mouseClick(plot, Qt::LeftButton, {}, at);
        QCOMPARE(child<QSpinBox>(*window, "blockRowsSpinBox")->value(), 1);
        QCOMPARE(child<QSpinBox>(*window, "blockColsSpinBox")->value(), 4);
        QCOMPARE(child<QSpinBox>(*window, "zerosSpinBox")->value(), 2);
        QCOMPARE(child<QComboBox>(*window, "normComboBox")->currentIndex(), 1);
        QCOMPARE(child<QSlider>(*window, "levelSlider")->value(), 370);
        QVERIFY(waitIdle(*window, asyncTimeout));
        const core::SparsityParams expected{0.37, {1, 4}, 2, core::Norm::L1};
        QCOMPARE(window->session()->currentParams(), expected);
        QCOMPARE(shown(*window)->params, expected);
        // The marker moved to the clicked point, now the current configuration's.
        QCOMPARE(plot->marker()->x(), s.achievedSparsity);
        QVERIFY(plot->curves()[1].emphasized);
    }

    void modelToggleCombinesEveryLayer()
    {
        auto window = open(layersFile, QStringLiteral("/dense/kernel"));
        CurvesPanel& panel = *window->curvesPanel();
        child<QComboBox>(*window, "curveScopeComboBox")->setCurrentIndex(1);
        QVERIFY(panel.isModelScope());
        QVERIFY(waitIdle(*window, asyncTimeout));
        const QStringList layers = window->session()->sparsifiableLayers();
        QVERIFY(layers.size() >= 3);
        std::vector<core::WeightTensor> weights;
        for (const QString& layer : layers)
            weights.push_back(readLayer(layersFile, layer));
        for (const core::Configuration& configuration : panel.configurations()) {
            const auto* curve = panel.curve(configuration);
            QVERIFY(curve);
            for (std::size_t i = 0; i < panel.levels().size(); i += 3) {
                std::vector<core::MaskStats> perLayer;
                for (const core::WeightTensor& w : weights)
                    perLayer.push_back(core::computeMask(w,
                                                         configuration.atLevel(panel.levels()[i]),
                                                         core::ExecutionContext{})
                                           .stats);
                compareStats((*curve)[i], core::combineStats(perLayer),
                             QStringLiteral("model %1 at %2: ")
                                 .arg(core::describeConfiguration(configuration))
                                 .arg(panel.levels()[i]));
                if (QTest::currentTestFailed())
                    return;
            }
        }
        QCOMPARE(
            text(*window, "curveProgressLabel"),
            QStringLiteral("Model: all %1 layer(s), each at the same level").arg(layers.size()));
        // Model curves stay on a layer change (the model did not change) ...
        const auto* before = panel.curve(panel.configurations()[0]);
        window->session()->selectLayer(QStringLiteral("/nested/deep/w"));
        QVERIFY(waitIdle(*window, asyncTimeout));
        QCOMPARE(panel.curve(panel.configurations()[0]), before);
        // ... and back to the layer, its own curves.
        child<QComboBox>(*window, "curveScopeComboBox")->setCurrentIndex(0);
        QVERIFY(waitIdle(*window, asyncTimeout));
        checkLayerCurves(panel, readLayer(layersFile, QStringLiteral("/nested/deep/w")));
    }

    void staleCurvesAreDroppedOnLayerChange()
    {
        auto window = open(demoFile, QStringLiteral("/mlp/fc2/weight"));
        CurvesPanel& panel = *window->curvesPanel();
        // A new norm makes every curve of this layer stale; the snapshot of the new norm asks
        // for new curves. Right then, before they can come back, another layer is selected.
        bool wasComputing = false;
        bool switched = false;
        bool clearedAtOnce = false;
        QObject guard;
        connect(window->session(), &ui::Session::snapshotReady, &guard,
                [&](const std::shared_ptr<const ui::LayerSnapshot>& snapshot) {
                    if (switched || snapshot->params.norm != core::Norm::L1)
                        return;
                    switched = true;
                    wasComputing = panel.isBusy();
                    window->session()->selectLayer(QStringLiteral("/cnn/fc1/weight"));
                    clearedAtOnce =
                        panel.configurations().empty() && panel.plot()->curves().isEmpty();
                });
        child<QComboBox>(*window, "normComboBox")->setCurrentIndex(1);
        QTRY_VERIFY_WITH_TIMEOUT(switched, asyncTimeout);
        QVERIFY(wasComputing);
        // Nothing of the old layer is drawn, then or ever.
        QVERIFY(clearedAtOnce);
        QVERIFY(waitIdle(*window, asyncTimeout));
        QCOMPARE(shown(*window)->datasetPath, QStringLiteral("/cnn/fc1/weight"));
        checkLayerCurves(panel, readLayer(demoFile, QStringLiteral("/cnn/fc1/weight")));
    }

    void hiddenDockComputesNothing()
    {
        auto window = std::make_unique<MainWindow>();
        window->show();
        window->openDemo(QStringLiteral("/mlp/fc2/weight"));
        QTRY_COMPARE_WITH_TIMEOUT(window->session()->currentLayer(),
                                  QStringLiteral("/mlp/fc2/weight"), asyncTimeout);
        QVERIFY(waitIdle(*window, asyncTimeout));
        CurvesPanel& panel = *window->curvesPanel();
        QVERIFY(!panel.isVisible());
        QVERIFY(panel.curve(panel.configurations()[0]) == nullptr);
        // Opened from the View menu: it comes to the front of its tab and computes.
        auto* dock = child<QDockWidget>(*window, "curvesDock");
        dock->toggleViewAction()->trigger();
        QVERIFY(dock->isVisible());
        QVERIFY(waitIdle(*window, asyncTimeout));
        QVERIFY(panel.isVisible());
        QVERIFY(panel.curve(panel.configurations()[0]) != nullptr);
    }

    void listMeasureAndScopeAreRemembered()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QSettings settings(dir.filePath(QStringLiteral("s.ini")), QSettings::IniFormat);
        {
            MainWindow window;
            CurvesPanel& panel = *window.curvesPanel();
            QVERIFY(panel.addConfiguration(QStringLiteral("2:8")));
            panel.removeConfiguration(0);
            panel.setMeasure(CurvesPanel::Measure::L1);
            panel.setModelScope(true);
            panel.saveSettings(settings);
        }
        MainWindow window;
        CurvesPanel& panel = *window.curvesPanel();
        QCOMPARE(panel.configurationSpecs(), ui::defaultCurveSpecs());
        panel.restoreSettings(settings);
        QCOMPARE(
            panel.configurationSpecs(),
            (QStringList{QStringLiteral("2:4"), QStringLiteral("1x4"), QStringLiteral("4x1"),
                         QStringLiteral("4x4"), QStringLiteral("8x8"), QStringLiteral("2:8")}));
        QCOMPARE(panel.measure(), CurvesPanel::Measure::L1);
        QVERIFY(panel.isModelScope());
    }

    // The window as a user sees it with both docks open and the Compare view; with
    // SPARSITY_SCREENSHOT_DIR set, saved there as PNG to look at.
    void bothDocksOpenTogether()
    {
        auto window = open(demoFile, QStringLiteral("/mlp/fc2/weight"));
        child<QAction>(*window, "pinMaskAction")->trigger();
        child<QSlider>(*window, "levelSlider")->setValue(700);
        QVERIFY(waitIdle(*window, asyncTimeout));
        child<QAction>(*window, "compareViewAction")->trigger();
        QVERIFY(waitIdle(*window, asyncTimeout));
        CurvesPanel& panel = *window->curvesPanel();
        QCOMPARE(panel.plot()->curves().size(), 6);
        QVERIFY(panel.plot()->marker().has_value());
        QVERIFY(window->comparePanel()->diff().has_value());
        QCOMPARE(window->comparePanel()->diff()->bOnly, 0); // 70 % prunes all 50 % does
        const QString dir = qEnvironmentVariable("SPARSITY_SCREENSHOT_DIR");
        if (!dir.isEmpty()) {
            QVERIFY(window->grab().save(dir + QStringLiteral("/curves-compare.png")));
            child<QComboBox>(*window, "curveScopeComboBox")->setCurrentIndex(1);
            QVERIFY(waitIdle(*window, asyncTimeout));
            QVERIFY(panel.grab().save(dir + QStringLiteral("/curves-model.png")));
        }
    }

    // With the dock open in model scope, opening a file starts the model's curves at once, not
    // after the first layer's mask, histogram and image (with a big first layer that took
    // seconds); the smallest layer is swept first. The first point drawn is the model curve of
    // the layers in by then, and the complete curves are combineStats over every layer in file
    // order, bit for bit.
    void modelCurvesStartWhenTheFileOpens()
    {
        auto window = std::make_unique<MainWindow>();
        window->resize(1500, 950);
        window->show();
        CurvesPanel& panel = *window->curvesPanel();
        panel.setConfigurationSpecs(
            {QStringLiteral("2:4"), QStringLiteral("4x4"), QStringLiteral("1x1")});
        auto* dock = child<QDockWidget>(*window, "curvesDock");
        dock->show();
        dock->raise();
        child<QComboBox>(*window, "curveScopeComboBox")->setCurrentIndex(1);
        QVERIFY(waitIdle(*window, asyncTimeout));
        QVERIFY(panel.isVisible());
        QVERIFY(!panel.isBusy());
        QVERIFY(panel.configurations().empty()); // no file yet

        // Connected after the window's own slot: runs once the window has taken the file in.
        bool startedAtOpen = false;
        bool snapshotAtOpen = true;
        std::vector<core::Configuration> drawnAtOpen;
        QObject guard;
        connect(window->session(), &ui::Session::fileOpened, &guard, [&] {
            startedAtOpen = panel.isBusy();
            snapshotAtOpen = window->session()->snapshot() != nullptr;
            drawnAtOpen = panel.configurations();
        });
        // The plot's first paint with a point: each drawn curve and how many layers it holds.
        struct Drawn
        {
            core::Configuration configuration;
            int layers = 0;
            std::vector<QPointF> points;
        };
        std::optional<std::vector<Drawn>> firstPoint;
        PaintSpy spy;
        spy.onPaint = [&] {
            if (firstPoint || panel.plot()->curves().isEmpty())
                return;
            std::vector<Drawn> drawn;
            int index = 0;
            for (const core::Configuration& c : panel.configurations())
                if (panel.curve(c))
                    drawn.push_back(
                        Drawn{c, panel.modelLayerCount(c), panel.plot()->curves()[index++].points});
            firstPoint = std::move(drawn);
        };
        panel.plot()->installEventFilter(&spy);
        window->openFile(layersFile);
        QVERIFY(waitIdle(*window, asyncTimeout));
        panel.plot()->removeEventFilter(&spy);

        QVERIFY(startedAtOpen);
        QVERIFY(!snapshotAtOpen);
        const core::SparsityParams defaults = ui::Session::defaultParams();
        QCOMPARE(drawnAtOpen.size(), std::size_t(3));
        QVERIFY(drawnAtOpen[1].sameMasksAs(core::Configuration::of(defaults)));
        QVERIFY(window->session()->snapshot() != nullptr);
        // The first snapshot's parameters are those the run started with: the same curves.
        QVERIFY(panel.configurations() == drawnAtOpen);

        // The layers as the run sweeps them: the smallest non-empty one, then the others in file
        // order.
        const QStringList layers = window->session()->sparsifiableLayers();
        QVERIFY(layers.size() >= 3);
        std::vector<core::WeightTensor> weights;
        std::size_t smallest = 0;
        for (const QString& layer : layers) {
            weights.push_back(readLayer(layersFile, layer));
            const auto elements = weights.back().elementCount();
            if (elements > 0 && (weights[smallest].elementCount() == 0 ||
                                 elements < weights[smallest].elementCount()))
                smallest = weights.size() - 1;
        }
        QVERIFY(smallest > 0); // the order differs from the file's
        std::vector<std::size_t> sweepOrder{smallest};
        for (std::size_t i = 0; i < weights.size(); ++i)
            if (i != smallest)
                sweepOrder.push_back(i);
        const auto layerCurve = [&](std::size_t layer, const core::Configuration& c) {
            return ui::layerCurves(weights[layer], std::span(&c, 1), panel.levels(),
                                   core::ExecutionContext{})
                .front();
        };

        QVERIFY(firstPoint.has_value());
        QVERIFY(!firstPoint->empty());
        for (const Drawn& drawn : *firstPoint) {
            QVERIFY(drawn.layers >= 1);
            QCOMPARE(drawn.points.size(), panel.levels().size());
            std::vector<std::vector<core::MaskStats>> in;
            for (int i = 0; i < drawn.layers; ++i)
                in.push_back(layerCurve(sweepOrder[std::size_t(i)], drawn.configuration));
            for (std::size_t l = 0; l < panel.levels().size(); ++l) {
                std::vector<core::MaskStats> column;
                for (const auto& curve : in)
                    column.push_back(curve[l]);
                const core::MaskStats expected = core::combineStats(column);
                QCOMPARE(drawn.points[l].x(), expected.achievedSparsity);
                QVERIFY(closeRatio(drawn.points[l].y(), expected.retainedEnergy));
            }
        }

        for (const core::Configuration& configuration : panel.configurations()) {
            const auto* curve = panel.curve(configuration);
            QVERIFY(curve);
            QCOMPARE(panel.modelLayerCount(configuration), int(layers.size()));
            std::vector<std::vector<core::MaskStats>> perLayer;
            for (std::size_t i = 0; i < weights.size(); ++i)
                perLayer.push_back(layerCurve(i, configuration));
            for (std::size_t l = 0; l < panel.levels().size(); ++l) {
                std::vector<core::MaskStats> column;
                for (const auto& layerCurve : perLayer)
                    column.push_back(layerCurve[l]);
                const core::MaskStats expected = core::combineStats(column);
                const core::MaskStats& got = (*curve)[l];
                QCOMPARE(got.zeros, expected.zeros);
                QCOMPARE(got.prunedBlocks, expected.prunedBlocks);
                QCOMPARE(got.retainedEnergy, expected.retainedEnergy);
                QCOMPARE(got.retainedL1, expected.retainedL1);
            }
        }
        QCOMPARE(
            text(*window, "curveProgressLabel"),
            QStringLiteral("Model: all %1 layer(s), each at the same level").arg(layers.size()));
    }

    // The run streams layers in order (a first layer set: that one, then the others in order),
    // holds at most the layer being swept when it reads the next, and delivers exactly
    // layerCurves of each layer; nothing before the I/O pool runs.
    void modelRunStreamsLayersInOrder_data()
    {
        QTest::addColumn<int>("firstLayer");
        QTest::newRow("file order") << -1;
        QTest::newRow("file order, first layer first") << 0;
        QTest::newRow("third layer first") << 2;
        QTest::newRow("last layer first") << 3;
    }

    void modelRunStreamsLayersInOrder()
    {
        QFETCH(int, firstLayer);
        const auto reader = core::openTensorFile(layersFile);
        const QStringList layers{QStringLiteral("/dense/kernel"), QStringLiteral("/half"),
                                 QStringLiteral("/nested/deep/w"), QStringLiteral("/conv/weight")};
        std::map<QString, core::WeightTensor> stored;
        for (const QString& layer : layers)
            stored[layer] = reader->readTensor(layer, core::ExecutionContext{});
        const std::vector<core::Configuration> configs{{{2, 2}, std::nullopt, core::Norm::L2},
                                                       {{1, 4}, 2, core::Norm::L1}};
        const std::vector<double> levels = core::defaultSweepLevels();
        // Touched on the I/O thread only while the run goes.
        std::vector<std::weak_ptr<const core::WeightTensor>> handedOut;
        int mostAlive = 0;
        const auto read = [&](const QString& path, const core::ExecutionContext&) {
            int alive = 0;
            for (const auto& weak : handedOut)
                alive += weak.expired() ? 0 : 1;
            mostAlive = std::max(mostAlive, alive);
            auto weights = std::make_shared<const core::WeightTensor>(stored.at(path));
            handedOut.push_back(weights);
            return weights;
        };
        GatedPool io;
        QThreadPool compute;
        compute.setMaxThreadCount(2);
        ui::ModelCurveRun run(layers, configs, levels, read, io.pool(), &compute);
        if (firstLayer >= 0)
            run.setFirstLayer(firstLayer);
        std::vector<std::pair<int, std::size_t>> order;
        std::map<std::pair<int, std::size_t>, ui::ModelCurveRun::Curve> delivered;
        int finished = 0;
        run.onCurve = [&](int layer, std::size_t configuration,
                          const ui::ModelCurveRun::Curve& curve) {
            order.emplace_back(layer, configuration);
            delivered[{layer, configuration}] = curve;
        };
        run.onFinished = [&] { ++finished; };
        run.onFailed = [&](const QString& message) { QFAIL(qPrintable(message)); };
        run.start();
        QCoreApplication::processEvents();
        QVERIFY(order.empty());
        QVERIFY(run.isRunning());
        while (!finished && run.isRunning()) {
            io.drain();
            waitUntilIdle(compute);
        }
        QCOMPARE(finished, 1);
        std::vector<int> layerOrder;
        if (firstLayer >= 0)
            layerOrder.push_back(firstLayer);
        for (int layer = 0; layer < 4; ++layer)
            if (layer != firstLayer)
                layerOrder.push_back(layer);
        std::vector<std::pair<int, std::size_t>> expectedOrder;
        for (int layer : layerOrder)
            for (std::size_t c = 0; c < configs.size(); ++c)
                expectedOrder.emplace_back(layer, c);
        QVERIFY(order == expectedOrder);
        QCOMPARE(run.layersDone(), 4);
        QVERIFY(mostAlive <= 1);
        for (std::size_t i = 0; i < std::size_t(layers.size()); ++i) {
            const auto expected = ui::layerCurves(stored.at(layers[int(i)]), configs, levels,
                                                  core::ExecutionContext{});
            for (std::size_t c = 0; c < configs.size(); ++c)
                for (std::size_t l = 0; l < levels.size(); ++l) {
                    const auto& got = delivered[{int(i), c}];
                    QCOMPARE(got[l].zeros, expected[c][l].zeros);
                    QCOMPARE(got[l].retainedEnergy, expected[c][l].retainedEnergy);
                }
        }
    }

    void modelRunStopsWhenCancelledOrFailing()
    {
        const QStringList layers{QStringLiteral("/a"), QStringLiteral("/b"), QStringLiteral("/c")};
        const auto read = [](const QString& path, const core::ExecutionContext&) {
            if (path == QStringLiteral("/c"))
                throw core::Error(core::ErrorCode::InvalidInput,
                                  QStringLiteral("f.h5: dataset '/c' cannot be read: damaged"));
            return std::make_shared<const core::WeightTensor>(std::vector<std::int64_t>{4, 8},
                                                              std::vector<float>(32, 1.0f));
        };
        const std::vector<core::Configuration> configs{{{1, 4}, std::nullopt, core::Norm::L2}};
        GatedPool io;
        QThreadPool compute;
        {
            // A failing layer: one message naming it, and the run ends there (the sweep of the
            // layer before it, under way while it was read, may or may not have arrived).
            ui::ModelCurveRun run(layers, configs, {0.0, 0.5}, read, io.pool(), &compute);
            int layersSeen = 0, finished = 0;
            QStringList failures;
            run.onCurve = [&](int, std::size_t, const auto&) { ++layersSeen; };
            run.onFinished = [&] { ++finished; };
            run.onFailed = [&](const QString& message) { failures << message; };
            run.start();
            for (int i = 0; i < 5; ++i) {
                io.drain();
                waitUntilIdle(compute);
            }
            QVERIFY(layersSeen >= 1 && layersSeen <= 2);
            QCOMPARE(finished, 0);
            QCOMPARE(failures,
                     QStringList{QStringLiteral("f.h5: dataset '/c' cannot be read: damaged")});
            QVERIFY(!run.isRunning());
        }
        {
            // Cancelled from its first layer's callback: nothing more arrives.
            ui::ModelCurveRun run(layers, configs, {0.0, 0.5}, read, io.pool(), &compute);
            int layersSeen = 0, other = 0;
            run.onCurve = [&](int, std::size_t, const auto&) {
                ++layersSeen;
                run.cancel();
            };
            run.onFinished = [&] { ++other; };
            run.onFailed = [&](const QString&) { ++other; };
            run.start();
            for (int i = 0; i < 5; ++i) {
                io.drain();
                waitUntilIdle(compute);
            }
            QCOMPARE(layersSeen, 1);
            QCOMPARE(other, 0);
        }
    }

    // Held, the run sweeps its first layer (the first point) and starts nothing more until let
    // go; then the others, in order, and it finishes.
    void modelRunHeldAfterItsFirstLayer()
    {
        const QStringList layers{QStringLiteral("/a"), QStringLiteral("/b"), QStringLiteral("/c")};
        const auto read = [](const QString&, const core::ExecutionContext&) {
            return std::make_shared<const core::WeightTensor>(std::vector<std::int64_t>{4, 8},
                                                              std::vector<float>(32, 1.0f));
        };
        const std::vector<core::Configuration> configs{{{1, 4}, std::nullopt, core::Norm::L2},
                                                       {{2, 2}, std::nullopt, core::Norm::L1}};
        GatedPool io;
        QThreadPool compute;
        ui::ModelCurveRun run(layers, configs, {0.0, 0.5}, read, io.pool(), &compute);
        run.setFirstLayer(1);
        run.setHeld(true);
        std::vector<std::pair<int, std::size_t>> order;
        int finished = 0;
        run.onCurve = [&](int layer, std::size_t configuration, const auto&) {
            order.emplace_back(layer, configuration);
        };
        run.onFinished = [&] { ++finished; };
        run.onFailed = [&](const QString& message) { QFAIL(qPrintable(message)); };
        run.start();
        for (int i = 0; i < 5; ++i) {
            io.drain();
            waitUntilIdle(compute);
        }
        using Order = std::vector<std::pair<int, std::size_t>>;
        QVERIFY(order == (Order{{1, 0}, {1, 1}}));
        QVERIFY(run.isRunning());
        QCOMPARE(finished, 0);
        run.setHeld(false);
        while (!finished && run.isRunning()) {
            io.drain();
            waitUntilIdle(compute);
        }
        QCOMPARE(finished, 1);
        QVERIFY(order == (Order{{1, 0}, {1, 1}, {0, 0}, {0, 1}, {2, 0}, {2, 1}}));
    }

    // Layers added one at a time, in file order or not, give the same numbers as combineStats
    // over all of them in file order; meanwhile, the layers in so far.
    void modelCurvesAccumulateLikeCombineStats_data()
    {
        QTest::addColumn<std::vector<int>>("order");
        QTest::newRow("file order") << std::vector<int>{0, 1, 2, 3};
        QTest::newRow("smallest first") << std::vector<int>{2, 0, 1, 3};
        QTest::newRow("gaps") << std::vector<int>{3, 1, 0, 2};
        QTest::newRow("reversed") << std::vector<int>{3, 2, 1, 0};
    }

    void modelCurvesAccumulateLikeCombineStats()
    {
        QFETCH(std::vector<int>, order);
        const auto reader = core::openTensorFile(layersFile);
        const QStringList layers{QStringLiteral("/dense/kernel"), QStringLiteral("/half"),
                                 QStringLiteral("/nested/deep/w"), QStringLiteral("/conv/weight")};
        const std::vector<core::Configuration> configs{{{1, 4}, 2, core::Norm::L2},
                                                       {{2, 2}, std::nullopt, core::Norm::L1}};
        const std::vector<double> levels = core::defaultSweepLevels();
        ui::ModelCurves model(configs, levels.size());
        std::vector<std::vector<std::vector<core::MaskStats>>> all;
        for (const QString& layer : layers) {
            const core::WeightTensor w = reader->readTensor(layer, core::ExecutionContext{});
            all.push_back(ui::layerCurves(w, configs, levels, core::ExecutionContext{}));
        }
        std::vector<int> in;
        for (int layer : order) {
            model.addLayer(layer, all[std::size_t(layer)]);
            model.addLayer(layer, all[std::size_t(layer)]); // twice: counted once
            in.push_back(layer);
            QCOMPARE(model.layerCount(1), int(in.size()));
            std::vector<core::MaskStats> column;
            for (int present : in)
                column.push_back(all[std::size_t(present)][1][50]);
            compareStats(model.points()[1][50], core::combineStats(column),
                         QStringLiteral("after layer %1: ").arg(layer));
        }
        QCOMPARE(model.layerCount(0), 4);
        QCOMPARE(model.layerCount(1), 4);
        for (std::size_t c = 0; c < configs.size(); ++c)
            for (std::size_t l = 0; l < levels.size(); ++l) {
                std::vector<core::MaskStats> column;
                for (const auto& layer : all)
                    column.push_back(layer[c][l]);
                const core::MaskStats expected = core::combineStats(column);
                const core::MaskStats& got = model.points()[c][l];
                QCOMPARE(got.zeros, expected.zeros);
                QCOMPARE(got.elements, expected.elements);
                QCOMPARE(got.prunedBlocks, expected.prunedBlocks);
                // Bit for bit: the sums are formed in the same order.
                QCOMPARE(got.retainedEnergy, expected.retainedEnergy);
                QCOMPARE(got.retainedL1, expected.retainedL1);
            }
    }
};

QTEST_MAIN(TestCurves)
#include "tst_curves.moc"
