#pragma once

// Bad-input fixtures, written at test time with the HDF5 C API (never by the code under test):
// one file per family of cases, each dataset named after what is wrong with it. Shared by the
// core, CLI and GUI bad-input tests.

#include <QString>
#include <QStringList>
#include <cstdint>
#include <vector>

namespace sparsity::test {

// Silences HDF5's automatic error printing on this thread (fixtures check their own results).
void silenceHdf5Errors();

// A float32 matrix `rows` x `cols` at `dataset` (intermediate groups created), values from
// `seed`; creates or truncates the file when `create`, else adds to it.
bool writeMatrixFile(const QString& path, const QString& dataset, int rows, int cols, int seed,
                     bool create = true);
// The values writeMatrixFile writes.
std::vector<float> matrixValues(int rows, int cols, int seed);

// Every dataset type, shape, size, filter and link case, under these paths:
//   /good/w (float32 8x8, the control), /types/{string_fixed, string_vlen, compound, enum,
//   vlen, opaque, objref, regionref, bitfield, array}, /shape/{scalar, rank1 (float32 6),
//   zero (3x0), null}, /big/{huge (1e6 x 1e6 x 1e3), unlimited (2^31 x 2^31, max unlimited)},
//   /filter/{mandatory, optional} (filter 40123 applied, then unregistered), /filter/skipped
//   (filter 40125, optional, never registered, so never applied), /links/{soft, dangling, external,
//   external_missing, hard} and /ünïcode/权重 (float32 4x4).
// `externalPath` is written too (float32 3x5 at /w), the target of /links/external.
bool writeDatasetCasesFile(const QString& path, const QString& externalPath);
// The cases of writeDatasetCasesFile that can never be masked, with a fragment of the reason.
struct DatasetCase
{
    QString path;
    QString reason; // in the listing and in every error about it
};
std::vector<DatasetCase> unusableDatasetCases();

// Values that stress the norms, the order and the statistics, under /v/: nan_inf, zeros, equal,
// denormal32, denormal64, f32max, f16_extremes, f16be, i8, i16, i32, i64, u8, u16, u32, u64,
// u64be, i32be, f32be, f64be. expectedValues() gives each one's values as the reader should
// return them (widened to double; NaN compares as NaN).
bool writeValueCasesFile(const QString& path);
QStringList valueCases();
std::vector<double> expectedValues(const QString& dataset);
std::vector<std::int64_t> valueCaseShape(const QString& dataset);

// Copies the first `bytes` bytes of `source` to `target`.
// A scalar string attribute of a dataset (or of the root group for dataset "/"), read with the
// HDF5 C API; empty when it is missing or not a scalar string.
QString readStringAttribute(const QString& path, const QString& dataset, const char* name);

bool truncatedCopy(const QString& source, const QString& target, qint64 bytes);

} // namespace sparsity::test
