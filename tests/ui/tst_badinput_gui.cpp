// Bad input through the real main window (offscreen): broken and unreadable files, datasets
// that cannot be shown, files that change after they were listed, extreme values and
// parameters the widgets must clamp or refuse. Every error must reach the user as a dialog that
// names the file, the dataset and the cause, and the window must stay usable afterwards.
#include "common/asnobody.h"
#include "common/badfiles.h"
#include "common/checks.h"
#include "common/hdf5fixtures.h"
#include "common/paramsbuilder.h"
#include "export/maskexport.h"
#include "hdf5/hdf5reader.h"
#include "layers/layertreemodel.h"
#include "mainwindow/layerview.h"
#include "mainwindow/mainwindow.h"
#include "mask/sparsifier.h"
#include "parameters/parameterpanel.h"
#include "session/layersnapshot.h"
#include "session/session.h"
#include "windowdriver.h"

#include <QApplication>
#include <QDir>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>
#include <cmath>
#include <limits>
#include <sys/stat.h>

using namespace sparsity;
using namespace sparsity::test;
using sparsity::ui::MainWindow;

namespace {

constexpr int asyncTimeout = 20000;
const QString demoLayer = QStringLiteral("/mlp/fc2/weight");

QMessageBox* visibleErrorDialog(MainWindow& window)
{
    for (QMessageBox* box : window.findChildren<QMessageBox*>(QStringLiteral("errorDialog")))
        if (box->isVisible())
            return box;
    return nullptr;
}

// Waits for the error dialog, returns its title and text, and closes it with OK.
QString takeErrorDialog(MainWindow& window)
{
    QElapsedTimer clock;
    clock.start();
    QMessageBox* box = nullptr;
    while (!(box = visibleErrorDialog(window)) && clock.elapsed() < asyncTimeout)
        QTest::qWait(10);
    if (!box)
        return QStringLiteral("<no error dialog>");
    const QString text = box->text() + QStringLiteral(" | ") + box->informativeText();
    box->button(QMessageBox::Ok)->click();
    QTest::qWait(10);
    return text;
}

} // namespace

