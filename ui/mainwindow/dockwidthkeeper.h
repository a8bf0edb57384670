#pragma once

#include <QHash>
#include <QList>
#include <QObject>

class QDockWidget;
class QMainWindow;

namespace sparsity::ui {

// Keeps side docks at the width they are meant to have. A window that shrinks squeezes its
// docks, and when it grows again QMainWindow gives all the new room to the central widget: the
// docks would stay narrow and their names cut. After each window resize this widens them back.
// A width the user drags a dock to becomes its wanted width. UI thread only.
class DockWidthKeeper final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DockWidthKeeper)

public:
    DockWidthKeeper(QMainWindow* window, const QList<QDockWidget*>& docks);

    // Side docks together take at most this share of the window's width when widened.
    static constexpr double maxDockShare = 0.5;

    void setWantedWidth(QDockWidget* dock, int width);
    int wantedWidth(QDockWidget* dock) const { return m_wanted.value(dock); }
    // Widens docks narrower than wanted, as far as the window allows.
    void restoreWidths();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    QMainWindow* m_window;
    QHash<QDockWidget*, int> m_wanted;
    bool m_windowResizing = false;
    bool m_restorePending = false;
    bool m_shown = false;
};

} // namespace sparsity::ui
