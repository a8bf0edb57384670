#include "mainwindow.h"

#include "compare/comparepanel.h"
#include "contextmenus.h"
#include "curves/curvespanel.h"
#include "dockwidthkeeper.h"
#include "errordialog.h"
#include "export/maskexport.h"
#include "exportdialog.h"
#include "heatmap/heatmapsource.h"
#include "heatmap/heatmapview.h"
#include "histogram/histogramwidget.h"
#include "hoverreadout.h"
#include "imageexportdialog.h"
#include "imageexportflow.h"
#include "language.h"
#include "layers/layerbrowser.h"
#include "layerview.h"
#include "learn/learnpanel.h"
#include "mainwindowactions.h"
#include "maskexportflow.h"
#include "model/modelview.h"
#include "normhistogrampanel.h"
#include "parameters/parameterpanel.h"
#include "prunedexportflow.h"
#include "pytorchcopy.h"
#include "ranking/configuration.h"
#include "recentfiles.h"
#include "session/demofile.h"
#include "session/embeddedresources.h"
#include "session/layersnapshot.h"
#include "session/session.h"
#include "sessionflow.h"
#include "stats/statspanel.h"
#include "windowsettings.h"

#include <QAction>
#include <QClipboard>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QGuiApplication>
#include <QLabel>
#include <QMenu>
#include <QMimeData>
#include <QScreen>
#include <QSettings>
#include <QStatusBar>
#include <QTimer>
#include <QVBoxLayout>
#include <algorithm>
#include <array>

