// The heatmap's vectorized row kernels against plain scalar code, on lengths that are not a
// multiple of any vector width and on values that include NaN, infinities and signed zeros.
#include "heatmap/poolkernels.h"

#include <QTest>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

using namespace sparsity::ui::detail;

namespace {
template <typename T> std::vector<T> awkwardValues(std::int64_t n, unsigned seed)
{
    std::mt19937 rng(seed);
    std::normal_distribution<double> normal(0.0, 1.0);
    std::vector<T> v(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
        switch (rng() % 16) {
        case 0:
            v[i] = std::numeric_limits<T>::quiet_NaN();
            break;
        case 1:
            v[i] = (rng() % 2 ? 1 : -1) * std::numeric_limits<T>::infinity();
            break;
        case 2:
            v[i] = (rng() % 2 ? T(0) : -T(0));
            break;
        case 3:
            v[i] = std::numeric_limits<T>::denorm_min();
            break;
        default:
            v[i] = T(normal(rng) * std::pow(10.0, double(int(rng() % 12) - 6)));
        }
    }
    return v;
}

// The ordering the kernels must reproduce, from the values: |v| ascending, +inf, then NaN.
template <typename T> int rankCompare(T a, T b)
{
    const auto rank = [](T x) { return std::isnan(x) ? 2 : std::isinf(x) ? 1 : 0; };
    if (rank(a) != rank(b))
        return rank(a) < rank(b) ? -1 : 1;
    if (rank(a) != 0)
        return 0;
    const T x = std::fabs(a);
    const T y = std::fabs(b);
    return x < y ? -1 : (x > y ? 1 : 0);
}
} // namespace

class TestPoolKernels final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void lengths_data();
    void absKeysOrderLikeMagnitudes();
    void poolAbsKeysMatchesScalar_data() { lengths_data(); }
    void poolAbsKeysMatchesScalar();
    void poolKeptMatchesScalar_data() { lengths_data(); }
    void poolKeptMatchesScalar();
    void keptCountedMatchesScalar_data() { lengths_data(); }
    void keptCountedMatchesScalar();
    void byteKernelsMatchScalar_data() { lengths_data(); }
    void byteKernelsMatchScalar();
    void scanMatchesScalar_data() { lengths_data(); }
    void scanMatchesScalar();
};

void TestPoolKernels::lengths_data()
{
    QTest::addColumn<qint64>("n");
    for (qint64 n : {0, 1, 3, 7, 15, 17, 31, 33, 63, 65, 1000, 4099})
        QTest::addRow("%lld", n) << n;
}

void TestPoolKernels::absKeysOrderLikeMagnitudes()
{
    const auto v = awkwardValues<float>(2000, 1);
    for (std::size_t i = 1; i < v.size(); ++i) {
        const int expected = rankCompare(v[i - 1], v[i]);
        const auto a = absKey(v[i - 1]);
        const auto b = absKey(v[i]);
        if (std::isnan(v[i - 1]) || std::isnan(v[i]))
            continue; // NaN payloads differ; only "above +inf" matters, checked below
        QCOMPARE(a < b ? -1 : (a > b ? 1 : 0), expected);
    }
    QVERIFY(absKey(std::numeric_limits<float>::quiet_NaN()) > Bits<float>::inf);
    QCOMPARE(absKey(-std::numeric_limits<double>::infinity()), Bits<double>::inf);
    QCOMPARE(absKey(-0.0f), 0u);
}

void TestPoolKernels::poolAbsKeysMatchesScalar()
{
    QFETCH(qint64, n);
    const auto f = awkwardValues<float>(n, 2);
    const auto d = awkwardValues<double>(n, 3);
    std::vector<std::uint32_t> accF(static_cast<std::size_t>(n), 0x3f000000u); // some start at 0.5
    std::vector<std::uint64_t> accD(static_cast<std::size_t>(n), 0);
    auto expectF = accF;
    auto expectD = accD;
    for (std::int64_t i = 0; i < n; ++i) {
        expectF[i] = std::max(expectF[i], absKey(f[i]));
        expectD[i] = std::max(expectD[i], absKey(d[i]));
    }
    poolAbsKeys(f.data(), n, accF.data());
    poolAbsKeys(d.data(), n, accD.data());
    QCOMPARE(accF, expectF);
    QCOMPARE(accD, expectD);
}

