// Compare: the counts, IoU and containment of two masks (compareMasks on hand-made 4x4
// masks), the diff heatmap's colours zoomed in and out, and the Compare dock and view driven
// through the real MainWindow (pin, change the level or the block, layer change, unpin).
#include "compare/comparepanel.h"
#include "compare/maskdiff.h"
#include "heatmap/diffsource.h"
#include "heatmap/heatmapview.h"
#include "io/tensorfile.h"
#include "io/tensorreader.h"
#include "mainwindow/layerview.h"
#include "mainwindow/mainwindow.h"
#include "mask/sparsifier.h"
#include "session/session.h"
#include "testsnapshots.h"
#include "windowdriver.h"

#include <QAction>
#include <QDockWidget>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QTest>
#include <QThreadPool>

using namespace sparsity;
using namespace sparsity::test;
using sparsity::ui::ComparePanel;
using sparsity::ui::DiffSource;
using sparsity::ui::LayerSnapshot;
using sparsity::ui::MainWindow;
using sparsity::ui::MaskDiff;
using sparsity::ui::MaskScope;

namespace {

const QString demoFile = QStringLiteral(SPARSITY_DEMO_FILE);
constexpr int asyncTimeout = 30000;

std::vector<std::uint8_t> bytes(const char* pattern)
{
    std::vector<std::uint8_t> out;
    for (const char* p = pattern; *p; ++p)
        if (*p == '0' || *p == '1')
            out.push_back(std::uint8_t(*p - '0'));
    return out;
}

MaskDiff diffOf(const char* a, const char* b, int threads = 1)
{
    const auto x = bytes(a);
    const auto y = bytes(b);
    QThreadPool pool;
    pool.setMaxThreadCount(threads);
    return ui::compareMasks(x.data(), y.data(), std::int64_t(x.size()),
                            core::ExecutionContext{&pool, threads, nullptr});
}

core::WeightTensor ramp4x4()
{
    std::vector<float> values(16);
    for (int i = 0; i < 16; ++i)
        values[std::size_t(i)] = float(i + 1);
    return core::WeightTensor({4, 4}, values);
}

} // namespace

