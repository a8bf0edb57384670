#include "prunedchunkwriter.h"

#include "error.h"
#include "io/datasetchecks.h"
#include "parallel/parallelfor.h"

#include <algorithm>
#include <cstring>
#include <hdf5.h>
#include <libdeflate.h>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

namespace sparsity::core {
namespace {

// Raw chunk bytes in flight per batch: a few chunks per thread, whatever the chunk size.
constexpr std::uint64_t batchBytes = std::uint64_t{64} << 20;
// Chunks per thread per batch, so that a slow chunk does not leave threads idle.
constexpr int chunksPerThread = 4;
// Fletcher-32 words summed before the sums are reduced: 64-bit sums cannot overflow.
constexpr std::size_t fletcherBlockWords = std::size_t{1} << 20;

// One stage of a pipeline this code encodes; `parameter` is shuffle's element size or
// deflate's level.
struct Stage
{
    H5Z_filter_t filter;
    unsigned parameter;
};

// What the rewrite needs to know about a dataset.
struct Plan
{
    std::vector<Stage> stages; // in the order HDF5 applies them when writing
    std::vector<hsize_t> shape;
    std::vector<hsize_t> chunk;
    std::vector<hsize_t> grid; // chunks along each dimension
    std::size_t elementSize = 0;
    std::size_t chunkBytes = 0;
    hsize_t chunkCount = 1;
};

// The plan for a dataset whose pipeline this code encodes, nullopt for any other.
std::optional<Plan> planFor(hid_t dataset)
{
    const Hdf5Handle dcpl(H5Dget_create_plist(dataset));
    const Hdf5Handle type(H5Dget_type(dataset));
    const Hdf5Handle space(H5Dget_space(dataset));
    if (!dcpl.isValid() || !type.isValid() || !space.isValid() ||
        H5Pget_layout(dcpl.get()) != H5D_CHUNKED)
        return std::nullopt;
    Plan plan;
    bool deflates = false;
    const int count = H5Pget_nfilters(dcpl.get());
    for (int i = 0; i < count; ++i) {
        unsigned flags = 0;
        unsigned values[8] = {};
        std::size_t valueCount = std::size(values);
        unsigned config = 0;
        const H5Z_filter_t filter = H5Pget_filter2(dcpl.get(), static_cast<unsigned>(i), &flags,
                                                   &valueCount, values, 0, nullptr, &config);
        // One deflate: the size its output inflates to is then known (the chunk's, plus any
        // checksums before it).
        if (filter == H5Z_FILTER_DEFLATE && valueCount >= 1 && values[0] <= 9 && !deflates) {
            deflates = true;
            plan.stages.push_back({filter, values[0]});
        } else if (filter == H5Z_FILTER_SHUFFLE) {
            // HDF5 stores the element size when the dataset is created (its set_local).
            const unsigned size =
                valueCount >= 1 ? values[0] : static_cast<unsigned>(H5Tget_size(type.get()));
            if (size == 0)
                return std::nullopt;
            plan.stages.push_back({filter, size});
        } else if (filter == H5Z_FILTER_FLETCHER32) {
            plan.stages.push_back({filter, 0});
        } else {
            return std::nullopt;
        }
    }
    // Without deflate HDF5's own path costs little more than the copy: nothing to gain.
    if (!deflates)
        return std::nullopt;

    const int rank = H5Sget_simple_extent_ndims(space.get());
    plan.elementSize = H5Tget_size(type.get());
    if (rank < 1 || plan.elementSize == 0)
        return std::nullopt;
    plan.shape.resize(static_cast<std::size_t>(rank));
    plan.chunk.resize(static_cast<std::size_t>(rank));
    if (H5Sget_simple_extent_dims(space.get(), plan.shape.data(), nullptr) != rank ||
        H5Pget_chunk(dcpl.get(), rank, plan.chunk.data()) != rank)
        return std::nullopt;
    std::uint64_t bytes = plan.elementSize;
    for (int d = 0; d < rank; ++d) {
        const hsize_t extent = plan.shape[static_cast<std::size_t>(d)];
        const hsize_t chunk = plan.chunk[static_cast<std::size_t>(d)];
        if (chunk == 0 || __builtin_mul_overflow(bytes, chunk, &bytes))
            return std::nullopt;
        plan.grid.push_back((extent + chunk - 1) / chunk);
        plan.chunkCount *= plan.grid.back();
    }
    // HDF5 refuses chunks of 4 GiB and more; fletcher32 adds 4 bytes to each.
    if (bytes >= (std::uint64_t{1} << 32) - 8 || plan.chunkCount == 0)
        return std::nullopt;
    plan.chunkBytes = static_cast<std::size_t>(bytes);
    // A chunk never written reads as the fill value and has no stored bytes to decode.
    hsize_t allocated = 0;
    if (H5Dget_num_chunks(dataset, space.get(), &allocated) < 0 || allocated != plan.chunkCount)
        return std::nullopt;
    return plan;
}

// libdeflate's compressor (for one level) and decompressor, one of each per thread
// (threadDeflater): they hold tables better reused from chunk to chunk than made for each.
struct Deflater
{
    int level = -1;
    struct FreeCompressor
    {
        void operator()(libdeflate_compressor* c) const { libdeflate_free_compressor(c); }
    };
    struct FreeDecompressor
    {
        void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
    };
    std::unique_ptr<libdeflate_compressor, FreeCompressor> compressor;
    std::unique_ptr<libdeflate_decompressor, FreeDecompressor> decompressor;
};

Deflater& threadDeflater()
{
    thread_local Deflater deflater;
    return deflater;
}

// One chunk on its way through a batch. The buffers keep their capacity between batches.
struct ChunkJob
{
    std::vector<hsize_t> offset;
    std::uint32_t filterMask = 0;
    std::size_t storedSize = 0;
    std::vector<unsigned char> data; // stored bytes in, stored bytes out
    std::vector<unsigned char> scratch;
    enum
    {
        Done,
        Undecodable,
        OutOfMemory
    } outcome = Done;
};

void shuffle(const unsigned char* in, unsigned char* out, std::size_t bytes, std::size_t size)
{
    // Byte j of element i goes to plane j; a remainder shorter than an element stays at the end.
    const std::size_t elements = bytes / size;
    for (std::size_t j = 0; j < size; ++j) {
        unsigned char* plane = out + j * elements;
        for (std::size_t i = 0; i < elements; ++i)
            plane[i] = in[i * size + j];
    }
    std::memcpy(out + elements * size, in + elements * size, bytes - elements * size);
}

void unshuffle(const unsigned char* in, unsigned char* out, std::size_t bytes, std::size_t size)
{
    const std::size_t elements = bytes / size;
    for (std::size_t j = 0; j < size; ++j) {
        const unsigned char* plane = in + j * elements;
        for (std::size_t i = 0; i < elements; ++i)
            out[i * size + j] = plane[i];
    }
    std::memcpy(out + elements * size, in + elements * size, bytes - elements * size);
}

// Rewrites the chunks of one dataset in batches: read, then decode, zero and encode in
// parallel, then write in chunk order.
class PrunedChunkWriter
{
public:
    PrunedChunkWriter(hid_t dataset, Plan plan, const std::uint8_t* mask)
        : m_dataset(dataset)
        , m_plan(std::move(plan))
        , m_mask(mask)
    {}

