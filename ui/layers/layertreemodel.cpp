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
    core::DatasetInfo info;   // kind Group with an empty reason for implicit parents
    bool prefixGroup = false; // info.path is then the parent's path and the dotted prefix
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
    m_entries = entries;
    rebuild();
}

void LayerTreeModel::setGroupByDots(bool group)
{
    if (group == m_groupByDots)
        return;
    m_groupByDots = group;
    rebuild();
}

void LayerTreeModel::rebuild()
{
    beginResetModel();
    m_root->children.clear();
    m_byPath.clear();
    m_byPath.insert(QStringLiteral("/"), m_root.get());
    // Parents are listed before their children; a missing one is made up as a plain group.
    const auto parentOf = [&](const QString& path) {
        const auto ensure = [&](const auto& self, const QString& p) -> Node* {
            if (Node* known = m_byPath.value(p))
                return known;
            const qsizetype slash = p.lastIndexOf(QLatin1Char('/'));
            Node* up = self(self, slash <= 0 ? QStringLiteral("/") : p.left(slash));
            core::DatasetInfo group;
            group.path = p;
            group.kind = core::NodeKind::Group;
            Node* made = up->addChild(p.mid(slash + 1), group);
            m_byPath.insert(p, made);
            return made;
        };
        const qsizetype slash = path.lastIndexOf(QLatin1Char('/'));
        return ensure(ensure, slash <= 0 ? QStringLiteral("/") : path.left(slash));
    };
    // Prefix groups by their full dotted path; kept apart from the file's own groups, which
    // may bear the same name.
    QHash<QString, Node*> prefixGroups;
    for (const core::DatasetInfo& entry : m_entries) {
        if (entry.path.isEmpty() || entry.path == QStringLiteral("/") ||
            m_byPath.contains(entry.path))
            continue;
        Node* parent = parentOf(entry.path);
        const qsizetype slash = entry.path.lastIndexOf(QLatin1Char('/'));
        QString name = entry.path.mid(slash + 1);
        const QStringList parts = name.split(QLatin1Char('.'));
        // "a..b", ".hidden" or "v1." are not state_dict keys: shown whole.
        if (m_groupByDots && entry.kind == core::NodeKind::Dataset && parts.size() > 1 &&
            !parts.contains(QString())) {
            const QString base = entry.path.left(slash + 1);
            for (qsizetype i = 0; i + 1 < parts.size(); ++i) {
                const QString prefix = base + parts.mid(0, i + 1).join(QLatin1Char('.'));
                Node*& group = prefixGroups[prefix];
                if (group == nullptr) {
                    core::DatasetInfo info;
                    info.path = prefix;
                    info.kind = core::NodeKind::Group;
                    group = parent->addChild(parts[i], info);
                    group->prefixGroup = true;
                }
                parent = group;
            }
            name = parts.last();
        }
        m_byPath.insert(entry.path, parent->addChild(name, entry));
    }
    endResetModel();
}

int LayerTreeModel::naturalCompare(const QString& a, const QString& b)
{
    // Runs of digits compare as numbers (layers.2 before layers.10), the rest without case,
    // then with case and leading zeros, so that no two different names compare equal.
    qsizetype i = 0;
    qsizetype j = 0;
    while (i < a.size() && j < b.size()) {
        if (a[i].isDigit() && b[j].isDigit()) {
            qsizetype ei = i;
            qsizetype ej = j;
            while (ei < a.size() && a[ei].isDigit())
                ++ei;
            while (ej < b.size() && b[ej].isDigit())
                ++ej;
            QStringView da = QStringView(a).mid(i, ei - i);
            QStringView db = QStringView(b).mid(j, ej - j);
            while (da.size() > 1 && da.front() == QLatin1Char('0'))
                da = da.mid(1);
            while (db.size() > 1 && db.front() == QLatin1Char('0'))
                db = db.mid(1);
            if (da.size() != db.size())
                return da.size() < db.size() ? -1 : 1;
            if (const int c = da.compare(db); c != 0)
                return c < 0 ? -1 : 1;
            i = ei;
            j = ej;
            continue;
        }
        const int c =
            QStringView(a).mid(i, 1).compare(QStringView(b).mid(j, 1), Qt::CaseInsensitive);
        if (c != 0)
            return c < 0 ? -1 : 1;
        ++i;
        ++j;
    }
    if (i < a.size() || j < b.size())
        return i < a.size() ? 1 : -1;
    const int c = a.compare(b);
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

QModelIndex LayerTreeModel::indexOfPath(const QString& path) const
{
    QString normalized =
        QLatin1Char('/') + path.split(QLatin1Char('/'), Qt::SkipEmptyParts).join(QLatin1Char('/'));
    Node* node = m_byPath.value(normalized);
    return node == nullptr || node == m_root.get() ? QModelIndex()
                                                   : createIndex(node->row, 0, node);
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
            // IEC units (KiB = 1024 B), as sparsity-cli list prints them: the traditional
            // format says "kB" for 1024 bytes, which reads as 1000.
            return dataset ? QLocale().formattedDataSize(info.storageBytes, 1,
                                                         QLocale::DataSizeIecFormat)
                           : QString();
        default:
            return {};
        }
    case Qt::ToolTipRole:
        if (node->prefixGroup)
            return tr("%1\nDatasets whose names start with “%2.” (grouped at dots)")
                .arg(info.path, info.path.mid(info.path.lastIndexOf(QLatin1Char('/')) + 1));
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
        if (info.kind == core::NodeKind::Group) {
            if (m_groupIcon.isNull())
                m_groupIcon = QApplication::style()->standardIcon(QStyle::SP_DirIcon);
            return m_groupIcon;
        }
        if (m_datasetIcon.isNull())
            m_datasetIcon = QApplication::style()->standardIcon(QStyle::SP_FileIcon);
        return m_datasetIcon;
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
        return node->prefixGroup ? QString() : info.path;
    case SparsifiableRole:
        return dataset && info.isDefaultSelection();
    case FilterTextRole:
        return info.path;
    case PrefixGroupRole:
        return node->prefixGroup;
    case SortKeyRole:
        switch (index.column()) {
        case NameColumn:
            return node->name;
        case ShapeColumn:
            return dataset ? static_cast<qlonglong>(info.elementCount()) : qlonglong{-1};
        case TypeColumn:
            return dataset ? info.typeName : QString();
        case SizeColumn:
            return dataset ? static_cast<qlonglong>(info.storageBytes) : qlonglong{-1};
        default:
            return {};
        }
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
