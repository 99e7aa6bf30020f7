// chorus-cli crowd and calibration as a process on a hand-made crowd of four annotators: costs
// from the input, --costs and "unknown", a budget only one annotator fits, hand-derived scores,
// the split, the gold-free mode, annotator probabilities, and the errors for bad input.

#include "clitest.h"
#include "../model/projectdump.h"

#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <cmath>

namespace {

// Items q0..q11, gold a b c a b c ..., labels of A0..A3 (- = none, INVALID as said):
const char* const kGold = "abcabcabcabc";
const char* const kLabels[4] = {
    "abcabcabaacc",  // A0: wrong on q8 (a for c) and q10 (c for b)
    "abbaccaabbbc",  // A1
    "bbccbaabca!b",  // A2: INVALID on q10
    "accabbbb-aba",  // A3: no label on q8
};

// JSONL: A0 costs 0.5 per item and reports 0.8 on its own label (0.1 on the others); A1 is an
// LLM without a cost; A2 and A3 are not declared.
QByteArray jsonl()
{
    QByteArray out;
    for (int i = 0; i < 12; ++i) {
        nlohmann::ordered_json o;
        if (i == 0) {
            o["label_set"] = {"a", "b", "c"};
            o["annotators"] = {{"A0", {{"kind", "llm"}, {"cost_per_item", 0.5}}}, {"A1", {{"kind", "llm"}}}};
        }
        o["id"] = QStringLiteral("q%1").arg(i).toStdString();
        nlohmann::ordered_json labels = nlohmann::ordered_json::object();
        for (int a = 0; a < 4; ++a) {
            const char c = kLabels[a][i];
            if (c != '-')
                labels[QStringLiteral("A%1").arg(a).toStdString()] = c == '!' ? std::string("INVALID") : std::string(1, c);
        }
        o["labels"] = labels;
        nlohmann::ordered_json probs = nlohmann::ordered_json::object();
        for (const char k : {'a', 'b', 'c'})
            probs[std::string(1, k)] = k == kLabels[0][i] ? 0.8 : 0.1;
        o["probs"] = {{"A0", probs}};
        o["gold"] = std::string(1, kGold[i]);
        out += QByteArray::fromStdString(o.dump()) + '\n';
    }
    return out;
}

bool near(double a, double b)
{
    return std::abs(a - b) <= 1e-12;
}

} // namespace