    ChunkRewrite write(const QString& fileName, const QString& datasetPath,
                       const ExecutionContext& context)
    {
        const std::uint64_t byBytes = std::max<std::uint64_t>(1, batchBytes / m_plan.chunkBytes);
        const auto batch = static_cast<hsize_t>(std::min<std::uint64_t>(
            byBytes,
            static_cast<std::uint64_t>(std::max(1, context.threadCount())) * chunksPerThread));
        std::vector<ChunkJob> jobs(static_cast<std::size_t>(std::min(batch, m_plan.chunkCount)));
        const auto fail = [&](const char* what) {
            throwHdf5Io(QStringLiteral("%1: cannot %2 a chunk of dataset %3")
                            .arg(fileName, QLatin1String(what), quoted(datasetPath)));
        };
        for (hsize_t first = 0; first < m_plan.chunkCount; first += batch) {
            context.throwIfCancelled();
            const auto count = static_cast<std::size_t>(std::min(batch, m_plan.chunkCount - first));
            for (std::size_t i = 0; i < count; ++i) {
                ChunkJob& job = jobs[i];
                job.offset = chunkOffset(first + i);
                hsize_t stored = 0;
                if (H5Dget_chunk_storage_size(m_dataset, job.offset.data(), &stored) < 0)
                    fail("read");
                // No pipeline here stores much more than the chunk (deflate adds a few bytes
                // per 16 KiB, fletcher32 four): a larger size is damage, left to HDF5's filters
                // rather than allocated here.
                if (stored > 2 * static_cast<hsize_t>(m_plan.chunkBytes) + 4096)
                    return ChunkRewrite::NotSupported;
                job.storedSize = static_cast<std::size_t>(stored);
                job.data.resize(job.storedSize);
                if (H5Dread_chunk(m_dataset, H5P_DEFAULT, job.offset.data(), &job.filterMask,
                                  job.data.data()) < 0)
                    fail("read");
            }
            parallelFor(context, 0, static_cast<std::int64_t>(count), 1,
                        [&](std::int64_t begin, std::int64_t end) {
                            Deflater& deflater = threadDeflater();
                            for (std::int64_t i = begin; i < end; ++i)
                                rewrite(jobs[static_cast<std::size_t>(i)], deflater);
                        });
            for (std::size_t i = 0; i < count; ++i) {
                if (jobs[i].outcome == ChunkJob::Undecodable)
                    return ChunkRewrite::NotSupported;
                if (jobs[i].outcome == ChunkJob::OutOfMemory)
                    throw Error(ErrorCode::OutOfMemory,
                                QStringLiteral("%1: dataset %2: no memory to compress a chunk")
                                    .arg(fileName, quoted(datasetPath)));
            }
            for (std::size_t i = 0; i < count; ++i) {
                ChunkJob& job = jobs[i];
                // HDF5 1.10 overwrites a chunk whose size is unchanged in place and keeps its old
                // filter mask: a chunk stored with a filter skipped would then be read with that
                // filter skipped. One byte more moves it first, and the mask with it.
                if (job.filterMask != 0 && job.data.size() == job.storedSize) {
                    job.data.push_back(0);
                    if (H5Dwrite_chunk(m_dataset, H5P_DEFAULT, 0u, job.offset.data(),
                                       job.data.size(), job.data.data()) < 0)
                        fail("write");
                    job.data.pop_back();
                }
                // Every filter applied, none skipped: filter mask 0.
                if (H5Dwrite_chunk(m_dataset, H5P_DEFAULT, 0u, job.offset.data(), job.data.size(),
                                   job.data.data()) < 0)
                    fail("write");
            }
        }
        return ChunkRewrite::Rewritten;
    }

private:
    std::vector<hsize_t> chunkOffset(hsize_t index) const
    {
        std::vector<hsize_t> offset(m_plan.shape.size());
        for (std::size_t d = m_plan.shape.size(); d-- > 0;) {
            offset[d] = (index % m_plan.grid[d]) * m_plan.chunk[d];
            index /= m_plan.grid[d];
        }
        return offset;
    }

