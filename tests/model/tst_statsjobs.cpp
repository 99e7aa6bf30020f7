// Worker-thread statistics jobs (statsjobs.h): the result equals calling aggregation/ directly,
// progress reaches 1000, cancel stops a running job without a result, and errors come back in
// JobResult. Waits use QSignalSpy, never sleep.

#include "statsjobs.h"

#include "methods.h"
#include "synthetic.h"

#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QSignalSpy>
#include <QThreadPool>
#include <QtTest>

#include <cmath>

using namespace chorus;
using namespace chorus::model;

namespace {

agg::SyntheticWorld world(int32_t items, int32_t annotators, int32_t labels, int32_t perItem, uint64_t seed)
{
    return agg::generateDawidSkene({.numItems = items, .numAnnotators = annotators, .numLabels = labels,
                                    .labelsPerItem = perItem, .seed = seed});
}

// Same double, NaN included (the job must give bit-identical results to the direct call).
bool same(double a, double b)
{
    return (std::isnan(a) && std::isnan(b)) || a == b;
}

template <typename T>
JobResult<T> waitFor(QFuture<JobResult<T>> future, QFutureWatcher<JobResult<T>>& watcher)
{
    QSignalSpy finished(&watcher, &QFutureWatcherBase::finished);
    watcher.setFuture(future);
    if (!watcher.isFinished())
        finished.wait(120000);
    if (!watcher.isFinished() || future.resultCount() != 1)
        return JobResult<T>{{}, QStringLiteral("no result"), false};
    return future.result();
}

// Waits until `future`'s progress is above `runningAbove`, cancels it, and checks that it
// finishes promptly (within 10 s), canceled, without a result.
template <typename T>
void checkCancelWhileRunning(QFuture<T> future, int runningAbove)
{
    QFutureWatcher<T> watcher;
    QSignalSpy progress(&watcher, &QFutureWatcherBase::progressValueChanged);
    QSignalSpy finished(&watcher, &QFutureWatcherBase::finished);
    watcher.setFuture(future);
    while (watcher.progressValue() <= runningAbove && !watcher.isFinished())
        QVERIFY(progress.wait(60000));
    QVERIFY(!watcher.isFinished());
    QElapsedTimer timer;
    timer.start();
    watcher.cancel();
    if (!watcher.isFinished())
        QVERIFY(finished.wait(30000));
    QVERIFY2(timer.elapsed() < 10000, qPrintable(QString::number(timer.elapsed())));
    QVERIFY(watcher.isCanceled());
    QCOMPARE(watcher.future().resultCount(), 0);
}

} // namespace

class TestStatsJobs : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void agreementEqualsDirectCall();
    void evaluationEqualsDirectCall();
    void cancelRunningBootstrap();
    void cancelRunningEvaluation();
    void errorsComeBackInTheResult();

private:
    std::unique_ptr<QThreadPool> m_pool;
};

void TestStatsJobs::init()
{
    m_pool = std::make_unique<QThreadPool>();
    m_pool->setMaxThreadCount(2);
}

void TestStatsJobs::cleanup()
{
    QVERIFY(m_pool->waitForDone(60000));
    m_pool.reset();
}

