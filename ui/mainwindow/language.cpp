#include "language.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QSettings>
#include <QTranslator>
#include <memory>

namespace sparsity::ui {
namespace {

const QString languageKey = QStringLiteral("language");
const QString english = QStringLiteral("en");
const QString chinese = QStringLiteral("zh_CN");

// The application's translator; null while the GUI is English.
QTranslator*& installed()
{
    static QTranslator* translator = nullptr;
    return translator;
}

// Qt's own texts (the buttons of standard dialogs, the file dialog), when the system has
// them (Debian: qt6-translations-l10n); without them those stay English.
QTranslator*& installedQt()
{
    static QTranslator* translator = nullptr;
    return translator;
}

void remove(QTranslator*& translator)
{
    if (!translator)
        return;
    QCoreApplication::removeTranslator(translator);
    delete translator;
    translator = nullptr;
}

} // namespace

QStringList Language::codes()
{
    return {english, chinese};
}

QString Language::nativeName(const QString& code)
{
    // Each language is named in itself, so a reader finds theirs whatever is shown now.
    return code == chinese ? QStringLiteral("中文 (简体)") : QStringLiteral("English");
}

QString Language::codeForUiLanguages(const QStringList& uiLanguages)
{
    for (const QString& language : uiLanguages) {
        const QString lower = language.toLower();
        if (lower == QLatin1String("zh") || lower.startsWith(QLatin1String("zh-")) ||
            lower.startsWith(QLatin1String("zh_")))
            return chinese;
        // The first language the user prefers that we have wins: English before Chinese in
        // the list keeps English.
        if (lower == QLatin1String("en") || lower.startsWith(QLatin1String("en-")) ||
            lower.startsWith(QLatin1String("en_")))
            return english;
    }
    return english;
}

QString Language::startupCode()
{
    const QString saved = QSettings().value(languageKey).toString();
    if (codes().contains(saved))
        return saved;
    return codeForUiLanguages(QLocale::system().uiLanguages());
}

bool Language::apply(const QString& code)
{
    remove(installedQt());
    remove(installed());
    if (code != chinese)
        return code == english;
    auto loaded = std::make_unique<QTranslator>();
    if (!loaded->load(QStringLiteral(":/i18n/sparsity-explorer_zh_CN.qm")))
        return false;
    auto qt = std::make_unique<QTranslator>();
    if (qt->load(QStringLiteral("qtbase_zh_CN"),
                 QLibraryInfo::path(QLibraryInfo::TranslationsPath))) {
        installedQt() = qt.release();
        QCoreApplication::installTranslator(installedQt());
    }
    installed() = loaded.release();
    // Sends QEvent::LanguageChange to every widget (and the application object).
    QCoreApplication::installTranslator(installed());
    return true;
}

QString Language::current()
{
    return installed() ? chinese : english;
}

void Language::save(const QString& code)
{
    QSettings().setValue(languageKey, code);
}

} // namespace sparsity::ui
