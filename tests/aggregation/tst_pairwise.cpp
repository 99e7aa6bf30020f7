// Pairwise rankings and judge quality on small cases derived by hand (written out below).
// The comparison with the reference implementations on PandaLM is in tests/cli/tst_cli_pairwise.

#include "pairwise.h"

#include <QtTest>

#include <cmath>

using namespace chorus;
using agg::Outcome;

namespace {

/// Builds data from (model_a, model_b, outcome[, judge, item, category]) rows.
struct Builder
{
    agg::PairwiseData d;
    Builder& add(const std::string& a, const std::string& b, Outcome o, const std::string& judge = "j",
                 int32_t item = -1, const std::string& category = {})
    {
        agg::Judgment j;
        j.modelA = agg::PairwiseData::intern(d.models, a);
        j.modelB = agg::PairwiseData::intern(d.models, b);
        j.outcome = o;
        const size_t before = d.judges.size();
        j.judge = agg::PairwiseData::intern(d.judges, judge);
        if (d.judges.size() != before)
            d.judgeKinds.push_back(judge.rfind("human", 0) == 0 ? agg::JudgeKind::Human : agg::JudgeKind::Llm);
        j.item = item;
        j.category = category.empty() ? -1 : agg::PairwiseData::intern(d.categories, category);
        d.judgments.push_back(j);
        return *this;
    }
};

bool near(double a, double b, double tol) { return std::abs(a - b) <= tol; }

} // namespace

class TestPairwise : public QObject
{
    Q_OBJECT

private slots:
    void eloThreeGamesByHand()
    {
        // K = 32, scale 400, base 10, initial 1000.
        // 1. A beats B, both 1000: E_A = 1/2, A = 1000 + 32 * 1/2 = 1016, B = 984.
        // 2. A (1016) ties C (1000): E_A = 1 / (1 + 10^(-16/400)) = 0.5230096..., E_C = 1 - E_A;
        //    A = 1016 + 32 (0.5 - E_A) = 1015.2637..., C = 1000 + 32 (0.5 - E_C) = 1000.7363...
        // 3. B (984) beats C (C2): E_B = 1 / (1 + 10^((C2 - 984)/400)); B = 984 + 32 (1 - E_B),
        //    C = C2 + 32 (0 - E_C) = C2 - 32 (1 - E_B).
        Builder b;
        b.add("A", "B", Outcome::A).add("A", "C", Outcome::Tie).add("B", "C", Outcome::A);
        agg::EloOptions o;
        o.k = 32;
        const double ea2 = 1.0 / (1.0 + std::pow(10.0, -16.0 / 400.0));
        const double a2 = 1016 + 32 * (0.5 - ea2);
        const double c2 = 1000 + 32 * (0.5 - (1 - ea2));
        const double eb3 = 1.0 / (1.0 + std::pow(10.0, (c2 - 984.0) / 400.0));
        const double b3 = 984 + 32 * (1.0 - eb3);
        const double c3 = c2 - 32 * (1.0 - eb3);
        QVERIFY(near(ea2, 0.5230096, 1e-7));
        const std::vector<double> r = agg::eloRatings(b.d, o);
        QVERIFY2(near(r[0], a2, 1e-9), qPrintable(QString::number(r[0], 'g', 17)));
        QVERIFY(near(r[1], b3, 1e-9));
        QVERIFY(near(r[2], c3, 1e-9));
        // Elo is zero-sum: the total stays 3 * 1000.
        QVERIFY(near(r[0] + r[1] + r[2], 3000, 1e-9));

        // Ties dropped: only games 1 and 3. After game 1: A 1016, B 984, C unseen (1000); game 3
        // is B (984) beating C (1000): E_B = 1 / (1 + 10^(16/400)) = 1 - ea2, so
        // B = 984 + 32 ea2 and C = 1000 - 32 ea2.
        o.ties = agg::TiePolicy::Drop;
        const std::vector<double> d = agg::eloRatings(b.d, o);
        QCOMPARE(d[0], 1016.0);
        QVERIFY(near(d[1], 984 + 32 * ea2, 1e-9));
        QVERIFY(near(d[2], 1000 - 32 * ea2, 1e-9));
    }

