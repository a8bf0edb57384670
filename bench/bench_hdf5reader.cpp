// What reading HDF5 files in the reader process costs (core/readerchild): a 4096 x 11008
// float32 layer (an LLM's MLP projection) written with the HDF5 C library, opened and read,
// then its first mask (1x4 at 50 %, 2 threads), in this process (Hdf5Reader, as before the
// reader process) and through the reader process (IsolatedHdf5Reader, what openTensorFile
// gives now), and `sparsity-cli mask` end to end with SPARSITY_HDF5_IN_PROCESS=1 and without.
// The variants alternate run by run, so that the machine's noise falls on both; medians are
// printed. Run: build/bench/bench_hdf5reader [runs] (bench/README.md).
#include "common/paramsbuilder.h"
#include "hdf5/hdf5reader.h"
#include "io/tensorfile.h"
#include "mask/sparsifier.h"
#include "readerchild/isolatedhdf5reader.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTextStream>
#include <QThread>
#include <QThreadPool>
#include <algorithm>
#include <cstdio>
#include <functional>
#include <hdf5.h>
#include <random>
#include <vector>

using namespace sparsity::core;

namespace {

constexpr hsize_t rows = 4096;
constexpr hsize_t cols = 11008;

void writeLayer(const QString& path, bool chunked)
{
    std::vector<float> values(rows * cols);
    std::mt19937 random(12345);
    std::normal_distribution<float> normal(0.0f, 0.02f);
    for (float& value : values)
        value = normal(random);
    const hid_t file =
        H5Fcreate(path.toUtf8().constData(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    const hsize_t dims[2] = {rows, cols};
    const hid_t space = H5Screate_simple(2, dims, nullptr);
    const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (chunked) {
        // h5py's choice for such a layer with compression="gzip" would be similar; plain chunks
        // here, so that the time is HDF5's copy, not zlib's.
        const hsize_t chunk[2] = {64, 1376};
        H5Pset_chunk(dcpl, 2, chunk);
    }
    const hid_t dataset =
        H5Dcreate2(file, "/w", H5T_IEEE_F32LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Dwrite(dataset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
    H5Dclose(dataset);
    H5Pclose(dcpl);
    H5Sclose(space);
    H5Fclose(file);
}

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// Longer than the reader's delay before it starts a replacement spare, plus its start.
constexpr unsigned long spareSettleMs = 1500;

struct Timing
{
    std::vector<double> read;   // open + readTensor, ms
    std::vector<double> masked; // open + readTensor + first mask, ms
    std::vector<double> reread; // readTensor again on the open file, ms
};

QString loadAverage()
{
    QFile file(QStringLiteral("/proc/loadavg"));
    if (!file.open(QIODevice::ReadOnly))
        return QStringLiteral("?");
    return QString::fromLatin1(file.readAll()).section(QLatin1Char(' '), 0, 2);
}

template <typename Open>
void timeOnce(const QString& path, Open open, QThreadPool& pool, Timing& timing)
{
    QElapsedTimer timer;
    timer.start();
    const auto reader = open(path);
    const WeightTensor weights = reader->readTensor(QStringLiteral("/w"), {});
    timing.read.push_back(double(timer.nsecsElapsed()) / 1e6);
    const MaskResult result =
        computeMask(weights, sparsity::test::makeParams(0.5, 1, 4, 4), {&pool, 2});
    timing.masked.push_back(double(timer.nsecsElapsed()) / 1e6);
    if (result.mask.empty())
        std::abort();
    timer.restart();
    const WeightTensor again = reader->readTensor(QStringLiteral("/w"), {});
    timing.reread.push_back(double(timer.nsecsElapsed()) / 1e6);
    if (again.elementCount() != weights.elementCount())
        std::abort();
}

double timeCli(const QString& input, const QString& output, bool inProcess)
{
    QProcess cli;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    if (inProcess)
        environment.insert(QStringLiteral("SPARSITY_HDF5_IN_PROCESS"), QStringLiteral("1"));
    cli.setProcessEnvironment(environment);
    QElapsedTimer timer;
    timer.start();
    cli.start(QStringLiteral(SPARSITY_CLI_PATH),
              {QStringLiteral("mask"), input, QStringLiteral("--level"), QStringLiteral("0.5"),
               QStringLiteral("--block"), QStringLiteral("1x4"), QStringLiteral("--threads"),
               QStringLiteral("2"), QStringLiteral("-o"), output, QStringLiteral("--force")});
    cli.waitForFinished(-1);
    const double ms = double(timer.nsecsElapsed()) / 1e6;
    if (cli.exitCode() != 0) {
        std::fprintf(stderr, "sparsity-cli failed: %s\n", cli.readAllStandardError().constData());
        std::exit(1);
    }
    return ms;
}

} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 7;
    if (qEnvironmentVariableIsEmpty("SPARSITY_HDF5_READER"))
        qputenv("SPARSITY_HDF5_READER", SPARSITY_HDF5_READER_PATH);
    // As the GUI does at start: a spare reader process waits for each file opened; the CLI
    // (the end-to-end row) starts its one process when it opens the file.
    prepareToOpenTensorFiles();
    QTemporaryDir dir;
    QThreadPool pool;
    pool.setMaxThreadCount(2);
    QTextStream out(stdout);
    out << "4096 x 11008 float32 (172 MiB), medians of " << runs << " runs, ms; load "
        << loadAverage() << "\n";
    out << "layout      step                          in process   reader process   change\n";
    for (const bool chunked : {false, true}) {
        const QString path =
            dir.filePath(chunked ? QStringLiteral("chunked.h5") : QStringLiteral("contiguous.h5"));
        writeLayer(path, chunked);
        Timing before, after;
        const auto inProcess = [](const QString& p) { return Hdf5Reader::open(p); };
        const auto isolated = [](const QString& p) { return IsolatedHdf5Reader::open(p); };
        timeOnce(path, inProcess, pool, before); // warm the page cache, not counted
        before = {};
        std::vector<double> cliBefore, cliAfter;
        for (int run = 0; run < runs; ++run) {
            // Files are opened seconds apart in the GUI: the spare process that replaces the
            // one an open took is started a second later, so that it does not take a core
            // from the read that follows the open. Both variants wait alike.
            QThread::msleep(spareSettleMs);
            timeOnce(path, inProcess, pool, before);
            QThread::msleep(spareSettleMs);
            timeOnce(path, isolated, pool, after);
            if (!chunked) {
                cliBefore.push_back(timeCli(path, dir.filePath(QStringLiteral("m.h5")), true));
                cliAfter.push_back(timeCli(path, dir.filePath(QStringLiteral("m.h5")), false));
            }
        }
        const auto row = [&](const char* step, const std::vector<double>& a,
                             const std::vector<double>& b) {
            const double ma = median(a), mb = median(b);
            out << QStringLiteral("%1  %2  %3  %4  %5%\n")
                       .arg(QLatin1String(chunked ? "chunked" : "contiguous"), -10)
                       .arg(QLatin1String(step), -28)
                       .arg(ma, 11, 'f', 1)
                       .arg(mb, 15, 'f', 1)
                       .arg((mb / ma - 1) * 100, 7, 'f', 1);
        };
        row("open + read", before.read, after.read);
        row("open + read + first mask", before.masked, after.masked);
        row("read again, file open", before.reread, after.reread);
        if (!chunked)
            row("sparsity-cli mask, end to end", cliBefore, cliAfter);
        out.flush();
    }
    out << "load " << loadAverage() << "\n";
    return 0;
}
