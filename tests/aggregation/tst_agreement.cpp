// Agreement statistics: hand-derived textbook examples, edge cases, and the reference values of
// statsmodels / nltk / scikit-learn in ../shared/reference.

#include "agreement.h"
#include "datarows.h"
#include "datasets.h"

#include <QtTest>

#include <atomic>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

using namespace chorus;

namespace {

constexpr int32_t kMissing = -2;

// rows[item][annotator]: label, kMissing (not labelled) or agg::kInvalidLabel.
agg::LabelMatrix fromRows(const std::vector<std::vector<int32_t>>& rows, int32_t numLabels)
{
    std::vector<agg::Annotation> anns;
    int32_t numAnn = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
        numAnn = std::max(numAnn, static_cast<int32_t>(rows[i].size()));
        for (size_t a = 0; a < rows[i].size(); ++a)
            if (rows[i][a] != kMissing)
                anns.push_back({static_cast<int32_t>(i), static_cast<int32_t>(a), rows[i][a]});
    }
    return agg::LabelMatrix::build(static_cast<int32_t>(rows.size()), numAnn, numLabels, anns);
}

// Items given as category counts (Fleiss' layout): item i gets annotators 0.. in order.
agg::LabelMatrix fromCounts(const std::vector<std::vector<int>>& counts)
{
    std::vector<std::vector<int32_t>> rows;
    for (const auto& c : counts) {
        std::vector<int32_t> row;
        for (size_t j = 0; j < c.size(); ++j)
            row.insert(row.end(), c[j], static_cast<int32_t>(j));
        rows.push_back(row);
    }
    return fromRows(rows, static_cast<int32_t>(counts.front().size()));
}

// A 3x3 contingency table as rater pairs (row = rater A, column = rater B).
agg::LabelMatrix fromTable(const int (&table)[3][3])
{
    std::vector<std::vector<int32_t>> rows;
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j)
            for (int k = 0; k < table[i][j]; ++k)
                rows.push_back({i, j});
    return fromRows(rows, 3);
}

// Cohen's 3x3 example of twoRatersByHand.
agg::LabelMatrix twoRaterExample()
{
    const int table[3][3] = {{3, 1, 0}, {1, 2, 1}, {0, 0, 2}};
    return fromTable(table);
}

// Krippendorff (2011), "Computing Krippendorff's alpha-reliability", section E: 4 observers,
// 12 units, values 1..5 (stored as categories 0..4), missing data.
agg::LabelMatrix krippendorffExample()
{
    const int32_t M = kMissing;
    const std::vector<std::vector<int32_t>> units = {
        {1, 1, M, 1}, {2, 2, 3, 2}, {3, 3, 3, 3}, {3, 3, 3, 3}, {2, 2, 2, 2}, {1, 2, 3, 4},
        {4, 4, 4, 4}, {1, 1, 2, 1}, {2, 2, 2, 2}, {M, 5, 5, 5}, {M, M, 1, 1}, {M, M, 3, M}};
    std::vector<std::vector<int32_t>> rows;
    for (const auto& u : units) {
        std::vector<int32_t> r;
        for (int32_t v : u)
            r.push_back(v == M ? M : v - 1);
        rows.push_back(r);
    }
    return fromRows(rows, 5);
}

bool near(double a, double b, double tol) { return std::abs(a - b) <= tol; }

} // namespace

