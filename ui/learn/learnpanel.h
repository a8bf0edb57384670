#pragma once

#include "learn/learnmatrix.h"
#include "learn/learnwalkthrough.h"
#include "mask/sparsityparams.h"

#include <QWidget>
#include <functional>
#include <memory>
#include <optional>

class QComboBox;
class QLabel;
class QPushButton;
class QScrollArea;
class QSpinBox;
class QStackedWidget;
class QTableWidget;
class QTableWidgetItem;

namespace sparsity::ui {

class LearnGridView;
struct LayerSnapshot;

// The Learn dock: block sparsity step by step on a small matrix (a slice of the current layer,
// a seeded random one, or numbers typed into a table), with Back and Next, one sentence per step,
// the step's arithmetic with this matrix's numbers and the matrix drawn with every number in its
// cell. It follows the parameter panel: each change recomputes the walkthrough at once, on the
// UI thread, which is fine for at most 16 x 16 weights (the core's part takes microseconds, the
// texts of all nine steps 1 to 4 ms; docs/ARCHITECTURE.md). UI thread only.
class LearnPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LearnPanel)

public:
    enum class Source
    {
        Random,
        LayerSlice,
        Typed,
    };

    explicit LearnPanel(QWidget* parent = nullptr);
    ~LearnPanel() override;

    // The parameters the walkthrough follows (the parameter panel's).
    void setParams(const core::SparsityParams& params);
    core::SparsityParams params() const { return m_params; }

    // The layer on screen (null: none, or a new one is being read). While the slice source is
    // chosen, a snapshot of another layer (or file) takes a new slice at once; the same layer
    // keeps the slice until asked.
    void setLayer(const std::shared_ptr<const LayerSnapshot>& snapshot);
    // Where the heatmap is centred, as (column, row) of the layer: the next slice is taken
    // around it. Without one, around the layer's centre.
    void setViewCentreProvider(std::function<std::optional<QPoint>()> provider);

    void setSource(Source source);
    Source source() const { return m_source; }
    // A slice of the current layer around the view's centre; false without a layer.
    bool takeSlice();
    void setSeed(quint32 seed);
    quint32 seed() const;
    void newRandom();
    void setMatrixSize(QSize size); // columns x rows, each in [LearnMatrix::minSide, maxSide]
    QSize matrixSize() const;

    int currentStep() const { return m_step; }
    void setStep(int step);
    void next() { setStep(m_step + 1); }
    void back() { setStep(m_step - 1); }

    const LearnMatrix& matrix() const { return m_matrix; }
    // Null while the parameters or the matrix give nothing to show.
    std::shared_ptr<const LearnWalkthrough> walkthrough() const { return m_walkthrough; }
    LearnGridView* grid() const { return m_grid; }
    // The width at which the whole matrix shows without scrolling.
    int preferredWidth() const;
    QTableWidget* table() const { return m_table; }

Q_SIGNALS:
    // After every recomputation (parameters, matrix) and every step change.
    void walkthroughChanged();

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslate();
    void buildSourceControls(QWidget* box);
    void onSourceChosen(int index);
    void onSizeChanged();
    void onTableEdited(QTableWidgetItem* item);
    void setMatrix(LearnMatrix matrix);
    void fillTable();
    void recompute();
    void showStep();
    void showBlockNote(std::int64_t block);
    void updateSourceControls();
    void showLegend(const LearnStep* step);

    QComboBox* m_sourceBox;
    QSpinBox* m_rows;
    QSpinBox* m_cols;
    QStackedWidget* m_sourcePages;
    QSpinBox* m_seed;
    QPushButton* m_newRandom;
    QPushButton* m_takeSlice;
    QPushButton* m_editNumbers;
    QLabel* m_origin;
    QLabel* m_seedLabel = nullptr;
    QLabel* m_typedHint = nullptr;
    QLabel* m_matrixLabel = nullptr;
    QLabel* m_stepTitle;
    QLabel* m_sentence;
    QLabel* m_details;
    QStackedWidget* m_pages;
    QScrollArea* m_scroll;
    LearnGridView* m_grid;
    QTableWidget* m_table;
    QWidget* m_legend; // swatches and what they mean, rebuilt for each step
    QLabel* m_blockNote;
    QLabel* m_problem;
    QLabel* m_paramsLabel;
    QPushButton* m_back;
    QPushButton* m_next;

    core::SparsityParams m_params;
    Source m_source = Source::Random;
    LearnMatrix m_matrix;
    std::shared_ptr<const LearnWalkthrough> m_walkthrough;
    std::shared_ptr<const LayerSnapshot> m_layer;
    QString m_sliceLayer; // the layer path the slice was taken from
    // Only to tell whether a snapshot holds the weights the slice came from: never keeps a
    // layer's weights alive.
    std::weak_ptr<const core::WeightTensor> m_sliceWeights;
    std::function<std::optional<QPoint>()> m_viewCentre;
    std::optional<std::int64_t> m_selectedBlock;
    int m_step = 0;
};

} // namespace sparsity::ui
