// Crowd design on a worker thread (model/jobs/crowdjobs.h): the result of a hand-derived case
// arrives with progress at its end, and a cancel stops a long search.

#include "crowdjobs.h"
#include "errors.h"
#include "synthetic.h"

#include <QFutureWatcher>
#include <QSignalSpy>
#include <QtTest>

#include <cmath>

using namespace chorus;

namespace {

// Twelve items, gold a b c a b c ...; four annotators (as in tst_crowd): A0 wrong on items 8
// (a for c) and 10 (c for b).
agg::LabelMatrix handMatrix(std::vector<int32_t>& gold)
{
    const std::vector<std::vector<int32_t>> labels{
        {0, 1, 2, 0, 1, 2, 0, 1, 0, 0, 2, 2},
        {0, 1, 1, 0, 2, 2, 0, 0, 2, 1, 1, 2},
        {1, 1, 2, 2, 1, 0, 0, 1, 2, 0, -1, 1},
        {0, 2, 2, 0, 1, 1, 1, 1, -2, 0, 1, 0},
    };
    gold = {0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2};
    std::vector<agg::Annotation> anns;
    for (int32_t a = 0; a < 4; ++a)
        for (int32_t i = 0; i < 12; ++i)
            if (labels[a][i] != -2)
                anns.push_back({i, a, labels[a][i]});
    return agg::LabelMatrix::build(12, 4, 3, anns);
}

} // namespace

class TestCrowdJob : public QObject
{
    Q_OBJECT

private slots:
    void resultAndProgress()
    {
        std::vector<int32_t> gold;
        agg::LabelMatrix m = handMatrix(gold);
        agg::CrowdOptions o;
        o.methods = {"mv", "ds"};
        o.costs = {0.5, 1, 1, 1};
        o.maxCost = 0.5;  // only A0 fits
        o.selectFraction = 1;
        QThreadPool pool;
        QFutureWatcher<model::JobResult<agg::CrowdDesign>> watcher;
        QSignalSpy finished(&watcher, &QFutureWatcherBase::finished);
        QSignalSpy progress(&watcher, &QFutureWatcherBase::progressValueChanged);
        watcher.setFuture(model::crowdDesignAsync(&pool, std::move(m), gold, o));
        QVERIFY(finished.wait(60000));
        QCOMPARE(watcher.future().resultCount(), 1);
        const auto r = watcher.result();
        QVERIFY2(r.ok(), qPrintable(r.error));
        const agg::CrowdDesign& d = r.value;
        QVERIFY(d.recommended >= 0);
        const agg::CrowdCandidate& rec = d.candidates[static_cast<size_t>(d.recommended)];
        QCOMPARE(rec.members, std::vector<int32_t>{0});
        // A0's macro-F1: a 8/9 (TP 4, FP 1), b 6/7 (TP 3, FN 1), c 6/8 (TP 3, FP 1, FN 1).
        QVERIFY(std::abs(rec.selection.macroF1 - (8.0 / 9 + 6.0 / 7 + 6.0 / 8) / 3) < 1e-12);
        QCOMPARE(watcher.progressValue(), 1000);
        QVERIFY(!progress.isEmpty());
    }

    void cancelStopsTheSearch()
    {
        agg::SyntheticWorld w = agg::generateDawidSkene(
            {.numItems = 2000, .numAnnotators = 13, .numLabels = 5, .labelsPerItem = 13, .seed = 5});
        agg::CrowdOptions o;  // 5 methods and the curve: minutes on this size
        QThreadPool pool;
        QFutureWatcher<model::JobResult<agg::CrowdDesign>> watcher;
        QSignalSpy finished(&watcher, &QFutureWatcherBase::finished);
        QSignalSpy progress(&watcher, &QFutureWatcherBase::progressValueChanged);
        watcher.setFuture(model::crowdDesignAsync(&pool, std::move(w.matrix), w.truth, o));
        QVERIFY(progress.wait(60000));  // running
        watcher.cancel();
        QVERIFY(finished.wait(120000));
        QVERIFY(watcher.isCanceled());
        QCOMPARE(watcher.future().resultCount(), 0);  // a canceled promise keeps no result
        QVERIFY(watcher.progressValue() < 1000);
        pool.waitForDone();
    }

    // aggregateMembers: majority vote of annotators 1 and 3 only, against their labels read
    // from the table in handMatrix() (a tie goes to the first label; item 8, which A3 did not
    // answer, has A1's label). A0 and A2 get no competence; bad member lists are refused.
    void aggregateWithSomeAnnotators()
    {
        std::vector<int32_t> gold;
        const agg::LabelMatrix m = handMatrix(gold);
        agg::AggregationInput in;
        in.matrix = &m;
        const agg::AggregationResult r = model::aggregateMembers("mv", in, {1, 3});
        //                     items 0  1  2  3  4  5  6  7  8  9  10 11
        // A1:                       0  1  1  0  2  2  0  0  2  1  1  2
        // A3:                       0  2  2  0  1  1  1  1  -  0  1  0
        const std::vector<int32_t> want{0, 1, 1, 0, 1, 1, 0, 0, 2, 0, 1, 0};
        QCOMPARE(r.labels, want);
        QCOMPARE(r.competence.size(), size_t(4));
        QVERIFY(std::isnan(r.competence[0]) && std::isnan(r.competence[2]));
        // mv's competence is agreement with its labels: A1 differs on items 4, 5, 9 and 11.
        QVERIFY(std::abs(r.competence[1] - 8.0 / 12) < 1e-12);
        for (const std::vector<int32_t>& bad : {std::vector<int32_t>{}, std::vector<int32_t>{3, 1},
                                                 std::vector<int32_t>{1, 1}, std::vector<int32_t>{4}})
            QVERIFY_THROWS_EXCEPTION(model::Error, model::aggregateMembers("mv", in, bad));
    }
};

QTEST_GUILESS_MAIN(TestCrowdJob)
#include "tst_crowdjob.moc"
