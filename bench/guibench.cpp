#include "guibench.h"

#include "heatmap/heatmapview.h"
#include "mainwindow/layerview.h"
#include "mainwindow/mainwindow.h"
#include "session/session.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QSignalSpy>
#include <QSlider>
#include <QTest>
#include <QThread>
#include <QTimer>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <ctime>
#include <hdf5.h>
#include <random>
#include <sys/resource.h>
#include <thread>

using sparsity::ui::LayerView;
using sparsity::ui::MainWindow;

namespace sparsity::bench {

QTextStream& out()
{
    static QTextStream stream(stdout);
    return stream;
}

namespace {

std::atomic<int> continued{0};
std::atomic<std::int64_t> lastTickNs{0}; // a ticker thread's last sign of life
std::atomic<std::int64_t> stoppedNs{0};

std::int64_t monotonicNs()
{
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now); // async-signal-safe
    return std::int64_t{now.tv_sec} * 1000000000 + now.tv_nsec;
}

void onContinued(int)
{
    // Stopped since about the ticker's last tick (it ticks every 2 ms while running).
    const std::int64_t last = lastTickNs.load(std::memory_order_relaxed);
    if (last > 0)
        stoppedNs.fetch_add(monotonicNs() - last, std::memory_order_relaxed);
    continued.fetch_add(1, std::memory_order_relaxed);
}

double threadCpuMs()
{
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) * 1e3 + static_cast<double>(now.tv_nsec) / 1e6;
}

} // namespace

TimingApplication::TimingApplication(int& argc, char** argv)
    : QApplication(argc, argv)
{
    // The window reads HDF5 files through the reader process, which is found next to the
    // running program; a benchmark is not the app, so it names the build's.
    if (qEnvironmentVariableIsEmpty("SPARSITY_HDF5_READER"))
        qputenv("SPARSITY_HDF5_READER", SPARSITY_HDF5_READER_PATH);
}

bool TimingApplication::notify(QObject* receiver, QEvent* event)
{
    if (m_depth++ > 0) {
        if (event->type() != QEvent::Paint) {
            const bool handled = QApplication::notify(receiver, event);
            --m_depth;
            return handled;
        }
        QElapsedTimer paint;
        paint.start();
        const double cpuBefore = threadCpuMs();
        const bool handled = QApplication::notify(receiver, event);
        --m_depth;
        const double cpu = threadCpuMs() - cpuBefore;
        const double ms = static_cast<double>(paint.nsecsElapsed()) / 1e6;
        const QString className = QLatin1String(receiver->metaObject()->className());
        auto& slot = m_paints[className];
        slot = std::max(slot, ms);
        auto& cpuSlot = m_paintsCpu[className];
        cpuSlot = std::max(cpuSlot, cpu);
        if (onPainted)
            onPainted(receiver);
        return handled;
    }
    const int type = static_cast<int>(event->type());
    const char* className = receiver->metaObject()->className();
    QElapsedTimer clock;
    clock.start();
    const double cpuBefore = threadCpuMs();
    const bool handled = QApplication::notify(receiver, event);
    --m_depth;
    const double cpu = threadCpuMs() - cpuBefore;
    const double ms = static_cast<double>(clock.nsecsElapsed()) / 1e6;
    // (The receiver may be gone now: only what was read before is used.)
    if (ms > m_longest) {
        m_longest = ms;
        m_what = QStringLiteral("%1 to a %2").arg(type).arg(QLatin1String(className));
    }
    if (cpu > m_longestCpu) {
        m_longestCpu = cpu;
        m_whatCpu = QStringLiteral("%1 to a %2").arg(type).arg(QLatin1String(className));
    }
    return handled;
}

void TimingApplication::resetLongest()
{
    m_longest = 0.0;
    m_what.clear();
    m_longestCpu = 0.0;
    m_whatCpu.clear();
    m_paints.clear();
    m_paintsCpu.clear();
}

