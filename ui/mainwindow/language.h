#pragma once

#include <QList>
#include <QString>
#include <QStringList>

namespace sparsity::ui {

// The languages of the GUI: English (the source text) and Simplified Chinese, whose translation
// is compiled by lrelease into :/i18n/sparsity-explorer_zh_CN.qm. Switching installs or removes
// one application-wide QTranslator; Qt then sends QEvent::LanguageChange to every widget, and
// each one sets its texts again. UI thread only.
class Language final
{
public:
    Language() = delete;

    // A language by its code: "en" or "zh_CN".
    static QStringList codes();
    // The name of `code` in that language, for the View > Language menu ("English", "中文 (简体)").
    static QString nativeName(const QString& code);

    // The language the GUI starts in: the one chosen in View > Language, else the first of the
    // system's UI languages that is offered (zh, zh-CN, zh-Hans... give Chinese; zh-TW and
    // zh-HK too, as the only Chinese there is), else English.
    static QString startupCode();
    // The code for a list of UI languages as QLocale::uiLanguages() gives them.
    static QString codeForUiLanguages(const QStringList& uiLanguages);

    // Installs the translation of `code` ("en" removes it). False, and English, if the
    // translation cannot be loaded. Does not remember the choice.
    static bool apply(const QString& code);
    // The language applied now.
    static QString current();

    // Remembers the choice of View > Language for the next start.
    static void save(const QString& code);
};

} // namespace sparsity::ui
