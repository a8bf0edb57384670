#include "colormap.h"

#include <algorithm>
#include <cmath>
#include <span>

namespace sparsity::ui {
namespace {

// Compact control points, evenly spaced over [0, 1], read off the published maps at a handful
// of positions; linear interpolation between them stays within a few units of the originals,
// and each segment's lightness rises, so the 256-entry tables keep the maps' monotonic
// lightness (tested).
constexpr QRgb viridisPoints[] = {0x440154, 0x472c7a, 0x3b518b, 0x2c718e, 0x21908d,
                                  0x27ad81, 0x5cc863, 0xaadc32, 0xfde725};
constexpr QRgb magmaPoints[] = {0x000004, 0x1c1044, 0x4f127b, 0x812581, 0xb5367a,
                                0xe55964, 0xfb8761, 0xfec287, 0xfcfdbf};
constexpr QRgb infernoPoints[] = {0x000004, 0x1f0c48, 0x550f6d, 0x88226a, 0xba3655,
                                  0xe35933, 0xf98e09, 0xf9cb35, 0xfcffa4};
constexpr QRgb cividisPoints[] = {0x00204d, 0x00336f, 0x39486b, 0x575c6d, 0x707173,
                                  0x8a8779, 0xa69d75, 0xc4b56c, 0xe4cf5b, 0xffea46};
constexpr QRgb greyPoints[] = {0x000000, 0xffffff};

struct Entry
{
    const char* name;
    std::span<const QRgb> points;
};
constexpr Entry entries[] = {
    {"viridis", viridisPoints}, {"magma", magmaPoints}, {"inferno", infernoPoints},
    {"cividis", cividisPoints}, {"grey", greyPoints},
};
constexpr int entryCount = int(std::size(entries));

Colormap::Lut interpolate(std::span<const QRgb> points)
{
    Colormap::Lut lut{};
    const int segments = int(points.size()) - 1;
    for (int i = 0; i < 256; ++i) {
        const double pos = i / 255.0 * segments;
        const int k = std::min(int(pos), segments - 1);
        const double f = pos - k;
        const auto mix = [f](int a, int b) { return int(std::lround(a + (b - a) * f)); };
        const QRgb a = points[k];
        const QRgb b = points[k + 1];
        lut[i] = qRgb(mix(qRed(a), qRed(b)), mix(qGreen(a), qGreen(b)), mix(qBlue(a), qBlue(b)));
    }
    return lut;
}

const Colormap::Lut& table(int index)
{
    // Built once, on first use, by whichever thread gets there first (static init is safe).
    static const std::array<Colormap::Lut, entryCount> tables = [] {
        std::array<Colormap::Lut, entryCount> all{};
        for (int i = 0; i < entryCount; ++i)
            all[i] = interpolate(entries[i].points);
        return all;
    }();
    return tables[index];
}

} // namespace

Colormap::Colormap()
    : Colormap(0)
{}

Colormap::Colormap(int index)
    : m_index(index)
    , m_lut(&table(index))
{}

QStringList Colormap::names()
{
    QStringList list;
    for (const Entry& e : entries)
        list << QString::fromLatin1(e.name);
    return list;
}

Colormap Colormap::byName(const QString& name)
{
    for (int i = 0; i < entryCount; ++i)
        if (name.compare(QLatin1String(entries[i].name), Qt::CaseInsensitive) == 0)
            return Colormap(i);
    return Colormap(0);
}

QString Colormap::name() const
{
    return QString::fromLatin1(entries[m_index].name);
}

QRgb Colormap::color(double t) const
{
    if (!(t > 0.0)) // also NaN
        return (*m_lut)[0];
    if (t >= 1.0)
        return (*m_lut)[255];
    return (*m_lut)[int(t * 255.0 + 0.5)];
}

} // namespace sparsity::ui
