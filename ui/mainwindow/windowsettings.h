#pragma once

class QMainWindow;
class QString;

namespace sparsity::ui {

class LayerView;

// What the main window keeps in QSettings from one run to the next: its geometry and docks,
// the view's colormap, scale, stretch and kind, and the folder where the file dialogs open. UI
// thread only.
class WindowSettings final
{
public:
    WindowSettings() = delete;

    // Stored values that are missing or out of range leave the window and view as they are,
    // except the colormap and scale, which fall back to viridis on a log scale.
    static void restore(QMainWindow& window, LayerView& view);
    static void save(const QMainWindow& window, const LayerView& view);

    // The folder of the last file chosen, or the home folder if it is gone.
    static QString lastDirectory();
    // Remembers the folder of `path` (a file).
    static void setLastDirectory(const QString& path);
};

} // namespace sparsity::ui
