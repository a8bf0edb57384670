#include "hdf5dataset.h"

#include "error.h"
#include "hdf5filters.h"
#include "hdf5handle.h"
#include "io/datasetchecks.h"
#include "io/matrixread.h"
#include "tensor/halffloat.h"

#include <QStringList>
#include <algorithm>
#include <hdf5.h>
#include <limits>
#include <new>
#include <type_traits>

namespace sparsity::core {

namespace {

constexpr std::uint64_t slabBytes = std::uint64_t{16} << 20;

struct TypeDescription
{
    QString name;
    ElementClass elementClass = ElementClass::Other;
    std::int64_t size = 0;
};

// A floating type by its real format: IEEE binary16/32/64 as float16/32/64, Google's brain
// float as bfloat16, anything else by its bit counts, "float(e5m2)" or "float(e8m23, 64-bit)".
// The size alone would call a bfloat16 "float16".
QString floatTypeName(hid_t type)
{
    const std::size_t size = H5Tget_size(type);
    std::size_t sign = 0, exponentPosition = 0, exponentSize = 0, mantissaPosition = 0,
                mantissaSize = 0;
    if (H5Tget_fields(type, &sign, &exponentPosition, &exponentSize, &mantissaPosition,
                      &mantissaSize) < 0)
        return QStringLiteral("float%1").arg(size * 8);
    const std::size_t precision = H5Tget_precision(type);
    const std::size_t bias = H5Tget_ebias(type);
    const bool packed =
        H5Tget_offset(type) == 0 && mantissaPosition == 0 && exponentPosition == mantissaSize &&
        sign == mantissaSize + exponentSize && precision == sign + 1 && precision == size * 8 &&
        H5Tget_norm(type) == H5T_NORM_IMPLIED && bias == (std::size_t{1} << (exponentSize - 1)) - 1;
    if (packed) {
        if (exponentSize == 5 && mantissaSize == 10)
            return QStringLiteral("float16");
        if (exponentSize == 8 && mantissaSize == 23)
            return QStringLiteral("float32");
        if (exponentSize == 11 && mantissaSize == 52)
            return QStringLiteral("float64");
        if (exponentSize == 8 && mantissaSize == 7)
            return QStringLiteral("bfloat16");
        return QStringLiteral("float(e%1m%2)").arg(exponentSize).arg(mantissaSize);
    }
    return QStringLiteral("float(e%1m%2, %3-bit)")
        .arg(exponentSize)
        .arg(mantissaSize)
        .arg(size * 8);
}

TypeDescription describeType(hid_t type)
{
    TypeDescription description;
    description.size = static_cast<std::int64_t>(H5Tget_size(type));
    const QString bits = QString::number(description.size * 8);
    switch (H5Tget_class(type)) {
    case H5T_FLOAT:
        description.name = floatTypeName(type);
        description.elementClass = ElementClass::Float;
        break;
    case H5T_INTEGER:
        description.name =
            (H5Tget_sign(type) == H5T_SGN_NONE ? QStringLiteral("uint") : QStringLiteral("int")) +
            bits;
        description.elementClass = ElementClass::Integer;
        break;
    case H5T_STRING:
        description.name = QStringLiteral("string");
        break;
    case H5T_COMPOUND:
        description.name = QStringLiteral("compound");
        break;
    case H5T_ENUM:
        description.name = QStringLiteral("enum");
        break;
    case H5T_VLEN:
        description.name = QStringLiteral("vlen");
        break;
    case H5T_OPAQUE:
        description.name = QStringLiteral("opaque");
        break;
    case H5T_REFERENCE:
        description.name = QStringLiteral("reference");
        break;
    case H5T_ARRAY:
        description.name = QStringLiteral("array");
        break;
    case H5T_BITFIELD:
        description.name = QStringLiteral("bitfield");
        break;
    case H5T_TIME:
        description.name = QStringLiteral("time");
        break;
    default:
        description.name = QStringLiteral("unknown");
        break;
    }
    return description;
}

std::int64_t saturatingProduct(const std::vector<std::int64_t>& factors)
{
    std::int64_t product = 1;
    for (const std::int64_t factor : factors) {
        if (factor == 0)
            return 0;
        if (__builtin_mul_overflow(product, factor, &product))
            return std::numeric_limits<std::int64_t>::max();
    }
    return product;
}

} // namespace

DatasetInfo describeHdf5Dataset(Hid dataset, const QString& path, const QString& fileName)
{
    DatasetInfo info;
    info.path = path;
    info.kind = NodeKind::Dataset;

    const Hdf5Handle type(H5Dget_type(dataset));
    if (!type.isValid())
        throwHdf5Io(fileName + QStringLiteral(": cannot read the type of dataset ") + quoted(path));
    const TypeDescription description = describeType(type.get());
    info.typeName = description.name;
    info.elementClass = description.elementClass;
    info.elementSize = description.size;

    const Hdf5Handle space(H5Dget_space(dataset));
    if (!space.isValid())
        throwHdf5Io(fileName + QStringLiteral(": cannot read the shape of dataset ") +
                    quoted(path));
    const H5S_class_t spaceClass = H5Sget_simple_extent_type(space.get());
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank < 0 || spaceClass == H5S_NO_CLASS)
        throwHdf5Io(fileName + QStringLiteral(": cannot read the shape of dataset ") +
                    quoted(path));
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    if (rank > 0 && H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0)
        throwHdf5Io(fileName + QStringLiteral(": cannot read the shape of dataset ") +
                    quoted(path));
    for (const hsize_t extent : dims) {
        info.shape.push_back(extent > static_cast<hsize_t>(std::numeric_limits<std::int64_t>::max())
                                 ? std::numeric_limits<std::int64_t>::max()
                                 : static_cast<std::int64_t>(extent));
    }

