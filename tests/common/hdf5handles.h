#pragma once

// HDF5 handles for writing fixtures with the C API, never with the code under test: an owner
// of an identifier, a new file, a dataset. Shared by hdf5fixtures and tst_hdf5io. A handle
// belongs to the thread that made it.

#include <QString>
#include <cstdint>
#include <hdf5.h>
#include <utility>
#include <vector>

namespace sparsity::test {

// Closes the identifier with `close` when it goes; an invalid (negative) one is left alone.
class Id
{
public:
    Id(hid_t id, herr_t (*close)(hid_t))
        : m_id(id)
        , m_close(close)
    {}
    ~Id()
    {
        if (m_id >= 0)
            m_close(m_id);
    }
    Id(Id&& other) noexcept
        : m_id(std::exchange(other.m_id, -1))
        , m_close(other.m_close)
    {}
    Id(const Id&) = delete;
    Id& operator=(const Id&) = delete;
    operator hid_t() const { return m_id; }
    bool ok() const { return m_id >= 0; }

private:
    hid_t m_id;
    herr_t (*m_close)(hid_t);
};

// Creates or truncates `path`.
Id createFile(const QString& path);

// Creates dataset `path` (UTF-8, intermediate groups included) of `dims` (none: scalar) and
// writes `data` in `memoryType` when given.
bool writeDataset(hid_t file, const QString& path, hid_t fileType, std::vector<hsize_t> dims,
                  hid_t memoryType = -1, const void* data = nullptr, hid_t dcpl = H5P_DEFAULT);
inline bool writeDataset(hid_t file, const char* path, hid_t fileType, std::vector<hsize_t> dims,
                         hid_t memoryType = -1, const void* data = nullptr,
                         hid_t dcpl = H5P_DEFAULT)
{
    return writeDataset(file, QString::fromUtf8(path), fileType, std::move(dims), memoryType, data,
                        dcpl);
}

// IEEE half precision (float16) in the given byte order; h5py's float16 is little-endian.
Id float16Type(H5T_order_t order = H5T_ORDER_LE);
// Exact float16 -> double, as numpy's astype(np.float64) (and astype(np.float32)) computes it.
double halfToDouble(std::uint16_t bits);

} // namespace sparsity::test