namespace sparsity::ui {
namespace {

// Every format openTensorFile reads first, then each alone; it tells them apart by content,
// so "All files" opens a weight file of any name.
QString weightFileFilter()
{
    return MainWindow::tr("Weight files (*.h5 *.hdf5 *.hdf *.he5 *.safetensors "
                          "*.safetensors.index.json *.npy *.npz);;HDF5 files (*.h5 *.hdf5 *.hdf "
                          "*.he5);;safetensors (*.safetensors *.safetensors.index.json);;NumPy "
                          "arrays (*.npy *.npz);;All files (*)");
}

} // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent)
    , m_session(new Session(this))
    , m_export(new MaskExportFlow(m_session->ioPool(), m_session->computePool(), this))
    , m_imageExport(new ImageExportFlow(m_session->ioPool(), m_session->computePool(), this))
    , m_prunedExport(new PrunedExportFlow(m_session->ioPool(), m_session->computePool(), this))
    , m_browser(new LayerBrowser(this))
    , m_parameters(new ParameterPanel(this))
    , m_stats(new StatsPanel(this))
    , m_layerView(new LayerView(m_session->computePool(), m_session->displayPool(), this))
    , m_histogram(new NormHistogramPanel(m_session->computePool(), this))
    , m_hover(new HoverReadout(m_session->computePool(), this))
    , m_curves(new CurvesPanel(m_session, this))
    , m_compare(new ComparePanel(m_session->computePool(), this))
    , m_modelView(new ModelView(m_session, this))
    , m_busyLabel(new QLabel(this))
    , m_busyTimer(new QTimer(this))
{
    setObjectName(QStringLiteral("mainWindow"));
    registerEmbeddedResources();
    setWindowIcon(QIcon(QStringLiteral(":/icons/sparsity-explorer-256.png")));
    setAcceptDrops(true);
    setDockOptions(AnimatedDocks | AllowTabbedDocks);
    // The session banner sits above the view, so it never covers the heatmap.
    auto* central = new QWidget(this);
    auto* centralLayout = new QVBoxLayout(central);
    centralLayout->setContentsMargins(0, 0, 0, 0);
    centralLayout->setSpacing(0);
    centralLayout->addWidget(m_layerView, 1);
    setCentralWidget(central);
    m_busyLabel->setObjectName(QStringLiteral("busyLabel"));
    m_busyLabel->hide();
    statusBar()->addWidget(m_hover, 1);
    statusBar()->addPermanentWidget(m_busyLabel);
    m_busyTimer->setSingleShot(true);
    m_busyTimer->setInterval(100);
    connect(m_busyTimer, &QTimer::timeout, this, [this] {
        const bool busy = !isIdle();
        m_busyLabel->setVisible(busy);
        if (busy)
            m_busyTimer->start();
    });

    m_actions = new MainWindowActions(m_layerView, this);
    connectActions();
    createDocks();
    connectSession();
    createCompareAndCurves();
    connectModelView();
    createConveniences();
    createLearnDock();
    // Weights span decades: on a log scale both the kept weights and the small pruned ones
    // are visible, so that is where a first look starts.
    m_layerView->setLogarithmic(true);
    retranslate();
    m_parameters->setParams(Session::defaultParams());
    m_modelView->setParameters(Session::defaultParams(), std::nullopt);
    updateTitle();
    updateActions();
    // 1440x900, or what the screen has room for.
    QSize size(1440, 900);
    if (const QScreen* screen = QGuiApplication::primaryScreen())
        size = size.boundedTo(screen->availableSize());
    resize(size);
    // Dock sizes are shares of the window's: set them once it has its size.
    auto* layersDock = findChild<QDockWidget*>(QStringLiteral("layersDock"));
    auto* parametersDock = findChild<QDockWidget*>(QStringLiteral("parametersDock"));
    resizeDocks({findChild<QDockWidget*>(QStringLiteral("histogramDock"))},
                {size.height() * 23 / 90}, Qt::Vertical);
    const int layersWidth = size.width() * 23 / 100;
    const int parametersWidth = size.width() / 4;
    resizeDocks({layersDock, parametersDock}, {layersWidth, parametersWidth}, Qt::Horizontal);
    m_dockWidths->setWantedWidth(layersDock, layersWidth);
    m_dockWidths->setWantedWidth(parametersDock, parametersWidth);
}

MainWindow::~MainWindow()
{
    // The export and every job run on the session's pools: stop the export, then let the
    // session wait for its pools before the widgets whose jobs they run go away.
    delete m_export;
    delete m_prunedExport;
    // The model view's rankings close their reader on the session's I/O pool; its dock must not
    // report its hiding on the way out.
    auto* modelDock = findChild<QDockWidget*>(QStringLiteral("modelDock"));
    disconnect(modelDock, nullptr, this, nullptr);
    delete modelDock;
    m_modelView = nullptr;
    // So does a model curve run of the Curves dock (closed with the window mid-run, it used the
    // deleted I/O pool and crashed).
    auto* curvesDock = findChild<QDockWidget*>(QStringLiteral("curvesDock"));
    disconnect(curvesDock, nullptr, this, nullptr);
    disconnect(m_curves, nullptr, this, nullptr);
    delete curvesDock;
    m_curves = nullptr;
    delete m_session;
}

void MainWindow::retranslate()
{
    // Docks by object name: their titles are also their entries in the View menu.
    const std::array<std::pair<const char*, QString>, 8> titles{{
        {"layersDock", tr("Layers")},
        {"parametersDock", tr("Parameters")},
        {"statsDock", tr("Statistics")},
        {"histogramDock", tr("Block Norm Histogram")},
        {"modelDock", tr("Model")},
        {"curvesDock", tr("Curves")},
        {"compareDock", tr("Compare")},
        {"learnDock", tr("Learn")},
    }};
    for (const auto& [name, title] : titles)
        if (auto* dock = findChild<QDockWidget*>(QLatin1String(name)))
            dock->setWindowTitle(title);
    if (auto* learn = findChild<QAction*>(QStringLiteral("learnAction"))) {
        learn->setText(tr("&Learn Block Sparsity…"));
        learn->setStatusTip(tr("Block sparsity step by step on a small matrix"));
    }
    m_busyLabel->setText(tr("Computing…"));
    m_layerView->setPlaceholder(
        tr("Open a weight file: HDF5, safetensors or NumPy (File ▸ Open, Ctrl+O), or drop one "
           "here."));
    m_actions->retranslate();
    m_actions->updateLanguageChecks();
    m_sessionFlow->retranslate();
    updateTitle();
}

void MainWindow::setLanguage(const QString& code)
{
    // The LanguageChange event that installing or removing the translator sends reaches
    // changeEvent below and every widget of the window.
    if (code == Language::current())
        return;
    if (!Language::apply(code)) {
        showErrorDialog(this, tr("The language cannot be changed"),
                        tr("The translation %1 cannot be loaded.").arg(code));
        m_actions->updateLanguageChecks();
        return;
    }
    Language::save(code);
}

void MainWindow::changeEvent(QEvent* event)
{
    QMainWindow::changeEvent(event);
    if (event->type() == QEvent::LanguageChange)
        retranslate();
}

void MainWindow::restoreSettings()
{
    m_persistent = true;
    WindowSettings::restore(*this, *m_layerView);
    m_curves->restoreSettings(QSettings());
    m_sessionFlow->offerLastSession();
}

void MainWindow::createConveniences()
{
    m_dockWidths =
        new DockWidthKeeper(this, {findChild<QDockWidget*>(QStringLiteral("layersDock")),
                                   findChild<QDockWidget*>(QStringLiteral("parametersDock"))});
    // The parameters need their height only: the statistics below take the rest.
    QSizePolicy policy = m_parameters->sizePolicy();
    policy.setVerticalPolicy(QSizePolicy::Maximum);
    m_parameters->setSizePolicy(policy);
    ContextMenus::installCopyAll(m_stats);
    ContextMenus::installHeatmap(m_layerView, m_hover);
    connect(m_browser, &LayerBrowser::exportRequested, this, [this](const QString& path) {
        m_session->selectLayer(path);
        if (m_session->currentLayer() == path)
            exportMasksWithDialog();
    });
    m_sessionFlow = new SessionFlow(this, m_actions->fileMenu(), m_actions->exportMasks());
    static_cast<QVBoxLayout*>(centralWidget()->layout())->insertWidget(0, m_sessionFlow->banner());
}

void MainWindow::fitLayersDock()
{
    // Every column whole if the window has room: up to a third of it (then the type column
    // gives way to the names).
    auto* dock = findChild<QDockWidget*>(QStringLiteral("layersDock"));
    const int wanted = std::min(m_browser->preferredWidth() + 4, width() / 3);
    if (wanted > m_dockWidths->wantedWidth(dock))
        m_dockWidths->setWantedWidth(dock, wanted);
    m_dockWidths->restoreWidths();
}

void MainWindow::createCompareAndCurves()
{
    // Both docks start closed (View menu); the window's saved state reopens them.
    const auto addDock = [this](QWidget* widget, const QString& title, const QString& name,
                                Qt::DockWidgetArea area) {
        auto* dock = new QDockWidget(title, this);
        dock->setObjectName(name);
        dock->setWidget(widget);
        addDockWidget(area, dock);
        dock->hide();
        m_actions->viewMenu()->addAction(dock->toggleViewAction());
        // Opened from the menu, a tabbed dock comes to the front.
        connect(dock->toggleViewAction(), &QAction::triggered, dock, [dock](bool checked) {
            if (checked)
                dock->raise();
        });
        return dock;
    };
    m_curves->setObjectName(QStringLiteral("curvesPanel"));
    m_compare->setObjectName(QStringLiteral("comparePanel"));
    // The curves share the bottom with the histogram as a tab: side by side, neither is
    // readable. Shown, the bottom grows to a height at which the curves can be told apart.
    QDockWidget* curvesDock =
        addDock(m_curves, QString(), QStringLiteral("curvesDock"), Qt::BottomDockWidgetArea);
    tabifyDockWidget(findChild<QDockWidget*>(QStringLiteral("histogramDock")), curvesDock);
    connect(curvesDock, &QDockWidget::visibilityChanged, this, [this, curvesDock](bool visible) {
        if (visible && !curvesDock->isFloating() && curvesDock->height() < 300)
            resizeDocks({curvesDock}, {300}, Qt::Vertical);
    });
    QDockWidget* compareDock =
        addDock(m_compare, QString(), QStringLiteral("compareDock"), Qt::RightDockWidgetArea);

    connect(m_curves, &CurvesPanel::paramsRequested, m_parameters,
            &ParameterPanel::setParamsFromUser);
    connect(m_curves, &CurvesPanel::busyChanged, this, &MainWindow::scheduleBusyCheck);
    connect(m_compare, &ComparePanel::busyChanged, this, &MainWindow::scheduleBusyCheck);
    connect(m_compare, &ComparePanel::pinChanged, this, &MainWindow::updateComparison);
    connect(m_compare, &ComparePanel::showDiffRequested, this,
            [this] { m_layerView->setKind(LayerView::Kind::Compare); });
    connect(m_actions->pinMask(), &QAction::triggered, this, [this, compareDock] {
        if (!m_compare->pinCurrent())
            return;
        compareDock->show();
        compareDock->raise();
    });
    connect(m_actions->unpinMask(), &QAction::triggered, m_compare, &ComparePanel::unpin);
    updateComparison();
}

void MainWindow::createLearnDock()
{
    // Closed until asked for (View > Learn, Help > Learn Block Sparsity…). A tab beside the
    // layers, on the left: the window's full height for a 16 x 16 matrix, and the parameter
    // panel it follows stays in sight on the right.
    m_learn = new LearnPanel(this);
    m_learn->setObjectName(QStringLiteral("learnPanel"));
    auto* dock = new QDockWidget(this);
    dock->setObjectName(QStringLiteral("learnDock"));
    dock->setWidget(m_learn);
    addDockWidget(Qt::LeftDockWidgetArea, dock);
    tabifyDockWidget(findChild<QDockWidget*>(QStringLiteral("layersDock")), dock);
    dock->hide();
    m_actions->viewMenu()->addAction(dock->toggleViewAction());
    auto* learn = new QAction(this);
    learn->setObjectName(QStringLiteral("learnAction"));
    m_actions->helpMenu()->insertAction(m_actions->helpMenu()->actions().value(0), learn);
    const auto open = [this, dock] {
        dock->show();
        dock->raise();
        // A matrix with a number in each cell wants more than a side panel's width: as wide as
        // its grid, up to about half the window (wider ones scroll).
        const int wanted = std::clamp(m_learn->preferredWidth(), 560, width() * 11 / 20);
        if (!dock->isFloating() && dock->width() < wanted)
            resizeDocks({dock}, {wanted}, Qt::Horizontal);
    };
    connect(learn, &QAction::triggered, this, open);
    connect(dock->toggleViewAction(), &QAction::triggered, this, [open](bool checked) {
        if (checked)
            open();
    });

    m_learn->setParams(m_parameters->params());
    connect(m_parameters, &ParameterPanel::paramsChanged, m_learn, &LearnPanel::setParams);
    connect(m_session, &Session::paramsReset, m_learn, &LearnPanel::setParams);
    connect(m_session, &Session::snapshotReady, m_learn, &LearnPanel::setLayer);
    // Until the next layer's snapshot, no slice (and no old snapshot kept alive).
    connect(m_session, &Session::layerSelected, m_learn, [this] { m_learn->setLayer(nullptr); });
    connect(m_session, &Session::fileOpened, m_learn, [this] { m_learn->setLayer(nullptr); });
    // A slice is taken around the centre of the heatmap: the place the student zoomed to. (The
    // last hovered element would be where the mouse left the heatmap on its way to the dock.)
    m_learn->setViewCentreProvider([this]() -> std::optional<QPoint> {
        const ZoomModel& zoom = m_layerView->heatmap()->zoomModel();
        if (zoom.fieldSize().isEmpty())
            return std::nullopt;
        const QPointF centre = zoom.visibleRegion().center();
        return QPoint(std::clamp(int(centre.x()), 0, zoom.fieldSize().width() - 1),
                      std::clamp(int(centre.y()), 0, zoom.fieldSize().height() - 1));
    });
}

void MainWindow::updateComparison()
{
    m_layerView->setComparisonMask(m_compare->comparableMask());
    m_actions->compareView()->setEnabled(m_layerView->hasComparison());
    m_actions->unpinMask()->setEnabled(m_compare->pinned() != nullptr);
}

void MainWindow::connectActions()
{
    connect(m_actions->open(), &QAction::triggered, this, &MainWindow::openWithDialog);
    connect(m_actions->openDemo(), &QAction::triggered, this, [this] { openDemo(); });
    connect(m_actions->recentFiles(), &RecentFiles::openRequested, this,
            [this](const QString& path) { openFile(path); });
    connect(m_actions->exportMasks(), &QAction::triggered, this,
            &MainWindow::exportMasksWithDialog);
    connect(m_actions->exportImage(), &QAction::triggered, this,
            &MainWindow::exportImageWithDialog);
    connect(m_actions->exportPruned(), &QAction::triggered, this,
            &MainWindow::exportPrunedWithDialog);
    connect(m_actions->applyToAllLayers(), &QAction::triggered, this,
            &MainWindow::applyToAllLayers);
    connect(m_actions->copyAsPytorch(), &QAction::triggered, this, &MainWindow::copyAsPytorch);
    connect(m_actions, &MainWindowActions::languageRequested, this, &MainWindow::setLanguage);
    connect(this, &MainWindow::masksExported, this, [this](const QString& path, bool written) {
        if (written)
            m_lastMaskFile = path;
    });
}

void MainWindow::createDocks()
{
    const auto addDock = [this](QWidget* widget, const QString& title, const QString& name,
                                Qt::DockWidgetArea area) {
        auto* dock = new QDockWidget(title, this);
        dock->setObjectName(name);
        dock->setWidget(widget);
        dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                          QDockWidget::DockWidgetClosable);
        addDockWidget(area, dock);
        m_actions->viewMenu()->addAction(dock->toggleViewAction());
        return dock;
    };
    m_browser->setObjectName(QStringLiteral("layerBrowser"));
    m_parameters->setObjectName(QStringLiteral("parameterPanel"));
    m_stats->setObjectName(QStringLiteral("statsPanel"));
    m_histogram->setObjectName(QStringLiteral("histogramPanel"));
    addDock(m_browser, QString(), QStringLiteral("layersDock"), Qt::LeftDockWidgetArea);
    addDock(m_parameters, QString(), QStringLiteral("parametersDock"), Qt::RightDockWidgetArea);
    addDock(m_stats, QString(), QStringLiteral("statsDock"), Qt::RightDockWidgetArea);
    QDockWidget* histogram =
        addDock(m_histogram, QString(), QStringLiteral("histogramDock"), Qt::BottomDockWidgetArea);
    m_modelView->setObjectName(QStringLiteral("modelView"));
    // Beside the histogram, closed until asked for (View > Model): it reads every layer.
    QDockWidget* model =
        addDock(m_modelView, QString(), QStringLiteral("modelDock"), Qt::BottomDockWidgetArea);
    tabifyDockWidget(histogram, model);
    histogram->raise();
    model->hide();
    // The histogram belongs under the heatmap, not under the side panels.
    setCorner(Qt::BottomLeftCorner, Qt::LeftDockWidgetArea);
    setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
}

