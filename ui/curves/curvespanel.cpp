#include "curvespanel.h"

#include "curveplot.h"
#include "error.h"
#include "modelcurverun.h"
#include "session/session.h"

#include <QComboBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPainter>
#include <QPixmap>
#include <QPushButton>
#include <QSettings>
#include <QVBoxLayout>
#include <algorithm>

namespace sparsity::ui {
namespace {

const QString specsKey = QStringLiteral("curves/configurations");
const QString measureKey = QStringLiteral("curves/measure");
const QString modelKey = QStringLiteral("curves/model");

// Colours that stay apart on white and for colour-blind eyes (Okabe-Ito first), then more.
QColor curveColor(int index)
{
    static const QColor colors[] = {
        QColor(0, 114, 178),   QColor(230, 159, 0),  QColor(0, 158, 115), QColor(213, 94, 0),
        QColor(204, 121, 167), QColor(86, 180, 233), QColor(150, 130, 0), QColor(140, 86, 75),
        QColor(127, 127, 127), QColor(100, 60, 160),
    };
    return colors[index % int(std::size(colors))];
}

// The current configuration when the list does not hold it: drawn in the text colour.
QColor currentOnlyColor()
{
    return QColor(30, 30, 30);
}

QIcon swatch(const QColor& color)
{
    QPixmap pixmap(14, 14);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.fillRect(QRect(1, 5, 12, 4), color);
    return QIcon(pixmap);
}

QString percent(double value)
{
    return QStringLiteral("%1 %").arg(value * 100.0, 0, 'f', 2);
}

} // namespace

CurvesPanel::CurvesPanel(Session* session, QWidget* parent)
    : QWidget(parent)
    , m_session(session)
    , m_scope(new QComboBox(this))
    , m_measure(new QComboBox(this))
    , m_plot(new CurvePlot(this))
    , m_readout(new QLabel(this))
    , m_progress(new QLabel(this))
    , m_list(new QListWidget(this))
    , m_addEdit(new QLineEdit(this))
    , m_add(new QPushButton(this))
    , m_remove(new QPushButton(this))
    , m_error(new QLabel(this))
    , m_levels(core::defaultSweepLevels())
    , m_layerRunner(
          this, session->computePool(),
          [](const LayerRequest& request, const std::atomic<bool>& cancelled) {
              const core::ExecutionContext context{
                  request.pool, curveThreads(request.pool->maxThreadCount()), &cancelled};
              return LayerResult{
                  request.weights, request.configurations,
                  layerCurves(*request.weights, request.configurations, request.levels, context)};
          },
          [this](quint64, LayerResult result) {
              if (result.weights != m_layerWeights)
                  return;
              for (std::size_t i = 0; i < result.configurations.size(); ++i)
                  if (!find(m_layerCurves, result.configurations[i]))
                      m_layerCurves.emplace_back(result.configurations[i],
                                                 std::move(result.curves[i]));
              if (m_layerRequested == result.configurations)
                  m_layerRequested.clear();
              refresh();
          },
          [this](quint64, const QString& message) {
              m_layerError = message;
              m_layerRequested.clear();
              redraw();
          },
          [this] { Q_EMIT busyChanged(); })
{
    m_scope->setObjectName(QStringLiteral("curveScopeComboBox"));
    m_scope->addItem(QString());
    m_scope->addItem(QString());
    m_measure->setObjectName(QStringLiteral("curveMeasureComboBox"));
    m_measure->addItem(QString());
    m_measure->addItem(QString());
    m_plot->setObjectName(QStringLiteral("curvePlot"));
    m_readout->setObjectName(QStringLiteral("curveReadout"));
    m_readout->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_readout->setMinimumWidth(100);
    m_progress->setObjectName(QStringLiteral("curveProgressLabel"));
    m_progress->setEnabled(false); // quiet colour
    m_list->setObjectName(QStringLiteral("curveConfigList"));
    m_list->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_addEdit->setObjectName(QStringLiteral("curveConfigEdit"));
    m_add->setObjectName(QStringLiteral("curveAddButton"));
    m_remove->setObjectName(QStringLiteral("curveRemoveButton"));
    m_error->setObjectName(QStringLiteral("curveConfigError"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_error->hide();

    auto* controls = new QHBoxLayout;
    controls->addWidget(m_scope);
    controls->addWidget(m_measure);
    controls->addWidget(m_progress, 1);
    auto* left = new QVBoxLayout;
    left->addLayout(controls);
    left->addWidget(m_plot, 1);
    left->addWidget(m_readout);
    auto* addRow = new QHBoxLayout;
    addRow->addWidget(m_addEdit, 1);
    addRow->addWidget(m_add);
    auto* right = new QVBoxLayout;
    m_listLabel = new QLabel(this);
    right->addWidget(m_listLabel);
    right->addWidget(m_list, 1);
    right->addLayout(addRow);
    right->addWidget(m_error);
    right->addWidget(m_remove);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(left, 1);
    layout->addLayout(right);
    m_list->setMaximumWidth(190);
    m_addEdit->setMaximumWidth(130);
    retranslate();

    connect(m_scope, &QComboBox::currentIndexChanged, this, [this] {
        m_layerError.clear();
        refresh();
    });
    connect(m_measure, &QComboBox::currentIndexChanged, this, &CurvesPanel::redraw);
    // The model curves sum every layer's matrix: one layout or view change makes them stale.
    connect(m_session, &Session::orientationChanged, this, [this] {
        clearModel();
        refresh();
    });
    connect(m_add, &QPushButton::clicked, this, [this] {
        if (addConfiguration(m_addEdit->text()))
            m_addEdit->clear();
    });
    connect(m_addEdit, &QLineEdit::returnPressed, m_add, &QPushButton::click);
    connect(m_addEdit, &QLineEdit::textEdited, m_error, &QLabel::hide);
    connect(m_remove, &QPushButton::clicked, this, [this] {
        QList<int> rows;
        for (const QListWidgetItem* item : m_list->selectedItems())
            rows << m_list->row(item);
        std::sort(rows.begin(), rows.end(), std::greater<>());
        for (int row : rows)
            removeConfiguration(row);
    });
    connect(m_list, &QListWidget::itemSelectionChanged, this,
            [this] { m_remove->setEnabled(!m_list->selectedItems().isEmpty()); });
    connect(m_plot, &CurvePlot::hovered, this, &CurvesPanel::showReadout);
    connect(m_plot, &CurvePlot::clicked, this, &CurvesPanel::applyPoint);

    setConfigurationSpecs(defaultCurveSpecs());
    m_remove->setEnabled(false);
    showReadout(-1, -1);
}

CurvesPanel::~CurvesPanel()
{
    stopModelRun();
}

void CurvesPanel::setSnapshot(std::shared_ptr<const LayerSnapshot> snapshot)
{
    m_snapshot = std::move(snapshot);
    if (!m_snapshot) {
        clearLayer();
        return;
    }
    // Curves of other weights or of the other norm are stale: stop them, drop them.
    if (m_snapshot->weights != m_layerWeights || m_snapshot->params.norm != m_layerNorm) {
        m_layerRunner.reset();
        m_layerCurves.clear();
        m_layerRequested.clear();
        m_layerError.clear();
        m_layerWeights = m_snapshot->weights;
        m_layerNorm = m_snapshot->params.norm;
    }
    refresh();
}

void CurvesPanel::clearLayer()
{
    m_layerRunner.reset();
    m_snapshot.reset();
    m_layerWeights.reset();
    m_layerNorm.reset();
    m_layerCurves.clear();
    m_layerRequested.clear();
    m_layerError.clear();
    refresh();
}

void CurvesPanel::clearFile()
{
    clearModel();
    clearLayer();
}

void CurvesPanel::clearModel()
{
    stopModelRun();
    m_modelCurves.clear();
    m_modelPartial = ModelCurves();
    m_modelError.clear();
    m_modelFailed.clear();
}

void CurvesPanel::holdModelSweeps(bool held)
{
    m_holdModel = held;
    if (m_modelRun)
        m_modelRun->setHeld(held);
}

QStringList CurvesPanel::configurationSpecs() const
{
    QStringList specs;
    for (const core::BlockSpec& spec : m_specs)
        specs << core::formatBlockSpec(spec.block, spec.zerosPerBlock);
    return specs;
}

void CurvesPanel::setConfigurationSpecs(const QStringList& specs)
{
    m_specs.clear();
    for (const QString& text : specs) {
        try {
            const core::BlockSpec spec = core::parseBlockSpec(text);
            const bool known = std::any_of(m_specs.begin(), m_specs.end(), [&](const auto& s) {
                return s.block == spec.block && s.zerosPerBlock == spec.zerosPerBlock;
            });
            if (!known)
                m_specs.push_back(spec);
        } catch (const core::Error&) {
            // A stored list written by another version: what does not parse is left out.
        }
    }
    refresh();
}

bool CurvesPanel::addConfiguration(const QString& text)
{
    core::BlockSpec spec;
    try {
        spec = core::parseBlockSpec(text);
    } catch (const core::Error& error) {
        m_error->setText(error.message());
        m_error->show();
        return false;
    }
    m_error->hide();
    const bool known = std::any_of(m_specs.begin(), m_specs.end(), [&](const auto& s) {
        return s.block == spec.block && s.zerosPerBlock == spec.zerosPerBlock;
    });
    if (!known) {
        m_specs.push_back(spec);
        refresh();
    }
    return true;
}

void CurvesPanel::removeConfiguration(int index)
{
    if (index < 0 || index >= static_cast<int>(m_specs.size()))
        return;
    m_specs.erase(m_specs.begin() + index);
    refresh();
}

CurvesPanel::Measure CurvesPanel::measure() const
{
    return m_measure->currentIndex() == 1 ? Measure::L1 : Measure::Energy;
}

void CurvesPanel::setMeasure(Measure measure)
{
    m_measure->setCurrentIndex(measure == Measure::L1 ? 1 : 0);
}

bool CurvesPanel::isModelScope() const
{
    return m_scope->currentIndex() == 1;
}

void CurvesPanel::setModelScope(bool model)
{
    m_scope->setCurrentIndex(model ? 1 : 0);
}

const std::vector<core::MaskStats>*
CurvesPanel::curve(const core::Configuration& configuration) const
{
    if (!isModelScope())
        return find(m_layerCurves, configuration);
    if (const auto* complete = find(m_modelCurves, configuration))
        return complete;
    const auto& configs = m_modelPartial.configurations();
    for (std::size_t i = 0; i < configs.size(); ++i)
        if (configs[i].sameMasksAs(configuration) && m_modelPartial.layerCount(i) > 0)
            return &m_modelPartial.points()[i];
    return nullptr;
}

int CurvesPanel::modelLayerCount(const core::Configuration& configuration) const
{
    if (find(m_modelCurves, configuration))
        return static_cast<int>(m_session->sparsifiableLayers().size());
    const auto& configs = m_modelPartial.configurations();
    for (std::size_t i = 0; i < configs.size(); ++i)
        if (configs[i].sameMasksAs(configuration))
            return m_modelPartial.layerCount(i);
    return 0;
}

bool CurvesPanel::isBusy() const
{
    return m_layerRunner.isBusy() || (m_modelRun && m_modelRun->isRunning());
}

void CurvesPanel::saveSettings(QSettings& settings) const
{
    settings.setValue(specsKey, configurationSpecs());
    settings.setValue(measureKey,
                      measure() == Measure::L1 ? QStringLiteral("l1") : QStringLiteral("energy"));
    settings.setValue(modelKey, isModelScope());
}

void CurvesPanel::restoreSettings(const QSettings& settings)
{
    if (settings.contains(specsKey))
        setConfigurationSpecs(settings.value(specsKey).toStringList());
    setMeasure(settings.value(measureKey).toString() == QStringLiteral("l1") ? Measure::L1
                                                                             : Measure::Energy);
    setModelScope(settings.value(modelKey, false).toBool());
}

void CurvesPanel::retranslate()
{
    m_scope->setItemText(0, tr("This layer"));
    m_scope->setItemText(1, tr("Model (all layers)"));
    m_scope->setToolTip(tr("Curves of the current layer, or of every sparsifiable layer of the "
                           "file at the same level (counts and energies added)."));
    m_measure->setItemText(0, tr("Retained energy"));
    m_measure->setItemText(1, tr("Retained L1"));
    m_measure->setToolTip(tr("What the vertical axis shows: the share of Σw² or of Σ|w| the mask "
                             "keeps."));
    m_list->setToolTip(tr("Configurations drawn, with the current norm."));
    m_listLabel->setText(tr("Configurations:"));
    m_addEdit->setPlaceholderText(tr("2x2, 4x4/8, 2:4"));
    m_addEdit->setToolTip(tr("A block RxC, a block with zeros per block RxC/Z, or N:M (keep N of "
                             "every M weights in a row)."));
    m_add->setText(tr("&Add"));
    m_remove->setText(tr("&Remove"));
}

void CurvesPanel::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() != QEvent::LanguageChange)
        return;
    retranslate();
    updateList();
    redraw();
}

void CurvesPanel::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    refresh(); // nothing was computed while hidden
}

