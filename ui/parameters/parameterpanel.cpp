#include "parameterpanel.h"

#include "sparsitypreset.h"

#include <QButtonGroup>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QEvent>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QRadioButton>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

namespace sparsity::ui {
namespace {

int levelToSteps(double level)
{
    return static_cast<int>(std::lround(std::clamp(level, 0.0, 1.0) * ParameterPanel::levelSteps));
}

QSpinBox* makeBlockSpin(const QString& objectName, QWidget* parent)
{
    auto* spin = new QSpinBox(parent);
    spin->setObjectName(objectName);
    spin->setRange(1, ParameterPanel::maxBlockSide);
    spin->setAccelerated(true);
    // A half-typed size ("40" on the way to "4096") is not worth a recomputation.
    spin->setKeyboardTracking(false);
    return spin;
}

QDoubleSpinBox* makeBoundSpin(const QString& objectName, QWidget* parent)
{
    auto* spin = new QDoubleSpinBox(parent);
    spin->setObjectName(objectName);
    spin->setRange(0.0, 100.0);
    spin->setDecimals(1);
    spin->setSingleStep(1.0);
    spin->setSuffix(QStringLiteral(" %"));
    spin->setKeyboardTracking(false);
    return spin;
}

QString layerLevelToolTip()
{
    return ParameterPanel::tr("sparsity_level in PyTorch: the fraction of the blocks to prune, "
                              "those with the smallest norms. k = round_half_even(level × "
                              "blocks); below 100 % at least one block is kept.");
}

} // namespace

ParameterPanel::ParameterPanel(QWidget* parent)
    : QWidget(parent)
    , m_preset(new QComboBox(this))
    , m_levelSlider(new QSlider(Qt::Horizontal, this))
    , m_levelSpin(new QDoubleSpinBox(this))
    , m_blockRows(makeBlockSpin(QStringLiteral("blockRowsSpinBox"), this))
    , m_blockCols(makeBlockSpin(QStringLiteral("blockColsSpinBox"), this))
    , m_zeros(new QSpinBox(this))
    , m_norm(new QComboBox(this))
    , m_applyToAll(new QPushButton(this))
    , m_problem(new QLabel(this))
    , m_levelLabel(new QLabel(this))
    , m_layerScope(new QRadioButton(this))
    , m_modelScope(new QRadioButton(this))
    , m_boundsLabel(new QLabel(this))
    , m_bounds(new QWidget(this))
    , m_minLevel(makeBoundSpin(QStringLiteral("minLevelSpinBox"), m_bounds))
    , m_maxLevel(makeBoundSpin(QStringLiteral("maxLevelSpinBox"), m_bounds))
    , m_scopeLabel(new QLabel(this))
    , m_presetLabel(new QLabel(this))
    , m_blockLabel(new QLabel(this))
    , m_zerosLabel(new QLabel(this))
    , m_normLabel(new QLabel(this))
    , m_toLabel(new QLabel(m_bounds))
    , m_layoutLabel(new QLabel(this))
    , m_layout(new QComboBox(this))
    , m_view(new QComboBox(this))
{
    m_preset->setObjectName(QStringLiteral("presetComboBox"));
    m_preset->addItem(QString());
    for (std::size_t i = 0; i < SparsityPreset::all().size(); ++i)
        m_preset->addItem(QString());

    m_levelSlider->setObjectName(QStringLiteral("levelSlider"));
    m_levelSlider->setRange(0, levelSteps);
    m_levelSlider->setPageStep(levelSteps / 20);
    m_levelSpin->setObjectName(QStringLiteral("levelSpinBox"));
    m_levelSpin->setRange(0.0, 100.0);
    m_levelSpin->setDecimals(1);
    m_levelSpin->setSingleStep(0.1);
    m_levelSpin->setSuffix(QStringLiteral(" %"));
    m_levelSpin->setAccelerated(true);

    m_zeros->setObjectName(QStringLiteral("zerosSpinBox"));
    m_zeros->setKeyboardTracking(false);

    m_norm->setObjectName(QStringLiteral("normComboBox"));
    m_norm->addItem(QString(), QVariant::fromValue(static_cast<int>(core::Norm::L2)));
    m_norm->addItem(QString(), QVariant::fromValue(static_cast<int>(core::Norm::L1)));

    m_layout->setObjectName(QStringLiteral("layoutComboBox"));
    for (const core::Layout layout : {core::Layout::Auto, core::Layout::Torch, core::Layout::Keras})
        m_layout->addItem(QString(), QVariant::fromValue(static_cast<int>(layout)));
    m_view->setObjectName(QStringLiteral("viewComboBox"));
    for (const core::MatrixView view : {core::MatrixView::Flatten, core::MatrixView::ChannelsLast})
        m_view->addItem(QString(), QVariant::fromValue(static_cast<int>(view)));
    auto* orientationRow = new QHBoxLayout;
    orientationRow->addWidget(m_layout, 1);
    orientationRow->addWidget(m_view, 1);
    m_layoutLabel->setBuddy(m_layout);

    m_applyToAll->setObjectName(QStringLiteral("applyToAllButton"));
    m_problem->setObjectName(QStringLiteral("parameterProblemLabel"));
    m_problem->setWordWrap(true);
    m_problem->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_problem->hide();

    auto* levelRow = new QHBoxLayout;
    levelRow->addWidget(m_levelSlider, 1);
    levelRow->addWidget(m_levelSpin);
    auto* blockRow = new QHBoxLayout;
    blockRow->addWidget(m_blockRows, 1);
    blockRow->addWidget(new QLabel(QStringLiteral("×"), this));
    blockRow->addWidget(m_blockCols, 1);

    m_layerScope->setObjectName(QStringLiteral("layerScopeButton"));
    m_modelScope->setObjectName(QStringLiteral("modelScopeButton"));
    auto* scopeGroup = new QButtonGroup(this);
    scopeGroup->addButton(m_layerScope);
    scopeGroup->addButton(m_modelScope);
    m_layerScope->setChecked(true);
    auto* scopeRow = new QHBoxLayout;
    scopeRow->addWidget(m_layerScope);
    scopeRow->addWidget(m_modelScope);
    scopeRow->addStretch(1);
    m_maxLevel->setValue(100.0);
    auto* boundsRow = new QHBoxLayout(m_bounds);
    boundsRow->setContentsMargins(0, 0, 0, 0);
    boundsRow->addWidget(m_minLevel, 1);
    boundsRow->addWidget(m_toLabel);
    boundsRow->addWidget(m_maxLevel, 1);
    m_boundsLabel->setBuddy(m_minLevel);

    // Rows holding layouts need their label's buddy set by hand for the mnemonic to work.
    QLabel* levelLabel = m_levelLabel;
    levelLabel->setBuddy(m_levelSpin);
    m_blockLabel->setBuddy(m_blockRows);
    m_presetLabel->setBuddy(m_preset);
    m_zerosLabel->setBuddy(m_zeros);
    m_normLabel->setBuddy(m_norm);
    auto* form = new QFormLayout;
    form->addRow(m_scopeLabel, scopeRow);
    form->addRow(m_boundsLabel, m_bounds);
    form->addRow(m_presetLabel, m_preset);
    form->addRow(levelLabel, levelRow);
    form->addRow(m_blockLabel, blockRow);
    form->addRow(m_zerosLabel, m_zeros);
    form->addRow(m_normLabel, m_norm);
    form->addRow(m_layoutLabel, orientationRow);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_problem);
    layout->addWidget(m_applyToAll);
    layout->addStretch(1);

