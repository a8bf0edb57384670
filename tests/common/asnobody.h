#pragma once

// Root passes every permission check, so a test of "permission denied" means nothing when the
// suite runs as root (as CI does). These helpers run one test function of the current test
// executable again as user nobody (uid/gid 65534) through setpriv(1).

#include <QMap>
#include <QString>

namespace sparsity::test {

struct ChildRun
{
    bool started = false; // false: not root, no setpriv, or no place nobody can run from
    int exitCode = -1;
    QString output; // stdout and stderr
    QString why;    // when !started
};

bool runningAsRoot();

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
