// The rough edges a new user hit, through the real MainWindow (offscreen): layer names whole
// at the default width and again after the window shrinks and grows, the filter showing what
// a matching group holds, natural order and dotted names grouped, context menus that copy the
// right text, the parameter dock without empty space, every view tab visible at 1280x720, a
// 512x9 layer stretched to fill the view, and sessions saved and restored (a changed file is
// named). Set SPARSITY_SCREENSHOT_DIR to keep PNGs of the window at 1280x720 and 2400x1400.
#include "common/hdf5fixtures.h"
#include "heatmap/heatmapview.h"
#include "layers/layerbrowser.h"
#include "layers/layertreemodel.h"
#include "mainwindow/contextmenus.h"
#include "mainwindow/dockwidthkeeper.h"
#include "mainwindow/hoverreadout.h"
#include "mainwindow/layerview.h"
#include "mainwindow/mainwindow.h"
#include "mainwindow/sessionflow.h"
#include "mainwindow/windowsettings.h"
#include "session/savedsession.h"
#include "session/session.h"
#include "windowdriver.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QDockWidget>
#include <QFile>
#include <QFileInfo>
#include <QFrame>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabBar>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>

using namespace sparsity;
using namespace sparsity::test;
using sparsity::ui::LayerTreeModel;
using sparsity::ui::LayerView;
using sparsity::ui::MainWindow;

namespace {

const QString longGroup = QStringLiteral("face_landmarks_detector_backbone");

// A state_dict written flat (dotted names), a long group name and a 512x9 layer.
bool writeStateDict(const QString& path)
{
    silenceHdf5Errors();
    bool ok = writeMatrixFile(path, QStringLiteral("/encoder.layers.0.attn.weight"), 16, 16, 1);
    for (const char* name :
         {"/encoder.layers.2.attn.weight", "/encoder.layers.10.attn.weight",
          "/encoder.layers.2.mlp.weight", "/layers.10.weight", "/layers.2.weight"})
        ok = ok && writeMatrixFile(path, QLatin1String(name), 16, 16, 2, false);
    ok = ok && writeMatrixFile(
                   path, QLatin1Char('/') + longGroup + QStringLiteral("/projection_weight_matrix"),
                   32, 32, 3, false);
    ok = ok && writeMatrixFile(path, QStringLiteral("/thin.weight"), 9, 512, 4, false);
    return ok;
}

QString savePng(QWidget& widget, const QString& name)
{
    const QString dir = qEnvironmentVariable("SPARSITY_SCREENSHOT_DIR");
    if (dir.isEmpty())
        return {};
    const QString path = dir + QLatin1Char('/') + name;
    widget.grab().save(path);
    return path;
}

// The names of the rows under `parent` of the layer tree, as the view shows them.
QStringList shownNames(QTreeView* view, const QModelIndex& parent = {})
{
    QStringList names;
    for (int row = 0; row < view->model()->rowCount(parent); ++row)
        names << view->model()->index(row, 0, parent).data().toString();
    return names;
}

QModelIndex shownIndex(QTreeView* view, const QString& path)
{
    return view->model()
        ->match(view->model()->index(0, 0), LayerTreeModel::DatasetPathRole, path, 1,
                Qt::MatchExactly | Qt::MatchRecursive)
        .value(0);
}

// True when every name in column 0 fits its column (nothing elided).
bool namesWhole(QTreeView* view)
{
    const QAbstractItemView* base = view;
    return view->columnWidth(LayerTreeModel::NameColumn) >=
           base->sizeHintForColumn(LayerTreeModel::NameColumn);
}

} // namespace

