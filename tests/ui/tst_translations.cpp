// The Chinese translation (resources/translations/sparsity-explorer_zh_CN.ts): complete, in step
// with the code, compiled into the resources, and shown by the real window, started in Chinese
// or switched to it at run time with View > Language.
#include "learn/learnpanel.h"
#include "learn/learnwalkthrough.h"
#include "mainwindow/language.h"
#include "mainwindow/mainwindow.h"
#include "mainwindow/mainwindowactions.h"
#include "session/session.h"
#include "windowdriver.h"

#include <QAbstractButton>
#include <QAction>
#include <QComboBox>
#include <QDockWidget>
#include <QFile>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QSettings>
#include <QStandardPaths>
#include <QTabBar>
#include <QTemporaryDir>
#include <QTest>
#include <QTranslator>
#include <QXmlStreamReader>
#include <map>

using namespace sparsity;
using namespace sparsity::test;
using ui::Language;
using ui::MainWindow;

namespace {

const QString tsFile = QStringLiteral(SPARSITY_TS_FILE);
const QString demoFile = QStringLiteral(SPARSITY_DEMO_FILE);
constexpr int asyncTimeout = 30000;

struct Message
{
    QString context;
    QString source;
    QString comment;
    bool numerus = false;
    QString type;             // the translation's type attribute: "", unfinished, vanished...
    QStringList translations; // one, or one per numerus form
    QString key() const { return context + QStringLiteral(" | ") + source; }
};

// Every message of a .ts file, read with QXmlStreamReader; `error` says what could not be read.
QList<Message> readTs(const QString& path, QString* error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = path + QStringLiteral(": ") + file.errorString();
        return {};
    }
    QList<Message> messages;
    QXmlStreamReader xml(&file);
    QString context;
    Message message;
    while (!xml.atEnd()) {
        xml.readNext();
        if (!xml.isStartElement())
            continue;
        const auto name = xml.name();
        if (name == QLatin1String("name")) {
            context = xml.readElementText();
        } else if (name == QLatin1String("message")) {
            message = Message{};
            message.context = context;
            message.numerus =
                xml.attributes().value(QLatin1String("numerus")) == QLatin1String("yes");
        } else if (name == QLatin1String("source")) {
            message.source = xml.readElementText();
        } else if (name == QLatin1String("comment")) {
            message.comment = xml.readElementText();
        } else if (name == QLatin1String("translation")) {
            message.type = xml.attributes().value(QLatin1String("type")).toString();
            if (message.numerus) {
                while (xml.readNextStartElement())
                    message.translations << xml.readElementText();
            } else {
                message.translations << xml.readElementText();
            }
            messages << message;
        }
    }
    if (xml.hasError())
        *error = QStringLiteral("%1:%2: %3").arg(path).arg(xml.lineNumber()).arg(xml.errorString());
    return messages;
}

// The placeholders of a text: %1..%99, %n, %Ln (and QProgressBar's %v, %m).
QStringList placeholders(const QString& text)
{
    static const QRegularExpression pattern(QStringLiteral("%(?:L?n|\\d{1,2}|[vm])"));
    QStringList found;
    for (auto it = pattern.globalMatch(text); it.hasNext();)
        found << it.next().captured();
    found.sort();
    found.removeDuplicates();
    return found;
}

// True if `text` has a keyboard mnemonic ("&F", not "&&").
bool hasMnemonic(const QString& text)
{
    static const QRegularExpression mnemonic(QStringLiteral("(?:^|[^&])&[^&\\s]"));
    return mnemonic.match(QString(text).remove(QStringLiteral("&&"))).hasMatch();
}

// What a widget shows as text, without mnemonics' ampersands.
QString plain(QString text)
{
    text.replace(QStringLiteral("&&"), QStringLiteral("\x01"));
    text.remove(QLatin1Char('&'));
    text.replace(QLatin1Char('\x01'), QLatin1Char('&'));
    return text;
}

} // namespace

class TestTranslations : public QObject
{
    Q_OBJECT

    QList<Message> m_messages;

