#pragma once

#include "mask/sparsityparams.h"
#include "parallel/executioncontext.h"
#include "tensor/tensorlayout.h"

#include <QString>
#include <cstdint>
#include <span>
#include <vector>

namespace sparsity::core {

// What docs/SPEC.md "Mask files" stores beside each mask dataset.
struct MaskAttributes
{
    SparsityParams params;
    double achievedSparsity = 0.0;
    QString sourceFile;
    QString sourceDataset;
    // docs/SPEC.md "Model scope": "layer" or "model"; in model scope params.level holds the
    // requested model level.
    QString scope = QStringLiteral("layer");
    double minLevel = 0.0;
    double maxLevel = 1.0;
    // docs/SPEC.md "Layout" and "View": the resolved layout ("torch" or "keras"), the view, and
    // the matrix [H, C] the mask was computed on. The mask itself is in the source's shape.
    Layout layout = Layout::Torch;
    MatrixView view = MatrixView::Flatten;
    std::int64_t matrixRows = 0;
    std::int64_t matrixCols = 0;
};

// Writes a mask file (docs/SPEC.md "Mask files"), whatever its format (io/tensorfile.h creates
// one), all or nothing: nothing appears at the output path before commit(), and any failure or
// destroying an uncommitted writer leaves no file behind (io/atomicoutput.h). Use from one
// thread at a time.
class MaskWriter
{
public:
    virtual ~MaskWriter() = default;
    MaskWriter(const MaskWriter&) = delete;
    MaskWriter& operator=(const MaskWriter&) = delete;

    // Writes one uint8 mask (1 = keep) of `shape` at datasetPath with its attributes, using the
    // context's threads where the format allows. Throws Error; a cancel request throws
    // Error(Cancelled) and leaves no partial mask behind.
    virtual void writeMask(const QString& datasetPath, const std::vector<std::int64_t>& shape,
                           std::span<const std::uint8_t> mask, const MaskAttributes& attributes,
                           const ExecutionContext& context = {}) = 0;
    // Completes the file and puts it at the output path. Throws Error(OutputExists) when the
    // output appeared meanwhile and overwriting was not allowed.
    virtual void commit() = 0;

    virtual QString outputPath() const = 0;
    // Where the file is written until commit().
    virtual QString temporaryPath() const = 0;

protected:
    MaskWriter() = default;
};

// The generator recorded in every mask file: "sparsity-explorer <version>".
QString generatorName();

} // namespace sparsity::core
