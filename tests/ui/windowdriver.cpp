#include "windowdriver.h"

#include "mainwindow/layerview.h"
#include "mainwindow/mainwindow.h"

#include <QElapsedTimer>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
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

QString takeError(ui::MainWindow& window, int timeoutMs)
{
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < timeoutMs) {
        auto* box = window.findChild<QMessageBox*>(QStringLiteral("errorDialog"));
        if (box && box->isVisible()) {
            const QString text = box->informativeText();
            box->button(QMessageBox::Ok)->click();
            QTest::qWait(0);
            return text;
        }
        QTest::qWait(10);
    }
    return {};
}

std::shared_ptr<const ui::LayerSnapshot> shown(ui::MainWindow& window)
{
    return window.layerView()->shownSnapshot();
}

} // namespace sparsity::test
