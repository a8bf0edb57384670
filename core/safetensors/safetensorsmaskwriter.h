#pragma once

#include "io/maskwriter.h"

#include <QJsonObject>
#include <memory>
#include <vector>

class QTemporaryFile;

namespace sparsity::core {

class AtomicOutput;

// The MaskWriter of safetensors mask files (docs/SPEC.md "Files written"): one U8 tensor per
// mask under its source's name (the dataset path without its leading '/'), the attributes of
// "Mask files" as strings in `__metadata__` under "name/attribute", plus "generator". The
// header must precede the data but is known only when the last mask is written, so the masks
// go to a scratch file beside the output (QTemporaryFile: without a name where Linux allows,
// O_TMPFILE, else hidden; removed in every case) and commit() writes
// the AtomicOutput's temporary file: length, header, data. Use from one thread at a time.
class SafetensorsMaskWriter final : public MaskWriter
{
public:
    // Throws what AtomicOutput::create throws, and Error(Io) when the scratch file cannot be
    // created.
    static std::unique_ptr<SafetensorsMaskWriter> create(const QString& outputPath,
                                                         const QString& inputPath, bool overwrite);
    ~SafetensorsMaskWriter() override;

    void writeMask(const QString& datasetPath, const std::vector<std::int64_t>& shape,
                   std::span<const std::uint8_t> mask, const MaskAttributes& attributes,
                   const ExecutionContext& context = {}) override;
    void commit() override;

    QString outputPath() const override;
    QString temporaryPath() const override;

private:
    struct Tensor
    {
        QString name;
        std::vector<std::int64_t> shape;
        std::uint64_t begin = 0;
        std::uint64_t end = 0;
    };
    SafetensorsMaskWriter(std::unique_ptr<AtomicOutput> output,
                          std::unique_ptr<QTemporaryFile> scratch);
    [[noreturn]] void fail(const QString& what, const QString& cause);

    std::unique_ptr<AtomicOutput> m_output;
    std::unique_ptr<QTemporaryFile> m_scratch; // the masks' bytes, in the order written
    std::vector<Tensor> m_tensors;
    QJsonObject m_metadata;
    std::uint64_t m_dataBytes = 0;
    bool m_broken = false; // a failed write left bytes that must not be committed
};

} // namespace sparsity::core
