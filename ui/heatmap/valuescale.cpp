#include "valuescale.h"

#include <algorithm>
#include <cmath>

namespace sparsity::ui {

double ValueScale::Mapping::operator()(double v) const
{
    double x = v;
    if (logarithmic) {
        if (!(v > floor)) // NaN falls through to the NaN result below
            return std::isnan(v) ? v : 0.0;
        x = std::log10(v);
    }
    const double t = (x - offset) * factor;
    return std::clamp(t, 0.0, 1.0);
}

double ValueScale::logFloor() const
{
    const double relative = maximum * 1e-6;
    return minimum > 0.0 ? std::max(minimum, relative) : relative;
}

ValueScale::Mapping ValueScale::mapping() const
{
    Mapping m;
    m.logarithmic = logarithmic;
    if (logarithmic) {
        if (!(maximum > 0.0)) { // nothing positive: every value maps to 0
            m.floor = HUGE_VAL;
            return m;
        }
        m.floor = logFloor();
        const double lo = std::log10(m.floor);
        const double hi = std::log10(maximum);
        m.offset = lo;
        m.factor = hi > lo ? 1.0 / (hi - lo) : 0.0;
    } else {
        m.offset = minimum;
        m.factor = maximum > minimum ? 1.0 / (maximum - minimum) : 0.0;
    }
    return m;
}

double ValueScale::fromUnit(double t) const
{
    if (logarithmic) {
        if (!(maximum > 0.0))
            return 0.0;
        const double lo = std::log10(logFloor());
        return std::pow(10.0, lo + t * (std::log10(maximum) - lo));
    }
    return minimum + t * (maximum - minimum);
}

ValueScale ValueRange::scale(bool logarithmic) const
{
    ValueScale s;
    s.logarithmic = logarithmic;
    s.maximum = maximum;
    s.minimum = logarithmic ? minimumPositive : minimum;
    return s;
}

} // namespace sparsity::ui
