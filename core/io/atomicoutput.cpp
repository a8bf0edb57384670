#include "atomicoutput.h"

#include "error.h"

#include <QFile>
#include <QFileInfo>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <stdexcept>
#include <stdlib.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace sparsity::core {

namespace {

Error outputExists(const QString& outputPath)
{
    return Error(ErrorCode::OutputExists,
                 outputPath + QStringLiteral(" already exists; refusing to overwrite it"));
}

// The permissions a newly created file gets (0666 & ~umask); mkstemp creates 0600 files.
mode_t newFileMode()
{
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("Umask:", 0) == 0)
            return static_cast<mode_t>(0666 & ~std::stoul(line.substr(6), nullptr, 8));
    }
    return 0644;
}

bool sameFile(const QString& a, const QString& b)
{
    const QFileInfo first(a);
    const QFileInfo second(b);
    if (!first.exists() || !second.exists())
        return false;
    if (first.canonicalFilePath() == second.canonicalFilePath())
        return true;
    struct stat statA = {};
    struct stat statB = {};
    return ::stat(QFile::encodeName(a).constData(), &statA) == 0 &&
           ::stat(QFile::encodeName(b).constData(), &statB) == 0 && statA.st_dev == statB.st_dev &&
           statA.st_ino == statB.st_ino;
}

} // namespace

AtomicOutput::AtomicOutput(QString outputPath, QString temporaryPath, bool overwrite)
    : m_outputPath(std::move(outputPath))
    , m_temporaryPath(std::move(temporaryPath))
    , m_overwrite(overwrite)
{}

AtomicOutput::~AtomicOutput()
{
    discard();
}

std::unique_ptr<AtomicOutput> AtomicOutput::create(const QString& outputPath,
                                                   const QString& inputPath, bool overwrite)
{
    // Every message names the output as the user gave it, then the cause.
    const QFileInfo output(outputPath);
    const QString directory = output.absolutePath();
    const QFileInfo directoryInfo(directory);
    if (!directoryInfo.exists())
        throw Error(ErrorCode::Io,
                    QStringLiteral("%1: directory %2 does not exist").arg(outputPath, directory));
    if (!directoryInfo.isDir())
        throw Error(ErrorCode::Io,
                    QStringLiteral("%1: %2 is not a directory").arg(outputPath, directory));
    if (output.fileName().isEmpty())
        throw Error(ErrorCode::InvalidInput, outputPath + QStringLiteral(": not a file name"));
    // By device and inode: a symlink, a hard link or another spelling of the input is refused.
    if (!inputPath.isEmpty() && sameFile(outputPath, inputPath))
        throw Error(
            ErrorCode::InvalidInput,
            QStringLiteral("output %1 is the input file; choose another path").arg(outputPath));
    const bool exists = output.exists() || output.isSymLink();
    if (exists && output.isDir())
        throw Error(ErrorCode::InvalidInput, outputPath + QStringLiteral(": is a directory"));
    // The rename would put a regular file in place of a device, pipe or socket (think of
    // "-o /dev/null --force" as root): only regular files, or links to one, are replaced.
    if (exists && output.exists() && !output.isFile())
        throw Error(ErrorCode::InvalidInput,
                    outputPath + QStringLiteral(": not a regular file; refusing to replace it"));
    if (exists && !overwrite)
        throw outputExists(outputPath);
    const QByteArray nativeDirectory = QFile::encodeName(directory);
    if (::access(nativeDirectory.constData(), W_OK | X_OK) != 0)
        throw Error(ErrorCode::Io, QStringLiteral("%1: directory %2 is not writable (%3)")
                                       .arg(outputPath, directory, errnoText(errno)));

    // A unique hidden file next to the output, so that the final rename stays atomic.
    QByteArray pattern =
        nativeDirectory + "/." + QFile::encodeName(output.fileName()) + ".XXXXXX.part";
    const int fd = ::mkstemps(pattern.data(), 5);
    if (fd < 0)
        throw Error(ErrorCode::Io, QStringLiteral("%1: cannot create a temporary file in %2 (%3)")
                                       .arg(outputPath, directory, errnoText(errno)));
    struct stat existing = {};
    const mode_t mode = exists && ::stat(QFile::encodeName(outputPath).constData(), &existing) == 0
                            ? (existing.st_mode & 07777)
                            : newFileMode();
    (void)::fchmod(fd, mode); // best effort: a 0600 file is still a correct one
    ::close(fd);
    return std::unique_ptr<AtomicOutput>(
        new AtomicOutput(outputPath, QFile::decodeName(pattern), overwrite));
}

void AtomicOutput::commit()
{
    if (m_committed || !m_ownsTemporary)
        throw std::logic_error("AtomicOutput::commit called twice or after discard");
    const QByteArray temporary = QFile::encodeName(m_temporaryPath);
    const QByteArray output = QFile::encodeName(m_outputPath);
    const auto fail = [&](const QString& message) {
        discard();
        return Error(ErrorCode::Io, message);
    };

    const int fd = ::open(temporary.constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0) {
        const int error = errno;
        if (fd >= 0)
            ::close(fd);
        throw fail(QStringLiteral("%1: cannot flush %2 to disk (%3)")
                       .arg(m_outputPath, m_temporaryPath, errnoText(error)));
    }
    ::close(fd);

    if (m_overwrite) {
        if (::rename(temporary.constData(), output.constData()) != 0)
            throw fail(QStringLiteral("%1: cannot rename %2 onto it (%3)")
                           .arg(m_outputPath, m_temporaryPath, errnoText(errno)));
    } else {
        // link() fails when the output appeared meanwhile: never replace a file we were not
        // allowed to. File systems without hard links fall back to a checked rename.
        if (::link(temporary.constData(), output.constData()) == 0) {
            ::unlink(temporary.constData());
        } else {
            const int error = errno;
            if (error == EEXIST) {
                discard();
                throw outputExists(m_outputPath);
            }
            if (QFileInfo::exists(m_outputPath) ||
                ::rename(temporary.constData(), output.constData()) != 0)
                throw fail(QStringLiteral("%1: cannot rename %2 onto it (%3)")
                               .arg(m_outputPath, m_temporaryPath, errnoText(error)));
        }
    }
    m_committed = true;
    m_ownsTemporary = false;

    // Make the rename itself durable; a failure here loses nothing already visible.
    const QByteArray directory = QFile::encodeName(QFileInfo(m_outputPath).absolutePath());
    const int directoryFd = ::open(directory.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (directoryFd >= 0) {
        ::fsync(directoryFd);
        ::close(directoryFd);
    }
}

void AtomicOutput::discard()
{
    if (m_ownsTemporary && !m_committed) {
        ::unlink(QFile::encodeName(m_temporaryPath).constData());
        m_ownsTemporary = false;
    }
}

} // namespace sparsity::core