    void rewrite(ChunkJob& job, Deflater& deflater) const
    {
        job.outcome = ChunkJob::Done;
        if (!decode(job, deflater)) {
            if (job.outcome == ChunkJob::Done)
                job.outcome = ChunkJob::Undecodable;
            return;
        }
        zeroPruned(job);
        job.outcome = encode(job, deflater) ? ChunkJob::Done : ChunkJob::OutOfMemory;
    }

    // Undoes the stages in reverse order, skipping those the chunk's filter mask marks as not
    // applied. False when the stored bytes do not decode to exactly one chunk.
    bool decode(ChunkJob& job, Deflater& deflater) const
    {
        const std::size_t stageCount = m_plan.stages.size();
        if (stageCount < 32 && (job.filterMask >> stageCount) != 0)
            return false;
        // The size of the data that entered the deflate stage when the chunk was written: the
        // chunk's, plus 4 bytes for each checksum applied before it.
        std::size_t deflated = m_plan.chunkBytes;
        for (std::size_t s = 0; s < stageCount && m_plan.stages[s].filter != H5Z_FILTER_DEFLATE;
             ++s)
            if ((job.filterMask >> s & 1u) == 0 && m_plan.stages[s].filter == H5Z_FILTER_FLETCHER32)
                deflated += 4;
        for (std::size_t s = stageCount; s-- > 0;) {
            if ((job.filterMask >> s & 1u) != 0)
                continue;
            const Stage& stage = m_plan.stages[s];
            if (stage.filter == H5Z_FILTER_FLETCHER32) {
                if (job.data.size() < 4)
                    return false;
                const std::size_t expected = job.data.size() - 4;
                const unsigned char* tail = job.data.data() + expected;
                const std::uint32_t stored = std::uint32_t{tail[0]} | std::uint32_t{tail[1]} << 8 |
                                             std::uint32_t{tail[2]} << 16 |
                                             std::uint32_t{tail[3]} << 24;
                if (stored != hdf5Fletcher32(job.data.data(), expected))
                    return false;
                job.data.resize(expected);
            } else if (stage.filter == H5Z_FILTER_DEFLATE) {
                if (!deflater.decompressor)
                    deflater.decompressor.reset(libdeflate_alloc_decompressor());
                if (!deflater.decompressor) {
                    job.outcome = ChunkJob::OutOfMemory;
                    return false;
                }
                job.scratch.resize(deflated);
                // One zlib stream that fills the chunk exactly, its Adler-32 checked.
                std::size_t consumed = 0;
                std::size_t produced = 0;
                if (libdeflate_zlib_decompress_ex(deflater.decompressor.get(), job.data.data(),
                                                  job.data.size(), job.scratch.data(), deflated,
                                                  &consumed, &produced) != LIBDEFLATE_SUCCESS ||
                    produced != deflated)
                    return false;
                job.data.swap(job.scratch);
            } else {
                const std::size_t size = job.data.size();
                job.scratch.resize(size);
                unshuffle(job.data.data(), job.scratch.data(), size, stage.parameter);
                job.data.swap(job.scratch);
            }
        }
        return job.data.size() == m_plan.chunkBytes;
    }

