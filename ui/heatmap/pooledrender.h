#pragma once

// Internal to ui/heatmap: the one rendering kernel of the heatmap sources and the axis mapping
// it draws with. Pure functions and templates; any thread.

#include "tensor/weighttensor.h"

#include <QImage>
#include <QRectF>
#include <QSize>
#include <QSizeF>
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

// Elements per output pixel along x and y when `region` is drawn into `pixels`; below 1 when
// zoomed in. A render draws summaries (pooled or shares) exactly when coversSeveral() says so.
inline QSizeF elementsPerPixel(const QRectF& region, const QSize& pixels)
{
    if (pixels.isEmpty())
        return {};
    return QSizeF(region.width() / pixels.width(), region.height() / pixels.height());
}
// A pixel spans more than one element along some axis: zoomed out.
inline bool coversSeveral(QSizeF elementsPerPixel)
{
    return elementsPerPixel.width() > 1.0 || elementsPerPixel.height() > 1.0;
}

// The one rendering loop. A Pooler gathers, per output row, the cell rows that row shows and
// turns each pixel's cells into a colour:
//   start(first, last)       once, before any row: the cells [first, last) any pixel shows;
//   clear()                  before each output row that is computed;
//   add(r)                   cell row r of the output row (one contiguous pass over the
//                            columns [first, last), so it vectorizes);
//   pixel(c0, c1, rows)      the colour of the pixel over cells [c0, c1) of those `rows` rows.
// Rows that show the same cells as the row above are copied, so zoomed-in renders cost little
// more than the visible cells.
template <typename Pooler>
QImage renderRows(const QRectF& region, const QSize& pixels, const Grid& grid,
                  const std::atomic<bool>& cancelled, Pooler& pooler)
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

    pooler.start(xs.first, xs.last);
    const std::size_t lineBytes = std::size_t(pixels.width()) * sizeof(QRgb);
    uchar* const bits = image.bits();
    const qsizetype stride = image.bytesPerLine();
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
        pooler.clear();
        for (std::int64_t r = r0; r < r1; ++r)
            pooler.add(r);
        for (int x = 0; x < pixels.width(); ++x) {
            const std::int64_t c0 = xs.begin[x];
            const std::int64_t c1 = xs.end[x];
            if (c0 < c1)
                line[x] = pooler.pixel(c0, c1, r1 - r0);
        }
    }
    return image;
}

// renderRows with max-pooling: loadRow(r, c0, c1, acc) max-merges the keys of cell row r,
// cells [c0, c1), into acc; each pixel takes the max over its cells and shade() turns the key
// into a colour (equal neighbouring keys reuse it).
template <typename Key, typename LoadRow, typename Shade>
QImage renderPooled(const QRectF& region, const QSize& pixels, const Grid& grid,
                    const std::atomic<bool>& cancelled, LoadRow&& loadRow, Shade&& shade)
{
    struct MaxPooler
    {
        LoadRow& load;
        Shade& shade;
        std::vector<Key> acc;
        std::int64_t first = 0;
        std::int64_t last = 0;
        Key lastKey = 0;
        QRgb lastColor = 0;

        void start(std::int64_t f, std::int64_t l)
        {
            first = f;
            last = l;
            acc.resize(std::size_t(l - f));
            lastColor = shade(Key{0});
        }
        void clear() { std::fill(acc.begin(), acc.end(), Key{0}); }
        void add(std::int64_t r) { load(r, first, last, acc.data()); }
        QRgb pixel(std::int64_t c0, std::int64_t c1, std::int64_t)
        {
            const Key* a = acc.data() - first;
            Key k = a[c0];
            for (std::int64_t c = c0 + 1; c < c1; ++c)
                k = std::max(k, a[c]);
            if (k != lastKey) {
                lastKey = k;
                lastColor = shade(k);
            }
            return lastColor;
        }
    } pooler{loadRow, shade, {}, 0, 0, Key{0}, 0};
    return renderRows(region, pixels, grid, cancelled, pooler);
}

// The colour of a pixel whose elements fall into n categories with these shares (summing to
// 1): per channel the share-weighted mean of the categories' colours, so a zoomed-out pixel
// looks like the cells it covers seen from afar.
QRgb blendShares(const QRgb* colors, const double* shares, int n);

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
