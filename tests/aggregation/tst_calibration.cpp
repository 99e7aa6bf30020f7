// Calibration figures (aggregation/calibration.h): a hand-worked case written out below, and
// scikit-learn 1.2.1's brier_score_loss / calibration_curve / log_loss on a real task's
// majority-vote shares (tests/data/calibration, made by make_sklearn_reference.py there).

#include "calibration.h"

#include <QFile>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <cmath>

using namespace chorus;

namespace {

bool near(double a, double b, double tol = 1e-12)
{
    return std::abs(a - b) <= tol;
}

// Five items, three labels. Confidence (max of the row), correct (argmax == gold):
//   i0 (0.70, 0.20, 0.10) gold 0: 0.70 right     i3 (0.30, 0.60, 0.10) gold 0: 0.60 wrong
//   i1 (0.45, 0.35, 0.20) gold 1: 0.45 wrong     i4 (0.35, 0.33, 0.32) gold 0: 0.35 right
//   i2 (0.05, 0.05, 0.90) gold 2: 0.90 right
const std::vector<double> kRows{0.70, 0.20, 0.10, 0.45, 0.35, 0.20, 0.05, 0.05, 0.90,
                                0.30, 0.60, 0.10, 0.35, 0.33, 0.32};
const std::vector<int32_t> kGold{0, 1, 2, 0, 0};
const std::vector<int32_t> kAll{0, 1, 2, 3, 4};

} // namespace

class TestCalibration : public QObject
{
    Q_OBJECT

private slots:
    void handWorkedScores()
    {
        const agg::CalibrationScores s = agg::calibrationScores(kRows, 3, {}, kGold, kAll, 4);
        QCOMPARE(s.items, int64_t{5});
        QVERIFY(near(s.accuracy, 3.0 / 5));
        QVERIFY(near(s.meanConfidence, (0.70 + 0.45 + 0.90 + 0.60 + 0.35) / 5));
        // Equal width, 4 bins (0, .25] (.25, .5] (.5, .75] (.75, 1]:
        //   (.25,.5]: 0.45 wrong, 0.35 right -> accuracy .5, confidence .40, weight 2/5: .04
        //   (.5,.75]: 0.70 right, 0.60 wrong -> accuracy .5, confidence .65, weight 2/5: .06
        //   (.75,1] : 0.90 right             -> accuracy 1,  confidence .90, weight 1/5: .02
        QVERIFY(near(s.eceEqualWidth, 0.12));
        QCOMPARE(s.equalWidth.size(), size_t{4});
        QCOMPARE(s.equalWidth[0].count, int64_t{0});
        QCOMPARE(s.equalWidth[1].count, int64_t{2});
        QVERIFY(near(s.equalWidth[2].meanConfidence, 0.65));
        QVERIFY(near(s.equalWidth[3].accuracy, 1.0));
        // Equal mass: edges at the 0, 25, 50, 75, 100th percentiles of (.35 .45 .6 .7 .9) are
        // those values; a value on an inner edge goes to the bin below it:
        //   [.35,.45]: .35 right, .45 wrong -> |.5 - .4| 2/5 = .04;  (.45,.6]: .6 wrong -> .6/5 = .12
        //   (.6,.7]: .7 right -> .3/5 = .06;                        (.7,.9]: .9 right -> .1/5 = .02
        QVERIFY(near(s.eceEqualMass, 0.24));
        QCOMPARE(s.equalMass[1].count, int64_t{1});
        QVERIFY(near(s.equalMass[1].lo, 0.45) && near(s.equalMass[1].hi, 0.6));
        // Brier (multi-class): .14 + .665 + .015 + .86 + .6338 = 2.3138 over 5 items.
        QVERIFY(near(s.brier, 2.3138 / 5));
        // Top-label Brier: (.7-1)^2 + .45^2 + (.9-1)^2 + .6^2 + (.35-1)^2 = 1.085 over 5.
        QVERIFY(near(s.brierTopLabel, 1.085 / 5));
        // NLL: -(ln .7 + ln .35 + ln .9 + ln .3 + ln .35) / 5 = 3.765653... / 5.
        QVERIFY(near(s.nll, -(std::log(0.7) + std::log(0.35) + std::log(0.9) + std::log(0.3) + std::log(0.35)) / 5));
        QVERIFY(near(s.nll, 0.7531306, 1e-7));
    }

    void rowsWithoutGoldOrAbsentAreSkipped()
    {
        std::vector<int32_t> gold = kGold;
        gold[1] = -1;                                 // i1 has no gold
        const std::vector<uint8_t> present{1, 1, 1, 0, 1};  // i3 has no row
        const agg::CalibrationScores s = agg::calibrationScores(kRows, 3, present, gold, kAll, 4);
        QCOMPARE(s.items, int64_t{3});  // i0, i2, i4: all right
        QVERIFY(near(s.accuracy, 1.0));
        QVERIFY(near(s.brierTopLabel, (0.09 + 0.01 + 0.4225) / 3));
    }