    // Sets the pruned elements inside the dataset's extent to zero bytes; the padding of an edge
    // chunk stays as it was, as when HDF5 rewrites a partial chunk.
    void zeroPruned(ChunkJob& job) const
    {
        const std::vector<hsize_t>& shape = m_plan.shape;
        const std::vector<hsize_t>& chunk = m_plan.chunk;
        const std::size_t rank = shape.size();
        std::vector<hsize_t> extent(rank);
        for (std::size_t d = 0; d < rank; ++d)
            extent[d] = std::min(chunk[d], shape[d] - job.offset[d]);
        const std::size_t size = m_plan.elementSize;
        const std::size_t run = static_cast<std::size_t>(extent[rank - 1]);
        std::vector<hsize_t> at(rank, 0);
        for (;;) {
            hsize_t source = 0;
            hsize_t target = 0;
            for (std::size_t d = 0; d < rank; ++d) {
                source = source * shape[d] + job.offset[d] + at[d];
                target = target * chunk[d] + at[d];
            }
            zeroRun(job.data.data() + target * size, m_mask + source, run, size);
            std::size_t d = rank - 1;
            while (d-- > 0) {
                if (++at[d] < extent[d])
                    break;
                at[d] = 0;
            }
            if (d == static_cast<std::size_t>(-1))
                return;
        }
    }

    static void zeroRun(unsigned char* data, const std::uint8_t* mask, std::size_t count,
                        std::size_t size)
    {
        // Fixed sizes let the compiler turn each memset into one store.
        const auto fixed = [&](auto width) {
            for (std::size_t i = 0; i < count; ++i)
                if (mask[i] == 0)
                    std::memset(data + i * width, 0, width);
        };
        switch (size) {
        case 1:
            return fixed(std::integral_constant<std::size_t, 1>{});
        case 2:
            return fixed(std::integral_constant<std::size_t, 2>{});
        case 4:
            return fixed(std::integral_constant<std::size_t, 4>{});
        case 8:
            return fixed(std::integral_constant<std::size_t, 8>{});
        default:
            for (std::size_t i = 0; i < count; ++i)
                if (mask[i] == 0)
                    std::memset(data + i * size, 0, size);
        }
    }

