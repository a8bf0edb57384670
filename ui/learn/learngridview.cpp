#include "learngridview.h"

#include "heatmap/colormap.h"

#include <QEvent>
#include <QFontMetrics>
#include <QMouseEvent>
#include <QPainter>
#include <algorithm>
#include <cmath>

namespace sparsity::ui {
namespace {

constexpr int margin = 4;
constexpr double largestScale = 1.5; // bigger cells only spread the numbers apart
constexpr int smallestCellWidth = 34;
constexpr int cellPadding = 8; // left and right of the widest number together

QColor mix(QColor a, QColor b, double t)
{
    t = std::clamp(t, 0.0, 1.0);
    return QColor::fromRgbF(float(a.redF() + (b.redF() - a.redF()) * t),
                            float(a.greenF() + (b.greenF() - a.greenF()) * t),
                            float(a.blueF() + (b.blueF() - a.blueF()) * t));
}

// Blue below zero, red above, near white at zero: a diverging scale, as weights have a sign.
const QColor negative(33, 102, 172);
const QColor neutral(247, 247, 247);
const QColor positive(178, 24, 43);
// Rank 1 (pruned first) strong, the last rank pale.
const QColor firstRank(215, 48, 31);
const QColor lastRank(254, 232, 200);
const QColor keptColor(232, 241, 232);
const QColor prunedColor(246, 178, 170);
const QColor zeroedColor(55, 55, 55);
const QColor keptInPrunedColor(150, 208, 152);
const QColor blockEven(221, 234, 250);
const QColor blockOdd(253, 232, 204);

} // namespace

LearnGridView::LearnGridView(QWidget* parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("learnGrid"));
    QSizePolicy policy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    policy.setHeightForWidth(true);
    setSizePolicy(policy);
    updateMinimumCell();
}

void LearnGridView::setStep(std::shared_ptr<const LearnWalkthrough> walkthrough, int index)
{
    const bool sizeChanged = !walkthrough || !m_walkthrough ||
                             walkthrough->rows != m_walkthrough->rows ||
                             walkthrough->cols != m_walkthrough->cols;
    m_walkthrough = std::move(walkthrough);
    m_index = m_walkthrough ? std::clamp(index, 0, LearnWalkthrough::stepCount - 1) : 0;
    if (m_selected && (!m_walkthrough || *m_selected >= m_walkthrough->grid.blockCount()))
        m_selected.reset();
    updateMinimumCell();
    if (sizeChanged)
        updateGeometry();
    update();
}

void LearnGridView::setSelectedBlock(std::optional<std::int64_t> block)
{
    m_selected = block;
    update();
}

QFont LearnGridView::cellFont() const
{
    // A little smaller than the text around it: 16 numbers of up to 9 characters in a row.
    QFont cell = font();
    cell.setPointSizeF(std::max(7.0, font().pointSizeF() * 0.92));
    return cell;
}

QFont LearnGridView::noteFont() const
{
    QFont note = font();
    note.setPointSizeF(std::max(6.0, font().pointSizeF() * 0.75));
    return note;
}

void LearnGridView::updateMinimumCell()
{
    // The widest number of every step, so that the cells keep their size from step to step.
    const QFontMetrics metrics(cellFont());
    const QFontMetrics noteMetrics(noteFont());
    int widest = metrics.horizontalAdvance(QStringLiteral("−0.000"));
    if (m_walkthrough)
        for (const LearnStep& step : m_walkthrough->steps)
            for (const LearnCell& cell : step.cells) {
                widest = std::max(widest, metrics.horizontalAdvance(cell.text));
                widest = std::max(widest, noteMetrics.horizontalAdvance(cell.note));
            }
    const QSize cell(std::max(smallestCellWidth, widest + cellPadding),
                     metrics.height() + noteMetrics.height() + 6);
    if (cell != m_minimumCell) {
        m_minimumCell = cell;
        updateGeometry();
    }
}

double LearnGridView::scaleFor(int width) const
{
    if (!m_walkthrough || m_walkthrough->cols == 0)
        return 1.0;
    // Both sides grow by the same factor, from the least that holds the numbers up to 1.5x.
    const double fit =
        double(width - 2 * margin) / double(m_walkthrough->cols * m_minimumCell.width());
    return std::clamp(fit, 1.0, largestScale);
}

