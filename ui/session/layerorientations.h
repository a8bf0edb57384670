#pragma once

#include "tensor/tensorlayout.h"

#include <QHash>
#include <QString>

namespace sparsity::ui {

// The layout and view chosen for each layer of a file (docs/SPEC.md "Layout", "View"), kept in
// QSettings under the file's name, so that a file opened again shows every layer as it was
// left. Only choices other than the default (auto, flatten) are stored. UI thread only.
namespace layerorientations {

// The choices stored for `file` (an absolute path, or a fixed name such as the demo's), by
// dataset path.
QHash<QString, core::TensorOrientation> load(const QString& file);
// Stores one layer's choice; the default removes it.
void save(const QString& file, const QString& datasetPath, core::TensorOrientation orientation);

} // namespace layerorientations
} // namespace sparsity::ui
