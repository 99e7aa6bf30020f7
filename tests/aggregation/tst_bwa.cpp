// BWA: one update round worked by hand, the issue-4 edge cases, and recovery of a synthetic
// Dawid-Skene world.

#include "methods.h"
#include "synthetic.h"
#include "tst_common.h"
#include "tst_edgecases.h"

#include <QtTest>

#include <cmath>

using namespace chorus;

class TestBwa : public QObject
{
    Q_OBJECT

private slots:
    // One round by hand, a_v = 15, lambda = 1, on three annotators, three items, labels {0, 1}:
    //   item 0: a0=0, a1=0, a2=1      MV shares z = (2/3, 1/3), sum_k z(1-z) = 4/9
    //   item 1: a0=1, a1=1, a2=1      z = (0, 1), sum_k z(1-z) = 0
    //   item 2: a0=0, a1=1            z = (1/2, 1/2), sum_k z(1-z) = 1/2
    // b_v = 15 * (3 * 4/9 + 3 * 0 + 2 * 1/2) / 8 = 15 * 7/24 = 35/8
    // mu = mean z = (7/18, 11/18)
    // squared errors sum_k (z_k - y_k)^2:
    //   a0: item 0 (y=0) 1/9 + 1/9 = 2/9, item 1 0, item 2 (y=0) 1/2  -> 13/18, N = 3
    //   a1: item 0 2/9, item 1 0, item 2 (y=1) 1/2                     -> 13/18, N = 3
    //   a2: item 0 (y=1) 4/9 + 4/9 = 8/9, item 1 0                     -> 8/9,   N = 2
    //   v0 = v1 = 18 / (35/8 + 13/18) = 1296/367 = 3.53134;  v2 = 17 / (35/8 + 8/9) = 1224/379
    // z update:
    //   item 0: P(0) = (7/18 + v0 + v1) / (1 + v0 + v1 + v2) = 7.45156 / 11.29222 = 0.65988
    //   item 1: P(0) = (7/18) / (1 + v0 + v1 + v2) = 0.03444
    //   item 2: P(0) = (7/18 + v0) / (1 + v0 + v1) = 3.92023 / 8.06267 = 0.48622 -> label 1
    // Competence = 1 - 1/(2 v): a0 = a1 = 1 - 367/2592 = 0.85841, a2 = 1 - 379/2448 = 0.84518.
    void handWorkedRound()
    {
        const auto m = test::threeItemExample();
        const auto r = agg::aggregate("bwa", test::inputOn(m, {{"max_iter", 1}}));
        const double v0 = 1296.0 / 367.0, v2 = 1224.0 / 379.0, mu0 = 7.0 / 18.0;
        QCOMPARE(r.iterations, 1);
        QVERIFY(std::abs(r.posteriorAt(0, 0) - (mu0 + 2 * v0) / (1 + 2 * v0 + v2)) < 1e-12);
        QVERIFY(std::abs(r.posteriorAt(0, 0) - 0.65988) < 1e-5);
        QVERIFY(std::abs(r.posteriorAt(1, 0) - mu0 / (1 + 2 * v0 + v2)) < 1e-12);
        QVERIFY(std::abs(r.posteriorAt(2, 0) - (mu0 + v0) / (1 + 2 * v0)) < 1e-12);
        QVERIFY(std::abs(r.posteriorAt(2, 0) - 0.48622) < 1e-5);
        QCOMPARE(r.labels, (std::vector<int32_t>{0, 1, 1}));
        QVERIFY(std::abs(r.competence[0] - (1 - 367.0 / 2592.0)) < 1e-12);
        QVERIFY(std::abs(r.competence[2] - (1 - 379.0 / 2448.0)) < 1e-12);
        for (int i = 0; i < 3; ++i)
            QVERIFY(std::abs(r.posteriorAt(i, 0) + r.posteriorAt(i, 1) - 1) < 1e-12);
    }

    void edgeCases_data() { test::addEdgeCaseRows(); }
    void edgeCases() { test::checkEdgeCase("bwa"); }

    // Good, mediocre and spamming annotators (seeded): BWA beats MV and orders the annotators
    // like their true accuracies.
    void syntheticRecovery() { test::checkSyntheticRecovery("bwa", test::recoveryWorld()); }

    void unknownParameterRejected() { test::checkUnknownParameterRejected("bwa"); }
};

QTEST_GUILESS_MAIN(TestBwa)
#include "tst_bwa.moc"
