#include "layerview.h"

#include "heatmap/colorbarwidget.h"
#include "heatmap/diffsource.h"
#include "heatmap/heatmapview.h"
#include "heatmap/masksource.h"
#include "heatmap/valueheatmapsource.h"

#include <QCheckBox>
#include <QComboBox>
#include <QEvent>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QStackedWidget>
#include <QTabBar>
#include <QVBoxLayout>
#include <algorithm>

namespace sparsity::ui {

LayerView::LayerView(QThreadPool* computePool, QThreadPool* displayPool, QWidget* parent)
    : QWidget(parent)
    , m_stack(new QStackedWidget(this))
    , m_placeholder(new QLabel(this))
    , m_tabs(new QTabBar(this))
    , m_colormap(new QComboBox(this))
    , m_log(new QCheckBox(this))
    , m_stretch(new QCheckBox(this))
    , m_controls(new QWidget(this))
    , m_top(new QGridLayout)
    , m_heatmap(new HeatmapView(displayPool, this))
    , m_colorbar(new ColorbarWidget(this))
    , m_runner(
          this, computePool,
          [](const SourceRequest& request, const std::atomic<bool>&) {
              return buildSource(request);
          },
          [this](quint64, SourceResult result) { showSource(std::move(result)); })
{
    m_tabs->setObjectName(QStringLiteral("viewTabs"));
    for (int i = 0; i < 5; ++i)
        m_tabs->addTab(QString());
    m_tabs->setTabEnabled(4, false);
    m_tabs->setExpanding(false);
    m_tabs->setDrawBase(false);
    m_tabs->setCurrentIndex(static_cast<int>(Kind::MaskOverWeights));

    m_colormap->setObjectName(QStringLiteral("colormapComboBox"));
    m_colormap->addItems(Colormap::names());
    m_log->setObjectName(QStringLiteral("logScaleCheckBox"));
    m_heatmap->setObjectName(QStringLiteral("heatmapView"));
    m_colorbar->setObjectName(QStringLiteral("colorbar"));

    m_stretch->setObjectName(QStringLiteral("stretchCheckBox"));
    // Every tab whole, always: the view's minimum width includes them, and the window's
    // docks give way before a tab is cut or scrolled out of sight.
    m_tabs->setElideMode(Qt::ElideNone);
    m_tabs->setUsesScrollButtons(false);
    auto* controls = new QHBoxLayout(m_controls);
    controls->setContentsMargins(0, 0, 0, 0);
    m_colormapLabel = new QLabel(m_controls);
    m_colormapLabel->setBuddy(m_colormap);
    controls->addStretch(1);
    controls->addWidget(m_colormapLabel);
    controls->addWidget(m_colormap);
    controls->addWidget(m_log);
    controls->addWidget(m_stretch);
    m_top->setContentsMargins(0, 0, 0, 0);
    m_top->setVerticalSpacing(2);
    m_top->addWidget(m_tabs, 0, 0);
    m_top->addWidget(m_controls, 0, 1);
    m_top->setColumnStretch(0, 1);
    auto* page = new QWidget(m_stack);
    auto* middle = new QHBoxLayout(page);
    middle->setContentsMargins(0, 0, 0, 0);
    middle->addWidget(m_heatmap, 1);
    middle->addWidget(m_colorbar);
    m_placeholder->setObjectName(QStringLiteral("viewPlaceholder"));
    m_placeholder->setAlignment(Qt::AlignCenter);
    m_placeholder->setWordWrap(true);
    m_placeholder->setEnabled(false); // drawn in the palette's quiet colour
    m_stack->addWidget(page);
    m_stack->addWidget(m_placeholder);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(m_top);
    layout->addWidget(m_stack, 1);

    connect(m_tabs, &QTabBar::currentChanged, this, [this] {
        updateControls();
        requestSource();
        Q_EMIT displayChanged();
    });
    connect(m_colormap, &QComboBox::currentTextChanged, this, [this] {
        requestSource();
        Q_EMIT displayChanged();
    });
    // Zoomed out, a pixel summarizes several weights; the legend says how, at this zoom.
    connect(m_heatmap, &HeatmapView::viewChanged, this, &LayerView::updateColorbar);
    connect(m_log, &QCheckBox::toggled, this, [this] {
        requestSource();
        Q_EMIT displayChanged();
    });
    connect(m_stretch, &QCheckBox::toggled, this, [this](bool stretched) {
        m_heatmap->setStretch(stretched);
        Q_EMIT displayChanged();
    });
    retranslate();
    updateControls();
    arrangeTopRow();
}

LayerView::~LayerView() = default;

void LayerView::retranslate()
{
    m_tabs->setTabText(0, tr("|Weights|"));
    m_tabs->setTabText(1, tr("Block Norms"));
    m_tabs->setTabText(2, tr("Mask"));
    m_tabs->setTabText(3, tr("Mask over Weights"));
    m_tabs->setTabText(4, tr("Compare A/B"));
    m_tabs->setTabToolTip(0, tr("Magnitude of every weight"));
    m_tabs->setTabToolTip(1, tr("The norm of each element's block: what pruning ranks"));
    m_tabs->setTabToolTip(2, tr("Which weights are kept and which are pruned"));
    m_tabs->setTabToolTip(3, tr("The weights, with the pruned ones dimmed"));
    m_tabs->setTabToolTip(4, tr("Pinned mask A against the current mask B (Compare dock)"));
    m_colormap->setToolTip(tr("Colour map of the value views"));
    m_colormapLabel->setText(tr("&Colours:"));
    m_log->setText(tr("&Log scale"));
    m_log->setToolTip(tr("Logarithmic colour scale: shows small values that span decades"));
    m_stretch->setText(tr("S&tretch"));
    m_stretch->setToolTip(tr("Fill the view in both directions when fitting: a thin layer "
                             "(512 × 9) becomes readable, cells are no longer square"));
}

void LayerView::setSnapshot(std::shared_ptr<const LayerSnapshot> snapshot)
{
    m_snapshot = std::move(snapshot);
    requestSource();
}

void LayerView::setPlaceholder(const QString& text)
{
    m_placeholder->setText(text);
    m_stack->setCurrentIndex(text.isEmpty() ? 0 : 1);
}

void LayerView::clear()
{
    m_runner.reset();
    m_snapshot.reset();
    m_shown.reset();
    m_heatmap->setSource(nullptr);
    m_heatmap->setBlockGrid(QSize());
    m_colorbar->setScale(std::nullopt);
    m_colorbar->setLegend({});
    m_colorbar->setNote({});
}

LayerView::Kind LayerView::kind() const
{
    return static_cast<Kind>(m_tabs->currentIndex());
}

QString LayerView::kindName() const
{
    return m_tabs->tabText(m_tabs->currentIndex());
}

void LayerView::setKind(Kind kind)
{
    if (kind == Kind::Compare && !m_comparison)
        return;
    m_tabs->setCurrentIndex(static_cast<int>(kind));
}

void LayerView::setComparisonMask(std::shared_ptr<const core::MaskBytes> mask)
{
    if (mask == m_comparison)
        return;
    m_comparison = std::move(mask);
    m_tabs->setTabEnabled(static_cast<int>(Kind::Compare), m_comparison != nullptr);
    if (!m_comparison && kind() == Kind::Compare)
        setKind(Kind::Mask); // emits through currentChanged
    else if (kind() == Kind::Compare)
        requestSource();
}

QString LayerView::colormapName() const
{
    return m_colormap->currentText();
}

void LayerView::setColormapName(const QString& name)
{
    const int index = m_colormap->findText(name, Qt::MatchFixedString);
    if (index >= 0)
        m_colormap->setCurrentIndex(index);
}

bool LayerView::isLogarithmic() const
{
    return m_log->isChecked();
}

void LayerView::setLogarithmic(bool logarithmic)
{
    m_log->setChecked(logarithmic);
}

bool LayerView::isStretched() const
{
    return m_stretch->isChecked();
}

void LayerView::setStretched(bool stretched)
{
    m_stretch->setChecked(stretched);
}

void LayerView::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() != QEvent::LanguageChange)
        return;
    retranslate();
    arrangeTopRow(); // the tabs and controls changed width
    if (m_snapshot)
        requestSource();
}

