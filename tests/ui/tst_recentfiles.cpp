// The recent files: newest first, each path once, at most RecentFiles::maxCount, kept in
// QSettings; a file that no longer exists is dropped when it fails to open, any other stays;
// the Open Recent menu lists them and opens the one chosen.
#include "mainwindow/recentfiles.h"

#include <QAction>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QMenu>
#include <QSet>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace sparsity::ui;

class TestRecentFiles final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    // The actions of `menu` as it would show now, separators as "-".
    static QStringList shownEntries(QMenu& menu)
    {
        Q_EMIT menu.aboutToShow();
        QStringList entries;
        for (const QAction* action : menu.actions())
            entries << (action->isSeparator() ? QStringLiteral("-") : action->text());
        return entries;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SparsityExplorerTests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_recentfiles"));
    }
    void init() { QSettings().clear(); }

    void newestFirst()
    {
        RecentFiles::add(QStringLiteral("/a.h5"));
        RecentFiles::add(QStringLiteral("/b.h5"));
        RecentFiles::add(QStringLiteral("/c.h5"));
        QCOMPARE(RecentFiles::files(),
                 (QStringList{QStringLiteral("/c.h5"), QStringLiteral("/b.h5"),
                              QStringLiteral("/a.h5")}));
        // Kept in the settings, where the next run finds them.
        QCOMPARE(QSettings().value(QStringLiteral("recentFiles")).toStringList(),
                 RecentFiles::files());
    }

    void reopeningMovesToTheFrontOnce()
    {
        RecentFiles::add(QStringLiteral("/a.h5"));
        RecentFiles::add(QStringLiteral("/b.h5"));
        RecentFiles::add(QStringLiteral("/a.h5"));
        QCOMPARE(RecentFiles::files(),
                 (QStringList{QStringLiteral("/a.h5"), QStringLiteral("/b.h5")}));
    }

    void keepsTheNewestEight()
    {
        QCOMPARE(RecentFiles::maxCount, 8);
        for (int i = 1; i <= 11; ++i)
            RecentFiles::add(QStringLiteral("/f%1.h5").arg(i));
        QStringList expected;
        for (int i = 11; i >= 4; --i)
            expected << QStringLiteral("/f%1.h5").arg(i);
        QCOMPARE(RecentFiles::files(), expected);
    }

    void forgetsOnlyMissingFiles()
    {
        const QString present = m_dir.filePath(QStringLiteral("present.h5"));
        QFile file(present);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.close();
        const QString missing = m_dir.filePath(QStringLiteral("missing.h5"));
        RecentFiles::add(missing);
        RecentFiles::add(present);
        RecentFiles::forgetIfMissing(present); // failed for another reason: may open later
        QCOMPARE(RecentFiles::files(), (QStringList{present, missing}));
        RecentFiles::forgetIfMissing(missing);
        QCOMPARE(RecentFiles::files(), QStringList{present});
        RecentFiles::forgetIfMissing(m_dir.filePath(QStringLiteral("never listed.h5")));
        QCOMPARE(RecentFiles::files(), QStringList{present});
    }

    void menuListsOpensAndClears()
    {
        QMenu menu;
        RecentFiles recent(&menu);
        QCOMPARE(shownEntries(menu), QStringList{QStringLiteral("No recent files")});
        QVERIFY(!menu.actions().constFirst()->isEnabled());

        RecentFiles::add(QStringLiteral("/data/first.h5"));
        RecentFiles::add(QStringLiteral("/data/second.h5"));
        QCOMPARE(shownEntries(menu),
                 (QStringList{QStringLiteral("&1 second.h5 — /data"),
                              QStringLiteral("&2 first.h5 — /data"), QStringLiteral("-"),
                              QStringLiteral("&Clear Menu")}));
        QCOMPARE(menu.actions().at(1)->toolTip(), QStringLiteral("/data/first.h5"));

        QSignalSpy opened(&recent, &RecentFiles::openRequested);
        menu.actions().at(1)->trigger();
        QCOMPARE(opened.size(), 1);
        QCOMPARE(opened.at(0).at(0).toString(), QStringLiteral("/data/first.h5"));

        menu.actions().last()->trigger();
        QVERIFY(RecentFiles::files().isEmpty());
        QCOMPARE(shownEntries(menu), QStringList{QStringLiteral("No recent files")});

        // An ampersand in a name is shown, not taken for a mnemonic.
        RecentFiles::add(QStringLiteral("/data/a&b.h5"));
        QCOMPARE(shownEntries(menu).constFirst(), QStringLiteral("&1 a&&b.h5 — /data"));
    }

    void labelsTellEqualNamesApart_data()
    {
        QTest::addColumn<QStringList>("paths");
        QTest::addColumn<QStringList>("labels");
        const QString home = QDir::homePath();
        QTest::newRow("two big.h5 in home") << QStringList{home + QStringLiteral("/runs/a/big.h5"),
                                                           home + QStringLiteral("/runs/b/big.h5")}
                                            << QStringList{QStringLiteral("big.h5 — ~/runs/a"),
                                                           QStringLiteral("big.h5 — ~/runs/b")};
        QTest::newRow("in the home folder itself") << QStringList{home + QStringLiteral("/big.h5")}
                                                   << QStringList{QStringLiteral("big.h5 — ~")};
        // Long folders keep their tail; two that differ only far up keep what tells them apart
        // (and no more).
        const QString tail = QStringLiteral("/experiments/2026/november/long-run-name/checkpoints");
        QTest::newRow("long, same tail")
            << QStringList{QStringLiteral("/srv/alpha") + tail + QStringLiteral("/big.h5"),
                           QStringLiteral("/srv/beta") + tail + QStringLiteral("/big.h5"),
                           QStringLiteral("/srv/beta") + tail + QStringLiteral("/other.h5")}
            << QStringList{QStringLiteral("big.h5 — …/alpha") + tail,
                           QStringLiteral("big.h5 — …/beta") + tail,
                           QStringLiteral("other.h5 — …/november/long-run-name/checkpoints")};
    }
    void labelsTellEqualNamesApart()
    {
        QFETCH(QStringList, paths);
        QFETCH(QStringList, labels);
        QCOMPARE(RecentFiles::labels(paths), labels);
        QCOMPARE(QSet<QString>(labels.begin(), labels.end()).size(), labels.size());
    }
};

QTEST_MAIN(TestRecentFiles)
#include "tst_recentfiles.moc"
