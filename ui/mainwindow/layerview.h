#pragma once

#include "heatmap/colormap.h"
#include "heatmap/valuescale.h"
#include "jobs/coalescingrunner.h"
#include "session/layersnapshot.h"

#include <QWidget>
#include <memory>
#include <optional>

class QCheckBox;
class QComboBox;
class QGridLayout;
class QLabel;
class QStackedWidget;
class QTabBar;
class QThreadPool;

namespace sparsity::ui {

class ColorbarWidget;
class HeatmapSource;
class HeatmapView;

// The selected layer as a heatmap: |weights|, block norms, the mask or the mask over the
// weights, with colour map, log scale and colorbar. Heatmap sources (whose constructors scan
// the layer) are built by this view's own job runner on the compute pool. UI thread only.
class LayerView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LayerView)

public:
    enum class Kind
    {
        Weights,
        BlockNorms,
        Mask,
        MaskOverWeights,
        Compare, // mask A (pinned) against the snapshot's mask; only while A is set
    };

    // Sources are built on computePool, the heatmap drawn on displayPool.
    LayerView(QThreadPool* computePool, QThreadPool* displayPool, QWidget* parent = nullptr);
    ~LayerView() override;

    void setSnapshot(std::shared_ptr<const LayerSnapshot> snapshot);
    void clear();
    // Shown instead of the heatmap while there is nothing to show (no file, no layer).
    void setPlaceholder(const QString& text);

    Kind kind() const;
    // The shown view's tab text ("Mask over Weights").
    QString kindName() const;
    void setKind(Kind kind);
    QString colormapName() const;
    void setColormapName(const QString& name);
    bool isLogarithmic() const;
    void setLogarithmic(bool logarithmic);
    // Fitting fills the view in both directions, so a 512x9 layer is not a thin strip.
    bool isStretched() const;
    void setStretched(bool stretched);
    // Mask A of the Compare view, of the current layer's shape; null disables that view (and
    // leaves it for the Mask view if it was shown).
    void setComparisonMask(std::shared_ptr<const core::MaskBytes> mask);
    bool hasComparison() const { return m_comparison != nullptr; }

    HeatmapView* heatmap() const { return m_heatmap; }
    // The colorbar and legend beside the heatmap; they follow the zoom (a zoomed-out mask shows
    // kept shares, with their own scale).
    ColorbarWidget* colorbar() const { return m_colorbar; }
    // The snapshot the heatmap shows (its source is built); null before the first.
    std::shared_ptr<const LayerSnapshot> shownSnapshot() const { return m_shown; }
    // Sources being built or an image being rendered.
    bool isBusy() const;

Q_SIGNALS:
    // A heatmap source for a new snapshot went to the view (the new mask is on its way).
    void snapshotShown(quint64 generation);
    void displayChanged(); // kind, colour map, scale or stretch

protected:
    void resizeEvent(QResizeEvent* event) override;
    // Retranslates, and builds the source again: its scale label and legend are words.
    void changeEvent(QEvent* event) override;

private:
    void retranslate();
    struct SourceRequest
    {
        std::shared_ptr<const LayerSnapshot> snapshot;
        Kind kind;
        Colormap colormap;
        bool logarithmic;
        std::optional<ValueRange> weightRange; // known ranges, so they are scanned once
        std::optional<ValueRange> normRange;
        std::shared_ptr<const core::MaskBytes> comparison;
    };
    struct SourceResult
    {
        std::shared_ptr<const LayerSnapshot> snapshot;
        std::shared_ptr<const HeatmapSource> source;
        Colormap colormap;
        std::optional<ValueRange> weightRange;
        std::optional<ValueRange> normRange;
    };
    static SourceResult buildSource(const SourceRequest& request);
    void requestSource();
    void showSource(SourceResult result);
    void updateControls();
    // Puts the colour controls beside the tabs when both fit, else on a row of their own, so
    // no tab scrolls out of sight on a narrow window.
    void arrangeTopRow();
    void updateColorbar();

    QStackedWidget* m_stack;
    QLabel* m_placeholder;
    QLabel* m_colormapLabel = nullptr;
    QTabBar* m_tabs;
    QComboBox* m_colormap;
    QCheckBox* m_log;
    QCheckBox* m_stretch;
    QWidget* m_controls; // colours, log scale, stretch
    QGridLayout* m_top;
    HeatmapView* m_heatmap;
    ColorbarWidget* m_colorbar;

    std::shared_ptr<const LayerSnapshot> m_snapshot; // newest
    std::shared_ptr<const LayerSnapshot> m_shown;
    Colormap m_shownColormap; // the colour map of the source on screen
    std::shared_ptr<const core::MaskBytes> m_comparison;
    // Ranges of the weights and norms last seen; the pointers identify what they describe.
    std::shared_ptr<const core::WeightTensor> m_rangeWeights;
    std::optional<ValueRange> m_weightRange;
    std::shared_ptr<const core::BlockNorms> m_rangeNorms;
    std::optional<ValueRange> m_normRange;
    CoalescingRunner<SourceRequest, SourceResult> m_runner;
};

} // namespace sparsity::ui