    void bradleyTerryByHand_data()
    {
        QTest::addColumn<int>("ties");
        QTest::addColumn<QList<double>>("expected");
        // Two models, A beats B 3 times, B beats A once, 2 ties. The MLE of p_A/(p_A+p_B) is the
        // (half-)win share: ties dropped 3/4; ties as half wins (3+1)/(3+1+1+1) = 2/3.
        QTest::newRow("tiesDropped") << 0 << QList<double>{0.75, 0.25};
        QTest::newRow("tiesHalf") << 1 << QList<double>{2.0 / 3.0, 1.0 / 3.0};
    }

    void bradleyTerryByHand()
    {
        QFETCH(int, ties);
        QFETCH(QList<double>, expected);
        Builder b;
        for (int i = 0; i < 3; ++i)
            b.add("A", "B", Outcome::A);
        b.add("B", "A", Outcome::A).add("A", "B", Outcome::Tie).add("B", "A", Outcome::Tie);
        agg::BradleyTerryOptions o;
        o.ties = ties ? agg::TiePolicy::Half : agg::TiePolicy::Drop;
        const agg::RankingResult r = agg::rankBradleyTerry(b.d, o, {0});
        QVERIFY(r.converged);
        QVERIFY(near(r.models[0].rating, expected[0], 1e-10));
        QVERIFY(near(r.models[1].rating, expected[1], 1e-10));
        QCOMPARE(r.used, ties ? 6 : 4);
        // Records do not depend on the tie policy: A 3-1-2, win rate (3 + 1) / 6.
        QCOMPARE(r.models[0].record.wins, 3);
        QCOMPARE(r.models[0].record.losses, 1);
        QCOMPARE(r.models[0].record.ties, 2);
        QVERIFY(near(r.models[0].record.winRate, 4.0 / 6.0, 1e-15));
    }

    void bradleyTerryChainByHand()
    {
        // A beats B 2-1, B beats C 2-1, A and C never meet. The comparison graph is a tree, so
        // each pair's share is fitted exactly: p_A = 2 p_B, p_B = 2 p_C -> (4/7, 2/7, 1/7).
        Builder b;
        b.add("A", "B", Outcome::A).add("A", "B", Outcome::A).add("A", "B", Outcome::B);
        b.add("B", "C", Outcome::A).add("C", "B", Outcome::B).add("B", "C", Outcome::B);
        const agg::RankingResult r = agg::rankBradleyTerry(b.d, {}, {0});
        QVERIFY(near(r.models[0].rating, 4.0 / 7.0, 1e-10));
        QVERIFY(near(r.models[1].rating, 2.0 / 7.0, 1e-10));
        QVERIFY(near(r.models[2].rating, 1.0 / 7.0, 1e-10));
        // Win-rate matrix: A over B 2/3, B over C 2/3, A-C never met.
        const std::vector<double> w = agg::winRateMatrix(b.d);
        QVERIFY(near(w[0 * 3 + 1], 2.0 / 3.0, 1e-15));
        QVERIFY(near(w[1 * 3 + 0], 1.0 / 3.0, 1e-15));
        QVERIFY(near(w[1 * 3 + 2], 2.0 / 3.0, 1e-15));
        QVERIFY(std::isnan(w[0 * 3 + 2]));
    }

    void binomialTestByHand_data()
    {
        QTest::addColumn<int>("k");
        QTest::addColumn<int>("n");
        QTest::addColumn<double>("p");
        QTest::addColumn<double>("expected");
        // 9 of 10 at 1/2: P(X >= 9) + P(X <= 1) = 2 (1 + 10) / 1024.
        QTest::newRow("nineOfTen") << 9 << 10 << 0.5 << 22.0 / 1024.0;
        // 2 of 10: 2 (1 + 10 + 45) / 1024.
        QTest::newRow("twoOfTen") << 2 << 10 << 0.5 << 112.0 / 1024.0;
        QTest::newRow("exactlyHalf") << 5 << 10 << 0.5 << 1.0;
        // 2 of 2 at 1/4: pmf 9/16, 6/16, 1/16; only X = 2 is as unlikely: 1/16.
        QTest::newRow("skewedP") << 2 << 2 << 0.25 << 1.0 / 16.0;
        QTest::newRow("noTrials") << 0 << 0 << 0.5 << 1.0;
    }

