// The pruned copy of an HDF5 file rewritten by a reader process in writer mode
// (readerchild/isolatedhdf5prunedcopy.h), so that libhdf5 never touches the user's file in the
// program: the same bytes as the rewrite in process, for every storage (contiguous, chunks,
// deflate with shuffle and fletcher32, float16, big-endian, integers) and any thread count; the
// writer's test faults (SPARSITY_READER_TEST_FAULT=rewrite-*: a crash, a hang, memory without
// bound) and a cancel end in an Error naming the file and the step, leaving nothing in the
// output directory; the writer may write its own file and, where the kernel has Landlock, no
// other.
#include "common/checks.h"
#include "common/hdf5fixtures.h"
#include "error.h"
#include "hdf5/hdf5reader.h"
#include "io/tensorfile.h"
#include "readerchild/isolatedhdf5reader.h"
#include "readerchild/readerprotocol.h"
#include "readerchild/sanitizerbuild.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QHash>
#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>
#include <atomic>
#include <cmath>
#include <hdf5.h>
#include <linux/landlock.h>
#include <optional>
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

bool landlockAvailable()
{
    return syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION) >= 1;
}

// One dataset of the storage fixture: its file type and how it is stored.
struct StorageCase
{
    const char* name;
    hid_t fileType;
    hsize_t chunkRows; // 0: contiguous
    bool shuffle;
    int deflate; // level, -1 for none
    bool fletcher32;
};

