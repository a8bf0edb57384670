#include "arraydecoder.h"

#include "tensor/halffloat.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <type_traits>

namespace sparsity::core::npy {

namespace {

template <typename U> U swapBytes(U value)
{
    if constexpr (sizeof(U) == 1)
        return value;
    else if constexpr (sizeof(U) == 2)
        return __builtin_bswap16(value);
    else if constexpr (sizeof(U) == 4)
        return __builtin_bswap32(value);
    else
        return __builtin_bswap64(value);
}

// Stored is the element's own type; Bits the unsigned integer of its size. The copy through
// memcpy makes unaligned input safe and compiles to plain loads.
template <typename Stored, typename T>
void convertNumbers(const char* raw, std::size_t count, bool swap, T* out)
{
    using Bits = std::conditional_t<
        sizeof(Stored) == 1, std::uint8_t,
        std::conditional_t<sizeof(Stored) == 2, std::uint16_t,
                           std::conditional_t<sizeof(Stored) == 4, std::uint32_t, std::uint64_t>>>;
    if (swap) {
        for (std::size_t i = 0; i < count; ++i) {
            Bits bits;
            std::memcpy(&bits, raw + i * sizeof(Stored), sizeof bits);
            out[i] = static_cast<T>(std::bit_cast<Stored>(swapBytes(bits)));
        }
    } else {
        for (std::size_t i = 0; i < count; ++i) {
            Stored value;
            std::memcpy(&value, raw + i * sizeof(Stored), sizeof value);
            out[i] = static_cast<T>(value);
        }
    }
}

} // namespace

bool holdsAsDouble(const Dtype& dtype)
{
    return dtype.kind == Kind::Float ? dtype.size > 4 : dtype.size > 2;
}

template <typename T>
ArrayDecoder<T>::ArrayDecoder(const Dtype& dtype, bool fortranOrder,
                              const std::vector<std::int64_t>& shape, T* target)
    : m_dtype(dtype)
    , m_target(target)
    , m_fortran(fortranOrder && shape.size() >= 2)
    , m_shape(shape)
{
    m_storedAsValues = !m_fortran && !dtype.bigEndian && dtype.kind == Kind::Float &&
                       dtype.size == static_cast<int>(sizeof(T));
    if (m_fortran) {
        m_strides.assign(shape.size(), 1);
        for (std::size_t axis = shape.size() - 1; axis > 0; --axis)
            m_strides[axis - 1] = m_strides[axis] * shape[axis];
        m_index.assign(shape.size(), 0);
    }
}

template <typename T> void ArrayDecoder<T>::decode(const char* raw, std::size_t count)
{
    if (count == 0)
        return;
    if (!m_fortran) {
        convert(raw, count, m_target + m_done);
    } else {
        m_values.resize(count);
        convert(raw, count, m_values.data());
        scatter(m_values.data(), count);
    }
    m_done += count;
}

template <typename T> void ArrayDecoder<T>::convert(const char* raw, std::size_t count, T* out)
{
    const bool swap = m_dtype.bigEndian;
    switch (m_dtype.kind) {
    case Kind::Float:
        if constexpr (std::is_same_v<T, float>) {
            if (m_dtype.size == 2) {
                m_halves.resize(count);
                std::memcpy(m_halves.data(), raw, count * 2);
                if (swap) {
                    for (std::uint16_t& half : m_halves)
                        half = __builtin_bswap16(half);
                }
                widenHalves(m_halves.data(), out, count);
            } else {
                convertNumbers<float>(raw, count, swap, out);
            }
        } else {
            convertNumbers<double>(raw, count, swap, out);
        }
        return;
    case Kind::SignedInteger:
        switch (m_dtype.size) {
        case 1:
            return convertNumbers<std::int8_t>(raw, count, swap, out);
        case 2:
            return convertNumbers<std::int16_t>(raw, count, swap, out);
        case 4:
            return convertNumbers<std::int32_t>(raw, count, swap, out);
        default:
            return convertNumbers<std::int64_t>(raw, count, swap, out);
        }
    case Kind::UnsignedInteger:
        switch (m_dtype.size) {
        case 1:
            return convertNumbers<std::uint8_t>(raw, count, swap, out);
        case 2:
            return convertNumbers<std::uint16_t>(raw, count, swap, out);
        case 4:
            return convertNumbers<std::uint32_t>(raw, count, swap, out);
        default:
            return convertNumbers<std::uint64_t>(raw, count, swap, out);
        }
    case Kind::Bool:
        // numpy reads any nonzero byte as True.
        for (std::size_t i = 0; i < count; ++i)
            out[i] = raw[i] != 0 ? T(1) : T(0);
        return;
    case Kind::Unsupported:
        return;
    }
}

template <typename T> void ArrayDecoder<T>::scatter(const T* values, std::size_t count)
{
    // Runs along axis 0 (consecutive in the file, m_strides[0] apart in the target), then the
    // odometer carries into the next axes.
    const std::int64_t rows = m_shape[0];
    const std::int64_t stride = m_strides[0];
    while (count > 0) {
        const auto run = static_cast<std::size_t>(
            std::min<std::uint64_t>(count, static_cast<std::uint64_t>(rows - m_index[0])));
        T* out = m_target + m_base;
        for (std::size_t i = 0; i < run; ++i)
            out[static_cast<std::int64_t>(i) * stride] = values[i];
        values += run;
        count -= run;
        m_index[0] += static_cast<std::int64_t>(run);
        m_base += static_cast<std::int64_t>(run) * stride;
        if (m_index[0] < rows)
            continue;
        m_base -= rows * stride;
        m_index[0] = 0;
        for (std::size_t axis = 1; axis < m_shape.size(); ++axis) {
            ++m_index[axis];
            m_base += m_strides[axis];
            if (m_index[axis] < m_shape[axis])
                break;
            m_base -= m_shape[axis] * m_strides[axis];
            m_index[axis] = 0;
        }
    }
}

template class ArrayDecoder<float>;
template class ArrayDecoder<double>;

} // namespace sparsity::core::npy
