// EBCC: one VB iteration worked by hand with one subtype per class, one iteration with two
// subtypes recomputed here from the paper's updates and the documented seeded start, the issue-4
// edge cases, controls, cancellation, seeded determinism and restarts, the ELBO never
// decreasing, and recovery of a synthetic Dawid-Skene world.

#include "emcommon.h"
#include "methods.h"
#include "synthetic.h"
#include "tst_common.h"
#include "tst_edgecases.h"

#include <QtTest>

#include <cmath>
#include <random>

using namespace chorus;

namespace {

double fromLogOdds(double d)
{
    return 1.0 / (1.0 + std::exp(-d));
}

/// Digamma for the test's own recomputation: recurrence to x >= 10, then the asymptotic series
/// (Abramowitz & Stegun 6.3.18).
double psi(double x)
{
    double r = 0;
    while (x < 10) {
        r -= 1 / x;
        x += 1;
    }
    const double f = 1 / (x * x);
    return r + std::log(x) - 0.5 / x
           - f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f / 132))));
}

} // namespace

class TestEbcc : public QObject
{
    Q_OBJECT

private slots:
    // With one subtype per class pi_k = 1, E[log pi] = 0 and EBCC is BCC. One iteration by hand
    // (alpha = 1, a_v = 4, b_v = 1) on two annotators, three items, labels {0, 1}:
    //   item 0: a0=0, a1=0   T0 = (1, 0);   item 1: a0=0, a1=0   T1 = (1, 0)
    //   item 2: a0=1, a1=0   T2 = (1/2, 1/2)
    // M-step: nu = 1 + (2.5, 0.5) = (3.5, 1.5):
    //   E log tau_0 - E log tau_1 = psi(3.5) - psi(1.5) = 1/1.5 + 1/2.5 = 16/15
    //   mu_a0,0 = (4 + 2, 1 + 1/2) = (6, 1.5) sum 7.5;   mu_a0,1 = (1, 4 + 1/2) = (1, 4.5) sum 5.5
    //   mu_a1,0 = (4 + 2.5, 1) = (6.5, 1)     sum 7.5;   mu_a1,1 = (1 + 1/2, 4) = (1.5, 4) sum 5.5
    // Digamma values: psi(1) = -0.577216, psi(1.5) = 0.036490, psi(4.5) = 1.388871,
    //   psi(5.5) = 1.611093, psi(6) = 1.706118, psi(6.5) = 1.792911, psi(7.5) = 1.946757
    //   (psi(x + 1) = psi(x) + 1/x links them all).
    // E-step log-odds:
    //   items 0, 1: 16/15 + [psi(6) - psi(7.5)] + [psi(6.5) - psi(7.5)] - [psi(1) - psi(5.5)]
    //               - [psi(1.5) - psi(5.5)]
    //             = 16/15 + 137/60 + (2/3 + 2/5 + 2/7 + 2/9 + 2/11) - 2 (2/11 + 2/13)
    //             = 4.435093                                       -> T = (0.988285, 0.011715)
    //   item 2:     16/15 + [psi(1.5) - psi(7.5)] + [psi(6.5) - psi(7.5)] - [psi(4.5) - psi(5.5)]
    //               - [psi(1.5) - psi(5.5)]
    //             = 16/15 + (2/9 + 2/11) - 2 (2/11 + 2/13) = 0.799378 -> T = (0.689841, 0.310159)
    // With the empirical prior (the default) alpha = the MV shares summed, floored at alpha = 1:
    // (2.5, max(0.5, 1)) = (2.5, 1), so nu = (5, 1.5) and the tau term becomes
    // psi(5) - psi(1.5) = (psi(5) - psi(1)) - (psi(1.5) - psi(1)) = 25/12 - (2 - 2 log 2)
    // = 1.469627 instead of 16/15; nothing else changes.
    void handWorkedOneSubtype()
    {
        const auto m = agg::LabelMatrix::build(
            3, 2, 2, {{0, 0, 0}, {0, 1, 0}, {1, 0, 0}, {1, 1, 0}, {2, 0, 1}, {2, 1, 0}});
        agg::AggregationInput in;
        in.matrix = &m;
        in.params = {{"max_iter", 1}, {"subtypes", 1}, {"empirical_prior", 0}};
        in.seed = 5;
        const auto r = agg::aggregate("ebcc", in);
        const double d0 = 16.0 / 15 + 137.0 / 60 + 2.0 / 3 + 2.0 / 5 + 2.0 / 7 + 2.0 / 9 + 2.0 / 11
                          - 2 * (2.0 / 11 + 2.0 / 13);
        const double d2 = 16.0 / 15 + 2.0 / 9 + 2.0 / 11 - 2 * (2.0 / 11 + 2.0 / 13);
        QCOMPARE(r.iterations, 1);
        QVERIFY(std::abs(r.posteriorAt(0, 0) - fromLogOdds(d0)) < 1e-9);
        QVERIFY(std::abs(r.posteriorAt(1, 0) - fromLogOdds(d0)) < 1e-9);
        QVERIFY(std::abs(r.posteriorAt(2, 0) - fromLogOdds(d2)) < 1e-9);
        QVERIFY(std::abs(fromLogOdds(d0) - 0.988285) < 1e-6);
        QVERIFY(std::abs(fromLogOdds(d2) - 0.689841) < 1e-6);
        QCOMPARE(r.labels, (std::vector<int32_t>{0, 0, 0}));

        in.params.erase("empirical_prior");
        const auto e = agg::aggregate("ebcc", in);
        const double shift = 25.0 / 12 - 2 + 2 * std::log(2.0) - 16.0 / 15;
        QVERIFY(std::abs(e.posteriorAt(0, 0) - fromLogOdds(d0 + shift)) < 1e-9);
        QVERIFY(std::abs(e.posteriorAt(2, 0) - fromLogOdds(d2 + shift)) < 1e-9);
    }