class TestAgreement : public QObject
{
    Q_OBJECT

private slots:
    // Wikipedia's Fleiss' kappa example: 10 items, 14 raters, 5 categories, kappa 0.210.
    // By hand: column totals 20, 28, 39, 21, 32 (of 140) -> P_e = (400+784+1521+441+1024)/19600
    // = 4170/19600. Row sums of n_ij^2: 196, 60, 70, 94, 74, 98, 58, 46, 66, 66 = 828, so
    // P_bar = (828 - 10*14) / (10*14*13) = 688/1820.
    // Category 1: n_i1 = 0,0,0,0,2,7,3,2,6,0; sum n_i1 (14 - n_i1) = 24+49+33+24+48 = 178,
    // D_1 = 178/1820, p_1 = 1/7 -> kappa_1 = 1 - (178/1820) / (6/49).
    void fleissWikipedia()
    {
        const auto m = fromCounts({{0, 0, 0, 0, 14}, {0, 2, 6, 4, 2}, {0, 0, 3, 5, 6},
                                   {0, 3, 9, 2, 0}, {2, 2, 8, 1, 1}, {7, 7, 0, 0, 0},
                                   {3, 2, 6, 3, 0}, {2, 5, 3, 2, 2}, {6, 5, 2, 1, 0},
                                   {0, 2, 2, 3, 7}});
        const auto r = agg::computeAgreement(m);
        const double pBar = 688.0 / 1820, pe = 4170.0 / 19600;
        QVERIFY(near(r.fleissKappa.value, (pBar - pe) / (1 - pe), 1e-12));
        QCOMPARE(std::round(r.fleissKappa.value * 1000) / 1000, 0.210);
        QVERIFY(near(r.percentAgreement.value, pBar, 1e-12));
        QVERIFY(near(r.fleissPerLabel[0].value, 1 - (178.0 / 1820) / (6.0 / 49), 1e-12));
        QCOMPARE(r.itemsUsed, 10);
        QCOMPARE(r.labelsUsed, int64_t{140});
    }

    // Two raters, three ordered categories, table (rows A, columns B):
    //   3 1 0 / 1 2 1 / 0 0 2, N = 10, rows 4 4 2, columns 4 3 3.
    // p_o = 7/10, p_e = (16+12+6)/100 -> kappa = 0.36/0.66 = 6/11.
    // Linear weights |i-j|: observed 3/10, expected (12+24+16+12+16+6)/100 = 86/100 -> 28/43.
    // Quadratic (i-j)^2: observed 3/10, expected (12+48+16+12+32+6)/100 = 126/100 -> 16/21.
    // Pooled marginals 8, 7, 5 of 20: Scott's pi = (0.7-0.345)/0.655 = 71/131 = Fleiss' kappa.
    // Alpha nominal: 1 - (20-1) * 6 / (400-138) = 74/131. Gwet: pi_k = .4, .35, .25,
    // P_e = (.24+.2275+.1875)/2 = .3275 -> (0.7-0.3275)/0.6725 = 149/269.
    void twoRatersByHand()
    {
        const auto m = twoRaterExample();
        const auto r = agg::computeAgreement(m);
        QCOMPARE(r.cohenPairs.size(), size_t{1});
        const auto& p = r.cohenPairs[0];
        QCOMPARE(p.n, int64_t{10});
        QVERIFY(near(p.observed.value, 0.7, 1e-12));
        QVERIFY(near(p.kappa.value, 6.0 / 11, 1e-12));
        QVERIFY(near(p.linearKappa.value, 28.0 / 43, 1e-12));
        QVERIFY(near(p.quadraticKappa.value, 16.0 / 21, 1e-12));
        QVERIFY(near(r.scottPi.value, 71.0 / 131, 1e-12));
        QVERIFY(near(r.fleissKappa.value, 71.0 / 131, 1e-12));
        QVERIFY(near(r.krippendorffAlpha.value, 74.0 / 131, 1e-12));
        QVERIFY(near(r.gwetAc1.value, 149.0 / 269, 1e-12));

        // Same table through the vector and table entry points.
        std::vector<int32_t> x, y;
        for (int32_t i = 0; i < m.numItems(); ++i) {
            x.push_back(m.labelOf(i, 0));
            y.push_back(m.labelOf(i, 1));
        }
        QVERIFY(near(agg::cohenKappa(x, y, 3).quadraticKappa.value, 16.0 / 21, 1e-12));
        const std::vector<double> t = {3, 1, 0, 1, 2, 1, 0, 0, 2};
        QVERIFY(near(agg::kappaFromTable(t, 3, agg::KappaWeighting::Linear).value, 28.0 / 43, 1e-12));
        // Values 0, 1, 2 scaled by 10 leave weighted kappas unchanged.
        QVERIFY(near(agg::kappaFromTable(t, 3, agg::KappaWeighting::Quadratic, {0, 10, 20}).value,
                     16.0 / 21, 1e-12));
    }

