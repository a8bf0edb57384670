// The GUI's speed with the model docks open (issue 10, "Speed"), through the real widgets.
//
// bench_gui_model docks [--repeats N] [--screenshot PNG]
//   A synthetic model (the 4096 x 4096 layer of bench_gui plus eight 2048 x 2048 layers,
//   float32): level changes to the drawn image (1x4 and 4x4 blocks) and the longest UI-thread
//   stall while the level slider is dragged, with the Model and Curves docks closed and then
//   open side by side, each in layer scope and in model scope (the Curves dock then shows the
//   model's curves, and a level change re-ranks across the layers).
//
// bench_gui_model first-curve --model FILE [--repeats N] [--configs SPECS]
//   The time to the first point of the model's curves on screen: once with the model open and
//   the Curves dock (in model scope) opened from the View menu, once with the dock already open
//   when the model is opened; then until the curves are complete, and the peak memory. Then the
//   first point's parts, timed alone on the same file: opening, reading the first layer, and
//   sweeping it for each configuration as the dock does (curveThreads of the pool).
//
// Offscreen unless a display is set. Every figure is printed with the load average beside it.
#include "curves/curvedata.h"
#include "curves/curveplot.h"
#include "curves/curvespanel.h"
#include "guibench.h"
#include "heatmap/heatmapview.h"
#include "io/tensorfile.h"
#include "io/tensorreader.h"
#include "mainwindow/layerview.h"
#include "mainwindow/mainwindow.h"
#include "model/modelview.h"
#include "ranking/configuration.h"
#include "ranking/sweep.h"
#include "session/session.h"

#include <QComboBox>
#include <QCommandLineParser>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QLabel>
#include <QRadioButton>
#include <QSlider>
#include <QSpinBox>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QThreadPool>
#include <memory>
#include <optional>

using namespace sparsity;
using namespace sparsity::bench;
using sparsity::ui::CurvesPanel;
using sparsity::ui::MainWindow;

