// The dashboard's numbers in parts (model/jobs/dashboarddata.h): each part alone computes only
// itself, the parts together equal the whole, progress names its stages in order with a
// monotone overall value, a canceled job adds no result, and the rewritten score intervals
// equal the straightforward bootstrap (explicit resamples scored by agg::evaluate) under the
// documented seeds.

#include "bootstrapreference.h"
#include "dashboarddata.h"
#include "methods.h"
#include "sampling.h"
#include "synthetic.h"

#include <QFutureWatcher>
#include <QSignalSpy>
#include <QtTest>

#include <map>
#include <random>

using namespace chorus;
using model::DashboardPart;

namespace {

// A Snapshot straight from a synthetic Dawid-Skene world (no database): gold = truth.
model::Snapshot synthetic(int items, int annotators, int perItem)
{
    const agg::SyntheticSpec spec{
        .numItems = items, .numAnnotators = annotators, .numLabels = 3, .labelsPerItem = perItem, .seed = 5};
    agg::SyntheticWorld w = agg::generateDawidSkene(spec);
    model::Snapshot s;
    for (int l = 0; l < spec.numLabels; ++l)
        s.labels << QStringLiteral("l%1").arg(l);
    for (int a = 0; a < annotators; ++a)
        s.annotators << QStringLiteral("a%1").arg(a);
    for (int i = 0; i < items; ++i)
        s.itemIds << i;
    s.matrix = std::move(w.matrix);
    s.gold = w.truth;
    s.gold[0] = -1;  // one item without gold
    s.goldCount = items - 1;
    return s;
}

model::RunData majority(const model::Snapshot& s)
{
    agg::AggregationInput in;
    in.matrix = &s.matrix;
    return model::runFromResult(s, QStringLiteral("mv"), agg::majorityVote(in));
}

// The straightforward bootstrap of one vector's accuracy over `items`, with the draws
// documented by bootstrapScores: per replicate the tallies of the (gold, prediction or "none")
// cells from agg::multinomialCounts, materialised as an explicit resample of those cells' own
// items and scored by agg::evaluate().
agg::Interval referenceAccuracy(const std::vector<int32_t>& pred, const std::vector<int32_t>& gold,
                                const std::vector<int32_t>& items, int32_t L, int B, uint64_t seed)
{
    std::vector<double> acc;
    test::forEachReferenceResample(pred, gold, items, L, B, seed,
                                   [&](const std::vector<int32_t>& p, const std::vector<int32_t>& g) {
                                       acc.push_back(agg::evaluate(p, g, L).accuracy);
                                   });
    return agg::percentileInterval(acc, 0.95);
}

} // namespace

