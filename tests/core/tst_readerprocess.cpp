// The HDF5 reader process (core/readerchild): IsolatedHdf5Reader gives the in-process
// Hdf5Reader's answers (listings, descriptions, values bit for bit, errors word for word); the
// known crash files and the child's test faults (SPARSITY_READER_TEST_FAULT, compiled into
// test builds only) end in an Error naming the file and what happened, within the limits: a
// crash, a hang (the watchdog), an allocation without bound (the memory limit), replies that
// lie and a mapping kept writable (the seal); the process cannot write files, is started again
// after it died, stops on cancel, and refuses to run by hand.
#include "common/checks.h"
#include "common/hdf5fixtures.h"
#include "error.h"
#include "hdf5/hdf5reader.h"
#include "io/tensorfile.h"
#include "readerchild/isolatedhdf5reader.h"
#include "readerchild/sanitizerbuild.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <linux/landlock.h>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>

using namespace sparsity;
using namespace sparsity::core;
using sparsity::test::errorOf;

namespace {

QString data(const QString& name)
{
    return QStringLiteral(SPARSITY_TEST_DATA_DIR "/") + name;
}

// Sets an environment variable for the reader processes started while it lives.
class ScopedEnvironment
{
public:
    ScopedEnvironment(const char* name, const QByteArray& value)
        : m_name(name)
        , m_wasSet(qEnvironmentVariableIsSet(name))
        , m_previous(qgetenv(name))
    {
        qputenv(name, value);
    }
    ~ScopedEnvironment()
    {
        if (m_wasSet)
            qputenv(m_name, m_previous);
        else
            qunsetenv(m_name);
    }
    ScopedEnvironment(const ScopedEnvironment&) = delete;
    ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;

private:
    const char* m_name;
    bool m_wasSet;
    QByteArray m_previous;
};

bool sameInfo(const DatasetInfo& a, const DatasetInfo& b)
{
    return a.path == b.path && a.kind == b.kind && a.shape == b.shape &&
           a.nullDataspace == b.nullDataspace && a.elementClass == b.elementClass &&
           a.typeName == b.typeName && a.elementSize == b.elementSize &&
           a.storageBytes == b.storageBytes && a.sparsifiable == b.sparsifiable &&
           a.reason == b.reason && a.linkTarget == b.linkTarget &&
           a.decodeProblem == b.decodeProblem;
}

bool sameBits(const WeightTensor& a, const WeightTensor& b)
{
    if (a.shape() != b.shape() || a.precision() != b.precision())
        return false;
    if (a.precision() == Precision::Float64)
        return std::memcmp(a.values<double>().data(), b.values<double>().data(),
                           a.values<double>().size_bytes()) == 0;
    return std::memcmp(a.values<float>().data(), b.values<float>().data(),
                       a.values<float>().size_bytes()) == 0;
}

bool landlockAvailable()
{
    return syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION) >= 1;
}

} // namespace

