// The Model view and the scope switch through the real MainWindow (offscreen): the table fills
// with every default layer, its numbers equal the core's for the same parameters (integers and
// exact ratios equal, estimated ones equal to the ranking's estimate), the totals row is
// core::combineStats and stays last when sorting, double-click opens a layer, the bar chart
// shows the table's sparsities, model scope gives the current layer its share of the
// model-wide mask (core::modelPrunedCounts + Sparsifier::computeWithPrunedCount) within the
// bounds and is labelled pending until then, results for replaced parameters are dropped, and
// Export Masks carries the scope. SPARSITY_SCREENSHOT_DIR keeps PNGs of the window in both
// scopes.
#include "common/hdf5fixtures.h"
#include "export/maskexport.h"
#include "io/tensorfile.h"
#include "io/tensorreader.h"
#include "mainwindow/layerview.h"
#include "mainwindow/mainwindow.h"
#include "mainwindow/maskexportflow.h"
#include "mask/sparsifier.h"
#include "model/modelrankings.h"
#include "model/modeltablemodel.h"
#include "model/modelview.h"
#include "model/sparsitybarchart.h"
#include "ranking/blockranking.h"
#include "ranking/modelscope.h"
#include "ranking/sweep.h"
#include "session/layersnapshot.h"
#include "session/session.h"
#include "windowdriver.h"

#include <QAction>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QHeaderView>
#include <QLabel>
#include <QRadioButton>
#include <QScrollBar>
#include <QSettings>
#include <QSlider>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <map>

using namespace sparsity;
using namespace sparsity::test;
using sparsity::ui::MainWindow;
using sparsity::ui::ModelTableModel;

namespace {

const QString demoFile = QStringLiteral(SPARSITY_DEMO_FILE);
const QString layersFile = QStringLiteral(SPARSITY_TEST_DATA_DIR "/layers.h5");
constexpr int asyncTimeout = 30000;

// Every default layer of a file, read by the test through core/io.
struct FileLayers
{
    QStringList paths;
    std::map<QString, core::WeightTensor> weights;
};

FileLayers readLayers(const QString& path)
{
    FileLayers layers;
    const auto reader = core::openTensorFile(path);
    for (const core::DatasetInfo& info : core::defaultLayers(reader->listTree())) {
        layers.paths << info.path;
        layers.weights.emplace(info.path, reader->readTensor(info.path, {}));
    }
    return layers;
}

void setConfiguration(MainWindow& window, std::int64_t rows, std::int64_t cols,
                      std::optional<std::int64_t> zeros = std::nullopt)
{
    child<QSpinBox>(window, "blockRowsSpinBox")->setValue(static_cast<int>(rows));
    child<QSpinBox>(window, "blockColsSpinBox")->setValue(static_cast<int>(cols));
    auto* zerosSpin = child<QSpinBox>(window, "zerosSpinBox");
    zerosSpin->setValue(static_cast<int>(zeros.value_or(zerosSpin->maximum())));
}

void setLevel(MainWindow& window, double level)
{
    child<QSlider>(window, "levelSlider")->setValue(static_cast<int>(std::lround(level * 1000)));
}

void showModelDock(MainWindow& window)
{
    auto* dock = child<QDockWidget>(window, "modelDock");
    if (!dock->isVisible())
        dock->toggleViewAction()->trigger(); // as View > Model does
    dock->raise();
}

// The table's row (in its current order) of a layer; -1 if none.
int rowOf(QTableView* table, const QString& path)
{
    for (int row = 0; row < table->model()->rowCount(); ++row)
        if (table->model()->index(row, 0).data(ModelTableModel::DatasetPathRole).toString() == path)
            return row;
    return -1;
}

QVariant cell(QTableView* table, int row, int column)
{
    return table->model()->index(row, column).data(ModelTableModel::ValueRole);
}

void keepScreenshot(MainWindow& window, const QString& name)
{
    const QString dir = qEnvironmentVariable("SPARSITY_SCREENSHOT_DIR");
    if (!dir.isEmpty())
        window.grab().save(QDir(dir).filePath(name));
}

} // namespace

class TestModelView : public QObject
{
    Q_OBJECT

private:
    FileLayers m_demo;
    FileLayers m_layers;
    QTemporaryDir m_dir;
    QString m_bigFile;       // two float32 layers of more than 1 MiB each
    int m_estimatedRows = 0; // rows checkTable found estimated, in the current test
    FileLayers m_big;