    void temperatureScaling()
    {
        // (0.8, 0.2) at T = 2: sqrt(.8) : sqrt(.2) = 2 : 1, so (2/3, 1/3).
        const std::vector<double> scaled = agg::temperatureScaled({0.8, 0.2}, 2, 2.0);
        QVERIFY(near(scaled[0], 2.0 / 3) && near(scaled[1], 1.0 / 3));
        // Every row (0.8, 0.2), gold 0 on two items of three: the NLL is minimal where the
        // scaled probability of label 0 is 2/3, i.e. 4^(1/T) = 2, T = 2.
        const std::vector<double> rows{0.8, 0.2, 0.8, 0.2, 0.8, 0.2};
        const double t = agg::fitTemperature(rows, 2, {}, {0, 0, 1}, {0, 1, 2});
        QVERIFY2(near(t, 2.0, 1e-5), qPrintable(QString::number(t, 'g', 10)));
        // All three right: sharper is better, up to the search's bound 0.05.
        QVERIFY(agg::fitTemperature(rows, 2, {}, {0, 0, 0}, {0, 1, 2}) < 0.0501);
        QCOMPARE(agg::fitTemperature(rows, 2, {}, {0, 0, 0}, {}), 1.0);
    }

    void matchesScikitLearn()
    {
        QFile csv(QStringLiteral(CHORUS_TEST_DATA "/calibration/emotion_mv_shares.csv"));
        QFile ref(QStringLiteral(CHORUS_TEST_DATA "/calibration/emotion_mv_sklearn.json"));
        QVERIFY(csv.open(QIODevice::ReadOnly) && ref.open(QIODevice::ReadOnly));
        const auto j = nlohmann::json::parse(ref.readAll().toStdString());
        const int32_t K = static_cast<int32_t>(j["classes"].size());
        std::vector<double> rows;
        std::vector<int32_t> gold, items;
        csv.readLine();  // header
        while (!csv.atEnd()) {
            const QList<QByteArray> cells = csv.readLine().trimmed().split(',');
            QCOMPARE(cells.size(), K + 2);
            items.push_back(static_cast<int32_t>(gold.size()));
            gold.push_back(cells[1].toInt());
            for (int32_t k = 0; k < K; ++k)
                rows.push_back(cells[k + 2].toDouble());
        }
        QCOMPARE(static_cast<int>(items.size()), j["items"].get<int>());
        const agg::CalibrationScores s = agg::calibrationScores(rows, K, {}, gold, items, 10);
        QVERIFY(near(s.accuracy, j["accuracy"].get<double>()));
        QVERIFY(near(s.brierTopLabel, j["brier_score_loss"].get<double>()));
        QVERIFY(near(s.brier, j["brier_multiclass"].get<double>()));
        QVERIFY(near(s.nll, j["log_loss"].get<double>(), 1e-9));
        for (const auto& [strategy, bins] : {std::pair{"uniform", &s.equalWidth}, std::pair{"quantile", &s.equalMass}}) {
            const auto& r = j[strategy];
            std::vector<double> prob_true, prob_pred;
            for (size_t b = 0; b < bins->size(); ++b) {
                QCOMPARE((*bins)[b].count, r["counts"][b].get<int64_t>());
                if ((*bins)[b].count > 0) {
                    prob_true.push_back((*bins)[b].accuracy);
                    prob_pred.push_back((*bins)[b].meanConfidence);
                }
            }
            QCOMPARE(prob_true.size(), r["prob_true"].size());
            for (size_t b = 0; b < prob_true.size(); ++b) {
                QVERIFY2(near(prob_true[b], r["prob_true"][b].get<double>()), strategy);
                QVERIFY2(near(prob_pred[b], r["prob_pred"][b].get<double>()), strategy);
            }
        }
        QVERIFY(near(s.eceEqualWidth, j["uniform"]["ece"].get<double>()));
        QVERIFY(near(s.eceEqualMass, j["quantile"]["ece"].get<double>()));
    }

    void badInput()
    {
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                                 agg::reliabilityBins({0.5}, {1}, 0, agg::BinStrategy::EqualWidth));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                                 agg::reliabilityBins({1.5}, {1}, 10, agg::BinStrategy::EqualWidth));
        QVERIFY(std::isnan(agg::calibrationScores(kRows, 3, {}, kGold, {}, 10).eceEqualWidth));
    }
};

QTEST_GUILESS_MAIN(TestCalibration)
#include "tst_calibration.moc"