void LayerView::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    arrangeTopRow();
}

void LayerView::arrangeTopRow()
{
    const QMargins margins = layout()->contentsMargins();
    // The narrowest the view may be is the tabs over the controls, not the two side by side
    // (the layout's own minimum, which would keep the window's docks from giving way).
    setMinimumWidth(margins.left() + margins.right() +
                    std::max(m_tabs->sizeHint().width(), m_controls->sizeHint().width()));
    const int room = width() - margins.left() - margins.right();
    const int needed =
        m_tabs->sizeHint().width() + m_top->horizontalSpacing() + m_controls->sizeHint().width();
    const bool wrap = needed > room;
    const int row = m_top->indexOf(m_controls) < 0 ? -1 : (wrap ? 1 : 0);
    int currentRow = 0;
    int column = 0;
    int rowSpan = 0;
    int columnSpan = 0;
    m_top->getItemPosition(m_top->indexOf(m_controls), &currentRow, &column, &rowSpan, &columnSpan);
    if (row < 0 || currentRow == row)
        return;
    m_top->removeWidget(m_controls);
    if (wrap)
        m_top->addWidget(m_controls, 1, 0);
    else
        m_top->addWidget(m_controls, 0, 1);
}

bool LayerView::isBusy() const
{
    return m_runner.isBusy() || m_heatmap->isRendering();
}