class TestReaderProcess final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_file; // /a 64x48 and /g/b 16x16, float32

    // Reads /a through a reader process started with SPARSITY_READER_TEST_FAULT=fault and
    // returns the Error; the elapsed time in `ms`.
    std::optional<Error> faultOnRead(const QByteArray& fault, qint64* ms = nullptr)
    {
        const ScopedEnvironment set("SPARSITY_READER_TEST_FAULT", fault);
        const auto reader = IsolatedHdf5Reader::open(m_file);
        QElapsedTimer clock;
        clock.start();
        auto error = errorOf([&] { reader->readTensor(QStringLiteral("/a"), {}); });
        if (ms != nullptr)
            *ms = clock.elapsed();
        return error;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        test::silenceHdf5Errors();
        m_file = m_dir.filePath(QStringLiteral("good.h5"));
        QVERIFY(test::writeMatrixFile(m_file, QStringLiteral("/a"), 64, 48, 1));
        QVERIFY(test::writeMatrixFile(m_file, QStringLiteral("/g/b"), 16, 16, 2, false));
        QVERIFY(QFile::exists(IsolatedHdf5Reader::readerProgram()));
    }

    void openTensorFileUsesTheReaderProcess()
    {
        const auto reader = openTensorFile(m_file);
        QVERIFY(dynamic_cast<IsolatedHdf5Reader*>(reader.get()) != nullptr);
    }

    void sameAnswersAsInProcess_data()
    {
        QTest::addColumn<QString>("file");
        for (const char* name : {"layers.h5", "compressed.h5", "model_scope.h5", "lzf_damaged.h5",
                                 "safetensors/dtypes_expected.h5", "safetensors/bf16.h5"})
            QTest::newRow(name) << data(QString::fromLatin1(name));
    }

    void sameAnswersAsInProcess()
    {
        QFETCH(QString, file);
        const auto inProcess = Hdf5Reader::open(file);
        const auto isolated = IsolatedHdf5Reader::open(file);
        QCOMPARE(isolated->path(), file);
        QCOMPARE(isolated->identity(), inProcess->identity());
        const std::vector<DatasetInfo> expected = inProcess->listTree();
        const std::vector<DatasetInfo> listed = isolated->listTree();
        QCOMPARE(listed.size(), expected.size());
        int read = 0;
        for (std::size_t i = 0; i < listed.size(); ++i) {
            QVERIFY2(sameInfo(listed[i], expected[i]), qPrintable(expected[i].path));
            const QString path = expected[i].path;
            const auto describedError = errorOf([&] { inProcess->describe(path); });
            const auto isolatedError = errorOf([&] { isolated->describe(path); });
            QCOMPARE(isolatedError.has_value(), describedError.has_value());
            if (describedError) {
                QCOMPARE(isolatedError->message(), describedError->message());
                QCOMPARE(int(isolatedError->code()), int(describedError->code()));
                continue;
            }
            QVERIFY(sameInfo(isolated->describe(path), inProcess->describe(path)));
            std::optional<WeightTensor> want;
            const auto readError = errorOf([&] { want = inProcess->readTensor(path, {}); });
            std::optional<WeightTensor> got;
            const auto gotError = errorOf([&] { got = isolated->readTensor(path, {}); });
            QCOMPARE(gotError.has_value(), readError.has_value());
            if (readError) {
                QCOMPARE(gotError->message(), readError->message());
                QCOMPARE(int(gotError->code()), int(readError->code()));
                continue;
            }
            QVERIFY2(sameBits(*got, *want), qPrintable(path));
            ++read;
        }
        QVERIFY(read > 0);
        // A path that is not there: the same words.
        const auto missing = errorOf([&] { isolated->describe(QStringLiteral("/no/such")); });
        const auto missingInProcess =
            errorOf([&] { inProcess->describe(QStringLiteral("/no/such")); });
        QVERIFY(missing && missingInProcess);
        QCOMPARE(missing->message(), missingInProcess->message());
    }

    void relativePathsAreNamedAsGiven()
    {
        // The process works in "/", but opens the file the user named from here.
        const QString previous = QDir::currentPath();
        QVERIFY(QDir::setCurrent(m_dir.path()));
        const auto reader = IsolatedHdf5Reader::open(QStringLiteral("good.h5"));
        QDir::setCurrent(previous);
        QCOMPARE(reader->listTree().size(), std::size_t{3});
        const auto error = errorOf([&] { reader->describe(QStringLiteral("/nothing")); });
        QVERIFY(error);
        QVERIFY2(error->message().startsWith(QStringLiteral("good.h5: ")),
                 qPrintable(error->message()));
        QCOMPARE(reader->readTensor(QStringLiteral("/g/b"), {}).elementCount(), 256);
    }

    void memoryLimitIsCheckedBeforeReading()
    {
        const auto reader = IsolatedHdf5Reader::open(m_file);
        const auto inProcess = Hdf5Reader::open(m_file);
        reader->setMemoryLimit(1000);
        inProcess->setMemoryLimit(1000);
        const auto error = errorOf([&] { reader->readTensor(QStringLiteral("/a"), {}); });
        const auto expected = errorOf([&] { inProcess->readTensor(QStringLiteral("/a"), {}); });
        QVERIFY(error && expected);
        QCOMPARE(int(error->code()), int(ErrorCode::OutOfMemory));
        QCOMPARE(error->message(), expected->message());
    }

    void knownCrashFilesEndInAnError_data()
    {
        QTest::addColumn<QString>("file");
        const QDir dir(QStringLiteral(SPARSITY_KNOWN_CRASHES_DIR));
        const QStringList names = dir.entryList({QStringLiteral("*.h5")}, QDir::Files);
        QVERIFY(names.size() >= 4);
        for (const QString& name : names)
            QTest::newRow(qPrintable(name)) << dir.filePath(name);
    }

    void knownCrashFilesEndInAnError()
    {
        QFETCH(QString, file);
        // What the CLI and the GUI do with a file: open, list, read every dataset that can be.
        std::vector<QString> messages;
        const auto error = errorOf([&] {
            const auto reader = IsolatedHdf5Reader::open(file);
            for (const DatasetInfo& info : reader->listTree()) {
                if (!info.canSparsifyWhenNamed())
                    continue;
                if (auto failed = errorOf([&] { reader->readTensor(info.path, {}); }))
                    messages.push_back(failed->message());
            }
        });
        if (error)
            messages.push_back(error->message());
        for (const QString& message : messages) {
            qInfo("%s", qPrintable(message));
            QVERIFY2(message.startsWith(file + QStringLiteral(": ")), qPrintable(message));
        }
        if (QFileInfo(file).fileName().startsWith(QStringLiteral("crash-"))) {
            // Each of them crashes HDF5 1.10 while the file is opened (its root's attributes are
            // read then, for the Keras markers) or listed (or says why not, on a newer HDF5).
            QVERIFY(error.has_value());
            if (error->message().contains(QStringLiteral("crashed"))) {
                QCOMPARE(int(error->code()), int(ErrorCode::InvalidInput));
                const QString& message = error->message();
                QVERIFY2(message.contains(QStringLiteral(
                             "while listing the file: the file is damaged or crafted")) ||
                             message.contains(QStringLiteral(
                                 "while opening the file: the file is damaged or crafted")),
                         qPrintable(message));
            }
        }
    }

    void crashIsReportedAndTheProcessStartedAgain()
    {
        std::unique_ptr<IsolatedHdf5Reader> reader;
        {
            const ScopedEnvironment set("SPARSITY_READER_TEST_FAULT", "crash");
            reader = IsolatedHdf5Reader::open(m_file);
        }
        const auto error = errorOf([&] { reader->readTensor(QStringLiteral("/a"), {}); });
        QVERIFY(error);
        QCOMPARE(int(error->code()), int(ErrorCode::InvalidInput));
        // Under the sanitizers the SIGSEGV may become an abort after the sanitizer's report.
        const QString expected = QStringLiteral("%1: the HDF5 library crashed (%2) while reading "
                                                "dataset '/a': the file is damaged or crafted");
        if (readerchild::sanitizerBuild &&
            error->message() == expected.arg(m_file, QStringLiteral("abort")))
            qInfo("the sanitizer reported the crash and aborted");
        else
            QCOMPARE(error->message(), expected.arg(m_file, QStringLiteral("segmentation fault")));
        // The next call starts a new process (without the fault) and reads.
        const WeightTensor values = reader->readTensor(QStringLiteral("/a"), {});
        const std::vector<float> want = test::matrixValues(64, 48, 1);
        QVERIFY(std::equal(want.begin(), want.end(), values.values<float>().begin()));
        QCOMPARE(reader->listTree().size(), std::size_t{3});
    }

    void hangIsStoppedByTheWatchdog()
    {
        const ScopedEnvironment set("SPARSITY_READER_TEST_FAULT", "hang");
        const auto reader = IsolatedHdf5Reader::open(m_file);
        // Shortened for the read only: under ThreadSanitizer starting the process takes longer.
        const ScopedEnvironment shortLimit("SPARSITY_READER_TEST_TIMEOUT_MS", "1000");
        QElapsedTimer clock;
        clock.start();
        const auto error = errorOf([&] { reader->readTensor(QStringLiteral("/a"), {}); });
        const qint64 ms = clock.elapsed();
        QVERIFY(error);
        QCOMPARE(int(error->code()), int(ErrorCode::InvalidInput));
        QCOMPARE(error->message(),
                 QStringLiteral("%1: the HDF5 library did not finish reading dataset '/a' within "
                                "1 s and was stopped: the file is damaged or crafted")
                     .arg(m_file));
        QVERIFY2(ms >= 900 && ms < 30000, qPrintable(QString::number(ms)));
    }

    void unboundedAllocationIsStoppedByTheMemoryLimit()
    {
        if (readerchild::sanitizerBuild)
            QSKIP("sanitizer builds run the reader without a memory limit (their shadow memory "
                  "needs terabytes of address space)");
        const auto error = faultOnRead("allocate");
        QVERIFY(error);
        QCOMPARE(int(error->code()), int(ErrorCode::InvalidInput));
        // 64x48 float32: 12 KiB of values, twice with the file's, plus 256 MiB of slack.
        QCOMPARE(error->message(),
                 QStringLiteral("%1: the HDF5 library needed more than its limit of 256 MiB "
                                "while reading dataset '/a' and was stopped: the file is damaged "
                                "or crafted")
                     .arg(m_file));
    }

    void repliesThatLieAreRefused_data()
    {
        QTest::addColumn<QByteArray>("fault");
        QTest::newRow("a listing with a 2^40 x 2^40 shape instead of Done") << QByteArray("lie");
        QTest::newRow("the values' mapping kept writable") << QByteArray("keepmapping");
    }

    void repliesThatLieAreRefused()
    {
        QFETCH(QByteArray, fault);
        const auto error = faultOnRead(fault);
        QVERIFY(error);
        QCOMPARE(error->message(),
                 QStringLiteral("%1: the HDF5 reader process sent an invalid reply while reading "
                                "dataset '/a' and was stopped: the file is damaged or crafted")
                     .arg(m_file));
    }

    void theProcessCannotWriteFiles()
    {
        const QString target = m_dir.filePath(QStringLiteral("written-by-reader"));
        const auto error = faultOnRead("write:" + QFile::encodeName(target));
        QVERIFY(error);
        qInfo("%s", qPrintable(error->message()));
        VERIFY_CONTAINS(error->message(), QStringLiteral("write test: open: "));
        // RLIMIT_FSIZE 0 stops every write; Landlock, where the kernel has it, even the open.
        QVERIFY(!error->message().endsWith(QStringLiteral("write: ok")));
        QVERIFY(!QFile::exists(target) || QFileInfo(target).size() == 0);
        if (landlockAvailable())
            QVERIFY2(!QFile::exists(target), "Landlock let the reader create a file");
    }

    void cancelStopsTheProcess()
    {
        const ScopedEnvironment set("SPARSITY_READER_TEST_FAULT", "hang");
        const auto reader = IsolatedHdf5Reader::open(m_file);
        std::atomic<bool> cancelled{false};
        std::thread canceller([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            cancelled.store(true);
        });
        QElapsedTimer clock;
        clock.start();
        const auto error = errorOf([&] {
            ExecutionContext context;
            context.cancelled = &cancelled;
            reader->readTensor(QStringLiteral("/a"), context);
        });
        canceller.join();
        QVERIFY(error);
        QCOMPARE(int(error->code()), int(ErrorCode::Cancelled));
        QVERIFY2(clock.elapsed() < 10000, qPrintable(QString::number(clock.elapsed())));
    }

    void readersOnTwoThreadsAtOnce()
    {
        // Each reader has its own process: two threads read at the same time.
        std::vector<float> results[2];
        std::thread threads[2];
        for (int i = 0; i < 2; ++i) {
            threads[i] = std::thread([&, i] {
                const auto reader = IsolatedHdf5Reader::open(m_file);
                for (int round = 0; round < 5; ++round) {
                    const WeightTensor t = reader->readTensor(QStringLiteral("/a"), {});
                    results[i].assign(t.values<float>().begin(), t.values<float>().end());
                }
            });
        }
        for (std::thread& thread : threads)
            thread.join();
        const std::vector<float> expected = test::matrixValues(64, 48, 1);
        QCOMPARE(results[0], expected);
        QCOMPARE(results[1], expected);
    }

    void fileChangedAfterOpening()
    {
        const QString file = m_dir.filePath(QStringLiteral("changing.h5"));
        QVERIFY(test::writeMatrixFile(file, QStringLiteral("/w"), 8, 8, 1));
        const auto reader = IsolatedHdf5Reader::open(file);
        // Replaced by a rename, as editors and h5py's users do (the reader's lock keeps HDF5
        // from rewriting it in place).
        const QString next = m_dir.filePath(QStringLiteral("next.h5"));
        QVERIFY(test::writeMatrixFile(next, QStringLiteral("/w"), 8, 16, 2));
        QCOMPARE(::rename(QFile::encodeName(next).constData(), QFile::encodeName(file).constData()),
                 0);
        const auto error = errorOf([&] { reader->readTensor(QStringLiteral("/w"), {}); });
        QVERIFY(error);
        QCOMPARE(error->message(), file + QStringLiteral(": cannot read dataset '/w': the file was "
                                                         "replaced after it was opened; open it "
                                                         "again"));
    }

    void missingProgramSaysWhere()
    {
        const ScopedEnvironment set("SPARSITY_HDF5_READER", "/nonexistent/sparsity-hdf5-reader");
        const auto error = errorOf([&] { IsolatedHdf5Reader::open(m_file); });
        QVERIFY(error);
        QCOMPARE(int(error->code()), int(ErrorCode::Io));
        QCOMPARE(
            error->message(),
            QStringLiteral("%1: cannot start the HDF5 reader /nonexistent/sparsity-hdf5-reader: "
                           "No such file or directory (it is installed next to sparsity-cli "
                           "and sparsity-explorer)")
                .arg(m_file));
    }

    void refusesToRunByHand()
    {
        QProcess process;
        // Descriptor 3, whatever this process left there, is not the parent's socket.
        process.setChildProcessModifier([] { ::close(3); });
        process.start(IsolatedHdf5Reader::readerProgram(), {QStringLiteral("--serve")});
        QVERIFY(process.waitForFinished(30000));
        QCOMPARE(process.exitCode(), 2);
        VERIFY_CONTAINS(QString::fromUtf8(process.readAllStandardError()),
                        QStringLiteral("it is not run by hand"));
    }
};

QTEST_GUILESS_MAIN(TestReaderProcess)
#include "tst_readerprocess.moc"
