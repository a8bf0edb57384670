#include "deflatechunkwriter.h"

#include "parallel/parallelfor.h"

#include <algorithm>
#include <cstring>
#include <hdf5.h>
#include <zlib.h>

namespace sparsity::core {

namespace {

// Chunks of about 256 KiB of uint8.
constexpr hsize_t chunkElements = 262144;

// writeDeflatedChunks for one dataset: its chunk grid and how to gather and deflate a chunk.
class ParallelChunkWriter
{
public:
    ParallelChunkWriter(hid_t dataset, const std::vector<std::int64_t>& shape,
                        const std::vector<hsize_t>& chunk, const std::uint8_t* mask)
        : m_dataset(dataset)
        , m_shape(shape)
        , m_chunk(chunk)
        , m_mask(mask)
    {
        m_chunkBytes = 1;
        for (std::size_t d = 0; d < shape.size(); ++d) {
            m_grid.push_back((static_cast<hsize_t>(shape[d]) + chunk[d] - 1) / chunk[d]);
            m_chunkBytes *= chunk[d];
            m_chunkCount *= m_grid.back();
        }
    }

    bool write(const ExecutionContext& context)
    {
        const std::int64_t batch = std::max(1, context.threadCount()) * 8;
        std::vector<std::vector<Bytef>> packed(static_cast<std::size_t>(batch));
        std::vector<std::vector<std::uint8_t>> raw(static_cast<std::size_t>(batch));
        for (hsize_t first = 0; first < m_chunkCount; first += static_cast<hsize_t>(batch)) {
            const auto count = static_cast<std::int64_t>(
                std::min<hsize_t>(static_cast<hsize_t>(batch), m_chunkCount - first));
            parallelFor(context, 0, count, 1, [&](std::int64_t from, std::int64_t to) {
                for (std::int64_t i = from; i < to; ++i)
                    compress(first + static_cast<hsize_t>(i), raw[i], packed[i]);
            });
            for (std::int64_t i = 0; i < count; ++i) {
                const std::vector<hsize_t> offset = chunkOffset(first + static_cast<hsize_t>(i));
                const bool stored =
                    packed[i].empty() ? H5Dwrite_chunk(m_dataset, H5P_DEFAULT, 0x1u, offset.data(),
                                                       raw[i].size(), raw[i].data()) >= 0
                                      : H5Dwrite_chunk(m_dataset, H5P_DEFAULT, 0u, offset.data(),
                                                       packed[i].size(), packed[i].data()) >= 0;
                if (!stored)
                    return false;
            }
        }
        return true;
    }

private:
    std::vector<hsize_t> chunkOffset(hsize_t index) const
    {
        std::vector<hsize_t> offset(m_shape.size());
        for (std::size_t d = m_shape.size(); d-- > 0;) {
            offset[d] = (index % m_grid[d]) * m_chunk[d];
            index /= m_grid[d];
        }
        return offset;
    }

    // Gathers one chunk (edge chunks padded with zeros, as HDF5 stores them) and deflates it;
    // leaves `packed` empty when deflating does not pay.
    void compress(hsize_t index, std::vector<std::uint8_t>& raw, std::vector<Bytef>& packed) const
    {
        const std::vector<hsize_t> offset = chunkOffset(index);
        const std::size_t rank = m_shape.size();
        raw.assign(m_chunkBytes, 0);
        const hsize_t lastExtent = std::min<hsize_t>(
            m_chunk[rank - 1], static_cast<hsize_t>(m_shape[rank - 1]) - offset[rank - 1]);
        // Walk the chunk's rows (all dimensions but the last) and copy each valid run.
        std::vector<hsize_t> at(rank, 0);
        for (;;) {
            bool inside = true;
            hsize_t source = 0, target = 0;
            for (std::size_t d = 0; d < rank; ++d) {
                const hsize_t coordinate = offset[d] + at[d];
                inside = inside && coordinate < static_cast<hsize_t>(m_shape[d]);
                source = source * static_cast<hsize_t>(m_shape[d]) + coordinate;
                target = target * m_chunk[d] + at[d];
            }
            if (inside)
                std::memcpy(raw.data() + target, m_mask + source, lastExtent);
            std::size_t d = rank - 1;
            while (d-- > 0) {
                if (++at[d] < m_chunk[d])
                    break;
                at[d] = 0;
            }
            if (d == static_cast<std::size_t>(-1))
                break;
        }
        uLongf size = compressBound(static_cast<uLong>(m_chunkBytes));
        packed.resize(size);
        if (compress2(packed.data(), &size, raw.data(), static_cast<uLong>(m_chunkBytes),
                      maskDeflateLevel) != Z_OK ||
            size >= m_chunkBytes) {
            packed.clear();
            return;
        }
        packed.resize(size);
    }

    hid_t m_dataset;
    const std::vector<std::int64_t>& m_shape;
    const std::vector<hsize_t>& m_chunk;
    const std::uint8_t* m_mask;
    std::vector<hsize_t> m_grid;
    hsize_t m_chunkBytes = 1;
    hsize_t m_chunkCount = 1;
};

} // namespace

std::vector<Hsize> maskChunkShape(const std::vector<std::int64_t>& shape)
{
    std::vector<hsize_t> chunk(shape.size(), 1);
    hsize_t budget = chunkElements;
    for (std::size_t i = shape.size(); i-- > 0;) {
        const auto extent = static_cast<hsize_t>(shape[i]);
        chunk[i] = std::clamp<hsize_t>(extent, 1, std::max<hsize_t>(1, budget));
        budget /= chunk[i];
    }
    return chunk;
}

bool writeDeflatedChunks(Hid dataset, const std::vector<std::int64_t>& shape,
                         const std::vector<Hsize>& chunk, const std::uint8_t* mask,
                         const ExecutionContext& context)
{
    return ParallelChunkWriter(dataset, shape, chunk, mask).write(context);
}

} // namespace sparsity::core
