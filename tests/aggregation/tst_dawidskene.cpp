// Dawid-Skene: one EM step worked by hand, crowd-kit 1.4.1's DawidSkene on the real datasets,
// controls, and recovery of a synthetic Dawid-Skene world.

#include "methods.h"
#include "synthetic.h"
#include "tst_common.h"

#include <QtTest>

#include <cmath>

using namespace chorus;

class TestDawidSkene : public QObject
{
    Q_OBJECT

private slots:
    // Three annotators, three items, labels {0, 1}:
    //   item 0: a0=0, a1=0, a2=1      MV posterior (2/3, 1/3)
    //   item 1: a0=1, a1=1, a2=1      MV posterior (0, 1)
    //   item 2: a0=0, a1=1            MV posterior (1/2, 1/2)
    // Initial M-step from the MV posterior T:
    //   priors pi = mean T = (7/18, 11/18)
    //   a0: counts [l][k]: l=0: (2/3+1/2, 1/3+1/2) = (7/6, 5/6); l=1: (0 -> 1e-10, 1)
    //       E(0|0) = 1 - ~1e-10, E(1|0) = 1e-10/(7/6);  E(0|1) = 5/11, E(1|1) = 6/11
    //   a1: l=0: (2/3, 1/3); l=1: (1/2, 3/2)  ->  E(0|0) = 4/7, E(1|0) = 3/7, E(0|1) = 2/11,
    //       E(1|1) = 9/11
    //   a2: only label 1: l=1: (2/3, 4/3)  ->  E(1|0) = E(1|1) = 1 (label 0 never used)
    // E-step:
    //   item 0: k=0: 7/18 * 1 * 4/7 * 1 = 2/9;  k=1: 11/18 * 5/11 * 2/11 * 1 = 5/99
    //           P(0) = (2/9) / (2/9 + 5/99) = 22/27
    //   item 1: k=0: 7/18 * (6/7)e-10 * 3/7 = e-10/7;  k=1: 11/18 * 6/11 * 9/11 = 3/11
    //           P(0) = (e-10/7) / (3/11) ~ 5.2e-11
    //   item 2: k=0: 7/18 * 1 * 3/7 = 1/6;  k=1: 11/18 * 5/11 * 9/11 = 5/22
    //           P(0) = (1/6) / (1/6 + 5/22) = 11/26  -> label 1 (MV's tie went to 0)
    void handWorkedEmStep()
    {
        const auto m = test::threeItemExample();
        const auto r = agg::dawidSkene(test::inputOn(m, {{"max_iter", 1}}));
        QCOMPARE(r.iterations, 1);
        QVERIFY(!r.converged);
        QVERIFY(std::abs(r.posteriorAt(0, 0) - 22.0 / 27.0) < 1e-8);
        QVERIFY(r.posteriorAt(1, 0) < 1e-9);
        QVERIFY(std::abs(r.posteriorAt(2, 0) - 11.0 / 26.0) < 1e-8);
        QCOMPARE(r.labels, (std::vector<int32_t>{0, 1, 1}));
        for (int i = 0; i < 3; ++i)
            QVERIFY(std::abs(r.posteriorAt(i, 0) + r.posteriorAt(i, 1) - 1.0) < 1e-12);
    }

    // Two perfect annotators and one who always answers the opposite: EM learns the flipped
    // confusion matrix, so the contrarian's competence is ~0 and the perfect ones' ~1.
    void contrarianLearned()
    {
        std::vector<agg::Annotation> anns;
        for (int i = 0; i < 40; ++i) {
            const int t = i % 2;
            anns.push_back({i, 0, t});
            anns.push_back({i, 1, t});
            anns.push_back({i, 2, 1 - t});
        }
        const auto m = agg::LabelMatrix::build(40, 3, 2, anns);
        const auto r = agg::dawidSkene(test::inputOn(m));
        for (int i = 0; i < 40; ++i)
            QCOMPARE(r.labels[i], i % 2);
        QVERIFY(r.competence[0] > 0.999);
        QVERIFY(r.competence[1] > 0.999);
        QVERIFY(r.competence[2] < 0.001);
        QVERIFY(r.converged);
    }

    void crowdKitReference_data() { test::addReferenceRows(true); }

    // crowd-kit 1.4.1 DawidSkene(n_iter=100, tol=1e-5): accuracy within 1 point (or better) and
    // at least 98% identical labels; on the crowd datasets also the skills
    // (sum_k prior_k P(k|k)) and the iteration count of the shared stopping rule.
    void crowdKitReference()
    {
        const auto run = test::runReferenceRow("DawidSkene", "ds", "ds", agg::dawidSkene, 0.98);
        if (run && run->c.ref.contains("skills")) {
            const double worst = run->largestSkillDifference();
            qInfo("  largest competence difference from crowd-kit's skills: %.2e", worst);
            QVERIFY(worst < 1e-3);
            QCOMPARE(run->r.iterations, run->c.ref["iterations"].get<int>());
        }
    }

    void controlsRaiseAccuracy_data() { test::addReferenceRows(true); }

    // Clamping every tenth item to gold, accuracy on the other items; printed for every dataset.
    // The assertion is on implicit_hate (largest headroom) and, in controlsAverage, on the mean
    // over the LLM tasks.
    void controlsRaiseAccuracy() { test::checkControlsOnCurrentRow("DawidSkene", "ds", agg::dawidSkene, "ds"); }

    void controlsAverage() { test::checkControlsOnAverage(test::withoutHooks(agg::dawidSkene), "ds"); }

    // A synthetic world with good, mediocre and spamming annotators: DS recovers the order of
    // the annotators' true accuracies and labels better than majority vote.
    void syntheticRecovery()
    {
        const auto w = test::recoveryWorld();
        const auto run = test::runOnWorld(test::withoutHooks(agg::dawidSkene), w, "ds");
        QVERIFY(run.rho > 0.9);
        QVERIFY(run.accuracy > run.accuracyMv);
        double worst = 0;
        for (size_t a = 0; a < w.accuracy.size(); ++a)
            worst = std::max(worst, std::abs(run.r.competence[a] - w.accuracy[a]));
        qInfo("  largest |competence - true accuracy|: %.3f", worst);
        QVERIFY(worst < 0.1);
    }

    void unknownParameterRejected()
    {
        const auto m = agg::LabelMatrix::build(1, 1, 2, {{0, 0, 1}});
        agg::AggregationInput in;
        in.matrix = &m;
        in.params = {{"tolerance", 1e-3}};
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, agg::dawidSkene(in));
    }
};

QTEST_GUILESS_MAIN(TestDawidSkene)
#include "tst_dawidskene.moc"
