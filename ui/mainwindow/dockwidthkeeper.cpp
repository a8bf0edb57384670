#include "dockwidthkeeper.h"

#include <QDockWidget>
#include <QEvent>
#include <QGuiApplication>
#include <QMainWindow>
#include <QTimer>
#include <algorithm>

namespace sparsity::ui {

DockWidthKeeper::DockWidthKeeper(QMainWindow* window, const QList<QDockWidget*>& docks)
    : QObject(window)
    , m_window(window)
{
    window->installEventFilter(this);
    for (QDockWidget* dock : docks) {
        m_wanted.insert(dock, 0);
        dock->installEventFilter(this);
    }
}

void DockWidthKeeper::setWantedWidth(QDockWidget* dock, int width)
{
    if (m_wanted.contains(dock))
        m_wanted.insert(dock, width);
}

bool DockWidthKeeper::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_window) {
        if (event->type() == QEvent::Show && !m_shown) {
            m_shown = true;
            // A restored layout's widths are the wanted ones; known once it is laid out.
            QTimer::singleShot(0, this, [this] {
                for (auto it = m_wanted.begin(); it != m_wanted.end(); ++it)
                    if (it.value() == 0 && it.key()->isVisible())
                        it.value() = it.key()->width();
            });
        } else if (event->type() == QEvent::Resize && !m_restorePending) {
            // The window's layout resizes the docks next: those changes are not the user's.
            m_windowResizing = true;
            m_restorePending = true;
            QTimer::singleShot(0, this, [this] {
                m_restorePending = false;
                restoreWidths();
                m_windowResizing = false;
            });
        }
        return false;
    }
    auto* dock = qobject_cast<QDockWidget*>(watched);
    // A drag of the separator: the mouse is down and the window keeps its size.
    if (dock && event->type() == QEvent::Resize && !m_windowResizing && m_shown &&
        QGuiApplication::mouseButtons() != Qt::NoButton && dock->isVisible() && !dock->isFloating())
        m_wanted.insert(dock, dock->width());
    return false;
}

void DockWidthKeeper::restoreWidths()
{
    // The central view keeps at least half the window: on a small window the docks share the
    // other half in proportion to what they want.
    QList<QDockWidget*> shown;
    int total = 0;
    for (auto it = m_wanted.cbegin(); it != m_wanted.cend(); ++it) {
        QDockWidget* dock = it.key();
        const Qt::DockWidgetArea area = m_window->dockWidgetArea(dock);
        if (it.value() > 0 && dock->isVisible() && !dock->isFloating() &&
            (area == Qt::LeftDockWidgetArea || area == Qt::RightDockWidgetArea)) {
            shown << dock;
            total += it.value();
        }
    }
    const double share = total > 0 ? std::min(1.0, m_window->width() * maxDockShare / total) : 1.0;
    QList<QDockWidget*> docks;
    QList<int> widths;
    for (QDockWidget* dock : shown) {
        const int target = static_cast<int>(m_wanted.value(dock) * share);
        if (target > dock->width()) {
            docks << dock;
            widths << target;
        }
    }
    if (!docks.isEmpty())
        m_window->resizeDocks(docks, widths, Qt::Horizontal);
}

} // namespace sparsity::ui