    const bool isNull = spaceClass == H5S_NULL;
    info.nullDataspace = isNull;
    if (!isNull) {
        std::vector<std::int64_t> factors = info.shape;
        factors.push_back(info.elementSize);
        info.storageBytes = saturatingProduct(factors);
    }

    info.decodeProblem = hdf5FilterProblem(dataset, static_cast<Hsize>(info.elementSize));
    applyDatasetRules(info);
    return info;
}

namespace {

// Checks the chunk shape of a chunked dataset as HDF5 checks it when it creates a dataset, but
// not when it opens one: every chunk dimension at least 1 and, where the dataset cannot grow,
// at most its maximum size. HDF5 1.10 decodes a chunk into a buffer of the declared chunk size
// and copies from it without checking, so a damaged file would make it read out of bounds.
// One chunk must also fit in memoryLimit bytes: HDF5 allocates whole chunks to read them.
void validateChunkShape(hid_t dataset, const DatasetInfo& info, const QString& fileName,
                        std::uint64_t memoryLimit)
{
    const Hdf5Handle dcpl(H5Dget_create_plist(dataset));
    if (!dcpl.isValid() || H5Pget_layout(dcpl.get()) != H5D_CHUNKED)
        return;
    const int rank = static_cast<int>(info.shape.size());
    std::vector<hsize_t> chunk(info.shape.size());
    std::vector<hsize_t> maxDims(info.shape.size());
    const Hdf5Handle space(H5Dget_space(dataset));
    if (H5Pget_chunk(dcpl.get(), rank, chunk.data()) != rank || !space.isValid() ||
        H5Sget_simple_extent_dims(space.get(), nullptr, maxDims.data()) != rank)
        throwHdf5Io(fileName + QStringLiteral(": cannot read the chunk shape of dataset ") +
                    quoted(info.path));
    QStringList chunkText;
    bool fits = true;
    std::uint64_t chunkBytes = static_cast<std::uint64_t>(info.elementSize);
    bool overflow = false;
    for (int i = 0; i < rank; ++i) {
        chunkText << QString::number(chunk[i]);
        fits = fits && chunk[i] > 0 && (maxDims[i] == H5S_UNLIMITED || chunk[i] <= maxDims[i]);
        overflow = overflow || __builtin_mul_overflow(chunkBytes, chunk[i], &chunkBytes);
    }
    if (!fits)
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: dataset %2 is damaged: its chunk shape %3 does not fit its "
                                   "shape %4")
                        .arg(fileName, quoted(info.path), chunkText.join(QLatin1Char('x')),
                             info.shapeText()));
    if (overflow || chunkBytes > memoryLimit)
        throw Error(ErrorCode::OutOfMemory,
                    QStringLiteral("%1: dataset %2 has chunks of %3 elements, too large to read "
                                   "in the memory available")
                        .arg(fileName, quoted(info.path), chunkText.join(QLatin1Char('x'))));
}

