#include "matrixmapping.h"

#include "parallel/parallelfor.h"

#include <QStringList>
#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace sparsity::core {
namespace {

// One axis of a strided copy, in loop order: its extent and its strides in the source and the
// destination (elements).
struct CopyAxis
{
    std::int64_t size = 1;
    std::int64_t srcStride = 1;
    std::int64_t dstStride = 1;
};

// Square tiles of the transposed pair of axes: 32 x 32 floats are 4 KiB read and 4 KiB written,
// so both sides stay in L1 while each cache line is used in full.
constexpr std::int64_t tile = 32;

// The axes of a copy in the loop order given (outermost first), extent-1 axes dropped, and each
// axis merged into the one before it when it continues that one in both the source and the
// destination, so that every case of docs/SPEC.md becomes a batch of 2-D transposes (or one
// copy).
std::vector<CopyAxis> mergedAxes(const std::vector<CopyAxis>& given)
{
    std::vector<CopyAxis> axes;
    for (const CopyAxis& axis : given) {
        if (axis.size == 1)
            continue;
        if (!axes.empty() && axes.back().srcStride == axis.srcStride * axis.size &&
            axes.back().dstStride == axis.dstStride * axis.size) {
            axes.back().size *= axis.size;
            axes.back().srcStride = axis.srcStride;
            axes.back().dstStride = axis.dstStride;
        } else {
            axes.push_back(axis);
        }
    }
    return axes;
}

// Offsets of the outer index `index` (row-major over `outer`) in source and destination.
void outerOffsets(const std::vector<CopyAxis>& outer, std::int64_t index, std::int64_t& src,
                  std::int64_t& dst)
{
    src = 0;
    dst = 0;
    for (std::size_t i = outer.size(); i-- > 0;) {
        const std::int64_t at = index % outer[i].size;
        index /= outer[i].size;
        src += at * outer[i].srcStride;
        dst += at * outer[i].dstStride;
    }
}

// dst[sum of i_k * dstStride_k] = src[sum of i_k * srcStride_k] over every index of `axes`
// (mergedAxes; the source contiguous, so one of them has source stride 1), `total` elements in
// all. Every destination element is written by exactly one work unit, so the result cannot
// depend on the threads; the index arithmetic is per tile or per row, never per element.
template <typename T>
void copyStrided(const T* src, T* dst, std::vector<CopyAxis> axes, std::int64_t total,
                 const ExecutionContext& context)
{
    if (total == 0)
        return;
    if (axes.empty()) {
        dst[0] = src[0];
        return;
    }
    const CopyAxis inner = axes.back();
    if (inner.srcStride == 1) {
        // The innermost loop runs along the source: rows copied as they are, or spread out at
        // a stride when the destination's own innermost axis is not in this copy.
        axes.pop_back();
        const std::int64_t row = inner.size;
        const std::int64_t step = inner.dstStride;
        parallelFor(context, 0, total / row, std::max<std::int64_t>(1, 65536 / row),
                    [&](std::int64_t begin, std::int64_t end) {
                        for (std::int64_t r = begin; r < end; ++r) {
                            std::int64_t s = 0, d = 0;
                            outerOffsets(axes, r, s, d);
                            if (step == 1) {
                                std::copy_n(src + s, row, dst + d);
                            } else {
                                for (std::int64_t i = 0; i < row; ++i)
                                    dst[d + i * step] = src[s + i];
                            }
                        }
                    });
        return;
    }
    // a: the innermost loop's axis (the destination's smallest stride); b: the source's
    // innermost axis. Each work unit is one outer index and one tile of b, transposing (b, a)
    // tile by tile.
    const CopyAxis a = inner;
    axes.pop_back();
    const auto bAt = std::find_if(axes.begin(), axes.end(),
                                  [](const CopyAxis& axis) { return axis.srcStride == 1; });
    const CopyAxis b = *bAt;
    axes.erase(bAt);
    const std::int64_t tilesOfB = (b.size + tile - 1) / tile;
    const std::int64_t outerCount = total / (a.size * b.size);
    const auto transpose = [&](auto aStride) {
        parallelFor(context, 0, outerCount * tilesOfB,
                    std::max<std::int64_t>(1, 16384 / (tile * a.size)),
                    [&](std::int64_t begin, std::int64_t end) {
                        for (std::int64_t unit = begin; unit < end; ++unit) {
                            std::int64_t s = 0, d = 0;
                            outerOffsets(axes, unit / tilesOfB, s, d);
                            const std::int64_t b0 = unit % tilesOfB * tile;
                            const std::int64_t b1 = std::min(b.size, b0 + tile);
                            for (std::int64_t a0 = 0; a0 < a.size; a0 += tile) {
                                const std::int64_t a1 = std::min(a.size, a0 + tile);
                                for (std::int64_t j = b0; j < b1; ++j) {
                                    const T* from = src + s + j;
                                    T* to = dst + d + j * b.dstStride;
                                    for (std::int64_t i = a0; i < a1; ++i)
                                        to[i * aStride] = from[i * a.srcStride];
                                }
                            }
                        }
                    });
    };
    // The usual case, the destination contiguous along a, gets a loop the compiler can see is.
    if (a.dstStride == 1)
        transpose(std::integral_constant<std::int64_t, 1>{});
    else
        transpose(a.dstStride);
}

// Row-major strides of a shape.
std::vector<std::int64_t> rowMajorStrides(const std::vector<std::int64_t>& shape)
{
    std::vector<std::int64_t> strides(shape.size());
    std::int64_t stride = 1;
    for (std::size_t i = shape.size(); i-- > 0;) {
        strides[i] = stride;
        stride *= shape[i];
    }
    return strides;
}

// dst = src (row-major, srcShape) with its axes in `order`.
template <typename T>
void permuteAxes(const T* src, T* dst, const std::vector<std::int64_t>& srcShape,
                 const std::vector<int>& order, const ExecutionContext& context)
{
    const std::vector<std::int64_t> srcStrides = rowMajorStrides(srcShape);
    std::vector<CopyAxis> axes(order.size());
    std::int64_t dstStride = 1;
    for (std::size_t i = order.size(); i-- > 0;) {
        const auto axis = static_cast<std::size_t>(order[i]);
        axes[i] = {srcShape[axis], srcStrides[axis], dstStride};
        dstStride *= srcShape[axis];
    }
    copyStrided(src, dst, mergedAxes(axes), elementCountOf(srcShape), context);
}

} // namespace