    std::unique_ptr<MainWindow> open(const QString& file, bool modelDock = true)
    {
        auto window = std::make_unique<MainWindow>();
        window->resize(1500, 1000);
        window->show();
        if (modelDock)
            showModelDock(*window);
        window->openFile(file);
        [&] {
            QTRY_VERIFY_WITH_TIMEOUT(!window->session()->currentLayer().isEmpty(), asyncTimeout);
            QVERIFY(waitIdle(*window, asyncTimeout));
        }();
        return window;
    }

    // Checks every row of the table against rankings the test builds from the weights: the
    // counts of `counts` (nullopt: each layer alone at the level), integers and sparsity
    // equal, ratios exact within 1e-12 of the mask path where the view says exact, else the
    // ranking's estimate; and the totals row equal to combineStats of those rows.
    void checkTable(MainWindow& window, const FileLayers& file, const core::SparsityParams& params,
                    const std::optional<std::vector<std::int64_t>>& counts)
    {
        auto* table = window.modelView()->table();
        ui::ModelRankings* rankings = window.modelView()->rankings();
        QCOMPARE(table->model()->rowCount(), file.paths.size() + 1);
        std::vector<core::MaskStats> rows;
        int exactRows = 0;
        for (int d = 0; d < file.paths.size(); ++d) {
            const QString& path = file.paths[d];
            const core::WeightTensor& weights = file.weights.at(path);
            const core::BlockRanking ranking =
                core::BlockRanking::build(weights, core::Configuration::of(params), {});
            const std::int64_t k = counts ? (*counts)[static_cast<std::size_t>(d)]
                                          : ranking.prunedCountAt(params.level);
            core::Sparsifier sparsifier(weights);
            core::MaskResult mask;
            sparsifier.computeWithPrunedCount(params, k, {}, mask);
            const int row = rowOf(table, path);
            QVERIFY2(row >= 0, qPrintable(path));
            QCOMPARE(cell(table, row, ModelTableModel::Parameters).toLongLong(),
                     weights.elementCount());
            QCOMPARE(cell(table, row, ModelTableModel::Blocks).toLongLong(), ranking.blockCount());
            QCOMPARE(cell(table, row, ModelTableModel::Pruned).toLongLong(), k);
            QCOMPARE(cell(table, row, ModelTableModel::Pruned).toLongLong(),
                     mask.stats.prunedBlocks);
            QCOMPARE(cell(table, row, ModelTableModel::Sparsity).toDouble(),
                     mask.stats.achievedSparsity);
            const int layer =
                rankings->layers().size() > 0
                    ? static_cast<int>(
                          std::find_if(rankings->layers().begin(), rankings->layers().end(),
                                       [&](const auto& entry) { return entry.info.path == path; }) -
                          rankings->layers().begin())
                    : -1;
            const double energy = cell(table, row, ModelTableModel::Energy).toDouble();
            const double l1 = cell(table, row, ModelTableModel::L1).toDouble();
            if (rankings->isExact(layer)) {
                QVERIFY2(std::abs(energy - mask.stats.retainedEnergy) <=
                             1e-12 * mask.stats.retainedEnergy,
                         qPrintable(path));
                QVERIFY(std::abs(l1 - mask.stats.retainedL1) <= 1e-12 * mask.stats.retainedL1);
                QVERIFY(!table->model()
                             ->index(row, ModelTableModel::Energy)
                             .data()
                             .toString()
                             .startsWith(QStringLiteral("≈")));
                rows.push_back(*rankings->stats(layer));
                ++exactRows;
            } else {
                const core::MaskStats estimate = ranking.estimatedStatsFor(k);
                QCOMPARE(energy, estimate.retainedEnergy);
                QCOMPARE(l1, estimate.retainedL1);
                QVERIFY(table->model()
                            ->index(row, ModelTableModel::Energy)
                            .data()
                            .toString()
                            .startsWith(QStringLiteral("≈")));
                rows.push_back(estimate);
            }
        }
        // The totals row: last, and the model's numbers from the rows' numbers.
        m_estimatedRows += static_cast<int>(file.paths.size()) - exactRows;
        const int totals = table->model()->rowCount() - 1;
        QVERIFY(table->model()->index(totals, 0).data(ModelTableModel::TotalsRole).toBool());
        const core::MaskStats model = core::combineStats(rows);
        QCOMPARE(cell(table, totals, ModelTableModel::Pruned).toLongLong(), model.prunedBlocks);
        QCOMPARE(cell(table, totals, ModelTableModel::Blocks).toLongLong(), model.blocks);
        QCOMPARE(cell(table, totals, ModelTableModel::Parameters).toLongLong(), model.elements);
        QCOMPARE(cell(table, totals, ModelTableModel::Sparsity).toDouble(), model.achievedSparsity);
        QCOMPARE(cell(table, totals, ModelTableModel::Energy).toDouble(), model.retainedEnergy);
        QCOMPARE(cell(table, totals, ModelTableModel::L1).toDouble(), model.retainedL1);

        // The chart draws the same sparsities, in the table's order.
        const auto& bars = window.modelView()->chart()->bars();
        QCOMPARE(static_cast<int>(bars.size()), file.paths.size());
        for (int row = 0; row < totals; ++row) {
            QCOMPARE(
                bars[static_cast<std::size_t>(row)].label,
                table->model()->index(row, 0).data(ModelTableModel::DatasetPathRole).toString());
            QVERIFY(bars[static_cast<std::size_t>(row)].sparsity.has_value());
            QCOMPARE(*bars[static_cast<std::size_t>(row)].sparsity,
                     cell(table, row, ModelTableModel::Sparsity).toDouble());
        }
    }

