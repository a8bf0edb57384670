// Bad input, end to end: files that are not usable HDF5, datasets that cannot be masked,
// values that stress the arithmetic, and every parameter docs/SPEC.md calls an error. Each case is
// checked in the core reader (the message names the file, the dataset and the cause) and in
// sparsity-cli (that message on stderr, exit 1 for input and 2 for usage errors, nothing
// written). Fixtures come from tests/common/hdf5fixtures, written at run time.
#include "common/asnobody.h"
#include "common/badfiles.h"
#include "common/checks.h"
#include "common/hdf5fixtures.h"
#include "common/paramsbuilder.h"
#include "error.h"
#include "export/maskexport.h"
#include "hdf5/hdf5reader.h"
#include "io/datasetchecks.h"
#include "mask/sparsifier.h"
#include "readerchild/sanitizerbuild.h"
#include "referencemask.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>

using namespace sparsity;
using namespace sparsity::core;
using sparsity::test::errorOf;
using sparsity::test::fileHash;
using sparsity::test::listing;

Q_DECLARE_METATYPE(sparsity::core::SparsityParams)

namespace {

// The CLI nobody runs when the test reruns itself as nobody (see unreadableFile).
const QString cliPath = test::programPath("SPARSITY_TEST_CLI", QStringLiteral(SPARSITY_CLI_PATH));

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

Run runCli(const QStringList& arguments, const QString& workingDirectory = {})
{
    QProcess process;
    if (!workingDirectory.isEmpty())
        process.setWorkingDirectory(workingDirectory);
    process.start(cliPath, arguments);
    if (!process.waitForFinished(120000)) {
        process.kill();
        process.waitForFinished();
        return {};
    }
    return Run{process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
               QString::fromUtf8(process.readAllStandardOutput()),
               QString::fromUtf8(process.readAllStandardError())};
}

std::vector<std::uint8_t> readMask(const QString& file, const QString& dataset)
{
    const WeightTensor t = Hdf5Reader::open(file)->readTensor(dataset, {});
    const auto values = t.values<float>();
    return std::vector<std::uint8_t>(values.begin(), values.end());
}

QStringList maskArgs(const QString& input, const QString& output, const QStringList& extra = {})
{
    return QStringList{QStringLiteral("mask"),    input,
                       QStringLiteral("-o"),      output,
                       QStringLiteral("--level"), QStringLiteral("0.5"),
                       QStringLiteral("--block"), QStringLiteral("2x2")} +
           extra;
}

bool sameValue(double a, double b)
{
    if (std::isnan(a) || std::isnan(b))
        return std::isnan(a) && std::isnan(b);
    return a == b && std::signbit(a) == std::signbit(b);
}

} // namespace

class TestBadInput final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    // Files
    void unusableFiles_data();
    void unusableFiles();
    void unreadableFile();
    void knownHdf5CrashFiles_data();
    void knownHdf5CrashFiles();
    void fileReplacedOrDeletedAfterOpening_data();
    void fileReplacedOrDeletedAfterOpening();
    void exportRefusesAFileThatChangedSinceItWasListed();

    // Datasets
    void listsEveryDatasetCase();
    void refusesUnusableDatasets_data();
    void refusesUnusableDatasets();
    void refusesDeclaredSizesBeyondMemory_data();
    void refusesDeclaredSizesBeyondMemory();
    void filtersThisLibraryLacks_data();
    void filtersThisLibraryLacks();
    void linksResolveOrSayWhere_data();
    void linksResolveOrSayWhere();
    void cliMasksLinksAndNonAsciiNames();
    void cliDefaultRunOverBadDatasetsIsAllOrNothing();

    // Values
    void readsExtremeValuesExactly_data();
    void readsExtremeValuesExactly();
    void extremeValuesGiveTheSpecMask_data();
    void extremeValuesGiveTheSpecMask();
    void cliMasksExtremeValues();

    // Parameters
    void cliRefusesBadParameters_data();
    void cliRefusesBadParameters();
    void cliAcceptsEdgeParameters_data();
    void cliAcceptsEdgeParameters();
    void exportRefusesBadParameters_data();
    void exportRefusesBadParameters();

private:
    QString path(const QString& name) const { return m_dir.filePath(name); }

    QTemporaryDir m_dir;
    QString m_good;     // a valid file with /w (float32 6x8)
    QString m_cases;    // writeDatasetCasesFile
    QString m_external; // the target of /links/external
    QString m_values;   // writeValueCasesFile
};

void TestBadInput::initTestCase()
{
    QVERIFY(m_dir.isValid());
    test::silenceHdf5Errors();
    m_good = path(QStringLiteral("good.h5"));
    QVERIFY(test::writeMatrixFile(m_good, QStringLiteral("/w"), 6, 8, 1));
    m_cases = path(QStringLiteral("cases.h5"));
    m_external = path(QStringLiteral("external target.h5"));
    QVERIFY(test::writeDatasetCasesFile(m_cases, m_external));
    m_values = path(QStringLiteral("values.h5"));
    QVERIFY(test::writeValueCasesFile(m_values));
}

// --- Files ---------------------------------------------------------------------------------

void TestBadInput::unusableFiles_data()
{
    test::addUnusableFileRows();
}

void TestBadInput::unusableFiles()
{
    QFETCH(QString, name);
    QFETCH(QString, fragment);
    const QString file = path(name);
    QVERIFY(test::makeUnusableFile(name, file, m_good));

    const auto error = errorOf([&] { Hdf5Reader::open(file); });
    QVERIFY(error.has_value());
    QCOMPARE(int(error->code()), int(ErrorCode::Io));
    QVERIFY2(error->message().startsWith(file + fragment), qPrintable(error->message()));
    qInfo("core: %s", qPrintable(error->message()));

    const QTemporaryDir out;
    const QString output = out.filePath(QStringLiteral("masks.h5"));
    const Run list = runCli({QStringLiteral("list"), file});
    QCOMPARE(list.exitCode, 1);
    VERIFY_CONTAINS(list.err, file + fragment);
    QVERIFY(list.out.isEmpty());
    const Run mask = runCli(maskArgs(file, output));
    QCOMPARE(mask.exitCode, 1);
    VERIFY_CONTAINS(mask.err, file + fragment);
    const Run named =
        runCli(maskArgs(file, output, {QStringLiteral("--dataset"), QStringLiteral("/w")}));
    QCOMPARE(named.exitCode, 1);
    VERIFY_CONTAINS(named.err, file + fragment);
    QCOMPARE(listing(out.path()), QStringList());
    qInfo("cli: %s", qPrintable(mask.err.trimmed()));
}

