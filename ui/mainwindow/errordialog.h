#pragma once

class QString;
class QWidget;

namespace sparsity::ui {

// Shows `message` under `title` in a window-modal warning over `parent` (objectName
// "errorDialog") and returns at once: errors arrive from job continuations, where a nested
// event loop would let further results run underneath the dialog. UI thread only.
void showErrorDialog(QWidget* parent, const QString& title, const QString& message);

} // namespace sparsity::ui
