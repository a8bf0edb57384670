#include "blockranking.h"

#include "error.h"
#include "mask/normkeys.h"
#include "mask/zeropattern.h"
#include "parallel/parallelfor.h"
#include "radixsort.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

namespace sparsity::core {
namespace {

// The sums of one block: of its finite weights, and of those it keeps when pruned (zeros per
// block smaller than its valid elements), each summed row by row, left to right, in double (a
// float weight's square is exact there).
struct BlockSums
{
    double wholeEnergy = 0.0;
    double wholeL1 = 0.0;
    double keptInsideEnergy = 0.0;
    double keptInsideL1 = 0.0;
};

// The weights of the blocks are summed into pieces of block rows fixed by the tensor alone (not
// by the thread count), each piece into its own chunk sums, and the pieces are added in order:
// so the totals are the same doubles for any number of threads.
constexpr std::int64_t maxPieces = 16;

// Ranks per chunk: a power of two from 64 to 4096, the smallest giving at most 4096 chunks. A
// level's statistics read at most one chunk of blocks from the weights.
std::int64_t chunkSizeFor(std::int64_t blocks)
{
    std::int64_t size = 64;
    while (size < 4096 && blocks / size > 4096)
        size *= 2;
    return size;
}

struct Summer
{
    double factor = 1.0; // 2^scaleExponent

