#pragma once

// Root passes every permission check, so a test of "permission denied" means nothing when the
// suite runs as root (as CI does). These helpers run one test function of the current test
// executable again as user nobody (uid/gid 65534) through setpriv(1).

#include <QString>

namespace sparsity::test {

struct ChildRun
{
    bool started = false; // false: not root, or no setpriv to drop privileges with
    int exitCode = -1;
    QString output; // stdout and stderr
    QString why;    // when !started
};

bool runningAsRoot();

// Runs `testFunction` of this executable as nobody, with HOME in a fresh world-writable
// directory; the child sees SPARSITY_TEST_AS_NOBODY=1.
ChildRun rerunAsNobody(const QString& testFunction);

} // namespace sparsity::test
