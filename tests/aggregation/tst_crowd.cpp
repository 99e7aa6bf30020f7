// Crowd design (aggregation/crowd.h): the subset search against a brute force written out here
// (its own majority vote, macro-F1, Pareto front and choice), the holdout never changing the
// choice, the greedy search's first steps, the crowd-size curve, hand-counted redundancy and the
// gold-free estimate.

#include "crowd.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <set>

using namespace chorus;

namespace {

constexpr int kL = 3;
constexpr int kMissing = -2;

// Twelve items, four annotators, labels 0..2; -1 = INVALID, -2 = not labelled.
const std::vector<int32_t> kGold{0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2};
const std::vector<std::vector<int32_t>> kLabels{
    {0, 1, 2, 0, 1, 2, 0, 1, 0, 0, 2, 2},           // A0: wrong on items 8 and 10
    {0, 1, 1, 0, 2, 2, 0, 0, 2, 1, 1, 2},           // A1: wrong on 2, 4, 7, 9
    {1, 1, 2, 2, 1, 0, 0, 1, 2, 0, -1, 1},          // A2: wrong on 0, 3, 5, 11, INVALID on 10
    {0, 2, 2, 0, 1, 1, 1, 1, kMissing, 0, 1, 0},    // A3: wrong on 1, 5, 6, 11, no label on 8
};
const std::vector<double> kCosts{1, 2, 0.5, 1.5};

agg::LabelMatrix matrix()
{
    std::vector<agg::Annotation> anns;
    for (int32_t a = 0; a < 4; ++a)
        for (int32_t i = 0; i < 12; ++i)
            if (kLabels[a][i] != kMissing)
                anns.push_back({i, a, kLabels[a][i]});
    return agg::LabelMatrix::build(12, 4, kL, anns);
}

// The brute force's own majority vote: most valid votes, the smallest label on a tie, -1
// without a valid vote.
int32_t vote(int32_t item, const std::vector<int32_t>& members)
{
    int counts[kL] = {0, 0, 0};
    for (int32_t a : members)
        if (kLabels[a][item] >= 0)
            ++counts[kLabels[a][item]];
    int32_t best = -1;
    for (int32_t l = 0; l < kL; ++l)
        if (counts[l] > 0 && (best < 0 || counts[l] > counts[best]))
            best = l;
    return best;
}

struct Score
{
    double macroF1 = 0, accuracy = 0;
};

// Macro-F1 over all three classes (F1 = 2TP / (2TP + FP + FN), 0 when that is 0/0) and accuracy.
Score score(const std::vector<int32_t>& members, const std::vector<int32_t>& items)
{
    int tp[kL] = {}, fp[kL] = {}, fn[kL] = {}, correct = 0;
    for (int32_t i : items) {
        const int32_t p = vote(i, members), g = kGold[i];
        if (p == g) {
            ++tp[g];
            ++correct;
        } else {
            ++fn[g];
            if (p >= 0)
                ++fp[p];
        }
    }
    Score s;
    for (int l = 0; l < kL; ++l) {
        const int d = 2 * tp[l] + fp[l] + fn[l];
        s.macroF1 += d > 0 ? 2.0 * tp[l] / d / kL : 0;
    }
    s.accuracy = static_cast<double>(correct) / static_cast<double>(items.size());
    return s;
}

std::vector<int32_t> membersOf(unsigned mask)
{
    std::vector<int32_t> m;
    for (int32_t a = 0; a < 4; ++a)
        if (mask >> a & 1)
            m.push_back(a);
    return m;
}

double costOf(const std::vector<int32_t>& members)
{
    double c = 0;
    for (int32_t a : members)
        c += kCosts[a];
    return c;
}

bool near(double a, double b)
{
    return std::abs(a - b) <= 1e-12;
}

agg::CrowdOptions mvOptions()
{
    agg::CrowdOptions o;
    o.methods = {"mv"};
    o.costs = kCosts;
    o.selectFraction = 0.5;
    o.seed = 7;
    o.curveSamples = 0;
    o.maxCost = 3;
    return o;
}

} // namespace

