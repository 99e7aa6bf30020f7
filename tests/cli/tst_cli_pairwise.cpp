// chorus-cli rank and judges as a process: PandaLM (../shared/data/pairwise/pandalm.csv) against
// ../shared/reference/pairwise-pandalm_<judge>.json, plus import formats and errors on small
// files derived by hand. Tolerances are documented in docs/pairwise.md.

#include "datasets.h"
#include "stringrows.h"

#include "clitest.h"
#include "../model/projectdump.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>

namespace {

/// Bootstrap summaries come from different random draws (numpy's default_rng(42) there, our
/// mt19937_64 streams here): medians and percentile bounds of 1000 replicates differ by Monte
/// Carlo error (about 1-3 Elo points here); 6 points is a fifth of the interval half-width.
constexpr double kBootstrapTolerance = 6.0;

std::vector<std::string> orderOf(const nlohmann::json& scores)
{
    std::vector<std::pair<double, std::string>> v;
    for (auto it = scores.begin(); it != scores.end(); ++it)
        v.emplace_back(it.value().get<double>(), it.key());
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<std::string> out;
    for (const auto& [s, m] : v)
        out.push_back(m);
    return out;
}

} // namespace

class TestCliPairwise : public chorus::test::CliTestCase
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        setUpCli();
        m_data = chorus::test::shared(QStringLiteral("data/pairwise/pandalm.csv"));
        QVERIFY2(QFileInfo::exists(m_data), qPrintable(m_data));
    }

    void pandalm_data()
    {
        chorus::test::addStringRows("judge", {
            {"human", "human"},
            {"gpt35", "gpt-3.5"},
            {"pandalm7b", "pandalm-7b"},
        });
    }

    void pandalm()
    {
        QFETCH(QString, judge);
        std::ifstream f(std::string(CHORUS_SHARED_DIR) + "/reference/pairwise-pandalm_" + judge.toStdString() + ".json");
        QVERIFY(f.good());
        const nlohmann::json ref = nlohmann::json::parse(f);

        // Elo: the leaderboard procedure is deterministic on the file order -> 1e-9.
        const auto elo = json({QStringLiteral("rank"), QStringLiteral("--input"), m_data, QStringLiteral("--judge"), judge,
                               QStringLiteral("--method"), QStringLiteral("elo"), QStringLiteral("--bootstrap"),
                               QStringLiteral("1000"), QStringLiteral("--seed"), QStringLiteral("42"), QStringLiteral("--json")});
        QCOMPARE(elo["method"].get<std::string>(), std::string("elo"));
        QCOMPARE(elo.size(), size_t(2));
        std::vector<std::string> order;
        int64_t games = 0;
        for (const auto& m : elo["models"]) {
            const std::string name = m["model"].get<std::string>();
            order.push_back(name);
            QCOMPARE(m.size(), size_t(9));
            QVERIFY2(std::abs(m["rating"].get<double>() - ref["elo"][name].get<double>()) < 1e-9, name.c_str());
            const auto& b = ref["elo_bootstrap"][name];
            for (const char* key : {"median", "lo", "hi"})
                QVERIFY2(std::abs(m[key].get<double>() - b[key].get<double>()) < kBootstrapTolerance,
                         qPrintable(QStringLiteral("%1 %2: %3 vs %4").arg(QString::fromStdString(name), QLatin1String(key))
                                        .arg(m[key].get<double>()).arg(b[key].get<double>())));
            QVERIFY(std::abs(m["win_rate"].get<double>() - ref["win_rate"][name].get<double>()) < 1e-12);
            games += m["wins"].get<int64_t>() + m["losses"].get<int64_t>() + m["ties"].get<int64_t>();
        }
        QCOMPARE(order, orderOf(ref["elo"]));
        QCOMPARE(games, 2 * ref["rows"].get<int64_t>());

        // Bradley-Terry, ties as half wins, converged MM vs the reference's MM fit -> 1e-9.
        const auto half = rank(judge, {QStringLiteral("--ties"), QStringLiteral("half")});
        order.clear();
        for (const auto& m : half["models"]) {
            const std::string name = m["model"].get<std::string>();
            order.push_back(name);
            QVERIFY2(std::abs(m["rating"].get<double>() - ref["bt_mm"][name].get<double>()) < 1e-9, name.c_str());
            QVERIFY(m["median"].is_null());
        }
        QCOMPARE(order, orderOf(ref["bt_mm"]));

        // Ties dropped. crowd-kit 1.4.1's BradleyTerry stops after two MM iterations (its
        // convergence check compares p_new with an alias of itself), so its scores are not the
        // MLE; two of our iterations reproduce them to rounding, and the converged fit keeps
        // crowd-kit's ordering.
        const auto two = rank(judge, {QStringLiteral("--ties"), QStringLiteral("drop"), QStringLiteral("--max-iter"),
                                      QStringLiteral("2")});
        for (const auto& m : two["models"])
            QVERIFY(std::abs(m["rating"].get<double>() - ref["bt"][m["model"].get<std::string>()].get<double>()) < 1e-12);
        const auto drop = rank(judge, {QStringLiteral("--ties"), QStringLiteral("drop")});
        order.clear();
        for (const auto& m : drop["models"])
            order.push_back(m["model"].get<std::string>());
        QCOMPARE(order, orderOf(ref["bt"]));
    }

    void judgeKindHuman()
    {
        // The three human_annotator judges are PandaLM's humans: --judge-kind human selects the
        // same 2997 rows as the reference's "human" substring.
        std::ifstream f(std::string(CHORUS_SHARED_DIR) + "/reference/pairwise-pandalm_human.json");
        const nlohmann::json ref = nlohmann::json::parse(f);
        const auto j = json({QStringLiteral("rank"), QStringLiteral("--input"), m_data, QStringLiteral("--judge-kind"),
                             QStringLiteral("human"), QStringLiteral("--bootstrap"), QStringLiteral("0"), QStringLiteral("--json")});
        QCOMPARE(j["models"].size(), size_t(5));
        for (const auto& m : j["models"])
            QVERIFY(std::abs(m["rating"].get<double>() - ref["elo"][m["model"].get<std::string>()].get<double>()) < 1e-9);
    }

    void btBootstrapBracketsRating()
    {
        const auto j = json({QStringLiteral("rank"), QStringLiteral("--input"), m_data, QStringLiteral("--judge"),
                             QStringLiteral("human"), QStringLiteral("--method"), QStringLiteral("bt"), QStringLiteral("--bootstrap"),
                             QStringLiteral("200"), QStringLiteral("--seed"), QStringLiteral("1"), QStringLiteral("--json")});
        for (const auto& m : j["models"]) {
            QVERIFY(m["lo"].get<double>() < m["rating"].get<double>());
            QVERIFY(m["rating"].get<double>() < m["hi"].get<double>());
        }
    }

    void likertCsvAndJsonl()
    {
        // Scores with the default mapping 1-3 = a, 4-5 = tie, 6-8 = b: rows 2 (a), 7 (b), 4 (tie).
        // A beats B, B beats A, a tie: records 1-1-1 each, win rate 1/2; Elo with K = 32:
        // game 1 A 1016 / B 984; game 2 B (984) beats A (1016): E_B = 1/(1+10^(32/400)).
        write(QStringLiteral("l.csv"), "model_a,model_b,winner,judge\nA,B,2,j\nA,B,7,j\nB,A,4,j\n");
        write(QStringLiteral("l.jsonl"),
              "{\"model_a\":\"A\",\"model_b\":\"B\",\"winner\":2,\"judge\":\"j\"}\n"
              "{\"model_a\":\"A\",\"model_b\":\"B\",\"winner\":\"model_b\",\"judge\":\"j\"}\n\n"
              "{\"model_a\":\"B\",\"model_b\":\"A\",\"winner\":\"tie\",\"judge\":\"j\"}\n");
        const double eb = 1.0 / (1.0 + std::pow(10.0, 32.0 / 400.0));
        const double a2 = 1016 - 32 * (1 - eb), b2 = 984 + 32 * (1 - eb);
        // Game 3: B (b2) ties A (a2): E_B = 1/(1+10^((a2-b2)/400)); B += 32 (0.5 - E_B).
        const double eb3 = 1.0 / (1.0 + std::pow(10.0, (a2 - b2) / 400.0));
        const double b3 = b2 + 32 * (0.5 - eb3);
        for (const QString& file : {QStringLiteral("l.csv"), QStringLiteral("l.jsonl")}) {
            const auto j = json({QStringLiteral("rank"), QStringLiteral("--input"), path(file), QStringLiteral("--k"),
                                 QStringLiteral("32"), QStringLiteral("--bootstrap"), QStringLiteral("0"), QStringLiteral("--json")});
            QCOMPARE(j["models"].size(), size_t(2));
            for (const auto& m : j["models"]) {
                QCOMPARE(m["wins"].get<int>(), 1);
                QCOMPARE(m["ties"].get<int>(), 1);
                QCOMPARE(m["win_rate"].get<double>(), 0.5);
                if (m["model"] == "B")
                    QVERIFY(std::abs(m["rating"].get<double>() - b3) < 1e-9);
            }
        }
        // A custom mapping where 4 means "a": row 3 (B,A,4) becomes a win of B, so A 1 win, B 2.
        const auto c = json({QStringLiteral("rank"), QStringLiteral("--input"), path(QStringLiteral("l.csv")),
                             QStringLiteral("--likert"), QStringLiteral("1-4=a,5=tie,6-8=b"), QStringLiteral("--bootstrap"),
                             QStringLiteral("0"), QStringLiteral("--json")});
        for (const auto& m : c["models"])
            QCOMPARE(m["wins"].get<int>(), m["model"] == "A" ? 1 : 2);
    }

    void judgesPositionalBias()
    {
        // 10 decided judgments by one LLM; the first-shown output wins 9 -> rate 0.9 and the
        // two-sided binomial p = 2 (1 + 10) / 1024. One human only: no majority to compare with.
        QByteArray csv = "model_a,model_b,winner,judge,category,item,first_shown,judge_kind\n";
        for (int i = 0; i < 10; ++i) {
            const bool bFirst = i % 2 == 1;
            const bool firstWins = i != 3;
            const char* winner = (firstWins != bFirst) ? "model_a" : "model_b";
            const char* first = bFirst ? "model_b" : "model_a";
            csv += QStringLiteral("A,B,%1,bot,c,%2,%3,llm\n").arg(QLatin1String(winner)).arg(i).arg(QLatin1String(first)).toUtf8();
        }
        write(QStringLiteral("pos.csv"), csv);
        const auto j = json({QStringLiteral("judges"), QStringLiteral("--input"), path(QStringLiteral("pos.csv")), QStringLiteral("--json")});
        const auto& q = j["judges"][0];
        QCOMPARE(q["kind"].get<std::string>(), std::string("llm"));
        QCOMPARE(q["positional_bias"]["first_wins"].get<int>(), 9);
        QCOMPARE(q["positional_bias"]["decided"].get<int>(), 10);
        QCOMPARE(q["positional_bias"]["first_shown_assumed"].get<bool>(), false);
        QVERIFY(std::abs(q["positional_bias"]["p_value"].get<double>() - 22.0 / 1024.0) < 1e-12);
        QVERIFY(q["agreement"].is_null());
    }

    void judgesOnPandalm()
    {
        const auto j = json({QStringLiteral("judges"), QStringLiteral("--input"), m_data, QStringLiteral("--json")});
        QCOMPARE(j["judges"].size(), size_t(5));
        for (const auto& q : j["judges"]) {
            // Every LLM comparison has three human votes; the majority is undefined only when
            // they split a/b/tie.
            QVERIFY(q["agreement"].get<double>() > 0.5);
            QVERIFY(q["kappa"].get<double>() > 0.3);
            QVERIFY(!q["categories"].empty());
            QVERIFY(q["positional_bias"]["p_value"].get<double>() <= 1.0);
        }
    }

    void errors_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("message");
        QTest::newRow("badWinner") << QByteArray("model_a,model_b,winner\nA,B,model_a\nA,B,maybe\n") << QStringLiteral("bad.csv:3: winner");
        QTest::newRow("scoreOutOfRange") << QByteArray("model_a,model_b,winner\nA,B,9\n") << QStringLiteral("bad.csv:2: winner");
        QTest::newRow("missingColumn") << QByteArray("model_a,winner\nA,model_a\n") << QStringLiteral("bad.csv:1: the header has no \"model_b\"");
        QTest::newRow("fieldCount") << QByteArray("model_a,model_b,winner\nA,B\n") << QStringLiteral("bad.csv:2: expected 3 fields");
        QTest::newRow("badKind") << QByteArray("model_a,model_b,winner,judge_kind\nA,B,tie,robot\n") << QStringLiteral("bad.csv:2: judge_kind");
    }

    void errors()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, message);
        write(QStringLiteral("bad.csv"), content);
        chorus::test::expectCliError(
            run({QStringLiteral("rank"), QStringLiteral("--input"), path(QStringLiteral("bad.csv")), QStringLiteral("--json")}), 1,
            message);
    }

    void usageErrors()
    {
        for (const QStringList& args : {QStringList{QStringLiteral("rank")},
                                        QStringList{QStringLiteral("rank"), QStringLiteral("--input"), m_data,
                                                    QStringLiteral("--method"), QStringLiteral("glicko")},
                                        QStringList{QStringLiteral("rank"), QStringLiteral("--input"), m_data,
                                                    QStringLiteral("--ties"), QStringLiteral("maybe")}}) {
            QCOMPARE(run(args).code, 2);
        }
    }

private:
    nlohmann::json rank(const QString& judge, const QStringList& extra)
    {
        QStringList args{QStringLiteral("rank"), QStringLiteral("--input"), m_data, QStringLiteral("--judge"), judge,
                         QStringLiteral("--method"), QStringLiteral("bt"), QStringLiteral("--bootstrap"), QStringLiteral("0"),
                         QStringLiteral("--json")};
        return json(args + extra);
    }

    QString m_data;
};

QTEST_GUILESS_MAIN(TestCliPairwise)
#include "tst_cli_pairwise.moc"
