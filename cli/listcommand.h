#pragma once

#include "commandline.h"

#include <QTextStream>

namespace sparsity::cli {

// `sparsity-cli list`: prints the file's tree (or the entries --dataset keeps) as a table, or
// with --json as one JSON document, on out; errors go to err.
int runList(const ListOptions& options, QTextStream& out, QTextStream& err);

} // namespace sparsity::cli
