// M-MSR: crowd-kit 1.4.1's MMSR on the crowd datasets (same start, same iteration count, same
// skill magnitudes; signs are chosen differently, see docs/methods.md) and a synthetic world.

#include "methods.h"
#include "synthetic.h"
#include "tst_common.h"

#include <QtTest>

#include <cmath>

using namespace chorus;

class TestMmsr : public QObject
{
    Q_OBJECT

private slots:
    void crowdKitReference_data() { test::addReferenceRows(false); }

    // crowd-kit MMSR(n_iter=10000, tol=1e-10, random_state=0) with our seed 0: the rank-one
    // iteration starts from the same numbers, so it stops after the same number of iterations
    // and gives the same skills log((K-1)p/(1-p)) wherever the signs agree. Accuracy within 1
    // point (or better).
    void crowdKitReference()
    {
        const auto run = test::runReferenceRow("MMSR", "", "mmsr", agg::mmsr);
        if (!run)
            return;
        const auto& c = run->c;
        const auto& r = run->r;
        QCOMPARE(r.iterations, c.ref["iterations"].get<int>());
        const double K = static_cast<double>(c.data.labels.size());
        // Where the signs agree the clipping is the same too (it is asymmetric for K > 2), so
        // the skills must match there.
        double worst = 0;
        int signsDiffer = 0;
        for (const auto& [ann, skill] : c.ref["skills"].items()) {
            const double p = r.competence[c.data.annotatorIndex.at(ann)];
            const double ours = std::log((K - 1) * p / (1 - p));
            if ((ours > 0) != (skill.get<double>() > 0)) {
                ++signsDiffer;
                continue;
            }
            worst = std::max(worst, std::abs(ours - skill.get<double>()));
        }
        qInfo("  %d annotators with another sign; elsewhere largest skill difference %.1e",
              signsDiffer, worst);
        QVERIFY(worst < 1e-4);
    }

    void signsPlausible_data() { test::addReferenceRows(false); }

    // Skill signs against an independent check: whether the annotator agrees with majority vote
    // more often than chance (annotators within 0.05 of chance are left out). crowd-kit's sign
    // step gets 63% (rte) to 97% of them right; ours must get at least 95%.
    void signsPlausible()
    {
        const auto c = test::fetchReferenceCase("MMSR", "");
        if (!c)
            return;
        const agg::AggregationInput in = test::inputOn(c->data.matrix);
        const auto r = agg::mmsr(in);
        const auto mv = agg::majorityVote(in);
        const double K = static_cast<double>(c->data.labels.size());
        int ours = 0, theirs = 0, n = 0;
        for (const auto& [ann, skill] : c->ref["skills"].items()) {
            const int32_t a = c->data.annotatorIndex.at(ann);
            const double aboveChance = mv.competence[a] - 1 / K;
            if (std::abs(aboveChance) < 0.05)
                continue;
            ++n;
            ours += (r.competence[a] > 1 / K) == (aboveChance > 0);
            theirs += (skill.get<double>() > 0) == (aboveChance > 0);
        }
        qInfo("skill sign matches MV agreement above chance: ours %d/%d, crowd-kit %d/%d", ours, n, theirs, n);
        QVERIFY(ours >= 0.95 * n);
    }

    void syntheticBeatsMajority()
    {
        const auto w = agg::generateDawidSkene(
            {.numItems = 3000, .numAnnotators = 30, .numLabels = 3, .labelsPerItem = 6, .seed = 9});
        const auto run = test::runOnWorld([](const agg::AggregationInput& in) { return agg::mmsr(in); }, w, "mmsr");
        QVERIFY(run.accuracy > run.accuracyMv);
        QVERIFY(run.rho > 0.8);
    }

    void tooManyAnnotatorsRejected()
    {
        const auto m = agg::LabelMatrix::build(1, 3001, 2, {{0, 0, 0}});
        agg::AggregationInput in;
        in.matrix = &m;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, agg::mmsr(in));
    }
};

QTEST_GUILESS_MAIN(TestMmsr)
#include "tst_mmsr.moc"
