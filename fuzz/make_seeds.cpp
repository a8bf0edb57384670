// Writes the seed corpus of fuzz_hdf5: small HDF5 files (a few KB each) that between them use
// what the reader must handle: float16/32/64 and integers of both byte orders, contiguous,
// compact and chunked layouts with deflate, shuffle and fletcher32, every chunk index of the
// latest format, groups, soft, external and hard links (a cycle too), strings, compound, enum,
// scalar, empty and null datasets, a user block and datasets never written (fill value only).
// Usage: fuzz_make_seeds OUTPUT_DIR   (fuzz/make_seeds.sh runs it and copies the results)
#include <cstdio>
#include <cstdlib>
#include <hdf5.h>
#include <string>
#include <vector>

namespace {

[[noreturn]] void fail(const std::string& what)
{
    std::fprintf(stderr, "fuzz_make_seeds: %s failed\n", what.c_str());
    std::exit(1);
}

hid_t checkId(hid_t id, const std::string& what)
{
    if (id < 0)
        fail(what);
    return id;
}

void checkStatus(herr_t status, const char* what)
{
    if (status < 0)
        fail(what);
}

// A file access list for the oldest (default) or the latest file format.
hid_t accessList(bool latest)
{
    const hid_t fapl = checkId(H5Pcreate(H5P_FILE_ACCESS), "H5Pcreate");
    if (latest)
        checkStatus(H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST), "libver");
    return fapl;
}

hid_t createFile(const std::string& path, bool latest = false, hsize_t userBlock = 0)
{
    const hid_t fcpl = checkId(H5Pcreate(H5P_FILE_CREATE), "H5Pcreate");
    if (userBlock > 0)
        checkStatus(H5Pset_userblock(fcpl, userBlock), "userblock");
    const hid_t fapl = accessList(latest);
    const hid_t file = checkId(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl, fapl), path);
    H5Pclose(fapl);
    H5Pclose(fcpl);
    return file;
}

// Creates a dataset (intermediate groups too) and writes data when given.
void dataset(hid_t file, const char* path, hid_t fileType, const std::vector<hsize_t>& dims,
             hid_t memoryType = -1, const void* data = nullptr, hid_t dcpl = H5P_DEFAULT,
             const std::vector<hsize_t>* maxDims = nullptr)
{
    const hid_t lcpl = checkId(H5Pcreate(H5P_LINK_CREATE), "H5Pcreate");
    checkStatus(H5Pset_create_intermediate_group(lcpl, 1), "intermediate groups");
    const hid_t space =
        dims.empty() ? checkId(H5Screate(H5S_SCALAR), "H5Screate")
                     : checkId(H5Screate_simple(int(dims.size()), dims.data(),
                                                maxDims != nullptr ? maxDims->data() : nullptr),
                               "H5Screate_simple");
    const hid_t set =
        checkId(H5Dcreate2(file, path, fileType, space, lcpl, dcpl, H5P_DEFAULT), path);
    if (data != nullptr)
        checkStatus(H5Dwrite(set, memoryType, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), path);
    H5Dclose(set);
    H5Sclose(space);
    H5Pclose(lcpl);
}

