#pragma once

// Opens weight files and creates mask files in the format that fits, so that the export, the
// CLI and the GUI never name a format. Any thread; the objects returned are single-threaded.

#include "maskwriter.h"
#include "prunedcopy.h"
#include "tensorreader.h"

#include <QString>
#include <QStringList>
#include <memory>
#include <vector>

namespace sparsity::core {

// Opens the weight file at `path` read-only (never for writing), in the format its content
// says. Throws Error(Io) for a path that does not exist, is a directory, cannot be read or is
// in no format known here (the message says which).
std::unique_ptr<TensorReader> openTensorFile(const QString& path);

// Starts, in the background, the HDF5 reader process that the next HDF5 file openTensorFile()
// opens will use, and from then on a new one whenever a file takes it, so that opening a file
// does not wait for a process to start. For programs that open many files (the GUI calls it at
// start); a command that opens one file gains nothing from it.
void prepareToOpenTensorFiles();

// Starts the mask file `outputPath` for masks of the weights in `inputPath` (io/atomicoutput.h
// states the rules on output, input and overwrite). Throws Error.
std::unique_ptr<MaskWriter> createMaskFile(const QString& outputPath, const QString& inputPath,
                                           bool overwrite);

// docs/SPEC.md "Files written", "Pruned weights": writes a copy of the weight file `source` was
// opened on to outputPath, in the source's own format, with the pruned elements of each dataset
// in `datasets` (normalized paths, each a tensor `source` can read) set to +0.0 and everything
// else as it was. `masks` is asked for each dataset's mask once, in the order the format writes
// them. All or nothing: every output is written beside its name and renamed at the end
// (io/atomicoutput.h states the rules on output, input and overwrite); on any error or
// cancellation no output appears and the source is never written. A sharded safetensors
// checkpoint is written as one: outputPath names the new index (it must end in ".json"), the
// shards go beside it under the names the index gives them, and the index is renamed last.
// Returns the files written, outputPath first. Throws Error.
QStringList writePrunedWeights(const TensorReader& source, const QString& outputPath,
                               bool overwrite, const std::vector<QString>& datasets,
                               const PrunedMaskSource& masks, const ExecutionContext& context);

} // namespace sparsity::core