    void binomialTestByHand()
    {
        QFETCH(int, k);
        QFETCH(int, n);
        QFETCH(double, p);
        QFETCH(double, expected);
        QVERIFY(near(agg::binomialTestTwoSided(k, n, p), expected, 1e-12));
    }

    void judgeQualityByHand()
    {
        // Pair (X, Y) on 4 items; humans h1 h2 h3 and one LLM judge.
        //   item 0 (cat c1): humans a a b  -> majority a;  llm a
        //   item 1 (cat c1): humans b b b  -> majority b;  llm a
        //   item 2 (cat c1): humans t t a  -> majority tie; llm tie
        //   item 3 (cat c2): humans a b t  -> no majority; llm b
        // LLM: compared 3, agreements 2 -> accuracy 2/3. Confusion (judge x majority): (a,a),
        // (a,b), (t,t). p_o = 2/3; judge marginals a 2/3, t 1/3; majority 1/3 each;
        // p_e = 2/9 + 1/9 = 1/3; kappa = (2/3 - 1/3) / (1 - 1/3) = 1/2.
        // Category c1: x = (+1, +1, 0), y = (+1, -1, 0): cov = 1/3 * 1 + 1/3 * -1 + 0 = 0 -> r = 0.
        // Positional bias (model_a assumed first): decided items 0, 1, 3; first wins 2 of 3;
        // binomial pmf 1/8 3/8 3/8 1/8 -> p = 1.
        // h1 (a, b, t, a), leave-one-out: item 0 others a b (none), item 1 others b b -> b
        // (agrees), item 2 others t a (none), item 3 others b t (none): compared 1, accuracy 1.
        const Outcome a = Outcome::A, bb = Outcome::B, t = Outcome::Tie;
        const Outcome h[4][3] = {{a, a, bb}, {bb, bb, bb}, {t, t, a}, {a, bb, t}};
        const Outcome llm[4] = {a, a, t, bb};
        const char* cat[4] = {"c1", "c1", "c1", "c2"};
        Builder b;
        for (int i = 0; i < 4; ++i) {
            for (int k = 0; k < 3; ++k)
                b.add("X", "Y", h[i][k], "human" + std::to_string(k + 1), i, cat[i]);
            b.add("X", "Y", llm[i], "llm", i, cat[i]);
        }
        const std::vector<agg::JudgeQuality> q = agg::judgeQuality(b.d);
        QCOMPARE(q.size(), size_t(4));
        const agg::JudgeQuality& l = q[3];
        QCOMPARE(l.compared, 3);
        QVERIFY(near(l.accuracy, 2.0 / 3.0, 1e-15));
        QVERIFY(near(l.kappa.value, 0.5, 1e-12));
        QCOMPARE(l.categories.size(), size_t(1));
        QCOMPARE(l.categories[0].n, 3);
        QVERIFY(near(l.categories[0].r.value, 0.0, 1e-12));
        QVERIFY(l.firstShownAssumed);
        QCOMPARE(l.positional.wins, 2);
        QCOMPARE(l.positional.decided, 3);
        QCOMPARE(l.positional.ties, 1);
        QVERIFY(near(l.positional.pValue, 1.0, 1e-12));
        QCOMPARE(q[0].compared, 1);
        QCOMPARE(q[0].accuracy, 1.0);
        QCOMPARE(l.length.decided, 0);
    }

