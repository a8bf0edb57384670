#pragma once

namespace sparsity::ui {

// Registers the resources compiled into the ui library (demo weights, icons, desktop file):
// a static library's resources are not registered on their own. Idempotent; call it from the
// UI thread before the first ":/" path is used.
void registerEmbeddedResources();

} // namespace sparsity::ui
