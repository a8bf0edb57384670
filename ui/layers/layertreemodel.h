#pragma once

#include "io/datasetinfo.h"

#include <QAbstractItemModel>
#include <QHash>
#include <QIcon>
#include <memory>
#include <vector>

namespace sparsity::ui {

// The tree of an HDF5 file: groups, and datasets with shape, type and size. Datasets that
// cannot be sparsified are disabled, with the reason as their tooltip. With grouping by dots,
// a dataset named like a PyTorch state_dict key ("encoder.layers.0.weight") is shown under
// prefix groups ("encoder" > "layers" > "0"), which exist in the view only. UI thread only.
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
        FilterTextRole,  // QString: what the name filter matches (the path, or a dot prefix)
        SortKeyRole,     // the column's value to sort by (names, element counts, bytes)
        PrefixGroupRole, // bool: a group made of a dotted name's prefix, not in the file
    };

    explicit LayerTreeModel(QObject* parent = nullptr);
    ~LayerTreeModel() override;

    // Replaces the tree with a file's listing (TensorReader::listTree order).
    void setTree(const std::vector<core::DatasetInfo>& entries);
    // Splits dotted dataset names into prefix groups (rebuilds the tree).
    void setGroupByDots(bool group);
    bool groupByDots() const { return m_groupByDots; }
    // The row of a dataset or group of the file (not of a prefix group); invalid if none.
    QModelIndex indexOfPath(const QString& path) const;
    // Orders names as people count: digit runs as numbers ("layers.2" < "layers.10"), letters
    // without case first. Negative, zero (same string) or positive.
    static int naturalCompare(const QString& a, const QString& b);

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
    void rebuild();

    std::unique_ptr<Node> m_root;
    std::vector<core::DatasetInfo> m_entries;
    QHash<QString, Node*> m_byPath; // entries of the file (and implicit parents) by path
    bool m_groupByDots = false;
    // The style's folder and file icons, asked for once: QStyle::standardIcon builds a new icon
    // from PNG files on every call, and the view asks for every row's icon to size and paint
    // it (about half a second of UI-thread CPU when a 121-layer file opened).
    mutable QIcon m_groupIcon;
    mutable QIcon m_datasetIcon;
};

} // namespace sparsity::ui
