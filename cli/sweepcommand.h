#pragma once

#include "commandline.h"
#include "parallel/executioncontext.h"
#include "ranking/sweep.h"

#include <QTextStream>
#include <atomic>
#include <functional>

namespace sparsity::cli {

// The rows of a sweep, in the order they are printed: for each configuration, each dataset
// in order and then the model (SweepRow::dataset empty), each at every level.
struct SweepResult
{
    QString input;
    std::vector<core::Configuration> configurations;
    std::vector<double> levels;
    QStringList datasets;
    std::vector<core::SweepRow> rows;
    // Per dataset, the weights that are NaN or infinite (left out of the retained ratios).
    std::vector<std::int64_t> nonFiniteWeights;
};

// Called before each dataset (index from 0) is read, and once with index == count at the end.
using SweepProgress = std::function<void(int index, int count, const QString& datasetPath)>;

// Reads the datasets one at a time (each freed before the next), ranks each under every
// configuration and takes the statistics at every level (ranking/sweep.h); only the
// statistics are kept. Every named dataset is checked before any is read. Notes about
// datasets the default selection skips go to notes. Throws core::Error (Cancelled when the
// context asks to stop).
SweepResult computeSweep(const SweepOptions& options, const core::ExecutionContext& context,
                         QTextStream& notes, const SweepProgress& progress = {});

// The rows as an aligned table (percentages), as CSV or as JSON (both in full precision).
QString formatSweep(const SweepResult& result, SweepFormat format);

// `sparsity-cli sweep`: computes the sweep and prints it on out; notes, warnings, progress
// (when err is a terminal) and errors go to err. When `cancelled` becomes true it stops and
// returns ExitInterrupted without printing rows.
int runSweep(const SweepOptions& options, QTextStream& out, QTextStream& err, bool errIsTerminal,
             const std::atomic<bool>* cancelled = nullptr);

} // namespace sparsity::cli
