#include "matrixmapping.h"

#include "parallel/parallelfor.h"

#include <QStringList>
#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace sparsity::core {
namespace {

// One axis of a permuted copy, in destination order: its extent and its strides in the source
// and the destination (elements).
struct CopyAxis
{
    std::int64_t size = 1;
    std::int64_t srcStride = 1;
    std::int64_t dstStride = 1;
};

// Square tiles of the transposed pair of axes: 32 x 32 floats are 4 KiB read and 4 KiB written,
// so both sides stay in L1 while each cache line is used in full.
constexpr std::int64_t tile = 32;

// The destination's axes for "dst = src with its axes put in `order`": extent-1 axes dropped,
// and neighbours that are neighbours in the source too merged into one, so that every case of
// docs/SPEC.md becomes a batch of 2-D transposes (or one copy).
std::vector<CopyAxis> copyAxes(const std::vector<std::int64_t>& srcShape,
                               const std::vector<int>& order)
{
    std::vector<std::int64_t> srcStrides(srcShape.size());
    std::int64_t stride = 1;
    for (std::size_t i = srcShape.size(); i-- > 0;) {
        srcStrides[i] = stride;
        stride *= srcShape[i];
    }
    std::vector<CopyAxis> axes;
    for (const int axis : order) {
        const std::int64_t size = srcShape[std::size_t(axis)];
        const std::int64_t srcStride = srcStrides[std::size_t(axis)];
        if (size == 1)
            continue;
        if (!axes.empty() && axes.back().srcStride == srcStride * size) {
            axes.back().size *= size;
            axes.back().srcStride = srcStride;
        } else {
            axes.push_back({size, srcStride, 1});
        }
    }
    std::int64_t dstStride = 1;
    for (std::size_t i = axes.size(); i-- > 0;) {
        axes[i].dstStride = dstStride;
        dstStride *= axes[i].size;
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

// dst = src (row-major, srcShape) with its axes in `order`. Every destination element is
// written by exactly one work unit, so the result cannot depend on the threads; the index
// arithmetic is per tile or per row, never per element.
template <typename T>
void permuteAxes(const T* src, T* dst, const std::vector<std::int64_t>& srcShape,
                 const std::vector<int>& order, const ExecutionContext& context)
{
    const std::int64_t total = elementCountOf(srcShape);
    if (total == 0)
        return;
    std::vector<CopyAxis> axes = copyAxes(srcShape, order);
    if (axes.size() <= 1 || axes.back().srcStride == 1) {
        // The innermost axis is the source's too: whole rows copy as they are.
        const std::int64_t row = axes.empty() ? 1 : axes.back().size;
        if (!axes.empty())
            axes.pop_back();
        parallelFor(context, 0, total / row, std::max<std::int64_t>(1, 65536 / row),
                    [&](std::int64_t begin, std::int64_t end) {
                        for (std::int64_t r = begin; r < end; ++r) {
                            std::int64_t s = 0, d = 0;
                            outerOffsets(axes, r, s, d);
                            std::copy_n(src + s, row, dst + d);
                        }
                    });
        return;
    }
    // a: the destination's innermost axis; b: the source's innermost axis. Each work unit is
    // one outer index and one tile of b, transposing (b, a) tile by tile.
    const CopyAxis a = axes.back();
    axes.pop_back();
    const auto bAt = std::find_if(axes.begin(), axes.end(),
                                  [](const CopyAxis& axis) { return axis.srcStride == 1; });
    const CopyAxis b = *bAt;
    axes.erase(bAt);
    const std::int64_t tilesOfB = (b.size + tile - 1) / tile;
    const std::int64_t outerCount = total / (a.size * b.size);
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
                                    to[i] = from[i * a.srcStride];
                            }
                        }
                    }
                });
}

} // namespace

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
