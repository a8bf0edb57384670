#pragma once

#include <QRgb>
#include <QString>
#include <QStringList>
#include <array>

namespace sparsity::ui {

// A named colour map as a 256-entry lookup table: perceptual sequential maps (viridis, magma,
// inferno, cividis) whose lightness rises with the value, and grey. A small value that points
// at tables built once; any thread may use it.
class Colormap
{
public:
    using Lut = std::array<QRgb, 256>;

    Colormap(); // viridis

    static QStringList names();
    // The map called `name` (case-insensitive); viridis for an unknown name.
    static Colormap byName(const QString& name);

    QString name() const;
    // The colour at t in [0, 1] (clamped; NaN gives the colour of 0).
    QRgb color(double t) const;
    const Lut& lut() const { return *m_lut; }

    // Drawn for NaN and infinite values in every value view: no map here contains it.
    static QRgb nonFiniteColor() { return qRgb(255, 0, 255); }

    friend bool operator==(const Colormap& a, const Colormap& b) { return a.m_lut == b.m_lut; }

private:
    explicit Colormap(int index);

    int m_index = 0;
    const Lut* m_lut = nullptr;
};

} // namespace sparsity::ui
