// Distributions and divergences: hand-derived cases and scipy's figures for ChaosNLI-SNLI
// (../shared/reference/divergence-chaosnli_snli.json) to 1e-9.

#include "stringrows.h"
#include "datarows.h"
#include "divergence.h"

#include <QtTest>

#include <cmath>
#include <fstream>

using namespace chorus;

namespace {

bool near(double a, double b, double tol) { return std::abs(a - b) <= tol; }

// Human counts and model probabilities in the label order of the reference (e, n, c).
struct Chaos
{
    std::vector<std::string> ids;
    std::vector<double> counts;
    std::map<std::string, std::vector<double>> probs;
};

Chaos loadChaos(const std::vector<std::string>& labels)
{
    Chaos c;
    std::ifstream in(test::sharedDir() + "/data/distributions/chaosnli_snli.jsonl");
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty())
            continue;
        const auto j = nlohmann::json::parse(line);
        c.ids.push_back(j.at("id").get<std::string>());
        for (const auto& l : labels)
            c.counts.push_back(j.at("human_counts").value(l, 0.0));
        for (const auto& [model, p] : j.at("probs").items())
            for (const auto& l : labels)
                c.probs[model].push_back(p.at(l).get<double>());
    }
    return c;
}

} // namespace

class TestDivergence : public QObject
{
    Q_OBJECT

private slots:
    // p = (1/2, 1/2, 0), q = (1/4, 3/4, 0): KL = 1/2 ln 2 + 1/2 ln(2/3) = 1/2 ln(4/3);
    // CE = -(1/2 ln 1/4 + 1/2 ln 3/4) = 1/2 ln(16/3); H(p) = ln 2; TVD = 1/4;
    // m = (3/8, 5/8, 0): JS = 1/2 [1/2 ln(4/3) + 1/2 ln(4/5) + 1/4 ln(2/3) + 3/4 ln(6/5)].
    void handValues()
    {
        const double p[3] = {0.5, 0.5, 0}, q[3] = {0.25, 0.75, 0};
        QVERIFY(near(agg::klDivergence(p, q, 3), 0.5 * std::log(4.0 / 3), 1e-15));
        QVERIFY(near(agg::klDivergence(p, q, 3, agg::LogBase::Two), 0.5 * std::log2(4.0 / 3), 1e-15));
        QVERIFY(near(agg::crossEntropy(p, q, 3), 0.5 * std::log(16.0 / 3), 1e-15));
        QVERIFY(near(agg::shannonEntropy(p, 3), std::log(2.0), 1e-15));
        QVERIFY(near(agg::shannonEntropy(p, 3, agg::LogBase::Two), 1.0, 1e-15));
        QVERIFY(near(agg::totalVariation(p, q, 3), 0.25, 1e-15));
        const double js = 0.5 * (0.5 * std::log(4.0 / 3) + 0.5 * std::log(4.0 / 5)
                                 + 0.25 * std::log(2.0 / 3) + 0.75 * std::log(6.0 / 5));
        QVERIFY(near(agg::jensenShannonDistance(p, q, 3), std::sqrt(js), 1e-15));
        QVERIFY(near(agg::jensenShannonDistance(p, q, 3, agg::LogBase::Two), std::sqrt(js / std::log(2.0)), 1e-15));
        // CE = H(p) + KL(p || q).
        QVERIFY(near(agg::crossEntropy(p, q, 3), std::log(2.0) + agg::klDivergence(p, q, 3), 1e-15));
    }

    void zeroHandling_data()
    {
        // p = (1, 0), q = (0, 1): disjoint supports.
        // eps = 0: KL = CE = +inf (rel_entr); JSD base 2 = 1; TVD = 1.
        // eps = 0.1: q' = (0.1, 1.1) / 1.2 = (1/12, 11/12): KL = ln 12, CE = ln 12.
        QTest::addColumn<double>("epsilon");
        QTest::addColumn<double>("kl");
        QTest::newRow("noSmoothingInfinite") << 0.0 << std::numeric_limits<double>::infinity();
        QTest::newRow("epsilonSmoothing") << 0.1 << std::log(12.0);
    }

