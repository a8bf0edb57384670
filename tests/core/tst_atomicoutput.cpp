// The all-or-nothing output of every mask file (core/io/atomicoutput), without any file
// format: which outputs are refused, the hidden temporary file beside the output, the rename
// on commit and the removal on failure or destruction.
#include "common/checks.h"
#include "error.h"
#include "io/atomicoutput.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>
#include <sys/stat.h>
#include <unistd.h>

using namespace sparsity::core;
using sparsity::test::errorOf;
using sparsity::test::fileHash;
using sparsity::test::listing;

class TestAtomicOutput final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void commitRenamesTemporaryOntoOutput();
    void destructionRemovesTemporary();
    void failedCommitRemovesTemporary();
    void refusesInputAsOutput_data();
    void refusesInputAsOutput();
    void refusesExistingOutput();
    void refusesOutputAppearingBeforeCommit();
    void overwritesWhenAllowed();
    void replacesSymlinkNotItsTarget();
    void refusesDirectoryFifoAndDevice_data();
    void refusesDirectoryFifoAndDevice();
    void refusesMissingDirectory();
    void refusesUnwritableDirectory();
    void givesNewFilesUsualPermissions();

private:
    QString path(const QString& name) const { return m_dir.filePath(name); }
    // A file with `content` at path(name).
    QString makeFile(const QString& name, const QByteArray& content);
    // Writes `content` into the output's temporary file, as a format's writer would.
    static void fill(const AtomicOutput& output, const QByteArray& content);

    QTemporaryDir m_dir;
    QString m_input;
};

QString TestAtomicOutput::makeFile(const QString& name, const QByteArray& content)
{
    QFile file(path(name));
    if (!file.open(QIODevice::WriteOnly) || file.write(content) != content.size())
        qFatal("cannot write %s", qPrintable(file.fileName()));
    return file.fileName();
}

void TestAtomicOutput::fill(const AtomicOutput& output, const QByteArray& content)
{
    QFile file(output.temporaryPath());
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(file.write(content), content.size());
}

void TestAtomicOutput::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_input = makeFile(QStringLiteral("input.bin"), "the weights");
}

void TestAtomicOutput::commitRenamesTemporaryOntoOutput()
{
    QVERIFY(QDir(m_dir.path()).mkpath(QStringLiteral("commit")));
    const QString directory = path(QStringLiteral("commit"));
    const QString output = directory + QStringLiteral("/mask.h5");
    auto atomic = AtomicOutput::create(output, m_input, false);
    const QFileInfo temporary(atomic->temporaryPath());
    QVERIFY(temporary.exists());
    QCOMPARE(temporary.absolutePath(), QFileInfo(directory).absoluteFilePath());
    QVERIFY(temporary.fileName().startsWith(QStringLiteral(".mask.h5.")));
    QVERIFY(temporary.fileName().endsWith(QStringLiteral(".part")));
    QVERIFY(!QFileInfo::exists(output)); // nothing under the final name before commit()
    fill(*atomic, "complete");

    // Two outputs for one path do not share a temporary file.
    {
        const auto second = AtomicOutput::create(output, m_input, true);
        QVERIFY(second->temporaryPath() != atomic->temporaryPath());
    }

    atomic->commit();
    QVERIFY(atomic->isCommitted());
    QCOMPARE(listing(directory), QStringList{QStringLiteral("mask.h5")});
    QFile result(output);
    QVERIFY(result.open(QIODevice::ReadOnly));
    QCOMPARE(result.readAll(), QByteArray("complete"));
    atomic.reset(); // destroying a committed output keeps the file
    QVERIFY(QFileInfo::exists(output));
}

void TestAtomicOutput::destructionRemovesTemporary()
{
    QVERIFY(QDir(m_dir.path()).mkpath(QStringLiteral("discard")));
    const QString directory = path(QStringLiteral("discard"));
    {
        const auto atomic =
            AtomicOutput::create(directory + QStringLiteral("/mask.h5"), m_input, false);
        fill(*atomic, "partial");
        QCOMPARE(listing(directory).size(), 1);
    }
    QCOMPARE(listing(directory), QStringList());

    const auto atomic =
        AtomicOutput::create(directory + QStringLiteral("/mask.h5"), m_input, false);
    atomic->discard();
    atomic->discard(); // idempotent
    QCOMPARE(listing(directory), QStringList());
}

