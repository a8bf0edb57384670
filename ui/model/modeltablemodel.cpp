#include "modeltablemodel.h"

#include "modelrankings.h"

#include <QFont>
#include <QLocale>
#include <QPalette>
#include <cmath>

namespace sparsity::ui {
namespace {

QString count(std::int64_t value)
{
    return QLocale().toString(static_cast<qlonglong>(value));
}

QString percent(double fraction)
{
    if (!std::isfinite(fraction))
        return ModelTableModel::tr("n/a");
    return QLocale().toString(fraction * 100.0, 'f', 2) + QStringLiteral(" %");
}

const QString unknown = QStringLiteral("…");

} // namespace

ModelTableModel::ModelTableModel(ModelRankings* rankings, QObject* parent)
    : QAbstractTableModel(parent)
    , m_rankings(rankings)
{
    connect(m_rankings, &ModelRankings::rowsReset, this, [this] {
        beginResetModel();
        endResetModel();
    });
    // A ranked layer changes its row and the totals; the proxy re-sorts on dataChanged.
    connect(m_rankings, &ModelRankings::layerRanked, this, [this](int layer) {
        Q_EMIT dataChanged(index(layer, 0), index(layer, ColumnCount - 1));
        const int totals = rowCount() - 1;
        Q_EMIT dataChanged(index(totals, 0), index(totals, ColumnCount - 1));
    });
    connect(m_rankings, &ModelRankings::countsChanged, this, &ModelTableModel::refreshAll);
}

int ModelTableModel::rowCount(const QModelIndex& parent) const
{
    if (parent.isValid() || m_rankings->layers().empty())
        return 0;
    return static_cast<int>(m_rankings->layers().size()) + 1;
}

int ModelTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

bool ModelTableModel::isTotals(int row) const
{
    return row == static_cast<int>(m_rankings->layers().size());
}

QVariant ModelTableModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const int row = index.row();
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        return text(row, column);
    case Qt::ToolTipRole:
        return toolTip(row, column);
    case Qt::TextAlignmentRole:
        return column == Path || column == Shape ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
                                                 : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::FontRole:
        if (isTotals(row)) {
            QFont font;
            font.setBold(true);
            return font;
        }
        return {};
    case SortRole: {
        if (column == Path)
            return isTotals(row) ? QString()
                                 : m_rankings->layers()[static_cast<std::size_t>(row)].info.path;
        // Unknown numbers sort before every known one.
        const QVariant number = value(row, column);
        return number.isValid() ? number.toDouble() : -1.0;
    }
    case DatasetPathRole:
        return isTotals(row) ? QString()
                             : m_rankings->layers()[static_cast<std::size_t>(row)].info.path;
    case TotalsRole:
        return isTotals(row);
    case ValueRole:
        return value(row, column);
    default:
        return {};
    }
}

QVariant ModelTableModel::value(int row, int column) const
{
    const auto& layers = m_rankings->layers();
    const std::optional<core::MaskStats> stats =
        isTotals(row) ? m_rankings->totals() : m_rankings->stats(row);
    switch (column) {
    case Shape:
    case Parameters: {
        if (!isTotals(row))
            return static_cast<qlonglong>(
                layers[static_cast<std::size_t>(row)].info.elementCount());
        qlonglong total = 0;
        for (const auto& layer : layers)
            total += layer.info.elementCount();
        return total;
    }
    case Blocks: {
        if (!isTotals(row))
            return static_cast<qlonglong>(layers[static_cast<std::size_t>(row)].blocks);
        qlonglong total = 0;
        for (const auto& layer : layers)
            total += layer.blocks;
        return total;
    }
    case Pruned:
        return stats ? QVariant(static_cast<qlonglong>(stats->prunedBlocks)) : QVariant();
    case Sparsity:
        return stats ? QVariant(stats->achievedSparsity) : QVariant();
    case Energy:
        return stats ? QVariant(stats->retainedEnergy) : QVariant();
    case L1:
        return stats ? QVariant(stats->retainedL1) : QVariant();
    default:
        return {};
    }
}

