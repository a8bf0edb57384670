#include "layerbrowser.h"

#include "layertreemodel.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLineEdit>
#include <QMenu>
#include <QScrollBar>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QStyle>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>

namespace sparsity::ui {
namespace {

const QString groupByDotsKey = QStringLiteral("layers/groupByDots");

// Filters on each row's path, so a group that matches shows all it holds (its children's
// paths contain its own) and "fc2/w" finds a dataset across levels; sorts names naturally.
class LayerProxy final : public QSortFilterProxyModel
{
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;

protected:
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override
    {
        const QVariant a = left.data(LayerTreeModel::SortKeyRole);
        const QVariant b = right.data(LayerTreeModel::SortKeyRole);
        if (a.typeId() == QMetaType::QString && b.typeId() == QMetaType::QString) {
            if (const int c = LayerTreeModel::naturalCompare(a.toString(), b.toString()); c != 0)
                return c < 0;
        } else if (const auto c = QVariant::compare(a, b);
                   c != QPartialOrdering::Equivalent && c != QPartialOrdering::Unordered) {
            return c == QPartialOrdering::Less;
        }
        // Equal keys (two groups without a size): by name, so the order is stable.
        return LayerTreeModel::naturalCompare(
                   left.siblingAtColumn(LayerTreeModel::NameColumn).data().toString(),
                   right.siblingAtColumn(LayerTreeModel::NameColumn).data().toString()) < 0;
    }
};

} // namespace

LayerBrowser::LayerBrowser(QWidget* parent)
    : QWidget(parent)
    , m_model(new LayerTreeModel(this))
    , m_proxy(new LayerProxy(this))
    , m_filter(new QLineEdit(this))
    , m_groupButton(new QToolButton(this))
    , m_view(new QTreeView(this))
{
    m_model->setGroupByDots(QSettings().value(groupByDotsKey, true).toBool());
    m_proxy->setSourceModel(m_model);
    m_proxy->setRecursiveFilteringEnabled(true);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setFilterKeyColumn(LayerTreeModel::NameColumn);
    m_proxy->setFilterRole(LayerTreeModel::FilterTextRole);
    m_proxy->setSortRole(LayerTreeModel::SortKeyRole);

    m_filter->setObjectName(QStringLiteral("layerFilter"));
    m_filter->setClearButtonEnabled(true);
    connect(m_filter, &QLineEdit::textChanged, this, [this](const QString& text) {
        m_proxy->setFilterFixedString(text);
        m_view->expandAll();
    });

    m_groupButton->setObjectName(QStringLiteral("groupByDotsButton"));
    m_groupButton->setCheckable(true);
    m_groupButton->setChecked(m_model->groupByDots());
    connect(m_groupButton, &QToolButton::toggled, this, &LayerBrowser::setGroupByDots);

    m_view->setObjectName(QStringLiteral("layerTree"));
    m_view->setModel(m_proxy);
    m_view->setUniformRowHeights(true);
    m_view->setIndentation(14);
    m_view->setAlternatingRowColors(true);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(LayerTreeModel::NameColumn, Qt::AscendingOrder);
    m_view->header()->setStretchLastSection(false);
    m_view->header()->setSectionResizeMode(LayerTreeModel::NameColumn, QHeaderView::Stretch);
    for (int column = LayerTreeModel::ShapeColumn; column < LayerTreeModel::ColumnCount; ++column)
        m_view->header()->setSectionResizeMode(column, QHeaderView::ResizeToContents);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex& current) { onCurrentChanged(current); });
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_view, &QWidget::customContextMenuRequested, this, [this](const QPoint& pos) {
        QMenu* menu = createContextMenu(m_view->indexAt(pos), this);
        menu->setAttribute(Qt::WA_DeleteOnClose);
        menu->popup(m_view->viewport()->mapToGlobal(pos));
    });
    auto* copy = new QAction(m_view);
    m_copyAction = copy;
    copy->setShortcut(QKeySequence::Copy);
    copy->setShortcutContext(Qt::WidgetShortcut);
    connect(copy, &QAction::triggered, this, &LayerBrowser::copyCurrentPath);
    m_view->addAction(copy);

    auto* filterRow = new QHBoxLayout;
    filterRow->setContentsMargins(0, 0, 0, 0);
    filterRow->setSpacing(2);
    filterRow->addWidget(m_filter, 1);
    filterRow->addWidget(m_groupButton);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(filterRow);
    layout->addWidget(m_view, 1);
    retranslate();
}

void LayerBrowser::retranslate()
{
    m_filter->setPlaceholderText(tr("Filter layers"));
    m_filter->setToolTip(tr("Shows the layers whose path contains this text, and everything "
                            "in a group that matches"));
    m_groupButton->setText(tr("a.b"));
    m_groupButton->setToolTip(tr("Group by dots: show names such as encoder.layers.0.weight "
                                 "as a tree of their parts"));
    m_copyAction->setText(tr("Copy Path"));
}

void LayerBrowser::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() != QEvent::LanguageChange)
        return;
    retranslate();
    // The column titles; names and tooltips are made when asked for.
    Q_EMIT m_model->headerDataChanged(Qt::Horizontal, 0, LayerTreeModel::ColumnCount - 1);
}

