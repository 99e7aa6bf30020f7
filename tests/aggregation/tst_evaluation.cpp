// Evaluation against gold: a hand-derived example, scikit-learn's figures in
// ../shared/reference/llm (full precision) and the crowd annotators' accuracies; correlations
// and the paired bootstrap.

#include "datarows.h"
#include "datasets.h"
#include "evaluation.h"

#include <QtTest>

#include <cmath>

using namespace chorus;

namespace {

bool near(double a, double b, double tol) { return std::abs(a - b) <= tol; }

constexpr int32_t N = agg::kNoPrediction;
constexpr int32_t I = agg::kInvalidLabel;

// Gold 0 0 0 1 1 2 2 2 2 ?, predictions 0 1 N 1 1 2 0 I 2 0 (N = no output, I = INVALID).
const std::vector<int32_t> kGold = {0, 0, 0, 1, 1, 2, 2, 2, 2, -1};
const std::vector<int32_t> kPred = {0, 1, N, 1, 1, 2, 0, I, 2, 0};

} // namespace

class TestEvaluation : public QObject
{
    Q_OBJECT

private slots:
    // By hand, over the 9 gold items: answered 8 (all but the N), valid 7, correct 5.
    // class 0: support 3, predicted 2, TP 1 -> P 1/2, R 1/3, F1 2/5
    // class 1: support 2, predicted 3, TP 2 -> P 2/3, R 1,   F1 4/5
    // class 2: support 4, predicted 2, TP 2 -> P 1,   R 1/2, F1 2/3
    // macro F1 = (2/5 + 4/5 + 2/3) / 3 = 28/45; weighted = (3*2/5 + 2*4/5 + 4*2/3) / 9 = 82/135.
    void handExample()
    {
        const auto r = agg::evaluate(kPred, kGold, 3);
        QCOMPARE(r.items, int64_t{9});
        QCOMPARE(r.answered, int64_t{8});
        QCOMPARE(r.valid, int64_t{7});
        QCOMPARE(r.correct, int64_t{5});
        QVERIFY(near(r.accuracy, 5.0 / 9, 1e-15));
        QVERIFY(near(r.coverage, 8.0 / 9, 1e-15));
        QVERIFY(near(r.validCoverage, 7.0 / 9, 1e-15));
        QVERIFY(near(r.perClass[0].precision, 0.5, 1e-15));
        QVERIFY(near(r.perClass[0].recall, 1.0 / 3, 1e-15));
        QVERIFY(near(r.perClass[0].f1, 0.4, 1e-15));
        QVERIFY(near(r.perClass[1].precision, 2.0 / 3, 1e-15));
        QVERIFY(near(r.perClass[1].f1, 0.8, 1e-15));
        QVERIFY(near(r.perClass[2].recall, 0.5, 1e-15));
        QVERIFY(near(r.perClass[2].f1, 2.0 / 3, 1e-15));
        QVERIFY(near(r.macroF1, 28.0 / 45, 1e-15));
        QVERIFY(near(r.weightedF1, 82.0 / 135, 1e-15));
        QVERIFY(near(r.macroPrecision, 13.0 / 18, 1e-15));
        QVERIFY(near(r.macroRecall, 11.0 / 18, 1e-15));
        // Rows gold, columns predicted, last column = no valid prediction.
        const std::vector<int64_t> confusion = {1, 1, 0, 1, /**/ 0, 2, 0, 0, /**/ 1, 0, 2, 1};
        QCOMPARE(r.confusion, confusion);
        QCOMPARE(r.confusionAt(2, 3), int64_t{1});
    }

    void macroAverage_data()
    {
        // A fourth class with neither gold nor predictions has F1 0 (zero_division = 0).
        QTest::addColumn<int>("over");
        QTest::addColumn<double>("expected");
        QTest::newRow("allLabels") << int(agg::MacroAverage::AllLabels) << (28.0 / 15) / 4;
        QTest::newRow("labelsPresent") << int(agg::MacroAverage::LabelsPresent) << (28.0 / 15) / 3;
    }

    void macroAverage()
    {
        QFETCH(int, over);
        QFETCH(double, expected);
        agg::EvaluationOptions o;
        o.macroOver = static_cast<agg::MacroAverage>(over);
        QVERIFY(near(agg::evaluate(kPred, kGold, 4, o).macroF1, expected, 1e-15));
    }

    void noGoldGivesNaN()
    {
        const auto r = agg::evaluate({0, 1}, {-1, -1}, 2);
        QCOMPARE(r.items, int64_t{0});
        QVERIFY(std::isnan(r.accuracy));
        QVERIFY(std::isnan(r.macroF1));
    }