    connect(m_levelSlider, &QSlider::valueChanged, this, &ParameterPanel::onLevelSlider);
    connect(m_levelSpin, &QDoubleSpinBox::valueChanged, this, &ParameterPanel::onLevelSpin);
    connect(m_blockRows, &QSpinBox::valueChanged, this, &ParameterPanel::onBlockChanged);
    connect(m_blockCols, &QSpinBox::valueChanged, this, &ParameterPanel::onBlockChanged);
    connect(m_zeros, &QSpinBox::valueChanged, this, &ParameterPanel::commit);
    connect(m_norm, &QComboBox::currentIndexChanged, this, &ParameterPanel::commit);
    connect(m_preset, &QComboBox::activated, this, &ParameterPanel::onPresetActivated);
    connect(m_applyToAll, &QPushButton::clicked, this, &ParameterPanel::applyToAllRequested);
    // activated: only the user's choices, never setOrientation's.
    connect(m_layout, &QComboBox::activated, this,
            [this] { Q_EMIT orientationChanged(orientation()); });
    connect(m_view, &QComboBox::activated, this,
            [this] { Q_EMIT orientationChanged(orientation()); });
    connect(m_modelScope, &QRadioButton::toggled, this, &ParameterPanel::onScopeControls);
    connect(m_minLevel, &QDoubleSpinBox::valueChanged, this, &ParameterPanel::onScopeControls);
    connect(m_maxLevel, &QDoubleSpinBox::valueChanged, this, &ParameterPanel::onScopeControls);