    void zeroHandling()
    {
        QFETCH(double, epsilon);
        QFETCH(double, kl);
        const double p[2] = {1, 0}, q[2] = {0, 1};
        const double got = agg::klDivergence(p, q, 2, agg::LogBase::E, epsilon);
        if (std::isinf(kl))
            QVERIFY(std::isinf(got) && got > 0);
        else
            QVERIFY(near(got, kl, 1e-14));
        const double ce = agg::crossEntropy(p, q, 2, agg::LogBase::E, epsilon);
        QVERIFY(std::isinf(kl) ? std::isinf(ce) : near(ce, kl, 1e-14));
        QVERIFY(near(agg::jensenShannonDistance(p, q, 2, agg::LogBase::Two), 1.0, 1e-15));
        QCOMPARE(agg::totalVariation(p, q, 2), 1.0);
        // p_j = 0 terms are 0 even when q_j = 0: KL(q || q) = 0.
        QCOMPARE(agg::klDivergence(q, q, 2), 0.0);
    }

    void fromScores_data()
    {
        // Normalise (1, 3) -> (1/4, 3/4). Softmax of (0, ln 2): tau 1 -> (1/3, 2/3);
        // tau 1/2 -> exp(2 ln 2) = 4 -> (1/5, 4/5).
        QTest::addColumn<int>("transform");
        QTest::addColumn<double>("tau");
        QTest::addColumn<double>("s1");
        QTest::addColumn<double>("p1");
        QTest::newRow("pNorm") << int(agg::ScoreTransform::Normalize) << 1.0 << 3.0 << 0.75;
        QTest::newRow("softmaxTau1") << int(agg::ScoreTransform::Softmax) << 1.0 << std::log(2.0) << 2.0 / 3;
        QTest::newRow("softmaxTauHalf") << int(agg::ScoreTransform::Softmax) << 0.5 << std::log(2.0) << 0.8;
    }

    void fromScores()
    {
        QFETCH(int, transform);
        QFETCH(double, tau);
        QFETCH(double, s1);
        QFETCH(double, p1);
        const double s0 = transform == int(agg::ScoreTransform::Normalize) ? 1.0 : 0.0;
        // Second item has a NaN score and is absent.
        const auto d = agg::distributionsFromScores({s0, s1, std::nan(""), 1}, 2, 2,
                                                    static_cast<agg::ScoreTransform>(transform), tau);
        QVERIFY(d.has(0));
        QVERIFY(!d.has(1));
        QVERIFY(near(d.row(0)[1], p1, 1e-15));
        QVERIFY(near(d.row(0)[0], 1 - p1, 1e-15));
    }

