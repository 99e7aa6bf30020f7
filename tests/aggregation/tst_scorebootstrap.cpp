// agg::bootstrapScores (the dashboard's accuracy / macro-F1 intervals) against the
// straightforward bootstrap kept here as the reference: for every replicate, build the
// resampled prediction and gold vectors item by item and score them with agg::evaluate().
// Same seeds and draws, so the intervals must be equal (up to summation order: 1e-12).

#include "evaluation.h"

#include <QtTest>

#include <random>

using namespace chorus::agg;

namespace {

struct Reference
{
    std::vector<double> accuracy, macroF1;
};

// The reference: explicit resamples of `items` (documented draw: IndexSampler over
// items.size() from replicateSeed(seed, b)), scored from scratch by evaluate().
Reference straightforward(const std::vector<int32_t>& pred, const std::vector<int32_t>& gold,
                          const std::vector<int32_t>& items, int32_t L, int B, uint64_t seed, MacroAverage over)
{
    Reference r;
    const size_t n = items.size();
    std::vector<int32_t> p(n), g(n);
    for (int b = 0; b < B; ++b) {
        std::mt19937_64 rng(replicateSeed(seed, static_cast<uint64_t>(b)));
        IndexSampler draw(rng, static_cast<uint32_t>(n));
        for (size_t k = 0; k < n; ++k) {
            const int32_t i = items[draw()];
            p[k] = pred[i];
            g[k] = gold[i];
        }
        const EvaluationResult e = evaluate(p, g, L, {over});
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
