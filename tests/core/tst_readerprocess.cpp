// The HDF5 reader process (core/readerchild): IsolatedHdf5Reader gives the in-process
// Hdf5Reader's answers (listings, descriptions, values bit for bit, errors word for word); the
// known crash files and the child's test faults (SPARSITY_READER_TEST_FAULT, compiled into
// test builds only) end in an Error naming the file and what happened, within the limits: a
// crash, a hang (the watchdog), an allocation without bound (the memory limit), replies that
// lie, slab messages that lie; the process cannot write files, is started again after it died,
// stops on cancel (also in the middle of a stream of slabs), and refuses to run by hand.
// Tensors stream through a window of two buffers (8 MiB each; SPARSITY_READER_TEST_WINDOW_BYTES
// makes them small, so that small datasets take many slabs with a partial last one).
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
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <hdf5.h>
#include <linux/landlock.h>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>

using namespace sparsity;
using namespace sparsity::core;
using sparsity::test::errorOf;
using sparsity::test::ScopedEnvironment;

namespace {

QString data(const QString& name)
{
    return QStringLiteral(SPARSITY_TEST_DATA_DIR "/") + name;
}

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

// The stored types and layouts a streamed read must give exactly as the in-process reader:
// every type HDF5 converts (float16 through the half path, integers, float64) in contiguous,
// chunked (chunk rows 3, which slabs of whole chunk rows fit, and 8, wider than a small
// window's slab: read through the chunk cache) and compressed chunked storage.
struct StreamCase
{
    const char* name;
    hid_t fileType;
};

constexpr int streamRows = 37; // odd: the last slab is partial for every window below
constexpr int streamCols = 11;

const std::vector<StreamCase>& streamTypes()
{
    static const std::vector<StreamCase> types = {
        {"float32", H5T_IEEE_F32LE}, {"float16", H5T_IEEE_F32LE}, {"float64be", H5T_IEEE_F64BE},
        {"int32", H5T_STD_I32LE},    {"int8", H5T_STD_I8LE},      {"uint16be", H5T_STD_U16BE}};
    return types;
}

QStringList streamLayouts()
{
    return {QStringLiteral("contiguous"), QStringLiteral("chunks3"), QStringLiteral("chunks8"),
            QStringLiteral("gzip8")};
}

// Writes /<type>/<layout> for every type and layout: 37 x 11 values i * 0.37 - 50 (rounded
// for the integer types), so that every value differs and float16 rounds some.
bool writeStreamCases(const QString& path)
{
    const hid_t file =
        H5Fcreate(QFile::encodeName(path).constData(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (file < 0)
        return false;
    bool ok = true;
    std::vector<double> values(streamRows * streamCols);
    for (std::size_t i = 0; i < values.size(); ++i)
        values[i] = std::round(double(i) * 0.37 - 50.0);
    std::vector<double> fractions(values.size());
    for (std::size_t i = 0; i < values.size(); ++i)
        fractions[i] = double(i) * 0.37 - 50.0;
    const hsize_t dims[2] = {streamRows, streamCols};
    for (const StreamCase& type : streamTypes()) {
        const hid_t group = H5Gcreate2(file, type.name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        hid_t fileType = H5Tcopy(type.fileType);
        if (QByteArray(type.name) == "float16") {
            // IEEE binary16, little-endian, as h5py writes numpy's float16.
            H5Tset_fields(fileType, 15, 10, 5, 0, 10);
            H5Tset_size(fileType, 2);
            H5Tset_ebias(fileType, 15);
            H5Tset_order(fileType, H5T_ORDER_LE);
        }
        const bool integer = H5Tget_class(fileType) == H5T_INTEGER;
        const bool isUnsigned = integer && H5Tget_sign(fileType) == H5T_SGN_NONE;
        std::vector<double> written = integer ? values : fractions;
        if (isUnsigned)
            for (double& value : written)
                value += 60.0;
        for (const QString& layout : streamLayouts()) {
            const hid_t space = H5Screate_simple(2, dims, nullptr);
            const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
            if (layout != QStringLiteral("contiguous")) {
                const hsize_t chunk[2] = {layout == QStringLiteral("chunks3") ? 3u : 8u, 4};
                H5Pset_chunk(dcpl, 2, chunk);
                if (layout == QStringLiteral("gzip8"))
                    H5Pset_deflate(dcpl, 4);
            }
            const hid_t dataset = H5Dcreate2(group, layout.toLatin1().constData(), fileType, space,
                                             H5P_DEFAULT, dcpl, H5P_DEFAULT);
            ok = ok && dataset >= 0 &&
                 H5Dwrite(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                          written.data()) >= 0;
            H5Dclose(dataset);
            H5Pclose(dcpl);
            H5Sclose(space);
        }
        H5Tclose(fileType);
        H5Gclose(group);
    }
    return H5Fclose(file) >= 0 && ok;
}

// A float32 matrix larger than one 8 MiB window buffer (1100 rows of 8000 bytes: a slab of
// 1048 rows, then 52), contiguous or in chunks of 100 x 500, written directly.
bool writeLargeMatrix(const QString& path, bool chunked)
{
    constexpr hsize_t rows = 1100, cols = 2000;
    std::vector<float> values(rows * cols);
    for (std::size_t i = 0; i < values.size(); ++i)
        values[i] = float(std::sin(double(i) * 0.001) + double(i % 7));
    const hid_t file =
        H5Fcreate(QFile::encodeName(path).constData(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    const hsize_t dims[2] = {rows, cols};
    const hid_t space = H5Screate_simple(2, dims, nullptr);
    const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (chunked) {
        const hsize_t chunk[2] = {100, 500};
        H5Pset_chunk(dcpl, 2, chunk);
    }
    const hid_t dataset =
        H5Dcreate2(file, "/w", H5T_IEEE_F32LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    const bool ok = dataset >= 0 && H5Dwrite(dataset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL,
                                             H5P_DEFAULT, values.data()) >= 0;
    H5Dclose(dataset);
    H5Pclose(dcpl);
    H5Sclose(space);
    return H5Fclose(file) >= 0 && ok;
}

// The reader processes this test runs now (children of any of its threads).
std::vector<pid_t> readerChildren()
{
    std::vector<pid_t> children;
    const QString reader = QFileInfo(IsolatedHdf5Reader::readerProgram()).canonicalFilePath();
    const QDir tasks(QStringLiteral("/proc/self/task"));
    for (const QString& task : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile file(tasks.filePath(task + QStringLiteral("/children")));
        if (!file.open(QIODevice::ReadOnly))
            continue;
        for (const QByteArray& pid : file.readAll().split(' ')) {
            if (pid.trimmed().isEmpty())
                continue;
            const QString exe =
                QFileInfo(QStringLiteral("/proc/%1/exe").arg(QString::fromLatin1(pid.trimmed())))
                    .canonicalFilePath();
            if (exe == reader)
                children.push_back(pid.trimmed().toInt());
        }
    }
    return children;
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
    QString m_file;       // /a 64x48 and /g/b 16x16, float32
    QString m_streamFile; // writeStreamCases()

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
        m_streamFile = m_dir.filePath(QStringLiteral("stream.h5"));
        QVERIFY(writeStreamCases(m_streamFile));
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

    void streamedInManySlabsAsInProcess_data()
    {
        QTest::addColumn<QByteArray>("window");
        // A row is 44 bytes of float or 88 of double. 32-byte buffers: a row does not fit, the
        // reader is given a larger window. 128 bytes: slabs of 2 rows (float) or 1 (double),
        // thinner than a band of chunks (read through the chunk cache). 400 bytes: 9 or 4 rows,
        // cut down to whole chunk rows (3, or 8 for float).
        QTest::newRow("32-byte buffers: a row does not fit") << QByteArray("32");
        QTest::newRow("128-byte buffers: slabs thinner than chunks") << QByteArray("128");
        QTest::newRow("400-byte buffers: slabs of whole chunk rows") << QByteArray("400");
    }

    void streamedInManySlabsAsInProcess()
    {
        QFETCH(QByteArray, window);
        const ScopedEnvironment set("SPARSITY_READER_TEST_WINDOW_BYTES", window);
        const auto inProcess = Hdf5Reader::open(m_streamFile);
        const auto isolated = IsolatedHdf5Reader::open(m_streamFile);
        for (const StreamCase& type : streamTypes()) {
            for (const QString& layout : streamLayouts()) {
                const QString path = QStringLiteral("/%1/%2").arg(QLatin1String(type.name), layout);
                const WeightTensor want = inProcess->readTensor(path, {});
                const WeightTensor got = isolated->readTensor(path, {});
                QVERIFY2(sameBits(got, want), qPrintable(path));
                // In many slabs, in order, the last one partial.
                int slabs = 0;
                std::uint64_t covered = 0;
                std::uint64_t lastRows = 0;
                std::uint64_t mostRows = 0;
                bool ordered = true;
                isolated->readSlabs(
                    isolated->describe(path), {},
                    [&](std::uint64_t firstRow, std::uint64_t rows,
                        std::span<const std::byte> bytes) {
                        ordered =
                            ordered && firstRow == covered &&
                            bytes.size() == rows * streamCols *
                                                (want.precision() == Precision::Float64 ? 8u : 4u);
                        covered += rows;
                        lastRows = rows;
                        mostRows = std::max(mostRows, rows);
                        ++slabs;
                    });
                QVERIFY2(ordered, qPrintable(path));
                QCOMPARE(covered, std::uint64_t{streamRows});
                QVERIFY2(slabs >= 5, qPrintable(QString::number(slabs)));
                // 32: through the window made for one row (of float, then of double: 2 rows of
                // float fit after that). Otherwise the last slab is partial (37 rows are no
                // multiple of 2, 3, 4, 8 or 9), when a slab holds more than one row.
                if (window == "32")
                    QVERIFY2(mostRows <= 2, qPrintable(path));
                QVERIFY2(mostRows == 1 || lastRows < mostRows, qPrintable(path));
            }
        }
        // A damaged chunk fails the read with the in-process reader's words, in the middle of
        // the stream; the process then reads the next dataset whole.
        const QString damaged = data(QStringLiteral("lzf_damaged.h5"));
        const auto damagedInProcess = Hdf5Reader::open(damaged);
        const auto damagedIsolated = IsolatedHdf5Reader::open(damaged);
        const auto want = errorOf([&] { damagedInProcess->readTensor(QStringLiteral("/w"), {}); });
        const auto got = errorOf([&] { damagedIsolated->readTensor(QStringLiteral("/w"), {}); });
        QVERIFY(want && got);
        QCOMPARE(got->message(), want->message());
        QVERIFY(sameBits(damagedIsolated->readTensor(QStringLiteral("/ok"), {}),
                         damagedInProcess->readTensor(QStringLiteral("/ok"), {})));
    }

    void largerThanOneWindowAsInProcess_data()
    {
        QTest::addColumn<bool>("chunked");
        QTest::addColumn<int>("slabs");
        // 1100 rows of 8000 bytes through 8 MiB buffers: 1048 + 52 rows, or in whole chunk
        // rows of 100: 1000 + 100.
        QTest::newRow("contiguous") << false << 2;
        QTest::newRow("chunked") << true << 2;
    }

    void largerThanOneWindowAsInProcess()
    {
        QFETCH(bool, chunked);
        QFETCH(int, slabs);
        const QString file = m_dir.filePath(QStringLiteral("large.h5"));
        QVERIFY(writeLargeMatrix(file, chunked));
        const auto inProcess = Hdf5Reader::open(file);
        const auto isolated = IsolatedHdf5Reader::open(file);
        QVERIFY(sameBits(isolated->readTensor(QStringLiteral("/w"), {}),
                         inProcess->readTensor(QStringLiteral("/w"), {})));
        std::vector<std::uint64_t> rows;
        isolated->readSlabs(isolated->describe(QStringLiteral("/w")), {},
                            [&](std::uint64_t, std::uint64_t count, std::span<const std::byte>) {
                                rows.push_back(count);
                            });
        QCOMPARE(int(rows.size()), slabs);
        QCOMPARE(rows.back(), chunked ? std::uint64_t{100} : std::uint64_t{52});
        QFile::remove(file);
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
        // Through 1000-byte buffers, 5 of /a's 192-byte rows at a time (13 slabs).
        QTest::newRow("Done before every row came") << QByteArray("done-early");
        QTest::newRow("a slab of rows beyond the dataset") << QByteArray("slab-beyond");
        QTest::newRow("a slab whose bytes are not its rows'") << QByteArray("slab-bytes");
        QTest::newRow("a slab out of order") << QByteArray("slab-order");
        QTest::newRow("a slab in a buffer that does not exist") << QByteArray("slab-buffer");
        QTest::newRow("a slab larger than its buffer") << QByteArray("slab-oversize");
    }

    void repliesThatLieAreRefused()
    {
        QFETCH(QByteArray, fault);
        const ScopedEnvironment window("SPARSITY_READER_TEST_WINDOW_BYTES", "1000");
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

    void cancelInTheMiddleOfTheSlabs()
    {
        std::unique_ptr<IsolatedHdf5Reader> reader;
        {
            // 13 slabs of /a, 200 ms each.
            const ScopedEnvironment window("SPARSITY_READER_TEST_WINDOW_BYTES", "1000");
            const ScopedEnvironment slow("SPARSITY_READER_TEST_FAULT", "slow");
            reader = IsolatedHdf5Reader::open(m_file);
        }
        const DatasetInfo info = reader->describe(QStringLiteral("/a"));
        std::atomic<bool> cancelled{false};
        ExecutionContext context;
        context.cancelled = &cancelled;
        int slabs = 0;
        QElapsedTimer clock;
        clock.start();
        const auto error = errorOf([&] {
            reader->readSlabs(info, context,
                              [&](std::uint64_t, std::uint64_t, std::span<const std::byte>) {
                                  if (++slabs == 2)
                                      cancelled.store(true);
                              });
        });
        QVERIFY(error);
        QCOMPARE(int(error->code()), int(ErrorCode::Cancelled));
        QCOMPARE(slabs, 2);
        // Stopped there, not after the 2.6 s the other 11 slabs take.
        QVERIFY2(clock.elapsed() < 2000, qPrintable(QString::number(clock.elapsed())));
        // The next read takes a new process (without the fault) and gets every value.
        const WeightTensor values = reader->readTensor(QStringLiteral("/a"), {});
        const std::vector<float> want = test::matrixValues(64, 48, 1);
        QVERIFY(std::equal(want.begin(), want.end(), values.values<float>().begin()));
    }

    void aSinkThatThrowsStopsTheRead()
    {
        std::unique_ptr<IsolatedHdf5Reader> reader;
        {
            const ScopedEnvironment window("SPARSITY_READER_TEST_WINDOW_BYTES", "1000");
            reader = IsolatedHdf5Reader::open(m_file);
        }
        const DatasetInfo info = reader->describe(QStringLiteral("/a"));
        int slabs = 0;
        const auto error = errorOf([&] {
            reader->readSlabs(info, {},
                              [&](std::uint64_t, std::uint64_t, std::span<const std::byte>) {
                                  if (++slabs == 3)
                                      throw Error(ErrorCode::Io, QStringLiteral("sink failed"));
                              });
        });
        QVERIFY(error);
        QCOMPARE(error->message(), QStringLiteral("sink failed"));
        QCOMPARE(slabs, 3);
        // The process, stopped in the middle of the stream, is not asked again: the next
        // requests get whole answers.
        QCOMPARE(reader->listTree().size(), std::size_t{3});
        const WeightTensor values = reader->readTensor(QStringLiteral("/a"), {});
        const std::vector<float> want = test::matrixValues(64, 48, 1);
        QVERIFY(std::equal(want.begin(), want.end(), values.values<float>().begin()));
    }

    void aSpareProcessWaitsForTheNextFile()
    {
        // Started in the background and idle: opening a file takes it (it goes on running as
        // that file's process) and starts the next spare.
        IsolatedHdf5Reader::startSpare();
        std::vector<pid_t> before;
        QElapsedTimer clock;
        clock.start();
        while ((before = readerChildren()).size() != 1 && clock.elapsed() < 10000)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        QCOMPARE(before.size(), std::size_t{1});
        {
            const auto reader = IsolatedHdf5Reader::open(m_file);
            QCOMPARE(reader->readTensor(QStringLiteral("/g/b"), {}).elementCount(), 256);
            std::vector<pid_t> during;
            clock.restart();
            while ((during = readerChildren()).size() != 2 && clock.elapsed() < 10000)
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            QCOMPARE(during.size(), std::size_t{2});
            QVERIFY(std::find(during.begin(), during.end(), before[0]) != during.end());
        }
        // The file's process ends with its reader; the new spare waits.
        const std::vector<pid_t> after = readerChildren();
        QCOMPARE(after.size(), std::size_t{1});
        QVERIFY(after[0] != before[0]);
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
