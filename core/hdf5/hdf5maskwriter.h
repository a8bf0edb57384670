#pragma once

#include "io/maskwriter.h"

#include <memory>

namespace sparsity::core {

class AtomicOutput;

// The MaskWriter of HDF5 mask files (docs/SPEC.md "Mask files"): uint8 datasets, chunked and
// deflate-compressed, written into the temporary file of an AtomicOutput. Use from one thread
// at a time (HDF5 is serialized).
class Hdf5MaskWriter final : public MaskWriter
{
public:
    // Throws what AtomicOutput::create throws, and Error(Io) when HDF5 cannot create the file.
    static std::unique_ptr<Hdf5MaskWriter> create(const QString& outputPath,
                                                  const QString& inputPath, bool overwrite);
    ~Hdf5MaskWriter() override;

    // Intermediate groups are created. The chunks are deflated on the context's threads; HDF5
    // itself is called only from this thread.
    void writeMask(const QString& datasetPath, const std::vector<std::int64_t>& shape,
                   std::span<const std::uint8_t> mask, const MaskAttributes& attributes,
                   const ExecutionContext& context = {}) override;
    // Flushes and closes the HDF5 file, then commits the AtomicOutput.
    void commit() override;

    QString outputPath() const override;
    QString temporaryPath() const override;

private:
    struct Handles;
    Hdf5MaskWriter(std::unique_ptr<AtomicOutput> output, std::unique_ptr<Handles> handles);
    void discard();

    std::unique_ptr<AtomicOutput> m_output;
    std::unique_ptr<Handles> m_handles;
};

} // namespace sparsity::core