class TestDashboardStages : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        m_s = synthetic(1500, 40, 5);
        m_c = majority(m_s);
        m_req.bootstrapReplicates = 100;
        m_req.scoreReplicates = 60;
        m_req.seed = 9;
    }

    void eachPartAlone_data()
    {
        QTest::addColumn<int>("part");
        QTest::newRow("overview") << int(DashboardPart::Overview);
        QTest::newRow("agreement") << int(DashboardPart::Agreement);
        QTest::newRow("methods") << int(DashboardPart::Methods);
        QTest::newRow("divergence") << int(DashboardPart::Divergence);
    }

    // A part alone computes itself and nothing else, and reports only its own stages.
    void eachPartAlone()
    {
        QFETCH(int, part);
        model::DashboardRequest r = m_req;
        r.parts = model::DashboardParts(part);
        QStringList stages;
        const auto d = model::computeDashboard(m_s, m_c, r, {}, {},
                                               [&](const model::DashboardProgress& p) { stages << p.stage; });
        QCOMPARE(int(d.parts), part);
        QVERIFY(!stages.isEmpty());
        const QString prefix = part == int(DashboardPart::Overview)     ? QStringLiteral("Overview")
                               : part == int(DashboardPart::Agreement)  ? QStringLiteral("Agreement")
                               : part == int(DashboardPart::Methods)    ? QStringLiteral("Methods")
                                                                        : QStringLiteral("Divergence");
        for (const QString& st : stages)
            QVERIFY2(st.startsWith(prefix), qPrintable(st));
        QCOMPARE(d.labelUse.empty(), part != int(DashboardPart::Overview));
        QCOMPARE(d.agreement.agreement.itemsUsed == 0, part != int(DashboardPart::Agreement));
        QCOMPARE(d.evaluation.methods.empty(), part != int(DashboardPart::Methods));
        QCOMPARE(d.accuracyCi.empty(), part != int(DashboardPart::Methods));
        QCOMPARE(d.evaluation.annotators.empty(),
                 part != int(DashboardPart::Overview) && part != int(DashboardPart::Methods));
    }

    // Computing the parts one at a time and merging them gives the numbers of one whole run.
    void mergedPartsEqualTheWhole()
    {
        const auto whole = model::computeDashboard(m_s, m_c, m_req);
        model::DashboardData merged;
        for (auto p : {DashboardPart::Methods, DashboardPart::Divergence, DashboardPart::Agreement, DashboardPart::Overview}) {
            model::DashboardRequest r = m_req;
            r.parts = p;
            model::mergeDashboardData(merged, model::computeDashboard(m_s, m_c, r));
        }
        QCOMPARE(int(merged.parts), int(DashboardPart::Overview | DashboardPart::Agreement | DashboardPart::Methods
                                        | DashboardPart::Divergence));
        QCOMPARE(merged.labelUse, whole.labelUse);
        QCOMPARE(merged.consensusConfusion, whole.consensusConfusion);
        QCOMPARE(merged.agreement.agreement.fleissKappa.value, whole.agreement.agreement.fleissKappa.value);
        QCOMPARE(merged.agreement.intervals.fleissKappa.lo, whole.agreement.intervals.fleissKappa.lo);
        QCOMPARE(merged.agreement.agreement.cohenPairs.size(), whole.agreement.agreement.cohenPairs.size());
        QCOMPARE(merged.evaluation.methods.size(), whole.evaluation.methods.size());
        for (size_t k = 0; k < whole.evaluation.methods.size(); ++k)
            QCOMPARE(merged.evaluation.methods[k].result.macroF1, whole.evaluation.methods[k].result.macroF1);
        QCOMPARE(merged.evaluation.bestAnnotator, whole.evaluation.bestAnnotator);
        QCOMPARE(merged.accuracyCi.size(), whole.accuracyCi.size());
        for (size_t k = 0; k < whole.accuracyCi.size(); ++k) {
            QCOMPARE(merged.accuracyCi[k].lo, whole.accuracyCi[k].lo);
            QCOMPARE(merged.macroF1Ci[k].hi, whole.macroF1Ci[k].hi);
        }
        QCOMPARE(merged.consensusMethod, QStringLiteral("mv"));
    }

    // Stages come in order, with their own counts (bootstrap replicates, methods), and the
    // overall per-mille never goes back.
    void progressNamesStages()
    {
        QList<model::DashboardProgress> seen;
        model::computeDashboard(m_s, m_c, m_req, {}, {}, [&](const model::DashboardProgress& p) { seen << p; });
        QStringList order;
        int last = 0;
        bool bootstrapCounted = false;
        for (const auto& p : seen) {
            QVERIFY(p.permille >= last);
            last = p.permille;
            if (order.isEmpty() || order.last() != p.stage)
                order << p.stage;
            if (p.stage == QLatin1String("Agreement: bootstrap") && p.total == 100 && p.done > 0) {
                bootstrapCounted = true;
                QCOMPARE(p.text(), QStringLiteral("Agreement: bootstrap %1/100").arg(p.done));
            }
        }
        QVERIFY(bootstrapCounted);
        QVERIFY(last >= 990);
        const QStringList want{QStringLiteral("Overview: label use and annotators vs gold"),
                               QStringLiteral("Agreement: coefficients and Cohen pairs"),
                               QStringLiteral("Agreement: bootstrap"),
                               QStringLiteral("Methods: annotators vs gold"),
                               QStringLiteral("Methods: mv (1 of 5)"),
                               QStringLiteral("Methods: wawa (2 of 5)"),
                               QStringLiteral("Methods: ds (3 of 5)"),
                               QStringLiteral("Methods: glad (4 of 5)"),
                               QStringLiteral("Methods: mace (5 of 5)"),
                               QStringLiteral("Methods: bootstrap intervals"),
                               QStringLiteral("Divergence")};
        QCOMPARE(order, want);
    }

    // The worker reports the stage as the future's progress text; a canceled job adds no result.
    void asyncProgressTextAndCancel()
    {
        QThreadPool pool;
        {
            model::DashboardRequest r = m_req;
            r.parts = DashboardPart::Agreement;
            r.bootstrapReplicates = 2000;
            QFutureWatcher<model::JobResult<model::DashboardData>> w;
            QStringList texts;
            connect(&w, &QFutureWatcherBase::progressTextChanged, this, [&](const QString& t) { texts << t; });
            QSignalSpy done(&w, &QFutureWatcherBase::finished);
            w.setFuture(model::dashboardAsync(&pool, QString(), m_s, m_c, r));
            QVERIFY(done.wait(60000));
            QCOMPARE(w.future().resultCount(), 1);
            QVERIFY(w.result().ok());
            QVERIFY(w.result().value.parts == DashboardPart::Agreement);
            QVERIFY2(!texts.isEmpty() && std::all_of(texts.begin(), texts.end(), [](const QString& t) {
                         return t.startsWith(QLatin1String("Agreement: "));
                     }),
                     qPrintable(texts.join(QLatin1Char('|'))));
        }
        {
            model::DashboardRequest r = m_req;
            r.parts = DashboardPart::Methods | DashboardPart::Agreement;
            r.bootstrapReplicates = 100000;  // far longer than the test waits
            QFutureWatcher<model::JobResult<model::DashboardData>> w;
            QSignalSpy progress(&w, &QFutureWatcherBase::progressValueChanged);
            QSignalSpy done(&w, &QFutureWatcherBase::finished);
            w.setFuture(model::dashboardAsync(&pool, QString(), m_s, m_c, r));
            QVERIFY(progress.wait(60000));
            w.cancel();
            QVERIFY(done.wait(60000));
            QVERIFY(w.future().isCanceled());
            QCOMPARE(w.future().resultCount(), 0);
        }
        pool.waitForDone();
    }

    // The rewritten interval code against the straightforward bootstrap: a method over every
    // gold item (the methods' stream), an annotator over the gold items it answered (its own
    // stream), with the seeds documented in dashboarddata.cpp.
    void scoreIntervalsMatchStraightforwardBootstrap()
    {
        model::DashboardRequest r = m_req;
        r.parts = DashboardPart::Methods;
        r.methods = {"mv", "ds"};
        const auto d = model::computeDashboard(m_s, m_c, r);
        std::vector<int32_t> goldItems;
        for (int32_t i = 0; i < m_s.numItems(); ++i)
            if (m_s.gold[i] >= 0)
                goldItems.push_back(i);
        const uint64_t methodSeed = agg::replicateSeed(r.seed ^ 0x5eedULL, 0);
        for (size_t k = 0; k < 2; ++k) {
            const auto want = referenceAccuracy(d.evaluation.methods[k].predictions, m_s.gold, goldItems, 3,
                                                r.scoreReplicates, methodSeed);
            QVERIFY(std::abs(d.accuracyCi[k].lo - want.lo) < 1e-12);
            QVERIFY(std::abs(d.accuracyCi[k].hi - want.hi) < 1e-12);
        }
        for (size_t a : {size_t(0), size_t(17), size_t(39)}) {
            const auto& p = d.evaluation.annotators[a].predictions;
            std::vector<int32_t> own;
            for (int32_t i : goldItems)
                if (p[i] != agg::kNoPrediction)
                    own.push_back(i);
            const auto want = referenceAccuracy(p, m_s.gold, own, 3, r.scoreReplicates,
                                                agg::replicateSeed(r.seed ^ 0x5eedULL, a + 1));
            QVERIFY(std::abs(d.accuracyCi[2 + a].lo - want.lo) < 1e-12);
            QVERIFY(std::abs(d.accuracyCi[2 + a].hi - want.hi) < 1e-12);
        }
    }

private:
    model::Snapshot m_s;
    model::RunData m_c;
    model::DashboardRequest m_req;
};

QTEST_GUILESS_MAIN(TestDashboardStages)
#include "tst_dashboardstages.moc"