    template <typename T> double scaled(T x) const { return static_cast<double>(x) * factor; }
};

// Marks in zeroed[] (row-major positions in the block) the zerosPerBlock elements with the
// smallest f, ties to the lower position, NaN last (docs/SPEC.md "The mask", step 4). The block
// must have more valid elements than zeros.
template <Norm N, typename T>
void markZeroedInBlock(const T* weights, const BlockGrid& grid, std::int64_t br, std::int64_t bc,
                       std::int64_t zeros, std::vector<std::pair<detail::OrderKey<T>, std::int64_t>>& scratch,
                       std::vector<std::uint8_t>& zeroed)
{
    const std::int64_t rows = grid.validRows(br), cols = grid.validCols(bc);
    scratch.clear();
    for (std::int64_t r = 0; r < rows; ++r) {
        const T* row = weights + (br * grid.block.rows + r) * grid.matrixCols + bc * grid.block.cols;
        for (std::int64_t c = 0; c < cols; ++c)
            scratch.emplace_back(detail::nonNegativeKey(detail::elementNorm<N>(row[c])),
                                 r * grid.block.cols + c);
    }
    zeroed.assign(static_cast<std::size_t>(grid.block.elementCount()), 0);
    std::nth_element(scratch.begin(), scratch.begin() + (zeros - 1), scratch.end());
    for (std::int64_t i = 0; i < zeros; ++i)
        zeroed[static_cast<std::size_t>(scratch[static_cast<std::size_t>(i)].second)] = 1;
}

// Adds the finite weights of one block that zeroed[] does not mark to sums' kept-inside fields.
template <typename T>
void addKeptInside(const T* weights, const BlockGrid& grid, std::int64_t br, std::int64_t bc,
                   const Summer& summer, const std::uint8_t* zeroedBits,
                   const std::vector<std::uint8_t>* zeroedList, BlockSums& sums)
{
    const std::int64_t rows = grid.validRows(br), cols = grid.validCols(bc);
    for (std::int64_t r = 0; r < rows; ++r) {
        const T* row = weights + (br * grid.block.rows + r) * grid.matrixCols + bc * grid.block.cols;
        for (std::int64_t c = 0; c < cols; ++c) {
            const std::int64_t position = r * grid.block.cols + c;
            const bool zeroed = zeroedBits ? ((*zeroedBits >> position) & 1u) != 0
                                           : (*zeroedList)[static_cast<std::size_t>(position)] != 0;
            if (zeroed || !std::isfinite(row[c]))
                continue;
            const double x = summer.scaled(row[c]);
            sums.keptInsideEnergy += x * x;
            sums.keptInsideL1 += std::fabs(x);
        }
    }
}

// Whether a pruned block of that many valid elements keeps some of them.
bool keepsInside(std::int64_t zerosPerBlock, std::int64_t validElements)
{
    return zerosPerBlock > 0 && zerosPerBlock < validElements;
}

// The sums of every block of one block row into out[0, gridCols); counts non-finite weights.
template <Norm N, typename T>
void sumBlockRow(const T* weights, const BlockGrid& grid, std::int64_t br, std::int64_t zerosPerBlock,
                 const Summer& summer, BlockSums* out, std::int64_t& nonFinite,
                 std::vector<std::uint8_t>& bits,
                 std::vector<std::pair<detail::OrderKey<T>, std::int64_t>>& scratch,
                 std::vector<std::uint8_t>& zeroed)
{
    const std::int64_t gridCols = grid.gridCols(), bw = grid.block.cols;
    const std::int64_t rows = grid.validRows(br);
    std::fill(out, out + gridCols, BlockSums{});
    for (std::int64_t r = 0; r < rows; ++r) {
        const T* row = weights + (br * grid.block.rows + r) * grid.matrixCols;
        for (std::int64_t q = 0; q < gridCols; ++q) {
            const std::int64_t cols = grid.validCols(q);
            double energy = out[q].wholeEnergy, l1 = out[q].wholeL1;
            for (std::int64_t c = 0; c < cols; ++c) {
                const T value = row[q * bw + c];
                const bool finite = std::isfinite(value);
                nonFinite += !finite;
                const double x = finite ? summer.scaled(value) : 0.0;
                energy += x * x;
                l1 += std::fabs(x);
            }
            out[q].wholeEnergy = energy;
            out[q].wholeL1 = l1;
        }
    }
    if (!keepsInside(zerosPerBlock, rows * std::min(bw, grid.matrixCols)) &&
        !keepsInside(zerosPerBlock, rows * grid.validCols(gridCols - 1)))
        return;
    const bool patterns = ZeroPatterns::supports(grid.block);
    if (patterns) {
        bits.resize(static_cast<std::size_t>(gridCols));
        blockRowZeroPatterns(weights, grid, N, br, zerosPerBlock, bits.data());
    }
    for (std::int64_t q = 0; q < gridCols; ++q) {
        if (!keepsInside(zerosPerBlock, rows * grid.validCols(q)))
            continue;
        if (patterns) {
            addKeptInside(weights, grid, br, q, summer, &bits[static_cast<std::size_t>(q)], nullptr,
                          out[q]);
        } else {
            markZeroedInBlock<N>(weights, grid, br, q, zerosPerBlock, scratch, zeroed);
            addKeptInside(weights, grid, br, q, summer, nullptr, &zeroed, out[q]);
        }
    }
}

// The same sums for one block, as sumBlockRow forms them.
template <Norm N, typename T>
BlockSums sumBlock(const T* weights, const BlockGrid& grid, std::int64_t block,
                   std::int64_t zerosPerBlock, const Summer& summer,
                   std::vector<std::pair<detail::OrderKey<T>, std::int64_t>>& scratch,
                   std::vector<std::uint8_t>& zeroed)
{
    const std::int64_t br = block / grid.gridCols(), bc = block % grid.gridCols();
    const std::int64_t rows = grid.validRows(br), cols = grid.validCols(bc);
    BlockSums sums;
    for (std::int64_t r = 0; r < rows; ++r) {
        const T* row = weights + (br * grid.block.rows + r) * grid.matrixCols + bc * grid.block.cols;
        for (std::int64_t c = 0; c < cols; ++c) {
            const double x = std::isfinite(row[c]) ? summer.scaled(row[c]) : 0.0;
            sums.wholeEnergy += x * x;
            sums.wholeL1 += std::fabs(x);
        }
    }
    if (keepsInside(zerosPerBlock, rows * cols)) {
        markZeroedInBlock<N>(weights, grid, br, bc, zerosPerBlock, scratch, zeroed);
        addKeptInside(weights, grid, br, bc, summer, nullptr, &zeroed, sums);
    }
    return sums;
}

// The exponent that keeps every square of a float64 tensor's finite weights, and their sum,
// inside a double: 0 unless the largest weight is above 2^400.
int scaleExponentFor(const WeightTensor& weights, const ExecutionContext& context)
{
    if (weights.precision() != Precision::Float64)
        return 0;
    const auto values = weights.values<double>();
    const auto n = static_cast<std::int64_t>(values.size());
    const std::int64_t parts = std::max<std::int64_t>(1, std::min<std::int64_t>(maxPieces, n / 65536));
    std::vector<double> largest(static_cast<std::size_t>(parts), 0.0);
    parallelFor(context, 0, parts, 1, [&](std::int64_t from, std::int64_t to) {
        for (std::int64_t p = from; p < to; ++p) {
            double m = 0.0;
            for (std::int64_t i = n * p / parts, end = n * (p + 1) / parts; i < end; ++i)
                if (std::isfinite(values[static_cast<std::size_t>(i)]))
                    m = std::max(m, std::fabs(values[static_cast<std::size_t>(i)]));
            largest[static_cast<std::size_t>(p)] = m;
        }
    });
    const double m = *std::max_element(largest.begin(), largest.end());
    return m > std::ldexp(1.0, 400) ? 400 - std::ilogb(m) : 0;
}

template <typename Fn> decltype(auto) withNorm(Norm norm, Fn&& fn)
{
    if (norm == Norm::L1)
        return fn(std::integral_constant<Norm, Norm::L1>{});
    return fn(std::integral_constant<Norm, Norm::L2>{});
}

} // namespace

template <typename T> struct RankingBuilder
{
    using Key = detail::OrderKey<T>;
    using ChunkSums = BlockRanking::ChunkSums;

    static void build(BlockRanking& ranking, const WeightTensor& weights, const BlockNorms& norms,
                      const ExecutionContext& context)
    {
        const BlockGrid& grid = ranking.m_grid;
        const std::int64_t n = grid.blockCount();
        // Keys in block order, then sorted with their blocks.
        std::vector<Key> keys(static_cast<std::size_t>(n));
        detail::visitNormKeysTyped<T>(norms, weights, [&](const auto& key) {
            parallelFor(context, 0, n, 65536, [&](std::int64_t from, std::int64_t to) {
                for (std::int64_t i = from; i < to; ++i)
                    keys[static_cast<std::size_t>(i)] = key(i);
            });
        });
        detail::radixSortWithPositions(keys, ranking.m_blocks, context);
        std::vector<std::uint32_t> rankOf(static_cast<std::size_t>(n));
        parallelFor(context, 0, n, 65536, [&](std::int64_t from, std::int64_t to) {
            for (std::int64_t r = from; r < to; ++r)
                rankOf[ranking.m_blocks[static_cast<std::size_t>(r)]] = static_cast<std::uint32_t>(r);
        });
        ranking.m_keys = std::move(keys);

        ranking.m_scaleExponent = scaleExponentFor(weights, context);
        const Summer summer{std::ldexp(1.0, ranking.m_scaleExponent)};
        const std::int64_t chunkSize = ranking.m_chunkSize;
        const std::int64_t chunks = (n + chunkSize - 1) / chunkSize;
        const std::int64_t pieces = std::clamp<std::int64_t>(grid.gridRows(), 1, maxPieces);
        std::vector<std::vector<ChunkSums>> pieceSums(static_cast<std::size_t>(pieces));
        std::vector<std::int64_t> pieceNonFinite(static_cast<std::size_t>(pieces), 0);
        const T* w = weights.values<T>().data();
        const std::int64_t zerosPerBlock = ranking.m_zerosPerBlock;
        parallelFor(context, 0, pieces, 1, [&](std::int64_t from, std::int64_t to) {
            std::vector<BlockSums> rowSums(static_cast<std::size_t>(grid.gridCols()));
            std::vector<std::uint8_t> bits, zeroed;
            std::vector<std::pair<Key, std::int64_t>> scratch;
            for (std::int64_t piece = from; piece < to; ++piece) {
                auto& sums = pieceSums[static_cast<std::size_t>(piece)];
                sums.assign(static_cast<std::size_t>(chunks), ChunkSums{});
                std::int64_t& nonFinite = pieceNonFinite[static_cast<std::size_t>(piece)];
                const std::int64_t firstRow = grid.gridRows() * piece / pieces;
                const std::int64_t endRow = grid.gridRows() * (piece + 1) / pieces;
                for (std::int64_t br = firstRow; br < endRow; ++br) {
                    context.throwIfCancelled();
                    withNorm(ranking.m_norm, [&](auto norm) {
                        sumBlockRow<decltype(norm)::value>(w, grid, br, zerosPerBlock, summer,
                                                           rowSums.data(), nonFinite, bits, scratch,
                                                           zeroed);
                    });
                    const std::int64_t rows = grid.validRows(br);
                    for (std::int64_t q = 0; q < grid.gridCols(); ++q) {
                        const std::int64_t block = br * grid.gridCols() + q;
                        ChunkSums& chunk = sums[rankOf[static_cast<std::size_t>(block)] / chunkSize];
                        const BlockSums& b = rowSums[static_cast<std::size_t>(q)];
                        chunk.zeros += std::min(zerosPerBlock, rows * grid.validCols(q));
                        chunk.keptInsideEnergy += b.keptInsideEnergy;
                        chunk.keptInsideL1 += b.keptInsideL1;
                        chunk.wholeEnergy += b.wholeEnergy;
                        chunk.wholeL1 += b.wholeL1;
                    }
                }
            }
        });
        ranking.m_nonFiniteWeights = 0;
        for (std::int64_t count : pieceNonFinite)
            ranking.m_nonFiniteWeights += count;
        const auto size = static_cast<std::size_t>(chunks + 1);
        ranking.m_prefixZeros.assign(size, 0);
        ranking.m_prefixKeptInsideEnergy.assign(size, 0.0L);
        ranking.m_prefixKeptInsideL1.assign(size, 0.0L);
        ranking.m_suffixWholeEnergy.assign(size, 0.0L);
        ranking.m_suffixWholeL1.assign(size, 0.0L);
        std::vector<long double> wholeEnergy(size, 0.0L), wholeL1(size, 0.0L);
        for (std::size_t c = 0; c < static_cast<std::size_t>(chunks); ++c) {
            std::int64_t zeros = 0;
            long double insideEnergy = 0.0L, insideL1 = 0.0L;
            for (const auto& sums : pieceSums) {
                zeros += sums[c].zeros;
                insideEnergy += sums[c].keptInsideEnergy;
                insideL1 += sums[c].keptInsideL1;
                wholeEnergy[c] += sums[c].wholeEnergy;
                wholeL1[c] += sums[c].wholeL1;
            }
            ranking.m_prefixZeros[c + 1] = ranking.m_prefixZeros[c] + zeros;
            ranking.m_prefixKeptInsideEnergy[c + 1] = ranking.m_prefixKeptInsideEnergy[c] + insideEnergy;
            ranking.m_prefixKeptInsideL1[c + 1] = ranking.m_prefixKeptInsideL1[c] + insideL1;
        }
        for (std::size_t c = static_cast<std::size_t>(chunks); c-- > 0;) {
            ranking.m_suffixWholeEnergy[c] = ranking.m_suffixWholeEnergy[c + 1] + wholeEnergy[c];
            ranking.m_suffixWholeL1[c] = ranking.m_suffixWholeL1[c + 1] + wholeL1[c];
        }
    }
};

BlockRanking BlockRanking::build(const WeightTensor& weights, const BlockNorms& norms,
                                 std::int64_t zerosPerBlock, const ExecutionContext& context)
{
    SparsityParams{0.5, norms.grid.block, zerosPerBlock, norms.norm}.throwIfInvalid();
    const std::int64_t n = norms.blockCount();
    if (n > std::numeric_limits<std::uint32_t>::max())
        throw Error(ErrorCode::InvalidInput,
                    QStringLiteral("%1 blocks of %2x%3 are more than a ranking holds (%4).")
                        .arg(n)
                        .arg(norms.grid.block.rows)
                        .arg(norms.grid.block.cols)
                        .arg(std::numeric_limits<std::uint32_t>::max()));
    const bool stored = norms.isElementwise() ||
                        std::visit([](const auto& v) { return !v.empty(); }, norms.values) ||
                        n == 0;
    if (!stored) // norms dropped by a one-shot mask: compute them again
        return build(weights, norms.grid.block, zerosPerBlock, norms.norm, context);
    BlockRanking ranking;
    ranking.m_grid = norms.grid;
    ranking.m_norm = norms.norm;
    ranking.m_zerosPerBlock = zerosPerBlock;
    ranking.m_chunkSize = chunkSizeFor(n);
    if (weights.precision() == Precision::Float32)
        RankingBuilder<float>::build(ranking, weights, norms, context);
    else
        RankingBuilder<double>::build(ranking, weights, norms, context);
    return ranking;
}

BlockRanking BlockRanking::build(const WeightTensor& weights, BlockShape block,
                                 std::int64_t zerosPerBlock, Norm norm,
                                 const ExecutionContext& context)
{
    SparsityParams{0.5, block, zerosPerBlock, norm}.throwIfInvalid();
    const BlockNorms norms = computeBlockNorms(weights, block, norm, context);
    return build(weights, norms, zerosPerBlock, context);
}

BlockRanking BlockRanking::build(const WeightTensor& weights, const Configuration& configuration,
                                 const ExecutionContext& context)
{
    return build(weights, configuration.block, configuration.effectiveZerosPerBlock(),
                 configuration.norm, context);
}

Configuration BlockRanking::configuration() const
{
    Configuration configuration{m_grid.block, m_zerosPerBlock, m_norm};
    if (m_zerosPerBlock == m_grid.block.elementCount())
        configuration.zerosPerBlock.reset();
    return configuration;
}

std::int64_t BlockRanking::prunedCountAt(double level) const
{
    if (level <= 0.0 || m_zerosPerBlock == 0)
        return 0;
    return prunedBlockCount(level, blockCount());
}

BlockThreshold BlockRanking::thresholdFor(std::int64_t prunedCount) const
{
    const std::int64_t n = blockCount();
    const std::int64_t k = std::clamp<std::int64_t>(prunedCount, 0, n);
    if (k == 0 || k == n)
        return BlockThreshold{n, k, 0, -1};
    const auto last = static_cast<std::size_t>(k - 1);
    const std::uint64_t key =
        std::visit([last](const auto& keys) { return std::uint64_t{keys[last]}; }, m_keys);
    return BlockThreshold{n, k, key, static_cast<std::int64_t>(m_blocks[last])};
}

std::int64_t BlockRanking::blockAtRank(std::int64_t rank) const
{
    return m_blocks[static_cast<std::size_t>(rank)];
}

std::uint64_t BlockRanking::doubleKeyAtRank(std::int64_t rank) const
{
    const auto r = static_cast<std::size_t>(rank);
    if (const auto* keys = std::get_if<std::vector<std::uint32_t>>(&m_keys)) {
        // A float key is the float's bits (NaN as the first NaN pattern): widen the value.
        const float value = std::bit_cast<float>((*keys)[r]);
        return detail::nonNegativeKey(static_cast<double>(value));
    }
    return std::get<std::vector<std::uint64_t>>(m_keys)[r];
}

std::int64_t BlockRanking::countBelow(std::uint64_t doubleKey) const
{
    std::int64_t low = 0, high = blockCount();
    while (low < high) {
        const std::int64_t mid = low + (high - low) / 2;
        if (doubleKeyAtRank(mid) < doubleKey)
            low = mid + 1;
        else
            high = mid;
    }
    return low;
}

BlockRanking::ChunkSums BlockRanking::sumRanks(const WeightTensor& weights, std::int64_t from,
                                               std::int64_t to) const
{
    ChunkSums sums;
    const Summer summer{std::ldexp(1.0, m_scaleExponent)};
    const auto visit = [&](auto norm, const auto* w) {
        using T = std::remove_cv_t<std::remove_pointer_t<decltype(w)>>;
        std::vector<std::pair<detail::OrderKey<T>, std::int64_t>> scratch;
        std::vector<std::uint8_t> zeroed;
        for (std::int64_t r = from; r < to; ++r) {
            const std::int64_t block = m_blocks[static_cast<std::size_t>(r)];
            const BlockSums b = sumBlock<decltype(norm)::value>(w, m_grid, block, m_zerosPerBlock,
                                                                summer, scratch, zeroed);
            const std::int64_t br = block / m_grid.gridCols(), bc = block % m_grid.gridCols();
            sums.zeros += std::min(m_zerosPerBlock, m_grid.validRows(br) * m_grid.validCols(bc));
            sums.keptInsideEnergy += b.keptInsideEnergy;
            sums.keptInsideL1 += b.keptInsideL1;
            sums.wholeEnergy += b.wholeEnergy;
            sums.wholeL1 += b.wholeL1;
        }
    };
    withNorm(m_norm, [&](auto norm) {
        if (weights.precision() == Precision::Float32)
            visit(norm, weights.values<float>().data());
        else
            visit(norm, weights.values<double>().data());
    });
    return sums;
}

std::int64_t BlockRanking::zerosOfRanks(std::int64_t from, std::int64_t to) const
{
    std::int64_t zeros = 0;
    for (std::int64_t r = from; r < to; ++r) {
        const std::int64_t block = m_blocks[static_cast<std::size_t>(r)];
        const std::int64_t br = block / m_grid.gridCols(), bc = block % m_grid.gridCols();
        zeros += std::min(m_zerosPerBlock, m_grid.validRows(br) * m_grid.validCols(bc));
    }
    return zeros;
}

MaskStats BlockRanking::statsFromSums(std::int64_t k, std::int64_t zeros, long double keptEnergy,
                                      long double keptL1) const
{
    MaskStats stats;
    stats.elements = elementCount();
    stats.blocks = blockCount();
    stats.prunedBlocks = k;
    stats.zeros = zeros;
    stats.achievedSparsity = stats.elements > 0 ? static_cast<double>(zeros) /
                                                      static_cast<double>(stats.elements)
                                                : 0.0;
    const int e = m_scaleExponent;
    const WeightSums all{std::ldexp(m_suffixWholeEnergy[0], -2 * e),
                         std::ldexp(m_suffixWholeL1[0], -e), m_nonFiniteWeights};
    // k = 0 keeps the very sums of all, not the same terms added in another order.
    const WeightSums kept = k == 0 ? WeightSums{all.energy, all.l1, 0}
                                   : WeightSums{std::ldexp(keptEnergy, -2 * e),
                                                std::ldexp(keptL1, -e), 0};
    setRetention(stats, all, kept);
    return stats;
}

MaskStats BlockRanking::estimatedStatsFor(std::int64_t prunedCount) const
{
    const std::int64_t n = blockCount();
    const std::int64_t k = m_zerosPerBlock == 0 ? 0 : std::clamp<std::int64_t>(prunedCount, 0, n);
    const auto chunk = static_cast<std::size_t>(k / m_chunkSize);
    const std::int64_t chunkStart = static_cast<std::int64_t>(chunk) * m_chunkSize;
    long double insideEnergy = m_prefixKeptInsideEnergy[chunk];
    long double insideL1 = m_prefixKeptInsideL1[chunk];
    long double wholeEnergy = m_suffixWholeEnergy[chunk];
    long double wholeL1 = m_suffixWholeL1[chunk];
    if (k > chunkStart) {
        const std::int64_t chunkEnd = std::min(n, chunkStart + m_chunkSize);
        const long double f = static_cast<long double>(k - chunkStart) /
                              static_cast<long double>(chunkEnd - chunkStart);
        const auto between = [f](long double from, long double to) { return from + f * (to - from); };
        insideEnergy = between(insideEnergy, m_prefixKeptInsideEnergy[chunk + 1]);
        insideL1 = between(insideL1, m_prefixKeptInsideL1[chunk + 1]);
        wholeEnergy = between(wholeEnergy, m_suffixWholeEnergy[chunk + 1]);
        wholeL1 = between(wholeL1, m_suffixWholeL1[chunk + 1]);
    }
    const std::int64_t zeros = m_prefixZeros[chunk] + zerosOfRanks(chunkStart, k);
    return statsFromSums(k, zeros, insideEnergy + wholeEnergy, insideL1 + wholeL1);
}

MaskStats BlockRanking::statsFor(std::int64_t prunedCount, const WeightTensor& weights) const
{
    const std::int64_t n = blockCount();
    const std::int64_t k = m_zerosPerBlock == 0 ? 0 : std::clamp<std::int64_t>(prunedCount, 0, n);
    const auto chunk = static_cast<std::size_t>(k / m_chunkSize);
    const std::int64_t chunkStart = static_cast<std::int64_t>(chunk) * m_chunkSize;

    std::int64_t zeros = m_prefixZeros[chunk];
    long double insideEnergy = m_prefixKeptInsideEnergy[chunk];
    long double insideL1 = m_prefixKeptInsideL1[chunk];
    long double wholeEnergy = m_suffixWholeEnergy[chunk];
    long double wholeL1 = m_suffixWholeL1[chunk];
    if (k > chunkStart) {
        // Ranks chunkStart..k-1 are pruned, k..chunk end are whole.
        const std::int64_t chunkEnd = std::min(n, chunkStart + m_chunkSize);
        const ChunkSums pruned = sumRanks(weights, chunkStart, k);
        const ChunkSums whole = sumRanks(weights, k, chunkEnd);
        zeros += pruned.zeros;
        insideEnergy += pruned.keptInsideEnergy;
        insideL1 += pruned.keptInsideL1;
        wholeEnergy = m_suffixWholeEnergy[chunk + 1] + whole.wholeEnergy;
        wholeL1 = m_suffixWholeL1[chunk + 1] + whole.wholeL1;
    }

    return statsFromSums(k, zeros, insideEnergy + wholeEnergy, insideL1 + wholeL1);
}

} // namespace sparsity::core
