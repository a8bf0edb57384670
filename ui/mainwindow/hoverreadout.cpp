#include "hoverreadout.h"

#include "mask/blockgrid.h"
#include "mask/blockthreshold.h"
#include "session/blockrank.h"

#include <QEvent>
#include <QLocale>
#include <QThreadPool>

namespace sparsity::ui {
namespace {

QString number(double value)
{
    return QLocale().toString(value, 'g', 5);
}

// "[o, i, y, x]" for a conv weight, whose 2-D column folds the trailing dimensions.
// The stored tensor's index of matrix element (row, col) where it is not plain (row, col): rank
// above 2, or a layout or view that reorders the axes (docs/SPEC.md "Layout", "View").
QString tensorIndex(const LayerSnapshot& snapshot, qint64 row, qint64 col)
{
    const core::MatrixMapping own(snapshot.weights->shape());
    const core::MatrixMapping& mapping = snapshot.mapping ? *snapshot.mapping : own;
    const std::vector<std::int64_t>& shape = mapping.storedShape();
    if (shape.size() <= 2 && mapping.isIdentity())
        return {};
    std::int64_t index = mapping.storedIndex(row, col);
    QStringList parts;
    for (std::size_t d = shape.size(); d-- > 0;) {
        parts.prepend(QString::number(index % shape[d]));
        index /= shape[d];
    }
    return QStringLiteral(" [%1]").arg(parts.join(QStringLiteral(", ")));
}

} // namespace

HoverReadout::HoverReadout(QThreadPool* computePool, QWidget* parent)
    : QLabel(parent)
    , m_runner(
          this, computePool,
          [computePool](const RankRequest& request, const std::atomic<bool>& cancelled) {
              const core::ExecutionContext context{computePool, computePool->maxThreadCount(),
                                                   &cancelled};
              const LayerSnapshot& snapshot = *request.snapshot;
              return RankResult{
                  snapshot.norms, request.block,
                  blockRank(*snapshot.norms, *snapshot.weights, request.block, context)};
          },
          [this](quint64, RankResult result) {
              m_rank = result;
              refresh();
          })
{
    setObjectName(QStringLiteral("hoverReadout"));
    setTextFormat(Qt::PlainText);
    setTextInteractionFlags(Qt::TextSelectableByMouse);
}

HoverReadout::~HoverReadout() = default;

void HoverReadout::changeEvent(QEvent* event)
{
    QLabel::changeEvent(event);
    if (event->type() == QEvent::LanguageChange)
        refresh();
}

void HoverReadout::setSnapshot(std::shared_ptr<const LayerSnapshot> snapshot)
{
    if (!snapshot || !m_snapshot || snapshot->weights != m_snapshot->weights)
        m_row = m_col = -1;
    m_snapshot = std::move(snapshot);
    refresh();
}

void HoverReadout::showElement(qint64 row, qint64 col)
{
    m_row = row;
    m_col = col;
    refresh();
}

std::int64_t HoverReadout::shownRank() const
{
    if (!m_snapshot || !m_rank || m_rank->norms != m_snapshot->norms || m_row < 0)
        return -1;
    const core::BlockGrid grid{m_snapshot->weights->rows(), m_snapshot->weights->cols(),
                               m_snapshot->params.block};
    return m_rank->block == grid.blockIndexOf(m_row, m_col) ? m_rank->rank : -1;
}

void HoverReadout::refresh()
{
    if (!m_snapshot || !m_snapshot->weights || m_row < 0 || m_col < 0 ||
        m_row >= m_snapshot->weights->rows() || m_col >= m_snapshot->weights->cols()) {
        setText(m_snapshot ? tr("Point at the heatmap to read a weight, its block, the block's "
                                "norm and its rank; drag to pan, wheel to zoom.")
                           : QString());
        return;
    }
    const LayerSnapshot& snapshot = *m_snapshot;
    const core::WeightTensor& weights = *snapshot.weights;
    const core::BlockGrid grid{weights.rows(), weights.cols(), snapshot.params.block};
    const std::int64_t block = grid.blockIndexOf(m_row, m_col);
    const QLocale locale;

    QString text =
        tr("row %1, col %2%3   w = %4   block %5 (%6, %7)")
            .arg(m_row)
            .arg(m_col)
            .arg(tensorIndex(snapshot, m_row, m_col), number(weights.valueAt(m_row, m_col)),
                 locale.toString(static_cast<qlonglong>(block)))
            .arg(m_row / snapshot.params.block.rows)
            .arg(m_col / snapshot.params.block.cols);
    // A partial block's norm is the mean over the weights it really holds (docs/SPEC.md
    // "Block norms"), which the reader cannot guess from the grid lines alone.
    const std::int64_t blockRow = m_row / snapshot.params.block.rows;
    const std::int64_t blockCol = m_col / snapshot.params.block.cols;
    const std::int64_t validRows = grid.validRows(blockRow);
    const std::int64_t validCols = grid.validCols(blockCol);
    const bool cutRows = validRows < snapshot.params.block.rows;
    const bool cutCols = validCols < snapshot.params.block.cols;
    if (cutRows || cutCols) {
        const QString edge = cutRows && cutCols ? tr("cut by the bottom and right edges")
                             : cutRows          ? tr("cut by the bottom edge")
                                                : tr("cut by the right edge");
        text += tr("   block %1×%2 of %3×%4, partial: %5")
                    .arg(validRows)
                    .arg(validCols)
                    .arg(snapshot.params.block.rows)
                    .arg(snapshot.params.block.cols)
                    .arg(edge);
    }
    if (snapshot.norms) {
        text += tr("   norm %1").arg(number(core::blockNormAt(*snapshot.norms, weights, block)));
        const std::int64_t rank = shownRank();
        if (rank >= 0) {
            text += tr("   rank %1 of %2 (rank 1 = smallest norm, pruned first)")
                        .arg(locale.toString(static_cast<qlonglong>(rank + 1)),
                             locale.toString(static_cast<qlonglong>(snapshot.norms->blockCount())));
        } else {
            text += tr("   rank …");
            // Ask once per block; the runner keeps only the newest request while counting.
            if (m_requestedNorms != snapshot.norms || m_requestedBlock != block) {
                m_requestedNorms = snapshot.norms;
                m_requestedBlock = block;
                m_runner.request(RankRequest{m_snapshot, block});
            }
        }
    }
    if (snapshot.mask) {
        const bool kept =
            (*snapshot.mask)[static_cast<std::size_t>(m_row * weights.cols() + m_col)] != 0;
        bool blockPruned = !kept;
        if (kept && snapshot.norms && snapshot.threshold.prunedCount > 0)
            blockPruned =
                snapshot.threshold.prunes(core::blockKeyAt(*snapshot.norms, weights, block), block);
        if (kept && blockPruned)
            text += tr("   kept: its block is pruned but zeros per block removes only the %1 "
                       "smallest of %2")
                        .arg(snapshot.params.effectiveZerosPerBlock())
                        .arg(validRows * validCols);
        else if (kept)
            text += tr("   kept");
        else
            text += tr("   pruned");
    }
    setText(text);
}

} // namespace sparsity::ui
