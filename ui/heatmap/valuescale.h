#pragma once

#include <cstdint>

namespace sparsity::ui {

// How values map to colour-map positions t in [0, 1]: linear between minimum and maximum, or
// log10 between a floor and maximum. The floor is the smallest positive value (minimum when
// it is positive) but never below maximum * 1e-6, so a few tiny values cannot squeeze the
// whole map into its top end. A plain value; any thread may use it.
struct ValueScale
{
    double minimum = 0.0;
    double maximum = 1.0;
    bool logarithmic = false;

    // Precomputed form of the mapping, for per-pixel loops.
    struct Mapping
    {
        double offset = 0.0;
        double factor = 0.0;
        double floor = 0.0; // log only
        bool logarithmic = false;

        // t for v, clamped to [0, 1]; values at or below the floor give 0. NaN stays NaN.
        double operator()(double v) const;
    };

    double logFloor() const;
    // The lowest value shown: minimum, or logFloor() when logarithmic.
    double lowest() const { return logarithmic ? logFloor() : minimum; }
    Mapping mapping() const;
    double toUnit(double v) const { return mapping()(v); }
    // The value at position t (inverse of toUnit inside the range), for colorbar ticks.
    double fromUnit(double t) const;
};

// The finite range of some non-negative values (|w| or block norms), found in one scan.
struct ValueRange
{
    double minimum = 0.0;
    double minimumPositive = 0.0; // 0 when no value is positive
    double maximum = 0.0;
    std::int64_t finiteCount = 0;
    std::int64_t nonFiniteCount = 0;

    // The scale over this range; the log floor starts at the smallest positive value.
    ValueScale scale(bool logarithmic) const;
    // Whether the values span so many decades that a log scale shows them better.
    bool spansDecades() const { return minimumPositive > 0.0 && maximum / minimumPositive > 1e3; }
};

} // namespace sparsity::ui