QString TimingApplication::slowestPaints() const
{
    QStringList parts;
    for (auto it = m_paints.begin(); it != m_paints.end(); ++it)
        if (it.value() >= 1.0)
            parts << QStringLiteral("%1 %2 ms (CPU %3)")
                         .arg(it.key())
                         .arg(it.value(), 0, 'f', 1)
                         .arg(m_paintsCpu.value(it.key()), 0, 'f', 1);
    return parts.join(QStringLiteral(", "));
}

bool writeLayers(const QString& path, const std::vector<LayerSpec>& layers)
{
    const hid_t file =
        H5Fcreate(path.toUtf8().constData(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (file < 0)
        return false;
    const hid_t links = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(links, 1);
    bool ok = true;
    for (std::size_t i = 0; ok && i < layers.size(); ++i) {
        const LayerSpec& layer = layers[i];
        std::vector<float> values(static_cast<std::size_t>(layer.rows) * layer.cols);
        std::mt19937 rng(2024 + static_cast<unsigned>(i));
        std::normal_distribution<float> normal(0.0f, 1.0f);
        for (int r = 0; r < layer.rows; ++r) {
            const float rowScale = 0.01f * (1.0f + static_cast<float>((r / 64) % 5));
            for (int c = 0; c < layer.cols; ++c) {
                const float colScale = 1.0f + 0.5f * static_cast<float>((c / 128) % 3);
                values[static_cast<std::size_t>(r) * layer.cols + c] =
                    normal(rng) * rowScale * colScale;
            }
        }
        const hsize_t dims[2] = {static_cast<hsize_t>(layer.rows),
                                 static_cast<hsize_t>(layer.cols)};
        const hid_t space = H5Screate_simple(2, dims, nullptr);
        const hid_t dataset = H5Dcreate2(file, layer.path.toUtf8().constData(), H5T_IEEE_F32LE,
                                         space, links, H5P_DEFAULT, H5P_DEFAULT);
        ok = dataset >= 0 &&
             H5Dwrite(dataset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0;
        if (dataset >= 0)
            H5Dclose(dataset);
        H5Sclose(space);
    }
    H5Pclose(links);
    return H5Fclose(file) >= 0 && ok;
}

bool waitIdle(MainWindow& window, int timeoutMs)
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

bool showAndOpen(MainWindow& window, const QString& file, const QString& layer)
{
    window.resize(1440, 900);
    window.show();
    QElapsedTimer clock;
    clock.start();
    window.openFile(file, layer);
    // An error dialog leaves the window idle too: the layer must be the one shown.
    if (!waitIdle(window) || window.session()->currentLayer() != layer) {
        out() << "the layer did not load\n";
        return false;
    }
    out() << QStringLiteral("open, read and first mask: %1 ms\n").arg(clock.elapsed());
    return true;
}

double median(std::vector<double> values)
{
    if (values.empty())
        return 0.0;
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

double minimum(const std::vector<double>& values)
{
    return values.empty() ? 0.0 : *std::min_element(values.begin(), values.end());
}

double maximum(const std::vector<double>& values)
{
    return values.empty() ? 0.0 : *std::max_element(values.begin(), values.end());
}

QString loadNow()
{
    QFile file(QStringLiteral("/proc/loadavg"));
    if (!file.open(QIODevice::ReadOnly))
        return QStringLiteral("load unknown");
    const QString first = QString::fromLatin1(file.readLine()).section(QLatin1Char(' '), 0, 0);
    return QStringLiteral("load %1 on %2 cores").arg(first).arg(QThread::idealThreadCount());
}

double peakRssMiB()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / 1024.0; // kilobytes on Linux
}

double processCpuMs()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const auto ms = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_usec) / 1e3;
    };
    return ms(usage.ru_utime) + ms(usage.ru_stime);
}

