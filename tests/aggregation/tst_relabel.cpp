// Budgeted relabeling (aggregation/relabel.h): hand-computed Bayesian updates and entropy gains,
// greedy against exhaustive search, the random relabeler, budgets, errors, and the simulated
// loop on synthetic Dawid-Skene worlds.

#include "stringrows.h"
#include "methods.h"
#include "relabel.h"
#include "synthetic.h"

#include <QtTest>

#include <cmath>
#include <random>

using namespace chorus::agg;

namespace {

std::vector<double> randomPosterior(std::mt19937_64& rng, int32_t n, int32_t L)
{
    std::gamma_distribution<double> g(0.7, 1.0);  // Dirichlet(0.7): a mix of sure and unsure items
    std::vector<double> p(static_cast<size_t>(n) * L);
    for (int32_t i = 0; i < n; ++i) {
        double z = 0;
        for (int32_t l = 0; l < L; ++l)
            z += p[i * L + l] = g(rng) + 1e-9;
        for (int32_t l = 0; l < L; ++l)
            p[i * L + l] /= z;
    }
    return p;
}

/// A selection over post (numItems x numLabels rows): at most k picks within budget, by strategy.
SelectionInput selectionOn(const std::vector<double>& post, int32_t numItems, int32_t numLabels,
                           std::vector<Relabeler> relabelers, int32_t k, double budget, RelabelStrategy strategy)
{
    SelectionInput in;
    in.posterior = &post;
    in.numItems = numItems;
    in.numLabels = numLabels;
    in.relabelers = std::move(relabelers);
    in.k = k;
    in.budget = budget;
    in.strategy = strategy;
    return in;
}

} // namespace

class TestRelabel : public QObject
{
    Q_OBJECT

private slots:
    void posteriorUpdateByHand_data()
    {
        QTest::addColumn<QVector<double>>("prior");
        QTest::addColumn<QVector<int>>("answers");
        QTest::addColumn<QVector<double>>("accuracies");
        QTest::addColumn<QVector<double>>("expected");
        // p'(t) = p(t) P(a|t) / sum_s p(s) P(a|s), P(a|t) = A if a == t else (1-A)/(L-1).
        // (0.6, 0.4), A = 0.8, answer 1: 0.6*0.2 = 0.12, 0.4*0.8 = 0.32, z = 0.44 -> (3/11, 8/11).
        QTest::newRow("binaryAnswerAgainstPrior")
            << QVector<double>{0.6, 0.4} << QVector<int>{1} << QVector<double>{0.8} << QVector<double>{3.0 / 11, 8.0 / 11};
        // (0.5, 0.3, 0.2), A = 0.7 (others 0.15), answer 2: 0.075, 0.045, 0.14, z = 0.26
        // -> (15/52, 9/52, 28/52).
        QTest::newRow("threeLabels")
            << QVector<double>{0.5, 0.3, 0.2} << QVector<int>{2} << QVector<double>{0.7}
            << QVector<double>{15.0 / 52, 9.0 / 52, 28.0 / 52};
        // Two relabelers, each with its own accuracy, applied in turn: (0.5, 0.5), A1 = 0.9
        // answers 0 -> (0.9, 0.1); A2 = 0.6 answers 1: 0.9*0.4 = 0.36, 0.1*0.6 = 0.06 -> (6/7, 1/7).
        QTest::newRow("twoRelabelersOwnAccuracies")
            << QVector<double>{0.5, 0.5} << QVector<int>{0, 1} << QVector<double>{0.9, 0.6}
            << QVector<double>{6.0 / 7, 1.0 / 7};
        // A = 1/L: every likelihood is 1/4, so nothing moves.
        QTest::newRow("randomRelabelerChangesNothing")
            << QVector<double>{0.1, 0.2, 0.3, 0.4} << QVector<int>{3} << QVector<double>{0.25}
            << QVector<double>{0.1, 0.2, 0.3, 0.4};
        // A = 0.3 < 1/2 on a binary item: the answer is evidence *against* itself -> (0.3, 0.7).
        QTest::newRow("antiInformativeRelabeler")
            << QVector<double>{0.5, 0.5} << QVector<int>{0} << QVector<double>{0.3} << QVector<double>{0.3, 0.7};
        // A perfect relabeler contradicting a sure posterior: z = 0, the answer wins.
        QTest::newRow("perfectRelabelerOverridesZeroPrior")
            << QVector<double>{1.0, 0.0, 0.0} << QVector<int>{1} << QVector<double>{1.0} << QVector<double>{0, 1, 0};
        // No answer (-1): unchanged.
        QTest::newRow("missingAnswerChangesNothing")
            << QVector<double>{0.7, 0.3} << QVector<int>{-1} << QVector<double>{0.9} << QVector<double>{0.7, 0.3};
    }

