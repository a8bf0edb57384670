#include "outputfileform.h"

#include <QCoreApplication>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>

namespace sparsity::ui {

OutputFileForm makeOutputFileForm(QDialog* dialog, QLineEdit* path)
{
    OutputFileForm parts;
    parts.browse =
        new QPushButton(QCoreApplication::translate("OutputFileForm", "&Browse…"), dialog);
    auto* pathRow = new QHBoxLayout;
    pathRow->addWidget(path, 1);
    pathRow->addWidget(parts.browse);
    // A form label made from a string has no buddy and shows its '&' literally.
    auto* pathLabel =
        new QLabel(QCoreApplication::translate("OutputFileForm", "&Output file:"), dialog);
    pathLabel->setBuddy(path);
    parts.form = new QFormLayout;
    parts.form->addRow(pathLabel, pathRow);

    parts.buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, dialog);
    parts.exportButton = parts.buttons->button(QDialogButtonBox::Ok);
    parts.exportButton->setText(QCoreApplication::translate("OutputFileForm", "&Export"));
    QObject::connect(parts.buttons, &QDialogButtonBox::accepted, dialog, &QDialog::accept);
    QObject::connect(parts.buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    return parts;
}

} // namespace sparsity::ui