    // The model-wide counts of docs/SPEC.md "Model scope" for the file at params and bounds.
    static std::vector<std::int64_t> modelCounts(const FileLayers& file,
                                                 const core::SparsityParams& params,
                                                 const core::ModelBounds& bounds)
    {
        std::vector<core::BlockRanking> rankings;
        for (const QString& path : file.paths)
            rankings.push_back(core::BlockRanking::build(file.weights.at(path),
                                                         core::Configuration::of(params), {}));
        std::vector<const core::BlockRanking*> pointers;
        for (const core::BlockRanking& ranking : rankings)
            pointers.push_back(&ranking);
        return core::modelPrunedCounts(pointers, params.level, bounds);
    }

    // The shown snapshot is the current layer's share of the model-wide mask.
    void checkModelShare(MainWindow& window, const FileLayers& file,
                         const core::ModelBounds& bounds)
    {
        const auto snapshot = shown(window);
        QVERIFY(snapshot);
        QCOMPARE(snapshot->scope, ui::MaskScope::Model);
        QVERIFY(snapshot->model);
        QCOMPARE(snapshot->model->bounds.minLevel, bounds.minLevel);
        QCOMPARE(snapshot->model->bounds.maxLevel, bounds.maxLevel);
        const core::SparsityParams params = snapshot->params;
        QCOMPARE(snapshot->model->level, params.level);
        const std::vector<std::int64_t> counts = modelCounts(file, params, bounds);
        const auto d = static_cast<std::size_t>(file.paths.indexOf(snapshot->datasetPath));
        QVERIFY(d < counts.size());
        core::Sparsifier sparsifier(file.weights.at(snapshot->datasetPath));
        core::MaskResult expected;
        sparsifier.computeWithPrunedCount(params, counts[d], {}, expected);
        QCOMPARE(snapshot->stats.prunedBlocks, counts[d]);
        QVERIFY(std::equal(snapshot->mask->begin(), snapshot->mask->end(), expected.mask.begin(),
                           expected.mask.end()));
        QCOMPARE(snapshot->stats.zeros, expected.stats.zeros);
        QCOMPARE(snapshot->stats.retainedEnergy, expected.stats.retainedEnergy);
        QVERIFY(text(window, "statsScope").startsWith(QStringLiteral("Model:")));
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SparsityExplorerTests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_modelview"));
        QSettings().clear();
        m_demo = readLayers(demoFile);
        m_layers = readLayers(layersFile);
        m_bigFile = m_dir.filePath(QStringLiteral("big.h5"));
        QVERIFY(test::writeMatrixFile(m_bigFile, QStringLiteral("/a/w"), 600, 520, 3));
        QVERIFY(test::writeMatrixFile(m_bigFile, QStringLiteral("/b/w"), 700, 640, 4, false));
        m_big = readLayers(m_bigFile);
        QCOMPARE(m_big.paths.size(), 2);
        QCOMPARE(m_demo.paths.size(), 7);
        QCOMPARE(m_layers.paths,
                 (QStringList{QStringLiteral("/conv/weight"), QStringLiteral("/dense/kernel"),
                              QStringLiteral("/half"), QStringLiteral("/nested/deep/w")}));
    }

