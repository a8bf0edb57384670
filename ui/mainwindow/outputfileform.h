#pragma once

class QDialog;
class QDialogButtonBox;
class QFormLayout;
class QLineEdit;
class QPushButton;

namespace sparsity::ui {

// What the export dialogs share below their choices: the "Output file" row (the path field, its
// label as the field's buddy, a Browse button) and Export / Cancel (accept and reject wired).
// The dialog connects Browse and decides when Export is enabled.
struct OutputFileForm
{
    QFormLayout* form;
    QPushButton* browse;
    QDialogButtonBox* buttons;
    QPushButton* exportButton;
};

OutputFileForm makeOutputFileForm(QDialog* dialog, QLineEdit* path);

} // namespace sparsity::ui
