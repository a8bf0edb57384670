// Parameter validation (docs/SPEC.md "Inputs") and the parsers the CLI and GUI share.
#include "error.h"
#include "mask/sparsityparams.h"

#include <QTest>
#include <limits>

using namespace sparsity::core;

class TestSparsityParams final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void validParams_data();
    void validParams();
    void invalidParams_data();
    void invalidParams();
    void throwIfInvalidCarriesTheCode();
    void parsesBlockShapes();
    void parsesNorms();
};

void TestSparsityParams::validParams_data()
{
    QTest::addColumn<double>("level");
    QTest::addColumn<qint64>("rows");
    QTest::addColumn<qint64>("cols");
    QTest::addColumn<qint64>("zeros");
    QTest::newRow("defaults") << 0.5 << qint64(1) << qint64(4) << qint64(-1);
    QTest::newRow("level 0") << 0.0 << qint64(1) << qint64(1) << qint64(-1);
    QTest::newRow("level 1") << 1.0 << qint64(8) << qint64(8) << qint64(64);
    QTest::newRow("zeros 0") << 0.3 << qint64(2) << qint64(2) << qint64(0);
    QTest::newRow("huge block") << 0.3 << qint64(100000) << qint64(3) << qint64(-1);
}

void TestSparsityParams::validParams()
{
    QFETCH(double, level);
    QFETCH(qint64, rows);
    QFETCH(qint64, cols);
    QFETCH(qint64, zeros);
    SparsityParams params{level, {rows, cols}, std::nullopt, Norm::L2};
    if (zeros >= 0)
        params.zerosPerBlock = zeros;
    QVERIFY(!params.validate().has_value());
}

void TestSparsityParams::invalidParams_data()
{
    QTest::addColumn<double>("level");
    QTest::addColumn<qint64>("rows");
    QTest::addColumn<qint64>("cols");
    QTest::addColumn<qint64>("zeros");
    QTest::addColumn<QString>("message");
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const QString levelMsg = QStringLiteral("Sparsity level must be between 0 and 1");
    QTest::newRow("negative level") << -0.1 << qint64(1) << qint64(4) << qint64(-1) << levelMsg;
    QTest::newRow("level above 1") << 1.5 << qint64(1) << qint64(4) << qint64(-1) << levelMsg;
    QTest::newRow("NaN level") << nan << qint64(1) << qint64(4) << qint64(-1) << levelMsg;
    QTest::newRow("inf level") << std::numeric_limits<double>::infinity() << qint64(1) << qint64(4)
                               << qint64(-1) << levelMsg;
    QTest::newRow("zero rows") << 0.5 << qint64(0) << qint64(4) << qint64(-1)
                               << QStringLiteral("Block shape must be at least 1x1");
    QTest::newRow("negative cols") << 0.5 << qint64(2) << qint64(-4) << qint64(-1)
                                   << QStringLiteral("Block shape must be at least 1x1");
    QTest::newRow("too many zeros")
        << 0.5 << qint64(1) << qint64(4) << qint64(5)
        << QStringLiteral("Number of zeros per block cannot be more than the total number of "
                          "elements in that block.");
    QTest::newRow("negative zeros")
        << 0.5 << qint64(1) << qint64(4) << qint64(-2)
        << QStringLiteral("Number of zeros per block should be positive.");
}

void TestSparsityParams::invalidParams()
{
    QFETCH(double, level);
    QFETCH(qint64, rows);
    QFETCH(qint64, cols);
    QFETCH(qint64, zeros);
    QFETCH(QString, message);
    SparsityParams params{level, {rows, cols}, std::nullopt, Norm::L1};
    if (zeros != -1)
        params.zerosPerBlock = zeros;
    const auto problem = params.validate();
    QVERIFY(problem.has_value());
    QVERIFY2(problem->startsWith(message), qPrintable(*problem));
}

void TestSparsityParams::throwIfInvalidCarriesTheCode()
{
    SparsityParams params;
    params.zerosPerBlock = 9;
    try {
        params.throwIfInvalid();
        QFAIL("expected an error");
    } catch (const Error& e) {
        QCOMPARE(e.code(), ErrorCode::InvalidParameter);
        QVERIFY(e.message().contains(QStringLiteral("zeros per block 9")));
    }
    params.zerosPerBlock = 4;
    params.throwIfInvalid(); // does not throw
}

void TestSparsityParams::parsesBlockShapes()
{
    QCOMPARE(parseBlockShape(QStringLiteral("1x4")), (BlockShape{1, 4}));
    QCOMPARE(parseBlockShape(QStringLiteral(" 8X8 ")), (BlockShape{8, 8}));
    QCOMPARE(parseBlockShape(QStringLiteral("32x1")), (BlockShape{32, 1}));
    for (const char* bad :
         {"", "x", "4", "4x", "0x4", "4x0", "-1x4", "1.5x2", "1x4x2", "axb", "99999999999x1"})
        QVERIFY2(!parseBlockShape(QString::fromLatin1(bad)).has_value(), bad);
}

void TestSparsityParams::parsesNorms()
{
    QCOMPARE(parseNorm(QStringLiteral("l1")), Norm::L1);
    QCOMPARE(parseNorm(QStringLiteral("L2")), Norm::L2);
    QCOMPARE(parseNorm(QStringLiteral("2")), Norm::L2);
    QVERIFY(!parseNorm(QStringLiteral("l3")).has_value());
    QVERIFY(!parseNorm(QString()).has_value());
    QCOMPARE(normName(Norm::L1), QStringLiteral("l1"));
}

QTEST_APPLESS_MAIN(TestSparsityParams)
#include "tst_sparsityparams.moc"
