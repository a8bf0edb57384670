// Faults on the output of an export, through the real sparsity-cli and through
// core::exportMasks: an existing output, the input under another name, a missing, read-only or
// impossible directory, a disk that fills up, a cancel, an interrupt and a SIGKILL mid-write.
// In every case the input is unchanged, nothing appears under the final name unless the export
// succeeded, and an existing output that is not replaced stays byte-identical. Root (as in CI)
// bypasses permission bits, so the CLI then runs as nobody, and the read-only and full disks
// are real mounts (skipped, with the reason, where the system does not allow mounting).
#include "common/asnobody.h"
#include "common/outputfaults.h"
#include "error.h"
#include "export/maskexport.h"
#include "hdf5/hdf5maskwriter.h"
#include "hdf5/hdf5reader.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>
#include <atomic>
#include <csignal>
#include <optional>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace sparsity;
using namespace sparsity::test;

namespace {

// SPARSITY_TEST_CLI: a copy of the CLI beside a copy of this test (tests/privatecheckout.sh).
const QString cliPath = programPath("SPARSITY_TEST_CLI", QStringLiteral(SPARSITY_CLI_PATH));

// How the CLI child is started: as nobody (so that permission bits apply to root too) and
// with a file size limit (SIGXFSZ ignored, so writes fail with EFBIG).
struct Child
{
    bool asNobody = false;
    qint64 fileSizeLimit = 0;
    QString workingDirectory;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
};

struct Run
{
    int exitCode = -1;
    bool crashed = false;
    QString out;
    QString err;
};

void prepare(QProcess& process, const Child& child)
{
    if (!child.workingDirectory.isEmpty())
        process.setWorkingDirectory(child.workingDirectory);
    process.setProcessEnvironment(child.environment);
    process.setChildProcessModifier([child] {
        // Between fork and exec: system calls only.
        if (child.fileSizeLimit > 0) {
            ::signal(SIGXFSZ, SIG_IGN);
            const struct rlimit limit = {static_cast<rlim_t>(child.fileSizeLimit),
                                         static_cast<rlim_t>(child.fileSizeLimit)};
            ::setrlimit(RLIMIT_FSIZE, &limit);
        }
        if (child.asNobody && !becomeNobody())
            ::_exit(125); // never run as root by mistake
    });
}

Run finish(QProcess& process)
{
    if (!process.waitForFinished(180000))
        return {};
    return Run{process.exitCode(), process.exitStatus() == QProcess::CrashExit,
               QString::fromUtf8(process.readAllStandardOutput()),
               QString::fromUtf8(process.readAllStandardError())};
}

Run runCli(const QString& program, const QStringList& arguments, const Child& child = {})
{
    QProcess process;
    prepare(process, child);
    process.start(program, arguments);
    return finish(process);
}

// A mask run that prunes half of the elements one by one: random weights give masks that do not
// compress much, so they fill a small disk.
QStringList maskArguments(const QString& input, const QString& output,
                          const QStringList& extra = {})
{
    return QStringList{QStringLiteral("mask"),      input,
                       QStringLiteral("-o"),        output,
                       QStringLiteral("--level"),   QStringLiteral("0.5"),
                       QStringLiteral("--block"),   QStringLiteral("1x1"),
                       QStringLiteral("--threads"), QStringLiteral("1")} +
           extra;
}

bool writeBytes(const QString& path, const QByteArray& bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

QStringList datasetPaths(const QString& file)
{
    QStringList paths;
    for (const core::DatasetInfo& info : core::Hdf5Reader::open(file)->listTree())
        if (info.kind == core::NodeKind::Dataset)
            paths << info.path;
    return paths;
}

core::ExportRequest requestFor(const QString& input, const QString& output, int layers)
{
    core::ExportRequest request;
    request.inputPath = input;
    request.outputPath = output;
    for (int i = 0; i < layers; ++i)
        request.layers.push_back(
            core::LayerRequest{QStringLiteral("/l%1/w").arg(i), core::SparsityParams{}, {}});
    for (core::LayerRequest& layer : request.layers) {
        layer.params.level = 0.5;
        layer.params.block = {1, 1};
    }
    return request;
}

} // namespace

class TestOutputFaults final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_root;
    QString m_small;  // 2 layers of 64 x 96
    QString m_medium; // 4 layers of 1024 x 1024: masks of ~150 KiB each once deflated
    QString m_big;    // 3 layers of 4096 x 4096 (192 MiB): an export that takes a while
    QString m_nobodyCli;
    QProcessEnvironment m_nobodyEnvironment;
    QMap<QString, QByteArray> m_inputHashes;

