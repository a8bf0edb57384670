#include "blocksums.h"

#include "mask/normkeys.h"
#include "mask/zeropattern.h"
#include "parallel/parallelfor.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace sparsity::core::detail {
namespace {

// Block rows are summed in at most this many pieces, fixed by the grid.
constexpr std::int64_t maxPieces = 16;

// Whether a weight counts in the sums (NaN and inf are counted apart), without a branch.
inline bool finiteWeight(float v)
{
    return (std::bit_cast<std::uint32_t>(v) & 0x7f800000u) != 0x7f800000u;
}
inline bool finiteWeight(double v)
{
    return (std::bit_cast<std::uint64_t>(v) & 0x7ff0000000000000ull) != 0x7ff0000000000000ull;
}

template <typename T> struct FloatBits;
template <> struct FloatBits<float>
{
    using Unsigned = std::uint32_t;
    static constexpr Unsigned exponent = 0x7f800000u;
};
template <> struct FloatBits<double>
{
    using Unsigned = std::uint64_t;
    static constexpr Unsigned exponent = 0x7ff0000000000000ull;
};

// v when it is finite and `keep` is all ones, +0 otherwise, by masking its bits: no branch and
// no select, so the loops below vectorize.
template <typename T>
inline T finiteOrZero(T v,
                      typename FloatBits<T>::Unsigned keep = ~typename FloatBits<T>::Unsigned{0})
{
    using Unsigned = typename FloatBits<T>::Unsigned;
    const auto bits = std::bit_cast<Unsigned>(v);
    const Unsigned finite = Unsigned{0} - static_cast<Unsigned>((bits & FloatBits<T>::exponent) !=
                                                                FloatBits<T>::exponent);
    return std::bit_cast<T>(bits & finite & keep);
}

// The non-finite weights of a row, counted apart so that the summing loops stay simple.
template <typename T> std::int64_t countNonFinite(const T* row, std::int64_t count)
{
    std::int64_t nonFinite = 0;
    for (std::int64_t i = 0; i < count; ++i)
        nonFinite += !finiteWeight(row[i]);
    return nonFinite;
}

// Per-block sums of one block row, in separate arrays so the loops vectorize.
struct RowSums
{
    std::vector<double> energy, l1, insideEnergy, insideL1;
    std::vector<std::uint8_t> bits;