namespace {

QDockWidget* dock(MainWindow& window, const char* name)
{
    auto* found = window.findChild<QDockWidget*>(QLatin1String(name));
    if (!found)
        qFatal("no dock %s", name);
    return found;
}

// Opens the Model and Curves docks as View > Model and View > Curves do, then puts the Curves
// dock beside the Model dock (as dragging its tab out does): opened from the menu both are tabs
// of the histogram's group, of which only one shows.
void openModelDocks(MainWindow& window)
{
    QDockWidget* model = dock(window, "modelDock");
    QDockWidget* curves = dock(window, "curvesDock");
    if (!model->isVisible())
        model->toggleViewAction()->trigger();
    if (!curves->isVisible())
        curves->toggleViewAction()->trigger();
    window.removeDockWidget(curves);
    window.addDockWidget(Qt::BottomDockWidgetArea, curves, Qt::Horizontal);
    curves->show();
    model->raise();
    // Half the bottom each: the table and chart want width as much as the curves do.
    const int half = (model->width() + curves->width()) / 2;
    window.resizeDocks({model, curves}, {half, half}, Qt::Horizontal);
}

void closeModelDocks(MainWindow& window)
{
    for (const char* name : {"modelDock", "curvesDock"})
        if (QDockWidget* d = dock(window, name); d->isVisible())
            d->toggleViewAction()->trigger();
}

// True when the widget has pixels on screen (shown, not behind another tab).
bool onScreen(const QWidget* widget)
{
    return widget->isVisible() && !widget->visibleRegion().isEmpty();
}

bool hasPoint(const ui::CurvePlot& plot)
{
    for (const ui::CurvePlot::Curve& curve : plot.curves())
        if (!curve.points.empty())
            return true;
    return false;
}

void setScope(MainWindow& window, bool model)
{
    window
        .findChild<QRadioButton*>(model ? QStringLiteral("modelScopeButton")
                                        : QStringLiteral("layerScopeButton"))
        ->click();
    window.curvesPanel()->setModelScope(model);
}

void setBlock(MainWindow& window, int rows, int cols)
{
    window.findChild<QSpinBox*>(QStringLiteral("blockRowsSpinBox"))->setValue(rows);
    window.findChild<QSpinBox*>(QStringLiteral("blockColsSpinBox"))->setValue(cols);
}

// Level changes with 1x4 and 4x4 blocks, then five drags with 4x4 blocks, as bench_gui does.
void measureLevelChanges(TimingApplication& app, MainWindow& window, const QString& setup,
                         int repeats)
{
    auto* slider = window.findChild<QSlider*>(QStringLiteral("levelSlider"));
    for (const auto& [label, rows] : {std::pair{"1x4", 1}, std::pair{"4x4", 4}}) {
        setBlock(window, rows, 4);
        if (!waitIdle(window))
            out() << "  (not idle after the block change)\n";
        Latency level;
        for (int i = 0; i < repeats; ++i) {
            const int value = 300 + 37 * (i % 11);
            timeChange(
                window, [&] { slider->setValue(value); }, level);
        }
        report(QStringLiteral("%1: level change, %2 blocks").arg(setup, QLatin1String(label)),
               level);
    }
    std::vector<double> stalls;
    std::vector<double> settles;
    std::vector<double> frames;
    std::vector<double> cpus;
    // Five drags the process was not stopped during (at most ten tries).
    for (int drag = 0; drag < 10 && stalls.size() < 5; ++drag) {
        const DragResult result = dragSlider(app, window, slider, drag);
        reportDrag(drag, result);
        if (result.stopped)
            continue;
        stalls.push_back(result.stall);
        cpus.push_back(result.longestEventCpu);
        settles.push_back(result.settle);
        frames.push_back(static_cast<double>(result.images));
    }
    out() << QStringLiteral("%1: slider drag (4x4): median longest UI stall %2 ms (max %3; "
                            "most UI-thread CPU in one event: median %7 ms), median %4 images "
                            "per drag, median settle %5 ms; %6\n")
                 .arg(setup)
                 .arg(median(stalls), 0, 'f', 1)
                 .arg(maximum(stalls), 0, 'f', 1)
                 .arg(median(frames), 0, 'f', 0)
                 .arg(median(settles), 0, 'f', 0)
                 .arg(loadNow())
                 .arg(median(cpus), 0, 'f', 1);
    out().flush();
}

int runDocks(TimingApplication& app, int repeats, const QString& screenshot)
{
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("model.h5"));
    std::vector<LayerSpec> layers{{QStringLiteral("/layer/weight"), 4096, 4096}};
    for (int i = 0; i < 8; ++i)
        layers.push_back({QStringLiteral("/model/block%1/weight").arg(i), 2048, 2048});
    if (!writeLayers(file, layers)) {
        out() << "cannot write " << file << '\n';
        return 1;
    }
    out() << "model: one 4096 x 4096 and eight 2048 x 2048 float32 layers (50M parameters), "
          << QThread::idealThreadCount() << " threads, platform " << QGuiApplication::platformName()
          << '\n';

    MainWindow window;
    if (!showAndOpen(window, file, QStringLiteral("/layer/weight")))
        return 1;
    QElapsedTimer clock;

    for (const bool docks : {false, true}) {
        if (docks) {
            openModelDocks(window);
            clock.restart();
            if (!waitIdle(window)) {
                out() << "the docks did not settle\n";
                return 1;
            }
            out() << QStringLiteral("model and curves docks opened: idle after %1 ms (layer "
                                    "rankings and layer curves)\n")
                         .arg(clock.elapsed());
            if (!onScreen(window.modelView()->table()) || !onScreen(window.curvesPanel()->plot())) {
                out() << "the model view and the curves are not both on screen\n";
                return 1;
            }
            out() << QStringLiteral("on screen: model table %1 x %2, curve plot %3 x %4\n")
                         .arg(window.modelView()->table()->width())
                         .arg(window.modelView()->table()->height())
                         .arg(window.curvesPanel()->plot()->width())
                         .arg(window.curvesPanel()->plot()->height());
        } else {
            closeModelDocks(window);
        }
        for (const bool model : {false, true}) {
            setScope(window, model);
            clock.restart();
            if (!waitIdle(window)) {
                out() << "the scope change did not settle\n";
                return 1;
            }
            const QString setup =
                QStringLiteral("docks %1, %2 scope")
                    .arg(docks ? QStringLiteral("open") : QStringLiteral("closed"),
                         model ? QStringLiteral("model") : QStringLiteral("layer"));
            out() << QStringLiteral("%1: idle %2 ms after the scope switch\n")
                         .arg(setup)
                         .arg(clock.elapsed());
            if (docks && model && !screenshot.isEmpty())
                window.grab().save(screenshot);
            measureLevelChanges(app, window, setup, repeats);
        }
    }
    out() << QStringLiteral("peak RSS %1 MiB\n").arg(peakRssMiB(), 0, 'f', 0);
    return 0;
}

