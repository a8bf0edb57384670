#include "fileidentity.h"

#include "error.h"

#include <QFile>
#include <QFileInfo>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sparsity::core {

namespace {

FileIdentity identityOf(const struct stat& status)
{
    FileIdentity identity;
    identity.device = static_cast<std::uint64_t>(status.st_dev);
    identity.inode = static_cast<std::uint64_t>(status.st_ino);
    identity.size = static_cast<std::int64_t>(status.st_size);
    identity.modifiedNs = static_cast<std::int64_t>(status.st_mtim.tv_sec) * 1'000'000'000 +
                          static_cast<std::int64_t>(status.st_mtim.tv_nsec);
    return identity;
}

} // namespace

std::optional<QString> fileChangeSince(const QString& path, const FileIdentity& opened)
{
    return fileChangeSince(path, opened, FileChanges::AnyChange);
}

std::optional<QString> fileChangeSince(const QString& path, const FileIdentity& opened,
                                       FileChanges counted)
{
    struct stat status = {};
    if (::stat(QFile::encodeName(path).constData(), &status) != 0) {
        const int error = errno;
        if (error == ENOENT || error == ENOTDIR)
            return QStringLiteral("the file was deleted or moved after it was opened");
        return QStringLiteral("the file cannot be checked any more (%1)").arg(errnoText(error));
    }
    const FileIdentity now = identityOf(status);
    if (now.device != opened.device || now.inode != opened.inode)
        return QStringLiteral("the file was replaced after it was opened");
    if (counted == FileChanges::AnyChange &&
        (now.size != opened.size || now.modifiedNs != opened.modifiedNs))
        return QStringLiteral("the file was modified after it was opened");
    return std::nullopt;
}

FileIdentity identifyInputFile(const QString& path, const QString& fileKind)
{
    const QString notFormat = QStringLiteral("not ") + fileKind;
    const QFileInfo fileInfo(path);
    if (!fileInfo.exists())
        throw Error(ErrorCode::Io, path + QStringLiteral(": no such file"));
    if (fileInfo.isDir())
        throw Error(ErrorCode::Io, path + QStringLiteral(": is a directory, ") + notFormat);
    const QByteArray nativePath = QFile::encodeName(path);
    struct stat status = {};
    if (::stat(nativePath.constData(), &status) != 0)
        throw Error(ErrorCode::Io, path + QStringLiteral(": ") + errnoText(errno));
    if (!S_ISREG(status.st_mode))
        throw Error(ErrorCode::Io, path + QStringLiteral(": not a regular file, ") + notFormat);
    const int fd = ::open(nativePath.constData(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        const int error = errno;
        if (error == EACCES || error == EPERM)
            throw Error(ErrorCode::Io, path + QStringLiteral(": permission denied"));
        throw Error(ErrorCode::Io, path + QStringLiteral(": ") + errnoText(error));
    }
    // The identity of what was opened, from the descriptor: the path may change under us.
    struct stat opened = {};
    const bool identified = ::fstat(fd, &opened) == 0;
    const int error = errno;
    ::close(fd);
    if (!identified)
        throw Error(ErrorCode::Io, path + QStringLiteral(": ") + errnoText(error));
    if (status.st_size == 0)
        throw Error(ErrorCode::Io, path + QStringLiteral(": the file is empty, ") + notFormat);
    return identityOf(opened);
}

} // namespace sparsity::core
