#include "layertreemodel.h"

#include <QApplication>
#include <QFont>
#include <QHash>
#include <QLocale>
#include <QStyle>
#include <algorithm>

namespace sparsity::ui {

struct LayerTreeModel::Node
{
    QString name;
    core::DatasetInfo info; // kind Group with an empty reason for implicit parents
    Node* parent = nullptr;
    int row = 0;
    std::vector<std::unique_ptr<Node>> children;

    Node* addChild(QString childName, core::DatasetInfo childInfo)
    {
        auto child = std::make_unique<Node>();
        child->name = std::move(childName);
        child->info = std::move(childInfo);
        child->parent = this;
        child->row = static_cast<int>(children.size());
        children.push_back(std::move(child));
        return children.back().get();
    }
};

LayerTreeModel::LayerTreeModel(QObject* parent)
    : QAbstractItemModel(parent)
    , m_root(std::make_unique<Node>())
{
    m_root->info.kind = core::NodeKind::Group;
    m_root->info.path = QStringLiteral("/");
}

LayerTreeModel::~LayerTreeModel() = default;

void LayerTreeModel::setTree(const std::vector<core::DatasetInfo>& entries)
{
    beginResetModel();
    m_root->children.clear();
    QHash<QString, Node*> byPath{{QStringLiteral("/"), m_root.get()}};
    // Parents are listed before their children; a missing one is made up as a plain group.
    const auto parentOf = [&](const QString& path) {
        const auto ensure = [&](const auto& self, const QString& p) -> Node* {
            if (Node* known = byPath.value(p))
                return known;
            const qsizetype slash = p.lastIndexOf(QLatin1Char('/'));
            Node* up = self(self, slash <= 0 ? QStringLiteral("/") : p.left(slash));
            core::DatasetInfo group;
            group.path = p;
            group.kind = core::NodeKind::Group;
            Node* made = up->addChild(p.mid(slash + 1), group);
            byPath.insert(p, made);
            return made;
        };
        const qsizetype slash = path.lastIndexOf(QLatin1Char('/'));
        return ensure(ensure, slash <= 0 ? QStringLiteral("/") : path.left(slash));
    };
    for (const core::DatasetInfo& entry : entries) {
        if (entry.path.isEmpty() || entry.path == QStringLiteral("/") ||
            byPath.contains(entry.path))
            continue;
        Node* parent = parentOf(entry.path);
        const QString name = entry.path.mid(entry.path.lastIndexOf(QLatin1Char('/')) + 1);
        byPath.insert(entry.path, parent->addChild(name, entry));
    }
    endResetModel();
}

QModelIndex LayerTreeModel::indexOfPath(const QString& path) const
{
    const Node* node = m_root.get();
    for (const QString& part : path.split(QLatin1Char('/'), Qt::SkipEmptyParts)) {
        const auto it = std::find_if(node->children.begin(), node->children.end(),
                                     [&](const auto& child) { return child->name == part; });
        if (it == node->children.end())
            return {};
        node = it->get();
    }
    return node == m_root.get() ? QModelIndex() : createIndex(node->row, 0, node);
}

LayerTreeModel::Node* LayerTreeModel::nodeOf(const QModelIndex& index) const
{
    return index.isValid() ? static_cast<Node*>(index.internalPointer()) : m_root.get();
}

QModelIndex LayerTreeModel::index(int row, int column, const QModelIndex& parent) const
{
    if (!hasIndex(row, column, parent))
        return {};
    Node* node = nodeOf(parent);
    return createIndex(row, column, node->children[static_cast<std::size_t>(row)].get());
}

QModelIndex LayerTreeModel::parent(const QModelIndex& child) const
{
    if (!child.isValid())
        return {};
    Node* up = nodeOf(child)->parent;
    if (up == nullptr || up == m_root.get())
        return {};
    return createIndex(up->row, 0, up);
}

int LayerTreeModel::rowCount(const QModelIndex& parent) const
{
    if (parent.isValid() && parent.column() != 0)
        return 0;
    return static_cast<int>(nodeOf(parent)->children.size());
}

int LayerTreeModel::columnCount(const QModelIndex&) const
{
    return ColumnCount;
}

QVariant LayerTreeModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const Node* node = nodeOf(index);
    const core::DatasetInfo& info = node->info;
    const bool dataset = info.kind == core::NodeKind::Dataset;
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case NameColumn:
            if (info.kind == core::NodeKind::DanglingLink)
                return tr("%1 → %2").arg(node->name, info.linkTarget);
            return node->name;
        case ShapeColumn:
            return dataset ? info.shapeText() : QString();
        case TypeColumn:
            return dataset ? info.typeName : QString();
        case SizeColumn:
            return dataset ? QLocale().formattedDataSize(info.storageBytes, 1,
                                                         QLocale::DataSizeTraditionalFormat)
                           : QString();
        default:
            return {};
        }
    case Qt::ToolTipRole:
        if (info.kind == core::NodeKind::Group)
            return info.path;
        if (!info.canSparsifyWhenNamed())
            return tr("%1\nCannot be sparsified: %2").arg(info.path, info.reason);
        if (!info.isDefaultSelection())
            return tr("%1\nNot masked by default (%2); select it to view it anyway.")
                .arg(info.path, info.reason.isEmpty() ? info.typeName : info.reason);
        return tr("%1\n%2 %3, %4 weights")
            .arg(info.path, info.shapeText(), info.typeName,
                 QLocale().toString(static_cast<qlonglong>(info.elementCount())));
    case Qt::DecorationRole:
        if (index.column() != NameColumn)
            return {};
        return QApplication::style()->standardIcon(
            info.kind == core::NodeKind::Group ? QStyle::SP_DirIcon : QStyle::SP_FileIcon);
    case Qt::FontRole:
        if (dataset && info.canSparsifyWhenNamed() && !info.isDefaultSelection()) {
            QFont font;
            font.setItalic(true);
            return font;
        }
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == SizeColumn)
            return QVariant::fromValue(Qt::Alignment(Qt::AlignRight | Qt::AlignVCenter));
        return {};
    case DatasetPathRole:
        return info.path;
    case SparsifiableRole:
        return dataset && info.isDefaultSelection();
    default:
        return {};
    }
}

QVariant LayerTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Name");
    case ShapeColumn:
        return tr("Shape");
    case TypeColumn:
        return tr("Type");
    case SizeColumn:
        return tr("Size");
    default:
        return {};
    }
}

Qt::ItemFlags LayerTreeModel::flags(const QModelIndex& index) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return Qt::NoItemFlags;
    const core::DatasetInfo& info = nodeOf(index)->info;
    if (info.kind == core::NodeKind::Group)
        return Qt::ItemIsEnabled;
    if (info.canSparsifyWhenNamed())
        return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemNeverHasChildren;
    return Qt::ItemNeverHasChildren; // disabled: the tooltip says why
}

} // namespace sparsity::ui