// Waits until the process is quiet (under 3 ms of CPU in 100 ms, at most 5 s): a new window
// goes on painting and loading icons after isIdle() says it is idle, which is not the model's
// opening (a user opens a file into a window that has long been shown).
void settle()
{
    for (int i = 0; i < 50; ++i) {
        const double before = processCpuMs();
        QTest::qWait(100);
        if (processCpuMs() - before < 3.0)
            return;
    }
}

struct FirstCurve
{
    std::optional<double> firstPoint; // ms from the request to the first paint with a point
    std::optional<double> complete;   // ms until every configuration's model curve is complete
    double firstCpu = 0.0;            // process CPU ms from the request to the first point
    double completeCpu = 0.0;         // and to the complete curves
    QString progress;                 // the dock's progress line at the end
    bool stopped = false;             // the process was stopped meanwhile
    double stoppedMs = 0.0;           // for about this long (taken off `complete`)
    // The model opened with the dock open: the first layer's first image drawn (the heatmap's
    // imageUpdated, as bench_gui times "to the drawn image"), which competes with the model
    // curves for the compute pool.
    std::optional<double> firstImage;
    double firstImageCpu = 0.0;
};

// Waits for the first paint of the curve plot with a point on it and then for the model curves
// to be complete, timing both from `clock`.
// With `firstOnly`, stops at the first point (and with `image`, the first image): the model run
// is left to be cancelled with the window.
FirstCurve waitForModelCurves(TimingApplication& app, MainWindow& window,
                              const QElapsedTimer& clock, int timeoutMs, double cpuBefore,
                              bool firstOnly, bool image)
{
    FirstCurve result;
    const int stops = continuedCount();
    const double stoppedBefore = stoppedMs();
    const QMetaObject::Connection imageConnection = QObject::connect(
        window.layerView()->heatmap(), &ui::HeatmapView::imageUpdated, &window, [&] {
            if (!result.firstImage) {
                result.firstImage = static_cast<double>(clock.nsecsElapsed()) / 1e6;
                result.firstImageCpu = processCpuMs() - cpuBefore;
            }
        });
    CurvesPanel* panel = window.curvesPanel();
    ui::CurvePlot* plot = panel->plot();
    // A first point timed across a stop is not a measurement; the completion time is the wall
    // time less the stops (long runs are nearly always stopped for a while here).
    bool firstStopped = false;
    app.onPainted = [&](QObject* receiver) {
        if (receiver == plot && !result.firstPoint && hasPoint(*plot)) {
            result.firstPoint = static_cast<double>(clock.nsecsElapsed()) / 1e6;
            result.firstCpu = processCpuMs() - cpuBefore;
            firstStopped = continuedCount() != stops;
        }
    };
    // Complete: no model run under way and a model curve for every configuration drawn.
    const auto complete = [&] {
        if (panel->isBusy() || panel->configurations().empty())
            return false;
        for (const core::Configuration& configuration : panel->configurations())
            if (!panel->curve(configuration))
                return false;
        return true;
    };
    const auto done = [&] {
        if (firstOnly)
            return result.firstPoint && (!image || result.firstImage);
        return result.firstPoint && result.complete;
    };
    while (clock.elapsed() < timeoutMs && !done()) {
        QTest::qWait(2);
        if (!result.complete && complete()) {
            result.complete =
                static_cast<double>(clock.nsecsElapsed()) / 1e6 - (stoppedMs() - stoppedBefore);
            result.completeCpu = processCpuMs() - cpuBefore;
        }
    }
    result.stopped = firstStopped;
    result.stoppedMs = stoppedMs() - stoppedBefore;
    if (!firstOnly)
        waitIdle(window);
    app.onPainted = nullptr;
    QObject::disconnect(imageConnection);
    if (auto* label = window.findChild<QLabel*>(QStringLiteral("curveProgressLabel")))
        result.progress = label->text();
    return result;
}