hid_t chunked(const std::vector<hsize_t>& chunk, bool deflate, bool shuffle = false,
              bool fletcher = false)
{
    const hid_t dcpl = checkId(H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate");
    checkStatus(H5Pset_chunk(dcpl, int(chunk.size()), chunk.data()), "chunk");
    if (fletcher)
        checkStatus(H5Pset_fletcher32(dcpl), "fletcher32");
    if (shuffle)
        checkStatus(H5Pset_shuffle(dcpl), "shuffle");
    if (deflate)
        checkStatus(H5Pset_deflate(dcpl, 6), "deflate");
    return dcpl;
}

std::vector<float> ramp(std::size_t n, float scale = 0.25f)
{
    std::vector<float> values(n);
    for (std::size_t i = 0; i < n; ++i)
        values[i] = (float(i % 7) - 3.0f) * scale + float(i) * 0.01f;
    return values;
}

std::vector<double> rampDouble(std::size_t n)
{
    std::vector<double> values(n);
    for (std::size_t i = 0; i < n; ++i)
        values[i] = (double(i % 5) - 2.0) * 0.125 + double(i) * 1e-3;
    return values;
}

hid_t float16Type()
{
    const hid_t type = checkId(H5Tcopy(H5T_IEEE_F32LE), "H5Tcopy");
    checkStatus(H5Tset_fields(type, 15, 10, 5, 0, 10), "fields");
    checkStatus(H5Tset_size(type, 2), "size");
    checkStatus(H5Tset_ebias(type, 15), "ebias");
    return type;
}

void writeDense(const std::string& dir)
{
    const hid_t file = createFile(dir + "/dense_f32.h5");
    const auto kernel = ramp(4 * 6);
    dataset(file, "/dense/kernel", H5T_IEEE_F32LE, {4, 6}, H5T_NATIVE_FLOAT, kernel.data());
    dataset(file, "/dense/bias", H5T_IEEE_F32LE, {6}, H5T_NATIVE_FLOAT, kernel.data());
    H5Fclose(file);
}

void writeChunkedDeflate(const std::string& dir)
{
    const hid_t file = createFile(dir + "/chunked_deflate_f64.h5");
    const auto values = rampDouble(8 * 8);
    const hid_t dcpl = chunked({4, 4}, true, true);
    dataset(file, "/w", H5T_IEEE_F64LE, {8, 8}, H5T_NATIVE_DOUBLE, values.data(), dcpl);
    H5Pclose(dcpl);
    const hid_t checksum = chunked({3, 5}, false, false, true);
    const auto floats = ramp(5 * 5);
    dataset(file, "/checksummed", H5T_IEEE_F32BE, {5, 5}, H5T_NATIVE_FLOAT, floats.data(),
            checksum);
    H5Pclose(checksum);
    H5Fclose(file);
}

void writeFloat16(const std::string& dir)
{
    const hid_t file = createFile(dir + "/float16.h5");
    const hid_t f16 = float16Type();
    // 1, -2, 0.5, inf, NaN, 65504, smallest subnormal, -0, 3 (binary16 bit patterns)
    const unsigned short bits[15] = {0x3c00, 0xc000, 0x3800, 0x7c00, 0x7e00, 0x7bff, 0x0001, 0x8000,
                                     0x4200, 0x3c00, 0x3c00, 0x3555, 0x2e66, 0xb800, 0x0400};
    dataset(file, "/half", f16, {3, 5}, f16, bits);
    H5Tclose(f16);
    H5Fclose(file);
}

void writeIntegers(const std::string& dir)
{
    const hid_t file = createFile(dir + "/integers.h5");
    const signed char i8[6] = {-128, 127, 0, 1, -1, 5};
    dataset(file, "/i8", H5T_STD_I8LE, {2, 3}, H5T_NATIVE_SCHAR, i8);
    const unsigned short u16[6] = {0, 65535, 1, 2, 3, 4};
    dataset(file, "/u16", H5T_STD_U16LE, {3, 2}, H5T_NATIVE_USHORT, u16);
    const int i32[6] = {-2147483647 - 1, 2147483647, 16777217, -3, 0, 9};
    dataset(file, "/i32be", H5T_STD_I32BE, {2, 3}, H5T_NATIVE_INT, i32);
    const long long i64[4] = {1LL << 53, -(1LL << 53), 123, -7};
    dataset(file, "/i64", H5T_STD_I64LE, {2, 2}, H5T_NATIVE_LLONG, i64);
    const unsigned long long u64[4] = {~0ULL, 0, 1, 2};
    dataset(file, "/u64", H5T_STD_U64LE, {2, 2}, H5T_NATIVE_ULLONG, u64);
    H5Fclose(file);
}

void writeConv(const std::string& dir)
{
    const hid_t file = createFile(dir + "/conv_rank4.h5");
    const auto weight = ramp(2 * 3 * 2 * 2, 0.5f);
    dataset(file, "/conv/weight", H5T_IEEE_F32LE, {2, 3, 2, 2}, H5T_NATIVE_FLOAT, weight.data());
    dataset(file, "/conv/rank3", H5T_IEEE_F32LE, {2, 2, 3}, H5T_NATIVE_FLOAT, weight.data());
    dataset(file, "/conv/bias", H5T_IEEE_F32LE, {2}, H5T_NATIVE_FLOAT, weight.data());
    H5Fclose(file);
}

void writeGroupsAndLinks(const std::string& dir)
{
    const hid_t file = createFile(dir + "/groups_links.h5");
    const auto kernel = ramp(3 * 4);
    dataset(file, "/model/encoder/layer0/kernel", H5T_IEEE_F32LE, {3, 4}, H5T_NATIVE_FLOAT,
            kernel.data());
    dataset(file, "/model/decoder/kernel", H5T_IEEE_F32LE, {4, 3}, H5T_NATIVE_FLOAT, kernel.data());
    checkStatus(
        H5Lcreate_soft("/model/encoder/layer0/kernel", file, "/alias", H5P_DEFAULT, H5P_DEFAULT),
        "soft link");
    checkStatus(H5Lcreate_soft("/nowhere", file, "/dangling", H5P_DEFAULT, H5P_DEFAULT),
                "soft link");
    checkStatus(H5Lcreate_soft("/loop_b", file, "/loop_a", H5P_DEFAULT, H5P_DEFAULT), "soft link");
    checkStatus(H5Lcreate_soft("/loop_a", file, "/loop_b", H5P_DEFAULT, H5P_DEFAULT), "soft link");
    checkStatus(
        H5Lcreate_external("other.h5", "/data", file, "/external", H5P_DEFAULT, H5P_DEFAULT),
        "external link");
    checkStatus(H5Lcreate_hard(file, "/model", file, "/model/decoder/up", H5P_DEFAULT, H5P_DEFAULT),
                "hard link");
    const hid_t type = checkId(H5Tcopy(H5T_IEEE_F32LE), "H5Tcopy");
    checkStatus(H5Tcommit2(file, "/committed_type", type, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                "commit type");
    H5Tclose(type);
    H5Fclose(file);
}

void writeNonNumeric(const std::string& dir)
{
    const hid_t file = createFile(dir + "/strings_compound.h5");
    const hid_t fixed = checkId(H5Tcopy(H5T_C_S1), "H5Tcopy");
    checkStatus(H5Tset_size(fixed, 4), "size");
    const char text[4][4] = {"abc", "de", "f", ""};
    dataset(file, "/fixed_string", fixed, {2, 2}, fixed, text);
    H5Tclose(fixed);
    const hid_t variable = checkId(H5Tcopy(H5T_C_S1), "H5Tcopy");
    checkStatus(H5Tset_size(variable, H5T_VARIABLE), "size");
    const char* strings[2] = {"weights", "bias"};
    dataset(file, "/vlen_string", variable, {2}, variable, strings);
    H5Tclose(variable);
    struct Pair
    {
        int a;
        float b;
    };
    const hid_t compound = checkId(H5Tcreate(H5T_COMPOUND, sizeof(Pair)), "compound");
    H5Tinsert(compound, "a", HOFFSET(Pair, a), H5T_NATIVE_INT);
    H5Tinsert(compound, "b", HOFFSET(Pair, b), H5T_NATIVE_FLOAT);
    const Pair pairs[4] = {{1, 0.5f}, {2, 1.5f}, {3, -1.0f}, {4, 2.0f}};
    dataset(file, "/compound", compound, {2, 2}, compound, pairs);
    H5Tclose(compound);
    const hid_t boolean = checkId(H5Tenum_create(H5T_STD_I8LE), "enum");
    const signed char no = 0;
    const signed char yes = 1;
    H5Tenum_insert(boolean, "FALSE", &no);
    H5Tenum_insert(boolean, "TRUE", &yes);
    const signed char flags[4] = {0, 1, 1, 0};
    dataset(file, "/enum", boolean, {2, 2}, boolean, flags);
    H5Tclose(boolean);
    const double scalar = 3.5;
    dataset(file, "/scalar", H5T_IEEE_F64LE, {}, H5T_NATIVE_DOUBLE, &scalar);
    dataset(file, "/empty", H5T_IEEE_F32LE, {0, 4});
    {
        const hid_t space = checkId(H5Screate(H5S_NULL), "null space");
        H5Dclose(checkId(
            H5Dcreate2(file, "/null", H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
            "null dataset"));
        H5Sclose(space);
    }
    const hid_t array =
        checkId(H5Tarray_create2(H5T_IEEE_F32LE, 1, std::vector<hsize_t>{2}.data()), "array type");
    dataset(file, "/array", array, {2, 2});
    H5Tclose(array);
    H5Fclose(file);
}

void writeLatestFormat(const std::string& dir)
{
    const hid_t file = createFile(dir + "/latest_format.h5", true);
    const auto values = ramp(6 * 6);
    // Fixed array index (fixed dims), extensible array (one unlimited dim), v2 B-tree (two).
    const hid_t fixed = chunked({2, 3}, true);
    dataset(file, "/fixed_array", H5T_IEEE_F32LE, {6, 6}, H5T_NATIVE_FLOAT, values.data(), fixed);
    H5Pclose(fixed);
    const hid_t extensible = chunked({2, 2}, false);
    const std::vector<hsize_t> oneUnlimited{H5S_UNLIMITED, 6};
    dataset(file, "/extensible_array", H5T_IEEE_F32LE, {6, 6}, H5T_NATIVE_FLOAT, values.data(),
            extensible, &oneUnlimited);
    const std::vector<hsize_t> twoUnlimited{H5S_UNLIMITED, H5S_UNLIMITED};
    dataset(file, "/btree_v2", H5T_IEEE_F32LE, {6, 6}, H5T_NATIVE_FLOAT, values.data(), extensible,
            &twoUnlimited);
    // Single chunk index: one chunk covering the whole dataset.
    const hid_t single = chunked({6, 6}, true);
    dataset(file, "/single_chunk", H5T_IEEE_F64LE, {6, 6}, H5T_NATIVE_FLOAT, values.data(), single);
    H5Pclose(single);
    // Implicit index: no filter, early allocation.
    const hid_t implicit = chunked({3, 3}, false);
    checkStatus(H5Pset_alloc_time(implicit, H5D_ALLOC_TIME_EARLY), "alloc time");
    dataset(file, "/implicit", H5T_IEEE_F32LE, {6, 6}, H5T_NATIVE_FLOAT, values.data(), implicit);
    H5Pclose(implicit);
    // Never written: reads give the fill value.
    const hid_t fill = chunked({4, 4}, true);
    const float fillValue = -1.5f;
    checkStatus(H5Pset_fill_value(fill, H5T_NATIVE_FLOAT, &fillValue), "fill value");
    dataset(file, "/unwritten", H5T_IEEE_F32LE, {8, 8}, -1, nullptr, fill);
    H5Pclose(fill);
    H5Pclose(extensible);
    // A new-style group with compact link storage (link messages in its object header).
    const hid_t group =
        checkId(H5Gcreate2(file, "/many", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "group");
    for (int i = 0; i < 6; ++i) {
        const std::string name = "/many/w" + std::to_string(i);
        dataset(file, name.c_str(), H5T_IEEE_F32LE, {2, 2}, H5T_NATIVE_FLOAT, values.data());
    }
    H5Gclose(group);
    H5Fclose(file);
}

void writeCompactAndUserBlock(const std::string& dir)
{
    const hid_t file = createFile(dir + "/compact_userblock.h5", false, 512);
    const auto values = ramp(4 * 4);
    const hid_t compact = checkId(H5Pcreate(H5P_DATASET_CREATE), "H5Pcreate");
    checkStatus(H5Pset_layout(compact, H5D_COMPACT), "compact");
    dataset(file, "/compact", H5T_IEEE_F32LE, {4, 4}, H5T_NATIVE_FLOAT, values.data(), compact);
    H5Pclose(compact);
    dataset(file, "/contiguous", H5T_IEEE_F64BE, {2, 8}, H5T_NATIVE_FLOAT, values.data());
    H5Fclose(file);
}

} // namespace

int main(int argc, char* argv[])
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    writeDense(dir);
    writeChunkedDeflate(dir);
    writeFloat16(dir);
    writeIntegers(dir);
    writeConv(dir);
    writeGroupsAndLinks(dir);
    writeNonNumeric(dir);
    writeLatestFormat(dir);
    writeCompactAndUserBlock(dir);
    return 0;
}