void TestBadInput::unreadableFile()
{
    if (test::runningAsRoot()) {
        // Root reads a 0200 file anyway: check as nobody, in a child process.
        const test::ChildRun child = test::rerunAsNobody(
            QStringLiteral("unreadableFile"), {{QStringLiteral("SPARSITY_TEST_CLI"), cliPath}});
        if (!child.started)
            QSKIP(qPrintable(child.why));
        QVERIFY2(child.exitCode == 0, qPrintable(child.output));
        QVERIFY2(child.output.contains(QStringLiteral("PASS   : TestBadInput::unreadableFile")),
                 qPrintable(child.output));
        qInfo("as nobody:\n%s", qPrintable(child.output));
        return;
    }
    const QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("unreadable.h5"));
    QVERIFY(QFile::copy(m_good, file) ||
            test::writeMatrixFile(file, QStringLiteral("/w"), 6, 8, 1));
    QVERIFY(QFile::setPermissions(file, QFileDevice::WriteOwner));
    const auto error = errorOf([&] { Hdf5Reader::open(file); });
    QVERIFY(error.has_value());
    QCOMPARE(error->message(), file + QStringLiteral(": permission denied"));
    qInfo("core: %s", qPrintable(error->message()));
    const QString output = dir.filePath(QStringLiteral("masks.h5"));
    const Run list = runCli({QStringLiteral("list"), file});
    QCOMPARE(list.exitCode, 1);
    VERIFY_CONTAINS(list.err, file + QStringLiteral(": permission denied"));
    const Run mask = runCli(maskArgs(file, output));
    QCOMPARE(mask.exitCode, 1);
    VERIFY_CONTAINS(mask.err, file + QStringLiteral(": permission denied"));
    QVERIFY(!QFile::exists(output));
    qInfo("cli: %s", qPrintable(mask.err.trimmed()));
}

void TestBadInput::knownHdf5CrashFiles_data()
{
    QTest::addColumn<QString>("file");
    const QDir dir(QStringLiteral(SPARSITY_KNOWN_CRASHES_DIR));
    const QStringList names = dir.entryList({QStringLiteral("*.h5")}, QDir::Files);
    QVERIFY(names.size() >= 4);
    for (const QString& name : names)
        QTest::newRow(qPrintable(name)) << dir.filePath(name);
}

// The CLI's own message. Under the sanitizers the reader process keeps its stderr for their
// reports (core/readerchild), which come before it.
static QString programMessage(const QString& err)
{
    if (!core::readerchild::sanitizerBuild || err.startsWith(QStringLiteral("sparsity-cli: ")))
        return err;
    const qsizetype at = err.indexOf(QStringLiteral("\nsparsity-cli: "));
    return at >= 0 ? err.mid(at + 1) : err;
}

void TestBadInput::knownHdf5CrashFiles()
{
    // Files the fuzzer found that crash HDF5 1.10 (crash-*) or leak in it (leak-*): the reader
    // process crashes instead of the CLI, which says so, exits 1 and writes nothing; `apply`,
    // whose pruned copy is rewritten by a writer process, as well.
    QFETCH(QString, file);
    const bool crashes = QFileInfo(file).fileName().startsWith(QStringLiteral("crash-"));
    const QTemporaryDir out;
    const QString masks = out.filePath(QStringLiteral("masks.h5"));
    const QString pruned = out.filePath(QStringLiteral("pruned.h5"));
    for (const QStringList& arguments :
         {QStringList{QStringLiteral("list"), file}, maskArgs(file, masks),
          QStringList{QStringLiteral("apply"), file, QStringLiteral("-o"), pruned,
                      QStringLiteral("--level"), QStringLiteral("0.5"), QStringLiteral("--block"),
                      QStringLiteral("1x4")}}) {
        for (const QString& written : listing(out.path()))
            QVERIFY(QFile::remove(out.filePath(written)));
        Run run = runCli(arguments);
        run.err = programMessage(run.err);
        qInfo("%s: %s", qPrintable(arguments.first()), qPrintable(run.err.trimmed()));
        QVERIFY2(run.exitCode == 0 || run.exitCode == 1, qPrintable(run.err));
        if (run.exitCode == 1) {
            QVERIFY2(
                run.err.startsWith(QStringLiteral("sparsity-cli: ") + file + QStringLiteral(": ")),
                qPrintable(run.err));
            QVERIFY(run.out.isEmpty());
            QCOMPARE(listing(out.path()), QStringList());
        }
        if (!crashes)
            continue;
        QCOMPARE(run.exitCode, 1);
        // Three of them crash HDF5 itself; the fourth is a heap overflow that only the
        // sanitizers see, and otherwise HDF5 notices the damage.
        if (!run.err.contains(QStringLiteral(": cannot list group '")))
            VERIFY_CONTAINS(run.err, file + QStringLiteral(": the HDF5 library crashed ("));
        // While opening (the root's attributes are read then) or listing the file.
        if (run.err.contains(QStringLiteral("crashed")))
            QVERIFY2(run.err.contains(QStringLiteral(") while listing the file: the file is "
                                                     "damaged or crafted")) ||
                         run.err.contains(QStringLiteral(") while opening the file: the file is "
                                                         "damaged or crafted")),
                     qPrintable(run.err));
    }
}