    void tableFillsWithEveryDefaultLayer_data()
    {
        QTest::addColumn<QString>("file");
        QTest::newRow("layers.h5") << layersFile;
        QTest::newRow("demo") << demoFile;
        // Layers above ModelRankings::smallLayerBytes keep no weights: the one not shown has
        // estimated ratios after a level change.
        QTest::newRow("big layers") << m_bigFile;
    }
    void tableFillsWithEveryDefaultLayer()
    {
        QFETCH(QString, file);
        const FileLayers& layers =
            file == demoFile ? m_demo : (file == layersFile ? m_layers : m_big);
        auto window = open(file);
        QCOMPARE(window->modelView()->rankings()->rankedCount(), layers.paths.size());
        checkTable(*window, layers, window->session()->currentParams(), std::nullopt);
        QVERIFY(text(*window, "modelStatus").startsWith(QStringLiteral("Layer scope")));

        // 1x1 blocks: many blocks a layer, so most ratios are estimates from the chunk sums.
        setConfiguration(*window, 1, 1);
        setLevel(*window, 0.37);
        QVERIFY(waitIdle(*window, asyncTimeout));
        checkTable(*window, layers, window->session()->currentParams(), std::nullopt);

        // A level change counts again and ranks nothing again.
        std::vector<const core::BlockRanking*> before;
        for (const auto& layer : window->modelView()->rankings()->layers())
            before.push_back(layer.ranking.get());
        setLevel(*window, 0.81);
        // Counted at once, on the UI thread: nothing is read or ranked for it.
        QVERIFY(!window->modelView()->rankings()->isBusy());
        QCOMPARE(*window->modelView()->rankings()->prunedCount(0),
                 before.front()->prunedCountAt(0.81));
        QVERIFY(waitIdle(*window, asyncTimeout));
        for (std::size_t i = 0; i < before.size(); ++i)
            QCOMPARE(window->modelView()->rankings()->layers()[i].ranking.get(), before[i]);
        m_estimatedRows = 0;
        checkTable(*window, layers, window->session()->currentParams(), std::nullopt);
        // Layers of a few chunks keep their weights (exact at every level); of the others,
        // all but the one shown are estimates: layers.h5 has only small layers, the demo both,
        // the big file two big ones.
        if (file == layersFile)
            QCOMPARE(m_estimatedRows, 0);
        else if (file == m_bigFile)
            QCOMPARE(m_estimatedRows, 1);
        else
            QVERIFY(m_estimatedRows > 0 && m_estimatedRows < layers.paths.size());
    }

    void sortingIsNumericAndKeepsTotalsLast()
    {
        auto window = open(demoFile);
        setConfiguration(*window, 1, 2);
        setLevel(*window, 0.6);
        QVERIFY(waitIdle(*window, asyncTimeout));
        QTableView* table = window->modelView()->table();
        for (int column = 0; column < ModelTableModel::ColumnCount; ++column) {
            for (const Qt::SortOrder order : {Qt::AscendingOrder, Qt::DescendingOrder}) {
                table->sortByColumn(column, order);
                const int rows = table->model()->rowCount();
                QVERIFY(
                    table->model()->index(rows - 1, 0).data(ModelTableModel::TotalsRole).toBool());
                for (int row = 1; row + 1 < rows; ++row) {
                    const QVariant a =
                        table->model()->index(row - 1, column).data(ModelTableModel::SortRole);
                    const QVariant b =
                        table->model()->index(row, column).data(ModelTableModel::SortRole);
                    if (column == ModelTableModel::Path) {
                        const int c =
                            QString::compare(a.toString(), b.toString(), Qt::CaseInsensitive);
                        QVERIFY(order == Qt::AscendingOrder ? c <= 0 : c >= 0);
                    } else {
                        QVERIFY2(
                            order == Qt::AscendingOrder ? a.toDouble() <= b.toDouble()
                                                        : a.toDouble() >= b.toDouble(),
                            qPrintable(QStringLiteral("column %1 row %2").arg(column).arg(row)));
                    }
                }
            }
        }
        // Numbers, not text: "10,240" sorts after "2,304" ascending by parameters.
        table->sortByColumn(ModelTableModel::Parameters, Qt::AscendingOrder);
        QVERIFY(
            cell(table, 0, ModelTableModel::Parameters).toLongLong() <
            cell(table, table->model()->rowCount() - 2, ModelTableModel::Parameters).toLongLong());
        // The chart follows the table's order.
        QCOMPARE(window->modelView()->chart()->bars().front().label,
                 table->model()->index(0, 0).data(ModelTableModel::DatasetPathRole).toString());
    }