// Whether a file type is IEEE binary16 (either byte order): read as its bits and widened by
// widenHalves, not by HDF5's soft conversion.
bool isIeeeHalf(hid_t type)
{
    if (H5Tget_class(type) != H5T_FLOAT || H5Tget_size(type) != 2 || H5Tget_precision(type) != 16 ||
        H5Tget_offset(type) != 0 || H5Tget_ebias(type) != 15 ||
        H5Tget_norm(type) != H5T_NORM_IMPLIED)
        return false;
    std::size_t sign = 0, exponentPosition = 0, exponentSize = 0, mantissaPosition = 0,
                mantissaSize = 0;
    return H5Tget_fields(type, &sign, &exponentPosition, &exponentSize, &mantissaPosition,
                         &mantissaSize) >= 0 &&
           sign == 15 && exponentPosition == 10 && exponentSize == 5 && mantissaPosition == 0 &&
           mantissaSize == 10;
}

// Reads the values slab by slab into the memory `target` gives (see SlabTarget). Stored is what
// HDF5 delivers (T itself, or a half's bits for T = float).
template <typename T, typename Stored = T>
void readValuesInSlabs(hid_t dataset, hid_t memoryType, const DatasetInfo& info,
                       const QString& fileName, const ExecutionContext& context,
                       const SlabTarget& target)
{
    const std::vector<std::int64_t>& shape = info.shape;
    const std::size_t rank = shape.size();
    const auto elements = static_cast<std::size_t>(saturatingProduct(shape));

    const Hdf5Handle fileSpace(H5Dget_space(dataset));
    if (!fileSpace.isValid())
        throwHdf5Io(fileName + QStringLiteral(": cannot read dataset ") + quoted(info.path));

    // Slabs of whole rows along dimension 0, aligned to the chunk rows so that no chunk is
    // decompressed twice: rounded up to whole chunk rows when the target takes any size,
    // down when it has a hard limit (a band of chunk rows larger than the limit is then read
    // through a chunk cache that holds it, slabAccessList()).
    const std::uint64_t rows = static_cast<std::uint64_t>(shape[0]);
    const std::uint64_t rowElements = elements / rows;
    std::uint64_t slabRows =
        std::max<std::uint64_t>(1, target.maxSlabBytes / (rowElements * sizeof(T)));
    {
        const Hdf5Handle dcpl(H5Dget_create_plist(dataset));
        if (dcpl.isValid() && H5Pget_layout(dcpl.get()) == H5D_CHUNKED) {
            std::vector<hsize_t> chunk(rank);
            if (H5Pget_chunk(dcpl.get(), static_cast<int>(rank), chunk.data()) ==
                    static_cast<int>(rank) &&
                chunk[0] > 0) {
                if (!target.hardLimit)
                    slabRows = (slabRows + chunk[0] - 1) / chunk[0] * chunk[0];
                else if (slabRows >= chunk[0])
                    slabRows = slabRows / chunk[0] * chunk[0];
            }
        }
    }

    std::vector<hsize_t> start(rank, 0);
    std::vector<hsize_t> count(shape.begin(), shape.end());
    std::vector<Stored> staging; // one slab of what HDF5 delivers, when it is not T
    for (std::uint64_t row = 0; row < rows; row += slabRows) {
        context.throwIfCancelled();
        const std::uint64_t slab = std::min(slabRows, rows - row);
        start[0] = row;
        count[0] = slab;
        const Hdf5Handle memorySpace(
            H5Screate_simple(static_cast<int>(rank), count.data(), nullptr));
        if (!memorySpace.isValid() ||
            H5Sselect_hyperslab(fileSpace.get(), H5S_SELECT_SET, start.data(), nullptr,
                                count.data(), nullptr) < 0)
            throwHdf5Io(fileName + QStringLiteral(": cannot select rows of dataset ") +
                        quoted(info.path));
        T* const values = static_cast<T*>(target.buffer(row, slab));
        if constexpr (!std::is_same_v<T, Stored>)
            staging.resize(static_cast<std::size_t>(slab * rowElements));
        void* const buffer = [&]() -> void* {
            if constexpr (std::is_same_v<T, Stored>)
                return values;
            else
                return staging.data();
        }();
        if (H5Dread(dataset, memoryType, memorySpace.get(), fileSpace.get(), H5P_DEFAULT, buffer) <
            0) {
            const QString cause = hdf5ErrorCause();
            throw Error(ErrorCode::Io, QStringLiteral("%1: cannot read dataset %2: %3")
                                           .arg(fileName, quoted(info.path), cause));
        }
        if constexpr (!std::is_same_v<T, Stored>)
            widenHalves(staging.data(), values, staging.size());
        if (target.filled)
            target.filled(row, slab);
    }
    context.throwIfCancelled();
}