    // Applies the stages in order, as HDF5's pipeline does when it writes a chunk. False when
    // libdeflate has no memory (with a buffer of its bound it has no other failure).
    bool encode(ChunkJob& job, Deflater& deflater) const
    {
        for (const Stage& stage : m_plan.stages) {
            const std::size_t size = job.data.size();
            if (stage.filter == H5Z_FILTER_FLETCHER32) {
                const std::uint32_t sum = hdf5Fletcher32(job.data.data(), size);
                job.data.resize(size + 4);
                for (int b = 0; b < 4; ++b)
                    job.data[size + static_cast<std::size_t>(b)] =
                        static_cast<unsigned char>(sum >> (8 * b));
            } else if (stage.filter == H5Z_FILTER_DEFLATE) {
                // A zlib stream, as HDF5's deflate filter stores, at the dataset's level (0 to 9
                // mean in libdeflate what they mean in zlib: stored, then fastest to strongest),
                // kept even when it is larger than its input, as HDF5 keeps it. libdeflate, not
                // zlib's compress2 as HDF5: under half the time, slightly smaller chunks
                // (bench/README.md).
                if (!deflater.compressor || deflater.level != int(stage.parameter)) {
                    deflater.compressor.reset(
                        libdeflate_alloc_compressor(static_cast<int>(stage.parameter)));
                    deflater.level = int(stage.parameter);
                }
                if (!deflater.compressor)
                    return false;
                job.scratch.resize(libdeflate_zlib_compress_bound(deflater.compressor.get(), size));
                const std::size_t packed =
                    libdeflate_zlib_compress(deflater.compressor.get(), job.data.data(), size,
                                             job.scratch.data(), job.scratch.size());
                if (packed == 0)
                    return false;
                job.scratch.resize(packed);
                job.data.swap(job.scratch);
            } else {
                job.scratch.resize(size);
                shuffle(job.data.data(), job.scratch.data(), size, stage.parameter);
                job.data.swap(job.scratch);
            }
        }
        return true;
    }

    hid_t m_dataset;
    Plan m_plan;
    const std::uint8_t* m_mask;
};

} // namespace

std::uint32_t hdf5Fletcher32(const unsigned char* data, std::size_t size)
{
    // Summed in 64 bits and reduced once per block: only the residues modulo 65535 and whether
    // any word is nonzero decide the result, however often the sums are folded.
    std::uint64_t sum1 = 0;
    std::uint64_t sum2 = 0;
    bool nonzero = false;
    const std::size_t words = size / 2;
    for (std::size_t first = 0; first < words; first += fletcherBlockWords) {
        const std::size_t last = std::min(words, first + fletcherBlockWords);
        for (std::size_t w = first; w < last; ++w) {
            const unsigned word = unsigned{data[2 * w]} << 8 | data[2 * w + 1];
            nonzero |= word != 0;
            sum1 += word;
            sum2 += sum1;
        }
        sum1 %= 65535;
        sum2 %= 65535;
    }
    if (size % 2 != 0) {
        const unsigned word = unsigned{data[size - 1]} << 8;
        nonzero |= word != 0;
        sum1 = (sum1 + word) % 65535;
        sum2 = (sum2 + sum1) % 65535;
    }
    if (!nonzero)
        return 0;
    // HDF5 folds carries back into 16 bits, which leaves 0xffff, never 0, for a nonzero multiple.
    const auto folded = [](std::uint64_t sum) {
        return static_cast<std::uint32_t>(sum == 0 ? 0xffff : sum);
    };
    return folded(sum2) << 16 | folded(sum1);
}

ChunkRewrite rewritePrunedChunks(Hid dataset, const std::uint8_t* mask, const QString& fileName,
                                 const QString& datasetPath, const ExecutionContext& context)
{
    std::optional<Plan> plan = planFor(dataset);
    if (!plan)
        return ChunkRewrite::NotSupported;
    return PrunedChunkWriter(dataset, std::move(*plan), mask).write(fileName, datasetPath, context);
}

} // namespace sparsity::core