    // A fresh directory for one case, which nobody may enter.
    QString freshDir(const QString& name)
    {
        const QString path = m_root.filePath(name);
        QDir(path).removeRecursively();
        if (!QDir().mkpath(path))
            return {};
        QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                        QFileDevice::ExeOwner | QFileDevice::ReadOther |
                                        QFileDevice::ExeOther);
        return path;
    }
    void checkInputs()
    {
        for (auto it = m_inputHashes.cbegin(); it != m_inputHashes.cend(); ++it)
            QVERIFY2(fileHash(it.key()) == it.value(),
                     qPrintable(it.key() + QStringLiteral(" changed")));
    }
    // An export of the big input to out.h5 in a fresh directory: a new file, or (`existing`)
    // over one with --force.
    struct BigExport
    {
        QString dir;
        QString output;
        QByteArray before; // the output's hash before the export
        QString temporary; // the name of its temporary file, beside the output
    };
    // Starts such an export and returns once its temporary file holds data.
    void startBigExport(QProcess& process, const QString& dirName, bool existing, BigExport* run);

private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void cleanupTestCase();

    void existingOutputIsRefusedWithoutForce();
    void forceReplacesTheOutputAtomically();
    void forceReplacesASymlinkNotItsTarget();
    void outputThatIsTheInput_data();
    void outputThatIsTheInput();
    void badOutputPaths_data();
    void badOutputPaths();
    void nonAsciiOutputName();
    void unwritableDirectory_data();
    void unwritableDirectory();
    void diskFillsUp_data();
    void diskFillsUp();
    void killedMidWrite_data();
    void killedMidWrite();
    void interruptedMidWrite_data();
    void interruptedMidWrite();

    void coreOutputExistsHasItsOwnCode();
    void coreCancelLeavesNothing_data();
    void coreCancelLeavesNothing();
    void coreCancelledWriteDropsThePartialMask();
    void coreDiskFillsUp_data();
    void coreDiskFillsUp();
};

void TestOutputFaults::initTestCase()
{
    QVERIFY(m_root.isValid());
    QVERIFY(QFile::setPermissions(
        m_root.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner |
                           QFileDevice::ReadOther | QFileDevice::ExeOther));
    const QString inputs = freshDir(QStringLiteral("inputs"));
    m_small = inputs + QStringLiteral("/small.h5");
    m_medium = inputs + QStringLiteral("/medium.h5");
    QVERIFY(writeWeightFile(m_small, 2, 64, 96));
    QVERIFY(writeWeightFile(m_medium, 4, 1024, 1024));
    for (const QString& input : {m_small, m_medium}) {
        QVERIFY(QFile::setPermissions(input, QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                                 QFileDevice::ReadOther));
        m_inputHashes.insert(input, fileHash(input));
    }
    // nobody may not reach the build tree (a home directory, say): give it its own copy.
    m_nobodyCli = copyForAll(cliPath, inputs, QStringLiteral("sparsity-cli"));
    QVERIFY(!m_nobodyCli.isEmpty());
    m_nobodyEnvironment = environmentForNobody(inputs);
}

void TestOutputFaults::cleanup()
{
    checkInputs();
}

void TestOutputFaults::cleanupTestCase()
{
    checkInputs();
}

void TestOutputFaults::existingOutputIsRefusedWithoutForce()
{
    const QString dir = freshDir(QStringLiteral("exists"));
    const QString output = dir + QStringLiteral("/out.h5");
    QVERIFY(writeBytes(output, "precious, not a mask file"));
    const QByteArray before = fileHash(output);
    const Run run = runCli(cliPath, maskArguments(m_small, output));
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(
        run.err.contains(
            QStringLiteral(
                "sparsity-cli: %1 already exists; refusing to overwrite it (--force replaces it)")
                .arg(output)),
        qPrintable(run.err));
    QCOMPARE(fileHash(output), before);
    QCOMPARE(listing(dir), QStringList{QStringLiteral("out.h5")});
}