void TestBadInput::fileReplacedOrDeletedAfterOpening_data()
{
    QTest::addColumn<QString>("change");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("deleted") << QStringLiteral("delete")
                             << QStringLiteral("the file was deleted or moved after it was opened");
    QTest::newRow("replaced by rename")
        << QStringLiteral("replace") << QStringLiteral("the file was replaced after it was opened");
    QTest::newRow("rewritten in place")
        << QStringLiteral("rewrite") << QStringLiteral("the file was modified after it was opened");
    QTest::newRow("truncated in place")
        << QStringLiteral("truncate")
        << QStringLiteral("the file was modified after it was opened");
}

void TestBadInput::fileReplacedOrDeletedAfterOpening()
{
    QFETCH(QString, change);
    QFETCH(QString, fragment);
    const QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("model.h5"));
    QVERIFY(test::writeMatrixFile(file, QStringLiteral("/a"), 4, 4, 1));
    QVERIFY(test::writeMatrixFile(file, QStringLiteral("/b"), 4, 4, 2, false));
    const auto reader = Hdf5Reader::open(file);
    QCOMPARE(reader->listTree().size(), std::size_t(2));
    QCOMPARE(reader->readTensor(QStringLiteral("/a"), {}).elementCount(), 16);

    QTest::qWait(20); // a different modification time, even on coarse clocks
    if (change == QLatin1String("delete")) {
        QVERIFY(QFile::remove(file));
    } else if (change == QLatin1String("replace")) {
        const QString other = dir.filePath(QStringLiteral("other.h5"));
        QVERIFY(test::writeMatrixFile(other, QStringLiteral("/b"), 4, 4, 9));
        QVERIFY(::rename(QFile::encodeName(other).constData(),
                         QFile::encodeName(file).constData()) == 0);
    } else if (change == QLatin1String("rewrite")) {
        // Same inode, other content (what `h5repack in out && cat out > in` does).
        const QString other = dir.filePath(QStringLiteral("other.h5"));
        QVERIFY(test::writeMatrixFile(other, QStringLiteral("/b"), 4, 4, 9));
        QFile source(other);
        QVERIFY(source.open(QIODevice::ReadOnly));
        QFile target(file);
        QVERIFY(target.open(QIODevice::ReadWrite));
        QVERIFY(target.write(source.readAll()) > 0);
    } else {
        QFile target(file);
        QVERIFY(target.resize(100));
    }

    for (const QString& dataset : {QStringLiteral("/b"), QStringLiteral("/a")}) {
        const auto error = errorOf([&] { reader->readTensor(dataset, {}); });
        QVERIFY2(error.has_value(), "stale data read without an error");
        QCOMPARE(int(error->code()), int(ErrorCode::Io));
        VERIFY_CONTAINS(error->message(),
                        QStringLiteral("%1: cannot read dataset '%2': ").arg(file, dataset));
        VERIFY_CONTAINS(error->message(), fragment);
        qInfo("core: %s", qPrintable(error->message()));
    }
    const auto listError = errorOf([&] { reader->listTree(); });
    QVERIFY(listError.has_value());
    VERIFY_CONTAINS(listError->message(), file);
    VERIFY_CONTAINS(listError->message(), fragment);
}

void TestBadInput::exportRefusesAFileThatChangedSinceItWasListed()
{
    // The GUI lists a file, the user looks at it, the file is replaced, the user exports: the
    // masks must not silently come from other weights than those on screen.
    const QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("model.h5"));
    QVERIFY(test::writeMatrixFile(file, QStringLiteral("/a"), 4, 4, 1));
    std::optional<FileIdentity> identity = Hdf5Reader::open(file)->identity();
    QVERIFY(identity.has_value());
    ExportRequest request;
    request.inputPath = file;
    request.outputPath = dir.filePath(QStringLiteral("masks.h5"));
    request.layers.push_back({QStringLiteral("/a"), test::makeParams(0.5, 2, 2), {}});
    request.expectedInput = identity;
    QTest::qWait(20);
    const QString other = dir.filePath(QStringLiteral("other.h5"));
    QVERIFY(test::writeMatrixFile(other, QStringLiteral("/a"), 4, 4, 5));
    QVERIFY(::rename(QFile::encodeName(other).constData(), QFile::encodeName(file).constData()) ==
            0);
    const auto error = errorOf([&] { exportMasks(request, {}); });
    QVERIFY(error.has_value());
    QCOMPARE(int(error->code()), int(ErrorCode::Io));
    VERIFY_CONTAINS(error->message(), file + QStringLiteral(": the file was replaced after it was "
                                                            "opened"));
    QCOMPARE(listing(dir.path()), QStringList{QStringLiteral("model.h5")});
    // Without the expectation (the CLI, which lists and reads in one go) it exports.
    request.expectedInput.reset();
    QCOMPARE(exportMasks(request, {}).size(), std::size_t(1));
}

// --- Datasets ------------------------------------------------------------------------------

void TestBadInput::listsEveryDatasetCase()
{
    const auto reader = Hdf5Reader::open(m_cases);
    const std::vector<DatasetInfo> tree = reader->listTree();
    const auto find = [&](const QString& path) -> const DatasetInfo* {
        for (const DatasetInfo& info : tree)
            if (info.path == path)
                return &info;
        return nullptr;
    };
    for (const test::DatasetCase& unusable : test::unusableDatasetCases()) {
        const DatasetInfo* info = find(unusable.path);
        QVERIFY2(info, qPrintable(unusable.path));
        QVERIFY2(!info->sparsifiable && !info->canSparsifyWhenNamed(), qPrintable(unusable.path));
        VERIFY_CONTAINS(info->reason, unusable.reason);
    }
    QCOMPARE(find(QStringLiteral("/shape/null"))->shapeText(), QStringLiteral("null"));
    QCOMPARE(find(QStringLiteral("/shape/scalar"))->shapeText(), QStringLiteral("scalar"));
    QVERIFY(find(QStringLiteral("/shape/rank1"))->canSparsifyWhenNamed());
    QVERIFY(!find(QStringLiteral("/shape/rank1"))->isDefaultSelection());
    for (const char* usable : {"/good/w", "/links/soft", "/links/hard", "/links/external",
                               "/ünïcode/权重", "/big/huge", "/big/unlimited", "/filter/skipped"}) {
        const DatasetInfo* info = find(QString::fromUtf8(usable));
        QVERIFY2(info && info->isDefaultSelection(), usable);
    }
    QCOMPARE(find(QStringLiteral("/links/soft"))->linkTarget, QStringLiteral("/good/w"));
    QCOMPARE(find(QStringLiteral("/links/external"))->linkTarget,
             QStringLiteral("external target.h5:/w"));
    QCOMPARE(find(QStringLiteral("/big/unlimited"))->shapeText(),
             QStringLiteral("2147483648x2147483648"));

    const Run list = runCli({QStringLiteral("list"), m_cases});
    QVERIFY2(list.exitCode == 0, qPrintable(list.err));
    for (const test::DatasetCase& unusable : test::unusableDatasetCases()) {
        const qsizetype at = list.out.indexOf(unusable.path);
        QVERIFY2(at >= 0, qPrintable(unusable.path));
        const QString line = list.out.mid(at, list.out.indexOf(QLatin1Char('\n'), at) - at);
        VERIFY_CONTAINS(line, unusable.reason);
    }
    VERIFY_CONTAINS(list.out, QStringLiteral("/ünïcode/权重"));
    VERIFY_CONTAINS(list.out, QStringLiteral("/links/dangling -> /nowhere/w"));
    VERIFY_CONTAINS(list.out, QStringLiteral("when named (rank 1: needs at least 2 dimensions)"));
}