void TestAtomicOutput::failedCommitRemovesTemporary()
{
    QVERIFY(QDir(m_dir.path()).mkpath(QStringLiteral("vanished")));
    const QString directory = path(QStringLiteral("vanished"));
    const auto atomic = AtomicOutput::create(directory + QStringLiteral("/mask.h5"), m_input, true);
    QVERIFY(QFile::remove(atomic->temporaryPath())); // the temporary file is gone: cannot flush
    const auto error = errorOf([&] { atomic->commit(); });
    VERIFY_ERROR(error, ErrorCode::Io, QStringLiteral("cannot flush"));
    QVERIFY(!atomic->isCommitted());
    QCOMPARE(listing(directory), QStringList());
}

void TestAtomicOutput::refusesInputAsOutput_data()
{
    QTest::addColumn<QString>("how");
    QTest::newRow("same path") << QStringLiteral("same");
    QTest::newRow("relative path") << QStringLiteral("relative");
    QTest::newRow("symlink") << QStringLiteral("symlink");
    QTest::newRow("hard link") << QStringLiteral("hardlink");
}

void TestAtomicOutput::refusesInputAsOutput()
{
    QFETCH(QString, how);
    const QString input = makeFile(QStringLiteral("self-%1.bin").arg(how), "weights");
    const QByteArray before = fileHash(input);
    QString output = input;
    const QString savedCurrent = QDir::currentPath();
    if (how == QLatin1String("relative")) {
        QVERIFY(QDir::setCurrent(m_dir.path()));
        output = QStringLiteral("./adir/../") + QFileInfo(input).fileName();
        QDir(m_dir.path()).mkpath(QStringLiteral("adir"));
    } else if (how == QLatin1String("symlink")) {
        output = path(QStringLiteral("self-link.bin"));
        QVERIFY(QFile::link(input, output));
    } else if (how == QLatin1String("hardlink")) {
        output = path(QStringLiteral("self-hard.bin"));
        QCOMPARE(
            ::link(QFile::encodeName(input).constData(), QFile::encodeName(output).constData()), 0);
    }
    const QStringList entriesBefore = listing(m_dir.path());
    // Even with overwrite allowed.
    const auto error = errorOf([&] { AtomicOutput::create(output, input, true); });
    QDir::setCurrent(savedCurrent);
    VERIFY_ERROR(error, ErrorCode::InvalidInput,
                 QStringLiteral("output %1 is the input file; choose another path").arg(output));
    QCOMPARE(fileHash(input), before);
    QCOMPARE(listing(m_dir.path()), entriesBefore);
}

void TestAtomicOutput::refusesExistingOutput()
{
    const QString output = makeFile(QStringLiteral("existing.bin"), "precious data, not ours");
    const QByteArray before = fileHash(output);
    const QStringList entriesBefore = listing(m_dir.path());
    const auto error = errorOf([&] { AtomicOutput::create(output, m_input, false); });
    VERIFY_ERROR(error, ErrorCode::OutputExists,
                 output + QStringLiteral(" already exists; refusing to overwrite it"));
    QCOMPARE(fileHash(output), before);
    QCOMPARE(listing(m_dir.path()), entriesBefore);
}

void TestAtomicOutput::refusesOutputAppearingBeforeCommit()
{
    const QString late = path(QStringLiteral("late.bin"));
    const auto atomic = AtomicOutput::create(late, m_input, false);
    fill(*atomic, "ours");
    QFile::remove(late);
    makeFile(QStringLiteral("late.bin"), "theirs");
    const QByteArray before = fileHash(late);
    const auto error = errorOf([&] { atomic->commit(); });
    VERIFY_ERROR(error, ErrorCode::OutputExists, QStringLiteral("already exists"));
    QVERIFY(!QFileInfo::exists(atomic->temporaryPath()));
    QCOMPARE(fileHash(late), before);
}

void TestAtomicOutput::overwritesWhenAllowed()
{
    const QString output = makeFile(QStringLiteral("overwritten.bin"), "old");
    QVERIFY(QFile::setPermissions(output, QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                              QFileDevice::ReadGroup));
    {
        const auto atomic = AtomicOutput::create(output, m_input, true);
        fill(*atomic, "new");
        atomic->commit();
    }
    QFile result(output);
    QVERIFY(result.open(QIODevice::ReadOnly));
    QCOMPARE(result.readAll(), QByteArray("new"));
    struct stat status = {};
    QCOMPARE(::stat(QFile::encodeName(output).constData(), &status), 0);
    QCOMPARE(status.st_mode & 0777, mode_t(0640)); // an overwritten file keeps its permissions
}

