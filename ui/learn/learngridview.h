#pragma once

#include "learn/learnwalkthrough.h"

#include <QColor>
#include <QFont>
#include <QList>
#include <QRect>
#include <QWidget>
#include <memory>
#include <optional>
#include <utility>

namespace sparsity::ui {

// Draws one step of a LearnWalkthrough: the small matrix as a grid of cells, each with its
// number, coloured by what it means in the step, the block grid over it and a badge per block.
// Cells grow with the widget up to a comfortable size and never shrink below the size that
// holds every number, so in a scroll area nothing is clipped. It only draws: the numbers come
// from the walkthrough. UI thread only.
class LearnGridView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LearnGridView)

public:
    explicit LearnGridView(QWidget* parent = nullptr);

    // Shows step `index` of walkthrough; null clears.
    void setStep(std::shared_ptr<const LearnWalkthrough> walkthrough, int index);
    void setSelectedBlock(std::optional<std::int64_t> block);

    // The size of a cell in pixels now, and the least that holds the widest number (and a
    // note under it). Cells are wider than tall: numbers are.
    QSize cellSize() const;
    QSize minimumCellSize() const { return m_minimumCell; }
    QFont cellFont() const;
    QFont noteFont() const;
    // The pixels of the matrix now (cells only).
    QRect matrixRect() const;

    // What a colour in a step means, for the legend under the grid.
    static QList<std::pair<QColor, QString>> legendFor(const LearnStep& step);
    static QColor fillOf(const LearnCell& cell);
    // Black or white, whichever reads better on fill.
    static QColor inkOn(QColor fill);

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;
    // Cells grow with the width; the height follows, so the grid never leaves a gap.
    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override;

Q_SIGNALS:
    void blockClicked(std::int64_t block);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    QRect cellRect(std::int64_t row, std::int64_t col) const;
    QRect blockRect(std::int64_t block) const;
    QRect badgeRect(std::int64_t block, QString* text, QFont* font) const;
    void drawBadges(QPainter& painter) const;
    void updateMinimumCell();
    double scaleFor(int width) const;

    std::shared_ptr<const LearnWalkthrough> m_walkthrough;
    int m_index = 0;
    std::optional<std::int64_t> m_selected;
    QSize m_minimumCell{40, 30};
};

} // namespace sparsity::ui
