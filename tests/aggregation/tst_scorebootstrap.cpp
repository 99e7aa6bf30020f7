// agg::bootstrapScores (the dashboard's accuracy / macro-F1 intervals) against two references
// kept here:
// - the explicit bootstrap under the documented draws: for every replicate, the cell tallies
//   from multinomialCounts over the cells as this file groups the items, then the resampled
//   prediction and gold vectors built item by item (each cell's drawn count of its own items)
//   and scored with agg::evaluate(). Same draws, so the intervals must be equal (up to
//   summation order: 1e-12). This checks the grouping and the scoring.
// - the classic item-level bootstrap (n uniform draws of items with IndexSampler, then
//   evaluate()), an independent random stream: its interval ends must agree with ours within
//   the Monte Carlo error derived in statisticallyEqualToItemResampling. This checks that
//   drawing the tallies at once estimates the same intervals.

#include "bootstrapreference.h"
#include "evaluation.h"
#include "sampling.h"

#include <QtTest>

#include <map>
#include <numeric>
#include <random>

using namespace chorus::agg;

namespace {

struct Reference
{
    std::vector<double> accuracy, macroF1;
};

// The reference: explicit resamples of `items` under the documented draw (the tallies of the
// cells (gold, prediction or "none" = L) in the order (gold, then prediction), by
// multinomialCounts with replicateSeed(seed, b)), scored from scratch by evaluate().
Reference straightforward(const std::vector<int32_t>& pred, const std::vector<int32_t>& gold,
                          const std::vector<int32_t>& items, int32_t L, int B, uint64_t seed, MacroAverage over)
{
    Reference r;
    chorus::test::forEachReferenceResample(pred, gold, items, L, B, seed,
                                           [&](const std::vector<int32_t>& p, const std::vector<int32_t>& g) {
                                               const EvaluationResult e = evaluate(p, g, L, {over});
                                               r.accuracy.push_back(e.accuracy);
                                               r.macroF1.push_back(e.macroF1);
                                           });
    return r;
}

// The classic bootstrap: n items drawn uniformly with replacement (IndexSampler), scored by
// evaluate().
Reference itemResampling(const std::vector<int32_t>& pred, const std::vector<int32_t>& gold,
                         const std::vector<int32_t>& items, int32_t L, int B, uint64_t seed)
{
    Reference r;
    const size_t n = items.size();
    std::vector<int32_t> p(n), g(n);
    std::mt19937_64 rng(seed);
    for (int b = 0; b < B; ++b) {
        IndexSampler draw(rng, static_cast<uint32_t>(n));
        for (size_t k = 0; k < n; ++k) {
            const int32_t i = items[draw()];
            p[k] = pred[i];
            g[k] = gold[i];
        }
        const EvaluationResult e = evaluate(p, g, L);
        r.accuracy.push_back(e.accuracy);
        r.macroF1.push_back(e.macroF1);
    }
    return r;
}

void compareInterval(const Interval& got, const Interval& want, const char* what)
{
    QVERIFY2(got.defined() == want.defined(), what);
    if (!want.defined())
        return;
    QVERIFY2(std::abs(got.lo - want.lo) < 1e-12, what);
    QVERIFY2(std::abs(got.hi - want.hi) < 1e-12, what);
}

} // namespace

class TestScoreBootstrap : public QObject
{
    Q_OBJECT

private slots:
    void matchesStraightforwardBootstrap_data()
    {
        QTest::addColumn<int>("items");
        QTest::addColumn<int>("labels");
        QTest::addColumn<int>("vectors");
        QTest::addColumn<double>("missingShare");  // kNoPrediction / INVALID share of predictions
        QTest::addColumn<bool>("subset");          // resample only the items a vector answered
        QTest::addColumn<int>("macro");            // MacroAverage
        QTest::newRow("pairedMethodsDense") << 2000 << 5 << 4 << 0.0 << false << int(MacroAverage::AllLabels);
        QTest::newRow("invalidAndMissingCountWrong") << 1500 << 3 << 2 << 0.2 << false << int(MacroAverage::AllLabels);
        QTest::newRow("sparseAnnotatorOwnItems") << 3000 << 4 << 1 << 0.9 << true << int(MacroAverage::AllLabels);
        QTest::newRow("labelsPresentMacro") << 800 << 6 << 3 << 0.1 << false << int(MacroAverage::LabelsPresent);
        QTest::newRow("twoItems") << 2 << 2 << 1 << 0.0 << false << int(MacroAverage::AllLabels);
    }