std::unique_ptr<MainWindow> newWindow(const QStringList& configs)
{
    auto window = std::make_unique<MainWindow>();
    window->resize(1440, 900);
    window->show();
    window->curvesPanel()->setConfigurationSpecs(configs);
    window->findChild<QComboBox*>(QStringLiteral("curveScopeComboBox"))->setCurrentIndex(1);
    return window;
}

QString ms(const std::optional<double>& value)
{
    return value ? QStringLiteral("%1 ms").arg(*value, 0, 'f', 0) : QStringLiteral("none");
}

// One line of the first-curve run: `what` happened in repeat `repeat` (0-based).
void printFirstCurve(int repeat, const QString& what, const FirstCurve& result)
{
    out() << QStringLiteral("repeat %1, %2: first point %3, complete %4 (%5); peak RSS %6 MiB; "
                            "%7%8; process CPU %9 ms to the first point, %10 s to complete\n")
                 .arg(repeat + 1)
                 .arg(what, ms(result.firstPoint), ms(result.complete), result.progress)
                 .arg(peakRssMiB(), 0, 'f', 0)
                 .arg(loadNow())
                 .arg(result.stopped
                          ? QStringLiteral("; stopped before the first point: not counted")
                      : result.stoppedMs > 0 ? QStringLiteral("; %1 s stopped, taken off")
                                                   .arg(result.stoppedMs / 1000.0, 0, 'f', 1)
                                             : QString())
                 .arg(result.firstCpu, 0, 'f', 0)
                 .arg(result.completeCpu / 1000.0, 0, 'f', 1);
    out().flush();
}

// Times what the first point needs, one step at a time, outside the GUI: open the file, read its
// first layer (what the session shows first), sweep it for each configuration.
void firstPointParts(const QString& model, const QStringList& configs, const QString& layer)
{
    QThreadPool pool;
    pool.setMaxThreadCount(QThread::idealThreadCount());
    const core::ExecutionContext read{nullptr, 1, nullptr};
    QElapsedTimer clock;
    clock.start();
    double cpu = processCpuMs();
    const auto reader = core::openTensorFile(model);
    const auto tree = reader->listTree();
    const double openMs = static_cast<double>(clock.nsecsElapsed()) / 1e6;
    clock.restart();
    const core::WeightTensor weights = reader->readTensor(layer, read);
    const double readMs = static_cast<double>(clock.nsecsElapsed()) / 1e6;
    const double readCpu = processCpuMs() - cpu;
    out() << QStringLiteral("parts: open and list %1 ms; read %2 (%3 elements) %4 ms (CPU, open "
                            "and read: %6 ms); %5\n")
                 .arg(openMs, 0, 'f', 1)
                 .arg(layer)
                 .arg(weights.elementCount())
                 .arg(readMs, 0, 'f', 0)
                 .arg(loadNow())
                 .arg(readCpu, 0, 'f', 0);
    const core::ExecutionContext sweep{&pool, ui::curveThreads(pool.maxThreadCount()), nullptr};
    const std::vector<double> levels = core::defaultSweepLevels();
    for (const QString& spec : configs) {
        const core::BlockSpec block = core::parseBlockSpec(spec);
        const core::Configuration configuration{block.block, block.zerosPerBlock, core::Norm::L2};
        std::vector<double> times;
        std::vector<double> cpus;
        for (int i = 0; i < 3; ++i) {
            clock.restart();
            cpu = processCpuMs();
            const auto curve = core::sweepTensor(weights, configuration, levels, sweep);
            times.push_back(static_cast<double>(clock.nsecsElapsed()) / 1e6);
            cpus.push_back(processCpuMs() - cpu);
        }
        out() << QStringLiteral("parts: sweep %1 of that layer, %2 levels on %3 thread(s): "
                                "median %4 ms (min %5; CPU median %7 ms); %6\n")
                     .arg(spec)
                     .arg(levels.size())
                     .arg(sweep.maxThreads)
                     .arg(median(times), 0, 'f', 0)
                     .arg(minimum(times), 0, 'f', 0)
                     .arg(loadNow())
                     .arg(median(cpus), 0, 'f', 0);
    }
    out().flush();
}

