#pragma once

#include "export/maskexport.h"

#include <QStringList>
#include <optional>
#include <vector>

namespace sparsity::core {

// docs/SPEC.md "Files written", "Pruned weights": a copy of the weights with the masks applied.
struct ApplyRequest
{
    // Which layers and how to mask them, as for exportMasks (its outputPath is not used; its
    // overwrite and expectedInput are). Ignored except for the dataset paths when maskFile is
    // set.
    ExportRequest masks;
    // The output: the input's format, whatever its name (a sharded safetensors checkpoint: the
    // new index, the shards beside it).
    QString outputPath;
    // Masks read from this mask file (HDF5 or safetensors, as `mask` writes them) instead of
    // computed: each dataset's mask at its own path, of its shape, 0 = prune and 1 = keep. With
    // no layers named, every dataset of the mask file.
    QString maskFile;
};

// What was done to one dataset.
struct AppliedLayer
{
    QString datasetPath;
    std::vector<std::int64_t> shape;
    std::int64_t elements = 0;
    std::int64_t prunedElements = 0; // set to +0.0
    // The mask's statistics when it was computed here (not for masks from a file).
    std::optional<MaskStats> stats;
};

struct ApplyReport
{
    std::vector<AppliedLayer> layers; // in the order they were written
    QStringList filesWritten;         // the output first
};

// Computes (or reads) each layer's mask and writes the pruned copy, one layer at a time: memory
// holds one layer's weights and mask, then its stored elements and mask (model scope: plus the
// rankings between the passes, as exportMasks). Everything is checked before any output is
// written: the request as exportMasks checks it; with a mask file, that each of its datasets
// exists in the input, can be masked when named, and has the input dataset's shape (the
// message names the dataset and both shapes), and that the mask holds only 0 and 1. All or
// nothing (io/tensorfile.h writePrunedWeights); the output may be neither the input nor the
// mask file. progress is called before each layer's mask (model scope: twice per layer, as
// exportMasks) and once at the end with index == count. Throws Error.
ApplyReport applyMasks(const ApplyRequest& request, const ExecutionContext& context,
                       const ExportProgress& progress = {});

} // namespace sparsity::core
