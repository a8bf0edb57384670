#pragma once

// Helpers shared by the output fault tests (tst_outputfaults, tst_exportfaults_gui): weight
// files written at test time, hashes and listings to prove nothing changed, and the tricks that
// make an output fail even for root (a read-only bind mount, a small tmpfs, a file size limit).

#include "common/checks.h"

#include <QString>
#include <QStringList>
#include <memory>

namespace sparsity::test {

// Writes `layers` float32 datasets "/l0/w", "/l1/w", ... of rows x cols pseudo-random weights
// (contiguous, so reading them costs only I/O). False when HDF5 failed.
bool writeWeightFile(const QString& path, int layers, int rows, int cols);

// The names in `directory` that look like an export's temporary file (".NAME.XXXXXX.part").
QStringList temporaryFiles(const QString& directory);

// A mount that undoes itself. Needs CAP_SYS_ADMIN (root outside a restricted container); the
// factories return nullptr and set `why` when the system refuses.
class ScopedMount
{
public:
    // A tmpfs of `bytes` bytes on `directory` (a disk that fills up).
    static std::unique_ptr<ScopedMount> tmpfs(const QString& directory, qint64 bytes, QString* why);
    // `directory` bound onto itself read-only (EROFS, which root cannot bypass).
    static std::unique_ptr<ScopedMount> readOnly(const QString& directory, QString* why);
    ~ScopedMount();
    ScopedMount(const ScopedMount&) = delete;
    ScopedMount& operator=(const ScopedMount&) = delete;

private:
    explicit ScopedMount(QString directory);
    QString m_directory;
};

// The room the disk-full cases leave an export: less than the masks they write need.
constexpr qint64 fullDiskBytes = 256 * 1024;

// The rows of the disk-full cases: "tmpfs" (a full tmpfs of fullDiskBytes; else a file size
// limit of as much) and the "cause" the error must name.
void addDiskFullRows();

// Sets RLIMIT_FSIZE for this process (SIGXFSZ ignored, so write() fails with EFBIG, as a full
// disk fails it with ENOSPC) and restores both on destruction.
class ScopedFileSizeLimit
{
public:
    explicit ScopedFileSizeLimit(qint64 bytes);
    ~ScopedFileSizeLimit();
    ScopedFileSizeLimit(const ScopedFileSizeLimit&) = delete;
    ScopedFileSizeLimit& operator=(const ScopedFileSizeLimit&) = delete;
    bool isActive() const { return m_active; }

private:
    bool m_saved = false;
    bool m_active = false;
    unsigned long long m_savedCurrent = 0;
    unsigned long long m_savedMax = 0;
    void (*m_savedHandler)(int) = nullptr;
};

// A directory in which writing fails once fullDiskBytes are written, one of the two ways of
// addDiskFullRows: a tmpfs of that size mounted on it, or a file size limit of as much that
// limitWrites() sets for this process (childFileSizeLimit() for a child process).
class FullDisk
{
public:
    FullDisk(const QString& directory, bool tmpfs);
    ~FullDisk();
    FullDisk(const FullDisk&) = delete;
    FullDisk& operator=(const FullDisk&) = delete;

    // Why this case cannot run here (the system refused the mount); empty when it can.
    QString skipReason() const { return m_skipReason; }
    // Limits this process's writes until the result goes; null on a tmpfs, which needs none.
    std::unique_ptr<ScopedFileSizeLimit> limitWrites() const;
    // The file size limit a child process writing there needs; 0 on a tmpfs.
    qint64 childFileSizeLimit() const { return m_tmpfs ? 0 : fullDiskBytes; }

private:
    bool m_tmpfs;
    std::unique_ptr<ScopedMount> m_mount;
    QString m_skipReason;
};

} // namespace sparsity::test
