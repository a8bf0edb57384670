#include "contextmenus.h"

#include "heatmap/heatmapview.h"
#include "hoverreadout.h"
#include "layerview.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QEvent>
#include <QFormLayout>
#include <QLabel>
#include <QLayout>
#include <QMenu>
#include <QTextDocumentFragment>
#include <cmath>

namespace sparsity::ui {
namespace {

QString plainText(const QLabel& label)
{
    const QString text = label.text();
    return Qt::mightBeRichText(text) ? QTextDocumentFragment::fromHtml(text).toPlainText() : text;
}

bool shown(const QWidget* widget)
{
    return widget != nullptr && !widget->isHidden();
}

void collect(const QLayout* layout, QStringList& lines)
{
    if (const auto* form = qobject_cast<const QFormLayout*>(layout)) {
        for (int row = 0; row < form->rowCount(); ++row) {
            QLayoutItem* labelItem = form->itemAt(row, QFormLayout::LabelRole);
            QLayoutItem* fieldItem = form->itemAt(row, QFormLayout::FieldRole);
            const auto* label =
                labelItem ? qobject_cast<const QLabel*>(labelItem->widget()) : nullptr;
            const auto* field =
                fieldItem ? qobject_cast<const QLabel*>(fieldItem->widget()) : nullptr;
            if (!shown(field) || (label && !shown(label)))
                continue;
            const QString value = plainText(*field);
            lines << (label ? plainText(*label) + QLatin1Char('\t') + value : value);
        }
        return;
    }
    for (int i = 0; i < layout->count(); ++i) {
        QLayoutItem* item = layout->itemAt(i);
        if (const QLayout* inner = item->layout())
            collect(inner, lines);
        else if (const auto* label = qobject_cast<const QLabel*>(item->widget());
                 shown(label) && !label->text().isEmpty())
            lines << plainText(*label);
    }
}

// Sets `action`'s text to the translation of `source` (context ContextMenus) now and again on
// every LanguageChange that `widget`, which shows the action, receives.
class TranslatedText final : public QObject
{
public:
    TranslatedText(QAction* action, QWidget* widget, const char* source)
        : QObject(action)
        , m_action(action)
        , m_source(source)
    {
        widget->installEventFilter(this);
        apply();
    }

    bool eventFilter(QObject*, QEvent* event) override
    {
        if (event->type() == QEvent::LanguageChange)
            apply();
        return false;
    }

private:
    void apply() { m_action->setText(QCoreApplication::translate("ContextMenus", m_source)); }

    QAction* m_action;
    const char* m_source;
};

} // namespace

QString ContextMenus::panelText(const QWidget& panel)
{
    QStringList lines;
    if (const QLayout* layout = panel.layout())
        collect(layout, lines);
    return lines.join(QLatin1Char('\n'));
}

void ContextMenus::installCopyAll(QWidget* panel)
{
    auto* copy = new QAction(panel);
    new TranslatedText(copy, panel, QT_TRANSLATE_NOOP("ContextMenus", "&Copy All as Text"));
    copy->setObjectName(QStringLiteral("copyAllAction"));
    copy->setShortcut(QKeySequence::Copy);
    copy->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    QObject::connect(copy, &QAction::triggered, panel,
                     [panel] { QApplication::clipboard()->setText(panelText(*panel)); });
    panel->addAction(copy);
    // Focus is what makes Ctrl+C reach the panel: a click on it gives it.
    panel->setFocusPolicy(Qt::ClickFocus);
    panel->setContextMenuPolicy(Qt::ActionsContextMenu);
}

QString ContextMenus::valueAt(const LayerView& view, const QPoint& pos)
{
    const auto snapshot = view.shownSnapshot();
    const HeatmapView* heatmap = view.heatmap();
    if (!snapshot || !snapshot->weights || !heatmap->source())
        return {};
    const QPointF element = heatmap->zoomModel().elementAt(QPointF(pos) + QPointF(0.5, 0.5));
    const auto row = static_cast<std::int64_t>(std::floor(element.y()));
    const auto col = static_cast<std::int64_t>(std::floor(element.x()));
    const core::WeightTensor& weights = *snapshot->weights;
    if (row < 0 || col < 0 || row >= weights.rows() || col >= weights.cols())
        return {};
    // Enough digits to give back the stored number exactly.
    const int digits = weights.precision() == core::Precision::Float64 ? 17 : 9;
    return QString::number(weights.valueAt(row, col), 'g', digits);
}

QMenu* ContextMenus::heatmapMenu(LayerView* view, HoverReadout* readout, const QPoint& pos,
                                 QWidget* parent)
{
    auto* menu = new QMenu(parent);
    menu->setObjectName(QStringLiteral("heatmapContextMenu"));
    const QString value = valueAt(*view, pos);
    QAction* copyValue =
        menu->addAction(value.isEmpty() ? tr("Copy &Value") : tr("Copy &Value (%1)").arg(value),
                        menu, [value] { QApplication::clipboard()->setText(value); });
    copyValue->setObjectName(QStringLiteral("copyValueAction"));
    copyValue->setEnabled(!value.isEmpty());
    const QString readoutText = value.isEmpty() || !readout ? QString() : plainText(*readout);
    QAction* copyReadout = menu->addAction(tr("Copy &Read-out"), menu, [readoutText] {
        QApplication::clipboard()->setText(readoutText);
    });
    copyReadout->setObjectName(QStringLiteral("copyReadoutAction"));
    copyReadout->setEnabled(!readoutText.isEmpty());
    HeatmapView* heatmap = view->heatmap();
    QAction* copyImage = menu->addAction(tr("Copy &Image"), menu, [heatmap] {
        QApplication::clipboard()->setImage(heatmap->grab().toImage());
    });
    copyImage->setObjectName(QStringLiteral("copyImageAction"));
    copyImage->setEnabled(heatmap->source() != nullptr);
    return menu;
}

void ContextMenus::installHeatmap(LayerView* view, HoverReadout* readout)
{
    HeatmapView* heatmap = view->heatmap();
    heatmap->setContextMenuPolicy(Qt::CustomContextMenu);
    QObject::connect(heatmap, &QWidget::customContextMenuRequested, heatmap,
                     [view, readout, heatmap](const QPoint& pos) {
                         QMenu* menu = heatmapMenu(view, readout, pos, heatmap);
                         menu->setAttribute(Qt::WA_DeleteOnClose);
                         menu->popup(heatmap->mapToGlobal(pos));
                     });
    auto* copy = new QAction(heatmap);
    new TranslatedText(copy, heatmap, QT_TRANSLATE_NOOP("ContextMenus", "Copy Value"));
    copy->setShortcut(QKeySequence::Copy);
    copy->setShortcutContext(Qt::WidgetShortcut);
    QObject::connect(copy, &QAction::triggered, heatmap, [view, heatmap] {
        const QString value = valueAt(*view, heatmap->mapFromGlobal(QCursor::pos()));
        if (!value.isEmpty())
            QApplication::clipboard()->setText(value);
    });
    heatmap->addAction(copy);
}

} // namespace sparsity::ui