void TestBadInput::refusesUnusableDatasets_data()
{
    QTest::addColumn<QString>("dataset");
    QTest::addColumn<QString>("readFragment");
    QTest::addColumn<QString>("reason");
    for (const test::DatasetCase& unusable : test::unusableDatasetCases()) {
        // Reading states the rule in the words of the listing; links do not get that far.
        const QString readFragment =
            unusable.path.startsWith(QLatin1String("/links/"))
                ? QStringLiteral("'%1' is a dangling link: %2").arg(unusable.path, unusable.reason)
                : QStringLiteral("dataset '%1' cannot be read: %2")
                      .arg(unusable.path, unusable.reason);
        QTest::newRow(qPrintable(unusable.path))
            << unusable.path << readFragment << unusable.reason;
    }
    QTest::newRow("/nope") << QStringLiteral("/nope") << QStringLiteral("no dataset '/nope'")
                           << QStringLiteral("no dataset '/nope'");
    QTest::newRow("/good (a group)")
        << QStringLiteral("/good") << QStringLiteral("'/good' is a group, not a dataset")
        << QStringLiteral("'/good' is a group, not a dataset");
    QTest::newRow("/good/w/x (below a dataset)")
        << QStringLiteral("/good/w/x") << QStringLiteral("no dataset '/good/w/x'")
        << QStringLiteral("no dataset '/good/w/x'");
}

void TestBadInput::refusesUnusableDatasets()
{
    QFETCH(QString, dataset);
    QFETCH(QString, readFragment);
    QFETCH(QString, reason);
    const auto reader = Hdf5Reader::open(m_cases);
    const auto error = errorOf([&] { reader->readTensor(dataset, {}); });
    QVERIFY(error.has_value());
    QCOMPARE(int(error->code()), int(ErrorCode::InvalidInput));
    QVERIFY2(error->message().startsWith(m_cases + QStringLiteral(": ")),
             qPrintable(error->message()));
    VERIFY_CONTAINS(error->message(), readFragment);
    qInfo("core: %s", qPrintable(error->message()));

    const QTemporaryDir out;
    const Run run = runCli(maskArgs(m_cases, out.filePath(QStringLiteral("m.h5")),
                                    {QStringLiteral("--dataset"), dataset,
                                     QStringLiteral("--dataset"), QStringLiteral("/good/w")}));
    QCOMPARE(run.exitCode, 1);
    VERIFY_CONTAINS(run.err, m_cases);
    VERIFY_CONTAINS(run.err, QLatin1Char('\'') + dataset + QLatin1Char('\''));
    VERIFY_CONTAINS(run.err, reason);
    QVERIFY(run.out.isEmpty());
    QCOMPARE(listing(out.path()), QStringList());
    qInfo("cli: %s", qPrintable(run.err.trimmed()));
}

void TestBadInput::refusesDeclaredSizesBeyondMemory_data()
{
    QTest::addColumn<QString>("dataset");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("huge") << QStringLiteral("/big/huge")
                          << QStringLiteral("dataset '/big/huge' (shape 1000000x1000000x1000, "
                                            "float32) needs 3725290.3 GiB of memory, more than "
                                            "the ");
    QTest::newRow("unlimited") << QStringLiteral("/big/unlimited")
                               << QStringLiteral("dataset '/big/unlimited' (shape "
                                                 "2147483648x2147483648, float64) needs "
                                                 "34359738368.0 GiB of memory, more than the ");
}

void TestBadInput::refusesDeclaredSizesBeyondMemory()
{
    QFETCH(QString, dataset);
    QFETCH(QString, fragment);
    QVERIFY(QFileInfo(m_cases).size() < 1 << 20);
    const auto reader = Hdf5Reader::open(m_cases);
    const auto error = errorOf([&] { reader->readTensor(dataset, {}); });
    QVERIFY(error.has_value());
    QCOMPARE(int(error->code()), int(ErrorCode::OutOfMemory));
    QVERIFY2(error->message().startsWith(m_cases + QStringLiteral(": ") + fragment),
             qPrintable(error->message()));
    VERIFY_CONTAINS(error->message(), QStringLiteral("GiB available"));
    qInfo("core: %s", qPrintable(error->message()));

    const QTemporaryDir out;
    const Run run = runCli(maskArgs(m_cases, out.filePath(QStringLiteral("m.h5")),
                                    {QStringLiteral("--dataset"), dataset}));
    QCOMPARE(run.exitCode, 1);
    VERIFY_CONTAINS(run.err, m_cases + QStringLiteral(": ") + fragment);
    QCOMPARE(listing(out.path()), QStringList());
}

