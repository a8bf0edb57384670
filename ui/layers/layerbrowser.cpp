#include "layerbrowser.h"

#include "layertreemodel.h"

#include <QHeaderView>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QTreeView>
#include <QVBoxLayout>

namespace sparsity::ui {

LayerBrowser::LayerBrowser(QWidget* parent)
    : QWidget(parent)
    , m_model(new LayerTreeModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_filter(new QLineEdit(this))
    , m_view(new QTreeView(this))
{
    m_proxy->setSourceModel(m_model);
    m_proxy->setRecursiveFilteringEnabled(true);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setFilterKeyColumn(LayerTreeModel::NameColumn);

    m_filter->setObjectName(QStringLiteral("layerFilter"));
    m_filter->setPlaceholderText(tr("Filter layers"));
    m_filter->setClearButtonEnabled(true);
    connect(m_filter, &QLineEdit::textChanged, this, [this](const QString& text) {
        m_proxy->setFilterFixedString(text);
        m_view->expandAll();
    });

    m_view->setObjectName(QStringLiteral("layerTree"));
    m_view->setModel(m_proxy);
    m_view->setUniformRowHeights(true);
    m_view->setIndentation(14);
    m_view->setAlternatingRowColors(true);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->header()->setStretchLastSection(false);
    m_view->header()->setSectionResizeMode(LayerTreeModel::NameColumn, QHeaderView::Stretch);
    for (int column = LayerTreeModel::ShapeColumn; column < LayerTreeModel::ColumnCount; ++column)
        m_view->header()->setSectionResizeMode(column, QHeaderView::ResizeToContents);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex& current) { onCurrentChanged(current); });

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_filter);
    layout->addWidget(m_view, 1);
}

void LayerBrowser::setTree(const std::vector<core::DatasetInfo>& entries)
{
    m_model->setTree(entries);
    m_view->expandAll();
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