    void badInputRejected()
    {
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, agg::evaluate({0}, {0, 1}, 2));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, agg::evaluate({2}, {0}, 2));
    }

    void llmReference_data() { test::addLlmTaskRows(); }

    // scikit-learn accuracy and macro-F1 (labels = the task's classes) per model and per
    // crowd-kit method, to 1e-9; "missing labels count as wrong". INVALID counts as covered.
    void llmReference()
    {
        FETCH_REFERENCE(d, ref);
        QCOMPARE(d.labels, ref.at("classes").get<std::vector<std::string>>());
        const int32_t L = static_cast<int32_t>(d.labels.size());
        double best = -1, sum = 0;
        int models = 0;
        for (const auto& [model, m] : ref.at("models").items()) {
            const int32_t a = d.annotatorIndex.at(model);
            std::vector<int32_t> pred(d.items.size());
            for (size_t i = 0; i < pred.size(); ++i)
                pred[i] = d.matrix.labelOf(static_cast<int32_t>(i), a);
            const auto r = agg::evaluate(pred, d.gold, L);
            QVERIFY2(near(r.accuracy, m.at("accuracy").get<double>(), 1e-9), model.c_str());
            QVERIFY2(near(r.macroF1, m.at("macro_f1").get<double>(), 1e-9), model.c_str());
            QVERIFY2(near(r.coverage, m.at("coverage").get<double>(), 1e-9), model.c_str());
            best = std::max(best, r.macroF1);
            sum += r.macroF1;
            ++models;
        }
        QVERIFY(near(best, ref.at("best_llm_macro_f1").get<double>(), 1e-9));
        QVERIFY(near(sum / models, ref.at("mean_llm_macro_f1").get<double>(), 1e-9));

        for (const auto& [method, m] : ref.at("methods").items()) {
            std::vector<int32_t> pred(d.items.size(), agg::kNoPrediction);
            for (const auto& [item, label] : m.at("labels").items())
                pred[d.itemIndex.at(item)] = d.labelIndex.at(label.get<std::string>());
            const auto r = agg::evaluate(pred, d.gold, L);
            QVERIFY2(near(r.accuracy, m.at("accuracy").get<double>(), 1e-9), method.c_str());
            QVERIFY2(near(r.macroF1, m.at("macro_f1").get<double>(), 1e-9), method.c_str());
        }
    }

    void crowdAnnotatorAccuracy_data() { test::addReferenceRows(false); }  // the crowd datasets

    // Accuracy of each worker on the gold items they labelled (reference: 6 decimals).
    void crowdAnnotatorAccuracy()
    {
        FETCH_REFERENCE(d, ref);
        const auto& acc = ref.at("agreement").at("annotator_accuracy_vs_gold");
        QCOMPARE(acc.size(), d.annotators.size());
        for (const auto& [name, v] : acc.items()) {
            const int32_t a = d.annotatorIndex.at(name);
            std::vector<int32_t> pred(d.items.size(), agg::kNoPrediction), gold(d.items.size(), -1);
            for (int64_t k = d.matrix.annotatorBegin(a); k < d.matrix.annotatorEnd(a); ++k) {
                const int32_t item = d.matrix.annotatorItem(k);
                pred[item] = d.matrix.annotatorLabel(k);
                gold[item] = d.gold[item];
            }
            const auto r = agg::evaluate(pred, gold, static_cast<int32_t>(d.labels.size()));
            QCOMPARE(r.items, v.at("n").get<int64_t>());
            QVERIFY2(near(r.accuracy, v.at("acc").get<double>(), 5e-7 + 1e-12), name.c_str());
        }
    }

    void correlation_data()
    {
        // x = 1..5, y = 2 4 5 4 5. Pearson: dx = -2..2, dy = -2 0 1 0 1 -> 6 / sqrt(10 * 6).
        // Spearman: ranks of y 1 2.5 4.5 2.5 4.5 -> sxy 7, syy 9 -> 7 / sqrt(10 * 9).
        QTest::addColumn<QVector<double>>("x");
        QTest::addColumn<QVector<double>>("y");
        QTest::addColumn<double>("pearson");
        QTest::addColumn<double>("spearman");
        QTest::addColumn<int>("n");
        const double nan = std::nan("");
        QTest::newRow("ties") << QVector<double>{1, 2, 3, 4, 5} << QVector<double>{2, 4, 5, 4, 5}
                              << 6 / std::sqrt(60.0) << 7 / std::sqrt(90.0) << 5;
        QTest::newRow("nanPairSkipped") << QVector<double>{1, 2, nan, 3, 4, 5}
                                        << QVector<double>{2, 4, 100, 5, 4, 5}
                                        << 6 / std::sqrt(60.0) << 7 / std::sqrt(90.0) << 5;
        // x = 1 2 3, y = 9 4 1 (mean 14/3): dx = -1 0 1, dy = 13/3 -2/3 -11/3, sxy = -8,
        // syy = (169 + 4 + 121) / 9 = 294/9 -> r = -8 / sqrt(2 * 294/9); ranks reversed -> -1.
        QTest::newRow("monotoneDecreasing") << QVector<double>{1, 2, 3} << QVector<double>{9, 4, 1}
                                            << -8 / std::sqrt(2 * 294.0 / 9) << -1.0 << 3;
    }

    void correlation()
    {
        QFETCH(QVector<double>, x);
        QFETCH(QVector<double>, y);
        QFETCH(double, pearson);
        QFETCH(double, spearman);
        QFETCH(int, n);
        const std::vector<double> xs(x.begin(), x.end()), ys(y.begin(), y.end());
        const auto p = agg::pearson(xs, ys);
        const auto s = agg::spearman(xs, ys);
        QCOMPARE(p.n, int64_t(n));
        QCOMPARE(s.n, int64_t(n));
        QVERIFY2(near(p.r.value, pearson, 1e-14), qPrintable(QString::number(p.r.value, 'g', 17)));
        QVERIFY2(near(s.r.value, spearman, 1e-14), qPrintable(QString::number(s.r.value, 'g', 17)));
    }

    void correlationUndefined()
    {
        QVERIFY(agg::pearson({1, 1, 1}, {1, 2, 3}).r.isNull());
        QVERIFY(agg::spearman({1}, {2}).r.isNull());
        const auto ranks = agg::averageRanks({10, 20, 10, std::nan("")});
        QCOMPARE(ranks[0], 1.5);
        QCOMPARE(ranks[1], 3.0);
        QVERIFY(std::isnan(ranks[3]));
    }

    void pairedBootstrapIdentical()
    {
        agg::BootstrapOptions b;
        b.replicates = 200;
        const auto r = agg::pairedBootstrapMacroF1(kPred, kPred, kGold, 3, b);
        QCOMPARE(r.difference, 0.0);
        QCOMPARE(r.ci.lo, 0.0);
        QCOMPARE(r.ci.hi, 0.0);
        QCOMPARE(r.pValue, 1.0);
        QCOMPARE(r.items, int64_t{9});
    }

    // A perfect predictor against one that is right on only a third of 600 items: every
    // replicate difference is far from 0, so p = 1 / (B + 1), and the seeded result is the same
    // on one or two threads.
    void pairedBootstrapClearDifference()
    {
        std::vector<int32_t> gold, good, bad;
        for (int i = 0; i < 600; ++i) {
            gold.push_back(i % 3);
            good.push_back(i % 3);
            bad.push_back(i % 3 == 0 ? 0 : (i % 3 == 1 ? 2 : 0));
        }
        const auto one = agg::pairedBootstrapMacroF1(good, bad, gold, 3, {.replicates = 400, .seed = 7, .threads = 1});
        const auto two = agg::pairedBootstrapMacroF1(good, bad, gold, 3, {.replicates = 400, .seed = 7, .threads = 2});
        QCOMPARE(one.ci.lo, two.ci.lo);
        QCOMPARE(one.ci.hi, two.ci.hi);
        QCOMPARE(one.macroF1A, 1.0);
        // bad: class 0 P 1/2 R 1 F1 2/3; class 1 F1 0; class 2 P 0 -> macro 2/9.
        QVERIFY(near(one.macroF1B, 2.0 / 9, 1e-15));
        QVERIFY(one.ci.lo > 0.6 && one.ci.hi < 0.9);
        QVERIFY(one.ci.lo <= one.difference && one.difference <= one.ci.hi);
        QCOMPARE(one.pValue, 1.0 / 401);
    }

    void pairedBootstrapCancel()
    {
        agg::BootstrapOptions b;
        b.replicates = 1000;
        agg::RunHooks hooks;
        hooks.isCanceled = [] { return true; };
        QVERIFY_THROWS_EXCEPTION(agg::Canceled,
                                 agg::pairedBootstrapMacroF1(kPred, kGold, kGold, 3, b, {}, hooks));
    }
};

QTEST_GUILESS_MAIN(TestEvaluation)
#include "tst_evaluation.moc"