void TestStatsJobs::agreementEqualsDirectCall()
{
    const agg::SyntheticWorld w = world(3000, 40, 4, 5, 11);
    AgreementRequest req;
    req.options.alphaMetric = agg::AlphaMetric::Ordinal;
    req.bootstrap.replicates = 300;
    req.bootstrap.seed = 42;
    req.bootstrap.threads = 2;

    QFutureWatcher<JobResult<AgreementReport>> watcher;
    const auto r = waitFor(agreementAsync(m_pool.get(), w.matrix, req), watcher);
    QVERIFY2(r.ok(), qPrintable(r.error));
    QCOMPARE(watcher.progressValue(), 1000);

    const agg::AgreementResult a = agg::computeAgreement(w.matrix, req.options);
    const agg::AgreementIntervals iv = agg::bootstrapAgreement(w.matrix, req.options, req.bootstrap);
    const agg::AgreementResult& b = r.value.agreement;
    QCOMPARE(b.itemsUsed, a.itemsUsed);
    QCOMPARE(b.labelsUsed, a.labelsUsed);
    QVERIFY(same(b.percentAgreement.value, a.percentAgreement.value));
    QVERIFY(same(b.fleissKappa.value, a.fleissKappa.value));
    QVERIFY(same(b.krippendorffAlpha.value, a.krippendorffAlpha.value));
    QVERIFY(same(b.scottPi.value, a.scottPi.value));
    QVERIFY(same(b.gwetAc1.value, a.gwetAc1.value));
    QCOMPARE(b.fleissPerLabel.size(), a.fleissPerLabel.size());
    for (size_t l = 0; l < a.fleissPerLabel.size(); ++l)
        QVERIFY(same(b.fleissPerLabel[l].value, a.fleissPerLabel[l].value));
    QCOMPARE(b.cohenPairs.size(), a.cohenPairs.size());
    for (size_t k = 0; k < a.cohenPairs.size(); ++k) {
        QCOMPARE(b.cohenPairs[k].n, a.cohenPairs[k].n);
        QVERIFY(same(b.cohenPairs[k].kappa.value, a.cohenPairs[k].kappa.value));
    }
    QCOMPARE(r.value.intervals.replicates, 300);
    QVERIFY(iv.fleissKappa.defined());
    QVERIFY(same(r.value.intervals.fleissKappa.lo, iv.fleissKappa.lo));
    QVERIFY(same(r.value.intervals.fleissKappa.hi, iv.fleissKappa.hi));
    QVERIFY(same(r.value.intervals.krippendorffAlpha.lo, iv.krippendorffAlpha.lo));
    QVERIFY(same(r.value.intervals.krippendorffAlpha.hi, iv.krippendorffAlpha.hi));
}

void TestStatsJobs::evaluationEqualsDirectCall()
{
    const agg::SyntheticWorld w = world(1500, 30, 3, 5, 5);
    EvaluationRequest req;
    req.methods = {"mv", "ds", "kos"};  // kos refuses 3 labels: recorded, the others still run
    req.seed = 3;
    QFutureWatcher<JobResult<EvaluationReport>> watcher;
    const auto r = waitFor(evaluationAsync(m_pool.get(), w.matrix, w.truth, req), watcher);
    QVERIFY2(r.ok(), qPrintable(r.error));
    QCOMPARE(watcher.progressValue(), 1000);
    const EvaluationReport& rep = r.value;
    QCOMPARE(rep.goldItems, int64_t(1500));

    // Annotators (each labels about a sixth of the items): their labels scored directly on the
    // items they answered; coverage over all gold items.
    QCOMPARE(rep.annotators.size(), size_t(30));
    std::vector<double> trueAccuracy(30);
    double sumF1 = 0;
    for (int32_t a = 0; a < 30; ++a) {
        std::vector<int32_t> pred(1500), answeredGold(1500, -1);
        int answered = 0, correct = 0;
        for (int32_t i = 0; i < 1500; ++i) {
            pred[i] = w.matrix.labelOf(i, a);
            if (pred[i] != agg::kNoPrediction) {
                answeredGold[i] = w.truth[i];
                ++answered;
                correct += pred[i] == w.truth[i];
            }
        }
        QVERIFY(answered > 100 && answered < 500);
        const agg::EvaluationResult e = agg::evaluate(pred, answeredGold, 3);
        QCOMPARE(rep.annotators[a].predictions, pred);
        QVERIFY(same(rep.annotators[a].result.macroF1, e.macroF1));
        QVERIFY(same(rep.annotators[a].result.accuracy, double(correct) / answered));
        QVERIFY(same(rep.annotators[a].result.coverage, answered / 1500.0));
        QCOMPARE(rep.annotators[a].result.items, int64_t(answered));
        QCOMPARE(rep.annotators[a].result.confusion, e.confusion);
        trueAccuracy[a] = double(correct) / double(answered);
        sumF1 += e.macroF1;
    }
    QCOMPARE(rep.annotatorsRanked, 30);
    QVERIFY(std::abs(rep.meanAnnotatorMacroF1 - sumF1 / 30) < 1e-12);
    QVERIFY(rep.bestAnnotator >= 0);
    for (const auto& a : rep.annotators)
        QVERIFY(a.result.macroF1 <= rep.annotators[rep.bestAnnotator].result.macroF1);

    // Methods: aggregate() then evaluate() and the competence correlations.
    QCOMPARE(rep.methods.size(), size_t(3));
    for (int m = 0; m < 2; ++m) {
        const PredictionEvaluation& got = rep.methods[m];
        QCOMPARE(got.name, req.methods[m]);
        QVERIFY(got.error.empty());
        agg::AggregationInput in;
        in.matrix = &w.matrix;
        in.seed = 3;
        const agg::AggregationResult ar = agg::aggregate(req.methods[m], in);
        const agg::EvaluationResult e = agg::evaluate(ar.labels, w.truth, 3);
        QCOMPARE(got.predictions, ar.labels);
        QVERIFY(same(got.result.macroF1, e.macroF1));
        QVERIFY(same(got.result.weightedF1, e.weightedF1));
        QVERIFY(same(got.spearman.r.value, agg::spearman(ar.competence, trueAccuracy).r.value));
        QVERIFY(same(got.pearson.r.value, agg::pearson(ar.competence, trueAccuracy).r.value));
        QVERIFY(got.spearman.r.value > 0.5);  // good annotators are recognised as good
    }
    QCOMPARE(rep.methods[2].name, std::string("kos"));
    QVERIFY(!rep.methods[2].error.empty());
}