    void matchesStraightforwardBootstrap()
    {
        QFETCH(int, items);
        QFETCH(int, labels);
        QFETCH(int, vectors);
        QFETCH(double, missingShare);
        QFETCH(bool, subset);
        QFETCH(int, macro);
        std::mt19937_64 rng(42);
        std::uniform_real_distribution<double> u(0, 1);
        std::vector<int32_t> gold(static_cast<size_t>(items));
        for (int i = 0; i < items; ++i)
            gold[i] = u(rng) < 0.1 ? -1 : static_cast<int32_t>(rng() % labels);  // some items without gold
        gold[0] = 0;
        std::vector<std::vector<int32_t>> preds(static_cast<size_t>(vectors), std::vector<int32_t>(items));
        for (auto& p : preds)
            for (int i = 0; i < items; ++i) {
                const double x = u(rng);
                p[i] = x < missingShare / 2       ? kNoPrediction
                       : x < missingShare         ? kInvalidLabel
                       : x < missingShare + 0.3   ? static_cast<int32_t>(rng() % labels)
                       : gold[i] >= 0             ? gold[i]
                                                  : 0;
            }
        std::vector<int32_t> gi;
        for (int i = 0; i < items; ++i)
            if (gold[i] >= 0 && (!subset || preds[0][i] != kNoPrediction))
                gi.push_back(i);
        QVERIFY(!gi.empty());

        BootstrapOptions boot;
        boot.replicates = 150;
        boot.seed = 1234;
        boot.threads = 2;
        std::vector<const std::vector<int32_t>*> ptrs;
        for (const auto& p : preds)
            ptrs.push_back(&p);
        const auto over = static_cast<MacroAverage>(macro);
        const auto got = bootstrapScores(ptrs, gold, gi, labels, boot, {over});
        QCOMPARE(got.size(), preds.size());
        for (size_t v = 0; v < preds.size(); ++v) {
            const Reference ref = straightforward(preds[v], gold, gi, labels, boot.replicates, boot.seed, over);
            compareInterval(got[v].accuracy, percentileInterval(ref.accuracy, 0.95), "accuracy");
            compareInterval(got[v].macroF1, percentileInterval(ref.macroF1, 0.95), "macro-F1");
        }
        // Thread count does not matter.
        boot.threads = 1;
        const auto one = bootstrapScores(ptrs, gold, gi, labels, boot, {over});
        for (size_t v = 0; v < preds.size(); ++v) {
            QCOMPARE(one[v].accuracy.lo, got[v].accuracy.lo);
            QCOMPARE(one[v].macroF1.hi, got[v].macroF1.hi);
        }
    }

    // A vector's interval does not depend on the other vectors passed with it.
    void pairedVectorsAreIndependentOfEachOther()
    {
        std::vector<int32_t> gold{0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 1};
        std::vector<int32_t> a{0, 1, 2, 1, 1, 2, 0, 0, 2, 0, 1, 2}, b{2, 2, 2, 0, 0, 0, 1, 1, 1, 0, 1, 2};
        std::vector<int32_t> items(gold.size());
        std::iota(items.begin(), items.end(), 0);
        BootstrapOptions boot;
        boot.replicates = 300;
        const auto both = bootstrapScores({&a, &b}, gold, items, 3, boot);
        const auto alone = bootstrapScores({&a}, gold, items, 3, boot);
        QCOMPARE(both[0].accuracy.lo, alone[0].accuracy.lo);
        QCOMPARE(both[0].accuracy.hi, alone[0].accuracy.hi);
        QCOMPARE(both[0].macroF1.lo, alone[0].macroF1.lo);
    }

