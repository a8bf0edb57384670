#pragma once

#include "commandline.h"

#include <QTextStream>

namespace sparsity::cli {

// `sparsity-cli list`: prints the file's tree as a table on out; errors go to err.
int runList(const ListOptions& options, QTextStream& out, QTextStream& err);

} // namespace sparsity::cli
