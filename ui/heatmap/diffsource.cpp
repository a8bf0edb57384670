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
        return tr("kept by both");
    case Category::AOnly:
        return tr("kept by A only");
    case Category::BOnly:
        return tr("kept by B only");
    case Category::Neither:
        break;
    }
    return tr("pruned by both");
}

QList<QPair<QColor, QString>> DiffSource::legend() const
{
    QList<QPair<QColor, QString>> entries;
    for (int c = 0; c < 4; ++c)
        entries.append({QColor(categoryColor(Category(c))), categoryName(Category(c))});
    // Not a category: how a pixel over many weights is coloured, shown by an example (half
    // "both", half "A only").
    const std::int64_t half[4] = {1, 1, 0, 0};
    entries.append({QColor(blend(half)), tr("mixed pixel: colours blended by share")});
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
    std::array<QRgb, 4> colors{};
    std::array<double, 4> shares{};
    for (int c = 0; c < 4; ++c) {
        colors[std::size_t(c)] = categoryColor(Category(c));
        shares[std::size_t(c)] = double(counts[c]) / double(total);
    }
    return detail::blendShares(colors.data(), shares.data(), 4);
}

QImage DiffSource::render(const QRectF& region, const QSize& pixels,
                          const std::atomic<bool>& cancelled) const
{
    const core::WeightTensor& w = *m_b->weights;
    if (!m_b->mask || !m_a)
        return detail::transparentImage(pixels);
    // Per column of the visible range: how many elements of the pixel row A keeps, B keeps,
    // and both keep; the four categories follow from these and the row count.
    struct Counter
    {
        const std::uint8_t* a;
        const std::uint8_t* b;
        std::int64_t cols;
        std::int64_t first = 0;
        std::vector<std::uint32_t> keptA, keptB, keptBoth;

        void start(std::int64_t f, std::int64_t l)
        {
            first = f;
            for (auto* v : {&keptA, &keptB, &keptBoth})
                v->resize(std::size_t(l - f));
        }
        void clear()
        {
            for (auto* v : {&keptA, &keptB, &keptBoth})
                std::fill(v->begin(), v->end(), 0u);
        }
        void add(std::int64_t r)
        {
            const std::uint8_t* ra = a + r * cols + first;
            const std::uint8_t* rb = b + r * cols + first;
            for (std::size_t c = 0; c < keptA.size(); ++c) {
                const std::uint32_t ka = ra[c] != 0;
                const std::uint32_t kb = rb[c] != 0;
                keptA[c] += ka;
                keptB[c] += kb;
                keptBoth[c] += ka & kb;
            }
        }
        QRgb pixel(std::int64_t c0, std::int64_t c1, std::int64_t rows) const
        {
            std::int64_t ka = 0, kb = 0, kboth = 0;
            for (std::int64_t c = c0 - first; c < c1 - first; ++c) {
                ka += keptA[std::size_t(c)];
                kb += keptB[std::size_t(c)];
                kboth += keptBoth[std::size_t(c)];
            }
            const std::int64_t counts[4] = {kboth, ka - kboth, kb - kboth,
                                            rows * (c1 - c0) - ka - kb + kboth};
            return blend(counts);
        }
    } counter{m_a->data(), m_b->mask->data(), w.cols(), 0, {}, {}, {}};
    return detail::renderRows(region, pixels, detail::Grid{w.rows(), w.cols()}, cancelled, counter);
}

QString DiffSource::pooledNote(const QString& coverage) const
{
    return tr("Each pixel: the four categories of the %1 weights it covers, blended by share.")
        .arg(coverage);
}

} // namespace sparsity::ui