void TestOutputFaults::forceReplacesTheOutputAtomically()
{
    const QString dir = freshDir(QStringLiteral("force"));
    const QString output = dir + QStringLiteral("/out.h5");
    QVERIFY(writeBytes(output, "old masks"));
    // A second name for the old file: a rename leaves it alone, an in-place rewrite would not.
    QVERIFY(::link(QFile::encodeName(output).constData(),
                   QFile::encodeName(dir + QStringLiteral("/old.h5")).constData()) == 0);
    const Run run = runCli(cliPath, maskArguments(m_small, output, {QStringLiteral("--force")}));
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    QCOMPARE(datasetPaths(output), (QStringList{QStringLiteral("/l0/w"), QStringLiteral("/l1/w")}));
    QCOMPARE(fileHash(dir + QStringLiteral("/old.h5")), bytesHash("old masks"));
    QCOMPARE(listing(dir), (QStringList{QStringLiteral("old.h5"), QStringLiteral("out.h5")}));
}

void TestOutputFaults::forceReplacesASymlinkNotItsTarget()
{
    // Decided: like mv, the output name gets the new file; the file a link pointed to is not
    // written through the link.
    const QString dir = freshDir(QStringLiteral("symlink-output"));
    const QString target = dir + QStringLiteral("/target.h5");
    const QString output = dir + QStringLiteral("/out.h5");
    QVERIFY(writeBytes(target, "somebody else's file"));
    QVERIFY(QFile::link(QStringLiteral("target.h5"), output));
    const QByteArray before = fileHash(target);
    const Run refused = runCli(cliPath, maskArguments(m_small, output));
    QCOMPARE(refused.exitCode, 1);
    QVERIFY(QFileInfo(output).isSymLink());
    const Run forced = runCli(cliPath, maskArguments(m_small, output, {QStringLiteral("--force")}));
    QVERIFY2(forced.exitCode == 0, qPrintable(forced.err));
    QVERIFY(!QFileInfo(output).isSymLink());
    QCOMPARE(datasetPaths(output).size(), 2);
    QCOMPARE(fileHash(target), before);
}

void TestOutputFaults::outputThatIsTheInput_data()
{
    QTest::addColumn<QString>("input");  // relative to the case's directory
    QTest::addColumn<QString>("output"); // likewise; "@" stands for the directory's absolute path
    QTest::addColumn<bool>("force");
    for (const bool force : {false, true}) {
        const char* suffix = force ? " --force" : "";
        const auto row = [&](const char* name, const char* input, const char* output) {
            QTest::addRow("%s%s", name, suffix)
                << QString::fromUtf8(input) << QString::fromUtf8(output) << force;
        };
        row("same path", "in.h5", "in.h5");
        row("relative vs absolute", "in.h5", "@/in.h5");
        row("absolute vs relative", "@/in.h5", "in.h5");
        row("dot-dot", "in.h5", "./dir/../in.h5");
        row("symlink to the input", "in.h5", "link.h5");
        row("symlink to a symlink", "in.h5", "link2.h5");
        row("input through a symlink", "link.h5", "in.h5");
        row("hard link", "in.h5", "hard.h5");
        row("non-ASCII hard link", "in.h5", "Gewichte-\xc3\xbc-\xe6\x97\xa5\xe6\x9c\xac.h5");
    }
}

void TestOutputFaults::outputThatIsTheInput()
{
    QFETCH(QString, input);
    QFETCH(QString, output);
    QFETCH(bool, force);
    const QString dir = freshDir(QStringLiteral("self"));
    const QString in = dir + QStringLiteral("/in.h5");
    QVERIFY(QFile::copy(m_small, in));
    QVERIFY(QDir(dir).mkdir(QStringLiteral("dir")));
    QVERIFY(QFile::link(QStringLiteral("in.h5"), dir + QStringLiteral("/link.h5")));
    QVERIFY(QFile::link(QStringLiteral("link.h5"), dir + QStringLiteral("/link2.h5")));
    for (const char* name : {"hard.h5", "Gewichte-\xc3\xbc-\xe6\x97\xa5\xe6\x9c\xac.h5"})
        QVERIFY(::link(QFile::encodeName(in).constData(),
                       QFile::encodeName(dir + QLatin1Char('/') + QString::fromUtf8(name))
                           .constData()) == 0);
    input.replace(QLatin1Char('@'), dir);
    output.replace(QLatin1Char('@'), dir);
    const QByteArray before = fileHash(in);
    const QStringList entries = listing(dir);

    const Run run =
        runCli(cliPath,
               maskArguments(input, output,
                             force ? QStringList{QStringLiteral("--force")} : QStringList{}),
               Child{false, 0, dir});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains(
                 QStringLiteral("output %1 is the input file; choose another path").arg(output)),
             qPrintable(run.err));
    QCOMPARE(fileHash(in), before);
    QCOMPARE(listing(dir), entries);
}

