// libFuzzer target: every way text or numbers become SparsityParams, and what a mask makes of
// parameters that pass validate(). The input is read twice:
//  - as text, lines "level", "block", "zeros per block", "norm" (as typed after --level,
//    --block, --zeros-per-block and --norm): parsed by core's parsers and by the CLI's parser;
//  - as raw bytes: a double level and int64 block rows, block columns and zeros per block
//    (zero-padded), checked by validate() directly.
// Parameters that validate are applied to a small tensor whose values (NaN and inf included)
// come from the input too: validate() must not let through anything the mask cannot handle.
#include "commandline.h"
#include "error.h"
#include "fuzzcheck.h"
#include "mask/sparsifier.h"
#include "mask/sparsityparams.h"
#include "ranking/configuration.h"

#include <QCoreApplication>
#include <QStringList>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

using namespace sparsity::core;

namespace {

// A tensor of at most 12x12 elements taken from the input's bytes.
WeightTensor smallTensor(const std::uint8_t* data, std::size_t size)
{
    const std::int64_t rows = size > 0 ? 1 + data[0] % 12 : 3;
    const std::int64_t cols = size > 1 ? 1 + data[1] % 12 : 5;
    std::vector<float> values(static_cast<std::size_t>(rows * cols));
    for (std::size_t i = 0; i < values.size(); ++i) {
        float value = 0.0f;
        if (size >= sizeof value) {
            const std::size_t offset = (i * 3) % (size - sizeof value + 1);
            std::memcpy(&value, data + offset, sizeof value);
        }
        values[i] = value;
    }
    return WeightTensor({rows, cols}, values);
}

// What any mask must satisfy, whatever the parameters.
void checkMask(const WeightTensor& weights, const SparsityParams& params)
{
    FUZZ_CHECK(!params.validate().has_value());
    const MaskResult result = computeMask(weights, params, {});
    const auto elements = static_cast<std::size_t>(weights.elementCount());
    FUZZ_CHECK(result.mask.size() == elements);
    const auto zeros = static_cast<std::int64_t>(
        std::count(result.mask.begin(), result.mask.end(), std::uint8_t{0}));
    FUZZ_CHECK(
        std::all_of(result.mask.begin(), result.mask.end(), [](std::uint8_t m) { return m <= 1; }));
    FUZZ_CHECK(result.stats.elements == weights.elementCount());
    FUZZ_CHECK(result.stats.zeros == zeros);
    FUZZ_CHECK(result.stats.prunedBlocks >= 0 && result.stats.prunedBlocks <= result.stats.blocks);
    FUZZ_CHECK(result.stats.achievedSparsity >= 0.0 && result.stats.achievedSparsity <= 1.0);
    if (params.level <= 0.0 || params.effectiveZerosPerBlock() == 0)
        FUZZ_CHECK(zeros == 0);
    if (params.level < 1.0) // a level below 1 keeps at least one block
        FUZZ_CHECK(result.stats.prunedBlocks < result.stats.blocks);
}

template <typename T> T readRaw(const std::uint8_t* data, std::size_t size, std::size_t offset)
{
    unsigned char bytes[sizeof(T)] = {};
    if (offset < size)
        std::memcpy(bytes, data + offset, std::min(sizeof(T), size - offset));
    T value;
    std::memcpy(&value, bytes, sizeof(T));
    return value;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv)
{
    static QCoreApplication app(*argc, *argv);
    QCoreApplication::setApplicationName(QStringLiteral("sparsity-cli"));
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const WeightTensor weights = smallTensor(data, size);
    const QStringList lines =
        QString::fromUtf8(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size))
            .split(QLatin1Char('\n'));
    const QString levelText = lines.value(0);
    const QString blockText = lines.value(1);
    const QString zerosText = lines.value(2);
    const QString normText = lines.value(3);

    // core's parsers.
    if (const auto shape = parseBlockShape(blockText)) {
        FUZZ_CHECK(shape->rows >= 1 && shape->rows <= 999999999);
        FUZZ_CHECK(shape->cols >= 1 && shape->cols <= 999999999);
    }
    if (const auto norm = parseNorm(normText))
        FUZZ_CHECK(normName(*norm) == QLatin1String("l1") ||
                   normName(*norm) == QLatin1String("l2"));

    // The CLI's parser, which turns the same text into SparsityParams (e.g. "50%" -> 0.5).
    QStringList arguments{QStringLiteral("sparsity-cli"),
                          QStringLiteral("mask"),
                          QStringLiteral("in.h5"),
                          QStringLiteral("-o"),
                          QStringLiteral("out.h5"),
                          QStringLiteral("--level"),
                          levelText,
                          QStringLiteral("--block"),
                          blockText};
    if (lines.size() > 2)
        arguments << QStringLiteral("--zeros-per-block") << zerosText;
    if (lines.size() > 3)
        arguments << QStringLiteral("--norm") << normText;
    const auto parsed = sparsity::cli::parseCommandLine(arguments);
    if (const auto* options = std::get_if<sparsity::cli::MaskOptions>(&parsed)) {
        // --block takes RxC, RxC/Z and N:M (core parseBlockSpec): whatever the CLI accepted,
        // the core's parser reads as the same block.
        FUZZ_CHECK(options->params.block == parseBlockSpec(blockText).block);
        checkMask(weights, options->params);
    } else {
        const auto& early = std::get<sparsity::cli::EarlyExit>(parsed);
        FUZZ_CHECK(early.exitCode == sparsity::cli::ExitUsage);
    }

    // validate() on raw values, extremes and NaN included.
    SparsityParams raw;
    raw.level = readRaw<double>(data, size, 0);
    raw.block.rows = readRaw<std::int64_t>(data, size, 8);
    raw.block.cols = readRaw<std::int64_t>(data, size, 16);
    if (size > 24)
        raw.zerosPerBlock = readRaw<std::int64_t>(data, size, 24);
    raw.norm = size > 32 && (data[32] & 1) != 0 ? Norm::L1 : Norm::L2;
    if (raw.validate()) {
        bool threw = false;
        try {
            raw.throwIfInvalid();
        } catch (const Error& error) {
            threw = error.code() == ErrorCode::InvalidParameter;
        }
        FUZZ_CHECK(threw);
    } else {
        FUZZ_CHECK(raw.level >= 0.0 && raw.level <= 1.0);
        FUZZ_CHECK(raw.block.rows >= 1 && raw.block.cols >= 1);
        checkMask(weights, raw);
    }
    return 0;
}
