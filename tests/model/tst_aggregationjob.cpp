// Aggregation on a worker thread (model/jobs/jobs.h): progress, cancellation on the 1M-annotation
// case (the job stops early; its latency in ms is measured by bench_review), and a saved run
// read back equal to the computed result.

#include "jobs.h"
#include "methods.h"
#include "synthetic.h"

#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

using namespace chorus;

namespace {

// A snapshot around a synthetic world (no database: the job does not save).
model::Snapshot snapshotOf(agg::SyntheticWorld& w)
{
    model::Snapshot s;
    for (int32_t l = 0; l < w.matrix.numLabels(); ++l) {
        s.labels << QStringLiteral("c%1").arg(l);
        s.labelIds << l + 1;
    }
    s.itemIds.resize(w.matrix.numItems());
    for (int32_t i = 0; i < w.matrix.numItems(); ++i)
        s.itemIds[i] = i + 1;
    for (int32_t a = 0; a < w.matrix.numAnnotators(); ++a) {
        s.annotators << QStringLiteral("a%1").arg(a);
        s.annotatorIds << a + 1;
    }
    s.matrix = std::move(w.matrix);
    return s;
}

// Runs `method` on `s` as a job that does not save and waits for its result (an empty
// result, and a failed check, if it does not finish within 20 s).
model::JobResult<model::RunData> runUnsaved(const model::Snapshot& s, const QString& method)
{
    QThreadPool pool;
    model::AggregationRequest req;
    req.method = method;
    req.save = false;
    QFutureWatcher<model::JobResult<model::RunData>> watcher;
    QSignalSpy finished(&watcher, &QFutureWatcherBase::finished);
    watcher.setFuture(model::aggregateAsync(&pool, QString(), s, req));
    if (!finished.wait(20000)) {
        QTest::qFail("the aggregation job did not finish within 20 s", __FILE__, __LINE__);
        return {};
    }
    return watcher.result();
}

} // namespace

class TestAggregationJob : public QObject
{
    Q_OBJECT

private slots:
    void cancelStopsTheRunOn1M_data()
    {
        QTest::addColumn<QString>("method");
        for (const char* m : {"ds", "glad", "mace"})
            QTest::newRow(m) << QString::fromLatin1(m);
    }

    // 1,000,000 annotations: 100,000 items x 10 annotators, 5 classes.
    void cancelStopsTheRunOn1M()
    {
        QFETCH(QString, method);
        auto world = agg::generateDawidSkene(
            {.numItems = 100000, .numAnnotators = 10, .numLabels = 5, .labelsPerItem = 10, .seed = 11});
        QCOMPARE(world.matrix.numAnnotations(), int64_t(1000000));
        const model::Snapshot s = snapshotOf(world);
        QThreadPool pool;
        // That the method itself stops at its next poll is checked in work, not time, by
        // tst_registry (cancelPromptOnLargeWorld). Here: the job wiring passes the cancel on. The
        // runs are made long (minutes uncancelled), so a bound of 2 s proves the run stopped
        // early without depending on how busy the machine is; the latency is printed.
        // Parameters that make each run take minutes: "restarts" = 2000 once made mace reject
        // them at once, so the "cancel" below found a job that had already ended with an error
        // and the test passed without testing anything (issue #23's loop caught it). A run that
        // is canceled before it starts proves the parameters valid: it throws Canceled, not a
        // parameter error, independently of timing.
        const std::map<std::string, double> longRun = method == QLatin1String("mace")
            ? std::map<std::string, double>{{"restarts", 1000}, {"iterations", 100000}}
            : std::map<std::string, double>{{"max_iter", 100000}, {"tol", 0}};
        {
            agg::AggregationInput in;
            in.matrix = &s.matrix;
            in.params = longRun;
            agg::RunHooks canceledAtOnce;
            canceledAtOnce.isCanceled = [] { return true; };
            QVERIFY_THROWS_EXCEPTION(agg::Canceled, agg::aggregate(method.toStdString(), in, canceledAtOnce));
        }
        double best = 1e9;
        for (int attempt = 0; attempt < 3 && best > 2000; ++attempt) {
            model::AggregationRequest req;
            req.method = method;
            req.save = false;
            req.params = longRun;
            QFutureWatcher<model::JobResult<model::RunData>> watcher;
            QSignalSpy progressed(&watcher, &QFutureWatcherBase::progressValueChanged);
            QSignalSpy finished(&watcher, &QFutureWatcherBase::finished);
            watcher.setFuture(model::aggregateAsync(&pool, QString(), s, req));
            QVERIFY(progressed.wait(20000));  // the job is running and reporting progress
            if (watcher.future().isFinished())  // it runs for minutes unless canceled
                QFAIL(qPrintable(QStringLiteral("%1 ended before the cancel: error \"%2\"")
                                     .arg(method, watcher.future().resultCount() > 0 ? watcher.result().error
                                                                                    : QStringLiteral("none"))));
            QElapsedTimer t;
            t.start();
            watcher.cancel();
            // isFinished() as well as the spy: a finished signal delivered before wait() began
            // would otherwise look like a hang. On failure, say what state the job was in (this
            // failed once in ~35 loaded runs for mace: issue #23).
            const bool done = finished.wait(60000) || watcher.isFinished();
            QVERIFY2(done, qPrintable(QStringLiteral("%1 not finished 60 s after cancel: canceled %2, running %3, "
                                                     "progress %4, signals %5")
                                          .arg(method)
                                          .arg(watcher.isCanceled())
                                          .arg(watcher.isRunning())
                                          .arg(watcher.progressValue())
                                          .arg(finished.count())));
            best = std::min(best, t.nsecsElapsed() / 1e6);
            if (watcher.future().resultCount() > 0)
                QVERIFY2(watcher.result().canceled,
                         qPrintable(QStringLiteral("%1 finished without being canceled: error \"%2\", %3 signals")
                                        .arg(method, watcher.result().error)
                                        .arg(finished.count())));
        }
        qInfo("%s: cancel honoured after %.1f ms", qPrintable(method), best);
        QVERIFY2(best < 2000, qPrintable(QStringLiteral("%1 ms").arg(best)));
    }

    void resultMatchesDirectCall()
    {
        auto world = agg::generateDawidSkene({.numItems = 500, .numAnnotators = 8, .labelsPerItem = 4});
        const model::Snapshot s = snapshotOf(world);
        agg::AggregationInput in;
        in.matrix = &s.matrix;
        const auto direct = agg::aggregate("ds", in);
        const auto r = runUnsaved(s, QStringLiteral("ds"));
        QVERIFY(r.ok());
        QCOMPARE(r.value.labels, direct.labels);
        QCOMPARE(r.value.posterior, direct.posterior);
    }

    void unknownMethodIsAnError()
    {
        auto world = agg::generateDawidSkene({});
        const model::Snapshot s = snapshotOf(world);
        QVERIFY(runUnsaved(s, QStringLiteral("no-such-method")).error.contains(QLatin1String("no-such-method")));
    }
};

QTEST_GUILESS_MAIN(TestAggregationJob)
#include "tst_aggregationjob.moc"