    // Two subtypes: one iteration recomputed here, densely, from the updates of Li et al. (2019)
    // and the documented start (MV shares split by Dirichlet(1) draws: for each item with labels
    // and each class, M values -log(1 - U), U the top 53 bits of mt19937_64 seeded with
    // splitmix64(seed, 0) over 2^53, normalised).
    //   items: 0: a0=0, a1=0;  1: a0=1, a1=0;  2: a0=1, a1=1       (K = 2, M = 2, a_pi = 0.1)
    void recomputedTwoSubtypes()
    {
        const int K = 2, M = 2, A = 2, n = 3;
        const int x[n][A] = {{0, 0}, {1, 0}, {1, 1}};
        std::vector<agg::Annotation> anns;
        for (int i = 0; i < n; ++i)
            for (int a = 0; a < A; ++a)
                anns.push_back({i, a, x[i][a]});
        const auto m = agg::LabelMatrix::build(n, A, K, anns);
        agg::AggregationInput in;
        in.matrix = &m;
        in.params = {{"max_iter", 1}, {"subtypes", M}, {"empirical_prior", 0}};
        in.seed = 42;
        const auto r = agg::aggregate("ebcc", in);

        // Start.
        const double mv[n][K] = {{1, 0}, {0.5, 0.5}, {0, 1}};
        double q[n][K][M];
        std::mt19937_64 rng(agg::detail::mixSeed(42, 0));
        for (int i = 0; i < n; ++i)
            for (int k = 0; k < K; ++k) {
                double e[M], sum = 0;
                for (int g = 0; g < M; ++g) {
                    const double u = static_cast<double>(rng() >> 11) / 9007199254740992.0;
                    e[g] = -std::log(1 - u);
                    sum += e[g];
                }
                for (int g = 0; g < M; ++g)
                    q[i][k][g] = mv[i][k] * e[g] / sum;
            }
        // M-step.
        double nu[K], eta[K][M], mu[A][K][M][K];
        for (int k = 0; k < K; ++k) {
            nu[k] = 1;
            for (int g = 0; g < M; ++g) {
                eta[k][g] = 0.1 / M;
                for (int a = 0; a < A; ++a)
                    for (int l = 0; l < K; ++l)
                        mu[a][k][g][l] = k == l ? 4 : 1;
                for (int i = 0; i < n; ++i) {
                    nu[k] += q[i][k][g];
                    eta[k][g] += q[i][k][g];
                    for (int a = 0; a < A; ++a)
                        mu[a][k][g][x[i][a]] += q[i][k][g];
                }
            }
        }
        // E-step.
        for (int i = 0; i < n; ++i) {
            double s[K][M], mx = -1e300;
            for (int k = 0; k < K; ++k)
                for (int g = 0; g < M; ++g) {
                    s[k][g] = psi(nu[k]) - psi(nu[0] + nu[1]) + psi(eta[k][g])
                              - psi(eta[k][0] + eta[k][1]);
                    for (int a = 0; a < A; ++a)
                        s[k][g] += psi(mu[a][k][g][x[i][a]])
                                   - psi(mu[a][k][g][0] + mu[a][k][g][1]);
                    mx = std::max(mx, s[k][g]);
                }
            double z[K] = {0, 0}, total = 0;
            for (int k = 0; k < K; ++k)
                for (int g = 0; g < M; ++g) {
                    z[k] += std::exp(s[k][g] - mx);
                    total += std::exp(s[k][g] - mx);
                }
            QVERIFY2(std::abs(r.posteriorAt(i, 0) - z[0] / total) < 1e-9, QByteArray::number(i));
        }
    }

