#pragma once

#include "imageexportflow.h"

#include <QDialog>

class QLineEdit;
class QPushButton;
class QRadioButton;

namespace sparsity::ui {

// Asks how to export the picture (as shown, for slides, or one pixel per weight) and where
// to; asks before replacing an existing file. Only collects the choice. UI thread only.
class ImageExportDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ImageExportDialog)

public:
    // field: the layer's columns x rows; shown: the picture "as shown" in pixels.
    ImageExportDialog(QSize field, QSize shown, const QString& suggestedPath,
                      QWidget* parent = nullptr);

    ImageExportFlow::Mode mode() const;
    QString outputPath() const;

    void accept() override;

private:
    void browse();

    QRadioButton* m_asShown;
    QRadioButton* m_onePixel;
    QLineEdit* m_path;
    QPushButton* m_ok;
};

} // namespace sparsity::ui