QSize LearnGridView::cellSize() const
{
    const double scale = scaleFor(width());
    return QSize(int(m_minimumCell.width() * scale), int(m_minimumCell.height() * scale));
}

int LearnGridView::heightForWidth(int width) const
{
    const std::int64_t rows = m_walkthrough ? m_walkthrough->rows : 8;
    return int(rows) * int(m_minimumCell.height() * scaleFor(width)) + 2 * margin;
}

QRect LearnGridView::matrixRect() const
{
    if (!m_walkthrough)
        return {};
    const QSize s = cellSize();
    const int w = int(m_walkthrough->cols) * s.width();
    const int h = int(m_walkthrough->rows) * s.height();
    return QRect(std::max(margin, (width() - w) / 2), margin, w, h);
}

QRect LearnGridView::cellRect(std::int64_t row, std::int64_t col) const
{
    const QSize s = cellSize();
    const QRect m = matrixRect();
    return QRect(m.left() + int(col) * s.width(), m.top() + int(row) * s.height(), s.width(),
                 s.height());
}

QRect LearnGridView::blockRect(std::int64_t block) const
{
    const core::BlockGrid& g = m_walkthrough->grid;
    const std::int64_t br = block / g.gridCols();
    const std::int64_t bc = block % g.gridCols();
    const QRect first = cellRect(br * g.block.rows, bc * g.block.cols);
    const QRect last =
        cellRect(br * g.block.rows + g.validRows(br) - 1, bc * g.block.cols + g.validCols(bc) - 1);
    return first.united(last);
}

QSize LearnGridView::minimumSizeHint() const
{
    const std::int64_t rows = m_walkthrough ? m_walkthrough->rows : 8;
    const std::int64_t cols = m_walkthrough ? m_walkthrough->cols : 8;
    return QSize(int(cols) * m_minimumCell.width() + 2 * margin,
                 int(rows) * m_minimumCell.height() + 2 * margin);
}

QSize LearnGridView::sizeHint() const
{
    return minimumSizeHint();
}

QColor LearnGridView::fillOf(const LearnCell& cell)
{
    switch (cell.tone) {
    case LearnTone::Signed:
        return cell.shade < 0 ? mix(neutral, negative, -cell.shade)
                              : mix(neutral, positive, cell.shade);
    case LearnTone::Magnitude:
        return QColor::fromRgb(Colormap().color(cell.shade));
    case LearnTone::BlockEven:
        return blockEven;
    case LearnTone::BlockOdd:
        return blockOdd;
    case LearnTone::Rank:
        return mix(firstRank, lastRank, cell.shade);
    case LearnTone::ToPrune:
    case LearnTone::Pruned:
        return prunedColor;
    case LearnTone::Kept:
        return keptColor;
    case LearnTone::Zeroed:
        return zeroedColor;
    case LearnTone::KeptInPruned:
        return keptInPrunedColor;
    case LearnTone::NotFinite:
        return QColor::fromRgb(Colormap::nonFiniteColor());
    }
    return neutral;
}

QColor LearnGridView::inkOn(QColor fill)
{
    // Relative luminance (sRGB weights, without linearising: enough to pick black or white).
    const double luminance = 0.2126 * fill.redF() + 0.7152 * fill.greenF() + 0.0722 * fill.blueF();
    return luminance > 0.5 ? QColor(20, 20, 20) : QColor(250, 250, 250);
}

