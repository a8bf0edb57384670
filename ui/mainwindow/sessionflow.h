#pragma once

#include <QObject>
#include <QStringList>

class QAction;
class QFrame;
class QLabel;
class QMenu;
class QPushButton;

namespace sparsity::ui {

class MainWindow;
struct SavedSession;

// Sessions kept from one run to the next: the last one is saved on close (in
// QStandardPaths::AppDataLocation, atomically) and offered on the next start by a banner above
// the view ("Restore your last session on big.h5?"), which afterwards says what came back and
// what did not; File > Restore Last Session, Open Session… and Save Session As…. UI thread only.
class SessionFlow final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SessionFlow)

public:
    // Puts its actions into `fileMenu` before `before`.
    SessionFlow(MainWindow* window, QMenu* fileMenu, QAction* before);

    // The banner (hidden until there is something to say); the window places it.
    QFrame* banner() const { return m_banner; }
    // Shows the banner if a last session exists and can be read.
    void offerLastSession();
    // Writes the window's session as the last one (not an untouched demo). False and a
    // warning on the console when it cannot be written.
    bool saveLastSession();
    // Reads `path` and restores it; a file that is not a session gets an error dialog.
    void openSession(const QString& path);
    // Writes the window's session to `path`; an error dialog when it cannot.
    bool saveSession(const QString& path);

    QAction* restoreLastAction() const { return m_restoreLast; }

    // Sets its texts again in the language now installed (the window calls it on
    // QEvent::LanguageChange).
    void retranslate();

private:
    void showBanner(const QString& text, bool offer, bool warning);
    void onRestored(const QString& summary, const QStringList& problems);

    MainWindow* m_window;
    QFrame* m_banner;
    QLabel* m_bannerText;
    QPushButton* m_restoreButton;
    QPushButton* m_dismissButton;
    QAction* m_restoreLast;
    QAction* m_openSession;
    QAction* m_saveSession;
    bool m_offering = false; // the banner asks whether to restore the last session
};

} // namespace sparsity::ui