void TestBadInput::filtersThisLibraryLacks_data()
{
    QTest::addColumn<QString>("dataset");
    QTest::addColumn<QString>("fragment"); // empty: it reads, as /good/w
    QTest::newRow("mandatory") << QStringLiteral("/filter/mandatory")
                               << QStringLiteral("compressed with filter 'test-identity' (id "
                                                 "40123), which this HDF5 library cannot decode");
    QTest::newRow("optional, applied")
        << QStringLiteral("/filter/optional")
        << QStringLiteral("compressed with filter 'test-optional-identity' (id 40124), which "
                          "this HDF5 library cannot decode");
    QTest::newRow("optional, skipped when written")
        << QStringLiteral("/filter/skipped") << QString();
}

void TestBadInput::filtersThisLibraryLacks()
{
    QFETCH(QString, dataset);
    QFETCH(QString, fragment);
    const auto reader = Hdf5Reader::open(m_cases);
    // Listing reads no data, yet tells a filter this library lacks from one it has.
    const DatasetInfo info = reader->describe(dataset);
    QCOMPARE(info.sparsifiable, fragment.isEmpty());
    QCOMPARE(info.reason, fragment);
    const QTemporaryDir out;
    const QString output = out.filePath(QStringLiteral("m.h5"));
    const Run run = runCli(maskArgs(m_cases, output, {QStringLiteral("--dataset"), dataset}));
    if (fragment.isEmpty()) {
        const WeightTensor weights = reader->readTensor(dataset, {});
        const auto values = weights.values<float>();
        const std::vector<float> expected = test::matrixValues(8, 8, 1);
        QVERIFY(std::equal(values.begin(), values.end(), expected.begin(), expected.end()));
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        return;
    }
    const auto error = errorOf([&] { reader->readTensor(dataset, {}); });
    QVERIFY(error.has_value());
    QCOMPARE(int(error->code()), int(ErrorCode::InvalidInput));
    const QString named = m_cases + QStringLiteral(": dataset ") + quoted(dataset);
    QVERIFY2(error->message().startsWith(named + QStringLiteral(" cannot be read: ") + fragment),
             qPrintable(error->message()));
    qInfo("core: %s", qPrintable(error->message()));
    QCOMPARE(run.exitCode, 1);
    VERIFY_CONTAINS(run.err, named + QStringLiteral(" cannot be masked: ") + fragment);
    QCOMPARE(listing(out.path()), QStringList());
}

void TestBadInput::linksResolveOrSayWhere_data()
{
    QTest::addColumn<QString>("dataset");
    QTest::addColumn<QString>("fragment"); // empty: readable
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::addColumn<int>("seed");
    QTest::newRow("soft") << QStringLiteral("/links/soft") << QString() << 8 << 8 << 1;
    QTest::newRow("hard") << QStringLiteral("/links/hard") << QString() << 8 << 8 << 1;
    QTest::newRow("external") << QStringLiteral("/links/external") << QString() << 3 << 5 << 7;
    QTest::newRow("dangling soft")
        << QStringLiteral("/links/dangling")
        << QStringLiteral("'/links/dangling' is a dangling link: link target /nowhere/w does not "
                          "exist")
        << 0 << 0 << 0;
    QTest::newRow("external to a missing file")
        << QStringLiteral("/links/external_missing")
        << QStringLiteral("'/links/external_missing' is a dangling link: link target "
                          "missing_target.h5:/w does not exist")
        << 0 << 0 << 0;
}

void TestBadInput::linksResolveOrSayWhere()
{
    QFETCH(QString, dataset);
    QFETCH(QString, fragment);
    QFETCH(int, rows);
    QFETCH(int, cols);
    QFETCH(int, seed);
    // From another working directory: external links resolve next to the file that holds them.
    const QTemporaryDir elsewhere;
    QVERIFY(QDir::setCurrent(elsewhere.path()));
    const auto reader = Hdf5Reader::open(m_cases);
    if (fragment.isEmpty()) {
        const WeightTensor weights = reader->readTensor(dataset, {});
        QCOMPARE(weights.shape(), (std::vector<std::int64_t>{rows, cols}));
        const auto values = weights.values<float>();
        const std::vector<float> expected = test::matrixValues(rows, cols, seed);
        QVERIFY(std::equal(values.begin(), values.end(), expected.begin(), expected.end()));
    } else {
        const auto error = errorOf([&] { reader->readTensor(dataset, {}); });
        QVERIFY(error.has_value());
        QVERIFY2(error->message().startsWith(m_cases + QStringLiteral(": ") + fragment),
                 qPrintable(error->message()));
        qInfo("core: %s", qPrintable(error->message()));
    }
}

void TestBadInput::cliMasksLinksAndNonAsciiNames()
{
    // Named: both names of a hard-linked dataset, a soft link, an external link and a UTF-8
    // name; each mask sits at the name it was asked by and equals the core's.
    const QTemporaryDir out;
    const QString output = out.filePath(QStringLiteral("masken_ä.h5"));
    QStringList args;
    const QStringList datasets = {QStringLiteral("/good/w"), QStringLiteral("/links/hard"),
                                  QStringLiteral("/links/soft"), QStringLiteral("/links/external"),
                                  QStringLiteral("/ünïcode/权重")};
    for (const QString& dataset : datasets)
        args << QStringLiteral("--dataset") << dataset;
    const Run run = runCli(maskArgs(m_cases, output, args), out.path());
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    VERIFY_CONTAINS(run.out, QStringLiteral("/ünïcode/权重"));
    const auto written = Hdf5Reader::open(output);
    const auto input = Hdf5Reader::open(m_cases);
    for (const QString& dataset : datasets) {
        const DatasetInfo info = written->describe(dataset);
        QCOMPARE(info.typeName, QStringLiteral("uint8"));
        const MaskResult expected =
            computeMask(input->readTensor(dataset, {}), test::makeParams(0.5, 2, 2), {});
        QVERIFY2(readMask(output, dataset) ==
                     std::vector<std::uint8_t>(expected.mask.begin(), expected.mask.end()),
                 qPrintable(dataset));
    }
    // The UTF-8 name is stored as UTF-8: listed back exactly.
    bool found = false;
    for (const DatasetInfo& info : written->listTree())
        found = found || info.path == QStringLiteral("/ünïcode/权重");
    QVERIFY(found);
}