    void positionalAndLengthBias()
    {
        // 10 decided judgments; the first-shown output wins 9 (first_shown recorded: model_b
        // shown first in the last 5 rows) -> rate 0.9, p = 22/1024. Lengths: the longer output
        // wins 2 of 10 -> p = 112/1024.
        Builder b;
        for (int i = 0; i < 10; ++i) {
            const bool bFirst = i >= 5;
            const bool firstWins = i != 0;
            b.add("X", "Y", firstWins == bFirst ? Outcome::B : Outcome::A, "llm");
            agg::Judgment& j = b.d.judgments.back();
            j.firstShown = bFirst ? 1 : 0;
            const bool aWins = j.outcome == Outcome::A;
            const bool longerWins = i < 2;
            j.lengthA = (aWins == longerWins) ? 200 : 100;
            j.lengthB = (aWins == longerWins) ? 100 : 200;
        }
        const agg::JudgeQuality q = agg::judgeQuality(b.d).at(0);
        QVERIFY(!q.firstShownAssumed);
        QCOMPARE(q.positional.wins, 9);
        QCOMPARE(q.positional.rate, 0.9);
        QVERIFY(near(q.positional.pValue, 22.0 / 1024.0, 1e-12));
        QCOMPARE(q.length.wins, 2);
        QVERIFY(near(q.length.pValue, 112.0 / 1024.0, 1e-12));
        QCOMPARE(q.compared, 0);  // no human judges
    }

    void bootstrapIsSeededAndThreadIndependent()
    {
        Builder b;
        const char* m[4] = {"p", "q", "r", "s"};
        for (int i = 0; i < 400; ++i)
            b.add(m[i % 4], m[(i * 7 + 1) % 4 == i % 4 ? (i + 1) % 4 : (i * 7 + 1) % 4],
                  static_cast<Outcome>((i * 13) % 3));
        const agg::BootstrapOptions oneThread{.replicates = 64, .seed = 7, .threads = 1};
        const agg::BootstrapOptions twoThreads{.replicates = 64, .seed = 7, .threads = 2};
        const auto one = agg::rankElo(b.d, {}, oneThread);
        const auto two = agg::rankElo(b.d, {}, twoThreads);
        const auto bt1 = agg::rankBradleyTerry(b.d, {}, twoThreads);
        const auto bt2 = agg::rankBradleyTerry(b.d, {}, oneThread);
        for (size_t k = 0; k < b.d.models.size(); ++k) {
            QCOMPARE(one.models[k].median, two.models[k].median);
            QCOMPARE(one.models[k].lo, two.models[k].lo);
            QCOMPARE(bt1.models[k].hi, bt2.models[k].hi);
            QVERIFY(one.models[k].lo <= one.models[k].hi);
        }
        QCOMPARE(one.replicates, 64);
        const auto shuffled = agg::rankElo(b.d, {}, oneThread, agg::Resampling::Shuffle);
        QVERIFY(shuffled.models[0].lo <= shuffled.models[0].hi);
    }

    void cancelStopsBootstrap()
    {
        Builder b;
        b.add("A", "B", Outcome::A).add("B", "A", Outcome::Tie);
        agg::RunHooks hooks;
        hooks.isCanceled = [] { return true; };
        agg::BootstrapOptions boot;
        boot.replicates = 100;
        QVERIFY_THROWS_EXCEPTION(agg::Canceled, agg::rankElo(b.d, {}, boot, agg::Resampling::WithReplacement, hooks));
    }

    void filterByJudgeRenumbersModels()
    {
        Builder b;
        b.add("A", "B", Outcome::A, "human_1").add("C", "D", Outcome::B, "gpt").add("D", "A", Outcome::Tie, "human_2");
        const agg::PairwiseData f = agg::filterByJudge(b.d, "human");
        QCOMPARE(f.judgments.size(), size_t(2));
        QCOMPARE(f.models, (std::vector<std::string>{"A", "B", "D"}));
        QCOMPARE(f.judgments[1].modelA, 2);
    }
};

QTEST_GUILESS_MAIN(TestPairwise)
#include "tst_pairwise.moc"
