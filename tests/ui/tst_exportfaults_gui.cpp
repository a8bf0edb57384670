// Faults on output through File > Export Masks: the real MainWindow (offscreen) and its
// MaskExportJob. An existing output brings a question (No keeps it byte for byte, Yes replaces
// it by rename); the input under another name, a missing, read-only or impossible directory
// and a disk that fills up show an error naming the output and the cause; a cancel leaves
// nothing; and the window stays usable after each. The input never changes.
#include "common/outputfaults.h"
#include "hdf5/hdf5reader.h"
#include "mainwindow/mainwindow.h"
#include "session/session.h"
#include "windowdriver.h"

#include <QApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QMessageBox>
#include <QProgressDialog>
#include <QPushButton>
#include <QSemaphore>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>
#include <QTimer>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>

using namespace sparsity;
using namespace sparsity::test;
using sparsity::ui::MainWindow;

namespace {

constexpr int asyncTimeout = 30000;

bool writeBytes(const QString& path, const QByteArray& bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

// Answers the overwrite question, once it shows up, with `button`, for as long as it lives, and
// counts the questions. Its polling timer dies with it: an export that never asks (the output
// is the input, say) must not leave a timer behind that outlives the test's variables.
class OverwriteAnswerer : public QObject
{
public:
    OverwriteAnswerer(MainWindow& window, QMessageBox::StandardButton button)
        : m_window(window)
        , m_button(button)
    {
        poll();
    }
    int asked() const { return m_asked; }

private:
    void poll()
    {
        QTimer::singleShot(10, this, [this] {
            auto* box = m_window.findChild<QMessageBox*>(QStringLiteral("overwriteQuestion"));
            if (!box || !box->isVisible()) {
                poll();
                return;
            }
            ++m_asked;
            box->button(m_button)->click();
        });
    }

    MainWindow& m_window;
    QMessageBox::StandardButton m_button;
    int m_asked = 0;
};

QString takeError(MainWindow& window)
{
    return sparsity::test::takeError(window, asyncTimeout);
}

} // namespace

class TestExportFaultsGui final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_root;
    QString m_input;  // 2 layers of 64 x 96
    QString m_medium; // 4 layers of 1024 x 1024: ~150 KiB of masks each
    QByteArray m_inputHash;
    QByteArray m_mediumHash;

    std::unique_ptr<MainWindow> openWindow(const QString& file)
    {
        auto window = std::make_unique<MainWindow>();
        window->show();
        window->openFile(file);
        [&] {
            QTRY_COMPARE_WITH_TIMEOUT(window->session()->currentLayer(), QStringLiteral("/l0/w"),
                                      asyncTimeout);
            QVERIFY(waitIdle(*window, asyncTimeout));
        }();
        return window;
    }
    QString freshDir(const QString& name)
    {
        const QString path = m_root.filePath(name);
        QDir(path).removeRecursively();
        return QDir().mkpath(path) ? path : QString();
    }
    // Runs one export and returns (written, error dialog text).
    std::pair<bool, QString> exportTo(MainWindow& window, const QString& output,
                                      std::optional<QMessageBox::StandardButton> answer = {},
                                      int* asked = nullptr)
    {
        QSignalSpy exported(&window, &MainWindow::masksExported);
        std::optional<OverwriteAnswerer> answerer;
        if (answer)
            answerer.emplace(window, *answer);
        window.exportMasks(output, true);
        if (!exported.wait(asyncTimeout) && exported.isEmpty())
            return {false, QStringLiteral("<no masksExported signal>")};
        // An answered overwrite question is deleted through the event loop, and until then the
        // window starts no other export.
        if (!QTest::qWaitFor(
                [&] {
                    return !window.findChild<QMessageBox*>(QStringLiteral("overwriteQuestion"));
                },
                asyncTimeout))
            return {false, QStringLiteral("<the overwrite question stays>")};
        const bool written = exported.at(0).at(1).toBool();
        const QString error = written ? QString() : takeErrorIfAny(window);
        if (asked)
            *asked = answerer ? answerer->asked() : 0;
        return {written, error};
    }
    // The window opens its error dialog before it reports the failed export.
    QString takeErrorIfAny(MainWindow& window)
    {
        auto* box = window.findChild<QMessageBox*>(QStringLiteral("errorDialog"));
        return box && box->isVisible() ? takeError(window) : QString();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SparsityExplorerTests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_exportfaults_gui"));
        QSettings().clear();
        QVERIFY(m_root.isValid());
        m_input = m_root.filePath(QStringLiteral("in.h5"));
        m_medium = m_root.filePath(QStringLiteral("medium.h5"));
        QVERIFY(writeWeightFile(m_input, 2, 64, 96));
        QVERIFY(writeWeightFile(m_medium, 4, 1024, 1024));
        m_inputHash = fileHash(m_input);
        m_mediumHash = fileHash(m_medium);
    }
    void cleanup()
    {
        QCOMPARE(fileHash(m_input), m_inputHash);
        QCOMPARE(fileHash(m_medium), m_mediumHash);
    }