void MainWindow::connectSession()
{
    connect(m_session, &Session::fileOpened, this, &MainWindow::onFileOpened);
    connect(m_session, &Session::fileFailed, this,
            [this](const QString& path, const QString& message) {
                m_pendingLayer.clear();
                m_pendingSession.reset();
                RecentFiles::forgetIfMissing(path);
                showErrorDialog(this, tr("The file cannot be opened"),
                                message.isEmpty() ? tr("%1 cannot be opened.").arg(path) : message);
                scheduleBusyCheck();
            });
    connect(m_session, &Session::layerSelected, this, &MainWindow::onLayerSelected);
    connect(m_session, &Session::layerFailed, this,
            [this](const QString& path, const QString& message) {
                m_curves->holdModelSweeps(false); // no image is coming
                // Core messages name file and dataset; others (parameters) get both here.
                const QString file = m_session->filePath();
                showErrorDialog(this, tr("The layer cannot be shown"),
                                message.contains(path) && message.contains(file)
                                    ? message
                                    : tr("%1: dataset '%2': %3").arg(file, path, message));
                scheduleBusyCheck();
            });
    connect(m_session, &Session::paramsReset, m_parameters, &ParameterPanel::setParams);
    connect(m_session, &Session::snapshotReady, this, &MainWindow::onSnapshot);
    connect(m_session, &Session::busyChanged, this, &MainWindow::scheduleBusyCheck);

    connect(m_browser, &LayerBrowser::layerActivated, m_session, &Session::selectLayer);
    connect(m_parameters, &ParameterPanel::paramsChanged, this,
            [this](const core::SparsityParams& params) {
                m_session->setParams(params);
                scheduleBusyCheck();
            });
    connect(m_parameters, &ParameterPanel::applyToAllRequested, this,
            &MainWindow::applyToAllLayers);
    connect(m_histogram, &NormHistogramPanel::levelRequested, this, [this](double level) {
        const core::SparsityParams before = m_parameters->params();
        m_parameters->setLevelFromUser(level);
        // Otherwise the new snapshot answers the drag with its threshold.
        if (m_parameters->params() == before)
            m_histogram->refreshThreshold();
    });
    connect(m_layerView->heatmap(), &HeatmapView::hovered, m_hover, &HoverReadout::showElement);
    connect(m_layerView->heatmap(), &HeatmapView::imageUpdated, this,
            &MainWindow::scheduleBusyCheck);
    connect(m_layerView->heatmap(), &HeatmapView::imageUpdated, m_curves,
            [this] { m_curves->holdModelSweeps(false); });
    connect(m_layerView, &LayerView::snapshotShown, this, [this] {
        updateActions();
        scheduleBusyCheck();
    });
    connect(m_histogram->histogram(), &HistogramWidget::dataChanged, this,
            &MainWindow::scheduleBusyCheck);

    connect(m_export, &MaskExportFlow::masksExported, this, &MainWindow::masksExported);
    connect(m_imageExport, &ImageExportFlow::imageExported, this, &MainWindow::imageExported);
    connect(m_prunedExport, &PrunedExportFlow::prunedWeightsExported, this,
            &MainWindow::prunedWeightsExported);
    connect(m_prunedExport, &PrunedExportFlow::runningChanged, this, [this] {
        updateActions();
        scheduleBusyCheck();
    });
    connect(m_export, &MaskExportFlow::runningChanged, this, [this] {
        updateActions();
        scheduleBusyCheck();
    });
}

