#include "hdf5fixtures.h"

#include "hdf5handles.h"

#include <QFile>
#include <QFileInfo>
#include <cmath>
#include <cstring>
#include <functional>
#include <hdf5.h>
#include <limits>
#include <map>
#include <utility>

namespace sparsity::test {
namespace {

Id openFileForWriting(const QString& path)
{
    return Id(H5Fopen(QFile::encodeName(path).constData(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
}

// Creates `path` (UTF-8, intermediate groups included) with `space` and writes `data` if given.
bool writeDatasetInSpace(hid_t file, const QString& path, hid_t fileType, hid_t space,
                         hid_t memoryType = -1, const void* data = nullptr,
                         hid_t dcpl = H5P_DEFAULT)
{
    const Id lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
    H5Pset_create_intermediate_group(lcpl, 1);
    H5Pset_char_encoding(lcpl, H5T_CSET_UTF8);
    const Id dataset(
        H5Dcreate2(file, path.toUtf8().constData(), fileType, space, lcpl, dcpl, H5P_DEFAULT),
        H5Dclose);
    if (!dataset.ok())
        return false;
    return data == nullptr ||
           H5Dwrite(dataset, memoryType, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0;
}

size_t identityFilter(unsigned /*flags*/, size_t /*count*/, const unsigned* /*values*/,
                      size_t bytes, size_t* /*bufferSize*/, void** /*buffer*/)
{
    return bytes;
}

// One dataset of the value cases: how it is stored and what reading it must give.
struct ValueCase
{
    std::vector<std::int64_t> shape;
    std::function<hid_t()> fileType; // a new type id, closed by the writer
    hid_t memoryType = -1;
    QByteArray raw; // in memoryType
    std::vector<double> expected;
};

template <typename T> QByteArray rawOf(const std::vector<T>& values)
{
    return QByteArray(reinterpret_cast<const char*>(values.data()),
                      static_cast<qsizetype>(values.size() * sizeof(T)));
}

template <typename T>
ValueCase makeCase(std::vector<std::int64_t> shape, hid_t fileType, hid_t memoryType,
                   const std::vector<T>& values)
{
    ValueCase valueCase;
    valueCase.shape = std::move(shape);
    valueCase.fileType = [fileType] { return H5Tcopy(fileType); };
    valueCase.memoryType = memoryType;
    valueCase.raw = rawOf(values);
    for (const T value : values)
        valueCase.expected.push_back(static_cast<double>(value));
    return valueCase;
}

ValueCase halfCase(H5T_order_t order)
{
    const std::vector<std::uint16_t> bits = {
        0x7BFF, // 65504, the largest
        0xFBFF, // -65504
        0x0001, // 2^-24, the smallest subnormal
        0x8001, // -2^-24
        0x8000, // -0.0
        0x0000, // +0.0
        0x03FF, // the largest subnormal
        0x0400, // the smallest normal
        0x3C00, // 1
        0x7C00, // +inf
        0xFC00, // -inf
        0x7E00, // NaN
    };
    ValueCase valueCase;
    valueCase.shape = {2, 6};
    valueCase.fileType = [order] { return H5Tcopy(float16Type(order)); };
    valueCase.memoryType = -2; // written in the file's own little-endian half type, see below
    valueCase.raw = rawOf(bits);
    for (const std::uint16_t b : bits)
        valueCase.expected.push_back(halfToDouble(b));
    return valueCase;
}

const std::map<QString, ValueCase>& valueCaseTable()
{
    static const std::map<QString, ValueCase> table = [] {
        std::map<QString, ValueCase> cases;
        constexpr float nanF = std::numeric_limits<float>::quiet_NaN();
        constexpr float infF = std::numeric_limits<float>::infinity();
        constexpr double nanD = std::numeric_limits<double>::quiet_NaN();
        constexpr double infD = std::numeric_limits<double>::infinity();

        std::vector<float> nanInf(6 * 8);
        for (std::size_t i = 0; i < nanInf.size(); ++i)
            nanInf[i] = 0.01f * static_cast<float>((i * 37) % 23) - 0.1f;
        nanInf[3] = nanF;
        nanInf[20] = nanF;
        nanInf[47] = nanF;
        nanInf[9] = infF;
        nanInf[30] = -infF;
        cases.emplace(QStringLiteral("/v/nan_inf"),
                      makeCase<float>({6, 8}, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, nanInf));

        std::vector<float> zeros(4 * 8, 0.0f);
        zeros[5] = -0.0f;
        zeros[17] = -0.0f;
        cases.emplace(QStringLiteral("/v/zeros"),
                      makeCase<float>({4, 8}, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, zeros));
        cases.emplace(QStringLiteral("/v/equal"),
                      makeCase<float>({4, 8}, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT,
                                      std::vector<float>(4 * 8, 0.5f)));

        std::vector<float> denormal32(4 * 8);
        std::vector<double> denormal64(4 * 8);
        for (std::size_t i = 0; i < denormal32.size(); ++i) {
            const int k = static_cast<int>((i * 5) % 7) + 1;
            const float sign = i % 3 == 0 ? -1.0f : 1.0f;
            denormal32[i] = sign * static_cast<float>(k) * std::numeric_limits<float>::denorm_min();
            denormal64[i] = double(sign) * k * std::numeric_limits<double>::denorm_min();
        }
        cases.emplace(QStringLiteral("/v/denormal32"),
                      makeCase<float>({4, 8}, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, denormal32));
        cases.emplace(QStringLiteral("/v/denormal64"),
                      makeCase<double>({4, 8}, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, denormal64));

        const float fmax = std::numeric_limits<float>::max();
        cases.emplace(QStringLiteral("/v/f32max"),
                      makeCase<float>({2, 4}, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT,
                                      {fmax, -fmax, 1e38f, -2e38f, 1.0f, 0.0f, fmax, 3e38f}));

        cases.emplace(QStringLiteral("/v/f16_extremes"), halfCase(H5T_ORDER_LE));
        cases.emplace(QStringLiteral("/v/f16be"), halfCase(H5T_ORDER_BE));

        cases.emplace(QStringLiteral("/v/i8"),
                      makeCase<std::int8_t>({2, 4}, H5T_STD_I8LE, H5T_NATIVE_INT8,
                                            {-128, 127, 0, -1, 1, -127, 100, -100}));
        cases.emplace(QStringLiteral("/v/u8"),
                      makeCase<std::uint8_t>({2, 4}, H5T_STD_U8LE, H5T_NATIVE_UINT8,
                                             {0, 255, 1, 128, 254, 127, 0, 255}));
        cases.emplace(QStringLiteral("/v/i16"),
                      makeCase<std::int16_t>({2, 4}, H5T_STD_I16LE, H5T_NATIVE_INT16,
                                             {-32768, 32767, 0, -1, 1, -32767, 300, -300}));
        cases.emplace(QStringLiteral("/v/u16"),
                      makeCase<std::uint16_t>({2, 4}, H5T_STD_U16LE, H5T_NATIVE_UINT16,
                                              {0, 65535, 1, 32768, 65534, 255, 256, 0}));
        const std::vector<std::int32_t> i32 = {std::numeric_limits<std::int32_t>::min(),
                                               std::numeric_limits<std::int32_t>::max(),
                                               16777217,
                                               -16777217,
                                               0,
                                               -1,
                                               1,
                                               -3};
        cases.emplace(QStringLiteral("/v/i32"),
                      makeCase<std::int32_t>({2, 4}, H5T_STD_I32LE, H5T_NATIVE_INT32, i32));
        cases.emplace(QStringLiteral("/v/i32be"),
                      makeCase<std::int32_t>({2, 4}, H5T_STD_I32BE, H5T_NATIVE_INT32, i32));
        cases.emplace(QStringLiteral("/v/u32"),
                      makeCase<std::uint32_t>(
                          {2, 4}, H5T_STD_U32LE, H5T_NATIVE_UINT32,
                          {0u, 4294967295u, 1u, 2147483648u, 16777217u, 4294967294u, 7u, 0u}));
        const std::int64_t two53 = std::int64_t{1} << 53;
        cases.emplace(QStringLiteral("/v/i64"),
                      makeCase<std::int64_t>({2, 4}, H5T_STD_I64LE, H5T_NATIVE_INT64,
                                             {std::numeric_limits<std::int64_t>::min(),
                                              std::numeric_limits<std::int64_t>::max(), 0, -1,
                                              two53 + 1, -(two53 + 1), 7, -7}));
        const std::vector<std::uint64_t> u64 = {0u,
                                                1u,
                                                std::numeric_limits<std::uint64_t>::max(),
                                                std::numeric_limits<std::uint64_t>::max() - 1,
                                                std::uint64_t{1} << 63,
                                                (std::uint64_t{1} << 63) - 1,
                                                (std::uint64_t{1} << 53) + 1,
                                                12345u};
        cases.emplace(QStringLiteral("/v/u64"),
                      makeCase<std::uint64_t>({2, 4}, H5T_STD_U64LE, H5T_NATIVE_UINT64, u64));
        cases.emplace(QStringLiteral("/v/u64be"),
                      makeCase<std::uint64_t>({2, 4}, H5T_STD_U64BE, H5T_NATIVE_UINT64, u64));
        cases.emplace(QStringLiteral("/v/f32be"),
                      makeCase<float>({2, 4}, H5T_IEEE_F32BE, H5T_NATIVE_FLOAT,
                                      {0.1f, -2.5f, nanF, infF, -infF, 1e-45f, -0.0f, 65504.0f}));
        cases.emplace(QStringLiteral("/v/f64be"),
                      makeCase<double>({2, 4}, H5T_IEEE_F64BE, H5T_NATIVE_DOUBLE,
                                       {0.1, -1e300, 1e-310, nanD, infD, -0.0, -infD, 3.0}));
        return cases;
    }();
    return table;
}

} // namespace

void silenceHdf5Errors()
{
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

std::vector<float> matrixValues(int rows, int cols, int seed)
{
    std::vector<float> values(static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols));
    for (std::size_t i = 0; i < values.size(); ++i)
        values[i] = 0.001f * static_cast<float>(
                                 (i * 7919 + static_cast<std::size_t>(seed) * 104729) % 2003) -
                    1.0f;
    return values;
}

bool writeMatrixFile(const QString& path, const QString& dataset, int rows, int cols, int seed,
                     bool create)
{
    const Id file = create ? createFile(path) : openFileForWriting(path);
    if (!file.ok())
        return false;
    const std::vector<float> values = matrixValues(rows, cols, seed);
    return writeDataset(file, dataset, H5T_IEEE_F32LE,
                        {static_cast<hsize_t>(rows), static_cast<hsize_t>(cols)}, H5T_NATIVE_FLOAT,
                        values.data());
}

bool writeDatasetCasesFile(const QString& path, const QString& externalPath)
{
    if (!writeMatrixFile(externalPath, QStringLiteral("/w"), 3, 5, 7))
        return false;
    const Id file = createFile(path);
    if (!file.ok())
        return false;
    const std::vector<float> good = matrixValues(8, 8, 1);
    bool ok = writeDataset(file, QStringLiteral("/good/w"), H5T_IEEE_F32LE, {8, 8},
                           H5T_NATIVE_FLOAT, good.data());

    // Types that hold no numbers.
    {
        const Id fixed(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_size(fixed, 5);
        const char text[6 * 5 + 1] = "alphabravocharldeltaechoofoxtr";
        ok = ok &&
             writeDataset(file, QStringLiteral("/types/string_fixed"), fixed, {2, 3}, fixed, text);
        const Id variable(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_size(variable, H5T_VARIABLE);
        H5Tset_cset(variable, H5T_CSET_UTF8);
        const char* strings[4] = {"a", "bb", "ccc", "Gewicht ä"};
        ok = ok && writeDataset(file, QStringLiteral("/types/string_vlen"), variable, {2, 2},
                                variable, strings);
        const Id compound(H5Tcreate(H5T_COMPOUND, 8), H5Tclose);
        H5Tinsert(compound, "weight", 0, H5T_IEEE_F32LE);
        H5Tinsert(compound, "index", 4, H5T_STD_I32LE);
        ok = ok && writeDataset(file, QStringLiteral("/types/compound"), compound, {2, 2});
        const Id enumeration(H5Tenum_create(H5T_STD_I8LE), H5Tclose);
        const signed char no = 0, yes = 1;
        H5Tenum_insert(enumeration, "FALSE", &no);
        H5Tenum_insert(enumeration, "TRUE", &yes);
        const signed char flags[4] = {0, 1, 1, 0};
        ok = ok && writeDataset(file, QStringLiteral("/types/enum"), enumeration, {2, 2},
                                enumeration, flags);
        const Id sequence(H5Tvlen_create(H5T_NATIVE_FLOAT), H5Tclose);
        float items[3] = {1.0f, 2.0f, 3.0f};
        hvl_t sequences[4] = {{1, items}, {2, items}, {3, items}, {0, nullptr}};
        ok = ok && writeDataset(file, QStringLiteral("/types/vlen"), sequence, {2, 2}, sequence,
                                sequences);
        const Id opaque(H5Tcreate(H5T_OPAQUE, 4), H5Tclose);
        H5Tset_tag(opaque, "raw bytes");
        const char bytes[16] = "0123456789abcde";
        ok = ok &&
             writeDataset(file, QStringLiteral("/types/opaque"), opaque, {2, 2}, opaque, bytes);
        hobj_ref_t objects[2] = {};
        ok = ok && H5Rcreate(&objects[0], file, "/good/w", H5R_OBJECT, -1) >= 0 &&
             H5Rcreate(&objects[1], file, "/types", H5R_OBJECT, -1) >= 0 &&
             writeDataset(file, QStringLiteral("/types/objref"), H5T_STD_REF_OBJ, {2},
                          H5T_STD_REF_OBJ, objects);
        {
            const Id goodSet(H5Dopen2(file, "/good/w", H5P_DEFAULT), H5Dclose);
            const Id selection(H5Dget_space(goodSet), H5Sclose);
            const hsize_t start[2] = {0, 0}, count[2] = {2, 2};
            H5Sselect_hyperslab(selection, H5S_SELECT_SET, start, nullptr, count, nullptr);
            hdset_reg_ref_t regions[1] = {};
            ok = ok &&
                 H5Rcreate(&regions[0], file, "/good/w", H5R_DATASET_REGION, selection) >= 0 &&
                 writeDataset(file, QStringLiteral("/types/regionref"), H5T_STD_REF_DSETREG, {1},
                              H5T_STD_REF_DSETREG, regions);
        }
        const std::uint8_t bits[4] = {0x01, 0x80, 0xff, 0x00};
        ok = ok && writeDataset(file, QStringLiteral("/types/bitfield"), H5T_STD_B8LE, {2, 2},
                                H5T_NATIVE_B8, bits);
        const hsize_t arrayDims[1] = {3};
        const Id array(H5Tarray_create2(H5T_IEEE_F32LE, 1, arrayDims), H5Tclose);
        const Id memoryArray(H5Tarray_create2(H5T_NATIVE_FLOAT, 1, arrayDims), H5Tclose);
        std::vector<float> arrayValues(2 * 2 * 3, 1.5f);
        ok = ok && writeDataset(file, QStringLiteral("/types/array"), array, {2, 2}, memoryArray,
                                arrayValues.data());
    }

    // Shapes.
    {
        const float one = 1.5f;
        ok = ok && writeDataset(file, QStringLiteral("/shape/scalar"), H5T_IEEE_F32LE, {},
                                H5T_NATIVE_FLOAT, &one);
        const float rank1[6] = {0.5f, -1.0f, 2.0f, -0.25f, 0.0f, 3.0f};
        ok = ok && writeDataset(file, QStringLiteral("/shape/rank1"), H5T_IEEE_F32LE, {6},
                                H5T_NATIVE_FLOAT, rank1);
        ok = ok && writeDataset(file, QStringLiteral("/shape/zero"), H5T_IEEE_F32LE, {3, 0});
        const Id null(H5Screate(H5S_NULL), H5Sclose);
        ok = ok && writeDatasetInSpace(file, QStringLiteral("/shape/null"), H5T_IEEE_F32LE, null);
    }

    // Declared sizes beyond any memory; chunked, so the file stays tiny.
    {
        const Id dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
        const hsize_t chunk[3] = {1, 100, 1000};
        H5Pset_chunk(dcpl, 3, chunk);
        ok = ok && writeDataset(file, QStringLiteral("/big/huge"), H5T_IEEE_F32LE,
                                {1000000, 1000000, 1000}, -1, nullptr, dcpl);
        const Id unlimitedDcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
        const hsize_t unlimitedChunk[2] = {1, 1024};
        H5Pset_chunk(unlimitedDcpl, 2, unlimitedChunk);
        const hsize_t dims[2] = {hsize_t{1} << 31, hsize_t{1} << 31};
        const hsize_t maxDims[2] = {H5S_UNLIMITED, H5S_UNLIMITED};
        const Id space(H5Screate_simple(2, dims, maxDims), H5Sclose);
        ok = ok && writeDatasetInSpace(file, QStringLiteral("/big/unlimited"), H5T_IEEE_F64LE,
                                       space, -1, nullptr, unlimitedDcpl);
    }

    // Filters: applied while registered here, then unregistered, as a plugin this HDF5 lacks.
    {
        const H5Z_filter_t mandatoryId = 40123;
        const H5Z_filter_t optionalId = 40124;
        const H5Z_class2_t mandatoryClass = {
            H5Z_CLASS_T_VERS, mandatoryId, 1,       1,
            "test-identity",  nullptr,     nullptr, &identityFilter};
        const H5Z_class2_t optionalClass = {
            H5Z_CLASS_T_VERS,         optionalId, 1,       1,
            "test-optional-identity", nullptr,    nullptr, &identityFilter};
        ok = ok && H5Zregister(&mandatoryClass) >= 0 && H5Zregister(&optionalClass) >= 0;
        const hsize_t chunk[2] = {4, 4};
        const Id mandatory(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
        H5Pset_chunk(mandatory, 2, chunk);
        ok = ok && H5Pset_filter(mandatory, mandatoryId, H5Z_FLAG_MANDATORY, 0, nullptr) >= 0;
        ok = ok && writeDataset(file, QStringLiteral("/filter/mandatory"), H5T_IEEE_F32LE, {8, 8},
                                H5T_NATIVE_FLOAT, good.data(), mandatory);
        const Id optional(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
        H5Pset_chunk(optional, 2, chunk);
        ok = ok && H5Pset_filter(optional, optionalId, H5Z_FLAG_OPTIONAL, 0, nullptr) >= 0;
        ok = ok && writeDataset(file, QStringLiteral("/filter/optional"), H5T_IEEE_F32LE, {8, 8},
                                H5T_NATIVE_FLOAT, good.data(), optional);
        H5Zunregister(mandatoryId);
        H5Zunregister(optionalId);
        // An optional filter nobody registers is skipped when writing: the pipeline names it,
        // no chunk went through it, so the dataset reads. (Not LZF any more: the reader
        // registers LZF decode-only, and HDF5 refuses to create a dataset with a filter that
        // is registered but cannot encode.)
        const H5Z_filter_t skippedId = 40125;
        const Id skipped(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
        H5Pset_chunk(skipped, 2, chunk);
        ok = ok && H5Pset_filter(skipped, skippedId, H5Z_FLAG_OPTIONAL, 0, nullptr) >= 0;
        ok = ok && writeDataset(file, QStringLiteral("/filter/skipped"), H5T_IEEE_F32LE, {8, 8},
                                H5T_NATIVE_FLOAT, good.data(), skipped);
    }

    // Links.
    {
        const Id lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
        H5Pset_create_intermediate_group(lcpl, 1);
        ok = ok && H5Lcreate_soft("/good/w", file, "/links/soft", lcpl, H5P_DEFAULT) >= 0;
        ok = ok && H5Lcreate_soft("/nowhere/w", file, "/links/dangling", lcpl, H5P_DEFAULT) >= 0;
        const QByteArray target = QFile::encodeName(QFileInfo(externalPath).fileName());
        ok = ok && H5Lcreate_external(target.constData(), "/w", file, "/links/external", lcpl,
                                      H5P_DEFAULT) >= 0;
        ok = ok && H5Lcreate_external("missing_target.h5", "/w", file, "/links/external_missing",
                                      lcpl, H5P_DEFAULT) >= 0;
        ok = ok && H5Lcreate_hard(file, "/good/w", file, "/links/hard", lcpl, H5P_DEFAULT) >= 0;
    }

    // Names beyond ASCII.
    const std::vector<float> unicode = matrixValues(4, 4, 3);
    ok = ok && writeDataset(file, QStringLiteral("/ünïcode/权重"), H5T_IEEE_F32LE, {4, 4},
                            H5T_NATIVE_FLOAT, unicode.data());
    return ok;
}

std::vector<DatasetCase> unusableDatasetCases()
{
    const auto notNumeric = [](const char* type) {
        return QStringLiteral("%1 data is not numeric").arg(QLatin1String(type));
    };
    return {
        {QStringLiteral("/types/string_fixed"), notNumeric("string")},
        {QStringLiteral("/types/string_vlen"), notNumeric("string")},
        {QStringLiteral("/types/compound"), notNumeric("compound")},
        {QStringLiteral("/types/enum"), notNumeric("enum")},
        {QStringLiteral("/types/vlen"), notNumeric("vlen")},
        {QStringLiteral("/types/opaque"), notNumeric("opaque")},
        {QStringLiteral("/types/objref"), notNumeric("reference")},
        {QStringLiteral("/types/regionref"), notNumeric("reference")},
        {QStringLiteral("/types/bitfield"), notNumeric("bitfield")},
        {QStringLiteral("/types/array"), notNumeric("array")},
        {QStringLiteral("/shape/scalar"), QStringLiteral("rank 0 (scalar)")},
        {QStringLiteral("/shape/zero"), QStringLiteral("empty: dimension 1 has size 0")},
        {QStringLiteral("/shape/null"), QStringLiteral("no data (null dataspace)")},
        {QStringLiteral("/links/dangling"),
         QStringLiteral("link target /nowhere/w does not exist")},
        {QStringLiteral("/links/external_missing"),
         QStringLiteral("link target missing_target.h5:/w does not exist")},
        {QStringLiteral("/filter/mandatory"),
         QStringLiteral("compressed with filter 'test-identity' (id 40123), which this HDF5 "
                        "library cannot decode")},
        {QStringLiteral("/filter/optional"),
         QStringLiteral("compressed with filter 'test-optional-identity' (id 40124), which this "
                        "HDF5 library cannot decode")},
    };
}

bool writeValueCasesFile(const QString& path)
{
    const Id file = createFile(path);
    if (!file.ok())
        return false;
    bool ok = true;
    for (const auto& [name, valueCase] : valueCaseTable()) {
        const Id fileType(valueCase.fileType(), H5Tclose);
        std::vector<hsize_t> dims(valueCase.shape.begin(), valueCase.shape.end());
        // Half floats are written from their little-endian bits; HDF5 swaps for big-endian.
        const Id halfMemory = valueCase.memoryType == -2 ? float16Type() : Id(-1, H5Tclose);
        const hid_t memoryType =
            valueCase.memoryType == -2 ? hid_t(halfMemory) : valueCase.memoryType;
        ok = ok && writeDataset(file, name, fileType, dims, memoryType, valueCase.raw.constData());
    }
    return ok;
}

QStringList valueCases()
{
    QStringList names;
    for (const auto& entry : valueCaseTable())
        names << entry.first;
    return names;
}

std::vector<double> expectedValues(const QString& dataset)
{
    return valueCaseTable().at(dataset).expected;
}

std::vector<std::int64_t> valueCaseShape(const QString& dataset)
{
    return valueCaseTable().at(dataset).shape;
}

bool truncatedCopy(const QString& source, const QString& target, qint64 bytes)
{
    QFile in(source);
    QFile out(target);
    if (!in.open(QIODevice::ReadOnly) || !out.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    const QByteArray data = in.read(bytes);
    return data.size() == bytes && out.write(data) == bytes;
}

Id createFile(const QString& path)
{
    return Id(
        H5Fcreate(QFile::encodeName(path).constData(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
        H5Fclose);
}

bool writeDataset(hid_t file, const QString& path, hid_t fileType, std::vector<hsize_t> dims,
                  hid_t memoryType, const void* data, hid_t dcpl)
{
    const Id space(dims.empty()
                       ? H5Screate(H5S_SCALAR)
                       : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                   H5Sclose);
    return space.ok() && writeDatasetInSpace(file, path, fileType, space, memoryType, data, dcpl);
}

Id float16Type(H5T_order_t order)
{
    Id type(H5Tcopy(H5T_IEEE_F32LE), H5Tclose);
    H5Tset_fields(type, 15, 10, 5, 0, 10);
    H5Tset_size(type, 2);
    H5Tset_ebias(type, 15);
    H5Tset_order(type, order);
    return type;
}

double halfToDouble(std::uint16_t bits)
{
    const int exponent = (bits >> 10) & 0x1f;
    const int mantissa = bits & 0x3ff;
    double value = 0.0;
    if (exponent == 0)
        value = std::ldexp(double(mantissa), -24);
    else if (exponent == 31)
        value = mantissa != 0 ? std::numeric_limits<double>::quiet_NaN()
                              : std::numeric_limits<double>::infinity();
    else
        value = std::ldexp(double(mantissa + 1024), exponent - 25);
    return (bits & 0x8000) != 0 ? -value : value;
}

QString readStringAttribute(const QString& path, const QString& dataset, const char* name)
{
    silenceHdf5Errors();
    const Id file(H5Fopen(QFile::encodeName(path).constData(), H5F_ACC_RDONLY, H5P_DEFAULT),
                  H5Fclose);
    if (!file.ok())
        return {};
    const Id object(H5Oopen(file, dataset.toUtf8().constData(), H5P_DEFAULT), H5Oclose);
    if (!object.ok() || H5Aexists(object, name) <= 0)
        return {};
    const Id attribute(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
    const Id type(H5Aget_type(attribute), H5Tclose);
    const Id space(H5Aget_space(attribute), H5Sclose);
    if (H5Tget_class(type) != H5T_STRING || H5Sget_simple_extent_type(space) != H5S_SCALAR)
        return {};
    if (H5Tis_variable_str(type) > 0) {
        char* text = nullptr;
        if (H5Aread(attribute, type, &text) < 0)
            return {};
        const QString value = QString::fromUtf8(text);
        H5free_memory(text);
        return value;
    }
    std::vector<char> text(H5Tget_size(type) + 1, '\0');
    if (H5Aread(attribute, type, text.data()) < 0)
        return {};
    return QString::fromUtf8(text.data());
}

} // namespace sparsity::test
