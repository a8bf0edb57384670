#pragma once

#include <QCoreApplication>
#include <QPointer>
#include <QString>
#include <functional>

class QMessageBox;
class QProgressDialog;
class QWidget;

namespace sparsity::ui {

// The progress window of a file export (File > Export Masks, File > Export Pruned Weights):
// window-modal, cancellable, shown only once the export has run for 300 ms. UI thread only.
//
// A shown modal QProgressDialog processes events inside setValue(), so the export's end can
// arrive in the middle of advance(): the dialog is deleted later, when control returns to
// the event loop, and every call after end() finds no dialog.
class ExportProgress final
{
    Q_DECLARE_TR_FUNCTIONS(ExportProgress)

public:
    // The dialog gets `objectName` (tests find it by name) and `title`.
    ExportProgress(QWidget* window, QString objectName, QString title);
    ~ExportProgress();
    ExportProgress(const ExportProgress&) = delete;
    ExportProgress& operator=(const ExportProgress&) = delete;

    // A new dialog of `steps` steps saying `label`; `onCancel` runs when the user cancels, and
    // the dialog then says it is cancelling until end().
    void begin(const QString& label, int steps, std::function<void()> onCancel);
    // `done` of `count` steps are done; `nextLabel`, when not empty, names the next one.
    void advance(int done, int count, const QString& nextLabel);
    // Closes the dialog without reporting a cancel.
    void end();
    bool isActive() const { return !m_dialog.isNull(); }

private:
    QWidget* m_window;
    QString m_objectName;
    QString m_title;
    QPointer<QProgressDialog> m_dialog;
};

// Asks, window-modal and without blocking (this runs in job continuations), whether to replace
// `path` (objectName `objectName`, `question` with %1 for the path); `answered` gets true for
// Yes. Returns the open question box, which deletes itself when answered.
QMessageBox* askToReplaceFile(QWidget* window, const QString& objectName, const QString& question,
                              const QString& path, std::function<void(bool replace)> answered);

} // namespace sparsity::ui
