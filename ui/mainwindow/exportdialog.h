#pragma once

#include <QDialog>

class QLineEdit;
class QPushButton;
class QRadioButton;

namespace sparsity::ui {

// Asks what to export (the current layer or every sparsifiable layer) and where to. Only
// collects the choice; the main window checks for overwriting and runs the export.
// UI thread only.
class ExportDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ExportDialog)

public:
    ExportDialog(const QString& currentLayer, int layerCount, const QString& suggestedPath,
                 QWidget* parent = nullptr);

    // Model scope: only every layer together can be written (each mask is its share of one
    // ranking); `description` says at which level and bounds.
    void setModelScope(const QString& description);

    bool allLayers() const;
    QString outputPath() const;

private:
    void browse();
    void updateOk();

    QRadioButton* m_current;
    QRadioButton* m_all;
    QLineEdit* m_path;
    QPushButton* m_ok;
};

} // namespace sparsity::ui
