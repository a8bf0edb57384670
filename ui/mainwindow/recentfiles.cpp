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

} // namespace

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
    for (int i = 0; i < list.size(); ++i) {
        const QString& path = list[i];
        auto* action = m_menu->addAction(tr("&%1 %2").arg(i + 1).arg(QFileInfo(path).fileName()),
                                         this, [this, path] { Q_EMIT openRequested(path); });
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