    retranslate();
    setParams(core::SparsityParams{});
    showScope(std::nullopt);
}

void ParameterPanel::retranslate()
{
    m_preset->setItemText(0, tr("Custom"));
    const auto& presets = SparsityPreset::all();
    for (std::size_t i = 0; i < presets.size(); ++i) {
        m_preset->setItemText(int(i) + 1, presets[i].displayName());
        m_preset->setItemData(int(i) + 1, presets[i].toolTip(), Qt::ToolTipRole);
    }
    m_preset->setToolTip(tr("A whole configuration at once: level, block shape and zeros per "
                            "block (PyTorch defaults also sets the norm). 2:4 zeros two of "
                            "every four weights in a row."));
    m_blockRows->setToolTip(tr("sparse_block_shape[0] in PyTorch: the rows of a block (bh). "
                               "Blocks tile the matrix from the top left; a pruned block "
                               "loses zeros per block of its weights."));
    m_blockCols->setToolTip(tr("sparse_block_shape[1] in PyTorch: the columns of a block "
                               "(bw). Edge blocks that the matrix cuts are partial: their "
                               "norm is the mean over the weights they hold."));
    m_zeros->setToolTip(tr("zeros_per_block in PyTorch: the weights zeroed in each pruned block, "
                           "the smallest first; the maximum (PyTorch's default) zeros the whole "
                           "block. 0 prunes nothing."));
    m_zeros->setSuffix(tr(" of %1").arg(m_zeros->maximum()));
    m_norm->setItemText(0, tr("L2 (mean of w²)"));
    m_norm->setItemText(1, tr("L1 (mean of |w|)"));
    m_norm->setToolTip(tr("norm in PyTorch (1 or 2, default 2): how a block's importance is "
                          "measured, the mean of |w| (L1) or of w² (L2, no square root) over its "
                          "weights. The smallest are pruned first."));
    m_applyToAll->setText(tr("Apply to All Layers"));
    m_applyToAll->setToolTip(tr("Use these parameters for every layer of the file."));
    m_layerScope->setText(tr("La&yer"));
    m_modelScope->setText(tr("&Model"));
    m_layerScope->setToolTip(tr("Each layer ranks its own blocks and has its own parameters."));
    m_modelScope->setToolTip(
        tr("The layers share one ranking of block norms: one level for the whole model, "
           "taking its blocks wherever the norms are smallest. One configuration for all."));
    m_boundsLabel->setText(tr("Layer &bounds:"));
    m_minLevel->setToolTip(tr("Every layer prunes at least this share of its own blocks."));
    m_maxLevel->setToolTip(tr("No layer prunes more than this share of its own blocks."));
    m_toLabel->setText(tr("to"));
    m_scopeLabel->setText(tr("Scope:"));
    m_presetLabel->setText(tr("&Preset:"));
    m_blockLabel->setText(tr("&Block (rows × cols):"));
    m_zerosLabel->setText(tr("&Zeros per block:"));
    m_normLabel->setText(tr("&Norm:"));
    m_layoutLabel->setText(tr("Lay&out, view:"));
    m_layout->setItemText(0, tr("Auto (%1)").arg(core::layoutName(m_autoLayout)));
    // Short names keep the dock narrow; the axes are in each item's tooltip.
    m_layout->setItemText(1, tr("PyTorch"));
    m_layout->setItemData(1, tr("PyTorch (out, in, kh, kw)"), Qt::ToolTipRole);
    m_layout->setItemText(2, tr("Keras"));
    m_layout->setItemData(2, tr("Keras (kh, kw, in, out)"), Qt::ToolTipRole);
    m_layout->setToolTip(tr("Which axis of the stored tensor is which. Keras keeps a Dense "
                            "kernel as (in, out) and a Conv2D kernel as (kh, kw, in, out); it is "
                            "masked as PyTorch's (out, in, kh, kw). Auto: Keras when the file has "
                            "Keras's attributes. The mask keeps the stored shape."));
    m_view->setItemText(0, tr("Flatten"));
    m_view->setItemData(0, tr("Flatten (out × in·kh·kw)"), Qt::ToolTipRole);
    m_view->setItemText(1, tr("Channels-last"));
    m_view->setItemData(1, tr("Channels-last (out·kh·kw × in)"), Qt::ToolTipRole);
    m_view->setToolTip(tr("How the tensor becomes the masked matrix. Channels-last makes the "
                          "input channels the columns, so a 1×4 block or 2:4 group covers four "
                          "input channels at one kernel position, as sparse tensor cores need. "
                          "Both give the same matrix for 2-D weights."));
    updateLevelTexts();
}

