#include "recentfiles.h"

#include <QDir>
#include <QFileInfo>
#include <QMenu>
#include <QSettings>

namespace sparsity::ui {
namespace {

const QString recentFilesKey = QStringLiteral("recentFiles");

void store(const QStringList& files)
{
    QSettings().setValue(recentFilesKey, files);
}

// The folder of `path` with the home folder as "~", native separators.
QString folderOf(const QString& path)
{
    QString folder = QFileInfo(path).absolutePath();
    const QString home = QDir::homePath();
    if (home != QStringLiteral("/") &&
        (folder == home || folder.startsWith(home + QLatin1Char('/'))))
        folder = QLatin1Char('~') + folder.mid(home.size());
    return QDir::toNativeSeparators(folder);
}

// The last `parts` components of `folder`, after "…" when some were dropped.
QString folderTail(const QString& folder, int parts)
{
    const QChar separator = QDir::separator();
    const QStringList all = folder.split(separator, Qt::SkipEmptyParts);
    if (parts >= all.size())
        return folder;
    return QStringLiteral("…") + separator + all.mid(all.size() - parts).join(separator);
}

} // namespace

QStringList RecentFiles::labels(const QStringList& paths)
{
    QStringList names;
    QStringList folders;
    for (const QString& path : paths) {
        names << QFileInfo(path).fileName();
        folders << folderOf(path);
    }
    const auto label = [&](qsizetype i, int parts) {
        return RecentFiles::tr("%1 — %2").arg(names[i], folderTail(folders[i], parts));
    };
    QStringList result;
    for (qsizetype i = 0; i < paths.size(); ++i) {
        // As many trailing folders as fit, then more while another entry would read the same.
        const int total = int(folders[i].split(QDir::separator(), Qt::SkipEmptyParts).size());
        int parts = 1;
        while (parts < total && folderTail(folders[i], parts + 1).size() <= maxFolderChars)
            ++parts;
        const auto clashes = [&](int p) {
            for (qsizetype j = 0; j < paths.size(); ++j)
                if (j != i && names[j] == names[i] && folders[j] != folders[i] &&
                    label(j, p) == label(i, p))
                    return true;
            return false;
        };
        while (parts < total && clashes(parts))
            ++parts;
        result << label(i, parts);
    }
    return result;
}

RecentFiles::RecentFiles(QMenu* menu, QObject* parent)
    : QObject(parent)
    , m_menu(menu)
{
    if (m_menu)
        connect(m_menu, &QMenu::aboutToShow, this, &RecentFiles::fillMenu);
}

QStringList RecentFiles::files()
{
    return QSettings().value(recentFilesKey).toStringList();
}

void RecentFiles::add(const QString& path)
{
    QStringList list = files();
    list.removeAll(path);
    list.prepend(path);
    while (list.size() > maxCount)
        list.removeLast();
    store(list);
}

void RecentFiles::forgetIfMissing(const QString& path)
{
    if (QFileInfo::exists(path))
        return;
    QStringList list = files();
    if (list.removeAll(path) > 0)
        store(list);
}

void RecentFiles::clear()
{
    QSettings().remove(recentFilesKey);
}

void RecentFiles::fillMenu()
{
    m_menu->clear();
    const QStringList list = files();
    const QStringList texts = labels(list);
    for (int i = 0; i < list.size(); ++i) {
        const QString& path = list[i];
        QString text = texts[i];
        text.replace(QLatin1Char('&'), QStringLiteral("&&")); // a name is not a mnemonic
        auto* action = m_menu->addAction(tr("&%1 %2").arg(i + 1).arg(text), this,
                                         [this, path] { Q_EMIT openRequested(path); });
        action->setStatusTip(QDir::toNativeSeparators(path));
        action->setToolTip(QDir::toNativeSeparators(path));
    }
    if (list.isEmpty()) {
        m_menu->addAction(tr("No recent files"))->setEnabled(false);
        return;
    }
    m_menu->addSeparator();
    m_menu->addAction(tr("&Clear Menu"), this, &RecentFiles::clear);
}

} // namespace sparsity::ui
