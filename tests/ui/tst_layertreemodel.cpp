// LayerTreeModel and LayerBrowser over a fixture with every kind of entry: the model passes
// QAbstractItemModelTester, disables what cannot be sparsified (reason as tooltip) and the
// browser reports only enabled datasets.
#include "hdf5/hdf5reader.h"
#include "layers/layerbrowser.h"
#include "layers/layertreemodel.h"

#include <QAbstractItemModelTester>
#include <QFont>
#include <QSignalSpy>
#include <QTest>
#include <QTreeView>

using namespace sparsity;
using sparsity::ui::LayerTreeModel;

namespace {

const QString layersFile = QStringLiteral(SPARSITY_TEST_DATA_DIR "/layers.h5");
const QString demoFile = QStringLiteral(SPARSITY_DEMO_FILE);

std::vector<core::DatasetInfo> treeOf(const QString& path)
{
    return core::Hdf5Reader::open(path)->listTree();
}

} // namespace

class TestLayerTreeModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void passesModelTester()
    {
        LayerTreeModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setTree(treeOf(layersFile));
        model.setTree(treeOf(demoFile));
        model.setTree({});
        QCOMPARE(model.rowCount(), 0);
        model.setTree(treeOf(layersFile));
        QVERIFY(model.rowCount() > 0);
    }

    void mirrorsTheFile_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<bool>("enabled");
        QTest::addColumn<bool>("selectable");
        QTest::addColumn<QString>("shape");
        QTest::addColumn<QString>("type");
        QTest::addColumn<QString>("tooltipPart");
        QTest::newRow("group") << "/dense" << true << false << ""
                               << ""
                               << "/dense";
        QTest::newRow("kernel") << "/dense/kernel" << true << true << "16x24"
                                << "float32"
                                << "384 weights";
        QTest::newRow("bias (named only)") << "/dense/bias" << true << true << "16"
                                           << "float32"
                                           << "rank 1: needs at least 2 dimensions";
        QTest::newRow("integer (named only)") << "/int_table" << true << true << "8x8"
                                              << "int32"
                                              << "Not masked by default";
        QTest::newRow("strings") << "/names" << false << false << "2"
                                 << "string"
                                 << "string data is not numeric";
        QTest::newRow("empty") << "/empty" << false << false << "0x5"
                               << "float32"
                               << "empty: dimension 0 has size 0";
        QTest::newRow("dangling link") << "/broken" << false << false << ""
                                       << ""
                                       << "does not exist";
        QTest::newRow("nested") << "/nested/deep/w" << true << true << "10x10"
                                << "float64"
                                << "100 weights";
    }
    void mirrorsTheFile()
    {
        QFETCH(QString, path);
        QFETCH(bool, enabled);
        QFETCH(bool, selectable);
        QFETCH(QString, shape);
        QFETCH(QString, type);
        QFETCH(QString, tooltipPart);

        LayerTreeModel model;
        model.setTree(treeOf(layersFile));
        const QModelIndex index = model.indexOfPath(path);
        QVERIFY(index.isValid());
        QCOMPARE(index.data(LayerTreeModel::DatasetPathRole).toString(), path);
        QCOMPARE(bool(model.flags(index) & Qt::ItemIsEnabled), enabled);
        QCOMPARE(bool(model.flags(index) & Qt::ItemIsSelectable), selectable);
        QCOMPARE(index.siblingAtColumn(LayerTreeModel::ShapeColumn).data().toString(), shape);
        QCOMPARE(index.siblingAtColumn(LayerTreeModel::TypeColumn).data().toString(), type);
        const QString tooltip = index.data(Qt::ToolTipRole).toString();
        QVERIFY2(tooltip.contains(tooltipPart), qPrintable(tooltip));
    }

    void sizesInIecUnitsAsTheCli()
    {
        // 16 x 24 float32 = 1536 bytes: "1.5 KiB", the text `sparsity-cli list` prints for it
        // (tst_scripting), not the traditional format's "1.5 kB", which reads as 1500 bytes.
        const QLocale previous;
        QLocale::setDefault(QLocale::c());
        LayerTreeModel model;
        model.setTree(treeOf(layersFile));
        const QModelIndex kernel = model.indexOfPath(QStringLiteral("/dense/kernel"));
        const QString size = kernel.siblingAtColumn(LayerTreeModel::SizeColumn).data().toString();
        QLocale::setDefault(previous);
        QCOMPARE(size, QStringLiteral("1.5 KiB"));
    }

    void namedOnlyDatasetsAreItalic()
    {
        LayerTreeModel model;
        model.setTree(treeOf(layersFile));
        QVERIFY(model.indexOfPath(QStringLiteral("/dense/bias"))
                    .data(Qt::FontRole)
                    .value<QFont>()
                    .italic());
        QVERIFY(!model.indexOfPath(QStringLiteral("/dense/kernel")).data(Qt::FontRole).isValid());
        QVERIFY(model.indexOfPath(QStringLiteral("/dense/kernel"))
                    .data(LayerTreeModel::SparsifiableRole)
                    .toBool());
        QVERIFY(!model.indexOfPath(QStringLiteral("/dense/bias"))
                     .data(LayerTreeModel::SparsifiableRole)
                     .toBool());
    }

    void nestsGroups()
    {
        LayerTreeModel model;
        model.setTree(treeOf(demoFile));
        const QModelIndex mlp = model.indexOfPath(QStringLiteral("/mlp"));
        QCOMPARE(model.rowCount(mlp), 3);
        const QModelIndex fc2 = model.indexOfPath(QStringLiteral("/mlp/fc2/weight"));
        QCOMPARE(fc2.parent().parent(), mlp);
        QCOMPARE(fc2.data().toString(), QStringLiteral("weight"));
        QVERIFY(!model.indexOfPath(QStringLiteral("/mlp/nothing")).isValid());
    }

    void naturalOrder_data()
    {
        QTest::addColumn<QString>("a");
        QTest::addColumn<QString>("b");
        QTest::addColumn<int>("expected");
        QTest::newRow("numbers as numbers") << "layers.2"
                                            << "layers.10" << -1;
        QTest::newRow("longer number later") << "layers.10.weight"
                                             << "layers.9.weight" << 1;
        QTest::newRow("case does not lead") << "Beta"
                                            << "alpha" << 1;
        QTest::newRow("prefix first") << "fc"
                                      << "fc1" << -1;
        QTest::newRow("equal") << "conv2"
                               << "conv2" << 0;
        QTest::newRow("leading zeros equal as numbers, still ordered") << "l007"
                                                                       << "l7" << -1;
        QTest::newRow("huge numbers") << "x123456789012345678901"
                                      << "x99" << 1;
    }
    void naturalOrder()
    {
        QFETCH(QString, a);
        QFETCH(QString, b);
        QFETCH(int, expected);
        QCOMPARE(LayerTreeModel::naturalCompare(a, b), expected);
        QCOMPARE(LayerTreeModel::naturalCompare(b, a), -expected);
    }

    void groupsDottedNames()
    {
        std::vector<core::DatasetInfo> entries;
        const auto dataset = [&](const char* path) {
            core::DatasetInfo info;
            info.path = QLatin1String(path);
            info.kind = core::NodeKind::Dataset;
            info.shape = {4, 4};
            info.typeName = QStringLiteral("float32");
            info.sparsifiable = true;
            entries.push_back(info);
        };
        core::DatasetInfo group;
        group.path = QStringLiteral("/model");
        group.kind = core::NodeKind::Group;
        entries.push_back(group);
        dataset("/model/encoder.layers.0.weight");
        dataset("/model/encoder.layers.0.bias");
        dataset("/model/encoder.layers.1.weight");
        dataset("/model/head.weight");
        dataset("/model/.hidden");
        dataset("/model/v1.");
        dataset("/model/a..b");
        dataset("/plain");

        LayerTreeModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setTree(entries);
        QCOMPARE(model.rowCount(model.indexOfPath(QStringLiteral("/model"))), 7);
        model.setGroupByDots(true);
        const QModelIndex root = model.indexOfPath(QStringLiteral("/model"));
        // encoder, head and the three names that are not state_dict keys, whole.
        QCOMPARE(model.rowCount(root), 5);
        const QModelIndex w0 = model.indexOfPath(QStringLiteral("/model/encoder.layers.0.weight"));
        QCOMPARE(w0.data().toString(), QStringLiteral("weight"));
        QCOMPARE(w0.data(LayerTreeModel::DatasetPathRole).toString(),
                 QStringLiteral("/model/encoder.layers.0.weight"));
        const QModelIndex zero = w0.parent();
        QCOMPARE(zero.data().toString(), QStringLiteral("0"));
        QCOMPARE(model.rowCount(zero), 2);
        QVERIFY(zero.data(LayerTreeModel::PrefixGroupRole).toBool());
        QVERIFY(zero.data(LayerTreeModel::DatasetPathRole).toString().isEmpty());
        QCOMPARE(zero.data(LayerTreeModel::FilterTextRole).toString(),
                 QStringLiteral("/model/encoder.layers.0"));
        QCOMPARE(zero.parent().data().toString(), QStringLiteral("layers"));
        QCOMPARE(model.rowCount(zero.parent()), 2); // 0 and 1
        QCOMPARE(zero.parent().parent().parent(), root);
        QVERIFY(!(model.flags(zero) & Qt::ItemIsSelectable));
        for (const char* whole : {"/model/.hidden", "/model/v1.", "/model/a..b", "/plain"})
            QCOMPARE(model.indexOfPath(QLatin1String(whole)).parent(),
                     model.indexOfPath(QLatin1String(whole)).parent().isValid() ? root
                                                                                : QModelIndex());
        model.setGroupByDots(false);
        QCOMPARE(model.indexOfPath(QStringLiteral("/model/encoder.layers.0.weight")).parent(),
                 model.indexOfPath(QStringLiteral("/model")));
    }

    void browserReportsEnabledDatasetsOnly()
    {
        ui::LayerBrowser browser;
        browser.setTree(treeOf(layersFile));
        QSignalSpy activated(&browser, &ui::LayerBrowser::layerActivated);
        QTreeView* view = browser.findChild<QTreeView*>(QStringLiteral("layerTree"));
        QVERIFY(view);
        const auto proxyIndex = [&](const QString& path) {
            // The view shows a filter proxy: find the row by its path.
            const QModelIndexList found =
                view->model()->match(view->model()->index(0, 0), LayerTreeModel::DatasetPathRole,
                                     path, 1, Qt::MatchExactly | Qt::MatchRecursive);
            return found.value(0);
        };
        view->setCurrentIndex(proxyIndex(QStringLiteral("/names")));
        view->setCurrentIndex(proxyIndex(QStringLiteral("/dense")));
        QCOMPARE(activated.count(), 0);
        view->setCurrentIndex(proxyIndex(QStringLiteral("/dense/kernel")));
        QCOMPARE(activated.count(), 1);
        QCOMPARE(activated.at(0).at(0).toString(), QStringLiteral("/dense/kernel"));

        browser.setCurrentLayer(QStringLiteral("/conv/weight")); // programmatic: no signal
        QCOMPARE(activated.count(), 1);
        QCOMPARE(view->currentIndex().data(LayerTreeModel::DatasetPathRole).toString(),
                 QStringLiteral("/conv/weight"));
    }
};

QTEST_MAIN(TestLayerTreeModel)
#include "tst_layertreemodel.moc"
