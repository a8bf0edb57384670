#include "mainwindowactions.h"

#include "heatmap/heatmapview.h"
#include "language.h"
#include "layerview.h"
#include "recentfiles.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QMainWindow>
#include <QMenuBar>
#include <QMessageBox>
#include <QStyle>
#include <QToolBar>
#include <array>

namespace sparsity::ui {
namespace {

QIcon themeIcon(const QString& name, QStyle::StandardPixmap fallback)
{
    return QIcon::fromTheme(name, QApplication::style()->standardIcon(fallback));
}

} // namespace

MainWindowActions::MainWindowActions(LayerView* view, QMainWindow* window)
    : QObject(window)
    , m_window(window)
    , m_view(view)
{
    createActions();
    createMenus();
    retranslate();
}

void MainWindowActions::retranslate()
{
    m_fileMenu->setTitle(tr("&File"));
    m_recentMenu->setTitle(tr("Open &Recent"));
    m_editMenu->setTitle(tr("&Edit"));
    m_viewMenu->setTitle(tr("&View"));
    m_languageMenu->setTitle(tr("&Language"));
    m_layerMenu->setTitle(tr("&Layer"));
    m_helpMenu->setTitle(tr("&Help"));
    m_toolBar->setWindowTitle(tr("Main"));

    m_open->setText(tr("&Open…"));
    m_open->setStatusTip(tr("Open a file of weights (HDF5, safetensors, NumPy .npy or .npz)"));
    m_openDemo->setText(tr("Open &Demo Weights"));
    m_openDemo->setStatusTip(tr("The small MLP and CNN trained on the digits data set"));
    m_exportMasks->setText(tr("&Export Masks…"));
    m_exportMasks->setStatusTip(tr("Write the masks to an HDF5 or safetensors file"));
    m_exportPruned->setText(tr("Export &Pruned Weights…"));
    m_exportPruned->setStatusTip(tr(
        "Write a copy of the weights, in their own format, with the pruned weights set to zero"));
    m_exportImage->setText(tr("Export &Image…"));
    m_exportImage->setStatusTip(tr("Save the current view as PNG, one pixel per weight"));
    m_quit->setText(tr("&Quit"));
    m_zoomIn->setText(tr("Zoom &In"));
    m_zoomOut->setText(tr("Zoom &Out"));
    m_fit->setText(tr("&Fit to Window"));
    m_oneToOne->setText(tr("&Actual Size (1:1)"));
    m_log->setText(tr("&Logarithmic Scale"));
    m_pinMask->setText(tr("&Pin Mask as A"));
    m_pinMask->setStatusTip(tr("Keep the mask on screen as A, to compare with the next ones"));
    m_unpinMask->setText(tr("&Unpin A"));
    m_applyToAll->setText(tr("Apply Parameters to &All Layers"));
    m_copyAsPytorch->setText(tr("Copy as &PyTorch"));
    m_copyAsPytorch->setStatusTip(
        tr("Copy a Python script that rebuilds this layer's mask with PyTorch's "
           "WeightNormSparsifier and compares it with the exported mask"));
    m_about->setText(tr("&About Sparsity Explorer"));
    const std::array<QString, 4> kinds{tr("|&Weights|"), tr("&Block Norms"), tr("&Mask"),
                                       tr("Mask &over Weights")};
    for (std::size_t i = 0; i < kinds.size(); ++i)
        m_kinds[i]->setText(kinds[i]);
    m_compareView->setText(tr("&Compare A/B"));
}

void MainWindowActions::createLanguageMenu()
{
    // View > Language: each language named in itself. The window switches (Language::apply)
    // and every widget retranslates on the LanguageChange event that follows.
    m_languageMenu = m_viewMenu->addMenu(QString());
    m_languageMenu->setObjectName(QStringLiteral("languageMenu"));
    auto* group = new QActionGroup(m_languageMenu);
    for (const QString& code : Language::codes()) {
        QAction* action = m_languageMenu->addAction(Language::nativeName(code));
        action->setObjectName(QStringLiteral("language_") + code);
        action->setData(code);
        action->setCheckable(true);
        action->setChecked(code == Language::current());
        group->addAction(action);
        connect(action, &QAction::triggered, this,
                [this, code] { Q_EMIT languageRequested(code); });
    }
}

void MainWindowActions::updateLanguageChecks()
{
    for (QAction* action : m_languageMenu->actions())
        action->setChecked(action->data().toString() == Language::current());
}

void MainWindowActions::createActions()
{
    // The window owns the actions, as it owns the menus and the toolbar showing them.
    m_open = new QAction(themeIcon(QStringLiteral("document-open"), QStyle::SP_DialogOpenButton),
                         QString(), m_window);
    m_open->setShortcut(QKeySequence::Open);
    m_open->setObjectName(QStringLiteral("openAction"));

    m_openDemo = new QAction(m_window);

    m_exportMasks =
        new QAction(themeIcon(QStringLiteral("document-save-as"), QStyle::SP_DialogSaveButton),
                    QString(), m_window);
    m_exportMasks->setObjectName(QStringLiteral("exportMasksAction"));
    m_exportMasks->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));

    m_exportPruned = new QAction(m_window);
    m_exportPruned->setObjectName(QStringLiteral("exportPrunedAction"));

    m_exportImage = new QAction(themeIcon(QStringLiteral("image-x-generic"), QStyle::SP_FileIcon),
                                QString(), m_window);
    m_exportImage->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));

    m_quit = new QAction(m_window);
    m_quit->setShortcut(QKeySequence::Quit);
    m_quit->setMenuRole(QAction::QuitRole);
    connect(m_quit, &QAction::triggered, m_window, &QWidget::close);

    HeatmapView* heatmap = m_view->heatmap();
    m_zoomIn =
        new QAction(themeIcon(QStringLiteral("zoom-in"), QStyle::SP_ArrowUp), QString(), m_window);
    m_zoomIn->setShortcuts({QKeySequence::ZoomIn, QKeySequence(Qt::CTRL | Qt::Key_Equal)});
    connect(m_zoomIn, &QAction::triggered, heatmap, &HeatmapView::zoomIn);
    m_zoomOut = new QAction(themeIcon(QStringLiteral("zoom-out"), QStyle::SP_ArrowDown), QString(),
                            m_window);
    m_zoomOut->setShortcut(QKeySequence::ZoomOut);
    connect(m_zoomOut, &QAction::triggered, heatmap, &HeatmapView::zoomOut);
    m_fit = new QAction(themeIcon(QStringLiteral("zoom-fit-best"), QStyle::SP_TitleBarMaxButton),
                        QString(), m_window);
    m_fit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_0));
    connect(m_fit, &QAction::triggered, heatmap, &HeatmapView::fitToWindow);
    m_oneToOne =
        new QAction(themeIcon(QStringLiteral("zoom-original"), QStyle::SP_TitleBarNormalButton),
                    QString(), m_window);
    m_oneToOne->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_1));
    connect(m_oneToOne, &QAction::triggered, heatmap, &HeatmapView::zoomOneToOne);

    m_log = new QAction(m_window);
    m_log->setCheckable(true);
    m_log->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    connect(m_log, &QAction::toggled, m_view, &LayerView::setLogarithmic);
    connect(m_view, &LayerView::displayChanged, this, [this] {
        const QSignalBlocker blocker(m_log);
        m_log->setChecked(m_view->isLogarithmic());
        m_log->setEnabled(m_view->kind() != LayerView::Kind::Mask &&
                          m_view->kind() != LayerView::Kind::Compare);
    });

    m_pinMask = new QAction(m_window);
    m_pinMask->setObjectName(QStringLiteral("pinMaskAction"));
    m_pinMask->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P));
    m_unpinMask = new QAction(m_window);
    m_unpinMask->setObjectName(QStringLiteral("unpinMaskAction"));

    m_applyToAll = new QAction(m_window);
    m_applyToAll->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_A));

    m_copyAsPytorch = new QAction(m_window);
    m_copyAsPytorch->setObjectName(QStringLiteral("copyAsPytorchAction"));

    m_about = new QAction(m_window);
    m_about->setMenuRole(QAction::AboutRole);
    connect(m_about, &QAction::triggered, this, &MainWindowActions::showAbout);
}

