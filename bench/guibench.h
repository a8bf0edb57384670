#pragma once

// What bench_gui and bench_gui_model share: an application that times every event the UI
// thread handles (to name what a stall was spent on), synthetic HDF5 layers, waiting until the
// window is idle, timing one parameter change to the drawn image and one slider drag, medians,
// and the machine's load and the process's peak memory to print beside each figure.
// UI thread only.

#include <QApplication>
#include <QMap>
#include <QString>
#include <QTextStream>
#include <functional>
#include <vector>

class QSlider;

namespace sparsity::ui {
class MainWindow;
}

namespace sparsity::bench {

QTextStream& out();

// Times every event the UI thread handles: the longest top-level one (what a stall was spent
// on) and the longest paint per widget class. onPainted runs after each paint event.
class TimingApplication final : public QApplication
{
public:
    TimingApplication(int& argc, char** argv);

    bool notify(QObject* receiver, QEvent* event) override;
    void resetLongest();
    // Widget classes whose longest paint took 1 ms or more, with that time and (in brackets)
    // the most UI-thread CPU time one of its paints took.
    QString slowestPaints() const;
    double longest() const { return m_longest; }
    QString what() const { return m_what; }
    // The most CPU time the UI thread itself spent in one top-level event, and on what: on a
    // loaded machine the wall time of an event includes waiting for a core; this does not.
    double longestCpu() const { return m_longestCpu; }
    QString whatCpu() const { return m_whatCpu; }

    std::function<void(QObject* receiver)> onPainted;

private:
    int m_depth = 0;
    double m_longest = 0.0;
    QString m_what;
    double m_longestCpu = 0.0;
    QString m_whatCpu;
    QMap<QString, double> m_paints;    // longest paint per widget class
    QMap<QString, double> m_paintsCpu; // its most UI-thread CPU time in one paint
};

// One float32 dataset of a synthetic file.
struct LayerSpec
{
    QString path;
    int rows = 0;
    int cols = 0;
};

// Writes normal weights whose scale varies by row band and column band, so blocks differ and
// the pruned pattern has structure (as trained layers have). Layer i draws from seed 2024 + i,
// so a file whose first layer is 4096 x 4096 holds bench_gui's layer. False on any HDF5 error.
bool writeLayers(const QString& path, const std::vector<LayerSpec>& layers);

// Runs the event loop until the window has been idle three times in a row 5 ms apart.
bool waitIdle(sparsity::ui::MainWindow& window, int timeoutMs = 300000);

// Shows the window at 1440 x 900, opens `layer` of `file` and prints how long the open, the
// read and the first mask took; false, said on out(), when the layer did not load.
bool showAndOpen(sparsity::ui::MainWindow& window, const QString& file, const QString& layer);
double median(std::vector<double> values);
double minimum(const std::vector<double>& values);
double maximum(const std::vector<double>& values);

// "1-minute load average / cores", from /proc/loadavg: printed beside every measurement, since
// the machines these run on are shared.
QString loadNow();
// The process's peak resident set so far (getrusage), in MiB.
double peakRssMiB();
// CPU time of all the process's threads so far (user + system), in ms: the work a figure took,
// which a loaded machine does not inflate as it does wall time.
double processCpuMs();
// How often the process was continued after a stop (SIGCONT) since startup: on the shared
// machine other benchmarks stop the other processes while they run, and a figure timed across
// a stop is not the program's. installStopCounter() must run first.
void installStopCounter();
int continuedCount();
// About how long the process was stopped in all (within a few ms per stop): long runs report
// their wall time less this.
double stoppedMs();

struct Latency
{
    std::vector<double> shown; // snapshot delivered to the view (its heatmap source set)
    std::vector<double> drawn; // the new image rendered and shown
    int stopped = 0;           // changes dropped: the process was stopped while they ran
};

// Applies one change and times it: from the call until the view has the new snapshot, and
// until the heatmap shows the image of it; then waits until the window is idle. A change during
// which the process was stopped is counted in `stopped` instead.
void timeChange(sparsity::ui::MainWindow& window, const std::function<void()>& change,
                Latency& latency);
// "what: median X ms to the view, Y ms to the drawn image (n, min, max)".
void report(const QString& what, const Latency& latency);

struct DragResult
{
    double stall = 0.0;  // the longest the 1 ms probe timer was served late
    double settle = 0.0; // from the last value until the window was idle
    int snapshots = 0;
    int images = 0;
    double longestEvent = 0.0;    // the longest event the UI thread handled
    QString what;                 // its type and receiver
    double longestEventCpu = 0.0; // the most UI-thread CPU time in one event
    QString whatCpu;
    QString paints;       // the slowest paints per widget class
    bool stopped = false; // the process was stopped during the drag: not a measurement
};

// Drags the level slider through 100 values at 60 Hz (up for even `drag`, down for odd) while a
// 1 ms timer measures how late the UI thread serves it.
DragResult dragSlider(TimingApplication& app, sparsity::ui::MainWindow& window, QSlider* slider,
                      int drag);
// Prints one drag's line and its longest paints.
void reportDrag(int drag, const DragResult& result);

} // namespace sparsity::bench
