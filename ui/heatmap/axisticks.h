#pragma once

#include <QList>
#include <QString>

namespace sparsity::ui {

// Tick positions and labels for the colorbar's and the histogram's value axes. Pure functions;
// any thread.
struct AxisTick
{
    double value = 0.0;
    QString label;
};

// At most maxCount ticks at round values (1, 2 or 5 times a power of ten) inside [lo, hi].
QList<AxisTick> linearTicks(double lo, double hi, int maxCount);
// Powers of ten inside [lo, hi] (0 < lo); only every 2nd, 3rd, 5th... decade when there are
// more than maxCount. When no power of ten falls inside, the two ends.
QList<AxisTick> logTicks(double lo, double hi, int maxCount);
// A short label for a value on an axis whose ticks are `step` apart (0: no step known): as
// many decimals as the step needs, scientific ("1.5e-5") for very small or large values.
QString formatAxisValue(double value, double step = 0.0);
// "10⁻³" style labels; plain "0.1", "1", "10", "100" near 1.
QString powerOfTenLabel(int exponent);
// Counts in a short form: 950, 12k, 3.4M.
QString formatCount(double count);

} // namespace sparsity::ui
