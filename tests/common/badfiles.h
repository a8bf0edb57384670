#pragma once

// Files that cannot be read as weights at all (not HDF5, empty, cut short, a directory, missing,
// a FIFO), made the same way for the core, CLI and GUI bad-input tests so that all three check
// one table of cases and messages.

#include <QString>
#include <vector>

namespace sparsity::test {

struct UnusableFileCase
{
    const char* row;  // the QTest row name
    QString name;     // the file name to make in a test directory
    QString fragment; // what follows the file's path in every message about it
};
std::vector<UnusableFileCase> unusableFileCases();

// Adds the QTest columns "name" and "fragment" and one row per case.
void addUnusableFileRows();

// Makes the case called `name` at `path`; damaged HDF5 files are cut from `goodHdf5File`.
// The missing-file cases make nothing. False when the file system refused.
bool makeUnusableFile(const QString& name, const QString& path, const QString& goodHdf5File);

} // namespace sparsity::test