void MainWindow::connectModelView()
{
    // The model view follows the parameters on screen; the scope switch goes to the session,
    // whose model-scope masks the view's rankings count.
    connect(m_parameters, &ParameterPanel::paramsChanged, this,
            [this](const core::SparsityParams& params) {
                m_modelView->setParameters(params, m_parameters->modelScope());
            });
    connect(m_session, &Session::paramsReset, this, [this](const core::SparsityParams& params) {
        m_modelView->setParameters(params, m_parameters->modelScope());
    });
    connect(m_parameters, &ParameterPanel::scopeChanged, this, &MainWindow::onScopeChanged);
    // docs/SPEC.md "Layout" and "View", per layer: the panel shows the shown layer's choice.
    connect(m_parameters, &ParameterPanel::orientationChanged, this,
            [this](core::TensorOrientation orientation) {
                m_session->setOrientation(m_session->currentLayer(), orientation);
            });
    connect(m_session, &Session::layerSelected, this, [this](const QString& datasetPath) {
        m_parameters->setOrientation(
            m_session->orientation(datasetPath),
            core::resolveLayout(core::Layout::Auto, m_session->fileHasKerasMarkers()));
    });
    connect(m_modelView, &ModelView::layerActivated, m_session, &Session::selectLayer);
    auto* dock = findChild<QDockWidget*>(QStringLiteral("modelDock"));
    connect(dock->toggleViewAction(), &QAction::triggered, this, [this, dock](bool shown) {
        // A table and a chart of every layer want more height than the histogram's strip
        // (when the user opens it; a restored layout keeps its sizes).
        if (shown && !dock->isFloating() && dock->height() < height() * 2 / 5)
            resizeDocks({dock}, {height() * 2 / 5}, Qt::Vertical);
    });
    connect(dock, &QDockWidget::visibilityChanged, this, [this](bool visible) {
        m_modelViewShown = visible;
        updateModelViewActive();
    });
}

