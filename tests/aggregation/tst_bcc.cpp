// BCC: one VB iteration worked by hand, the issue-4 edge cases, controls, cancellation, the
// ELBO never decreasing, and recovery of a synthetic Dawid-Skene world.

#include "methods.h"
#include "synthetic.h"
#include "tst_common.h"
#include "tst_edgecases.h"

#include <QtTest>

#include <cmath>

using namespace chorus;

namespace {

/// Posterior P(class 0) of a binary item from its log-odds s0 - s1.
double fromLogOdds(double d)
{
    return 1.0 / (1.0 + std::exp(-d));
}

} // namespace

class TestBcc : public QObject
{
    Q_OBJECT

private slots:
    // One VB iteration by hand with the defaults alpha = 1, a_v = 4, b_v = 1, on two annotators,
    // three items, labels {0, 1}:
    //   item 0: a0=0, a1=0     MV shares T0 = (1, 0)
    //   item 1: a0=0, a1=1     T1 = (1/2, 1/2)
    //   item 2: a0=1           T2 = (0, 1)
    // M-step. nu = alpha + sum_i T_i = (2.5, 2.5): equal, so E[log tau] cancels below.
    //   mu_a0,k=0 = (4 + 1 + 1/2, 1 + 0)     = (5.5, 1)    sum 6.5
    //   mu_a0,k=1 = (1 + 1/2,     4 + 1)     = (1.5, 5)    sum 6.5
    //   mu_a1,k=0 = (4 + 1,       1 + 1/2)   = (5, 1.5)    sum 6.5
    //   mu_a1,k=1 = (1 + 0,       4 + 1/2)   = (1, 4.5)    sum 5.5
    // Digamma values (psi(1) = -gamma, psi(x + 1) = psi(x) + 1/x):
    //   psi(1) = -0.577216, psi(1.5) = 0.036490, psi(4.5) = 1.388871, psi(5) = 1.506118,
    //   psi(5.5) = 1.611093, psi(6.5) = psi(5.5) + 1/5.5 = 1.792911
    // E-step, log-odds d_i = log T_i0 - log T_i1 = sum_a [E log v_a0(x) - E log v_a1(x)]:
    //   item 0: [psi(5.5) - psi(6.5)] + [psi(5) - psi(6.5)] - [psi(1.5) - psi(6.5)]
    //           - [psi(1) - psi(5.5)]
    //         = (psi(5) - psi(1)) + (psi(5.5) - psi(1.5)) - 1/5.5
    //         = 25/12 + (2/3 + 2/5 + 2/7 + 2/9) - 2/11 = 3.476118   -> T0 = (0.970001, 0.029999)
    //   item 1: [psi(5.5) - psi(6.5)] + [psi(1.5) - psi(6.5)] - [psi(1.5) - psi(6.5)]
    //           - [psi(4.5) - psi(5.5)]
    //         = -2/11 + 2/9 = 4/99 = 0.040404                       -> T1 = (0.510100, 0.489900)
    //   item 2: [psi(1) - psi(6.5)] - [psi(5) - psi(6.5)] = -(1 + 1/2 + 1/3 + 1/4) = -25/12
    //                                                               -> T2 = (0.110727, 0.889273)
    // Competence from the M-step after that E-step (posterior means):
    //   E tau_k = (1 + sum_i T_ik) / (2 + 3);  E v_ak(k) = (4 + c_akk) / (5 + sum_l c_akl)
    //   with c_akl = sum over a's labels l of T_ik: a0 = 0.798411, a1 = 0.789339.
    void handWorkedIteration()
    {
        const auto m = agg::LabelMatrix::build(
            3, 2, 2, {{0, 0, 0}, {0, 1, 0}, {1, 0, 0}, {1, 1, 1}, {2, 0, 1}});
        agg::AggregationInput in;
        in.matrix = &m;
        in.params = {{"max_iter", 1}};
        const auto r = agg::aggregate("bcc", in);
        const double d0 = 25.0 / 12 + 2.0 / 3 + 2.0 / 5 + 2.0 / 7 + 2.0 / 9 - 2.0 / 11;
        const double d1 = 4.0 / 99, d2 = -25.0 / 12;
        const double t[3] = {fromLogOdds(d0), fromLogOdds(d1), fromLogOdds(d2)};
        QCOMPARE(r.iterations, 1);
        QVERIFY(!r.converged);
        for (int i = 0; i < 3; ++i) {
            QVERIFY2(std::abs(r.posteriorAt(i, 0) - t[i]) < 1e-9, QByteArray::number(i));
            QVERIFY(std::abs(r.posteriorAt(i, 1) - (1 - t[i])) < 1e-9);
        }
        QVERIFY(std::abs(t[0] - 0.970001) < 1e-6);
        QVERIFY(std::abs(t[1] - 0.510100) < 1e-6);
        QVERIFY(std::abs(t[2] - 0.110727) < 1e-6);
        QCOMPARE(r.labels, (std::vector<int32_t>{0, 0, 1}));

        const double tau0 = (1 + t[0] + t[1] + t[2]) / 5, tau1 = 1 - tau0;
        // a0 labelled items 0 and 1 with 0, item 2 with 1; a1 item 0 with 0, item 1 with 1.
        const double a0 = tau0 * (4 + t[0] + t[1]) / (5 + t[0] + t[1] + t[2])
                          + tau1 * (4 + (1 - t[2])) / (5 + (1 - t[0]) + (1 - t[1]) + (1 - t[2]));
        const double a1 = tau0 * (4 + t[0]) / (5 + t[0] + t[1])
                          + tau1 * (4 + (1 - t[1])) / (5 + (1 - t[0]) + (1 - t[1]));
        QVERIFY(std::abs(r.competence[0] - a0) < 1e-9);
        QVERIFY(std::abs(r.competence[1] - a1) < 1e-9);
        QVERIFY(std::abs(a0 - 0.798411) < 1e-6);
        QVERIFY(std::abs(a1 - 0.789339) < 1e-6);
    }