class TestRoughEdges final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_file;

    std::unique_ptr<MainWindow> openWindow(QSize size, const QString& file)
    {
        auto window = std::make_unique<MainWindow>();
        window->resize(size);
        window->show();
        if (!QTest::qWaitForWindowExposed(window.get()))
            return nullptr;
        window->openFile(file);
        if (!waitIdle(*window, 20000))
            return nullptr;
        return window;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SparsityExplorerTests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_roughedges"));
        QSettings().clear();
        QFile::remove(ui::SavedSession::lastSessionPath());
        m_file = m_dir.filePath(QStringLiteral("state_dict.h5"));
        QVERIFY(writeStateDict(m_file));
    }

    void layerNamesFitAndStayWhole()
    {
        auto window = openWindow(QSize(1280, 720), m_file);
        QVERIFY(window);
        auto* tree = child<QTreeView>(*window, "layerTree");
        auto* dock = child<QDockWidget>(*window, "layersDock");
        QTRY_VERIFY2(
            namesWhole(tree),
            qPrintable(
                QStringLiteral("name column %1 < %2, dock %3, wanted %4, preferred %5")
                    .arg(tree->columnWidth(0))
                    .arg(static_cast<const QAbstractItemView*>(tree)->sizeHintForColumn(0))
                    .arg(dock->width())
                    .arg(window->dockWidths()->wantedWidth(dock))
                    .arg(child<ui::LayerBrowser>(*window, "layerBrowser")->preferredWidth())));
        savePng(*window, QStringLiteral("roughedges-1280x720.png"));
        const int wide = dock->width();

        // Shrunk, the dock gives way; grown again, it gets its width back.
        window->resize(760, 600);
        QTRY_VERIFY(dock->width() < wide);
        QTest::qWait(50);
        window->resize(1280, 720);
        // Back to its width, give or take the share rule of DockWidthKeeper (the docks together
        // take at most half the window, so with wide right-hand docks a few pixels may go).
        QTRY_VERIFY2(dock->width() >= wide * 95 / 100,
                     qPrintable(QStringLiteral("%1 < %2").arg(dock->width()).arg(wide)));
        QTRY_VERIFY(namesWhole(tree));
    }

    void everyViewTabIsVisibleAt1280x720()
    {
        auto window = openWindow(QSize(1280, 720), m_file);
        QVERIFY(window);
        auto* tabs = child<QTabBar>(*window, "viewTabs");
        for (int i = 0; i < tabs->count(); ++i) {
            const QRect tab = tabs->tabRect(i);
            QVERIFY2(tab.left() >= 0 && tab.right() < tabs->width(),
                     qPrintable(QStringLiteral("tab %1 at %2..%3 of %4")
                                    .arg(i)
                                    .arg(tab.left())
                                    .arg(tab.right())
                                    .arg(tabs->width())));
        }
        // Nothing elided: the bar has the width its whole tabs ask for.
        QVERIFY2(
            tabs->width() >= tabs->sizeHint().width(),
            qPrintable(QStringLiteral("%1 < %2").arg(tabs->width()).arg(tabs->sizeHint().width())));
        // The colour controls are still there, on their own row if need be.
        QVERIFY(child<QCheckBox>(*window, "logScaleCheckBox")->isVisible());
        QVERIFY(child<QCheckBox>(*window, "stretchCheckBox")->isVisible());
    }

    void parameterDockHasNoEmptySpace()
    {
        for (const QSize size : {QSize(1280, 720), QSize(2400, 1400)}) {
            auto window = openWindow(size, m_file);
            QVERIFY(window);
            auto* button = child<QPushButton>(*window, "applyToAllButton");
            auto* panel = child<QWidget>(*window, "parameterPanel");
            const int below = panel->height() - (button->geometry().bottom() + 1);
            QVERIFY2(below <= 24, qPrintable(QStringLiteral("%1 px under the button at %2x%3")
                                                 .arg(below)
                                                 .arg(size.width())
                                                 .arg(size.height())));
            // The statistics got the height instead.
            QVERIFY(child<QDockWidget>(*window, "statsDock")->height() > panel->height());
            if (size.width() > 2000)
                savePng(*window, QStringLiteral("roughedges-2400x1400.png"));
        }
    }

    void thinLayerStretchesToFill()
    {
        auto window = openWindow(QSize(1280, 720), m_file);
        QVERIFY(window);
        window->session()->selectLayer(QStringLiteral("/thin.weight"));
        QVERIFY(waitIdle(*window, 20000));
        ui::HeatmapView* heatmap = window->layerView()->heatmap();
        QCOMPARE(heatmap->zoomModel().fieldSize(), QSize(512, 9));
        const double strip = heatmap->zoomModel().fieldInViewport().height();
        QVERIFY2(strip < 0.2 * heatmap->height(), qPrintable(QString::number(strip)));

        child<QCheckBox>(*window, "stretchCheckBox")->setChecked(true);
        QVERIFY(waitIdle(*window, 20000));
        const QRectF field = heatmap->zoomModel().fieldInViewport();
        QVERIFY(std::abs(field.height() - heatmap->height()) < 1.0);
        QVERIFY(std::abs(field.width() - heatmap->width()) < 1.0);
        QCOMPARE(heatmap->renderedRegion(), heatmap->zoomModel().visibleRegion());
        // The element under a pixel follows the stretch: the last row is at the bottom.
        QCOMPARE(int(heatmap->zoomModel().elementAt(QPointF(2, heatmap->height() - 2)).y()), 8);
        savePng(*window, QStringLiteral("roughedges-stretched.png"));

        // Remembered with the window's settings.
        ui::WindowSettings::save(*window, *window->layerView());
        child<QCheckBox>(*window, "stretchCheckBox")->setChecked(false);
        QVERIFY(!window->layerView()->isStretched());
        QCOMPARE(QSettings().value(QStringLiteral("view/stretch")).toBool(), true);
    }

    void filterShowsWhatAMatchingGroupHolds()
    {
        auto window = openWindow(QSize(1280, 720), m_file);
        QVERIFY(window);
        auto* tree = child<QTreeView>(*window, "layerTree");
        child<QLineEdit>(*window, "layerFilter")->setText(QStringLiteral("face_land"));
        QVERIFY(shownIndex(tree, QLatin1Char('/') + longGroup +
                                     QStringLiteral("/projection_weight_matrix"))
                    .isValid());
        QVERIFY(!shownIndex(tree, QStringLiteral("/thin.weight")).isValid());
        // A group in the middle of a dotted name: everything under encoder.layers.2.
        child<QLineEdit>(*window, "layerFilter")->setText(QStringLiteral("layers.2."));
        QVERIFY(shownIndex(tree, QStringLiteral("/encoder.layers.2.attn.weight")).isValid());
        QVERIFY(shownIndex(tree, QStringLiteral("/encoder.layers.2.mlp.weight")).isValid());
        QVERIFY(!shownIndex(tree, QStringLiteral("/encoder.layers.10.attn.weight")).isValid());
        QVERIFY(!shownIndex(tree, QStringLiteral("/encoder.layers.0.attn.weight")).isValid());
    }

    void dottedNamesGroupInNaturalOrder()
    {
        auto window = openWindow(QSize(1280, 720), m_file);
        QVERIFY(window);
        auto* browser = child<ui::LayerBrowser>(*window, "layerBrowser");
        auto* tree = browser->view();
        browser->setGroupByDots(true);
        QCOMPARE(shownNames(tree), (QStringList{QStringLiteral("encoder"), longGroup,
                                                QStringLiteral("layers"), QStringLiteral("thin")}));
        const QModelIndex layers = shownIndex(tree, QStringLiteral("/encoder.layers.2.attn.weight"))
                                       .parent()
                                       .parent()
                                       .parent();
        QCOMPARE(shownNames(tree, layers),
                 (QStringList{QStringLiteral("0"), QStringLiteral("2"), QStringLiteral("10")}));
        QCOMPARE(QSettings().value(QStringLiteral("layers/groupByDots")).toBool(), true);

        browser->setGroupByDots(false);
        QCOMPARE(QSettings().value(QStringLiteral("layers/groupByDots")).toBool(), false);
        QCOMPARE(shownNames(tree),
                 (QStringList{QStringLiteral("encoder.layers.0.attn.weight"),
                              QStringLiteral("encoder.layers.2.attn.weight"),
                              QStringLiteral("encoder.layers.2.mlp.weight"),
                              QStringLiteral("encoder.layers.10.attn.weight"), longGroup,
                              QStringLiteral("layers.2.weight"), QStringLiteral("layers.10.weight"),
                              QStringLiteral("thin.weight")}));
        // A new window starts as the last one was left.
        MainWindow second;
        QVERIFY(!child<ui::LayerBrowser>(second, "layerBrowser")->groupByDots());
        browser->setGroupByDots(true);
    }

    void contextMenusCopyTheRightText()
    {
        auto window = openWindow(QSize(1280, 720), m_file);
        QVERIFY(window);
        window->session()->selectLayer(QStringLiteral("/layers.2.weight"));
        QVERIFY(waitIdle(*window, 20000));
        auto* browser = child<ui::LayerBrowser>(*window, "layerBrowser");
        const QModelIndex row =
            shownIndex(browser->view(), QStringLiteral("/encoder.layers.10.attn.weight"));
        QVERIFY(row.isValid());
        std::unique_ptr<QMenu> menu(browser->createContextMenu(row, nullptr));
        child<QAction>(*menu, "copyPathAction")->trigger();
        QCOMPARE(QApplication::clipboard()->text(),
                 QStringLiteral("/encoder.layers.10.attn.weight"));
        child<QAction>(*menu, "copyShapeAction")->trigger();
        QCOMPARE(QApplication::clipboard()->text(), QStringLiteral("16x16"));
        QSignalSpy exportAsked(browser, &ui::LayerBrowser::exportRequested);
        QVERIFY(menu->findChild<QAction*>(QStringLiteral("exportLayerMaskAction")));
        child<QAction>(*menu, "showLayerAction")->trigger();
        QVERIFY(waitIdle(*window, 20000));
        QCOMPARE(window->session()->currentLayer(),
                 QStringLiteral("/encoder.layers.10.attn.weight"));

        // Ctrl+C in the tree copies the current row's path.
        QApplication::clipboard()->clear();
        browser->view()->setFocus();
        QTest::keySequence(browser->view(), QKeySequence::Copy);
        QCOMPARE(QApplication::clipboard()->text(),
                 QStringLiteral("/encoder.layers.10.attn.weight"));

        // The statistics as text, one row a line.
        auto* stats = child<QWidget>(*window, "statsPanel");
        const QString text = ui::ContextMenus::panelText(*stats);
        QVERIFY2(text.contains(QStringLiteral("/encoder.layers.10.attn.weight")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("Shape:\t16 × 16")), qPrintable(text));
        QAction* copyAll = stats->findChild<QAction*>(QStringLiteral("copyAllAction"));
        QVERIFY(copyAll);
        copyAll->trigger();
        QCOMPARE(QApplication::clipboard()->text(), text);

        // The heatmap: the value under the cursor, exactly.
        ui::HeatmapView* heatmap = window->layerView()->heatmap();
        const QRectF field = heatmap->zoomModel().fieldInViewport();
        const QPoint pos = field.topLeft().toPoint() + QPoint(1, 1);
        const auto weights = window->layerView()->shownSnapshot()->weights;
        const QString expected = QString::number(weights->valueAt(0, 0), 'g', 9);
        QCOMPARE(ui::ContextMenus::valueAt(*window->layerView(), pos), expected);
        std::unique_ptr<QMenu> heatmapMenu(ui::ContextMenus::heatmapMenu(
            window->layerView(), window->findChild<ui::HoverReadout*>(), pos, nullptr));
        child<QAction>(*heatmapMenu, "copyValueAction")->trigger();
        QCOMPARE(QApplication::clipboard()->text(), expected);
        QCOMPARE(expected.toFloat(), float(weights->valueAt(0, 0)));
        child<QAction>(*heatmapMenu, "copyImageAction")->trigger();
        QCOMPARE(QApplication::clipboard()->image().size(),
                 heatmap->size() * heatmap->devicePixelRatio());
        // Off the field there is no value to copy.
        std::unique_ptr<QMenu> outside(
            ui::ContextMenus::heatmapMenu(window->layerView(), nullptr, QPoint(-5, -5), nullptr));
        QVERIFY(!child<QAction>(*outside, "copyValueAction")->isEnabled());
    }

    void sessionRoundTripsThroughTheWindow()
    {
        const QString file = m_dir.filePath(QStringLiteral("session_source.h5"));
        QVERIFY(writeStateDict(file));
        ui::SavedSession saved;
        {
            auto window = openWindow(QSize(1280, 720), file);
            QVERIFY(window);
            ui::Session* session = window->session();
            session->selectLayer(QStringLiteral("/layers.2.weight"));
            core::SparsityParams a;
            a.level = 0.3;
            a.block = core::BlockShape{2, 2};
            a.zerosPerBlock = 3;
            a.norm = core::Norm::L1;
            session->setParams(a);
            session->selectLayer(QStringLiteral("/thin.weight"));
            core::SparsityParams b;
            b.level = 0.75;
            b.block = core::BlockShape{1, 4};
            session->setParams(b);
            window->layerView()->setKind(LayerView::Kind::BlockNorms);
            QVERIFY(waitIdle(*window, 20000));
            saved = window->savedSession();
            QCOMPARE(saved.currentLayer, QStringLiteral("/thin.weight"));
            QCOMPARE(saved.layerParams.size(), std::size_t(2));
            saved.write(ui::SavedSession::lastSessionPath());
        }
        // A new window offers it and restores it.
        MainWindow window;
        window.resize(1280, 720);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.sessionFlow()->offerLastSession();
        auto* banner = child<QFrame>(window, "sessionBanner");
        QVERIFY(banner->isVisible());
        QVERIFY(text(window, "sessionBannerText").contains(QStringLiteral("session_source.h5")));
        savePng(window, QStringLiteral("roughedges-session-offer.png"));
        QSignalSpy restored(&window, &MainWindow::sessionRestored);
        child<QPushButton>(window, "restoreSessionButton")->click();
        QTRY_COMPARE(restored.size(), 1);
        QVERIFY(waitIdle(window, 20000));
        QCOMPARE(restored.at(0).at(1).toStringList(), QStringList());
        QCOMPARE(window.session()->filePath(), QFileInfo(file).absoluteFilePath());
        QCOMPARE(window.session()->currentLayer(), QStringLiteral("/thin.weight"));
        QCOMPARE(window.session()->params(QStringLiteral("/layers.2.weight")),
                 saved.layerParams.at(QStringLiteral("/layers.2.weight")));
        QCOMPARE(window.session()->currentParams(),
                 saved.layerParams.at(QStringLiteral("/thin.weight")));
        QCOMPARE(shown(window)->params, saved.layerParams.at(QStringLiteral("/thin.weight")));
        QCOMPARE(window.layerView()->kind(), LayerView::Kind::BlockNorms);
        QVERIFY(text(window, "sessionBannerText").contains(QStringLiteral("Restored")));

        // Model scope comes back with its bounds.
        ui::SavedSession model = saved;
        model.modelParams = saved.layerParams.at(QStringLiteral("/thin.weight"));
        model.modelBounds = core::ModelBounds{0.1, 0.9};
        window.restoreSession(model);
        QTRY_COMPARE(restored.size(), 2);
        QVERIFY(waitIdle(window, 20000));
        QVERIFY(window.session()->modelScope().has_value());
        QCOMPARE(window.session()->modelScope()->bounds.maxLevel, 0.9);
        QCOMPARE(window.savedSession().modelBounds->minLevel, 0.1);

        // The file changed since: restored all the same, and the banner says so.
        QVERIFY(writeStateDict(file + QStringLiteral(".new")));
        QVERIFY(QFile::remove(file));
        QVERIFY(QFile::rename(file + QStringLiteral(".new"), file));
        saved.layerParams.emplace(QStringLiteral("/gone.weight"), core::SparsityParams{});
        window.restoreSession(saved);
        QTRY_COMPARE(restored.size(), 3);
        const QStringList problems = restored.at(2).at(1).toStringList();
        QCOMPARE(problems.size(), 2);
        QVERIFY2(
            problems.at(0).contains(QStringLiteral("was replaced since the session was saved")),
            qPrintable(problems.join(QLatin1Char('\n'))));
        QVERIFY(problems.at(1).contains(QStringLiteral("/gone.weight")));
        QVERIFY(text(window, "sessionBannerText").contains(QStringLiteral("was replaced")));
        QVERIFY(waitIdle(window, 20000));
        savePng(window, QStringLiteral("roughedges-session-changed.png"));
    }

    void lastSessionIsWrittenOnCloseOnlyWhenPersistent()
    {
        QFile::remove(ui::SavedSession::lastSessionPath());
        {
            auto window = openWindow(QSize(1000, 700), m_file);
            QVERIFY(window);
            window->close(); // a test window keeps no settings
        }
        QVERIFY(!QFile::exists(ui::SavedSession::lastSessionPath()));
        auto window = openWindow(QSize(1000, 700), m_file);
        QVERIFY(window);
        QVERIFY(window->sessionFlow()->saveLastSession());
        const ui::SavedSession read = ui::SavedSession::read(ui::SavedSession::lastSessionPath());
        QCOMPARE(read.filePath, QFileInfo(m_file).absoluteFilePath());
        QCOMPARE(read.currentLayer, window->session()->currentLayer());
        QVERIFY(read.identity.has_value());
    }
};

QTEST_MAIN(TestRoughEdges)
#include "tst_roughedges.moc"