    void reset(std::int64_t blocks, bool inside)
    {
        energy.assign(static_cast<std::size_t>(blocks), 0.0);
        l1.assign(static_cast<std::size_t>(blocks), 0.0);
        insideEnergy.assign(inside ? static_cast<std::size_t>(blocks) : 0, 0.0);
        insideL1.assign(inside ? static_cast<std::size_t>(blocks) : 0, 0.0);
    }
};

// Adds one matrix row's finite weights to the sums of its full blocks of width BW. The loop over
// blocks vectorizes (interleaved loads, one lane per block), and each block still adds its
// elements one by one in row-major order, as addBlock does.
template <int BW, typename T>
void addRowOfFullBlocks(const T* __restrict row, std::int64_t blocks, double factor,
                        double* __restrict energy, double* __restrict l1)
{
    for (std::int64_t q = 0; q < blocks; ++q) {
        double e = energy[q], a = l1[q];
        for (int c = 0; c < BW; ++c) {
            const double x = static_cast<double>(finiteOrZero(row[q * BW + c])) * factor;
            e += x * x;
            a += std::fabs(x);
        }
        energy[q] = e;
        l1[q] = a;
    }
}

// The same for the kept part of pruned blocks, from their zero-pattern bits (bit = zeroed).
template <int BW, typename T>
void addKeptRowOfFullBlocks(const T* __restrict row, std::int64_t blocks,
                            const std::uint8_t* __restrict bits, int shift, double factor,
                            double* __restrict energy, double* __restrict l1)
{
    using Unsigned = typename FloatBits<T>::Unsigned;
    for (std::int64_t q = 0; q < blocks; ++q) {
        double e = energy[q], a = l1[q];
        const auto zeroed = static_cast<Unsigned>(bits[q] >> shift);
        for (int c = 0; c < BW; ++c) {
            const Unsigned keep = ((zeroed >> c) & 1u) - 1u; // all ones when kept
            const double x = static_cast<double>(finiteOrZero(row[q * BW + c], keep)) * factor;
            e += x * x;
            a += std::fabs(x);
        }
        energy[q] = e;
        l1[q] = a;
    }
}

// One block of any width, partial ones included, adding each element to energy and l1 in
// row-major order (as the row passes do); zeroed marks row-major positions left out (or null).
template <typename T>
std::int64_t addBlock(const T* weights, const BlockGrid& grid, std::int64_t br, std::int64_t bc,
                      double factor, const std::uint8_t* zeroed, double& energy, double& l1)
{
    std::int64_t nonFinite = 0;
    const std::int64_t rows = grid.validRows(br), cols = grid.validCols(bc);
    for (std::int64_t r = 0; r < rows; ++r) {
        const T* row =
            weights + (br * grid.block.rows + r) * grid.matrixCols + bc * grid.block.cols;
        for (std::int64_t c = 0; c < cols; ++c) {
            const bool finite = finiteWeight(row[c]);
            nonFinite += !finite;
            const bool counted =
                finite && (zeroed == nullptr || zeroed[r * grid.block.cols + c] == 0);
            const double x = counted ? static_cast<double>(row[c]) * factor : 0.0;
            energy += x * x;
            l1 += std::fabs(x);
        }
    }
    return nonFinite;
}

bool keepsInside(std::int64_t zerosPerBlock, std::int64_t validElements)
{
    return zerosPerBlock > 0 && zerosPerBlock < validElements;
}

// Marks the zerosPerBlock elements of a block with the smallest f (ties to the lower position,
// NaN last: docs/SPEC.md "The mask", step 4) in zeroed (row-major positions).
template <Norm N, typename T>
void markZeroed(const T* weights, const BlockGrid& grid, std::int64_t br, std::int64_t bc,
                std::int64_t zeros, std::vector<std::pair<OrderKey<T>, std::int64_t>>& scratch,
                std::vector<std::uint8_t>& zeroed)
{
    const std::int64_t rows = grid.validRows(br), cols = grid.validCols(bc);
    scratch.clear();
    for (std::int64_t r = 0; r < rows; ++r) {
        const T* row =
            weights + (br * grid.block.rows + r) * grid.matrixCols + bc * grid.block.cols;
        for (std::int64_t c = 0; c < cols; ++c)
            scratch.emplace_back(nonNegativeKey(elementNorm<N>(row[c])), r * grid.block.cols + c);
    }
    zeroed.assign(static_cast<std::size_t>(grid.block.elementCount()), 0);
    std::nth_element(scratch.begin(), scratch.begin() + (zeros - 1), scratch.end());
    for (std::int64_t i = 0; i < zeros; ++i)
        zeroed[static_cast<std::size_t>(scratch[static_cast<std::size_t>(i)].second)] = 1;
}

// Calls fn with std::integral_constant<int, BW> for the block widths with a vectorized row loop
// (1, 2, 4 and 8); bw must be one of them.
template <typename Fn> void withFixedWidth(std::int64_t bw, Fn&& fn)
{
    if (bw == 1)
        fn(std::integral_constant<int, 1>{});
    else if (bw == 2)
        fn(std::integral_constant<int, 2>{});
    else if (bw == 4)
        fn(std::integral_constant<int, 4>{});
    else
        fn(std::integral_constant<int, 8>{});
}

template <typename T> struct Summer
{
    const T* weights;
    BlockGrid grid;
    Norm norm;
    std::int64_t zerosPerBlock;
    double factor;
    std::vector<std::pair<OrderKey<T>, std::int64_t>> scratch;
    std::vector<std::uint8_t> zeroed;

    void markZeroedIn(std::int64_t br, std::int64_t bc)
    {
        if (norm == Norm::L1)
            markZeroed<Norm::L1>(weights, grid, br, bc, zerosPerBlock, scratch, zeroed);
        else
            markZeroed<Norm::L2>(weights, grid, br, bc, zerosPerBlock, scratch, zeroed);
    }

    // Every block of block row br into sums; returns the non-finite weights seen.
    std::int64_t sumBlockRow(std::int64_t br, RowSums& sums)
    {
        const std::int64_t gridCols = grid.gridCols(), bw = grid.block.cols;
        const std::int64_t rows = grid.validRows(br);
        const std::int64_t fullBlocks = grid.matrixCols / bw;
        const bool inside = keepsInside(zerosPerBlock, rows * std::min(bw, grid.matrixCols)) ||
                            keepsInside(zerosPerBlock, rows * grid.validCols(gridCols - 1));
        sums.reset(gridCols, inside);
        const bool fixed = bw == 1 || bw == 2 || bw == 4 || bw == 8;
        std::int64_t nonFinite = 0;
        for (std::int64_t r = 0; r < rows; ++r) {
            const T* row = weights + (br * grid.block.rows + r) * grid.matrixCols;
            std::int64_t q = 0;
            if (fixed) {
                nonFinite += countNonFinite(row, fullBlocks * bw);
                withFixedWidth(bw, [&](auto width) {
                    addRowOfFullBlocks<decltype(width)::value>(row, fullBlocks, factor,
                                                               sums.energy.data(), sums.l1.data());
                });
                q = fullBlocks;
            }
            for (; q < gridCols; ++q) {
                const T* block = row + q * bw;
                for (std::int64_t c = 0, cols = grid.validCols(q); c < cols; ++c) {
                    const bool finite = finiteWeight(block[c]);
                    nonFinite += !finite;
                    const double x = finite ? static_cast<double>(block[c]) * factor : 0.0;
                    sums.energy[q] += x * x;
                    sums.l1[q] += std::fabs(x);
                }
            }
        }
        if (!inside)
            return nonFinite;
        if (ZeroPatterns::supports(grid.block)) {
            sums.bits.resize(static_cast<std::size_t>(gridCols));
            blockRowZeroPatterns(weights, grid, norm, br, zerosPerBlock, sums.bits.data());
            for (std::int64_t r = 0; r < rows; ++r) {
                const T* row = weights + (br * grid.block.rows + r) * grid.matrixCols;
                const int shift = static_cast<int>(r * bw);
                std::int64_t q = 0;
                if (fixed && keepsInside(zerosPerBlock, rows * bw)) {
                    withFixedWidth(bw, [&](auto width) {
                        addKeptRowOfFullBlocks<decltype(width)::value>(
                            row, fullBlocks, sums.bits.data(), shift, factor,
                            sums.insideEnergy.data(), sums.insideL1.data());
                    });
                    q = fullBlocks;
                }
                for (; q < gridCols; ++q) {
                    if (!keepsInside(zerosPerBlock, rows * grid.validCols(q)))
                        continue;
                    const T* block = row + q * bw;
                    const std::uint8_t bits = sums.bits[static_cast<std::size_t>(q)];
                    for (std::int64_t c = 0, cols = grid.validCols(q); c < cols; ++c) {
                        const bool kept =
                            finiteWeight(block[c]) && ((bits >> (shift + c)) & 1u) == 0;
                        const double x = kept ? static_cast<double>(block[c]) * factor : 0.0;
                        sums.insideEnergy[q] += x * x;
                        sums.insideL1[q] += std::fabs(x);
                    }
                }
            }
            return nonFinite;
        }
        for (std::int64_t q = 0; q < gridCols; ++q) {
            if (!keepsInside(zerosPerBlock, rows * grid.validCols(q)))
                continue;
            markZeroedIn(br, q);
            addBlock(weights, grid, br, q, factor, zeroed.data(),
                     sums.insideEnergy[static_cast<std::size_t>(q)],
                     sums.insideL1[static_cast<std::size_t>(q)]);
        }
        return nonFinite;
    }

    // One block alone, as sumBlockRow sums it.
    SegmentSums sumBlock(std::int64_t block)
    {
        const std::int64_t br = block / grid.gridCols(), bc = block % grid.gridCols();
        const std::int64_t valid = grid.validRows(br) * grid.validCols(bc);
        SegmentSums sums;
        sums.zeros = std::min(zerosPerBlock, valid);
        addBlock(weights, grid, br, bc, factor, nullptr, sums.wholeEnergy, sums.wholeL1);
        if (keepsInside(zerosPerBlock, valid)) {
            if (ZeroPatterns::supports(grid.block)) {
                // Small blocks: the pattern byte, as the block-row pass uses it.
                const std::uint8_t bits =
                    blockZeroPattern(weights, grid, norm, br, bc, zerosPerBlock);
                zeroed.resize(static_cast<std::size_t>(grid.block.elementCount()));
                for (std::size_t j = 0; j < zeroed.size(); ++j)
                    zeroed[j] = (bits >> j) & 1u;
            } else {
                markZeroedIn(br, bc);
            }
            addBlock(weights, grid, br, bc, factor, zeroed.data(), sums.keptInsideEnergy,
                     sums.keptInsideL1);
        }
        return sums;
    }
};

// Adds the block sums of block row br to the segments its blocks belong to.
void addRowToSegments(const BlockGrid& grid, std::int64_t zerosPerBlock, std::int64_t br,
                      const RowSums& row, const std::vector<std::uint32_t>& segments,
                      std::vector<SegmentSums>& sums)
{
    const std::int64_t rows = grid.validRows(br);
    const auto blocks = static_cast<std::int64_t>(segments.size());
    const auto zerosOf = [&](std::int64_t q) {
        return std::min(zerosPerBlock, rows * grid.validCols(q));
    };
    const std::int64_t fullZeros = zerosOf(0);
    const std::int64_t full = grid.matrixCols % grid.block.cols == 0 ? blocks : blocks - 1;
    const auto add = [&](auto inside, std::int64_t q, std::int64_t zeros) {
        const auto i = static_cast<std::size_t>(q);
        SegmentSums& s = sums[segments[i]];
        s.zeros += zeros;
        s.wholeEnergy += row.energy[i];
        s.wholeL1 += row.l1[i];
        if constexpr (decltype(inside)::value) {
            s.keptInsideEnergy += row.insideEnergy[i];
            s.keptInsideL1 += row.insideL1[i];
        }
    };
    const auto addAll = [&](auto inside) {
        for (std::int64_t q = 0; q < full; ++q)
            add(inside, q, fullZeros);
        if (full < blocks)
            add(inside, full, zerosOf(full));
    };
    if (row.insideEnergy.empty())
        addAll(std::false_type{});
    else
        addAll(std::true_type{});
}

template <typename T>
SegmentedSums sumTyped(const WeightTensor& weights, const BlockGrid& grid, Norm norm,
                       std::int64_t zerosPerBlock, int scaleExponent, std::int64_t segmentCount,
                       const SegmentOfBlocks& segmentOf, const ExecutionContext& context)
{
    const std::int64_t pieces = std::clamp<std::int64_t>(grid.gridRows(), 1, maxPieces);
    std::vector<std::vector<SegmentSums>> pieceSums(static_cast<std::size_t>(pieces));
    std::vector<std::int64_t> pieceNonFinite(static_cast<std::size_t>(pieces), 0);
    const double factor = std::ldexp(1.0, scaleExponent);
    parallelFor(context, 0, pieces, 1, [&](std::int64_t from, std::int64_t to) {
        Summer<T> summer{weights.values<T>().data(), grid, norm, zerosPerBlock, factor, {}, {}};
        RowSums row;
        std::vector<std::uint32_t> segments(static_cast<std::size_t>(grid.gridCols()));
        for (std::int64_t piece = from; piece < to; ++piece) {
            auto& sums = pieceSums[static_cast<std::size_t>(piece)];
            sums.assign(static_cast<std::size_t>(segmentCount), SegmentSums{});
            std::int64_t nonFinite = 0;
            for (std::int64_t br = grid.gridRows() * piece / pieces,
                              end = grid.gridRows() * (piece + 1) / pieces;
                 br < end; ++br) {
                context.throwIfCancelled();
                nonFinite += summer.sumBlockRow(br, row);
                segmentOf(br, segments.data());
                addRowToSegments(grid, zerosPerBlock, br, row, segments, sums);
            }
            pieceNonFinite[static_cast<std::size_t>(piece)] = nonFinite;
        }
    });
    SegmentedSums total;
    total.segments.assign(static_cast<std::size_t>(segmentCount), SegmentSums{});
    for (std::int64_t piece = 0; piece < pieces; ++piece) {
        const auto& sums = pieceSums[static_cast<std::size_t>(piece)];
        for (std::size_t s = 0; s < sums.size(); ++s)
            total.segments[s].add(sums[s]);
        total.nonFiniteWeights += pieceNonFinite[static_cast<std::size_t>(piece)];
    }
    return total;
}

} // namespace

