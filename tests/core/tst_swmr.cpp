// HDF5 files that a writer holds open, or left marked open (docs/SPEC.md "Files read"): a file
// held by an HDF5 SWMR writer is read in SWMR-read mode, also while the writer appends to it;
// one left marked by a SWMR writer that died is read the same way; one marked by a writer
// without SWMR, alive or dead, is refused with a message naming the file, the writer and
// `h5clear -s FILE`. The writer is tests/core/swmrwriter.cpp in a process of its own, as a
// training job would be; each case is checked in the core reader and in sparsity-cli.
#include "common/checks.h"
#include "error.h"
#include "hdf5/hdf5reader.h"

#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <memory>

using namespace sparsity;
using namespace sparsity::core;
using sparsity::test::errorOf;
using sparsity::test::runProgram;

namespace {

const QString cliPath = QStringLiteral(SPARSITY_CLI_PATH);
const QString writerPath = QStringLiteral(SPARSITY_SWMR_WRITER_PATH);

// The superblock's file consistency flags (byte 11 of a version 3 superblock at offset 0).
int consistencyFlags(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray head = file.read(12);
    return head.size() == 12 && head.at(8) == 3 ? static_cast<unsigned char>(head.at(11)) : -1;
}

// The writer process: started with a mode, ready once it printed "ready"; released (it closes
// the file and exits) by a line on its stdin, or at the end of the test.
class Writer
{
public:
    Writer(const QString& mode, const QString& file)
    {
        m_process.start(writerPath, {mode, file});
        m_ready = m_process.waitForReadyRead(30000) &&
                  m_process.readLine().trimmed() == QByteArrayLiteral("ready");
        if (!m_ready)
            m_error = QString::fromUtf8(m_process.readAllStandardError());
    }
    ~Writer()
    {
        if (m_process.state() != QProcess::NotRunning && !release()) {
            m_process.kill();
            m_process.waitForFinished();
        }
    }
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;

    bool ready() const { return m_ready; }
    QString error() const { return m_error; }
    // For a writer that ends by itself (crash modes): true once it exited 0.
    bool finished()
    {
        return m_process.waitForFinished(30000) && m_process.exitStatus() == QProcess::NormalExit &&
               m_process.exitCode() == 0;
    }
    // Lets a holding writer close its file; true when it then exited 0.
    bool release()
    {
        m_process.write("close\n");
        m_process.closeWriteChannel();
        return finished();
    }

private:
    QProcess m_process;
    bool m_ready = false;
    QString m_error;
};

std::vector<float> kernelValues(const Hdf5Reader& reader)
{
    const WeightTensor tensor = reader.readTensor(QStringLiteral("/dense/kernel"), {});
    const auto values = tensor.values<float>();
    return {values.begin(), values.end()};
}

std::vector<float> expectedKernel()
{
    std::vector<float> values(8 * 12);
    for (std::size_t i = 0; i < values.size(); ++i)
        values[i] = float(i) * 0.5f;
    return values;
}

QStringList datasetPaths(const std::vector<DatasetInfo>& listing)
{
    QStringList paths;
    for (const DatasetInfo& info : listing)
        paths << info.path;
    return paths;
}

} // namespace