void MainWindowActions::createMenus()
{
    QMenuBar* menuBar = m_window->menuBar();
    QMenu* file = menuBar->addMenu(QString());
    m_fileMenu = file;
    file->addAction(m_open);
    QMenu* recentMenu = file->addMenu(QString());
    m_recentMenu = recentMenu;
    recentMenu->setObjectName(QStringLiteral("recentMenu"));
    m_recentFiles = new RecentFiles(recentMenu, this);
    file->addAction(m_openDemo);
    file->addSeparator();
    file->addAction(m_exportMasks);
    file->addAction(m_exportPruned);
    file->addAction(m_exportImage);
    file->addSeparator();
    file->addAction(m_quit);

    QMenu* edit = menuBar->addMenu(QString());
    m_editMenu = edit;
    edit->setObjectName(QStringLiteral("editMenu"));
    edit->addAction(m_copyAsPytorch);

    m_viewMenu = menuBar->addMenu(QString());
    m_viewMenu->addAction(m_zoomIn);
    m_viewMenu->addAction(m_zoomOut);
    m_viewMenu->addAction(m_fit);
    m_viewMenu->addAction(m_oneToOne);
    m_viewMenu->addSeparator();
    for (int i = 0; i < int(m_kinds.size()); ++i) {
        auto* action = m_viewMenu->addAction(QString());
        m_kinds[std::size_t(i)] = action;
        action->setShortcut(QKeySequence(Qt::ALT | static_cast<Qt::Key>(Qt::Key_1 + i)));
        connect(action, &QAction::triggered, this,
                [this, i] { m_view->setKind(static_cast<LayerView::Kind>(i)); });
    }
    m_compareView = m_viewMenu->addAction(QString());
    m_compareView->setObjectName(QStringLiteral("compareViewAction"));
    m_compareView->setShortcut(QKeySequence(Qt::ALT | Qt::Key_5));
    m_compareView->setEnabled(false);
    connect(m_compareView, &QAction::triggered, this,
            [this] { m_view->setKind(LayerView::Kind::Compare); });
    m_viewMenu->addAction(m_log);
    m_viewMenu->addSeparator();
    m_viewMenu->addAction(m_pinMask);
    m_viewMenu->addAction(m_unpinMask);
    m_viewMenu->addSeparator();
    createLanguageMenu();
    m_viewMenu->addSeparator();

    QMenu* layer = menuBar->addMenu(QString());
    m_layerMenu = layer;
    layer->addAction(m_applyToAll);

    m_helpMenu = menuBar->addMenu(QString());
    m_helpMenu->addAction(m_about);

    QToolBar* tools = m_window->addToolBar(QString());
    m_toolBar = tools;
    tools->setObjectName(QStringLiteral("mainToolBar"));
    tools->setMovable(false);
    tools->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    tools->addAction(m_open);
    tools->addAction(m_exportMasks);
    tools->addAction(m_exportImage);
    tools->addSeparator();
    tools->addAction(m_zoomIn);
    tools->addAction(m_zoomOut);
    tools->addAction(m_fit);
    tools->addAction(m_oneToOne);
}

void MainWindowActions::showAbout()
{
    QMessageBox::about(
        m_window, tr("About Sparsity Explorer"),
        tr("<h3>Sparsity Explorer %1</h3>"
           "<p>Shows what block weight sparsity does to a layer: the blocks with the smallest "
           "norms are pruned, as PyTorch's WeightNormSparsifier does. Masks are exported to "
           "HDF5 for use in training or inference.</p>")
            .arg(QStringLiteral(SPARSITY_VERSION)));
}

} // namespace sparsity::ui