void TestPoolKernels::poolKeptMatchesScalar()
{
    QFETCH(qint64, n);
    const auto f = awkwardValues<float>(n, 4);
    const auto d = awkwardValues<double>(n, 5);
    std::vector<std::uint8_t> mask(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i)
        mask[i] = std::uint8_t((i * 7 + 3) % 5 < 2);
    std::vector<std::uint32_t> accF(static_cast<std::size_t>(n), 0);
    std::vector<std::uint64_t> accD(static_cast<std::size_t>(n), Bits<double>::kept); // kept zero
    auto expectF = accF;
    auto expectD = accD;
    auto allKeptF = accF;
    auto expectAllKeptF = accF;
    for (std::int64_t i = 0; i < n; ++i) {
        expectF[i] = std::max(expectF[i], absKey(f[i]) | (mask[i] ? Bits<float>::kept : 0u));
        expectD[i] = std::max(expectD[i],
                              absKey(d[i]) | (mask[i] ? Bits<double>::kept : Bits<double>::Key{0}));
        expectAllKeptF[i] = absKey(f[i]) | Bits<float>::kept;
    }
    poolAbsKeysKept(f.data(), mask.data(), n, accF.data());
    poolAbsKeysKept(d.data(), mask.data(), n, accD.data());
    poolAbsKeysKept(f.data(), nullptr, n, allKeptF.data());
    QCOMPARE(accF, expectF);
    QCOMPARE(accD, expectD);
    QCOMPARE(allKeptF, expectAllKeptF);
}

// Keys with the kept bit and kept counts in one pass (the zoomed-out mask over weights), with
// a mask byte that holds more than its low bit, as masks never do but the kernel must ignore.
template <typename T> void checkKeptCounted(std::int64_t n, unsigned seed)
{
    using Key = typename Bits<T>::Key;
    const auto v = awkwardValues<T>(n, seed);
    std::vector<std::uint8_t> mask(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i)
        mask[i] = std::uint8_t(((i * 7 + 3) % 5 < 2) | (i % 11 == 0 ? 2 : 0));
    std::vector<Key> acc(static_cast<std::size_t>(n), Key{1});
    std::vector<std::uint32_t> count(static_cast<std::size_t>(n), 5u);
    auto expectAcc = acc;
    auto expectCount = count;
    for (std::int64_t i = 0; i < n; ++i) {
        expectAcc[i] =
            std::max(expectAcc[i], absKey(v[i]) | ((mask[i] & 1) ? Bits<T>::kept : Key{0}));
        expectCount[i] += mask[i] & 1;
    }
    auto accAll = acc;
    auto countAll = count;
    poolKeptCounted(v.data(), mask.data(), n, acc.data(), count.data());
    QCOMPARE(acc, expectAcc);
    QCOMPARE(count, expectCount);
    // Without a mask everything is kept.
    poolKeptCounted(v.data(), nullptr, n, accAll.data(), countAll.data());
    for (std::int64_t i = 0; i < n; ++i) {
        QCOMPARE(accAll[i], std::max(Key{1}, Key(absKey(v[i]) | Bits<T>::kept)));
        QCOMPARE(countAll[i], 6u);
    }
    // countKept counts what poolKeptCounted counts.
    std::vector<std::uint32_t> counted(static_cast<std::size_t>(n), 5u);
    countKept(mask.data(), n, counted.data());
    QCOMPARE(counted, expectCount);
}

void TestPoolKernels::keptCountedMatchesScalar()
{
    QFETCH(qint64, n);
    checkKeptCounted<float>(n, 6);
    checkKeptCounted<double>(n, 7);
}

void TestPoolKernels::byteKernelsMatchScalar()
{
    QFETCH(qint64, n);
    std::vector<std::uint8_t> values(static_cast<std::size_t>(n));
    std::vector<std::uint8_t> mask(static_cast<std::size_t>(n));
    std::vector<std::uint8_t> acc(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
        values[i] = std::uint8_t((i * 5) % 4);
        mask[i] = std::uint8_t(i % 3 != 0);
        acc[i] = std::uint8_t((i * 3) % 4);
    }
    auto a = acc;
    auto b = acc;
    poolBytes(values.data(), n, a.data());
    poolPrunedCode(mask.data(), n, 3, b.data());
    for (std::int64_t i = 0; i < n; ++i) {
        QCOMPARE(a[i], std::max(acc[i], values[i]));
        QCOMPARE(b[i], std::max(acc[i], std::uint8_t(mask[i] ? 0 : 3)));
    }
}

void TestPoolKernels::scanMatchesScalar()
{
    QFETCH(qint64, n);
    const auto check = [n](const auto& v) {
        using T = typename std::decay_t<decltype(v)>::value_type;
        using Key = typename Bits<T>::Key;
        Key lo = Bits<T>::inf, loPositive = Bits<T>::inf, hi = 0;
        std::int64_t nonFinite = 0;
        for (T x : v) {
            if (!std::isfinite(x)) {
                ++nonFinite;
                continue;
            }
            lo = std::min(lo, absKey(x));
            hi = std::max(hi, absKey(x));
            if (x != 0)
                loPositive = std::min(loPositive, absKey(x));
        }
        const auto r = scanAbsKeys(v.data(), n);
        return r.lowest == lo && r.highest == hi && r.lowestPositive == loPositive &&
               r.nonFinite == nonFinite;
    };
    QVERIFY(check(awkwardValues<float>(n, 6)));
    QVERIFY(check(awkwardValues<double>(n, 7)));
}

QTEST_GUILESS_MAIN(TestPoolKernels)
#include "tst_poolkernels.moc"