void MainWindow::onScopeChanged(std::optional<core::ModelBounds> bounds)
{
    m_session->setModelScope(bounds);
    m_modelView->setParameters(m_parameters->params(), bounds);
    updateModelViewActive();
    updateActions();
    scheduleBusyCheck();
}

void MainWindow::updateModelViewActive()
{
    // Rank while someone looks at the model or model scope needs every layer's ranking.
    if (m_modelView)
        m_modelView->setActive(m_modelViewShown || m_parameters->modelScope().has_value());
    scheduleBusyCheck();
}

void MainWindow::openFile(const QString& path, const QString& layer)
{
    m_pendingLayer = layer;
    m_session->openFile(QFileInfo(path).absoluteFilePath());
    scheduleBusyCheck();
}

void MainWindow::openDemo(const QString& layer)
{
    m_pendingLayer = layer;
    m_session->openDemo();
    scheduleBusyCheck();
}

void MainWindow::openWithDialog()
{
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open Weights"), WindowSettings::lastDirectory(), weightFileFilter());
    if (path.isEmpty())
        return;
    WindowSettings::setLastDirectory(path);
    openFile(path);
}

void MainWindow::onFileOpened(const QString& path)
{
    m_browser->setTree(m_session->tree());
    fitLayersDock();
    m_stats->clear();
    m_layerView->clear();
    m_histogram->clear();
    m_hover->setSnapshot(nullptr);
    // The model's curves start now; after their first layer they wait for the first image of
    // the layer opened (or its failure; at most 3 s), which would otherwise share the cores.
    m_curves->holdModelSweeps(true);
    QTimer::singleShot(3000, m_curves, [curves = m_curves] { curves->holdModelSweeps(false); });
    m_curves->clearFile();
    m_compare->setSnapshot(nullptr);
    m_compare->unpin();     // A was a mask of the old file's weights
    m_lastMaskFile.clear(); // its masks are of the old file
    updateComparison();
    if (!m_session->isDemo())
        RecentFiles::add(path);
    updateTitle();
    updateActions();

    QString layer = m_pendingLayer;
    m_pendingLayer.clear();
    if (m_pendingSession) {
        applyPendingSession(layer);
        return;
    }
    if (!layer.isEmpty()) {
        const auto info = m_session->info(layer);
        if (!info || !info->canSparsifyWhenNamed()) {
            showErrorDialog(this, tr("The layer cannot be shown"),
                            info ? tr("%1: dataset '%2' cannot be sparsified: %3")
                                       .arg(path, info->path, info->reason)
                                 : tr("%1: there is no dataset '%2'").arg(path, layer));
            layer.clear();
        }
    }
    if (layer.isEmpty())
        layer = m_session->defaultLayer();
    if (layer.isEmpty()) {
        m_curves->holdModelSweeps(false);
        m_layerView->setPlaceholder(
            tr("No dataset in %1 can be sparsified.").arg(QFileInfo(path).fileName()));
    } else
        m_session->selectLayer(layer);
}

