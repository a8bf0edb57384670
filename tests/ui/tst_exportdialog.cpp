// The export dialog: its choices, and every label with a mnemonic tied to the field it names
// (a label without a buddy shows the '&' literally: "&Output file:").
#include "mainwindow/exportdialog.h"

#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QTest>

using sparsity::ui::ExportDialog;

class TestExportDialog final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void mnemonicsHaveBuddies()
    {
        ExportDialog dialog(QStringLiteral("/a/weight"), 3, QStringLiteral("/tmp/masks.h5"));
        int withMnemonic = 0;
        for (const QLabel* label : dialog.findChildren<QLabel*>()) {
            if (!label->text().contains(QLatin1Char('&')))
                continue;
            ++withMnemonic;
            QVERIFY2(label->buddy() != nullptr, qPrintable(label->text()));
        }
        QVERIFY(withMnemonic >= 1);
        const auto* path = dialog.findChild<QLineEdit*>(QStringLiteral("exportPath"));
        QVERIFY(path);
        const auto labels = dialog.findChildren<QLabel*>();
        QVERIFY(std::any_of(labels.begin(), labels.end(),
                            [path](const QLabel* label) { return label->buddy() == path; }));
    }

    void choicesFollowTheControls()
    {
        ExportDialog dialog(QString(), 3, QStringLiteral("/tmp/masks.h5"));
        // No current layer: only "all layers" can be chosen, and it is.
        QVERIFY(dialog.allLayers());
        QVERIFY(
            !dialog.findChild<QRadioButton*>(QStringLiteral("exportCurrentLayer"))->isEnabled());
        auto* path = dialog.findChild<QLineEdit*>(QStringLiteral("exportPath"));
        path->setText(QStringLiteral("  /tmp/other.h5 "));
        QCOMPARE(dialog.outputPath(), QStringLiteral("/tmp/other.h5"));
    }
};

QTEST_MAIN(TestExportDialog)
#include "tst_exportdialog.moc"