QList<std::pair<QColor, QString>> LearnGridView::legendFor(const LearnStep& step)
{
    bool present[int(LearnTone::NotFinite) + 1] = {};
    for (const LearnCell& cell : step.cells)
        present[int(cell.tone)] = true;
    bool hatched = false;
    for (const LearnBadge& badge : step.badges)
        hatched = hatched || badge.hatched;
    QList<std::pair<QColor, QString>> legend;
    const auto has = [&](LearnTone tone) { return present[int(tone)]; };
    if (has(LearnTone::Signed)) {
        legend.append({negative, tr("below 0")});
        legend.append({positive, tr("above 0")});
    }
    if (has(LearnTone::Magnitude)) {
        legend.append({QColor::fromRgb(Colormap().color(0.0)), tr("small")});
        legend.append({QColor::fromRgb(Colormap().color(1.0)), tr("large")});
    }
    if (has(LearnTone::BlockEven) || has(LearnTone::BlockOdd))
        legend.append({blockEven, tr("one block (neighbours alternate)")});
    if (hatched)
        legend.append({QColor(170, 170, 170), tr("hatched: partial block")});
    if (has(LearnTone::Rank)) {
        legend.append({firstRank, tr("rank 1, pruned first")});
        legend.append({lastRank, tr("last rank")});
    }
    if (has(LearnTone::ToPrune))
        legend.append({prunedColor, tr("among the first k: pruned")});
    if (has(LearnTone::Pruned))
        legend.append({prunedColor, tr("pruned block")});
    if (has(LearnTone::Kept))
        legend.append({keptColor,
                       has(LearnTone::ToPrune) ? tr("after the first k: kept") : tr("kept block")});
    bool former = false;
    for (const LearnCell& cell : step.cells)
        former = former || cell.noteIsFormerValue;
    if (has(LearnTone::Zeroed))
        legend.append(
            {zeroedColor, former ? tr("becomes 0 (small: the weight it had)") : tr("becomes 0")});
    if (has(LearnTone::KeptInPruned))
        legend.append({keptInPrunedColor, tr("stays, inside a pruned block")});
    if (has(LearnTone::NotFinite))
        legend.append({QColor::fromRgb(Colormap::nonFiniteColor()), tr("NaN or infinite")});
    return legend;
}

QRect LearnGridView::badgeRect(std::int64_t block, QString* text, QFont* badgeFont) const
{
    const LearnBadge& badge = m_walkthrough->steps[std::size_t(m_index)].badges[std::size_t(block)];
    const QRect room = blockRect(block).adjusted(2, 2, -2, -2);
    QFont f = cellFont();
    f.setBold(true);
    // The full text at the cell font, then the short one, then smaller fonts down to 6 points.
    for (double size = f.pointSizeF(); size >= 6.0; size -= 1.0) {
        f.setPointSizeF(size);
        const QFontMetrics metrics(f);
        for (const QString& candidate : {badge.text, badge.shortText}) {
            if (candidate.isEmpty())
                continue;
            const QRect bounds =
                metrics.boundingRect(QRect(0, 0, 10000, 10000), Qt::AlignCenter, candidate);
            const QSize box(bounds.width() + 8, bounds.height() + 4);
            if (box.width() <= room.width() && box.height() <= room.height()) {
                *text = candidate;
                *badgeFont = f;
                return QRect(room.center() - QPoint(box.width() / 2, box.height() / 2), box);
            }
        }
    }
    return {};
}