    // Published output of Gwet's irrCAC (package vignette, 7 decimals) for its 2-rater table
    // cont3x3abstractors: 13 0 0 / 0 20 7 / 0 4 56.
    void irrCacAbstractors()
    {
        const int table[3][3] = {{13, 0, 0}, {0, 20, 7}, {0, 4, 56}};
        const auto r = agg::computeAgreement(fromTable(table));
        const double tol = 5e-8;
        QVERIFY(near(r.cohenPairs.at(0).kappa.value, 0.7964094, tol));
        QVERIFY(near(r.scottPi.value, 0.7962397, tol));
        QVERIFY(near(r.gwetAc1.value, 0.8493305, tol));
        QVERIFY(near(r.krippendorffAlpha.value, 0.7972585, tol));
        QVERIFY(near(r.percentAgreement.value, 0.89, 1e-12));
    }

    // Gwet's AC1 on Krippendorff's 12-unit data, by hand. P_a over the 11 units with >= 2
    // values: P_i = 1, 1/2, 1, 1, 1, 0, 1, 1/2, 1, 1, 1 -> 9/11. pi_k over all 12 units of the
    // per-unit shares: value 1: 1 + 1/4 + 3/4 + 1 = 3; 2: 3/4 + 1 + 1/4 + 1/4 + 1 = 13/4;
    // 3: 1/4 + 1 + 1 + 1/4 + 1 (unit 12's single value) = 7/2; 4: 1/4 + 1 = 5/4; 5: 1; /12.
    void gwetKrippendorffData()
    {
        const auto r = agg::computeAgreement(krippendorffExample());
        const double pi[5] = {3.0 / 12, 3.25 / 12, 3.5 / 12, 1.25 / 12, 1.0 / 12};
        double pe = 0;
        for (double p : pi)
            pe += p * (1 - p) / 4;
        const double pa = 9.0 / 11;
        QVERIFY(near(r.percentAgreement.value, pa, 1e-12));
        QVERIFY(near(r.gwetAc1.value, (pa - pe) / (1 - pe), 1e-12));
    }

    void krippendorffWorkedExample_data()
    {
        // Coincidence matrix of the example (Krippendorff 2011, by hand from the data):
        //        1     2     3     4    5
        //   1    7    4/3   1/3   1/3   .     n_1 = 9
        //   2   4/3   10    4/3   1/3   .     n_2 = 13
        //   3   1/3   4/3    8    1/3   .     n_3 = 10
        //   4   1/3   1/3   1/3    4    .     n_4 = 5
        //   5    .     .     .     .    3     n_5 = 3        n = 40
        // nominal: sum_{c!=k} o_ck = 8, sum_{c!=k} n_c n_k = 1600 - 384 = 1216
        //          -> 1 - 39 * 8 / 1216 = 0.743 (published .743)
        // interval: sum o (c-k)^2 = 2*(4/3 + 4/3*... ) = 52/3, sum n_c n_k (c-k)^2 = 4480
        //          -> 1 - 39 * (52/3) / 4480 = 0.849 (published .849)
        // ordinal / ratio: published .815 / .797.
        QTest::addColumn<int>("metric");
        QTest::addColumn<double>("exact");
        QTest::addColumn<double>("published");
        QTest::newRow("nominal") << int(agg::AlphaMetric::Nominal) << 1 - 39.0 * 8 / 1216 << 0.743;
        QTest::newRow("interval") << int(agg::AlphaMetric::Interval) << 1 - 39.0 * (52.0 / 3) / 4480
                                  << 0.849;
        QTest::newRow("ordinal") << int(agg::AlphaMetric::Ordinal) << -1.0 << 0.815;
        QTest::newRow("ratio") << int(agg::AlphaMetric::Ratio) << -1.0 << 0.797;
    }

