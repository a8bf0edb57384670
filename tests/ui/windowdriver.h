#pragma once

// Helpers for the tests that drive the real MainWindow through its widgets (tst_mainwindow,
// tst_stress, tst_badinput_gui, tst_exportfaults_gui). UI thread only.

#include <QObject>
#include <QString>
#include <memory>

namespace sparsity::ui {
struct LayerSnapshot;
class MainWindow;
} // namespace sparsity::ui

namespace sparsity::test {

// The window's child of type T named `name`; a missing widget is a broken test, so it aborts.
template <typename T> T* child(QObject& parent, const char* name)
{
    T* found = parent.findChild<T*>(QLatin1String(name));
    if (!found)
        qFatal("no child %s", name);
    return found;
}

// The text of the QLabel named `name`.
QString text(ui::MainWindow& window, const char* name);

// Runs the event loop until nothing runs any more, seen three times in a row 10 ms apart (work
// moves through stages); false when that did not happen within `timeoutMs`.
bool waitIdle(ui::MainWindow& window, int timeoutMs);

// The text of the window's error dialog once it shows, closed with OK; empty when none showed
// within `timeoutMs`.
QString takeError(ui::MainWindow& window, int timeoutMs);

// The snapshot the window shows now (null before the first one).
std::shared_ptr<const ui::LayerSnapshot> shown(ui::MainWindow& window);

} // namespace sparsity::test
