// File > Export Pruned Weights in the real window (offscreen): the action asks for a file name
// (suggesting NAME_pruned.EXT) and writes the demo's pruned copy, each layer pruned with its own
// parameters exactly where core::computeMask prunes and every other value as it was; an
// existing output brings a question whose No keeps it; cancelling leaves no file.
#include "common/checks.h"
#include "io/tensorfile.h"
#include "mainwindow/exportprogress.h"
#include "mainwindow/mainwindow.h"
#include "mask/sparsifier.h"
#include "session/session.h"
#include "ui/windowdriver.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QLineEdit>
#include <QMessageBox>
#include <QPointer>
#include <QProgressDialog>
#include <QPushButton>
#include <QSemaphore>
#include <QSettings>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <cmath>
#include <cstring>

using namespace sparsity;
using namespace sparsity::test;
using sparsity::ui::MainWindow;

namespace {

constexpr int asyncTimeout = 20000;

std::unique_ptr<MainWindow> openDemo()
{
    auto window = std::make_unique<MainWindow>();
    window->show();
    window->openDemo();
    [&] {
        QTRY_VERIFY_WITH_TIMEOUT(!window->session()->currentLayer().isEmpty(), asyncTimeout);
        QVERIFY(waitIdle(*window, asyncTimeout));
    }();
    return window;
}

// The bit pattern of every value of a float32 or float64 tensor.
std::vector<std::uint64_t> bitsOf(const core::WeightTensor& tensor)
{
    std::vector<std::uint64_t> bits(static_cast<std::size_t>(tensor.elementCount()));
    for (std::size_t i = 0; i < bits.size(); ++i) {
        if (tensor.precision() == core::Precision::Float32) {
            std::uint32_t b = 0;
            std::memcpy(&b, &tensor.values<float>()[i], sizeof b);
            bits[i] = b;
        } else {
            std::memcpy(&bits[i], &tensor.values<double>()[i], sizeof bits[i]);
        }
    }
    return bits;
}

} // namespace