    // English sources the Chinese translation changes, as whole-text patterns (placeholders
    // match anything). Sources that are only numbers, symbols and placeholders ("%1 (%2)")
    // are left out: such a text reads the same in both languages.
    QList<QRegularExpression> englishPatterns() const
    {
        static const QRegularExpression word(QStringLiteral("[A-Za-z]{2,}"));
        static const QRegularExpression placeholder(QStringLiteral("%(?:L?n|\\d{1,2})"));
        QList<QRegularExpression> patterns;
        for (const Message& m : m_messages) {
            const QString source = plain(m.source);
            if (m.translations.value(0) == m.source ||
                !QString(source).remove(placeholder).contains(word))
                continue;
            QString pattern;
            qsizetype at = 0;
            for (auto it = placeholder.globalMatch(source); it.hasNext();) {
                const auto match = it.next();
                pattern += QRegularExpression::escape(source.mid(at, match.capturedStart() - at)) +
                           QStringLiteral(".*");
                at = match.capturedEnd();
            }
            pattern += QRegularExpression::escape(source.mid(at));
            patterns << QRegularExpression(QRegularExpression::anchoredPattern(pattern),
                                           QRegularExpression::DotMatchesEverythingOption);
        }
        return patterns;
    }

    // Every text a user sees in `window`: menus (with their entries), dock titles, tabs, combo
    // box entries, labels, buttons, tooltips and widgets' actions. Texts of hidden widgets count
    // too: they show as soon as a dock opens.
    static QStringList visibleTexts(MainWindow& window)
    {
        QStringList texts;
        const std::function<void(QMenu*)> addMenu = [&](QMenu* menu) {
            texts << plain(menu->title());
            for (QAction* action : menu->actions()) {
                if (action->menu())
                    addMenu(action->menu());
                else if (!action->isSeparator())
                    texts << plain(action->text());
            }
        };
        for (QAction* action : window.menuBar()->actions())
            addMenu(action->menu());
        for (auto* dock : window.findChildren<QDockWidget*>())
            texts << dock->windowTitle();
        for (auto* tabs : window.findChildren<QTabBar*>())
            for (int i = 0; i < tabs->count(); ++i)
                texts << plain(tabs->tabText(i)) << tabs->tabToolTip(i);
        for (auto* combo : window.findChildren<QComboBox*>())
            for (int i = 0; i < combo->count(); ++i)
                texts << combo->itemText(i);
        for (auto* label : window.findChildren<QLabel*>())
            texts << plain(label->text()) << label->toolTip();
        for (auto* button : window.findChildren<QAbstractButton*>())
            texts << plain(button->text()) << button->toolTip();
        // Tooltips, and the actions of widgets' own context menus (Copy All as Text...).
        for (auto* widget : window.findChildren<QWidget*>()) {
            texts << widget->toolTip();
            for (QAction* action : widget->actions())
                texts << plain(action->text());
        }
        texts.removeAll(QString());
        texts.removeDuplicates();
        return texts;
    }

    // The texts of `window` that are an English source the translation changes.
    QStringList untranslated(MainWindow& window) const
    {
        const QList<QRegularExpression> patterns = englishPatterns();
        QStringList found;
        for (const QString& text : visibleTexts(window))
            for (const QRegularExpression& pattern : patterns)
                if (pattern.match(text).hasMatch()) {
                    found << text + QStringLiteral("   (matches: ") + pattern.pattern() +
                                 QLatin1Char(')');
                    break;
                }
        return found;
    }