void TestBadInput::cliDefaultRunOverBadDatasetsIsAllOrNothing()
{
    // Without --dataset every float matrix is masked; /big/huge cannot be read, so nothing is
    // written and the message says which dataset and why. The unusable ones are noted.
    const QTemporaryDir out;
    const QString output = out.filePath(QStringLiteral("m.h5"));
    const Run run = runCli(maskArgs(m_cases, output));
    QCOMPARE(run.exitCode, 1);
    VERIFY_CONTAINS(run.err, m_cases + QStringLiteral(": dataset '/big/huge'"));
    VERIFY_CONTAINS(run.err, QStringLiteral("note: skipped /types/vlen: vlen data is not numeric"));
    VERIFY_CONTAINS(run.err, QStringLiteral("note: skipped /links/dangling: link target "
                                            "/nowhere/w does not exist"));
    QCOMPARE(listing(out.path()), QStringList());
    qInfo("cli: %s", qPrintable(run.err.trimmed().section(QLatin1Char('\n'), -1)));
}

// --- Values --------------------------------------------------------------------------------

void TestBadInput::readsExtremeValuesExactly_data()
{
    QTest::addColumn<QString>("dataset");
    for (const QString& name : test::valueCases())
        QTest::newRow(qPrintable(name)) << name;
}

void TestBadInput::readsExtremeValuesExactly()
{
    QFETCH(QString, dataset);
    const WeightTensor weights = Hdf5Reader::open(m_values)->readTensor(dataset, {});
    QCOMPARE(weights.shape(), test::valueCaseShape(dataset));
    const std::vector<double> expected = test::expectedValues(dataset);
    for (std::int64_t i = 0; i < weights.elementCount(); ++i) {
        const double value = weights.valueAt(i / weights.cols(), i % weights.cols());
        QVERIFY2(sameValue(value, expected[static_cast<std::size_t>(i)]),
                 qPrintable(QStringLiteral("%1[%2]: read %3, expected %4")
                                .arg(dataset)
                                .arg(i)
                                .arg(value, 0, 'g', 20)
                                .arg(expected[static_cast<std::size_t>(i)], 0, 'g', 20)));
    }
}

void TestBadInput::extremeValuesGiveTheSpecMask_data()
{
    QTest::addColumn<QString>("dataset");
    for (const QString& name : test::valueCases())
        QTest::newRow(qPrintable(name)) << name;
}

void TestBadInput::extremeValuesGiveTheSpecMask()
{
    QFETCH(QString, dataset);
    const WeightTensor weights = Hdf5Reader::open(m_values)->readTensor(dataset, {});
    const std::vector<double> expected = test::expectedValues(dataset);
    const auto nonFinite =
        std::count_if(expected.begin(), expected.end(), [](double v) { return !std::isfinite(v); });
    for (const SparsityParams& p :
         {test::makeParams(0.5, 1, 2), test::makeParams(0.5, 2, 2, std::nullopt, Norm::L1),
          test::makeParams(0.7, 1, 4, 2), test::makeParams(1.0, 2, 3, 1),
          test::makeParams(0.3, 3, 3, 5, Norm::L1), test::makeParams(0.99, 1, 1)}) {
        const MaskResult result = computeMask(weights, p, {});
        const test::ReferenceMask reference = test::referenceMask(weights, p);
        QVERIFY2(std::equal(result.mask.begin(), result.mask.end(), reference.mask.begin(),
                            reference.mask.end()),
                 qPrintable(QStringLiteral("%1 %2x%3 level %4")
                                .arg(dataset)
                                .arg(p.block.rows)
                                .arg(p.block.cols)
                                .arg(p.level)));
        QCOMPARE(result.stats.nonFiniteWeights, static_cast<std::int64_t>(nonFinite));
        QCOMPARE(result.stats.elements, weights.elementCount());
        QVERIFY(std::isfinite(result.stats.achievedSparsity));
        // Finite weights whose squares overflow a double still give a ratio (the sums are
        // long double).
        const auto ratioOk = [&](double ratio) { return ratio >= 0.0 && ratio <= 1.0; };
        QVERIFY2(ratioOk(result.stats.retainedEnergy),
                 qPrintable(QString::number(result.stats.retainedEnergy)));
        QVERIFY2(ratioOk(result.stats.retainedL1),
                 qPrintable(QString::number(result.stats.retainedL1)));
    }
}

void TestBadInput::cliMasksExtremeValues()
{
    const QTemporaryDir out;
    const QString output = out.filePath(QStringLiteral("m.h5"));
    QStringList args;
    for (const QString& name : test::valueCases())
        args << QStringLiteral("--dataset") << name;
    const Run run = runCli(maskArgs(m_values, output, args));
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    const auto input = Hdf5Reader::open(m_values);
    for (const QString& name : test::valueCases()) {
        const MaskResult expected =
            computeMask(input->readTensor(name, {}), test::makeParams(0.5, 2, 2), {});
        QVERIFY2(readMask(output, name) ==
                     std::vector<std::uint8_t>(expected.mask.begin(), expected.mask.end()),
                 qPrintable(name));
        const std::vector<double> values = test::expectedValues(name);
        const auto nonFinite =
            std::count_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); });
        const QString warning =
            QStringLiteral("warning: %1 holds %2 NaN or infinite weights").arg(name).arg(nonFinite);
        QVERIFY2(run.err.contains(warning) == (nonFinite > 0), qPrintable(name + run.err));
    }
    QVERIFY2(!run.out.contains(QStringLiteral("nan%"), Qt::CaseInsensitive), qPrintable(run.out));
    // Everything kept: -1e300 squared overflows a double, yet the ratios are exact.
    const Run kept =
        runCli(QStringList{QStringLiteral("mask"), m_values, QStringLiteral("-o"),
                           out.filePath(QStringLiteral("kept.h5")), QStringLiteral("--level"),
                           QStringLiteral("0"), QStringLiteral("--block"), QStringLiteral("2x2"),
                           QStringLiteral("--dataset"), QStringLiteral("/v/f64be")});
    QVERIFY2(kept.exitCode == 0, qPrintable(kept.err));
    QVERIFY2(!kept.out.contains(QStringLiteral("nan"), Qt::CaseInsensitive), qPrintable(kept.out));
    QVERIFY2(kept.out.contains(QRegularExpression(QStringLiteral("/v/f64be .* 0.00% +100.00% "))),
             qPrintable(kept.out));
    qInfo("cli:\n%s%s%s", qPrintable(run.out), qPrintable(run.err), qPrintable(kept.out));
}

