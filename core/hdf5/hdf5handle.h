#pragma once

// Internal to core/hdf5: the RAII and error helpers its .cpp files share. Deliberately free of
// hdf5.h, so that including it by mistake elsewhere does not leak the C API.

#include <QString>
#include <cstdint>

namespace sparsity::core {

// HDF5's hid_t, hsize_t and H5E_auto2_t (checked against hdf5.h by static_assert in
// hdf5handle.cpp).
using Hid = std::int64_t;
using Hsize = unsigned long long;
using Hdf5AutoErrorFunc = int (*)(Hid stack, void* clientData);

// Owns one HDF5 identifier (file, group, dataset, dataspace, datatype, attribute or property
// list) and closes it with the H5?close its type needs. Move-only; used on one thread at a time.
class Hdf5Handle
{
public:
    Hdf5Handle() = default;
    explicit Hdf5Handle(Hid id)
        : m_id(id)
    {}
    ~Hdf5Handle() { reset(); }
    Hdf5Handle(Hdf5Handle&& other) noexcept
        : m_id(other.release())
    {}
    Hdf5Handle& operator=(Hdf5Handle&& other) noexcept;
    Hdf5Handle(const Hdf5Handle&) = delete;
    Hdf5Handle& operator=(const Hdf5Handle&) = delete;

    Hid get() const { return m_id; }
    bool isValid() const { return m_id >= 0; }
    Hid release();
    // Closes the current identifier (errors silenced and ignored) and takes ownership of id.
    void reset(Hid id = -1) noexcept;
    // Closes now; false when HDF5 reports an error, whose cause hdf5ErrorCause() then gives.
    // Writers use it on files: closing a file is where HDF5 writes its metadata.
    bool close();

private:
    Hid m_id = -1;
};

// Turns HDF5's automatic error printing off on this thread while it lives, restoring the
// previous handler afterwards: errors become our messages, never stderr noise.
class Hdf5ErrorSilencer
{
public:
    Hdf5ErrorSilencer();
    ~Hdf5ErrorSilencer();
    Hdf5ErrorSilencer(const Hdf5ErrorSilencer&) = delete;
    Hdf5ErrorSilencer& operator=(const Hdf5ErrorSilencer&) = delete;

private:
    Hdf5AutoErrorFunc m_func = nullptr;
    void* m_clientData = nullptr;
    bool m_saved = false;
};

// The cause recorded on this thread's HDF5 error stack, as a short text for a message (the most
// specific entry, e.g. "truncated file: eof = 1024, ..."); empty when the stack is empty.
// Call it right after the failing call: every HDF5 API call clears the stack on entry.
QString hdf5ErrorCause();

// "message: cause" with the current hdf5ErrorCause(), or message alone when there is none.
QString withHdf5Cause(const QString& message);

// Throws Error(Io) with withHdf5Cause(message).
[[noreturn]] void throwHdf5Io(const QString& message);

} // namespace sparsity::core