LayerView::SourceResult LayerView::buildSource(const SourceRequest& request)
{
    SourceResult result;
    result.snapshot = request.snapshot;
    result.colormap = request.colormap;
    const LayerSnapshot& snapshot = *request.snapshot;
    switch (request.kind) {
    case Kind::Weights:
    case Kind::MaskOverWeights: {
        result.weightRange =
            request.weightRange ? *request.weightRange : absoluteWeightRange(*snapshot.weights);
        if (request.kind == Kind::Weights)
            result.source = std::make_shared<const WeightsSource>(
                request.snapshot, request.colormap, request.logarithmic, result.weightRange);
        else
            result.source = std::make_shared<const MaskOverWeightsSource>(
                request.snapshot, request.colormap, request.logarithmic, result.weightRange);
        break;
    }
    case Kind::BlockNorms:
        if (snapshot.norms)
            result.normRange = request.normRange
                                   ? *request.normRange
                                   : blockNormRange(*snapshot.norms, *snapshot.weights);
        result.source = std::make_shared<const BlockNormsSource>(
            request.snapshot, request.colormap, request.logarithmic, result.normRange);
        break;
    case Kind::Mask:
        result.source = std::make_shared<const MaskSource>(request.snapshot);
        break;
    case Kind::Compare:
        // A of another shape cannot be drawn against this layer: the mask alone instead.
        if (request.comparison &&
            std::int64_t(request.comparison->size()) == snapshot.weights->elementCount())
            result.source =
                std::make_shared<const DiffSource>(request.comparison, request.snapshot);
        else
            result.source = std::make_shared<const MaskSource>(request.snapshot);
        break;
    }
    return result;
}

void LayerView::requestSource()
{
    if (!m_snapshot)
        return;
    SourceRequest request{
        m_snapshot,         kind(),       Colormap::byName(m_colormap->currentText()),
        m_log->isChecked(), std::nullopt, std::nullopt,
        m_comparison};
    if (m_rangeWeights == m_snapshot->weights)
        request.weightRange = m_weightRange;
    if (m_snapshot->norms && m_rangeNorms == m_snapshot->norms)
        request.normRange = m_normRange;
    m_runner.request(std::move(request));
}

void LayerView::showSource(SourceResult result)
{
    const LayerSnapshot& snapshot = *result.snapshot;
    if (result.weightRange) {
        m_rangeWeights = snapshot.weights;
        m_weightRange = result.weightRange;
    }
    if (result.normRange) {
        m_rangeNorms = snapshot.norms;
        m_normRange = result.normRange;
    }
    m_shown = result.snapshot;
    // The grid is drawn only where blocks are wide enough on screen; 1x1 needs none.
    const core::BlockShape block = snapshot.params.block;
    m_heatmap->setBlockGrid(block.elementCount() > 1
                                ? QSize(static_cast<int>(block.cols), static_cast<int>(block.rows))
                                : QSize());
    m_heatmap->setSource(result.source);
    m_shownColormap = result.colormap;
    updateColorbar();
    Q_EMIT snapshotShown(snapshot.generation);
}

void LayerView::updateColorbar()
{
    const std::shared_ptr<const HeatmapSource> source = m_heatmap->source();
    if (!source)
        return;
    m_colorbar->showPresentation(source->presentation(m_heatmap->elementsPerPixel()),
                                 m_shownColormap);
}

void LayerView::updateControls()
{
    const bool values = kind() != Kind::Mask && kind() != Kind::Compare;
    m_log->setEnabled(values);
    m_colormap->setEnabled(values);
}

} // namespace sparsity::ui
