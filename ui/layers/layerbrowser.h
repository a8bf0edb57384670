#pragma once

#include "io/datasetinfo.h"

#include <QWidget>
#include <vector>

class QLineEdit;
class QSortFilterProxyModel;
class QTreeView;

namespace sparsity::ui {

class LayerTreeModel;

// The file's tree with a name filter; choosing an enabled dataset asks for it to be shown.
// UI thread only.
class LayerBrowser final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LayerBrowser)

public:
    explicit LayerBrowser(QWidget* parent = nullptr);

    void setTree(const std::vector<core::DatasetInfo>& entries);
    // Marks the shown layer without emitting layerActivated.
    void setCurrentLayer(const QString& datasetPath);
    LayerTreeModel* model() const { return m_model; }
    QTreeView* view() const { return m_view; }

Q_SIGNALS:
    void layerActivated(const QString& datasetPath);

private:
    void onCurrentChanged(const QModelIndex& current);

    LayerTreeModel* m_model;
    QSortFilterProxyModel* m_proxy;
    QLineEdit* m_filter;
    QTreeView* m_view;
    bool m_settingCurrent = false;
};

} // namespace sparsity::ui
