// parallelFor covers every index exactly once for any thread count, propagates errors and
// cancellation, and cannot deadlock when the pool is busy or the caller is a pool thread.
#include "error.h"
#include "parallel/parallelfor.h"

#include <QTest>
#include <QThreadPool>
#include <atomic>
#include <stdexcept>
#include <vector>

using namespace sparsity::core;

class TestParallelFor final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void coversEachIndexOnce_data();
    void coversEachIndexOnce();
    void rethrowsTheBodysError();
    void stopsWhenCancelled();
    void nestedCallFromAFullPoolFinishes();
};

void TestParallelFor::coversEachIndexOnce_data()
{
    QTest::addColumn<int>("threads");
    QTest::addColumn<qint64>("count");
    QTest::addColumn<qint64>("minChunk");
    for (int threads : {1, 2, 3, 8})
        for (qint64 count : {0, 1, 7, 1000, 100003})
            QTest::addRow("%d threads, %lld", threads, count) << threads << count << qint64(5);
}

void TestParallelFor::coversEachIndexOnce()
{
    QFETCH(int, threads);
    QFETCH(qint64, count);
    QFETCH(qint64, minChunk);
    QThreadPool pool;
    pool.setMaxThreadCount(8);
    std::vector<std::atomic<int>> hits(static_cast<std::size_t>(count) + 10);
    std::atomic<int> shortChunks{0};
    parallelFor(ExecutionContext{&pool, threads}, 10, 10 + count, minChunk,
                [&](std::int64_t from, std::int64_t to) {
                    // Only the last chunk may be shorter than minChunk.
                    if (to - from < minChunk && to != 10 + count)
                        shortChunks.fetch_add(1);
                    for (std::int64_t i = from; i < to; ++i)
                        hits[i - 10].fetch_add(1);
                });
    QCOMPARE(shortChunks.load(), 0);
    for (std::int64_t i = 0; i < count; ++i)
        QCOMPARE(hits[i].load(), 1);
}

void TestParallelFor::rethrowsTheBodysError()
{
    QThreadPool pool;
    pool.setMaxThreadCount(4);
    QVERIFY_THROWS_EXCEPTION(
        std::runtime_error,
        parallelFor(ExecutionContext{&pool, 4}, 0, 1000, 1, [](std::int64_t from, std::int64_t) {
            if (from >= 500)
                throw std::runtime_error("boom");
        }));
}

void TestParallelFor::stopsWhenCancelled()
{
    QThreadPool pool;
    pool.setMaxThreadCount(2);
    std::atomic<bool> cancel{false};
    std::atomic<int> chunksRun{0};
    ExecutionContext context{&pool, 2, &cancel};
    try {
        parallelFor(context, 0, 1000, 1, [&](std::int64_t, std::int64_t) {
            chunksRun.fetch_add(1);
            cancel.store(true);
        });
        QFAIL("expected a cancellation");
    } catch (const Error& e) {
        QCOMPARE(e.code(), ErrorCode::Cancelled);
    }
    QVERIFY(chunksRun.load() < 8); // at most one chunk per thread ran after the request
}

void TestParallelFor::nestedCallFromAFullPoolFinishes()
{
    // Every pool thread runs a parallelFor on the same pool: helpers never start, the callers
    // must do all the work themselves.
    QThreadPool pool;
    pool.setMaxThreadCount(2);
    std::atomic<std::int64_t> total{0};
    for (int i = 0; i < 4; ++i)
        startOnPool(pool, [&] {
            parallelFor(ExecutionContext{&pool, 2}, 0, 10000, 10,
                        [&](std::int64_t from, std::int64_t to) { total.fetch_add(to - from); });
        });
    pool.waitForDone();
    QCOMPARE(total.load(), 40000);
}

QTEST_GUILESS_MAIN(TestParallelFor)
#include "tst_parallelfor.moc"
