#include "weighttensor.h"

#include <cassert>
#include <functional>
#include <numeric>
#include <stdexcept>

namespace sparsity::core {

std::int64_t elementCountOf(const std::vector<std::int64_t>& shape)
{
    return std::accumulate(shape.begin(), shape.end(), std::int64_t{1}, std::multiplies<>());
}

WeightTensor::WeightTensor(std::vector<std::int64_t> shape, LargeVector<float> values)
    : m_values(std::move(values))
{
    setShape(std::move(shape), std::get<LargeVector<float>>(m_values).size());
}

WeightTensor::WeightTensor(std::vector<std::int64_t> shape, LargeVector<double> values)
    : m_values(std::move(values))
{
    setShape(std::move(shape), std::get<LargeVector<double>>(m_values).size());
}

WeightTensor::WeightTensor(std::vector<std::int64_t> shape, const std::vector<float>& values)
    : WeightTensor(std::move(shape), LargeVector<float>(values.begin(), values.end()))
{}

WeightTensor::WeightTensor(std::vector<std::int64_t> shape, const std::vector<double>& values)
    : WeightTensor(std::move(shape), LargeVector<double>(values.begin(), values.end()))
{}

WeightTensor::WeightTensor(std::vector<std::int64_t> shape, std::shared_ptr<const void> keeper,
                           std::span<const float> values)
    : m_keeper(std::move(keeper))
    , m_external(values.data())
    , m_externalPrecision(Precision::Float32)
{
    setShape(std::move(shape), values.size());
}

WeightTensor::WeightTensor(std::vector<std::int64_t> shape, std::shared_ptr<const void> keeper,
                           std::span<const double> values)
    : m_keeper(std::move(keeper))
    , m_external(values.data())
    , m_externalPrecision(Precision::Float64)
{
    setShape(std::move(shape), values.size());
}

void WeightTensor::setShape(std::vector<std::int64_t> shape, std::size_t valueCount)
{
    // A programmer error, not an input error: readers check shapes before building tensors.
    if (shape.empty() || elementCountOf(shape) != static_cast<std::int64_t>(valueCount))
        throw std::invalid_argument("WeightTensor: shape does not match the value count");
    m_shape = std::move(shape);
    m_rows = m_shape.size() == 1 ? 1 : m_shape[0];
    m_cols = std::accumulate(m_shape.begin() + (m_shape.size() == 1 ? 0 : 1), m_shape.end(),
                             std::int64_t{1}, std::multiplies<>());
}

Precision WeightTensor::precision() const
{
    if (m_keeper)
        return m_externalPrecision;
    return std::holds_alternative<LargeVector<float>>(m_values) ? Precision::Float32
                                                                : Precision::Float64;
}

WeightTensor WeightTensor::reshaped(std::vector<std::int64_t> shape) &&
{
    WeightTensor result;
    const std::size_t count = static_cast<std::size_t>(elementCount());
    result.m_values = std::move(m_values);
    result.setShape(std::move(shape), count);
    m_shape.clear();
    m_rows = m_cols = 0;
    return result;
}

double WeightTensor::valueAt(std::int64_t row, std::int64_t col) const
{
    assert(row >= 0 && row < m_rows && col >= 0 && col < m_cols);
    const auto index = static_cast<std::size_t>(row * m_cols + col);
    if (m_keeper)
        return m_externalPrecision == Precision::Float64
                   ? static_cast<const double*>(m_external)[index]
                   : static_cast<double>(static_cast<const float*>(m_external)[index]);
    return std::visit([index](const auto& v) { return static_cast<double>(v[index]); }, m_values);
}

} // namespace sparsity::core