class TestCompare : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // A pinned in model scope says so, with the bounds that shaped it (it always said "layer").
    void pinnedScopeIsDescribed()
    {
        LayerSnapshot snapshot;
        QCOMPARE(ComparePanel::scopeDescription(snapshot), QStringLiteral("layer"));
        snapshot.scope = MaskScope::ModelPending; // ranked alone until the model is ready
        snapshot.model = core::ModelScopeRequest{0.5, {}};
        QCOMPARE(ComparePanel::scopeDescription(snapshot), QStringLiteral("layer"));
        snapshot.scope = MaskScope::Model;
        QCOMPARE(ComparePanel::scopeDescription(snapshot), QStringLiteral("model"));
        snapshot.model = core::ModelScopeRequest{0.5, core::ModelBounds{0.2, 0.85}};
        QCOMPARE(ComparePanel::scopeDescription(snapshot),
                 QStringLiteral("model, each layer 20–85 %"));
    }

    void countsOfHandMadeMasks_data()
    {
        QTest::addColumn<QString>("a");
        QTest::addColumn<QString>("b");
        QTest::addColumn<qint64>("both");
        QTest::addColumn<qint64>("aOnly");
        QTest::addColumn<qint64>("bOnly");
        QTest::addColumn<qint64>("neither");
        QTest::addColumn<double>("iou");
        QTest::addColumn<int>("containment");
        using C = MaskDiff::Containment;
        // 4x4 masks, row by row.
        QTest::newRow("equal") << "1100 0011 1010 0101"
                               << "1100 0011 1010 0101" << 8ll << 0ll << 0ll << 8ll << 1.0
                               << int(C::Equal);
        // B prunes a superset of A's pruned elements: pruned(A) within pruned(B).
        QTest::newRow("A in B") << "1111 1111 0000 0000"
                                << "1100 1100 0000 0000" << 4ll << 4ll << 0ll << 8ll << 0.5
                                << int(C::AInB);
        QTest::newRow("B in A") << "1000 0000 0000 0000"
                                << "1110 0000 0000 0001" << 1ll << 0ll << 3ll << 12ll << 0.25
                                << int(C::BInA);
        QTest::newRow("neither") << "1111 0000 1111 0000"
                                 << "1100 1100 1100 1100" << 4ll << 4ll << 4ll << 4ll << 4.0 / 12.0
                                 << int(C::Neither);
        QTest::newRow("all pruned in both")
            << "0000 0000 0000 0000"
            << "0000 0000 0000 0000" << 0ll << 0ll << 0ll << 16ll << 1.0 << int(C::Equal);
        QTest::newRow("disjoint") << "1111 1111 0000 0000"
                                  << "0000 0000 1111 1111" << 0ll << 8ll << 8ll << 0ll << 0.0
                                  << int(C::Neither);
    }

    void countsOfHandMadeMasks()
    {
        QFETCH(QString, a);
        QFETCH(QString, b);
        for (int threads : {1, 4}) {
            const MaskDiff diff =
                diffOf(a.toLatin1().constData(), b.toLatin1().constData(), threads);
            QTEST(qint64(diff.both), "both");
            QTEST(qint64(diff.aOnly), "aOnly");
            QTEST(qint64(diff.bOnly), "bOnly");
            QTEST(qint64(diff.neither), "neither");
            QTEST(diff.keptIoU(), "iou");
            QTEST(int(diff.containment()), "containment");
            QCOMPARE(diff.elements(), 16);
        }
    }

    void masksLargerThanASliceCountTheSame()
    {
        // Several slices of the parallel count, odd length: equal to a plain loop.
        const std::int64_t n = (std::int64_t{1} << 21) + 12345;
        std::vector<std::uint8_t> a(static_cast<std::size_t>(n)), b(static_cast<std::size_t>(n));
        std::uint32_t state = 12345;
        MaskDiff expected;
        for (std::size_t i = 0; i < a.size(); ++i) {
            state = state * 1664525u + 1013904223u;
            a[i] = (state >> 20) & 1;
            b[i] = (state >> 21) & 1;
            (a[i] ? (b[i] ? expected.both : expected.aOnly)
                  : (b[i] ? expected.bOnly : expected.neither))++;
        }
        QThreadPool pool;
        pool.setMaxThreadCount(3);
        QCOMPARE(ui::compareMasks(a.data(), b.data(), n, core::ExecutionContext{&pool, 3, nullptr}),
                 expected);
        QCOMPARE(ui::compareMasks(a.data(), b.data(), n, core::ExecutionContext{}), expected);
    }

    void diffSourceColours()
    {
        // B: the 4x4 ramp at level 0.5 in 1x4 blocks keeps rows 2 and 3.
        const auto snapshot = makeSnapshot(
            ramp4x4(), core::SparsityParams{0.5, {1, 4}, std::nullopt, core::Norm::L2});
        QCOMPARE(bytes("0000 0000 1111 1111"),
                 std::vector<std::uint8_t>(snapshot->mask->begin(), snapshot->mask->end()));
        const auto aBytes = bytes("1111 0000 1100 0000");
        auto a = std::make_shared<core::MaskBytes>(aBytes.size());
        std::copy(aBytes.begin(), aBytes.end(), a->begin());
        const DiffSource source(a, snapshot);
        QCOMPARE(source.fieldSize(), QSize(4, 4));
        QCOMPARE(source.legend().size(), 5);
        const std::atomic<bool> cancelled{false};

        // One pixel per element: each element's category colour.
        const QImage full = source.render(QRectF(0, 0, 4, 4), QSize(4, 4), cancelled);
        const auto expectAt = [&](int row, int col, DiffSource::Category category) {
            QCOMPARE(source.categoryAt(row, col), category);
            QCOMPARE(full.pixel(col, row), DiffSource::categoryColor(category));
        };
        using C = DiffSource::Category;
        expectAt(0, 0, C::AOnly);
        expectAt(1, 2, C::Neither);
        expectAt(2, 1, C::Both);
        expectAt(2, 3, C::BOnly);
        expectAt(3, 0, C::BOnly);

        // Zoomed out to one pixel: the blend of 4 A only, 2 both, 6 B only, 4 neither.
        const QImage one = source.render(QRectF(0, 0, 4, 4), QSize(1, 1), cancelled);
        const std::int64_t counts[4] = {2, 4, 6, 4};
        QCOMPARE(one.pixel(0, 0), DiffSource::blend(counts));
        double red = 0;
        for (int c = 0; c < 4; ++c)
            red += counts[c] * qRed(DiffSource::categoryColor(C(c))) / 16.0;
        QCOMPARE(qRed(one.pixel(0, 0)), int(red + 0.5));
        // 2x2 pixels over 2x2 elements each: top left is two A only and two neither.
        const QImage quarter = source.render(QRectF(0, 0, 4, 4), QSize(2, 2), cancelled);
        const std::int64_t topLeft[4] = {0, 2, 0, 2};
        QCOMPARE(quarter.pixel(0, 0), DiffSource::blend(topLeft));
        const std::int64_t bottomRight[4] = {0, 0, 4, 0};
        QCOMPARE(quarter.pixel(1, 1), DiffSource::categoryColor(C::BOnly));
        QCOMPARE(DiffSource::blend(bottomRight), DiffSource::categoryColor(C::BOnly));
        // The four categories are told apart.
        for (int i = 0; i < 4; ++i)
            for (int j = i + 1; j < 4; ++j)
                QVERIFY(DiffSource::categoryColor(C(i)) != DiffSource::categoryColor(C(j)));
    }

    void pinChangeLevelAndBlockInTheWindow()
    {
        auto window = std::make_unique<MainWindow>();
        window->resize(1500, 950);
        window->show();
        window->openDemo(QStringLiteral("/mlp/fc2/weight"));
        QTRY_COMPARE_WITH_TIMEOUT(window->session()->currentLayer(),
                                  QStringLiteral("/mlp/fc2/weight"), asyncTimeout);
        QVERIFY(waitIdle(*window, asyncTimeout));
        ui::ComparePanel& panel = *window->comparePanel();
        auto* pin = child<QAction>(*window, "pinMaskAction");
        auto* compareView = child<QAction>(*window, "compareViewAction");
        QVERIFY(!compareView->isEnabled());
        QVERIFY(!panel.isVisible());

        // Pin at 50 % (the default 4x4 l2): the dock opens and describes A.
        pin->trigger();
        QVERIFY(panel.isVisible());
        QVERIFY(panel.pinned());
        QCOMPARE(text(*window, "compareALabel"),
                 QStringLiteral("<b>A</b>: /mlp/fc2/weight · 4x4 l2 · level 50.0 % · layer scope"));
        QVERIFY(compareView->isEnabled());
        QVERIFY(waitIdle(*window, asyncTimeout));
        QCOMPARE(panel.diff()->aOnly + panel.diff()->bOnly, 0); // A against itself
        QCOMPARE(text(*window, "compareIoULabel"), QStringLiteral("IoU of the kept sets: 1.0000"));

        // B at 30 %: nested levels of one ranking, so B prunes a subset of what A prunes.
        child<QSlider>(*window, "levelSlider")->setValue(300);
        QVERIFY(waitIdle(*window, asyncTimeout));
        const auto weights = window->session()->snapshot()->weights;
        const auto maskAt = [&](const core::SparsityParams& params) {
            return core::computeMask(*weights, params, core::ExecutionContext{}).mask;
        };
        const core::MaskBytes a = maskAt({0.5, {4, 4}, std::nullopt, core::Norm::L2});
        const core::MaskBytes b = maskAt({0.3, {4, 4}, std::nullopt, core::Norm::L2});
        const MaskDiff expected =
            ui::compareMasks(a.data(), b.data(), std::int64_t(a.size()), core::ExecutionContext{});
        QCOMPARE(*panel.diff(), expected);
        QCOMPARE(panel.diff()->containment(), MaskDiff::Containment::BInA);
        QVERIFY(panel.diff()->bOnly > 0);
        QCOMPARE(panel.diff()->elements(), 128 * 256);
        QVERIFY(text(*window, "compareContainmentLabel")
                    .startsWith(QStringLiteral("pruned(A) ⊃ pruned(B)")));
        QCOMPARE(text(*window, "compareBOnlyCount"),
                 QStringLiteral("%1  (%2 %)")
                     .arg(QLocale().toString(qlonglong(expected.bOnly)))
                     .arg(100.0 * double(expected.bOnly) / (128 * 256), 0, 'f', 2));

        // The Compare view draws these categories.
        compareView->trigger();
        QCOMPARE(window->layerView()->kind(), ui::LayerView::Kind::Compare);
        QVERIFY(waitIdle(*window, asyncTimeout));
        const auto* diffSource =
            dynamic_cast<const DiffSource*>(window->layerView()->heatmap()->source().get());
        QVERIFY(diffSource);
        for (std::int64_t i = 0; i < std::int64_t(a.size()); i += 97) {
            const auto category = diffSource->categoryAt(i / 256, i % 256);
            QCOMPARE(category, a[std::size_t(i)]
                                   ? (b[std::size_t(i)] ? DiffSource::Category::Both
                                                        : DiffSource::Category::AOnly)
                                   : (b[std::size_t(i)] ? DiffSource::Category::BOnly
                                                        : DiffSource::Category::Neither));
        }

        // Another block shape at the same level: a different ranking, no containment.
        child<QSpinBox>(*window, "blockRowsSpinBox")->setValue(1);
        QVERIFY(waitIdle(*window, asyncTimeout));
        const core::MaskBytes c = maskAt(window->session()->currentParams());
        QCOMPARE(*panel.diff(), ui::compareMasks(a.data(), c.data(), std::int64_t(a.size()),
                                                 core::ExecutionContext{}));
        QCOMPARE(panel.diff()->containment(), MaskDiff::Containment::Neither);

        // Another layer: A stays pinned to its own layer and is not compared here.
        window->session()->selectLayer(QStringLiteral("/cnn/fc1/weight"));
        QVERIFY(waitIdle(*window, asyncTimeout));
        QVERIFY(panel.pinned());
        QVERIFY(!panel.comparableMask());
        QVERIFY(!panel.diff());
        QVERIFY(!compareView->isEnabled());
        QVERIFY(window->layerView()->kind() != ui::LayerView::Kind::Compare);
        QVERIFY(text(*window, "compareStatus").contains(QStringLiteral("/mlp/fc2/weight")));
        // Back on A's layer, compared again.
        window->session()->selectLayer(QStringLiteral("/mlp/fc2/weight"));
        QVERIFY(waitIdle(*window, asyncTimeout));
        QVERIFY(panel.diff());
        QVERIFY(compareView->isEnabled());

        // Unpin clears it.
        child<QPushButton>(*window, "unpinButton")->click();
        QVERIFY(!panel.pinned());
        QVERIFY(!compareView->isEnabled());
        QCOMPARE(text(*window, "compareALabel"), QStringLiteral("<b>A</b>: not pinned"));
        QCOMPARE(text(*window, "compareIoULabel"), QStringLiteral("IoU of the kept sets: —"));
    }
};

QTEST_MAIN(TestCompare)
#include "tst_compare.moc"
