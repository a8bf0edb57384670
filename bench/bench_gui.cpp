// Responsiveness of sparsity-explorer measured through its real widgets on a synthetic
// 4096 x 4096 layer: the time from a parameter change in the panel until the view has the new
// snapshot (and until the new image is drawn), for level and block-shape changes, and the UI
// thread's longest stall while the level slider is dragged through 100 values.
// Run: build/bench/bench_gui [--size N] [--repeats N]  (offscreen unless a display is set)
#include "heatmap/heatmapview.h"
#include "mainwindow/layerview.h"
#include "mainwindow/mainwindow.h"
#include "session/session.h"

#include <QApplication>
#include <QComboBox>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QMap>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <QTextStream>
#include <QTimer>
#include <algorithm>
#include <cstdio>
#include <hdf5.h>
#include <random>
#include <vector>

using sparsity::ui::LayerView;
using sparsity::ui::MainWindow;

namespace {

QTextStream out(stdout);

// Times every event the UI thread handles, to name what a stall was spent on.
class TimingApplication final : public QApplication
{
public:
    using QApplication::QApplication;

    bool notify(QObject* receiver, QEvent* event) override
    {
        if (m_depth++ > 0) {
            if (event->type() != QEvent::Paint) {
                const bool handled = QApplication::notify(receiver, event);
                --m_depth;
                return handled;
            }
            QElapsedTimer paint;
            paint.start();
            const bool handled = QApplication::notify(receiver, event);
            --m_depth;
            const double ms = static_cast<double>(paint.nsecsElapsed()) / 1e6;
            auto& slot = m_paints[QLatin1String(receiver->metaObject()->className())];
            slot = std::max(slot, ms);
            return handled;
        }
        QElapsedTimer clock;
        clock.start();
        const bool handled = QApplication::notify(receiver, event);
        --m_depth;
        const double ms = static_cast<double>(clock.nsecsElapsed()) / 1e6;
        if (ms > m_longest) {
            m_longest = ms;
            m_what = QStringLiteral("%1 to a %2")
                         .arg(QString::number(static_cast<int>(event->type())),
                              QLatin1String(receiver->metaObject()->className()));
        }
        return handled;
    }
    void resetLongest()
    {
        m_longest = 0.0;
        m_what.clear();
        m_paints.clear();
    }
    QString slowestPaints() const
    {
        QStringList parts;
        for (auto it = m_paints.begin(); it != m_paints.end(); ++it)
            if (it.value() >= 1.0)
                parts << QStringLiteral("%1 %2 ms").arg(it.key()).arg(it.value(), 0, 'f', 1);
        return parts.join(QStringLiteral(", "));
    }
    double longest() const { return m_longest; }
    QString what() const { return m_what; }

private:
    int m_depth = 0;
    double m_longest = 0.0;
    QString m_what;
    QMap<QString, double> m_paints; // longest paint per widget class
};

// A float32 dataset of normal weights whose scale varies by row band and column band, so
// blocks differ and the pruned pattern has structure (as trained layers have).
bool writeLayer(const QString& path, int size)
{
    std::vector<float> values(static_cast<std::size_t>(size) * size);
    std::mt19937 rng(2024);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (int r = 0; r < size; ++r) {
        const float rowScale = 0.01f * (1.0f + static_cast<float>((r / 64) % 5));
        for (int c = 0; c < size; ++c) {
            const float colScale = 1.0f + 0.5f * static_cast<float>((c / 128) % 3);
            values[static_cast<std::size_t>(r) * size + c] = normal(rng) * rowScale * colScale;
        }
    }
    const hid_t file =
        H5Fcreate(path.toUtf8().constData(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (file < 0)
        return false;
    const hsize_t dims[2] = {static_cast<hsize_t>(size), static_cast<hsize_t>(size)};
    const hid_t space = H5Screate_simple(2, dims, nullptr);
    const hid_t links = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(links, 1);
    const hid_t dataset =
        H5Dcreate2(file, "/layer/weight", H5T_IEEE_F32LE, space, links, H5P_DEFAULT, H5P_DEFAULT);
    H5Pclose(links);
    bool ok = dataset >= 0;
    if (ok)
        ok = H5Dwrite(dataset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0;
    if (dataset >= 0)
        H5Dclose(dataset);
    H5Sclose(space);
    H5Fclose(file);
    return ok;
}

bool waitIdle(MainWindow& window, int timeoutMs = 120000)
{
    QElapsedTimer clock;
    clock.start();
    int idle = 0;
    while (clock.elapsed() < timeoutMs) {
        QTest::qWait(5);
        idle = window.isIdle() ? idle + 1 : 0;
        if (idle >= 3)
            return true;
    }
    return false;
}

double median(std::vector<double> values)
{
    if (values.empty())
        return 0.0;
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

struct Latency
{
    std::vector<double> shown; // snapshot delivered to the view (its heatmap source set)
    std::vector<double> drawn; // the new image rendered and shown
};

// Applies one change and times it: from the call until the view has the new snapshot, and
// until the heatmap shows the image of it.
void timeChange(MainWindow& window, const std::function<void()>& change, Latency& latency)
{
    QSignalSpy shown(window.layerView(), &LayerView::snapshotShown);
    QElapsedTimer clock;
    clock.start();
    change();
    if (!shown.wait(60000) && shown.isEmpty()) {
        out << "  (no snapshot within 60 s)\n";
        return;
    }
    latency.shown.push_back(static_cast<double>(clock.nsecsElapsed()) / 1e6);
    QSignalSpy drawn(window.layerView()->heatmap(), &sparsity::ui::HeatmapView::imageUpdated);
    if (drawn.wait(60000))
        latency.drawn.push_back(static_cast<double>(clock.nsecsElapsed()) / 1e6);
    waitIdle(window);
}

void report(const char* what, const Latency& latency)
{
    out << QStringLiteral("%1: median %2 ms to the view, %3 ms to the drawn image (n = %4; min %5, "
                          "max %6 ms)\n")
               .arg(QLatin1String(what))
               .arg(median(latency.shown), 0, 'f', 1)
               .arg(median(latency.drawn), 0, 'f', 1)
               .arg(latency.shown.size())
               .arg(latency.shown.empty()
                        ? 0.0
                        : *std::min_element(latency.shown.begin(), latency.shown.end()),
                    0, 'f', 1)
               .arg(latency.shown.empty()
                        ? 0.0
                        : *std::max_element(latency.shown.begin(), latency.shown.end()),
                    0, 'f', 1);
    out.flush();
}

} // namespace

int main(int argc, char* argv[])
{
    if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    TimingApplication app(argc, argv);
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
    if (!writeLayer(file, size)) {
        out << "cannot write " << file << '\n';
        return 1;
    }
    out << "layer " << size << " x " << size << " float32, " << QThread::idealThreadCount()
        << " threads, platform " << QGuiApplication::platformName() << '\n';

    MainWindow window;
    window.resize(1440, 900);
    window.show();
    QElapsedTimer clock;
    clock.start();
    window.openFile(file, QStringLiteral("/layer/weight"));
    if (!waitIdle(window)) {
        out << "the layer did not load\n";
        return 1;
    }
    out << QStringLiteral("open, read and first mask: %1 ms\n").arg(clock.elapsed());

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
        report(label, level);
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
    report("block-shape change", shape);

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
        out << QStringLiteral("idle repaint: window %1 ms, heatmap %2 ms, histogram %3 ms\n")
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
    for (int drag = 0; drag < 5; ++drag) {
        QElapsedTimer tick;
        double longest = 0.0;
        QTimer probe;
        probe.setTimerType(Qt::PreciseTimer);
        probe.setInterval(1);
        QObject::connect(&probe, &QTimer::timeout, &probe, [&] {
            const double late = static_cast<double>(tick.nsecsElapsed()) / 1e6 - 1.0;
            longest = std::max(longest, late);
            tick.restart();
        });
        QSignalSpy shown(window.layerView(), &LayerView::snapshotShown);
        QSignalSpy drawn(window.layerView()->heatmap(), &sparsity::ui::HeatmapView::imageUpdated);
        slider->setSliderDown(true);
        app.resetLongest();
        tick.start();
        probe.start();
        int step = 0;
        QTimer mouse;
        mouse.setTimerType(Qt::PreciseTimer);
        mouse.setInterval(16);
        QEventLoop loop;
        QObject::connect(&mouse, &QTimer::timeout, &mouse, [&] {
            slider->setValue(drag % 2 ? 900 - 6 * step : 100 + 6 * step);
            if (++step == 100) {
                mouse.stop();
                loop.quit();
            }
        });
        mouse.start();
        loop.exec();
        slider->setSliderDown(false);
        QElapsedTimer settle;
        settle.start();
        waitIdle(window);
        probe.stop();
        stalls.push_back(longest);
        settles.push_back(static_cast<double>(settle.nsecsElapsed()) / 1e6);
        frames.push_back(static_cast<double>(drawn.count()));
        out << QStringLiteral(
                   "drag %1: longest UI stall %2 ms (longest event %6 ms: type %7), "
                   "%3 snapshots and %4 images shown for 100 values, idle %5 ms after the "
                   "last one\n")
                   .arg(drag + 1)
                   .arg(longest, 0, 'f', 1)
                   .arg(shown.count())
                   .arg(drawn.count())
                   .arg(settles.back(), 0, 'f', 0)
                   .arg(app.longest(), 0, 'f', 1)
                   .arg(app.what());
        out << "  longest paints: " << app.slowestPaints() << '\n';
        out.flush();
    }
    out << QStringLiteral("slider drag: median longest UI stall %1 ms, median %2 images per drag, "
                          "median settle %3 ms\n")
               .arg(median(stalls), 0, 'f', 1)
               .arg(median(frames), 0, 'f', 0)
               .arg(median(settles), 0, 'f', 0);
    return 0;
}