    void posteriorUpdateByHand()
    {
        QFETCH(QVector<double>, prior);
        QFETCH(QVector<int>, answers);
        QFETCH(QVector<double>, accuracies);
        QFETCH(QVector<double>, expected);
        std::vector<double> p(prior.begin(), prior.end());
        for (qsizetype j = 0; j < answers.size(); ++j)
            updatePosterior(p.data(), static_cast<int32_t>(p.size()), answers[j], accuracies[j]);
        for (size_t l = 0; l < p.size(); ++l)
            QVERIFY2(std::abs(p[l] - expected[l]) < 1e-12, qPrintable(QStringLiteral("label %1: %2 vs %3").arg(l).arg(p[l]).arg(expected[l])));
    }

    void entropyGainByHand()
    {
        // (0.5, 0.5), A = 0.8: q = (0.5, 0.5), H(q) = ln 2, H(A|Y) = -(0.8 ln 0.8 + 0.2 ln 0.2),
        // gain = ln 2 + 0.8 ln 0.8 + 0.2 ln 0.2 = 0.1927448...
        const double half[] = {0.5, 0.5};
        const double expected = std::log(2.0) + 0.8 * std::log(0.8) + 0.2 * std::log(0.2);
        QVERIFY(std::abs(expectedEntropyGain(half, 2, {0.8}) - expected) < 1e-12);
        QVERIFY(std::abs(answerSetEntropy(half, 2, {0.8}) - std::log(2.0)) < 1e-12);
        // Eq. 8 for (0.6, 0.4), A = 0.8: q0 = 0.8*0.6 + 0.2*0.4 = 0.56, q1 = 0.44.
        const double p64[] = {0.6, 0.4};
        const auto q = answerDistribution(p64, 2, 0.8);
        QVERIFY(std::abs(q[0] - 0.56) < 1e-12 && std::abs(q[1] - 0.44) < 1e-12);
        // A perfect relabeler removes all uncertainty: gain = H(p).
        const double p3[] = {0.5, 0.25, 0.25};
        QVERIFY(std::abs(expectedEntropyGain(p3, 3, {1.0}) - 1.5 * std::log(2.0)) < 1e-12);
        // A sure item gains nothing; a random relabeler (A = 1/L) gains nothing.
        const double sure[] = {1.0, 0.0};
        QVERIFY(expectedEntropyGain(sure, 2, {0.8}) < 1e-15);
        QVERIFY(expectedEntropyGain(p3, 3, {1.0 / 3}) < 1e-12);
        // Two perfect relabelers on one fair binary item: the second answer repeats the first,
        // so the pair is worth ln 2, not 2 ln 2 (the diminishing return greedy must respect).
        QVERIFY(std::abs(expectedEntropyGain(half, 2, {1.0, 1.0}) - std::log(2.0)) < 1e-12);
        QVERIFY(std::abs(answerSetEntropy(half, 2, {1.0, 1.0}) - std::log(2.0)) < 1e-12);
    }

