// ParameterPanel: one paramsChanged per user change (also while dragging), zeros per block
// following the block size, presets, and ranges that admit only valid parameters.
#include "common/paramsbuilder.h"
#include "parameters/parameterpanel.h"
#include "parameters/sparsitypreset.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QPushButton>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QTest>

using namespace sparsity;
using sparsity::ui::ParameterPanel;

Q_DECLARE_METATYPE(sparsity::core::SparsityParams)

namespace {

struct Controls
{
    QSlider* slider;
    QDoubleSpinBox* level;
    QSpinBox* rows;
    QSpinBox* cols;
    QSpinBox* zeros;
    QComboBox* norm;
    QComboBox* preset;
};

Controls controlsOf(ParameterPanel& panel)
{
    Controls c{panel.findChild<QSlider*>(QStringLiteral("levelSlider")),
               panel.findChild<QDoubleSpinBox*>(QStringLiteral("levelSpinBox")),
               panel.findChild<QSpinBox*>(QStringLiteral("blockRowsSpinBox")),
               panel.findChild<QSpinBox*>(QStringLiteral("blockColsSpinBox")),
               panel.findChild<QSpinBox*>(QStringLiteral("zerosSpinBox")),
               panel.findChild<QComboBox*>(QStringLiteral("normComboBox")),
               panel.findChild<QComboBox*>(QStringLiteral("presetComboBox"))};
    return c;
}

core::SparsityParams lastParams(const QSignalSpy& spy)
{
    return spy.last().at(0).value<core::SparsityParams>();
}

} // namespace

