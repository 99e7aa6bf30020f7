// CRH: one weight round worked by hand, the issue-4 edge cases, and recovery of a synthetic
// Dawid-Skene world.

#include "methods.h"
#include "synthetic.h"
#include "tst_common.h"
#include "tst_edgecases.h"

#include <QtTest>

#include <cmath>

using namespace chorus;

class TestCrh : public QObject
{
    Q_OBJECT

private slots:
    // Three annotators, three items, labels {0, 1}, smoothing s = 1 (chance loss 1 - 1/2 = 1/2):
    //   item 0: a0=0, a1=0, a2=1      MV 0
    //   item 1: a0=1, a1=1, a2=1      MV 1
    //   item 2: a0=0, a1=1            MV tie -> 0 (smallest label)
    // Losses against (0, 1, 0), loss_a = (errors + 1/2) / (n + 1):
    //   a0: 0 errors of 3 -> 1/8;  a1: 1 error of 3 -> 3/8;  a2: 1 error of 2 -> 1/2
    //   sum = 1, so w_a = -log(loss_a): w0 = log 8, w1 = log(8/3), w2 = log 2
    // Weighted vote:
    //   item 0: P(0) = (log 8 + log(8/3)) / (log 8 + log(8/3) + log 2) = 3.0603 / 3.7534 = 0.81533
    //   item 1: P(1) = 1
    //   item 2: P(0) = log 8 / (log 8 + log(8/3)) = 2.0794 / 3.0603 = 0.67949
    // Labels stay (0, 1, 0), so the run converges after one round.
    // Competence = 1 - loss = (7/8, 5/8, 1/2).
    void handWorkedRound()
    {
        const auto m = test::threeItemExample();
        const auto r = agg::aggregate("crh", test::inputOn(m));
        const double w0 = std::log(8.0), w1 = std::log(8.0 / 3.0), w2 = std::log(2.0);
        QCOMPARE(r.iterations, 1);
        QVERIFY(r.converged);
        QCOMPARE(r.labels, (std::vector<int32_t>{0, 1, 0}));
        QVERIFY(std::abs(r.posteriorAt(0, 0) - (w0 + w1) / (w0 + w1 + w2)) < 1e-12);
        QVERIFY(std::abs(r.posteriorAt(0, 0) - 0.81533) < 1e-5);
        QCOMPARE(r.posteriorAt(1, 1), 1.0);
        QVERIFY(std::abs(r.posteriorAt(2, 0) - w0 / (w0 + w1)) < 1e-12);
        QVERIFY(std::abs(r.posteriorAt(2, 0) - 0.67949) < 1e-5);
        QVERIFY(std::abs(r.competence[0] - 7.0 / 8.0) < 1e-12);
        QVERIFY(std::abs(r.competence[1] - 5.0 / 8.0) < 1e-12);
        QVERIFY(std::abs(r.competence[2] - 1.0 / 2.0) < 1e-12);
    }

    // Weights can overturn the majority: a0 is always with the consensus on items 0-5, a1 and
    // a2 always against it; on item 6 a1 and a2 outvote a0. With s = 1 after the first round:
    //   items 0-5: a0, a3, a4 say t (= i % 2), a1 and a2 say 1 - t; item 6: a0 = 0, a1 = a2 = 1.
    //   MV: items 0-5 -> t (3 vs 2), item 6 -> 1 (2 vs 1).
    //   a0: 1 error of 7 -> (1 + 1/2)/8 = 3/16; a1, a2: 6 errors of 7 -> (6 + 1/2)/8 = 13/16;
    //   a3, a4: 0 errors of 6 -> (1/2)/7 = 1/14.  sum = 3/16 + 26/16 + 2/14 = 1.9518
    //   w0 = -log(0.1875/1.9518) = 2.3427, w1 = w2 = -log(0.8125/1.9518) = 0.8764
    //   item 6: label 0 gets 2.3427 > label 1's 1.7528, so CRH picks 0.
    void weightsOverturnMajority()
    {
        std::vector<agg::Annotation> anns;
        for (int32_t i = 0; i < 6; ++i) {
            const int32_t t = i % 2;
            anns.push_back({i, 0, t});
            anns.push_back({i, 1, 1 - t});
            anns.push_back({i, 2, 1 - t});
            anns.push_back({i, 3, t});
            anns.push_back({i, 4, t});
        }
        anns.push_back({6, 0, 0});
        anns.push_back({6, 1, 1});
        anns.push_back({6, 2, 1});
        const auto m = agg::LabelMatrix::build(7, 5, 2, anns);
        agg::AggregationInput in;
        in.matrix = &m;
        QCOMPARE(agg::majorityVote(in).labels[6], 1);
        in.params = {{"max_iter", 1}};
        const auto r = agg::aggregate("crh", in);
        QCOMPARE(r.labels[6], 0);
        const double sum = 3.0 / 16 + 26.0 / 16 + 2.0 / 14;
        const double w0 = -std::log(3.0 / 16 / sum), w1 = -std::log(13.0 / 16 / sum);
        QVERIFY(std::abs(r.posteriorAt(6, 0) - w0 / (w0 + 2 * w1)) < 1e-12);
    }

    void edgeCases_data() { test::addEdgeCaseRows(); }
    void edgeCases() { test::checkEdgeCase("crh"); }

    // Good, mediocre and spamming annotators (seeded): CRH beats MV and orders the annotators
    // like their true accuracies.
    void syntheticRecovery() { test::checkSyntheticRecovery("crh", test::recoveryWorld()); }

    void unknownParameterRejected() { test::checkUnknownParameterRejected("crh"); }
};

QTEST_GUILESS_MAIN(TestCrh)
#include "tst_crh.moc"
