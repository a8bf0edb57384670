#pragma once

#include "io/datasetinfo.h"

#include <QWidget>
#include <vector>

class QAction;
class QLineEdit;
class QMenu;
class QSortFilterProxyModel;
class QToolButton;
class QTreeView;

namespace sparsity::ui {

class LayerTreeModel;

// The file's tree with a name filter, sorted in natural order (layers.2 before layers.10),
// optionally grouping dotted state_dict names; choosing an enabled dataset asks for it to be
// shown. Its context menu copies a path or shape, shows a layer or asks to export its mask;
// Ctrl+C copies the current row's path. UI thread only.
class LayerBrowser final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LayerBrowser)

public:
    explicit LayerBrowser(QWidget* parent = nullptr);

    void setTree(const std::vector<core::DatasetInfo>& entries);
    // Marks the shown layer without emitting layerActivated.
    void setCurrentLayer(const QString& datasetPath);
    // Splits "encoder.layers.0.weight" into groups; the choice is kept in QSettings.
    void setGroupByDots(bool group);
    bool groupByDots() const;
    // The width at which every expanded name and every column shows whole.
    int preferredWidth() const;
    LayerTreeModel* model() const { return m_model; }
    QTreeView* view() const { return m_view; }
    // The context menu for a row of the view (a proxy index; invalid: the empty area).
    // Exposed so tests can trigger its actions without a popup.
    QMenu* createContextMenu(const QModelIndex& index, QWidget* parent);

Q_SIGNALS:
    void layerActivated(const QString& datasetPath);
    // The context menu's Export Mask: the window shows this layer and opens the export.
    void exportRequested(const QString& datasetPath);

protected:
    void changeEvent(QEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    void retranslate();
    void updateTypeColumn();
    void onCurrentChanged(const QModelIndex& current);
    void copyCurrentPath();

    LayerTreeModel* m_model;
    QSortFilterProxyModel* m_proxy;
    QLineEdit* m_filter;
    QToolButton* m_groupButton;
    QTreeView* m_view;
    QAction* m_copyAction = nullptr; // Copy Path (Ctrl+C in the tree)
    bool m_settingCurrent = false;
};

} // namespace sparsity::ui
