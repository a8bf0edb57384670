#include "normhistogrampanel.h"

#include "histogram/histogramwidget.h"
#include "parallel/parallelfor.h"

#include <QEvent>
#include <QLabel>
#include <QLocale>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <limits>

namespace sparsity::ui {
namespace {

QString normLabel(core::Norm norm)
{
    return norm == core::Norm::L1 ? NormHistogramPanel::tr("block norm (mean |w|)")
                                  : NormHistogramPanel::tr("block norm (mean w²)");
}

} // namespace

QString NormHistogramPanel::caption(std::int64_t blocks, core::BlockShape block,
                                    std::int64_t pruned)
{
    const QLocale locale;
    const QString count = locale.toString(static_cast<qlonglong>(blocks));
    const QString shape = QStringLiteral("%1×%2").arg(block.rows).arg(block.cols);
    const QString all =
        blocks == 1 ? tr("1 block of %1").arg(shape) : tr("%1 blocks of %2").arg(count, shape);
    QString which;
    if (pruned <= 0)
        which = tr("none is pruned at this level.");
    else if (pruned >= blocks)
        which = blocks == 1 ? tr("it is pruned.") : tr("all are pruned.");
    else if (pruned == 1)
        which = tr("the one with the smallest norm is pruned (shaded).");
    else
        which = tr("the %1 with the smallest norms are pruned (shaded).")
                    .arg(locale.toString(static_cast<qlonglong>(pruned)));
    return tr("%1; %2 Drag the line to change the level.").arg(all, which);
}

NormHistogramPanel::NormHistogramPanel(QThreadPool* computePool, QWidget* parent)
    : QWidget(parent)
    , m_histogram(new HistogramWidget(computePool, this))
    , m_caption(new QLabel(this))
    , m_runner(
          this, computePool,
          [computePool](const std::shared_ptr<const LayerSnapshot>& snapshot,
                        const std::atomic<bool>& cancelled) {
              Values result;
              result.norms = snapshot->norms;
              const auto count = snapshot->norms->blockCount();
              result.values.resize(static_cast<std::size_t>(count));
              const core::ExecutionContext context{computePool, computePool->maxThreadCount(),
                                                   &cancelled};
              core::parallelFor(context, 0, count, std::int64_t{1} << 16,
                                [&](std::int64_t from, std::int64_t to) {
                                    for (std::int64_t i = from; i < to; ++i)
                                        result.values[static_cast<std::size_t>(i)] =
                                            core::blockNormAt(*snapshot->norms, *snapshot->weights,
                                                              i);
                                });
              return result;
          },
          [this](quint64, Values values) {
              if (values.norms != m_norms)
                  return;
              m_histogram->setData(std::move(values.values));
              showThreshold();
          })
{
    m_histogram->setObjectName(QStringLiteral("normHistogram"));
    m_caption->setObjectName(QStringLiteral("histogramCaption"));
    m_caption->setWordWrap(true);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 2, 4, 4);
    layout->addWidget(m_caption);
    layout->addWidget(m_histogram, 1);
    connect(m_histogram, &HistogramWidget::thresholdDragged, this,
            [this](double fraction) { Q_EMIT levelRequested(fraction); });
    clear();
}

NormHistogramPanel::~NormHistogramPanel() = default;

void NormHistogramPanel::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() != QEvent::LanguageChange)
        return;
    if (!m_snapshot || !m_snapshot->norms) {
        m_caption->setText(tr("Block norms: select a layer."));
        return;
    }
    m_histogram->setAxisLabel(normLabel(m_snapshot->params.norm));
    showThreshold();
}

void NormHistogramPanel::setSnapshot(const std::shared_ptr<const LayerSnapshot>& snapshot)
{
    m_snapshot = snapshot;
    if (!snapshot || !snapshot->norms) {
        clear();
        return;
    }
    if (snapshot->norms != m_norms) {
        m_norms = snapshot->norms;
        m_histogram->setAxisLabel(normLabel(snapshot->params.norm));
        m_runner.reset(); // values of other norms are of no use any more
        m_runner.request(snapshot);
    }
    showThreshold();
}

void NormHistogramPanel::clear()
{
    m_runner.reset();
    m_snapshot.reset();
    m_norms.reset();
    m_histogram->setData({});
    m_histogram->setThreshold(std::numeric_limits<double>::quiet_NaN());
    m_caption->setText(tr("Block norms: select a layer."));
}

bool NormHistogramPanel::isBusy() const
{
    return m_runner.isBusy() || m_histogram->isComputing();
}

void NormHistogramPanel::showThreshold()
{
    if (!m_snapshot || !m_snapshot->norms)
        return;
    const LayerSnapshot& snapshot = *m_snapshot;
    const core::BlockThreshold& threshold = snapshot.threshold;
    double line = std::numeric_limits<double>::quiet_NaN();
    if (threshold.prunesAll()) {
        line = std::numeric_limits<double>::infinity();
        if (const HistogramData* data = m_histogram->data())
            line = std::nextafter(data->highest(), std::numeric_limits<double>::infinity());
    } else if (threshold.prunesNone()) {
        if (const HistogramData* data = m_histogram->data())
            line = data->isLogarithmic() ? data->lowest() : std::min(data->lowest(), 0.0);
    } else {
        line = core::blockNormAt(*snapshot.norms, *snapshot.weights, threshold.index);
    }
    m_histogram->setThreshold(line, threshold.prunedCount);
    m_caption->setText(
        caption(snapshot.norms->blockCount(), snapshot.params.block, threshold.prunedCount));
}

} // namespace sparsity::ui
