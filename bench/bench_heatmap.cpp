// Rendering the heatmaps of a big layer: a 4096 x 11008 layer (an LLM's MLP projection, 1x4
// blocks, 2 zeros per block) drawn fully zoomed out into 1000 x 700 pixels by each source, and
// zoomed in at 8 px per element; plus the setup each source does once per layer (the range
// scan, the mask categories). Zoomed out, the mask views draw kept shares (counts per pixel)
// and the Compare view blends four categories. Single-threaded: one render is one job.
// Run: build-bench/bench/bench_heatmap --benchmark_repetitions=5
//   --benchmark_report_aggregates_only=true   (see bench/README.md)
#include "heatmap/diffsource.h"
#include "heatmap/masksource.h"
#include "heatmap/valueheatmapsource.h"
#include "testsnapshots.h"

#include <benchmark/benchmark.h>
#include <bit>
#include <limits>
#include <random>

using namespace sparsity;
using namespace sparsity::ui;

namespace {

constexpr std::int64_t rows = 4096;
constexpr std::int64_t cols = 11008;
const QRectF wholeField(0, 0, cols, rows);
const QSize screen(1000, 700);
const std::atomic<bool> notCancelled(false);

core::WeightTensor bigWeights()
{
    std::vector<float> v(std::size_t(rows * cols));
    std::mt19937 rng(3);
    std::normal_distribution<float> normal(0.0f, 0.02f);
    for (float& x : v)
        x = normal(rng);
    v[123456] = std::numeric_limits<float>::quiet_NaN();
    return core::WeightTensor({rows, cols}, std::move(v));
}

const std::shared_ptr<const LayerSnapshot>& bigLayer()
{
    static const std::shared_ptr<const LayerSnapshot> snapshot =
        test::makeSnapshot(bigWeights(), test::makeParams(0.5, 1, 4, 2));
    return snapshot;
}

const WeightsSource& weights()
{
    static const WeightsSource source(bigLayer(), Colormap(), false);
    return source;
}

void renderEach(benchmark::State& state, const HeatmapSource& source, const QRectF& region)
{
    for (auto _ : state) {
        QImage image = source.render(region, screen, notCancelled);
        benchmark::DoNotOptimize(image.constBits());
    }
}

// For scale: the cheapest full pass over the same floats, OR-ing their bits (vectorized and
// bound by memory: the floor for any render that reads every weight).
void onePassOverTheWeights(benchmark::State& state)
{
    const auto values = bigLayer()->weights->values<float>();
    for (auto _ : state) {
        std::uint32_t bits = 0;
        for (float x : values)
            bits |= std::bit_cast<std::uint32_t>(x);
        benchmark::DoNotOptimize(bits);
    }
}
BENCHMARK(onePassOverTheWeights)->Unit(benchmark::kMillisecond);

void weightsRangeScan(benchmark::State& state)
{
    for (auto _ : state)
        benchmark::DoNotOptimize(absoluteWeightRange(*bigLayer()->weights));
}
BENCHMARK(weightsRangeScan)->Unit(benchmark::kMillisecond);

void maskSourceSetup(benchmark::State& state)
{
    for (auto _ : state) {
        const MaskSource source(bigLayer());
        benchmark::DoNotOptimize(&source);
    }
}
BENCHMARK(maskSourceSetup)->Unit(benchmark::kMillisecond);

void renderWeights(benchmark::State& state)
{
    renderEach(state, weights(), wholeField);
}
BENCHMARK(renderWeights)->Unit(benchmark::kMillisecond);

void renderWeightsLog(benchmark::State& state)
{
    const WeightsSource source(bigLayer(), Colormap(), true, weights().valueRange());
    renderEach(state, source, wholeField);
}
BENCHMARK(renderWeightsLog)->Unit(benchmark::kMillisecond);

void renderBlockNorms(benchmark::State& state)
{
    const BlockNormsSource source(bigLayer(), Colormap(), true);
    renderEach(state, source, wholeField);
}
BENCHMARK(renderBlockNorms)->Unit(benchmark::kMillisecond);

void renderMask(benchmark::State& state)
{
    const MaskSource source(bigLayer());
    renderEach(state, source, wholeField);
}
BENCHMARK(renderMask)->Unit(benchmark::kMillisecond);

void renderMaskOverWeights(benchmark::State& state)
{
    const MaskOverWeightsSource source(bigLayer(), Colormap(), false, weights().valueRange());
    renderEach(state, source, wholeField);
}
BENCHMARK(renderMaskOverWeights)->Unit(benchmark::kMillisecond);

// The Compare view zoomed out: mask A is the layer's mask at 40 %.
void renderCompare(benchmark::State& state)
{
    static const auto a = test::makeSnapshot(bigWeights(), test::makeParams(0.4, 1, 4, 2))->mask;
    const DiffSource source(a, bigLayer());
    renderEach(state, source, wholeField);
}
BENCHMARK(renderCompare)->Unit(benchmark::kMillisecond);

// A 1000 x 700 window at 8 px per element.
const QRectF zoomedIn(5000, 2000, 125, 87.5);

void renderWeightsZoomedIn(benchmark::State& state)
{
    renderEach(state, weights(), zoomedIn);
}
BENCHMARK(renderWeightsZoomedIn)->Unit(benchmark::kMillisecond);

void renderMaskZoomedIn(benchmark::State& state)
{
    const MaskSource source(bigLayer());
    renderEach(state, source, zoomedIn);
}
BENCHMARK(renderMaskZoomedIn)->Unit(benchmark::kMillisecond);

void renderMaskOverWeightsZoomedIn(benchmark::State& state)
{
    const MaskOverWeightsSource source(bigLayer(), Colormap(), false, weights().valueRange());
    renderEach(state, source, zoomedIn);
}
BENCHMARK(renderMaskOverWeightsZoomedIn)->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