int runFirstCurve(TimingApplication& app, const QString& model, const QStringList& configs,
                  int repeats, bool firstOnly)
{
    if (!QFileInfo::exists(model)) {
        out() << model << ": no such file (bench/model_curves.py writes it)\n";
        return 1;
    }
    out() << QStringLiteral("model %1 (%2 GB), configurations %3, %4 threads, platform %5\n")
                 .arg(model)
                 .arg(static_cast<double>(QFileInfo(model).size()) / 1e9, 0, 'f', 2)
                 .arg(configs.join(QLatin1Char(',')))
                 .arg(QThread::idealThreadCount())
                 .arg(QGuiApplication::platformName());
    constexpr int timeoutMs = 20 * 60 * 1000;
    std::vector<double> dockFirst, dockComplete, openFirst, openComplete;
    std::vector<double> dockFirstCpu, openFirstCpu, openImage, openImageCpu;
    QString firstLayer;
    for (int repeat = 0; repeat < repeats; ++repeat) {
        // The model is open (its first layer shown); View > Curves opens the dock in model scope.
        {
            auto window = newWindow(configs);
            QElapsedTimer clock;
            clock.start();
            window->openFile(model);
            if (!waitIdle(*window, timeoutMs)) {
                out() << "the model did not open\n";
                return 1;
            }
            firstLayer = window->session()->currentLayer();
            out() << QStringLiteral("repeat %1: open and first mask of %2: %3 ms\n")
                         .arg(repeat + 1)
                         .arg(firstLayer)
                         .arg(clock.elapsed());
            out().flush();
            settle();
            clock.restart();
            const double cpu = processCpuMs();
            dock(*window, "curvesDock")->toggleViewAction()->trigger();
            const FirstCurve result =
                waitForModelCurves(app, *window, clock, timeoutMs, cpu, firstOnly, false);
            printFirstCurve(repeat, QStringLiteral("dock opened on the open model"), result);
            if (result.firstPoint && !result.stopped) {
                dockFirst.push_back(*result.firstPoint);
                dockFirstCpu.push_back(result.firstCpu);
            }
            if (result.complete)
                dockComplete.push_back(*result.complete);
        }
        // The dock already shows model curves when the model is opened: from the open.
        {
            auto window = newWindow(configs);
            dock(*window, "curvesDock")->toggleViewAction()->trigger();
            waitIdle(*window);
            settle();
            QElapsedTimer clock;
            clock.start();
            const double cpu = processCpuMs();
            window->openFile(model);
            const FirstCurve result =
                waitForModelCurves(app, *window, clock, timeoutMs, cpu, firstOnly, true);
            out() << QStringLiteral("repeat %1, model opened with the dock open: first image of "
                                    "the layer %2 (process CPU %3 ms)\n")
                         .arg(repeat + 1)
                         .arg(ms(result.firstImage))
                         .arg(result.firstImageCpu, 0, 'f', 0);
            printFirstCurve(repeat, QStringLiteral("model opened with the dock open"), result);
            if (result.firstPoint && !result.stopped) {
                openFirst.push_back(*result.firstPoint);
                openFirstCpu.push_back(result.firstCpu);
            }
            if (result.firstImage && !result.stopped) {
                openImage.push_back(*result.firstImage);
                openImageCpu.push_back(result.firstImageCpu);
            }
            if (result.complete)
                openComplete.push_back(*result.complete);
        }
    }
    out() << QStringLiteral("dock opened on the open model: median first point %1 ms (min %2, "
                            "max %3; CPU median %5 ms), median complete %4 s\n")
                 .arg(median(dockFirst), 0, 'f', 0)
                 .arg(minimum(dockFirst), 0, 'f', 0)
                 .arg(maximum(dockFirst), 0, 'f', 0)
                 .arg(median(dockComplete) / 1000.0, 0, 'f', 1)
                 .arg(median(dockFirstCpu), 0, 'f', 0);
    out() << QStringLiteral("model opened with the dock open: median first point %1 ms (min %2, "
                            "max %3; CPU median %5 ms), median complete %4 s; median first "
                            "image of the layer %6 ms (CPU median %7 ms)\n")
                 .arg(median(openFirst), 0, 'f', 0)
                 .arg(minimum(openFirst), 0, 'f', 0)
                 .arg(maximum(openFirst), 0, 'f', 0)
                 .arg(median(openComplete) / 1000.0, 0, 'f', 1)
                 .arg(median(openFirstCpu), 0, 'f', 0)
                 .arg(median(openImage), 0, 'f', 0)
                 .arg(median(openImageCpu), 0, 'f', 0);
    out() << QStringLiteral("peak RSS %1 MiB\n").arg(peakRssMiB(), 0, 'f', 0);
    out().flush();
    if (!firstLayer.isEmpty() && !firstOnly)
        firstPointParts(model, configs, firstLayer);
    return 0;
}

} // namespace

