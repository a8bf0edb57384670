#pragma once

#include "session/savedsession.h"

#include <QMainWindow>
#include <memory>
#include <optional>

class QLabel;
class QTimer;

namespace sparsity::ui {

class ComparePanel;
class CurvesPanel;
class DockWidthKeeper;
class HoverReadout;
class ImageExportFlow;
class LayerBrowser;
class LayerView;
class LearnPanel;
class MainWindowActions;
class MaskExportFlow;
class PrunedExportFlow;
class ModelView;
class NormHistogramPanel;
class ParameterPanel;
class Session;
class SessionFlow;
class StatsPanel;
struct LayerSnapshot;

// The application window: the file's layers, the parameter panel, the heatmap views, the
// block-norm histogram and the statistics of one session, with file and view actions. The
// dialogs call the public functions, so tests and the command line drive the same paths.
// UI thread only.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Restores geometry, docks and view choices and saves them on close (off for screenshots
    // and tests, which want a known layout).
    void restoreSettings();

    // Opens a file (async); selects `layer` once it is read, else the default layer. Errors
    // show a dialog and keep the current file.
    void openFile(const QString& path, const QString& layer = {});
    void openDemo(const QString& layer = {});
    // Writes the masks of the current layer or of all sparsifiable layers (in model scope
    // always all, as MaskExportFlow::requestFor says); progress in a
    // cancellable dialog. The checks on the output run on the I/O thread: an existing output
    // brings a question (objectName "overwriteQuestion"), answered Yes it runs again allowed
    // to replace it. Ends with masksExported (written false when refused or cancelled).
    void exportMasks(const QString& outputPath, bool allLayers);
    // File > Export Pruned Weights to outputPath: every sparsifiable layer pruned with its
    // parameters (PrunedExportFlow); ends with prunedWeightsExported.
    void exportPrunedWeights(const QString& outputPath);
    // Writes the current view as PNG: one pixel per element, or as shown (screen resolution,
    // title, colorbar and legend). Progress in a cancellable dialog ("imageExportProgress");
    // the file appears complete or not at all. Ends with imageExported.
    void exportImage(const QString& outputPath, bool asShown = false);
    // The title of an image "as shown": file, layer, configuration and view.
    QString imageTitle() const;

    // No file, layer, mask, source, image, histogram or export work left.
    bool isIdle() const;
    Session* session() const { return m_session; }
    LayerView* layerView() const { return m_layerView; }
    CurvesPanel* curvesPanel() const { return m_curves; }
    ComparePanel* comparePanel() const { return m_compare; }
    ModelView* modelView() const { return m_modelView; }
    LearnPanel* learnPanel() const { return m_learn; }

    static QStringList recentFiles();

    // The session as a file keeps it (nothing when no file is open: filePath empty, not demo).
    SavedSession savedSession() const;
    // Opens the session's file (async) and, once it is open, gives its layers their
    // parameters, the scope and the view back; sessionRestored says what came back and what
    // did not (a layer gone, the file changed since).
    void restoreSession(const SavedSession& saved);
    SessionFlow* sessionFlow() const { return m_sessionFlow; }
    DockWidthKeeper* dockWidths() const { return m_dockWidths; }

    // View > Language: installs the translation of `code` (Language::codes()), retranslates the
    // window and remembers the choice for the next start.
    void setLanguage(const QString& code);

Q_SIGNALS:
    void masksExported(const QString& path, bool written);
    void imageExported(const QString& path, bool written);
    void prunedWeightsExported(const QString& path, bool written);
    // `problems` is empty when everything came back as saved.
    void sessionRestored(const QString& summary, const QStringList& problems);

protected:
    void closeEvent(QCloseEvent* event) override;
    void changeEvent(QEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    // Every text the window sets itself (docks, status bar, title, actions); the widgets in it
    // retranslate on their own LanguageChange event.
    void retranslate();
    void connectActions();
    void createDocks();
    void connectSession();
    void connectModelView();
    void updateModelViewActive();
    void openWithDialog();
    void exportMasksWithDialog();
    void exportImageWithDialog();
    void exportPrunedWithDialog();
    // Edit > Copy as PyTorch: the current layer's script on the clipboard, comparing with the
    // last mask file exported from this file, else the path Export Masks suggests.
    void copyAsPytorch();
    void onFileOpened(const QString& path);
    void onLayerSelected(const QString& datasetPath);
    void onSnapshot(const std::shared_ptr<const LayerSnapshot>& snapshot);
    void applyToAllLayers();
    void updateTitle();
    void updateActions();
    void scheduleBusyCheck();
    void createCompareAndCurves();
    void createLearnDock();
    void updateComparison();
    void onScopeChanged(std::optional<core::ModelBounds> bounds);
    // Small pieces of the rough-edges round: context menus, dock widths, the session banner.
    void createConveniences();
    void fitLayersDock();
    void applyPendingSession(QString layer);

    Session* m_session;
    MaskExportFlow* m_export;
    ImageExportFlow* m_imageExport;
    PrunedExportFlow* m_prunedExport;
    LayerBrowser* m_browser;
    ParameterPanel* m_parameters;
    StatsPanel* m_stats;
    LayerView* m_layerView;
    NormHistogramPanel* m_histogram;
    HoverReadout* m_hover;
    CurvesPanel* m_curves;
    ComparePanel* m_compare;
    ModelView* m_modelView;
    LearnPanel* m_learn = nullptr;
    MainWindowActions* m_actions = nullptr;
    DockWidthKeeper* m_dockWidths = nullptr;
    SessionFlow* m_sessionFlow = nullptr;
    std::optional<SavedSession> m_pendingSession; // restored once its file is open
    QLabel* m_busyLabel;
    QTimer* m_busyTimer;
    QString m_pendingLayer; // chosen for the file being opened
    QString m_lastMaskFile; // the last mask file written from the open file
    bool m_persistent = false;
    bool m_modelViewShown = false; // the model dock is open and its tab in front
};

} // namespace sparsity::ui
