#include "windowsettings.h"

#include "layerview.h"

#include <QDir>
#include <QFileInfo>
#include <QMainWindow>
#include <QSettings>

namespace sparsity::ui {
namespace {

const QString geometryKey = QStringLiteral("window/geometry");
const QString stateKey = QStringLiteral("window/state");
const QString colormapKey = QStringLiteral("view/colormap");
const QString logScaleKey = QStringLiteral("view/logScale");
const QString viewKindKey = QStringLiteral("view/kind");
const QString stretchKey = QStringLiteral("view/stretch");
const QString lastDirectoryKey = QStringLiteral("paths/lastDirectory");

} // namespace

void WindowSettings::restore(QMainWindow& window, LayerView& view)
{
    QSettings settings;
    window.restoreGeometry(settings.value(geometryKey).toByteArray());
    window.restoreState(settings.value(stateKey).toByteArray());
    view.setColormapName(settings.value(colormapKey, QStringLiteral("viridis")).toString());
    view.setLogarithmic(settings.value(logScaleKey, true).toBool());
    view.setStretched(settings.value(stretchKey, false).toBool());
    const int kind =
        settings.value(viewKindKey, static_cast<int>(LayerView::Kind::MaskOverWeights)).toInt();
    if (kind >= 0 && kind <= static_cast<int>(LayerView::Kind::MaskOverWeights))
        view.setKind(static_cast<LayerView::Kind>(kind));
}

void WindowSettings::save(const QMainWindow& window, const LayerView& view)
{
    QSettings settings;
    settings.setValue(geometryKey, window.saveGeometry());
    settings.setValue(stateKey, window.saveState());
    settings.setValue(colormapKey, view.colormapName());
    settings.setValue(logScaleKey, view.isLogarithmic());
    settings.setValue(stretchKey, view.isStretched());
    settings.setValue(viewKindKey, static_cast<int>(view.kind()));
}

QString WindowSettings::lastDirectory()
{
    const QString stored = QSettings().value(lastDirectoryKey).toString();
    return !stored.isEmpty() && QFileInfo(stored).isDir() ? stored : QDir::homePath();
}

void WindowSettings::setLastDirectory(const QString& path)
{
    QSettings().setValue(lastDirectoryKey, QFileInfo(path).absolutePath());
}

} // namespace sparsity::ui