class TestCrowd : public QObject
{
    Q_OBJECT

private slots:
    void splitIsAPartition()
    {
        const agg::GoldSplit s = agg::splitGold(kGold, 0.5, 7);
        QCOMPARE(s.selection.size(), size_t{6});
        QCOMPARE(s.holdout.size(), size_t{6});
        std::set<int32_t> all(s.selection.begin(), s.selection.end());
        all.insert(s.holdout.begin(), s.holdout.end());
        QCOMPARE(all.size(), size_t{12});
        QVERIFY(agg::splitGold(kGold, 0.5, 8).selection != s.selection);  // the seed matters
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, agg::splitGold(kGold, 0, 1));
    }

    void exhaustiveSearchMatchesBruteForce()
    {
        const agg::LabelMatrix m = matrix();
        const agg::CrowdOptions o = mvOptions();
        const agg::CrowdDesign d = agg::designCrowd(m, kGold, o);
        QVERIFY(d.withGold);
        QCOMPARE(d.methods[0].search, std::string("exhaustive"));
        QCOMPARE(d.candidates.size(), size_t{15});
        // Every crowd, scored by the brute force on the same split.
        struct Expected
        {
            std::vector<int32_t> members;
            double cost;
            Score selection, holdout;
        };
        std::vector<Expected> expected;
        for (unsigned mask = 1; mask < 16; ++mask) {
            const auto members = membersOf(mask);
            expected.push_back({members, costOf(members), score(members, d.split.selection), score(members, d.split.holdout)});
        }
        for (const agg::CrowdCandidate& c : d.candidates) {
            const auto e = std::find_if(expected.begin(), expected.end(), [&](const Expected& x) { return x.members == c.members; });
            QVERIFY(e != expected.end());
            QVERIFY(near(c.cost, e->cost));
            QVERIFY2(near(c.selection.macroF1, e->selection.macroF1), qPrintable(QString::number(c.selection.macroF1)));
            QVERIFY(near(c.selection.accuracy, e->selection.accuracy));
            QVERIFY(near(c.holdout.macroF1, e->holdout.macroF1));
            QVERIFY(near(c.holdout.accuracy, e->holdout.accuracy));
        }
        // Recommended: the best selection macro-F1 among crowds costing at most 3, then the
        // cheapest, then the smallest.
        const Expected* best = nullptr;
        for (const Expected& e : expected) {
            if (e.cost > 3)
                continue;
            if (!best || e.selection.macroF1 > best->selection.macroF1 + 1e-12
                || (near(e.selection.macroF1, best->selection.macroF1)
                    && (e.cost < best->cost || (e.cost == best->cost && e.members.size() < best->members.size()))))
                best = &e;
        }
        QVERIFY(best && d.recommended >= 0);
        const agg::CrowdCandidate& rec = d.candidates[static_cast<size_t>(d.recommended)];
        QVERIFY(near(rec.selection.macroF1, best->selection.macroF1));
        QVERIFY(near(rec.cost, best->cost));
        QCOMPARE(rec.members.size(), best->members.size());
        // Pareto front as (cost, score): a crowd is on it when no crowd costing at most as much
        // scores higher, and none cheaper scores as high.
        std::set<std::pair<double, double>> front;
        for (const Expected& e : expected) {
            bool dominated = false;
            for (const Expected& f : expected)
                dominated = dominated || (f.cost <= e.cost && f.selection.macroF1 > e.selection.macroF1 + 1e-12)
                            || (f.cost < e.cost && f.selection.macroF1 >= e.selection.macroF1 - 1e-12);
            if (!dominated)
                front.insert({e.cost, std::round(e.selection.macroF1 * 1e9) / 1e9});
        }
        std::set<std::pair<double, double>> ours;
        for (int32_t c : d.pareto)
            ours.insert({d.candidates[static_cast<size_t>(c)].cost,
                         std::round(d.candidates[static_cast<size_t>(c)].selection.macroF1 * 1e9) / 1e9});
        QCOMPARE(ours, front);
        QCOMPARE(d.pareto.size(), front.size());
        // The full crowd and the best single annotator (its own labels = a crowd of one).
        QCOMPARE(d.candidates[static_cast<size_t>(d.fullCrowd[0])].members, (std::vector<int32_t>{0, 1, 2, 3}));
        double bestSingle = -1;
        for (int32_t a = 0; a < 4; ++a)
            bestSingle = std::max(bestSingle, score({a}, d.split.selection).macroF1);
        QVERIFY(near(d.bestSingle.selection.macroF1, bestSingle));
    }

    void holdoutNeverChangesTheChoice()
    {
        const agg::LabelMatrix m = matrix();
        const agg::CrowdOptions o = mvOptions();
        const agg::CrowdDesign d = agg::designCrowd(m, kGold, o);
        std::vector<int32_t> flipped = kGold;
        for (int32_t i : d.split.holdout)
            flipped[i] = (flipped[i] + 1) % kL;
        const agg::CrowdDesign f = agg::designCrowd(m, flipped, o);
        QCOMPARE(f.split.selection, d.split.selection);
        QCOMPARE(f.candidates[static_cast<size_t>(f.recommended)].members,
                 d.candidates[static_cast<size_t>(d.recommended)].members);
        QCOMPARE(f.pareto, d.pareto);
        QVERIFY(f.candidates[static_cast<size_t>(f.fullCrowd[0])].holdout.macroF1
                != d.candidates[static_cast<size_t>(d.fullCrowd[0])].holdout.macroF1);
    }

    void greedyForwardStartsFromTheBestSingle()
    {
        const agg::LabelMatrix m = matrix();
        agg::CrowdOptions o = mvOptions();
        o.maxExhaustive = 0;  // mv searched greedily
        const agg::CrowdDesign d = agg::designCrowd(m, kGold, o);
        QCOMPARE(d.methods[0].search, std::string("greedy"));
        // Step 1 tries the four singles; the best (selection macro-F1, then cost) is kept and
        // step 2 tries it with each of the three others.
        int32_t first = -1;
        for (int32_t a = 0; a < 4; ++a) {
            const double s = score({a}, d.split.selection).macroF1;
            const double b = first < 0 ? -1 : score({first}, d.split.selection).macroF1;
            if (first < 0 || s > b + 1e-12 || (near(s, b) && kCosts[a] < kCosts[first]))
                first = a;
        }
        auto seen = [&](std::vector<int32_t> members) {
            std::sort(members.begin(), members.end());
            return std::any_of(d.candidates.begin(), d.candidates.end(),
                               [&](const agg::CrowdCandidate& c) { return c.members == members; });
        };
        for (int32_t a = 0; a < 4; ++a) {
            QVERIFY(seen({a}));
            if (a != first)
                QVERIFY(seen({first, a}));
        }
        QVERIFY(seen({0, 1, 2, 3}));
        QVERIFY(d.candidates.size() < 15);  // not every subset
    }

    void curveOverAllSubsets()
    {
        const agg::LabelMatrix m = matrix();
        agg::CrowdOptions o = mvOptions();
        o.curveSamples = 200;
        const agg::CrowdDesign d = agg::designCrowd(m, kGold, o);
        const auto& curve = d.methods[0].curve;
        QCOMPARE(curve.size(), size_t{4});
        for (int32_t size = 1; size <= 4; ++size) {
            double sum = 0, best = -1;
            int n = 0;
            for (unsigned mask = 1; mask < 16; ++mask) {
                const auto members = membersOf(mask);
                if (static_cast<int32_t>(members.size()) != size)
                    continue;
                const double f = score(members, d.split.holdout).macroF1;
                sum += f;
                best = std::max(best, f);
                ++n;
            }
            const agg::CrowdCurvePoint& p = curve[static_cast<size_t>(size - 1)];
            QCOMPARE(p.size, size);
            QCOMPARE(p.crowds, int64_t{n});  // 4, 6, 4, 1
            QVERIFY(p.exhaustive);
            QVERIFY(near(p.meanMacroF1, sum / n));
            QVERIFY(near(p.bestMacroF1, best));
        }
        // With 2 samples per size, sizes 2 and 3 are drawn at random (2 distinct crowds each).
        o.curveSamples = 2;
        const agg::CrowdDesign r = agg::designCrowd(m, kGold, o);
        QCOMPARE(r.methods[0].curve[1].crowds, int64_t{2});
        QVERIFY(!r.methods[0].curve[1].exhaustive);
        QVERIFY(r.methods[0].curve[3].exhaustive);  // one crowd of 4
    }

    void redundancyByHand()
    {
        const agg::LabelMatrix m = matrix();
        std::vector<int32_t> all(12);
        for (int32_t i = 0; i < 12; ++i)
            all[i] = i;
        const auto pairs = agg::pairRedundancy(m, kGold, all);
        QCOMPARE(pairs.size(), size_t{6});
        // A0, A1 on all 12 items: A0 wrong on {8, 10}, A1 on {2, 4, 7, 9}: never together.
        // Kappa of the error indicators: po = 6/12, pe = 2/12 * 4/12 + 10/12 * 8/12 = 88/144,
        // (72 - 88) / (144 - 88) = -2/7.
        const agg::PairRedundancy& p01 = pairs[0];
        QCOMPARE(p01.a, 0);
        QCOMPARE(p01.b, 1);
        QCOMPARE(p01.gold.items, int64_t{12});
        QVERIFY(near(p01.gold.rateA, 2.0 / 12) && near(p01.gold.rateB, 4.0 / 12));
        QVERIFY(near(p01.gold.joint, 0) && near(p01.gold.ratio, 0));
        QVERIFY(near(p01.gold.kappa, -2.0 / 7));
        // Against the vote of A2 and A3: they agree, or only one votes, on items 2 (2), 4 (1),
        // 7 (1), 8 (2, A2 alone), 9 (0), 10 (1, A3 alone; A2 INVALID). A0 deviates on 8 and 10,
        // A1 on 2, 4, 7, 9.
        QCOMPARE(p01.consensus.items, int64_t{6});
        QVERIFY(near(p01.consensus.rateA, 2.0 / 6) && near(p01.consensus.rateB, 4.0 / 6));
        QVERIFY(near(p01.consensus.joint, 0));
        // A2, A3 on the 11 items both labelled (not 8): A2 wrong on {0, 3, 5, 10, 11}, A3 on
        // {1, 5, 6, 11}; together on {5, 11}: ratio (2/11) / (5/11 * 4/11) = 1.1.
        const agg::PairRedundancy& p23 = pairs[5];
        QCOMPARE(p23.a, 2);
        QCOMPARE(p23.b, 3);
        QCOMPARE(p23.gold.items, int64_t{11});
        QVERIFY(near(p23.gold.rateA, 5.0 / 11) && near(p23.gold.rateB, 4.0 / 11));
        QVERIFY(near(p23.gold.joint, 2.0 / 11));
        QVERIFY(std::abs(p23.gold.ratio - 1.1) < 1e-12);
    }

    void goldFreeEstimate()
    {
        const agg::LabelMatrix m = matrix();
        agg::CrowdOptions o = mvOptions();
        o.ignoreGold = true;
        o.maxCost = std::numeric_limits<double>::infinity();
        const agg::CrowdDesign d = agg::designCrowd(m, kGold, o);
        QVERIFY(!d.withGold);
        QCOMPARE(d.reference, std::string("mv"));
        QVERIFY(d.split.selection.empty());
        QCOMPARE(d.split.holdout.size(), size_t{12});
        // Reference: the full crowd's vote shares. A0's crowd of one is expected to be right with
        // the share of A0's label among all valid votes, averaged over the 12 items.
        double sum = 0, sumMax = 0;
        for (int32_t i = 0; i < 12; ++i) {
            int counts[kL] = {0, 0, 0}, valid = 0;
            for (int32_t a = 0; a < 4; ++a)
                if (kLabels[a][i] >= 0) {
                    ++counts[kLabels[a][i]];
                    ++valid;
                }
            sum += static_cast<double>(counts[kLabels[0][i]]) / valid;
            sumMax += static_cast<double>(*std::max_element(counts, counts + kL)) / valid;
        }
        const auto a0 = std::find_if(d.candidates.begin(), d.candidates.end(),
                                     [](const agg::CrowdCandidate& c) { return c.members == std::vector<int32_t>{0}; });
        QVERIFY(a0 != d.candidates.end());
        QVERIFY(near(a0->estimatedAccuracy, sum / 12));
        // The full crowd's estimate is its mean maximum share, the highest any crowd can get:
        // it is recommended when cost does not matter.
        QVERIFY(near(d.candidates[static_cast<size_t>(d.fullCrowd[0])].estimatedAccuracy, sumMax / 12));
        QVERIFY(near(d.candidates[static_cast<size_t>(d.recommended)].estimatedAccuracy, sumMax / 12));
    }

    void cancel()
    {
        const agg::LabelMatrix m = matrix();
        agg::RunHooks hooks;
        int polls = 0;
        hooks.isCanceled = [&] { return ++polls > 3; };
        QVERIFY_THROWS_EXCEPTION(agg::Canceled, agg::designCrowd(m, kGold, mvOptions(), hooks));
    }

    void badOptions()
    {
        const agg::LabelMatrix m = matrix();
        agg::CrowdOptions o = mvOptions();
        o.methods = {"nosuch"};
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, agg::designCrowd(m, kGold, o));
        o = mvOptions();
        o.costs = {1, 2};
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, agg::designCrowd(m, kGold, o));
    }
};

QTEST_GUILESS_MAIN(TestCrowd)
#include "tst_crowd.moc"
