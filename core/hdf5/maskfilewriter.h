#pragma once

#include "mask/sparsityparams.h"
#include "parallel/executioncontext.h"

#include <QString>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace sparsity::core {

// What SPEC.md "Mask files" stores beside each mask dataset.
struct MaskAttributes
{
    SparsityParams params;
    double achievedSparsity = 0.0;
    QString sourceFile;
    QString sourceDataset;
};

// Writes a mask file (SPEC.md "Mask files") into a temporary file next to the output and
// renames it onto the output only in commit(); destroying an uncommitted writer, or any
// failure, removes the temporary file, so no partial file ever appears under the final name.
// The temporary is the hidden ".NAME.XXXXXX.part" beside the output; only a killed process
// leaves one behind, and later writers leave it alone (it may belong to a live export).
// Use from one thread at a time (HDF5 is serialized).
class MaskFileWriter
{
public:
    // Throws Error(InvalidInput) when output and input are the same file (compared by device
    // and inode) or the output is a directory or not a regular file; Error(OutputExists) when
    // it exists and !overwrite; Error(Io) when its directory is missing or not writable.
    // A symlink at the output is replaced by the new file; the file it points to is untouched.
    static std::unique_ptr<MaskFileWriter> create(const QString& outputPath,
                                                  const QString& inputPath, bool overwrite);
    ~MaskFileWriter();
    MaskFileWriter(const MaskFileWriter&) = delete;
    MaskFileWriter& operator=(const MaskFileWriter&) = delete;

    // Writes one uint8 mask at datasetPath (intermediate groups created), chunked and
    // deflate-compressed, with its attributes. The chunks are deflated on the context's threads;
    // HDF5 itself is called only from this thread.
    void writeMask(const QString& datasetPath, const std::vector<std::int64_t>& shape,
                   std::span<const std::uint8_t> mask, const MaskAttributes& attributes,
                   const ExecutionContext& context = {});

    // Flushes, closes and renames the temporary file onto the output path. Throws
    // Error(OutputExists) when the output appeared meanwhile and !overwrite.
    void commit();

    QString outputPath() const { return m_outputPath; }
    QString temporaryPath() const { return m_temporaryPath; }

private:
    struct Handles;
    MaskFileWriter(QString outputPath, QString temporaryPath, std::unique_ptr<Handles> handles);
    void discard();

    QString m_outputPath;
    QString m_temporaryPath;
    std::unique_ptr<Handles> m_handles;
    bool m_committed = false;
};

// The generator attribute written on the root group: "sparsity-explorer <version>".
QString generatorName();

} // namespace sparsity::core
