// Wawa and Zero-Based Skill: a hand-derived case and crowd-kit 1.4.1's Wawa / ZeroBasedSkill on
// the real datasets.

#include "methods.h"
#include "tst_common.h"

#include <QtTest>

#include <cmath>

using namespace chorus;

class TestWawa : public QObject
{
    Q_OBJECT

private slots:
    // Four items, three annotators, labels {0, 1}:
    //   item 0: a0=0 a1=0 a2=1   MV 0       item 1: a0=1 a1=1 a2=0   MV 1
    //   item 2: a0=0 a1=0 a2=1   MV 0       item 3: a0=1        a2=0   MV tie -> 0
    // Agreement with MV: a0: items 0,1,2 agree, 3 disagrees -> 3/4; a1: 3/3 = 1;
    //   a2: agrees only on item 3 -> 1/4.
    // Weighted vote on item 3: label 1 has a0's 3/4, label 0 has a2's 1/4 -> label 1.
    void handCase()
    {
        const auto m = agg::LabelMatrix::build(4, 3, 2,
                                               {{0, 0, 0}, {0, 1, 0}, {0, 2, 1}, {1, 0, 1}, {1, 1, 1},
                                                {1, 2, 0}, {2, 0, 0}, {2, 1, 0}, {2, 2, 1}, {3, 0, 1},
                                                {3, 2, 0}});
        agg::AggregationInput in;
        in.matrix = &m;
        const auto r = agg::wawa(in);
        QCOMPARE(r.competence[0], 0.75);
        QCOMPARE(r.competence[1], 1.0);
        QCOMPARE(r.competence[2], 0.25);
        QCOMPARE(r.labels, (std::vector<int32_t>{0, 1, 0, 1}));
        QCOMPARE(r.posteriorAt(3, 1), 0.75 / (0.75 + 0.25));
    }

    void wawaReference_data() { test::addReferenceRows(true); }

    // crowd-kit Wawa: accuracy within 1 point (or better), >= 98% identical labels, and the
    // skills (agreement with MV) to the reference's 6 decimals.
    void wawaReference()
    {
        const auto run = test::runReferenceRow("Wawa", "wawa", "wawa", agg::wawa, 0.98);
        if (run && run->c.ref.contains("skills"))
            QVERIFY(run->largestSkillDifference() < 5e-7);
    }

    void zbsReference_data() { test::addReferenceRows(false); }

    // crowd-kit ZeroBasedSkill(n_iter=100): accuracy within 1 point (or better); labels and
    // skills agree closely too.
    void zbsReference()
    {
        const auto run = test::runReferenceRow("ZeroBasedSkill", "", "zbs", [](const test::ReferenceCase& c) {
            return agg::zeroBasedSkill(
                test::inputOn(c.data.matrix, {{"n_iter", c.ref["params"]["n_iter"].get<double>()}}));
        }, 0.98);
        if (!run)
            return;
        const double worst = run->largestSkillDifference();
        qInfo("  largest skill difference %.1e", worst);
        QVERIFY(worst < 1e-4);
    }

    void controlsClamp()
    {
        const auto m = agg::LabelMatrix::build(2, 2, 2, {{0, 0, 0}, {0, 1, 0}, {1, 0, 1}, {1, 1, 1}});
        agg::AggregationInput in;
        in.matrix = &m;
        in.controls = {1, -1};
        for (const auto& r : {agg::wawa(in), agg::zeroBasedSkill(in)}) {
            QCOMPARE(r.labels[0], 1);
            QCOMPARE(r.posteriorAt(0, 1), 1.0);
            QCOMPARE(r.labels[1], 1);
            // Both annotators got the clamped item wrong and item 1 right.
            QVERIFY(r.competence[0] < 1.0);
        }
    }
};

QTEST_GUILESS_MAIN(TestWawa)
#include "tst_wawa.moc"