void installStopCounter()
{
    std::thread([] {
        for (;;) {
            lastTickNs.store(monotonicNs(), std::memory_order_relaxed);
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    }).detach();
    struct sigaction action
    {
    };
    action.sa_handler = onContinued;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGCONT, &action, nullptr);
}

int continuedCount()
{
    return continued.load(std::memory_order_relaxed);
}

double stoppedMs()
{
    return static_cast<double>(stoppedNs.load(std::memory_order_relaxed)) / 1e6;
}

void timeChange(MainWindow& window, const std::function<void()>& change, Latency& latency)
{
    const int stops = continuedCount();
    QSignalSpy shown(window.layerView(), &LayerView::snapshotShown);
    QElapsedTimer clock;
    clock.start();
    change();
    if (!shown.wait(60000) && shown.isEmpty()) {
        out() << "  (no snapshot within 60 s)\n";
        return;
    }
    const double toView = static_cast<double>(clock.nsecsElapsed()) / 1e6;
    QSignalSpy drawn(window.layerView()->heatmap(), &sparsity::ui::HeatmapView::imageUpdated);
    const bool wasDrawn = drawn.wait(60000);
    const double toImage = static_cast<double>(clock.nsecsElapsed()) / 1e6;
    if (continuedCount() != stops) {
        ++latency.stopped;
    } else {
        latency.shown.push_back(toView);
        if (wasDrawn)
            latency.drawn.push_back(toImage);
    }
    waitIdle(window);
}

void report(const QString& what, const Latency& latency)
{
    out() << QStringLiteral("%1: median %2 ms to the view, %3 ms to the drawn image (n = %4; "
                            "min %5, max %6 ms to the view; %7%8)\n")
                 .arg(what)
                 .arg(median(latency.shown), 0, 'f', 1)
                 .arg(median(latency.drawn), 0, 'f', 1)
                 .arg(latency.shown.size())
                 .arg(minimum(latency.shown), 0, 'f', 1)
                 .arg(maximum(latency.shown), 0, 'f', 1)
                 .arg(loadNow())
                 .arg(latency.stopped ? QStringLiteral("; %1 dropped: the process was stopped")
                                            .arg(latency.stopped)
                                      : QString());
    out().flush();
}

DragResult dragSlider(TimingApplication& app, MainWindow& window, QSlider* slider, int drag)
{
    const int stops = continuedCount();
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
    DragResult result;
    result.stall = longest;
    result.settle = static_cast<double>(settle.nsecsElapsed()) / 1e6;
    result.snapshots = static_cast<int>(shown.count());
    result.images = static_cast<int>(drawn.count());
    result.longestEvent = app.longest();
    result.what = app.what();
    result.longestEventCpu = app.longestCpu();
    result.whatCpu = app.whatCpu();
    result.paints = app.slowestPaints();
    result.stopped = continuedCount() != stops;
    return result;
}

void reportDrag(int drag, const DragResult& result)
{
    if (result.stopped)
        out() << QStringLiteral("drag %1: the process was stopped during it: not counted\n")
                     .arg(drag + 1);
    out() << QStringLiteral("drag %1: longest UI stall %2 ms (longest event %6 ms: type %7), "
                            "%3 snapshots and %4 images shown for 100 values, idle %5 ms after "
                            "the last one; %8\n")
                 .arg(drag + 1)
                 .arg(result.stall, 0, 'f', 1)
                 .arg(result.snapshots)
                 .arg(result.images)
                 .arg(result.settle, 0, 'f', 0)
                 .arg(result.longestEvent, 0, 'f', 1)
                 .arg(result.what)
                 .arg(loadNow());
    out() << QStringLiteral(
                 "  most UI-thread CPU in one event %1 ms (type %2); longest paints: %3\n")
                 .arg(result.longestEventCpu, 0, 'f', 1)
                 .arg(result.whatCpu, result.paints);
    out().flush();
}

} // namespace sparsity::bench
