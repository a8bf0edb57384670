#pragma once

#include "io/datasetinfo.h"

#include <QWidget>
#include <memory>
#include <optional>

class QFormLayout;
class QLabel;

namespace sparsity::ui {

struct LayerSnapshot;

// The numbers that describe the current mask: shape, blocks, pruned blocks, zeros, achieved
// against requested sparsity and why they differ, retained energy and L1, the scope the mask was
// ranked in (a pending model scope is called so), and a warning for NaN or inf weights. UI thread
// only.
class StatsPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StatsPanel)

public:
    explicit StatsPanel(QWidget* parent = nullptr);

    // The dataset being shown (its type and size), before any snapshot exists.
    void setLayer(const std::optional<core::DatasetInfo>& info);
    void setSnapshot(const std::shared_ptr<const LayerSnapshot>& snapshot);
    void clear();

protected:
    void changeEvent(QEvent* event) override;

private:
    QLabel* addRow(const QString& objectName);
    // The row labels and tooltips, and the values again, in the language now installed.
    void retranslate();

    std::shared_ptr<const LayerSnapshot> m_snapshot; // the one shown, if any

    std::optional<core::DatasetInfo> m_info;
    QLabel* m_layer;
    QLabel* m_scope;
    QLabel* m_shape;
    QLabel* m_blocks;
    QLabel* m_pruned;
    QLabel* m_zeros;
    QLabel* m_sparsity;
    QLabel* m_energy;
    QLabel* m_l1;
    QLabel* m_warning;
    QLabel* m_explanation; // why achieved differs from requested (core::SparsityExplanation)
    QFormLayout* m_form;
};

} // namespace sparsity::ui