    void existingOutputNoKeepsItYesReplacesIt()
    {
        auto window = openWindow(m_input);
        const QString dir = freshDir(QStringLiteral("exists"));
        const QString output = dir + QStringLiteral("/out.h5");
        QVERIFY(writeBytes(output, "old masks"));
        QVERIFY(::link(QFile::encodeName(output).constData(),
                       QFile::encodeName(dir + QStringLiteral("/old.h5")).constData()) == 0);
        const QByteArray before = fileHash(output);
        int asked = 0;
        auto [written, error] = exportTo(*window, output, QMessageBox::No, &asked);
        QCOMPARE(asked, 1);
        QVERIFY(!written);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(fileHash(output), before);
        QCOMPARE(listing(dir), (QStringList{QStringLiteral("old.h5"), QStringLiteral("out.h5")}));

        std::tie(written, error) = exportTo(*window, output, QMessageBox::Yes, &asked);
        QCOMPARE(asked, 1);
        QVERIFY2(written, qPrintable(error));
        QCOMPARE(core::Hdf5Reader::open(output)->describe(QStringLiteral("/l1/w")).typeName,
                 QStringLiteral("uint8"));
        // Replaced by a rename: the old file's other name still holds the old bytes.
        QCOMPARE(fileHash(dir + QStringLiteral("/old.h5")), before);
        QCOMPARE(listing(dir), (QStringList{QStringLiteral("old.h5"), QStringLiteral("out.h5")}));
    }

    void outputThatIsTheInput_data()
    {
        QTest::addColumn<QString>("output");
        QTest::newRow("same path") << QStringLiteral("in.h5");
        QTest::newRow("dot-dot, relative") << QStringLiteral("./sub/../in.h5");
        QTest::newRow("symlink") << QStringLiteral("link.h5");
        QTest::newRow("hard link") << QStringLiteral("hard.h5");
    }
    void outputThatIsTheInput()
    {
        QFETCH(QString, output);
        const QString dir = freshDir(QStringLiteral("self"));
        const QString input = dir + QStringLiteral("/in.h5");
        QVERIFY(QFile::copy(m_input, input));
        QVERIFY(QDir(dir).mkdir(QStringLiteral("sub")));
        QVERIFY(QFile::link(QStringLiteral("in.h5"), dir + QStringLiteral("/link.h5")));
        QVERIFY(::link(QFile::encodeName(input).constData(),
                       QFile::encodeName(dir + QStringLiteral("/hard.h5")).constData()) == 0);
        const QByteArray before = fileHash(input);
        const QStringList entries = listing(dir);
        auto window = openWindow(input);
        const QString saved = QDir::currentPath();
        QVERIFY(QDir::setCurrent(dir));
        int asked = 0;
        const auto [written, error] = exportTo(*window, output, QMessageBox::Yes, &asked);
        QDir::setCurrent(saved);
        QVERIFY(!written);
        QCOMPARE(asked, 0); // refused before any question about replacing it
        QVERIFY2(error.contains(QStringLiteral("is the input file; choose another path")),
                 qPrintable(error));
        QCOMPARE(fileHash(input), before);
        QCOMPARE(listing(dir), entries);
        QVERIFY(window->session()->filePath() == input);
    }

