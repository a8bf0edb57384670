#pragma once

// Opens weight files and creates mask files in the format that fits, so that the export, the
// CLI and the GUI never name a format. Any thread; the objects returned are single-threaded.

#include "maskwriter.h"
#include "tensorreader.h"

#include <QString>
#include <memory>

namespace sparsity::core {

// Opens the weight file at `path` read-only (never for writing), in the format its content
// says. Throws Error(Io) for a path that does not exist, is a directory, cannot be read or is
// in no format known here (the message says which).
std::unique_ptr<TensorReader> openTensorFile(const QString& path);

// Starts the mask file `outputPath` for masks of the weights in `inputPath` (io/atomicoutput.h
// states the rules on output, input and overwrite). Throws Error.
std::unique_ptr<MaskWriter> createMaskFile(const QString& outputPath, const QString& inputPath,
                                           bool overwrite);

} // namespace sparsity::core
