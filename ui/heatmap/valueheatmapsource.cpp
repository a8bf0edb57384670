#include "valueheatmapsource.h"

#include "heatmap/pooledrender.h"
#include "heatmap/poolkernels.h"

#include <QtGlobal>
#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

namespace sparsity::ui {
namespace {

using detail::Bits;
using detail::fieldOf;
using detail::Grid;
using detail::renderPooled;

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

// Calls fn with the weights' values as a typed pointer.
template <typename Fn> decltype(auto) withWeights(const core::WeightTensor& weights, Fn&& fn)
{
    if (weights.precision() == core::Precision::Float32)
        return fn(weights.values<float>().data());
    return fn(weights.values<double>().data());
}

// Draws rows of `stride` values (weights, or one norm per block) as their magnitudes through
// the colour map: the largest |value| of a pixel's cells wins, NaN and inf in their own colour.
// square: the colour follows value², as block norms of 1x1 blocks under L2 do.
template <typename T>
QImage renderMagnitudes(const T* data, std::int64_t stride, const Grid& grid,
                        const ValueScale::Mapping& map, bool square, const Colormap::Lut& lut,
                        const QRectF& region, const QSize& pixels,
                        const std::atomic<bool>& cancelled)
{
    using B = Bits<T>;
    using Key = typename B::Key;
    const KeyIndex<T> index(map, square);
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
}

// Mask over weights zoomed out: per column of a pixel row the largest |w| with the kept bit
// (any kept element outranks every pruned one) and the kept count; per pixel the colour of the
// largest kept |w| blended with its dimmed colour by the kept share (no kept element: the
// dimmed colour of the largest pruned |w|).
template <typename T>
QImage renderShares(const T* data, const std::uint8_t* mask, const Grid& grid,
                    const ValueScale::Mapping& map, const Colormap::Lut& lut,
                    const Colormap::Lut& dim, const QRectF& region, const QSize& pixels,
                    const std::atomic<bool>& cancelled)
{
    using B = Bits<T>;
    using Key = typename B::Key;
    struct Shares
    {
        const T* data;
        const std::uint8_t* mask;
        std::int64_t cols;
        const KeyIndex<T>& index;
        const Colormap::Lut& lut;
        const Colormap::Lut& dim;
        std::int64_t first = 0;
        std::vector<Key> keys;
        std::vector<std::uint32_t> count;

        void start(std::int64_t f, std::int64_t l)
        {
            first = f;
            keys.resize(std::size_t(l - f));
            count.resize(std::size_t(l - f));
        }
        void clear()
        {
            std::fill(keys.begin(), keys.end(), Key{0});
            std::fill(count.begin(), count.end(), 0u);
        }
        void add(std::int64_t r)
        {
            const std::int64_t offset = r * cols + first;
            detail::poolKeptCounted(data + offset, mask ? mask + offset : nullptr,
                                    std::int64_t(count.size()), keys.data(), count.data());
        }
        QRgb pixel(std::int64_t c0, std::int64_t c1, std::int64_t rows) const
        {
            Key k = 0;
            std::int64_t n = 0;
            for (std::int64_t c = c0 - first; c < c1 - first; ++c) {
                k = std::max(k, keys[std::size_t(c)]);
                n += count[std::size_t(c)];
            }
            const Key a = k & B::abs;
            const bool finite = a < B::inf;
            const int i = finite ? index(a) : 0;
            const QRgb bright = finite ? lut[std::size_t(i)] : Colormap::nonFiniteColor();
            const QRgb dark = finite ? dim[std::size_t(i)]
                                     : MaskOverWeightsSource::dimmed(Colormap::nonFiniteColor());
            const std::int64_t total = rows * (c1 - c0);
            if (n == total)
                return bright;
            if (n == 0)
                return dark;
            return MaskOverWeightsSource::mixed(bright, dark, n, total);
        }
    };
    const KeyIndex<T> index(map, false);
    Shares shares{data, mask, grid.cols, index, lut, dim, 0, {}, {}};
    return detail::renderRows(region, pixels, grid, cancelled, shares);
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
    return {{QColor(Colormap::nonFiniteColor()), tr("NaN / inf (%1)").arg(m_range.nonFiniteCount)}};
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
    const ValueScale::Mapping map = m_scale.mapping();
    return withWeights(w, [&](const auto* data) {
        return renderMagnitudes(data, w.cols(), grid, map, false, m_colormap.lut(), region, pixels,
                                cancelled);
    });
}

QString WeightsSource::pooledNote(const QString& coverage) const
{
    return ValueHeatmapSource::tr("Each pixel: the largest |w| among the %1 weights it covers.")
        .arg(coverage);
}

// --- BlockNormsSource ---

namespace {
QString normLabel(const LayerSnapshot& snapshot)
{
    const core::Norm norm = snapshot.norms ? snapshot.norms->norm : snapshot.params.norm;
    return norm == core::Norm::L1 ? ValueHeatmapSource::tr("block norm (L1: mean |w|)")
                                  : ValueHeatmapSource::tr("block norm (L2: mean w²)");
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
    if (!norms)
        return detail::transparentImage(pixels);
    const ValueScale::Mapping map = m_scale.mapping();
    const bool square = norms->norm == core::Norm::L2;
    // For 1x1 blocks the cells are the weights and the key is |w|'s, which orders like f(w);
    // otherwise the cells are the stored norms, one per block.
    const bool elementwise = norms->isElementwise();
    const Grid grid{w.rows(), w.cols(), elementwise ? 1 : norms->grid.block.rows,
                    elementwise ? 1 : norms->grid.block.cols};
    const std::int64_t stride = elementwise ? w.cols() : norms->grid.gridCols();
    const auto draw = [&](const auto* data) {
        return renderMagnitudes(data, stride, grid, map, elementwise && square, m_colormap.lut(),
                                region, pixels, cancelled);
    };
    if (elementwise)
        return withWeights(w, draw);
    return std::visit([&](const auto& v) { return draw(v.data()); }, norms->values);
}

QString BlockNormsSource::pooledNote(const QString& coverage) const
{
    return ValueHeatmapSource::tr(
               "Each pixel: the largest block norm among the %1 weights it covers.")
        .arg(coverage);
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
    entries.prepend({QColor(m_dimmedLut[200]), ValueHeatmapSource::tr("pruned (dimmed)")});
    return entries;
}

QRgb MaskOverWeightsSource::mixed(QRgb keptColor, QRgb prunedColor, std::int64_t kept,
                                  std::int64_t total)
{
    const QRgb colors[2] = {keptColor, prunedColor};
    const double keptShare = double(kept) / double(total);
    const double shares[2] = {keptShare, 1.0 - keptShare};
    return detail::blendShares(colors, shares, 2);
}

HeatmapSource::Presentation MaskOverWeightsSource::presentation(QSizeF elementsPerPixel) const
{
    Presentation p = ValueHeatmapSource::presentation(elementsPerPixel);
    if (!detail::coversSeveral(elementsPerPixel))
        return p;
    // Three swatches of one |w| show the blend: all kept, half pruned, all pruned (the pixel's
    // largest kept |w| decides the colour, the pruned share how far it is dimmed).
    const QRgb kept = m_colormap.lut()[200];
    const QRgb pruned = m_dimmedLut[200];
    QList<QPair<QColor, QString>> entries{
        {QColor(kept), ValueHeatmapSource::tr("all kept")},
        {QColor(mixed(kept, pruned, 1, 2)), ValueHeatmapSource::tr("half pruned")},
        {QColor(pruned), ValueHeatmapSource::tr("all pruned (dimmed)")},
    };
    entries.append(ValueHeatmapSource::legend());
    p.legend = entries;
    p.pixelNote = ValueHeatmapSource::tr(
                      "Each pixel: the colour of the largest kept |w| among the %1 weights it "
                      "covers, dimmed in proportion to the share of them that is pruned (as "
                      "the Mask view's kept share).")
                      .arg(coverage(elementsPerPixel));
    return p;
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
    if (detail::coversSeveral(detail::elementsPerPixel(region, pixels)))
        return withWeights(w, [&](const auto* data) {
            return renderShares(data, mask, grid, map, lut, dim, region, pixels, cancelled);
        });
    return withWeights(w, [&](const auto* data) {
        using T = std::remove_cvref_t<decltype(*data)>;
        using B = Bits<T>;
        using Key = typename B::Key;
        const std::int64_t cols = grid.cols;
        // At one element per pixel: kept elements carry the top bit, so any kept element outranks
        // every pruned one.
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

} // namespace sparsity::ui
