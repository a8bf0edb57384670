// In-process timings of the block ranking (core/ranking) on the synthetic layers of
// benchlayers.h: a 101-level curve for one configuration (ranking built from scratch, then the
// statistics of every level), the curve against one full mask in pairs, the six default
// configurations of the Curves panel, the sort on
// its own against std::sort, and model scope over many layers against masking them one by one.
// Run: build-bench/bench/bench_ranking --benchmark_repetitions=5
//   --benchmark_report_aggregates_only=true   (see bench/README.md)
#include "benchlayers.h"
#include "mask/sparsifier.h"
#include "ranking/modelscope.h"
#include "ranking/radixsort.h"
#include "ranking/sweep.h"

#include <algorithm>
#include <benchmark/benchmark.h>
#include <chrono>

using namespace sparsity::core;
using sparsity::bench::Distribution;
using sparsity::bench::layer;
using sparsity::bench::pool;

namespace {

const std::vector<double>& levels101()
{
    static const std::vector<double> levels = defaultSweepLevels();
    return levels;
}

Configuration configurationOf(std::int64_t bh, std::int64_t bw, std::int64_t zeros)
{
    return Configuration{{bh, bw}, zeros, Norm::L2};
}

// Args: rows, cols, block rows, block cols, zeros per block, threads, method (0: sweepTensor,
// which selects only the thresholds it needs; 1: a BlockRanking built and read at every level).
void curve(benchmark::State& state)
{
    const auto& weights = layer(state.range(0), state.range(1), Distribution::Normal);
    const Configuration configuration =
        configurationOf(state.range(2), state.range(3), state.range(4));
    const ExecutionContext context{&pool(), static_cast<int>(state.range(5))};
    for (auto _ : state) {
        if (state.range(6) == 0) {
            const auto rows = sweepTensor(weights, configuration, levels101(), context);
            benchmark::DoNotOptimize(rows.data());
        } else {
            const BlockRanking ranking = BlockRanking::build(weights, configuration, context);
            const auto rows = sweepLevels(ranking, weights, levels101());
            benchmark::DoNotOptimize(rows.data());
        }
    }
}

// The curve against one full mask (computeMask at level 0.5) of the same configuration, timed
// in pairs, one right after the other: this VM drifts by 10-20 % within a minute, so the
// ratio of two separate benchmarks is noisier than the ratio of each pair. Reports the median
// pair's ratio and both medians; the iteration time is the pair's. Args as curve's, without
// the method.
void curveOverMask(benchmark::State& state)
{
    const auto& weights = layer(state.range(0), state.range(1), Distribution::Normal);
    const Configuration configuration =
        configurationOf(state.range(2), state.range(3), state.range(4));
    const ExecutionContext context{&pool(), static_cast<int>(state.range(5))};
    const SparsityParams params = configuration.atLevel(0.5);
    std::vector<double> masks, curves, ratios;
    using Clock = std::chrono::steady_clock;
    for (auto _ : state) {
        const auto start = Clock::now();
        const MaskResult mask = computeMask(weights, params, context);
        benchmark::DoNotOptimize(mask.mask.data());
        const auto between = Clock::now();
        const auto rows = sweepTensor(weights, configuration, levels101(), context);
        benchmark::DoNotOptimize(rows.data());
        const auto end = Clock::now();
        masks.push_back(std::chrono::duration<double, std::milli>(between - start).count());
        curves.push_back(std::chrono::duration<double, std::milli>(end - between).count());
        ratios.push_back(curves.back() / masks.back());
    }
    const auto median = [](std::vector<double> values) {
        std::nth_element(values.begin(), values.begin() + values.size() / 2, values.end());
        return values[values.size() / 2];
    };
    state.counters["mask_ms"] = median(masks);
    state.counters["curve_ms"] = median(curves);
    state.counters["curve_over_mask"] = median(ratios);
}

// The Curves panel's defaults: 1x1, 2:4, 1x4, 4x1, 4x4, 8x8, 101 levels each.
void defaultCurves(benchmark::State& state)
{
    const auto& weights = layer(state.range(0), state.range(1), Distribution::Normal);
    const ExecutionContext context{&pool(), static_cast<int>(state.range(2))};
    const std::vector<Configuration> configurations{
        configurationOf(1, 1, 1), configurationOf(1, 4, 2),  configurationOf(1, 4, 4),
        configurationOf(4, 1, 4), configurationOf(4, 4, 16), configurationOf(8, 8, 64)};
    for (auto _ : state) {
        const auto curves = sweepConfigurations(weights, configurations, levels101(), context);
        benchmark::DoNotOptimize(curves.data());
    }
}

// The sort alone on the 1x4 L2 norms' keys of a layer: method 0 is the ranking's radix sort,
// 1 is std::sort of (key, block) packed in 64 bits (the same order).
void sortKeys(benchmark::State& state)
{
    const auto& weights = layer(state.range(0), state.range(1), Distribution::Normal);
    const ExecutionContext context{&pool(), static_cast<int>(state.range(3))};
    const BlockNorms norms = computeBlockNorms(weights, {1, 4}, Norm::L2, context);
    const auto& values = std::get<LargeVector<float>>(norms.values);
    LargeVector<std::uint32_t> keys(values.size());
    for (std::size_t i = 0; i < keys.size(); ++i)
        keys[i] = std::bit_cast<std::uint32_t>(values[i]);
    for (auto _ : state) {
        if (state.range(2) == 0) {
            LargeVector<std::uint32_t> sorted = keys, blocks;
            detail::radixSortWithPositions(sorted, blocks, context);
            benchmark::DoNotOptimize(blocks.data());
        } else {
            std::vector<std::uint64_t> packed(keys.size());
            for (std::size_t i = 0; i < keys.size(); ++i)
                packed[i] = (std::uint64_t{keys[i]} << 32) | i;
            std::sort(packed.begin(), packed.end());
            benchmark::DoNotOptimize(packed.data());
        }
    }
}

// Distinct layers for model scope (the cached ones differ only by shape, so vary the columns).
std::vector<const WeightTensor*> modelLayers(std::int64_t count, std::int64_t rows)
{
    std::vector<const WeightTensor*> layers;
    for (std::int64_t i = 0; i < count; ++i)
        layers.push_back(&layer(rows, rows - i, Distribution::Normal));
    return layers;
}

// Args: layers, rows, threads, scope (0: each layer masked alone, 1: model scope). Masks of
// 1x4 blocks, 2 zeros per block, at 50 %.
void modelScope(benchmark::State& state)
{
    const auto layers = modelLayers(state.range(0), state.range(1));
    const ExecutionContext context{&pool(), static_cast<int>(state.range(2))};
    const Configuration configuration = configurationOf(1, 4, 2);
    const SparsityParams params = configuration.atLevel(0.5);
    for (auto _ : state) {
        if (state.range(3) == 0) {
            for (const WeightTensor* weights : layers) {
                const MaskResult result = computeMask(*weights, params, context);
                benchmark::DoNotOptimize(result.mask.data());
            }
            continue;
        }
        // model 1: what an export does (bucketed norms, and thresholds from them where ties
        // allow); 2: full rankings, as the GUI keeps.
        std::vector<std::int64_t> counts;
        std::vector<std::optional<BlockThreshold>> thresholds(layers.size());
        if (state.range(3) == 1) {
            std::vector<BucketedNorms> sorted;
            for (const WeightTensor* weights : layers)
                sorted.push_back(BucketedNorms::build(*weights, configuration, context));
            std::vector<const BucketedNorms*> pointers;
            for (const BucketedNorms& norms : sorted)
                pointers.push_back(&norms);
            counts = modelPrunedCounts(pointers, 0.5, ModelBounds{});
            for (std::size_t d = 0; d < sorted.size(); ++d)
                thresholds[d] = sorted[d].thresholdAt(counts[d]);
        } else {
            std::vector<BlockRanking> rankings;
            for (const WeightTensor* weights : layers)
                rankings.push_back(BlockRanking::build(*weights, configuration, context));
            std::vector<const BlockRanking*> pointers;
            for (const BlockRanking& ranking : rankings)
                pointers.push_back(&ranking);
            counts = modelPrunedCounts(pointers, 0.5, ModelBounds{});
        }
        MaskResult result;
        for (std::size_t d = 0; d < layers.size(); ++d) {
            Sparsifier sparsifier(*layers[d], Sparsifier::Caching::OneShot);
            if (thresholds[d])
                sparsifier.computeWithThreshold(params, *thresholds[d], context, result);
            else
                sparsifier.computeWithPrunedCount(params, counts[d], context, result);
            benchmark::DoNotOptimize(result.mask.data());
        }
    }
}

void curveArgs(benchmark::internal::Benchmark* b)
{
    b->ArgNames({"rows", "cols", "bh", "bw", "zpb", "threads", "ranked"});
    for (const auto& blk : std::vector<std::vector<std::int64_t>>{
             {1, 1, 1}, {1, 4, 2}, {1, 4, 4}, {4, 1, 4}, {4, 4, 16}, {8, 8, 64}})
        for (std::int64_t ranked : {0, 1})
            b->Args({4096, 4096, blk[0], blk[1], blk[2], 2, ranked});
    b->Unit(benchmark::kMillisecond)->UseRealTime();
}

} // namespace

BENCHMARK(curve)->Apply(curveArgs);
BENCHMARK(curveOverMask)
    ->ArgNames({"rows", "cols", "bh", "bw", "zpb", "threads"})
    ->Args({4096, 4096, 1, 1, 1, 2})
    ->Args({4096, 4096, 1, 4, 2, 2})
    ->Args({4096, 4096, 1, 4, 4, 2})
    ->Args({4096, 4096, 4, 4, 16, 2})
    ->Args({4096, 4096, 8, 8, 64, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(21);
BENCHMARK(defaultCurves)
    ->ArgNames({"rows", "cols", "threads"})
    ->Args({4096, 4096, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(sortKeys)
    ->ArgNames({"rows", "cols", "method", "threads"})
    ->Args({4096, 4096, 0, 2})
    ->Args({4096, 4096, 0, 1})
    ->Args({4096, 4096, 1, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(modelScope)
    ->ArgNames({"layers", "rows", "threads", "model"})
    ->Args({32, 4096, 2, 0})
    ->Args({32, 4096, 2, 1})
    ->Args({32, 4096, 2, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(2);

BENCHMARK_MAIN();
