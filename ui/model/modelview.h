#pragma once

#include "mask/sparsityparams.h"
#include "ranking/modelscope.h"

#include <QWidget>
#include <optional>

class QLabel;
class QProgressBar;
class QSplitter;
class QTimer;
class QTableView;

namespace sparsity::ui {

class ModelRankings;
class ModelSortProxy;
class ModelTableModel;
class Session;
class SparsityBarChart;

// The Model view: every maskable layer of the open file at the current configuration and level,
// in a sortable table with a totals row and as a bar chart of achieved sparsity, each layer
// ranked alone (layer scope) or sharing one ranking (model scope). Keeps the model's rankings
// (ModelRankings) and answers the session's model-scope counts from them. Double-clicking a
// layer asks to show it. UI thread only.
class ModelView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ModelView)

public:
    // The session must outlive the view; the view installs its ModelCounts in it.
    explicit ModelView(Session* session, QWidget* parent = nullptr);
    ~ModelView() override;

    // The parameters on screen: their configuration is ranked, their level counted, each
    // layer alone (no bounds) or model-wide within bounds.
    void setParameters(const core::SparsityParams& params, std::optional<core::ModelBounds> bounds);
    // Rank only while the view is shown or model scope needs the rankings.
    void setActive(bool active);
    bool isBusy() const;

    ModelRankings* rankings() const { return m_rankings; }
    QTableView* table() const { return m_table; }
    SparsityBarChart* chart() const { return m_chart; }

Q_SIGNALS:
    void layerActivated(const QString& datasetPath);

protected:
    void resizeEvent(QResizeEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    void retranslate();
    void onFileOpened();
    void activateRow(const QModelIndex& index);
    void scheduleChartUpdate();
    void updateChart();
    void updateStatus();

    Session* m_session;
    ModelRankings* m_rankings;
    ModelTableModel* m_model;
    ModelSortProxy* m_proxy;
    QLabel* m_status;
    QProgressBar* m_progress;
    QTableView* m_table;
    SparsityBarChart* m_chart;
    QSplitter* m_splitter;
    QTimer* m_chartUpdate; // one chart update per pass of the event loop
};

} // namespace sparsity::ui
