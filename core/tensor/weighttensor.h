#pragma once

#include "largebuffer.h"

#include <cstdint>
#include <memory>
#include <span>
#include <type_traits>
#include <variant>
#include <vector>

namespace sparsity::core {

// The precision a tensor is held and computed in. Float64 data stays double so that norms and
// their order equal PyTorch's on a double tensor; everything narrower is exact in float.
enum class Precision
{
    Float32,
    Float64,
};

// A weight tensor of any rank >= 1, held row-major, seen as the 2-D matrix of docs/SPEC.md:
// rows() = d0, cols() = d1*...*dn (a rank-1 tensor is one row). Immutable once built, so any
// number of threads may read it.
class WeightTensor
{
public:
    WeightTensor() = default;
    WeightTensor(std::vector<std::int64_t> shape, LargeVector<float> values);
    WeightTensor(std::vector<std::int64_t> shape, LargeVector<double> values);
    // Copies (for small tensors built by tests and tools).
    WeightTensor(std::vector<std::int64_t> shape, const std::vector<float>& values);
    WeightTensor(std::vector<std::int64_t> shape, const std::vector<double>& values);
    // Values held elsewhere, read-only and never changed again (the shared memory the HDF5
    // reader process filled, sealed against writes); `keeper` keeps them alive.
    WeightTensor(std::vector<std::int64_t> shape, std::shared_ptr<const void> keeper,
                 std::span<const float> values);
    WeightTensor(std::vector<std::int64_t> shape, std::shared_ptr<const void> keeper,
                 std::span<const double> values);

    const std::vector<std::int64_t>& shape() const { return m_shape; }
    std::int64_t rows() const { return m_rows; }
    std::int64_t cols() const { return m_cols; }
    std::int64_t elementCount() const { return m_rows * m_cols; }
    Precision precision() const;

    // The values in the tensor's own precision; T must match precision().
    template <typename T> std::span<const T> values() const
    {
        if (m_keeper) {
            // Throws std::bad_variant_access on a precision mismatch, as std::get does.
            if ((std::is_same_v<T, double>) != (m_externalPrecision == Precision::Float64))
                throw std::bad_variant_access();
            return {static_cast<const T*>(m_external), static_cast<std::size_t>(elementCount())};
        }
        return std::get<LargeVector<T>>(m_values);
    }
    double valueAt(std::int64_t row, std::int64_t col) const;
    // The same values under another shape of the same element count, without a copy.
    WeightTensor reshaped(std::vector<std::int64_t> shape) &&;

private:
    void setShape(std::vector<std::int64_t> shape, std::size_t valueCount);

    std::vector<std::int64_t> m_shape;
    std::int64_t m_rows = 0;
    std::int64_t m_cols = 0;
    std::variant<LargeVector<float>, LargeVector<double>> m_values;
    // Set for values held elsewhere (then m_values is empty).
    std::shared_ptr<const void> m_keeper;
    const void* m_external = nullptr;
    Precision m_externalPrecision = Precision::Float32;
};

// Element count of a shape; 0 for an empty shape list is never used (rank >= 1 always).
std::int64_t elementCountOf(const std::vector<std::int64_t>& shape);

} // namespace sparsity::core
