// Colour maps: names, matplotlib's published entries, lightness that rises for the sequential
// maps; and the value scales that map values onto them (linear, log with its floor).
#include "heatmap/colormap.h"
#include "heatmap/valuescale.h"

#include <QTest>
#include <cmath>

using namespace sparsity::ui;

namespace {
// CIE L* of an sRGB colour: the lightness a viewer perceives.
double lightness(QRgb c)
{
    const auto linear = [](int v) {
        const double s = v / 255.0;
        return s <= 0.04045 ? s / 12.92 : std::pow((s + 0.055) / 1.055, 2.4);
    };
    const double y =
        0.2126 * linear(qRed(c)) + 0.7152 * linear(qGreen(c)) + 0.0722 * linear(qBlue(c));
    const double f = y > 216.0 / 24389.0 ? std::cbrt(y) : (24389.0 / 27.0 * y + 16.0) / 116.0;
    return 116.0 * f - 16.0;
}
} // namespace

class TestColormap final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void namesRoundTrip();
    void unknownNameIsViridis();
    void endpoints_data();
    void endpoints();
    void publishedEntries_data();
    void publishedEntries();
    void lightnessRises_data();
    void lightnessRises();
    void colorClampsAndHandlesNaN();
    void linearScale_data();
    void linearScale();
    void logScale_data();
    void logScale();
    void fromUnitInvertsToUnit();
    void rangeGivesScale();
};

void TestColormap::namesRoundTrip()
{
    const QStringList names = Colormap::names();
    QCOMPARE(names, (QStringList{QStringLiteral("viridis"), QStringLiteral("magma"),
                                 QStringLiteral("inferno"), QStringLiteral("cividis"),
                                 QStringLiteral("grey")}));
    for (const QString& name : names) {
        QCOMPARE(Colormap::byName(name).name(), name);
        QCOMPARE(Colormap::byName(name.toUpper()).name(), name);
    }
    QVERIFY(!(Colormap::byName(QStringLiteral("magma")) ==
              Colormap::byName(QStringLiteral("inferno"))));
}

void TestColormap::unknownNameIsViridis()
{
    QCOMPARE(Colormap::byName(QStringLiteral("jet")).name(), QStringLiteral("viridis"));
    QCOMPARE(Colormap().name(), QStringLiteral("viridis"));
}

void TestColormap::endpoints_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<uint>("low");
    QTest::addColumn<uint>("high");
    QTest::newRow("viridis") << QStringLiteral("viridis") << 0x440154u << 0xfde725u;
    QTest::newRow("magma") << QStringLiteral("magma") << 0x000004u << 0xfcfdbfu;
    QTest::newRow("inferno") << QStringLiteral("inferno") << 0x000004u << 0xfcffa4u;
    QTest::newRow("cividis") << QStringLiteral("cividis") << 0x00224eu << 0xfee838u;
    QTest::newRow("grey") << QStringLiteral("grey") << 0x000000u << 0xffffffu;
}

void TestColormap::endpoints()
{
    QFETCH(QString, name);
    QFETCH(uint, low);
    QFETCH(uint, high);
    const Colormap map = Colormap::byName(name);
    QCOMPARE(map.lut()[0], QRgb(0xff000000u | low));
    QCOMPARE(map.lut()[255], QRgb(0xff000000u | high));
    QCOMPARE(map.color(0.0), map.lut()[0]);
    QCOMPARE(map.color(1.0), map.lut()[255]);
    for (QRgb c : map.lut())
        QCOMPARE(qAlpha(c), 255);
    QVERIFY(map.lut()[128] != map.lut()[0] && map.lut()[128] != map.lut()[255]);
}

void TestColormap::publishedEntries_data()
{
    // matplotlib 3.6.3's float tables (matplotlib._cm_listed, CC0), each channel round(x * 255):
    // entry 127 of viridis is (0.128729, 0.563265, 0.551229), so 0x21908d. Entries 239, 46, 204
    // and 251 are where tables interpolated from a few control points stray furthest (up to 21).
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("index");
    QTest::addColumn<uint>("rgb");
    const auto add = [](const char* name, std::initializer_list<std::pair<int, uint>> entries) {
        for (const auto& [index, rgb] : entries)
            QTest::addRow("%s %d", name, index) << QString::fromLatin1(name) << index << rgb;
    };
    add("viridis", {{0, 0x440154},
                    {1, 0x440256},
                    {127, 0x21908d},
                    {128, 0x21918c},
                    {239, 0xd5e21a},
                    {254, 0xfbe723},
                    {255, 0xfde725}});
    add("magma", {{0, 0x000004},
                  {1, 0x010005},
                  {46, 0x331067},
                  {127, 0xb5367a},
                  {128, 0xb73779},
                  {254, 0xfcfbbd},
                  {255, 0xfcfdbf}});
    add("inferno", {{0, 0x000004},
                    {1, 0x010005},
                    {127, 0xba3655},
                    {128, 0xbc3754},
                    {204, 0xfca50a},
                    {254, 0xfafda1},
                    {255, 0xfcffa4}});
    add("cividis", {{0, 0x00224e},
                    {1, 0x00234f},
                    {127, 0x7c7b78},
                    {128, 0x7d7c78},
                    {251, 0xfde334},
                    {254, 0xfee636},
                    {255, 0xfee838}});
}

void TestColormap::publishedEntries()
{
    QFETCH(QString, name);
    QFETCH(int, index);
    QFETCH(uint, rgb);
    const QRgb actual = Colormap::byName(name).lut()[index];
    QCOMPARE(QString::number(actual, 16), QString::number(0xff000000u | rgb, 16));
}