class TestCliCrowd : public chorus::test::CliTestCase
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        setUpCli();
        write(QStringLiteral("crowd.jsonl"), jsonl());
        write(QStringLiteral("costs.csv"), "annotator,cost_per_item\nA1,2\n");
    }

    void budgetOnlyTheCheapestFits()
    {
        // Every gold item is in the selection; only A0 (0.5) fits a budget of 0.5. A0's macro-F1
        // over the three classes (4 items each): a: TP 4, FP 1 (q8) -> 8/9; b: TP 3, FN 1 (q10)
        // -> 6/7; c: TP 3, FP 1, FN 1 -> 6/8. Accuracy 10/12.
        const auto j = json({QStringLiteral("crowd"), QStringLiteral("--input"), path(QStringLiteral("crowd.jsonl")),
                             QStringLiteral("--methods"), QStringLiteral("mv,ds"), QStringLiteral("--select-fraction"),
                             QStringLiteral("1"), QStringLiteral("--costs"), path(QStringLiteral("costs.csv")),
                             QStringLiteral("--max-cost"), QStringLiteral("0.5"), QStringLiteral("--json")});
        QVERIFY(!j.is_discarded());
        QCOMPARE(j["mode"].get<std::string>(), std::string("gold"));
        QCOMPARE(j["selection_items"].get<int>(), 12);
        QCOMPARE(j["holdout_items"].size(), size_t{0});
        const auto& rec = j["recommended"];
        QCOMPARE(rec["annotators"], nlohmann::json::array({"A0"}));
        QCOMPARE(rec["cost_per_item"].get<double>(), 0.5);
        const double f1 = (8.0 / 9 + 6.0 / 7 + 6.0 / 8) / 3;
        QVERIFY(near(rec["selection"]["macro_f1"].get<double>(), f1));
        QVERIFY(near(rec["selection"]["accuracy"].get<double>(), 10.0 / 12));
        QVERIFY(rec["holdout"]["macro_f1"].is_null());
        QCOMPARE(j["best_single"]["annotators"], nlohmann::json::array({"A0"}));
        // Costs: A0 from the input, A1 from --costs, A2 and A3 unknown (1 each, and said so).
        const auto& anns = j["annotators"];
        QCOMPARE(anns[0]["cost_source"].get<std::string>(), std::string("project"));
        QCOMPARE(anns[1]["cost_source"].get<std::string>(), std::string("costs_file"));
        QCOMPARE(anns[1]["cost_per_item"].get<double>(), 2.0);
        QCOMPARE(anns[2]["cost_source"].get<std::string>(), std::string("unknown"));
        QCOMPARE(j["unknown_costs"], nlohmann::json::array({"A2", "A3"}));
        QVERIFY(j.contains("cost_note"));
        // The full crowd costs 0.5 + 2 + 1 + 1 with each method.
        QCOMPARE(j["full_crowd"].size(), size_t{2});
        QCOMPARE(j["full_crowd"][1]["method"].get<std::string>(), std::string("ds"));
        QCOMPARE(j["full_crowd"][1]["cost_per_item"].get<double>(), 4.5);
        // INVALID rate: A2 gave 1 INVALID of 12; A3 answered 11.
        QVERIFY(near(anns[2]["invalid_rate"].get<double>(), 1.0 / 12));
        QCOMPARE(anns[3]["answered"].get<int>(), 11);
        QCOMPARE(j["redundancy"].size(), size_t{6});
        QCOMPARE(j["curve"]["mv"].size(), size_t{4});
    }

    void splitAndHoldoutIds()
    {
        const auto j = json({QStringLiteral("crowd"), QStringLiteral("--input"), path(QStringLiteral("crowd.jsonl")),
                             QStringLiteral("--methods"), QStringLiteral("mv"), QStringLiteral("--select-fraction"),
                             QStringLiteral("0.25"), QStringLiteral("--seed"), QStringLiteral("3"), QStringLiteral("--json")});
        QCOMPARE(j["selection_items"].get<int>(), 3);
        QCOMPARE(j["holdout_items"].size(), size_t{9});
        for (const auto& id : j["holdout_items"])
            QVERIFY(id.get<std::string>().rfind('q', 0) == 0);
        QVERIFY(!j["recommended"]["holdout"]["macro_f1"].is_null());
    }

    void withoutGoldIsAnEstimate()
    {
        const auto j = json({QStringLiteral("crowd"), QStringLiteral("--input"), path(QStringLiteral("crowd.jsonl")),
                             QStringLiteral("--methods"), QStringLiteral("mv"), QStringLiteral("--no-gold"),
                             QStringLiteral("--json")});
        QCOMPARE(j["mode"].get<std::string>(), std::string("estimate"));
        QVERIFY(j["scoring"].get<std::string>().find("estimate") != std::string::npos);
        QCOMPARE(j["selection_items"].get<int>(), 0);
        QCOMPARE(j["holdout_items"].size(), size_t{12});  // gold only reported
    }

    void calibrationOfAnnotatorProbabilities()
    {
        // A0 says 0.8 on every item and is right on 10 of 12: ECE |10/12 - 0.8| = 1/30; top-label
        // Brier (10 * 0.2^2 + 2 * 0.8^2) / 12 = 0.14; NLL -(10 ln 0.8 + 2 ln 0.1) / 12.
        const auto j = json({QStringLiteral("calibration"), QStringLiteral("--input"), path(QStringLiteral("crowd.jsonl")),
                             QStringLiteral("--methods"), QStringLiteral("mv"), QStringLiteral("--json")});
        QCOMPARE(j["annotators_with_probabilities"].get<int>(), 1);
        QVERIFY(!j.contains("note"));
        const auto& a0 = j["sources"][1];
        QCOMPARE(a0["name"].get<std::string>(), std::string("A0"));
        QCOMPARE(a0["items"].get<int>(), 12);
        QVERIFY(near(a0["ece_equal_width"].get<double>(), 1.0 / 30));
        QVERIFY(near(a0["brier_top_label"].get<double>(), 0.14));
        QVERIFY(near(a0["nll"].get<double>(), -(10 * std::log(0.8) + 2 * std::log(0.1)) / 12));
        const auto& bins = a0["reliability"]["equal_width"];
        QCOMPARE(bins[7]["count"].get<int>(), 12);  // 0.8 is the top edge of (0.7, 0.8]
        // With --temperature: fitted on the selection, scored on the holdout.
        const auto t = json({QStringLiteral("calibration"), QStringLiteral("--input"), path(QStringLiteral("crowd.jsonl")),
                             QStringLiteral("--methods"), QStringLiteral("mv"), QStringLiteral("--temperature"),
                             QStringLiteral("--select-fraction"), QStringLiteral("0.5"), QStringLiteral("--json")});
        QCOMPARE(t["holdout_items"].size(), size_t{6});
        QCOMPARE(t["sources"][0]["temperature_scaling"]["holdout_after"]["items"].get<int>(), 6);
    }

    void calibrationSaysWhenNoProbabilities()
    {
        write(QStringLiteral("votes.csv"), "item,annotator,label\nq1,x,a\nq1,y,b\nq2,x,a\nq2,y,a\n");
        write(QStringLiteral("gold.csv"), "item,label\nq1,b\nq2,a\n");
        const auto j = json({QStringLiteral("calibration"), QStringLiteral("--input"), path(QStringLiteral("votes.csv")),
                             QStringLiteral("--gold"), path(QStringLiteral("gold.csv")), QStringLiteral("--methods"),
                             QStringLiteral("mv"), QStringLiteral("--json")});
        QCOMPARE(j["annotators_with_probabilities"].get<int>(), 0);
        QVERIFY(j["note"].get<std::string>().find("no annotator reported probabilities") != std::string::npos);
    }

    void errors_data()
    {
        QTest::addColumn<QByteArray>("costs");
        QTest::addColumn<QStringList>("extra");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknownAnnotatorInCosts") << QByteArray("annotator,cost_per_item\nA9,1\n") << QStringList() << 1
                                                 << QStringLiteral("bad.csv:2: unknown annotator \"A9\"");
        QTest::newRow("negativeCost") << QByteArray("A1,-1\n") << QStringList() << 1
                                      << QStringLiteral("bad.csv:1: expected annotator,cost_per_item");
        QTest::newRow("twoBudgets") << QByteArray("A1,1\n")
                                    << QStringList{QStringLiteral("--max-cost"), QStringLiteral("1"),
                                                   QStringLiteral("--max-cost-share"), QStringLiteral("0.5")}
                                    << 2 << QStringLiteral("at most one of --max-cost");
        QTest::newRow("unknownMethod") << QByteArray("A1,1\n")
                                       << QStringList{QStringLiteral("--methods"), QStringLiteral("nosuch")} << 2
                                       << QStringLiteral("unknown method \"nosuch\"");
        QTest::newRow("badFraction") << QByteArray("A1,1\n")
                                     << QStringList{QStringLiteral("--select-fraction"), QStringLiteral("1.5")} << 2
                                     << QStringLiteral("--select-fraction");
    }

    void errors()
    {
        QFETCH(QByteArray, costs);
        QFETCH(QStringList, extra);
        QFETCH(int, code);
        QFETCH(QString, message);
        write(QStringLiteral("bad.csv"), costs);
        chorus::test::expectCliError(run(QStringList{QStringLiteral("crowd"), QStringLiteral("--input"),
                                                     path(QStringLiteral("crowd.jsonl")), QStringLiteral("--costs"),
                                                     path(QStringLiteral("bad.csv")), QStringLiteral("--json")}
                                         + extra),
                                     code, message);
    }
};

QTEST_GUILESS_MAIN(TestCliCrowd)
#include "tst_cli_crowd.moc"