    void badOutputPaths_data()
    {
        QTest::addColumn<QString>("output");
        QTest::addColumn<QString>("message"); // "@" is the directory
        QTest::newRow("missing directory")
            << QStringLiteral("missing/out.h5")
            << QStringLiteral("@/missing/out.h5: directory @/missing does not exist");
        QTest::newRow("parent is a file")
            << QStringLiteral("file.h5/out.h5")
            << QStringLiteral("@/file.h5/out.h5: @/file.h5 is not a directory");
        QTest::newRow("output is a directory")
            << QStringLiteral("sub") << QStringLiteral("@/sub: is a directory");
        QTest::newRow("output is a pipe")
            << QStringLiteral("pipe")
            << QStringLiteral("@/pipe: not a regular file; refusing to replace it");
    }
    void badOutputPaths()
    {
        QFETCH(QString, output);
        QFETCH(QString, message);
        const QString dir = freshDir(QStringLiteral("bad"));
        QVERIFY(writeBytes(dir + QStringLiteral("/file.h5"), "a file"));
        QVERIFY(QDir(dir).mkdir(QStringLiteral("sub")));
        QVERIFY(::mkfifo(QFile::encodeName(dir + QStringLiteral("/pipe")).constData(), 0644) == 0);
        const QStringList entries = listing(dir);
        auto window = openWindow(m_input);
        int asked = 0;
        const auto [written, error] =
            exportTo(*window, dir + QLatin1Char('/') + output, QMessageBox::Yes, &asked);
        QVERIFY(!written);
        QCOMPARE(asked, 0);
        QVERIFY2(error.contains(message.replace(QLatin1Char('@'), dir)), qPrintable(error));
        QCOMPARE(listing(dir), entries);
        QVERIFY(listing(dir + QStringLiteral("/sub")).isEmpty());
    }

    void nonAsciiOutputName()
    {
        const QString dir = freshDir(QStringLiteral("non-ascii"));
        const QString name = QStringLiteral(u"Masken für Gewichte 日本語 ✓.h5");
        auto window = openWindow(m_input);
        const auto [written, error] = exportTo(*window, dir + QLatin1Char('/') + name);
        QVERIFY2(written, qPrintable(error));
        QCOMPARE(listing(dir), QStringList{name});
        QCOMPARE(core::Hdf5Reader::open(dir + QLatin1Char('/') + name)->listTree().size(),
                 std::size_t(4)); // two groups, two masks
    }

    void readOnlyDirectory()
    {
        const QString dir = freshDir(QStringLiteral("locked"));
        const QString old = dir + QStringLiteral("/old.h5");
        QVERIFY(writeBytes(old, "old masks"));
        const QByteArray before = fileHash(old);
        std::unique_ptr<ScopedMount> readOnly;
        QString cause = QStringLiteral("Permission denied");
        if (::geteuid() == 0) {
            // Root ignores permission bits, and this process cannot drop privileges for the
            // export thread alone: a read-only bind mount stops root too.
            QString why;
            readOnly = ScopedMount::readOnly(dir, &why);
            if (!readOnly)
                QSKIP(qPrintable(why + QStringLiteral(" (as root only a read-only mount "
                                                      "makes a directory unwritable)")));
            cause = QStringLiteral("Read-only file system");
        } else {
            QVERIFY(QFile::setPermissions(dir, QFileDevice::ReadOwner | QFileDevice::ExeOwner));
        }
        auto window = openWindow(m_input);
        for (const QString& name : {QStringLiteral("new.h5"), QStringLiteral("old.h5")}) {
            const QString output = dir + QLatin1Char('/') + name;
            const auto [written, error] = exportTo(*window, output, QMessageBox::Yes);
            QVERIFY(!written);
            qInfo("%s", qPrintable(error));
            QVERIFY2(error.contains(QStringLiteral("%1: directory %2 is not writable (%3)")
                                        .arg(output, dir, cause)),
                     qPrintable(error));
            QCOMPARE(listing(dir), QStringList{QStringLiteral("old.h5")});
            QCOMPARE(fileHash(old), before);
        }
        readOnly.reset();
        QFile::setPermissions(dir, QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                       QFileDevice::ExeOwner);
    }