class TestSwmr : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        QVERIFY(m_dir.isValid());
        m_file = m_dir.filePath(QString::fromLatin1(QTest::currentTestFunction()) +
                                QStringLiteral(".h5"));
    }

    // A live SWMR writer marks the file 0x05 (open for writing, in SWMR mode) and holds no
    // lock: the plain open fails with HDF5's "file is already open for write", the SWMR-read
    // open reads the values the writer flushed.
    void liveSwmrWriterIsReadInSwmrMode()
    {
        Writer writer(QStringLiteral("hold"), m_file);
        QVERIFY2(writer.ready(), qPrintable(writer.error()));
        QCOMPARE(consistencyFlags(m_file), 0x05);
        {
            const auto reader = Hdf5Reader::open(m_file);
            const QStringList paths = datasetPaths(reader->listTree());
            QVERIFY(paths.contains(QStringLiteral("/dense/kernel")));
            QVERIFY(paths.contains(QStringLiteral("/log")));
            QCOMPARE(kernelValues(*reader), expectedKernel());
        }
        const auto list = runProgram(cliPath, {QStringLiteral("list"), m_file});
        QVERIFY2(list.exitCode == 0, qPrintable(list.err));
        VERIFY_CONTAINS(list.out, QStringLiteral("/dense/kernel"));
        const QString masks = m_dir.filePath(QStringLiteral("live-masks.h5"));
        const auto mask =
            runProgram(cliPath, {QStringLiteral("mask"), m_file, QStringLiteral("-o"), masks,
                                 QStringLiteral("--dataset"), QStringLiteral("/dense/kernel"),
                                 QStringLiteral("--level"), QStringLiteral("0.5"),
                                 QStringLiteral("--block"), QStringLiteral("1x4")});
        QVERIFY2(mask.exitCode == 0, qPrintable(mask.err));
        // 24 blocks of 1x4, the 12 smallest (the first 12: values grow) pruned.
        const WeightTensor written =
            Hdf5Reader::open(masks)->readTensor(QStringLiteral("/dense/kernel"), {});
        const auto kept = written.values<float>();
        for (std::size_t i = 0; i < kept.size(); ++i)
            QCOMPARE(kept[i], i < 48 ? 0.0f : 1.0f);
        // Reading never got in the writer's way: it still closes its file cleanly.
        QVERIFY(writer.release());
        QCOMPARE(consistencyFlags(m_file), 0x00);
    }

    // A SWMR writer that keeps appending changes the file's size and time under the reader;
    // HDF5's SWMR reading keeps each read consistent, so that is no reason to stop reading.
    void appendingSwmrWriterDoesNotStopReads()
    {
        Writer writer(QStringLiteral("append"), m_file);
        QVERIFY2(writer.ready(), qPrintable(writer.error()));
        const auto reader = Hdf5Reader::open(m_file);
        const qint64 sizeAtOpen = QFileInfo(m_file).size();
        bool grew = false;
        for (int i = 0; i < 400 && !grew; ++i) {
            QCOMPARE(kernelValues(*reader), expectedKernel());
            // Every row of /log the reader sees is whole: r, r + 0.25, r + 0.5, r + 0.75.
            const WeightTensor log = reader->readTensor(QStringLiteral("/log"), {});
            const auto rows = log.values<double>();
            QVERIFY(rows.size() >= 4 && rows.size() % 4 == 0);
            for (std::size_t r = 0; r < rows.size() / 4; ++r)
                for (std::size_t c = 0; c < 4; ++c)
                    QCOMPARE(rows[r * 4 + c], double(r) + 0.25 * double(c));
            QTest::qWait(5);
            grew = QFileInfo(m_file).size() != sizeAtOpen;
        }
        QVERIFY2(grew, "the writer never grew the file: the case was not exercised");
        QCOMPARE(kernelValues(*reader), expectedKernel());
        const auto list = runProgram(cliPath, {QStringLiteral("list"), m_file});
        QVERIFY2(list.exitCode == 0, qPrintable(list.err));
        QVERIFY(writer.release());
    }

    // A SWMR writer killed before closing leaves 0x05 set. HDF5 cannot tell it from a live
    // one, and SWMR reading is safe either way: the flushed data is read.
    void crashedSwmrWriterIsReadInSwmrMode()
    {
        Writer writer(QStringLiteral("crash"), m_file);
        QVERIFY2(writer.ready(), qPrintable(writer.error()));
        QVERIFY(writer.finished());
        QCOMPARE(consistencyFlags(m_file), 0x05);
        QCOMPARE(kernelValues(*Hdf5Reader::open(m_file)), expectedKernel());
        const auto list = runProgram(cliPath, {QStringLiteral("list"), m_file});
        QVERIFY2(list.exitCode == 0, qPrintable(list.err));
        VERIFY_CONTAINS(list.out, QStringLiteral("/dense/kernel"));
    }

    // A writer without SWMR that died leaves 0x01: HDF5 refuses every read-only open until
    // h5clear clears it. The message says so instead of "truncated/damaged".
    void crashedPlainWriterIsRefusedWithH5clear()
    {
        Writer writer(QStringLiteral("crash-plain"), m_file);
        QVERIFY2(writer.ready(), qPrintable(writer.error()));
        QVERIFY(writer.finished());
        QCOMPARE(consistencyFlags(m_file), 0x01);
        const auto error = errorOf([&] { Hdf5Reader::open(m_file); });
        VERIFY_ERROR(error, ErrorCode::Io, m_file + QStringLiteral(": cannot open"));
        VERIFY_CONTAINS(error->message(), QStringLiteral("was not closed"));
        VERIFY_CONTAINS(error->message(), QStringLiteral("did not use SWMR"));
        VERIFY_CONTAINS(error->message(), QStringLiteral("'h5clear -s %1'").arg(m_file));
        QVERIFY(!error->message().contains(QStringLiteral("damaged")));
        const auto list = runProgram(cliPath, {QStringLiteral("list"), m_file});
        QCOMPARE(list.exitCode, 1);
        VERIFY_CONTAINS(list.err, QStringLiteral("'h5clear -s %1'").arg(m_file));
    }

    // A live writer without SWMR: the same refusal, whether HDF5 met its lock or its flags.
    void livePlainWriterIsRefused()
    {
        Writer writer(QStringLiteral("hold-plain"), m_file);
        QVERIFY2(writer.ready(), qPrintable(writer.error()));
        QCOMPARE(consistencyFlags(m_file), 0x01);
        const auto error = errorOf([&] { Hdf5Reader::open(m_file); });
        VERIFY_ERROR(error, ErrorCode::Io, QStringLiteral("it is open in an HDF5 writer"));
        VERIFY_CONTAINS(error->message(), QStringLiteral("'h5clear -s %1'").arg(m_file));
        const auto mask = runProgram(cliPath, {QStringLiteral("mask"), m_file, QStringLiteral("-o"),
                                               m_dir.filePath(QStringLiteral("never.h5")),
                                               QStringLiteral("--level"), QStringLiteral("0.5"),
                                               QStringLiteral("--block"), QStringLiteral("1x4")});
        QCOMPARE(mask.exitCode, 1);
        VERIFY_CONTAINS(mask.err, QStringLiteral("it is open in an HDF5 writer"));
        QVERIFY(!QFileInfo::exists(m_dir.filePath(QStringLiteral("never.h5"))));
        QVERIFY(writer.release());
        // Closed, the same file reads as any other.
        QCOMPARE(kernelValues(*Hdf5Reader::open(m_file)), expectedKernel());
    }

    // Marked as held by a SWMR writer, but SWMR reading fails too (here: the flags were set by
    // hand, so the superblock's checksum no longer matches): refused, naming SWMR and h5clear.
    void swmrMarkedFileThatSwmrCannotReadIsRefused()
    {
        {
            Writer writer(QStringLiteral("hold"), m_file);
            QVERIFY2(writer.ready(), qPrintable(writer.error()));
            QVERIFY(writer.release());
        }
        QCOMPARE(kernelValues(*Hdf5Reader::open(m_file)), expectedKernel());
        QFile file(m_file);
        QVERIFY(file.open(QIODevice::ReadWrite));
        QVERIFY(file.seek(11));
        QVERIFY(file.putChar(char(0x05)));
        file.close();
        const auto error = errorOf([&] { Hdf5Reader::open(m_file); });
        VERIFY_ERROR(error, ErrorCode::Io,
                     QStringLiteral("it is open in an HDF5 SWMR writer, or was not closed by one"));
        VERIFY_CONTAINS(error->message(), QStringLiteral("reading it in SWMR mode failed"));
        VERIFY_CONTAINS(error->message(), QStringLiteral("'h5clear -s %1'").arg(m_file));
    }

private:
    QTemporaryDir m_dir;
    QString m_file;
};

QTEST_GUILESS_MAIN(TestSwmr)
#include "tst_swmr.moc"