const std::vector<core::MaskStats>* CurvesPanel::find(const CurveCache& cache,
                                                      const core::Configuration& configuration)
{
    for (const auto& [known, points] : cache)
        if (known.sameMasksAs(configuration))
            return &points;
    return nullptr;
}

bool CurvesPanel::fileOpen() const
{
    return !m_session->filePath().isEmpty();
}

std::optional<core::SparsityParams> CurvesPanel::shownParams() const
{
    if (m_snapshot)
        return m_snapshot->params;
    // Model curves do not wait for the layer's mask; layer curves need its weights anyway.
    if (isModelScope() && fileOpen())
        return m_session->currentParams();
    return std::nullopt;
}

void CurvesPanel::updateDrawnConfigurations()
{
    m_drawn.clear();
    const auto params = shownParams();
    if (!params)
        return;
    for (const core::BlockSpec& spec : m_specs)
        m_drawn.push_back(core::Configuration{spec.block, spec.zerosPerBlock, params->norm});
    if (currentIndex() < 0)
        m_drawn.push_back(core::Configuration::of(*params));
}

int CurvesPanel::currentIndex() const
{
    const auto params = shownParams();
    if (!params)
        return -1;
    const core::Configuration current = core::Configuration::of(*params);
    for (std::size_t i = 0; i < m_drawn.size(); ++i)
        if (m_drawn[i].sameMasksAs(current))
            return static_cast<int>(i);
    return -1;
}

