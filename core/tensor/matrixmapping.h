#pragma once

#include "largebuffer.h"
#include "parallel/executioncontext.h"
#include "tensorlayout.h"
#include "weighttensor.h"

#include <QString>
#include <cstdint>
#include <span>
#include <vector>

namespace sparsity::core {

// The order in which a reader delivers a stored tensor's values: row-major (C order: HDF5,
// safetensors, most .npy files) or column-major (Fortran-order .npy, whose first axis runs
// fastest, so the file holds the row-major values of the tensor with its axes reversed).
enum class StoredOrder
{
    RowMajor,
    ColumnMajor
};

// How a stored tensor becomes the matrix of docs/SPEC.md "Inputs" under a layout and a view
// ("Layout" and "View" in Part 2), and how a mask of that matrix goes back to the stored
// shape and axis order. The matrix is the stored tensor with its axes put in axisOrder(),
// row-major, the first rowAxes() of them making the rows. Immutable: any thread.
class MatrixMapping
{
public:
    // The mapping of today's default (torch, flatten): the stored order is the matrix's.
    explicit MatrixMapping(std::vector<std::int64_t> storedShape);
    // layout is Torch or Keras (resolve Auto first: resolveLayout). Rank 1 is the 1 x N
    // matrix, and the layout and view change nothing below rank 2 (Keras transposes rank >= 2).
    MatrixMapping(std::vector<std::int64_t> storedShape, Layout layout, MatrixView view);

    const std::vector<std::int64_t>& storedShape() const { return m_storedShape; }
    Layout layout() const { return m_layout; }
    MatrixView view() const { return m_view; }
    // Stored axes in matrix order: torch/flatten (0, 1, ..., r-1), torch/channels-last
    // (0, 2, ..., r-1, 1), keras/flatten (r-1, r-2, 0, ..., r-3), keras/channels-last
    // (r-1, 0, ..., r-3, r-2).
    const std::vector<int>& axisOrder() const { return m_axisOrder; }
    int rowAxes() const { return m_rowAxes; }
    std::int64_t rows() const { return m_rows; }
    std::int64_t cols() const { return m_cols; }
    std::int64_t elementCount() const { return m_rows * m_cols; }
    // True when the stored row-major order already is the matrix's, so no copy is needed.
    bool keepsStoredOrder() const { return m_sameOrder; }
    // True when, besides, the stored tensor's own rows (d0) and columns are the matrix's:
    // toMatrix then hands the tensor back as it is.
    bool isIdentity() const { return m_identity; }
    // The shape of the tensor toMatrix gives: the stored shape when isIdentity(), else
    // {rows, cols}. Readers that fill a matrix themselves give it this shape too.
    std::vector<std::int64_t> matrixTensorShape() const;
    // "16x27", as mask attributes and `list` show it.
    QString matrixShapeText() const;

    // The stored tensor (shape storedShape()) as the matrix: the same tensor when isIdentity(),
    // its values reshaped to {rows, cols} when keepsStoredOrder(), else a new {rows, cols}
    // tensor in the same precision. Throws Error(Cancelled) when asked.
    WeightTensor toMatrix(WeightTensor stored, const ExecutionContext& context) const;
    // A matrix-order mask (elementCount() bytes) in the stored shape and axis order.
    LargeVector<std::uint8_t> toStored(std::span<const std::uint8_t> matrixMask,
                                       const ExecutionContext& context) const;
    // Stream form of toMatrix: writes the stored values [first, first + slab.size()), counted
    // in `order`, to their places in `matrix` (elementCount() values in matrix order), and
    // nothing else, so that a reader can fill the matrix slab by slab without ever holding the
    // stored tensor whole. Any range works; slabs of whole rows of the stored order's leading
    // axis (leadingRowElements()) take the fewest copy steps. Each matrix element is written
    // by exactly one work unit, so the result does not depend on the threads. Throws
    // std::invalid_argument for a range outside the tensor or a matrix of the wrong size, and
    // Error(Cancelled) when asked.
    void scatterSlab(std::span<const float> slab, std::int64_t first, std::span<float> matrix,
                     const ExecutionContext& context,
                     StoredOrder order = StoredOrder::RowMajor) const;
    void scatterSlab(std::span<const double> slab, std::int64_t first, std::span<double> matrix,
                     const ExecutionContext& context,
                     StoredOrder order = StoredOrder::RowMajor) const;
    // The elements of one index of the leading axis of `order` (stored axis 0 for row-major,
    // the last for column-major), extent-1 axes skipped: a 1 x 1 x in x out Keras kernel has
    // rows of `out` elements, not one row of all.
    std::int64_t leadingRowElements(StoredOrder order = StoredOrder::RowMajor) const;

    // The stored row-major index of the matrix element (row, col).
    std::int64_t storedIndex(std::int64_t row, std::int64_t col) const;

private:
    template <typename T>
    void scatter(std::span<const T> slab, std::int64_t first, std::span<T> matrix,
                 const ExecutionContext& context, StoredOrder order) const;

    std::vector<std::int64_t> m_storedShape;
    Layout m_layout = Layout::Torch;
    MatrixView m_view = MatrixView::Flatten;
    std::vector<int> m_axisOrder;
    int m_rowAxes = 1;
    std::int64_t m_rows = 1;
    std::int64_t m_cols = 1;
    bool m_sameOrder = true;
    bool m_identity = true;
};

} // namespace sparsity::core
