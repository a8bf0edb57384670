#pragma once

#include "commandline.h"

#include <QJsonObject>
#include <QStringList>
#include <QTextStream>
#include <atomic>
#include <cstdint>
#include <optional>
#include <vector>

namespace sparsity::core {
struct ApplyReport;
}

namespace sparsity::cli {

// What `apply` did, as printed: a value so that another printer (JSON) can take it as it is.
struct ApplySummaryRow
{
    QString dataset;
    std::vector<std::int64_t> shape;
    std::int64_t elements = 0;
    std::int64_t zeroed = 0;              // pruned elements written as +0.0
    double sparsity = 0.0;                // zeroed / elements (0 for an empty dataset)
    std::optional<double> retainedEnergy; // when the masks were computed, not read from MASKS
};

struct ApplySummary
{
    QString input;
    QString masksFile;                 // empty when the masks were computed
    QStringList filesWritten;          // the output first (then the shards of a sharded checkpoint)
    std::vector<ApplySummaryRow> rows; // in the order the datasets were written
};

ApplySummary summarizeApply(const ApplyOptions& options, const core::ApplyReport& report);

// The summary as a table and a closing line ("wrote OUTPUT: 3 datasets pruned").
void printApplySummary(const ApplySummary& summary, QTextStream& out);
// The summary as one JSON document (apply --json; fields in docs/SPEC.md "Scripting").
QJsonObject jsonApplySummary(const ApplySummary& summary);

// `sparsity-cli apply`: writes the pruned copy and prints its summary on out. Notes, progress
// (when err is a terminal) and errors go to err. All or nothing: when `cancelled` becomes true
// it stops, removes its temporary files and returns ExitInterrupted.
int runApply(const ApplyOptions& options, QTextStream& out, QTextStream& err, bool errIsTerminal,
             const std::atomic<bool>* cancelled = nullptr);

} // namespace sparsity::cli
