#pragma once

#include <QObject>
#include <QStringList>

class QMenu;

namespace sparsity::ui {

// The files opened lately, newest first, each once, at most maxCount, kept in QSettings (key
// "recentFiles") so that every window and the next run share them; and the Open Recent menu
// listing them, filled each time it opens. UI thread only.
class RecentFiles final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RecentFiles)

public:
    static constexpr int maxCount = 8;

    // Fills `menu` (not owned; it outlives this object or is null) whenever it is about to show.
    explicit RecentFiles(QMenu* menu, QObject* parent = nullptr);

    static QStringList files();
    // Puts `path` first, dropping an older entry for it and the oldest beyond maxCount.
    static void add(const QString& path);
    // Drops `path` if the file no longer exists (a file that failed to open for another
    // reason stays listed: it may open later).
    static void forgetIfMissing(const QString& path);
    static void clear();
    // The menu texts of `paths` (no mnemonics): "big.h5 — ~/runs/a", the folder shortened from
    // the left to at most maxFolderChars, but never so far that two entries read the same.
    static QStringList labels(const QStringList& paths);
    static constexpr int maxFolderChars = 40;

Q_SIGNALS:
    void openRequested(const QString& path);

private:
    void fillMenu();

    QMenu* m_menu;
};

} // namespace sparsity::ui