// The dataset straight into the matrix order of `mapping`, in slabs that are hyperslabs: the
// axes before a slab axis s fixed, a range along s, the axes after s whole. Such a slab is a
// contiguous run of the stored order, converted as readValuesInto converts (the same memory
// type, the same widening) into a small buffer and scattered into the matrix
// (MatrixMapping::scatterSlab), so the stored-order tensor is never held whole. s is the first
// axis of extent above 1, or a later one when a row of it would exceed the slab; for a chunked
// dataset s only moves past axes whose chunks have extent 1, and the ranges along s are whole
// chunk rows, so that no chunk is decompressed twice.
template <typename T, typename Stored = T>
void streamValuesInto(hid_t dataset, hid_t memoryType, const DatasetInfo& info,
                      const QString& fileName, const MatrixMapping& mapping,
                      const ExecutionContext& context, T* matrix)
{
    const std::vector<std::int64_t>& shape = info.shape;
    const std::size_t rank = shape.size();
    const std::int64_t elements = saturatingProduct(shape);
    const Hdf5Handle fileSpace(H5Dget_space(dataset));
    if (!fileSpace.isValid())
        throwHdf5Io(fileName + QStringLiteral(": cannot read dataset ") + quoted(info.path));
    std::vector<hsize_t> chunk;
    {
        const Hdf5Handle dcpl(H5Dget_create_plist(dataset));
        if (dcpl.isValid() && H5Pget_layout(dcpl.get()) == H5D_CHUNKED) {
            chunk.resize(rank);
            if (H5Pget_chunk(dcpl.get(), static_cast<int>(rank), chunk.data()) !=
                static_cast<int>(rank))
                chunk.clear();
        }
    }
    const auto slabElements =
        static_cast<std::int64_t>(std::max<std::size_t>(1, matrixSlabBytes() / sizeof(T)));
    std::size_t axis = 0; // the slab axis s
    while (axis + 1 < rank && shape[axis] == 1)
        ++axis;
    std::int64_t rowElements = elements / std::max<std::int64_t>(1, shape[axis]);
    while (axis + 1 < rank && rowElements > slabElements &&
           (chunk.empty() || chunk[axis] == 1 || shape[axis] == 1)) {
        ++axis;
        rowElements /= std::max<std::int64_t>(1, shape[axis]);
    }
    std::int64_t slabRows =
        std::max<std::int64_t>(1, slabElements / std::max<std::int64_t>(1, rowElements));
    if (!chunk.empty() && chunk[axis] > 0) {
        const auto chunkRows = static_cast<std::int64_t>(chunk[axis]);
        slabRows = (slabRows + chunkRows - 1) / chunkRows * chunkRows;
    }
    slabRows = std::min(slabRows, shape[axis]);

    std::int64_t prefixes = 1; // index combinations of the axes before s
    for (std::size_t k = 0; k < axis; ++k)
        prefixes *= shape[k];
    std::vector<hsize_t> start(rank, 0);
    std::vector<hsize_t> count(shape.begin(), shape.end());
    for (std::size_t k = 0; k < axis; ++k)
        count[k] = 1;
    std::vector<Stored> read(static_cast<std::size_t>(slabRows * rowElements));
    std::vector<T> converted; // the widened halves, when HDF5 delivers those
    std::span<T> target(matrix, static_cast<std::size_t>(elements));
    for (std::int64_t prefix = 0; prefix < prefixes; ++prefix) {
        std::int64_t rest = prefix;
        for (std::size_t k = axis; k-- > 0;) {
            start[k] = static_cast<hsize_t>(rest % shape[k]);
            rest /= shape[k];
        }
        for (std::int64_t row = 0; row < shape[axis]; row += slabRows) {
            context.throwIfCancelled();
            const std::int64_t rows = std::min(slabRows, shape[axis] - row);
            const auto size = static_cast<std::size_t>(rows * rowElements);
            start[axis] = static_cast<hsize_t>(row);
            count[axis] = static_cast<hsize_t>(rows);
            const hsize_t memoryCount = size;
            const Hdf5Handle memorySpace(H5Screate_simple(1, &memoryCount, nullptr));
            if (!memorySpace.isValid() ||
                H5Sselect_hyperslab(fileSpace.get(), H5S_SELECT_SET, start.data(), nullptr,
                                    count.data(), nullptr) < 0)
                throwHdf5Io(fileName + QStringLiteral(": cannot select rows of dataset ") +
                            quoted(info.path));
            if (H5Dread(dataset, memoryType, memorySpace.get(), fileSpace.get(), H5P_DEFAULT,
                        read.data()) < 0) {
                const QString cause = hdf5ErrorCause();
                throw Error(ErrorCode::Io, QStringLiteral("%1: cannot read dataset %2: %3")
                                               .arg(fileName, quoted(info.path), cause));
            }
            const std::int64_t first = (prefix * shape[axis] + row) * rowElements;
            if constexpr (std::is_same_v<T, Stored>) {
                mapping.scatterSlab(std::span<const T>(read.data(), size), first, target, context);
            } else {
                converted.resize(size);
                widenHalves(read.data(), converted.data(), size);
                mapping.scatterSlab(std::span<const T>(converted.data(), size), first, target,
                                    context);
            }
        }
    }
    context.throwIfCancelled();
}

