// The real MainWindow (offscreen) on the demo weights under a storm of user changes: thousands
// of random level, block shape, zeros per block, norm, preset, view and layer changes with a
// fixed seed, the event loop run only now and then so that jobs are in flight and go stale.
// Along the way every delivered snapshot must belong to the current layer and to parameters
// that layer was given, generations only grow, and what is shown is consistent with its own
// parameters; at the end the shown mask, statistics and drawn categories must equal a fresh
// core::computeMask for the final parameters on the final layer.
//
// SPARSITY_STRESS_STEPS sets the number of changes (default 4000, 600 under ThreadSanitizer,
// 1500 under AddressSanitizer); SPARSITY_STRESS_SEED the seed (default 20240611).
#include "export/maskexport.h"
#include "hdf5/hdf5reader.h"
#include "heatmap/heatmapview.h"
#include "heatmap/masksource.h"
#include "layers/layertreemodel.h"
#include "mainwindow/layerview.h"
#include "mainwindow/mainwindow.h"
#include "mask/sparsifier.h"
#include "parameters/parameterpanel.h"
#include "session/session.h"
#include "windowdriver.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QSettings>
#include <QSlider>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTest>
#include <QTreeView>
#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <tuple>

using namespace sparsity;
using namespace sparsity::test;
using sparsity::ui::LayerView;
using sparsity::ui::MainWindow;

namespace {

const QString demoFile = QStringLiteral(SPARSITY_DEMO_FILE);
constexpr int asyncTimeout = 120000; // generous: sanitizer builds are several times slower

#if defined(__SANITIZE_THREAD__)
constexpr int defaultSteps = 600;
#elif defined(__SANITIZE_ADDRESS__)
constexpr int defaultSteps = 1500;
#else
constexpr int defaultSteps = 4000;
#endif

int environmentNumber(const char* name, int fallback)
{
    bool ok = false;
    const int value = qEnvironmentVariableIntValue(name, &ok);
    return ok && value > 0 ? value : fallback;
}

// A total order on parameters, so the ones a layer was given can be kept in a set.
auto key(const core::SparsityParams& p)
{
    return std::make_tuple(p.level, p.block.rows, p.block.cols, p.zerosPerBlock.value_or(-1),
                           static_cast<int>(p.norm));
}
using ParamsKey = decltype(key(core::SparsityParams{}));

QString describe(const core::SparsityParams& p)
{
    return QStringLiteral("level %1, block %2x%3, zeros %4, %5")
        .arg(p.level)
        .arg(p.block.rows)
        .arg(p.block.cols)
        .arg(p.effectiveZerosPerBlock())
        .arg(core::normName(p.norm));
}

} // namespace

class TestStress : public QObject
{
    Q_OBJECT

private:
    std::map<QString, core::WeightTensor> m_weights; // the demo's layers, read by the test
    QStringList m_layers;

    // The snapshot's mask and statistics are those of its own parameters on its own layer.
    void checkSelfConsistent(const ui::LayerSnapshot& snapshot, const char* what)
    {
        QVERIFY2(!snapshot.params.validate(), what);
        const core::WeightTensor& weights = m_weights.at(snapshot.datasetPath);
        const core::MaskResult expected = core::computeMask(weights, snapshot.params, {});
        QVERIFY2(snapshot.mask, what);
        QVERIFY2(std::equal(snapshot.mask->begin(), snapshot.mask->end(), expected.mask.begin(),
                            expected.mask.end()),
                 qPrintable(QStringLiteral("%1: mask of %2 [%3] is not computeMask's")
                                .arg(QLatin1String(what), snapshot.datasetPath,
                                     describe(snapshot.params))));
        QCOMPARE(snapshot.stats.zeros, expected.stats.zeros);
        QCOMPARE(snapshot.stats.prunedBlocks, expected.stats.prunedBlocks);
        QCOMPARE(snapshot.stats.achievedSparsity, expected.stats.achievedSparsity);
        QCOMPARE(snapshot.stats.retainedEnergy, expected.stats.retainedEnergy);
        QCOMPARE(snapshot.stats.retainedL1, expected.stats.retainedL1);
        QCOMPARE(snapshot.threshold.index, expected.threshold.index);
    }

    // The statistics panel shows these statistics.
    void checkStatsPanel(MainWindow& window, const core::MaskStats& stats)
    {
        const QLocale locale;
        QCOMPARE(text(window, "statsZeros"),
                 QStringLiteral("%1 of %2")
                     .arg(locale.toString(static_cast<qlonglong>(stats.zeros)),
                          locale.toString(static_cast<qlonglong>(stats.elements))));
        QVERIFY(text(window, "statsPrunedBlocks")
                    .startsWith(locale.toString(static_cast<qlonglong>(stats.prunedBlocks))));
        QCOMPARE(text(window, "statsRetainedEnergy"),
                 locale.toString(stats.retainedEnergy * 100.0, 'f', 2) + QStringLiteral(" %"));
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SparsityExplorerTests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_stress"));
        QSettings().clear();
        const auto reader = core::Hdf5Reader::open(demoFile);
        for (const core::DatasetInfo& info : core::defaultLayers(reader->listTree())) {
            m_weights.emplace(info.path, reader->readTensor(info.path, {}));
            m_layers << info.path;
        }
        QVERIFY(m_layers.size() >= 2);
    }

