#pragma once

#include <QString>
#include <memory>

namespace sparsity::core {

// An output file that appears under its name complete or not at all, for any format: the
// format's writer writes temporaryPath(), the hidden ".NAME.XXXXXX.part" beside the output,
// and commit() renames it onto the output. Any failure, discard() or destroying an uncommitted
// AtomicOutput removes the temporary file; only a killed process leaves one behind, and later
// outputs leave it alone (it may belong to a live export). Pure POSIX; one thread at a time.
class AtomicOutput
{
public:
    // Creates the temporary file (with the permissions the output would get). Throws
    // Error(InvalidInput) when output and input are the same file (compared by device and
    // inode) or the output is a directory or not a regular file; Error(OutputExists) when it
    // exists and !overwrite; Error(Io) when its directory is missing or not writable. A symlink
    // at the output is replaced by the new file; the file it points to is untouched.
    static std::unique_ptr<AtomicOutput> create(const QString& outputPath, const QString& inputPath,
                                                bool overwrite);
    ~AtomicOutput();
    AtomicOutput(const AtomicOutput&) = delete;
    AtomicOutput& operator=(const AtomicOutput&) = delete;

    QString outputPath() const { return m_outputPath; }
    QString temporaryPath() const { return m_temporaryPath; }
    bool isCommitted() const { return m_committed; }

    // Flushes the temporary file, which its writer has closed, to disk and renames it onto the
    // output. Throws Error(OutputExists) when the output appeared meanwhile and !overwrite,
    // Error(Io) otherwise; either way the temporary file is removed.
    void commit();
    // Removes the temporary file unless committed; safe to call more than once.
    void discard();

private:
    AtomicOutput(QString outputPath, QString temporaryPath, bool overwrite);

    QString m_outputPath;
    QString m_temporaryPath;
    bool m_overwrite = false;
    bool m_committed = false;
    bool m_ownsTemporary = true; // the temporary file exists and is ours to remove
};

} // namespace sparsity::core