// --- Parameters ----------------------------------------------------------------------------

void TestBadInput::cliRefusesBadParameters_data()
{
    QTest::addColumn<QStringList>("arguments"); // after "mask IN -o OUT"
    QTest::addColumn<QString>("message");
    const auto row = [](const char* name, QStringList arguments, const QString& message) {
        QTest::newRow(name) << arguments << message;
    };
    const QStringList block{QStringLiteral("--block"), QStringLiteral("2x2")};
    const QStringList level{QStringLiteral("--level"), QStringLiteral("0.5")};
    const auto withLevel = [&](const char* value) {
        return QStringList{QStringLiteral("--level"), QLatin1String(value)} + block;
    };
    const auto withBlock = [&](const char* value) {
        return level + QStringList{QStringLiteral("--block"), QLatin1String(value)};
    };
    const auto with = [&](const char* option, const char* value) {
        return level + block + QStringList{QLatin1String(option), QLatin1String(value)};
    };
    const QString range = QStringLiteral("Sparsity level must be between 0 and 1");
    row("level 1.5", withLevel("1.5"), range + QStringLiteral(", got 1.5."));
    row("level -0.1", withLevel("-0.1"), range + QStringLiteral(", got -0.1."));
    row("level 101%", withLevel("101%"), range + QStringLiteral(", got 1.01."));
    row("level nan", withLevel("nan"), range + QStringLiteral(", got nan."));
    row("level inf", withLevel("inf"), range + QStringLiteral(", got inf."));
    row("level -inf", withLevel("-inf"), range + QStringLiteral(", got -inf."));
    row("level 1e400", withLevel("1e400"), QStringLiteral("--level '1e400' is not a number"));
    row("level abc", withLevel("abc"), QStringLiteral("--level 'abc' is not a number"));
    row("level empty", withLevel(""), QStringLiteral("--level '' is not a number"));
    row("level %", withLevel("%"), QStringLiteral("--level '%' is not a number"));
    row("level 0,5", withLevel("0,5"), QStringLiteral("--level '0,5' is not a number"));
    row("level 0x1", withLevel("0x1"), QStringLiteral("--level '0x1' is not a number"));
    const QString shape = QStringLiteral("is not a block shape like 1x4 or 8x8");
    for (const char* bad : {"0x4", "4x0", "0x0", "4x", "x4", "-1x4", "4x-1", "1.5x2", "4", "4x4x4",
                            "axb", "", "4*4", "9999999999x1", "1x99999999999999999999"})
        row(qPrintable(QStringLiteral("block '%1'").arg(QLatin1String(bad))), withBlock(bad),
            QStringLiteral("--block '%1' ").arg(QLatin1String(bad)) + shape);
    row("block huge side", withBlock("1x4294967296"),
        QStringLiteral("--block '1x4294967296' ") + shape);
    const QString tooMany =
        QStringLiteral("Number of zeros per block cannot be more than the total "
                       "number of elements in that block.");
    row("zeros 5 of 4", with("--zeros-per-block", "5"),
        tooMany + QStringLiteral(" (zeros per block 5, block 2x2 holds 4)"));
    row("zeros int64 max", with("--zeros-per-block", "9223372036854775807"), tooMany);
    row("zeros -1", with("--zeros-per-block", "-1"),
        QStringLiteral("Number of zeros per block should be positive. (got -1)"));
    row("zeros int64 min", with("--zeros-per-block", "-9223372036854775808"),
        QStringLiteral("Number of zeros per block should be positive."));
    row("zeros overflow", with("--zeros-per-block", "99999999999999999999"),
        QStringLiteral("--zeros-per-block '99999999999999999999' is not an integer"));
    row("zeros 1.5", with("--zeros-per-block", "1.5"),
        QStringLiteral("--zeros-per-block '1.5' is not an integer"));
    row("zeros abc", with("--zeros-per-block", "abc"),
        QStringLiteral("--zeros-per-block 'abc' is not an integer"));
    row("zeros empty", with("--zeros-per-block", ""),
        QStringLiteral("--zeros-per-block '' is not an integer"));
    row("norm l3", with("--norm", "l3"), QStringLiteral("--norm 'l3' is not l1 or l2"));
    row("norm empty", with("--norm", ""), QStringLiteral("--norm '' is not l1 or l2"));
    row("norm linf", with("--norm", "linf"), QStringLiteral("--norm 'linf' is not l1 or l2"));
    row("norm 0", with("--norm", "0"), QStringLiteral("--norm '0' is not l1 or l2"));
    row("threads 0", with("--threads", "0"),
        QStringLiteral("--threads '0' is not a count from 1 to 1024"));
    row("threads -1", with("--threads", "-1"),
        QStringLiteral("--threads '-1' is not a count from 1 to 1024"));
    row("threads 1025", with("--threads", "1025"),
        QStringLiteral("--threads '1025' is not a count from 1 to 1024"));
    row("threads abc", with("--threads", "abc"),
        QStringLiteral("--threads 'abc' is not a count from 1 to 1024"));
    row("level twice", level + level + block, QStringLiteral("--level given more than once"));
    row("block twice", level + block + block, QStringLiteral("--block given more than once"));
    row("missing block", level, QStringLiteral("missing --block"));
    row("missing level", block, QStringLiteral("missing --level"));
    row("level without value", block + QStringList{QStringLiteral("--level")},
        QStringLiteral("Missing value after '--level'"));
    row("unknown option", level + block + QStringList{QStringLiteral("--sparsity")},
        QStringLiteral("Unknown option 'sparsity'"));
    row("second input", level + block + QStringList{QStringLiteral("other.h5")},
        QStringLiteral("expected one input file, got 2"));
}

