#pragma once

#include "commandline.h"
#include "error.h"
#include "export/maskexport.h"

#include <QTextStream>
#include <atomic>

namespace sparsity::cli {

// `sparsity-cli mask`: computes and writes the masks (with --dry-run: only computes them),
// prints a summary on out: the requested level and configuration, a row per dataset and the
// total, as a table or with --json as one JSON document. With --print-pytorch it prints the
// PyTorch script for the run on out instead and writes nothing (a note on err says so). Notes,
// progress (when err is a terminal) and errors go to err. All or nothing: when `cancelled`
// becomes true (main sets it on SIGINT/SIGTERM/SIGHUP) it stops, removes its temporary file
// and returns ExitInterrupted.
// The layers to mask of the open `input`: the named ones, or by default every floating-point
// dataset of rank >= 2 (the rest are skipped with a note on err). Throws core::Error.
std::vector<core::LayerRequest> chooseLayers(const MaskOptions& options,
                                             const core::TensorReader& input, QTextStream& err);
// Puts layers in the order `list` prints the datasets of `input` (docs/SPEC.md "Model scope": that
// order breaks ties between datasets).
void putInListOrder(std::vector<core::LayerRequest>& layers, const core::TensorReader& input);

int runMask(const MaskOptions& options, QTextStream& out, QTextStream& err, bool errIsTerminal,
            const std::atomic<bool>* cancelled = nullptr);

} // namespace sparsity::cli