void MainWindow::onLayerSelected(const QString& datasetPath)
{
    m_layerView->setPlaceholder({});
    m_browser->setCurrentLayer(datasetPath);
    m_stats->setLayer(m_session->info(datasetPath));
    m_layerView->clear();
    m_histogram->clear();
    m_hover->setSnapshot(nullptr);
    m_curves->clearLayer();
    m_compare->setSnapshot(nullptr);
    updateComparison();
    updateTitle();
    updateActions();
    scheduleBusyCheck();
}

void MainWindow::onSnapshot(const std::shared_ptr<const LayerSnapshot>& snapshot)
{
    // A first: the view then builds the Compare source for this snapshot only once.
    m_compare->setSnapshot(snapshot);
    updateComparison();
    m_curves->setSnapshot(snapshot);
    m_layerView->setSnapshot(snapshot);
    m_stats->setSnapshot(snapshot);
    m_histogram->setSnapshot(snapshot);
    m_hover->setSnapshot(snapshot);
    updateActions();
    scheduleBusyCheck();
}

void MainWindow::applyToAllLayers()
{
    if (m_session->currentLayer().isEmpty())
        return;
    m_session->applyToAllLayers();
    statusBar()->showMessage(tr("These parameters now apply to all %n sparsifiable layer(s).",
                                nullptr, static_cast<int>(m_session->sparsifiableLayers().size())),
                             6000);
}

void MainWindow::exportMasksWithDialog()
{
    const QFileInfo input(m_session->filePath());
    const QString suggested = QDir(WindowSettings::lastDirectory())
                                  .filePath(input.completeBaseName() + QStringLiteral("_masks.h5"));
    ExportDialog dialog(m_session->currentLayer(),
                        static_cast<int>(m_session->sparsifiableLayers().size()), suggested, this);
    if (const auto scope = m_session->modelScope())
        dialog.setModelScope(tr("level %1 %, each layer between %2 % and %3 %")
                                 .arg(scope->level * 100.0, 0, 'f', 1)
                                 .arg(scope->bounds.minLevel * 100.0, 0, 'f', 1)
                                 .arg(scope->bounds.maxLevel * 100.0, 0, 'f', 1));
    if (dialog.exec() != QDialog::Accepted)
        return;
    WindowSettings::setLastDirectory(dialog.outputPath());
    exportMasks(dialog.outputPath(), dialog.allLayers());
}

void MainWindow::exportMasks(const QString& outputPath, bool allLayers)
{
    if (m_export->isBusy() || m_session->filePath().isEmpty())
        return;
    const core::ExportRequest request =
        MaskExportFlow::requestFor(*m_session, outputPath, allLayers);
    if (request.layers.empty()) {
        showErrorDialog(this, tr("The masks were not exported"),
                        tr("No layer to export was chosen."));
        return;
    }
    m_export->start(request);
}

