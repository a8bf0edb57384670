#include "imageexportdialog.h"

#include "outputfileform.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QRadioButton>
#include <QVBoxLayout>

namespace sparsity::ui {

ImageExportDialog::ImageExportDialog(QSize field, QSize shown, const QString& suggestedPath,
                                     QWidget* parent)
    : QDialog(parent)
    , m_asShown(
          new QRadioButton(tr("As &shown: %1×%2 px, with title, colorbar and legend (for slides)")
                               .arg(shown.width())
                               .arg(shown.height()),
                           this))
    , m_onePixel(new QRadioButton(tr("&One pixel per weight: %1×%2 px, the picture only")
                                      .arg(field.width())
                                      .arg(field.height()),
                                  this))
    , m_path(new QLineEdit(suggestedPath, this))
{
    setObjectName(QStringLiteral("imageExportDialog"));
    setWindowTitle(tr("Export Image"));
    m_asShown->setObjectName(QStringLiteral("imageAsShown"));
    m_onePixel->setObjectName(QStringLiteral("imageOnePixelPerWeight"));
    m_path->setObjectName(QStringLiteral("imagePath"));
    m_asShown->setChecked(true);
    if (std::max(field.width(), field.height()) > 16384)
        m_onePixel->setToolTip(tr("Layers longer than 16384 weights are scaled down to 16384 px."));

    const OutputFileForm output = makeOutputFileForm(this, m_path);
    connect(output.browse, &QPushButton::clicked, this, &ImageExportDialog::browse);
    m_ok = output.exportButton;
    connect(m_path, &QLineEdit::textChanged, this,
            [this] { m_ok->setEnabled(!outputPath().isEmpty()); });

    auto* note = new QLabel(tr("Zoomed out, each pixel of a mask view shows the share of kept "
                               "weights under it; the legend in the picture says so."),
                            this);
    note->setWordWrap(true);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_asShown);
    layout->addWidget(m_onePixel);
    layout->addLayout(output.form);
    layout->addWidget(note);
    layout->addWidget(output.buttons);
    resize(560, sizeHint().height());
    m_ok->setEnabled(!outputPath().isEmpty());
}

ImageExportFlow::Mode ImageExportDialog::mode() const
{
    return m_asShown->isChecked() ? ImageExportFlow::Mode::AsShown
                                  : ImageExportFlow::Mode::OnePixelPerWeight;
}

QString ImageExportDialog::outputPath() const
{
    return m_path->text().trimmed();
}

void ImageExportDialog::accept()
{
    if (QFileInfo::exists(outputPath()) &&
        QMessageBox::question(
            this, tr("Overwrite File?"),
            tr("%1 already exists. Replace it?").arg(QDir::toNativeSeparators(outputPath())),
            QMessageBox::Yes | QMessageBox::No, QMessageBox::No) != QMessageBox::Yes)
        return;
    QDialog::accept();
}

void ImageExportDialog::browse()
{
    // The question about replacing comes from accept(), for typed paths too.
    const QString path = QFileDialog::getSaveFileName(this, tr("Export Image"), outputPath(),
                                                      tr("PNG images (*.png)"), nullptr,
                                                      QFileDialog::DontConfirmOverwrite);
    if (!path.isEmpty())
        m_path->setText(path);
}

} // namespace sparsity::ui