core::TensorOrientation ParameterPanel::orientation() const
{
    return core::TensorOrientation{static_cast<core::Layout>(m_layout->currentData().toInt()),
                                   static_cast<core::MatrixView>(m_view->currentData().toInt())};
}

void ParameterPanel::setOrientation(core::TensorOrientation orientation, core::Layout autoLayout)
{
    m_autoLayout = autoLayout;
    const QSignalBlocker blockLayout(m_layout), blockView(m_view);
    m_layout->setItemText(0, tr("Auto (%1)").arg(core::layoutName(autoLayout)));
    m_layout->setCurrentIndex(m_layout->findData(static_cast<int>(orientation.layout)));
    m_view->setCurrentIndex(m_view->findData(static_cast<int>(orientation.view)));
}

void ParameterPanel::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::LanguageChange)
        retranslate();
}

core::SparsityParams ParameterPanel::params() const
{
    core::SparsityParams params;
    params.level = static_cast<double>(m_levelSlider->value()) / levelSteps;
    params.block = core::BlockShape{m_blockRows->value(), m_blockCols->value()};
    // The maximum is "the whole block", stored as nullopt as the CLI's default is.
    if (m_zeros->value() < m_zeros->maximum())
        params.zerosPerBlock = m_zeros->value();
    params.norm = static_cast<core::Norm>(m_norm->currentData().toInt());
    return params;
}

void ParameterPanel::setParams(const core::SparsityParams& params)
{
    showParams(params);
    m_shown = this->params();
    updatePreset();
}

void ParameterPanel::setLevelFromUser(double level)
{
    if (std::isnan(level))
        return; // no level at all: keep the current one (levelToSteps would make it 0)
    const int steps = levelToSteps(level);
    if (steps == m_levelSlider->value())
        return;
    m_levelSlider->setValue(steps); // emits through onLevelSlider
}

void ParameterPanel::setParamsFromUser(const core::SparsityParams& params)
{
    showParams(params);
    commit();
}

void ParameterPanel::onLevelSlider(int value)
{
    {
        const QSignalBlocker blocker(m_levelSpin);
        m_levelSpin->setValue(value * 100.0 / levelSteps);
    }
    commit();
}

void ParameterPanel::onLevelSpin(double percent)
{
    {
        const QSignalBlocker blocker(m_levelSlider);
        m_levelSlider->setValue(static_cast<int>(std::lround(percent * levelSteps / 100.0)));
    }
    commit();
}

void ParameterPanel::onBlockChanged()
{
    // Zeros per block follow the block: "whole block" stays whole, a count is clamped.
    updateZerosRange(m_shown.effectiveZerosPerBlock() >= m_shown.block.elementCount());
    commit();
}

void ParameterPanel::onPresetActivated(int index)
{
    if (index <= 0)
        return;
    const SparsityPreset& preset = SparsityPreset::all()[static_cast<std::size_t>(index - 1)];
    showParams(preset.applyTo(params()));
    commit();
}

