#include "pinnedmask.h"

#include "ranking/configuration.h"

namespace sparsity::ui {

QString PinnedMask::description() const
{
    return QStringLiteral("%1 · %2 · level %3 % · %4 scope")
        .arg(datasetPath, core::describeConfiguration(core::Configuration::of(params)))
        .arg(params.level * 100.0, 0, 'f', 1)
        .arg(scope);
}

} // namespace sparsity::ui