template <typename T>
void MatrixMapping::scatter(std::span<const T> slab, std::int64_t first, std::span<T> matrix,
                            const ExecutionContext& context, StoredOrder order) const
{
    const auto count = static_cast<std::int64_t>(slab.size());
    const std::int64_t total = elementCount();
    if (std::int64_t(matrix.size()) != total || first < 0 || first > total || count > total - first)
        throw std::invalid_argument("MatrixMapping: the slab is not a part of the tensor");
    // The source as the reader delivers it: the stored axes, reversed for column-major; each
    // with its row-major stride in that order and its stride in the matrix.
    const std::size_t rank = m_storedShape.size();
    std::vector<std::int64_t> matrixStride(rank);
    std::int64_t stride = 1;
    for (std::size_t i = rank; i-- > 0;) {
        const auto axis = static_cast<std::size_t>(m_axisOrder[i]);
        matrixStride[axis] = stride;
        stride *= m_storedShape[axis];
    }
    std::vector<std::int64_t> shape(rank);
    std::vector<std::int64_t> dstStride(rank);
    for (std::size_t j = 0; j < rank; ++j) {
        const std::size_t axis = order == StoredOrder::RowMajor ? j : rank - 1 - j;
        shape[j] = m_storedShape[axis];
        dstStride[j] = matrixStride[axis];
    }
    const std::vector<std::int64_t> srcStride = rowMajorStrides(shape);

    // [first, end) as at most 2 * rank boxes, each a range of one axis k with the axes before
    // it fixed and those after it whole: such a box is contiguous in the source and a strided
    // block in the matrix.
    std::vector<std::int64_t> at(rank);
    for (std::int64_t position = first, end = first + count; position < end;) {
        context.throwIfCancelled();
        std::int64_t rest = position;
        for (std::size_t j = 0; j < rank; ++j) {
            at[j] = rest / srcStride[j];
            rest %= srcStride[j];
        }
        for (std::size_t k = 0; k < rank; ++k) {
            if (position % srcStride[k] != 0)
                continue;
            const std::int64_t units = std::min(shape[k] - at[k], (end - position) / srcStride[k]);
            if (units <= 0)
                continue;
            std::int64_t dstOffset = 0;
            for (std::size_t j = 0; j <= k; ++j)
                dstOffset += at[j] * dstStride[j];
            std::vector<CopyAxis> axes{{units, srcStride[k], dstStride[k]}};
            for (std::size_t j = k + 1; j < rank; ++j)
                axes.push_back({shape[j], srcStride[j], dstStride[j]});
            // Loops in the matrix's order, so that its innermost axis runs innermost.
            std::stable_sort(axes.begin(), axes.end(), [](const CopyAxis& x, const CopyAxis& y) {
                return x.dstStride > y.dstStride;
            });
            const std::int64_t elements = units * srcStride[k];
            copyStrided(slab.data() + (position - first), matrix.data() + dstOffset,
                        mergedAxes(axes), elements, context);
            position += elements;
            break;
        }
    }
    context.throwIfCancelled();
}