void TestBadInput::cliRefusesBadParameters()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    const QTemporaryDir out;
    const QByteArray before = fileHash(m_good);
    const Run run = runCli(QStringList{QStringLiteral("mask"), m_good, QStringLiteral("-o"),
                                       out.filePath(QStringLiteral("m.h5"))} +
                           arguments);
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.startsWith(QStringLiteral("sparsity-cli: ") + message), qPrintable(run.err));
    VERIFY_CONTAINS(run.err, QStringLiteral("Run 'sparsity-cli mask --help' for usage."));
    QVERIFY(run.out.isEmpty());
    QCOMPARE(listing(out.path()), QStringList());
    QCOMPARE(fileHash(m_good), before);
}

void TestBadInput::cliAcceptsEdgeParameters_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<double>("level");
    QTest::addColumn<qlonglong>("rows");
    QTest::addColumn<qlonglong>("cols");
    QTest::addColumn<qlonglong>("zeros"); // -1: the whole block
    QTest::addColumn<int>("norm");
    const auto args = [](const char* level, const char* block, QStringList extra = {}) {
        return QStringList{QStringLiteral("--level"), QLatin1String(level),
                           QStringLiteral("--block"), QLatin1String(block)} +
               extra;
    };
    const int l2 = int(Norm::L2), l1 = int(Norm::L1);
    QTest::newRow("level -0") << args("-0", "2x2") << 0.0 << 2LL << 2LL << -1LL << l2;
    QTest::newRow("level 0%") << args("0%", "2x2") << 0.0 << 2LL << 2LL << -1LL << l2;
    QTest::newRow("level 100%") << args("100%", "2x2") << 1.0 << 2LL << 2LL << -1LL << l2;
    QTest::newRow("level denormal") << args("1e-320", "2x2") << 1e-320 << 2LL << 2LL << -1LL << l2;
    QTest::newRow("level spaces") << args(" 0.25 ", " 2 X 2 ") << 0.25 << 2LL << 2LL << -1LL << l2;
    QTest::newRow("block bigger than the matrix")
        << args("0.5", "999999999x999999999") << 0.5 << 999999999LL << 999999999LL << -1LL << l2;
    QTest::newRow("zeros 0") << args("0.5", "2x2",
                                     {QStringLiteral("--zeros-per-block"), QStringLiteral("0")})
                             << 0.5 << 2LL << 2LL << 0LL << l2;
    QTest::newRow("zeros = block")
        << args("0.5", "2x2", {QStringLiteral("--zeros-per-block"), QStringLiteral("4")}) << 0.5
        << 2LL << 2LL << 4LL << l2;
    QTest::newRow("norm L1 in capitals")
        << args("0.5", "2x2", {QStringLiteral("--norm"), QStringLiteral("L1")}) << 0.5 << 2LL << 2LL
        << -1LL << l1;
}

void TestBadInput::cliAcceptsEdgeParameters()
{
    QFETCH(QStringList, arguments);
    QFETCH(double, level);
    QFETCH(qlonglong, rows);
    QFETCH(qlonglong, cols);
    QFETCH(qlonglong, zeros);
    QFETCH(int, norm);
    const QTemporaryDir out;
    const QString output = out.filePath(QStringLiteral("m.h5"));
    const Run run = runCli(
        QStringList{QStringLiteral("mask"), m_good, QStringLiteral("-o"), output} + arguments);
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    SparsityParams p = test::makeParams(level, rows, cols);
    if (zeros >= 0)
        p.zerosPerBlock = zeros;
    p.norm = static_cast<Norm>(norm);
    const MaskResult expected =
        computeMask(Hdf5Reader::open(m_good)->readTensor(QStringLiteral("/w"), {}), p, {});
    QVERIFY(readMask(output, QStringLiteral("/w")) ==
            std::vector<std::uint8_t>(expected.mask.begin(), expected.mask.end()));
}

void TestBadInput::exportRefusesBadParameters_data()
{
    QTest::addColumn<SparsityParams>("p");
    QTest::addColumn<QString>("message");
    const double nan = std::numeric_limits<double>::quiet_NaN();
    QTest::newRow("level NaN") << test::makeParams(nan, 2, 2)
                               << QStringLiteral(
                                      "Sparsity level must be between 0 and 1, got nan.");
    QTest::newRow("level -0.1") << test::makeParams(-0.1, 2, 2)
                                << QStringLiteral("Sparsity level must be between 0 and 1");
    QTest::newRow("block 0x4") << test::makeParams(0.5, 0, 4)
                               << QStringLiteral("Block shape must be at least 1x1");
    QTest::newRow("block 2^31") << test::makeParams(0.5, std::int64_t{1} << 31, 1)
                                << QStringLiteral("Block shape must be at least 1x1 and at most");
    QTest::newRow("zeros 5 of 4") << test::makeParams(0.5, 2, 2, 5)
                                  << QStringLiteral("Number of zeros per block cannot be more");
    QTest::newRow("zeros -1") << test::makeParams(0.5, 2, 2, -1)
                              << QStringLiteral("Number of zeros per block should be positive.");
}

void TestBadInput::exportRefusesBadParameters()
{
    QFETCH(SparsityParams, p);
    QFETCH(QString, message);
    const QTemporaryDir out;
    ExportRequest request;
    request.inputPath = m_good;
    request.outputPath = out.filePath(QStringLiteral("m.h5"));
    request.layers.push_back({QStringLiteral("/w"), p, {}});
    const auto error = errorOf([&] { exportMasks(request, {}); });
    QVERIFY(error.has_value());
    QCOMPARE(int(error->code()), int(ErrorCode::InvalidParameter));
    QVERIFY2(error->message().startsWith(m_good + QStringLiteral(": dataset '/w': ") + message),
             qPrintable(error->message()));
    QCOMPARE(listing(out.path()), QStringList());
}

QTEST_GUILESS_MAIN(TestBadInput)
#include "tst_badinput.moc"