void LayerBrowser::setTree(const std::vector<core::DatasetInfo>& entries)
{
    m_model->setTree(entries);
    m_view->expandAll();
    updateTypeColumn();
}

void LayerBrowser::setGroupByDots(bool group)
{
    const QString current = m_view->currentIndex().data(LayerTreeModel::DatasetPathRole).toString();
    {
        const QSignalBlocker blocker(m_groupButton);
        m_groupButton->setChecked(group);
    }
    QSettings().setValue(groupByDotsKey, group);
    if (group == m_model->groupByDots())
        return;
    m_model->setGroupByDots(group);
    m_view->expandAll();
    if (!current.isEmpty())
        setCurrentLayer(current);
}

bool LayerBrowser::groupByDots() const
{
    return m_model->groupByDots();
}

void LayerBrowser::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    updateTypeColumn();
}

void LayerBrowser::updateTypeColumn()
{
    // Names come first: when the dock is too narrow for every column, the type (also in the
    // tooltip, and italic or disabled when it matters) makes room for them.
    const bool hide = width() < preferredWidth();
    if (hide != m_view->isColumnHidden(LayerTreeModel::TypeColumn))
        m_view->setColumnHidden(LayerTreeModel::TypeColumn, hide);
}

int LayerBrowser::preferredWidth() const
{
    int width = 2 * m_view->frameWidth();
    // QTreeView makes this protected; the base class has it public (with indentation).
    const QAbstractItemView* view = m_view;
    for (int column = 0; column < LayerTreeModel::ColumnCount; ++column)
        width +=
            std::max(view->sizeHintForColumn(column), m_view->header()->sectionSizeHint(column));
    // Room for the scroll bar a long file list brings.
    return width + m_view->style()->pixelMetric(QStyle::PM_ScrollBarExtent, nullptr, m_view);
}

QMenu* LayerBrowser::createContextMenu(const QModelIndex& index, QWidget* parent)
{
    auto* menu = new QMenu(parent);
    menu->setObjectName(QStringLiteral("layerContextMenu"));
    const QModelIndex row = index.siblingAtColumn(LayerTreeModel::NameColumn);
    const QString path = row.data(LayerTreeModel::DatasetPathRole).toString();
    const bool selectable = row.isValid() && (row.flags() & Qt::ItemIsSelectable);
    if (selectable) {
        QAction* show = menu->addAction(tr("&Show Layer"), this, [this, path] {
            setCurrentLayer(path);
            Q_EMIT layerActivated(path);
        });
        show->setObjectName(QStringLiteral("showLayerAction"));
    }
    if (!path.isEmpty()) {
        QAction* copyPath = menu->addAction(tr("Copy &Path"), this,
                                            [path] { QApplication::clipboard()->setText(path); });
        copyPath->setObjectName(QStringLiteral("copyPathAction"));
        copyPath->setShortcut(QKeySequence::Copy);
    }
    const QString shape = row.siblingAtColumn(LayerTreeModel::ShapeColumn).data().toString();
    if (!shape.isEmpty()) {
        QAction* copyShape = menu->addAction(
            tr("Copy S&hape"), this, [shape] { QApplication::clipboard()->setText(shape); });
        copyShape->setObjectName(QStringLiteral("copyShapeAction"));
    }
    if (selectable) {
        menu->addSeparator();
        QAction* exportMask = menu->addAction(tr("&Export Mask of This Layer…"), this,
                                              [this, path] { Q_EMIT exportRequested(path); });
        exportMask->setObjectName(QStringLiteral("exportLayerMaskAction"));
    }
    if (!menu->isEmpty())
        menu->addSeparator();
    menu->addAction(tr("E&xpand All"), m_view, &QTreeView::expandAll);
    menu->addAction(tr("&Collapse All"), m_view, &QTreeView::collapseAll);
    QAction* group = menu->addAction(tr("&Group by Dots"));
    group->setObjectName(QStringLiteral("groupByDotsAction"));
    group->setCheckable(true);
    group->setChecked(groupByDots());
    connect(group, &QAction::toggled, this, &LayerBrowser::setGroupByDots);
    return menu;
}

void LayerBrowser::copyCurrentPath()
{
    const QModelIndex current = m_view->currentIndex();
    QString path = current.data(LayerTreeModel::DatasetPathRole).toString();
    if (path.isEmpty()) // a prefix group: the prefix it stands for
        path = current.data(LayerTreeModel::FilterTextRole).toString();
    if (!path.isEmpty())
        QApplication::clipboard()->setText(path);
}

void LayerBrowser::setCurrentLayer(const QString& datasetPath)
{
    const QModelIndex index = m_proxy->mapFromSource(m_model->indexOfPath(datasetPath));
    m_settingCurrent = true;
    if (index.isValid()) {
        m_view->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect |
                                                             QItemSelectionModel::Rows);
        m_view->scrollTo(index);
    } else {
        m_view->selectionModel()->clearSelection();
    }
    m_settingCurrent = false;
}

void LayerBrowser::onCurrentChanged(const QModelIndex& current)
{
    if (m_settingCurrent || !current.isValid() || !(current.flags() & Qt::ItemIsSelectable))
        return;
    Q_EMIT layerActivated(current.data(LayerTreeModel::DatasetPathRole).toString());
}

} // namespace sparsity::ui