void LearnGridView::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    painter.fillRect(rect(), palette().window());
    if (!m_walkthrough)
        return;
    const LearnWalkthrough& w = *m_walkthrough;
    const LearnStep& step = w.steps[std::size_t(m_index)];

    // Badges first as rectangles: faded cell numbers they would half cover are left out.
    std::vector<QRect> badges(step.badges.size());
    std::vector<QString> badgeTexts(step.badges.size());
    std::vector<QFont> badgeFonts(step.badges.size());
    for (std::size_t b = 0; b < step.badges.size(); ++b)
        badges[b] = badgeRect(std::int64_t(b), &badgeTexts[b], &badgeFonts[b]);

    const QFont numbers = cellFont();
    const QFont note = noteFont();
    for (std::int64_t r = 0; r < w.rows; ++r)
        for (std::int64_t c = 0; c < w.cols; ++c) {
            const LearnCell& cell = step.cells[std::size_t(r * w.cols + c)];
            const QRect box = cellRect(r, c);
            const QColor fill = fillOf(cell);
            painter.fillRect(box, fill);
            if (!step.badges.empty() && cell.faded) {
                const QRect& badge = badges[std::size_t(w.grid.blockIndexOf(r, c))];
                if (!badge.isNull() && badge.intersects(box))
                    continue;
            }
            QColor ink = inkOn(fill);
            if (cell.faded)
                ink.setAlphaF(0.6f);
            painter.setPen(ink);
            painter.setFont(numbers);
            if (cell.note.isEmpty()) {
                painter.drawText(box, Qt::AlignCenter, cell.text);
            } else {
                // The number above the middle, the note under it.
                const int split = box.top() + box.height() * 3 / 5;
                painter.drawText(QRect(box.left(), box.top(), box.width(), split - box.top()),
                                 Qt::AlignHCenter | Qt::AlignBottom, cell.text);
                painter.setFont(note);
                if (cell.noteIsFormerValue) {
                    // Dimmer: a value that is gone. (Struck out, a minus sign would vanish.)
                    QColor dim = ink;
                    dim.setAlphaF(0.62f);
                    painter.setPen(dim);
                }
                painter.drawText(QRect(box.left(), split, box.width(), box.bottom() - split),
                                 Qt::AlignHCenter | Qt::AlignTop, cell.note);
            }
        }

    // Thin lines between cells, thick ones between blocks.
    const QRect m = matrixRect();
    const int sw = cellSize().width();
    const int sh = cellSize().height();
    painter.setPen(QPen(QColor(0, 0, 0, 45), 1));
    for (std::int64_t c = 1; c < w.cols; ++c)
        painter.drawLine(m.left() + int(c) * sw, m.top(), m.left() + int(c) * sw, m.bottom());
    for (std::int64_t r = 1; r < w.rows; ++r)
        painter.drawLine(m.left(), m.top() + int(r) * sh, m.right(), m.top() + int(r) * sh);
    for (std::size_t b = 0; b < step.badges.size(); ++b)
        if (step.badges[b].hatched)
            painter.fillRect(blockRect(std::int64_t(b)),
                             QBrush(QColor(0, 0, 0, 70), Qt::BDiagPattern));
    if (step.showBlocks) {
        painter.setPen(QPen(QColor(25, 25, 25), 2));
        for (std::int64_t c = w.grid.block.cols; c < w.cols; c += w.grid.block.cols)
            painter.drawLine(m.left() + int(c) * sw, m.top(), m.left() + int(c) * sw,
                             m.bottom() + 1);
        for (std::int64_t r = w.grid.block.rows; r < w.rows; r += w.grid.block.rows)
            painter.drawLine(m.left(), m.top() + int(r) * sh, m.right() + 1, m.top() + int(r) * sh);
    }
    painter.setPen(QPen(QColor(25, 25, 25), 2));
    painter.setBrush(Qt::NoBrush);
    painter.drawRect(m.adjusted(0, 0, 1, 1));

    for (std::size_t b = 0; b < step.badges.size(); ++b) {
        if (badges[b].isNull())
            continue;
        const bool strong = step.badges[b].emphasised;
        painter.setPen(QPen(strong ? QColor(170, 20, 20) : QColor(60, 60, 60), strong ? 2 : 1));
        painter.setBrush(QColor(255, 255, 255, 235));
        painter.drawRoundedRect(badges[b], 4, 4);
        painter.setFont(badgeFonts[b]);
        painter.setPen(strong ? QColor(150, 0, 0) : QColor(20, 20, 20));
        painter.drawText(badges[b], Qt::AlignCenter, badgeTexts[b]);
    }

    if (m_selected) {
        painter.setPen(QPen(QColor(0, 100, 220), 3));
        painter.setBrush(Qt::NoBrush);
        painter.drawRect(blockRect(*m_selected).adjusted(1, 1, 0, 0));
    }
}

void LearnGridView::mousePressEvent(QMouseEvent* event)
{
    if (!m_walkthrough || event->button() != Qt::LeftButton)
        return QWidget::mousePressEvent(event);
    const QRect m = matrixRect();
    const QPoint p = event->position().toPoint();
    if (!m.contains(p))
        return;
    const QSize s = cellSize();
    const std::int64_t row =
        std::min<std::int64_t>((p.y() - m.top()) / s.height(), m_walkthrough->rows - 1);
    const std::int64_t col =
        std::min<std::int64_t>((p.x() - m.left()) / s.width(), m_walkthrough->cols - 1);
    const std::int64_t block = m_walkthrough->grid.blockIndexOf(row, col);
    setSelectedBlock(block);
    Q_EMIT blockClicked(block);
}

void LearnGridView::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::FontChange)
        updateMinimumCell();
    QWidget::changeEvent(event);
}

} // namespace sparsity::ui
