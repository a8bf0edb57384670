#pragma once

#include "heatmap/colormap.h"
#include "heatmap/heatmapsource.h"
#include "heatmap/valuescale.h"
#include "session/layersnapshot.h"
#include "tensor/largebuffer.h"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

// The heatmaps of one layer snapshot: weights, block norms, the mask, and weights under the
// mask. Kept together because they share one rendering kernel (heatmapsources.cpp): a single
// pass over the rows of the visible region, max-pooled when several elements share a pixel.

namespace sparsity::ui {

// The finite range of |w|, and of the block norms (for 1x1 blocks: of f(w)). One scan each;
// O(elements) or O(blocks), so compute them off the UI thread for big layers.
ValueRange absoluteWeightRange(const core::WeightTensor& weights);
ValueRange blockNormRange(const core::BlockNorms& norms, const core::WeightTensor& weights);

// What the value sources share: the snapshot, the colour map and the value scale. Immutable
// after construction; render() may run on any thread, several at once.
class ValueHeatmapSource : public HeatmapSource
{
public:
    QSize fieldSize() const override;
    std::optional<Scale> scale() const override;
    QList<QPair<QColor, QString>> legend() const override;

    const ValueScale& valueScale() const { return m_scale; }
    const ValueRange& valueRange() const { return m_range; }
    const Colormap& colormap() const { return m_colormap; }

protected:
    // A linear scale from zero (magnitudes: colour in proportion to |w|) or over the range.
    enum class LinearFrom
    {
        Zero,
        Minimum,
    };
    ValueHeatmapSource(std::shared_ptr<const LayerSnapshot> snapshot, Colormap colormap,
                       bool logarithmic, ValueRange range, LinearFrom linearFrom, QString label);

    std::shared_ptr<const LayerSnapshot> m_snapshot;
    Colormap m_colormap;
    ValueRange m_range;
    ValueScale m_scale;
    QString m_label;
};

// |w| through a colour map (linear from 0, or log). Where several elements share a pixel it
// shows their largest |w| (and NaN/inf if there is one), so isolated large weights stay visible
// when zoomed out.
class WeightsSource final : public ValueHeatmapSource
{
public:
    // Scans the weights for their range unless `range` is given (compute it once per layer).
    WeightsSource(std::shared_ptr<const LayerSnapshot> snapshot, Colormap colormap,
                  bool logarithmic, std::optional<ValueRange> range = std::nullopt);

    QImage render(const QRectF& region, const QSize& pixels,
                  const std::atomic<bool>& cancelled) const override;
};

// The norm of each element's block: one flat cell per block, scaled over the norms' finite
// range; the largest norm wins where blocks share a pixel. Transparent while the snapshot has
// no norms yet.
class BlockNormsSource final : public ValueHeatmapSource
{
public:
    BlockNormsSource(std::shared_ptr<const LayerSnapshot> snapshot, Colormap colormap,
                     bool logarithmic, std::optional<ValueRange> range = std::nullopt);

    QImage render(const QRectF& region, const QSize& pixels,
                  const std::atomic<bool>& cancelled) const override;
};

// |w| as WeightsSource, with pruned elements dimmed and desaturated so the kept weights stand
// out. A pixel over kept and pruned elements shows the largest kept one. Without a mask (not
// computed yet) every element counts as kept.
class MaskOverWeightsSource final : public ValueHeatmapSource
{
public:
    MaskOverWeightsSource(std::shared_ptr<const LayerSnapshot> snapshot, Colormap colormap,
                          bool logarithmic, std::optional<ValueRange> range = std::nullopt);

    QImage render(const QRectF& region, const QSize& pixels,
                  const std::atomic<bool>& cancelled) const override;
    QList<QPair<QColor, QString>> legend() const override;

    // The colour pruned elements of colour `c` get.
    static QRgb dimmed(QRgb c);

private:
    Colormap::Lut m_dimmedLut;
};

// The mask as categories. Where several elements share a pixel, the category of highest
// priority wins (the enum's order), so pruned structure stays visible when zoomed out.
// Transparent while the snapshot has no mask yet. Immutable; render() from any thread.
class MaskSource final : public HeatmapSource
{
public:
    enum class Category : std::uint8_t
    {
        Kept,            // in a kept block
        KeptInPartBlock, // kept element of a pruned block that keeps some elements
        ZeroedInPartBlock,
        PrunedBlock, // every element of the block zeroed
    };

    // O(elements) when pruned blocks keep some elements: it finds which blocks are pruned and
    // stores every element's category (one byte each).
    explicit MaskSource(std::shared_ptr<const LayerSnapshot> snapshot);

    QSize fieldSize() const override;
    QImage render(const QRectF& region, const QSize& pixels,
                  const std::atomic<bool>& cancelled) const override;
    std::optional<Scale> scale() const override { return std::nullopt; }
    // The categories this snapshot's parameters can produce.
    QList<QPair<QColor, QString>> legend() const override;

    Category categoryAt(std::int64_t row, std::int64_t col) const;
    static QRgb categoryColor(Category category);
    static QString categoryName(Category category);

private:
    bool hasPartBlocks() const { return !m_categories.empty(); }

    std::shared_ptr<const LayerSnapshot> m_snapshot;
    // The category of every element, only when pruned blocks may keep elements (otherwise the
    // mask byte alone tells it). One byte per element, so rendering is a plain byte-wise max.
    core::LargeVector<std::uint8_t> m_categories; // huge pages, not zero-filled: written in full
};

} // namespace sparsity::ui
