// CoalescingRunner: one job at a time, at most one pending request (the newest), results
// shown in order and never after reset(), errors reported, idle once everything ran.
#include "gatedpool.h"
#include "jobs/coalescingrunner.h"

#include <QMutex>
#include <QSemaphore>
#include <QTest>
#include <QThreadPool>

using sparsity::ui::CoalescingRunner;

class TestCoalescingRunner : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void coalescesWhileBusy()
    {
        QThreadPool pool;
        pool.setMaxThreadCount(4);
        QSemaphore gate;
        QMutex mutex;
        QList<int> started;
        QList<int> delivered;
        int idles = 0;
        {
            CoalescingRunner<int, int> runner(
                this, &pool,
                [&](const int& request, const std::atomic<bool>&) {
                    {
                        QMutexLocker lock(&mutex);
                        started << request;
                    }
                    gate.acquire();
                    return request * 10;
                },
                [&](quint64, int result) { delivered << result; }, {}, [&] { ++idles; });
            for (int i = 1; i <= 50; ++i)
                runner.request(i); // a drag: 1 runs, 2..50 replace each other
            QVERIFY(runner.isBusy());
            gate.release(100);
            QTRY_VERIFY(!runner.isBusy());
            QCOMPARE(started, (QList<int>{1, 50}));
            // The superseded-only result is still shown (the view animates), then the newest.
            QCOMPARE(delivered, (QList<int>{10, 500}));
            QCOMPARE(idles, 1);
        }
        pool.waitForDone();
    }

    void resetDropsEverythingRequested()
    {
        QThreadPool pool;
        QSemaphore gate;
        QList<int> delivered;
        std::atomic<int> cancelledSeen{0};
        CoalescingRunner<int, int> runner(
            this, &pool,
            [&](const int& request, const std::atomic<bool>& cancelled) {
                gate.acquire();
                if (cancelled)
                    ++cancelledSeen;
                return request;
            },
            [&](quint64, int result) { delivered << result; });
        runner.request(1);
        runner.request(2);
        runner.reset(); // the layer changed: neither may appear
        runner.request(3);
        gate.release(10);
        QTRY_VERIFY(!runner.isBusy());
        QCOMPARE(delivered, (QList<int>{3}));
        QCOMPARE(cancelledSeen.load(), 1);
        pool.waitForDone();
    }

    void reportsErrors()
    {
        QThreadPool pool;
        QStringList errors;
        QList<int> delivered;
        CoalescingRunner<int, int> runner(
            this, &pool,
            [](const int& request, const std::atomic<bool>&) {
                if (request < 0)
                    throw sparsity::core::Error(sparsity::core::ErrorCode::InvalidInput,
                                                QStringLiteral("negative"));
                if (request == 0)
                    throw sparsity::core::Error(sparsity::core::ErrorCode::Cancelled,
                                                QStringLiteral("Cancelled."));
                return request;
            },
            [&](quint64, int result) { delivered << result; },
            [&](quint64, const QString& message) { errors << message; });
        runner.request(-1);
        QTRY_VERIFY(!runner.isBusy());
        runner.request(0); // cancelled: silent
        QTRY_VERIFY(!runner.isBusy());
        runner.request(7);
        QTRY_VERIFY(!runner.isBusy());
        QCOMPARE(errors, QStringList{QStringLiteral("negative")});
        QCOMPARE(delivered, QList<int>{7});
        pool.waitForDone();
    }

    // A job may end before its continuation is attached; its result must still arrive from
    // the event loop, never from inside request() (callers are not re-entrant).
    void neverDeliversInsideRequest()
    {
        QThreadPool pool;
        pool.setMaxThreadCount(4);
        bool insideRequest = false;
        bool reentered = false;
        int delivered = 0;
        CoalescingRunner<int, int> runner(
            this, &pool, [](const int& request, const std::atomic<bool>&) { return request; },
            [&](quint64, int) {
                reentered |= insideRequest;
                ++delivered;
            });
        for (int i = 0; i < 300; ++i) {
            insideRequest = true;
            runner.request(i);
            insideRequest = false;
            if (i % 3 == 0)
                QTest::qWait(1); // let some finish before the next request
        }
        QTRY_VERIFY(!runner.isBusy());
        QVERIFY(!reentered);
        QVERIFY(delivered > 1);
        QCOMPARE(runner.lastDelivered(), quint64(300));
        pool.waitForDone();
    }

    // A result whose context is gone is dropped: the job ran and its result came back, yet
    // nothing was delivered, and the runner of a live context on the same pool still is.
    void contextDestroyedFirstIsSafe()
    {
        sparsity::test::GatedPool gated;
        std::atomic<int> ran{0};
        bool delivered = false;
        const auto work = [&](const int& request, const std::atomic<bool>&) {
            ++ran;
            return request;
        };
        {
            QObject context;
            CoalescingRunner<int, int> runner(&context, gated.pool(), work,
                                              [&](quint64, int) { delivered = true; });
            runner.request(1);
        }
        QObject control;
        QList<int> controlDelivered;
        CoalescingRunner<int, int> controlRunner(
            &control, gated.pool(), work, [&](quint64, int result) { controlDelivered << result; });
        controlRunner.request(2);
        gated.open();
        // One thread, jobs in order: once the second result is in, the first has been handled.
        QTRY_COMPARE(controlDelivered, QList<int>{2});
        QCOMPARE(ran.load(), 2);
        QVERIFY(!delivered);
    }
};

QTEST_MAIN(TestCoalescingRunner)
#include "tst_coalescingrunner.moc"
