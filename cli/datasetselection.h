#pragma once

#include "io/datasetinfo.h"

#include <QRegularExpression>
#include <QString>
#include <QStringList>
#include <QTextStream>
#include <vector>

namespace sparsity::cli {

// A --dataset glob (docs/SPEC.md "Scripting"): `*` any run of characters and `?` any one
// character, neither crossing '/'; `[abc]`, `[a-z]`, `[!abc]` (or `[^abc]`) one character of a
// set, never '/'. A pattern without '/' matches a dataset's name (its last path component) at
// any depth; one with '/' matches the whole path, the leading '/' optional. A plain value.
class DatasetPattern
{
public:
    // Throws core::Error(InvalidParameter) naming the pattern when a '[' is not closed.
    explicit DatasetPattern(const QString& text);

    bool matches(const QString& path) const; // path absolute, "/a/b/kernel"
    QString text() const { return m_text; }

private:
    QString m_text;
    bool m_nameOnly = false;
    QRegularExpression m_regex;
};

// Whether a --dataset value is a pattern: it has '*', '?' or '['.
bool isDatasetPattern(const QString& value);

// Whether any of the values is a pattern, i.e. whether resolving them needs the file's listing.
bool hasDatasetPatterns(const QStringList& values);

// The datasets the --dataset values choose, in order: a value that is the path of an entry of
// the listing, or has no pattern character, is that path (normalized, leading '/' optional, as
// before patterns existed; the command checks it as it always did). A pattern adds the datasets
// it matches, in listing order, that can be masked when named (rank >= 1, numeric, readable);
// each other dataset it matches is skipped with a note on notes. A dataset a pattern chooses
// again is taken once. Throws core::Error(InvalidInput) naming the file and the pattern when a
// pattern chooses no dataset, InvalidParameter when it is malformed.
QStringList selectDatasets(const QStringList& values, const std::vector<core::DatasetInfo>& tree,
                           const QString& input, QTextStream& notes);

} // namespace sparsity::cli