SegmentedSums sumBlocksBySegment(const WeightTensor& weights, const BlockGrid& grid, Norm norm,
                                 std::int64_t zerosPerBlock, int scaleExponent,
                                 std::int64_t segmentCount, const SegmentOfBlocks& segmentOf,
                                 const ExecutionContext& context)
{
    if (weights.precision() == Precision::Float32)
        return sumTyped<float>(weights, grid, norm, zerosPerBlock, scaleExponent, segmentCount,
                               segmentOf, context);
    return sumTyped<double>(weights, grid, norm, zerosPerBlock, scaleExponent, segmentCount,
                            segmentOf, context);
}

SegmentSums sumListedBlocks(const WeightTensor& weights, const BlockGrid& grid, Norm norm,
                            std::int64_t zerosPerBlock, int scaleExponent,
                            const std::uint32_t* blocks, std::int64_t count)
{
    const auto sumAll = [&](const auto* w) {
        using T = std::remove_cv_t<std::remove_pointer_t<decltype(w)>>;
        Summer<T> summer{w, grid, norm, zerosPerBlock, std::ldexp(1.0, scaleExponent), {}, {}};
        SegmentSums sums;
        for (std::int64_t i = 0; i < count; ++i)
            sums.add(summer.sumBlock(blocks[i]));
        return sums;
    };
    if (weights.precision() == Precision::Float32)
        return sumAll(weights.values<float>().data());
    return sumAll(weights.values<double>().data());
}

