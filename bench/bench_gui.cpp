// Responsiveness of sparsity-explorer measured through its real widgets on a synthetic
// 4096 x 4096 layer: the time from a parameter change in the panel until the view has the new
// snapshot (and until the new image is drawn), for level and block-shape changes, and the UI
// thread's longest stall while the level slider is dragged through 100 values.
// Run: build/bench/bench_gui [--size N] [--repeats N]  (offscreen unless a display is set)
#include "guibench.h"
#include "heatmap/heatmapview.h"
#include "mainwindow/layerview.h"
#include "mainwindow/mainwindow.h"
#include "session/session.h"

#include <QApplication>
#include <QComboBox>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QSlider>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QThread>

using namespace sparsity::bench;
using sparsity::ui::LayerView;
using sparsity::ui::MainWindow;

int main(int argc, char* argv[])
{
    if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    TimingApplication app(argc, argv);
    installStopCounter();
    QCoreApplication::setOrganizationName(QStringLiteral("SparsityExplorerBench"));
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption sizeOption(QStringLiteral("size"),
                                        QStringLiteral("Layer side (default 4096)."),
                                        QStringLiteral("N"), QStringLiteral("4096"));
    const QCommandLineOption repeatsOption(QStringLiteral("repeats"),
                                           QStringLiteral("Changes per measurement (default 15)."),
                                           QStringLiteral("N"), QStringLiteral("15"));
    parser.addOption(sizeOption);
    parser.addOption(repeatsOption);
    parser.process(app);
    const int size = parser.value(sizeOption).toInt();
    const int repeats = std::max(1, parser.value(repeatsOption).toInt());

    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("synthetic.h5"));
    if (!writeLayers(file, {{QStringLiteral("/layer/weight"), size, size}})) {
        out() << "cannot write " << file << '\n';
        return 1;
    }
    out() << "layer " << size << " x " << size << " float32, " << QThread::idealThreadCount()
          << " threads, platform " << QGuiApplication::platformName() << '\n';

    MainWindow window;
    if (!showAndOpen(window, file, QStringLiteral("/layer/weight")))
        return 1;

    auto* slider = window.findChild<QSlider*>(QStringLiteral("levelSlider"));
    auto* rows = window.findChild<QSpinBox*>(QStringLiteral("blockRowsSpinBox"));
    auto* cols = window.findChild<QSpinBox*>(QStringLiteral("blockColsSpinBox"));

    for (const auto& [label, block] :
         {std::pair{"level change, 1x4 blocks", 4}, std::pair{"level change, 4x4 blocks", 16}}) {
        rows->setValue(block == 4 ? 1 : 4);
        cols->setValue(4);
        waitIdle(window);
        Latency level;
        for (int i = 0; i < repeats; ++i) {
            const int value = 300 + 37 * (i % 11);
            timeChange(
                window, [&] { slider->setValue(value); }, level);
        }
        report(QLatin1String(label), level);
    }

    // A block-shape change is one panel change: a preset (the block spin boxes would be two).
    Latency shape;
    auto* presets = window.findChild<QComboBox*>(QStringLiteral("presetComboBox"));
    const QStringList shapes{QStringLiteral("1x4"),
                             QStringLiteral("4x4"),
                             QStringLiteral("8x8"),
                             QStringLiteral("16x16"),
                             QStringLiteral("4x1"),
                             QStringLiteral("32x32"),
                             QStringLiteral("Unstructured (1x1)")};
    slider->setValue(500);
    waitIdle(window);
    for (int i = 0; i < repeats; ++i) {
        const int index = presets->findText(shapes[i % shapes.size()]);
        timeChange(
            window,
            [&] {
                presets->setCurrentIndex(index);
                Q_EMIT presets->activated(index);
            },
            shape);
    }
    report(QStringLiteral("block-shape change"), shape);

    // What painting costs on its own, with no job running: the whole window and the parts.
    {
        waitIdle(window);
        const auto timePaint = [](QWidget* widget) {
            std::vector<double> times;
            for (int i = 0; i < 7; ++i) {
                QElapsedTimer paint;
                paint.start();
                widget->repaint();
                times.push_back(static_cast<double>(paint.nsecsElapsed()) / 1e6);
            }
            return median(times);
        };
        out() << QStringLiteral("idle repaint: window %1 ms, heatmap %2 ms, histogram %3 ms\n")
                     .arg(timePaint(&window), 0, 'f', 1)
                     .arg(timePaint(window.layerView()->heatmap()), 0, 'f', 1)
                     .arg(timePaint(window.findChild<QWidget*>(QStringLiteral("normHistogram"))), 0,
                          'f', 1);
    }

    // Dragging: 100 slider values at 60 Hz while a 1 ms timer measures how late the UI
    // thread serves it.
    rows->setValue(4);
    cols->setValue(4);
    waitIdle(window);
    std::vector<double> stalls;
    std::vector<double> settles;
    std::vector<double> frames;
    // Five drags the process was not stopped during (at most ten tries).
    for (int drag = 0; drag < 10 && stalls.size() < 5; ++drag) {
        const DragResult result = dragSlider(app, window, slider, drag);
        reportDrag(drag, result);
        if (result.stopped)
            continue;
        stalls.push_back(result.stall);
        settles.push_back(result.settle);
        frames.push_back(static_cast<double>(result.images));
    }
    out() << QStringLiteral(
                 "slider drag: median longest UI stall %1 ms, median %2 images per drag, "
                 "median settle %3 ms\n")
                 .arg(median(stalls), 0, 'f', 1)
                 .arg(median(frames), 0, 'f', 0)
                 .arg(median(settles), 0, 'f', 0);
    return 0;
}