void TestAtomicOutput::replacesSymlinkNotItsTarget()
{
    const QString target = makeFile(QStringLiteral("link-target.bin"), "not ours");
    const QByteArray before = fileHash(target);
    const QString output = path(QStringLiteral("link.bin"));
    QVERIFY(QFile::link(target, output));
    VERIFY_ERROR(errorOf([&] { AtomicOutput::create(output, m_input, false); }),
                 ErrorCode::OutputExists, QStringLiteral("already exists"));
    {
        const auto atomic = AtomicOutput::create(output, m_input, true);
        fill(*atomic, "mask");
        atomic->commit();
    }
    QVERIFY(!QFileInfo(output).isSymLink());
    QCOMPARE(fileHash(target), before);
    // A dangling symlink is an existing output too.
    const QString dangling = path(QStringLiteral("dangling.bin"));
    QVERIFY(QFile::link(path(QStringLiteral("nowhere.bin")), dangling));
    VERIFY_ERROR(errorOf([&] { AtomicOutput::create(dangling, m_input, false); }),
                 ErrorCode::OutputExists, QStringLiteral("already exists"));
}

void TestAtomicOutput::refusesDirectoryFifoAndDevice_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("directory") << QStringLiteral("directory") << QStringLiteral(": is a directory");
    QTest::newRow("fifo") << QStringLiteral("fifo")
                          << QStringLiteral(": not a regular file; refusing to replace it");
    QTest::newRow("device") << QStringLiteral("device")
                            << QStringLiteral(": not a regular file; refusing to replace it");
}

void TestAtomicOutput::refusesDirectoryFifoAndDevice()
{
    QFETCH(QString, kind);
    QFETCH(QString, fragment);
    QString output = path(kind);
    if (kind == QLatin1String("directory"))
        QVERIFY(QDir(m_dir.path()).mkpath(kind));
    else if (kind == QLatin1String("fifo"))
        QCOMPARE(::mkfifo(QFile::encodeName(output).constData(), 0600), 0);
    else
        output = QStringLiteral("/dev/null");
    const QStringList entriesBefore = listing(m_dir.path());
    // Even with overwrite allowed; the pipe is never opened (that would block).
    VERIFY_ERROR(errorOf([&] { AtomicOutput::create(output, m_input, true); }),
                 ErrorCode::InvalidInput, output + fragment);
    QCOMPARE(listing(m_dir.path()), entriesBefore);
}

void TestAtomicOutput::refusesMissingDirectory()
{
    const QString directory = path(QStringLiteral("no/such/dir"));
    const auto error = errorOf(
        [&] { AtomicOutput::create(directory + QStringLiteral("/mask.h5"), m_input, false); });
    VERIFY_ERROR(error, ErrorCode::Io,
                 QStringLiteral("/mask.h5: directory %1 does not exist").arg(directory));
}

void TestAtomicOutput::refusesUnwritableDirectory()
{
    if (::geteuid() == 0)
        QSKIP("root writes into every directory");
    const QString directory = path(QStringLiteral("locked"));
    QVERIFY(QDir(m_dir.path()).mkpath(QStringLiteral("locked")));
    QVERIFY(QFile::setPermissions(directory, QFileDevice::ReadOwner | QFileDevice::ExeOwner));
    const auto error = errorOf(
        [&] { AtomicOutput::create(directory + QStringLiteral("/mask.h5"), m_input, false); });
    QFile::setPermissions(directory,
                          QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    VERIFY_ERROR(error, ErrorCode::Io,
                 QStringLiteral("/mask.h5: directory %1 is not writable").arg(directory));
    QVERIFY(listing(directory).isEmpty());
}

void TestAtomicOutput::givesNewFilesUsualPermissions()
{
    const mode_t mask = ::umask(0);
    ::umask(mask);
    const QString output = path(QStringLiteral("permissions.bin"));
    AtomicOutput::create(output, m_input, false)->commit();
    struct stat status = {};
    QCOMPARE(::stat(QFile::encodeName(output).constData(), &status), 0);
    QCOMPARE(status.st_mode & 0777, 0666 & ~mask);
}

QTEST_GUILESS_MAIN(TestAtomicOutput)
#include "tst_atomicoutput.moc"