void TestOutputFaults::badOutputPaths_data()
{
    QTest::addColumn<QString>("output"); // relative to the case's directory
    QTest::addColumn<bool>("force");
    QTest::addColumn<QString>("message"); // "@" is the directory
    QTest::newRow("missing directory") << QStringLiteral("missing/deeper/out.h5") << false
                                       << QStringLiteral("missing/deeper/out.h5: directory "
                                                         "@/missing/deeper does not exist");
    QTest::newRow("parent is a file")
        << QStringLiteral("file.h5/out.h5") << false
        << QStringLiteral("file.h5/out.h5: @/file.h5 is not a directory");
    QTest::newRow("output is a directory")
        << QStringLiteral("sub") << false << QStringLiteral("sub: is a directory");
    QTest::newRow("output is a directory --force")
        << QStringLiteral("sub") << true << QStringLiteral("sub: is a directory");
    QTest::newRow("trailing slash")
        << QStringLiteral("sub/") << true << QStringLiteral("sub/: not a file name");
    QTest::newRow("output is a pipe --force")
        << QStringLiteral("pipe") << true
        << QStringLiteral("pipe: not a regular file; refusing to replace it");
    QTest::newRow("empty output") << QString() << false << QStringLiteral("--output is empty");
}

void TestOutputFaults::badOutputPaths()
{
    QFETCH(QString, output);
    QFETCH(bool, force);
    QFETCH(QString, message);
    const QString dir = freshDir(QStringLiteral("bad"));
    QVERIFY(writeBytes(dir + QStringLiteral("/file.h5"), "a file, not a directory"));
    QVERIFY(QDir(dir).mkdir(QStringLiteral("sub")));
    QVERIFY(::mkfifo(QFile::encodeName(dir + QStringLiteral("/pipe")).constData(), 0644) == 0);
    const QStringList entries = listing(dir);
    const Run run =
        runCli(cliPath,
               maskArguments(m_small, output,
                             force ? QStringList{QStringLiteral("--force")} : QStringList{}),
               Child{false, 0, dir});
    QVERIFY(run.exitCode == 1 || run.exitCode == 2);
    message.replace(QLatin1Char('@'), dir);
    QVERIFY2(run.err.contains(message), qPrintable(run.err));
    QCOMPARE(listing(dir), entries);
    QVERIFY(listing(dir + QStringLiteral("/sub")).isEmpty());
    QVERIFY(QFileInfo(dir + QStringLiteral("/pipe")).isReadable());
    QCOMPARE(QFileInfo(dir + QStringLiteral("/file.h5")).size(), qint64(23));
}

void TestOutputFaults::nonAsciiOutputName()
{
    const QString dir = freshDir(QStringLiteral("non-ascii"));
    const QString name = QStringLiteral(u"Masken für Gewichte 日本語 ✓.h5");
    const QString output = dir + QLatin1Char('/') + name;
    const Run run = runCli(cliPath, maskArguments(m_small, output));
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    QVERIFY2(run.out.contains(QStringLiteral("wrote 2 masks to %1").arg(output)),
             qPrintable(run.out));
    QCOMPARE(listing(dir), QStringList{name});
    QCOMPARE(datasetPaths(output).size(), 2);
    // Its attribute names the input; a second run names the output in its refusal.
    const Run again = runCli(cliPath, maskArguments(m_small, output));
    QCOMPARE(again.exitCode, 1);
    QVERIFY2(again.err.contains(output + QStringLiteral(" already exists")), qPrintable(again.err));
}

void TestOutputFaults::unwritableDirectory_data()
{
    QTest::addColumn<bool>("mount");
    QTest::addColumn<QString>("cause");
    QTest::newRow("permission bits") << false << QStringLiteral("Permission denied");
    QTest::newRow("read-only mount") << true << QStringLiteral("Read-only file system");
}