    // The window on the demo's default layer, the Learn and Compare docks open, all work done.
    static std::unique_ptr<MainWindow> openDemoWindow()
    {
        auto window = std::make_unique<MainWindow>();
        window->resize(1440, 900);
        window->show();
        window->openFile(demoFile, QStringLiteral("/mlp/fc2/weight"));
        for (const char* dock : {"learnDock", "compareDock", "curvesDock", "modelDock"})
            child<QDockWidget>(*window, dock)->show();
        return window;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SparsityExplorerTests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_translations"));
        QSettings().clear();
        QString error;
        m_messages = readTs(tsFile, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY(m_messages.size() > 400);
    }

    void cleanup() { QVERIFY(Language::apply(QStringLiteral("en"))); }

    // No entry unfinished, vanished or obsolete, none empty, every placeholder and mnemonic
    // kept, one numerus form for Chinese (which has no plural).
    void everyEntryIsFinished()
    {
        QStringList problems;
        for (const Message& m : m_messages) {
            if (!m.type.isEmpty())
                problems << QStringLiteral("%1: type=\"%2\"").arg(m.key(), m.type);
            if (m.numerus && m.translations.size() != 1)
                problems << QStringLiteral("%1: %2 numerus forms, Chinese has 1")
                                .arg(m.key())
                                .arg(m.translations.size());
            for (const QString& translation : m.translations) {
                if (translation.trimmed().isEmpty()) {
                    problems << m.key() + QStringLiteral(": empty translation");
                    continue;
                }
                if (placeholders(translation) != placeholders(m.source))
                    problems << QStringLiteral("%1: placeholders %2 in the translation, %3 in the "
                                               "source")
                                    .arg(m.key(), placeholders(translation).join(QLatin1Char(' ')),
                                         placeholders(m.source).join(QLatin1Char(' ')));
                if (hasMnemonic(m.source) != hasMnemonic(translation))
                    problems << m.key() + QStringLiteral(": the mnemonic (&) is lost or added");
            }
        }
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('\n'))));
    }

    // lupdate on the code as it is now (the inputs and options of the update_translations
    // target) finds exactly the messages of the committed .ts: a string added to the code and
    // not translated, or one the code dropped, fails here.
    void tsMatchesTheCode()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString fresh = dir.filePath(QStringLiteral("fresh_zh_CN.ts"));
        QProcess lupdate;
        lupdate.setWorkingDirectory(QStringLiteral(SPARSITY_SOURCE_DIR));
        QStringList arguments =
            QString::fromUtf8(SPARSITY_LUPDATE_OPTIONS).split(QLatin1Char('|'), Qt::SkipEmptyParts);
        arguments << QString::fromUtf8(SPARSITY_LUPDATE_INPUTS)
                         .split(QLatin1Char('|'), Qt::SkipEmptyParts)
                  << QStringLiteral("-ts") << fresh;
        lupdate.start(QStringLiteral(SPARSITY_LUPDATE), arguments);
        QVERIFY2(lupdate.waitForFinished(120000), qPrintable(lupdate.errorString()));
        QVERIFY2(lupdate.exitStatus() == QProcess::NormalExit && lupdate.exitCode() == 0,
                 lupdate.readAllStandardError().constData());
        QString error;
        const QList<Message> current = readTs(fresh, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY(current.size() > 400);

        const auto keys = [](const QList<Message>& messages) {
            std::map<QString, bool> map; // key with comment -> numerus
            for (const Message& m : messages)
                map[m.key() + QStringLiteral(" | ") + m.comment] = m.numerus;
            return map;
        };
        const auto inCode = keys(current);
        const auto inTs = keys(m_messages);
        QStringList problems;
        for (const auto& [key, numerus] : inCode) {
            const auto found = inTs.find(key);
            if (found == inTs.end())
                problems << QStringLiteral("in the code, not in the .ts: ") + key;
            else if (found->second != numerus)
                problems << QStringLiteral("numerus differs: ") + key;
        }
        for (const auto& [key, numerus] : inTs)
            if (!inCode.count(key))
                problems << QStringLiteral("in the .ts, no longer in the code: ") + key;
        QVERIFY2(problems.isEmpty(),
                 qPrintable(problems.join(QLatin1Char('\n')) +
                            QStringLiteral("\n(cmake --build build --target update_translations, "
                                           "then translate the new entries)")));
    }

    // lrelease compiled every entry into the embedded .qm: each source comes back as its
    // translation through QCoreApplication::translate.
    void compiledTranslationHasEveryEntry()
    {
        QTranslator translator;
        QVERIFY(translator.load(QStringLiteral(":/i18n/sparsity-explorer_zh_CN.qm")));
        QStringList problems;
        for (const Message& m : m_messages) {
            const QByteArray context = m.context.toUtf8();
            const QByteArray source = m.source.toUtf8();
            const QByteArray comment = m.comment.toUtf8();
            const QString got = translator.translate(
                context.constData(), source.constData(),
                comment.isEmpty() ? nullptr : comment.constData(), m.numerus ? 2 : -1);
            if (got != m.translations.value(0))
                problems << m.key() + QStringLiteral(" -> ") + got;
        }
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('\n'))));
    }

    void followsTheSystemLanguage_data()
    {
        QTest::addColumn<QStringList>("uiLanguages");
        QTest::addColumn<QString>("code");
        QTest::newRow("zh-CN") << QStringList{QStringLiteral("zh-CN")} << QStringLiteral("zh_CN");
        QTest::newRow("zh-Hans-CN") << QStringList{QStringLiteral("zh-Hans-CN"),
                                                   QStringLiteral("zh-CN"), QStringLiteral("zh")}
                                    << QStringLiteral("zh_CN");
        QTest::newRow("zh_TW") << QStringList{QStringLiteral("zh_TW")} << QStringLiteral("zh_CN");
        QTest::newRow("de, then zh") << QStringList{QStringLiteral("de-DE"), QStringLiteral("zh")}
                                     << QStringLiteral("zh_CN");
        QTest::newRow("en before zh")
            << QStringList{QStringLiteral("en-US"), QStringLiteral("zh-CN")}
            << QStringLiteral("en");
        QTest::newRow("de") << QStringList{QStringLiteral("de-DE")} << QStringLiteral("en");
        QTest::newRow("none") << QStringList{} << QStringLiteral("en");
        QTest::newRow("zhx is not zh")
            << QStringList{QStringLiteral("zhx")} << QStringLiteral("en");
    }

    void followsTheSystemLanguage()
    {
        QFETCH(QStringList, uiLanguages);
        QFETCH(QString, code);
        QCOMPARE(Language::codeForUiLanguages(uiLanguages), code);
    }

    // View > Language is remembered and wins over the system's language at the next start.
    void theChoiceIsRemembered()
    {
        QSettings().remove(QStringLiteral("language"));
        QCOMPARE(Language::startupCode(),
                 Language::codeForUiLanguages(QLocale::system().uiLanguages()));
        Language::save(QStringLiteral("zh_CN"));
        QCOMPARE(Language::startupCode(), QStringLiteral("zh_CN"));
        Language::save(QStringLiteral("en"));
        QCOMPARE(Language::startupCode(), QStringLiteral("en"));
        QSettings().setValue(QStringLiteral("language"), QStringLiteral("xx"));
        QCOMPARE(Language::startupCode(),
                 Language::codeForUiLanguages(QLocale::system().uiLanguages()));
        QVERIFY(!Language::apply(QStringLiteral("xx")));
        QCOMPARE(Language::current(), QStringLiteral("en"));
        QSettings().remove(QStringLiteral("language"));
    }

    // A window started in Chinese shows Chinese everywhere: menus, docks, parameters, the
    // statistics, the histogram caption, the Learn dock; no English text the .ts translates.
    void windowStartedInChinese()
    {
        QVERIFY(Language::apply(QStringLiteral("zh_CN")));
        auto window = openDemoWindow();
        QTRY_COMPARE_WITH_TIMEOUT(window->session()->currentLayer(),
                                  QStringLiteral("/mlp/fc2/weight"), asyncTimeout);
        QVERIFY(waitIdle(*window, asyncTimeout));
        QStringList menus;
        for (QAction* action : window->menuBar()->actions())
            menus << action->text();
        QCOMPARE(menus, (QStringList{QStringLiteral("文件(&F)"), QStringLiteral("编辑(&E)"),
                                     QStringLiteral("视图(&V)"), QStringLiteral("层(&L)"),
                                     QStringLiteral("帮助(&H)")}));
        QCOMPARE(child<QDockWidget>(*window, "parametersDock")->windowTitle(),
                 QStringLiteral("参数"));
        QVERIFY(visibleTexts(*window).contains(QStringLiteral("级别(L)：")));
        QVERIFY(text(*window, "statsSparsity").startsWith(QStringLiteral("实际 ")));
        QVERIFY(text(*window, "histogramCaption").contains(QStringLiteral("个被剪枝")));
        QCOMPARE(text(*window, "learnStepTitle"), QStringLiteral("第 1 步，共 9 步：权重"));
        const QStringList english = untranslated(*window);
        QVERIFY2(english.isEmpty(), qPrintable(english.join(QLatin1Char('\n'))));

        // With SPARSITY_SCREENSHOT_DIR set, the window and each Learn step as PNG, to look at
        // the Chinese for cut or overlapping text.
        const QString dir = qEnvironmentVariable("SPARSITY_SCREENSHOT_DIR");
        if (dir.isEmpty())
            return;
        QVERIFY(window->grab().save(dir + QStringLiteral("/translations-window.png")));
        ui::LearnPanel* learn = window->learnPanel();
        for (int step = 0; step < ui::LearnWalkthrough::stepCount; ++step) {
            learn->setStep(step);
            QVERIFY(learn->grab().save(dir +
                                       QStringLiteral("/translations-learn-%1.png").arg(step + 1)));
        }
    }

    // View > Language switches a running window both ways: every text changes at once, the
    // choice is saved, and the menu's check follows.
    void switchedAtRunTime()
    {
        QSettings().remove(QStringLiteral("language"));
        auto window = openDemoWindow();
        QTRY_COMPARE_WITH_TIMEOUT(window->session()->currentLayer(),
                                  QStringLiteral("/mlp/fc2/weight"), asyncTimeout);
        QVERIFY(waitIdle(*window, asyncTimeout));
        auto* chinese = child<QAction>(*window, "language_zh_CN");
        auto* english = child<QAction>(*window, "language_en");
        QVERIFY(english->isChecked());
        QCOMPARE(chinese->text(), QStringLiteral("中文 (简体)"));
        const QString englishStats = text(*window, "statsSparsity");
        QVERIFY(englishStats.contains(QStringLiteral("achieved")));

        chinese->trigger();
        QCOMPARE(Language::current(), QStringLiteral("zh_CN"));
        QCOMPARE(QSettings().value(QStringLiteral("language")).toString(), QStringLiteral("zh_CN"));
        QVERIFY(chinese->isChecked());
        QVERIFY(waitIdle(*window, asyncTimeout));
        QCOMPARE(window->menuBar()->actions().value(2)->text(), QStringLiteral("视图(&V)"));
        QCOMPARE(child<QDockWidget>(*window, "histogramDock")->windowTitle(),
                 QStringLiteral("块范数直方图"));
        QVERIFY(text(*window, "statsSparsity").startsWith(QStringLiteral("实际 ")));
        QCOMPARE(text(*window, "learnStepTitle"), QStringLiteral("第 1 步，共 9 步：权重"));
        const QStringList left = untranslated(*window);
        QVERIFY2(left.isEmpty(), qPrintable(left.join(QLatin1Char('\n'))));

        english->trigger();
        QCOMPARE(Language::current(), QStringLiteral("en"));
        QCOMPARE(QSettings().value(QStringLiteral("language")).toString(), QStringLiteral("en"));
        QVERIFY(waitIdle(*window, asyncTimeout));
        QCOMPARE(window->menuBar()->actions().value(2)->text(), QStringLiteral("&View"));
        QCOMPARE(text(*window, "statsSparsity"), englishStats);
        QCOMPARE(child<QDockWidget>(*window, "histogramDock")->windowTitle(),
                 QStringLiteral("Block Norm Histogram"));
        QSettings().remove(QStringLiteral("language"));
    }
};

QTEST_MAIN(TestTranslations)
#include "tst_translations.moc"
