#include "asnobody.h"

#include <QCoreApplication>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <unistd.h>

namespace sparsity::test {

bool runningAsRoot()
{
    return ::geteuid() == 0;
}

ChildRun rerunAsNobody(const QString& testFunction)
{
    ChildRun run;
    if (!runningAsRoot()) {
        run.why = QStringLiteral("not root: the test runs in this process");
        return run;
    }
    const QString setpriv = QStandardPaths::findExecutable(QStringLiteral("setpriv"));
    if (setpriv.isEmpty()) {
        run.why = QStringLiteral("running as root without setpriv(1) to drop privileges");
        return run;
    }
    QTemporaryDir home;
    if (!home.isValid() ||
        !QFile::setPermissions(home.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                                QFileDevice::ExeOwner | QFileDevice::ReadOther |
                                                QFileDevice::WriteOther | QFileDevice::ExeOther |
                                                QFileDevice::ReadGroup | QFileDevice::WriteGroup |
                                                QFileDevice::ExeGroup)) {
        run.why = QStringLiteral("cannot create a home directory for nobody");
        return run;
    }
    QProcess child;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("HOME"), home.path());
    environment.insert(QStringLiteral("SPARSITY_TEST_AS_NOBODY"), QStringLiteral("1"));
    environment.remove(QStringLiteral("XDG_RUNTIME_DIR"));
    child.setProcessEnvironment(environment);
    child.setProcessChannelMode(QProcess::MergedChannels);
    child.start(setpriv, {QStringLiteral("--reuid=65534"), QStringLiteral("--regid=65534"),
                          QStringLiteral("--clear-groups"), QCoreApplication::applicationFilePath(),
                          testFunction});
    if (!child.waitForFinished(180000)) {
        child.kill();
        child.waitForFinished();
        run.started = true;
        run.output = QStringLiteral("timed out");
        return run;
    }
    run.started = true;
    run.exitCode = child.exitStatus() == QProcess::NormalExit ? child.exitCode() : -1;
    run.output = QString::fromUtf8(child.readAll());
    return run;
}

} // namespace sparsity::test