void MainWindow::exportPrunedWithDialog()
{
    // The source's own format, so its own suffix: weights.h5 -> weights_pruned.h5 (a sharded
    // checkpoint's index keeps its whole ".safetensors.index.json"). The demo's copy is a real
    // digits.h5, whereas its display name carries a " (demo)" that is no part of a file name.
    const QFileInfo input(m_session->filePath());
    const QString name = input.fileName();
    const qsizetype dot = name.endsWith(QLatin1String(".safetensors.index.json"))
                              ? name.size() - qsizetype(qstrlen(".safetensors.index.json"))
                              : name.lastIndexOf(QLatin1Char('.'));
    const QString suggested =
        QDir(WindowSettings::lastDirectory())
            .filePath(name.left(dot > 0 ? dot : name.size()) + QStringLiteral("_pruned") +
                      (dot > 0 ? name.mid(dot) : QString()));
    const QString output = QFileDialog::getSaveFileName(
        this, tr("Export Pruned Weights"), suggested, QString(), nullptr,
        QFileDialog::DontConfirmOverwrite); // the export asks, once it knows the file exists
    if (output.isEmpty())
        return;
    WindowSettings::setLastDirectory(output);
    exportPrunedWeights(output);
}

void MainWindow::exportPrunedWeights(const QString& outputPath)
{
    if (m_prunedExport->isBusy() || m_session->filePath().isEmpty())
        return;
    const core::ApplyRequest request = PrunedExportFlow::requestFor(*m_session, outputPath);
    if (request.masks.layers.empty()) {
        showErrorDialog(this, tr("The pruned weights were not exported"),
                        tr("The file has no layer that can be pruned."));
        return;
    }
    m_prunedExport->start(request);
}