void CurvesPanel::refresh()
{
    updateDrawnConfigurations();
    updateList();
    // Hidden, nothing is computed; showEvent comes back here. The model's curves need only
    // the file: they do not wait for the first layer's snapshot.
    if (isVisible()) {
        if (isModelScope() && fileOpen())
            refreshModel();
        else if (!isModelScope() && m_snapshot)
            refreshLayer();
    }
    redraw();
    Q_EMIT busyChanged();
}

void CurvesPanel::refreshLayer()
{
    if (!m_layerError.isEmpty())
        return; // the layer cannot be swept (say, out of memory): do not try again and again
    // One configuration per job, the current one first: each curve shows up as soon as it is
    // swept (a 1x1 ranking of a big layer takes seconds), and a stale job is short.
    std::vector<core::Configuration> missing;
    const int current = currentIndex();
    if (current >= 0 && !find(m_layerCurves, m_drawn[std::size_t(current)]))
        missing.push_back(m_drawn[std::size_t(current)]);
    for (const core::Configuration& configuration : m_drawn)
        if (!find(m_layerCurves, configuration) &&
            std::none_of(missing.begin(), missing.end(),
                         [&](const auto& m) { return m.sameMasksAs(configuration); }))
            missing.push_back(configuration);
    // The curve on its way is still wanted: a level change must not restart it.
    const auto wanted = [&](const core::Configuration& requested) {
        return std::any_of(missing.begin(), missing.end(),
                           [&](const auto& m) { return m.sameMasksAs(requested); });
    };
    if (missing.empty() || (m_layerRequested.size() == 1 && wanted(m_layerRequested.front())))
        return;
    m_layerRequested = {missing.front()};
    m_layerRunner.request(
        LayerRequest{m_snapshot->weights, m_layerRequested, m_levels, m_session->computePool()});
}

