#include "statspanel.h"

#include "mask/blockgrid.h"
#include "mask/sparsityexplanation.h"
#include "session/layersnapshot.h"

#include <QEvent>
#include <QFormLayout>
#include <QLabel>
#include <QLocale>
#include <QVBoxLayout>
#include <cmath>

namespace sparsity::ui {
namespace {

QString percent(double fraction, int decimals = 1)
{
    return QLocale().toString(fraction * 100.0, 'f', decimals) + QStringLiteral(" %");
}

// A retained ratio; not finite only if the long double sums overflow (beyond 1e4932).
QString ratio(double fraction)
{
    if (!std::isfinite(fraction))
        return StatsPanel::tr("n/a (the sum overflows)");
    return percent(fraction, 2);
}

QString count(std::int64_t value)
{
    return QLocale().toString(static_cast<qlonglong>(value));
}

QString shapeOf(const std::vector<std::int64_t>& shape)
{
    QStringList parts;
    for (const std::int64_t extent : shape)
        parts << QString::number(extent);
    return parts.join(QStringLiteral(" × "));
}

} // namespace

StatsPanel::StatsPanel(QWidget* parent)
    : QWidget(parent)
    , m_form(new QFormLayout)
{
    auto* layout = new QVBoxLayout(this);
    m_form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    layout->addLayout(m_form);
    m_layer = addRow(QStringLiteral("statsLayer"));
    m_shape = addRow(QStringLiteral("statsShape"));
    m_scope = addRow(QStringLiteral("statsScope"));
    m_blocks = addRow(QStringLiteral("statsBlocks"));
    m_pruned = addRow(QStringLiteral("statsPrunedBlocks"));
    m_zeros = addRow(QStringLiteral("statsZeros"));
    m_sparsity = addRow(QStringLiteral("statsSparsity"));
    m_energy = addRow(QStringLiteral("statsRetainedEnergy"));
    m_l1 = addRow(QStringLiteral("statsRetainedL1"));

    // Why achieved and requested differ, with this layer's numbers: in the panel, not in a
    // tooltip, since it is the first question a newcomer asks.
    m_explanation = new QLabel(this);
    m_explanation->setObjectName(QStringLiteral("statsExplanation"));
    m_explanation->setWordWrap(true);
    m_explanation->setTextFormat(Qt::PlainText);
    m_explanation->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_explanation->setStyleSheet(QStringLiteral(
        "QLabel { background: palette(alternate-base); border-left: 3px solid #5b8def; "
        "padding: 4px; }"));
    m_explanation->hide();
    layout->addWidget(m_explanation);

    m_warning = new QLabel(this);
    m_warning->setObjectName(QStringLiteral("nonFiniteWarning"));
    m_warning->setWordWrap(true);
    m_warning->setStyleSheet(
        QStringLiteral("QLabel { background: #fff3cd; color: #664d03; border: 1px solid #ffcf40;"
                       " border-radius: 3px; padding: 4px; }"));
    m_warning->hide();
    layout->addWidget(m_warning);
    layout->addStretch(1);
    clear();
    retranslate();
}

void StatsPanel::retranslate()
{
    const std::pair<QLabel*, QString> labels[] = {
        {m_layer, tr("Layer:")},          {m_shape, tr("Shape:")},
        {m_scope, tr("Scope:")},          {m_blocks, tr("Blocks:")},
        {m_pruned, tr("Pruned blocks:")}, {m_zeros, tr("Zeros:")},
        {m_sparsity, tr("Sparsity:")},    {m_energy, tr("Retained energy:")},
        {m_l1, tr("Retained L1:")},
    };
    for (const auto& [field, label] : labels)
        static_cast<QLabel*>(m_form->labelForField(field))->setText(label);
    m_energy->setToolTip(tr("Σ(w² kept) / Σ(w²): how much of the layer's energy survives."));
    m_l1->setToolTip(tr("Σ|w kept| / Σ|w|"));
    m_sparsity->setToolTip(tr("Achieved (zeros / weights) against the requested level; the "
                              "text below says why they differ for this layer."));
    // The values say things in words too: show them again.
    if (const auto snapshot = m_snapshot) {
        setSnapshot(snapshot);
    } else if (const auto info = m_info) {
        setLayer(info);
    }
}

void StatsPanel::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::LanguageChange)
        retranslate();
}

QLabel* StatsPanel::addRow(const QString& objectName)
{
    auto* value = new QLabel(this);
    value->setObjectName(objectName);
    value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    value->setWordWrap(true);
    m_form->addRow(new QLabel(this), value);
    return value;
}

void StatsPanel::setLayer(const std::optional<core::DatasetInfo>& info)
{
    clear();
    m_info = info;
    if (!info)
        return;
    m_layer->setText(info->path);
    m_shape->setText(tr("%1 (%2)").arg(shapeOf(info->shape), info->typeName));
}