template <typename T>
LargeVector<T> allocateValues(const DatasetInfo& info, const QString& fileName)
{
    LargeVector<T> values;
    try {
        values.resize(static_cast<std::size_t>(saturatingProduct(info.shape))); // not zeroed
    } catch (const std::bad_alloc&) {
        throw Error(ErrorCode::OutOfMemory,
                    QStringLiteral("%1: dataset %2 (shape %3, %4) does not fit in memory")
                        .arg(fileName, quoted(info.path), info.shapeText(), info.typeName));
    }
    return values;
}

} // namespace

void readHdf5DatasetSlabs(Hid dataset, const DatasetInfo& info, const QString& fileName,
                          std::uint64_t memoryBudget, const ExecutionContext& context,
                          const SlabTarget& target)
{
    // Describing the dataset checked its filters: checkReadable() refuses a missing one.
    if (!info.decodeProblem.isEmpty())
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: dataset %2 cannot be read: %3")
                        .arg(fileName, quoted(info.path), info.decodeProblem));
    validateChunkShape(dataset, info, fileName, memoryBudget);
    if (readsAsDouble(info))
        return readValuesInSlabs<double>(dataset, H5T_NATIVE_DOUBLE, info, fileName, context,
                                         target);
    const Hdf5Handle fileType(H5Dget_type(dataset));
    if (fileType.isValid() && isIeeeHalf(fileType.get())) {
        // The half's own layout in this machine's byte order: HDF5 only swaps bytes (or copies).
        const Hdf5Handle halfType(H5Tcopy(fileType.get()));
        if (halfType.isValid() && H5Tset_order(halfType.get(), H5T_ORDER_LE) >= 0)
            return readValuesInSlabs<float, std::uint16_t>(dataset, halfType.get(), info, fileName,
                                                           context, target);
    }
    readValuesInSlabs<float>(dataset, H5T_NATIVE_FLOAT, info, fileName, context, target);
}

void readHdf5DatasetInto(Hid dataset, const DatasetInfo& info, const QString& fileName,
                         std::uint64_t memoryBudget, const ExecutionContext& context, void* values)
{
    const std::uint64_t rows = static_cast<std::uint64_t>(info.shape[0]);
    const std::uint64_t rowBytes =
        rows == 0 ? 0
                  : static_cast<std::uint64_t>(saturatingProduct(info.shape)) / rows *
                        (readsAsDouble(info) ? sizeof(double) : sizeof(float));
    SlabTarget target;
    target.maxSlabBytes = slabBytes;
    target.buffer = [&](std::uint64_t firstRow, std::uint64_t) -> void* {
        return static_cast<char*>(values) + firstRow * rowBytes;
    };
    readHdf5DatasetSlabs(dataset, info, fileName, memoryBudget, context, target);
}

