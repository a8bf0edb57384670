#include "datasetselection.h"

#include "error.h"
#include "io/datasetchecks.h"

#include <QSet>
#include <algorithm>

namespace sparsity::cli {
namespace {

// One character as a regular expression atom, whatever it is.
QString literalAtom(QChar c)
{
    return QStringLiteral("\\x{%1}").arg(c.unicode(), 0, 16);
}

// The pattern as an anchored regular expression (docs/SPEC.md "Scripting"); throws for an
// unclosed set.
QString translate(const QString& pattern, const QString& original)
{
    QString regex;
    for (qsizetype i = 0; i < pattern.size(); ++i) {
        const QChar c = pattern.at(i);
        if (c == QLatin1Char('*')) {
            regex += QStringLiteral("[^/]*");
        } else if (c == QLatin1Char('?')) {
            regex += QStringLiteral("[^/]");
        } else if (c == QLatin1Char('[')) {
            qsizetype j = i + 1;
            const bool negated = j < pattern.size() && (pattern.at(j) == QLatin1Char('!') ||
                                                        pattern.at(j) == QLatin1Char('^'));
            if (negated)
                ++j;
            QString members;
            // A ']' first in the set is a member, as in the shell.
            const qsizetype first = j;
            while (j < pattern.size() && (pattern.at(j) != QLatin1Char(']') || j == first)) {
                const QChar from = pattern.at(j);
                if (j + 2 < pattern.size() && pattern.at(j + 1) == QLatin1Char('-') &&
                    pattern.at(j + 2) != QLatin1Char(']')) {
                    const QChar to = pattern.at(j + 2);
                    if (to < from)
                        throw core::Error(core::ErrorCode::InvalidParameter,
                                          QStringLiteral("--dataset '%1': the range '%2-%3' is "
                                                         "backwards")
                                              .arg(original, from, to));
                    members += literalAtom(from) + QLatin1Char('-') + literalAtom(to);
                    j += 3;
                } else {
                    members += literalAtom(from);
                    ++j;
                }
            }
            if (j >= pattern.size())
                throw core::Error(core::ErrorCode::InvalidParameter,
                                  QStringLiteral("--dataset '%1': '[' at character %2 is not "
                                                 "closed by ']' (write [[] for a literal '[')")
                                      .arg(original)
                                      .arg(i + 1));
            // A set never matches the separator, as '*' and '?' do not.
            regex += negated ? QStringLiteral("[^/%1]").arg(members)
                             : QStringLiteral("(?!/)[%1]").arg(members);
            i = j;
        } else {
            regex += literalAtom(c);
        }
    }
    return regex;
}

QString nameOf(const QString& path)
{
    return path.mid(path.lastIndexOf(QLatin1Char('/')) + 1);
}

} // namespace

DatasetPattern::DatasetPattern(const QString& text)
    : m_text(text)
    , m_nameOnly(!text.contains(QLatin1Char('/')))
{
    const QString whole =
        m_nameOnly || text.startsWith(QLatin1Char('/')) ? text : QLatin1Char('/') + text;
    m_regex.setPattern(QRegularExpression::anchoredPattern(translate(whole, text)));
    // Every character is escaped as \x{...}, so this cannot fail; if it ever did, a pattern
    // would silently match nothing, so say so instead.
    if (!m_regex.isValid())
        throw core::Error(core::ErrorCode::InvalidParameter,
                          QStringLiteral("--dataset '%1' cannot be used as a pattern: %2")
                              .arg(text, m_regex.errorString()));
    m_regex.optimize();
}

bool DatasetPattern::matches(const QString& path) const
{
    return m_regex.match(m_nameOnly ? nameOf(path) : path).hasMatch();
}

bool isDatasetPattern(const QString& value)
{
    return value.contains(QLatin1Char('*')) || value.contains(QLatin1Char('?')) ||
           value.contains(QLatin1Char('['));
}

bool hasDatasetPatterns(const QStringList& values)
{
    return std::any_of(values.begin(), values.end(), isDatasetPattern);
}

QStringList selectDatasets(const QStringList& values, const std::vector<core::DatasetInfo>& tree,
                           const QString& input, QTextStream& notes)
{
    QSet<QString> listed;
    for (const core::DatasetInfo& info : tree)
        listed.insert(info.path);
    QStringList chosen;
    QSet<QString> byPattern; // chosen by a pattern: taken once, however often chosen again
    for (const QString& value : values) {
        const QString path = core::normalizeDatasetPath(value);
        if (!isDatasetPattern(value) || listed.contains(path)) {
            if (!byPattern.contains(path))
                chosen << path;
            continue;
        }
        const DatasetPattern pattern(value);
        int matched = 0, taken = 0;
        QString firstReason;
        for (const core::DatasetInfo& info : tree) {
            if (info.kind != core::NodeKind::Dataset || !pattern.matches(info.path))
                continue;
            ++matched;
            if (const QString problem = core::datasetProblem(info, core::namedMinimumRank);
                !problem.isEmpty()) {
                notes << "note: skipped " << info.path << " (matched by '" << value
                      << "'): " << problem << Qt::endl;
                if (firstReason.isEmpty())
                    firstReason = QStringLiteral("%1: %2").arg(core::quoted(info.path), problem);
                continue;
            }
            ++taken;
            if (chosen.contains(info.path))
                continue;
            chosen << info.path;
            byPattern.insert(info.path);
        }
        // Exit 1 as for a named dataset the file lacks: the file, not the command line, decides.
        if (matched == 0)
            throw core::Error(
                core::ErrorCode::InvalidInput,
                QStringLiteral("%1: --dataset '%2' matches no dataset").arg(input, value));
        if (taken == 0)
            throw core::Error(
                core::ErrorCode::InvalidInput,
                QStringLiteral("%1: --dataset '%2' matches %3 dataset%4, none of "
                               "which can be masked (%5)")
                    .arg(input, value)
                    .arg(matched)
                    .arg(matched == 1 ? QString() : QStringLiteral("s"), firstReason));
    }
    return chosen;
}

} // namespace sparsity::cli