void CurvesPanel::refreshModel()
{
    std::vector<core::Configuration> missing;
    for (const core::Configuration& configuration : m_drawn)
        if (!find(m_modelCurves, configuration))
            missing.push_back(configuration);
    // Biggest blocks first: their rankings are the quickest, so the first model point shows
    // up after the cheapest sweep of the first layer.
    std::stable_sort(missing.begin(), missing.end(), [](const auto& a, const auto& b) {
        return a.block.elementCount() > b.block.elementCount();
    });
    if (missing.empty() || (m_modelRun && m_modelRun->configurations() == missing) ||
        (!m_modelRun && m_modelFailed == missing))
        return;
    stopModelRun();
    m_modelError.clear();
    m_modelFailed.clear();
    const QStringList layers = m_session->sparsifiableLayers();
    m_modelPartial = ModelCurves(missing, m_levels.size());
    if (layers.isEmpty()) {
        m_modelError = tr("No layer of this file can be sparsified.");
        m_modelFailed = missing;
        return;
    }
    m_modelRun = new ModelCurveRun(layers, missing, m_levels, m_session->layerReader(),
                                   m_session->ioPool(), m_session->computePool(), this);
    // The smallest layer first: a quick read and sweep put the first point on screen (the
    // first layer in file order is often the biggest, an embedding); ModelCurves still sums
    // the layers in file order. Not an empty one: its curve says nothing.
    int smallest = 0;
    std::int64_t fewest = -1;
    for (int i = 0; i < layers.size(); ++i) {
        const auto info = m_session->info(layers[i]);
        const std::int64_t elements = info ? info->elementCount() : 0;
        if (elements > 0 && (fewest < 0 || elements < fewest)) {
            fewest = elements;
            smallest = i;
        }
    }
    m_modelRun->setFirstLayer(smallest);
    m_modelRun->setHeld(m_holdModel);
    m_modelRun->onCurve = [this](int layer, std::size_t configuration,
                                 const ModelCurveRun::Curve& curve) {
        m_modelPartial.addLayer(configuration, layer, curve);
        redraw();
    };
    m_modelRun->onFinished = [this] {
        const auto& configs = m_modelPartial.configurations();
        for (std::size_t i = 0; i < configs.size(); ++i)
            m_modelCurves.emplace_back(configs[i], m_modelPartial.points()[i]);
        m_modelPartial = ModelCurves();
        stopModelRun();
        refresh();
    };
    m_modelRun->onFailed = [this](const QString& message) {
        m_modelError = message;
        m_modelFailed = m_modelRun->configurations();
        m_modelPartial = ModelCurves(); // a model curve without some layers is not the model's
        stopModelRun();
        redraw();
        Q_EMIT busyChanged();
    };
    m_modelRun->start();
}