    void krippendorffWorkedExample()
    {
        QFETCH(int, metric);
        QFETCH(double, exact);
        QFETCH(double, published);
        agg::AgreementOptions o;
        o.alphaMetric = static_cast<agg::AlphaMetric>(metric);
        o.labelValues = {1, 2, 3, 4, 5};
        const auto r = agg::computeAgreement(krippendorffExample(), o);
        if (exact >= 0)
            QVERIFY2(near(r.krippendorffAlpha.value, exact, 1e-12),
                     qPrintable(QString::number(r.krippendorffAlpha.value, 'g', 17)));
        QCOMPARE(std::round(r.krippendorffAlpha.value * 1000) / 1000, published);
        QCOMPARE(r.itemsUsed, 11);
        QCOMPARE(r.itemsSingleLabel, 1);
    }

    void edgeFullAgreement_data()
    {
        QTest::addColumn<int>("metric");
        QTest::newRow("nominal") << int(agg::AlphaMetric::Nominal);
        QTest::newRow("ordinal") << int(agg::AlphaMetric::Ordinal);
        QTest::newRow("interval") << int(agg::AlphaMetric::Interval);
        QTest::newRow("ratio") << int(agg::AlphaMetric::Ratio);
    }

    // Every item unanimous but categories vary: observed disagreement 0, expected > 0 -> 1.
    void edgeFullAgreement()
    {
        QFETCH(int, metric);
        agg::AgreementOptions o;
        o.alphaMetric = static_cast<agg::AlphaMetric>(metric);
        o.labelValues = {1, 2, 3};
        const auto r = agg::computeAgreement(fromRows({{0, 0, 0}, {1, 1, 1}, {2, 2, kMissing}}, 3), o);
        for (const auto* c : {&r.krippendorffAlpha, &r.fleissKappa, &r.scottPi, &r.gwetAc1,
                              &r.percentAgreement}) {
            QCOMPARE(c->status, agg::CoefficientStatus::Ok);
            QCOMPARE(c->value, 1.0);
        }
        for (const auto& p : r.cohenPairs)
            QCOMPARE(p.kappa.value, 1.0);
    }

    // Everyone uses category 0 of {0, 1}: chance agreement is 1, kappa/pi/alpha are 0/0. The
    // documented answer is 1 with status NoVariation (nltk's alpha returns 1 here too). Gwet's
    // P_e = pi_0 (1 - pi_0) / (q - 1) = 0, so AC1 = 1 by its formula.
    void edgeSingleCategory()
    {
        const auto r = agg::computeAgreement(fromRows({{0, 0, 0}, {0, 0, 0}, {0, 0}}, 2));
        for (const auto* c : {&r.krippendorffAlpha, &r.fleissKappa, &r.scottPi}) {
            QCOMPARE(c->status, agg::CoefficientStatus::NoVariation);
            QCOMPARE(c->value, 1.0);
            QVERIFY(!c->note.empty());
        }
        QCOMPARE(r.gwetAc1.status, agg::CoefficientStatus::Ok);
        QCOMPARE(r.gwetAc1.value, 1.0);
        QCOMPARE(r.fleissPerLabel[0].status, agg::CoefficientStatus::NoVariation);
        QVERIFY(r.fleissPerLabel[1].isNull());
        QCOMPARE(r.cohenPairs[0].kappa.status, agg::CoefficientStatus::NoVariation);
    }