class TestParameterPanel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { qRegisterMetaType<core::SparsityParams>(); }

    void showsParamsWithoutEmitting()
    {
        ParameterPanel panel;
        QSignalSpy spy(&panel, &ParameterPanel::paramsChanged);
        const auto params = test::makeParams(0.375, 8, 2, 5, core::Norm::L1);
        panel.setParams(params);
        QCOMPARE(spy.count(), 0);
        QCOMPARE(panel.params(), params);
        const Controls c = controlsOf(panel);
        QCOMPARE(c.slider->value(), 375);
        QCOMPARE(c.level->value(), 37.5);
        QCOMPARE(c.zeros->maximum(), 16);
    }

    void draggingEmitsEveryStep()
    {
        ParameterPanel panel;
        panel.setParams(test::makeParams(0.0, 4, 4, std::nullopt));
        QSignalSpy spy(&panel, &ParameterPanel::paramsChanged);
        const Controls c = controlsOf(panel);
        c.slider->setSliderDown(true); // a drag in progress: valueChanged still arrives
        for (int v = 1; v <= 100; ++v)
            c.slider->setValue(v * 5);
        c.slider->setSliderDown(false);
        QCOMPARE(spy.count(), 100);
        QCOMPARE(lastParams(spy).level, 0.5);
        QCOMPARE(c.level->value(), 50.0);
        for (const auto& call : spy)
            QVERIFY(!call.at(0).value<core::SparsityParams>().validate());
    }

    void levelSpinBoxDrivesTheSlider()
    {
        ParameterPanel panel;
        QSignalSpy spy(&panel, &ParameterPanel::paramsChanged);
        const Controls c = controlsOf(panel);
        c.level->setValue(12.3);
        QCOMPARE(spy.count(), 1);
        QCOMPARE(c.slider->value(), 123);
        QCOMPARE(lastParams(spy).level, 0.123);
    }

    void zerosFollowTheBlock()
    {
        ParameterPanel panel;
        panel.setParams(test::makeParams(0.5, 4, 4, std::nullopt));
        QSignalSpy spy(&panel, &ParameterPanel::paramsChanged);
        const Controls c = controlsOf(panel);

        // "Whole block" stays whole when the block grows: one signal, not two.
        c.rows->setValue(8);
        QCOMPARE(spy.count(), 1);
        QCOMPARE(c.zeros->maximum(), 32);
        QCOMPARE(c.zeros->value(), 32);
        QCOMPARE(lastParams(spy), test::makeParams(0.5, 8, 4, std::nullopt));

        // A count stays a count, and is clamped when the block shrinks below it.
        c.zeros->setValue(10);
        QCOMPARE(spy.count(), 2);
        QCOMPARE(lastParams(spy).zerosPerBlock, std::optional<std::int64_t>(10));
        c.cols->setValue(2);
        QCOMPARE(spy.count(), 3);
        QCOMPARE(lastParams(spy), test::makeParams(0.5, 8, 2, 10));
        c.rows->setValue(2);
        QCOMPARE(spy.count(), 4);
        QCOMPARE(c.zeros->maximum(), 4);
        QCOMPARE(lastParams(spy),
                 test::makeParams(0.5, 2, 2, std::nullopt)); // clamped to 4 = whole
        c.zeros->setValue(0);
        QCOMPARE(lastParams(spy), test::makeParams(0.5, 2, 2, 0));
    }

    void normChangeEmits()
    {
        ParameterPanel panel;
        QSignalSpy spy(&panel, &ParameterPanel::paramsChanged);
        const Controls c = controlsOf(panel);
        c.norm->setCurrentIndex(c.norm->findData(static_cast<int>(core::Norm::L1)));
        QCOMPARE(spy.count(), 1);
        QCOMPARE(lastParams(spy).norm, core::Norm::L1);
    }

    void presets_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<core::SparsityParams>("expected");
        // Starting from level 30 %, 4x4, L1: a preset sets the level too (50 %, PyTorch's
        // default sparsity_level; 2:4 100 %) and keeps the norm, but PyTorch defaults sets L2.
        QTest::newRow("PyTorch defaults")
            << "PyTorch defaults" << test::makeParams(0.5, 1, 4, std::nullopt, core::Norm::L2);
        QTest::newRow("unstructured")
            << "Unstructured (1x1)" << test::makeParams(0.5, 1, 1, std::nullopt, core::Norm::L1);
        QTest::newRow("2:4") << "2:4 (NVIDIA sparse tensor cores)"
                             << test::makeParams(1.0, 1, 4, 2, core::Norm::L1);
        QTest::newRow("1x4") << "1x4" << test::makeParams(0.5, 1, 4, std::nullopt, core::Norm::L1);
        QTest::newRow("4x1") << "4x1" << test::makeParams(0.5, 4, 1, std::nullopt, core::Norm::L1);
        QTest::newRow("4x4") << "4x4" << test::makeParams(0.5, 4, 4, std::nullopt, core::Norm::L1);
        QTest::newRow("8x8") << "8x8" << test::makeParams(0.5, 8, 8, std::nullopt, core::Norm::L1);
        QTest::newRow("16x16") << "16x16"
                               << test::makeParams(0.5, 16, 16, std::nullopt, core::Norm::L1);
        QTest::newRow("32x32") << "32x32"
                               << test::makeParams(0.5, 32, 32, std::nullopt, core::Norm::L1);
    }
    void presets()
    {
        QFETCH(QString, name);
        QFETCH(core::SparsityParams, expected);
        ParameterPanel panel;
        panel.setParams(test::makeParams(0.3, 4, 4, std::nullopt, core::Norm::L1));
        const Controls c = controlsOf(panel);
        QCOMPARE(c.preset->currentText(), QStringLiteral("Custom")); // 4x4 is at 50 %
        QSignalSpy spy(&panel, &ParameterPanel::paramsChanged);
        const int index = c.preset->findText(name);
        QVERIFY(index > 0);
        QVERIFY(!c.preset->itemData(index, Qt::ToolTipRole).toString().isEmpty());
        c.preset->setCurrentIndex(index);
        Q_EMIT c.preset->activated(index); // what a user's choice sends
        QCOMPARE(spy.count(), 1);
        QCOMPARE(lastParams(spy), expected);
        QCOMPARE(c.preset->currentText(), name);
        // A manual change that leaves the preset shows "Custom".
        c.zeros->setValue(0);
        QCOMPARE(c.preset->currentIndex(), 0);
    }

    // Choosing 1x4 after 2:4 used to keep 2:4's level of 100 % and prune every block.
    void presetAfterTwoFourDoesNotInheritItsLevel()
    {
        ParameterPanel panel;
        const Controls c = controlsOf(panel);
        QSignalSpy spy(&panel, &ParameterPanel::paramsChanged);
        for (const QString& name :
             {QStringLiteral("2:4 (NVIDIA sparse tensor cores)"), QStringLiteral("1x4")}) {
            const int index = c.preset->findText(name);
            c.preset->setCurrentIndex(index);
            Q_EMIT c.preset->activated(index);
        }
        QCOMPARE(spy.count(), 2);
        QCOMPARE(spy.at(0).at(0).value<core::SparsityParams>().level, 1.0);
        QCOMPARE(lastParams(spy), test::makeParams(0.5, 1, 4));
        QCOMPARE(c.level->value(), 50.0);
    }

    // Every parameter's tooltip names its argument of PyTorch's WeightNormSparsifier.
    void tooltipsNamePytorchArguments()
    {
        ParameterPanel panel;
        const Controls c = controlsOf(panel);
        QVERIFY(c.slider->toolTip().startsWith(QStringLiteral("sparsity_level in PyTorch")));
        QCOMPARE(c.level->toolTip(), c.slider->toolTip());
        QVERIFY(c.rows->toolTip().startsWith(QStringLiteral("sparse_block_shape[0] in PyTorch")));
        QVERIFY(c.cols->toolTip().startsWith(QStringLiteral("sparse_block_shape[1] in PyTorch")));
        QVERIFY(c.zeros->toolTip().startsWith(QStringLiteral("zeros_per_block in PyTorch")));
        QVERIFY(c.norm->toolTip().startsWith(QStringLiteral("norm in PyTorch")));
        panel.setModelScope(core::ModelBounds{});
        QVERIFY(c.slider->toolTip().startsWith(QStringLiteral("sparsity_level in PyTorch, but for "
                                                              "all the model's blocks")));
        panel.setModelScope(std::nullopt);
        QVERIFY(c.slider->toolTip().startsWith(QStringLiteral("sparsity_level in PyTorch:")));
    }

    void levelFromElsewhereIsRounded()
    {
        ParameterPanel panel;
        panel.setParams(test::makeParams(0.5, 4, 4, std::nullopt));
        QSignalSpy spy(&panel, &ParameterPanel::paramsChanged);
        panel.setLevelFromUser(0.73449);
        QCOMPARE(spy.count(), 1);
        QCOMPARE(lastParams(spy).level, 0.734);
        panel.setLevelFromUser(0.7341); // same 0.1 % step: nothing to do
        QCOMPARE(spy.count(), 1);
        panel.setLevelFromUser(2.0);
        QCOMPARE(lastParams(spy).level, 1.0);
    }

    // The ranges of the controls make invalid parameters impossible: drive every control to
    // random values, extremes included, and validate every emitted value.
    void rangesAdmitOnlyValidParams()
    {
        ParameterPanel panel;
        QSignalSpy spy(&panel, &ParameterPanel::paramsChanged);
        const Controls c = controlsOf(panel);
        QCOMPARE(c.slider->minimum(), 0);
        QCOMPARE(c.slider->maximum(), 1000);
        QCOMPARE(c.level->minimum(), 0.0);
        QCOMPARE(c.level->maximum(), 100.0);
        QCOMPARE(c.rows->minimum(), 1);
        QCOMPARE(c.rows->maximum(), 4096);
        QCOMPARE(c.cols->minimum(), 1);
        QCOMPARE(c.cols->maximum(), 4096);
        QRandomGenerator random(42);
        const int extremes[] = {-5, 0, 1, 4096, 5000, 100000};
        for (int i = 0; i < 2000; ++i) {
            const int pick = static_cast<int>(random.bounded(7));
            const int value = random.bounded(2) ? extremes[random.bounded(6)]
                                                : static_cast<int>(random.bounded(5000));
            switch (pick) {
            case 0:
                c.slider->setValue(value);
                break;
            case 1:
                c.level->setValue(value / 7.0);
                break;
            case 2:
                c.rows->setValue(value);
                break;
            case 3:
                c.cols->setValue(value);
                break;
            case 4:
                c.zeros->setValue(value);
                break;
            case 5:
                c.norm->setCurrentIndex(value % 2);
                break;
            default: {
                const int index = 1 + value % (c.preset->count() - 1);
                c.preset->setCurrentIndex(index);
                Q_EMIT c.preset->activated(index);
            }
            }
            QVERIFY(!panel.params().validate());
            QCOMPARE(c.zeros->maximum(), c.rows->value() * c.cols->value());
        }
        QVERIFY(spy.count() > 100);
        for (const auto& call : spy) {
            const auto params = call.at(0).value<core::SparsityParams>();
            QVERIFY2(!params.validate(), qPrintable(params.validate().value_or(QString())));
        }
        QVERIFY(!panel.findChild<QWidget*>(QStringLiteral("parameterProblemLabel"))
                     ->isVisibleTo(&panel));
    }

    void applyToAllButton()
    {
        ParameterPanel panel;
        QSignalSpy spy(&panel, &ParameterPanel::applyToAllRequested);
        panel.findChild<QPushButton*>(QStringLiteral("applyToAllButton"))->click();
        QCOMPARE(spy.count(), 1);
    }
};

QTEST_MAIN(TestParameterPanel)
#include "tst_parameterpanel.moc"