class TestBadInputGui final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString m_good;   // /a and /b, float32 8x8
    QString m_cases;  // writeDatasetCasesFile
    QString m_values; // writeValueCasesFile
    std::unique_ptr<MainWindow> m_valuesWindow;

    QString path(const QString& name) const { return m_dir.filePath(name); }

    // A window on the demo weights, idle, with the default layer shown.
    std::unique_ptr<MainWindow> openDemo()
    {
        auto window = std::make_unique<MainWindow>();
        window->show();
        window->openDemo();
        [&] {
            QTRY_COMPARE_WITH_TIMEOUT(window->session()->currentLayer(), demoLayer, asyncTimeout);
            QVERIFY(waitIdle(*window, asyncTimeout));
        }();
        return window;
    }

    std::unique_ptr<MainWindow> openFile(const QString& file, const QString& layer)
    {
        auto window = std::make_unique<MainWindow>();
        window->show();
        window->openFile(file);
        [&] {
            QTRY_COMPARE_WITH_TIMEOUT(window->session()->currentLayer(), layer, asyncTimeout);
            QVERIFY(waitIdle(*window, asyncTimeout));
        }();
        return window;
    }

    // The window still works: the level slider recomputes and another layer can be shown.
    void verifyStillUsable(MainWindow& window)
    {
        QVERIFY(!visibleErrorDialog(window));
        window.openDemo();
        QTRY_COMPARE_WITH_TIMEOUT(window.session()->currentLayer(), demoLayer, asyncTimeout);
        QVERIFY(waitIdle(window, asyncTimeout));
        child<QSlider>(window, "levelSlider")->setValue(800);
        QVERIFY(waitIdle(window, asyncTimeout));
        QVERIFY(shown(window));
        QCOMPARE(shown(window)->params.level, 0.8);
        window.session()->selectLayer(QStringLiteral("/cnn/conv1/weight"));
        QTRY_COMPARE_WITH_TIMEOUT(shown(window) ? shown(window)->datasetPath : QString(),
                                  QStringLiteral("/cnn/conv1/weight"), asyncTimeout);
        QVERIFY(!visibleErrorDialog(window));
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SparsityExplorerTests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_badinput_gui"));
        QSettings().clear();
        test::silenceHdf5Errors();
        m_good = path(QStringLiteral("good.h5"));
        QVERIFY(test::writeMatrixFile(m_good, QStringLiteral("/a"), 8, 8, 1));
        QVERIFY(test::writeMatrixFile(m_good, QStringLiteral("/b"), 8, 8, 2, false));
        m_cases = path(QStringLiteral("cases.h5"));
        QVERIFY(test::writeDatasetCasesFile(m_cases, path(QStringLiteral("external.h5"))));
        m_values = path(QStringLiteral("values.h5"));
        QVERIFY(test::writeValueCasesFile(m_values));
    }

    void cleanupTestCase() { m_valuesWindow.reset(); }

    void unusableFilesShowADialog_data() { test::addUnusableFileRows(); }
    void unusableFilesShowADialog()
    {
        QFETCH(QString, name);
        QFETCH(QString, fragment);
        const QString file = path(name);
        QVERIFY(test::makeUnusableFile(name, file, m_good));
        auto window = openDemo();
        window->openFile(file);
        const QString message = takeErrorDialog(*window);
        VERIFY_CONTAINS(message, QStringLiteral("The file cannot be opened"));
        VERIFY_CONTAINS(message, file + fragment);
        qInfo("gui: %s", qPrintable(message));
        // Nothing was lost: the demo is still open on its layer.
        QVERIFY(window->session()->isDemo());
        QCOMPARE(window->session()->currentLayer(), demoLayer);
        QVERIFY(!MainWindow::recentFiles().contains(file));
        verifyStillUsable(*window);
    }

    void knownHdf5CrashFilesKeepTheOpenFile_data()
    {
        QTest::addColumn<QString>("file");
        const QDir dir(QStringLiteral(SPARSITY_KNOWN_CRASHES_DIR));
        const QStringList names = dir.entryList({QStringLiteral("crash-*.h5")}, QDir::Files);
        QVERIFY(names.size() >= 3);
        for (const QString& name : names)
            QTest::newRow(qPrintable(name)) << dir.filePath(name);
    }

    void knownHdf5CrashFilesKeepTheOpenFile()
    {
        // A file that crashes HDF5 crashes the reader process, not the window: the dialog says
        // so, and the file and layer that were open stay open and usable.
        QFETCH(QString, file);
        auto window = openFile(m_good, QStringLiteral("/a"));
        window->session()->selectLayer(QStringLiteral("/b"));
        QTRY_COMPARE_WITH_TIMEOUT(shown(*window) ? shown(*window)->datasetPath : QString(),
                                  QStringLiteral("/b"), asyncTimeout);
        QVERIFY(waitIdle(*window, asyncTimeout));
        window->openFile(file);
        const QString message = takeErrorDialog(*window);
        qInfo("gui: %s", qPrintable(message));
        VERIFY_CONTAINS(message, QStringLiteral("The file cannot be opened"));
        VERIFY_CONTAINS(message, file + QStringLiteral(": "));
        // HDF5 crashes on most of them; on others (read in SWMR mode, as their superblock's
        // flags ask) it notices the damage and says so.
        if (!message.contains(QStringLiteral(": cannot list group '")))
            VERIFY_CONTAINS(message, file + QStringLiteral(": the HDF5 library crashed ("));
        QCOMPARE(window->session()->filePath(), m_good);
        QCOMPARE(window->session()->currentLayer(), QStringLiteral("/b"));
        QVERIFY(shown(*window));
        QCOMPARE(shown(*window)->datasetPath, QStringLiteral("/b"));
        QVERIFY(!MainWindow::recentFiles().contains(file));
        // The open file is still read through its own reader process.
        window->session()->selectLayer(QStringLiteral("/a"));
        QTRY_COMPARE_WITH_TIMEOUT(shown(*window) ? shown(*window)->datasetPath : QString(),
                                  QStringLiteral("/a"), asyncTimeout);
        QVERIFY(!visibleErrorDialog(*window));
        verifyStillUsable(*window);
    }

    void unreadableFileShowsADialog()
    {
        if (test::runningAsRoot()) {
            const test::ChildRun child =
                test::rerunAsNobody(QStringLiteral("unreadableFileShowsADialog"));
            if (!child.started)
                QSKIP(qPrintable(child.why));
            QVERIFY2(child.exitCode == 0, qPrintable(child.output));
            QVERIFY2(child.output.contains(
                         QStringLiteral("PASS   : TestBadInputGui::unreadableFileShowsADialog")),
                     qPrintable(child.output));
            return;
        }
        const QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("secret.h5"));
        QVERIFY(test::writeMatrixFile(file, QStringLiteral("/w"), 4, 4, 1));
        QVERIFY(QFile::setPermissions(file, QFileDevice::WriteOwner));
        auto window = openDemo();
        window->openFile(file);
        const QString message = takeErrorDialog(*window);
        VERIFY_CONTAINS(message, file + QStringLiteral(": permission denied"));
        qInfo("gui: %s", qPrintable(message));
        verifyStillUsable(*window);
    }

    void unusableDatasetsAreDisabledAndSayWhy()
    {
        // The default layer skips the declared-too-big ones: the first readable float matrix.
        auto window = openFile(m_cases, QStringLiteral("/filter/skipped"));
        QVERIFY(!visibleErrorDialog(*window));
        auto* tree = child<QTreeView>(*window, "layerTree");
        auto* model = tree->model();
        for (const test::DatasetCase& unusable : test::unusableDatasetCases()) {
            const QModelIndex index =
                model
                    ->match(model->index(0, 0), ui::LayerTreeModel::DatasetPathRole, unusable.path,
                            1, Qt::MatchExactly | Qt::MatchRecursive)
                    .value(0);
            QVERIFY2(index.isValid(), qPrintable(unusable.path));
            QVERIFY2(!(index.flags() & Qt::ItemIsSelectable), qPrintable(unusable.path));
            VERIFY_CONTAINS(index.data(Qt::ToolTipRole).toString(), unusable.reason);

            // Asked for anyway (as the command line's --layer would), it says why.
            window->session()->selectLayer(unusable.path);
            const QString message = takeErrorDialog(*window);
            VERIFY_CONTAINS(message, m_cases);
            VERIFY_CONTAINS(message, QLatin1Char('\'') + unusable.path + QLatin1Char('\''));
            VERIFY_CONTAINS(message, unusable.reason);
            QCOMPARE(window->session()->currentLayer(), QStringLiteral("/filter/skipped"));
        }
        QVERIFY(shown(*window));
    }

    void unreadableDatasetsShowADialog_data()
    {
        QTest::addColumn<QString>("dataset");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("huge") << QStringLiteral("/big/huge")
                              << QStringLiteral("dataset '/big/huge' (shape "
                                                "1000000x1000000x1000, float32) needs 3725290.3 "
                                                "GiB of memory, more than the ");
        QTest::newRow("unlimited") << QStringLiteral("/big/unlimited")
                                   << QStringLiteral("dataset '/big/unlimited' (shape "
                                                     "2147483648x2147483648, float64) needs");
    }
    void unreadableDatasetsShowADialog()
    {
        QFETCH(QString, dataset);
        QFETCH(QString, fragment);
        auto window = openFile(m_cases, QStringLiteral("/filter/skipped"));
        const auto before = shown(*window);
        // Chosen in the tree, as a user would.
        auto* tree = child<QTreeView>(*window, "layerTree");
        const QModelIndex index =
            tree->model()
                ->match(tree->model()->index(0, 0), ui::LayerTreeModel::DatasetPathRole, dataset, 1,
                        Qt::MatchExactly | Qt::MatchRecursive)
                .value(0);
        QVERIFY(index.isValid());
        tree->setCurrentIndex(index);
        const QString message = takeErrorDialog(*window);
        VERIFY_CONTAINS(message, QStringLiteral("The layer cannot be shown"));
        VERIFY_CONTAINS(message, m_cases + QStringLiteral(": ") + fragment);
        qInfo("gui: %s", qPrintable(message));
        QVERIFY(waitIdle(*window, asyncTimeout));
        // Nothing of the refused layer is shown as if it were there.
        QVERIFY(!shown(*window) || shown(*window)->datasetPath != dataset);
        // Another layer still works, also through the tree.
        const QModelIndex good =
            tree->model()
                ->match(tree->model()->index(0, 0), ui::LayerTreeModel::DatasetPathRole,
                        QStringLiteral("/ünïcode/权重"), 1, Qt::MatchExactly | Qt::MatchRecursive)
                .value(0);
        tree->setCurrentIndex(good);
        QTRY_COMPARE_WITH_TIMEOUT(shown(*window) ? shown(*window)->datasetPath : QString(),
                                  QStringLiteral("/ünïcode/权重"), asyncTimeout);
        QVERIFY(!visibleErrorDialog(*window));
        verifyStillUsable(*window);
    }

    void linksAndNonAsciiNamesShowAndExport()
    {
        auto window = openFile(m_cases, QStringLiteral("/filter/skipped"));
        const auto reader = core::Hdf5Reader::open(m_cases);
        for (const QString& layer :
             {QStringLiteral("/links/soft"), QStringLiteral("/links/hard"),
              QStringLiteral("/links/external"), QStringLiteral("/ünïcode/权重")}) {
            window->session()->selectLayer(layer);
            QTRY_COMPARE_WITH_TIMEOUT(shown(*window) ? shown(*window)->datasetPath : QString(),
                                      layer, asyncTimeout);
            QVERIFY(waitIdle(*window, asyncTimeout));
            const core::MaskResult expected =
                core::computeMask(reader->readTensor(layer, {}), ui::Session::defaultParams(), {});
            QVERIFY(std::equal(shown(*window)->mask->begin(), shown(*window)->mask->end(),
                               expected.mask.begin(), expected.mask.end()));
        }
        QVERIFY(!visibleErrorDialog(*window));

        // The current layer's mask under its UTF-8 name, in a file with a UTF-8 name.
        const QTemporaryDir out;
        const QString output = out.filePath(QStringLiteral("masken_ä.h5"));
        QSignalSpy exported(window.get(), &MainWindow::masksExported);
        window->exportMasks(output, false);
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, asyncTimeout);
        QVERIFY(exported.at(0).at(1).toBool());
        QCOMPARE(core::Hdf5Reader::open(output)->describe(QStringLiteral("/ünïcode/权重")).typeName,
                 QStringLiteral("uint8"));
    }

    void exportOfAllLayersWithAnUnreadableOneWritesNothing()
    {
        auto window = openFile(m_cases, QStringLiteral("/filter/skipped"));
        const QTemporaryDir out;
        const QString output = out.filePath(QStringLiteral("all.h5"));
        QSignalSpy exported(window.get(), &MainWindow::masksExported);
        window->exportMasks(output, true);
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, asyncTimeout);
        QVERIFY(!exported.at(0).at(1).toBool());
        const QString message = takeErrorDialog(*window);
        VERIFY_CONTAINS(message, QStringLiteral("The masks were not exported"));
        VERIFY_CONTAINS(message, m_cases + QStringLiteral(": dataset '/big/huge'"));
        qInfo("gui: %s", qPrintable(message));
        QCOMPARE(listing(out.path()), QStringList());
        QVERIFY(waitIdle(*window, asyncTimeout));
        QCOMPARE(window->session()->currentLayer(), QStringLiteral("/filter/skipped"));
    }

    void fileChangesAfterListing_data()
    {
        QTest::addColumn<QString>("change");
        QTest::addColumn<QString>("selectFragment");
        QTest::addColumn<QString>("exportFragment");
        QTest::newRow("deleted") << QStringLiteral("delete")
                                 << QStringLiteral(": cannot read dataset '/b': the file was "
                                                   "deleted or moved after it was opened; open it "
                                                   "again")
                                 << QStringLiteral(": no such file");
        QTest::newRow("replaced") << QStringLiteral("replace")
                                  << QStringLiteral(": cannot read dataset '/b': the file was "
                                                    "replaced after it was opened; open it again")
                                  << QStringLiteral(": the file was replaced after it was "
                                                    "opened; open it again before exporting");
        QTest::newRow("rewritten in place")
            << QStringLiteral("rewrite")
            << QStringLiteral(": cannot read dataset '/b': the file was modified after it was "
                              "opened; open it again")
            << QStringLiteral(": the file was modified after it was opened; open it again "
                              "before exporting");
    }
    void fileChangesAfterListing()
    {
        QFETCH(QString, change);
        QFETCH(QString, selectFragment);
        QFETCH(QString, exportFragment);
        const QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("model.h5"));
        QVERIFY(QFile::copy(m_good, file));
        auto window = openFile(file, QStringLiteral("/a"));
        const auto before = shown(*window);
        QVERIFY(before);

        QTest::qWait(20); // another modification time
        const QString other = dir.filePath(QStringLiteral("other.h5"));
        QVERIFY(test::writeMatrixFile(other, QStringLiteral("/a"), 8, 8, 11));
        QVERIFY(test::writeMatrixFile(other, QStringLiteral("/b"), 8, 8, 12, false));
        if (change == QLatin1String("delete")) {
            QVERIFY(QFile::remove(file));
        } else if (change == QLatin1String("replace")) {
            QVERIFY(::rename(QFile::encodeName(other).constData(),
                             QFile::encodeName(file).constData()) == 0);
        } else {
            QFile source(other);
            QVERIFY(source.open(QIODevice::ReadOnly));
            QFile target(file);
            QVERIFY(target.open(QIODevice::ReadWrite | QIODevice::Truncate));
            QVERIFY(target.write(source.readAll()) > 0);
        }

        // A layer not read yet: an error, not the other file's weights nor the old ones.
        window->session()->selectLayer(QStringLiteral("/b"));
        const QString message = takeErrorDialog(*window);
        VERIFY_CONTAINS(message, file + selectFragment);
        qInfo("gui select: %s", qPrintable(message));
        QVERIFY(waitIdle(*window, asyncTimeout));
        QVERIFY(!shown(*window) || shown(*window)->datasetPath != QStringLiteral("/b"));

        // Exporting what was shown: refused, no file.
        const QString output = dir.filePath(QStringLiteral("masks.h5"));
        QSignalSpy exported(window.get(), &MainWindow::masksExported);
        window->exportMasks(output, true);
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, asyncTimeout);
        QVERIFY(!exported.at(0).at(1).toBool());
        const QString exportMessage = takeErrorDialog(*window);
        VERIFY_CONTAINS(exportMessage, file + exportFragment);
        QVERIFY2(!exportMessage.contains(QStringLiteral("is the file being read")),
                 qPrintable(exportMessage));
        qInfo("gui export: %s", qPrintable(exportMessage));
        QVERIFY(!QFile::exists(output));

        // Opening it again shows the new weights.
        if (change != QLatin1String("delete")) {
            window->openFile(file, QStringLiteral("/b"));
            QTRY_COMPARE_WITH_TIMEOUT(shown(*window) ? shown(*window)->datasetPath : QString(),
                                      QStringLiteral("/b"), asyncTimeout);
            QVERIFY(waitIdle(*window, asyncTimeout));
            const std::vector<float> expected = test::matrixValues(8, 8, 12);
            const auto values = shown(*window)->weights->values<float>();
            QVERIFY(std::equal(values.begin(), values.end(), expected.begin(), expected.end()));
            window->exportMasks(output, true);
            QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 2, asyncTimeout);
            QVERIFY(exported.at(1).at(1).toBool());
        }
        verifyStillUsable(*window);
    }

    void extremeValuesShowTheSpecMask_data()
    {
        QTest::addColumn<QString>("dataset");
        for (const QString& name : test::valueCases())
            QTest::newRow(qPrintable(name)) << name;
    }
    void extremeValuesShowTheSpecMask()
    {
        QFETCH(QString, dataset);
        std::unique_ptr<MainWindow>& window = m_valuesWindow; // one window for all rows
        if (!window)
            window = openFile(m_values, QStringLiteral("/v/denormal32"));
        QVERIFY(window);
        window->session()->selectLayer(dataset);
        QTRY_COMPARE_WITH_TIMEOUT(shown(*window) ? shown(*window)->datasetPath : QString(), dataset,
                                  asyncTimeout);
        QVERIFY(waitIdle(*window, asyncTimeout));
        const auto snapshot = shown(*window);
        const core::WeightTensor weights =
            core::Hdf5Reader::open(m_values)->readTensor(dataset, {});
        const core::MaskResult expected = core::computeMask(weights, snapshot->params, {});
        QVERIFY(std::equal(snapshot->mask->begin(), snapshot->mask->end(), expected.mask.begin(),
                           expected.mask.end()));
        const std::vector<double> values = test::expectedValues(dataset);
        const auto nonFinite =
            std::count_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); });
        QCOMPARE(snapshot->stats.nonFiniteWeights, static_cast<std::int64_t>(nonFinite));
        auto* warning = child<QLabel>(*window, "nonFiniteWarning");
        QCOMPARE(warning->isVisibleTo(window.get()), nonFinite > 0);
        for (const char* label : {"statsRetainedEnergy", "statsRetainedL1", "statsSparsity"}) {
            const QString text = child<QLabel>(*window, label)->text();
            QVERIFY2(!text.contains(QStringLiteral("nan"), Qt::CaseInsensitive) &&
                         !text.contains(QStringLiteral("inf"), Qt::CaseInsensitive),
                     qPrintable(text));
        }
        QVERIFY(!visibleErrorDialog(*window));
        if (dataset == test::valueCases().last())
            window.reset();
    }

    void overflowingSquaresStillGiveARatio()
    {
        auto window = openFile(m_values, QStringLiteral("/v/denormal32"));
        window->session()->selectLayer(QStringLiteral("/v/f64be"));
        QTRY_COMPARE_WITH_TIMEOUT(shown(*window) ? shown(*window)->datasetPath : QString(),
                                  QStringLiteral("/v/f64be"), asyncTimeout);
        child<QSlider>(*window, "levelSlider")->setValue(0); // keep everything, -1e300 too
        QVERIFY(waitIdle(*window, asyncTimeout));
        QCOMPARE(shown(*window)->params.level, 0.0);
        // Squares of +-1e300 overflow a double; the sums are kept in long double.
        QCOMPARE(shown(*window)->stats.retainedEnergy, 1.0);
        QCOMPARE(child<QLabel>(*window, "statsRetainedEnergy")->text(),
                 QLocale().toString(100.0, 'f', 2) + QStringLiteral(" %"));
    }

    void widgetsClampParameters()
    {
        auto window = openDemo();
        auto* rows = child<QSpinBox>(*window, "blockRowsSpinBox");
        auto* cols = child<QSpinBox>(*window, "blockColsSpinBox");
        auto* zeros = child<QSpinBox>(*window, "zerosSpinBox");
        auto* level = child<QDoubleSpinBox>(*window, "levelSpinBox");
        auto* slider = child<QSlider>(*window, "levelSlider");
        auto* panel = window->findChild<ui::ParameterPanel*>();
        QVERIFY(panel);

        rows->setValue(0);
        QCOMPARE(rows->value(), 1);
        cols->setValue(-7);
        QCOMPARE(cols->value(), 1);
        rows->setValue(1000000);
        QCOMPARE(rows->value(), ui::ParameterPanel::maxBlockSide);
        rows->setValue(2);
        cols->setValue(2);
        zeros->setValue(5);
        QCOMPARE(zeros->value(), 4);
        zeros->setValue(-1);
        QCOMPARE(zeros->value(), 0);
        level->setValue(150.0);
        QCOMPARE(level->value(), 100.0);
        level->setValue(-10.0);
        QCOMPARE(level->value(), 0.0);
        slider->setValue(5000);
        QCOMPARE(slider->value(), ui::ParameterPanel::levelSteps);

        // Typed text that is no number is not accepted.
        level->setValue(30.0);
        level->selectAll();
        QTest::keyClicks(level, QStringLiteral("abc"));
        QTest::keyClick(level, Qt::Key_Enter);
        QCOMPARE(level->value(), 30.0);
        rows->selectAll();
        QTest::keyClicks(rows, QStringLiteral("-3"));
        QTest::keyClick(rows, Qt::Key_Enter);
        QVERIFY(rows->value() >= 1);

        // A level from elsewhere (the histogram) is clamped; NaN is ignored, not made 0.
        QVERIFY(waitIdle(*window, asyncTimeout));
        panel->setLevelFromUser(std::numeric_limits<double>::quiet_NaN());
        QCOMPARE(panel->params().level, 0.3);
        panel->setLevelFromUser(1.5);
        QCOMPARE(panel->params().level, 1.0);
        panel->setLevelFromUser(-0.5);
        QCOMPARE(panel->params().level, 0.0);
        // Parameters shown from elsewhere are clamped into the widgets' ranges.
        core::SparsityParams wild = test::makeParams(7.0, 0, 100000);
        wild.zerosPerBlock = -3;
        panel->setParams(wild);
        QVERIFY(!panel->params().validate().has_value());
        QCOMPARE(panel->params().level, 1.0);
        QCOMPARE(panel->params().block.rows, std::int64_t{1});
        QCOMPARE(panel->params().block.cols, std::int64_t{ui::ParameterPanel::maxBlockSide});
        QCOMPARE(panel->params().effectiveZerosPerBlock(), std::int64_t{0});
        QVERIFY(waitIdle(*window, asyncTimeout));
        QVERIFY(shown(*window));
        QVERIFY(!shown(*window)->params.validate().has_value());
        QVERIFY(!visibleErrorDialog(*window));
    }

    void invalidParametersFromCodeAreRefused_data()
    {
        QTest::addColumn<double>("level");
        QTest::addColumn<qlonglong>("rows");
        QTest::addColumn<qlonglong>("zeros");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("level NaN") << std::numeric_limits<double>::quiet_NaN() << 2LL << -1LL
                                   << QStringLiteral("Sparsity level must be between 0 and 1, "
                                                     "got nan.");
        QTest::newRow("level 1.5")
            << 1.5 << 2LL << -1LL << QStringLiteral("Sparsity level must be between 0 and 1");
        QTest::newRow("block 0") << 0.5 << 0LL << -1LL
                                 << QStringLiteral("Block shape must be at least 1x1");
        QTest::newRow("zeros 9 of 4")
            << 0.5 << 2LL << 9LL << QStringLiteral("Number of zeros per block cannot be");
        QTest::newRow("zeros -1") << 0.5 << 2LL << -2LL
                                  << QStringLiteral("Number of zeros per block should be positive");
    }
    void invalidParametersFromCodeAreRefused()
    {
        // No widget can produce these; a script or a bug setting them must not crash or draw.
        QFETCH(double, level);
        QFETCH(qlonglong, rows);
        QFETCH(qlonglong, zeros);
        QFETCH(QString, fragment);
        auto window = openDemo();
        core::SparsityParams p = test::makeParams(level, rows, 2);
        if (zeros != -1)
            p.zerosPerBlock = zeros;
        window->session()->setParams(p);
        const QString message = takeErrorDialog(*window);
        VERIFY_CONTAINS(message, window->session()->filePath() +
                                     QStringLiteral(": dataset '%1': ").arg(demoLayer) + fragment);
        qInfo("gui: %s", qPrintable(message));
        QVERIFY(waitIdle(*window, asyncTimeout));
        QVERIFY(!shown(*window)->params.validate().has_value());
        verifyStillUsable(*window);
    }

    void namedLayerThatCannotBeShown()
    {
        auto window = std::make_unique<MainWindow>();
        window->show();
        window->openFile(m_cases, QStringLiteral("/types/vlen"));
        const QString message = takeErrorDialog(*window);
        VERIFY_CONTAINS(message, m_cases + QStringLiteral(": dataset '/types/vlen' cannot be "
                                                          "sparsified: vlen data is not numeric"));
        QTRY_COMPARE_WITH_TIMEOUT(window->session()->currentLayer(),
                                  QStringLiteral("/filter/skipped"), asyncTimeout);
        window->openFile(m_cases, QStringLiteral("/no/such/layer"));
        VERIFY_CONTAINS(takeErrorDialog(*window),
                        m_cases + QStringLiteral(": there is no dataset '/no/such/layer'"));
        QVERIFY(waitIdle(*window, asyncTimeout));
        verifyStillUsable(*window);
    }
};

QTEST_MAIN(TestBadInputGui)
#include "tst_badinput_gui.moc"