    // Items with fewer than two labels are left out of every coefficient and counted.
    void edgeSingleLabelItemsExcluded()
    {
        const std::vector<std::vector<int32_t>> base = {{0, 0, 1}, {1, 1, 1}, {0, 1, 1}};
        auto withExtra = base;
        withExtra.push_back({kMissing, 1, kMissing});                        // one label
        withExtra.push_back({agg::kInvalidLabel, kMissing, kMissing});       // none valid
        const auto a = agg::computeAgreement(fromRows(base, 2));
        const auto b = agg::computeAgreement(fromRows(withExtra, 2));
        QCOMPARE(b.itemsTotal, 5);
        QCOMPARE(b.itemsUsed, 3);
        QCOMPARE(b.itemsSingleLabel, 1);
        QCOMPARE(b.itemsUnlabelled, 1);
        QCOMPARE(b.invalidExcluded, int64_t{1});
        QCOMPARE(b.fleissKappa.value, a.fleissKappa.value);
        QCOMPARE(b.krippendorffAlpha.value, a.krippendorffAlpha.value);
        QCOMPARE(b.scottPi.value, a.scottPi.value);
        QCOMPARE(b.percentAgreement.value, a.percentAgreement.value);
        // Gwet's pi_k is the exception: it averages over every rated item (see gwetAc1).
        // Base: P_a = (1/3 + 1 + 1/3) / 3 = 5/9; pi_1 = (1/3 + 1 + 2/3) / 3 = 2/3, so
        // P_e = 2 * (1/3)(2/3) = 4/9 and AC1 = (5/9 - 4/9) / (5/9) = 1/5. With the single label
        // 1: pi_1 = 3/4, P_e = 3/8, AC1 = (5/9 - 3/8) / (5/8) = 13/45.
        QVERIFY(near(a.gwetAc1.value, 1.0 / 5, 1e-12));
        QVERIFY(near(b.gwetAc1.value, 13.0 / 45, 1e-12));
    }

    void edgeDisjointPair()
    {
        // Annotators 0 and 1 share items 0-1; annotator 2 labels only items 2-3 with 1.
        const auto m = fromRows({{0, 0, kMissing}, {1, 0, kMissing}, {kMissing, 1, 0},
                                 {kMissing, 1, 1}}, 2);
        const auto r = agg::computeAgreement(m);
        QCOMPARE(r.cohenPairs.size(), size_t{3});
        const auto& p02 = r.cohenPairs[1];
        QCOMPARE(p02.a, 0);
        QCOMPARE(p02.b, 2);
        QCOMPARE(p02.n, int64_t{0});
        QVERIFY(p02.kappa.isNull());
        QVERIFY(std::isnan(p02.kappa.value));
        QCOMPARE(QString::fromStdString(p02.kappa.note), QStringLiteral("no shared items"));
        QVERIFY(p02.quadraticKappa.isNull());
        QCOMPARE(r.cohenPairs[0].n, int64_t{2});
        agg::AgreementOptions o;
        o.listDisjointPairs = false;
        const auto onlyShared = agg::computeAgreement(m, o);
        QCOMPARE(onlyShared.cohenPairs.size(), size_t{2});
    }

    void edgeInvalid_data()
    {
        // Items (3 annotators, I = INVALID): {0,1,I} {1,1,1} {I,I,0} {0,0,I}.
        // Excluded: item 2 keeps one label (excluded); P_i = 0, 1, 1 -> P_bar = 2/3;
        //   totals 3, 4 of 7 -> P_e = 25/49; kappa = (2/3 - 25/49) / (24/49) = 23/72.
        // Included as category 2: P_i = 0, 1, 1/3, 1/3 -> P_bar = 5/12; totals 4, 4, 4 ->
        //   P_e = 1/3; kappa = (5/12 - 4/12) / (8/12) = 1/8.
        QTest::addColumn<bool>("include");
        QTest::addColumn<double>("kappa");
        QTest::addColumn<int>("used");
        QTest::addColumn<qint64>("dropped");
        QTest::newRow("invalidExcluded") << false << 23.0 / 72 << 3 << qint64(4);
        QTest::newRow("invalidIncluded") << true << 1.0 / 8 << 4 << qint64(0);
    }

    void edgeInvalid()
    {
        QFETCH(bool, include);
        QFETCH(double, kappa);
        QFETCH(int, used);
        QFETCH(qint64, dropped);
        const int32_t I = agg::kInvalidLabel;
        const auto m = fromRows({{0, 1, I}, {1, 1, 1}, {I, I, 0}, {0, 0, I}}, 2);
        agg::AgreementOptions o;
        o.includeInvalid = include;
        const auto r = agg::computeAgreement(m, o);
        QVERIFY(near(r.fleissKappa.value, kappa, 1e-12));
        QCOMPARE(r.itemsUsed, used);
        QCOMPARE(r.invalidExcluded, dropped);
        QCOMPARE(r.numLabels, include ? 3 : 2);
        // Same as materialising INVALID as a class in the matrix.
        if (include)
            QCOMPARE(agg::computeAgreement(m.withInvalidAsClass()).fleissKappa.value, r.fleissKappa.value);
    }