void MainWindow::exportImageWithDialog()
{
    const QString layer =
        m_session->currentLayer().mid(1).replace(QLatin1Char('/'), QLatin1Char('_'));
    const QString suggested =
        QDir(WindowSettings::lastDirectory()).filePath(layer + QStringLiteral(".png"));
    const auto source = m_layerView->heatmap()->source();
    const QSize field = source ? source->fieldSize() : QSize();
    const QImage preview =
        ImageExportFlow::composeAsShown(*m_layerView, QImage(), QRectF(), imageTitle());
    ImageExportDialog dialog(field, preview.size(), suggested, this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    WindowSettings::setLastDirectory(dialog.outputPath());
    exportImage(dialog.outputPath(), dialog.mode() == ImageExportFlow::Mode::AsShown);
}

void MainWindow::copyAsPytorch()
{
    if (m_session->currentLayer().isEmpty())
        return;
    const QString maskFile =
        !m_lastMaskFile.isEmpty()
            ? m_lastMaskFile
            : QDir(WindowSettings::lastDirectory())
                  .filePath(QFileInfo(m_session->filePath()).completeBaseName() +
                            QStringLiteral("_masks.h5"));
    QGuiApplication::clipboard()->setText(
        core::pytorchScript(pytorchScriptRequest(*m_session, maskFile)));
    statusBar()->showMessage(
        tr("Copied a PyTorch script for %1, comparing with %2")
            .arg(m_session->currentLayer(), QDir::toNativeSeparators(maskFile)),
        8000);
}

void MainWindow::exportImage(const QString& outputPath, bool asShown)
{
    const QString input = m_session->filePath();
    if (asShown)
        m_imageExport->startAsShown(m_layerView, imageTitle(), outputPath, input);
    else
        m_imageExport->startOnePixelPerWeight(m_layerView->heatmap()->source(), outputPath, input);
    scheduleBusyCheck();
}

QString MainWindow::imageTitle() const
{
    const std::shared_ptr<const LayerSnapshot> snapshot = m_layerView->shownSnapshot();
    const QString file =
        m_session->isDemo() ? DemoFile::displayName() : QFileInfo(m_session->filePath()).fileName();
    if (!snapshot)
        return file;
    return tr("%1 · %2 · %3, level %4 % (achieved %5 %) · %6")
        .arg(file, m_session->currentLayer(),
             core::describeConfiguration(core::Configuration::of(snapshot->params)))
        .arg(snapshot->params.level * 100.0, 0, 'f', 1)
        .arg(snapshot->stats.achievedSparsity * 100.0, 0, 'f', 1)
        .arg(m_layerView->kindName());
}

bool MainWindow::isIdle() const
{
    return !m_session->isBusy() && !m_layerView->isBusy() && !m_histogram->isBusy() &&
           !m_export->isRunning() && !m_imageExport->isRunning() && !m_prunedExport->isRunning() &&
           !(m_curves && m_curves->isBusy()) && !m_compare->isBusy() &&
           !(m_modelView && m_modelView->isBusy());
}

QStringList MainWindow::recentFiles()
{
    return RecentFiles::files();
}

void MainWindow::updateTitle()
{
    const QString file = m_session->filePath().isEmpty()
                             ? QString()
                             : (m_session->isDemo() ? tr("digits.h5 (demo)")
                                                    : QFileInfo(m_session->filePath()).fileName());
    QString title = file;
    if (!m_session->currentLayer().isEmpty())
        title += QStringLiteral(": ") + m_session->currentLayer();
    setWindowTitle(title.isEmpty() ? tr("Sparsity Explorer") : title + tr(" — Sparsity Explorer"));
}

void MainWindow::updateActions()
{
    const bool layer = !m_session->currentLayer().isEmpty();
    m_actions->exportMasks()->setEnabled(!m_session->filePath().isEmpty() &&
                                         !m_export->isRunning());
    m_actions->exportPruned()->setEnabled(!m_session->filePath().isEmpty() &&
                                          !m_prunedExport->isRunning());
    m_actions->exportImage()->setEnabled(layer && m_layerView->shownSnapshot() != nullptr);
    m_actions->applyToAllLayers()->setEnabled(layer && !m_session->modelScope());
    m_actions->copyAsPytorch()->setEnabled(layer);
    m_actions->pinMask()->setEnabled(layer && m_session->snapshot() != nullptr);
    m_parameters->setEnabled(layer);
}

void MainWindow::scheduleBusyCheck()
{
    if (!m_busyTimer->isActive())
        m_busyTimer->start();
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    m_export->cancel();
    m_prunedExport->cancel();
    m_imageExport->cancel();
    if (m_persistent) {
        m_sessionFlow->saveLastSession();
        WindowSettings::save(*this, *m_layerView);
        QSettings settings;
        m_curves->saveSettings(settings);
    }
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    if (!urls.isEmpty() && urls.first().isLocalFile())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    if (urls.isEmpty() || !urls.first().isLocalFile())
        return;
    event->acceptProposedAction();
    openFile(urls.first().toLocalFile());
}

namespace {

const std::array<std::pair<LayerView::Kind, const char*>, 4> viewKindNames{{
    {LayerView::Kind::Weights, "weights"},
    {LayerView::Kind::BlockNorms, "block-norms"},
    {LayerView::Kind::Mask, "mask"},
    {LayerView::Kind::MaskOverWeights, "mask-over-weights"},
}};

} // namespace

SavedSession MainWindow::savedSession() const
{
    SavedSession saved;
    if (m_session->filePath().isEmpty())
        return saved;
    saved.demo = m_session->isDemo();
    if (!saved.demo) {
        saved.filePath = m_session->filePath();
        saved.identity = m_session->fileIdentity();
    }
    saved.currentLayer = m_session->currentLayer();
    const auto& params = m_session->layerParams();
    for (auto it = params.cbegin(); it != params.cend(); ++it)
        saved.layerParams.emplace(it.key(), it.value());
    if (const auto scope = m_session->modelScope()) {
        saved.modelParams = m_session->currentParams();
        saved.modelBounds = scope->bounds;
    }
    for (const auto& [kind, name] : viewKindNames)
        if (kind == m_layerView->kind())
            saved.viewKind = QString::fromLatin1(name);
    return saved;
}

void MainWindow::restoreSession(const SavedSession& saved)
{
    m_pendingSession = saved;
    if (saved.demo)
        openDemo(saved.currentLayer);
    else
        openFile(saved.filePath, saved.currentLayer);
}

void MainWindow::applyPendingSession(QString layer)
{
    // Called once the session's file is open, before any layer is shown.
    const SavedSession saved = *m_pendingSession;
    m_pendingSession.reset();
    const QString name =
        saved.demo ? tr("digits.h5 (demo)") : QFileInfo(m_session->filePath()).fileName();
    QStringList problems;
    if (saved.identity && m_session->fileIdentity() &&
        !(*saved.identity == *m_session->fileIdentity())) {
        // A copy: fileIdentity() returns a temporary optional.
        const core::FileIdentity now = *m_session->fileIdentity();
        problems << (now.device != saved.identity->device || now.inode != saved.identity->inode
                         ? tr("%1 was replaced since the session was saved: the weights may "
                              "differ.")
                         : tr("%1 was modified since the session was saved: the weights may "
                              "differ."))
                        .arg(name);
    }
    QHash<QString, core::SparsityParams> params;
    QStringList gone;
    for (const auto& [path, layerParams] : saved.layerParams) {
        const auto info = m_session->info(path);
        if (info && info->canSparsifyWhenNamed())
            params.insert(info->path, layerParams);
        else
            gone << path;
    }
    if (!gone.isEmpty())
        problems << tr("%n layer(s) of the session are not in the file any more: %1", nullptr,
                       int(gone.size()))
                        .arg(gone.join(QStringLiteral(", ")));
    if (!layer.isEmpty()) {
        const auto info = m_session->info(layer);
        if (!info || !info->canSparsifyWhenNamed()) {
            problems << tr("The layer %1 cannot be shown any more.").arg(layer);
            layer.clear();
        }
    }
    if (layer.isEmpty())
        layer = m_session->defaultLayer();
    if (saved.modelParams && !layer.isEmpty())
        params.insert(core::normalizeDatasetPath(layer), *saved.modelParams);
    m_session->restoreLayerParams(params);
    if (!layer.isEmpty())
        m_session->selectLayer(layer);
    if (saved.modelBounds || m_session->modelScope()) {
        m_parameters->setModelScope(saved.modelBounds);
        onScopeChanged(saved.modelBounds);
    }
    for (const auto& [kind, kindName] : viewKindNames)
        if (saved.viewKind == QLatin1String(kindName))
            m_layerView->setKind(kind);
    const QString summary =
        tr("Restored the session on %1: %n layer(s) with parameters of their own%2.", nullptr,
           int(saved.layerParams.size() - std::size_t(gone.size())))
            .arg(name, saved.modelBounds ? tr(", model scope") : QString());
    Q_EMIT sessionRestored(summary, problems);
}

} // namespace sparsity::ui
