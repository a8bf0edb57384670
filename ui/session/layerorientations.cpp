#include "layerorientations.h"

#include <QSettings>
#include <QVariantMap>

namespace sparsity::ui::layerorientations {
namespace {

const QString settingsKey = QStringLiteral("layers/orientations");

// One map entry per layer: "<file>\n<dataset>" -> "<layout>/<view>". A newline cannot occur in
// a dataset path the readers list, nor in the names used for files here.
QString entryKey(const QString& file, const QString& datasetPath)
{
    return file + QLatin1Char('\n') + datasetPath;
}

} // namespace

QHash<QString, core::TensorOrientation> load(const QString& file)
{
    QHash<QString, core::TensorOrientation> choices;
    const QVariantMap stored = QSettings().value(settingsKey).toMap();
    const QString prefix = file + QLatin1Char('\n');
    for (auto it = stored.lowerBound(prefix); it != stored.end() && it.key().startsWith(prefix);
         ++it) {
        const QStringList parts = it.value().toString().split(QLatin1Char('/'));
        if (parts.size() != 2)
            continue;
        const auto layout = core::parseLayout(parts[0]);
        const auto view = core::parseView(parts[1]);
        if (layout && view)
            choices.insert(it.key().mid(prefix.size()), core::TensorOrientation{*layout, *view});
    }
    return choices;
}

void save(const QString& file, const QString& datasetPath, core::TensorOrientation orientation)
{
    QSettings settings;
    QVariantMap stored = settings.value(settingsKey).toMap();
    const QString key = entryKey(file, datasetPath);
    if (orientation.isDefault())
        stored.remove(key);
    else
        stored.insert(key, core::layoutName(orientation.layout) + QLatin1Char('/') +
                               core::viewName(orientation.view));
    settings.setValue(settingsKey, stored);
}

} // namespace sparsity::ui::layerorientations