    void doubleClickOpensTheLayer()
    {
        auto window = open(demoFile);
        QTableView* table = window->modelView()->table();
        const QString target = QStringLiteral("/mlp/fc2/weight");
        QVERIFY(window->session()->currentLayer() != target);
        const int row = rowOf(table, target);
        QVERIFY(row >= 0);
        table->scrollTo(table->model()->index(row, 0));
        const QRect rect = table->visualRect(table->model()->index(row, 0));
        QVERIFY(table->viewport()->rect().contains(rect.center()));
        // A double-click follows a click, as from a mouse (the view wants the press first).
        QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, rect.center());
        QTest::mouseDClick(table->viewport(), Qt::LeftButton, {}, rect.center());
        QCOMPARE(window->session()->currentLayer(), target);
        QVERIFY(waitIdle(*window, asyncTimeout));
        QCOMPARE(shown(*window)->datasetPath, target);
        // The totals row opens nothing.
        const int totals = table->model()->rowCount() - 1;
        table->scrollTo(table->model()->index(totals, 0));
        const QPoint totalsCenter = table->visualRect(table->model()->index(totals, 0)).center();
        QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, totalsCenter);
        QTest::mouseDClick(table->viewport(), Qt::LeftButton, {}, totalsCenter);
        QCOMPARE(window->session()->currentLayer(), target);
        // So does a double-click on a bar.
        auto* chart = window->modelView()->chart();
        const int bar = rowOf(table, QStringLiteral("/mlp/fc1/weight"));
        chart->verticalScrollBar()->setValue(bar * chart->rowHeight());
        QVERIFY(chart->viewport()->rect().contains(chart->barRect(bar).center()));
        QTest::mouseDClick(chart->viewport(), Qt::LeftButton, {}, chart->barRect(bar).center());
        QCOMPARE(window->session()->currentLayer(), QStringLiteral("/mlp/fc1/weight"));
        QVERIFY(waitIdle(*window, asyncTimeout));
    }

    // The scope switch: the first snapshot is pending (the rankings start with it), then the
    // current layer shows its share of the model-wide mask; level changes and bounds follow.
    void modelScopeShowsTheModelShare()
    {
        auto window = open(demoFile, false);
        setConfiguration(*window, 2, 2);
        setLevel(*window, 0.5);
        QVERIFY(waitIdle(*window, asyncTimeout));
        QCOMPARE(shown(*window)->scope, ui::MaskScope::Layer);

        // Every snapshot called model scope must be the model share: record them all.
        std::vector<std::shared_ptr<const ui::LayerSnapshot>> delivered;
        QStringList scopeTexts; // the statistics' scope as each snapshot arrived
        connect(window->session(), &ui::Session::snapshotReady, window.get(),
                [&](const std::shared_ptr<const ui::LayerSnapshot>& snapshot) {
                    delivered.push_back(snapshot);
                    scopeTexts << text(*window, "statsScope");
                });
        child<QRadioButton>(*window, "modelScopeButton")->click();
        QVERIFY(child<QDoubleSpinBox>(*window, "minLevelSpinBox")->isVisibleTo(window.get()));
        QTRY_VERIFY_WITH_TIMEOUT(!delivered.empty(), asyncTimeout);
        QCOMPARE(delivered.front()->scope, ui::MaskScope::ModelPending);
        QVERIFY(scopeTexts.front().startsWith(QStringLiteral("Model scope pending")));
        QVERIFY(waitIdle(*window, asyncTimeout));
        core::ModelBounds bounds;
        checkModelShare(*window, m_demo, bounds);
        QVERIFY(text(*window, "modelStatus").startsWith(QStringLiteral("Model scope")));

        // The model's numbers in the table are the model-wide counts.
        const core::SparsityParams params = window->session()->currentParams();
        QCOMPARE(window->session()->modelScope()->level, params.level);
        showModelDock(*window);
        QVERIFY(waitIdle(*window, asyncTimeout));
        checkTable(*window, m_demo, params, modelCounts(m_demo, params, bounds));
        keepScreenshot(*window, QStringLiteral("modelview-model-scope.png"));

        // A level change: counted, not ranked again.
        setLevel(*window, 0.8);
        QVERIFY(waitIdle(*window, asyncTimeout));
        checkModelShare(*window, m_demo, bounds);
        checkTable(*window, m_demo, window->session()->currentParams(),
                   modelCounts(m_demo, window->session()->currentParams(), bounds));

        // Bounds that bind: every layer between 70 % and 85 % of its blocks.
        child<QDoubleSpinBox>(*window, "maxLevelSpinBox")->setValue(85.0);
        child<QDoubleSpinBox>(*window, "minLevelSpinBox")->setValue(70.0);
        bounds = core::ModelBounds{0.70, 0.85};
        QVERIFY(waitIdle(*window, asyncTimeout));
        QCOMPARE(window->session()->modelScope()->bounds.minLevel, 0.70);
        checkModelShare(*window, m_demo, bounds);
        const std::vector<std::int64_t> counts =
            modelCounts(m_demo, window->session()->currentParams(), bounds);
        checkTable(*window, m_demo, window->session()->currentParams(), counts);
        QTableView* table = window->modelView()->table();
        for (const QString& path : m_demo.paths) {
            const std::int64_t blocks =
                cell(table, rowOf(table, path), ModelTableModel::Blocks).toLongLong();
            const std::int64_t pruned =
                cell(table, rowOf(table, path), ModelTableModel::Pruned).toLongLong();
            QVERIFY(pruned >= static_cast<std::int64_t>(std::nearbyint(0.70 * blocks)));
            QVERIFY(pruned <= static_cast<std::int64_t>(std::nearbyint(0.85 * blocks)));
        }
        // The minimum stops at the maximum.
        child<QDoubleSpinBox>(*window, "minLevelSpinBox")->setValue(95.0);
        QCOMPARE(child<QDoubleSpinBox>(*window, "minLevelSpinBox")->value(), 85.0);
        bounds = core::ModelBounds{0.85, 0.85};

        // Another layer in model scope: its share, with the same parameters.
        const core::SparsityParams shared = window->session()->currentParams();
        window->session()->selectLayer(QStringLiteral("/cnn/conv2/weight"));
        QVERIFY(waitIdle(*window, asyncTimeout));
        QCOMPARE(shown(*window)->params, shared);
        checkModelShare(*window, m_demo, bounds);

        for (const auto& snapshot : delivered) {
            if (snapshot->scope != ui::MaskScope::Model)
                continue;
            const std::vector<std::int64_t> expected =
                modelCounts(m_demo, snapshot->params, snapshot->model->bounds);
            QCOMPARE(
                snapshot->stats.prunedBlocks,
                expected[static_cast<std::size_t>(m_demo.paths.indexOf(snapshot->datasetPath))]);
        }

        // Back to layer scope: the layer ranked alone, with the parameters on screen.
        child<QRadioButton>(*window, "layerScopeButton")->click();
        QVERIFY(waitIdle(*window, asyncTimeout));
        QCOMPARE(shown(*window)->scope, ui::MaskScope::Layer);
        QVERIFY(!window->session()->modelScope());
        QVERIFY(!child<QDoubleSpinBox>(*window, "minLevelSpinBox")->isVisibleTo(window.get()));
        keepScreenshot(*window, QStringLiteral("modelview-layer-scope.png"));
    }

    // Configurations changed while layers are being read and ranked: nothing ranked for an
    // earlier configuration is ever shown, and the end state is the last configuration's.
    void staleRankingsAreDropped()
    {
        auto window = open(demoFile);
        ui::ModelRankings* rankings = window->modelView()->rankings();
        int ranked = 0;
        connect(rankings, &ui::ModelRankings::layerRanked, window.get(), [&](int layer) {
            const auto& entry = rankings->layers()[static_cast<std::size_t>(layer)];
            if (entry.ranking) {
                ++ranked;
                QVERIFY(entry.ranking->configuration().sameMasksAs(rankings->configuration()));
            }
        });
        const std::int64_t sizes[][2] = {{1, 1}, {4, 4}, {1, 4}, {8, 2}, {2, 2}, {1, 8}};
        for (const auto& size : sizes) {
            setConfiguration(*window, size[0], size[1]);
            QCoreApplication::processEvents(); // let some results arrive, mid-stream
        }
        setLevel(*window, 0.42);
        QVERIFY(waitIdle(*window, asyncTimeout));
        QVERIFY(ranked >= m_demo.paths.size());
        checkTable(*window, m_demo, window->session()->currentParams(), std::nullopt);
        for (const auto& layer : rankings->layers())
            QVERIFY(layer.ranking->configuration().sameMasksAs(
                core::Configuration::of(window->session()->currentParams())));
    }

    // While model scope waits for rankings, the table shows no layer's numbers (no count of
    // another scope or configuration), and the model's numbers appear with the last ranking.
    void modelScopeNumbersWaitForEveryRanking()
    {
        auto window = open(demoFile);
        child<QRadioButton>(*window, "modelScopeButton")->click();
        QVERIFY(waitIdle(*window, asyncTimeout));
        ui::ModelRankings* rankings = window->modelView()->rankings();
        QTableView* table = window->modelView()->table();
        setConfiguration(*window, 1, 1); // ranks every layer again
        int checks = 0;
        while (!rankings->isComplete()) {
            QCOMPARE(rankings->configuration(),
                     core::Configuration({1, 1}, std::nullopt, core::Norm::L2));
            for (int row = 0; row < table->model()->rowCount(); ++row)
                for (const int column :
                     {ModelTableModel::Pruned, ModelTableModel::Sparsity, ModelTableModel::Energy})
                    QVERIFY(!cell(table, row, column).isValid());
            QVERIFY(text(*window, "modelStatus").contains(QStringLiteral("Pending")));
            ++checks;
            QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
        }
        QVERIFY(checks > 0);
        QVERIFY(waitIdle(*window, asyncTimeout));
        const core::SparsityParams params = window->session()->currentParams();
        checkTable(*window, m_demo, params, modelCounts(m_demo, params, core::ModelBounds{}));
        checkModelShare(*window, m_demo, core::ModelBounds{});
    }

    // A model layer that cannot be read (declared bigger than memory, a missing filter) makes
    // model scope unavailable, and everything showing it says why; its row says "error".
    void unreadableLayerMakesModelScopeUnavailable()
    {
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("cases.h5"));
        test::silenceHdf5Errors();
        QVERIFY(test::writeDatasetCasesFile(file, dir.filePath(QStringLiteral("external.h5"))));
        auto window = std::make_unique<MainWindow>();
        window->show();
        showModelDock(*window);
        window->openFile(file, QStringLiteral("/good/w"));
        QTRY_COMPARE_WITH_TIMEOUT(window->session()->currentLayer(), QStringLiteral("/good/w"),
                                  asyncTimeout);
        child<QRadioButton>(*window, "modelScopeButton")->click();
        QVERIFY(waitIdle(*window, asyncTimeout));
        const auto snapshot = shown(*window);
        QVERIFY(snapshot);
        QCOMPARE(snapshot->datasetPath, QStringLiteral("/good/w"));
        QCOMPARE(snapshot->scope, ui::MaskScope::ModelUnavailable);
        QVERIFY2(snapshot->modelProblem.contains(QStringLiteral("/big/huge")),
                 qPrintable(snapshot->modelProblem));
        QVERIFY(text(*window, "statsScope").startsWith(QStringLiteral("Model scope unavailable")));
        QVERIFY(text(*window, "modelStatus").contains(QStringLiteral("Unavailable")));
        QTableView* table = window->modelView()->table();
        const int huge = rowOf(table, QStringLiteral("/big/huge"));
        QVERIFY(huge >= 0);
        QCOMPARE(table->model()->index(huge, ModelTableModel::Pruned).data().toString(),
                 QStringLiteral("error"));
        QVERIFY(!cell(table, table->model()->rowCount() - 1, ModelTableModel::Pruned).isValid());
    }

    // A layer outside the model (a rank-1 dataset, masked when named) in model scope is ranked
    // alone and says so.
    void layerOutsideTheModelSaysSo()
    {
        auto window = open(layersFile, false);
        child<QRadioButton>(*window, "modelScopeButton")->click();
        QVERIFY(waitIdle(*window, asyncTimeout));
        window->session()->selectLayer(QStringLiteral("/dense/bias"));
        QVERIFY(waitIdle(*window, asyncTimeout));
        QCOMPARE(shown(*window)->datasetPath, QStringLiteral("/dense/bias"));
        QCOMPARE(shown(*window)->scope, ui::MaskScope::OutsideModel);
        QVERIFY(text(*window, "statsScope").startsWith(QStringLiteral("Not one of the model")));
    }

    void exportRequestFollowsTheScope()
    {
        auto window = open(demoFile, false);
        setConfiguration(*window, 1, 4, 2);
        setLevel(*window, 0.3);
        QVERIFY(waitIdle(*window, asyncTimeout));
        const QString output = QDir::temp().filePath(QStringLiteral("masks.h5"));
        const ui::Session& session = *window->session();

        // With the Model dock closed and layer scope, nothing reads or ranks the model.
        QCOMPARE(window->modelView()->rankings()->rankedCount(), 0);

        core::ExportRequest layer = ui::MaskExportFlow::requestFor(session, output, false);
        QVERIFY(!layer.modelScope);
        QCOMPARE(layer.layers.size(), std::size_t{1});
        QCOMPARE(layer.layers.front().datasetPath, session.currentLayer());
        QCOMPARE(layer.layers.front().params, session.currentParams());

        child<QRadioButton>(*window, "modelScopeButton")->click();
        child<QDoubleSpinBox>(*window, "maxLevelSpinBox")->setValue(90.0);
        child<QDoubleSpinBox>(*window, "minLevelSpinBox")->setValue(10.0);
        setLevel(*window, 0.55);
        QVERIFY(waitIdle(*window, asyncTimeout));
        // Model scope needs every ranking, dock or no dock.
        QCOMPARE(window->modelView()->rankings()->rankedCount(), m_demo.paths.size());
        // Model scope writes every layer, whichever choice the dialog had.
        for (const bool allLayers : {false, true}) {
            const core::ExportRequest model =
                ui::MaskExportFlow::requestFor(session, output, allLayers);
            QVERIFY(model.modelScope);
            QCOMPARE(model.modelScope->level, 0.55);
            QCOMPARE(model.modelScope->bounds.minLevel, 0.10);
            QCOMPARE(model.modelScope->bounds.maxLevel, 0.90);
            QCOMPARE(static_cast<int>(model.layers.size()), m_demo.paths.size());
            for (std::size_t i = 0; i < model.layers.size(); ++i) {
                QCOMPARE(model.layers[i].datasetPath, m_demo.paths[static_cast<int>(i)]);
                QVERIFY(core::Configuration::of(model.layers[i].params)
                            .sameMasksAs(core::Configuration{{1, 4}, 2, core::Norm::L2}));
            }
            QCOMPARE(model.inputPath, session.filePath());
            QCOMPARE(model.expectedInput.has_value(), true);
        }
    }

    // Hundreds of bars stay readable: rows keep their height and the chart scrolls.
    void chartScrollsThroughHundredsOfLayers()
    {
        ui::SparsityBarChart chart;
        chart.resize(500, 300);
        std::vector<ui::SparsityBarChart::Bar> bars;
        for (int i = 0; i < 400; ++i)
            bars.push_back({QStringLiteral("/model/layers/%1/weight").arg(i),
                            (i % 3 == 0) ? std::nullopt : std::optional(i / 400.0),
                            QStringLiteral("tip %1").arg(i), i == 7});
        chart.setBars(bars);
        chart.setReference(0.5, 0.48);
        chart.show();
        QVERIFY(QTest::qWaitForWindowExposed(&chart));
        QVERIFY(chart.rowHeight() >= chart.fontMetrics().height());
        QVERIFY(chart.verticalScrollBar()->maximum() > 0);
        QCOMPARE(chart.rowAt(chart.barRect(0).center()), 0);
        chart.verticalScrollBar()->setValue(chart.verticalScrollBar()->maximum());
        QCOMPARE(chart.rowAt(chart.barRect(399).center()), 399);
        QVERIFY(chart.barRect(399).bottom() <= chart.viewport()->height());
        // Above the rows is the axis, which never scrolls away.
        QCOMPARE(chart.rowAt(QPoint(10, chart.headerHeight() / 2)), -1);
        const QImage image = chart.viewport()->grab().toImage();
        QVERIFY(!image.isNull());
    }
};

QTEST_MAIN(TestModelView)
#include "tst_modelview.moc"
