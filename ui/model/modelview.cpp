#include "modelview.h"

#include "export/maskexport.h"
#include "modelrankings.h"
#include "modeltablemodel.h"
#include "ranking/configuration.h"
#include "session/layersnapshot.h"
#include "session/session.h"
#include "sparsitybarchart.h"

#include <QEvent>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QResizeEvent>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace sparsity::ui {
namespace {

QString percent(double fraction)
{
    return QLocale().toString(fraction * 100.0, 'f', 1) + QStringLiteral(" %");
}

QString megabytes(std::int64_t bytes)
{
    return QLocale().toString(static_cast<double>(bytes) / (1024.0 * 1024.0), 'f', 1) +
           QStringLiteral(" MiB");
}

} // namespace

ModelView::ModelView(Session* session, QWidget* parent)
    : QWidget(parent)
    , m_session(session)
    , m_rankings(new ModelRankings(session->ioPool(), session->computePool(), this))
    , m_model(new ModelTableModel(m_rankings, this))
    , m_proxy(new ModelSortProxy(this))
    , m_status(new QLabel(this))
    , m_progress(new QProgressBar(this))
    , m_table(new QTableView(this))
    , m_chart(new SparsityBarChart(this))
    , m_chartUpdate(new QTimer(this))
{
    m_chartUpdate->setSingleShot(true);
    m_chartUpdate->setInterval(0);
    connect(m_chartUpdate, &QTimer::timeout, this, &ModelView::updateChart);
    m_status->setObjectName(QStringLiteral("modelStatus"));
    m_status->setWordWrap(true);
    m_progress->setObjectName(QStringLiteral("modelProgress"));
    m_progress->setTextVisible(true);
    m_progress->setMaximumWidth(260);
    m_progress->hide();

    m_proxy->setSourceModel(m_model);
    m_table->setObjectName(QStringLiteral("modelTable"));
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(-1, Qt::AscendingOrder); // the file's order until the user sorts
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_chart->setObjectName(QStringLiteral("modelBarChart"));

    m_splitter = new QSplitter(Qt::Vertical, this);
    m_splitter->setObjectName(QStringLiteral("modelSplitter"));
    m_splitter->addWidget(m_table);
    m_splitter->addWidget(m_chart);
    m_splitter->setChildrenCollapsible(false);
    auto* top = new QHBoxLayout;
    top->addWidget(m_status, 1);
    top->addWidget(m_progress);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(top);
    layout->addWidget(m_splitter, 1);

    connect(m_table, &QTableView::doubleClicked, this, &ModelView::activateRow);
    connect(m_chart, &SparsityBarChart::barActivated, this,
            [this](int row) { activateRow(m_proxy->index(row, 0)); });
    // Rows change one by one while layers are ranked: the chart follows once per pass.
    connect(m_proxy, &QAbstractItemModel::layoutChanged, this, &ModelView::scheduleChartUpdate);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &ModelView::scheduleChartUpdate);
    connect(m_proxy, &QAbstractItemModel::dataChanged, this, &ModelView::scheduleChartUpdate);
    // Widths fit the paths when the rows are new and the numbers once they are all there;
    // in between they stay as the user sets them.
    connect(m_model, &QAbstractItemModel::modelReset, m_table,
            &QTableView::resizeColumnsToContents);

    connect(m_rankings, &ModelRankings::progressChanged, this, &ModelView::updateStatus);
    connect(m_rankings, &ModelRankings::countsChanged, this, &ModelView::updateStatus);
    connect(m_rankings, &ModelRankings::layerRanked, this, [this](int layer) {
        // A layer that cannot be ranked makes model scope unavailable: say so at once.
        if (!m_rankings->layers()[static_cast<std::size_t>(layer)].error.isEmpty())
            m_session->refreshModelScope();
    });
    connect(m_rankings, &ModelRankings::finished, this, [this] {
        m_table->resizeColumnsToContents();
        updateStatus();
        // The current layer's model-scope share can be computed now.
        m_session->refreshModelScope();
    });

    connect(m_session, &Session::fileOpened, this, &ModelView::onFileOpened);
    connect(m_session, &Session::orientationChanged, this, [this](const QString& datasetPath) {
        m_rankings->setOrientation(datasetPath, m_session->orientation(datasetPath));
    });
    connect(m_session, &Session::layerSelected, this, &ModelView::scheduleChartUpdate);
    connect(m_session, &Session::snapshotReady, this,
            [this](const std::shared_ptr<const LayerSnapshot>& snapshot) {
                // The shown layer's statistics come from its weights: exact for its count.
                m_rankings->setExactStats(snapshot->datasetPath,
                                          core::Configuration::of(snapshot->params),
                                          snapshot->stats);
            });
    m_session->setModelCounts([this](const QString& datasetPath, const core::SparsityParams& params,
                                     const core::ModelBounds& bounds) {
        return m_rankings->modelCount(m_session->reader().get(), datasetPath, params, bounds);
    });
    retranslate();
    updateStatus();
}

ModelView::~ModelView()
{
    m_session->setModelCounts({});
}

void ModelView::setParameters(const core::SparsityParams& params,
                              std::optional<core::ModelBounds> bounds)
{
    m_rankings->setConfiguration(core::Configuration::of(params));
    m_rankings->setLevel(params.level, bounds);
    updateStatus();
    scheduleChartUpdate();
}

void ModelView::retranslate()
{
    m_progress->setFormat(tr("Ranking layers: %v of %m"));
    m_table->setToolTip(tr("Double-click a layer to show it. Click a header to sort."));
}

