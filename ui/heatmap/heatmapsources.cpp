#include "heatmapsources.h"

#include "heatmap/poolkernels.h"

#include <QtGlobal>
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

namespace sparsity::ui {
namespace {

using detail::absKey;
using detail::Bits;

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

AxisMap mapAxis(double start, double length, int pixels, std::int64_t field, std::int64_t cell)
{
    AxisMap m;
    m.begin.assign(std::size_t(pixels), 0);
    m.end.assign(std::size_t(pixels), 0);
    m.first = std::numeric_limits<std::int64_t>::max();
    m.last = std::numeric_limits<std::int64_t>::min();
    const double step = length / pixels;
    const auto toElement = [field](double e) {
        return std::int64_t(std::clamp(e, -1.0, double(field) + 1.0));
    };
    for (int i = 0; i < pixels; ++i) {
        std::int64_t e0;
        std::int64_t e1;
        if (step <= 1.0) {
            e0 = toElement(std::floor(start + (i + 0.5) * step));
            e1 = e0 + 1;
        } else {
            e0 = toElement(std::ceil(start + i * step - 0.5));
            e1 = toElement(std::ceil(start + (i + 1) * step - 0.5));
        }
        e0 = std::clamp<std::int64_t>(e0, 0, field);
        e1 = std::clamp<std::int64_t>(e1, 0, field);
        if (e0 >= e1)
            continue;
        m.begin[i] = e0 / cell;
        m.end[i] = (e1 - 1) / cell + 1;
        m.first = std::min(m.first, m.begin[i]);
        m.last = std::max(m.last, m.end[i]);
    }
    if (m.first > m.last)
        m.first = m.last = 0;
    return m;
}

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
// whose value maps to index >= i, found once per render by bisection over the keys with the
// very function Colormap::color() applies, so both agree on every value. A lookup starts from
// a table indexed by the key's exponent and top 7 mantissa bits (a bucket spans less than one
// colour step almost everywhere) and steps up past the boundaries inside its bucket.
template <typename T> class KeyIndex
{
public:
    using Key = typename Bits<T>::Key;
    static constexpr int shift = std::numeric_limits<T>::digits - 1 - 7;

    // square: the key is |w| and the value is w * w (block norms of 1x1 blocks under L2).
    KeyIndex(const ValueScale::Mapping& map, bool square)
        : m_start(std::size_t(Bits<T>::inf >> shift) + 1)
    {
        const auto indexOf = [&](Key k) {
            const T a = std::bit_cast<T>(k);
            return int(map(double(square ? a * a : a)) * 255.0 + 0.5);
        };
        m_lower[0] = 0;
        Key from = 0;
        for (int i = 1; i < 256; ++i) {
            Key lo = from;
            Key hi = Bits<T>::inf; // never an answer for finite keys: "not reached"
            while (lo < hi) {
                const Key mid = lo + (hi - lo) / 2;
                if (indexOf(mid) >= i)
                    hi = mid;
                else
                    lo = mid + 1;
            }
            m_lower[i] = from = lo;
        }
        int i = 0;
        for (std::size_t b = 0; b < m_start.size(); ++b) {
            const Key k = Key(b) << shift;
            while (i < 255 && k >= m_lower[i + 1])
                ++i;
            m_start[b] = std::uint8_t(i);
        }
    }

    int operator()(Key k) const
    {
        int i = m_start[std::size_t(k >> shift)];
        while (i < 255 && k >= m_lower[i + 1])
            ++i;
        return i;
    }

private:
    std::array<Key, 256> m_lower{};
    std::vector<std::uint8_t> m_start; // per bucket: the index of its lowest key
};

template <typename T> ValueRange rangeOfAbs(const T* values, std::int64_t n, bool square)
{
    using B = Bits<T>;
    using Key = typename B::Key;
    const detail::AbsKeyRange<Key> keys = detail::scanAbsKeys(values, n);
    const Key lo = keys.lowest;
    const Key hi = keys.highest;
    const Key loPositive = keys.lowestPositive;
    const std::int64_t nonFinite = keys.nonFinite;
    ValueRange range;
    range.nonFiniteCount = nonFinite;
    range.finiteCount = n - nonFinite;
    if (range.finiteCount == 0)
        return range;
    const auto value = [square](Key k) {
        const T a = std::bit_cast<T>(k);
        return double(square ? a * a : a); // f in the tensor's precision, as the norms are
    };
    range.minimum = value(lo);
    range.maximum = value(hi);
    range.minimumPositive = loPositive < B::inf ? value(loPositive) : 0.0;
    return range;
}

ValueRange rangeOfWeights(const core::WeightTensor& weights, bool square)
{
    if (weights.precision() == core::Precision::Float32) {
        const auto v = weights.values<float>();
        return rangeOfAbs(v.data(), std::int64_t(v.size()), square);
    }
    const auto v = weights.values<double>();
    return rangeOfAbs(v.data(), std::int64_t(v.size()), square);
}

QSize fieldOf(const core::WeightTensor& weights)
{
    return QSize(int(weights.cols()), int(weights.rows()));
}

// Calls fn with the weights' values as a typed pointer.
template <typename Fn> decltype(auto) withWeights(const core::WeightTensor& weights, Fn&& fn)
{
    if (weights.precision() == core::Precision::Float32)
        return fn(weights.values<float>().data());
    return fn(weights.values<double>().data());
}

} // namespace

ValueRange absoluteWeightRange(const core::WeightTensor& weights)
{
    return rangeOfWeights(weights, false);
}

ValueRange blockNormRange(const core::BlockNorms& norms, const core::WeightTensor& weights)
{
    if (norms.isElementwise())
        return rangeOfWeights(weights, norms.norm == core::Norm::L2);
    return std::visit(
        [](const auto& v) { return rangeOfAbs(v.data(), std::int64_t(v.size()), false); },
        norms.values);
}

// --- ValueHeatmapSource ---

ValueHeatmapSource::ValueHeatmapSource(std::shared_ptr<const LayerSnapshot> snapshot,
                                       Colormap colormap, bool logarithmic, ValueRange range,
                                       LinearFrom linearFrom, QString label)
    : m_snapshot(std::move(snapshot))
    , m_colormap(colormap)
    , m_range(range)
    , m_scale(range.scale(logarithmic))
    , m_label(std::move(label))
{
    if (!logarithmic && linearFrom == LinearFrom::Zero)
        m_scale.minimum = std::min(0.0, m_scale.minimum);
}

QSize ValueHeatmapSource::fieldSize() const
{
    return fieldOf(*m_snapshot->weights);
}

std::optional<HeatmapSource::Scale> ValueHeatmapSource::scale() const
{
    return Scale{m_scale.lowest(), m_scale.maximum, m_scale.logarithmic, m_label};
}

QList<QPair<QColor, QString>> ValueHeatmapSource::legend() const
{
    if (m_range.nonFiniteCount == 0)
        return {};
    return {{QColor(Colormap::nonFiniteColor()),
             QStringLiteral("NaN / inf (%1)").arg(m_range.nonFiniteCount)}};
}

// --- WeightsSource ---

WeightsSource::WeightsSource(std::shared_ptr<const LayerSnapshot> snapshot, Colormap colormap,
                             bool logarithmic, std::optional<ValueRange> range)
    : ValueHeatmapSource(snapshot, colormap, logarithmic,
                         range ? *range : absoluteWeightRange(*snapshot->weights), LinearFrom::Zero,
                         QStringLiteral("|w|"))
{}

QImage WeightsSource::render(const QRectF& region, const QSize& pixels,
                             const std::atomic<bool>& cancelled) const
{
    const core::WeightTensor& w = *m_snapshot->weights;
    const Grid grid{w.rows(), w.cols()};
    const Colormap::Lut& lut = m_colormap.lut();
    const ValueScale::Mapping map = m_scale.mapping();
    return withWeights(w, [&](const auto* data) {
        using T = std::remove_cvref_t<decltype(*data)>;
        using B = Bits<T>;
        using Key = typename B::Key;
        const std::int64_t cols = grid.cols;
        const KeyIndex<T> index(map, false);
        return renderPooled<Key>(
            region, pixels, grid, cancelled,
            [data, cols](std::int64_t r, std::int64_t c0, std::int64_t c1, Key* acc) {
                detail::poolAbsKeys(data + r * cols + c0, c1 - c0, acc);
            },
            [&](Key k) {
                if (k >= B::inf)
                    return Colormap::nonFiniteColor();
                return lut[index(k)];
            });
    });
}

// --- BlockNormsSource ---

namespace {
QString normLabel(const LayerSnapshot& snapshot)
{
    const core::Norm norm = snapshot.norms ? snapshot.norms->norm : snapshot.params.norm;
    return norm == core::Norm::L1 ? QStringLiteral("block norm (L1: mean |w|)")
                                  : QStringLiteral("block norm (L2: mean w²)");
}
ValueRange normRangeOf(const LayerSnapshot& snapshot)
{
    return snapshot.norms ? blockNormRange(*snapshot.norms, *snapshot.weights) : ValueRange{};
}
} // namespace

BlockNormsSource::BlockNormsSource(std::shared_ptr<const LayerSnapshot> snapshot, Colormap colormap,
                                   bool logarithmic, std::optional<ValueRange> range)
    : ValueHeatmapSource(snapshot, colormap, logarithmic, range ? *range : normRangeOf(*snapshot),
                         LinearFrom::Minimum, normLabel(*snapshot))
{}

QImage BlockNormsSource::render(const QRectF& region, const QSize& pixels,
                                const std::atomic<bool>& cancelled) const
{
    const core::WeightTensor& w = *m_snapshot->weights;
    const core::BlockNorms* norms = m_snapshot->norms.get();
    if (!norms) {
        QImage empty(pixels, QImage::Format_ARGB32_Premultiplied);
        empty.fill(Qt::transparent);
        return empty;
    }
    const Colormap::Lut& lut = m_colormap.lut();
    const ValueScale::Mapping map = m_scale.mapping();
    const bool square = norms->norm == core::Norm::L2;
    // For 1x1 blocks the cells are the weights and the key is |w|'s, which orders like f(w);
    // otherwise the cells are the stored norms, one per block.
    const bool elementwise = norms->isElementwise();
    const Grid grid{w.rows(), w.cols(), elementwise ? 1 : norms->grid.block.rows,
                    elementwise ? 1 : norms->grid.block.cols};
    const std::int64_t stride = elementwise ? w.cols() : norms->grid.gridCols();
    const auto draw = [&](const auto* data) {
        using T = std::remove_cvref_t<decltype(*data)>;
        using B = Bits<T>;
        using Key = typename B::Key;
        const KeyIndex<T> index(map, elementwise && square);
        return renderPooled<Key>(
            region, pixels, grid, cancelled,
            [data, stride](std::int64_t r, std::int64_t c0, std::int64_t c1, Key* acc) {
                detail::poolAbsKeys(data + r * stride + c0, c1 - c0, acc);
            },
            [&](Key k) {
                if (k >= B::inf)
                    return Colormap::nonFiniteColor();
                return lut[index(k)];
            });
    };
    if (elementwise)
        return withWeights(w, draw);
    return std::visit([&](const auto& v) { return draw(v.data()); }, norms->values);
}

// --- MaskOverWeightsSource ---

MaskOverWeightsSource::MaskOverWeightsSource(std::shared_ptr<const LayerSnapshot> snapshot,
                                             Colormap colormap, bool logarithmic,
                                             std::optional<ValueRange> range)
    : ValueHeatmapSource(snapshot, colormap, logarithmic,
                         range ? *range : absoluteWeightRange(*snapshot->weights), LinearFrom::Zero,
                         QStringLiteral("|w|"))
{
    for (std::size_t i = 0; i < m_dimmedLut.size(); ++i)
        m_dimmedLut[i] = dimmed(m_colormap.lut()[i]);
}

QRgb MaskOverWeightsSource::dimmed(QRgb c)
{
    // Mostly grey and dark: pruned weights keep a trace of their magnitude, so the pruned
    // structure remains readable, but nothing pruned competes with a kept weight.
    const double grey = 0.299 * qRed(c) + 0.587 * qGreen(c) + 0.114 * qBlue(c);
    const auto channel = [grey](int v) {
        return int(std::lround(18.0 + 0.3 * (0.2 * v + 0.8 * grey)));
    };
    return qRgb(channel(qRed(c)), channel(qGreen(c)), channel(qBlue(c)));
}

QList<QPair<QColor, QString>> MaskOverWeightsSource::legend() const
{
    QList<QPair<QColor, QString>> entries = ValueHeatmapSource::legend();
    entries.prepend({QColor(m_dimmedLut[200]), QStringLiteral("pruned (dimmed)")});
    return entries;
}

QImage MaskOverWeightsSource::render(const QRectF& region, const QSize& pixels,
                                     const std::atomic<bool>& cancelled) const
{
    const core::WeightTensor& w = *m_snapshot->weights;
    const std::uint8_t* mask = m_snapshot->mask ? m_snapshot->mask->data() : nullptr;
    Q_ASSERT(!mask || std::int64_t(m_snapshot->mask->size()) == w.elementCount());
    const Grid grid{w.rows(), w.cols()};
    const Colormap::Lut& lut = m_colormap.lut();
    const Colormap::Lut& dim = m_dimmedLut;
    const ValueScale::Mapping map = m_scale.mapping();
    return withWeights(w, [&](const auto* data) {
        using T = std::remove_cvref_t<decltype(*data)>;
        using B = Bits<T>;
        using Key = typename B::Key;
        const std::int64_t cols = grid.cols;
        // Kept elements carry the top bit, so any kept element outranks every pruned one.
        const KeyIndex<T> index(map, false);
        return renderPooled<Key>(
            region, pixels, grid, cancelled,
            [data, mask, cols](std::int64_t r, std::int64_t c0, std::int64_t c1, Key* acc) {
                detail::poolAbsKeysKept(data + r * cols + c0, mask ? mask + r * cols + c0 : nullptr,
                                        c1 - c0, acc);
            },
            [&](Key k) {
                const bool kept = (k & B::kept) != 0;
                const Key a = k & B::abs;
                if (a >= B::inf)
                    return kept ? Colormap::nonFiniteColor() : dimmed(Colormap::nonFiniteColor());
                const int i = index(a);
                return kept ? lut[i] : dim[i];
            });
    });
}

// --- MaskSource ---

MaskSource::MaskSource(std::shared_ptr<const LayerSnapshot> snapshot)
    : m_snapshot(std::move(snapshot))
{
    const LayerSnapshot& s = *m_snapshot;
    const core::BlockShape block = s.params.block;
    const std::int64_t zeros = s.params.effectiveZerosPerBlock();
    // Pruned blocks keep elements only when zeros per block is below the block size; then a
    // block is pruned exactly when it holds a zero (it holds at least one), which the mask alone
    // tells, whether or not the norms are at hand.
    if (!s.mask || zeros <= 0 || zeros >= block.elementCount())
        return;
    const core::BlockGrid grid{s.weights->rows(), s.weights->cols(), block};
    const std::int64_t rows = grid.matrixRows;
    const std::int64_t cols = grid.matrixCols;
    const std::uint8_t* mask = s.mask->data();
    m_categories.resize(std::size_t(rows * cols));
    // Per block row: which columns hold a zero, then which blocks are pruned, then every
    // element's category as base - (partial & mask), all in plain vectorizable passes.
    std::vector<std::uint8_t> zeroInColumn(static_cast<std::size_t>(cols));
    std::vector<std::uint8_t> base(static_cast<std::size_t>(cols));
    std::vector<std::uint8_t> partial(static_cast<std::size_t>(cols));
    for (std::int64_t br = 0; br < grid.gridRows(); ++br) {
        const std::int64_t r0 = br * block.rows;
        const std::int64_t r1 = r0 + grid.validRows(br);
        std::fill(zeroInColumn.begin(), zeroInColumn.end(), 0);
        for (std::int64_t r = r0; r < r1; ++r) {
            const std::uint8_t* m = mask + r * cols;
            for (std::int64_t c = 0; c < cols; ++c)
                zeroInColumn[c] |= std::uint8_t((m[c] & 1) ^ 1);
        }
        // A kept element of a partly kept block subtracts one from the block's base category:
        // ZeroedInPartBlock - 1 is KeptInPartBlock.
        static_assert(int(Category::ZeroedInPartBlock) - 1 == int(Category::KeptInPartBlock));
        const std::int64_t fullValid = grid.validRows(br) * block.cols;
        for (std::int64_t c0 = 0; c0 < cols; c0 += block.cols) {
            const std::int64_t c1 = std::min(c0 + block.cols, cols);
            std::uint8_t pruned = 0;
            for (std::int64_t c = c0; c < c1; ++c)
                pruned |= zeroInColumn[std::size_t(c)];
            const bool allZeroed =
                zeros >= (c1 - c0 == block.cols ? fullValid : grid.validRows(br) * (c1 - c0));
            const auto b = std::uint8_t(!pruned     ? Category::Kept
                                        : allZeroed ? Category::PrunedBlock
                                                    : Category::ZeroedInPartBlock);
            const auto p = std::uint8_t(pruned && !allZeroed);
            for (std::int64_t c = c0; c < c1; ++c) {
                base[std::size_t(c)] = b;
                partial[std::size_t(c)] = p;
            }
        }
        for (std::int64_t r = r0; r < r1; ++r) {
            const std::uint8_t* m = mask + r * cols;
            std::uint8_t* out = m_categories.data() + r * cols;
            for (std::int64_t c = 0; c < cols; ++c)
                out[c] = std::uint8_t(base[c] - (partial[c] & m[c] & 1));
        }
    }
}

QSize MaskSource::fieldSize() const
{
    return fieldOf(*m_snapshot->weights);
}

MaskSource::Category MaskSource::categoryAt(std::int64_t row, std::int64_t col) const
{
    const LayerSnapshot& s = *m_snapshot;
    if (!s.mask)
        return Category::Kept;
    const std::size_t index = std::size_t(row * s.weights->cols() + col);
    if (hasPartBlocks())
        return Category(m_categories[index]);
    return (*s.mask)[index] ? Category::Kept : Category::PrunedBlock;
}

QRgb MaskSource::categoryColor(Category category)
{
    switch (category) {
    case Category::Kept:
        return qRgb(64, 132, 214);
    case Category::KeptInPartBlock:
        return qRgb(150, 205, 245);
    case Category::ZeroedInPartBlock:
        // Warm and darker than the blues: it marks a zero, yet when zoomed out (where it wins
        // most pixels of a partly pruned layer) it does not glare.
        return qRgb(206, 116, 38);
    case Category::PrunedBlock:
        break;
    }
    return qRgb(38, 38, 44);
}

QString MaskSource::categoryName(Category category)
{
    switch (category) {
    case Category::Kept:
        return QStringLiteral("kept block");
    case Category::KeptInPartBlock:
        return QStringLiteral("kept in partly pruned block");
    case Category::ZeroedInPartBlock:
        return QStringLiteral("zeroed in partly pruned block");
    case Category::PrunedBlock:
        break;
    }
    return QStringLiteral("pruned block");
}

QList<QPair<QColor, QString>> MaskSource::legend() const
{
    QList<Category> shown{Category::Kept, Category::PrunedBlock};
    const core::SparsityParams& p = m_snapshot->params;
    if (p.effectiveZerosPerBlock() > 0 && p.effectiveZerosPerBlock() < p.block.elementCount())
        shown << Category::KeptInPartBlock << Category::ZeroedInPartBlock;
    QList<QPair<QColor, QString>> entries;
    for (Category c : shown)
        entries.append({QColor(categoryColor(c)), categoryName(c)});
    return entries;
}

QImage MaskSource::render(const QRectF& region, const QSize& pixels,
                          const std::atomic<bool>& cancelled) const
{
    const LayerSnapshot& s = *m_snapshot;
    const core::WeightTensor& w = *s.weights;
    if (!s.mask) {
        QImage empty(pixels, QImage::Format_ARGB32_Premultiplied);
        empty.fill(Qt::transparent);
        return empty;
    }
    const std::uint8_t* mask = s.mask->data();
    const Grid grid{w.rows(), w.cols()};
    const std::int64_t cols = w.cols();
    std::array<QRgb, 4> colors{};
    for (int c = 0; c < 4; ++c)
        colors[c] = categoryColor(Category(c));
    const auto shade = [&colors](std::uint8_t k) { return colors[k & 3]; };
    if (hasPartBlocks()) {
        const std::uint8_t* categories = m_categories.data();
        return renderPooled<std::uint8_t>(
            region, pixels, grid, cancelled,
            [categories, cols](std::int64_t r, std::int64_t c0, std::int64_t c1,
                               std::uint8_t* acc) {
                detail::poolBytes(categories + r * cols + c0, c1 - c0, acc);
            },
            shade);
    }
    constexpr auto pruned = std::uint8_t(Category::PrunedBlock);
    return renderPooled<std::uint8_t>(
        region, pixels, grid, cancelled,
        [mask, cols](std::int64_t r, std::int64_t c0, std::int64_t c1, std::uint8_t* acc) {
            detail::poolPrunedCode(mask + r * cols + c0, c1 - c0, pruned, acc);
        },
        shade);
}

} // namespace sparsity::ui