    void edgeCases_data() { test::addEdgeCaseRows(); }
    void edgeCases() { test::checkEdgeCase("ebcc"); }

    // Two annotators who contradict each other everywhere; controls on four items, where a0 is
    // right, make EBCC follow a0 on the rest (and the controls keep their label).
    void controlsTeachWhoToTrust()
    {
        const auto r = test::checkControlsTeachWhoToTrust("ebcc");
        QVERIFY(r.competence[0] > r.competence[1]);
    }

    void cancelAndProgress()
    {
        const auto w = agg::generateDawidSkene({.numItems = 500, .numAnnotators = 20, .seed = 3});
        const agg::AggregationInput in = test::inputOn(w.matrix, {{"restarts", 2}});
        test::checkCancelAndProgress("ebcc", in, 2);
    }

    // The same seed gives the same result, another seed another start (and, on this world,
    // different posteriors); with more restarts the winner's ELBO is at least that of the first
    // start alone, which is the same start.
    void seededDeterminismAndRestarts()
    {
        const auto w = test::recoveryWorld();
        agg::AggregationInput in;
        in.matrix = &w.matrix;
        in.seed = 17;
        const auto a = agg::aggregate("ebcc", in);
        const auto b = agg::aggregate("ebcc", in);
        QCOMPARE(a.labels, b.labels);
        QCOMPARE(a.posterior, b.posterior);
        QCOMPARE(a.competence, b.competence);
        QCOMPARE(a.logLikelihood, b.logLikelihood);
        in.seed = 18;
        const auto c = agg::aggregate("ebcc", in);
        QVERIFY(c.posterior != a.posterior);
        in.seed = 17;
        in.params = {{"restarts", 3}};
        const auto best = agg::aggregate("ebcc", in);
        QVERIFY(best.logLikelihood.back() >= a.logLikelihood.back());
    }

    void elboNeverDecreases() { test::checkObjectiveNeverDecreases("ebcc", {{"tol", 1e-6}}); }

    // Good, mediocre and spamming annotators (seeded): EBCC beats MV and orders the annotators
    // like their true accuracies.
    void syntheticRecovery() { test::checkSyntheticRecovery("ebcc", test::recoveryWorld()); }

    void parametersValidated_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<double>("value");
        QTest::newRow("unknownKey") << "groups" << 10.0;
        QTest::newRow("zeroSubtypes") << "subtypes" << 0.0;
        QTest::newRow("fractionalSubtypes") << "subtypes" << 2.5;
        QTest::newRow("zeroSubtypePrior") << "a_pi" << 0.0;
        QTest::newRow("zeroDiagonalPrior") << "a_v" << 0.0;
        QTest::newRow("zeroRestarts") << "restarts" << 0.0;
        QTest::newRow("nanTolerance") << "tol" << std::nan("");
    }
    void parametersValidated()
    {
        QFETCH(QString, key);
        QFETCH(double, value);
        test::checkParameterRejected("ebcc", key.toStdString(), value);
    }
};

QTEST_GUILESS_MAIN(TestEbcc)
#include "tst_ebcc.moc"
