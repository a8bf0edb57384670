// safetensors in the real window: a sharded checkpoint dropped on it opens as one file with
// every tensor in the layer tree and its weights equal to the core reader's, the recent-files
// menu reopens it, a hostile header shows the reader's message, and the Open dialog offers
// .safetensors and .safetensors.index.json. Set SPARSITY_SCREENSHOT_DIR to keep a PNG.
#include "common/checks.h"
#include "io/tensorfile.h"
#include "layers/layertreemodel.h"
#include "mainwindow/mainwindow.h"
#include "session/layersnapshot.h"
#include "session/session.h"
#include "ui/windowdriver.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMimeData>
#include <QSettings>
#include <QTest>
#include <QTimer>
#include <QTreeView>

using namespace sparsity;
using namespace sparsity::test;
using sparsity::ui::MainWindow;

namespace {

constexpr int asyncTimeout = 20000;

QString data(const QString& name)
{
    return QStringLiteral(SPARSITY_TEST_DATA_DIR "/safetensors/") + name;
}

void drop(MainWindow& window, const QString& file)
{
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(file)});
    QDragEnterEvent enter(QPoint(200, 200), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&window, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent dropped(QPointF(200, 200), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&window, &dropped);
}

// Every path the layer tree holds.
QStringList treePaths(QTreeView* tree)
{
    QStringList paths;
    const QAbstractItemModel* model = tree->model();
    std::vector<QModelIndex> pending{QModelIndex()};
    while (!pending.empty()) {
        const QModelIndex parent = pending.back();
        pending.pop_back();
        for (int row = 0; row < model->rowCount(parent); ++row) {
            const QModelIndex index = model->index(row, 0, parent);
            paths << index.data(ui::LayerTreeModel::DatasetPathRole).toString();
            pending.push_back(index);
        }
    }
    return paths;
}

} // namespace

class TestSafetensorsGui final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QSettings().clear(); }
    void cleanupTestCase() { QSettings().clear(); }

    void droppedShardedCheckpointOpensAsOneFile()
    {
        MainWindow window;
        window.resize(1280, 800);
        window.show();
        const QString index = data(QStringLiteral("sharded/model.safetensors.index.json"));
        drop(window, index);
        QTRY_COMPARE_WITH_TIMEOUT(window.session()->filePath(), QFileInfo(index).absoluteFilePath(),
                                  asyncTimeout);
        QVERIFY(waitIdle(window, asyncTimeout));
        // The first default layer in name order is shown, with the reader's values.
        QCOMPARE(window.session()->currentLayer(), QStringLiteral("/model.embed.weight"));
        const auto snapshot = shown(window);
        QVERIFY(snapshot);
        const core::WeightTensor expected =
            core::openTensorFile(data(QStringLiteral("model.safetensors")))
                ->readTensor(QStringLiteral("/model.embed.weight"), {});
        QCOMPARE(snapshot->weights->shape(), expected.shape());
        for (std::int64_t row = 0; row < expected.rows(); ++row) {
            for (std::int64_t col = 0; col < expected.cols(); ++col)
                QCOMPARE(snapshot->weights->valueAt(row, col), expected.valueAt(row, col));
        }
        // Every tensor of both shards is in the tree.
        const QString paths =
            treePaths(child<QTreeView>(window, "layerTree")).join(QLatin1Char('\n'));
        for (const char* path :
             {"/model.embed.weight", "/model.head.weight", "/model.layers.0.conv.weight",
              "/model.layers.1.weight", "/model.step"})
            QVERIFY2(paths.split(QLatin1Char('\n')).contains(QLatin1String(path)), path);
        if (const QByteArray dir = qgetenv("SPARSITY_SCREENSHOT_DIR"); !dir.isEmpty())
            window.grab().save(QDir(QString::fromLocal8Bit(dir))
                                   .filePath(QStringLiteral("safetensors_sharded.png")));

        // Recent files reopens it after another file.
        QCOMPARE(MainWindow::recentFiles().value(0), QFileInfo(index).absoluteFilePath());
        window.openFile(data(QStringLiteral("bf16.safetensors")));
        QTRY_COMPARE_WITH_TIMEOUT(window.session()->currentLayer(),
                                  QStringLiteral("/decoder.weight"), asyncTimeout);
        QVERIFY(waitIdle(window, asyncTimeout));
        auto* recent = window.findChild<QMenu*>(QStringLiteral("recentMenu"));
        QVERIFY(recent);
        Q_EMIT recent->aboutToShow();
        QCOMPARE(recent->actions().size() >= 2, true);
        QCOMPARE(recent->actions().at(1)->statusTip(),
                 QDir::toNativeSeparators(QFileInfo(index).absoluteFilePath()));
        recent->actions().at(1)->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(window.session()->filePath(), QFileInfo(index).absoluteFilePath(),
                                  asyncTimeout);
        QVERIFY(waitIdle(window, asyncTimeout));
    }

    void hostileHeaderShowsTheReason()
    {
        MainWindow window;
        window.show();
        window.openDemo();
        QTRY_VERIFY_WITH_TIMEOUT(window.session()->isDemo() &&
                                     !window.session()->currentLayer().isEmpty(),
                                 asyncTimeout);
        QVERIFY(waitIdle(window, asyncTimeout));
        const QString demoLayer = window.session()->currentLayer();
        const QString file = data(QStringLiteral("hostile/size_mismatch.safetensors"));
        drop(window, file);
        const QString message = takeError(window, asyncTimeout);
        VERIFY_CONTAINS(message, file);
        VERIFY_CONTAINS(message, QStringLiteral("tensor 'w': data_offsets [0, 12] hold 12 bytes"));
        // Nothing lost: the demo stays open on its layer, and the file is not a recent one.
        QVERIFY(window.session()->isDemo());
        QCOMPARE(window.session()->currentLayer(), demoLayer);
        QVERIFY(!MainWindow::recentFiles().contains(file));
    }

    void openDialogOffersSafetensors()
    {
        MainWindow window;
        window.show();
        QVERIFY(waitIdle(window, asyncTimeout));
        QAction* open = nullptr;
        for (QAction* action : window.findChildren<QAction*>()) {
            if (action->shortcut() == QKeySequence(QKeySequence::Open))
                open = action;
        }
        QVERIFY(open);
        QStringList filters;
        QTimer poll;
        poll.setInterval(10);
        connect(&poll, &QTimer::timeout, &window, [&] {
            if (auto* dialog = qobject_cast<QFileDialog*>(QApplication::activeModalWidget())) {
                filters = dialog->nameFilters();
                dialog->reject();
            }
        });
        poll.start();
        open->trigger();
        poll.stop();
        QVERIFY(!filters.isEmpty());
        VERIFY_CONTAINS(filters.first(), QStringLiteral("*.safetensors "));
        VERIFY_CONTAINS(filters.first(), QStringLiteral("*.safetensors.index.json"));
        VERIFY_CONTAINS(filters.first(), QStringLiteral("*.h5"));
        QVERIFY(filters.contains(
            QStringLiteral("safetensors (*.safetensors *.safetensors.index.json)")));
    }
};

QTEST_MAIN(TestSafetensorsGui)
#include "tst_safetensors_gui.moc"