void ModelView::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() != QEvent::LanguageChange)
        return;
    retranslate();
    m_model->retranslate();
    updateStatus();
    updateChart();
}

void ModelView::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    // The table's eight columns want about 650 pixels and the bars as many again: side by side
    // when the view is that wide, else the chart under the table, both at full width.
    const Qt::Orientation orientation =
        event->size().width() >= 2 * m_table->horizontalHeader()->length() + 80 ? Qt::Horizontal
                                                                                : Qt::Vertical;
    if (orientation != m_splitter->orientation()) {
        m_splitter->setOrientation(orientation);
        const int extent =
            orientation == Qt::Horizontal ? event->size().width() : event->size().height();
        m_splitter->setSizes({extent / 2, extent / 2});
    }
}

void ModelView::setActive(bool active)
{
    m_rankings->setActive(active);
    updateStatus();
}

bool ModelView::isBusy() const
{
    return m_rankings->isBusy() || m_chartUpdate->isActive();
}

void ModelView::onFileOpened()
{
    QHash<QString, core::TensorOrientation> orientations;
    for (const core::DatasetInfo& info : core::defaultLayers(m_session->tree()))
        if (!m_session->orientation(info.path).isDefault())
            orientations.insert(info.path, m_session->orientation(info.path));
    m_rankings->setFile(m_session->reader(), core::defaultLayers(m_session->tree()),
                        m_session->fileHasKerasMarkers(), orientations);
    updateStatus();
}

void ModelView::activateRow(const QModelIndex& index)
{
    const QString path = index.siblingAtColumn(0).data(ModelTableModel::DatasetPathRole).toString();
    if (!path.isEmpty())
        Q_EMIT layerActivated(path);
}

void ModelView::scheduleChartUpdate()
{
    if (!m_chartUpdate->isActive())
        m_chartUpdate->start();
}

void ModelView::updateChart()
{
    std::vector<SparsityBarChart::Bar> bars;
    const int rows = m_proxy->rowCount();
    bars.reserve(static_cast<std::size_t>(std::max(0, rows - 1)));
    for (int row = 0; row < rows; ++row) {
        const QModelIndex path = m_proxy->index(row, ModelTableModel::Path);
        if (path.data(ModelTableModel::TotalsRole).toBool())
            continue;
        SparsityBarChart::Bar bar;
        bar.label = path.data(ModelTableModel::DatasetPathRole).toString();
        const QVariant sparsity =
            m_proxy->index(row, ModelTableModel::Sparsity).data(ModelTableModel::ValueRole);
        if (sparsity.isValid())
            bar.sparsity = sparsity.toDouble();
        bar.current = bar.label == m_session->currentLayer();
        bar.toolTip =
            sparsity.isValid()
                ? tr("%1\n%2 sparse; %3 pruned blocks; retained energy %4")
                      .arg(bar.label, percent(*bar.sparsity),
                           m_proxy->index(row, ModelTableModel::Pruned).data().toString(),
                           m_proxy->index(row, ModelTableModel::Energy).data().toString())
                : tr("%1\n%2").arg(bar.label, m_proxy->index(row, ModelTableModel::Sparsity)
                                                  .data(Qt::ToolTipRole)
                                                  .toString());
        bars.push_back(std::move(bar));
    }
    m_chart->setBars(std::move(bars));
    const auto totals = m_rankings->totals();
    m_chart->setReference(m_rankings->layers().empty() ? std::nullopt
                                                       : std::optional(m_rankings->level()),
                          totals ? std::optional(totals->achievedSparsity) : std::nullopt);
}

void ModelView::updateStatus()
{
    const int total = static_cast<int>(m_rankings->layers().size());
    const int ranked = m_rankings->rankedCount();
    m_progress->setRange(0, std::max(1, total));
    m_progress->setValue(ranked);
    m_progress->setVisible(m_rankings->isBusy() && total > 0);
    if (m_session->filePath().isEmpty() || !m_rankings->reader()) {
        m_status->setText(tr("Open a file to see its layers."));
        return;
    }
    if (total == 0) {
        m_status->setText(tr("No layer of this file can be masked by default."));
        return;
    }
    const QString configuration = core::describeConfiguration(m_rankings->configuration());
    const QString level = percent(m_rankings->level());
    QString text;
    if (!m_rankings->bounds()) {
        text =
            tr("Layer scope: each layer ranked alone, %1 at level %2.").arg(configuration, level);
    } else {
        const core::ModelBounds bounds = *m_rankings->bounds();
        text = tr("Model scope: one ranking over %n layer(s), %1 at model level %2, each layer "
                  "between %3 and %4.",
                  nullptr, total)
                   .arg(configuration, level, percent(bounds.minLevel), percent(bounds.maxLevel));
        if (!m_rankings->failure().isEmpty())
            text += QLatin1Char(' ') +
                    tr("Unavailable: a layer cannot be ranked: %1").arg(m_rankings->failure());
        else if (!m_rankings->isComplete())
            text += QLatin1Char(' ') +
                    tr("Pending: %1 of %2 layers ranked; the numbers appear when all are.")
                        .arg(ranked)
                        .arg(total);
    }
    if (ranked > 0)
        text += QLatin1Char(' ') +
                tr("The rankings keep %1.").arg(megabytes(m_rankings->memoryBytes()));
    m_status->setText(text);
}

} // namespace sparsity::ui
