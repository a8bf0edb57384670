#include "pinnedmask.h"

#include "ranking/configuration.h"

#include <QCoreApplication>

namespace sparsity::ui {

QString PinnedMask::description() const
{
    return QCoreApplication::translate("PinnedMask", "%1 · %2 · level %3 % · %4 scope")
        .arg(datasetPath, core::describeConfiguration(core::Configuration::of(params)))
        .arg(params.level * 100.0, 0, 'f', 1)
        .arg(scopeText(modelBounds));
}

QString PinnedMask::scopeText(const std::optional<core::ModelBounds>& bounds)
{
    if (!bounds)
        return QCoreApplication::translate("PinnedMask", "layer");
    if (bounds->minLevel <= 0.0 && bounds->maxLevel >= 1.0)
        return QCoreApplication::translate("PinnedMask", "model");
    return QCoreApplication::translate("PinnedMask", "model, each layer %1–%2 %")
        .arg(bounds->minLevel * 100.0, 0, 'g', 4)
        .arg(bounds->maxLevel * 100.0, 0, 'g', 4);
}

} // namespace sparsity::ui
