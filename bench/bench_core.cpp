// In-process timings of the core on synthetic layers (fixed seed): a full mask from scratch,
// and the three incremental changes the GUI makes (level only, zeros per block only, block
// shape). Run: build-bench/bench/bench_core --benchmark_repetitions=5
//   --benchmark_report_aggregates_only=true   (see bench/README.md)
#include "benchlayers.h"
#include "common/paramsbuilder.h"
#include "mask/sparsifier.h"

#include <benchmark/benchmark.h>

using namespace sparsity::core;
using sparsity::bench::Distribution;
using sparsity::bench::layer;
using sparsity::bench::pool;

namespace {

SparsityParams paramsFor(std::int64_t bh, std::int64_t bw, std::int64_t zeros)
{
    return sparsity::test::makeParams(0.5, bh, bw, zeros);
}

// Args: rows, cols, block rows, block cols, zeros per block, threads, distribution.
void fullMask(benchmark::State& state)
{
    const auto& weights = layer(state.range(0), state.range(1), Distribution(state.range(6)));
    const auto params = paramsFor(state.range(2), state.range(3), state.range(4));
    const ExecutionContext context{&pool(), static_cast<int>(state.range(5))};
    for (auto _ : state) {
        MaskResult result = computeMask(weights, params, context);
        benchmark::DoNotOptimize(result.mask.data());
    }
    state.SetBytesProcessed(state.iterations() * weights.elementCount() * 4);
}

// The GUI's level slider: norms cached, only selection and mask redone. The sparsifier ranks
// the blocks on the second level change (a slider moving), so the timed changes are the ranked
// ones: a threshold lookup, one chunk of statistics and the mask write.
void levelChange(benchmark::State& state)
{
    const auto& weights = layer(state.range(0), state.range(1), Distribution(state.range(6)));
    auto params = paramsFor(state.range(2), state.range(3), state.range(4));
    const ExecutionContext context{&pool(), static_cast<int>(state.range(5))};
    Sparsifier sparsifier(weights);
    MaskResult result; // reused, as the GUI does
    sparsifier.compute(params, context, result);
    params.level = 0.55;
    sparsifier.compute(params, context, result);
    int step = 0;
    for (auto _ : state) {
        params.level = (step++ % 2) ? 0.5 : 0.55;
        sparsifier.compute(params, context, result);
        benchmark::DoNotOptimize(result.mask.data());
    }
}

void zerosChange(benchmark::State& state)
{
    const auto& weights = layer(state.range(0), state.range(1), Distribution(state.range(6)));
    auto params = paramsFor(state.range(2), state.range(3), state.range(4));
    const ExecutionContext context{&pool(), static_cast<int>(state.range(5))};
    Sparsifier sparsifier(weights);
    MaskResult result;
    sparsifier.compute(params, context, result);
    const std::int64_t all = params.block.elementCount();
    int step = 0;
    for (auto _ : state) {
        params.zerosPerBlock =
            (step++ % 2) ? state.range(4) : std::max<std::int64_t>(1, all / 2 + (all > 2 ? 1 : 0));
        sparsifier.compute(params, context, result);
        benchmark::DoNotOptimize(result.mask.data());
    }
}

void blockShapeChange(benchmark::State& state)
{
    const auto& weights = layer(state.range(0), state.range(1), Distribution(state.range(6)));
    auto params = paramsFor(state.range(2), state.range(3), state.range(4));
    const ExecutionContext context{&pool(), static_cast<int>(state.range(5))};
    Sparsifier sparsifier(weights);
    MaskResult result;
    int step = 0;
    for (auto _ : state) {
        // Alternate with another shape so every iteration really changes the block shape.
        params.block = (step++ % 2) ? BlockShape{state.range(2), state.range(3)} : BlockShape{2, 2};
        params.zerosPerBlock.reset();
        sparsifier.compute(params, context, result);
        benchmark::DoNotOptimize(result.mask.data());
    }
}

void fullMatrix(benchmark::internal::Benchmark* b)
{
    b->ArgNames({"rows", "cols", "bh", "bw", "zpb", "threads", "heavy"});
    const std::vector<std::vector<std::int64_t>> blocks{{1, 1, 1},  {1, 4, 4},  {1, 4, 2},
                                                        {4, 4, 16}, {8, 8, 64}, {32, 32, 1024}};
    for (auto [rows, cols] : std::vector<std::pair<std::int64_t, std::int64_t>>{
             {1024, 1024}, {4096, 4096}, {4096, 11008}})
        for (const auto& blk : blocks)
            for (std::int64_t threads : {1, 2})
                for (std::int64_t heavy : {0, 1})
                    b->Args({rows, cols, blk[0], blk[1], blk[2], threads, heavy});
    b->Unit(benchmark::kMillisecond)->UseRealTime();
}

// The GUI's steps at 4096x4096 for the given {block rows, block cols, zeros per block}.
void incrementalFor(benchmark::internal::Benchmark* b,
                    const std::vector<std::vector<std::int64_t>>& blocks)
{
    b->ArgNames({"rows", "cols", "bh", "bw", "zpb", "threads", "heavy"});
    for (const auto& blk : blocks)
        for (std::int64_t threads : {1, 2})
            b->Args({4096, 4096, blk[0], blk[1], blk[2], threads, 0});
    b->Unit(benchmark::kMillisecond)->UseRealTime();
}

void incremental(benchmark::internal::Benchmark* b)
{
    incrementalFor(b, {{1, 1, 1}, {1, 4, 4}, {1, 4, 2}, {8, 8, 64}});
}

// A 1x1 block has no zeros-per-block choice (0 keeps everything, 1 is the block): skip it.
void incrementalZeros(benchmark::internal::Benchmark* b)
{
    incrementalFor(b, {{1, 4, 4}, {1, 4, 2}, {8, 8, 64}});
}

void scaling(benchmark::internal::Benchmark* b)
{
    b->ArgNames({"rows", "cols", "bh", "bw", "zpb", "threads", "heavy"});
    for (std::int64_t rows : {1024, 2048, 4096, 8192})
        b->Args({rows, 1024 * (rows / 1024), 1, 4, 2, 2, 0});
    b->Unit(benchmark::kMillisecond)->UseRealTime();
}

} // namespace

BENCHMARK(fullMask)->Apply(fullMatrix);
BENCHMARK(levelChange)->Apply(incremental);
BENCHMARK(zerosChange)->Apply(incrementalZeros);
BENCHMARK(blockShapeChange)->Apply(incremental);
BENCHMARK(fullMask)->Name("scaling")->Apply(scaling);

BENCHMARK_MAIN();
