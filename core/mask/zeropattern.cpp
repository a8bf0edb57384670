#include "zeropattern.h"

#include "orderkey.h"

#include <array>

namespace sparsity::core {
namespace {

// Rank of element j among a block's keys in the total order (key, position): how many come
// before it. A block is zeroed where rank < zerosPerBlock. Comparing all pairs is cheaper than
// sorting for <= 8 elements and has no branches, so whole rows of blocks vectorize.
template <int E, typename Key> std::uint8_t patternOf(const Key (&keys)[E], std::int64_t zeros)
{
    std::uint8_t bits = 0;
    for (int j = 0; j < E; ++j) {
        int rank = 0;
        for (int i = 0; i < j; ++i)
            rank += keys[i] <= keys[j];
        for (int i = j + 1; i < E; ++i)
            rank += keys[i] < keys[j];
        bits |= static_cast<std::uint8_t>((rank < zeros) << j);
    }
    return bits;
}

// One-row blocks of width BW (1x2, 1x4, 1x8), all full.
template <Norm N, int BW, typename T>
void patternsOfRow(const T* row, std::int64_t fullBlocks, std::int64_t zeros, std::uint8_t* out)
{
    using Key = detail::OrderKey<T>;
    for (std::int64_t q = 0; q < fullBlocks; ++q) {
        Key keys[BW];
        for (int c = 0; c < BW; ++c)
            keys[c] = detail::nonNegativeKey(detail::elementNorm<N>(row[q * BW + c]));
        out[q] = patternOf<BW>(keys, zeros);
    }
}

// 1x4 (the N:M 2:4 case) written out, so the compiler vectorizes across blocks: four keys,
// each one's rank among the others ((key, position) order), bit set where rank < zeros. Each of
// the six pairs is compared once: for i < j, "i before j" is k_i <= k_j, and its complement
// counts for i.
template <Norm N, typename T>
void patternsOfRow4(const T* row, std::int64_t fullBlocks, std::int64_t zeros, std::uint8_t* out)
{
    using Key = detail::OrderKey<T>;
    const auto z = static_cast<Key>(zeros);
    for (std::int64_t q = 0; q < fullBlocks; ++q) {
        const Key k0 = detail::nonNegativeKey(detail::elementNorm<N>(row[4 * q]));
        const Key k1 = detail::nonNegativeKey(detail::elementNorm<N>(row[4 * q + 1]));
        const Key k2 = detail::nonNegativeKey(detail::elementNorm<N>(row[4 * q + 2]));
        const Key k3 = detail::nonNegativeKey(detail::elementNorm<N>(row[4 * q + 3]));
        const Key p01 = k0 <= k1, p02 = k0 <= k2, p03 = k0 <= k3;
        const Key p12 = k1 <= k2, p13 = k1 <= k3, p23 = k2 <= k3;
        const Key r0 = 3 - p01 - p02 - p03;
        const Key r1 = p01 + 2 - p12 - p13;
        const Key r2 = p02 + p12 + 1 - p23;
        const Key r3 = p03 + p13 + p23;
        out[q] = static_cast<std::uint8_t>(Key(r0 < z) | (Key(r1 < z) << 1) | (Key(r2 < z) << 2) |
                                           (Key(r3 < z) << 3));
    }
}

// Any small block, partial ones included: gathers the valid elements with their positions.
template <Norm N, typename T>
std::uint8_t patternOfBlock(const T* weights, const BlockGrid& grid, std::int64_t br,
                            std::int64_t bc, std::int64_t zeros)
{
    using Key = detail::OrderKey<T>;
    const std::int64_t rows = grid.validRows(br), cols = grid.validCols(bc);
    Key keys[ZeroPatterns::maxBlockElements];
    int positions[ZeroPatterns::maxBlockElements];
    int n = 0;
    for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t c = 0; c < cols; ++c, ++n) {
            const T x =
                weights[(br * grid.block.rows + r) * grid.matrixCols + bc * grid.block.cols + c];
            keys[n] = detail::nonNegativeKey(detail::elementNorm<N>(x));
            positions[n] = static_cast<int>(r * grid.block.cols + c);
        }
    // Positions grow with n, so (key, n) orders exactly as (key, position).
    std::uint8_t bits = 0;
    for (int j = 0; j < n; ++j) {
        int rank = 0;
        for (int i = 0; i < n; ++i)
            rank += (i < j) ? keys[i] <= keys[j] : (i > j && keys[i] < keys[j]);
        if (rank < zeros)
            bits |= static_cast<std::uint8_t>(1u << positions[j]);
    }
    return bits;
}

template <Norm N, typename T>
void patternsOfBlockRow(const T* weights, const BlockGrid& grid, std::int64_t br,
                        std::int64_t zeros, std::uint8_t* out)
{
    const std::int64_t gridCols = grid.gridCols();
    std::int64_t q = 0;
    if (grid.block.rows == 1) {
        const T* row = weights + br * grid.matrixCols;
        const std::int64_t full = grid.matrixCols / grid.block.cols;
        switch (grid.block.cols) {
        case 2:
            patternsOfRow<N, 2>(row, full, zeros, out);
            q = full;
            break;
        case 4:
            patternsOfRow4<N>(row, full, zeros, out);
            q = full;
            break;
        case 8:
            patternsOfRow<N, 8>(row, full, zeros, out);
            q = full;
            break;
        default:
            break;
        }
    }
    for (; q < gridCols; ++q)
        out[q] = patternOfBlock<N>(weights, grid, br, q, zeros);
}

} // namespace

template <typename T>
void blockRowZeroPatterns(const T* weights, const BlockGrid& grid, Norm norm, std::int64_t blockRow,
                          std::int64_t zerosPerBlock, std::uint8_t* out)
{
    if (norm == Norm::L1)
        patternsOfBlockRow<Norm::L1>(weights, grid, blockRow, zerosPerBlock, out);
    else
        patternsOfBlockRow<Norm::L2>(weights, grid, blockRow, zerosPerBlock, out);
}

template <typename T>
std::uint8_t blockZeroPattern(const T* weights, const BlockGrid& grid, Norm norm, std::int64_t br,
                              std::int64_t bc, std::int64_t zerosPerBlock)
{
    return norm == Norm::L1 ? patternOfBlock<Norm::L1>(weights, grid, br, bc, zerosPerBlock)
                            : patternOfBlock<Norm::L2>(weights, grid, br, bc, zerosPerBlock);
}

template std::uint8_t blockZeroPattern<float>(const float*, const BlockGrid&, Norm, std::int64_t,
                                              std::int64_t, std::int64_t);
template std::uint8_t blockZeroPattern<double>(const double*, const BlockGrid&, Norm, std::int64_t,
                                               std::int64_t, std::int64_t);

template void blockRowZeroPatterns<float>(const float*, const BlockGrid&, Norm, std::int64_t,
                                          std::int64_t, std::uint8_t*);
template void blockRowZeroPatterns<double>(const double*, const BlockGrid&, Norm, std::int64_t,
                                           std::int64_t, std::uint8_t*);

} // namespace sparsity::core
