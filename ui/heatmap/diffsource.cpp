#include "diffsource.h"

#include "heatmap/pooledrender.h"

#include <array>
#include <vector>

namespace sparsity::ui {

DiffSource::DiffSource(std::shared_ptr<const core::MaskBytes> a,
                       std::shared_ptr<const LayerSnapshot> b)
    : m_a(std::move(a))
    , m_b(std::move(b))
{}

QSize DiffSource::fieldSize() const
{
    return detail::fieldOf(*m_b->weights);
}

QRgb DiffSource::categoryColor(Category category)
{
    // Agreement is quiet (grey kept, near-black pruned); the two disagreements take the
    // colours that stay apart for colour-blind eyes too (Okabe-Ito orange and sky blue).
    switch (category) {
    case Category::Both:
        return qRgb(178, 178, 184);
    case Category::AOnly:
        return qRgb(230, 159, 0);
    case Category::BOnly:
        return qRgb(86, 180, 233);
    case Category::Neither:
        break;
    }
    return qRgb(38, 38, 44);
}

QString DiffSource::categoryName(Category category)
{
    switch (category) {
    case Category::Both:
        return QStringLiteral("kept by both");
    case Category::AOnly:
        return QStringLiteral("kept by A only");
    case Category::BOnly:
        return QStringLiteral("kept by B only");
    case Category::Neither:
        break;
    }
    return QStringLiteral("pruned by both");
}

QList<QPair<QColor, QString>> DiffSource::legend() const
{
    QList<QPair<QColor, QString>> entries;
    for (int c = 0; c < 4; ++c)
        entries.append({QColor(categoryColor(Category(c))), categoryName(Category(c))});
    // Not a category: how a pixel over many weights is coloured, shown by an example (half
    // "both", half "A only").
    const std::int64_t half[4] = {1, 1, 0, 0};
    entries.append({QColor(blend(half)), QStringLiteral("mixed pixel: colours blended by share")});
    return entries;
}

DiffSource::Category DiffSource::categoryAt(std::int64_t row, std::int64_t col) const
{
    const std::size_t i = std::size_t(row * m_b->weights->cols() + col);
    const bool a = (*m_a)[i] != 0;
    const bool b = m_b->mask && (*m_b->mask)[i] != 0;
    return a ? (b ? Category::Both : Category::AOnly) : (b ? Category::BOnly : Category::Neither);
}

QRgb DiffSource::blend(const std::int64_t counts[4])
{
    const std::int64_t total = counts[0] + counts[1] + counts[2] + counts[3];
    if (total <= 0)
        return qRgba(0, 0, 0, 0);
    double r = 0.0, g = 0.0, b = 0.0;
    for (int c = 0; c < 4; ++c) {
        const QRgb color = categoryColor(Category(c));
        const double share = double(counts[c]) / double(total);
        r += share * qRed(color);
        g += share * qGreen(color);
        b += share * qBlue(color);
    }
    return qRgb(int(r + 0.5), int(g + 0.5), int(b + 0.5));
}

QImage DiffSource::render(const QRectF& region, const QSize& pixels,
                          const std::atomic<bool>& cancelled) const
{
    const core::WeightTensor& w = *m_b->weights;
    if (!m_b->mask || !m_a || pixels.isEmpty() || region.isEmpty())
        return detail::transparentImage(pixels);
    QImage image(pixels, QImage::Format_ARGB32_Premultiplied);
    if (image.isNull())
        return {};
    image.fill(Qt::transparent);
    const detail::AxisMap xs =
        detail::mapAxis(region.x(), region.width(), pixels.width(), w.cols(), 1);
    const detail::AxisMap ys =
        detail::mapAxis(region.y(), region.height(), pixels.height(), w.rows(), 1);
    if (xs.first >= xs.last || ys.first >= ys.last)
        return image;
    const std::uint8_t* a = m_a->data();
    const std::uint8_t* b = m_b->mask->data();
    const std::int64_t cols = w.cols();
    const std::size_t span = std::size_t(xs.last - xs.first);
    // Per column of the visible range: how many elements of the pixel row A keeps, B keeps,
    // and both keep; the four categories follow from these and the row count.
    std::vector<std::uint32_t> keptA(span), keptB(span), keptBoth(span);
    int previous = -1;
    for (int y = 0; y < pixels.height(); ++y) {
        if (cancelled.load(std::memory_order_relaxed))
            return {};
        const std::int64_t r0 = ys.begin[y];
        const std::int64_t r1 = ys.end[y];
        if (r0 >= r1)
            continue;
        auto* line = reinterpret_cast<QRgb*>(image.scanLine(y));
        if (previous >= 0 && ys.begin[previous] == r0 && ys.end[previous] == r1) {
            std::copy_n(reinterpret_cast<const QRgb*>(image.constScanLine(previous)),
                        pixels.width(), line);
            previous = y;
            continue;
        }
        previous = y;
        std::fill(keptA.begin(), keptA.end(), 0u);
        std::fill(keptB.begin(), keptB.end(), 0u);
        std::fill(keptBoth.begin(), keptBoth.end(), 0u);
        for (std::int64_t r = r0; r < r1; ++r) {
            const std::uint8_t* ra = a + r * cols + xs.first;
            const std::uint8_t* rb = b + r * cols + xs.first;
            for (std::size_t c = 0; c < span; ++c) {
                const std::uint32_t ka = ra[c] != 0;
                const std::uint32_t kb = rb[c] != 0;
                keptA[c] += ka;
                keptB[c] += kb;
                keptBoth[c] += ka & kb;
            }
        }
        const std::int64_t rows = r1 - r0;
        for (int x = 0; x < pixels.width(); ++x) {
            const std::int64_t c0 = xs.begin[x] - xs.first;
            const std::int64_t c1 = xs.end[x] - xs.first;
            if (c0 >= c1)
                continue;
            std::int64_t ka = 0, kb = 0, kboth = 0;
            for (std::int64_t c = c0; c < c1; ++c) {
                ka += keptA[std::size_t(c)];
                kb += keptB[std::size_t(c)];
                kboth += keptBoth[std::size_t(c)];
            }
            const std::int64_t counts[4] = {kboth, ka - kboth, kb - kboth,
                                            rows * (c1 - c0) - ka - kb + kboth};
            line[x] = blend(counts);
        }
    }
    return image;
}

} // namespace sparsity::ui
