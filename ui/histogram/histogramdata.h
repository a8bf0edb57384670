#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace sparsity::ui {

// The binned distribution of some values (block norms) on a linear or log axis, plus what it
// takes to answer "which fraction of all values lies below x" exactly: the finite values
// grouped by fine bucket (a counting sort), so a query scans one bucket. Built once, off the
// UI thread for big inputs; immutable afterwards, so any thread may read it.
class HistogramData
{
public:
    enum class XScale
    {
        Automatic, // log when the positive values span more than three decades
        Linear,
        Logarithmic,
    };

    // Returns nullptr if `cancelled` becomes true. Non-finite values are counted, not binned.
    static std::unique_ptr<HistogramData> build(const std::vector<double>& values, XScale xScale,
                                                int barCount,
                                                const std::atomic<bool>* cancelled = nullptr);

    bool isLogarithmic() const { return m_log; }
    // The axis range: [minimum, maximum] (linear) or [minimum positive, maximum] (log).
    double lowest() const { return m_lo; }
    double highest() const { return m_hi; }
    const std::vector<std::int64_t>& bars() const { return m_bars; }

    std::int64_t totalCount() const { return m_total; }
    std::int64_t nonFiniteCount() const { return m_nonFinite; }
    // Finite values left of a log axis (zero or negative); 0 on a linear axis.
    std::int64_t offAxisCount() const { return m_offAxis; }

    // Position of a value along the axis, 0 = lowest(), 1 = highest() (not clamped).
    double axisPosition(double value) const;
    double valueAtAxisPosition(double t) const;
    // Fraction of all values (non-finite ones included in the total) that are < x: NaN and
    // +inf never are, -inf always is.
    double fractionBelow(double x) const;

private:
    int bucketOf(double value) const;

    bool m_log = false;
    double m_lo = 0.0;
    double m_hi = 1.0;
    double m_axisLo = 0.0; // m_lo, or its log10
    double m_axisSpan = 1.0;
    std::vector<std::int64_t> m_bars;
    std::int64_t m_total = 0;
    std::int64_t m_nonFinite = 0;
    std::int64_t m_negativeInfinite = 0;
    std::int64_t m_offAxis = 0;
    int m_buckets = 0;                       // fine buckets on the axis; bucket 0 is below it
    std::vector<std::int64_t> m_bucketStart; // m_buckets + 2 prefix sums into m_grouped
    std::vector<double> m_grouped;           // the finite values, grouped by bucket
};

} // namespace sparsity::ui