RunningSums RunningSums::of(const std::vector<SegmentSums>& segments)
{
    const std::size_t size = segments.size() + 1;
    RunningSums running;
    running.prefixZeros.assign(size, 0);
    running.prefixKeptInsideEnergy.assign(size, 0.0L);
    running.prefixKeptInsideL1.assign(size, 0.0L);
    running.suffixWholeEnergy.assign(size, 0.0L);
    running.suffixWholeL1.assign(size, 0.0L);
    for (std::size_t s = 0; s < segments.size(); ++s) {
        running.prefixZeros[s + 1] = running.prefixZeros[s] + segments[s].zeros;
        running.prefixKeptInsideEnergy[s + 1] =
            running.prefixKeptInsideEnergy[s] + segments[s].keptInsideEnergy;
        running.prefixKeptInsideL1[s + 1] =
            running.prefixKeptInsideL1[s] + segments[s].keptInsideL1;
    }
    for (std::size_t s = segments.size(); s-- > 0;) {
        running.suffixWholeEnergy[s] = running.suffixWholeEnergy[s + 1] + segments[s].wholeEnergy;
        running.suffixWholeL1[s] = running.suffixWholeL1[s + 1] + segments[s].wholeL1;
    }
    return running;
}

MaskStats statsFromSums(const RankedTotals& totals, std::int64_t k, std::int64_t zeros,
                        long double keptEnergy, long double keptL1)
{
    MaskStats stats;
    stats.elements = totals.elements;
    stats.blocks = totals.blocks;
    stats.prunedBlocks = k;
    stats.zeros = zeros;
    stats.achievedSparsity =
        stats.elements > 0 ? static_cast<double>(zeros) / static_cast<double>(stats.elements) : 0.0;
    const int e = totals.scaleExponent;
    const WeightSums all{std::ldexp(totals.allEnergy, -2 * e), std::ldexp(totals.allL1, -e),
                         totals.nonFiniteWeights};
    // k = 0 keeps the very sums of all, not the same terms added in another order.
    const WeightSums kept =
        k == 0 ? WeightSums{all.energy, all.l1, 0}
               : WeightSums{std::ldexp(keptEnergy, -2 * e), std::ldexp(keptL1, -e), 0};
    setRetention(stats, all, kept);
    return stats;
}

int sumScaleExponent(const WeightTensor& weights, const ExecutionContext& context)
{
    if (weights.precision() != Precision::Float64)
        return 0; // float's largest square, 1.2e77, and any sum of them fit a double
    const auto values = weights.values<double>();
    const auto n = static_cast<std::int64_t>(values.size());
    const std::int64_t parts = std::clamp<std::int64_t>(n / 65536, 1, maxPieces);
    std::vector<double> largest(static_cast<std::size_t>(parts), 0.0);
    parallelFor(context, 0, parts, 1, [&](std::int64_t from, std::int64_t to) {
        for (std::int64_t p = from; p < to; ++p) {
            double m = 0.0;
            for (std::int64_t i = n * p / parts, end = n * (p + 1) / parts; i < end; ++i) {
                const double v = values[static_cast<std::size_t>(i)];
                m = std::max(m, finiteWeight(v) ? std::fabs(v) : 0.0);
            }
            largest[static_cast<std::size_t>(p)] = m;
        }
    });
    const double m = *std::max_element(largest.begin(), largest.end());
    return m > std::ldexp(1.0, 400) ? 400 - std::ilogb(m) : 0;
}

} // namespace sparsity::core::detail
