#pragma once

#include "io/datasetinfo.h"

#include <QAbstractItemModel>
#include <memory>
#include <vector>

namespace sparsity::ui {

// The tree of an HDF5 file: groups, and datasets with shape, type and size. Datasets that
// cannot be sparsified are disabled, with the reason as their tooltip. UI thread only.
class LayerTreeModel final : public QAbstractItemModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LayerTreeModel)

public:
    enum Column
    {
        NameColumn,
        ShapeColumn,
        TypeColumn,
        SizeColumn,
        ColumnCount
    };
    enum Role
    {
        DatasetPathRole = Qt::UserRole + 1, // QString: the entry's absolute path
        SparsifiableRole,                   // bool: in the default selection
    };

    explicit LayerTreeModel(QObject* parent = nullptr);
    ~LayerTreeModel() override;

    // Replaces the tree with a file's listing (TensorReader::listTree order).
    void setTree(const std::vector<core::DatasetInfo>& entries);
    QModelIndex indexOfPath(const QString& path) const;

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;

private:
    struct Node;
    Node* nodeOf(const QModelIndex& index) const;

    std::unique_ptr<Node> m_root;
};

} // namespace sparsity::ui