void TestOutputFaults::unwritableDirectory()
{
    QFETCH(bool, mount);
    QFETCH(QString, cause);
    const QString dir = freshDir(QStringLiteral("locked"));
    const QString old = dir + QStringLiteral("/old.h5");
    QVERIFY(writeBytes(old, "old masks"));
    const QByteArray before = fileHash(old);
    std::unique_ptr<ScopedMount> readOnly;
    Child child;
    if (mount) {
        QString why;
        readOnly = ScopedMount::readOnly(dir, &why);
        if (!readOnly)
            QSKIP(qPrintable(why + QStringLiteral(" (needs root with CAP_SYS_ADMIN)")));
    } else {
        QVERIFY(QFile::setPermissions(dir, QFileDevice::ReadOwner | QFileDevice::ExeOwner |
                                               QFileDevice::ReadOther | QFileDevice::ExeOther));
        // Root writes anywhere: run the CLI as nobody, whom the bits do stop.
        child.asNobody = runningAsRoot();
        if (child.asNobody)
            child.environment = m_nobodyEnvironment;
    }
    const QString program = child.asNobody ? m_nobodyCli : cliPath;
    for (const QString& name : {QStringLiteral("new.h5"), QStringLiteral("old.h5")}) {
        const QString output = dir + QLatin1Char('/') + name;
        const Run run =
            runCli(program, maskArguments(m_small, output, {QStringLiteral("--force")}), child);
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(
            run.err.contains(
                QStringLiteral("%1: directory %2 is not writable (%3)").arg(output, dir, cause)),
            qPrintable(run.err));
        QCOMPARE(listing(dir), QStringList{QStringLiteral("old.h5")});
        QCOMPARE(fileHash(old), before);
    }
}

void TestOutputFaults::diskFillsUp_data()
{
    addDiskFullRows();
}

void TestOutputFaults::diskFillsUp()
{
    QFETCH(bool, tmpfs);
    QFETCH(QString, cause);
    const QString dir = freshDir(QStringLiteral("full"));
    const FullDisk full(dir, tmpfs);
    if (!full.skipReason().isEmpty())
        QSKIP(qPrintable(full.skipReason()));
    Child child;
    child.fileSizeLimit = full.childFileSizeLimit();
    const QString old = dir + QStringLiteral("/old.h5");
    QVERIFY(writeBytes(old, "old masks"));
    const QByteArray before = fileHash(old);
    for (const QString& name : {QStringLiteral("new.h5"), QStringLiteral("old.h5")}) {
        const QString output = dir + QLatin1Char('/') + name;
        const Run run =
            runCli(cliPath, maskArguments(m_medium, output, {QStringLiteral("--force")}), child);
        QCOMPARE(run.exitCode, 1);
        qInfo("%s", qPrintable(run.err.trimmed()));
        QVERIFY2(run.err.contains(QStringLiteral("sparsity-cli: %1: ").arg(output)),
                 qPrintable(run.err));
        QVERIFY2(run.err.contains(cause), qPrintable(run.err));
        QCOMPARE(listing(dir), QStringList{QStringLiteral("old.h5")});
        QCOMPARE(fileHash(old), before);
    }
}

void TestOutputFaults::startBigExport(QProcess& process, const QString& dirName, bool existing,
                                      BigExport* run)
{
    if (m_big.isEmpty()) {
        const QString big = m_root.filePath(QStringLiteral("inputs/big.h5"));
        QVERIFY(writeWeightFile(big, 3, 4096, 4096));
        m_big = big;
        m_inputHashes.insert(m_big, fileHash(m_big));
    }
    const QString dir = freshDir(dirName);
    const QString output = dir + QStringLiteral("/out.h5");
    if (existing)
        QVERIFY(writeBytes(output, "old masks"));
    *run = BigExport{dir, output, fileHash(output), {}};
    prepare(process, {});
    process.start(cliPath,
                  maskArguments(m_big, output,
                                existing ? QStringList{QStringLiteral("--force")} : QStringList{}));
    QVERIFY(process.waitForStarted());
    QElapsedTimer clock;
    clock.start();
    // Wait until the masks are being written: the temporary file holds more than HDF5's header.
    while (clock.elapsed() < 120000) {
        const QStringList found = temporaryFiles(dir);
        if (!found.isEmpty() && QFileInfo(dir + QLatin1Char('/') + found.first()).size() > 65536) {
            run->temporary = found.first();
            return;
        }
        QVERIFY2(process.state() == QProcess::Running,
                 qPrintable(QString::fromUtf8(process.readAllStandardError())));
        QTest::qSleep(2);
    }
    QFAIL("the export never started writing");
}