int main(int argc, char* argv[])
{
    if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    TimingApplication app(argc, argv);
    installStopCounter();
    QCoreApplication::setOrganizationName(QStringLiteral("SparsityExplorerBench"));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "GUI speed with the model docks open (docks) and the time to the first model curve "
        "point (first-curve)."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("mode"), QStringLiteral("docks or first-curve"));
    const QCommandLineOption repeatsOption(
        QStringLiteral("repeats"),
        QStringLiteral("docks: changes per measurement (default 15); first-curve: runs (default "
                       "3)."),
        QStringLiteral("N"));
    const QCommandLineOption screenshotOption(
        QStringLiteral("screenshot"), QStringLiteral("docks: the window with both docks, as PNG."),
        QStringLiteral("PNG"));
    const QCommandLineOption modelOption(
        QStringLiteral("model"),
        QStringLiteral("first-curve: the model (default /tmp/sparsity-model-1b.h5)."),
        QStringLiteral("FILE"), QStringLiteral("/tmp/sparsity-model-1b.h5"));
    const QCommandLineOption configsOption(
        QStringLiteral("configs"),
        QStringLiteral("first-curve: the Curves dock's list (default 2:4,1x4,4x4,8x8, as "
                       "model_curves.py; \"default\" for the dock's six)."),
        QStringLiteral("SPECS"), QStringLiteral("2:4,1x4,4x4,8x8"));
    const QCommandLineOption firstOnlyOption(
        QStringLiteral("first-only"),
        QStringLiteral("first-curve: stop each run at the first point (and the first image of "
                       "the layer), not at the complete curves; no parts."));
    parser.addOptions(
        {repeatsOption, screenshotOption, modelOption, configsOption, firstOnlyOption});
    parser.process(app);
    const QString mode = parser.positionalArguments().value(0);
    const int repeats = std::max(1, parser.value(repeatsOption).toInt());
    if (mode == QLatin1String("docks"))
        return runDocks(app, parser.isSet(repeatsOption) ? repeats : 15,
                        parser.value(screenshotOption));
    if (mode == QLatin1String("first-curve")) {
        const QString configs = parser.value(configsOption);
        return runFirstCurve(app, parser.value(modelOption),
                             configs == QLatin1String("default")
                                 ? ui::defaultCurveSpecs()
                                 : configs.split(QLatin1Char(','), Qt::SkipEmptyParts),
                             parser.isSet(repeatsOption) ? repeats : 3,
                             parser.isSet(firstOnlyOption));
    }
    parser.showHelp(1);
}
