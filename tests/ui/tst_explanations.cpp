// Explanations where the numbers are (issue 11): the statistics panel says why achieved differs
// from requested, the hover read-out says when a block is partial, what rank 1 means and why a
// weight of a pruned block is kept; Edit > Copy as PyTorch puts the script on the clipboard; a
// preset sets a whole configuration in the real window.
#include "export/pytorchscript.h"
#include "heatmap/heatmapview.h"
#include "mainwindow/hoverreadout.h"
#include "mainwindow/layerview.h"
#include "mainwindow/mainwindow.h"
#include "mainwindow/pytorchcopy.h"
#include "mask/blockgrid.h"
#include "mask/sparsifier.h"
#include "mask/sparsityexplanation.h"
#include "session/session.h"
#include "stats/statspanel.h"
#include "testsnapshots.h"
#include "windowdriver.h"

#include <QAction>
#include <QClipboard>
#include <QComboBox>
#include <QDir>
#include <QGuiApplication>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>
#include <QTreeView>

using namespace sparsity;
using namespace sparsity::test;

namespace {

constexpr int asyncTimeout = 20000;

// H x C distinct weights 1..H*C: the smallest top left, no ties.
core::WeightTensor ramp(std::int64_t rows, std::int64_t cols)
{
    std::vector<float> values(static_cast<std::size_t>(rows * cols));
    for (std::size_t i = 0; i < values.size(); ++i)
        values[i] = static_cast<float>(i + 1);
    return core::WeightTensor({rows, cols}, values);
}

QAction* editMenuAction(ui::MainWindow& window, const char* name)
{
    for (QAction* menuAction : window.menuBar()->actions())
        if (QMenu* menu = menuAction->menu();
            menu && menu->objectName() == QLatin1String("editMenu"))
            for (QAction* action : menu->actions())
                if (action->objectName() == QLatin1String(name))
                    return action;
    return nullptr;
}

} // namespace