class TestPrunedExportGui final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QSettings().clear(); }
    void cleanupTestCase() { QSettings().clear(); }

    // Through the File menu's action and its save dialog.
    void actionWritesThePrunedCopy()
    {
        auto window = openDemo();
        ui::Session& session = *window->session();
        // One layer with parameters of its own, the others with the defaults.
        core::SparsityParams params = session.currentParams();
        params.level = 0.8;
        params.block = core::BlockShape{1, 4};
        params.zerosPerBlock = 2;
        session.setParams(params);
        QVERIFY(waitIdle(*window, asyncTimeout));
        QCOMPARE(session.params(session.currentLayer()), params);

        QTemporaryDir dir;
        const QString output = dir.filePath(QStringLiteral("pruned.h5"));
        QString suggested;
        QTimer poll;
        poll.setInterval(10);
        connect(&poll, &QTimer::timeout, window.get(), [&] {
            if (auto* dialog = qobject_cast<QFileDialog*>(QApplication::activeModalWidget())) {
                suggested = dialog->selectedFiles().value(0);
                dialog->selectFile(output);
                // selectFile leaves the name field alone while it has the focus, as it may
                // have by now; type the path into it, as a user would.
                if (auto* name = dialog->findChild<QLineEdit*>(QStringLiteral("fileNameEdit")))
                    name->setText(output);
                static_cast<QDialog*>(dialog)->accept(); // as the Save button does
            }
        });
        QSignalSpy exported(window.get(), &MainWindow::prunedWeightsExported);
        poll.start();
        auto* action = window->findChild<QAction*>(QStringLiteral("exportPrunedAction"));
        QVERIFY(action && action->isEnabled());
        action->trigger();
        poll.stop();
        QCOMPARE(QFileInfo(suggested).fileName(), QStringLiteral("digits_pruned.h5"));
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, asyncTimeout);
        QCOMPARE(exported.at(0).at(0).toString(), output);
        QVERIFY(exported.at(0).at(1).toBool());

        const auto source = core::openTensorFile(session.filePath());
        const auto copy = core::openTensorFile(output);
        const QStringList layers = session.sparsifiableLayers();
        int datasets = 0;
        for (const core::DatasetInfo& info : source->listTree()) {
            if (info.kind != core::NodeKind::Dataset || !info.canSparsifyWhenNamed())
                continue;
            ++datasets;
            const core::WeightTensor weights = source->readTensor(info.path, {});
            const auto before = bitsOf(weights);
            const auto after = bitsOf(copy->readTensor(info.path, {}));
            QCOMPARE(after.size(), before.size());
            if (!layers.contains(info.path)) {
                QVERIFY2(after == before, qPrintable(info.path));
                continue;
            }
            const core::MaskResult mask = core::computeMask(weights, session.params(info.path), {});
            std::int64_t zeroed = 0;
            for (std::size_t i = 0; i < before.size(); ++i) {
                if (mask.mask[i] != 0) {
                    QVERIFY2(after[i] == before[i], qPrintable(info.path));
                } else {
                    QVERIFY2(after[i] == 0, qPrintable(info.path));
                    ++zeroed;
                }
            }
            QCOMPARE(zeroed, mask.stats.zeros);
        }
        QVERIFY(datasets >= layers.size());
        QCOMPARE(listing(dir.path()), QStringList{QStringLiteral("pruned.h5")});
    }

    void existingOutputIsKeptWhenTheAnswerIsNo()
    {
        auto window = openDemo();
        QTemporaryDir dir;
        const QString output = dir.filePath(QStringLiteral("existing.h5"));
        {
            QFile file(output);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("keep me");
        }
        bool asked = false;
        QTimer poll;
        poll.setInterval(10);
        connect(&poll, &QTimer::timeout, window.get(), [&] {
            auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
            if (box && box->objectName() == QLatin1String("prunedOverwriteQuestion")) {
                asked = true;
                box->button(QMessageBox::No)->click();
            }
        });
        poll.start();
        QSignalSpy exported(window.get(), &MainWindow::prunedWeightsExported);
        window->exportPrunedWeights(output);
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, asyncTimeout);
        poll.stop();
        QVERIFY2(asked, qPrintable(window->statusBar()->currentMessage()));
        QVERIFY(!exported.at(0).at(1).toBool());
        QFile file(output);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), QByteArray("keep me"));
    }

    // A shown window-modal progress dialog processes events inside setValue(), and the export
    // can end right there (it once did: the flow's next line used the deleted dialog).
    void progressMayEndWhileItAdvances()
    {
        QWidget window;
        window.show();
        ui::ExportProgress progress(&window, QStringLiteral("testProgress"),
                                    QStringLiteral("Test"));
        bool cancelled = false;
        progress.begin(QStringLiteral("first"), 3, [&] { cancelled = true; });
        auto* dialog = window.findChild<QProgressDialog*>(QStringLiteral("testProgress"));
        QVERIFY(dialog);
        QTRY_VERIFY_WITH_TIMEOUT(dialog->isVisible(), asyncTimeout); // after its 300 ms
        QPointer<QProgressDialog> watched = dialog;

        QMetaObject::invokeMethod(
            &window, [&] { progress.end(); }, Qt::QueuedConnection);
        progress.advance(1, 3, QStringLiteral("second"));
        QVERIFY(!progress.isActive());
        QVERIFY(!cancelled);                             // closing is no cancel
        QVERIFY(watched && !watched->isVisible());       // still alive until control returns
        progress.advance(2, 3, QStringLiteral("third")); // no dialog: nothing happens
        QTRY_VERIFY_WITH_TIMEOUT(watched.isNull(), asyncTimeout);
    }

    // The pruned copy is rewritten by a writer process (core/readerchild): when it crashes,
    // the window says so, writes nothing, and keeps its file and layer, still read.
    void aCrashOfTheWriterKeepsTheOpenFile()
    {
        auto window = openDemo();
        ui::Session& session = *window->session();
        const QString layer = session.currentLayer();
        const QString file = session.filePath();
        QTemporaryDir dir;
        const QString output = dir.filePath(QStringLiteral("pruned.h5"));
        QString shown;
        QTimer poll;
        poll.setInterval(10);
        connect(&poll, &QTimer::timeout, window.get(), [&] {
            auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
            if (box && box->objectName() == QLatin1String("errorDialog")) {
                shown = box->informativeText();
                box->button(QMessageBox::Ok)->click();
            }
        });
        poll.start();
        QSignalSpy exported(window.get(), &MainWindow::prunedWeightsExported);
        {
            // Taken by the writer process the export starts; the demo's reader runs already.
            const ScopedEnvironment crash("SPARSITY_READER_TEST_FAULT", "rewrite-crash");
            window->exportPrunedWeights(output);
            QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, asyncTimeout);
        }
        QTRY_VERIFY_WITH_TIMEOUT(!shown.isEmpty(), asyncTimeout);
        poll.stop();
        QVERIFY(!exported.at(0).at(1).toBool());
        VERIFY_CONTAINS(shown, QStringLiteral("the HDF5 library crashed"));
        VERIFY_CONTAINS(shown, QStringLiteral("while checking the datasets of the pruned copy: "
                                              "the file is damaged or crafted"));
        QCOMPARE(listing(dir.path()), QStringList{});
        QCOMPARE(session.filePath(), file);
        QCOMPARE(session.currentLayer(), layer);
        // The layer is still masked: a new level gives a new snapshot with its mask.
        core::SparsityParams params = session.currentParams();
        params.level = params.level > 0.5 ? 0.3 : 0.7;
        session.setParams(params);
        QVERIFY(waitIdle(*window, asyncTimeout));
        QTRY_VERIFY_WITH_TIMEOUT(session.snapshot() && session.snapshot()->params == params,
                                 asyncTimeout);
        QCOMPARE(session.snapshot()->datasetPath, layer);
        QVERIFY(session.snapshot()->stats.zeros > 0);
        QVERIFY(window->findChild<QAction*>(QStringLiteral("exportPrunedAction"))->isEnabled());
    }

    void cancellingLeavesNoFile()
    {
        auto window = openDemo();
        QTemporaryDir dir;
        const QString output = dir.filePath(QStringLiteral("cancelled.h5"));
        // Hold the I/O thread so the export cannot finish before the cancel arrives.
        QSemaphore gate;
        window->session()->ioPool()->start([&gate] { gate.acquire(); });
        QSignalSpy exported(window.get(), &MainWindow::prunedWeightsExported);
        window->exportPrunedWeights(output);
        auto* progress =
            window->findChild<QProgressDialog*>(QStringLiteral("prunedExportProgress"));
        QVERIFY(progress);
        QVERIFY(!window->isIdle());
        QVERIFY(!window->findChild<QAction*>(QStringLiteral("exportPrunedAction"))->isEnabled());
        auto* cancel = progress->findChild<QPushButton*>();
        QVERIFY(cancel);
        cancel->click();
        gate.release();
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, asyncTimeout);
        QVERIFY(!exported.at(0).at(1).toBool());
        QCOMPARE(listing(dir.path()), QStringList{});
        QVERIFY(waitIdle(*window, asyncTimeout));
        QVERIFY(window->findChild<QAction*>(QStringLiteral("exportPrunedAction"))->isEnabled());
    }
};

QTEST_MAIN(TestPrunedExportGui)
#include "tst_prunedexport_gui.moc"
