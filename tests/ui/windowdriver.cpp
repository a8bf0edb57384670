#include "windowdriver.h"

#include "mainwindow/layerview.h"
#include "mainwindow/mainwindow.h"

#include <QElapsedTimer>
#include <QLabel>
#include <QTest>

namespace sparsity::test {

QString text(ui::MainWindow& window, const char* name)
{
    return child<QLabel>(window, name)->text();
}

bool waitIdle(ui::MainWindow& window, int timeoutMs)
{
    int idleChecks = 0;
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < timeoutMs) {
        QTest::qWait(10);
        idleChecks = window.isIdle() ? idleChecks + 1 : 0;
        if (idleChecks >= 3)
            return true;
    }
    return false;
}

std::shared_ptr<const ui::LayerSnapshot> shown(ui::MainWindow& window)
{
    return window.layerView()->shownSnapshot();
}

} // namespace sparsity::test
