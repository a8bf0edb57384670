#pragma once

// Internal to ui/heatmap: the one rendering kernel of the heatmap sources and the axis mapping
// it draws with. Pure functions and templates; any thread.

#include "tensor/weighttensor.h"

#include <QImage>
#include <QRectF>
#include <QSize>
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <vector>

namespace sparsity::ui::detail {

// The cells (elements, or blocks of `cell` elements) each output pixel along one axis shows,
// [begin, end), empty outside the field. Zoomed in, a pixel shows the element under its centre;
// zoomed out, every element whose centre lies in the pixel, so each element counts exactly
// once and none is skipped.
struct AxisMap
{
    std::vector<std::int64_t> begin;
    std::vector<std::int64_t> end;
    std::int64_t first = 0; // the union of all ranges is [first, last)
    std::int64_t last = 0;
};
// Needs pixels >= 1; an empty range (length 0) or one wholly outside [0, field) maps nothing.
AxisMap mapAxis(double start, double length, int pixels, std::int64_t field, std::int64_t cell);

struct Grid
{
    std::int64_t rows = 0; // elements
    std::int64_t cols = 0;
    std::int64_t cellRows = 1; // elements per cell
    std::int64_t cellCols = 1;
};

// The one rendering kernel. For each output row: loadRow(r, c0, c1, acc) max-merges the keys of
// cell row r, cells [c0, c1), into acc (one contiguous, vectorizable pass per cell row); then
// each pixel takes the max over its cells and shade() turns the key into a colour. Rows that
// show the same cells as the row above are copied, and equal neighbouring keys reuse a colour,
// so zoomed-in renders cost little more than the visible cells.
template <typename Key, typename LoadRow, typename Shade>
QImage renderPooled(const QRectF& region, const QSize& pixels, const Grid& grid,
                    const std::atomic<bool>& cancelled, LoadRow&& loadRow, Shade&& shade)
{
    if (pixels.isEmpty() || region.isEmpty())
        return {};
    QImage image(pixels, QImage::Format_ARGB32_Premultiplied);
    if (image.isNull())
        return {};
    image.fill(Qt::transparent);
    const AxisMap xs =
        mapAxis(region.x(), region.width(), pixels.width(), grid.cols, grid.cellCols);
    const AxisMap ys =
        mapAxis(region.y(), region.height(), pixels.height(), grid.rows, grid.cellRows);
    if (xs.first >= xs.last || ys.first >= ys.last)
        return image;

    std::vector<Key> acc(std::size_t(xs.last - xs.first));
    const std::size_t lineBytes = std::size_t(pixels.width()) * sizeof(QRgb);
    uchar* const bits = image.bits();
    const qsizetype stride = image.bytesPerLine();
    Key lastKey = 0;
    QRgb lastColor = shade(Key{0});
    int previous = -1; // the last output row drawn
    for (int y = 0; y < pixels.height(); ++y) {
        if (cancelled.load(std::memory_order_relaxed))
            return {};
        const std::int64_t r0 = ys.begin[y];
        const std::int64_t r1 = ys.end[y];
        if (r0 >= r1)
            continue;
        auto* line = reinterpret_cast<QRgb*>(bits + y * stride);
        if (previous >= 0 && ys.begin[previous] == r0 && ys.end[previous] == r1) {
            std::memcpy(line, bits + previous * stride, lineBytes);
            previous = y;
            continue;
        }
        previous = y;
        std::fill(acc.begin(), acc.end(), Key{0});
        for (std::int64_t r = r0; r < r1; ++r)
            loadRow(r, xs.first, xs.last, acc.data());
        const Key* a = acc.data() - xs.first;
        for (int x = 0; x < pixels.width(); ++x) {
            const std::int64_t c0 = xs.begin[x];
            const std::int64_t c1 = xs.end[x];
            if (c0 >= c1)
                continue;
            Key k = a[c0];
            for (std::int64_t c = c0 + 1; c < c1; ++c)
                k = std::max(k, a[c]);
            if (k != lastKey) {
                lastKey = k;
                lastColor = shade(k);
            }
            line[x] = lastColor;
        }
    }
    return image;
}

// The colour-map index of a finite key, without a log10 per pixel: lower[i] is the smallest key

// What a source draws while it has nothing to show (no norms, no mask yet).
inline QImage transparentImage(const QSize& pixels)
{
    QImage image(pixels, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::transparent);
    return image;
}

// The heatmap field of a weight tensor: columns x rows of its 2-D view.
inline QSize fieldOf(const core::WeightTensor& weights)
{
    return QSize(int(weights.cols()), int(weights.rows()));
}

} // namespace sparsity::ui::detail