QString ModelTableModel::text(int row, int column) const
{
    const auto& layers = m_rankings->layers();
    if (column == Path)
        return isTotals(row) ? tr("Model (%n layer(s))", nullptr, static_cast<int>(layers.size()))
                             : layers[static_cast<std::size_t>(row)].info.path;
    if (column == Shape)
        return isTotals(row) ? QString() : layers[static_cast<std::size_t>(row)].info.shapeText();
    if (!isTotals(row) && column >= Pruned &&
        !layers[static_cast<std::size_t>(row)].error.isEmpty())
        return tr("error");
    const QVariant number = value(row, column);
    if (!number.isValid())
        return unknown;
    switch (column) {
    case Parameters:
    case Blocks:
        return count(number.toLongLong());
    case Pruned:
        return count(number.toLongLong());
    case Sparsity:
        return percent(number.toDouble());
    case Energy:
    case L1: {
        // Estimated ratios say so: they come from the ranking's chunk sums, not the weights.
        bool exact = true;
        if (isTotals(row)) {
            for (int i = 0; i < static_cast<int>(layers.size()); ++i)
                exact = exact && m_rankings->isExact(i);
        } else {
            exact = m_rankings->isExact(row);
        }
        return (exact ? QString() : QStringLiteral("≈ ")) + percent(number.toDouble());
    }
    default:
        return {};
    }
}

QString ModelTableModel::toolTip(int row, int column) const
{
    if (!isTotals(row)) {
        const auto& layer = m_rankings->layers()[static_cast<std::size_t>(row)];
        if (!layer.error.isEmpty())
            return layer.error;
        if (column == Path)
            return tr("%1 (%2, %3): double-click to show it")
                .arg(layer.info.path, layer.info.shapeText(), layer.info.typeName);
    } else if (column == Path) {
        return tr("The model's numbers: zeros and elements added, energies and L1 sums added "
                  "before the ratios are taken.");
    }
    if ((column == Energy || column == L1) && value(row, column).isValid())
        return tr("≈: estimated from the layer's ranking (its running sums, one chunk "
                  "interpolated); exact where computed from the weights.");
    if (column >= Pruned && !value(row, column).isValid())
        return m_rankings->bounds() ? tr("Waiting for every layer's ranking (model scope).")
                                    : tr("Waiting for this layer's ranking.");
    return {};
}

QVariant ModelTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case Path:
            return tr("Layer");
        case Shape:
            return tr("Shape");
        case Parameters:
            return tr("Parameters");
        case Blocks:
            return tr("Blocks");
        // Two lines: the numbers are narrower than the words.
        case Pruned:
            return tr("Pruned\nblocks");
        case Sparsity:
            return tr("Achieved\nsparsity");
        case Energy:
            return tr("Retained\nenergy");
        case L1:
            return tr("Retained\nL1");
        default:
            return {};
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case Pruned:
            return tr("Blocks pruned at the level on screen.");
        case Sparsity:
            return tr("Achieved sparsity: zeros / weights.");
        case Energy:
            return tr("Σ(w² kept) / Σ(w²)");
        case L1:
            return tr("Σ|w kept| / Σ|w|");
        default:
            return {};
        }
    }
    return {};
}

void ModelTableModel::retranslate()
{
    Q_EMIT headerDataChanged(Qt::Horizontal, 0, ColumnCount - 1);
    refreshAll();
}

void ModelTableModel::refreshAll()
{
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

ModelSortProxy::ModelSortProxy(QObject* parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(ModelTableModel::SortRole);
    setDynamicSortFilter(true);
}

bool ModelSortProxy::lessThan(const QModelIndex& left, const QModelIndex& right) const
{
    // Descending order compares swapped, so the totals row is "greatest" ascending and
    // "least" descending: last either way.
    if (left.data(ModelTableModel::TotalsRole).toBool())
        return sortOrder() == Qt::DescendingOrder;
    if (right.data(ModelTableModel::TotalsRole).toBool())
        return sortOrder() == Qt::AscendingOrder;
    const QVariant a = left.data(sortRole());
    const QVariant b = right.data(sortRole());
    if (a.typeId() == QMetaType::QString)
        return QString::compare(a.toString(), b.toString(), Qt::CaseInsensitive) < 0;
    return a.toDouble() < b.toDouble();
}

} // namespace sparsity::ui
