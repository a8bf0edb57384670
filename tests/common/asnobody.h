#pragma once

// Root passes every permission check, so a test of "permission denied" means nothing when the
// suite runs as root (as CI does). These helpers run a child as user nobody (uid/gid 65534, no
// supplementary groups): one test function of the current test executable again, or a program
// such as the CLI, from a copy that nobody can reach. becomeNobody() is the one way the tests
// drop root.

#include <QMap>
#include <QProcessEnvironment>
#include <QString>

namespace sparsity::test {

struct ChildRun
{
    bool started = false; // false: not root, or no place nobody can run from
    int exitCode = -1;
    QString output; // stdout and stderr
    QString why;    // when !started
};

bool runningAsRoot();

// For a QProcess child process modifier (between fork and exec: system calls only): drops root
// for nobody, groups first; false if a step failed, and the caller must then _exit().
bool becomeNobody();

// A copy of `file` named `name` in `dir` that every user may read and run, or an empty string.
QString copyForAll(const QString& file, const QString& dir, const QString& name);

// The environment for a child that runs as nobody from `dir` (a directory every user can enter):
// this process's, with each sanitizer suppressions file and the HDF5 reader program
// ($SPARSITY_HDF5_READER), which live in the checkout where nobody may not reach them, replaced by
// copies in `dir`.
QProcessEnvironment environmentForNobody(const QString& dir);

// Runs `testFunction` of this executable as nobody, with HOME and TMPDIR in a fresh
// world-writable directory; the child sees SPARSITY_TEST_AS_NOBODY=1. nobody may not reach the
// checkout (a clone in a 0700 home directory), so the child runs a copy of this executable from a
// fresh directory it can enter, outside the checkout; `programs` maps an environment variable to
// another program the child runs (the CLI, say), which is copied there too, and the child sees
// the variable set to the copy. Sanitizer suppression files are copied the same way.
ChildRun rerunAsNobody(const QString& testFunction, const QMap<QString, QString>& programs = {});

// The program a test runs: the one `variable` names (set by rerunAsNobody, or by a check that
// runs the test from a copy), else `builtPath`, where the build put it.
QString programPath(const char* variable, const QString& builtPath);

} // namespace sparsity::test
