#pragma once

#include "mask/maskstats.h"
#include "ranking/configuration.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QTextStream>
#include <cstdint>
#include <vector>

// The pieces every `--json` document of sparsity-cli is built from (docs/SPEC.md "Scripting"),
// so that list, mask, sweep and apply spell the same things the same way. Numbers are exact:
// QJsonDocument (Qt 6) writes a double in its shortest round-trip form and a qint64 with every
// digit, beyond 2^53 too (tests/cli/tst_scripting checks both). Any thread.
namespace sparsity::cli::json {

// A double (level, ratio): parses back to the same double; null when NaN or infinite, which
// JSON cannot hold.
QJsonValue number(double value);

// A count (elements, blocks, bytes): an exact integer.
QJsonValue count(std::int64_t value);

// A dataset's shape as an array of counts; [] for a scalar.
QJsonArray shape(const std::vector<std::int64_t>& dimensions);

// {"config": "2:4", "block": [1, 4], "zeros_per_block": 2, "norm": "l2"}.
QJsonObject configuration(const core::Configuration& configuration);

// A mask's numbers: {"blocks", "pruned_blocks", "zeros", "elements", "achieved_sparsity",
// "retained_energy", "retained_l1", "non_finite_weights"}, added to an object that says whose
// they are (a dataset's "dataset" and "shape", a sweep row's). QJsonObject writes keys sorted.
void addStats(QJsonObject& object, const core::MaskStats& stats);

// Prints the one document of a run on out, compact, with a final newline, and flushes.
void print(QTextStream& out, const QJsonObject& document);

} // namespace sparsity::cli::json