    void edgeCases_data() { test::addEdgeCaseRows(); }
    void edgeCases() { test::checkEdgeCase("bcc"); }

    // Two annotators who contradict each other on every item cannot be told apart from the
    // labels alone (a0 says t, a1 says 1 - t). Controls on four items, where a0 is right, teach
    // the model to trust a0 on the other items, and the controls keep their known label.
    void controlsTeachWhoToTrust()
    {
        const auto r = test::checkControlsTeachWhoToTrust("bcc");
        // With near one-hot posteriors each class row of a0 has counts (10 right, 0 wrong) and of
        // a1 (0 right, 10 wrong); the prior keeps them near (4 + 10)/15 = 0.93 and 4/15 = 0.27.
        QVERIFY(r.competence[0] > 0.85);
        QVERIFY(r.competence[1] < 0.35);
    }

    // A cancel makes the run throw Canceled; progress runs per iteration up to done == total.
    void cancelAndProgress()
    {
        const auto w = agg::generateDawidSkene({.numItems = 500, .numAnnotators = 20, .seed = 3});
        const agg::AggregationInput in = test::inputOn(w.matrix);
        test::checkCancelAndProgress("bcc", in, 0);  // a report per iteration at least
    }

    // Both VB steps are coordinate ascent on the evidence lower bound, so the trace never
    // decreases (up to rounding).
    void elboNeverDecreases() { test::checkObjectiveNeverDecreases("bcc", {{"tol", 1e-8}}); }

    // Good, mediocre and spamming annotators (seeded): BCC beats MV and orders the annotators
    // like their true accuracies.
    void syntheticRecovery() { test::checkSyntheticRecovery("bcc", test::recoveryWorld()); }

    void parametersValidated_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<double>("value");
        QTest::newRow("unknownKey") << "tolerance" << 1e-3;
        QTest::newRow("zeroDiagonalPrior") << "a_v" << 0.0;
        QTest::newRow("negativeOffDiagonalPrior") << "b_v" << -1.0;
        QTest::newRow("zeroClassPrior") << "alpha" << 0.0;
        QTest::newRow("zeroIterations") << "max_iter" << 0.0;
        QTest::newRow("fractionalIterations") << "max_iter" << 2.5;
    }
    void parametersValidated()
    {
        QFETCH(QString, key);
        QFETCH(double, value);
        test::checkParameterRejected("bcc", key.toStdString(), value);
    }
};

QTEST_GUILESS_MAIN(TestBcc)
#include "tst_bcc.moc"