void MatrixMapping::scatterSlab(std::span<const float> slab, std::int64_t first,
                                std::span<float> matrix, const ExecutionContext& context,
                                StoredOrder order) const
{
    scatter(slab, first, matrix, context, order);
}

void MatrixMapping::scatterSlab(std::span<const double> slab, std::int64_t first,
                                std::span<double> matrix, const ExecutionContext& context,
                                StoredOrder order) const
{
    scatter(slab, first, matrix, context, order);
}

std::int64_t MatrixMapping::leadingRowElements(StoredOrder order) const
{
    std::vector<std::int64_t> shape = m_storedShape;
    if (order == StoredOrder::ColumnMajor)
        std::reverse(shape.begin(), shape.end());
    std::int64_t row = elementCount();
    for (const std::int64_t extent : shape) {
        if (extent == 1)
            continue;
        return extent == 0 ? 0 : row / extent;
    }
    return row;
}

MatrixMapping::MatrixMapping(std::vector<std::int64_t> storedShape)
    : MatrixMapping(std::move(storedShape), Layout::Torch, MatrixView::Flatten)
{}

MatrixMapping::MatrixMapping(std::vector<std::int64_t> storedShape, Layout layout, MatrixView view)
    : m_storedShape(std::move(storedShape))
    , m_layout(layout)
    , m_view(view)
{
    // A programmer error: callers resolve Auto with the file's markers first.
    if (layout == Layout::Auto)
        throw std::invalid_argument("MatrixMapping: resolve the layout before mapping");
    const int rank = static_cast<int>(m_storedShape.size());
    m_axisOrder.resize(static_cast<std::size_t>(rank));
    std::iota(m_axisOrder.begin(), m_axisOrder.end(), 0);
    if (rank >= 2) {
        // (out, in, k1..km) in stored axes, then the view's order of them.
        std::vector<int> ordered(static_cast<std::size_t>(rank));
        if (layout == Layout::Keras) {
            ordered[0] = rank - 1;
            ordered[1] = rank - 2;
            for (int i = 2; i < rank; ++i)
                ordered[std::size_t(i)] = i - 2;
        } else {
            std::iota(ordered.begin(), ordered.end(), 0);
        }
        if (view == MatrixView::ChannelsLast) {
            m_axisOrder[0] = ordered[0];
            for (int i = 2; i < rank; ++i)
                m_axisOrder[std::size_t(i - 1)] = ordered[std::size_t(i)];
            m_axisOrder[std::size_t(rank - 1)] = ordered[1];
            m_rowAxes = rank - 1;
        } else {
            m_axisOrder = ordered;
            m_rowAxes = 1;
        }
    } else {
        m_rowAxes = 0; // rank 1: one row of every element
    }
    m_rows = 1;
    m_cols = 1;
    for (int i = 0; i < rank; ++i)
        (i < m_rowAxes ? m_rows : m_cols) *=
            m_storedShape[std::size_t(m_axisOrder[std::size_t(i)])];
    // Extent-1 axes may move freely: the order is the identity when the other axes keep theirs.
    std::vector<int> moved;
    for (const int axis : m_axisOrder)
        if (m_storedShape[std::size_t(axis)] != 1)
            moved.push_back(axis);
    m_sameOrder = std::is_sorted(moved.begin(), moved.end());
    // WeightTensor reads a stored tensor as d0 rows (one row at rank 1).
    const std::int64_t ownRows = rank <= 1 ? 1 : m_storedShape[0];
    m_identity = m_sameOrder && m_rows == ownRows;
}

