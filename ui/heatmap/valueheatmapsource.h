#pragma once

#include "heatmap/colormap.h"
#include "heatmap/heatmapsource.h"
#include "heatmap/valuescale.h"
#include "session/layersnapshot.h"

#include <memory>
#include <optional>

// The heatmaps of values of one layer snapshot, through a colour map: |weights|, block norms,
// and weights under the mask (MaskSource, in masksource.h, shows the mask as categories). All
// draw with detail::renderPooled (pooledrender.h): a single pass over the rows of the visible
// region, max-pooled when several elements share a pixel.

namespace sparsity::ui {

// The finite range of |w|, and of the block norms (for 1x1 blocks: of f(w)). One scan each;
// O(elements) or O(blocks), so compute them off the UI thread for big layers.
ValueRange absoluteWeightRange(const core::WeightTensor& weights);
ValueRange blockNormRange(const core::BlockNorms& norms, const core::WeightTensor& weights);

// What the value sources share: the snapshot, the colour map and the value scale. Immutable
// after construction; render() may run on any thread, several at once.
class ValueHeatmapSource : public HeatmapSource
{
    Q_DECLARE_TR_FUNCTIONS(ValueHeatmapSource)

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

protected:
    QString pooledNote(const QString& coverage) const override;
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

protected:
    QString pooledNote(const QString& coverage) const override;
};

// |w| as WeightsSource, with pruned elements dimmed and desaturated so the kept weights stand
// out. Zoomed out, a pixel over kept and pruned elements agrees with the mask view's kept
// share: the colour of its largest kept |w| dimmed in proportion to the pruned share (all
// kept: that colour; half pruned: half-way to its dimmed colour; all pruned: the dimmed colour
// of the largest pruned |w|). Without a mask (not computed yet) every element counts as kept.
class MaskOverWeightsSource final : public ValueHeatmapSource
{
public:
    MaskOverWeightsSource(std::shared_ptr<const LayerSnapshot> snapshot, Colormap colormap,
                          bool logarithmic, std::optional<ValueRange> range = std::nullopt);

    QImage render(const QRectF& region, const QSize& pixels,
                  const std::atomic<bool>& cancelled) const override;
    QList<QPair<QColor, QString>> legend() const override;
    Presentation presentation(QSizeF elementsPerPixel) const override;

    // The colour pruned elements of colour `c` get.
    static QRgb dimmed(QRgb c);
    // A zoomed-out pixel: `kept` of `total` elements kept, keptColor the colour of the largest
    // kept |w| and prunedColor its dimmed colour.
    static QRgb mixed(QRgb keptColor, QRgb prunedColor, std::int64_t kept, std::int64_t total);

private:
    Colormap::Lut m_dimmedLut;
};
} // namespace sparsity::ui