void TestColormap::lightnessRises_data()
{
    QTest::addColumn<QString>("name");
    for (const QString& name : Colormap::names())
        QTest::newRow(qPrintable(name)) << name;
}

void TestColormap::lightnessRises()
{
    QFETCH(QString, name);
    const Colormap::Lut& lut = Colormap::byName(name).lut();
    // Rounding to 8-bit channels may wobble L* by a fraction of a unit, never more.
    for (int i = 1; i < 256; ++i)
        QVERIFY2(lightness(lut[i]) >= lightness(lut[i - 1]) - 0.3,
                 qPrintable(QStringLiteral("entry %1: L* %2 after %3")
                                .arg(i)
                                .arg(lightness(lut[i]))
                                .arg(lightness(lut[i - 1]))));
    QVERIFY(lightness(lut[255]) - lightness(lut[0]) > 60.0);
    QVERIFY(lightness(lut[192]) > lightness(lut[64]) + 20.0);
}

void TestColormap::colorClampsAndHandlesNaN()
{
    const Colormap map = Colormap::byName(QStringLiteral("magma"));
    QCOMPARE(map.color(-3.0), map.lut()[0]);
    QCOMPARE(map.color(7.0), map.lut()[255]);
    QCOMPARE(map.color(std::nan("")), map.lut()[0]);
    QCOMPARE(map.color(0.5), map.lut()[128]);
    QCOMPARE(map.color(100.0 / 255.0), map.lut()[100]);
    // The NaN colour appears in no map.
    for (const QString& name : Colormap::names())
        for (QRgb c : Colormap::byName(name).lut())
            QVERIFY(c != Colormap::nonFiniteColor());
}

void TestColormap::linearScale_data()
{
    QTest::addColumn<double>("minimum");
    QTest::addColumn<double>("maximum");
    QTest::addColumn<double>("value");
    QTest::addColumn<double>("t");
    QTest::newRow("middle") << 0.0 << 10.0 << 5.0 << 0.5;
    QTest::newRow("low end") << 0.0 << 10.0 << 0.0 << 0.0;
    QTest::newRow("high end") << 0.0 << 10.0 << 10.0 << 1.0;
    QTest::newRow("below clamps") << 2.0 << 4.0 << 1.0 << 0.0;
    QTest::newRow("above clamps") << 2.0 << 4.0 << 9.0 << 1.0;
    QTest::newRow("offset") << 2.0 << 4.0 << 3.5 << 0.75;
    QTest::newRow("empty range") << 3.0 << 3.0 << 3.0 << 0.0;
}

void TestColormap::linearScale()
{
    QFETCH(double, minimum);
    QFETCH(double, maximum);
    QFETCH(double, value);
    QFETCH(double, t);
    const ValueScale scale{minimum, maximum, false};
    QCOMPARE(scale.toUnit(value), t);
    QVERIFY(std::isnan(scale.toUnit(std::nan(""))));
}

void TestColormap::logScale_data()
{
    QTest::addColumn<double>("minimum");
    QTest::addColumn<double>("maximum");
    QTest::addColumn<double>("value");
    QTest::addColumn<double>("t");
    QTest::newRow("decades") << 1e-3 << 10.0 << 0.1 << 0.5;
    QTest::newRow("floor end") << 1e-3 << 10.0 << 1e-3 << 0.0;
    QTest::newRow("top end") << 1e-3 << 10.0 << 10.0 << 1.0;
    QTest::newRow("zero") << 1e-3 << 10.0 << 0.0 << 0.0;
    // A tiny minimum cannot stretch the scale beyond six decades under the maximum.
    QTest::newRow("floor at max*1e-6") << 1e-12 << 1.0 << 1e-3 << 0.5;
    QTest::newRow("below the floor") << 1e-12 << 1.0 << 1e-9 << 0.0;
    QTest::newRow("no minimum") << 0.0 << 100.0 << 0.1 << 0.5;
    QTest::newRow("nothing positive") << 0.0 << 0.0 << 0.0 << 0.0;
}

void TestColormap::logScale()
{
    QFETCH(double, minimum);
    QFETCH(double, maximum);
    QFETCH(double, value);
    QFETCH(double, t);
    const ValueScale scale{minimum, maximum, true};
    QVERIFY2(std::fabs(scale.toUnit(value) - t) < 1e-12,
             qPrintable(QString::number(scale.toUnit(value))));
}

void TestColormap::fromUnitInvertsToUnit()
{
    for (const ValueScale& scale :
         {ValueScale{-2.0, 6.0, false}, ValueScale{1e-4, 3.0, true}, ValueScale{0.0, 5.0, true}}) {
        for (double t : {0.0, 0.1, 0.5, 0.9, 1.0})
            QVERIFY(std::fabs(scale.toUnit(scale.fromUnit(t)) - t) < 1e-12);
    }
    QCOMPARE(ValueScale({1e-4, 3.0, true}).lowest(), 1e-4);
    QCOMPARE(ValueScale({0.0, 3.0, true}).lowest(), 3e-6);
    QCOMPARE(ValueScale({-1.0, 3.0, false}).lowest(), -1.0);
}

void TestColormap::rangeGivesScale()
{
    ValueRange range;
    range.minimum = 0.0;
    range.minimumPositive = 1e-5;
    range.maximum = 2.0;
    QVERIFY(range.spansDecades());
    const ValueScale log = range.scale(true);
    QCOMPARE(log.minimum, 1e-5);
    QCOMPARE(log.lowest(), 1e-5);
    const ValueScale linear = range.scale(false);
    QCOMPARE(linear.minimum, 0.0);
    QCOMPARE(linear.maximum, 2.0);
    range.minimumPositive = 0.1;
    QVERIFY(!range.spansDecades());
}

QTEST_MAIN(TestColormap)
#include "tst_colormap.moc"