    // computeAgreement reports one monotone scale: items, then annotators of the Cohen pass.
    void agreementProgress()
    {
        const auto m = krippendorffExample();
        int last = -1, total = 0;
        agg::RunHooks hooks;
        hooks.progress = [&](int done, int all) {
            QVERIFY(done >= last);
            QVERIFY(total == 0 || all == total);
            last = done;
            total = all;
        };
        agg::computeAgreement(m, {}, hooks);
        QCOMPARE(total, 12 + 4);
        QCOMPARE(last, total);
        hooks.isCanceled = [] { return true; };
        QVERIFY_THROWS_EXCEPTION(agg::Canceled, agg::computeAgreement(m, {}, hooks));
    }

    void badLabelValuesRejected()
    {
        agg::AgreementOptions o;
        o.labelValues = {1, 2};  // 3 categories
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, agg::computeAgreement(twoRaterExample(), o));
        o.labelValues = {-1, 0, 1};
        o.alphaMetric = agg::AlphaMetric::Ratio;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, agg::computeAgreement(twoRaterExample(), o));
    }

    void crowdReference_data() { test::addReferenceRows(false); }  // the crowd datasets

    // statsmodels' fleiss_kappa, the generalised definition and nltk's alpha, all rounded to 6
    // decimals in the reference, and every scikit-learn Cohen pair with >= 10 shared items.
    void crowdReference()
    {
        FETCH_REFERENCE(d, ref);
        const auto& a = ref.at("agreement");
        const auto r = agg::computeAgreement(d.matrix);
        const double tol = 5e-7 + 1e-12;
        QVERIFY(near(r.fleissKappa.value, a.at("fleiss_kappa_variable_raters").at("value").get<double>(), tol));
        QCOMPARE(r.itemsUsed, a.at("fleiss_kappa_variable_raters").at("items_used").get<int>());
        // Every dataset has the same count per item, so statsmodels saw all items too.
        QCOMPARE(a.at("fleiss_kappa_statsmodels").at("items_used").get<int>(), r.itemsUsed);
        QVERIFY(near(r.fleissKappa.value, a.at("fleiss_kappa_statsmodels").at("value").get<double>(), tol));
        QVERIFY(near(r.krippendorffAlpha.value,
                     a.at("krippendorff_alpha_nominal_nltk").at("value").get<double>(), tol));

        std::map<std::pair<int32_t, int32_t>, const agg::CohenPair*> pairs;
        int shared10 = 0;
        for (const auto& p : r.cohenPairs) {
            pairs[{p.a, p.b}] = &p;
            shared10 += p.n >= 10;
        }
        std::ifstream csv(test::sharedDir() + "/reference/" + dataset.toStdString() + ".cohen_pairs.csv");
        QVERIFY(csv.good());
        std::string line;
        std::getline(csv, line);
        int rows = 0, nanRows = 0;
        while (std::getline(csv, line)) {
            std::stringstream ss(line);
            std::string fa, fb, fn, fk, fr;
            std::getline(ss, fa, ',');
            std::getline(ss, fb, ',');
            std::getline(ss, fn, ',');
            std::getline(ss, fk, ',');
            std::getline(ss, fr, ',');
            int32_t ia = d.annotatorIndex.at(fa), ib = d.annotatorIndex.at(fb);
            const auto it = pairs.find({std::min(ia, ib), std::max(ia, ib)});
            QVERIFY(it != pairs.end());
            const agg::CohenPair& p = *it->second;
            ++rows;
            QCOMPARE(p.n, std::stoll(fn));
            QVERIFY(near(p.observed.value, std::stod(fr), tol));
            if (fk.empty()) {
                // scikit-learn returns NaN when both used a single category; we report 1.
                ++nanRows;
                QCOMPARE(p.kappa.status, agg::CoefficientStatus::NoVariation);
                QCOMPARE(p.kappa.value, 1.0);
            } else {
                QVERIFY2(near(p.kappa.value, std::stod(fk), tol),
                         qPrintable(QStringLiteral("%1,%2: %3 vs %4").arg(QString::fromStdString(fa),
                             QString::fromStdString(fb)).arg(p.kappa.value).arg(QString::fromStdString(fk))));
            }
        }
        QCOMPARE(rows, shared10);
        QCOMPARE(nanRows, a.at("cohen_kappa_pairs").at("pairs_nan").get<int>());
        QCOMPARE(rows, a.at("cohen_kappa_pairs").at("pairs_evaluated").get<int>());
        int overlapping = 0;
        for (const auto& p : r.cohenPairs)
            overlapping += p.n >= 1;
        QCOMPARE(overlapping, a.at("cohen_kappa_pairs").at("pairs_total_with_overlap>=1").get<int>());
    }

    void llmReference_data() { test::addLlmTaskRows(); }

    // Full-precision reference (generalised Fleiss and nltk alpha, INVALID excluded): 1e-9.
    void llmReference()
    {
        FETCH_REFERENCE(d, ref);
        agg::AgreementOptions o;
        o.cohenPairs = false;
        const auto r = agg::computeAgreement(d.matrix, o);
        QVERIFY(near(r.fleissKappa.value, ref.at("fleiss_kappa_generalized_excl_invalid").get<double>(), 1e-9));
        QVERIFY(near(r.krippendorffAlpha.value,
                     ref.at("krippendorff_alpha_nominal_excl_invalid").get<double>(), 1e-9));
        QCOMPARE(r.invalidExcluded, ref.at("invalid").get<int64_t>());
    }

    void bootstrapDeterministic()
    {
        SKIP_WITHOUT_SHARED();
        const auto d = test::loadCrowd("rte");
        const auto one = agg::bootstrapAgreement(d.matrix, {}, {.replicates = 200, .seed = 42, .threads = 1});
        const auto two = agg::bootstrapAgreement(d.matrix, {}, {.replicates = 200, .seed = 42, .threads = 2});
        QCOMPARE(one.fleissKappa.lo, two.fleissKappa.lo);
        QCOMPARE(one.krippendorffAlpha.hi, two.krippendorffAlpha.hi);
        const auto point = agg::computeAgreement(d.matrix);
        QVERIFY(one.fleissKappa.lo < point.fleissKappa.value && point.fleissKappa.value < one.fleissKappa.hi);
        QVERIFY(one.krippendorffAlpha.lo < point.krippendorffAlpha.value);
        QVERIFY(point.krippendorffAlpha.value < one.krippendorffAlpha.hi);
        const auto other = agg::bootstrapAgreement(d.matrix, {}, {.replicates = 200, .seed = 43, .threads = 2});
        QVERIFY(other.fleissKappa.lo != one.fleissKappa.lo);
    }

    // Resampling the single-category data can only give NoVariation replicates (value 1).
    void bootstrapSingleCategory()
    {
        agg::BootstrapOptions b;
        b.replicates = 50;
        const auto r = agg::bootstrapAgreement(fromRows({{0, 0}, {0, 0, 0}}, 2), {}, b);
        QCOMPARE(r.fleissKappa.lo, 1.0);
        QCOMPARE(r.krippendorffAlpha.hi, 1.0);
    }

    // numpy's default (linear, type 7): h = (n - 1) q; values 1..4, q = .25 -> h = .75 -> 1.75.
    void percentileIntervalType7()
    {
        const auto iv = agg::percentileInterval({4, 1, 3, 2, std::nan("")}, 0.5);
        QCOMPARE(iv.lo, 1.75);
        QCOMPARE(iv.hi, 3.25);
        QVERIFY(!agg::percentileInterval({std::nan("")}, 0.95).defined());
        // uniformIndex stays in range and reaches both ends.
        std::mt19937_64 rng(3);
        std::set<uint32_t> drawn;
        for (int k = 0; k < 200; ++k)
            drawn.insert(agg::uniformIndex(rng, 5));
        QCOMPARE(drawn, (std::set<uint32_t>{0, 1, 2, 3, 4}));
    }

    // Replicates are spread over the requested threads (the caller is one of them). Each
    // replicate sleeps, so both threads get work even on a loaded machine.
    void bootstrapUsesThreads()
    {
        std::mutex mutex;
        std::set<std::thread::id> ids;
        std::vector<int> seen(64, 0);
        agg::runReplicates(64, 2, 1, {}, [&](int b, std::mt19937_64&, int worker) {
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
            std::lock_guard lock(mutex);
            ids.insert(std::this_thread::get_id());
            seen[b] += 1;
            QVERIFY(worker == 0 || worker == 1);
        });
        QCOMPARE(ids.size(), size_t{2});
        QVERIFY(std::all_of(seen.begin(), seen.end(), [](int n) { return n == 1; }));
        // Replicate b always draws from the same generator, whichever thread runs it.
        std::mt19937_64 a(agg::replicateSeed(1, 5)), b(agg::replicateSeed(1, 5));
        QCOMPARE(a(), b());
        QVERIFY(agg::replicateSeed(1, 5) != agg::replicateSeed(1, 6));
    }

    void bootstrapCancelAndProgress()
    {
        const auto m = krippendorffExample();
        agg::BootstrapOptions b;
        b.replicates = 500;
        b.threads = 2;
        int last = -1, total = 0;
        agg::RunHooks hooks;
        hooks.progress = [&](int done, int all) {
            QVERIFY(done >= last);
            last = done;
            total = all;
        };
        agg::bootstrapAgreement(m, {}, b, hooks);
        QCOMPARE(last, 500);
        QCOMPARE(total, 500);

        // A cancel already requested when the bootstrap starts stops it before any replicate.
        last = -1;
        hooks.isCanceled = [] { return true; };
        QVERIFY_THROWS_EXCEPTION(agg::Canceled, agg::bootstrapAgreement(m, {}, b, hooks));
        QCOMPARE(last, -1);
    }

    // A cancel requested while replicates run stops the run with Canceled, whichever thread
    // wins the race for the replicates. The request comes from inside the first replicate, and
    // the other threads are held until the caller's thread has seen it, so the outcome does not
    // depend on scheduling: the caller's thread always polls after its own first replicate.
    void bootstrapCancelDuringReplicates()
    {
        std::atomic<bool> requested{false};
        std::atomic<bool> seen{false};
        std::atomic<int> ran{0};
        agg::RunHooks hooks;
        hooks.isCanceled = [&] {
            if (!requested.load())
                return false;
            seen = true;
            return true;
        };
        QVERIFY_THROWS_EXCEPTION(
            agg::Canceled,
            agg::runReplicates(500, 2, 7, hooks, [&](int, std::mt19937_64&, int worker) {
                ran.fetch_add(1);
                requested = true;
                // Only the caller's thread (worker 0) polls; holding it would deadlock.
                while (worker != 0 && !seen.load())
                    std::this_thread::yield();
            }));
        // The caller ran one replicate, then saw the cancel; the other thread ran at most the
        // one it was held in plus the one it had started first.
        QVERIFY2(ran.load() <= 3, qPrintable(QString::number(ran.load())));
    }

    // A cancel that arrives after every replicate is done but before runReplicates returns
    // still throws (documented in statistics.h): a caller that asked to cancel never gets a
    // result it has to tell apart from a finished one.
    void bootstrapCancelAfterTheLastReplicate()
    {
        std::atomic<int> ran{0};
        agg::RunHooks hooks;
        hooks.isCanceled = [&] { return ran.load() == 40; };
        QVERIFY_THROWS_EXCEPTION(agg::Canceled,
                                 agg::runReplicates(40, 2, 7, hooks, [&](int, std::mt19937_64&, int) {
                                     ran.fetch_add(1);
                                 }));
    }
};

QTEST_GUILESS_MAIN(TestAgreement)
#include "tst_agreement.moc"