    void randomChangesWhileComputing()
    {
        const int steps = environmentNumber("SPARSITY_STRESS_STEPS", defaultSteps);
        const auto seed =
            static_cast<std::uint32_t>(environmentNumber("SPARSITY_STRESS_SEED", 20240611));
        qInfo("%d changes, seed %u", steps, seed);
        std::mt19937 random(seed);
        const auto pick = [&](int from, int to) {
            return std::uniform_int_distribution<int>(from, to)(random);
        };

        MainWindow window;
        window.show();
        window.openDemo();
        QTRY_VERIFY_WITH_TIMEOUT(!window.session()->currentLayer().isEmpty(), asyncTimeout);
        QVERIFY(waitIdle(window, asyncTimeout));

        ui::Session& session = *window.session();
        auto* tree = child<QTreeView>(window, "layerTree");
        auto* slider = child<QSlider>(window, "levelSlider");
        auto* levelSpin = child<QDoubleSpinBox>(window, "levelSpinBox");
        auto* rows = child<QSpinBox>(window, "blockRowsSpinBox");
        auto* cols = child<QSpinBox>(window, "blockColsSpinBox");
        auto* zeros = child<QSpinBox>(window, "zerosSpinBox");
        auto* norm = child<QComboBox>(window, "normComboBox");
        auto* preset = child<QComboBox>(window, "presetComboBox");
        auto* applyToAll = child<QPushButton>(window, "applyToAllButton");

        // Every parameter set each layer was given since it was last selected: a delivered
        // snapshot must be of one of them (no mix of one request's layer and another's
        // parameters). Generations only grow: a stale result is never shown after a newer one.
        std::map<QString, std::set<ParamsKey>> given;
        const auto noteParams = [&] {
            const QString layer = session.currentLayer();
            if (!layer.isEmpty())
                given[layer].insert(key(session.params(layer)));
        };
        int delivered = 0;
        quint64 lastDelivered = 0;
        QString failure;
        connect(&session, &ui::Session::snapshotReady, this,
                [&](const std::shared_ptr<const ui::LayerSnapshot>& snapshot) {
                    ++delivered;
                    if (!failure.isEmpty())
                        return;
                    if (snapshot->generation <= lastDelivered)
                        failure = QStringLiteral("generation %1 delivered after %2")
                                      .arg(snapshot->generation)
                                      .arg(lastDelivered);
                    else if (snapshot->datasetPath != session.currentLayer())
                        failure = QStringLiteral("a snapshot of %1 delivered while %2 is current")
                                      .arg(snapshot->datasetPath, session.currentLayer());
                    else if (!given[snapshot->datasetPath].contains(key(snapshot->params)))
                        failure = QStringLiteral("%1 delivered with parameters it was never "
                                                 "given since selected: %2")
                                      .arg(snapshot->datasetPath, describe(snapshot->params));
                    lastDelivered = snapshot->generation;
                });
        quint64 lastShown = 0;
        int shownCount = 0;
        connect(window.layerView(), &LayerView::snapshotShown, this, [&](quint64 generation) {
            ++shownCount;
            if (failure.isEmpty() && generation < lastShown)
                failure = QStringLiteral("the view went back from generation %1 to %2")
                              .arg(lastShown)
                              .arg(generation);
            lastShown = generation;
        });
        connect(&session, &ui::Session::layerSelected, this, [&](const QString& layer) {
            given[layer].clear();
            noteParams();
        });
        // A drag requests every value it passes, and any of them may be the one computed.
        connect(window.findChild<ui::ParameterPanel*>(), &ui::ParameterPanel::paramsChanged, this,
                [&](const core::SparsityParams& params) {
                    given[session.currentLayer()].insert(key(params));
                });
        noteParams();

        static constexpr int blockSides[] = {1, 1, 2, 2, 3, 4, 4, 5, 8, 16, 33, 200};
        const auto side = [&] { return blockSides[pick(0, std::size(blockSides) - 1)]; };
        int eventRuns = 0, layerSwitches = 0, checks = 0;
        QElapsedTimer clock;
        clock.start();
        for (int step = 0; step < steps; ++step) {
            const int action = pick(0, 99);
            if (action < 30) {
                // A drag: several slider values in a row, like mouse moves.
                slider->setSliderDown(true);
                for (int i = pick(1, 6); i > 0; --i)
                    slider->setValue(pick(0, ui::ParameterPanel::levelSteps));
                slider->setSliderDown(false);
            } else if (action < 38) {
                levelSpin->setValue(pick(0, 1000) / 10.0);
            } else if (action < 50) {
                rows->setValue(side());
            } else if (action < 62) {
                cols->setValue(side());
            } else if (action < 72) {
                zeros->setValue(pick(0, zeros->maximum()));
            } else if (action < 78) {
                norm->setCurrentIndex(1 - norm->currentIndex());
            } else if (action < 86) {
                const int index = pick(1, preset->count() - 1);
                preset->setCurrentIndex(index);
                Q_EMIT preset->activated(index);
            } else if (action < 96) {
                const QString layer = m_layers[pick(0, m_layers.size() - 1)];
                if (pick(0, 1) == 0) {
                    const QModelIndex index =
                        tree->model()
                            ->match(tree->model()->index(0, 0), ui::LayerTreeModel::DatasetPathRole,
                                    layer, 1, Qt::MatchExactly | Qt::MatchRecursive)
                            .value(0);
                    QVERIFY(index.isValid());
                    tree->setCurrentIndex(index);
                } else {
                    session.selectLayer(layer);
                }
                ++layerSwitches;
            } else if (action < 98) {
                window.layerView()->setKind(static_cast<LayerView::Kind>(pick(0, 3)));
            } else {
                applyToAll->click();
            }
            noteParams();
            QVERIFY2(failure.isEmpty(), qPrintable(failure));

            // The event loop only now and then: most changes land while jobs are running.
            if (pick(0, 5) == 0) {
                ++eventRuns;
                if (pick(0, 3) == 0)
                    QTest::qWait(pick(1, 4));
                else
                    QCoreApplication::processEvents();
                noteParams();
            }
            // Now and then what is on screen is checked against its own parameters.
            if (step % 250 == 125) {
                ++checks;
                const auto current = session.snapshot();
                if (current) {
                    QCOMPARE(current->datasetPath, session.currentLayer());
                    checkSelfConsistent(*current, "latest snapshot");
                    checkStatsPanel(window, current->stats);
                    if (QTest::currentTestFailed())
                        return;
                }
                if (const auto shown = window.layerView()->shownSnapshot()) {
                    QCOMPARE(shown->datasetPath, session.currentLayer());
                    QVERIFY(!current || shown->generation <= current->generation);
                    checkSelfConsistent(*shown, "shown snapshot");
                    if (QTest::currentTestFailed())
                        return;
                }
            }
        }
        const qint64 changesMs = clock.elapsed();
        QVERIFY(waitIdle(window, asyncTimeout));
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        qInfo("%d changes in %lld ms (%d layer switches, %d event-loop runs, %d checks); "
              "%d snapshots delivered, %d shown; idle after %lld ms",
              steps, changesMs, layerSwitches, eventRuns, checks, delivered, shownCount,
              clock.elapsed());
        QVERIFY(delivered > 0);

        // Idle: controls, session, screen and core agree on the final layer and parameters.
        const QString layer = session.currentLayer();
        const core::SparsityParams params = session.currentParams();
        QCOMPARE(window.findChild<ui::ParameterPanel*>()->params(), params);
        const auto snapshot = window.layerView()->shownSnapshot();
        QVERIFY(snapshot);
        QCOMPARE(session.snapshot(), snapshot);
        QCOMPARE(snapshot->datasetPath, layer);
        QCOMPARE(snapshot->params, params);
        checkSelfConsistent(*snapshot, "final snapshot");
        checkStatsPanel(window, snapshot->stats);
        if (QTest::currentTestFailed())
            return;
        QCOMPARE(text(window, "statsLayer"), layer);

        // The mask view draws every element in the category its mask byte allows.
        window.layerView()->setKind(LayerView::Kind::Mask);
        QVERIFY(waitIdle(window, asyncTimeout));
        const auto source = window.layerView()->heatmap()->source();
        const auto* maskSource = dynamic_cast<const ui::MaskSource*>(source.get());
        QVERIFY(maskSource);
        const core::WeightTensor& weights = m_weights.at(layer);
        const QImage image = ui::HeatmapView::renderFullResolution(*source, 1 << 14);
        QCOMPARE(image.size(),
                 QSize(static_cast<int>(weights.cols()), static_cast<int>(weights.rows())));
        using Category = ui::MaskSource::Category;
        for (std::int64_t r = 0; r < weights.rows(); ++r) {
            for (std::int64_t c = 0; c < weights.cols(); ++c) {
                const bool kept =
                    (*snapshot->mask)[static_cast<std::size_t>(r * weights.cols() + c)] != 0;
                const Category category = maskSource->categoryAt(r, c);
                const bool drawnKept =
                    category == Category::Kept || category == Category::KeptInPartBlock;
                if (drawnKept != kept || image.pixel(static_cast<int>(c), static_cast<int>(r)) !=
                                             ui::MaskSource::categoryColor(category))
                    QFAIL(
                        qPrintable(QStringLiteral("element (%1, %2) drawn wrongly").arg(r).arg(c)));
            }
        }
    }
};

QTEST_MAIN(TestStress)
#include "tst_stress.moc"
