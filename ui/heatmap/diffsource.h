#pragma once

#include "heatmap/heatmapsource.h"
#include "mask/maskbytes.h"
#include "session/layersnapshot.h"

#include <QRgb>
#include <memory>

namespace sparsity::ui {

// Two masks of one layer side by side: each element is kept by both, by A only, by B only or
// by neither, each in its own colour. Where several elements share a screen pixel the pixel
// is the blend of their categories' colours in proportion to their counts, so a pixel that is
// mostly "both" with a few "A only" is tinted, not painted over or hidden. B is the snapshot's
// mask (transparent while it has none); A must have the snapshot's shape. Immutable;
// render() from any thread.
class DiffSource final : public HeatmapSource
{
    Q_DECLARE_TR_FUNCTIONS(DiffSource)

public:
    enum class Category : std::uint8_t
    {
        Both,
        AOnly,
        BOnly,
        Neither,
    };

    DiffSource(std::shared_ptr<const core::MaskBytes> a, std::shared_ptr<const LayerSnapshot> b);

    QSize fieldSize() const override;
    QImage render(const QRectF& region, const QSize& pixels,
                  const std::atomic<bool>& cancelled) const override;
    std::optional<Scale> scale() const override { return std::nullopt; }
    // The four categories and a note that zoomed-out pixels blend them.
    QList<QPair<QColor, QString>> legend() const override;

    Category categoryAt(std::int64_t row, std::int64_t col) const;
    static QRgb categoryColor(Category category);
    static QString categoryName(Category category);
    // The colour of a pixel over these counts of each category (indexed by Category).
    static QRgb blend(const std::int64_t counts[4]);

protected:
    QString pooledNote(const QString& coverage) const override;

private:
    std::shared_ptr<const core::MaskBytes> m_a;
    std::shared_ptr<const LayerSnapshot> m_b;
};

} // namespace sparsity::ui