std::vector<std::int64_t> MatrixMapping::matrixTensorShape() const
{
    if (m_identity)
        return m_storedShape;
    return {m_rows, m_cols};
}

QString MatrixMapping::matrixShapeText() const
{
    return QStringLiteral("%1x%2").arg(m_rows).arg(m_cols);
}

WeightTensor MatrixMapping::toMatrix(WeightTensor stored, const ExecutionContext& context) const
{
    if (stored.shape() != m_storedShape)
        throw std::invalid_argument("MatrixMapping: the tensor's shape is not the mapping's");
    if (m_identity)
        return stored;
    const std::vector<std::int64_t> shape{m_rows, m_cols};
    if (m_sameOrder)
        return std::move(stored).reshaped(shape);
    const auto convert = [&](auto tag) {
        using T = decltype(tag);
        LargeVector<T> values(static_cast<std::size_t>(elementCount()));
        permuteAxes(stored.values<T>().data(), values.data(), m_storedShape, m_axisOrder, context);
        context.throwIfCancelled();
        return WeightTensor(shape, std::move(values));
    };
    return stored.precision() == Precision::Float32 ? convert(float{}) : convert(double{});
}

LargeVector<std::uint8_t> MatrixMapping::toStored(std::span<const std::uint8_t> matrixMask,
                                                  const ExecutionContext& context) const
{
    if (std::int64_t(matrixMask.size()) != elementCount())
        throw std::invalid_argument("MatrixMapping: the mask's size is not the mapping's");
    LargeVector<std::uint8_t> stored(matrixMask.size());
    if (m_sameOrder) {
        std::copy(matrixMask.begin(), matrixMask.end(), stored.begin());
        return stored;
    }
    // The matrix is the stored tensor permuted: the inverse permutation of its axes brings
    // the mask back.
    std::vector<std::int64_t> permutedShape;
    std::vector<int> inverse(m_axisOrder.size());
    for (std::size_t i = 0; i < m_axisOrder.size(); ++i) {
        permutedShape.push_back(m_storedShape[std::size_t(m_axisOrder[i])]);
        inverse[std::size_t(m_axisOrder[i])] = int(i);
    }
    permuteAxes(matrixMask.data(), stored.data(), permutedShape, inverse, context);
    context.throwIfCancelled();
    return stored;
}

std::int64_t MatrixMapping::storedIndex(std::int64_t row, std::int64_t col) const
{
    // Split row and col over their axes (innermost last), then weigh by the stored strides.
    const std::size_t rank = m_storedShape.size();
    std::vector<std::int64_t> strides(rank);
    std::int64_t stride = 1;
    for (std::size_t i = rank; i-- > 0;) {
        strides[i] = stride;
        stride *= m_storedShape[i];
    }
    std::int64_t index = 0;
    for (std::size_t i = rank; i-- > 0;) {
        const std::size_t axis = std::size_t(m_axisOrder[i]);
        std::int64_t& rest = int(i) < m_rowAxes ? row : col;
        index += rest % m_storedShape[axis] * strides[axis];
        rest /= m_storedShape[axis];
    }
    return index;
}

} // namespace sparsity::core