class TestExplanations : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QLocale::setDefault(QLocale::c()); }

    // The case: 90 % on a one-block layer gives 0 %, and the panel says why.
    void statisticsSayWhyAchievedDiffers()
    {
        ui::StatsPanel panel;
        auto* explanation = panel.findChild<QLabel*>(QStringLiteral("statsExplanation"));
        QVERIFY(explanation);
        panel.setSnapshot(makeSnapshot(ramp(1, 4), makeParams(0.9, 1, 4)));
        QVERIFY(explanation->isVisibleTo(&panel));
        QVERIFY2(explanation->text().startsWith(QStringLiteral("Why 0.00 % and not 90.0 %:\n• ")),
                 qPrintable(explanation->text()));
        QVERIFY2(explanation->text().contains(
                     QStringLiteral(
                         "a level below 100 % keeps at least one block; this layer has 1 block"),
                     Qt::CaseInsensitive),
                 qPrintable(explanation->text()));

        // 2:4 at 100 %: zeros per block explains the 50 %.
        const auto twoFour = makeSnapshot(ramp(8, 8), makeParams(1.0, 1, 4, 2));
        panel.setSnapshot(twoFour);
        const QStringList reasons = core::SparsityExplanation::reasons(
            twoFour->params, {8, 8, twoFour->params.block}, twoFour->stats);
        QCOMPARE(reasons.size(), 1);
        QCOMPARE(explanation->text(),
                 QStringLiteral("Why 50.00 % and not 100.0 %:\n• ") + reasons.front());

        // Several causes at once, grabbed at the dock's width when SPARSITY_SCREENSHOT_DIR is
        // set (to look at the wording and the wrapping).
        panel.setSnapshot(makeSnapshot(ramp(10, 10), makeParams(0.5, 4, 4, 6)));
        QCOMPARE(explanation->text().count(QStringLiteral("\n• ")), 3);
        if (const QString dir = qEnvironmentVariable("SPARSITY_SCREENSHOT_DIR"); !dir.isEmpty()) {
            panel.resize(340, 520);
            panel.show();
            QVERIFY(QTest::qWaitForWindowExposed(&panel));
            QVERIFY(panel.grab().save(QDir(dir).filePath(QStringLiteral("statistics.png"))));
            panel.hide();
        }

        // Nothing to explain: hidden, not left over from the last layer.
        panel.setSnapshot(makeSnapshot(ramp(8, 8), makeParams(0.5, 1, 4)));
        QVERIFY(!explanation->isVisibleTo(&panel));
        panel.setSnapshot(makeSnapshot(ramp(1, 4), makeParams(0.9, 1, 4)));
        panel.clear();
        QVERIFY(!explanation->isVisibleTo(&panel));
    }

    void hoverSaysPartialRankAndKeptInPlainWords()
    {
        QThreadPool pool;
        ui::HoverReadout readout(&pool);
        // 10 x 10 in 4 x 4 blocks, 2 zeros per block: 9 blocks, k = round(4.5) = 4.
        const auto snapshot = makeSnapshot(ramp(10, 10), makeParams(0.5, 4, 4, 2));
        readout.setSnapshot(snapshot);

        readout.showElement(0, 0);
        QVERIFY2(!readout.text().contains(QStringLiteral("partial")), qPrintable(readout.text()));
        QTRY_VERIFY2(readout.text().contains(
                         QStringLiteral("rank 1 of 9 (rank 1 = smallest norm, pruned first)")),
                     qPrintable(readout.text()));
        readout.showElement(9, 9);
        QVERIFY2(readout.text().contains(QStringLiteral(
                     "block 2×2 of 4×4, partial: cut by the bottom and right edges")),
                 qPrintable(readout.text()));
        readout.showElement(1, 9);
        QVERIFY2(readout.text().contains(
                     QStringLiteral("block 4×2 of 4×4, partial: cut by the right edge")),
                 qPrintable(readout.text()));
        readout.showElement(9, 1);
        QVERIFY2(readout.text().contains(
                     QStringLiteral("block 2×4 of 4×4, partial: cut by the bottom edge")),
                 qPrintable(readout.text()));

        // Kept weights of pruned blocks: (0, 3) in the whole block 0, (3, 9) in the partial
        // 4 x 2 block 2 (the ramp's smallest blocks are pruned: 0, 1, 2 and 3).
        const core::BlockGrid grid{10, 10, snapshot->params.block};
        const auto keptInPruned = [&](qint64 row, qint64 col) {
            const std::int64_t block = grid.blockIndexOf(row, col);
            return (*snapshot->mask)[static_cast<std::size_t>(row * 10 + col)] != 0 &&
                   snapshot->threshold.prunes(
                       core::blockKeyAt(*snapshot->norms, *snapshot->weights, block), block);
        };
        QVERIFY(keptInPruned(0, 3));
        readout.showElement(0, 3);
        QVERIFY2(readout.text().endsWith(QStringLiteral(
                     "kept: its block is pruned but zeros per block removes only the 2 smallest "
                     "of 16")),
                 qPrintable(readout.text()));
        QVERIFY(keptInPruned(3, 9));
        readout.showElement(3, 9);
        QVERIFY2(readout.text().endsWith(QStringLiteral(
                     "kept: its block is pruned but zeros per block removes only the 2 smallest "
                     "of 8")),
                 qPrintable(readout.text()));
        QVERIFY(!readout.text().contains(QStringLiteral("keeping some weights")));
        readout.showElement(9, 9); // block 8, the largest: kept whole
        QVERIFY2(readout.text().endsWith(QStringLiteral("   kept")), qPrintable(readout.text()));
        readout.showElement(0, 0);
        QVERIFY2(readout.text().endsWith(QStringLiteral("   pruned")), qPrintable(readout.text()));
        pool.waitForDone();
    }

    void copyAsPytorchFromTheEditMenu()
    {
        auto window = std::make_unique<ui::MainWindow>();
        window->show();
        QAction* copy = editMenuAction(*window, "copyAsPytorchAction");
        QVERIFY(copy);
        QVERIFY(!copy->isEnabled()); // no layer yet
        window->openDemo();
        QTRY_COMPARE_WITH_TIMEOUT(window->session()->currentLayer(),
                                  QStringLiteral("/mlp/fc2/weight"), asyncTimeout);
        QVERIFY(waitIdle(*window, asyncTimeout));
        QVERIFY(copy->isEnabled());
        ui::Session& session = *window->session();

        QGuiApplication::clipboard()->clear();
        copy->trigger();
        QString script = QGuiApplication::clipboard()->text();
        QVERIFY2(script.startsWith(QStringLiteral("#!/usr/bin/env python3\n")),
                 qPrintable(script.left(200)));
        QVERIFY(script.contains(QStringLiteral("SOURCE = \"%1\"").arg(session.filePath())));
        QVERIFY(script.contains(QStringLiteral("not exported yet")));
        QVERIFY(script.contains(QStringLiteral("temporary copy"))); // the demo's
        QVERIFY2(script.contains(QStringLiteral(
                     "check_with_pytorch(\"/mlp/fc2/weight\",\n                   "
                     "sparsity_level=0.5, sparse_block_shape=(4, 4), zeros_per_block=16, norm=2)")),
                 qPrintable(script.right(400)));

        // After an export the script compares with that file, and is exactly the generator's.
        setParams(*window, makeParams(0.3, 2, 4, 5, core::Norm::L1));
        QTemporaryDir dir;
        const QString output = dir.filePath(QStringLiteral("exported.h5"));
        QSignalSpy exported(window.get(), &ui::MainWindow::masksExported);
        window->exportMasks(output, false);
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, asyncTimeout);
        copy->trigger();
        script = QGuiApplication::clipboard()->text();
        QCOMPARE(script, core::pytorchScript(ui::pytorchScriptRequest(session, output)));
        QVERIFY(script.contains(QStringLiteral("MASKS = \"%1\"").arg(output)));
        QVERIFY(script.contains(QStringLiteral("exported with File > Export Masks")));
        QVERIFY(script.contains(QStringLiteral(
            "sparsity_level=0.3, sparse_block_shape=(2, 4), zeros_per_block=5, norm=1)")));

        // A conv weight: PyTorch cannot, the script applies the exported mask.
        session.selectLayer(QStringLiteral("/cnn/conv2/weight"));
        QVERIFY(waitIdle(*window, asyncTimeout));
        copy->trigger();
        script = QGuiApplication::clipboard()->text();
        QVERIFY(script.contains(QStringLiteral("apply_exported_mask(\"/cnn/conv2/weight\"")));
        QVERIFY(script.contains(QStringLiteral("# PyTorch cannot make this mask: rank 4")));
        QVERIFY(!script.contains(QStringLiteral("\ncheck_with_pytorch(")));
    }

    // Choosing 1x4 after 2:4 kept level 100 % and pruned the whole layer without a word.
    void presetSetsAWholeConfigurationInTheWindow()
    {
        auto window = std::make_unique<ui::MainWindow>();
        window->show();
        window->openDemo();
        QTRY_COMPARE_WITH_TIMEOUT(window->session()->currentLayer(),
                                  QStringLiteral("/mlp/fc2/weight"), asyncTimeout);
        QVERIFY(waitIdle(*window, asyncTimeout));
        auto* preset = child<QComboBox>(*window, "presetComboBox");
        const auto choose = [&](const QString& name) {
            const int index = preset->findText(name);
            QVERIFY(index > 0);
            preset->setCurrentIndex(index);
            Q_EMIT preset->activated(index);
            QVERIFY(waitIdle(*window, asyncTimeout));
        };
        choose(QStringLiteral("2:4 (NVIDIA sparse tensor cores)"));
        QCOMPARE(shown(*window)->params, makeParams(1.0, 1, 4, 2));
        choose(QStringLiteral("1x4"));
        QCOMPARE(shown(*window)->params, makeParams(0.5, 1, 4));
        QCOMPARE(shown(*window)->stats.achievedSparsity, 0.5);
        QCOMPARE(preset->currentText(), QStringLiteral("1x4"));
        choose(QStringLiteral("PyTorch defaults"));
        QCOMPARE(shown(*window)->params, makeParams(0.5, 1, 4, std::nullopt, core::Norm::L2));
        QCOMPARE(preset->currentText(), QStringLiteral("PyTorch defaults"));
    }

private:
    static void setParams(ui::MainWindow& window, const core::SparsityParams& params)
    {
        window.session()->setParams(params);
        QVERIFY(waitIdle(window, asyncTimeout));
    }
};

QTEST_MAIN(TestExplanations)
#include "tst_explanations.moc"
