#pragma once

#include "commandline.h"

#include <QTextStream>

namespace sparsity::cli {

// `sparsity-cli mask`: computes and writes the masks, prints a summary table on out; notes,
// progress (when err is a terminal) and errors go to err. All or nothing.
int runMask(const MaskOptions& options, QTextStream& out, QTextStream& err, bool errIsTerminal);

} // namespace sparsity::cli
