#pragma once

#include <QObject>
#include <array>

class QAction;
class QMainWindow;
class QMenu;
class QToolBar;

namespace sparsity::ui {

class LayerView;
class RecentFiles;

// The main window's menus, toolbar and actions with their texts, shortcuts and icons. The view
// actions drive the LayerView and Quit closes the window; the window connects the rest to its
// own work. UI thread only.
class MainWindowActions final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindowActions)

public:
    // Fills the menu bar and adds the toolbar of `window`; `view` must outlive this object.
    MainWindowActions(LayerView* view, QMainWindow* window);

    QAction* open() const { return m_open; }
    QAction* openDemo() const { return m_openDemo; }
    QAction* exportMasks() const { return m_exportMasks; }
    QAction* exportImage() const { return m_exportImage; }
    QAction* exportPruned() const { return m_exportPruned; }
    QAction* applyToAllLayers() const { return m_applyToAll; }
    // Edit > Copy as PyTorch: the window puts the script of the current layer on the clipboard.
    QAction* copyAsPytorch() const { return m_copyAsPytorch; }
    // Compare: pin the mask on screen as A, unpin it, show the Compare A/B view.
    QAction* pinMask() const { return m_pinMask; }
    QAction* unpinMask() const { return m_unpinMask; }
    QAction* compareView() const { return m_compareView; }
    // File > Open Recent; its openRequested names the file chosen.
    RecentFiles* recentFiles() const { return m_recentFiles; }
    // File menu: the session actions go in before Export Masks.
    QMenu* fileMenu() const { return m_fileMenu; }
    // View menu: the window adds its docks' toggles at the end.
    QMenu* viewMenu() const { return m_viewMenu; }
    // Help menu: the window adds its guides before About.
    QMenu* helpMenu() const { return m_helpMenu; }
    // View > Language; its actions are checkable, one per Language::codes().
    QMenu* languageMenu() const { return m_languageMenu; }

    // Sets every text again in the language now installed (on QEvent::LanguageChange).
    void retranslate();
    // Checks the entry of Language::current().
    void updateLanguageChecks();

Q_SIGNALS:
    // A language chosen in View > Language (a code of Language::codes()).
    void languageRequested(const QString& code);

private:
    void createActions();
    void createMenus();
    void createLanguageMenu();
    void showAbout();

    QMainWindow* m_window;
    LayerView* m_view;
    RecentFiles* m_recentFiles = nullptr;
    QMenu* m_viewMenu = nullptr;
    QMenu* m_fileMenu = nullptr;
    QMenu* m_helpMenu = nullptr;
    QMenu* m_recentMenu = nullptr;
    QMenu* m_editMenu = nullptr;
    QMenu* m_layerMenu = nullptr;
    QMenu* m_languageMenu = nullptr;
    QToolBar* m_toolBar = nullptr;
    std::array<QAction*, 4> m_kinds{}; // |Weights|, Block Norms, Mask, Mask over Weights
    QAction* m_open = nullptr;
    QAction* m_openDemo = nullptr;
    QAction* m_exportMasks = nullptr;
    QAction* m_exportImage = nullptr;
    QAction* m_exportPruned = nullptr;
    QAction* m_quit = nullptr;
    QAction* m_zoomIn = nullptr;
    QAction* m_zoomOut = nullptr;
    QAction* m_fit = nullptr;
    QAction* m_oneToOne = nullptr;
    QAction* m_log = nullptr;
    QAction* m_applyToAll = nullptr;
    QAction* m_copyAsPytorch = nullptr;
    QAction* m_pinMask = nullptr;
    QAction* m_unpinMask = nullptr;
    QAction* m_compareView = nullptr;
    QAction* m_about = nullptr;
};

} // namespace sparsity::ui