Hdf5Handle slabAccessList(Hid dataset, const DatasetInfo& info, std::uint64_t maxSlabBytes,
                          std::uint64_t memoryBudget)
{
    const Hdf5Handle dcpl(H5Dget_create_plist(dataset));
    const std::size_t rank = info.shape.size();
    if (!dcpl.isValid() || H5Pget_layout(dcpl.get()) != H5D_CHUNKED || rank == 0)
        return {};
    std::vector<hsize_t> chunk(rank);
    if (H5Pget_chunk(dcpl.get(), static_cast<int>(rank), chunk.data()) != static_cast<int>(rank))
        return {};
    // One band: chunk[0] rows of whole chunks across every other dimension, as HDF5 holds them
    // (in the file's element size, before conversion).
    std::uint64_t rowElements = 1;
    std::uint64_t bandBytes = static_cast<std::uint64_t>(info.elementSize) * chunk[0];
    std::uint64_t chunks = 1;
    bool overflow = false;
    for (std::size_t i = 1; i < rank; ++i) {
        if (chunk[i] == 0)
            return {};
        const std::uint64_t across =
            (static_cast<std::uint64_t>(info.shape[i]) + chunk[i] - 1) / chunk[i];
        overflow = overflow || __builtin_mul_overflow(bandBytes, across * chunk[i], &bandBytes) ||
                   __builtin_mul_overflow(chunks, across, &chunks) ||
                   __builtin_mul_overflow(rowElements, static_cast<std::uint64_t>(info.shape[i]),
                                          &rowElements);
    }
    const std::uint64_t valueBytes = readsAsDouble(info) ? sizeof(double) : sizeof(float);
    // Slabs hold whole bands when one fits (readValuesInSlabs): HDF5's default cache will do.
    if (overflow || chunk[0] * rowElements * valueBytes <= maxSlabBytes || bandBytes > memoryBudget)
        return {};
    Hdf5Handle dapl(H5Pcreate(H5P_DATASET_ACCESS));
    // Slots: HDF5 advises about 100 times the chunks held (a prime is best, not needed).
    const std::size_t slots =
        static_cast<std::size_t>(std::min<std::uint64_t>(chunks * 100 + 1, 1000003));
    // w0 = 1: a chunk read in full is evicted first; the band ahead stays.
    if (!dapl.isValid() ||
        H5Pset_chunk_cache(dapl.get(), slots, bandBytes + bandBytes / 8, 1.0) < 0)
        return {};
    return dapl;
}

WeightTensor readHdf5Dataset(Hid dataset, const DatasetInfo& info, const QString& fileName,
                             std::uint64_t memoryBudget, const ExecutionContext& context)
{
    if (readsAsDouble(info)) {
        LargeVector<double> values = allocateValues<double>(info, fileName);
        readHdf5DatasetInto(dataset, info, fileName, memoryBudget, context, values.data());
        return WeightTensor(info.shape, std::move(values));
    }
    LargeVector<float> values = allocateValues<float>(info, fileName);
    readHdf5DatasetInto(dataset, info, fileName, memoryBudget, context, values.data());
    return WeightTensor(info.shape, std::move(values));
}

WeightTensor readHdf5DatasetMatrix(Hid dataset, const DatasetInfo& info, const QString& fileName,
                                   std::uint64_t memoryBudget, const MatrixMapping& mapping,
                                   const ExecutionContext& context)
{
    if (mapping.storedShape() != info.shape)
        throw std::invalid_argument(
            "readHdf5DatasetMatrix: the mapping is not the dataset's shape");
    if (!info.decodeProblem.isEmpty())
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1: dataset %2 cannot be read: %3")
                        .arg(fileName, quoted(info.path), info.decodeProblem));
    validateChunkShape(dataset, info, fileName, memoryBudget);
    const std::vector<std::int64_t> shape = mapping.matrixTensorShape();
    if (readsAsDouble(info)) {
        LargeVector<double> matrix = allocateValues<double>(info, fileName);
        streamValuesInto<double>(dataset, H5T_NATIVE_DOUBLE, info, fileName, mapping, context,
                                 matrix.data());
        return WeightTensor(shape, std::move(matrix));
    }
    LargeVector<float> matrix = allocateValues<float>(info, fileName);
    const Hdf5Handle fileType(H5Dget_type(dataset));
    if (fileType.isValid() && isIeeeHalf(fileType.get())) {
        const Hdf5Handle halfType(H5Tcopy(fileType.get()));
        if (halfType.isValid() && H5Tset_order(halfType.get(), H5T_ORDER_LE) >= 0) {
            streamValuesInto<float, std::uint16_t>(dataset, halfType.get(), info, fileName, mapping,
                                                   context, matrix.data());
            return WeightTensor(shape, std::move(matrix));
        }
    }
    streamValuesInto<float>(dataset, H5T_NATIVE_FLOAT, info, fileName, mapping, context,
                            matrix.data());
    return WeightTensor(shape, std::move(matrix));
}

bool readsAsDouble(const DatasetInfo& info)
{
    return info.elementClass == ElementClass::Float ? info.elementSize > 4 : info.elementSize > 2;
}

} // namespace sparsity::core
