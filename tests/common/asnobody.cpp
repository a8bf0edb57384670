#include "asnobody.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <grp.h>
#include <memory>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

namespace sparsity::test {
namespace {

constexpr QFileDevice::Permissions readAndRunByAll =
    QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner |
    QFileDevice::ReadGroup | QFileDevice::ExeGroup | QFileDevice::ReadOther | QFileDevice::ExeOther;

// Whether nobody (no groups) can walk down to `path` and run programs there: every directory on
// the way is searchable by others and the file system allows exec.
bool reachableByNobody(const QString& path)
{
    const QByteArray native = QFile::encodeName(QDir(path).absolutePath());
    struct statvfs fs = {};
    if (::statvfs(native.constData(), &fs) != 0 || (fs.f_flag & ST_NOEXEC))
        return false;
    QString walked = QDir(path).absolutePath();
    for (;;) {
        struct stat st = {};
        if (::stat(QFile::encodeName(walked).constData(), &st) != 0 || !(st.st_mode & S_IXOTH))
            return false;
        if (walked == QDir::rootPath())
            return true;
        walked = QFileInfo(walked).path();
    }
}

// A fresh directory outside the checkout that nobody can enter, or nullptr when there is none.
std::unique_ptr<QTemporaryDir> stagingDirectory()
{
    for (const QString& base :
         {QDir::tempPath(), QStringLiteral("/tmp"), QStringLiteral("/var/tmp")}) {
        if (!reachableByNobody(base))
            continue;
        auto dir =
            std::make_unique<QTemporaryDir>(base + QStringLiteral("/sparsity-nobody-XXXXXX"));
        if (dir->isValid() && QFile::setPermissions(dir->path(), readAndRunByAll))
            return dir;
    }
    return nullptr;
}

// `options` (a sanitizer's A=1:B=2 list) with each suppressions file replaced by a copy in
// `dir`: the originals live in the checkout.
QString withCopiedSuppressions(const QString& variable, const QString& options, const QString& dir)
{
    const QString key = QStringLiteral("suppressions=");
    QStringList parts = options.split(QLatin1Char(':'));
    for (QString& part : parts) {
        if (!part.startsWith(key))
            continue;
        const QString copy =
            copyForAll(part.mid(key.size()), dir, variable + QStringLiteral(".supp"));
        if (!copy.isEmpty())
            part = key + copy;
    }
    return parts.join(QLatin1Char(':'));
}

} // namespace

bool runningAsRoot()
{
    return ::geteuid() == 0;
}

bool becomeNobody()
{
    constexpr uid_t nobody = 65534;
    return ::setgroups(0, nullptr) == 0 && ::setgid(nobody) == 0 && ::setuid(nobody) == 0;
}

QString copyForAll(const QString& file, const QString& dir, const QString& name)
{
    const QString copy = QDir(dir).filePath(name);
    if (!QFile::copy(file, copy) || !QFile::setPermissions(copy, readAndRunByAll))
        return {};
    return copy;
}

QString programPath(const char* variable, const QString& builtPath)
{
    const QString set = qEnvironmentVariable(variable);
    return set.isEmpty() ? builtPath : set;
}

QProcessEnvironment environmentForNobody(const QString& dir)
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const QString& variable :
         {QStringLiteral("ASAN_OPTIONS"), QStringLiteral("LSAN_OPTIONS"),
          QStringLiteral("UBSAN_OPTIONS"), QStringLiteral("TSAN_OPTIONS")})
        if (environment.contains(variable))
            environment.insert(variable,
                               withCopiedSuppressions(variable, environment.value(variable), dir));
    // The HDF5 reader process the CLI and the window start lies in the checkout too.
    const QString reader = environment.value(QStringLiteral("SPARSITY_HDF5_READER"));
    if (!reader.isEmpty()) {
        const QString copy = copyForAll(reader, dir, QFileInfo(reader).fileName());
        if (!copy.isEmpty())
            environment.insert(QStringLiteral("SPARSITY_HDF5_READER"), copy);
    }
    return environment;
}

ChildRun rerunAsNobody(const QString& testFunction, const QMap<QString, QString>& programs)
{
    ChildRun run;
    if (!runningAsRoot()) {
        run.why = QStringLiteral("not root: the test runs in this process");
        return run;
    }
    const std::unique_ptr<QTemporaryDir> staging = stagingDirectory();
    if (!staging) {
        run.why = QStringLiteral("no temporary directory that user nobody can enter and run "
                                 "programs from (%1, /tmp, /var/tmp)")
                      .arg(QDir::tempPath());
        return run;
    }
    const QDir dir(staging->path());
    const QString home = dir.filePath(QStringLiteral("home"));
    if (!dir.mkdir(QStringLiteral("home")) ||
        !QFile::setPermissions(home, readAndRunByAll | QFileDevice::WriteGroup |
                                         QFileDevice::WriteOther)) {
        run.why = QStringLiteral("cannot create a home directory for nobody");
        return run;
    }
    const QString self = QCoreApplication::applicationFilePath();
    const QString selfCopy = copyForAll(self, dir.path(), QFileInfo(self).fileName());
    if (selfCopy.isEmpty()) {
        run.why = QStringLiteral("cannot copy %1 to %2").arg(self, dir.path());
        return run;
    }
    QProcessEnvironment environment = environmentForNobody(dir.path());
    for (auto it = programs.cbegin(); it != programs.cend(); ++it) {
        const QString copy = copyForAll(it.value(), dir.path(), QFileInfo(it.value()).fileName());
        if (copy.isEmpty()) {
            run.why = QStringLiteral("cannot copy %1 to %2").arg(it.value(), dir.path());
            return run;
        }
        environment.insert(it.key(), copy);
    }
    environment.insert(QStringLiteral("HOME"), home);
    environment.insert(QStringLiteral("TMPDIR"), home);
    environment.insert(QStringLiteral("SPARSITY_TEST_AS_NOBODY"), QStringLiteral("1"));
    environment.remove(QStringLiteral("XDG_RUNTIME_DIR"));

    QProcess child;
    child.setProcessEnvironment(environment);
    child.setWorkingDirectory(dir.path());
    child.setProcessChannelMode(QProcess::MergedChannels);
    child.setChildProcessModifier([] {
        if (!becomeNobody())
            ::_exit(125); // never run as root by mistake
    });
    child.start(selfCopy, {testFunction});
    run.started = true;
    if (!child.waitForFinished(180000)) {
        child.kill();
        child.waitForFinished();
        run.output = QStringLiteral("timed out");
        return run;
    }
    run.exitCode = child.exitStatus() == QProcess::NormalExit ? child.exitCode() : -1;
    run.output = QString::fromUtf8(child.readAll());
    return run;
}

} // namespace sparsity::test
