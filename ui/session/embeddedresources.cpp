#include "embeddedresources.h"

#include <QtGlobal>

// Q_INIT_RESOURCE must be used outside any namespace.
static void initResourcesOnce()
{
    Q_INIT_RESOURCE(resources);
}

namespace sparsity::ui {

void registerEmbeddedResources()
{
    static const bool registered = [] {
        initResourcesOnce();
        return true;
    }();
    Q_UNUSED(registered);
}

} // namespace sparsity::ui