// A bootstrap far too long to finish is canceled once it is running: the future finishes
// promptly, canceled, without a result.
void TestStatsJobs::cancelRunningBootstrap()
{
    const agg::SyntheticWorld w = world(20000, 100, 3, 5, 2);
    AgreementRequest req;
    req.bootstrap.replicates = 2'000'000;
    req.bootstrap.threads = 2;
    // Canceled once the bootstrap (progress above the first tenth) is under way.
    checkCancelWhileRunning(agreementAsync(m_pool.get(), w.matrix, req), 100);
}

void TestStatsJobs::cancelRunningEvaluation()
{
    const agg::SyntheticWorld w = world(100000, 200, 4, 5, 9);
    EvaluationRequest req;
    req.methods = {"ds", "glad", "mace", "ds", "glad", "mace"};
    checkCancelWhileRunning(evaluationAsync(m_pool.get(), w.matrix, w.truth, req), 0);
}

void TestStatsJobs::errorsComeBackInTheResult()
{
    const agg::SyntheticWorld w = world(200, 10, 3, 5, 1);
    QFutureWatcher<JobResult<EvaluationReport>> watcher;
    const auto r = waitFor(evaluationAsync(m_pool.get(), w.matrix, std::vector<int32_t>(200, -1), {}), watcher);
    QVERIFY(!r.ok());
    QVERIFY(!r.canceled);
    QVERIFY2(r.error.contains(QStringLiteral("no item has a gold label")), qPrintable(r.error));

    AgreementRequest bad;
    bad.options.alphaMetric = agg::AlphaMetric::Interval;
    bad.options.labelValues = {1.0};  // 3 labels need 3 values
    QFutureWatcher<JobResult<AgreementReport>> w2;
    const auto r2 = waitFor(agreementAsync(m_pool.get(), w.matrix, bad), w2);
    QVERIFY(!r2.ok());
    QVERIFY(!r2.error.isEmpty());
}

QTEST_GUILESS_MAIN(TestStatsJobs)
#include "tst_statsjobs.moc"
