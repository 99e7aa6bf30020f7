// One-coin Dawid-Skene and ZenCrowd: hand-derived E-steps and crowd-kit 1.4.1's
// OneCoinDawidSkene on the real datasets.

#include "methods.h"
#include "tst_common.h"

#include <QtTest>

#include <cmath>

using namespace chorus;

class TestOneCoin : public QObject
{
    Q_OBJECT

private slots:
    // ZenCrowd's first E-step from reliability 0.8, two labels, uniform prior:
    //   item 0 labelled (0, 0, 1): P(0) ∝ .8*.8*.2 = .128, P(1) ∝ .2*.2*.8 = .032 -> P(0) = 0.8
    //   item 1 labelled (1, 1):    P(1) ∝ .8*.8 = .64,    P(0) ∝ .2*.2 = .04     -> P(1) = 16/17
    // M-step: a0 = (0.8 + 16/17)/2, a1 = (0.8 + 16/17)/2, a2 = 0.2 (its only label, on item 0,
    // has posterior 0.2).
    void zenCrowdHandStep()
    {
        const auto m = agg::LabelMatrix::build(2, 3, 2, {{0, 0, 0}, {0, 1, 0}, {0, 2, 1}, {1, 0, 1}, {1, 1, 1}});
        agg::AggregationInput in;
        in.matrix = &m;
        in.params = {{"max_iter", 1}};
        const auto r = agg::zenCrowd(in);
        QVERIFY(std::abs(r.posteriorAt(0, 0) - 0.8) < 1e-12);
        QVERIFY(std::abs(r.posteriorAt(1, 1) - 16.0 / 17.0) < 1e-12);
        QVERIFY(std::abs(r.competence[0] - (0.8 + 16.0 / 17.0) / 2) < 1e-12);
        QVERIFY(std::abs(r.competence[2] - 0.2) < 1e-12);
    }

    // One-coin's errors: with skill s, P(x | k) = s if x == k else (1-s)/(K-1). Three labels,
    // annotators a0 (labels 0 on both items) and a1 (labels 0, then 2); MV posterior:
    //   item 0: (1, 0, 0); item 1: (1/2, 0, 1/2). Priors (3/4, 0, 1/4).
    //   s0 = (1 + 1/2)/2 = 3/4; s1 = (1 + 1/2)/2 = 3/4.
    // E-step item 1 (a0 says 0, a1 says 2):
    //   k=0: 3/4 * 3/4 * 1/8 = 9/128;  k=1: prior 0 -> 0;  k=2: 1/4 * 1/8 * 3/4 = 3/128
    //   P = (3/4, 0, 1/4)
    void oneCoinHandStep()
    {
        const auto m = agg::LabelMatrix::build(2, 2, 3, {{0, 0, 0}, {0, 1, 0}, {1, 0, 0}, {1, 1, 2}});
        agg::AggregationInput in;
        in.matrix = &m;
        in.params = {{"max_iter", 1}};
        const auto r = agg::oneCoinDawidSkene(in);
        QVERIFY(std::abs(r.posteriorAt(1, 0) - 0.75) < 1e-9);
        QVERIFY(r.posteriorAt(1, 1) < 1e-9);
        QVERIFY(std::abs(r.posteriorAt(1, 2) - 0.25) < 1e-9);
    }

    void oneCoinReference_data() { test::addReferenceRows(false); }

    // crowd-kit OneCoinDawidSkene(n_iter=100, tol=1e-5): accuracy within 1 point (or better),
    // the same labels, skills and iteration count.
    void oneCoinReference()
    {
        const auto run = test::runReferenceRow("OneCoinDawidSkene", "", "onecoin", agg::oneCoinDawidSkene, 0.98);
        if (!run)
            return;
        const double worst = run->largestSkillDifference();
        qInfo("  largest skill difference %.1e", worst);
        QCOMPARE(run->r.iterations, run->c.ref["iterations"].get<int>());
        QVERIFY(worst < 1e-3);
    }

    void zenCrowdOnRealData_data() { test::addReferenceRows(false); }

    // ZenCrowd has no crowd-kit counterpart; it shares one-coin's likelihood, so its accuracy is
    // held to the same bar as crowd-kit's one-coin model.
    void zenCrowdOnRealData()
    {
        const auto run = test::runReferenceRow("OneCoinDawidSkene", "", "zc (against one-coin)", agg::zenCrowd);
        if (run)
            QVERIFY(run->r.converged);
    }
};

QTEST_GUILESS_MAIN(TestOneCoin)
#include "tst_onecoin.moc"