void StatsPanel::setSnapshot(const std::shared_ptr<const LayerSnapshot>& snapshot)
{
    if (!snapshot || !snapshot->weights)
        return;
    m_snapshot = snapshot;
    const core::WeightTensor& weights = *snapshot->weights;
    const core::MaskStats& stats = snapshot->stats;
    const core::SparsityParams& params = snapshot->params;
    const core::BlockGrid grid{weights.rows(), weights.cols(), params.block};

    m_layer->setText(snapshot->datasetPath);
    // The stored shape, and the matrix the layout and view make of it (docs/SPEC.md "View").
    const core::MatrixMapping* mapping = snapshot->mapping.get();
    const std::vector<std::int64_t>& stored = mapping ? mapping->storedShape() : weights.shape();
    QString shape = shapeOf(stored);
    if (mapping &&
        (mapping->layout() != core::Layout::Torch || mapping->view() != core::MatrixView::Flatten))
        shape += tr(", %1 layout, %2 view: seen as %3 × %4")
                     .arg(core::layoutName(mapping->layout()), core::viewName(mapping->view()))
                     .arg(weights.rows())
                     .arg(weights.cols());
    else if (stored.size() != 2)
        shape += tr(", seen as %1 × %2").arg(weights.rows()).arg(weights.cols());
    if (m_info && m_info->path == snapshot->datasetPath)
        shape += QStringLiteral(" (%1)").arg(m_info->typeName);
    m_shape->setText(shape);
    m_blocks->setText(tr("%1 × %2 = %3 of %4×%5")
                          .arg(count(grid.gridRows()), count(grid.gridCols()), count(stats.blocks))
                          .arg(params.block.rows)
                          .arg(params.block.cols));
    m_pruned->setText(tr("%1 (%2)").arg(
        count(stats.prunedBlocks),
        percent(stats.blocks > 0 ? static_cast<double>(stats.prunedBlocks) / stats.blocks : 0.0)));
    m_zeros->setText(tr("%1 of %2").arg(count(stats.zeros), count(stats.elements)));
    m_sparsity->setText(snapshot->scope == MaskScope::Model
                            ? tr("%1 achieved, model level %2")
                                  .arg(percent(stats.achievedSparsity, 2), percent(params.level))
                            : tr("%1 achieved, %2 requested")
                                  .arg(percent(stats.achievedSparsity, 2), percent(params.level)));
    // A mask is never called model scope unless it is this layer's share of the model's.
    QString scope;
    bool pending = false;
    switch (snapshot->scope) {
    case MaskScope::Layer:
        scope = tr("Layer (ranked alone)");
        break;
    case MaskScope::Model:
        scope = tr("Model: this layer's share of one ranking over all layers, bounds %1 to %2")
                    .arg(percent(snapshot->model->bounds.minLevel),
                         percent(snapshot->model->bounds.maxLevel));
        break;
    case MaskScope::ModelPending:
        scope = tr("Model scope pending: the layers are being ranked. Shown meanwhile: this "
                   "layer ranked alone at %1.")
                    .arg(percent(params.level));
        pending = true;
        break;
    case MaskScope::ModelUnavailable:
        scope = tr("Model scope unavailable: %1\nShown instead: this layer ranked alone at %2.")
                    .arg(snapshot->modelProblem, percent(params.level));
        pending = true;
        break;
    case MaskScope::OutsideModel:
        scope = tr("Not one of the model's layers (model scope covers the default layers): "
                   "ranked alone at %1.")
                    .arg(percent(params.level));
        pending = true;
        break;
    }
    m_scope->setText(scope);
    m_scope->setStyleSheet(pending ? QStringLiteral("QLabel { background: #fff3cd; color: #664d03; "
                                                    "padding: 2px; }")
                                   : QString());
    const QStringList reasons = core::SparsityExplanation::reasons(
        params, grid, stats, snapshot->scope == MaskScope::Model);
    if (reasons.isEmpty()) {
        m_explanation->hide();
    } else {
        QString text =
            tr("Why %1 and not %2:").arg(percent(stats.achievedSparsity, 2), percent(params.level));
        for (const QString& reason : reasons)
            text += QStringLiteral("\n• ") + reason;
        m_explanation->setText(text);
        m_explanation->show();
    }
    m_energy->setText(ratio(stats.retainedEnergy));
    m_l1->setText(ratio(stats.retainedL1));

    if (stats.nonFiniteWeights > 0) {
        m_warning->setText(
            tr("⚠ %1 weight(s) are NaN or infinite. Blocks holding NaN have a NaN norm and are "
               "pruned last; the retained ratios count only the finite weights.")
                .arg(count(stats.nonFiniteWeights)));
        m_warning->show();
    } else {
        m_warning->hide();
    }
}

void StatsPanel::clear()
{
    const QString none = QStringLiteral("–");
    for (QLabel* label :
         {m_layer, m_shape, m_scope, m_blocks, m_pruned, m_zeros, m_sparsity, m_energy, m_l1})
        label->setText(none);
    m_warning->hide();
    m_explanation->hide();
    m_explanation->clear();
    m_scope->setStyleSheet(QString());
    m_info.reset();
    m_snapshot.reset();
}

} // namespace sparsity::ui
