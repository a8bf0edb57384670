#pragma once

#include <QCoreApplication>
#include <QString>

class QMenu;
class QPoint;
class QWidget;

namespace sparsity::ui {

class HoverReadout;
class LayerView;

// Context menus and Ctrl+C for panels whose own files stay about what they show: the
// statistics ("Copy All as Text") and the heatmap (the value under the cursor, the read-out,
// the image). UI thread only.
class ContextMenus final
{
    Q_DECLARE_TR_FUNCTIONS(ContextMenus)

public:
    ContextMenus() = delete;

    // The visible text of a panel of labels: each form row as "label<TAB>value", each other
    // label as a line of its own, rich text as plain text.
    static QString panelText(const QWidget& panel);
    // Right-click and Ctrl+C on `panel` copy panelText.
    static void installCopyAll(QWidget* panel);

    // Right-click on the heatmap of `view` offers the value under the cursor, the read-out and
    // the image; Ctrl+C copies the value under the mouse. `readout` outlives the view.
    static void installHeatmap(LayerView* view, HoverReadout* readout);
    // The heatmap's menu at `pos` (heatmap coordinates); exposed for tests.
    static QMenu* heatmapMenu(LayerView* view, HoverReadout* readout, const QPoint& pos,
                              QWidget* parent);
    // The value of the shown layer at `pos`, as copied (full precision), empty off the field.
    static QString valueAt(const LayerView& view, const QPoint& pos);
};

} // namespace sparsity::ui
