#pragma once

#include "mask/sparsityparams.h"
#include "ranking/modelscope.h"
#include "tensor/tensorlayout.h"

#include <QWidget>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QRadioButton;
class QSlider;
class QSpinBox;

namespace sparsity::ui {

// The controls of one mask's parameters: level, block shape, zeros per block, norm and
// presets, and the scope: each layer ranked alone, or the model's layers sharing one ranking
// (docs/SPEC.md "Model scope") with per-layer bounds. Their ranges admit only valid
// parameters; every user change emits exactly one paramsChanged or scopeChanged, also while
// the slider is dragged. UI thread only.
class ParameterPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ParameterPanel)

public:
    explicit ParameterPanel(QWidget* parent = nullptr);

    core::SparsityParams params() const;
    // Shows params without emitting (a layer switch, not a user change).
    void setParams(const core::SparsityParams& params);
    // A level chosen elsewhere (the histogram's threshold), rounded to the panel's 0.1 % steps;
    // emits paramsChanged if the level changes. Out of range is clamped; NaN is ignored.
    void setLevelFromUser(double level);
    // Parameters chosen elsewhere (a point of the Curves dock), as if set control by control:
    // emits paramsChanged once if they differ from the shown ones.
    void setParamsFromUser(const core::SparsityParams& params);

    // nullopt in layer scope; in model scope the per-layer bounds (the level is the model's).
    std::optional<core::ModelBounds> modelScope() const;
    // Shows a scope without emitting.
    void setModelScope(std::optional<core::ModelBounds> bounds);

    // The shown layer's layout and view (docs/SPEC.md "Layout", "View").
    core::TensorOrientation orientation() const;
    // Shows a layer's choice without emitting; autoLayout is what auto means for its file.
    void setOrientation(core::TensorOrientation orientation, core::Layout autoLayout);

    static constexpr int levelSteps = 1000; // 0.1 % steps
    static constexpr int maxBlockSide = 4096;

Q_SIGNALS:
    void paramsChanged(const core::SparsityParams& params);
    void applyToAllRequested();
    void scopeChanged(std::optional<core::ModelBounds> bounds);
    // The user chose another layout or view for the shown layer.
    void orientationChanged(core::TensorOrientation orientation);

protected:
    void changeEvent(QEvent* event) override;

private:
    // Every text of the panel in the language now installed.
    void retranslate();
    // The level's label and tooltips, which follow the scope.
    void updateLevelTexts();
    void onLevelSlider(int value);
    void onLevelSpin(double percent);
    void onBlockChanged();
    void onPresetActivated(int index);
    // Sets the controls without signals; the caller decides whether that is a user change.
    void showParams(const core::SparsityParams& params);
    void updateZerosRange(bool keepWholeBlock);
    void updatePreset();
    void commit();
    void onScopeControls();
    void showScope(std::optional<core::ModelBounds> bounds);

    QComboBox* m_preset;
    QSlider* m_levelSlider;
    QDoubleSpinBox* m_levelSpin;
    QSpinBox* m_blockRows;
    QSpinBox* m_blockCols;
    QSpinBox* m_zeros;
    QComboBox* m_norm;
    QPushButton* m_applyToAll;
    QLabel* m_problem;
    QLabel* m_levelLabel;
    QRadioButton* m_layerScope;
    QRadioButton* m_modelScope;
    QLabel* m_boundsLabel;
    QWidget* m_bounds;
    QDoubleSpinBox* m_minLevel;
    QDoubleSpinBox* m_maxLevel;
    QLabel* m_scopeLabel;
    QLabel* m_presetLabel;
    QLabel* m_blockLabel;
    QLabel* m_zerosLabel;
    QLabel* m_normLabel;
    QLabel* m_toLabel;
    QLabel* m_layoutLabel;
    QComboBox* m_layout;
    QComboBox* m_view;
    core::Layout m_autoLayout = core::Layout::Torch;
    std::optional<core::ModelBounds> m_shownScope;
    core::SparsityParams m_shown; // what the controls showed after the last change
};

} // namespace sparsity::ui