    void costFromTokens()
    {
        // 500 tokens x $0.000002 x 3 shots = $0.003 per item.
        QVERIFY(std::abs(relabelCost(500, 2e-6, 3) - 0.003) < 1e-15);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, relabelCost(0, 2e-6, 1));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, relabelCost(500, 2e-6, 0));
    }

    void greedyAgainstExact_data()
    {
        QTest::addColumn<int>("relabelers");
        QTest::addColumn<int>("k");
        QTest::addColumn<bool>("mustEqual");
        // One relabeler: each item gets at most one answer, F is modular -> greedy is exact.
        QTest::newRow("oneRelabelerK1") << 1 << 1 << true;
        QTest::newRow("oneRelabelerK3") << 1 << 3 << true;
        QTest::newRow("oneRelabelerK5") << 1 << 5 << true;
        // Several relabelers: k = 1 is exact; otherwise within (1 - 1/e) of the optimum.
        QTest::newRow("twoRelabelersK1") << 2 << 1 << true;
        QTest::newRow("twoRelabelersK3") << 2 << 3 << false;
        QTest::newRow("threeRelabelersK4") << 3 << 4 << false;
    }

    void greedyAgainstExact()
    {
        QFETCH(int, relabelers);
        QFETCH(int, k);
        QFETCH(bool, mustEqual);
        const double accs[] = {0.95, 0.7, 0.55};
        std::mt19937_64 rng(20240611);
        for (int trial = 0; trial < 40; ++trial) {
            const int32_t n = 7, L = 2 + trial % 3;
            const auto post = randomPosterior(rng, n, L);
            SelectionInput in = selectionOn(post, n, L, {}, k, 100, RelabelStrategy::Greedy);
            for (int j = 0; j < relabelers; ++j)
                in.relabelers.push_back({std::string("r").append(std::to_string(j)), accs[j], 1.0});
            const Selection g = selectForRelabel(in);
            in.strategy = RelabelStrategy::Exact;
            const Selection e = selectForRelabel(in);
            QCOMPARE(static_cast<int>(g.picks.size()), k);
            QVERIFY(std::abs(selectionObjective(in, g.picks) - g.objective) < 1e-12);
            QVERIFY(std::abs(selectionObjective(in, e.picks) - e.objective) < 1e-12);
            QVERIFY(g.objective <= e.objective + 1e-12);
            if (mustEqual)
                QVERIFY2(std::abs(g.objective - e.objective) < 1e-12,
                         qPrintable(QStringLiteral("trial %1: greedy %2 exact %3").arg(trial).arg(g.objective).arg(e.objective)));
            else
                QVERIFY(g.objective >= (1 - 1 / std::exp(1.0)) * e.objective - 1e-12);
        }
    }

    void uncertaintyTakesHighestEntropy()
    {
        // Entropies: item 0 sure, item 1 (0.5, 0.5) = ln 2, item 2 (0.9, 0.1), item 3 (0.6, 0.4).
        const std::vector<double> post{1.0, 0.0, 0.5, 0.5, 0.9, 0.1, 0.6, 0.4};
        SelectionInput in = selectionOn(post, 4, 2, {{"expert", 0.9, 2.0}}, 2, 10, RelabelStrategy::Uncertainty);
        const Selection s = selectForRelabel(in);
        QCOMPARE(s.picks.size(), size_t(2));
        QCOMPARE(s.picks[0].item, 1);
        QCOMPARE(s.picks[1].item, 3);
        QCOMPARE(s.picks[1].cumulativeCost, 4.0);
        // Greedy agrees here (single relabeler: gain is increasing in the answer entropy).
        in.strategy = RelabelStrategy::Greedy;
        const Selection g = selectForRelabel(in);
        QCOMPARE(g.picks[0].item, 1);
        QCOMPARE(g.picks[1].item, 3);
        // Already asked items are not candidates.
        in.asked = {0, 1, 0, 0};
        QCOMPARE(selectForRelabel(in).picks[0].item, 3);
    }

    void randomIsSeeded()
    {
        std::mt19937_64 rng(7);
        const auto post = randomPosterior(rng, 200, 3);
        SelectionInput in = selectionOn(post, 200, 3, {{"expert", 0.9, 1.0}}, 20, 100, RelabelStrategy::Random);
        in.seed = 5;
        const Selection a = selectForRelabel(in), b = selectForRelabel(in);
        in.seed = 6;
        const Selection c = selectForRelabel(in);
        bool same = true, differ = false;
        for (size_t i = 0; i < a.picks.size(); ++i) {
            same = same && a.picks[i].item == b.picks[i].item;
            differ = differ || a.picks[i].item != c.picks[i].item;
        }
        QVERIFY(same);
        QVERIFY(differ);
    }

    void budgetsNeverExceeded_data()
    {
        chorus::test::addNameRows("strategy", {"greedy", "exact", "random", "uncertainty"});
    }

    void budgetsNeverExceeded()
    {
        QFETCH(QString, strategy);
        std::mt19937_64 rng(99);
        std::uniform_real_distribution<double> u(0.1, 3.0);
        for (int trial = 0; trial < 30; ++trial) {
            const auto post = randomPosterior(rng, 8, 3);
            SelectionInput in = selectionOn(post, 8, 3, {{"a", 0.9, u(rng)}, {"b", 0.7, u(rng)}}, 3, 0,
                                            parseRelabelStrategy(strategy.toStdString()));
            in.budget = u(rng) * 1.5;  // drawn after the costs
            in.seed = trial;
            const Selection s = selectForRelabel(in);
            QVERIFY(s.cost <= in.budget);
            QVERIFY(static_cast<int>(s.picks.size()) <= in.k);
            double sum = 0;
            for (const auto& p : s.picks) {
                sum += in.relabelers[p.relabeler].costPerItem;
                QVERIFY(std::abs(p.cumulativeCost - sum) < 1e-12);
            }
            // Nothing fits: an empty selection, not an overdraft.
            in.budget = 0.05;
            QVERIFY(selectForRelabel(in).picks.empty());
        }
    }

    void badCostAndBudgetAreErrors_data()
    {
        QTest::addColumn<double>("cost");
        QTest::addColumn<double>("budget");
        QTest::addColumn<QString>("message");
        QTest::newRow("zeroCost") << 0.0 << 10.0 << "cost per item must be > 0";
        QTest::newRow("negativeCost") << -1.0 << 10.0 << "cost per item must be > 0";
        QTest::newRow("negativeBudget") << 1.0 << -5.0 << "budget must be a finite number >= 0";
    }

    void badCostAndBudgetAreErrors()
    {
        QFETCH(double, cost);
        QFETCH(double, budget);
        QFETCH(QString, message);
        const std::vector<double> post{0.5, 0.5};
        const SelectionInput in = selectionOn(post, 1, 2, {{"expert", 0.9, cost}}, 1, budget, RelabelStrategy::Greedy);
        try {
            selectForRelabel(in);
            QFAIL("no exception");
        } catch (const std::invalid_argument& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(message), e.what());
        }
        SimulationInput sim;
        sim.posterior = post;
        sim.numItems = 1;
        sim.numLabels = 2;
        sim.answers = {0};
        sim.gold = {0};
        sim.relabeler = {"expert", 0.9, cost};
        sim.budget = budget;
        sim.strategies = {RelabelStrategy::Greedy};
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, simulateRelabeling(sim));
    }

    void exactTooLargeIsAnError()
    {
        std::vector<double> post(1000 * 2, 0.5);
        const SelectionInput in = selectionOn(post, 1000, 2, {{"expert", 0.9, 1.0}}, 10, 100, RelabelStrategy::Exact);
        try {
            selectForRelabel(in);
            QFAIL("no exception");
        } catch (const std::invalid_argument& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QLatin1String("use greedy")), e.what());
        }
    }

    void simulationOnSyntheticData()
    {
        // Averaged over seeds, relabeling never lowers expected accuracy (the Bayesian update
        // of a calibrated posterior cannot), the budget is never exceeded, and a random relabeler
        // (A = 1/L) leaves accuracy exactly where it started.
        const int seeds = 12;
        const std::vector<RelabelStrategy> strategies{RelabelStrategy::Greedy, RelabelStrategy::Random,
                                                      RelabelStrategy::Uncertainty};
        std::vector<std::vector<double>> mean(strategies.size());
        double meanStart = 0;
        for (int seed = 1; seed <= seeds; ++seed) {
            const SyntheticSpec spec{.numItems = 300,
                                     .numAnnotators = 15,
                                     .numLabels = 3,
                                     .labelsPerItem = 3,
                                     .seed = static_cast<uint64_t>(seed)};
            const SyntheticWorld w = generateDawidSkene(spec);
            AggregationInput ain;
            ain.matrix = &w.matrix;
            const AggregationResult r = aggregate("ds", ain);
            std::mt19937_64 rng(1000 + seed);
            std::uniform_real_distribution<double> u(0, 1);
            SimulationInput sim;
            sim.posterior = r.posterior;
            sim.numItems = spec.numItems;
            sim.numLabels = spec.numLabels;
            for (int32_t l : r.labels)
                sim.hasEvidence.push_back(l >= 0);
            for (int32_t t : w.truth)  // a relabeler of accuracy 0.85, errors uniform
                sim.answers.push_back(u(rng) < 0.85 ? t : (t + 1 + static_cast<int32_t>(u(rng) * 2)) % 3);
            sim.gold = w.truth;
            sim.relabeler = {"expert", 0.85, 0.7};
            sim.k = 15;
            sim.budget = 100;  // 142 items' worth
            sim.strategies = strategies;
            sim.seed = static_cast<uint64_t>(seed);
            const SimulationResult res = simulateRelabeling(sim);
            QCOMPARE(res.fullCost, 300 * 0.7);
            meanStart += res.startAccuracy / seeds;
            for (size_t s = 0; s < strategies.size(); ++s) {
                const auto& c = res.curves[s].curve;
                QCOMPARE(c.size(), size_t(11));  // start + 10 rounds (9 x 15 + 7 items = 142)
                QCOMPARE(c.back().relabeled, 142);
                for (const auto& pt : c)
                    QVERIFY(pt.spent <= sim.budget);
                if (mean[s].empty())
                    mean[s].assign(c.size(), 0.0);
                for (size_t i = 0; i < c.size(); ++i)
                    mean[s][i] += c[i].accuracy / seeds;
            }
            sim.relabeler.accuracy = 1.0 / 3;
            const SimulationResult flat = simulateRelabeling(sim);
            for (const auto& curve : flat.curves)
                for (const auto& pt : curve.curve)
                    QCOMPARE(pt.accuracy, flat.startAccuracy);
        }
        for (size_t s = 0; s < strategies.size(); ++s) {
            for (size_t i = 1; i < mean[s].size(); ++i)
                QVERIFY2(mean[s][i] >= mean[s][i - 1] - 0.002,
                         qPrintable(QStringLiteral("%1 round %2: %3 after %4")
                                        .arg(QString::fromStdString(relabelStrategyName(strategies[s])))
                                        .arg(i).arg(mean[s][i]).arg(mean[s][i - 1])));
            QVERIFY(mean[s].back() > meanStart);
        }
        // Greedy targets the uncertain items, so it ends ahead of random.
        QVERIFY(mean[0].back() > mean[1].back());
    }
};

QTEST_GUILESS_MAIN(TestRelabel)
#include "tst_relabel.moc"