    void diskFillsUp_data() { addDiskFullRows(); }
    void diskFillsUp()
    {
        QFETCH(bool, tmpfs);
        QFETCH(QString, cause);
        const QString dir = freshDir(QStringLiteral("full"));
        const FullDisk full(dir, tmpfs);
        if (!full.skipReason().isEmpty())
            QSKIP(qPrintable(full.skipReason()));
        const QString old = dir + QStringLiteral("/old.h5");
        QVERIFY(writeBytes(old, "old masks"));
        const QByteArray before = fileHash(old);
        auto window = openWindow(m_medium);
        for (const QString& name : {QStringLiteral("new.h5"), QStringLiteral("old.h5")}) {
            const QString output = dir + QLatin1Char('/') + name;
            std::pair<bool, QString> result;
            {
                const std::unique_ptr<ScopedFileSizeLimit> limit = full.limitWrites();
                QVERIFY(!limit || limit->isActive());
                result = exportTo(*window, output, QMessageBox::Yes);
            }
            QVERIFY(!result.first);
            qInfo("%s", qPrintable(result.second));
            QVERIFY2(result.second.startsWith(output + QStringLiteral(": ")),
                     qPrintable(result.second));
            QVERIFY2(result.second.contains(cause), qPrintable(result.second));
            QCOMPARE(listing(dir), QStringList{QStringLiteral("old.h5")});
            QCOMPARE(fileHash(old), before);
        }
        // The window carries on: the next export, where there is room, works.
        const QString elsewhere = freshDir(QStringLiteral("room")) + QStringLiteral("/out.h5");
        const auto [written, error] = exportTo(*window, elsewhere);
        QVERIFY2(written, qPrintable(error));
        QCOMPARE(core::Hdf5Reader::open(elsewhere)->describe(QStringLiteral("/l3/w")).typeName,
                 QStringLiteral("uint8"));
    }

    void cancelKeepsTheOldFile()
    {
        const QString dir = freshDir(QStringLiteral("cancel"));
        const QString output = dir + QStringLiteral("/out.h5");
        QVERIFY(writeBytes(output, "old masks"));
        const QByteArray before = fileHash(output);
        auto window = openWindow(m_medium);
        QSignalSpy exported(window.get(), &MainWindow::masksExported);
        window->exportMasks(output, true);
        QMessageBox* question = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT(
            (question = window->findChild<QMessageBox*>(QStringLiteral("overwriteQuestion"))) &&
                question->isVisible(),
            asyncTimeout);
        // Hold the I/O thread so that the cancel arrives before the export's end.
        QSemaphore gate;
        window->session()->ioPool()->start([&gate] { gate.acquire(); });
        question->button(QMessageBox::Yes)->click();
        QProgressDialog* progress = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT(
            (progress = window->findChild<QProgressDialog*>(QStringLiteral("exportProgress"))),
            asyncTimeout);
        progress->findChild<QPushButton*>()->click();
        gate.release();
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, asyncTimeout);
        QCOMPARE(exported.at(0).at(1).toBool(), false);
        QCOMPARE(fileHash(output), before);
        QCOMPARE(listing(dir), QStringList{QStringLiteral("out.h5")});
        QVERIFY(waitIdle(*window, asyncTimeout));
    }

    void closingTheWindowMidExportLeavesNothing()
    {
        const QString dir = freshDir(QStringLiteral("closed"));
        const QString output = dir + QStringLiteral("/out.h5");
        auto window = openWindow(m_medium);
        window->exportMasks(output, true);
        // Close as soon as the export writes its temporary file.
        QTRY_VERIFY_WITH_TIMEOUT(!temporaryFiles(dir).isEmpty() || QFileInfo::exists(output),
                                 asyncTimeout);
        window->close();
        window.reset();
        QVERIFY(listing(dir).isEmpty() || listing(dir) == QStringList{QStringLiteral("out.h5")});
        QVERIFY(temporaryFiles(dir).isEmpty());
    }
};

QTEST_MAIN(TestExportFaultsGui)
#include "tst_exportfaults_gui.moc"
