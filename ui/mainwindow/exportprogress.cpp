#include "exportprogress.h"

#include <QDir>
#include <QMessageBox>
#include <QProgressDialog>
#include <utility>

namespace sparsity::ui {

ExportProgress::ExportProgress(QWidget* window, QString objectName, QString title)
    : m_window(window)
    , m_objectName(std::move(objectName))
    , m_title(std::move(title))
{}

ExportProgress::~ExportProgress()
{
    end();
}

void ExportProgress::begin(const QString& label, int steps, std::function<void()> onCancel)
{
    end();
    auto* dialog = new QProgressDialog(label, tr("Cancel"), 0, steps, m_window);
    dialog->setObjectName(m_objectName);
    dialog->setWindowTitle(m_title);
    dialog->setWindowModality(Qt::WindowModal);
    dialog->setAutoClose(false);
    dialog->setAutoReset(false);
    dialog->setMinimumDuration(300); // a quick export should not flash a dialog
    dialog->setValue(0);
    QObject::connect(dialog, &QProgressDialog::canceled, dialog,
                     [dialog, onCancel = std::move(onCancel)] {
                         onCancel();
                         dialog->setLabelText(tr("Cancelling…"));
                     });
    m_dialog = dialog;
}

void ExportProgress::advance(int done, int count, const QString& nextLabel)
{
    QProgressDialog* dialog = m_dialog;
    if (!dialog)
        return;
    dialog->setMaximum(count);
    if (!nextLabel.isEmpty())
        dialog->setLabelText(nextLabel);
    // Last, since it may process events, among them the export's end.
    dialog->setValue(done);
}

void ExportProgress::end()
{
    QProgressDialog* dialog = m_dialog;
    if (!dialog)
        return;
    m_dialog = nullptr;
    // Closing a progress dialog emits canceled(): this is no cancel.
    QObject::disconnect(dialog, &QProgressDialog::canceled, nullptr, nullptr);
    dialog->close();
    // Not before control returns to the event loop, so not inside the dialog's own setValue().
    dialog->deleteLater();
}

QMessageBox* askToReplaceFile(QWidget* window, const QString& objectName, const QString& question,
                              const QString& path, std::function<void(bool replace)> answered)
{
    auto* box = new QMessageBox(QMessageBox::Question, ExportProgress::tr("Overwrite File?"),
                                question.arg(QDir::toNativeSeparators(path)),
                                QMessageBox::Yes | QMessageBox::No, window);
    box->setDefaultButton(QMessageBox::No);
    box->setObjectName(objectName);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setWindowModality(Qt::WindowModal);
    QObject::connect(box, &QMessageBox::finished, box, [box, answered = std::move(answered)] {
        answered(box->clickedButton() == box->button(QMessageBox::Yes));
    });
    box->open();
    return box;
}

} // namespace sparsity::ui
