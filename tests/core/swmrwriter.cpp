// The HDF5 writer tst_swmr reads against: a separate process, as a training job writing its
// weights would be (HDF5 shares one open file between the handles of one process, so a reader
// in the writer's own process would not see what another program sees). HDF5 C API only.
//
//   swmrwriter MODE FILE
// Creates FILE in HDF5's latest format (superblock version 3, which SWMR needs) holding
//   /dense/kernel  float32 8x12, value (row * 12 + column) * 0.5
//   /log           float64 (rows x 4), chunked and unlimited, rows added by "append"
// flushes it, prints "ready" and then, by MODE:
//   hold         SWMR-write mode; waits for a line (or the end) on stdin, then closes the file
//   append       SWMR-write mode; adds a row to /log and flushes every 2 ms until stdin has a
//                line (or ends), then closes
//   crash        SWMR-write mode; ends at once without closing (as a killed writer does)
//   crash-plain  not SWMR (only the latest format); ends at once without closing
//   hold-plain   not SWMR; waits for stdin like hold
// Exits 0, or 1 with a message on stderr when HDF5 fails.
#include <cstdio>
#include <cstring>
#include <hdf5.h>
#include <poll.h>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

[[noreturn]] void fail(const char* what)
{
    std::fprintf(stderr, "swmrwriter: %s failed\n", what);
    std::fflush(stderr);
    _exit(1);
}

void check(herr_t status, const char* what)
{
    if (status < 0)
        fail(what);
}

hid_t checked(hid_t id, const char* what)
{
    if (id < 0)
        fail(what);
    return id;
}

// Whether stdin has a line or reached its end, without blocking.
bool stdinReady()
{
    pollfd in{STDIN_FILENO, POLLIN, 0};
    return ::poll(&in, 1, 0) > 0;
}

void appendRow(hid_t log, hsize_t& rows)
{
    const hsize_t newDims[2] = {rows + 1, 4};
    check(H5Dset_extent(log, newDims), "H5Dset_extent");
    const hid_t space = checked(H5Dget_space(log), "H5Dget_space");
    const hsize_t start[2] = {rows, 0};
    const hsize_t count[2] = {1, 4};
    check(H5Sselect_hyperslab(space, H5S_SELECT_SET, start, nullptr, count, nullptr),
          "H5Sselect_hyperslab");
    const hid_t memory = checked(H5Screate_simple(2, count, nullptr), "H5Screate_simple");
    const double row[4] = {double(rows), double(rows) + 0.25, double(rows) + 0.5,
                           double(rows) + 0.75};
    check(H5Dwrite(log, H5T_NATIVE_DOUBLE, memory, space, H5P_DEFAULT, row), "H5Dwrite");
    H5Sclose(memory);
    H5Sclose(space);
    check(H5Dflush(log), "H5Dflush");
    ++rows;
}

} // namespace

int main(int argc, char* argv[])
{
    if (argc != 3) {
        std::fprintf(stderr, "usage: swmrwriter hold|append|crash|crash-plain|hold-plain FILE\n");
        return 2;
    }
    const std::string mode = argv[1];
    const bool swmr = mode == "hold" || mode == "append" || mode == "crash";
    if (!swmr && mode != "crash-plain" && mode != "hold-plain") {
        std::fprintf(stderr, "swmrwriter: unknown mode %s\n", argv[1]);
        return 2;
    }

    const hid_t fapl = checked(H5Pcreate(H5P_FILE_ACCESS), "H5Pcreate");
    check(H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST), "H5Pset_libver_bounds");
    const hid_t file = checked(H5Fcreate(argv[2], H5F_ACC_TRUNC, H5P_DEFAULT, fapl), "H5Fcreate");

    const hid_t group =
        checked(H5Gcreate2(file, "dense", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "H5Gcreate2");
    const hsize_t kernelDims[2] = {8, 12};
    std::vector<float> kernel(8 * 12);
    for (std::size_t i = 0; i < kernel.size(); ++i)
        kernel[i] = float(i) * 0.5f;
    const hid_t kernelSpace = checked(H5Screate_simple(2, kernelDims, nullptr), "H5Screate");
    const hid_t kernelSet = checked(H5Dcreate2(group, "kernel", H5T_IEEE_F32LE, kernelSpace,
                                               H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                                    "H5Dcreate2 kernel");
    check(H5Dwrite(kernelSet, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, kernel.data()),
          "H5Dwrite kernel");

    const hsize_t logDims[2] = {0, 4};
    const hsize_t logMax[2] = {H5S_UNLIMITED, 4};
    const hsize_t logChunk[2] = {16, 4};
    const hid_t logSpace = checked(H5Screate_simple(2, logDims, logMax), "H5Screate log");
    const hid_t logCreate = checked(H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate dcpl");
    check(H5Pset_chunk(logCreate, 2, logChunk), "H5Pset_chunk");
    const hid_t log = checked(
        H5Dcreate2(file, "log", H5T_IEEE_F64LE, logSpace, H5P_DEFAULT, logCreate, H5P_DEFAULT),
        "H5Dcreate2 log");
    hsize_t rows = 0;
    appendRow(log, rows);

    if (swmr)
        check(H5Fstart_swmr_write(file), "H5Fstart_swmr_write");
    check(H5Fflush(file, H5F_SCOPE_GLOBAL), "H5Fflush");
    std::printf("ready\n");
    std::fflush(stdout);

    if (mode == "crash" || mode == "crash-plain")
        _exit(0); // no H5Fclose: the superblock keeps its "open for writing" flags

    if (mode == "append") {
        while (!stdinReady()) {
            appendRow(log, rows);
            ::usleep(2000);
        }
    } else {
        char line[64];
        (void)!std::fgets(line, sizeof line, stdin);
    }
    H5Dclose(log);
    H5Pclose(logCreate);
    H5Sclose(logSpace);
    H5Dclose(kernelSet);
    H5Sclose(kernelSpace);
    H5Gclose(group);
    check(H5Fclose(file), "H5Fclose");
    H5Pclose(fapl);
    return 0;
}
