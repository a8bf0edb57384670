#include "exportdialog.h"

#include "outputfileform.h"

#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QVBoxLayout>

namespace sparsity::ui {

ExportDialog::ExportDialog(const QString& currentLayer, int layerCount,
                           const QString& suggestedPath, QWidget* parent)
    : QDialog(parent)
    , m_current(new QRadioButton(tr("&Current layer (%1)").arg(currentLayer), this))
    , m_all(new QRadioButton(
          tr("&All %n sparsifiable layer(s), each with its own parameters", nullptr, layerCount),
          this))
    , m_path(new QLineEdit(suggestedPath, this))
{
    setObjectName(QStringLiteral("exportDialog"));
    setWindowTitle(tr("Export Masks"));
    m_current->setObjectName(QStringLiteral("exportCurrentLayer"));
    m_all->setObjectName(QStringLiteral("exportAllLayers"));
    m_path->setObjectName(QStringLiteral("exportPath"));
    m_current->setEnabled(!currentLayer.isEmpty());
    m_all->setEnabled(layerCount > 0);
    (currentLayer.isEmpty() ? m_all : m_current)->setChecked(true);

    const OutputFileForm output = makeOutputFileForm(this, m_path);
    connect(output.browse, &QPushButton::clicked, this, &ExportDialog::browse);
    m_ok = output.exportButton;
    connect(m_path, &QLineEdit::textChanged, this, &ExportDialog::updateOk);

    auto* note = new QLabel(tr("Masks are written as uint8 datasets (1 = keep) at the same paths "
                               "as the weights, with their parameters as attributes."),
                            this);
    note->setWordWrap(true);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_current);
    layout->addWidget(m_all);
    layout->addLayout(output.form);
    layout->addWidget(note);
    layout->addWidget(output.buttons);
    resize(560, sizeHint().height());
    updateOk();
}

void ExportDialog::setModelScope(const QString& description)
{
    m_all->setText(tr("&All layers, model scope: %1").arg(description));
    m_all->setChecked(true);
    m_current->setEnabled(false);
    m_current->setToolTip(tr("In model scope a layer's mask is its share of one ranking over all "
                             "layers: they are written together."));
}

bool ExportDialog::allLayers() const
{
    return m_all->isChecked();
}

QString ExportDialog::outputPath() const
{
    return m_path->text().trimmed();
}

void ExportDialog::browse()
{
    // The overwrite question comes later, from the main window, for typed paths too.
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Export Masks"), outputPath(),
                                     tr("HDF5 files (*.h5 *.hdf5);;safetensors (*.safetensors)"),
                                     nullptr, QFileDialog::DontConfirmOverwrite);
    if (!path.isEmpty())
        m_path->setText(path);
}

void ExportDialog::updateOk()
{
    m_ok->setEnabled(!outputPath().isEmpty());
}

} // namespace sparsity::ui
