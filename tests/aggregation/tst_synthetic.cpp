// The seeded synthetic Dawid-Skene generator: determinism, the drawn labels follow the drawn
// confusion matrices, annotator mix and sparsity as asked, invalid specs rejected.

#include "synthetic.h"

#include <QtTest>

#include <cmath>
#include <random>
#include <set>

using namespace chorus;

class TestSynthetic : public QObject
{
    Q_OBJECT

private slots:
    // Cross-platform determinism rests on std::mt19937_64, whose output the standard fixes:
    // [rand.predef] requires the 10000th draw of a default-constructed engine to be
    // 9981545732273789042. Everything else is our own arithmetic on those draws.
    void engineIsTheStandardOne()
    {
        std::mt19937_64 engine;
        engine.discard(9999);
        QCOMPARE(engine(), 9981545732273789042ULL);
    }

    void sameSeedSameWorld()
    {
        agg::SyntheticSpec spec;
        spec.seed = 99;
        const auto a = agg::generateDawidSkene(spec);
        const auto b = agg::generateDawidSkene(spec);
        QCOMPARE(a.truth, b.truth);
        QCOMPARE(a.matrix.itemAnnotators(), b.matrix.itemAnnotators());
        QCOMPARE(a.matrix.itemLabels(), b.matrix.itemLabels());
        QCOMPARE(a.confusion, b.confusion);
        spec.seed = 100;
        const auto c = agg::generateDawidSkene(spec);
        QVERIFY(c.matrix.itemLabels() != a.matrix.itemLabels());
    }

    // Shape: labelsPerItem distinct annotators per item; confusion rows are distributions;
    // accuracy = sum_k prior_k P(k|k); the kinds have the asked shares and skill ranges.
    void shapeAndParameters()
    {
        const agg::SyntheticSpec spec{.numItems = 2000, .numAnnotators = 400, .numLabels = 4, .labelsPerItem = 6,
                                      .goodShare = 0.5, .mediocreShare = 0.25, .seed = 1};
        const auto w = agg::generateDawidSkene(spec);
        const int K = spec.numLabels;
        QCOMPARE(w.matrix.numAnnotations(), int64_t(2000) * 6);
        for (int32_t i = 0; i < w.matrix.numItems(); ++i) {
            std::set<int32_t> who;
            for (int64_t j = w.matrix.itemBegin(i); j < w.matrix.itemEnd(i); ++j)
                who.insert(w.matrix.itemAnnotator(j));
            QCOMPARE(int(who.size()), 6);
        }
        double priorSum = 0;
        for (double p : w.priors)
            priorSum += p;
        QVERIFY(std::abs(priorSum - 1) < 1e-12);
        int good = 0, spam = 0;
        for (int32_t a = 0; a < spec.numAnnotators; ++a) {
            double acc = 0;
            for (int k = 0; k < K; ++k) {
                double row = 0;
                for (int l = 0; l < K; ++l)
                    row += w.confusion[(size_t(a) * K + k) * K + l];
                QVERIFY(std::abs(row - 1) < 1e-12);
                acc += w.priors[k] * w.confusion[(size_t(a) * K + k) * K + k];
            }
            QVERIFY(std::abs(acc - w.accuracy[a]) < 1e-12);
            if (w.kind[a] == agg::SyntheticKind::Good) {
                ++good;
                QVERIFY(w.accuracy[a] > 0.7);
            } else if (w.kind[a] == agg::SyntheticKind::Spammer) {
                ++spam;
                // A spammer's answer does not depend on the truth: all rows equal.
                for (int k = 1; k < K; ++k)
                    for (int l = 0; l < K; ++l)
                        QCOMPARE(w.confusion[(size_t(a) * K + k) * K + l], w.confusion[size_t(a) * K * K + l]);
            }
        }
        // 400 draws: the shares are within a few standard deviations of 0.5 and 0.25.
        QVERIFY(std::abs(good / 400.0 - 0.5) < 0.1);
        QVERIFY(std::abs(spam / 400.0 - 0.25) < 0.1);
    }

    // The labels follow the confusion matrices: each annotator's empirical accuracy against the
    // drawn truth is within 4 binomial standard errors of its expected accuracy.
    void labelsFollowConfusion()
    {
        const agg::SyntheticSpec spec{
            .numItems = 20000, .numAnnotators = 20, .numLabels = 3, .labelsPerItem = 5, .seed = 8};
        const auto w = agg::generateDawidSkene(spec);
        for (int32_t a = 0; a < spec.numAnnotators; ++a) {
            int64_t n = 0, correct = 0;
            for (int64_t j = w.matrix.annotatorBegin(a); j < w.matrix.annotatorEnd(a); ++j) {
                ++n;
                correct += w.matrix.annotatorLabel(j) == w.truth[w.matrix.annotatorItem(j)];
            }
            // Expected accuracy given this annotator's items: sum over its items of P(t|t).
            double expected = 0;
            for (int64_t j = w.matrix.annotatorBegin(a); j < w.matrix.annotatorEnd(a); ++j) {
                const int t = w.truth[w.matrix.annotatorItem(j)];
                expected += w.confusion[(size_t(a) * 3 + t) * 3 + t];
            }
            const double p = expected / n;
            const double se = std::sqrt(p * (1 - p) / n);
            QVERIFY2(std::abs(double(correct) / n - p) < 4 * se,
                     qPrintable(QString("annotator %1").arg(a)));
        }
    }

    void invalidSpecRejected_data()
    {
        QTest::addColumn<int>("labels");
        QTest::addColumn<int>("perItem");
        QTest::addColumn<double>("good");
        QTest::newRow("oneLabel") << 1 << 3 << 0.4;
        QTest::newRow("moreLabelsPerItemThanAnnotators") << 3 << 51 << 0.4;
        QTest::newRow("sharesAboveOne") << 3 << 3 << 0.9;
    }

    void invalidSpecRejected()
    {
        QFETCH(int, labels);
        QFETCH(int, perItem);
        QFETCH(double, good);
        agg::SyntheticSpec spec;
        spec.numLabels = labels;
        spec.labelsPerItem = perItem;
        spec.goodShare = good;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, agg::generateDawidSkene(spec));
    }
};

QTEST_GUILESS_MAIN(TestSynthetic)
#include "tst_synthetic.moc"
