#include "axisticks.h"

#include <QLocale>
#include <cmath>

namespace sparsity::ui {

QList<AxisTick> linearTicks(double lo, double hi, int maxCount)
{
    QList<AxisTick> ticks;
    if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi) || maxCount < 1)
        return ticks;
    const double rough = (hi - lo) / maxCount;
    const double magnitude = std::pow(10.0, std::floor(std::log10(rough)));
    double step = magnitude * 10.0;
    for (double m : {1.0, 2.0, 5.0, 10.0}) {
        if (magnitude * m >= rough) {
            step = magnitude * m;
            break;
        }
    }
    // Compare with a little slack, so a tick on an end of the range is not lost to rounding.
    const double slack = step * 1e-9;
    for (double k = std::ceil((lo - slack) / step); k * step <= hi + slack; ++k) {
        double v = k * step;
        if (std::fabs(v) < step * 1e-9)
            v = 0.0; // no "-0" or "1e-17"
        ticks.append({v, formatAxisValue(v, step)});
    }
    return ticks;
}

QList<AxisTick> logTicks(double lo, double hi, int maxCount)
{
    QList<AxisTick> ticks;
    if (!(lo > 0.0) || !(hi > lo) || !std::isfinite(hi) || maxCount < 1)
        return ticks;
    const int first = int(std::ceil(std::log10(lo) - 1e-9));
    const int last = int(std::floor(std::log10(hi) + 1e-9));
    if (first > last) {
        ticks.append({lo, formatAxisValue(lo)});
        ticks.append({hi, formatAxisValue(hi)});
        return ticks;
    }
    int every = 1;
    for (int e : {1, 2, 3, 5, 10, 20, 50, 100}) {
        every = e;
        if ((last - first) / e + 1 <= maxCount)
            break;
    }
    // Multiples of `every` so the labelled decades do not shift while the range changes.
    for (int e = first; e <= last; ++e)
        if (e % every == 0 || every == 1)
            ticks.append({std::pow(10.0, e), powerOfTenLabel(e)});
    if (ticks.isEmpty())
        ticks.append({std::pow(10.0, first), powerOfTenLabel(first)});
    return ticks;
}

QString formatAxisValue(double value, double step)
{
    const double a = std::fabs(value);
    // Ticks share their decimals ("0.0 0.5 1.0"); zero alone, or among tiny steps, is "0".
    if (value == 0.0 && !(step >= 1e-3 && step < 1e5))
        return QStringLiteral("0");
    QString text;
    if ((a >= 1e-3 && a < 1e5) || value == 0.0) {
        // Enough decimals to tell neighbouring ticks apart, no more.
        int decimals = 0;
        if (step > 0.0)
            decimals = std::max(0, int(std::ceil(-std::log10(step) - 1e-9)));
        else
            decimals = std::max(0, 3 - int(std::floor(std::log10(a))) - 1);
        text = QString::number(value, 'f', std::min(decimals, 8));
        if (step <= 0.0 && text.contains(QLatin1Char('.'))) {
            while (text.endsWith(QLatin1Char('0')))
                text.chop(1);
            if (text.endsWith(QLatin1Char('.')))
                text.chop(1);
        }
        return text;
    }
    // Scientific: "1.5e-5", without the padded exponent of %g.
    text = QString::number(value, 'e', step > 0.0 ? 1 : 2);
    const qsizetype e = text.indexOf(QLatin1Char('e'));
    QString mantissa = text.left(e);
    if (mantissa.contains(QLatin1Char('.'))) {
        while (mantissa.endsWith(QLatin1Char('0')))
            mantissa.chop(1);
        if (mantissa.endsWith(QLatin1Char('.')))
            mantissa.chop(1);
    }
    const int exponent = text.mid(e + 1).toInt();
    return mantissa + QStringLiteral("e") + QString::number(exponent);
}

QString powerOfTenLabel(int exponent)
{
    switch (exponent) {
    case -2:
        return QStringLiteral("0.01");
    case -1:
        return QStringLiteral("0.1");
    case 0:
        return QStringLiteral("1");
    case 1:
        return QStringLiteral("10");
    case 2:
        return QStringLiteral("100");
    default:
        break;
    }
    static const char16_t digits[] = u"⁰¹²³⁴⁵⁶⁷⁸⁹";
    QString power;
    for (QChar c : QString::number(std::abs(exponent)))
        power += QChar(digits[c.digitValue()]);
    return QStringLiteral("10") + (exponent < 0 ? QStringLiteral("⁻") : QString()) + power;
}

QString formatCount(double count)
{
    const double a = std::fabs(count);
    if (a < 1000.0)
        return QString::number(qint64(std::llround(count)));
    const auto scaled = [](double v, const char* suffix) {
        return QString::number(v, 'f', v < 10.0 ? 1 : 0).remove(QStringLiteral(".0")) +
               QLatin1String(suffix);
    };
    if (a < 1e6)
        return scaled(count / 1e3, "k");
    if (a < 1e9)
        return scaled(count / 1e6, "M");
    return scaled(count / 1e9, "G");
}

} // namespace sparsity::ui