void ParameterPanel::showParams(const core::SparsityParams& params)
{
    const QSignalBlocker b1(m_levelSlider), b2(m_levelSpin), b3(m_blockRows), b4(m_blockCols),
        b5(m_zeros), b6(m_norm);
    m_levelSlider->setValue(levelToSteps(params.level));
    m_levelSpin->setValue(m_levelSlider->value() * 100.0 / levelSteps);
    m_blockRows->setValue(static_cast<int>(params.block.rows));
    m_blockCols->setValue(static_cast<int>(params.block.cols));
    updateZerosRange(false);
    m_zeros->setValue(static_cast<int>(params.effectiveZerosPerBlock()));
    m_norm->setCurrentIndex(m_norm->findData(static_cast<int>(params.norm)));
}

void ParameterPanel::updateZerosRange(bool keepWholeBlock)
{
    const QSignalBlocker blocker(m_zeros);
    const int whole = m_blockRows->value() * m_blockCols->value();
    m_zeros->setRange(0, whole); // clamps a count above the new block size
    m_zeros->setSuffix(tr(" of %1").arg(whole));
    if (keepWholeBlock)
        m_zeros->setValue(whole);
}

void ParameterPanel::updatePreset()
{
    const core::SparsityParams current = params();
    const auto& presets = SparsityPreset::all();
    // Two presets can name the same parameters (PyTorch defaults and 1x4 with L2): the one
    // shown stays while it still matches.
    const int shown = m_preset->currentIndex();
    if (shown > 0 && presets[static_cast<std::size_t>(shown - 1)].matches(current))
        return;
    int index = 0;
    for (std::size_t i = 0; i < presets.size() && index == 0; ++i)
        if (presets[i].matches(current))
            index = static_cast<int>(i) + 1;
    const QSignalBlocker blocker(m_preset);
    m_preset->setCurrentIndex(index);
}

void ParameterPanel::commit()
{
    const core::SparsityParams current = params();
    updatePreset();
    // The ranges make invalid parameters impossible; should one slip through, say so
    // instead of computing.
    if (const auto problem = current.validate()) {
        m_problem->setText(*problem);
        m_problem->show();
        return;
    }
    m_problem->hide();
    if (current == m_shown)
        return;
    m_shown = current;
    Q_EMIT paramsChanged(current);
}

} // namespace sparsity::ui

namespace sparsity::ui {

std::optional<core::ModelBounds> ParameterPanel::modelScope() const
{
    if (!m_modelScope->isChecked())
        return std::nullopt;
    return core::ModelBounds{m_minLevel->value() / 100.0, m_maxLevel->value() / 100.0};
}

void ParameterPanel::setModelScope(std::optional<core::ModelBounds> bounds)
{
    showScope(bounds);
}

void ParameterPanel::showScope(std::optional<core::ModelBounds> bounds)
{
    {
        const QSignalBlocker b1(m_layerScope), b2(m_modelScope), b3(m_minLevel), b4(m_maxLevel);
        (bounds ? m_modelScope : m_layerScope)->setChecked(true);
        if (bounds) {
            m_minLevel->setRange(0.0, 100.0);
            m_maxLevel->setRange(0.0, 100.0);
            m_minLevel->setValue(bounds->minLevel * 100.0);
            m_maxLevel->setValue(bounds->maxLevel * 100.0);
        }
        // min <= max by the ranges: each spin box stops at the other's value.
        m_minLevel->setMaximum(m_maxLevel->value());
        m_maxLevel->setMinimum(m_minLevel->value());
    }
    const bool model = m_modelScope->isChecked();
    m_boundsLabel->setVisible(model);
    m_bounds->setVisible(model);
    updateLevelTexts();
    // In model scope every layer has these parameters already.
    m_applyToAll->setEnabled(!model);
    m_shownScope = modelScope();
}

void ParameterPanel::updateLevelTexts()
{
    const bool model = m_modelScope->isChecked();
    m_levelLabel->setText(model ? tr("Model &level:") : tr("&Level:"));
    m_levelSlider->setToolTip(
        model ? tr("sparsity_level in PyTorch, but for all the model's blocks together (PyTorch "
                   "ranks each tensor alone): the fraction to prune, those with the smallest "
                   "norms across every layer, within each layer's bounds.")
              : layerLevelToolTip());
    m_levelSpin->setToolTip(m_levelSlider->toolTip());
}

void ParameterPanel::onScopeControls()
{
    showScope(modelScope());
    Q_EMIT scopeChanged(m_shownScope);
}

} // namespace sparsity::ui