    void sourcesAndErrors()
    {
        const auto counts = agg::distributionsFromCounts({30, 70, 0, 0, 0, 0}, 2, 3);
        QVERIFY(near(counts.row(0)[1], 0.7, 1e-15));
        QVERIFY(!counts.has(1));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                                 agg::distributionsFromScores({-1, 2}, 1, 2, agg::ScoreTransform::Normalize));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                                 agg::distributionsFromScores({1, 2}, 1, 2, agg::ScoreTransform::Softmax, 0));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, agg::distributionsFromProbabilities({0.5, 0.6}, 1, 2));

        // Votes of annotators {0, 2}: item 0 labels 0, INVALID -> (1, 0, 0); item 1 none.
        const auto m = agg::LabelMatrix::build(2, 3, 3, {{0, 0, 0}, {0, 1, 2}, {0, 2, agg::kInvalidLabel},
                                                         {1, 1, 1}});
        const auto votes = agg::distributionsFromVotes(m, {0, 2});
        QCOMPARE(votes.row(0)[0], 1.0);
        QVERIFY(!votes.has(1));
        const auto all = agg::distributionsFromVotes(m);
        QCOMPARE(all.row(0)[2], 0.5);
        QCOMPARE(all.row(1)[1], 1.0);

        agg::AggregationResult post;
        post.numLabels = 2;
        post.labels = {1, -1};
        post.posterior = {0.2, 0.8, 0.5, 0.5};
        const auto pd = agg::distributionsFromPosterior(post);
        QCOMPARE(pd.row(0)[1], 0.8);
        QVERIFY(!pd.has(1));

        const auto r = agg::compareDistributions(counts, counts);
        QCOMPARE(r.skipped, 1);
        QCOMPARE(r.mean.kl, 0.0);
        QCOMPARE(r.mean.jsd, 0.0);
        QVERIFY(r.dcor.isNull());  // one compared item
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, agg::compareDistributions(counts, pd));
    }

    // x = (0, 1, 2), y = (0, 1, 3), one column each. By hand: row means of |x_k - x_l| are
    // 1, 2/3, 1 (grand 8/9), of |y_k - y_l| 4/3, 1, 5/3 (grand 4/3). Double-centred:
    // A = [-10/9 2/9 8/9; 2/9 -4/9 2/9; 8/9 2/9 -10/9], B = [-4/3 0 4/3; 0 -2/3 2/3; 4/3 2/3 -2].
    // sum AB = 20/3, sum A^2 = 40/9, sum B^2 = 32/3 -> dCor^2 = (20/3) / sqrt(1280/27).
    void distanceCorrelationByHand()
    {
        const auto r = agg::distanceCorrelation({0, 1, 2}, 1, {0, 1, 3}, 1);
        QVERIFY(near(r.value, std::sqrt((20.0 / 3) / std::sqrt(1280.0 / 27)), 1e-14));
        // Invariant to shifting and scaling one source; 1 against itself.
        QVERIFY(near(agg::distanceCorrelation({0, 1, 2}, 1, {5, 7, 9}, 1).value, 1.0, 1e-14));
        QVERIFY(agg::distanceCorrelation({1, 1, 1}, 1, {0, 1, 2}, 1).isNull());
        QVERIFY(agg::distanceCorrelation({1}, 1, {0}, 1).isNull());
    }

    void chaosNliReference_data()
    {
        test::addNameRows("model", {"bert-base-uncased_seed0", "bert-base-uncased_seed1", "roberta-base_seed0",
                                    "roberta-base_seed1", "roberta-base_seed2"});
    }

    // scipy on human counts (p) vs each model (q): every per-item value, the means and dcor.
    void chaosNliReference()
    {
        QFETCH(QString, model);
        SKIP_WITHOUT_SHARED();
        const auto ref = test::loadJson(test::sharedDir() + "/reference/divergence-chaosnli_snli.json");
        const auto labels = ref.at("labels").get<std::vector<std::string>>();
        const Chaos c = loadChaos(labels);
        const int32_t n = static_cast<int32_t>(c.ids.size());
        QCOMPARE(c.ids, ref.at("items").get<std::vector<std::string>>());
        const auto p = agg::distributionsFromCounts(c.counts, n, 3);
        const auto q = agg::distributionsFromProbabilities(c.probs.at(model.toStdString()), n, 3);
        const auto r = agg::compareDistributions(p, q);
        agg::DivergenceOptions bits;
        bits.base = agg::LogBase::Two;
        bits.distanceCorrelation = false;
        const auto r2 = agg::compareDistributions(p, q, bits);
        QCOMPARE(r.skipped, 0);
        QCOMPARE(int(r.items.size()), n);

        const auto& m = ref.at("models").at(model.toStdString());
        const auto humanEntropy = ref.at("human_entropy").get<std::vector<double>>();
        const auto kl = m.at("kl").get<std::vector<double>>();
        const auto jsd = m.at("jsd").get<std::vector<double>>();
        const auto jsd2 = m.at("jsd_base2").get<std::vector<double>>();
        const auto tvd = m.at("tvd").get<std::vector<double>>();
        const auto ce = m.at("ce").get<std::vector<double>>();
        const auto hq = m.at("model_entropy").get<std::vector<double>>();
        const double tol = 1e-9;
        for (int32_t i = 0; i < n; ++i) {
            const auto& d = r.items[i];
            QVERIFY2(near(d.kl, kl[i], tol) && near(d.jsd, jsd[i], tol) && near(d.tvd, tvd[i], tol)
                         && near(d.ce, ce[i], tol) && near(d.entropyP, humanEntropy[i], tol)
                         && near(d.entropyQ, hq[i], tol) && near(r2.items[i].jsd, jsd2[i], tol),
                     c.ids[i].c_str());
        }
        const auto& mean = m.at("mean");
        QVERIFY(near(r.mean.kl, mean.at("kl").get<double>(), tol));
        QVERIFY(near(r.mean.jsd, mean.at("jsd").get<double>(), tol));
        QVERIFY(near(r2.mean.jsd, mean.at("jsd_base2").get<double>(), tol));
        QVERIFY(near(r.mean.tvd, mean.at("tvd").get<double>(), tol));
        QVERIFY(near(r.mean.ce, mean.at("ce").get<double>(), tol));
        QVERIFY2(near(r.dcor.value, m.at("dcor").get<double>(), tol),
                 qPrintable(QString::number(r.dcor.value, 'g', 17)));
    }
};

QTEST_GUILESS_MAIN(TestDivergence)
#include "tst_divergence.moc"