void TestOutputFaults::killedMidWrite_data()
{
    QTest::addColumn<bool>("existing");
    QTest::newRow("new output") << false;
    QTest::newRow("existing output --force") << true;
}

void TestOutputFaults::killedMidWrite()
{
    QFETCH(bool, existing);
    QProcess process;
    BigExport big;
    startBigExport(process, QStringLiteral("killed"), existing, &big);
    if (QTest::currentTestFailed())
        return;
    const auto& [dir, output, before, temporary] = big;
    QVERIFY(::kill(static_cast<pid_t>(process.processId()), SIGKILL) == 0);
    QVERIFY(process.waitForFinished(30000));
    QCOMPARE(process.exitStatus(), QProcess::CrashExit);

    QCOMPARE(QFileInfo::exists(output), existing);
    QCOMPARE(fileHash(output), before);
    // A dead process cannot clean up: what it leaves is hidden, beside the output, and named as
    // a temporary of out.h5.
    QVERIFY2(QRegularExpression(QStringLiteral("^\\.out\\.h5\\.[A-Za-z0-9]{6}\\.part$"))
                 .match(temporary)
                 .hasMatch(),
             qPrintable(temporary));
    QCOMPARE(temporaryFiles(dir), QStringList{temporary});

    // A later export succeeds and leaves the leftover alone: it may be a live export's.
    const Run again = runCli(cliPath, maskArguments(m_small, output, {QStringLiteral("--force")}));
    QVERIFY2(again.exitCode == 0, qPrintable(again.err));
    QCOMPARE(datasetPaths(output).size(), 2);
    QCOMPARE(temporaryFiles(dir), QStringList{temporary});
}

void TestOutputFaults::interruptedMidWrite_data()
{
    QTest::addColumn<int>("signal");
    QTest::addColumn<bool>("existing");
    QTest::newRow("SIGINT, new output") << int(SIGINT) << false;
    QTest::newRow("SIGTERM, existing output --force") << int(SIGTERM) << true;
}

void TestOutputFaults::interruptedMidWrite()
{
    QFETCH(int, signal);
    QFETCH(bool, existing);
    QProcess process;
    BigExport big;
    startBigExport(process, QStringLiteral("interrupted"), existing, &big);
    if (QTest::currentTestFailed())
        return;
    const auto& [dir, output, before, temporary] = big;
    QVERIFY(::kill(static_cast<pid_t>(process.processId()), signal) == 0);
    const Run run = finish(process);
    // It stops at the next batch of chunks, cleans up and dies of the signal, as tools should.
    QVERIFY2(run.crashed, qPrintable(run.err));
    QCOMPARE(run.exitCode, signal);
    QVERIFY2(run.err.contains(
                 QStringLiteral("sparsity-cli: interrupted; %1 was not written").arg(output)),
             qPrintable(run.err));
    QCOMPARE(fileHash(output), before);
    QCOMPARE(listing(dir), existing ? QStringList{QStringLiteral("out.h5")} : QStringList{});
}

void TestOutputFaults::coreOutputExistsHasItsOwnCode()
{
    const QString dir = freshDir(QStringLiteral("core-exists"));
    const QString output = dir + QStringLiteral("/out.h5");
    QVERIFY(writeBytes(output, "old masks"));
    const auto error = errorOf([&] { core::exportMasks(requestFor(m_small, output, 2), {}); });
    QVERIFY(error);
    QCOMPARE(int(error->code()), int(core::ErrorCode::OutputExists));
    QCOMPARE(error->message(),
             output + QStringLiteral(" already exists; refusing to overwrite it"));
    QCOMPARE(listing(dir), QStringList{QStringLiteral("out.h5")});
}

