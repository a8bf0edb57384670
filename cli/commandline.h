#pragma once

#include "error.h"
#include "mask/sparsityparams.h"
#include "ranking/configuration.h"
#include "ranking/modelscope.h"
#include "tensor/tensorlayout.h"

#include <QString>
#include <QStringList>
#include <QTextStream>
#include <optional>
#include <variant>
#include <vector>

namespace sparsity::cli {

// What `sparsity-cli list` was asked to do.
struct ListOptions
{
    QString input;
    // --dataset: only the entries these paths or patterns name (cli/datasetselection.h).
    QStringList datasets;
    bool json = false; // --json: one JSON document on stdout (docs/SPEC.md "Scripting")
    // --layout, --view: the matrix shapes `list` shows (docs/SPEC.md "Layout", "View").
    core::TensorOrientation orientation;
};

// What `sparsity-cli mask` was asked to do.
struct MaskOptions
{
    QString input;
    QString output;
    // Paths or patterns (cli/datasetselection.h); empty = every floating-point dataset of
    // rank >= 2.
    QStringList datasets;
    core::SparsityParams params;
    // --layout, --view: how every dataset becomes its matrix (docs/SPEC.md "Layout", "View").
    core::TensorOrientation orientation;
    int threads = 1;
    bool force = false;
    // --scope model: the datasets share one ranking at params.level (docs/SPEC.md "Model
    // scope"), each within bounds; nullopt is layer scope.
    std::optional<core::ModelBounds> modelScope;
    // --print-pytorch: print a Python script that rebuilds these masks with PyTorch and compares
    // them with OUTPUT (core/export/pytorchscript.h) instead of masking; nothing is written.
    bool printPytorch = false;
    // --dry-run: compute and print the summary, write nothing (output may then be empty).
    bool dryRun = false;
    bool json = false; // --json: the summary as one JSON document on stdout
};

// What `sparsity-cli apply` was asked to do (docs/SPEC.md "Files written", "Pruned weights").
struct ApplyOptions
{
    // input, output (the pruned copy), datasets, threads and force; without masksFile also the
    // mask options (params, modelScope), parsed exactly as `mask` parses them.
    MaskOptions mask;
    QString masksFile; // --masks: apply the masks of this mask file instead of computing them
};

// How `sparsity-cli sweep` prints its rows.
enum class SweepFormat
{
    Table,
    Csv,
    Json,
};

// What `sparsity-cli sweep` was asked to do (docs/SPEC.md "Configurations and sweeps").
struct SweepOptions
{
    QString input;
    // Paths or patterns (cli/datasetselection.h); empty = every floating-point dataset of
    // rank >= 2, in list order.
    QStringList datasets;
    std::vector<core::Configuration> configurations; // distinct, in the order given
    std::vector<double> levels;                      // in the order given
    core::TensorOrientation orientation;             // --layout, --view
    SweepFormat format = SweepFormat::Table;         // --json is --format json
    int threads = 1;
};

// The configurations a sweep evaluates when none is named: 1x1, 2:4, 1x4, 4x1, 4x4 and 8x8.
std::vector<core::Configuration> defaultSweepConfigurations(core::Norm norm);

// Text to print and exit with: help or version (exit 0), or a usage error (exit 2).
struct EarlyExit
{
    QString text;
    int exitCode = 0;
};

using ParsedCommand = std::variant<ListOptions, MaskOptions, SweepOptions, ApplyOptions, EarlyExit>;

// Parses the whole argument list (argv[0] first). Never exits the process and never touches
// files, so it can be tested and fuzzed directly.
ParsedCommand parseCommandLine(const QStringList& arguments);

// Exit codes of the tool.
enum ExitCode
{
    ExitSuccess = 0,
    ExitFailure = 1,     // the input, the output or the computation failed
    ExitUsage = 2,       // the command line or a parameter is wrong
    ExitInterrupted = 3, // stopped by a signal; main re-raises it, so the shell sees the signal
};

// The message and exit code of a command stopped by `error`: "sparsity-cli: interrupted;
// <unfinished>" and ExitInterrupted when cancelled (over the progress line on a terminal), the
// --force hint for an existing output, ExitUsage for an invalid parameter, ExitFailure
// otherwise.
int reportFailure(const core::Error& error, const QString& unfinished, QTextStream& err,
                  bool errIsTerminal);

} // namespace sparsity::cli
