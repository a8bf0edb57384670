#pragma once

#include "heatmap/heatmapsource.h"
#include "session/layersnapshot.h"
#include "tensor/largebuffer.h"

#include <cstdint>
#include <memory>
#include <optional>

namespace sparsity::ui {

// The mask. At one pixel per element or more, as categories. Zoomed out, where a pixel covers
// several elements, as the share of them that is kept: the pruned colour blended towards the
// kept colour in proportion (densityLut()), so a half-pruned area reads as half-way, not as
// whichever category a max would pick; presentation() then gives that scale, 0 to 100 %
// kept. Transparent while the snapshot has no mask yet. Immutable; render() from any thread.
class MaskSource final : public HeatmapSource
{
    Q_DECLARE_TR_FUNCTIONS(MaskSource)

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

    Presentation presentation(QSizeF elementsPerPixel) const override;

    Category categoryAt(std::int64_t row, std::int64_t col) const;
    static QRgb categoryColor(Category category);
    static QString categoryName(Category category);
    // Zoomed out: entry i is the colour of a pixel of which i/255 of the elements are kept.
    static const Colormap::Lut& densityLut();
    // The density index of `kept` of `total` elements, rounded: the one rule render() uses.
    static int densityIndex(std::int64_t kept, std::int64_t total)
    {
        return int((kept * 255 + total / 2) / total);
    }

private:
    bool hasPartBlocks() const { return !m_categories.empty(); }

    std::shared_ptr<const LayerSnapshot> m_snapshot;
    // The category of every element, only when pruned blocks may keep elements (otherwise the
    // mask byte alone tells it). One byte per element, so rendering is a plain byte-wise max.
    core::LargeVector<std::uint8_t> m_categories; // huge pages, not zero-filled: written in full
};

} // namespace sparsity::ui
