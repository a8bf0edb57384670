#pragma once

#include "curvedata.h"
#include "jobs/coalescingrunner.h"
#include "session/layersnapshot.h"

#include <QWidget>
#include <memory>
#include <optional>
#include <vector>

class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSettings;
class QThreadPool;

namespace sparsity::ui {

class CurvePlot;
class ModelCurveRun;
class Session;

// The Curves dock: retained energy (or L1) against achieved sparsity at the sweep levels
// (core::defaultSweepLevels), one curve per configuration of a list the user edits (1x1, 2:4,
// 1x4, 4x1, 4x4 and 8x8 to start) plus the current one, all with the current norm; for the
// current layer or for the whole model. The current mask is a marker on its curve; hovering a
// point reads it out, clicking it asks for its configuration and level (paramsRequested).
//
// Layer curves are swept from the snapshot's weights on the compute pool (one runner; curves
// computed once per layer, norm and configuration, so a level change costs nothing). Model
// curves stream the file's sparsifiable layers through a ModelCurveRun and grow as layers
// arrive; they are kept per configuration until another file is opened. They need no snapshot:
// they start as soon as a file is open, with the session's parameters (the first layer's
// mask, histogram and image are not waited for), and the file's smallest layer is swept first,
// so that the first point of a big model is on screen after one small read and sweep. Nothing is
// started while the dock is hidden (a model run under way goes on), and no curve of other data than
// the layer or file on screen is ever drawn: a layer, file or norm change drops what was computed
// or is running for the old one. UI thread only.
class CurvesPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CurvesPanel)

public:
    enum class Measure
    {
        Energy,
        L1,
    };

    explicit CurvesPanel(Session* session, QWidget* parent = nullptr);
    ~CurvesPanel() override;

    // The window's newest snapshot of the current layer.
    void setSnapshot(std::shared_ptr<const LayerSnapshot> snapshot);
    // Another layer was selected: its curves are not this layer's.
    void clearLayer();
    // Another file was opened: neither layer nor model curves hold. Shown in model scope, the
    // dock starts the new file's model curves at once.
    void clearFile();

    // Holds the model curves' sweeps after their first layer (ModelCurveRun::setHeld), of the
    // run under way and of those started while held: the window holds them while the layer
    // it opened waits for its first image.
    void holdModelSweeps(bool held);

    // The list, as written ("2:4", "4x4/8"); setting it skips entries that do not parse.
    QStringList configurationSpecs() const;
    void setConfigurationSpecs(const QStringList& specs);
    // Adds a configuration written as RxC, RxC/Z or N:M; on bad input shows why (the
    // "curveConfigError" label) and returns false. A configuration already listed is not added
    // twice (returns true).
    bool addConfiguration(const QString& text);
    void removeConfiguration(int index);

    Measure measure() const;
    void setMeasure(Measure measure);
    bool isModelScope() const;
    void setModelScope(bool model);

    // The configurations drawn, in legend order: the list's with the current norm, then the
    // current one when the list does not hold it; the parameters are the snapshot's, or in
    // model scope before a snapshot of the layer the session's. Empty without them.
    const std::vector<core::Configuration>& configurations() const { return m_drawn; }
    // The drawn statistics of a configuration per level of levels() (for the model: combined
    // over the layers swept so far); null while not computed.
    const std::vector<core::MaskStats>* curve(const core::Configuration& configuration) const;
    // How many of the file's layers the model curve of a configuration holds so far (all of
    // them once complete; 0 while it has none).
    int modelLayerCount(const core::Configuration& configuration) const;
    const std::vector<double>& levels() const { return m_levels; }
    CurvePlot* plot() const { return m_plot; }
    // Curves or model layers being computed.
    bool isBusy() const;

    void saveSettings(QSettings& settings) const;
    void restoreSettings(const QSettings& settings);

Q_SIGNALS:
    // A clicked point: its configuration at its level.
    void paramsRequested(const core::SparsityParams& params);
    void busyChanged();

protected:
    void changeEvent(QEvent* event) override;
    void showEvent(QShowEvent* event) override;

private:
    // The fixed texts in the language now installed (the curves' texts come with redraw).
    void retranslate();
    struct LayerRequest
    {
        std::shared_ptr<const core::WeightTensor> weights;
        std::vector<core::Configuration> configurations;
        std::vector<double> levels;
        QThreadPool* pool;
    };
    struct LayerResult
    {
        std::shared_ptr<const core::WeightTensor> weights;
        std::vector<core::Configuration> configurations;
        std::vector<std::vector<core::MaskStats>> curves;
    };
    using CurveCache = std::vector<std::pair<core::Configuration, std::vector<core::MaskStats>>>;

    void refresh();
    void refreshLayer();
    void refreshModel();
    // Drops the model curves (a layer's matrix changed, or the file).
    void clearModel();
    void stopModelRun();
    void redraw();
    void updateDrawnConfigurations();
    void updateList();
    void showReadout(int curve, int index);
    void applyPoint(int curve, int index);
    double measured(const core::MaskStats& stats) const;
    int currentIndex() const;
    // The parameters the curves follow: the snapshot's (the mask on screen), else in model
    // scope the session's for the layer being opened; none without a file.
    std::optional<core::SparsityParams> shownParams() const;
    bool fileOpen() const;
    static const std::vector<core::MaskStats>* find(const CurveCache& cache,
                                                    const core::Configuration& configuration);

    Session* m_session;
    QComboBox* m_scope;
    QComboBox* m_measure;
    CurvePlot* m_plot;
    QLabel* m_readout;
    QLabel* m_progress;
    QListWidget* m_list;
    QLabel* m_listLabel = nullptr;
    QLineEdit* m_addEdit;
    QPushButton* m_add;
    QPushButton* m_remove;
    QLabel* m_error;

    std::vector<core::BlockSpec> m_specs;
    std::vector<double> m_levels;
    std::shared_ptr<const LayerSnapshot> m_snapshot;
    std::vector<core::Configuration> m_drawn;

    // Layer curves: of these weights, at this norm.
    std::shared_ptr<const core::WeightTensor> m_layerWeights;
    std::optional<core::Norm> m_layerNorm;
    CurveCache m_layerCurves;
    std::vector<core::Configuration> m_layerRequested; // on their way
    CoalescingRunner<LayerRequest, LayerResult> m_layerRunner;
    QString m_layerError;

    // Model curves: complete ones, and the run growing the others.
    CurveCache m_modelCurves;
    ModelCurveRun* m_modelRun = nullptr;
    bool m_holdModel = false;
    ModelCurves m_modelPartial;
    QString m_modelError;
    std::vector<core::Configuration> m_modelFailed; // the configurations the error is about
};

} // namespace sparsity::ui
