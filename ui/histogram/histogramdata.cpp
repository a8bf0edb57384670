#include "histogramdata.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace sparsity::ui {
namespace {
// Fine buckets per bar: a fraction query scans about n / (bars * this) values.
constexpr int bucketsPerBar = 128;

bool stop(const std::atomic<bool>* cancelled)
{
    return cancelled && cancelled->load(std::memory_order_relaxed);
}
} // namespace

std::unique_ptr<HistogramData> HistogramData::build(const std::vector<double>& values,
                                                    XScale xScale, int barCount,
                                                    const std::atomic<bool>* cancelled)
{
    auto data = std::make_unique<HistogramData>();
    HistogramData& d = *data;
    barCount = std::max(1, barCount);
    d.m_total = std::int64_t(values.size());

    double lo = std::numeric_limits<double>::infinity();
    double hi = -lo;
    double loPositive = lo;
    for (double v : values) {
        if (!std::isfinite(v)) {
            ++d.m_nonFinite;
            if (v < 0)
                ++d.m_negativeInfinite;
            continue;
        }
        lo = std::min(lo, v);
        hi = std::max(hi, v);
        if (v > 0)
            loPositive = std::min(loPositive, v);
    }
    const std::int64_t finite = d.m_total - d.m_nonFinite;
    const bool anyPositive = std::isfinite(loPositive);
    d.m_log = anyPositive && (xScale == XScale::Logarithmic ||
                              (xScale == XScale::Automatic && hi / loPositive > 1e3));
    if (finite == 0) {
        d.m_lo = 0.0;
        d.m_hi = 1.0;
    } else if (d.m_log) {
        d.m_lo = loPositive;
        d.m_hi = hi;
        if (!(d.m_hi > d.m_lo)) { // one positive value: a decade around it
            d.m_lo /= std::sqrt(10.0);
            d.m_hi *= std::sqrt(10.0);
        }
    } else {
        d.m_lo = lo;
        d.m_hi = hi;
        if (!(d.m_hi > d.m_lo)) {
            const double pad = lo != 0.0 ? std::fabs(lo) * 0.1 : 1.0;
            d.m_lo -= pad;
            d.m_hi += pad;
        }
    }
    d.m_axisLo = d.m_log ? std::log10(d.m_lo) : d.m_lo;
    d.m_axisSpan = (d.m_log ? std::log10(d.m_hi) : d.m_hi) - d.m_axisLo;

    // Counting sort of the finite values by bucket: one pass to count, one to place.
    d.m_buckets = barCount * bucketsPerBar;
    std::vector<std::int64_t> counts(std::size_t(d.m_buckets) + 1, 0);
    for (double v : values)
        if (std::isfinite(v))
            ++counts[std::size_t(d.bucketOf(v))];
    if (stop(cancelled))
        return nullptr;
    d.m_offAxis = d.m_log ? counts[0] : 0;
    d.m_bucketStart.assign(counts.size() + 1, 0);
    for (std::size_t b = 0; b < counts.size(); ++b)
        d.m_bucketStart[b + 1] = d.m_bucketStart[b] + counts[b];
    d.m_grouped.resize(std::size_t(finite));
    std::vector<std::int64_t> next(d.m_bucketStart.begin(), d.m_bucketStart.end() - 1);
    for (double v : values)
        if (std::isfinite(v))
            d.m_grouped[std::size_t(next[std::size_t(d.bucketOf(v))]++)] = v;
    if (stop(cancelled))
        return nullptr;

    d.m_bars.assign(std::size_t(barCount), 0);
    for (int b = 1; b <= d.m_buckets; ++b)
        d.m_bars[std::size_t((b - 1) / bucketsPerBar)] += counts[std::size_t(b)];
    // On a linear axis bucket 0 is empty: every finite value is >= lowest().
    return data;
}

int HistogramData::bucketOf(double value) const
{
    if (m_log && !(value > 0.0))
        return 0;
    const double t = axisPosition(value);
    if (!(t >= 0.0)) // below the axis (or NaN, never asked)
        return 0;
    return 1 + std::min(m_buckets - 1, int(t * m_buckets));
}

double HistogramData::axisPosition(double value) const
{
    const double x = m_log ? std::log10(value) : value;
    return (x - m_axisLo) / m_axisSpan;
}

double HistogramData::valueAtAxisPosition(double t) const
{
    const double x = m_axisLo + t * m_axisSpan;
    return m_log ? std::pow(10.0, x) : x;
}

double HistogramData::fractionBelow(double x) const
{
    if (m_total == 0 || std::isnan(x))
        return 0.0;
    std::int64_t below = m_negativeInfinite;
    if (x == std::numeric_limits<double>::infinity()) {
        below += std::int64_t(m_grouped.size());
    } else if (x > -std::numeric_limits<double>::infinity()) {
        // bucketOf is monotonic, so buckets below b hold only values < x and those above only
        // values >= x; the neighbours are scanned too, in case rounding put x one bucket off.
        const int b = bucketOf(x);
        const int first = std::max(0, b - 1);
        const int last = std::min(m_buckets, b + 1);
        below += m_bucketStart[std::size_t(first)];
        const double* begin = m_grouped.data() + m_bucketStart[std::size_t(first)];
        const double* end = m_grouped.data() + m_bucketStart[std::size_t(last) + 1];
        below += std::count_if(begin, end, [x](double v) { return v < x; });
    }
    return double(below) / double(m_total);
}

} // namespace sparsity::ui