// 45 x 38 values (odd, so that edge chunks are partial) of every kind the rewrite meets: the
// chunk writer's pipelines (deflate, with shuffle and fletcher32 in HDF5's order) and HDF5's
// own (contiguous, plain chunks, fletcher32 alone), in several types.
bool writeStorageCases(const QString& path)
{
    static const StorageCase cases[] = {
        {"contiguous_f32", H5T_IEEE_F32LE, 0, false, -1, false},
        {"chunks_f64be", H5T_IEEE_F64BE, 7, false, -1, false},
        {"gzip_f32", H5T_IEEE_F32LE, 8, false, 6, false},
        {"shuffle_gzip_fletcher_f32", H5T_IEEE_F32LE, 5, true, 4, true},
        {"shuffle_gzip_i16", H5T_STD_I16LE, 9, true, 9, false},
        {"fletcher_f32", H5T_IEEE_F32LE, 6, false, -1, true},
        {"gzip_f16", H5T_IEEE_F32LE, 16, false, 1, false},
    };
    constexpr hsize_t rows = 45, cols = 38;
    std::vector<double> values(rows * cols);
    for (std::size_t i = 0; i < values.size(); ++i)
        values[i] = std::round((double(i % 97) - 48.0) * 1.7 * 8.0) / 8.0;
    const hid_t file =
        H5Fcreate(QFile::encodeName(path).constData(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (file < 0)
        return false;
    bool ok = true;
    const hsize_t dims[2] = {rows, cols};
    for (const StorageCase& storage : cases) {
        hid_t fileType = H5Tcopy(storage.fileType);
        if (QByteArray(storage.name).endsWith("f16")) {
            // IEEE binary16, little-endian, as h5py writes numpy's float16.
            H5Tset_fields(fileType, 15, 10, 5, 0, 10);
            H5Tset_size(fileType, 2);
            H5Tset_ebias(fileType, 15);
        }
        const hid_t space = H5Screate_simple(2, dims, nullptr);
        const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
        if (storage.chunkRows > 0) {
            const hsize_t chunk[2] = {storage.chunkRows, 10};
            H5Pset_chunk(dcpl, 2, chunk);
        }
        if (storage.shuffle)
            H5Pset_shuffle(dcpl);
        if (storage.deflate >= 0)
            H5Pset_deflate(dcpl, static_cast<unsigned>(storage.deflate));
        if (storage.fletcher32)
            H5Pset_fletcher32(dcpl);
        const hid_t dataset =
            H5Dcreate2(file, storage.name, fileType, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        ok =
            ok && dataset >= 0 &&
            H5Dwrite(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0;
        H5Dclose(dataset);
        H5Pclose(dcpl);
        H5Sclose(space);
        H5Tclose(fileType);
    }
    return H5Fclose(file) >= 0 && ok;
}

// Every dataset of `reader` a user could name for pruning.
std::vector<QString> prunableDatasets(const TensorReader& reader)
{
    std::vector<QString> paths;
    for (const DatasetInfo& info : reader.listTree())
        if (info.kind == NodeKind::Dataset && info.canSparsifyWhenNamed())
            paths.push_back(info.path);
    return paths;
}

// A mask that prunes about half of every dataset in a pattern of its own (the same for both
// writers, whose bytes are compared).
PrunedMaskSource patternMasks(const TensorReader& reader)
{
    return [&reader](const QString& path) {
        const DatasetInfo info = reader.describe(path);
        MaskBytes mask(static_cast<std::size_t>(info.elementCount()));
        const auto salt = static_cast<std::size_t>(qHash(path));
        for (std::size_t i = 0; i < mask.size(); ++i)
            mask[i] = static_cast<std::uint8_t>(((i * 2654435761u + salt) >> 9) & 1u);
        return mask;
    };
}

QByteArray contents(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

class TestWriterProcess final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_storage; // writeStorageCases()

    // The pruned copy of `input` written to `output` from `source`, the datasets and masks
    // from the in-process reader, on `threads` threads.
    static void writeCopy(const TensorReader& source, const QString& output, int threads,
                          const ExecutionContext& base = {})
    {
        const auto inProcess = Hdf5Reader::open(source.path());
        QThreadPool pool;
        pool.setMaxThreadCount(threads);
        ExecutionContext context = base;
        context.pool = &pool;
        context.maxThreads = threads;
        writePrunedWeights(source, output, true, prunableDatasets(*inProcess),
                           patternMasks(*inProcess), context);
    }

    // What the writer started with SPARSITY_READER_TEST_FAULT=`fault` ends in; checks that the
    // output directory stays empty.
    std::optional<Error> faultOnRewrite(const QByteArray& fault)
    {
        const QString dir = m_dir.filePath(QStringLiteral("fault-") + QString::fromLatin1(fault));
        QDir(dir).removeRecursively();
        QDir().mkpath(dir);
        const auto source = openTensorFile(m_storage);
        const ScopedEnvironment set("SPARSITY_READER_TEST_FAULT", fault);
        auto error = errorOf([&] { writeCopy(*source, dir + QStringLiteral("/out.h5"), 2); });
        if (!test::listing(dir).isEmpty())
            qWarning("left behind: %s", qPrintable(test::listing(dir).join(QLatin1Char(' '))));
        return test::listing(dir).isEmpty() ? error : std::nullopt;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        test::silenceHdf5Errors();
        m_storage = m_dir.filePath(QStringLiteral("storage.h5"));
        QVERIFY(writeStorageCases(m_storage));
        QVERIFY(QFile::exists(IsolatedHdf5Reader::readerProgram()));
    }

    void theWriterProcessWritesWhatTheProcessWouldHave_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QByteArray>("maskPieceBytes"); // empty: the program's 16 MiB
        QTest::newRow("storage kinds") << QString() << QByteArray();
        // Masks of 1710 elements, 214 bytes packed: pieces of 37 bytes (296 elements) and a
        // last one of 29 bytes, whose last byte holds 6 elements.
        QTest::newRow("storage kinds, masks in pieces") << QString() << QByteArray("37");
        QTest::newRow("layers.h5") << data(QStringLiteral("layers.h5")) << QByteArray();
        QTest::newRow("keras_model.h5") << data(QStringLiteral("keras_model.h5")) << QByteArray();
        QTest::newRow("model_scope.h5") << data(QStringLiteral("model_scope.h5")) << QByteArray();
    }

    void theWriterProcessWritesWhatTheProcessWouldHave()
    {
        QFETCH(QString, input);
        QFETCH(QByteArray, maskPieceBytes);
        if (input.isEmpty())
            input = m_storage;
        std::optional<ScopedEnvironment> pieces;
        if (!maskPieceBytes.isEmpty())
            pieces.emplace("SPARSITY_READER_TEST_MASK_PIECE_BYTES", maskPieceBytes);
        const auto isolated = openTensorFile(input);
        QVERIFY(dynamic_cast<const IsolatedHdf5Reader*>(isolated.get()) != nullptr);
        const auto inProcess = Hdf5Reader::open(input);
        QVERIFY(!prunableDatasets(*inProcess).empty());
        const QString viaWriter = m_dir.filePath(QStringLiteral("writer.h5"));
        const QString here = m_dir.filePath(QStringLiteral("here.h5"));
        writeCopy(*isolated, viaWriter, 2);
        writeCopy(*inProcess, here, 2);
        const QByteArray written = contents(viaWriter);
        QVERIFY(!written.isEmpty());
        QVERIFY2(written != contents(input), "nothing was pruned");
        QVERIFY(written == contents(here));
    }

    // Masks go packed: every length (a partial last byte included) and any nonzero byte as
    // keep, as the zeroing reads them.
    void maskBitsRoundTrip()
    {
        const std::uint8_t values[] = {0, 1, 0, 2, 255, 0, 128, 1, 0, 0, 64, 1, 0, 17, 0};
        for (std::uint64_t count = 0; count <= 200; ++count) {
            std::vector<std::uint8_t> mask(count);
            for (std::uint64_t i = 0; i < count; ++i)
                mask[i] = values[(i * 7 + count) % std::size(values)];
            std::vector<char> packed((count + 7) / 8, char(0x5a));
            readerchild::packMaskBits(mask.data(), count, packed.data());
            std::vector<std::uint8_t> unpacked(count, 9);
            readerchild::unpackMaskBits(packed.data(), count, unpacked.data());
            for (std::uint64_t i = 0; i < count; ++i)
                QVERIFY2(unpacked[i] == (mask[i] != 0 ? 1 : 0),
                         qPrintable(QStringLiteral("count %1, element %2").arg(count).arg(i)));
        }
    }

    void theBytesDependOnNoThreadCount()
    {
        const auto isolated = openTensorFile(m_storage);
        const QString one = m_dir.filePath(QStringLiteral("threads1.h5"));
        const QString three = m_dir.filePath(QStringLiteral("threads3.h5"));
        writeCopy(*isolated, one, 1);
        writeCopy(*isolated, three, 3);
        QVERIFY(!contents(one).isEmpty());
        QVERIFY(contents(one) == contents(three));
    }

    void crashIsReported()
    {
        const auto error = faultOnRewrite("rewrite-crash");
        QVERIFY(error);
        QCOMPARE(int(error->code()), int(ErrorCode::InvalidInput));
        // Under the sanitizers the SIGSEGV may become an abort after the sanitizer's report.
        const QString expected =
            QStringLiteral("%1: the HDF5 library crashed (%2) while checking the datasets of "
                           "the pruned copy: the file is damaged or crafted");
        if (readerchild::sanitizerBuild &&
            error->message() == expected.arg(m_storage, QStringLiteral("abort")))
            qInfo("the sanitizer reported the crash and aborted");
        else
            QCOMPARE(error->message(),
                     expected.arg(m_storage, QStringLiteral("segmentation fault")));
    }

    void hangIsStoppedByTheWatchdog()
    {
        const ScopedEnvironment shortLimit("SPARSITY_READER_TEST_TIMEOUT_MS", "1500");
        QElapsedTimer clock;
        clock.start();
        const auto error = faultOnRewrite("rewrite-hang");
        const qint64 ms = clock.elapsed();
        QVERIFY(error);
        QCOMPARE(error->message(),
                 QStringLiteral("%1: the HDF5 library did not finish checking the datasets of "
                                "the pruned copy within 1.5 s and was stopped: the file is "
                                "damaged or crafted")
                     .arg(m_storage));
        QVERIFY2(ms >= 1400 && ms < 60000, qPrintable(QString::number(ms)));
    }

    void unboundedAllocationIsStoppedByTheMemoryLimit()
    {
        if (readerchild::sanitizerBuild)
            QSKIP("sanitizer builds run the reader without a memory limit (their shadow memory "
                  "needs terabytes of address space)");
        const auto error = faultOnRewrite("rewrite-allocate");
        QVERIFY(error);
        QCOMPARE(int(error->code()), int(ErrorCode::InvalidInput));
        VERIFY_CONTAINS(error->message(),
                        m_storage + QStringLiteral(": the HDF5 library needed more than its "
                                                   "limit of "));
        VERIFY_CONTAINS(error->message(),
                        QStringLiteral(" MiB while checking the datasets of the pruned copy and "
                                       "was stopped: the file is damaged or crafted"));
    }

    void theWriterWritesNoOtherFile()
    {
        const QString target = m_dir.filePath(QStringLiteral("written-by-writer"));
        const auto error = faultOnRewrite("rewrite-write:" + QFile::encodeName(target));
        QVERIFY(error);
        qInfo("%s", qPrintable(error->message()));
        VERIFY_CONTAINS(error->message(), QStringLiteral("write test: open: "));
        if (!landlockAvailable())
            QSKIP("without Landlock (Linux 5.13+) the writer can write other files of the user, "
                  "up to its file size limit (docs/SPEC.md)");
        QVERIFY2(!QFile::exists(target), "Landlock let the writer create a file");
        VERIFY_CONTAINS(error->message(), QStringLiteral("open: Permission denied"));
    }

    void cancelStopsTheWriter()
    {
        const QString dir = m_dir.filePath(QStringLiteral("cancel"));
        QDir().mkpath(dir);
        const auto source = openTensorFile(m_storage);
        const ScopedEnvironment set("SPARSITY_READER_TEST_FAULT", "rewrite-hang");
        std::atomic<bool> cancelled{false};
        std::thread canceller([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            cancelled.store(true);
        });
        QElapsedTimer clock;
        clock.start();
        ExecutionContext context;
        context.cancelled = &cancelled;
        const auto error =
            errorOf([&] { writeCopy(*source, dir + QStringLiteral("/out.h5"), 2, context); });
        canceller.join();
        QVERIFY(error);
        QCOMPARE(int(error->code()), int(ErrorCode::Cancelled));
        QVERIFY2(clock.elapsed() < 20000, qPrintable(QString::number(clock.elapsed())));
        QCOMPARE(test::listing(dir), QStringList());
    }
};

QTEST_GUILESS_MAIN(TestWriterProcess)
#include "tst_writerprocess.moc"
