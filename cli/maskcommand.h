#pragma once

#include "commandline.h"

#include <QTextStream>
#include <atomic>

namespace sparsity::cli {

// `sparsity-cli mask`: computes and writes the masks, prints a summary table on out; with
// --print-pytorch it prints the PyTorch script for the run on out instead and writes nothing
// (a note on err says so). Notes,
// progress (when err is a terminal) and errors go to err. All or nothing: when `cancelled`
// becomes true (main sets it on SIGINT/SIGTERM/SIGHUP) it stops, removes its temporary file
// and returns ExitInterrupted.
int runMask(const MaskOptions& options, QTextStream& out, QTextStream& err, bool errIsTerminal,
            const std::atomic<bool>* cancelled = nullptr);

} // namespace sparsity::cli