void CurvesPanel::stopModelRun()
{
    if (!m_modelRun)
        return;
    m_modelRun->cancel();
    // Later: this may run inside one of the run's own callbacks.
    m_modelRun->deleteLater();
    m_modelRun = nullptr;
}

void CurvesPanel::updateList()
{
    const int current = currentIndex();
    const QSignalBlocker blocker(m_list);
    QList<int> selected;
    for (const QListWidgetItem* item : m_list->selectedItems())
        selected << m_list->row(item);
    m_list->clear();
    for (std::size_t i = 0; i < m_specs.size(); ++i) {
        const QString text = core::formatBlockSpec(m_specs[i].block, m_specs[i].zerosPerBlock);
        auto* item =
            new QListWidgetItem(swatch(curveColor(int(i))),
                                int(i) == current ? text + tr("  (current)") : text, m_list);
        QFont font = item->font();
        font.setBold(int(i) == current);
        item->setFont(font);
        item->setSelected(selected.contains(int(i)));
    }
    m_remove->setEnabled(!m_list->selectedItems().isEmpty());
}

double CurvesPanel::measured(const core::MaskStats& stats) const
{
    return measure() == Measure::L1 ? stats.retainedL1 : stats.retainedEnergy;
}

void CurvesPanel::redraw()
{
    const bool l1 = measure() == Measure::L1;
    m_plot->setAxisTitles(tr("achieved sparsity"), l1 ? tr("retained L1") : tr("retained energy"));
    QList<CurvePlot::Curve> curves;
    const int current = currentIndex();
    std::optional<QPointF> marker;
    int markerCurve = -1;
    for (std::size_t i = 0; i < m_drawn.size(); ++i) {
        const std::vector<core::MaskStats>* stats = curve(m_drawn[i]);
        if (!stats)
            continue;
        CurvePlot::Curve c;
        const bool listed = i < m_specs.size();
        c.label = core::describeConfiguration(m_drawn[i]);
        if (int(i) == current)
            c.label += tr(" (current)");
        c.color = listed ? curveColor(int(i)) : currentOnlyColor();
        c.emphasized = int(i) == current;
        for (const core::MaskStats& s : *stats)
            c.points.emplace_back(s.achievedSparsity, measured(s));
        if (int(i) == current && m_snapshot) {
            markerCurve = int(curves.size());
            if (!isModelScope()) {
                // The snapshot's own statistics: exactly the mask on screen.
                marker = QPointF(m_snapshot->stats.achievedSparsity, measured(m_snapshot->stats));
            } else {
                // Between the two sweep levels around the current one, linearly.
                const double level = m_snapshot->params.level;
                const auto upper = std::lower_bound(m_levels.begin(), m_levels.end(), level);
                const std::size_t hi =
                    std::min<std::size_t>(upper - m_levels.begin(), m_levels.size() - 1);
                const std::size_t lo = hi > 0 && m_levels[hi] > level ? hi - 1 : hi;
                const double t =
                    hi == lo ? 0.0 : (level - m_levels[lo]) / (m_levels[hi] - m_levels[lo]);
                const QPointF a = c.points[lo], b = c.points[hi];
                marker = a + t * (b - a);
            }
        }
        curves.append(std::move(c));
    }
    m_plot->setCurves(std::move(curves));
    m_plot->setMarker(marker, markerCurve);

    QString message;
    QString progress;
    if (!m_snapshot && !(isModelScope() && fileOpen())) {
        message = tr("Curves appear once a layer is shown.");
    } else if (isModelScope()) {
        const int total = static_cast<int>(m_session->sparsifiableLayers().size());
        if (!m_modelError.isEmpty()) {
            progress = tr("Model curves stopped: %1").arg(m_modelError);
            message = progress;
        } else if (m_modelRun) {
            progress = tr("Model: %1 of %2 layers swept…").arg(m_modelRun->layersDone()).arg(total);
            message = tr("Reading and sweeping the first layer…");
        } else {
            progress = tr("Model: all %n layer(s), each at the same level", nullptr, total);
        }
    } else if (!m_layerError.isEmpty()) {
        progress = tr("Curves failed: %1").arg(m_layerError);
        message = progress;
    } else if (!m_layerRequested.empty()) {
        const auto done = std::count_if(m_drawn.begin(), m_drawn.end(),
                                        [this](const auto& c) { return find(m_layerCurves, c); });
        progress = tr("Layer: %1 of %2 curves swept…").arg(done).arg(m_drawn.size());
        message = tr("Sweeping %1…").arg(core::describeConfiguration(m_layerRequested.front()));
    }
    if (!isVisible() && m_snapshot)
        message.clear();
    m_plot->setMessage(message);
    m_progress->setText(progress);
    m_progress->setToolTip(progress);
    showReadout(-1, -1);
}

