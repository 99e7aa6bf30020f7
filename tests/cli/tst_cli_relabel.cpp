// chorus-cli select and simulate as a process: hand-derived picks, gains, costs and curves on a
// three-item crowd, the JSONL export, the budget, and the errors for a bad cost or budget.

#include "clitest.h"
#include "../model/projectdump.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <cmath>

class TestCliRelabel : public chorus::test::CliTestCase
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        setUpCli();
        // Majority-vote posteriors: q1 (a,a,b) -> (2/3, 1/3); q2 (a,a,a) -> (1, 0); q3 (a,b) ->
        // (1/2, 1/2), label a (tie -> first label). Gold: q1 b, q2 a, q3 b; mv gets only q2 right.
        write(QStringLiteral("votes.csv"),
              "item,annotator,label\nq1,x,a\nq1,y,a\nq1,z,b\nq2,x,a\nq2,y,a\nq2,z,a\nq3,x,a\nq3,z,b\n");
        write(QStringLiteral("gold.csv"), "item,label\nq1,b\nq2,a\nq3,b\n");
    }

    void selectGreedyByHand()
    {
        // Gain of one answer with accuracy A = 0.9 on a binary item with posterior p:
        // H(q) - H(A|Y), q = (0.9 p + 0.1 (1-p), ...). q3: q = (1/2, 1/2) -> ln 2 + 0.9 ln 0.9 +
        // 0.1 ln 0.1 = 0.36177; q1: q = (0.9*2/3 + 0.1/3, ...) = (19/30, 11/30), a smaller
        // entropy; q2 is sure (q = (0.9, 0.1), gain 0). So q3 first, then q1.
        const QString exportFile = path(QStringLiteral("next.jsonl"));
        const auto j = json(onVotes(QStringLiteral("select"),
                                    {"--budget", "5", "--k", "2", "--cost", "2", "--relabeler-accuracy", "0.9",
                                     "--strategy", "greedy", "--export", exportFile, "--json"}));
        QCOMPARE(j["items"].size(), size_t(2));
        QCOMPARE(j["items"][0]["item"].get<std::string>(), std::string("q3"));
        QCOMPARE(j["items"][1]["item"].get<std::string>(), std::string("q1"));
        const double g3 = std::log(2.0) + 0.9 * std::log(0.9) + 0.1 * std::log(0.1);
        const double q = 19.0 / 30, g1 = -(q * std::log(q) + (1 - q) * std::log(1 - q)) + 0.9 * std::log(0.9) + 0.1 * std::log(0.1);
        QVERIFY(std::abs(j["items"][0]["expected_gain"].get<double>() - g3) < 1e-12);
        QVERIFY(std::abs(j["items"][1]["expected_gain"].get<double>() - g1) < 1e-12);
        QCOMPARE(j["items"][0]["cumulative_cost"].get<double>(), 2.0);
        QCOMPARE(j["items"][1]["cumulative_cost"].get<double>(), 4.0);
        QVERIFY(std::abs(j["items"][1]["posterior"]["a"].get<double>() - 2.0 / 3) < 1e-12);
        QCOMPARE(j["spent"].get<double>(), 4.0);
        // The export: one JSON object per selected item, in order, with the label set.
        QFile f(exportFile);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = f.readAll().trimmed().split('\n');
        QCOMPARE(lines.size(), 2);
        const auto first = nlohmann::json::parse(lines[0].toStdString());
        QCOMPARE(first["id"].get<std::string>(), std::string("q3"));
        QCOMPARE(first["labels"], nlohmann::json::parse(R"(["a","b"])"));
        QVERIFY(first.contains("text"));
    }

    void selectStaysWithinBudget()
    {
        // Budget 3 at cost 2 buys one item, whatever k is.
        const auto j = json(onVotes(QStringLiteral("select"),
                                    {"--budget", "3", "--k", "3", "--cost", "2", "--relabeler-accuracy", "0.9",
                                     "--strategy", "uncertainty", "--json"}));
        QCOMPARE(j["items"].size(), size_t(1));
        QCOMPARE(j["items"][0]["item"].get<std::string>(), std::string("q3"));
        QCOMPARE(j["spent"].get<double>(), 2.0);
    }

    void errors_data()
    {
        QTest::addColumn<QStringList>("extra");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("message");
        QTest::newRow("zeroCost") << QStringList{"--cost", "0", "--budget", "5"} << 1 << "cost per item must be > 0";
        QTest::newRow("negativeBudget") << QStringList{"--cost", "1", "--budget", "-2"} << 1
                                        << "budget must be a finite number >= 0";
        QTest::newRow("noBudget") << QStringList{"--cost", "1"} << 2 << "--budget is required";
        QTest::newRow("unknownStrategy") << QStringList{"--cost", "1", "--budget", "5", "--strategy", "best"} << 2
                                         << "unknown relabel strategy";
    }

    void errors()
    {
        QFETCH(QStringList, extra);
        QFETCH(int, exitCode);
        QFETCH(QString, message);
        const QStringList options = QStringList{"--relabeler-accuracy", "0.9", "--json"} + extra;
        chorus::test::expectCliError(run(onVotes(QStringLiteral("select"), options)), exitCode, message);
    }

    void simulateWithGoldAsRelabeler()
    {
        // A perfect relabeler (gold, accuracy estimated 1): greedy takes q3 (entropy ln 2), then
        // q1 (2/3, 1/3), then q2; each answer fixes that item. Accuracy 1/3 -> 2/3 -> 1 -> 1.
        const auto j = json(onVotes(QStringLiteral("simulate"),
                                    {"--gold", path(QStringLiteral("gold.csv")), "--relabeler", "gold", "--k", "1",
                                     "--cost", "1", "--budget", "10", "--strategy", "greedy", "--strategy", "random",
                                     "--json"}));
        QCOMPARE(j["relabeler"].get<std::string>(), std::string("gold"));
        QVERIFY(std::abs(j["start_accuracy"].get<double>() - 1.0 / 3) < 1e-12);
        QCOMPARE(j["full_relabel"]["cost"].get<double>(), 3.0);
        QCOMPARE(j["full_relabel"]["accuracy"].get<double>(), 1.0);
        QCOMPARE(j["strategies"].size(), size_t(2));
        const auto& g = j["strategies"][0];
        QCOMPARE(g["strategy"].get<std::string>(), std::string("greedy"));
        QCOMPARE(g["k"].get<int>(), 1);
        const double spent[] = {0, 1, 2, 3}, acc[] = {1.0 / 3, 2.0 / 3, 1, 1};
        QCOMPARE(g["curve"].size(), size_t(4));  // every item relabeled before the budget ran out
        for (int i = 0; i < 4; ++i) {
            QCOMPARE(g["curve"][i]["spent"].get<double>(), spent[i]);
            QVERIFY(std::abs(g["curve"][i]["fraction"].get<double>() - spent[i] / 3) < 1e-12);
            QVERIFY(std::abs(g["curve"][i]["accuracy"].get<double>() - acc[i]) < 1e-12);
        }
        QCOMPARE(j["strategies"][1]["curve"].back()["accuracy"].get<double>(), 1.0);
        // Exactly the keys of the documented format.
        QStringList keys;
        for (auto it = j.begin(); it != j.end(); ++it)
            keys << QString::fromStdString(it.key());
        keys.sort();
        QCOMPARE(keys, (QStringList{"full_relabel", "relabeler", "start_accuracy", "strategies"}));
    }

    void simulateWithAnnotatorColumn()
    {
        // z is the relabeler: removed from the crowd, so mv on x,y says q1 a, q2 a, q3 a (1/3
        // right); z's own labels b, a, b are all right (full-relabel accuracy 1, estimated A = 1).
        const auto j = json(onVotes(QStringLiteral("simulate"),
                                    {"--gold", path(QStringLiteral("gold.csv")), "--relabeler", "z", "--k", "2",
                                     "--cost", "1.5", "--budget", "2", "--strategy", "uncertainty", "--json"}));
        QVERIFY(std::abs(j["start_accuracy"].get<double>() - 1.0 / 3) < 1e-12);
        QCOMPARE(j["full_relabel"]["accuracy"].get<double>(), 1.0);
        QCOMPARE(j["full_relabel"]["cost"].get<double>(), 4.5);
        const auto& curve = j["strategies"][0]["curve"];
        QCOMPARE(curve.size(), size_t(2));  // budget 2 buys one item at 1.5
        QCOMPARE(curve[1]["spent"].get<double>(), 1.5);
        QVERIFY(curve[1]["spent"].get<double>() <= 2.0);
    }

private:
    // chorus-cli `command` (select or simulate) on the three-item crowd of initTestCase
    // (votes.csv) with majority vote, followed by `options`.
    QStringList onVotes(const QString& command, const QStringList& options) const
    {
        return QStringList{command, QStringLiteral("--input"), path(QStringLiteral("votes.csv")),
                           QStringLiteral("--method"), QStringLiteral("mv")}
               + options;
    }
};

QTEST_GUILESS_MAIN(TestCliRelabel)
#include "tst_cli_relabel.moc"