void TestOutputFaults::coreCancelLeavesNothing_data()
{
    QTest::addColumn<int>("cancelAt"); // the progress index at which the user cancels
    QTest::addColumn<bool>("existing");
    for (const bool existing : {false, true}) {
        const char* what = existing ? "existing output" : "new output";
        QTest::addRow("before the first layer, %s", what) << 0 << existing;
        QTest::addRow("after the first layer, %s", what) << 1 << existing;
        QTest::addRow("at the last layer, %s", what) << 3 << existing;
    }
}

void TestOutputFaults::coreCancelLeavesNothing()
{
    QFETCH(int, cancelAt);
    QFETCH(bool, existing);
    const QString dir = freshDir(QStringLiteral("core-cancel"));
    const QString output = dir + QStringLiteral("/out.h5");
    if (existing)
        QVERIFY(writeBytes(output, "old masks"));
    const QByteArray before = fileHash(output);
    const QStringList entries = listing(dir);
    core::ExportRequest request = requestFor(m_medium, output, 4);
    request.overwrite = true;
    QThreadPool pool;
    pool.setMaxThreadCount(2);
    std::atomic<bool> cancelled{false};
    const core::ExecutionContext context{&pool, 2, &cancelled};
    int calls = 0;
    const auto error = errorOf([&] {
        core::exportMasks(request, context, [&](int index, int, const QString&) {
            ++calls;
            if (index == cancelAt)
                cancelled = true;
        });
    });
    QVERIFY(error);
    QCOMPARE(int(error->code()), int(core::ErrorCode::Cancelled));
    QCOMPARE(calls, cancelAt + 1);
    QCOMPARE(listing(dir), entries);
    QCOMPARE(fileHash(output), before);
}

void TestOutputFaults::coreCancelledWriteDropsThePartialMask()
{
    const QString dir = freshDir(QStringLiteral("core-partial"));
    const QString output = dir + QStringLiteral("/out.h5");
    std::atomic<bool> cancelled{true};
    const core::ExecutionContext context{nullptr, 1, &cancelled};
    const std::vector<std::uint8_t> mask(1000 * 1000, 1);
    {
        const auto writer = core::Hdf5MaskWriter::create(output, m_small, false);
        const auto error = errorOf([&] {
            writer->writeMask(QStringLiteral("/m"), {1000, 1000}, mask, {}, context);
        });
        QVERIFY(error);
        QCOMPARE(int(error->code()), int(core::ErrorCode::Cancelled));
        // Whoever commits after a cancelled write gets a file without the half-written mask.
        writer->writeMask(QStringLiteral("/kept"), {2, 2}, std::vector<std::uint8_t>(4, 1), {});
        writer->commit();
    }
    QCOMPARE(datasetPaths(output), QStringList{QStringLiteral("/kept")});
}

void TestOutputFaults::coreDiskFillsUp_data()
{
    addDiskFullRows();
}

void TestOutputFaults::coreDiskFillsUp()
{
    QFETCH(bool, tmpfs);
    QFETCH(QString, cause);
    const QString dir = freshDir(QStringLiteral("core-full"));
    const FullDisk full(dir, tmpfs);
    if (!full.skipReason().isEmpty())
        QSKIP(qPrintable(full.skipReason()));
    const QString output = dir + QStringLiteral("/out.h5");
    QVERIFY(writeBytes(output, "old masks"));
    const QByteArray before = fileHash(output);
    core::ExportRequest request = requestFor(m_medium, output, 4);
    request.overwrite = true;
    QThreadPool pool;
    pool.setMaxThreadCount(2);
    const core::ExecutionContext context{&pool, 2, nullptr};
    std::optional<core::Error> error;
    {
        const std::unique_ptr<ScopedFileSizeLimit> limit = full.limitWrites();
        QVERIFY(!limit || limit->isActive());
        error = errorOf([&] { core::exportMasks(request, context); });
    }
    QVERIFY(error);
    QCOMPARE(int(error->code()), int(core::ErrorCode::Io));
    qInfo("%s", qPrintable(error->message()));
    QVERIFY2(error->message().startsWith(output + QStringLiteral(": ")),
             qPrintable(error->message()));
    QVERIFY2(error->message().contains(cause), qPrintable(error->message()));
    QCOMPARE(listing(dir), QStringList{QStringLiteral("out.h5")});
    QCOMPARE(fileHash(output), before);
}

QTEST_GUILESS_MAIN(TestOutputFaults)
#include "tst_outputfaults.moc"