void CurvesPanel::showReadout(int curveIndex, int index)
{
    // Map the plot's curve (only those with data are drawn) back to a configuration.
    const core::Configuration* configuration = nullptr;
    const std::vector<core::MaskStats>* stats = nullptr;
    int drawn = -1;
    for (const core::Configuration& c : m_drawn) {
        const auto* s = curve(c);
        if (s && ++drawn == curveIndex) {
            configuration = &c;
            stats = s;
            break;
        }
    }
    if (!configuration || index < 0 || std::size_t(index) >= stats->size()) {
        m_readout->setText(tr("Hover over a curve to read a point; click to apply it."));
        return;
    }
    const core::MaskStats& s = (*stats)[std::size_t(index)];
    m_readout->setText(
        tr("%1 · level %2 · achieved sparsity %3 · retained energy %4 · "
           "retained L1 %5")
            .arg(core::describeConfiguration(*configuration))
            .arg(m_levels[std::size_t(index)], 0, 'f', 2)
            .arg(percent(s.achievedSparsity), percent(s.retainedEnergy), percent(s.retainedL1)));
}

void CurvesPanel::applyPoint(int curveIndex, int index)
{
    int drawn = -1;
    for (const core::Configuration& c : m_drawn) {
        if (curve(c) && ++drawn == curveIndex) {
            if (index >= 0 && std::size_t(index) < m_levels.size())
                Q_EMIT paramsRequested(c.atLevel(m_levels[std::size_t(index)]));
            return;
        }
    }
}

} // namespace sparsity::ui
