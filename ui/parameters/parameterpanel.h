#pragma once

#include "mask/sparsityparams.h"

#include <QWidget>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSlider;
class QSpinBox;

namespace sparsity::ui {

// The controls of one mask's parameters: level, block shape, zeros per block, norm and
// presets. Their ranges admit only valid parameters; every user change emits exactly one
// paramsChanged, also while the slider is dragged. UI thread only.
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

    static constexpr int levelSteps = 1000; // 0.1 % steps
    static constexpr int maxBlockSide = 4096;

Q_SIGNALS:
    void paramsChanged(const core::SparsityParams& params);
    void applyToAllRequested();

private:
    void onLevelSlider(int value);
    void onLevelSpin(double percent);
    void onBlockChanged();
    void onPresetActivated(int index);
    // Sets the controls without signals; the caller decides whether that is a user change.
    void showParams(const core::SparsityParams& params);
    void updateZerosRange(bool keepWholeBlock);
    void updatePreset();
    void commit();

    QComboBox* m_preset;
    QSlider* m_levelSlider;
    QDoubleSpinBox* m_levelSpin;
    QSpinBox* m_blockRows;
    QSpinBox* m_blockCols;
    QSpinBox* m_zeros;
    QComboBox* m_norm;
    QPushButton* m_applyToAll;
    QLabel* m_problem;
    core::SparsityParams m_shown; // what the controls showed after the last change
};

} // namespace sparsity::ui
