// JobOutcome, the one envelope of background work in the UI: what runCatching makes of a value
// and of each kind of exception, and how runThen and postTo bring it to the GUI thread (through
// the event loop, in order, never to a destroyed context).
#include "gatedpool.h"
#include "jobs/joboutcome.h"
#include "jobs/runthen.h"

#include <QTest>
#include <memory>
#include <stdexcept>

using namespace sparsity;
using namespace sparsity::ui;

class TestJobOutcome final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void aValue()
    {
        const JobOutcome<int> outcome = runCatching([] { return 42; });
        QVERIFY(outcome);
        QVERIFY(outcome.hasValue());
        QVERIFY(!outcome.isError());
        QVERIFY(!outcome.isCancelled());
        QCOMPARE(outcome.value(), 42);
        QVERIFY(outcome.error().isEmpty());
    }

    void aMoveOnlyValue()
    {
        JobOutcome<std::unique_ptr<int>> outcome =
            runCatching([] { return std::make_unique<int>(7); });
        QVERIFY(outcome);
        const std::unique_ptr<int> value = std::move(outcome.value());
        QCOMPARE(*value, 7);
    }

    void exceptionsBecomeFailures_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<bool>("hasCode");
        QTest::addColumn<int>("code");
        QTest::addColumn<bool>("cancelled");
        QTest::addColumn<QString>("message");
        const auto code = [](core::ErrorCode c) { return static_cast<int>(c); };
        QTest::newRow("core error") << 0 << true << code(core::ErrorCode::InvalidInput) << false
                                    << QStringLiteral("bad file");
        QTest::newRow("output exists") << 1 << true << code(core::ErrorCode::OutputExists) << false
                                       << QStringLiteral("exists");
        QTest::newRow("cancelled") << 2 << true << code(core::ErrorCode::Cancelled) << true
                                   << QStringLiteral("Cancelled.");
        QTest::newRow("out of memory") << 3 << true << code(core::ErrorCode::OutOfMemory) << false
                                       << QStringLiteral("Out of memory.");
        QTest::newRow("other exception")
            << 4 << false << 0 << false << QStringLiteral("something else");
    }

    void exceptionsBecomeFailures()
    {
        QFETCH(int, kind);
        QFETCH(bool, hasCode);
        QFETCH(int, code);
        QFETCH(bool, cancelled);
        QFETCH(QString, message);
        const JobOutcome<QString> outcome = runCatching([kind]() -> QString {
            switch (kind) {
            case 0:
                throw core::Error(core::ErrorCode::InvalidInput, QStringLiteral("bad file"));
            case 1:
                throw core::Error(core::ErrorCode::OutputExists, QStringLiteral("exists"));
            case 2:
                throw core::Error(core::ErrorCode::Cancelled, QStringLiteral("Cancelled."));
            case 3:
                throw std::bad_alloc();
            default:
                throw std::runtime_error("something else");
            }
        });
        QVERIFY(!outcome);
        QCOMPARE(outcome.isCancelled(), cancelled);
        QCOMPARE(outcome.isError(), !cancelled);
        QCOMPARE(outcome.failure().code.has_value(), hasCode);
        if (hasCode)
            QCOMPARE(static_cast<int>(*outcome.failure().code), code);
        QCOMPARE(outcome.error(), message);
    }

    // The outcome arrives from the event loop, never inside runThen, with the error intact.
    void runThenDeliversTheOutcome()
    {
        test::GatedPool gated;
        QList<JobOutcome<int>> outcomes;
        runThen(
            *gated.pool(), this, [] { return 1; },
            [&](JobOutcome<int> outcome) { outcomes << std::move(outcome); });
        runThen(
            *gated.pool(), this,
            []() -> int { throw core::Error(core::ErrorCode::Io, QStringLiteral("disk")); },
            [&](JobOutcome<int> outcome) { outcomes << std::move(outcome); });
        QVERIFY(outcomes.isEmpty());
        gated.open();
        QTRY_COMPARE(outcomes.size(), 2);
        QCOMPARE(outcomes[0].value(), 1);
        QCOMPARE(outcomes[1].error(), QStringLiteral("disk"));
    }

    // A context destroyed while its job runs gets nothing; the result is freed, not leaked.
    void runThenDropsOutcomesOfDestroyedContexts()
    {
        test::GatedPool gated;
        const auto result = std::make_shared<int>(5);
        bool delivered = false;
        bool controlDelivered = false;
        {
            QObject context;
            runThen(
                *gated.pool(), &context, [result] { return result; },
                [&](const JobOutcome<std::shared_ptr<int>>&) { delivered = true; });
        }
        QObject control;
        runThen(
            *gated.pool(), &control, [] { return 0; },
            [&](const JobOutcome<int>&) { controlDelivered = true; });
        gated.open();
        // The deliveries were posted in order: once the control's has arrived, the other one
        // has been handled too.
        QTRY_VERIFY(controlDelivered);
        QVERIFY(!delivered);
        QCOMPARE(result.use_count(), 1);
    }

    // Reports a job posts on the way arrive in order, and before its outcome.
    void postToKeepsTheOrder()
    {
        test::GatedPool gated;
        QList<int> seen;
        const QPointer<QObject> self(this);
        runThen(
            *gated.pool(), this,
            [self, &seen] {
                for (int i = 0; i < 5; ++i)
                    postTo(self, [&seen, i] { seen << i; });
                return 5;
            },
            [&](const JobOutcome<int>& outcome) { seen << outcome.value(); });
        gated.open();
        QTRY_COMPARE(seen.size(), 6);
        QCOMPARE(seen, (QList<int>{0, 1, 2, 3, 4, 5}));
    }
};

QTEST_MAIN(TestJobOutcome)
#include "tst_joboutcome.moc"
