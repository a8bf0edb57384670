#include "masksource.h"

#include "heatmap/pooledrender.h"
#include "heatmap/poolkernels.h"

#include <QtGlobal>
#include <algorithm>
#include <array>

namespace sparsity::ui {

using detail::fieldOf;
using detail::Grid;
using detail::renderPooled;

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
        return tr("kept block");
    case Category::KeptInPartBlock:
        return tr("kept in partly pruned block");
    case Category::ZeroedInPartBlock:
        return tr("zeroed in partly pruned block");
    case Category::PrunedBlock:
        break;
    }
    return tr("pruned block");
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

const Colormap::Lut& MaskSource::densityLut()
{
    static const Colormap::Lut lut = [] {
        Colormap::Lut l{};
        const QRgb colors[2] = {categoryColor(Category::Kept),
                                categoryColor(Category::PrunedBlock)};
        for (int i = 0; i < 256; ++i) {
            const double shares[2] = {i / 255.0, 1.0 - i / 255.0};
            l[std::size_t(i)] = detail::blendShares(colors, shares, 2);
        }
        return l;
    }();
    return lut;
}

HeatmapSource::Presentation MaskSource::presentation(QSizeF elementsPerPixel) const
{
    if (!detail::coversSeveral(elementsPerPixel))
        return {std::nullopt, std::nullopt, legend(), oneWeightNote(elementsPerPixel)};
    Presentation p;
    p.scale = Scale{0.0, 100.0, false, tr("kept weights per pixel (%)")};
    p.colors = densityLut();
    p.pixelNote = tr("Each pixel: share of kept weights among the %1 weights it covers "
                     "(0 %: dark, 100 %: the kept colour). At 1 px per weight or more the "
                     "categories show.")
                      .arg(coverage(elementsPerPixel));
    return p;
}

QImage MaskSource::render(const QRectF& region, const QSize& pixels,
                          const std::atomic<bool>& cancelled) const
{
    const LayerSnapshot& s = *m_snapshot;
    const core::WeightTensor& w = *s.weights;
    if (!s.mask)
        return detail::transparentImage(pixels);
    const std::uint8_t* mask = s.mask->data();
    const Grid grid{w.rows(), w.cols()};
    const std::int64_t cols = w.cols();
    if (detail::coversSeveral(detail::elementsPerPixel(region, pixels))) {
        // Kept elements per column of the pixel row, then per pixel: the share's colour.
        struct Density
        {
            const std::uint8_t* mask;
            std::int64_t cols;
            const Colormap::Lut& lut;
            std::int64_t first = 0;
            std::vector<std::uint32_t> kept;

            void start(std::int64_t f, std::int64_t l)
            {
                first = f;
                kept.resize(std::size_t(l - f));
            }
            void clear() { std::fill(kept.begin(), kept.end(), 0u); }
            void add(std::int64_t r)
            {
                detail::countKept(mask + r * cols + first, std::int64_t(kept.size()), kept.data());
            }
            QRgb pixel(std::int64_t c0, std::int64_t c1, std::int64_t rows) const
            {
                std::int64_t k = 0;
                for (std::int64_t c = c0 - first; c < c1 - first; ++c)
                    k += kept[std::size_t(c)];
                return lut[std::size_t(densityIndex(k, rows * (c1 - c0)))];
            }
        } density{mask, cols, densityLut(), 0, {}};
        return detail::renderRows(region, pixels, grid, cancelled, density);
    }
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
