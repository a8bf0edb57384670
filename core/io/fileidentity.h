#pragma once

#include <QString>
#include <cstdint>
#include <optional>

namespace sparsity::core {

// Which file a path named when it was opened: another device or inode means the path was
// replaced, another size or modification time that the file was written. Plain value.
struct FileIdentity
{
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    std::int64_t size = 0;
    std::int64_t modifiedNs = 0;

    friend bool operator==(const FileIdentity&, const FileIdentity&) = default;
};

// How the file at `path` differs from `opened`, as text for a message ("the file was replaced
// after it was opened"); nullopt when it is still the same file, unchanged.
std::optional<QString> fileChangeSince(const QString& path, const FileIdentity& opened);

// Which changes fileChangeSince() reports. OnlyReplacement leaves out a file written in place
// (same device and inode, another size or time): for a reader that follows a file another
// program is writing by design, as HDF5's SWMR readers do.
enum class FileChanges
{
    AnyChange,
    OnlyReplacement
};
std::optional<QString> fileChangeSince(const QString& path, const FileIdentity& opened,
                                       FileChanges counted);

// Checks that `path` names a readable, non-empty regular file before the reader of `fileKind`
// ("an HDF5 file") opens it, without reading it (a pipe is never opened for reading), and returns
// the identity of the file it opened to check. Throws Error(Io) naming the path and the cause: "no
// such file", "is a directory, not an HDF5 file", "permission denied", "the file is empty, not an
// HDF5 file", ...
FileIdentity identifyInputFile(const QString& path, const QString& fileKind);

} // namespace sparsity::core