    // Drawing the cell tallies at once must estimate the same intervals as drawing items one by
    // one. Derivation of the tolerance: with n = 400 items and accuracy a near 0.8 (a prediction
    // is right with chance 0.7 + 0.3 / 3) the replicate accuracy has sd s = sqrt(a (1 - a) / n)
    // = 0.020 (0.0229 at a = 0.7, used to be safe); the 2.5% quantile of B = 4000 replicates has
    // standard error sqrt(0.025 * 0.975 / B) / f(q), f(q) = phi(1.96) / s = 0.0584 / 0.0229 =
    // 2.55, so 0.00247 / 2.55 = 0.00097; the difference of two independent estimates 0.00137,
    // and accuracy moves in steps of 1/400 = 0.0025 (the type-7 quantile interpolates, up to
    // one step more). 5 standard errors plus one step: 0.0094. Macro-F1's
    // spread is of the same order here (balanced labels); the same tolerance applies. A sampler
    // whose tallies had the wrong spread (say, drawn without replacement: sd shrinks to 0) or
    // the wrong centre misses this by several times.
    void statisticallyEqualToItemResampling()
    {
        const int n = 400, L = 3;
        std::mt19937_64 rng(77);
        std::vector<int32_t> gold(n), pred(n);
        for (int i = 0; i < n; ++i) {
            gold[i] = static_cast<int32_t>(rng() % L);
            pred[i] = rng() % 10 < 7 ? gold[i] : static_cast<int32_t>(rng() % L);
        }
        std::vector<int32_t> items(n);
        std::iota(items.begin(), items.end(), 0);
        BootstrapOptions boot;
        boot.replicates = 4000;
        boot.seed = 99;
        const auto got = bootstrapScores({&pred}, gold, items, L, boot);
        const Reference classic = itemResampling(pred, gold, items, L, boot.replicates, 12345);
        const Interval acc = percentileInterval(classic.accuracy, 0.95), f1 = percentileInterval(classic.macroF1, 0.95);
        const double tol = 0.0094;
        QVERIFY2(std::abs(got[0].accuracy.lo - acc.lo) < tol, qPrintable(QString::number(got[0].accuracy.lo - acc.lo)));
        QVERIFY2(std::abs(got[0].accuracy.hi - acc.hi) < tol, qPrintable(QString::number(got[0].accuracy.hi - acc.hi)));
        QVERIFY2(std::abs(got[0].macroF1.lo - f1.lo) < tol, qPrintable(QString::number(got[0].macroF1.lo - f1.lo)));
        QVERIFY2(std::abs(got[0].macroF1.hi - f1.hi) < tol, qPrintable(QString::number(got[0].macroF1.hi - f1.hi)));
        // And the width is the normal theory's 2 * 1.96 * s (about 0.08) within 0.02.
        const double a = evaluate(pred, gold, L).accuracy;
        const double sd = std::sqrt(a * (1 - a) / n);
        QVERIFY(std::abs((got[0].accuracy.hi - got[0].accuracy.lo) - 2 * 1.96 * sd) < 0.02);
    }

    void emptyAndInvalidInput()
    {
        std::vector<int32_t> gold{0, -1}, p{0, 1};
        QVERIFY(!bootstrapScores({&p}, gold, {}, 2)[0].accuracy.defined());
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, bootstrapScores({&p}, gold, {1}, 2));  // no gold there
    }

    // The sampler maps the 32-bit halves of each draw, high half first, as Lemire's method does
    // (hand-derived: index = (half * n) >> 32 when no rejection applies), and is uniform.
    void indexSamplerUsesBothHalves()
    {
        std::mt19937_64 a(7), b(7);
        IndexSampler s(a, 1000);
        for (int k = 0; k < 50; ++k) {
            const uint64_t x = b();
            const uint64_t hi = x >> 32, lo = x & 0xffffffffULL;
            // threshold = 2^32 mod 1000 = 296: the chance of a rejection is below 1e-7 per draw.
            QCOMPARE(s(), static_cast<uint32_t>((hi * 1000) >> 32));
            QCOMPARE(s(), static_cast<uint32_t>((lo * 1000) >> 32));
        }
        std::mt19937_64 r(3);
        IndexSampler t(r, 7);
        std::vector<int> count(7, 0);
        const int N = 70000;
        for (int k = 0; k < N; ++k)
            ++count[t()];
        double chi2 = 0;
        for (int c : count)
            chi2 += (c - N / 7.0) * (c - N / 7.0) / (N / 7.0);
        QVERIFY2(chi2 < 22.46, qPrintable(QString::number(chi2)));  // chi-square(6) 0.999 quantile
    }
};

QTEST_GUILESS_MAIN(TestScoreBootstrap)
#include "tst_scorebootstrap.moc"
