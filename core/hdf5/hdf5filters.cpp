#include "hdf5filters.h"

#include "error.h"

#include <QStringList>
#include <climits>
#include <cstddef>
#include <hdf5.h>
#include <lzf.h>
#include <mutex>
#include <vector>

namespace sparsity::core {

namespace {

// Puts an entry on HDF5's error stack whose text hdf5ErrorCause() then reports: the read fails
// with "cannot read dataset '<path>': <text>" instead of HDF5's bare "filter returned failure".
void pushFilterError(const char* text)
{
    H5Epush2(H5E_DEFAULT, __FILE__, "decodeLzf", __LINE__, H5E_ERR_CLS, H5E_PLINE, H5E_CANTFILTER,
             "%s", text);
}

// The LZF filter's decode direction. An h5py chunk is a bare liblzf stream (no header of its
// own); h5py records the chunk's uncompressed size, chunk dims x type size, as the third filter
// parameter, which hdf5FilterProblem() checks against the dataset before any read. The output
// buffer has exactly that size and liblzf never writes past the length it is given, so a
// damaged stream fails instead of overflowing. Chunks h5py could not shrink are stored
// without the filter (it is optional) and never reach this function.
size_t decodeLzf(unsigned flags, size_t valueCount, const unsigned values[], size_t bytes,
                 size_t* bufferSize, void** buffer)
{
    if ((flags & H5Z_FLAG_REVERSE) == 0) {
        pushFilterError("this program only decodes LZF; it cannot write LZF chunks");
        return 0;
    }
    if (valueCount < 3 || values[2] == 0) {
        pushFilterError("LZF chunk without its uncompressed size (filter parameters of an "
                        "unknown writer)");
        return 0;
    }
    const std::size_t expected = values[2];
    if (bytes > UINT_MAX) {
        pushFilterError("LZF chunk larger than LZF allows (is the file damaged?)");
        return 0;
    }
    void* const output = H5allocate_memory(expected, false);
    if (output == nullptr) {
        pushFilterError("no memory to decode an LZF chunk");
        return 0;
    }
    const unsigned decoded = lzf_decompress(*buffer, static_cast<unsigned>(bytes), output,
                                            static_cast<unsigned>(expected));
    if (decoded != expected) {
        H5free_memory(output);
        pushFilterError(decoded == 0 ? "LZF chunk is damaged: its data does not decode to the "
                                       "chunk size"
                                     : "LZF chunk is damaged: it decodes to fewer bytes than "
                                       "the chunk size");
        return 0;
    }
    H5free_memory(*buffer);
    *buffer = output;
    *bufferSize = expected;
    return expected;
}

// The short names of the filters weight files use. Plugins record long descriptions as names
// ("HDF5 bzip2 filter; see http://...").
QString knownName(H5Z_filter_t filter)
{
    switch (filter) {
    case 307:
        return QStringLiteral("bzip2");
    case 32000:
        return QStringLiteral("lzf");
    case 32001:
        return QStringLiteral("blosc");
    case 32004:
        return QStringLiteral("lz4");
    case 32008:
        return QStringLiteral("bitshuffle");
    case 32015:
        return QStringLiteral("zstd");
    default:
        return {};
    }
}

QString installHint(H5Z_filter_t filter)
{
    switch (filter) {
    case 32001:
        return QStringLiteral("install the Debian package hdf5-filter-plugin-blosc-serial");
    case 32004:
    case 307:
        return QStringLiteral("install the Debian package hdf5-filter-plugin");
    default:
        return {};
    }
}

// Whether some chunk of a chunked dataset went through the filter at pipeline position
// `index` (an optional filter is skipped for chunks it would not shrink). Unknown counts as
// used when the chunks are too many to look at: reading then says what fails.
bool someChunkUses(hid_t dataset, unsigned index)
{
    const Hdf5Handle space(H5Dget_space(dataset));
    hsize_t chunks = 0;
    if (!space.isValid() || H5Dget_num_chunks(dataset, space.get(), &chunks) < 0)
        return true;
    constexpr hsize_t maxChunksLookedAt = hsize_t{1} << 16;
    if (chunks > maxChunksLookedAt)
        return true;
    for (hsize_t i = 0; i < chunks; ++i) {
        unsigned mask = 0;
        if (H5Dget_chunk_info(dataset, space.get(), i, nullptr, &mask, nullptr, nullptr) < 0)
            return true;
        if ((mask & (1u << index)) == 0)
            return true;
    }
    return false;
}

} // namespace

void registerHdf5Filters()
{
    static std::once_flag once;
    static bool registered = false;
    std::call_once(once, [] {
        const Hdf5ErrorSilencer silencer;
        // encoder_present 0: HDF5 reports the filter as decode-only, so a write through it
        // fails (or skips it, when optional) instead of reaching decodeLzf.
        const H5Z_class2_t lzf = {H5Z_CLASS_T_VERS, lzfFilterId, 0,         1, "lzf",
                                  nullptr,          nullptr,     &decodeLzf};
        registered = H5Zregister(&lzf) >= 0;
    });
    if (!registered)
        throw Error(ErrorCode::Io, QStringLiteral("cannot register the LZF filter with HDF5"));
}

QString hdf5FilterProblem(Hid dataset, Hsize elementSize)
{
    const Hdf5Handle dcpl(H5Dget_create_plist(dataset));
    if (!dcpl.isValid())
        return {};
    const int count = H5Pget_nfilters(dcpl.get());
    QStringList missing;
    QStringList hints;
    for (int i = 0; i < count; ++i) {
        unsigned flags = 0;
        unsigned values[8] = {};
        std::size_t valueCount = std::size(values);
        char name[256] = {};
        unsigned config = 0;
        const H5Z_filter_t filter = H5Pget_filter2(dcpl.get(), static_cast<unsigned>(i), &flags,
                                                   &valueCount, values, sizeof name, name, &config);
        if (filter < 0)
            continue;
        bool decodable = H5Zfilter_avail(filter) > 0;
        unsigned filterConfig = 0;
        if (decodable && H5Zget_filter_info(filter, &filterConfig) >= 0)
            decodable = (filterConfig & H5Z_FILTER_CONFIG_DECODE_ENABLED) != 0;
        if (decodable && filter == lzfFilterId && H5Pget_layout(dcpl.get()) == H5D_CHUNKED) {
            // decodeLzf trusts the size h5py recorded; it must be what HDF5 expects a chunk
            // to decode to, or HDF5 would copy from a buffer of another size.
            const int rank = H5Pget_chunk(dcpl.get(), 0, nullptr);
            std::vector<hsize_t> chunk(rank > 0 ? static_cast<std::size_t>(rank) : 0);
            hsize_t chunkBytes = elementSize;
            bool overflow = rank <= 0 || H5Pget_chunk(dcpl.get(), rank, chunk.data()) != rank;
            for (const hsize_t extent : chunk)
                overflow = overflow || __builtin_mul_overflow(chunkBytes, extent, &chunkBytes);
            if ((valueCount < 3 || overflow || values[2] != chunkBytes) &&
                someChunkUses(dataset, static_cast<unsigned>(i)))
                return QStringLiteral("its LZF filter parameters do not match its chunk size "
                                      "(is the file damaged?)");
        }
        if (decodable)
            continue;
        if ((flags & H5Z_FLAG_OPTIONAL) != 0 && H5Pget_layout(dcpl.get()) == H5D_CHUNKED &&
            !someChunkUses(dataset, static_cast<unsigned>(i)))
            continue;
        QString filterName = knownName(filter);
        if (filterName.isEmpty())
            filterName = QString::fromUtf8(name);
        missing << (filterName.isEmpty()
                        ? QStringLiteral("id %1").arg(filter)
                        : QStringLiteral("'%1' (id %2)").arg(filterName).arg(filter));
        const QString hint = installHint(filter);
        if (!hint.isEmpty() && !hints.contains(hint))
            hints << hint;
    }
    if (missing.isEmpty())
        return {};
    QString problem =
        QStringLiteral("compressed with filter %1, which this HDF5 library cannot decode")
            .arg(missing.join(QStringLiteral(", ")));
    if (!hints.isEmpty())
        problem += QStringLiteral(" (%1)").arg(hints.join(QStringLiteral(", ")));
    return problem;
}

} // namespace sparsity::core
