#pragma once

#include "heatmap/heatmapsource.h"
#include "session/layersnapshot.h"
#include "tensor/largebuffer.h"

#include <cstdint>
#include <memory>
#include <optional>

namespace sparsity::ui {

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
