#pragma once

// Internal to core/numpy: turns the elements of a .npy array, as they come in file order,
// into the row-major values of a WeightTensor. One thread at a time.

#include "npyheader.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sparsity::core::npy {

// Whether a numeric dtype is held as double (float64, integers wider than 16 bits) rather than
// float: docs/SPEC.md "Inputs".
bool holdsAsDouble(const Dtype& dtype);

// T is double when holdsAsDouble(dtype), float otherwise.
template <typename T> class ArrayDecoder
{
public:
    // `target` holds every element of `shape`; the decoder writes each exactly once.
    ArrayDecoder(const Dtype& dtype, bool fortranOrder, const std::vector<std::int64_t>& shape,
                 T* target);

    // Whether the stored bytes already are the values in row-major order (little-endian
    // float32 or float64, C order): then they may be read straight into the target.
    bool storedAsValues() const { return m_storedAsValues; }
    // Decodes the next `count` elements, `raw` holding count * dtype.size bytes.
    void decode(const char* raw, std::size_t count);
    // Converts `count` elements to `out` as decode() does, but in file order, whatever the
    // array's order, and without moving on: for a caller that places them itself (the stream
    // into matrix order, core/tensor/matrixmapping's scatterSlab).
    void convert(const char* raw, std::size_t count, T* out);

private:
    void scatter(const T* values, std::size_t count);

    Dtype m_dtype;
    bool m_storedAsValues = false;
    T* m_target;
    std::uint64_t m_done = 0; // elements decoded so far
    // Fortran order: the file runs along axis 0 first. m_index is the current element's index
    // per axis, m_base its row-major position, m_strides the row-major stride of each axis.
    bool m_fortran = false;
    std::vector<std::int64_t> m_shape;
    std::vector<std::int64_t> m_strides;
    std::vector<std::int64_t> m_index;
    std::int64_t m_base = 0;
    std::vector<T> m_values;             // converted, before scattering (Fortran order)
    std::vector<std::uint16_t> m_halves; // byte-swapped halves before widening
};

extern template class ArrayDecoder<float>;
extern template class ArrayDecoder<double>;

} // namespace sparsity::core::npy
