#pragma once

#include <QAbstractTableModel>
#include <QSortFilterProxyModel>

namespace sparsity::ui {

class ModelRankings;

// The Model view's table: one row per layer of the model (path, shape, parameters, blocks,
// pruned blocks, achieved sparsity, retained energy and L1 at the current level and scope) and
// a last row of totals (core::combineStats). Numbers not known yet (a layer not ranked, model
// scope before every layer is) show as "…", never as another level's. UI thread only.
class ModelTableModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ModelTableModel)

public:
    enum Column
    {
        Path,
        Shape,
        Parameters,
        Blocks,
        Pruned,
        Sparsity,
        Energy,
        L1,
        ColumnCount
    };
    enum Role
    {
        SortRole = Qt::UserRole, // a number for numeric columns, the path for Path
        DatasetPathRole,         // empty for the totals row
        TotalsRole,              // true for the totals row
        ValueRole,               // the exact double or integer shown, invalid while unknown
    };

    explicit ModelTableModel(ModelRankings* rankings, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    // Every text again in the language now installed (they are made when asked for).
    void retranslate();

private:
    QVariant value(int row, int column) const;
    QString text(int row, int column) const;
    QString toolTip(int row, int column) const;
    bool isTotals(int row) const;
    void refreshAll();

    ModelRankings* m_rankings;
};

// Sorts the table by the numbers (SortRole), keeping the totals row last in either order.
class ModelSortProxy final : public QSortFilterProxyModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ModelSortProxy)

public:
    explicit ModelSortProxy(QObject* parent = nullptr);

protected:
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;
};

} // namespace sparsity::ui
