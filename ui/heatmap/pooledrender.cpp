#include "pooledrender.h"

#include <cmath>
#include <limits>

namespace sparsity::ui::detail {

AxisMap mapAxis(double start, double length, int pixels, std::int64_t field, std::int64_t cell)
{
    AxisMap m;
    m.begin.assign(std::size_t(pixels), 0);
    m.end.assign(std::size_t(pixels), 0);
    if (!(length > 0.0))
        return m;
    m.first = std::numeric_limits<std::int64_t>::max();
    m.last = std::numeric_limits<std::int64_t>::min();
    const double step = length / pixels;
    const auto toElement = [field](double e) {
        return std::int64_t(std::clamp(e, -1.0, double(field) + 1.0));
    };
    for (int i = 0; i < pixels; ++i) {
        std::int64_t e0;
        std::int64_t e1;
        if (step <= 1.0) {
            e0 = toElement(std::floor(start + (i + 0.5) * step));
            e1 = e0 + 1;
        } else {
            e0 = toElement(std::ceil(start + i * step - 0.5));
            e1 = toElement(std::ceil(start + (i + 1) * step - 0.5));
        }
        e0 = std::clamp<std::int64_t>(e0, 0, field);
        e1 = std::clamp<std::int64_t>(e1, 0, field);
        if (e0 >= e1)
            continue;
        m.begin[i] = e0 / cell;
        m.end[i] = (e1 - 1) / cell + 1;
        m.first = std::min(m.first, m.begin[i]);
        m.last = std::max(m.last, m.end[i]);
    }
    if (m.first > m.last)
        m.first = m.last = 0;
    return m;
}

QRgb blendShares(const QRgb* colors, const double* shares, int n)
{
    double r = 0.0, g = 0.0, b = 0.0;
    for (int i = 0; i < n; ++i) {
        r += shares[i] * qRed(colors[i]);
        g += shares[i] * qGreen(colors[i]);
        b += shares[i] * qBlue(colors[i]);
    }
    return qRgb(int(r + 0.5), int(g + 0.5), int(b + 0.5));
}

} // namespace sparsity::ui::detail
